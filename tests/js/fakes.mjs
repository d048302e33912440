// The fake world the replay test (replay.test.mjs) runs the real JS shell in: a virtual clock
// with the browser's timers, a fake `WebSocket` over a simulated server that answers as the
// schedule says, and the page's `online`/`offline` events on `globalThis`. Each schedule gets
// a fresh world; `install` puts its fakes in place of the globals and gives back what restores
// them. Nothing in js/ is changed.
//
// The rules of the fake world (the Rust simulation, src/reconnect/sim/, plays by the same
// over a real tungstenite server and a paused tokio clock):
// - one virtual clock in milliseconds; everything queued on it (timers, the fake sockets'
//   events, the schedule's steps) runs in order of (due time, the order it was queued); the
//   replay queues the steps before anything else, so at one ms the step comes first;
// - a fake socket's events are tasks queued at the current ms, never fired inside the call
//   that caused them (the constructor, `send`, `close`);
// - the server answers the k-th `new WebSocket` as `attempts[k]` says ("open", "refuse",
//   "hang"; past the list: "open"), receives what is sent on an open socket at once, answers
//   the heartbeat's ping with its pong and our close with its echo, and obeys the schedule's
//   server steps, until it stalls: from then on it obeys only "server-drop" (the replay
//   gives one more at the schedule's end, as the Rust simulation does).

const OriginalEventTarget = globalThis.EventTarget;

/** A timer's delay as a browser reads it: a WebIDL `long` (NaN is 0, 2^31 ms and more wrap
 * around 32 bits), a negative one as 0. (Node differs: past 2^31-1 it waits 1 ms.) */
const browserDelay = (ms) => Math.max(0, Number(ms) | 0);

/** A virtual clock and its queue: the browser's four timer functions and `Date.now`, over
 * virtual time. `now` is milliseconds since the world began; `Date.now()` is `base + now`. */
export class Clock {
  now = 0;
  #queue = []; // { due, seq, id, run }, unsorted: a world holds a handful at once
  #seq = 0;
  #ids = 0;

  constructor(base) {
    this.base = base;
  }

  /** Queues `run` at virtual time `due`; returns its id (positive, as a browser's). */
  at(due, run) {
    const id = ++this.#ids;
    this.#queue.push({ due, seq: this.#seq++, id, run });
    return id;
  }

  cancel(id) {
    const i = this.#queue.findIndex((e) => e.id === id);
    if (i >= 0) this.#queue.splice(i, 1);
  }

  /** Takes the next entry due at or before `end` (the clock moves to it), or null. */
  next(end) {
    let best = -1;
    this.#queue.forEach((e, i) => {
      const b = this.#queue[best];
      if (e.due <= end && (!b || e.due < b.due || (e.due === b.due && e.seq < b.seq))) best = i;
    });
    if (best < 0) return null;
    const [entry] = this.#queue.splice(best, 1);
    this.now = entry.due;
    return entry;
  }

  /** The browser's timer functions and `Date.now`, over this clock. */
  globals() {
    const intervals = new Map(); // an interval's first id -> the id of its next run
    const setTimeout = (f, ms, ...args) => this.at(this.now + browserDelay(ms), () => f(...args));
    const setInterval = (f, ms, ...args) => {
      const every = Math.max(1, browserDelay(ms)); // no interval spins at one ms
      let first;
      const tick = () => {
        intervals.set(first, this.at(this.now + every, tick));
        f(...args);
      };
      first = this.at(this.now + every, tick);
      intervals.set(first, first);
      return first;
    };
    const clear = (id) => {
      this.cancel(intervals.get(id) ?? id);
      intervals.delete(id);
    };
    return { setTimeout, clearTimeout: clear, setInterval, clearInterval: clear, now: () => this.base + this.now };
  }
}

/** An event with `props` on it (Node 22 has no global CloseEvent). */
const event = (type, props) =>
  type === "message" ? new MessageEvent(type, props) : Object.assign(new Event(type), props);

/**
 * The simulated server and its sockets. `schedule` gives `attempts` and the heartbeat's
 * ping and pong texts; `trace(entry)` records what the server got.
 */
export class World {
  /** The latest socket that opened and has not ended: the server steps act on it. */
  current = null;
  #attempts;
  #made = 0; // `new WebSocket` calls so far

  constructor(clock, schedule, trace) {
    this.clock = clock;
    this.trace = trace;
    this.#attempts = schedule.attempts ?? [];
    const h = schedule.options?.heartbeat;
    // The JS shell's defaults: ping "ping", its pong the same text.
    this.ping = h ? (h.ping ?? "ping") : null;
    this.pong = h ? (h.pong ?? this.ping) : null;
    this.WebSocket = fakeWebSocket(this);
  }

  /** A task at the current ms. */
  soon(run) {
    this.clock.at(this.clock.now, run);
  }

  /** A new socket: the server answers its attempt in a task at the same ms. */
  attach(ws) {
    const answer = this.#attempts[this.#made++] ?? "open";
    this.soon(() => {
      if (ws.readyState !== 0) return; // let go meanwhile
      if (answer === "open") {
        ws.readyState = 1;
        this.current = ws;
        ws.fire("open");
      } else if (answer === "refuse") {
        ws.end(1006, "", false, true);
      } else if (answer !== "hang") {
        throw new Error(`unknown attempt answer ${JSON.stringify(answer)}`);
      }
    });
  }

