// sockwave for JavaScript: `connect` and the socket it resolves with (`Connection`: promises,
// `for await`, typed errors, reconnection), plain JavaScript over the browser's socket. A message goes from the browser's `message` event (link.js) through
// `Inbox.receive` either to a waiting `for await` (inbox.js) or to `message` listeners, without
// crossing into WebAssembly; the .wasm holds the rules the Rust face shares (subprotocols,
// close frames, backoff: built by js/rules/). A reconnecting socket's policy lives in reconnect.js.
import { INPUT_OVERFLOW, POLICY_MAX_BUFFERED_BYTES } from "./abi.js";
import { policyDefault, w } from "./machine.js";
import * as E from "./errors.js";
import { codecOf } from "./codec.js";
import { Inbox, iterate } from "./inbox.js";
import {
  CLOSED, CONNECTING, OPEN, SendBudget, closeEvent, overflowClose,
  listen, notSendable, num, own, protocolList, sendable, utf8Length,
} from "./link.js";
import { Reconnector, reconnects } from "./reconnect.js";
import { Shell, plainPolicy } from "./shell.js";

const RESOLVED = Promise.resolve();
const UNDECIDED = 0, ITERATOR = 1, EVENTS = 2; // who takes the messages
const USE_ONE = "a socket delivers messages either to `for await` or to onmessage / 'message' listeners, "
  + "whichever is used first; use one of them";

let connectSocket; // Connection.#connect, set in the class's static block

/** A socket from `connect()`: the browser's surface plus promises and `for await` (see
 * index.d.ts). The standard `Socket` is standard.js. */
class Connection extends EventTarget {
  /** The browser's socket (a plain socket's only one). */
  #ws = null;
  #end = null; // how it ended, once it did (plain)
  #auto = null; // a reconnecting socket's driver (reconnect.js)
  #life = null; // connect()'s plain socket: the shell of its machine (shell.js)
  #waiter = null; // connect(): settled at the first open, or the end before it
  #on = {}; // the on* handlers
  #closed;
  #settleClosed;
  #inbox; // received messages; the message path goes from link.js straight to its receive()
  #delivery = UNDECIDED;
  #sends = []; // sends waiting for open or for bufferedAmount to fall: { data, resolve, reject }
  #budget; // backpressure (link.js): `send` asks the browser for bufferedAmount only near the mark
  #codec; // `options.codec` (codec.js), or null: messages as the browser gives them

  /** Made by `connect()` only, which gives it its shell. */
  constructor(options) {
    super();
    const codec = (this.#codec = codecOf(options));
    const dispatch = codec
      ? (data) => this.dispatchEvent(new MessageEvent("message", { data: codec.decode(data) }))
      : (data) => this.dispatchEvent(new MessageEvent("message", { data }));
    this.#inbox = new Inbox(num(options, "maxBufferedBytes") ?? policyDefault(POLICY_MAX_BUFFERED_BYTES), dispatch);
    this.#inbox.decode = codec?.decode;
    this.#newClosed();
  }

  /** Takes `ws` as this socket's browser socket: listens to it (the machine's shell, `to`,
   * listens to its open and end), sends through it. Returns what removes the listeners
   * (link.js `listen`). */
  #attach(ws, options, to) {
    this.#ws = ws;
    this.#budget = new SendBudget(ws, w().highWaterMark(num(options, "highWaterMark") ?? -1), () => this.#drain());
    const inbox = this.#inbox;
    return listen(ws, {
      onOpen: to.onOpen,
      onMessage: (data) => inbox.receive(data) || this.#overflow(),
      onError: () => this.#emit("error"),
      onEnd: (close, afterError) => {
        if (afterError) this.#emit("error");
        to.onEnd(close);
      },
    });
  }

