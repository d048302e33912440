// What `new Socket(url, protocols, { reconnect: {} })` makes (standard.js): a socket with the
// standard's surface over the shell of a reconnecting machine (reconnect.js), so that the
// machine decides when to retry, for how long, what a heartbeat or an idle connection means.
// Its prototype stands on `Socket.prototype` (`instanceof Socket` holds) and defines every
// attribute, method and handler of the interface itself. It behaves as reconnecting-websocket
// and partysocket users expect: `readyState` is the current connection's (CONNECTING between
// connections), `open` and `close` fire once per connection, and what is sent while no
// connection is open waits in the machine's bounded queue. Everything else is the standard's:
// exceptions, `binaryType`, message events, event handlers, data dropped after close. Where
// it must differ (index.d.ts lists it): sends before the first open are queued, not refused;
// a full queue throws `QueueFull`; no Blob; `close()` with no code sends 1000.
import { CLOSED, CLOSING, closeEvent, own, sendable, utf8Length } from "./link.js";
import { w } from "./machine.js";
import { Reconnector } from "./reconnect.js";

/** WebIDL's `[Clamp] unsigned short`: a close code as the standard converts it. */
function clampCode(code) {
  const x = Math.min(Math.max(Number(code) || 0, 0), 65535);
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 ? r - 1 : r; // halves to even
}

export class ReconnectingSocket extends EventTarget {
  #auto;
  #handlers = {}; // the on* attributes: { type: [value, listener] }
  #url;
  #origin = "";
  #binaryType = "blob";
  #closing = false;
  #ended = null; // the end, once it came: { close, error }
  #lostAttempt = -1; // the shell's attempt number when a connection was last reported lost
  #reporting = false; // a connection's `error` and `close` are being dispatched

