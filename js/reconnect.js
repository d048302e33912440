// A socket that comes back by itself, for JavaScript: the shell over the machine that decides
// (shell.js) with what reconnection adds, as the Rust face's reconnect driver
// (src/reconnect/driver.rs) is. It feeds the machine what happened (opened, ended, pong,
// overflow, the app's verdict, offline/online, visibility, pagehide/pageshow, deadlines) and
// carries out what it decides (connect, close, let a socket go, ping, ask the app, route sent
// messages, report). It decides nothing: no default, limit, delay or rule is written here.
// Messages never cross into wasm: they go from the browser to the Socket's inbox, and from
// the queue to the browser, in JS. It talks to its Socket only through `port` (socket.js).
import * as E from "./errors.js";
import {
  CONNECTING, CLOSED, OPEN, SendBudget, countListeners, listen, notSendable, num, own,
  protocolList, sendable, utf8Length,
} from "./link.js";
import {
  ACT_CONNECTING, ACT_CONSULT, ACT_DISCONNECTED, ACT_FLUSH_ALL, ACT_OPEN, ACT_PING,
  ACT_RECONNECTING, ACT_ROUTE, INPUT_HIDDEN, INPUT_OFFLINE, INPUT_ONLINE, INPUT_OVERFLOW,
  INPUT_PAGE_HIDE, INPUT_PAGE_SHOW, INPUT_PONG, INPUT_RECONNECT, INPUT_RESUMED, INPUT_VERDICT,
  INPUT_VISIBLE, POLICY_HEARTBEAT_INTERVAL, POLICY_HEARTBEAT_TIMEOUT, POLICY_HIGH_WATER_MARK,
  ROUTE_CLOSED, ROUTE_FLOW, ROUTE_HOLD,
} from "./abi.js";
import { policyDefault } from "./machine.js";
import { Shell } from "./shell.js";

const RESOLVED = Promise.resolve();
const JITTER = { none: 0, full: 1, equal: 2 };

/** Whether a socket made with `options` reconnects (has the machine's reconnecting mode). */
export const reconnects = (options) => ["reconnect", "heartbeat", "idleTimeoutMs"].some((k) => options?.[k] != null);

/** A number option for the machine: -1 when unset (the machine's default applies). */
const opt = (o, key) => num(o, key) ?? -1;

/** Whether a received message is the expected pong: the same text, or the same bytes. */
function matcher(pong) {
  if (typeof pong === "string") return (data) => data === pong;
  const bytes = new Uint8Array(own(pong));
  return (data) => data instanceof Uint8Array && data.length === bytes.length && data.every((b, i) => b === bytes[i]);
}

export class Reconnector extends Shell {
  /** The open connection's socket, or null. */
  ws = null;
  readyState = CONNECTING;
  #sent = 0; // messages handed to sockets (the next one's sequence number)
  #sentBytes = 0;
  #lastReceived = Date.now();
  #outgoing = []; // accepted by send(), not yet handed to a socket, in order
  #writers = []; // sends waiting for room while the route flows: { data, resolve, reject }
  #route = ROUTE_HOLD;
  #limit = 1;
  #budget = null; // backpressure on the open connection (link.js)
  #quiet = null; // removes the environment listeners

  constructor(url, options, port) {
    const r = options.reconnect ?? {};
    const decide = r.shouldReconnect;
    // A throwing or non-boolean answer counts as "no".
    const shouldReconnect = typeof decide === "function"
      ? (close) => { try { return decide(close) === true; } catch { return false; } }
      : null;
    const h = options.heartbeat;
    let interval = -1, timeout = -1, ping, isPong;
    if (h != null && typeof h === "object") {
      const pingData = h.ping ?? "ping";
      const pong = h.pong ?? pingData;
      if (!sendable(pingData) || !sendable(pong)) throw notSendable();
      ping = own(pingData);
      isPong = matcher(pong);
      interval = num(h, "intervalMs") ?? policyDefault(POLICY_HEARTBEAT_INTERVAL);
      timeout = num(h, "timeoutMs") ?? policyDefault(POLICY_HEARTBEAT_TIMEOUT);
    }
    const code = (v) => (typeof v === "number" ? v : -1);
    // `machineNew`'s fields (js/rules/calls.rs).
    const policy = [
      1, opt(options, "connectTimeoutMs"), opt(r, "minUptimeMs"), opt(r, "minDelayMs"), opt(r, "maxDelayMs"), opt(r, "factor"),
      JITTER[r.jitter] ?? -1, opt(r, "maxRetries"), shouldReconnect ? 1 : 0, interval, timeout,
      opt(options, "idleTimeoutMs"), code(h?.timeoutCode), code(options.idleTimeoutCode),
      options.closeOnPagehide === false ? 0 : 1, opt(r, "queueLimit"), opt(options, "maxBufferedBytes"),
      opt(options, "highWaterMark"),
    ];
    super(url, protocolList(options.protocols), policy, Math.random() * 2 ** 53, port);
    this.shouldReconnect = shouldReconnect;
    this.ping = ping;
    this.isPong = isPong;
    this.hwm = this.call((m) => m.machinePolicy(POLICY_HIGH_WATER_MARK));
    this.#quiet = this.#listenEnvironment();
    this.start();
  }