  /** Connects and resolves with an open `Connection` (see `connect`). */
  static async #connect(url, options = {}) {
    if (reconnects(options)) {
      const socket = new Connection(options);
      // Waiting before the first attempt starts: a URL the browser refuses ends it at once.
      const opened = new Promise((resolve, reject) => (socket.#waiter = { resolve, reject }));
      socket.#auto = new Reconnector(url, options, socket.#port(options));
      // Given up before it opened: the app never holds this socket, so it is closed for good
      // (a socket that gave up otherwise listens to the network until close()).
      await opened.catch((e) => {
        socket.#auto.close(1000, "");
        throw e;
      });
      return socket;
    }
    const socket = new Connection(options);
    const opened = new Promise((resolve, reject) => (socket.#waiter = { resolve, reject }));
    // The machine decides; the timeout covers the URL provider too (Infinity: none).
    const policy = plainPolicy(num(options, "connectTimeoutMs") ?? -1);
    socket.#life = new Shell(url, protocolList(options.protocols), policy, 0, socket.#port(options));
    socket.#life.start();
    await opened;
    return socket;
  }

  static {
    connectSocket = (url, options) => Connection.#connect(url, options ?? {});
  }

  // -- Receiving: the message path. --

  /** Past `maxBufferedBytes`: close (4009; on the machine, as it decides), keep the messages
   * that fit, then ReceiveOverflow. */
  #overflow() {
    if (this.#life) this.#life.feed(INPUT_OVERFLOW);
    else {
      try {
        this.#ws.close(...overflowClose());
      } catch {
        // Closing already: the end is reported all the same.
      }
    }
    this.#inbox.end(E.receiveOverflow(this.#inbox.limit));
  }

  /** Fixes who takes the messages, or throws `UsageError` for the other consumer. */
  #claim(delivery) {
    if (this.#delivery === delivery) return;
    if (this.#delivery !== UNDECIDED) throw E.usage(USE_ONE);
    this.#delivery = delivery;
    if (delivery !== EVENTS) return;
    this.#inbox.toListeners = true;
    if (this.#inbox.waiting) queueMicrotask(() => this.#flush());
  }

  /** Dispatches the messages that waited for `message` listeners, in order. */
  #flush() {
    if (this.#delivery === EVENTS) this.#inbox.drain();
  }

  /** The next message if one waits right now; `undefined` once they ended; `null` if none. */
  takeValue() {
    this.#claim(ITERATOR);
    return this.#inbox.take();
  }

  /** The next message, or `undefined` once they ended; calls are served in call order. */
  nextValue() {
    try {
      this.#claim(ITERATOR);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#inbox.next();
  }

  /** The next message as an iterator result. */
  nextMessage() {
    return this.nextValue().then((value) => ({ value, done: value === undefined }));
  }

  /** `for await (const msg of socket)`: see inbox.js `iterate`. */
  [Symbol.asyncIterator]() {
    this.#claim(ITERATOR);
    return iterate(this.#inbox);
  }

  // -- Sending. --

  /** Sends a string, `ArrayBuffer` or typed array; resolves once handed to the browser, in
   * call order, waiting while `bufferedAmount` is at the high-water mark (and for open). */
  send(data) {
    if (this.#codec) {
      try {
        data = this.#codec.encode(data);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (!sendable(data)) return Promise.reject(notSendable());
    if (this.#auto) return this.#auto.send(data);
    const ws = this.#ws;
    const state = ws?.readyState ?? CONNECTING;
    if (this.#end || state > OPEN) return Promise.reject(E.closed());
    if (state === OPEN && !this.#sends.length && this.#budget.take(data)) {
      try {
        ws.send(data);
        return RESOLVED;
      } catch (e) {
        return Promise.reject(E.browserError(e));
      }
    }
    return new Promise((resolve, reject) => {
      this.#sends.push({ data: own(data), resolve, reject });
      if (this.#sends.length === 1) this.#drain();
    });
  }

  /** Sends what waits while the socket is open and under the mark (the budget calls again
   * when it was not). */
  #drain() {
    const ws = this.#ws, sends = this.#sends;
    while (sends.length && ws?.readyState === OPEN && this.#budget.take(sends[0].data)) {
      const { data, resolve, reject } = sends.shift();
      try {
        ws.send(data);
        resolve();
      } catch (e) {
        reject(E.browserError(e));
      }
    }
  }

  // -- Opening and closing. --

  #onOpen() {
    this.#emit("open");
    this.#waiter?.resolve();
    this.#waiter = null;
    if (this.#sends.length) this.#drain();
  }

  /** The end (for a reconnecting socket, until a `reconnect()` after giving up): `error` ends
   * its messages (none after a clean end). */
  #ended(close, error) {
    this.#end = close;
    this.#budget?.stop();
    for (const { reject } of this.#sends.splice(0)) reject(E.closed());
    this.#inbox.end(error);
    this.#finish(close, error ?? E.closed());
  }

  /** The end: messages still waiting for listeners, then `close`, then `closed` settles. */
  #finish(close, error) {
    this.#flush();
    this.dispatchEvent(closeEvent(close));
    this.#settleClosed(close);
    this.#waiter?.reject(error);
    this.#waiter = null;
  }

  #newClosed() {
    this.#closed = new Promise((resolve) => (this.#settleClosed = resolve));
  }

  /** Closes with `code` (default 1000) and `reason` (default ""), checked first (the rule is
   * Rust's, src/close.rs); resolves with `{ code, reason, wasClean }`. */
  close(code = 1000, reason = "") {
    reason = String(reason);
    const bytes = utf8Length(reason);
    const problem = w().closeProblem(code, bytes);
    if (problem === 1) {
      return Promise.reject(E.fail("InvalidCloseCode",
        `close code ${code} may not be sent by a client`, { code }));
    }
    if (problem) {
      return Promise.reject(E.fail("ReasonTooLong",
        `close reason is ${bytes} UTF-8 bytes, over the limit`, { length: bytes }));
    }
    if (this.#auto) return this.#auto.close(code, reason);
    this.#life.close(code, reason);
    return this.#closed;
  }

  /** Settles when the socket closes, for any reason. */
  get closed() {
    return this.#closed;
  }

  /** A reconnecting socket: an attempt now, backoff reset (see index.d.ts). */
  reconnect() {
    if (!this.#auto) throw E.usage("reconnect() needs a socket that reconnects: connect(url, { reconnect: {} })");
    this.#auto.reconnect();
  }

  /** What the shell of its machine (shell.js, reconnect.js) may do to this socket. */
  #port(options) {
    return {
      attach: (ws, listeners) => this.#attach(ws, options, listeners),
      receive: (data) => this.#inbox.receive(data),
      limit: this.#inbox.limit,
      emit: (type, props) => this.#emit(type, props),
      open: () => this.#onOpen(),
      end: (close, error) => this.#ended(close, error),
      restart: () => {
        this.#inbox.restart();
        this.#newClosed();
      },
      closed: () => this.#closed,
    };
  }

  // -- The browser's surface. --

  get readyState() {
    return this.#auto ? this.#auto.readyState : this.#end ? CLOSED : this.#ws?.readyState ?? CONNECTING;
  }
  #current() {
    return this.#auto ? this.#auto.ws : this.#ws;
  }
  /** A reconnecting socket's: the sequence number the next `send` will have (those of
   * `disconnect`'s `inFlight`); undefined on a plain socket. */
  get nextSeq() {
    return this.#auto?.nextSeq;
  }

  get bufferedAmount() {
    return this.#current()?.bufferedAmount ?? 0;
  }
  get url() {
    return this.#current()?.url ?? "";
  }
  get protocol() {
    return this.#current()?.protocol ?? "";
  }
  get extensions() {
    return this.#current()?.extensions ?? "";
  }

  #emit(type, props) {
    this.dispatchEvent(props ? Object.assign(new Event(type), props) : new Event(type));
  }

  /** `message` listeners take the messages (see `#claim`). */
  addEventListener(type, listener, options) {
    if (type === "message" && listener) this.#claim(EVENTS);
    super.addEventListener(type, listener, options);
  }

  /** The on* handlers (onopen, onmessage, onerror, onclose, onreconnect, ondisconnect): set,
   * each is registered as a listener the first time, like the browser does; an onmessage
   * function takes the messages (see `#claim`). */
  static {
    for (const type of ["open", "message", "error", "close", "reconnect", "disconnect"]) {
      Object.defineProperty(Connection.prototype, "on" + type, {
        get() {
          return this.#on[type] ?? null;
        },
        set(f) {
          const on = this.#on;
          if (type === "message" && typeof f === "function") this.#claim(EVENTS);
          if (!(type in on)) EventTarget.prototype.addEventListener.call(this, type, (e) => on[type]?.call(this, e));
          on[type] = typeof f === "function" ? f : null;
        },
        configurable: true,
      });
    }
  }
}

for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSING: 2, CLOSED })) {
  for (const target of [Connection, Connection.prototype]) Object.defineProperty(target, name, { value, enumerable: true });
}

/** Connects and resolves with an open `Connection` (see index.d.ts). */
export const connect = (url, options) => connectSocket(url, options);
