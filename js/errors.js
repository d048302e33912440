// sockwave's errors for JavaScript: `Error` objects with a stable `name` and their context as
// properties, worded as the Rust face's `Error` (src/error.rs) words them.

/** An `Error` named `name`, with `props` (url, code, limit, ...) on it. */
export function fail(name, message, props) {
  const e = new Error(message);
  e.name = name;
  return Object.assign(e, props);
}

/** `{ code, reason, wasClean }`: how a connection ended. */
export const closeInfo = (code, reason, wasClean) => ({ code, reason, wasClean });

/** A close as the Rust face prints it: `code 1006, unclean`, `code 4000 "bye", clean`. */
const describe = (c) => `code ${c.code}${c.reason ? ` "${c.reason}"` : ""}, ${c.wasClean ? "clean" : "unclean"}`;

/** An error caused by a close: `code`, `reason`, `wasClean` on it, and the whole `closeEvent`. */
export const failClosed = (name, message, close, props) =>
  fail(name, message, { code: close.code, reason: close.reason, wasClean: close.wasClean, closeEvent: close, ...props });

/** `url` as sockwave's texts show it: no userinfo, the query and fragment as `?…` / `#…`
 * (`wss://host:9/chat?…`), as the Rust face's `redact_url` (src/redact.rs) shows it; the
 * shared fixture (tests/conformance/rules.js, `redactions`) holds both to it. */
export const redactUrl = (url) =>
  url.replace(/^([^]*?:\/\/)?(?:[^/?#]*@)?([^?#]*)([?#]?)[^]*$/, (_, scheme = "", kept, mark) => scheme + kept + (mark && mark + "…"));

/** `InvalidUrl`: the URL shown redacted, in the message and as `url`, and in the `reason` (a
 * browser's exception may quote it). */
export const invalidUrl = (given, why) => {
  const url = redactUrl(given);
  const reason = redactIn(given, why);
  return fail("InvalidUrl", `invalid WebSocket URL ${JSON.stringify(url)}: ${reason}`, { url, reason });
};

/** `text` (an engine's message, which may quote the URL `given`) with the URL shown redacted.
 * Where a secret of it still shows (quoted in another form, normalized by the engine), only
 * what comes before the first ":" stays (the exception's name, as in Rust). */
export const redactIn = (given, text) => {
  const shown = text.split(given).join(redactUrl(given));
  const [, user, secret] = /^(?:[^]*?:\/\/)?(?:([^/?#]*)@)?[^?#]*([^]*)$/.exec(given);
  return [user, secret].some((s) => s && shown.includes(s)) ? shown.split(":")[0] : shown;
};
export const connectFailed = (c) => failClosed("ConnectFailed", `connection failed before opening (${describe(c)})`, c);
export const connectionLost = (c) => failClosed("ConnectionLost", `connection lost (${describe(c)})`, c);
export const reconnectRefused = (c) => failClosed("ReconnectRefused", `not reconnecting after ${describe(c)}`, c);
export const retriesExhausted = (attempts, c) =>
  failClosed("RetriesExhausted", `gave up after ${attempts} reconnection attempts (last: ${describe(c)})`, c, { attempts });
export const connectTimeout = () => fail("ConnectTimeout", "connection timed out before opening");
export const closed = () => fail("Closed", "the socket is closed");
export const queueFull = (limit) => fail("QueueFull", `send queue full (${limit} messages) while disconnected`, { limit });
export const receiveOverflow = (limit) =>
  fail("ReceiveOverflow", `more than ${limit} bytes of received messages waiting to be read`, { limit });
export const usage = (message) => fail("UsageError", message);
export const typeError = (message) => fail("TypeError", message);

/** What the browser threw (a `close()` or `send()` that throws), kept as `browserName`. */
export const browserError = (e) =>
  fail("BrowserError", `browser error ${e && e.name}: ${e && e.message}`, { browserName: e && e.name });
