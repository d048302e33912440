//! `npm run bench`, native section: sockwave's native face against raw tokio-tungstenite (the
//! ceiling, as the raw JS socket is in the browser bench), the same workloads against the same
//! dev server, interleaved over rounds. Workloads as in the browser bench: (a) text messages
//! of 32 B, at most 1,000 in flight, echoed; (b) 1 MiB binary messages, window 8; (c)
//! sequential round trips of 16 B (p50 / p99); (f) CPU time of this process per message of
//! (a), from `/proc/self/stat` (the dev server is another process).
//!
//! Clients: `raw tokio-tungstenite` (one task, no split), `sockwave` (the plain `WebSocket`,
//! Send + Sync: its driver task owns the connection), `sockwave reconnecting` (the
//! `ReconnectingWebSocket`, the machine in the loop) and `sockwave Detached` (the plain socket
//! behind `Detached`, the handle that is Send + Sync on every target: one more task and its
//! channels).
//!
//! Usage: `sockwave-bench-native WS_BASE [--rounds=N] [--smoke] [--doc=PATH]`; with `--doc`,
//! the table replaces the `<!-- bench:native -->` block of that file.

use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite;

/// Sizes of one run.
#[derive(Clone, Copy)]
struct Counts {
    text: usize,
    window: usize,
    binary: usize,
    binary_window: usize,
    binary_size: usize,
    rtt: usize,
}

const FULL: Counts = Counts {
    text: 100_000,
    window: 1_000,
    binary: 200,
    binary_window: 8,
    binary_size: 1 << 20,
    rtt: 5_000,
};
const SMOKE: Counts = Counts {
    text: 500,
    window: 50,
    binary: 4,
    binary_window: 2,
    binary_size: 64 << 10,
    rtt: 50,
};

/// What a client must do for the workloads: send, receive, as text or binary.
trait Client: Sized {
    async fn connect(url: &str) -> Self;
    async fn feed(&mut self, text: Option<&str>, binary: Option<&[u8]>);
    async fn flush(&mut self);
    /// The next message's length.
    async fn recv(&mut self) -> usize;
    async fn close(self);
}

struct Raw(
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
);

impl Client for Raw {
    async fn connect(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true)
            .await
            .expect("raw connect");
        Raw(ws)
    }
    async fn feed(&mut self, text: Option<&str>, binary: Option<&[u8]>) {
        let m = match (text, binary) {
            (Some(t), _) => tungstenite::Message::text(t),
            (_, Some(b)) => tungstenite::Message::binary(b.to_vec()),
            _ => unreachable!(),
        };
        self.0.feed(m).await.expect("raw feed");
    }
    async fn flush(&mut self) {
        self.0.flush().await.expect("raw flush");
    }
    async fn recv(&mut self) -> usize {
        loop {
            match self.0.next().await {
                Some(Ok(tungstenite::Message::Text(t))) => return t.len(),
                Some(Ok(tungstenite::Message::Binary(b))) => return b.len(),
                Some(Ok(_)) => continue,
                other => panic!("raw recv: {other:?}"),
            }
        }
    }
    async fn close(mut self) {
        let _ = self.0.close(None).await;
    }
}

/// sockwave's clients differ only in how they open: the rest is one impl.
macro_rules! sockwave_client {
    ($name:ident($inner:ty), |$url:ident| $open:expr) => {
        struct $name($inner);

        impl Client for $name {
            async fn connect($url: &str) -> Self {
                $name($open)
            }
            async fn feed(&mut self, text: Option<&str>, binary: Option<&[u8]>) {
                let m = match (text, binary) {
                    (Some(t), _) => sockwave::Message::text(t),
                    (_, Some(b)) => sockwave::Message::binary(b.to_vec()),
                    _ => unreachable!(),
                };
                self.0.feed(m).await.expect("feed");
            }
            async fn flush(&mut self) {
                self.0.flush().await.expect("flush");
            }
            async fn recv(&mut self) -> usize {
                match self.0.next().await {
                    Some(Ok(m)) => m.len(),
                    other => panic!("recv: {other:?}"),
                }
            }
            async fn close(self) {
                let _ = self.0.close_with(1000u16, "").await;
            }
        }
    };
}

sockwave_client!(Sockwave(sockwave::WebSocket), |url| {
    sockwave::WebSocket::connect(url).await.expect("connect")
});

sockwave_client!(
    Reconnecting(sockwave::reconnect::ReconnectingWebSocket),
    |url| {
        use sockwave::reconnect::{ConnectionState, ReconnectingWebSocket};
        let ws = ReconnectingWebSocket::builder(url).build();
        let mut states = ws.states();
        while let Some(s) = states.next().await {
            if s == ConnectionState::Open {
                break;
            }
        }
        ws
    }
);

sockwave_client!(Detached(sockwave::Detached), |url| {
    sockwave::Detached::new(sockwave::WebSocket::connect(url).await.expect("connect"))
});

/// The typed JSON workload's value: a small object.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Small {
    id: u32,
    user: String,
    text: String,
}

fn small() -> Small {
    Small {
        id: 7,
        user: "alice".into(),
        text: "hello, world ✓".into(),
    }
}

