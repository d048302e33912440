//! Benchmark support (used by `npm run bench`): CPU time of a browser's page processes, read
//! from /proc, and saving the results the bench page posts.

use std::path::Path;

/// CPU time (ms) of `root` and its descendants: `(page processes, all processes)`. Page
/// processes are Chromium renderers (`--type=renderer`), Firefox content processes
/// (`-contentproc ... tab`) and WebKit's web processes (`WebKitWebProcess`). Linux only; zeros elsewhere.
pub fn cpu_ms(root: u32) -> (f64, f64) {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return (0.0, 0.0);
    };
    // (pid, ppid, cpu ticks, is page process)
    let procs: Vec<(u32, u32, u64, bool)> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // Fields after the parenthesised command name: state ppid ... utime(14) stime(15).
            let rest = &stat[stat.rfind(')')? + 2..];
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ppid = fields.get(1)?.parse().ok()?;
            let ticks =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let cmdline = String::from_utf8_lossy(&cmdline);
            let page = cmdline.contains("--type=renderer")
                || (cmdline.contains("-contentproc") && cmdline.contains("tab"))
                || cmdline.contains("WebKitWebProcess");
            Some((pid, ppid, ticks, page))
        })
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(procs.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    // Clock ticks are 100 per second on Linux.
    let ms = |ticks: u64| ticks as f64 * 10.0;
    let members = procs.iter().filter(|p| tree.contains(&p.0));
    let (page, all) = members.fold((0, 0), |(page, all), p| {
        (page + if p.3 { p.2 } else { 0 }, all + p.2)
    });
    (ms(page), ms(all))
}

/// Saves a posted result as `dir/name.json` (name restricted to a safe file name).
pub fn save(dir: &Path, name: &str, body: &[u8]) -> std::io::Result<()> {
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    if safe.is_empty() || safe.starts_with('.') {
        return Err(std::io::Error::other("bad result name"));
    }
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(format!("{safe}.json")), body)
}
