// A socket that comes back by itself, for JavaScript: a shell over the machine that decides
// (src/machine/, in the package's .wasm: js/machine.js), as the Rust face's reconnect driver
// (src/reconnect/driver.rs) is. It feeds the machine what happened (opened, ended, pong,
// overflow, the app's verdict, offline/online, visibility, pagehide/pageshow, deadlines) and
// carries out what it decides (connect, close, let a socket go, ping, ask the app, route sent
// messages, report). It decides nothing: no default, limit, delay or rule is written here.
// Messages never cross into wasm: they go from the browser to the Socket's inbox, and from
// the queue to the browser, in JS. It talks to its Socket only through `port` (socket.js).
import * as E from "./errors.js";
import {
  CONNECTING, CLOSED, OPEN, SendBudget, countListeners, later, listen, notSendable, num, open, own,
  protocolList, sendable, urlFrom, utf8Length,
} from "./link.js";
import {
  ACT_CLOSE, ACT_CLOSED, ACT_CONNECT, ACT_CONNECTING, ACT_CONSULT, ACT_DISCARD, ACT_DISCONNECTED,
  ACT_FLUSH_ALL, ACT_OPEN, ACT_PING, ACT_RECONNECTING, ACT_ROUTE, INPUT_CLOSE, INPUT_DUE,
  INPUT_ENDED, INPUT_HIDDEN, INPUT_OFFLINE, INPUT_ONLINE, INPUT_OPENED, INPUT_OVERFLOW,
  INPUT_PAGE_HIDE, INPUT_PAGE_SHOW, INPUT_PONG, INPUT_RECONNECT, INPUT_REJECTED, INPUT_RESUMED,
  INPUT_TIMEOUT, INPUT_URL_FAILED, INPUT_VERDICT, INPUT_VISIBLE, POLICY_HEARTBEAT_INTERVAL,
  POLICY_HEARTBEAT_TIMEOUT, POLICY_HIGH_WATER_MARK, POLICY_MAX_BUFFERED_BYTES, ROUTE_CLOSED,
  ROUTE_FLOW, ROUTE_HOLD,
} from "./abi.js";
import { policyDefault, reasonText, w, withMachine } from "./machine.js";

const RESOLVED = Promise.resolve();
const JITTER = { none: 0, full: 1, equal: 2 };
// The machine's inputs are written as numbers where they are fed, each named in a comment
// (js/rules/lib.rs lists them): a constant per input cost the bundle its declaration.

/** A number option for the machine: -1 when unset (the machine's default applies). */
const opt = (o, key) => num(o, key) ?? -1;

/** Whether a received message is the expected pong: the same text, or the same bytes. */
function matcher(pong) {
  if (typeof pong === "string") return (data) => data === pong;
  const bytes = new Uint8Array(own(pong));
  return (data) => data instanceof Uint8Array && data.length === bytes.length && data.every((b, i) => b === bytes[i]);
}

export class Reconnector {
  /** The open connection's socket, or null. */
  ws = null;
  readyState = CONNECTING;
  #machine; // the machine's bytes (machine.js `withMachine`)
  #sent = 0; // messages handed to sockets (the next one's sequence number)
  #sentBytes = 0;
  #lastReceived = Date.now();
  #outgoing = []; // accepted by send(), not yet handed to a socket, in order
  #writers = []; // sends waiting for room while the route flows: { data, resolve, reject }
  #route = ROUTE_HOLD;
  #limit = 1;
  #budget = null; // backpressure on the open connection (link.js)
  #attempt = 0; // the attempt under way: its number, so a late URL or end of an older one is ignored
  #socket = null; // the attempt's or the connection's browser socket, and its `end`
  #end = null;
  #given = ""; // what the machine's "given" reason is now: the browser's, or close()'s
  #closeReason = "";
  #rejected = null; // the error of a URL or subprotocol list the browser refused
  #timer = 0;
  #quiet = null; // removes the environment listeners
  #finished = false; // stopped (until a reconnect() after giving up)
  #closing = false; // close() was called: closed for good

