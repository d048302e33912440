// The simulation's schedules, replayed through the real JS shell: the traces of both faces for
// the same seed must be equal (docs/machine.md, "Tested at simulation speed").
//
// The Rust side (`cargo test`, src/reconnect/sim/) runs seeded fault schedules through the
// real Rust shells over a simulated server and clock, and writes the first 2,000, each with
// the trace it gave, to target/sim-traces/traces.json (or $SOCKWAVE_SIM_TRACES). This test
// replays each one through `connect(url, options)` of js/ (js/socket.js + js/reconnect.js +
// the machine's .wasm) in a fake world (fakes.mjs: virtual clock and timers, fake WebSocket
// and server, online/offline; replay.mjs: the app's steps and the trace) and compares the
// traces kind by kind. $SOCKWAVE_SHELL_SEED replays one seed alone, as it does in Rust.
//
// What's tested:
// - every schedule of the file: the JS trace equals the Rust one (the states the socket
//   reports, what send() and reconnect() gave, what the server got, what the app got), each
//   at the same virtual ms; a difference prints the seed, the first differing entry, both
//   traces and the steps around it;
// - a schedule that runs past a bound of clock entries fails instead of hanging, and every
//   fake is gone after a replay;
// - the comparison itself (on tests/js/fixtures/sample-traces.json, written by hand): an
//   altered entry, a missing one or a moved time fails; two kinds reordered within one ms do
//   not; a missing file fails saying to run cargo test;
// - the fake clock: timers by (due time, creation), delays read as a browser reads them.
//
// Run: node --test tests/js/replay.test.mjs
// (SOCKWAVE_SIM_TRACES=tests/js/fixtures/sample-traces.json for the hand-written sample).
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Clock } from "./fakes.mjs";
import { KIND, compare, describe, loadSchedules, replay, upTo } from "./replay.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const TRACES = process.env.SOCKWAVE_SIM_TRACES || path.join(ROOT, "target/sim-traces/traces.json");
const SAMPLE = path.join(HERE, "fixtures/sample-traces.json");
const ONLY_SEED = process.env.SOCKWAVE_SHELL_SEED;

/** Replays every schedule of `schedules`: what failed, by seed, described. */
async function replayAll(schedules) {
  const failures = [];
  let cut = 0; // schedules whose connect() rejected: compared up to then
  for (const schedule of schedules) {
    try {
      const { trace, connect, rejectedAt } = await replay(schedule);
      if (rejectedAt !== null) cut++;
      const [rust, js] = [upTo(schedule.trace, rejectedAt), upTo(trace, rejectedAt)];
      const difference = compare(rust, js);
      if (difference) {
        failures.push({ seed: schedule.seed, text: describe(schedule, difference, rust, js, connect) });
      }
    } catch (e) {
      failures.push({ seed: schedule.seed, text: e.message });
    }
  }
  return { failures, cut };
}

test("every schedule the Rust shell ran gives the same trace in the JS shell", async (t) => {
  let schedules = loadSchedules(TRACES);
  if (ONLY_SEED !== undefined) schedules = schedules.filter((s) => String(s.seed) === ONLY_SEED);
  const only = ONLY_SEED === undefined ? "" : ` with seed ${ONLY_SEED}`;
  assert.ok(schedules.length > 0, `no schedule to replay in ${TRACES}${only}`);
  const started = performance.now();
  const { failures, cut } = await replayAll(schedules);
  const ms = Math.round(performance.now() - started);
  t.diagnostic(`replayed ${schedules.length} schedules from ${path.relative(ROOT, TRACES)} in ${ms} ms`
    + ` (${cut} compared up to their connect()'s rejection)`);
  if (failures.length) {
    const seeds = failures.slice(0, 20).map((f) => f.seed).join(", ") + (failures.length > 20 ? ", ..." : "");
    const shown = Math.min(3, failures.length);
    assert.fail(`${failures.length} of ${schedules.length} schedules differ (seeds ${seeds}); the first ${shown}:\n\n`
      + failures.slice(0, shown).map((f) => f.text).join("\n\n"));
  }
});

