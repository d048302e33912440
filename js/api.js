// sockwave for JavaScript: the wasm-bindgen bindings plus the one thing JS needs of its own,
// the async iterator protocol (`for await`). All logic lives in Rust (src/js/).
//
// This module loads nothing: the entry points do (index.js in browsers and workers, node.js in
// Node, manual.js for apps that call init() themselves).
import init, { initSync, Socket, connect as connectSocket, liveListeners } from "../pkg/web/sockwave.js";

const STATES = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };
for (const [name, value] of Object.entries(STATES)) {
  Object.defineProperty(Socket, name, { value, enumerable: true });
  Object.defineProperty(Socket.prototype, name, { value, enumerable: true });
}

// { value, done } from the wasm side's nextValue(): a message, or undefined once they ended.
const result = (value) => ({ value, done: value === undefined });

/** The next message as an iterator result; see `nextValue` in src/js/mod.rs. */
Socket.prototype.nextMessage = function () {
  return this.nextValue().then(result);
};

// `for await (const msg of socket)`: strings for text, Uint8Array for binary; ends on a clean
// close, throws ConnectionLost on an unclean one. Calls are chained so messages keep their order
// even if next() is called again before the previous promise settled. `break` stops iterating
// and leaves the socket open; a later loop continues with the next message.
Socket.prototype[Symbol.asyncIterator] = function () {
  const socket = this;
  let pending = 0; // next() calls not yet settled
  let tail = null; // the last of them
  let finished = false;
  const end = (value) => ({ value, done: true });
  const settle = (value) => { pending--; if (value === undefined) finished = true; return result(value); };
  const fail = (e) => { pending--; finished = true; throw e; };
  const call = () => {
    if (finished) return (pending--, end(undefined));
    // A message already waiting is taken at once: one promise per message, not three.
    let value;
    try {
      value = socket.takeValue();
    } catch (e) {
      return Promise.reject(e).catch(fail);
    }
    return value === null ? socket.nextValue().then(settle, fail) : Promise.resolve(settle(value));
  };
  return {
    next() {
      if (finished && pending === 0) return Promise.resolve(end(undefined));
      // Chain only behind a call still pending (for await never overlaps calls).
      const value = pending++ === 0 ? call() : tail.then(call, call);
      tail = value;
      return value;
    },
    return(value) {
      finished = true;
      return Promise.resolve(end(value));
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
};

/** Connects and resolves with an open Socket. */
export function connect(url, options) {
  return connectSocket(url, options ?? {});
}

export { Socket, liveListeners, init, initSync };
