// A socket that comes back by itself, for JavaScript: the same policy as the Rust face's
// `ReconnectingWebSocket` (src/reconnect/), event-driven over the browser's sockets. The
// driver loop (`#drive`) connects, runs one `Connection` until it ends, backs off (delays from
// Rust: src/machine/backoff.rs), repeats; it stops for good on `close()`, a refused
// reconnection or exhausted retries. It talks to its Socket only through `port` (socket.js).
import { backoffDelay, closeProblem } from "../pkg/web/sockwave.js";
import * as E from "./errors.js";
import {
  CLOSED, CONNECTING, HIGH_WATER_MARK, OPEN, OVERFLOW_CODE, OVERFLOW_REASON, SendBudget,
  countListeners, later, listen, notSendable, num, open, own, protocolList, sendable, urlFrom, utf8Length,
} from "./link.js";

const QUEUE_LIMIT = 1024; // DEFAULT_QUEUE_LIMIT
const HEARTBEAT_TIMEOUT_CODE = 4000, IDLE_TIMEOUT_CODE = 4001; // the defaults of src/reconnect/state.rs
const RESOLVED = Promise.resolve();
const JITTER = { none: 0, full: 1, equal: 2 };

/** A close code option: one a client may send, else the default (the browser would refuse to
 * close with it), as `ReconnectingBuilder::timeout_codes` does. */