test("self-test: the comparison fails on an altered, missing or moved entry", async () => {
  const [schedule] = loadSchedules(SAMPLE);
  const { trace: actual } = await replay(schedule);
  assert.equal(compare(schedule.trace, actual), null, "the sample's first schedule replays as written");
  const entry = (kind) => schedule.trace.findIndex((e) => e[1] === kind);
  const altered = (i, change) => schedule.trace.map((e, j) => (j === i ? change([...e]) : e));
  const i = entry("reconnecting");
  assert.ok(i >= 0, "the sample's first schedule reconnects");

  const changed = altered(i, (e) => ((e[3] += 1), e));
  const difference = compare(changed, actual);
  assert.deepEqual(difference && [difference.kind, difference.expected, difference.actual],
    ["states", changed[i], schedule.trace[i]]);
  const text = describe(schedule, difference, changed, actual);
  assert.match(text, new RegExp(`^seed ${schedule.seed}: `));
  assert.match(text, /Rust trace around it:\n[^]*> \[/);

  const moved = altered(entry("got"), (e) => ((e[0] += 1), e));
  assert.equal(compare(moved, actual)?.kind, "app", "a time one ms off");
  assert.equal(compare(schedule.trace.slice(0, -1), actual)?.expected, undefined, "an entry the Rust trace lacks");
  assert.equal(compare(schedule.trace, actual.slice(0, -1))?.actual, undefined, "an entry the JS trace lacks");
});

test("self-test: kinds in any order within one ms, a missing file, a stuck schedule, the globals back", async () => {
  const [schedule] = loadSchedules(SAMPLE);
  const globals = () => [globalThis.setTimeout, globalThis.clearTimeout, globalThis.setInterval,
    globalThis.clearInterval, Date.now, globalThis.WebSocket, globalThis.addEventListener, Math.random];
  const before = globals();
  const trace = schedule.trace;
  const j = trace.findIndex((e, k) => k > 0 && e[0] === trace[k - 1][0] && KIND[e[1]] !== KIND[trace[k - 1][1]]);
  assert.ok(j > 0, "the sample has two kinds at one ms");
  const swapped = [...trace];
  [swapped[j - 1], swapped[j]] = [swapped[j], swapped[j - 1]];
  assert.equal(compare(trace, swapped), null);
  assert.throws(() => loadSchedules(path.join(HERE, "fixtures/no-such-file.json")),
    /run cargo test first \(it writes target\/sim-traces\/traces\.json\)/);
  const stuck = new RegExp(`seed ${schedule.seed}: not finished after 3 clock entries`);
  await assert.rejects(replay(schedule, { maxEntries: 3 }), stuck);
  assert.deepEqual(globals(), before, "every fake removed after a replay, even one that failed");
});

test("self-test: the fake clock runs by (due, creation), reads delays as a browser does", () => {
  const clock = new Clock(1000);
  const { setTimeout, clearTimeout, setInterval, clearInterval, now } = clock.globals();
  const ran = [];
  const run = (until) => {
    for (let e; (e = clock.next(until));) e.run();
  };
  setTimeout(() => ran.push(`b@${clock.now}`), 5);
  setTimeout(() => ran.push(`a@${clock.now}`), 0);
  setTimeout(() => ran.push(`c@${clock.now}`), 5);
  setTimeout(() => ran.push(`negative@${clock.now}`), -7);
  setTimeout(() => ran.push(`wrapped@${clock.now}`), 2 ** 31); // a browser fires it at once
  clearTimeout(setTimeout(() => ran.push("cleared"), 1));
  const every = setInterval(() => ran.push(`tick@${clock.now}`), 4);
  run(9);
  clearInterval(every);
  run(100);
  assert.deepEqual(ran, ["a@0", "negative@0", "wrapped@0", "tick@4", "b@5", "c@5", "tick@8"]);
  assert.equal(now(), 1000 + 8, "the clock stays at the last entry run");
});
