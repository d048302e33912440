// The shell around one socket's machine (src/machine/, in the package's .wasm: machine.js),
// which both of `connect()`'s sockets are: the plain one (a `Shell` as it is) and the
// reconnecting one (reconnect.js extends it). It feeds the machine what happened and carries
// out what it decides: start an attempt (the URL asked of the provider, then the browser's
// socket), our closing handshake, letting an attempt or connection go, the open and the end,
// and the timer at the machine's next deadline. It decides nothing: the machine says when an
// attempt or a close has taken too long and what each end is. As the Rust face's drivers do
// (src/native/driver/life.rs for the plain socket, src/reconnect/driver.rs).
import {
  ACT_CLOSE, ACT_CLOSED, ACT_CONNECT, ACT_DISCARD, ACT_OPEN, INPUT_CLOSE, INPUT_DUE, INPUT_ENDED,
  INPUT_OPENED, INPUT_REJECTED, INPUT_TIMEOUT, INPUT_URL_FAILED,
} from "./abi.js";
import * as E from "./errors.js";
import { later, open, urlFrom, utf8Length } from "./link.js";
import { reasonText, w, withMachine } from "./machine.js";

/** A plain socket's policy for `machineNew` (js/rules/calls.rs lists the fields): one attempt
 * within `connectTimeoutMs` (`-1`: the default, `Infinity`: none), no reconnection, no
 * heartbeat, nothing on pagehide. */
export const plainPolicy = (connectTimeoutMs) => [0, connectTimeoutMs, ...Array(12).fill(-1), 0, -1, -1, -1];

export class Shell {
  #machine = new Uint8Array(w().machineSize()); // its bytes (machine.js `withMachine`)
  #timer = 0;
  /** The attempt under way: its number, so that a late URL or end of an older one is ignored. */
  attempt = 0;
  /** The attempt's or the connection's browser socket, and what removes its listeners. */
  socket = null;
  #detach = null;
  /** The text the machine's "given" reason stands for in an end: the browser's reason. */
  given = "";
  #closeReason = ""; // ... and in our close: `close()`'s
  #closing = false; // close() was called: closed for good
  #refused = null; // why the last attempt could not start: the URL refused, the provider failed
  /** Stopped: no more actions carried out, no timer (until a reconnect() after giving up). */
  finished = false;