const closeCode = (code, fallback) => (typeof code === "number" && closeProblem(code, 0) === 0 ? code : fallback);

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
  #conn = null; // the Connection being attempted or run
  #finished = false;
  #closeRequest = null; // [code, reason] from close()
  #reconnectRequest = false; // from reconnect(), online, pageshow
  #offline = false;
  #suspended = false; // in the back/forward cache
  #hiddenSince = null;
  #outgoing = []; // accepted by send(), not yet handed to a socket: [seq, data]
  #writers = []; // sends waiting for room in #outgoing while open: { data, resolve, reject }
  #seq = 0;
  #wakeup = null;

  constructor(url, options, port) {
    if (typeof url !== "function" && typeof url !== "string") {
      throw E.invalidUrl(String(url), "url is neither a string nor a function");
    }
    this.port = port;
    this.url = url;
    this.protocols = protocolList(options.protocols);
    this.hwm = num(options, "highWaterMark") ?? HIGH_WATER_MARK;
    this.connectTimeout = num(options, "connectTimeoutMs");
    this.idleTimeout = num(options, "idleTimeoutMs");
    this.idleCode = closeCode(options.idleTimeoutCode, IDLE_TIMEOUT_CODE);
    this.closeOnPagehide = options.closeOnPagehide !== false;
    const r = options.reconnect ?? {};
    this.backoff = [num(r, "minDelayMs") ?? 500, num(r, "maxDelayMs") ?? 30000, num(r, "factor") ?? 2, JITTER[r.jitter] ?? 1];
    this.maxRetries = num(r, "maxRetries");
    this.queueLimit = Math.max(1, num(r, "queueLimit") ?? QUEUE_LIMIT); // 0 would stall every send
    const decide = r.shouldReconnect;
    // A throwing or non-boolean answer counts as "no".
    this.shouldReconnect = typeof decide === "function"
      ? (close) => { try { return decide(close) === true; } catch { return false; } }
      : (close) => !(close.wasClean && close.code === 1000);
    const h = options.heartbeat;
    if (h != null && typeof h === "object") {
      const ping = h.ping ?? "ping";
      const pong = h.pong ?? ping;
      if (!sendable(ping) || !sendable(pong)) throw notSendable();
      this.heartbeat = {
        interval: num(h, "intervalMs") ?? 15000,
        timeout: num(h, "timeoutMs") ?? 5000,
        code: closeCode(h.timeoutCode, HEARTBEAT_TIMEOUT_CODE),
        ping: own(ping),
        isPong: matcher(pong),
      };
    }
    this.#drive();
  }

  // -- What the Socket asks. --

  send(data) {
    if (this.#finished || this.#closeRequest) return Promise.reject(E.closed());
    if (!this.#writers.length && this.#outgoing.length < this.queueLimit) {
      this.#outgoing.push([this.#seq++, own(data)]);
      this.#conn?.flush();
      return RESOLVED;
    }
    if (this.readyState !== OPEN) return Promise.reject(E.queueFull(this.queueLimit));
    return new Promise((resolve, reject) => this.#writers.push({ data: own(data), resolve, reject }));
  }

  close(code, reason) {
    this.#closeRequest ??= [code, reason];
    if (!this.#finished) {
      this.#conn?.close(code, reason);
      this.#wake();
    }
    return this.port.closed();
  }

  reconnect() {
    if (this.#closeRequest) throw E.closed();
    if (this.#finished) {
      this.#finished = false;
      this.#reconnectRequest = false;
      this.readyState = CONNECTING;
      this.port.restart();
      this.#drive();
      return;
    }
    // An open connection is replaced, which answers the request; otherwise the next attempt
    // comes at once (a delay is cut short; an attempt under way, if it fails, is followed by
    // another at once).
    if (this.#conn?.open) this.#conn.replace("reconnect");
    else this.#reconnectRequest = true;
    this.#wake();
  }

  // -- The driver. --

  async #drive() {
    const quiet = this.#listenEnvironment();
    let attempt = 0;
    let last;
    for (;;) {
      if (this.#closeRequest) {
        last = E.closeInfo(...this.#closeRequest, true);
        break;
      }
      // Offline or in the back/forward cache: no attempt, no retry spent.
      if (this.#offline || this.#suspended) {
        await this.#wait();
        continue;
      }
      this.readyState = CONNECTING;
      const got = await this.#attempt();
      if (!got) continue; // close requested: handled at the top
      if (got.error) {
        const e = got.error;
        if (e.name === "InvalidUrl" || e.name === "InvalidProtocol") {
          // Retrying cannot fix a URL or a subprotocol list the browser rejects.
          this.port.fail(e);
          last = E.closeInfo(1006, e.message, false);
          break;
        }
        last = e.closeEvent ?? E.closeInfo(1006, e.message, false);
      } else {
        attempt = 0;
        this.#reconnectRequest = false; // answered by this attempt
        const ended = await got.run();
        this.ws = this.#conn = null;
        this.readyState = CONNECTING;
        if (ended.closed) {
          last = ended.closed;
          break;
        }
        if (ended.overflow) {
          this.port.fail(E.receiveOverflow(this.port.limit));
          last = E.closeInfo(OVERFLOW_CODE, OVERFLOW_REASON, true);
          break;
        }
        this.port.emit("disconnect", { ...ended.close, inFlight: ended.inFlight });
        if (ended.replaced) continue;
        last = ended.close;
      }
      if (!this.shouldReconnect(last)) {
        this.port.fail(E.reconnectRefused(last));
        break;
      }
      attempt++;
      if (this.maxRetries !== undefined && attempt > this.maxRetries) {
        this.port.fail(E.retriesExhausted(attempt - 1, last));
        break;
      }
      const delayMs = backoffDelay(attempt, ...this.backoff, Math.random());
      this.port.emit("reconnect", { attempt, delayMs });
      if (await this.#sleep(delayMs)) attempt = 0; // cut short by reconnect(): backoff reset
    }
    quiet();
    this.#finished = true;
    this.readyState = CLOSED;
    for (const { reject } of this.#writers.splice(0)) reject(E.closed());
    this.port.finished(last);
  }

  /** One attempt: `{ run }` once open, `{ error }`, or null if close() came first. */
  async #attempt() {
    let url = this.url;
    if (typeof url === "function") {
      // A provider that fails (a token fetch while offline) fails this attempt, which is
      // retried; close() does not wait for it.
      const pending = urlFrom(url).then((u) => ({ u }), (e) => ({ e }));
      let got;
      while (!got && !this.#closeRequest) got = await Promise.race([pending, this.#wait()]);
      if (this.#closeRequest) return null;
      if (got.e) return { error: { closeEvent: E.closeInfo(1006, "url provider failed", false) } };
      url = got.u;
    }
    let ws;
    try {
      ws = open(url, this.protocols);
    } catch (error) {
      return { error };
    }
    const conn = (this.#conn = new Connection(this, ws));
    const got = await conn.opened;
    if (!got || got.error) this.#conn = null;
    return got;
  }

  /** Waits for a signal (`#wake`) or `ms`. */
  #wait(ms) {
    return new Promise((resolve) => {
      const timer = ms === undefined ? 0 : later(resolve, ms);
      this.#wakeup = () => (clearTimeout(timer), resolve());
    }).then(() => (this.#wakeup = null));
  }

  #wake() {
    this.#wakeup?.();
  }

  /** The backoff delay: true when cut short by a reconnect request, false when it passed or a
   * close was requested. */
  async #sleep(ms) {
    const until = Date.now() + ms;
    while (!this.#closeRequest) {
      if (this.#reconnectRequest) {
        this.#reconnectRequest = false;
        return true;
      }
      const left = until - Date.now();
      if (left <= 0) return false;
      await this.#wait(left);
    }
    return false;
  }

  // -- Between the driver and the open connection. --

  opened(ws) {
    this.ws = ws;
    this.readyState = OPEN;
    this.port.opened();
  }

  /** Queued messages, in order, while `conn` takes them; then waiting writers move in. */
  takeOutgoing(conn, all = false) {
    const q = this.#outgoing;
    for (;;) {
      while (q.length && (all || conn.ready(q[0][1]))) {
        const [seq, data] = q.shift();
        conn.transmit(seq, data);
      }
      if (!this.#writers.length || q.length >= this.queueLimit) return;
      while (this.#writers.length && q.length < this.queueLimit) {
        const { data, resolve } = this.#writers.shift();
        q.push([this.#seq++, data]);
        resolve();
      }
    }
  }

  /** Listens to the page or worker: online/offline, back/forward cache, coming back from
   * sleep (visibilitychange, resume). Returns what removes the listeners (6 in a page, 4 in a
   * worker; counted by liveListeners). The same signals as src/reconnect/environment.rs. */
  #listenEnvironment() {
    const added = [];
    const on = (target, type, f) => {
      target.addEventListener(type, f);
      added.push(() => target.removeEventListener(type, f));
    };
    const scope = globalThis;
    const probeAfter = this.heartbeat ? this.heartbeat.interval : Infinity;
    const probe = () => this.#conn?.probe();
    if (typeof scope.addEventListener === "function") {
      on(scope, "offline", () => (this.#offline = true));
      on(scope, "online", () => {
        this.#offline = false;
        if (this.readyState === OPEN) return probe();
        this.#reconnectRequest = true;
        this.#wake();
      });
      on(scope, "pageshow", (e) => {
        if (e.persisted !== true) return;
        if (!this.#suspended) return probe();
        this.#suspended = false;
        this.#reconnectRequest = true;
        this.#wake();
      });
      if (this.closeOnPagehide) {
        on(scope, "pagehide", (e) => {
          if (e.persisted !== true) return;
          this.#suspended = true;
          // An attempt goes too: a connecting socket also keeps the page out of the cache.
          if (this.#conn?.open) this.#conn.replace("page hidden");
          else this.#conn?.close();
          this.#wake();
        });
      }
    }
    const doc = scope.document;
    if (doc && typeof doc.addEventListener === "function") {
      on(doc, "visibilitychange", () => {
        if (doc.visibilityState === "hidden") {
          this.#hiddenSince = Date.now();
          return;
        }
        const since = this.#hiddenSince;
        this.#hiddenSince = null;
        if (since !== null && Date.now() - since >= probeAfter) probe();
      });
      on(doc, "resume", probe);
    }
    countListeners(added.length);
    return () => {
      for (const remove of added) remove();
      countListeners(-added.length);
    };
  }
}

/** One attempt and, once open, one connection: received messages to the Socket, queued ones
 * to the browser, heartbeat and idle checks, its end. */
class Connection {
  open = false;
  #closing = false;
  #inFlight = { firstSeq: 0, messages: 0, bytes: 0, unsentBytes: 0 };
  #lastReceived = Date.now();
  #timers = { connect: 0, ping: 0, pong: 0, idle: 0 };
  #budget; // backpressure on this connection's socket (link.js)
  #settleOpened;
  #settleEnded;
  #result = null;

  constructor(driver, ws) {
    this.driver = driver;
    this.ws = ws;
    this.#budget = new SendBudget(ws, driver.hwm, () => this.flush());
    this.opened = new Promise((resolve) => (this.#settleOpened = resolve));
    this.#end = listen(ws, this);
    const timeout = driver.connectTimeout;
    if (timeout !== undefined) {
      this.#timers.connect = later(() => this.#giveUp({ error: E.connectTimeout() }), timeout);
    }
  }

  #end;

  /** Ends the attempt before it opened (timeout, close()), closing it. */
  #giveUp(got) {
    clearTimeout(this.#timers.connect);
    this.ws.close();
    this.#settleOpened(got);
    this.#end(E.closeInfo(1006, "", false));
  }

  onOpen() {
    clearTimeout(this.#timers.connect);
    this.open = true;
    const ended = new Promise((resolve) => (this.#settleEnded = resolve));
    this.#settleOpened({ run: () => ended });
    const { driver } = this;
    driver.opened(this.ws);
    const h = driver.heartbeat;
    if (h) this.#timers.ping = later(() => this.#ping(), h.interval);
    if (driver.idleTimeout !== undefined) this.#timers.idle = later(() => this.#idleCheck(), driver.idleTimeout);
    this.flush();
  }

  onMessage(data) {
    this.#lastReceived = Date.now();
    const h = this.driver.heartbeat;
    if (h && h.isPong(data)) {
      clearTimeout(this.#timers.pong);
      this.#timers.pong = 0;
      return;
    }
    if (!this.driver.port.receive(data)) {
      this.#stop({ overflow: true }, OVERFLOW_CODE, OVERFLOW_REASON);
    }
  }

  onError() {}

  onEnd(close) {
    if (!this.open) {
      clearTimeout(this.#timers.connect);
      this.#settleOpened({ error: E.connectFailed(close) });
      return;
    }
    this.#finish(this.#closing ? { closed: close } : this.#lost(close));
  }

  /** Whether queued `data` may go now: open, not closing, under the high-water mark (else the
   * budget flushes again later: link.js). */
  ready(data) {
    return this.open && !this.#closing && !this.#result && this.ws.readyState === OPEN && this.#budget.take(data);
  }

  transmit(seq, data) {
    this.ws.send(data);
    const f = this.#inFlight;
    if (f.messages === 0) f.firstSeq = seq;
    f.messages++;
    f.bytes += utf8Length(data);
  }

  flush() {
    if (this.open) this.driver.takeOutgoing(this);
  }

  /** Our own close: what is queued goes first, then the close frame. */
  close(code, reason) {
    if (!this.open) return this.#giveUp(null);
    // Everything queued goes before the close frame, past the send budget.
    this.driver.takeOutgoing(this, true);
    this.#closing = true;
    // The handshake is ours now: no ping, no dead-connection verdict.
    for (const k of ["ping", "pong", "idle"]) clearTimeout(this.#timers[k]);
    try {
      this.ws.close(code, reason);
    } catch {
      // Closing already: its close event ends this connection all the same.
    }
  }

  /** reconnect() or the page going into the back/forward cache: this connection goes (closed
   * normally, so the server sees a clean close); the driver attempts again. */
  replace(reason) {
    if (!this.open || this.#closing || this.#result) return;
    const close = E.closeInfo(1000, reason, true);
    this.#stop({ replaced: true, close, inFlight: this.#inFlight }, 1000, reason);
  }

  /** The page is back from sleep or the network changed: a ping now. */
  probe() {
    if (this.open && !this.#result) this.#sendPing();
  }

  #ping() {
    this.#sendPing();
    this.#timers.ping = later(() => this.#ping(), this.driver.heartbeat.interval);
  }

  /** One ping at a time; no pong in time means the connection is dead. */
  #sendPing() {
    const h = this.driver.heartbeat;
    // Never held back by the send budget: a server that stopped reading is what it must catch.
    if (!h || this.#timers.pong || this.#closing) return;
    this.ws.send(h.ping);
    this.#timers.pong = later(() => this.#abandon(h.code, "heartbeat timeout"), h.timeout);
  }

  /** Nothing received for the whole idle timeout means the connection is dead. */
  #idleCheck() {
    const limit = this.driver.idleTimeout;
    const idle = Date.now() - this.#lastReceived;
    if (idle >= limit) return this.#abandon(this.driver.idleCode, "idle timeout");
    this.#timers.idle = later(() => this.#idleCheck(), limit - idle);
  }

  /** Gives up on a connection that stopped answering: starts its close and reports it lost. */
  #abandon(code, reason) {
    this.#stop(this.#lost(E.closeInfo(code, reason, false)), code, reason);
  }

  #lost(close) {
    this.#inFlight.unsentBytes = this.ws.bufferedAmount;
    return { close, inFlight: this.#inFlight };
  }

  /** Closes the browser's socket with `code` and ends this connection with `result` now. */
  #stop(result, code, reason) {
    this.#inFlight.unsentBytes = this.ws.bufferedAmount;
    try {
      this.ws.close(code, reason);
    } catch {
      // Closing already.
    }
    this.#finish(result);
    this.#end(result.close ?? E.closeInfo(code, reason, true));
  }

  #finish(result) {
    if (this.#result) return;
    this.#result = result;
    for (const timer of Object.values(this.#timers)) clearTimeout(timer);
    this.#budget.stop();
    this.#settleEnded(result);
  }
}
