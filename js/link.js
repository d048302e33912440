// The browser's socket, as both kinds of sockwave Socket use it: opened with checked
// arguments, listened to through four handlers that end it exactly once, in every engine.
import {
  POLICY_MAX_DELAY, POLICY_OVERFLOW_CODE, REASON_RECEIVE_OVERFLOW,
} from "./abi.js";
import { policyDefault, reasonText, w } from "./machine.js";
import { closeInfo, fail, invalidUrl, typeError } from "./errors.js";

export const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
/** The receive overflow's close, as the machine defines it: `[code, reason]`. */
export const overflowClose = () => [policyDefault(POLICY_OVERFLOW_CODE), reasonText(REASON_RECEIVE_OVERFLOW)];

/** A `close` event of `{ code, reason, wasClean }` (Node 22 has a WebSocket but no global
 * CloseEvent: Node 23 adds it). */
export const closeEvent = (init) =>
  typeof CloseEvent === "function" ? new CloseEvent("close", init) : Object.assign(new Event("close"), init);

/** `setTimeout`, capped at the machine's longest delay: browsers fire a longer one at once. */
export const later = (f, ms) => setTimeout(f, Math.min(ms, policyDefault(POLICY_MAX_DELAY)));

let live = 0;
/** How many browser listeners sockwave has attached right now (see index.d.ts). */
export const liveListeners = () => live;
/** Counts listeners added (or, negative, removed) outside `listen` (reconnect.js). */
export const countListeners = (n) => { live += n; };

/** UTF-8 bytes of a text (what `bufferedAmount` and close reasons count), bytes of binary. */
export function utf8Length(data) {
  if (typeof data !== "string") return data.byteLength;
  let n = data.length;
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if ((c & 0xfc00) === 0xd800 && (data.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 4 bytes for 2 units
      i++;
    } else if (c >= 0x800) n += 2; // a lone surrogate becomes U+FFFD: 3 bytes too
    else if (c >= 0x80) n += 1;
  }
  return n;
}

/** Whether `send()` takes `data`: a string, an `ArrayBuffer` or a view of one. */
export const sendable = (data) => typeof data === "string" || data instanceof ArrayBuffer || ArrayBuffer.isView(data);

export const notSendable = () =>
  typeError("send() takes a string, an ArrayBuffer or a typed array (such as Uint8Array)");

/** `data` as the caller cannot change it any more while it waits in a queue: binary copied. */
export const own = (data) =>
  typeof data === "string" ? data
    : data instanceof ArrayBuffer ? data.slice(0)
    : new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));

/** A number option: not negative (`Infinity`: no limit, as `usize::MAX` in Rust), else
 * `undefined` (the default applies). */
export const num = (options, key) => {
  const v = options == null ? undefined : options[key];
  return typeof v === "number" && v >= 0 ? v : undefined;
};

const REFUSALS = ["empty", "not a token: only visible ASCII without separators is allowed", "offered twice"];

/** `protocols` as a checked list: undefined, a string or an array of strings, each a token
 * offered once; the checks and their order are Rust's (src/rules.rs `refusal`), the character
 * rule is called from there. */
export function protocolList(protocols) {
  if (protocols == null) return [];
  const list = typeof protocols === "string" ? [protocols] : protocols;
  if (!Array.isArray(list) || !list.every((p) => typeof p === "string")) {
    throw typeError("protocols must be a string or an array of strings");
  }
  list.forEach((protocol, i) => {
    let refusal = protocol === "" ? 0 : -1;
    for (let j = 0; refusal < 0 && j < protocol.length; j++) if (!w().isTokenUnit(protocol.charCodeAt(j))) refusal = 1;
    if (refusal < 0 && list.indexOf(protocol) < i) refusal = 2;
    if (refusal >= 0) {
      const reason = REFUSALS[refusal];
      throw fail("InvalidProtocol", `invalid subprotocol ${JSON.stringify(protocol)}: ${reason}`, { protocol, reason });
    }
  });
  return list;
}

