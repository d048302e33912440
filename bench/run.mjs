// `npm run bench` (and `--smoke` in `npm test`): runs bench/page in headless Chromium and
// headless Firefox, started as plain processes (no driver inspecting the network: that alone
// cuts raw throughput 3-4x), against the dev server; the page POSTs its results. Then measures
// the minimal echo apps' sizes, aggregates medians / ranges / ratios to raw JS, and writes
// bench/results/latest.json and latest.md (focused runs: focused.*), and the same tables into
// docs/benchmarks.md (the smoke run in npm test writes only bench/results/smoke.*).
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { ROOT, MINIBROWSER, startDevServer } from "../tests/js/browser.mjs";

const SMOKE = process.argv.includes("--smoke");
// Focused runs: --browsers=chromium --rounds=10 --workloads=text --clients="raw JS,gloo-net" --no-cycles
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=").slice(1).join("=");
const FOCUS = [["rounds", arg("rounds")], ["workloads", arg("workloads")], ["clients", arg("clients")],
  ["cycles", process.argv.includes("--no-cycles") ? "0" : undefined]]
  .filter(([, v]) => v !== undefined).map(([k, v]) => `&${k}=${encodeURIComponent(v)}`).join("");
const ONLY_BROWSERS = arg("browsers")?.split(",");
const FOCUSED = FOCUS !== "" || ONLY_BROWSERS !== undefined;
const OUT = path.join(ROOT, "bench/results");
const tmpResults = fs.mkdtempSync(path.join(os.tmpdir(), "sockwave-bench-"));
const ALL_CLIENTS = ["raw JS", "raw JS + UTF-8", "sockwave (Rust)", "sockwave (Rust reconnecting)", "sockwave (Rust Detached)", "sockwave (JS)",
  "sockwave (JS Socket)", "sockwave (JS reconnecting)", "sockwave (JS Socket reconnecting)", "gloo-net", "ws_stream_wasm",
  "raw JS + JSON", "sockwave (JS json)", "sockwave (Rust typed JSON)", "sockwave (Rust typed JSON.parse)",
  "JSON alone (no socket)", "serde_json alone (no socket)"];