  // -- What the Socket asks. --

  send(data) {
    const taken = this.offer(own(data));
    return taken === true ? RESOLVED : taken instanceof Error ? Promise.reject(taken) : taken;
  }

  /** `data` (the caller's no more) into the queue, as the machine routes it: `true` when
   * taken, the error when refused (`Closed`; `QueueFull` while disconnected), else a promise
   * settled once there is room (it rejects with `QueueFull` if the connection goes first). */
  offer(data) {
    if (this.#route === ROUTE_CLOSED) return E.closed();
    if (!this.#writers.length && this.#outgoing.length < this.#limit) {
      this.#outgoing.push(data);
      if (this.#route === ROUTE_FLOW) this.#flush(false);
      return true;
    }
    if (this.#route !== ROUTE_FLOW) return E.queueFull(this.#limit);
    return new Promise((resolve, reject) => this.#writers.push({ data, resolve, reject }));
  }

  /** The sequence number (in-flight reports) the next message given to `send` will have:
   * messages are numbered as they are handed, in the order they were given. */
  get nextSeq() {
    return this.#sent + this.#outgoing.length + this.#writers.length;
  }

  /** Checked by the Socket already (the machine's rule): accepted. */
  close(code, reason) {
    super.close(code, reason);
    if (this.finished) this.stopListening(); // stopped already: closed for good now
    return this.port.closed();
  }

  /** An attempt now (see index.d.ts); after the socket gave up, a fresh start. */
  reconnect() {
    if (this.closing) throw E.closed();
    if (this.finished) {
      // The same machine starts over: it kept listening while stopped, so it knows what
      // happened meanwhile (offline, the back/forward cache) and waits as it says; unless
      // its socket had it stop listening (a reconnecting `Socket` that gave up: redial.js).
      this.#quiet ??= this.#listenEnvironment();
      this.port.restart();
      this.finished = false;
    }
    this.feed(INPUT_RECONNECT);
  }

  // -- Feeding the machine, and carrying out what it decides. --

  tally(buffered = this.ws?.bufferedAmount ?? 0) {
    return [this.#sent, this.#sentBytes, this.#lastReceived, buffered];
  }

  perform(kind, f) {
    switch (kind) {
      case ACT_FLUSH_ALL: return this.#flush(true);
      case ACT_PING: return this.ws?.send(this.ping); // past the send budget
      case ACT_CONSULT: return this.feed(INPUT_VERDICT, this.shouldReconnect(this.closeInfo(f(0), f(1), f(2))) ? 1 : 0);
      case ACT_ROUTE: return this.#setRoute(f(0), f(1));
      case ACT_CONNECTING: return (this.readyState = CONNECTING);
      case ACT_OPEN:
        this.readyState = OPEN;
        return this.port.open();
      case ACT_DISCONNECTED: {
        const close = this.closeInfo(f(0), f(1), f(2));
        const inFlight = { firstSeq: f(3), messages: f(4), bytes: f(5), unsentBytes: f(6) };
        this.readyState = CONNECTING;
        return this.port.emit("disconnect", { ...close, inFlight });
      }
      case ACT_RECONNECTING: return this.port.emit("reconnect", { attempt: f(0), delayMs: f(1) });
      default: return super.perform(kind, f);
    }
  }

  attach(ws, listeners) {
    return listen(ws, listeners);
  }

  listeners(ws, attempt) {
    return {
      ...super.listeners(ws, attempt),
      onMessage: (data) => {
        this.#lastReceived = Date.now();
        if (this.isPong?.(data)) return this.feed(INPUT_PONG);
        if (!this.port.receive(data)) this.feed(INPUT_OVERFLOW);
      },
      onError() {},
    };
  }

  opened(ws) {
    this.ws = ws;
    this.#budget = new SendBudget(ws, this.hwm, () => this.#flush(false));
    super.opened(ws);
  }

  forget() {
    this.#budget?.stop();
    this.ws = this.#budget = null;
    super.forget();
  }

  #setRoute(how, limit) {
    this.#route = how;
    this.#limit = limit;
    if (how === ROUTE_CLOSED) for (const { reject } of this.#writers.splice(0)) reject(E.closed());
    if (how === ROUTE_FLOW) this.#flush(false);
    if (how === ROUTE_HOLD) {
      // The connection went: sends waiting for room take what the queue has, the rest fail
      // with QueueFull (as any send past the limit while disconnected).
      this.#admitWriters();
      for (const { reject } of this.#writers.splice(0)) reject(E.queueFull(limit));
    }
  }

  /** Waiting writers move into the queue, in order, while it has room. */
  #admitWriters() {
    const q = this.#outgoing;
    while (this.#writers.length && q.length < this.#limit) {
      const { data, resolve } = this.#writers.shift();
      q.push(data);
      resolve();
    }
  }

  /** Queued messages, in order, to the open connection as its budget allows (`all`: past it,
   * before our close); then waiting writers move into the queue. */
  #flush(all) {
    const q = this.#outgoing, ws = this.ws;
    for (;;) {
      while (q.length && ws && ws.readyState === OPEN && (all || this.#budget.take(q[0]))) {
        const data = q.shift();
        ws.send(data);
        this.#sent++;
        this.#sentBytes += utf8Length(data);
      }
      if (!this.#writers.length || q.length >= this.#limit) return;
      this.#admitWriters();
    }
  }

  /** Stopped for good (until a `reconnect()` after giving up): the error, then the end. */
  finish(close, failure, attempts) {
    this.readyState = CLOSED;
    // A socket that gave up keeps listening to the page and the network until close(), so
    // that a reconnect() knows what the machine knows.
    if (this.closing) this.stopListening();
    // Nothing more goes anywhere: what is still queued is dropped at the stop (never sent by a
    // later reconnect()), and send() rejects with Closed. The dropped messages keep their
    // sequence numbers: numbers count accepted messages, as in-flight reports say.
    this.#setRoute(ROUTE_CLOSED, 0);
    this.#sent += this.#outgoing.length;
    this.#outgoing.length = 0;
    super.finish(close, failure, attempts);
  }

  /** No more listening to the page or the network (until a reconnect() after a stop). */
  stopListening() {
    this.#quiet?.();
    this.#quiet = null;
  }

  /** Listens to the page or worker and feeds what it says: online/offline, the back/forward
   * cache, coming back from sleep (visibilitychange, resume). Returns what removes the
   * listeners (6 in a page, 4 in a worker; counted by liveListeners). */
  #listenEnvironment() {
    const added = [];
    const on = (target, type, f) => {
      target.addEventListener(type, f);
      added.push(() => target.removeEventListener(type, f));
    };
    const scope = globalThis;
    if (typeof scope.addEventListener === "function") {
      on(scope, "offline", () => this.feed(INPUT_OFFLINE));
      on(scope, "online", () => this.feed(INPUT_ONLINE));
      on(scope, "pageshow", (e) => this.feed(INPUT_PAGE_SHOW, e.persisted === true ? 1 : 0));
      on(scope, "pagehide", (e) => this.feed(INPUT_PAGE_HIDE, e.persisted === true ? 1 : 0));
    }
    const doc = scope.document;
    if (doc && typeof doc.addEventListener === "function") {
      on(doc, "visibilitychange", () => this.feed(doc.visibilityState === "hidden" ? INPUT_HIDDEN : INPUT_VISIBLE));
      on(doc, "resume", () => this.feed(INPUT_RESUMED));
    }
    countListeners(added.length);
    return () => {
      for (const remove of added) remove();
      countListeners(-added.length);
    };
  }
}
