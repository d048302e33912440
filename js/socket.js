// sockwave for JavaScript: the `Socket` class and `connect`, plain JavaScript over the
// browser's socket. A message goes from the browser's `message` event (link.js) through
// `Inbox.receive` either to a waiting `for await` (inbox.js) or to `message` listeners, without
// crossing into WebAssembly; the .wasm holds the rules the Rust face shares (subprotocols,
// close frames, backoff: built by js/rules/). A reconnecting socket's policy lives in reconnect.js.
import {
  POLICY_CONNECT_TIMEOUT, POLICY_MAX_BUFFERED_BYTES,
} from "./abi.js";
import { policyDefault, w } from "./machine.js";
import * as E from "./errors.js";
import { Inbox, iterate } from "./inbox.js";
import {
  CLOSED, CONNECTING, OPEN, SendBudget, overflowClose,
  later, listen, notSendable, num, open, own, protocolList, sendable, urlFrom, utf8Length,
} from "./link.js";
import { Reconnector } from "./reconnect.js";

const RESOLVED = Promise.resolve();
const UNDECIDED = 0, ITERATOR = 1, EVENTS = 2; // who takes the messages
const INTERNAL = Symbol("a reconnecting socket, connected by connect()");
const USE_ONE = "a socket delivers messages either to `for await` or to onmessage / 'message' listeners, "
  + "whichever is used first; use one of them";

let connectSocket; // Socket.#connect, set in the class's static block

/** A WebSocket: the browser's surface plus promises and `for await` (see index.d.ts). */
export class Socket extends EventTarget {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;

  /** The browser's socket (a plain Socket's only one). */
  #ws = null;
  #end = null; // how it ended, once it did (plain)
  #opened = false;
  #auto = null; // a reconnecting socket's driver (reconnect.js)
  #waiter = null; // connect(): settled at the first open, or the end before it
  #lastError = null; // what a reconnecting socket gave up with
  #on = {}; // the on* handlers
  #closed;
  #settleClosed;
  #inbox; // received messages; the message path goes from link.js straight to its receive()
  #delivery = UNDECIDED;
  #sends = []; // sends waiting for open or for bufferedAmount to fall: { data, resolve, reject }
  #budget; // backpressure (link.js): `send` asks the browser for bufferedAmount only near the mark

