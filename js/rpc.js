// sockwave/rpc: JSON-RPC 2.0 calls over a socket from connect(), as the Rust face's `rpc`
// (src/rpc/) makes them: ids, a timeout per call (the machine's default), notifications in
// bounded streams, and what a lost connection does to each pending call (from the reconnecting
// socket's in-flight reports). An entry of its own: the core bundle does not carry it.
import { POLICY_CALL_TIMEOUT, POLICY_NOTIFICATION_LIMIT } from "./abi.js";
import { policyDefault } from "./machine.js";
import { fail } from "./errors.js";

const utf8 = new TextDecoder();
const handedText = (handed) => (handed ? "handed to the connection" : "never sent");
const timedOut = (handed) => fail("Timeout", `no answer within the timeout (request ${handedText(handed)})`, { handed });
const disconnected = (handed) =>
  fail("Disconnected", `the connection ended before the answer (request ${handedText(handed)})`, { handed });
const clientClosed = () => fail("Closed", "the client is closed");

/** A JSON-RPC 2.0 client over `socket` (a `connect()` socket, plain or reconnecting, without a
 * codec): it takes the socket's messages (`message` events) and ends with it. */
export class Client {
  #socket;
  #pending = new Map(); // id -> { resolve, reject, text, idempotent, handed, seq, timer }
  #lastId = 0;
  #feeds = new Set();
  #ended = false;
  #timeoutMs;
  #limit = policyDefault(POLICY_NOTIFICATION_LIMIT);