  constructor(url, options, port) {
    if (typeof url !== "function" && typeof url !== "string") {
      throw E.invalidUrl(String(url), "url is neither a string nor a function");
    }
    this.port = port;
    this.url = url;
    this.protocols = protocolList(options.protocols);
    const r = options.reconnect ?? {};
    const decide = r.shouldReconnect;
    // A throwing or non-boolean answer counts as "no".
    this.shouldReconnect = typeof decide === "function"
      ? (close) => { try { return decide(close) === true; } catch { return false; } }
      : null;
    const h = options.heartbeat;
    let interval = -1, timeout = -1;
    if (h != null && typeof h === "object") {
      const ping = h.ping ?? "ping";
      const pong = h.pong ?? ping;
      if (!sendable(ping) || !sendable(pong)) throw notSendable();
      this.ping = own(ping);
      this.isPong = matcher(pong);
      interval = num(h, "intervalMs") ?? policyDefault(POLICY_HEARTBEAT_INTERVAL);
      timeout = num(h, "timeoutMs") ?? policyDefault(POLICY_HEARTBEAT_TIMEOUT);
    }
    const code = (v) => (typeof v === "number" ? v : -1);
    const policy = [
      1, opt(options, "connectTimeoutMs"), opt(r, "minUptimeMs"), opt(r, "minDelayMs"), opt(r, "maxDelayMs"), opt(r, "factor"),
      JITTER[r.jitter] ?? -1, opt(r, "maxRetries"), this.shouldReconnect ? 1 : 0, interval, timeout,
      opt(options, "idleTimeoutMs"), code(h?.timeoutCode), code(options.idleTimeoutCode),
      options.closeOnPagehide === false ? 0 : 1, opt(r, "queueLimit"), opt(options, "maxBufferedBytes"),
      opt(options, "highWaterMark"),
    ];
    this.#machine = new Uint8Array(w().machineSize());
    withMachine(this.#machine, (m) => m.machineNew(...policy, Date.now(), Math.random() * 2 ** 53), true);
    this.hwm = this.#call((m) => m.machinePolicy(POLICY_HIGH_WATER_MARK));
    this.#quiet = this.#listenEnvironment();
    this.#act();
  }

  // -- What the Socket asks. --

  send(data) {
    if (this.#route === ROUTE_CLOSED) return Promise.reject(E.closed());
    if (!this.#writers.length && this.#outgoing.length < this.#limit) {
      this.#outgoing.push(own(data));
      if (this.#route === ROUTE_FLOW) this.#flush(false);
      return RESOLVED;
    }
    if (this.#route !== ROUTE_FLOW) return Promise.reject(E.queueFull(this.#limit));
    return new Promise((resolve, reject) => this.#writers.push({ data: own(data), resolve, reject }));
  }

  /** Checked by the Socket already (the machine's rule): accepted. */
  close(code, reason) {
    if (!this.#closing) {
      this.#closing = true;
      this.#closeReason = this.#given = reason;
    }
    this.#feed(INPUT_CLOSE, code, utf8Length(reason));
    if (this.#finished) this.#stopListening(); // stopped already: closed for good now
    return this.port.closed();
  }

  /** An attempt now (see index.d.ts); after the socket gave up, a fresh start. */
  reconnect() {
    if (this.#closing) throw E.closed();
    if (this.#finished) {
      // The same machine starts over: it kept listening while stopped, so it knows what
      // happened meanwhile (offline, the back/forward cache) and waits as it says.
      this.port.restart();
      this.#finished = false;
    }
    this.#feed(INPUT_RECONNECT);
  }

  // -- Feeding the machine, and carrying out what it decides. --

  #tally(buffered = this.ws?.bufferedAmount ?? 0) {
    return [this.#sent, this.#sentBytes, this.#lastReceived, buffered];
  }

  /** A call on this socket's machine (see machine.js `withMachine`). */
  #call(call) {
    return withMachine(this.#machine, call);
  }

  #feed(input, a = 0, b = 0, buffered) {
    this.#call((m) => m.machineHandle(Date.now(), input, a, b, ...this.#tally(buffered)));
    this.#act();
  }

  #act() {
    const f = w().actionField;
    for (let kind; !this.#finished && (kind = this.#call((m) => m.machinePollAction()));) {
      switch (kind) {
        case ACT_CONNECT: this.#connect(); break;
        case ACT_FLUSH_ALL: this.#flush(true); break;
        case ACT_CLOSE: this.#close(f(0), f(1) ? reasonText(f(1)) : this.#closeReason); break;
        case ACT_DISCARD: this.#discard(f(0), reasonText(f(1))); break;
        case ACT_PING: this.ws?.send(this.ping); break; // past the send budget
        case ACT_CONSULT: this.#feed(INPUT_VERDICT, this.shouldReconnect(this.#closeInfo(f(0), f(1), f(2))) ? 1 : 0); break;
        case ACT_ROUTE: this.#setRoute(f(0), f(1)); break;
        case ACT_CONNECTING: this.readyState = CONNECTING; break;
        case ACT_OPEN: this.#opened(); break;
        case ACT_DISCONNECTED: {
          const close = this.#closeInfo(f(0), f(1), f(2));
          const inFlight = { firstSeq: f(3), messages: f(4), bytes: f(5), unsentBytes: f(6) };
          this.readyState = CONNECTING;
          this.port.emit("disconnect", { ...close, inFlight });
          break;
        }
        case ACT_RECONNECTING: this.port.emit("reconnect", { attempt: f(0), delayMs: f(1) }); break;
        case ACT_CLOSED: this.#finish(this.#closeInfo(f(0), f(1), f(2)), f(3), f(4)); break;
      }
    }
    clearTimeout(this.#timer);
    const due = this.#finished ? -1 : this.#call((m) => m.machineHandle(0, INPUT_DUE));
    if (due >= 0) {
      this.#timer = later(() => this.#feed(INPUT_TIMEOUT), due - Date.now());
    }
  }

  /** A close the machine reports, with its reason's text. */
  #closeInfo(code, reason, clean) {
    return E.closeInfo(code, reason ? reasonText(reason) : this.#given, clean === 1);
  }

  /** An attempt: the URL (asked of the provider, if any), then the browser's socket. */
  #connect() {
    const attempt = ++this.#attempt;
    const go = (url) => {
      if (attempt !== this.#attempt) return; // let go meanwhile
      let ws;
      try {
        ws = open(url, this.protocols);
      } catch (e) {
        this.#rejected = e;
        this.#given = e.message;
        return this.#feed(INPUT_REJECTED);
      }
      this.#socket = ws;
      this.#end = listen(ws, {
        onOpen: () => {
          this.ws = ws;
          this.#budget = new SendBudget(ws, this.hwm, () => this.#flush(false));
          this.#feed(INPUT_OPENED);
        },
        onMessage: (data) => {
          this.#lastReceived = Date.now();
          if (this.isPong?.(data)) return this.#feed(INPUT_PONG);
          if (!this.port.receive(data)) this.#feed(INPUT_OVERFLOW);
        },
        onError() {},
        onEnd: (close) => {
          if (attempt !== this.#attempt) return; // let go by us
          this.#given = close.reason;
          const buffered = ws.bufferedAmount; // what provably never left
          this.#forget();
          this.#feed(INPUT_ENDED, close.code, close.wasClean ? 1 : 0, buffered);
        },
      });
    };
    if (typeof this.url !== "function") return go(this.url);
    urlFrom(this.url).then(go, () => attempt === this.#attempt && this.#feed(INPUT_URL_FAILED));
  }

  /** Our own close of the open connection: its end is the final close. */
  #close(code, reason) {
    try {
      this.ws?.close(code, reason);
    } catch {
      // Closing already: its close event ends it all the same.
    }
  }

  /** Lets the attempt or connection go: closed (with `code` and `reason`, or none while it
   * connects), its listeners removed, nothing more fed about it. */
  #discard(code, reason) {
    const ws = this.#socket;
    this.#attempt++;
    try {
      if (ws && code) ws.close(code, reason);
      else ws?.close();
    } catch {
      // Closing already.
    }
    this.#end?.(E.closeInfo(code || 1006, reason, false));
    this.#forget();
  }

  #forget() {
    this.#budget?.stop();
    this.ws = this.#socket = this.#end = this.#budget = null;
  }

  #opened() {
    this.readyState = OPEN;
    this.port.opened();
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
  #finish(close, failure, attempts) {
    // By `Failure` (abi.js): none, rejected, refused, retries exhausted, receive overflow.
    const error = [null, this.#rejected, E.reconnectRefused(close), E.retriesExhausted(attempts, close),
      E.receiveOverflow(this.#call((m) => m.machinePolicy(POLICY_MAX_BUFFERED_BYTES)))][failure];
    if (error) this.port.fail(error);
    this.#finished = true;
    this.readyState = CLOSED;
    clearTimeout(this.#timer);
    // A socket that gave up keeps listening to the page and the network until close(), so
    // that a reconnect() knows what the machine knows.
    if (this.#closing) this.#stopListening();
    // Nothing more goes anywhere: what is still queued is dropped at the stop (never sent by a
    // later reconnect()), and send() rejects with Closed. The dropped messages keep their
    // sequence numbers: numbers count accepted messages, as in-flight reports say.
    this.#setRoute(ROUTE_CLOSED, 0);
    this.#sent += this.#outgoing.length;
    this.#outgoing.length = 0;
    this.port.finished(close);
  }

  /** Listens to the page or worker and feeds what it says: online/offline, the back/forward
   * cache, coming back from sleep (visibilitychange, resume). Returns what removes the
   * listeners (6 in a page, 4 in a worker; counted by liveListeners). */
  #stopListening() {
    this.#quiet?.();
    this.#quiet = null;
  }

  #listenEnvironment() {
    const added = [];
    const on = (target, type, f) => {
      target.addEventListener(type, f);
      added.push(() => target.removeEventListener(type, f));
    };
    const scope = globalThis;
    if (typeof scope.addEventListener === "function") {
      on(scope, "offline", () => this.#feed(INPUT_OFFLINE));
      on(scope, "online", () => this.#feed(INPUT_ONLINE));
      on(scope, "pageshow", (e) => this.#feed(INPUT_PAGE_SHOW, e.persisted === true ? 1 : 0));
      on(scope, "pagehide", (e) => this.#feed(INPUT_PAGE_HIDE, e.persisted === true ? 1 : 0));
    }
    const doc = scope.document;
    if (doc && typeof doc.addEventListener === "function") {
      on(doc, "visibilitychange", () => this.#feed(doc.visibilityState === "hidden" ? INPUT_HIDDEN : INPUT_VISIBLE));
      on(doc, "resume", () => this.#feed(INPUT_RESUMED));
    }
    countListeners(added.length);
    return () => {
      for (const remove of added) remove();
      countListeners(-added.length);
    };
  }
}