  /** `new Socket(url, protocols?, { highWaterMark, maxBufferedBytes }?)`: connects at once,
   * like `new WebSocket`; throws `InvalidUrl`, `InvalidProtocol` or `TypeError`. */
  constructor(url, protocols, options) {
    super();
    const inbox = (this.#inbox = new Inbox(num(options, "maxBufferedBytes") ?? policyDefault(POLICY_MAX_BUFFERED_BYTES),
      (data) => this.dispatchEvent(new MessageEvent("message", { data }))));
    this.#newClosed();
    if (url === INTERNAL) return;
    const ws = (this.#ws = open(url, protocolList(protocols)));
    this.#budget = new SendBudget(ws, w().highWaterMark(num(options, "highWaterMark") ?? -1), () => this.#drain());
    const end = listen(ws, {
      onOpen: () => this.#onOpen(),
      onMessage: (data) => inbox.receive(data) || this.#overflow(),
      onError: () => this.#emit("error"),
      onEnd: (close, afterError) => this.#onEnd(close, afterError),
    });
    this.#abandon = () => {
      ws.close();
      end(E.closeInfo(1006, "", false));
    };
  }

  /** Connects and resolves with an open Socket (see `connect`). */
  static async #connect(url, options = {}) {
    if (["reconnect", "heartbeat", "idleTimeoutMs"].some((k) => options[k] != null)) {
      const socket = new Socket(INTERNAL, undefined, options);
      // Waiting before the first attempt starts: a URL the browser refuses ends it at once.
      const opened = new Promise((resolve, reject) => (socket.#waiter = { resolve, reject }));
      socket.#auto = new Reconnector(url, options, socket.#port());
      // Given up before it opened: the app never holds this socket, so it is closed for good
      // (a socket that gave up otherwise listens to the network until close()).
      await opened.catch((e) => {
        socket.#auto.close(1000, "");
        throw e;
      });
      return socket;
    }
    if (typeof url !== "string" && typeof url !== "function") {
      throw E.invalidUrl(String(url), "url is neither a string nor a function");
    }
    // The timeout covers the URL provider too (Infinity: none; not given: the machine's).
    const timeout = num(options, "connectTimeoutMs") ?? policyDefault(POLICY_CONNECT_TIMEOUT);
    let socket = null, done = false;
    await new Promise((resolve, reject) => {
      const settle = (f) => (v) => done || (done = true, clearTimeout(timer), f(v));
      const timer = timeout === Infinity ? 0 : later(() => {
        if (socket) socket.#waiter = null;
        settle(reject)(E.connectTimeout());
        socket?.#abandon();
      }, timeout);
      (typeof url === "function" ? urlFrom(url) : Promise.resolve(url)).then((url) => {
        if (done) return;
        socket = new Socket(url, options.protocols, options);
        socket.#waiter = { resolve: settle(resolve), reject: settle(reject) };
      }).catch(settle(reject));
    });
    return socket;
  }

  static {
    connectSocket = (url, options) => Socket.#connect(url, options ?? {});
  }

  /** Closes the attempt of a socket that is given up on (connect timeout). */
  #abandon = () => {};

  // -- Receiving: the message path. --

  /** Past `maxBufferedBytes`: close (4009), keep the messages that fit, then ReceiveOverflow. */
  #overflow() {
    try {
      this.#ws.close(...overflowClose());
    } catch {
      // Closing already: the end is reported all the same.
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
    if (!sendable(data)) return Promise.reject(notSendable());
    if (this.#auto) return this.#auto.send(data);
    const ws = this.#ws;
    const state = ws.readyState;
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
    while (sends.length && ws.readyState === OPEN && this.#budget.take(sends[0].data)) {
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
    this.#opened = true;
    this.#emit("open");
    this.#waiter?.resolve();
    this.#waiter = null;
    if (this.#sends.length) this.#drain();
  }

  #onEnd(close, afterError) {
    if (afterError) this.#emit("error");
    this.#end = close;
    this.#budget?.stop();
    for (const { reject } of this.#sends.splice(0)) reject(E.closed());
    this.#inbox.end(close.wasClean ? undefined : this.#opened ? E.connectionLost(close) : E.connectFailed(close));
    this.#finish(close, E.connectFailed(close));
  }

  /** The end: messages still waiting for listeners, then `close`, then `closed` settles. */
  #finish(close, error) {
    this.#flush();
    this.dispatchEvent(
      typeof CloseEvent === "function"
        ? new CloseEvent("close", close)
        // Node 22 has a WebSocket but no global CloseEvent (Node 23 adds it).
        : Object.assign(new Event("close"), close),
    );
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
    if (!this.#end) {
      try {
        this.#ws.close(code, reason);
      } catch (e) {
        return Promise.reject(E.browserError(e));
      }
    }
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

  /** What the reconnect driver may do to this socket. */
  #port() {
    return {
      receive: (data) => this.#inbox.receive(data),
      limit: this.#inbox.limit,
      fail: (error) => {
        this.#inbox.end(error);
        this.#lastError ??= error;
      },
      emit: (type, props) => this.#emit(type, props),
      opened: () => {
        this.#emit("open");
        this.#waiter?.resolve();
        this.#waiter = null;
      },
      finished: (close) => {
        this.#inbox.end();
        this.#finish(close, this.#lastError ?? E.closed());
        this.#lastError = null;
      },
      restart: () => {
        this.#inbox.restart();
        this.#newClosed();
      },
      closed: () => this.#closed,
    };
  }

  // -- The browser's surface. --

  get readyState() {
    return this.#auto ? this.#auto.readyState : this.#end ? CLOSED : this.#ws.readyState;
  }
  #current() {
    return this.#auto ? this.#auto.ws : this.#ws;
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
  get binaryType() {
    return "arraybuffer";
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
      Object.defineProperty(Socket.prototype, "on" + type, {
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
  Object.defineProperty(Socket.prototype, name, { value, enumerable: true });
}

/** Connects and resolves with an open Socket (see index.d.ts). */
export const connect = (url, options) => connectSocket(url, options);
