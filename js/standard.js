// `Socket`: the browser's WebSocket, exactly, so that code written for it moves to sockwave by
// changing one name (or by installing it as `globalThis.WebSocket`). Every call goes to the
// engine's own socket, so what the standard says (exceptions thrown at once, WebIDL conversions
// such as `send(42)` sending "42", Blob and `binaryType`, a close with no code sending none,
// data dropped after close or with no listener) is what the engine does; its events are
// dispatched again on the `Socket`, in the order the engine fires them. The one change: no
// secret of the URL (userinfo, query, fragment) is quoted in a constructor's exception.
// The web platform's own tests hold it to that, in every engine (tests/wpt/, run by
// tests/js/wpt.test.mjs: every subtest the engine's WebSocket passes, `Socket` passes). Asked
// for with a third argument, `{ reconnect }` (or a heartbeat, an idle timeout), it holds a
// reconnecting machine's shell instead of the engine's socket (redial.js), with the same
// surface. Promises, `for await` and typed errors are `connect()`'s (socket.js).
import { redactIn } from "./errors.js";
import { closeEvent, engineWebSocket, OWN_SOCKET } from "./link.js";
import { reconnects } from "./reconnect.js";
import { Redial } from "./redial.js";

const TYPES = ["open", "message", "error", "close"];

/** The engine's event `e` as a new event of the same kind, for the `Socket` to dispatch. */
function copy(e) {
  if (e.type === "message") return new MessageEvent("message", { data: e.data, origin: e.origin, lastEventId: e.lastEventId });
  if (e.type !== "close") return new Event(e.type);
  return closeEvent({ code: e.code, reason: e.reason, wasClean: e.wasClean });
}

/** A WebSocket (see index.d.ts): `new Socket(url, protocols?, options?)`, the standard's
 * surface. */
export class Socket extends EventTarget {
  #ws;
  #handlers = {}; // the on* attributes: { type: [value, listener] }

  // `...rest`: the interface's constructor takes one argument (`Socket.length` is 1); the
  // third, sockwave's options, asks for reconnection (redial.js) or nothing.
  constructor(url, ...rest) {
    const Engine = engineWebSocket();
    const [protocols, options] = rest;
    let ws;
    try {
      // What was given, as given: the engine converts and checks it (no argument: TypeError).
      ws = reconnects(options) ? new Redial(url, protocols, options)
        : rest.length ? new Engine(url, protocols) : new Engine(...arguments);
    } catch (e) {
      throw e instanceof DOMException ? new DOMException(redactIn(String(url), e.message), e.name) : e;
    }
    super();
    this.#ws = ws;
    for (const type of TYPES) ws.addEventListener(type, (e) => this.dispatchEvent(copy(e)));
  }

  get url() {
    return this.#ws.url;
  }
  get readyState() {
    return this.#ws.readyState;
  }
  get bufferedAmount() {
    return this.#ws.bufferedAmount;
  }
  get extensions() {
    return this.#ws.extensions;
  }
  get protocol() {
    return this.#ws.protocol;
  }
  get binaryType() {
    return this.#ws.binaryType;
  }
  /** "blob" or "arraybuffer"; a value the standard does not know is ignored (by the engine). */
  set binaryType(type) {
    this.#ws.binaryType = type;
  }

  // What was given, as given: the engine converts it (`send(42)` sends "42") and throws where
  // the standard throws.
  send(data) {
    this.#ws.send(...arguments);
  }
  close(...codeAndReason) {
    this.#ws.close(...codeAndReason);
  }

  get onopen() {
    return this.#handler("open");
  }
  set onopen(value) {
    this.#setHandler("open", value);
  }
  get onmessage() {
    return this.#handler("message");
  }
  set onmessage(value) {
    this.#setHandler("message", value);
  }
  get onerror() {
    return this.#handler("error");
  }
  set onerror(value) {
    this.#setHandler("error", value);
  }
  get onclose() {
    return this.#handler("close");
  }
  set onclose(value) {
    this.#setHandler("close", value);
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
    // The interface as the engine's: attributes and methods enumerable, constants that
    // cannot be changed, the interface's name for the platform's checks
    // (`Object.prototype.toString`).
    const proto = Socket.prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name !== "constructor") Object.defineProperty(proto, name, { enumerable: true });
    }
    for (const [name, value] of Object.entries({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 })) {
      for (const target of [Socket, proto]) Object.defineProperty(target, name, { value, enumerable: true });
    }
    Object.defineProperty(proto, Symbol.toStringTag, { value: "WebSocket", configurable: true });
    Object.defineProperty(Socket, OWN_SOCKET, { value: true });
  }
}

/** Makes every `new WebSocket(...)` of the page or worker (a third-party client's too) a
 * `Socket`, made with `options` when given (`{ reconnect: {} }`: every socket reconnects);
 * returns what puts the previous global back. */
export function install() {
  // Read from `arguments`, not a parameter: Rollup 4.69 (Vite 7) infers a parameter's value
  // from the calls it sees, and with none seen (a call through `import * as sockwave`) it took
  // `options` for undefined and dropped the branch below (the consumer page's Vite bundle
  // failed the install() scenario).
  const options = arguments[0];
  const previous = globalThis.WebSocket;
  const Standard = Socket;
  globalThis.WebSocket = options == null ? Socket : class Socket extends Standard {
    constructor(url, ...rest) {
      super(url, rest[0], options);
    }
  };
  return () => {
    globalThis.WebSocket = previous;
  };
}