/// (g) typed JSON, CPU µs per message: raw tokio-tungstenite with serde_json by hand.
async fn json_raw(url: &str, n: Counts) -> f64 {
    let mut c = Raw::connect(url).await;
    let value = small();
    let cpu0 = cpu();
    let (mut sent, mut received) = (0, 0);
    while received < n.text {
        while sent < n.text && sent - received < n.window {
            let text = serde_json::to_string(&value).expect("encode");
            c.0.feed(tungstenite::Message::text(text))
                .await
                .expect("raw feed");
            sent += 1;
        }
        c.0.flush().await.expect("raw flush");
        let echo: Small = match c.0.next().await {
            Some(Ok(tungstenite::Message::Text(t))) => serde_json::from_str(&t).expect("decode"),
            other => panic!("raw recv: {other:?}"),
        };
        assert_eq!(echo.id, 7);
        received += 1;
    }
    let used = cpu() - cpu0;
    c.close().await;
    used.as_secs_f64() * 1e6 / n.text as f64
}

/// (g) typed JSON, CPU µs per message: sockwave's `Typed` with its JSON codec.
async fn json_typed(url: &str, n: Counts) -> f64 {
    use sockwave::typed::{JsonSerdeCodec, Typed};
    let ws = sockwave::WebSocket::connect(url).await.expect("connect");
    let mut c = Typed::<_, Small, Small, JsonSerdeCodec>::new(ws);
    let value = small();
    let cpu0 = cpu();
    let (mut sent, mut received) = (0, 0);
    while received < n.text {
        while sent < n.text && sent - received < n.window {
            c.feed(value.clone()).await.expect("feed");
            sent += 1;
        }
        c.flush().await.expect("flush");
        let echo = c.next().await.expect("an echo").expect("decoded");
        assert_eq!(echo.id, 7);
        received += 1;
    }
    let used = cpu() - cpu0;
    let _ = c.into_inner().close_with(1000u16, "").await;
    used.as_secs_f64() * 1e6 / n.text as f64
}

/// CPU time of this process so far (user + system), to the nanosecond
/// (`CLOCK_PROCESS_CPUTIME_ID`; `/proc/self/stat` counts 10 ms ticks, 2% of a text round).
fn cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid `timespec` for the call to write.
    let failed = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) } != 0;
    assert!(!failed, "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)");
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// (a) text: msgs/s and CPU µs per message.
async fn text<C: Client>(url: &str, n: Counts) -> (f64, f64) {
    let mut c = C::connect(url).await;
    let payload = "0123456789abcdef0123456789abcdef";
    let (start, cpu0) = (Instant::now(), cpu());
    let (mut sent, mut received) = (0, 0);
    while received < n.text {
        while sent < n.text && sent - received < n.window {
            c.feed(Some(payload), None).await;
            sent += 1;
        }
        c.flush().await;
        assert_eq!(c.recv().await, 32);
        received += 1;
    }
    let (elapsed, cpu_used) = (start.elapsed(), cpu() - cpu0);
    c.close().await;
    (
        n.text as f64 / elapsed.as_secs_f64(),
        cpu_used.as_secs_f64() * 1e6 / n.text as f64,
    )
}

/// (b) binary: MB/s.
async fn binary<C: Client>(url: &str, n: Counts) -> f64 {
    let mut c = C::connect(url).await;
    let payload = vec![7u8; n.binary_size];
    let start = Instant::now();
    let (mut sent, mut received) = (0, 0);
    while received < n.binary {
        while sent < n.binary && sent - received < n.binary_window {
            c.feed(None, Some(&payload)).await;
            sent += 1;
        }
        c.flush().await;
        assert_eq!(c.recv().await, n.binary_size);
        received += 1;
    }
    let elapsed = start.elapsed();
    c.close().await;
    (n.binary * n.binary_size) as f64 / 1e6 / elapsed.as_secs_f64()
}

/// (c) round trips: p50 and p99 in µs.
async fn latency<C: Client>(url: &str, n: Counts) -> (f64, f64) {
    let mut c = C::connect(url).await;
    let mut rtts = Vec::with_capacity(n.rtt);
    for _ in 0..n.rtt {
        let t = Instant::now();
        c.feed(Some("0123456789abcdef"), None).await;
        c.flush().await;
        c.recv().await;
        rtts.push(t.elapsed().as_secs_f64() * 1e6);
    }
    c.close().await;
    rtts.sort_by(f64::total_cmp);
    let q = |p: f64| rtts[((p * rtts.len() as f64) as usize).min(rtts.len() - 1)];
    (q(0.5), q(0.99))
}

#[derive(Default, Clone)]
struct Row {
    text: Vec<f64>,
    cpu: Vec<f64>,
    binary: Vec<f64>,
    p50: Vec<f64>,
    p99: Vec<f64>,
    text_ratio: Vec<f64>,
    binary_ratio: Vec<f64>,
    cpu_ratio: Vec<f64>,
}

