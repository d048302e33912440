// The bench page: the same workloads for every client, interleaved, in this one page.
// Raw JS and sockwave's JS API run here; the Rust clients (sockwave, gloo-net, ws_stream_wasm)
// run in the bench crate's wasm. Results are POSTed to the dev server (no driver watches the
// network: that would slow WebSockets down and void the figures).
import initRust, { run as runRust } from "./pkg/sockwave_bench.js";
import initJs, { Socket as SwSocket, connect as swConnect } from "./sockwave/js/index.js";

const P = new URLSearchParams(location.search);
const WS = `${P.get("ws")}/echo`;
const PID = P.get("pid");
const NAME = P.get("name") || "browser";
const SMOKE = P.get("smoke") === "1";
const C = SMOKE
  ? { rounds: 1, text: 2000, window: 1000, bin: 8, binSize: 1 << 20, binWindow: 8, rtt: 200, cycles: 50 }
  : { rounds: 5, text: 100000, window: 1000, bin: 200, binSize: 1 << 20, binWindow: 8, rtt: 5000, cycles: 10000 };
// Focused runs: ?rounds=N&workloads=text,binary&clients=raw%20JS,gloo-net&cycles=0
if (P.get("rounds")) C.rounds = Number(P.get("rounds"));
const WORKLOADS = (P.get("workloads") || "text,binary,latency,json,numbers").split(",");
// Typed JSON (issue 26), C.text messages each: a small object, and a number-heavy one; run by
// the JSON clients only (and they run nothing else), CPU compared with raw JS + JSON.parse.
const JSON_WORKLOADS = ["json", "numbers"];
const VALUES = {
  json: { id: 7, user: "alice", text: "hello, world ✓" },
  numbers: { v: Array.from({ length: 16 }, (_, i) => i * 1.25 - 3.5) },
};
const valid = { json: (v) => v.id === 7 && v.text.length === 14, numbers: (v) => v.v.length === 16 && v.v[2] === -1 };
const ONLY = P.get("clients") ? P.get("clients").split(",") : null;
const CYCLES = P.get("cycles") !== "0";
const out = document.getElementById("out");
const log = (s) => { out.textContent += `\n${s}`; };

// ---- JS clients: { send(data) -> Promise|void, recv() -> Promise<data>, close() }.
// `open`: the socket to drive this way (the engine's, or sockwave's standard `Socket`).
function rawClient(url, open = (u) => new WebSocket(u)) {
  return new Promise((resolve, reject) => {
    const ws = open(url);
    ws.binaryType = "arraybuffer";
    const queue = [];
    let head = 0;
    let waiter = null;
    ws.onmessage = (e) => {
      if (waiter) { const w = waiter; waiter = null; w(e.data); } else queue.push(e.data);
    };
    ws.onerror = () => reject(new Error("raw: connect failed"));
    ws.onopen = () => resolve({
      send: (d) => ws.send(d),
      recv: () => {
        if (head < queue.length) {
          const d = queue[head++];
          if (head > 1024 && head * 2 > queue.length) { queue.splice(0, head); head = 0; }
          return Promise.resolve(d);
        }
        return new Promise((r) => { waiter = r; });
      },
      close: () => ws.close(),
    });
  });
}

// Raw JS doing what every Rust client must: each text message received is copied into linear
// memory as UTF-8 (wasm-bindgen's encodeInto), each one sent is decoded from it (TextDecoder).
// Not a library: the floor a wasm client's text path can reach (focused runs only).
async function rawTranscodingClient(url) {
  const raw = await rawClient(url);
  const memory = new Uint8Array(1 << 16);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });
  return {
    send: (d) => {
      if (typeof d !== "string") return raw.send(d);
      const { written } = encoder.encodeInto(d, memory);
      return raw.send(decoder.decode(memory.subarray(0, written)));
    },
    recv: async () => {
      const d = await raw.recv();
      if (typeof d === "string") encoder.encodeInto(d, memory.subarray(4096));
      return d;
    },
    close: raw.close,
  };
}

// Reads with `nextValue()`, a promise of the next message: the shape of the raw client's
// `recv` (a `for await` loop also builds an iterator result per message; wrapping `it.next()`
// in an async function built two more promises per message than the raw client does).
async function sockwaveJsClient(url, options) {
  const ws = await swConnect(url, options);
  return {
    send: (d) => ws.send(d),
    recv: () => ws.nextValue(),
    close: () => { ws.close(); },
  };
}