  constructor(socket, options = {}) {
    this.#socket = socket;
    this.#timeoutMs = options.timeoutMs ?? policyDefault(POLICY_CALL_TIMEOUT);
    socket.addEventListener("message", (e) => this.#received(e.data));
    socket.addEventListener("disconnect", (e) => this.#lost(e.inFlight));
    socket.addEventListener("close", () => this.#finish());
    if (socket.readyState === 3) this.#finish();
  }

  /** Calls `method` with `params` (an array or an object; `undefined`: none); resolves with
   * the result, rejects with `Rpc` (the server's error: `code`, `data`), `Timeout`,
   * `Disconnected` (`handed`: whether the request was handed to the connection that died),
   * `Encode` or `Closed`. `options`: `timeoutMs`, `idempotent` (sent again on the next
   * connection of a reconnecting socket rather than failing). */
  call(method, params, options = {}) {
    if (this.#ended) return Promise.reject(clientClosed());
    const id = ++this.#lastId;
    let text;
    try {
      text = request(id, method, params);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve, reject) => {
      const call = { resolve, reject, text, idempotent: !!options.idempotent, handed: false, seq: -1 };
      const ms = options.timeoutMs ?? this.#timeoutMs;
      if (ms < Infinity) call.timer = setTimeout(() => this.#settle(id, timedOut(call.handed)), ms);
      this.#pending.set(id, call);
      this.#send(id, call);
    });
  }

  /** Sends a notification (no id, no answer); resolves once the socket took it. */
  notify(method, params) {
    if (this.#ended) return Promise.reject(clientClosed());
    try {
      return this.#socket.send(request(undefined, method, params));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** An async iterator of what the server sends unasked, from now on, in order:
   * `{ type: "notification", method, params }`, `{ type: "unmatched", reason, data }` for a
   * message it could not match (the stream goes on), and `{ type: "missed", count }` where an
   * unread stream dropped items (it holds the machine's limit, 1024). Ends with the client. */
  notifications() {
    const feed = { items: [], missed: 0, wait: null, done: this.#ended };
    this.#feeds.add(feed);
    const end = { value: undefined, done: true };
    return {
      next: () => {
        if (feed.items.length) return Promise.resolve({ value: feed.items.shift(), done: false });
        if (feed.done) return Promise.resolve(end);
        return new Promise((resolve) => (feed.wait = resolve));
      },
      return: () => {
        this.#feeds.delete(feed);
        feed.done = true;
        return Promise.resolve(end);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Closes the socket: pending calls fail with `Disconnected`, later ones with `Closed`. */
  close() {
    return this.#socket.close();
  }

  #send(id, call) {
    call.handed = false;
    call.seq = this.#socket.nextSeq ?? -1;
    // Refused: a full queue as it is (QueueFull); a socket that ended means the call never left.
    this.#socket.send(call.text).then(() => (call.handed = true),
      (e) => this.#settle(id, e.name === "QueueFull" ? e : disconnected(false)));
  }

  /** Ends the call `id` with `outcome` (an Error rejects). */
  #settle(id, outcome, isResult) {
    const call = this.#pending.get(id);
    if (!call) return;
    this.#pending.delete(id);
    clearTimeout(call.timer);
    if (isResult) call.resolve(outcome);
    else call.reject(outcome);
  }

  #received(data) {
    let m;
    try {
      m = JSON.parse(typeof data === "string" ? data : utf8.decode(data));
    } catch (e) {
      return this.#unmatched(`not a JSON-RPC message: ${e.message}`, data);
    }
    if (m === null || typeof m !== "object" || Array.isArray(m)) {
      return this.#unmatched("not a JSON-RPC message: not an object", data);
    }
    const { id, method, error } = m;
    if (id == null) {
      if (typeof method === "string") return this.#notify({ type: "notification", method, params: m.params ?? null });
      return this.#unmatched(error ? `an error for no request this client can name: ${error.code} ${error.message}`
        : "neither a response nor a notification", data);
    }
    if (method !== undefined) return this.#unmatched(`a request from the server (${method}): not served`, data);
    if (!Number.isSafeInteger(id) || id < 0) return this.#unmatched(`a response to an id this client never gave: ${JSON.stringify(id)}`, data);
    if (!this.#pending.has(id)) return this.#unmatched(`a response to no pending call (id ${id}: timed out or dropped)`, data);
    if (error) this.#settle(id, fail("Rpc", `the server answered ${error.code}: ${error.message}`, { code: error.code, reason: error.message, data: error.data }));
    else this.#settle(id, m.result ?? null, true);
  }

  #unmatched(reason, data) {
    this.#notify({ type: "unmatched", reason, data });
  }

  #notify(item) {
    for (const feed of this.#feeds) {
      if (feed.wait) {
        feed.wait({ value: item, done: false });
        feed.wait = null;
      } else if (feed.items.length >= this.#limit) {
        feed.missed++;
      } else {
        if (feed.missed) feed.items.push({ type: "missed", count: feed.missed });
        feed.missed = 0;
        feed.items.push(item);
      }
    }
  }

  /** A reconnecting socket lost a connection: the calls it was handed fail (`handed`), or,
   * idempotent, go out again; those still queued stay pending. */
  #lost(inFlight) {
    for (const [id, call] of this.#pending) {
      if (call.seq < inFlight.firstSeq || call.seq >= inFlight.firstSeq + inFlight.messages) continue;
      if (call.idempotent) this.#send(id, call);
      else this.#settle(id, disconnected(true));
    }
  }

  /** The socket ended: every pending call fails, every notification stream ends. */
  #finish() {
    if (this.#ended) return;
    this.#ended = true;
    for (const [id, call] of this.#pending) this.#settle(id, disconnected(call.handed));
    for (const feed of this.#feeds) {
      if (feed.missed) feed.items.push({ type: "missed", count: feed.missed });
      feed.done = true;
      feed.wait?.({ value: undefined, done: true });
    }
  }
}

/** A request's text (`id` given) or a notification's; params `undefined`/`null`: left out. */
function request(id, method, params) {
  let text;
  try {
    text = JSON.stringify({ jsonrpc: "2.0", id, method, params: params ?? undefined });
  } catch (e) {
    throw fail("Encode", `the params did not encode: ${e.message}`, { reason: e.message });
  }
  return text;
}
