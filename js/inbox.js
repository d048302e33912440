// Received messages waiting to be read, the reads waiting for a message, and how they end.
import { utf8Length } from "./link.js";
import { w } from "./machine.js";

/** The error that ends the messages, queued after the last one. */
class Failure {
  constructor(error) {
    this.error = error;
  }
}

export class Inbox {
  /** Messages in arrival order from `head` on (a moving head: no O(n) shift per message). */
  #items = [];
  #head = 0;
  /** What the waiting messages count for, at most `limit` (the machine's rule, asked of the
   * .wasm: `receiveFits`): UTF-8 bytes (binary: bytes); a message handed at once to a waiting
   * read or to the listeners counts for nothing. */
  #bytes = 0;
  /** `nextValue()` calls waiting, served in call order: `{ resolve, reject }`. */
  #reads = [];
  /** No message comes after the queued ones. */
  ended = false;
  /** `message` listeners take the messages (set once they claimed them; see socket.js). */
  toListeners = false;
  /** A codec's `decode` (codec.js), applied to each message as a read takes it; none: as is. */
  decode;

  /** `limit`: bytes that may wait; `dispatch(data)`: hands a message to the listeners. */
  constructor(limit, dispatch) {
    this.limit = limit;
    this.dispatch = dispatch;
  }

  /** A message from the browser: to the listeners at once when they take the messages and
   * none waits before it, else `push`. The message path: one call, no Socket state touched. */
  receive(data) {
    if (this.toListeners && this.#head === this.#items.length && this.#fits(data, 0)) {
      this.dispatch(data);
      return true;
    }
    return this.push(data);
  }

  /** The machine's rule (`receiveFits`) for `data` behind `waiting` bytes. A message handed
   * at once (`waiting` 0) is asked about only when it could be over the limit at all (at most
   * 3 UTF-8 bytes per UTF-16 unit): the message path stays one comparison. */
  #fits(data, waiting) {
    const bound = typeof data === "string" ? data.length * 3 : data.byteLength;
    return (waiting === 0 && bound <= this.limit) || w().receiveFits(waiting, utf8Length(data), this.limit);
  }

  /** How many items wait (messages, and the final error if queued). */
  get waiting() {
    return this.#items.length - this.#head;
  }

  /** Takes a message in: to the oldest waiting read, else into the queue. False when it would
   * take what waits past `limit` (nothing is kept then). After the end, dropped. */
  push(data) {
    if (this.ended) return true;
    if (this.#reads.length) {
      if (!this.#fits(data, 0)) return false;
      this.#reads.shift().resolve(this.decode ? this.decode(data) : data);
      return true;
    }
    if (!this.#fits(data, this.#bytes)) return false;
    const n = utf8Length(data);
    this.#bytes += n;
    this.#items.push(data);
    return true;
  }

  /** Ends the messages, with `error` after the queued ones (thrown once) if given. */
  end(error) {
    if (this.ended) return;
    if (error) this.#items.push(new Failure(error));
    this.ended = true;
    this.#serve();
  }

  /** Lets messages in again (a reconnecting socket that starts over). */
  restart() {
    this.ended = false;
  }

  /** The next message if one waits: the message, `undefined` after the end, `null` when none
   * waits (or earlier reads still wait, which come first). Throws the final error, once. */
  take() {
    return this.#reads.length ? null : this.#shift();
  }

  /** A promise of what `take` gives, waiting for a message when none is there. */
  next() {
    if (!this.#reads.length) {
      try {
        const value = this.#shift();
        if (value !== null) return Promise.resolve(value);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise((resolve, reject) => this.wait(resolve, reject));
  }

  /** Waits for the next message (when `take` gave `null`): `resolve(message or undefined)`, or
   * `reject(error)`, in call order with the other waiting reads. */
  wait(resolve, reject) {
    this.#reads.push({ resolve, reject });
  }

  /** Hands every queued message to the listeners (the final error is skipped: the `error`
   * and `close` events report it). */
  drain() {
    while (this.waiting) {
      const item = this.#pop();
      if (!(item instanceof Failure)) this.dispatch(item);
    }
  }

  #shift() {
    const item = this.#pop();
    if (item instanceof Failure) throw item.error;
    return this.decode && item != null ? this.decode(item) : item;
  }

  /** The oldest item (a message or the Failure), `undefined` after the end, `null` if none. */
  #pop() {
    const items = this.#items;
    if (this.#head === items.length) return this.ended ? undefined : null;
    const item = items[this.#head];
    items[this.#head++] = undefined;
    if (this.#head === items.length) {
      items.length = this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > items.length) {
      items.splice(0, this.#head);
      this.#head = 0;
    }
    if (!(item instanceof Failure)) this.#bytes -= utf8Length(item);
    return item;
  }

  #serve() {
    while (this.#reads.length) {
      let value;
      try {
        value = this.#shift();
      } catch (e) {
        this.#reads.shift().reject(e);
        continue;
      }
      if (value === null) return;
      this.#reads.shift().resolve(value);
    }
  }
}

/** An async iterator over `inbox`'s messages (`for await`): ends on a clean close, throws on
 * an unclean one. Calls are chained, so messages keep their order even if next() is called
 * again before the previous promise settled. `break` leaves the socket open; a later loop goes
 * on. */
export function iterate(inbox) {
  let pending = 0; // next() calls not yet settled
  let tail = null; // the last of them
  let finished = false;
  const end = (value) => ({ value, done: true });
  const settle = (value) => {
    pending--;
    if (value === undefined) finished = true;
    return { value, done: value === undefined };
  };
  const fail = (e) => {
    pending--;
    finished = true;
    throw e;
  };
  const call = () => {
    if (finished) return (pending--, end(undefined));
    let value;
    try {
      value = inbox.take();
    } catch (e) {
      return Promise.reject(e).catch(fail);
    }
    // A message already waiting is taken at once; otherwise one promise, settled by the
    // inbox with the iterator result itself (no second promise and tick per message).
    if (value !== null) return Promise.resolve(settle(value));
    return new Promise((resolve, reject) => inbox.wait((v) => resolve(settle(v)), (e) => {
      pending--;
      finished = true;
      reject(e);
    }));
  };
  return {
    next() {
      if (finished && pending === 0) return Promise.resolve(end(undefined));
      // Chain only behind a call still pending (for await never overlaps calls).
      const p = pending++ === 0 ? call() : tail.then(call, call);
      tail = p;
      return p;
    },
    return(value) {
      finished = true;
      return Promise.resolve(end(value));
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