/** Marks sockwave's `Socket` (standard.js), which an app may install as `globalThis.WebSocket`. */
export const OWN_SOCKET = Symbol("sockwave's Socket");
const ENGINE = globalThis.WebSocket;
/** The engine's WebSocket: the global (read at each call: a test or a polyfill may replace
 * it), or the one found at load when the global is sockwave's own `Socket`. */
export const engineWebSocket = () => {
  const global = globalThis.WebSocket;
  return global?.[OWN_SOCKET] ? ENGINE : global;
};

/** `new WebSocket(url, protocols)`; what the constructor throws becomes `InvalidUrl`. */
export function open(url, protocols) {
  try {
    return new (engineWebSocket())(url, protocols);
  } catch (e) {
    throw invalidUrl(String(url), `${e && e.name}: ${e && e.message}`);
  }
}

/** Asks a `url` function for the URL: a string, or `InvalidUrl` saying what went wrong. */
export async function urlFrom(provider) {
  let url;
  try {
    url = await provider();
  } catch (e) {
    throw invalidUrl("", `the url function threw or rejected: ${e && e.message}`);
  }
  if (typeof url !== "string") throw invalidUrl(String(url), "the url function gave no string");
  return url;
}

const ABNORMAL = closeInfo(1006, "", false);

/**
 * Listens to `ws` for `to`: `to.onOpen()`, `to.onMessage(data)` (a string, or a Uint8Array over
 * the browser's own buffer: no copy), `to.onError()`, and once `to.onEnd(close, afterError)`,
 * after which the four handlers are gone. Returns `end(close)`, which ends it now (ours).
 *
 * How a socket ends: an `error` on a CONNECTING or CLOSED socket ends it as 1006, unclean (the
 * machine's rule, `errorEndsSocket`: WebKit fires `error` without `close`); a `close` that
 * follows finds the handlers gone. tests/js/scenarios.js guards it here.
 */
export function listen(ws, to) {
  let done = false;
  const end = (close, afterError) => {
    if (done) return;
    done = true;
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    live -= 4;
    to.onEnd(close, afterError);
  };
  ws.binaryType = "arraybuffer";
  ws.onopen = () => to.onOpen();
  ws.onmessage = (e) => {
    const data = e.data;
    to.onMessage(typeof data === "string" ? data : new Uint8Array(data));
  };
  ws.onerror = () => {
    if (w().errorEndsSocket(ws.readyState)) end(ABNORMAL, true);
    else to.onError();
  };
  // A code no peer may send (Chromium passes 1004 and 5000 on): the connection failed.
  ws.onclose = (e) => end(w().closeStands(e.code) ? closeInfo(e.code, e.reason, e.wasClean) : ABNORMAL, false);
  live += 4;
  return (close) => end(close, false);
}

/** Backpressure on one browser socket, as in the Rust sink (src/sink.rs). `take(data)`: may
 * `data` be sent now? `bufferedAmount` is read only when what was sent since the last reading
 * (at most 3 bytes per UTF-16 unit) could have reached the mark; when it has, `retry` runs on a
 * timer backing off as the machine's `drainPollDelay` says (the browser has no drain event). */
export class SendBudget {
  #left = 0; // bytes that may go before `bufferedAmount` could reach the mark
  #delay = 0;
  #timer = 0;

  constructor(ws, hwm, retry) {
    this.ws = ws;
    this.hwm = hwm; // as the machine keeps it (at least 1)
    this.retry = retry;
  }

  take(data) {
    const bound = typeof data === "string" ? data.length * 3 : data.byteLength;
    if (this.#left < bound && (this.#left = this.hwm - this.ws.bufferedAmount) <= 0) {
      if (!this.#timer) {
        this.#delay = w().drainPollDelay(this.#delay);
        this.#timer = setTimeout(() => ((this.#timer = 0), this.retry()), this.#delay);
      }
      return false;
    }
    this.#left -= bound;
    this.#delay = 0;
    return true;
  }

  stop() {
    clearTimeout(this.#timer);
    this.#timer = 0;
  }
}
