// Replaying a simulation schedule through the real JS shell (js/): the fake world of
// fakes.mjs, the schedule's steps carried out as the app, the trace the JS shell gives, and
// its comparison with the trace the Rust shell gave (replay.test.mjs says what is tested).
import fs from "node:fs";
import { Clock, World, capture, install, loadShell } from "./fakes.mjs";

/** `Date.now()` at the schedule's t = 0. */
const BASE = 1_000_000_000_000;
const SIM_URL = "ws://sim.invalid/";
/** Clock entries (timers, socket events, steps) one schedule may run before it is declared
 * stuck: the busiest of the 2,000 the Rust side writes today runs about 1,300. */
const MAX_ENTRIES = 100_000;
/** Trace entries by kind: the order within a kind is compared, not across kinds (two kinds
 * at one ms happen in no meaningful order). */
export const KIND = {
  open: "states", disconnected: "states", reconnecting: "states", closed: "states",
  sent: "sends", reconnect: "reconnects", "server-got": "server", got: "app",
};

// Real macrotask turns, whatever the fakes replace: between two clock entries every promise
// job of the first runs.
const { setImmediate } = globalThis;
const drain = () => new Promise((resolve) => setImmediate(resolve));

const shell = await loadShell(new URL("../../js/index.js", import.meta.url).href);

/** The schedules of a traces file (version 1), checked for the fields a replay reads, or an
 * error saying how to get them. */
export function loadSchedules(file) {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: run cargo test first (it writes target/sim-traces/traces.json)`);
  }
  const data = JSON.parse(fs.readFileSync(file, "utf8"));
  if (data.version !== 1) throw new Error(`${file}: version ${data.version}, this test reads version 1`);
  data.schedules.forEach((s, i) => {
    const bad = [
      !Number.isSafeInteger(s.machineSeed) || s.machineSeed < 0 ? "machineSeed" : "",
      typeof s.options === "object" && s.options ? "" : "options",
      Array.isArray(s.steps) ? "" : "steps",
      typeof s.end === "number" ? "" : "end",
      Array.isArray(s.trace) ? "" : "trace",
    ].filter(Boolean);
    if (bad.length) throw new Error(`${file}: schedule ${i} (seed ${s.seed}): missing or bad ${bad.join(", ")}`);
  });
  return data.schedules;
}

/**
 * Replays `schedule` through the JS shell in a fresh fake world: `connect(url, options)` at
 * t = 0 (its jitter seed is `machineSeed`), the steps at their times, the clock run to `end`.
 * Returns `{ trace, connect, rejectedAt }`: the JS trace, how `connect()`'s promise settled
 * (untraced: "open at 300", "RetriesExhausted at 1300", "pending"), and when it rejected, if it
 * did: an app never holds a socket whose `connect()` rejected (js/socket.js closes it for
 * good), so the traces are compared up to then only (the Rust app holds its handle from the
 * start and may go on). Throws if the shell threw, a step is
 * unknown, or the schedule did not finish within `maxEntries` clock entries.
 */
export async function replay(schedule, { maxEntries = MAX_ENTRIES } = {}) {
  const clock = new Clock(BASE);
  const trace = [];
  const record = (entry) => trace.push(entry);
  const world = new World(clock, schedule, record);
  let socket = null, connect = "pending", rejectedAt = null;
  const step = (kind, args) => {
    const now = clock.now;
    switch (kind) {
      case "send": {
        const data = args[0];
        const sent = (outcome) => record([clock.now, "sent", data, outcome]);
        socket.send(data).then(() => sent("ok"), (e) => sent(e.name));
        break;
      }
      case "close":
        socket.close(...args).catch(() => {}); // a refused code or reason: the Rust face refuses it too, untraced
        break;
      case "reconnect":
        try {
          socket.reconnect();
          record([now, "reconnect", "ok"]);
        } catch (e) {
          record([now, "reconnect", e.name]);
        }
        break;
      case "offline":
      case "online":
        globalThis.dispatchEvent(new Event(kind));
        break;
      default:
        if (!kind.startsWith("server-")) throw new Error(`unknown step ${JSON.stringify(kind)}`);
        world.step(kind, args);
    }
  };
  const restore = install(clock, world);
  const random = Math.random;
  try {
    // Queued first: at one ms, the step comes before the timers and socket events due then.
    for (const [t, kind, ...args] of schedule.steps) clock.at(t, () => step(kind, args));
    // At the end the connection breaks, as in the Rust simulation (src/reconnect/sim/mod.rs
    // `app`): what it carried is reported.
    clock.at(schedule.end, () => world.step("server-drop", []));
    Math.random = () => schedule.machineSeed / 2 ** 53; // js/reconnect.js: Math.random() * 2 ** 53
    let connecting, made;
    try {
      [connecting, made] = capture(() => shell.connect(SIM_URL, schedule.options));
    } finally {
      Math.random = random;
    }
    connecting.then(() => (connect = `open at ${clock.now}`), (e) => {
      connect = `${e.name} at ${clock.now}`;
      rejectedAt = clock.now;
    });
    if (made.length !== 1) throw new Error(`connect() made ${made.length} sockets, expected 1`);
    socket = made[0];
    socket.addEventListener("open", () => record([clock.now, "open"]));
    socket.addEventListener("disconnect", (e) =>
      record([clock.now, "disconnected", e.code, e.wasClean, e.inFlight.firstSeq, e.inFlight.messages]));
    socket.addEventListener("reconnect", (e) => record([clock.now, "reconnecting", e.attempt, e.delayMs]));
    socket.addEventListener("close", (e) => record([clock.now, "closed", e.code, e.wasClean]));
    // A reader that always waits: listeners take each message as it arrives (socket.js
    // `#claim`; a waiting `for await` would take the same, at the same ms).
    socket.addEventListener("message", (e) => record([clock.now, "got", e.data]));
    await drain();
    for (let n = 0; ; n++) {
      const entry = clock.next(schedule.end);
      if (!entry) break;
      if (n >= maxEntries) {
        const at = `t=${clock.now} of ${schedule.end}`;
        throw new Error(`seed ${schedule.seed}: not finished after ${maxEntries} clock entries (${at})`);
      }
      try {
        entry.run();
      } catch (e) {
        throw new Error(`seed ${schedule.seed}: threw at t=${clock.now}: ${e && e.stack}`);
      }
      await drain();
    }
  } finally {
    Math.random = random;
    restore();
  }
  return { trace, connect, rejectedAt };
}