async fn round<C: Client>(url: &str, n: Counts, row: &mut Row) {
    let (t, c) = text::<C>(url, n).await;
    row.text.push(t);
    row.cpu.push(c);
    row.binary.push(binary::<C>(url, n).await);
    let (p50, p99) = latency::<C>(url, n).await;
    row.p50.push(p50);
    row.p99.push(p99);
}

fn median(xs: &[f64]) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "ws://127.0.0.1:9998".into());
    let arg = |name: &str| {
        args.iter()
            .find_map(|a| a.strip_prefix(&format!("--{name}=")).map(str::to_owned))
    };
    let smoke = args.iter().any(|a| a == "--smoke");
    let rounds: usize = arg("rounds")
        .and_then(|r| r.parse().ok())
        .unwrap_or(if smoke { 1 } else { 5 });
    let n = if smoke { SMOKE } else { FULL };
    let url = format!("{base}/echo");
    // One thread, as a UI or game loop would give it: every task and the driver share it, so
    // CPU per message counts everything the client does.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let names = [
        "raw tokio-tungstenite",
        "sockwave",
        "sockwave reconnecting",
        "sockwave Detached",
    ];
    let mut rows = vec![Row::default(); names.len()];
    // (g): raw + serde_json's and Typed's CPU per message, by pair of runs.
    let (mut json_raw_cpu, mut json_typed_cpu) = (Vec::new(), Vec::new());
    runtime.block_on(async {
        for r in 0..rounds {
            eprintln!("native bench: round {}/{rounds}", r + 1);
            round::<Raw>(&url, n, &mut rows[0]).await;
            round::<Sockwave>(&url, n, &mut rows[1]).await;
            round::<Reconnecting>(&url, n, &mut rows[2]).await;
            round::<Detached>(&url, n, &mut rows[3]).await;
            // Raw, typed, typed, raw: the machine's drift within a pair falls on both alike.
            // Three pairs a round: one run's CPU per message moves by up to 10% (most of it is
            // the kernel's, and how messages batch into reads and writes).
            for _ in 0..3 {
                let (raw_first, typed_first) = (json_raw(&url, n).await, json_typed(&url, n).await);
                let (typed_then, raw_then) = (json_typed(&url, n).await, json_raw(&url, n).await);
                json_raw_cpu.push((raw_first + raw_then) / 2.0);
                json_typed_cpu.push((typed_first + typed_then) / 2.0);
            }
        }
    });
    // Ratios to raw within each round, then their median.
    let raw = rows[0].clone();
    for row in &mut rows {
        for i in 0..rounds {
            row.text_ratio.push(row.text[i] / raw.text[i]);
            row.binary_ratio.push(row.binary[i] / raw.binary[i]);
            row.cpu_ratio.push(raw.cpu[i] / row.cpu[i]);
        }
    }
    let date = std::process::Command::new("date")
        .arg("+%F")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let mut md = format!(
        "### Native (tokio current-thread runtime){}\n\n{date}, {} rounds, interleaved; ratios to raw tokio-tungstenite in the same round (CPU: raw's CPU per message over the client's, so above 1 is cheaper).\n\n",
        if smoke { " (smoke: tiny counts, not figures)" } else { "" },
        rounds
    );
    md.push_str("| client | (a) text msgs/s | ratio | (b) binary MB/s | ratio | (c) p50 µs | p99 µs | (f) CPU µs/msg | CPU ratio |\n|---|---|---|---|---|---|---|---|---|\n");
    for (name, r) in names.iter().zip(&rows) {
        md.push_str(&format!(
            "| {name} | {:.0} | {:.2}× | {:.0} | {:.2}× | {:.0} | {:.0} | {:.2} | {:.2}× |\n",
            median(&r.text),
            median(&r.text_ratio),
            median(&r.binary),
            median(&r.binary_ratio),
            median(&r.p50),
            median(&r.p99),
            median(&r.cpu),
            median(&r.cpu_ratio),
        ));
    }
    let over: Vec<f64> = json_typed_cpu
        .iter()
        .zip(&json_raw_cpu)
        .map(|(t, r)| t / r - 1.0)
        .collect();
    md.push_str(&format!(
        "\n(g) typed JSON (a small object, text; three times a round raw, typed, typed, raw): raw tokio-tungstenite + serde_json {:.2} µs/msg, sockwave `Typed` + `JsonSerdeCodec` {:.2} µs/msg: {:+.1}% (median of the ratios; by pair: {}).\n",
        median(&json_raw_cpu),
        median(&json_typed_cpu),
        median(&over) * 100.0,
        over.iter()
            .map(|o| format!("{:+.1}%", o * 100.0))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    println!("{md}");
    if let Some(doc) = arg("doc") {
        let text = std::fs::read_to_string(&doc).expect("the docs file");
        let (start, end) = ("<!-- bench:native -->", "<!-- /bench:native -->");
        let (Some(a), Some(b)) = (text.find(start), text.find(end)) else {
            panic!("{doc} has no {start} block");
        };
        let out = format!(
            "{}{start}\n{md}\nWritten by `npm run bench` (`sockwave-bench-native`).\n{}",
            &text[..a],
            &text[b..]
        );
        std::fs::write(&doc, out).expect("write the docs file");
        eprintln!("native bench: {doc} rewritten");
    }
}