function version(cmd) {
  try {
    return execFileSync(cmd, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

/** WebKitGTK's version, from its package (MiniBrowser has no --version). */
function webkitVersion() {
  try {
    return execFileSync("dpkg-query", ["-W", "-f=${Version}", "libwebkit2gtk-4.1-0"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

const BROWSERS = {
  chromium: (url, profile) => ["/usr/bin/chromium", [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--disable-extensions", `--user-data-dir=${profile}`, url]],
  firefox: (url, profile) => {
    fs.writeFileSync(path.join(profile, "user.js"), [
      'user_pref("network.websocket.delay-failed-reconnects", false);',
      'user_pref("browser.shell.checkDefaultBrowser", false);',
      'user_pref("datareporting.policy.dataSubmissionEnabled", false);',
      'user_pref("toolkit.telemetry.enabled", false);',
      'user_pref("app.update.enabled", false);',
      'user_pref("network.captive-portal-service.enabled", false);',
      'user_pref("network.connectivity-service.enabled", false);',
    ].join("\n"));
    return ["/usr/bin/firefox-esr", ["-headless", "-no-remote", "-profile", profile, url]];
  },
  // WebKitGTK's MiniBrowser (Safari's engine) as a plain process on a virtual X display: no
  // WebDriver in the way, like the other two.
  webkit: (url) => ["xvfb-run", ["-a", MINIBROWSER, url]],
};
const BINARIES = { chromium: "/usr/bin/chromium", firefox: "/usr/bin/firefox-esr", webkit: "/usr/bin/WebKitWebDriver" };

async function runBrowser(name, server) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `sockwave-bench-${name}-`));
  const resultFile = path.join(tmpResults, `${name}.json`);
  // The page learns the browser's pid to ask the dev server for its CPU time; start first,
  // then point the browser at the page.
  const urlFor = (pid) => `${server.httpBase}/index.html?ws=${server.wsBase}&name=${name}&pid=${pid}${SMOKE ? "&smoke=1" : ""}${FOCUS}`;
  const [cmd, args] = BROWSERS[name]("about:blank", profile);
  // Spawn directly on the final URL: the pid placeholder is the launcher's own pid, resolved by
  // the dev server walking the process tree from it.
  const child = spawn(cmd, args.slice(0, -1).concat(urlFor(process.pid)), { stdio: "ignore", detached: true });
  const deadline = Date.now() + (SMOKE ? 180_000 : 1_800_000);
  try {
    while (!fs.existsSync(resultFile)) {
      if (Date.now() > deadline) throw new Error(`${name}: no result in time`);
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    try { process.kill(-child.pid, "SIGKILL"); } catch {}
    fs.rmSync(profile, { recursive: true, force: true });
  }
  const result = JSON.parse(fs.readFileSync(resultFile, "utf8"));
  if (result.error) throw new Error(`${name}: ${result.error}`);
  return result;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const range = (xs) => [Math.min(...xs), Math.max(...xs)];

function aggregate(result) {
  const C = result.config;
  const by = (w, c) => result.runs.filter((r) => r.workload === w && r.client === c);
  const rows = {};
  for (const client of ALL_CLIENTS.filter((c) => result.runs.some((r) => r.client === c))) {
    const text = by("text", client), bin = by("binary", client), lat = by("latency", client);
    rows[client] = {
      textMsgsPerSec: text.map((r) => C.text / (r.ms / 1000)),
      binaryMBPerSec: bin.map((r) => (C.bin * C.binSize) / 1e6 / (r.ms / 1000)),
      p50us: lat.map((r) => r.p50us),
      p99us: lat.map((r) => r.p99us),
      cpuUsPerMsg: text.map((r) => r.cpuUsPerMsg).filter((x) => x !== undefined),
      // CPU per message over raw JS's in the same round, then their median.
      cpuOverRaw: text.map((r) => { const raw = by("text", "raw JS").find((x) => x.round === r.round); return raw?.cpuUsPerMsg && r.cpuUsPerMsg !== undefined ? r.cpuUsPerMsg / raw.cpuUsPerMsg - 1 : NaN; }).filter((x) => !Number.isNaN(x)),
      // Ratios to raw JS within the same round (interleaved runs), then their median.
      textRatio: text.map((r) => { const raw = by("text", "raw JS").find((x) => x.round === r.round); return raw ? raw.ms / r.ms : NaN; }),
      binaryRatio: bin.map((r) => { const raw = by("binary", "raw JS").find((x) => x.round === r.round); return raw ? raw.ms / r.ms : NaN; }),
      memoryGrowth: result.cycles[client] ?? null,
    };
    // Typed JSON: CPU per message, and over raw JS + JSON.parse in the same round.
    for (const w of ["json", "numbers"]) {
      const runs = by(w, client);
      rows[client][w] = {
        cpuUsPerMsg: runs.map((r) => r.cpuUsPerMsg).filter((x) => x !== undefined),
        cpuOverRaw: runs.map((r) => { const raw = by(w, "raw JS + JSON").find((x) => x.round === r.round); return raw?.cpuUsPerMsg && r.cpuUsPerMsg !== undefined ? r.cpuUsPerMsg / raw.cpuUsPerMsg - 1 : NaN; }).filter((x) => !Number.isNaN(x)),
      };
    }
  }
  return rows;
}

function sizes() {
  const out = {};
  const env = { ...process.env, CARGO_PROFILE_RELEASE_OPT_LEVEL: "3", CARGO_PROFILE_RELEASE_LTO: "false", CARGO_PROFILE_RELEASE_CODEGEN_UNITS: "16" };
  for (const [client, dir] of [["sockwave (Rust)", "sockwave"], ["gloo-net", "gloo-net"], ["ws_stream_wasm", "ws-stream-wasm"]]) {
    const target = fs.mkdtempSync(path.join(os.tmpdir(), "sockwave-size-"));
    // The default release profile (the workspace's own is overridden back to cargo's defaults),
    // wasm-opt from npm binaryen as wasm-pack runs it (-O).
    execFileSync("wasm-pack", ["--quiet", "build", `bench/size/${dir}`, "--release", "--target", "web", "--out-dir", target, "--no-pack", "--mode", "no-install"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] });
    const wasm = fs.readFileSync(fs.readdirSync(target).filter((f) => f.endsWith("_bg.wasm")).map((f) => path.join(target, f))[0]);
    const glue = fs.readFileSync(fs.readdirSync(target).filter((f) => f.endsWith(".js")).map((f) => path.join(target, f))[0]);
    out[client] = { wasm: wasm.length, wasmGzip: zlib.gzipSync(wasm, { level: 9 }).length, glue: glue.length, glueGzip: zlib.gzipSync(glue, { level: 9 }).length };
    fs.rmSync(target, { recursive: true, force: true });
  }
  return out;
}

const f0 = (x) => x.toFixed(0), f2 = (x) => x.toFixed(2);
function table(browsers, size) {
  const lines = [];
  for (const [name, { rows }] of Object.entries(browsers)) {
    lines.push(`### ${name}`, "",
      "| client | (a) text msgs/s | ratio | (b) binary MB/s | ratio | (c) p50 µs | p99 µs | (f) CPU µs/msg | over raw JS | (e) memory growth |",
      "|---|---|---|---|---|---|---|---|---|---|");
    const med = (xs, f) => (xs.length ? `${f(median(xs))} (${f(range(xs)[0])}–${f(range(xs)[1])})` : "–");
    const over = (xs) => (xs.length ? `${median(xs) >= 0 ? "+" : ""}${(median(xs) * 100).toFixed(1)}%` : "–");
    const typed = Object.entries(rows).filter(([, r]) => r.json.cpuUsPerMsg.length || r.numbers.cpuUsPerMsg.length);
    for (const [client, r] of Object.entries(rows)) {
      if (typed.some(([c]) => c === client)) continue;
      const ratio = (xs) => (xs.length && !xs.some(Number.isNaN) ? `${f2(median(xs))}×` : "–");
      lines.push(`| ${client} | ${med(r.textMsgsPerSec, f0)} | ${ratio(r.textRatio)} | ${med(r.binaryMBPerSec, f0)} | ${ratio(r.binaryRatio)} | ${med(r.p50us, f0)} | ${med(r.p99us, f0)} | ${med(r.cpuUsPerMsg, f2)} | ${r.cpuOverRaw.length ? `${median(r.cpuOverRaw) >= 0 ? "+" : ""}${(median(r.cpuOverRaw) * 100).toFixed(1)}%` : "–"} | ${r.memoryGrowth === null ? "–" : `${r.memoryGrowth} B`} |`);
    }
    lines.push("");
    if (typed.length) {
      lines.push("(g) typed JSON: CPU µs per message (a small object; 16 numbers), over raw JS + JSON.parse / JSON.stringify. The rows \"alone (no socket)\" are the codec's own cost (encode, then decode), no socket: the part of each row above that is the codec", "",
        "| client | small object µs/msg | over raw JS + JSON | numbers µs/msg | over raw JS + JSON |", "|---|---|---|---|---|");
      for (const [client, r] of typed) {
        lines.push(`| ${client} | ${med(r.json.cpuUsPerMsg, f2)} | ${over(r.json.cpuOverRaw)} | ${med(r.numbers.cpuUsPerMsg, f2)} | ${over(r.numbers.cpuOverRaw)} |`);
      }
      lines.push("");
    }
  }
  if (Object.keys(size).length === 0) return lines.join("\n"); // focused runs measure no sizes
  lines.push("### (d) minimal echo app size (default release profile, wasm-opt -O)", "",
    "| client | .wasm | .wasm gzip -9 | JS glue | JS glue gzip -9 |", "|---|---|---|---|---|");
  for (const [client, s] of Object.entries(size)) {
    lines.push(`| ${client} | ${s.wasm} B | ${s.wasmGzip} B | ${s.glue} B | ${s.glueGzip} B |`);
  }
  return lines.join("\n");
}

const server = await startDevServer(path.join(ROOT, "bench/page"), { results: tmpResults });
const browsers = {};
try {
  for (const name of Object.keys(BROWSERS).filter((b) => !ONLY_BROWSERS || ONLY_BROWSERS.includes(b))) {
    console.log(`bench: ${name}${SMOKE ? " (smoke)" : ""}…`);
    const result = await runBrowser(name, server);
    browsers[name] = { version: name === "webkit" ? `WebKitGTK ${webkitVersion()}` : version(BINARIES[name]), userAgent: result.userAgent, config: result.config, rows: aggregate(result), runs: result.runs };
  }
} finally {
  await server.stop();
}
const size = FOCUSED ? {} : (console.log("bench: sizes…"), sizes());
const machine = `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`;
const report = { date: new Date().toISOString(), smoke: SMOKE, machine, browsers, size };
const md = `## Benchmark${SMOKE ? " (smoke: tiny counts, not figures)" : ""}\n\n${report.date.slice(0, 10)}, ${machine}; ${Object.values(browsers).map((b) => b.version).join("; ")}. Medians over ${Object.values(browsers)[0].config.rounds} interleaved rounds (range in parentheses); ratios are to raw JS in the same round.\n\n${table(browsers, size)}\n`;
fs.mkdirSync(OUT, { recursive: true });
const base = SMOKE ? "smoke" : FOCUSED ? "focused" : "latest";
fs.writeFileSync(path.join(OUT, `${base}.json`), JSON.stringify(report, null, 2));
fs.writeFileSync(path.join(OUT, `${base}.md`), md);
if (!SMOKE) {
  // docs/benchmarks.md carries the last full and the last focused run: this one replaces its
  // block (between the markers), headings one level down.
  const doc = path.join(ROOT, "docs/benchmarks.md");
  const [start, end] = [`<!-- bench:${base} -->`, `<!-- /bench:${base} -->`];
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).map((a) => (/[ ,(]/.test(a) ? `'${a}'` : a)).join(" ")}` : ""}`;
  const block = `${start}\n${md.replace(/^(#+) /gm, "#$1 ")}\nWritten by \`${command}\`.\n${end}`;
  const text = fs.readFileSync(doc, "utf8");
  if (!text.includes(start)) throw new Error(`${doc} has no ${start} marker`);
  fs.writeFileSync(doc, text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), () => block));
  console.log(`bench: docs/benchmarks.md (${base}) rewritten`);
}
console.log(md);
fs.rmSync(tmpResults, { recursive: true, force: true });