  /** What the client sent on an open socket: received at once, unless stalled; the ping is
   * answered (a socket whose close started still gets the pong, as in a browser), anything
   * else recorded. */
  received(ws, data) {
    if (ws.stalled) return;
    if (this.ping !== null && data === this.ping) {
      this.soon(() => ws.readyState < 3 && ws.fire("message", { data: this.pong }));
      return;
    }
    this.trace([this.clock.now, "server-got", data]);
  }

  /** The client's close of an open socket: echoed at the same ms, unless stalled. */
  closed(ws, code, reason) {
    if (!ws.stalled) this.soon(() => ws.end(code, reason, true, false));
  }

  /** A server step ("server-close", "server-drop", "server-stall", "server-send"): a stalled
   * server obeys none but "server-drop" (the connection may still break). */
  step(kind, args) {
    const ws = this.current;
    if (!["server-close", "server-drop", "server-stall", "server-send"].includes(kind)) {
      throw new Error(`unknown server step ${JSON.stringify(kind)}`);
    }
    if (!ws || ws.readyState === 3 || (ws.stalled && kind !== "server-drop")) return;
    if (kind === "server-close") ws.end(args[0], args[1], true, false);
    else if (kind === "server-drop") ws.end(1006, "", false, true);
    else if (kind === "server-stall") ws.stalled = true;
    else ws.fire("message", { data: args[0] });
  }
}

/** The fake `WebSocket` class of `world`: the browser's surface as the JS shell uses it (the
 * four on* handlers, listeners too, `readyState`, `bufferedAmount` always 0). */
function fakeWebSocket(world) {
  return class WebSocket extends OriginalEventTarget {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSING = 2;
    static CLOSED = 3;
    readyState = 0;
    bufferedAmount = 0;
    protocol = "";
    extensions = "";
    binaryType = "blob";
    onopen = null;
    onmessage = null;
    onerror = null;
    onclose = null;
    stalled = false;

    constructor(url, protocols) {
      super();
      this.url = String(url);
      this.protocols = protocols;
      world.attach(this);
    }

    send(data) {
      if (this.readyState === 0) throw new DOMException("Still in CONNECTING state.", "InvalidStateError");
      if (this.readyState === 1) world.received(this, data); // CLOSING, CLOSED: dropped, as a browser does
    }

    close(code, reason = "") {
      if (this.readyState >= 2) return;
      const connecting = this.readyState === 0;
      this.readyState = 2;
      // A CONNECTING socket let go ends as 1006 unclean; an open one starts the handshake
      // (without a code, the server's echo says 1005: no status).
      if (connecting) world.soon(() => this.end(1006, "", false, false));
      else world.closed(this, code ?? 1005, String(reason));
    }

    /** Fires `type`: the on* handler, then the listeners. */
    fire(type, props) {
      const e = event(type, props);
      this["on" + type]?.(e);
      this.dispatchEvent(e);
    }

    /** The end: CLOSED, then `error` (if `error`) and `close`. */
    end(code, reason, wasClean, error) {
      if (this.readyState === 3) return;
      this.readyState = 3;
      if (world.current === this) world.current = null;
      if (error) this.fire("error");
      this.fire("close", { code, reason, wasClean });
    }
  };
}

/**
 * Puts the world's fakes in place of the globals: the timers, `Date.now`, `WebSocket`, and an
 * event target for `online`/`offline` on `globalThis` (Node has none: the JS shell listens to
 * the page there only when `globalThis.addEventListener` exists). Returns what restores them.
 */
export function install(clock, world) {
  const saved = new Map();
  const put = (target, key, value) => {
    saved.set([target, key], Object.getOwnPropertyDescriptor(target, key));
    Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
  };
  const timers = clock.globals();
  for (const key of ["setTimeout", "clearTimeout", "setInterval", "clearInterval"]) put(globalThis, key, timers[key]);
  put(Date, "now", timers.now);
  put(globalThis, "WebSocket", world.WebSocket);
  const page = new OriginalEventTarget();
  for (const key of ["addEventListener", "removeEventListener", "dispatchEvent"]) put(globalThis, key, page[key].bind(page));
  return () => {
    for (const [[target, key], descriptor] of [...saved].reverse()) {
      if (descriptor) Object.defineProperty(target, key, descriptor);
      else delete target[key];
    }
  };
}

let constructed = null; // set while `capture` runs

/**
 * Imports the JS shell (js/index.js) so that its sockets can be seen as they are made:
 * `connect()`'s `Connection` class extends `EventTarget`, so it is evaluated while
 * `globalThis.EventTarget` is a subclass that reports every instance (see `capture`). The
 * package gives no public way to reach a reconnecting socket before `connect()` resolves, and
 * the schedule's steps may come before that. Call it before anything else imports js/ in this
 * process (imported earlier, its sockets are not seen: the replay fails, "made 0 sockets").
 */
export async function loadShell(entry) {
  class Seen extends OriginalEventTarget {
    constructor() {
      super();
      constructed?.(this);
    }
  }
  globalThis.EventTarget = Seen;
  try {
    return await import(entry);
  } finally {
    globalThis.EventTarget = OriginalEventTarget;
  }
}

/** Runs `f()` and returns `[its result, the shell's sockets made during it]`. */
export function capture(f) {
  const made = [];
  constructed = (s) => made.push(s);
  try {
    return [f(), made];
  } finally {
    constructed = null;
  }
}