const size = (d) => (typeof d === "string" ? d.length : d.byteLength);

// Raw JS as an app writes JSON by hand over the engine's socket: stringify, parse.
async function rawJsonClient(url) {
  const raw = await rawClient(url);
  return { send: (v) => raw.send(JSON.stringify(v)), recv: () => raw.recv().then(JSON.parse), close: raw.close };
}

// (g) The codec alone, no socket: JSON.stringify then JSON.parse, C.text times: what a JSON
// client adds to each message, beside serde_json's own cost in wasm ("serde_json alone").
async function jsonAlone(workload) {
  const value = VALUES[workload], ok = valid[workload];
  const t = performance.now();
  for (let i = 0; i < C.text; i++) if (!ok(JSON.parse(JSON.stringify(value)))) throw new Error("wrong value");
  return { ms: performance.now() - t };
}

async function jsWorkload(make, workload) {
  const c = await make(WS);
  try {
    if (JSON_WORKLOADS.includes(workload)) {
      const value = VALUES[workload], ok = valid[workload];
      let sent = 0, received = 0;
      const t = performance.now();
      while (received < C.text) {
        while (sent < C.text && sent - received < C.window) { await c.send(value); sent++; }
        if (!ok(await c.recv())) throw new Error("wrong echo");
        received++;
      }
      return { ms: performance.now() - t };
    }
    if (workload === "text") {
      const payload = "0123456789abcdef0123456789abcdef";
      let sent = 0, received = 0;
      const t = performance.now();
      while (received < C.text) {
        while (sent < C.text && sent - received < C.window) { await c.send(payload); sent++; }
        if (size(await c.recv()) !== 32) throw new Error("wrong echo");
        received++;
      }
      return { ms: performance.now() - t };
    }
    if (workload === "binary") {
      const payload = new Uint8Array(C.binSize).fill(7);
      let sent = 0, received = 0;
      const t = performance.now();
      while (received < C.bin) {
        while (sent < C.bin && sent - received < C.binWindow) { await c.send(payload); sent++; }
        if (size(await c.recv()) !== C.binSize) throw new Error("wrong echo length");
        received++;
      }
      return { ms: performance.now() - t };
    }
    if (workload === "latency") {
      const rtts = new Float64Array(C.rtt);
      for (let i = 0; i < C.rtt; i++) {
        const t = performance.now();
        await c.send("0123456789abcdef");
        await c.recv();
        rtts[i] = performance.now() - t;
      }
      return { rtts };
    }
  } finally {
    c.close();
  }
  throw new Error(`unknown workload ${workload}`);
}

let jsWasm = null;
async function jsCycles() {
  let warm = 0;
  for (let i = 0; i < C.cycles; i++) {
    const c = await sockwaveJsClient(WS);
    await c.send("cycle");
    await c.recv();
    c.close();
    if (i + 1 === C.cycles / 10) warm = jsWasm.memory.buffer.byteLength;
  }
  return { growth: jsWasm.memory.buffer.byteLength - warm };
}

