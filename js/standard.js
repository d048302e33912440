// `Socket`: the browser's WebSocket, exactly, so that code written for it moves to sockwave by
// changing one name (or by installing it as `globalThis.WebSocket`). A `Socket` *is* an engine
// socket: the class extends the engine's WebSocket, so `new Socket(url)` makes the engine's own
// socket (with `Socket.prototype` as its prototype), and every attribute, method and event is
// the engine's: exceptions thrown at once, WebIDL conversions (`send(42)` sends "42"), Blob and
// `binaryType`, a close with no code sending none, data dropped after close or with no
// listener, event handlers, and no cost per message (nothing relays the events). The one
// change: no secret of the URL (userinfo, query, fragment) is quoted in a constructor's
// exception. The web platform's own tests hold it to that, in every engine (tests/wpt/, run by
// tests/js/wpt.test.mjs: every subtest the engine's WebSocket passes, `Socket` passes).
// Asked for with a third argument, `{ reconnect }` (or a heartbeat, an idle timeout), the
// constructor makes a reconnecting socket instead (redial.js), with the same surface. Promises,
// `for await` and typed errors are `connect()`'s (socket.js).
import { redactIn } from "./errors.js";
import { engineWebSocket, OWN_SOCKET } from "./link.js";
import { reconnects } from "./reconnect.js";
import { ReconnectingSocket } from "./redial.js";

const ENGINE = engineWebSocket() ?? class {
  constructor() {
    throw new TypeError("this environment has no WebSocket");
  }
};

/** A WebSocket (see index.d.ts): `new Socket(url, protocols?, options?)`. */
export class Socket extends ENGINE {
  // `...rest`: the interface's constructor takes one argument (`Socket.length` is 1); the
  // third, sockwave's options, may ask for reconnection.
  constructor(url, ...rest) {
    const [protocols, options] = rest;
    if (reconnects(options)) return new ReconnectingSocket(url, protocols, options);
    try {
      // What was given, as given: the engine converts and checks it (no argument: TypeError).
      if (rest.length) super(url, protocols);
      else super(...arguments);
    } catch (e) {
      throw e instanceof DOMException ? new DOMException(redactIn(String(url), e.message), e.name) : e;
    }
  }

  static {
    // The interface is the engine's, as its own properties (so that a page may redefine or
    // delete them, as WPT's tests do): every attribute, method, handler and constant of the
    // engine's prototype and every constant of its constructor, copied as they are.
    const proto = Socket.prototype;
    for (const key of Reflect.ownKeys(ENGINE.prototype)) {
      if (key !== "constructor") Object.defineProperty(proto, key, Object.getOwnPropertyDescriptor(ENGINE.prototype, key));
    }
    for (const key of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) {
      const constant = Object.getOwnPropertyDescriptor(ENGINE, key);
      if (constant) Object.defineProperty(Socket, key, constant);
    }
    // Above them, what the engine's prototype stands on (EventTarget's), as the interface
    // says: a browser's attributes find their socket by its internal slots, whatever its
    // prototype. A JavaScript engine's (Node's undici) checks `instanceof` its own class:
    // there the engine's prototype stays in the chain.
    if (/\[native code\]/.test(Function.prototype.toString.call(ENGINE))) {
      Object.setPrototypeOf(proto, Object.getPrototypeOf(ENGINE.prototype));
    }
    Object.setPrototypeOf(ReconnectingSocket.prototype, proto);
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
  let installed = Socket;
  if (options != null) {
    // A constructor of Sockets made with `options`: its prototype is Socket's, so that
    // `instanceof WebSocket` holds for every socket it makes, reconnecting or not.
    installed = function WebSocket(url, ...rest) {
      if (!new.target) throw new TypeError("WebSocket: use the 'new' operator");
      return new Socket(url, rest[0], options);
    };
    installed.prototype = Socket.prototype;
    Object.setPrototypeOf(installed, Socket);
  }
  globalThis.WebSocket = installed;
  return () => {
    globalThis.WebSocket = previous;
  };
}