  /** Throws as the engine's constructor does (`SyntaxError` for a URL or subprotocol it
   * refuses), with the URL's secrets redacted (errors.js). */
  constructor(url, protocols, options) {
    super();
    this.#url = url = String(url);
    try {
      this.#auto = new Reconnector(url, { ...options, protocols }, this.#port());
    } catch (e) {
      throw e.name === "InvalidProtocol" ? new DOMException(e.message, "SyntaxError") : e;
    }
    // A URL the browser refuses ends it at once, before anyone listens: the standard throws.
    if (this.#ended?.error?.name === "InvalidUrl") {
      this.#auto.close(1000, "");
      throw new DOMException(this.#ended.error.message, "SyntaxError");
    }
  }

  get url() {
    const ws = this.#auto.socket;
    if (ws) this.#url = ws.url;
    return this.#url;
  }
  get readyState() {
    const state = this.#auto.readyState;
    // CLOSED while a connection's end is reported (as the standard's socket, and
    // reconnecting-websocket's, say in their `close` event), CONNECTING after it.
    if (this.#reporting) return CLOSED;
    return this.#closing && state !== CLOSED ? CLOSING : state;
  }
  get bufferedAmount() {
    return this.#auto.ws?.bufferedAmount ?? 0;
  }
  get extensions() {
    return this.#auto.ws?.extensions ?? "";
  }
  get protocol() {
    return this.#auto.ws?.protocol ?? "";
  }
  get binaryType() {
    return this.#binaryType;
  }
  set binaryType(type) {
    if (type === "blob" || type === "arraybuffer") this.#binaryType = type;
  }

  /** Queued or sent at once; dropped after close (the standard). */
  send(data) {
    if (!arguments.length) throw new TypeError("send() needs an argument");
    if (typeof Blob === "function" && data instanceof Blob) {
      throw new TypeError("a reconnecting Socket sends strings and buffers: send(await blob.arrayBuffer())");
    }
    if (this.#closing || this.#ended) return;
    const taken = this.#auto.offer(own(sendable(data) ? data : String(data)));
    if (taken instanceof Error) throw taken; // QueueFull
    // Waiting for room, then the connection went and the queue had none: the `error` event.
    if (taken !== true) taken.catch((error) => this.#emit("error", { error }));
  }

  close(code, reason = "") {
    if (code !== undefined) code = clampCode(code);
    reason = String(reason);
    const bytes = utf8Length(reason);
    const problem = w().closeProblem(code ?? 1000, bytes);
    if (problem === 1) throw new DOMException(`close code ${code} may not be sent by a client`, "InvalidAccessError");
    // (The limit is the machine's: no number of it written here.)
    if (problem) throw new DOMException(`close reason is ${bytes} UTF-8 bytes, over the limit`, "SyntaxError");
    if (this.#closing || this.#ended) return;
    this.#closing = true;
    this.#auto.close(code ?? 1000, reason);
  }

  /** An attempt now, the backoff reset (reconnecting-websocket's and partysocket's
   * `reconnect()`): the open connection is closed (1000, "reconnect") and reported as any
   * lost one; after the socket gave up, it starts over. `InvalidStateError` after `close()`. */
  reconnect() {
    if (this.#closing) throw new DOMException("the socket was closed", "InvalidStateError");
    this.#ended = null;
    this.#auto.reconnect();
  }

  #handler(type) {
    return this.#handlers[type]?.[0] ?? null;
  }

  /** An on* attribute, as the standard defines event handlers: a value that is not an object
   * reads back as `null`; setting one registers a listener at that point of the list, `null`
   * removes it; the handler's `this` is the socket, and returning `false` cancels. */
  #setHandler(type, value) {
    const handlers = this.#handlers;
    if (typeof value !== "function" && (typeof value !== "object" || value === null)) value = null;
    if (!value) {
      if (handlers[type]) this.removeEventListener(type, handlers[type][1]);
      delete handlers[type];
    } else if (handlers[type]) handlers[type][0] = value;
    else {
      const listener = (e) => {
        const handler = handlers[type]?.[0];
        if (typeof handler === "function" && handler.call(this, e) === false) e.preventDefault();
      };
      handlers[type] = [value, listener];
      this.addEventListener(type, listener);
    }
  }

  static {
    // The on* attributes (onopen, onmessage, onerror, onclose): see `#setHandler`.
    for (const type of ["open", "message", "error", "close"]) {
      Object.defineProperty(ReconnectingSocket.prototype, `on${type}`, {
        get() {
          return this.#handler(type);
        },
        set(value) {
          this.#setHandler(type, value);
        },
        enumerable: true,
        configurable: true,
      });
    }
  }

  #emit(type, props) {
    this.dispatchEvent(Object.assign(new Event(type), props));
  }

  /** One connection's end (or the last one's): `error` first when it was not clean, as the
   * standard fires it. */
  #closed(close) {
    this.#reporting = true;
    if (!close.wasClean) this.#emit("error");
    this.dispatchEvent(closeEvent(close));
    this.#reporting = false;
  }

  /** What the shell (reconnect.js) does to this socket. */
  #port() {
    return {
      receive: (data) => {
        if (typeof data !== "string") data = this.#binaryType === "blob" ? new Blob([data]) : data.buffer;
        this.dispatchEvent(new MessageEvent("message", { data, origin: this.#origin }));
        return true; // handed at once: nothing waits
      },
      limit: Infinity,
      open: () => {
        this.#origin = new URL(this.#auto.ws.url).origin;
        this.#emit("open");
      },
      emit: (type, info) => {
        // A lost connection, unless our close() ended it: the end follows then.
        if (type !== "disconnect" || this.#closing) return;
        this.#lostAttempt = this.#auto.attempt;
        this.#closed(info);
      },
      end: (close, error) => {
        this.#ended = { close, error };
        // Its `close` fired already when the end is the lost connection's (no attempt since:
        // the machine gave up at once).
        if (this.#auto && this.#auto.attempt !== this.#lostAttempt) this.#closed(close);
        // Given up: nothing listens to the page and the network any more (a `Socket` that
        // reports CLOSED holds nothing), until a reconnect() starts it over.
        this.#auto?.stopListening();
      },
      restart() {},
      closed: () => undefined,
    };
  }
}