/** The entries of `trace` up to `t` (all of them when `t` is null). */
export const upTo = (trace, t) => (t === null ? trace : trace.filter((e) => e[0] <= t));

const byKind = (trace) => {
  const kinds = {};
  for (const entry of trace) (kinds[KIND[entry[1]] ?? `unknown kind ${JSON.stringify(entry[1])}`] ??= []).push(entry);
  return kinds;
};

/** The first difference between two traces, kind by kind: `{ kind, index, expected, actual }`
 * (an entry missing on one side is `undefined`) of the kind whose difference comes first in
 * time; `null` when they are equal. */
export function compare(expected, actual) {
  const want = byKind(expected), got = byKind(actual);
  let first = null;
  for (const kind of new Set([...Object.keys(want), ...Object.keys(got)])) {
    const a = want[kind] ?? [], b = got[kind] ?? [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (JSON.stringify(a[i]) === JSON.stringify(b[i])) continue;
      const t = Math.min(a[i]?.[0] ?? Infinity, b[i]?.[0] ?? Infinity);
      if (!first || t < first.t) first = { kind, index: i, t, expected: a[i], actual: b[i] };
      break;
    }
  }
  return first;
}

/** `rows` (entries, in time order) around `entry` (or around time `t` when it has none), the
 * entry marked. */
function around(rows, entry, t) {
  let at = entry ? rows.indexOf(entry) : -1;
  if (at < 0) at = rows.findIndex((e) => e[0] >= t);
  if (at < 0) at = rows.length;
  const lines = rows.slice(Math.max(0, at - 6), at + 7)
    .map((e) => `  ${e === entry ? ">" : " "} ${JSON.stringify(e)}`);
  if (at >= rows.length) lines.push("  > (end of trace)");
  return lines.join("\n");
}

/** In time order, each kind's own order kept (the Rust file lists one kind after another). */
const chronological = (trace) => [...trace].sort((a, b) => a[0] - b[0]);

/** What a mismatch prints: the seed, the first differing entry, both traces around it, and
 * the schedule to replay it by (`connect`: how the JS `connect()` settled, if known). */
export function describe(schedule, difference, expected, actual, connect = "") {
  const { kind, index, t, expected: want, actual: got } = difference;
  const show = (e) => (e === undefined ? "(none)" : JSON.stringify(e));
  const { trace: _, ...rest } = schedule;
  return [
    `seed ${schedule.seed}: the JS shell's trace differs from the Rust shell's`,
    `first difference: ${kind} entry ${index} (t=${t})`,
    `  Rust: ${show(want)}`,
    `  JS:   ${show(got)}`,
    "Rust trace around it:",
    around(chronological(expected), want, t),
    "JS trace around it:",
    around(chronological(actual), got, t),
    "steps around it:",
    around(schedule.steps, undefined, t),
    ...(connect ? [`JS connect() settled: ${connect} (untraced)`] : []),
    `replay it alone: SOCKWAVE_SHELL_SEED=${schedule.seed} node --test tests/js/replay.test.mjs`,
    `  and in Rust: SOCKWAVE_SHELL_SEED=${schedule.seed} cargo test -p sockwave --lib shell_sim -- --nocapture`,
    `schedule: ${JSON.stringify(rest)}`,
  ].join("\n");
}