  /**
   * `url` (a string or a provider) and `protocols` (checked), as `connect()` took them;
   * `policy` for `machineNew`, and `seed` for its randomness. `port`: what this does to its
   * Socket: `attach(ws, listeners)` (a plain socket's: see `attach`), `open()`,
   * `end(close, error)` (the end, and the error that ends its messages), `limit` (its
   * receive limit).
   */
  constructor(url, protocols, policy, seed, port) {
    if (typeof url !== "function" && typeof url !== "string") {
      throw E.invalidUrl(String(url), "url is neither a string nor a function");
    }
    this.url = url;
    this.protocols = protocols;
    this.port = port;
    withMachine(this.#machine, (m) => m.machineNew(...policy, Date.now(), seed), true);
  }

  /** Carries out the machine's first decisions: the first attempt starts. */
  start() {
    this.act();
  }

  /** Our `close()`, checked by the Socket already (the machine's rule): the first one's reason
   * is the one sent, a second changes nothing. */
  close(code, reason) {
    if (!this.#closing) {
      this.#closing = true;
      this.#closeReason = this.given = reason;
    }
    this.feed(INPUT_CLOSE, code, utf8Length(reason));
  }

  get closing() {
    return this.#closing;
  }

  // -- Feeding the machine, and carrying out what it decides. --

  /** A call on this socket's machine (see machine.js `withMachine`). */
  call(call) {
    return withMachine(this.#machine, call);
  }

  /** What the machine counts (a reconnecting socket's sends and receipts: reconnect.js). */
  tally() {
    return [0, 0, 0, 0];
  }

  /** Feeds `input` (abi.js `INPUT_*`) and its numbers, then carries out what was decided. */
  feed(input, a = 0, b = 0, buffered) {
    this.call((m) => m.machineHandle(Date.now(), input, a, b, ...this.tally(buffered)));
    this.act();
  }

  act() {
    const f = w().actionField;
    for (let kind; !this.finished && (kind = this.call((m) => m.machinePollAction()));) this.perform(kind, f);
    clearTimeout(this.#timer);
    const due = this.finished ? -1 : this.call((m) => m.machineHandle(0, INPUT_DUE));
    if (due >= 0) this.#timer = later(() => this.feed(INPUT_TIMEOUT), due - Date.now());
  }

  /** Carries out action `kind` (abi.js `ACT_*`), its numbers read with `f(i)`. */
  perform(kind, f) {
    switch (kind) {
      case ACT_CONNECT: return this.#connect();
      case ACT_CLOSE: return this.#close(f(0), f(1) ? reasonText(f(1)) : this.#closeReason);
      case ACT_DISCARD: return this.#discard(f(0), reasonText(f(1)));
      case ACT_OPEN: return this.port.open();
      case ACT_CLOSED: return this.finish(this.closeInfo(f(0), f(1), f(2)), f(3), f(4));
      // Routes and reports of the attempt: a plain Socket's sends follow its browser socket.
    }
  }

  /** A close the machine reports, with its reason's text. */
  closeInfo(code, reason, clean) {
    return E.closeInfo(code, reason ? reasonText(reason) : this.given, clean === 1);
  }

  /** An attempt: the URL (asked of the provider, if any), then the browser's socket. */
  #connect() {
    const attempt = ++this.attempt;
    const go = (url) => {
      if (attempt !== this.attempt) return; // let go meanwhile
      let ws;
      try {
        ws = open(url, this.protocols);
      } catch (e) {
        this.#refused = e;
        this.given = e.message;
        return this.feed(INPUT_REJECTED);
      }
      this.socket = ws;
      this.#detach = this.attach(ws, this.listeners(ws, attempt));
    };
    if (typeof this.url !== "function") return go(this.url);
    urlFrom(this.url).then(go, (e) => {
      this.#refused = e;
      if (attempt === this.attempt) this.feed(INPUT_URL_FAILED);
    });
  }

  /** Listens to `ws` (link.js `listen`) with `listeners`, and its messages go to the Socket;
   * returns what removes the listeners. */
  attach(ws, listeners) {
    return this.port.attach(ws, listeners);
  }

  /** The attempt's own listeners (link.js `listen`), but for its messages. */
  listeners(ws, attempt) {
    return {
      onOpen: () => this.opened(ws),
      onEnd: (close) => {
        if (attempt !== this.attempt) return; // let go by us
        this.given = close.reason;
        const buffered = ws.bufferedAmount; // what provably never left
        this.forget();
        this.feed(INPUT_ENDED, close.code, close.wasClean ? 1 : 0, buffered);
      },
    };
  }

  /** The attempt opened (a reconnecting socket sends from here on). */
  opened() {
    this.feed(INPUT_OPENED);
  }

  /** Our own close of the open connection: its end is the final close. */
  #close(code, reason) {
    try {
      this.socket?.close(code, reason);
    } catch {
      // Closing already: its close event ends it all the same.
    }
  }

  /** Lets the attempt or connection go: closed (with `code` and `reason`, or none while it
   * connects), its listeners removed, nothing more fed about it. */
  #discard(code, reason) {
    const ws = this.socket;
    this.attempt++;
    try {
      if (ws && code) ws.close(code, reason);
      else ws?.close();
    } catch {
      // Closing already.
    }
    this.#detach?.(E.closeInfo(code || 1006, reason, false));
    this.forget();
  }

  /** The attempt or connection is gone. */
  forget() {
    this.socket = this.#detach = null;
  }

  /** The end: `failure` (abi.js `Failure`) becomes the error the Socket ends with. */
  finish(close, failure, attempts) {
    this.finished = true;
    clearTimeout(this.#timer);
    // By `Failure`: none, rejected, refused, retries exhausted, receive overflow, connect
    // failed, connect timeout, connection lost.
    const error = [undefined, this.#refused, E.reconnectRefused(close), E.retriesExhausted(attempts, close),
      E.receiveOverflow(this.port.limit), E.connectFailed(close), E.connectTimeout(), E.connectionLost(close)][failure];
    // A plain socket's provider that failed: what it threw is the cause.
    if (failure === 5 && this.#refused) error.cause = this.#refused;
    this.port.end(close, error);
  }
}