const n = (w) => ({ text: C.text, binary: C.bin, latency: C.rtt, cycles: C.cycles, json: C.text, numbers: C.text })[w];
const win = (w) => (w === "binary" ? C.binWindow : C.window);
const rust = (id) => (w) => runRust(id, w, WS, n(w), win(w), C.binSize);
const RUST = {
  "sockwave (Rust)": "sockwave", "gloo-net": "gloo-net", "ws_stream_wasm": "ws_stream_wasm",
  "sockwave (Rust reconnecting)": "sockwave-reconnecting",
  "sockwave (Rust Detached)": "sockwave-detached",
  "sockwave (Rust typed JSON)": "typed-json",
  "sockwave (Rust typed JSON.parse)": "typed-json-parse",
  "serde_json alone (no socket)": "serde-json-alone",
};
const CLIENTS = {
  "raw JS": (w) => jsWorkload(rawClient, w),
  "sockwave (Rust)": rust(RUST["sockwave (Rust)"]),
  "sockwave (JS)": (w) => jsWorkload(sockwaveJsClient, w),
  // The standard `Socket`, driven as raw JS drives the engine's: its cost is the event it
  // dispatches again for each one the engine fires.
  "sockwave (JS Socket)": (w) => jsWorkload((url) => rawClient(url, (u) => new SwSocket(u)), w),
  "gloo-net": rust(RUST["gloo-net"]),
  "ws_stream_wasm": rust(RUST["ws_stream_wasm"]),
  "raw JS + UTF-8": (w) => jsWorkload(rawTranscodingClient, w),
  "sockwave (JS reconnecting)": (w) => jsWorkload((url) => sockwaveJsClient(url, { reconnect: {} }), w),
  "sockwave (JS Socket reconnecting)": (w) => jsWorkload((url) => rawClient(url, (u) => new SwSocket(u, [], { reconnect: {} })), w),
  "sockwave (Rust reconnecting)": rust(RUST["sockwave (Rust reconnecting)"]),
  "sockwave (Rust Detached)": rust(RUST["sockwave (Rust Detached)"]),
  "raw JS + JSON": (w) => jsWorkload(rawJsonClient, w),
  "sockwave (JS json)": (w) => jsWorkload((url) => sockwaveJsClient(url, { codec: "json" }), w),
  "sockwave (Rust typed JSON)": rust(RUST["sockwave (Rust typed JSON)"]),
  "sockwave (Rust typed JSON.parse)": rust(RUST["sockwave (Rust typed JSON.parse)"]),
  "JSON alone (no socket)": jsonAlone,
  "serde_json alone (no socket)": rust(RUST["serde_json alone (no socket)"]),
};
// The clients of the JSON workloads (and of no other).
const JSON_CLIENTS = ["raw JS + JSON", "sockwave (JS json)", "sockwave (Rust typed JSON)", "sockwave (Rust typed JSON.parse)",
  "JSON alone (no socket)", "serde_json alone (no socket)"];
// Clients that run only when named (?clients=...): a reference, and variants of those above.
const ON_REQUEST = ["raw JS + UTF-8", "sockwave (JS reconnecting)", "sockwave (JS Socket reconnecting)", "sockwave (Rust reconnecting)", "sockwave (Rust Detached)"];

async function cpuMs() {
  if (!PID) return null;
  const r = await fetch(`/__cpu?pid=${PID}`);
  return (await r.json()).page;
}

function summarize(rtts) {
  const s = Array.from(rtts).sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { p50us: q(0.5) * 1000, p99us: q(0.99) * 1000 };
}

async function main() {
  jsWasm = await initJs();
  await initRust();
  const runs = [];
  const names = Object.keys(CLIENTS).filter((c) => (ONLY ? ONLY.includes(c) : !ON_REQUEST.includes(c)));
  for (let round = 0; round < C.rounds; round++) {
    for (const workload of WORKLOADS) {
      for (const client of names.filter((c) => JSON_CLIENTS.includes(c) === JSON_WORKLOADS.includes(workload))) {
        const perMessage = workload === "text" || JSON_WORKLOADS.includes(workload);
        const cpu0 = perMessage ? await cpuMs() : null;
        const r = await CLIENTS[client](workload);
        const cpu1 = perMessage ? await cpuMs() : null;
        const run = { round, workload, client };
        if (r.ms !== undefined) run.ms = r.ms;
        if (r.rtts) Object.assign(run, summarize(r.rtts));
        if (cpu0 !== null && cpu1 !== null) run.cpuUsPerMsg = ((cpu1 - cpu0) * 1000) / C.text;
        runs.push(run);
        log(JSON.stringify(run));
      }
    }
  }
  const cycles = {};
  for (const [client, id] of Object.entries(CYCLES ? RUST : {}).filter(([c]) => !JSON_CLIENTS.includes(c))) {
    cycles[client] = (await runRust(id, "cycles", WS, C.cycles, 1, 0)).growth;
    log(`${client} cycles growth ${cycles[client]}`);
  }
  if (CYCLES) cycles["sockwave (JS)"] = (await jsCycles()).growth;
  return { config: C, userAgent: navigator.userAgent, runs, cycles };
}

main().then(
  (result) => fetch(`/__results?name=${NAME}`, { method: "POST", body: JSON.stringify(result) }),
  (e) => fetch(`/__results?name=${NAME}`, { method: "POST", body: JSON.stringify({ error: String(e && e.stack || e) }) }),
).then(() => log("posted"));
