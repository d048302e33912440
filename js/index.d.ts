// Types for the sockwave npm package. Kept true to js/socket.js (and what it imports).

/** Kept for compatibility only: nothing needs it. The .wasm (a few KB, carried inside the
 * package's JS) loads synchronously the first time a socket needs it; `await init()` in
 * existing code is harmless and resolves with its exports. Whatever argument is ignored. */
export default function init(input?: unknown): Promise<unknown>;

/** Options of `connect`. With `reconnect`, `heartbeat` or `idleTimeoutMs` the socket
 * reconnects by itself; `connect` then resolves at the first open. */
export interface ConnectOptions {
  /** Subprotocols to offer, most preferred first. */
  protocols?: string | string[];
  /** `send()` waits while `bufferedAmount` is at least this many bytes. Default 8 MiB. */
  highWaterMark?: number;
  /** Received messages waiting to be read may take at most this many bytes (text counted
   * in UTF-8 bytes; a message handed at once to a waiting read or to `message` listeners
   * never waits and counts for nothing, but no one message may be larger). Past it the socket closes (code 4009, "receive buffer full": browsers
   * may not send 1009) and the messages that fit are delivered, then one `ReceiveOverflow`
   * error; a reconnecting socket then stops (`reconnect()` starts it over). Default 64 MiB;
   * `Infinity`: no limit. (Every number option takes `Infinity` as "none".) */
  maxBufferedBytes?: number;
  /** Rejects with `ConnectTimeout` if not open after this many milliseconds, a URL
   * function's time included (with `reconnect`: gives up on that attempt and retries).
   * Default 30000; `Infinity`: wait as long as the browser does. */
  connectTimeoutMs?: number;
  /** Reconnect with exponential backoff after a lost connection. */
  reconnect?: ReconnectOptions;
  /** Application-level keepalive (browsers cannot send protocol pings). */
  heartbeat?: HeartbeatOptions;
  /** Declares the connection dead (code 4001) when nothing was received for this long. */
  idleTimeoutMs?: number;
  /** The close code for an idle timeout. Default 4001 (private use: pick one your protocol
   * does not otherwise use); one a client may not send (not 1000 or 3000-4999) is ignored. */
  idleTimeoutCode?: number;
  /** A reconnecting socket closes its connection (1000, "page hidden") when the page goes into
   * the back/forward cache (`pagehide` with `persisted`), so the page may enter it, and
   * reconnects when it is shown again. Default true. */
  closeOnPagehide?: boolean;
}

export interface ReconnectOptions {
  /** First delay. Default 500. */
  minDelayMs?: number;
  /** Largest delay. Default 30000. */
  maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Default "full": uniform in 0..delay; "equal": delay/2..delay. */
  jitter?: "full" | "equal" | "none";
  /** Failed attempts in a row before giving up with `RetriesExhausted`. Default: never. */
  maxRetries?: number;
  /** A connection must stay open this long for its end to start the retry count over; one
   * that ends sooner counts as a failed attempt (a server that opens and drops at once is
   * backed off from as one that refuses). Default 5000. */
  minUptimeMs?: number;
  /** Messages held while disconnected; beyond it `send()` rejects with `QueueFull`. Default 1024. */
  queueLimit?: number;
  /** Whether to try again after this close. Default: unless closed cleanly with 1000. */
  shouldReconnect?: (close: CloseInfo) => boolean;
}

export interface HeartbeatOptions {
  /** Ping every this many ms while open. Default 15000. */
  intervalMs?: number;
  /** No pong within this many ms: the connection is dead (code 4000). Default 5000. */
  timeoutMs?: number;
  /** The close code for a heartbeat timeout. Default 4000 (see `idleTimeoutCode`). */
  timeoutCode?: number;
  /** The ping message. Default "ping". */
  ping?: SendData;
  /** The pong to expect (not delivered to you). Default: the ping itself (an echo). */
  pong?: SendData;
}

/** Messages handed to a connection that died (WebSocket has no acknowledgements): sequence
 * numbers `firstSeq .. firstSeq + messages`, numbered from 0 in `send()` order. */
export interface InFlight {
  firstSeq: number;
  messages: number;
  bytes: number;
  /** Of those bytes, how many the browser provably never sent. */
  unsentBytes: number;
}

/** `disconnect`: a reconnecting socket lost its connection. */
export interface DisconnectEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  readonly inFlight: InFlight;
}

/** `reconnect`: a reconnecting socket waits `delayMs` before attempt `attempt`. */
export interface ReconnectEvent extends Event {
  readonly attempt: number;
  readonly delayMs: number;
}

/** How a connection ended. */
export interface CloseInfo {
  code: number;
  reason: string;
  wasClean: boolean;
}

/** A received message: `string` for text, `Uint8Array` for binary. */
export type Data = string | Uint8Array;

/** What `send()` accepts. */
export type SendData = string | ArrayBuffer | ArrayBufferView;

/** The `name` of every error sockwave throws or rejects with. */
export type SockwaveErrorName =
  | "InvalidUrl"
  | "InvalidProtocol"
  | "ConnectFailed"
  | "ConnectTimeout"
  | "InvalidCloseCode"
  | "ReasonTooLong"
  | "Closed"
  | "ConnectionLost"
  | "QueueFull"
  | "ReceiveOverflow"
  | "ReconnectRefused"
  | "RetriesExhausted"
  | "BrowserError"
  | "UsageError"
  | "TypeError"
  | "Decode"
  | "Encode";

/** Errors are `Error` objects with a stable `name` and the context as properties. */
export interface SockwaveError extends Error {
  name: SockwaveErrorName;
  /** The URL given (`InvalidUrl`). */
  url?: string;
  /** Why it was rejected (`InvalidUrl`, `InvalidProtocol`), or the close reason (the errors
   * that carry a `closeEvent`). */
  reason?: string;
  /** The offending subprotocol (`InvalidProtocol`). */
  protocol?: string;
  /** The close code (`InvalidCloseCode`, and the errors that carry a `closeEvent`). */
  code?: number;
  /** Whether the close was clean (the errors that carry a `closeEvent`). */
  wasClean?: boolean;
  /** The reason's UTF-8 length (`ReasonTooLong`). */
  length?: number;
  /** The close event (`ConnectFailed`, `ConnectionLost`, `ReconnectRefused`, `RetriesExhausted`). */
  closeEvent?: CloseInfo;
  /** Attempts made (`RetriesExhausted`). */
  attempts?: number;
  /** The queue limit (`QueueFull`), or the receive limit in bytes (`ReceiveOverflow`). */
  limit?: number;
  /** The message that did not decode (`Decode`). */
  data?: Data;
}

/** A received message that the socket's codec could not decode: handed in its place. */
export interface DecodeError extends SockwaveError {
  name: "Decode";
  data: Data;
}

export interface ConnectionEventMap<In = Data> {
  open: Event;
  message: MessageEvent<In>;
  error: Event;
  close: CloseEvent;
  disconnect: DisconnectEvent;
  reconnect: ReconnectEvent;
}

/**
 * The browser's WebSocket, exactly (the web platform's own tests hold it to that: every
 * subtest of WPT's websockets/ that the engine's WebSocket passes, it passes): code written
 * for `WebSocket` works unchanged with `Socket`, or with `globalThis.WebSocket = Socket`. It is
 * the engine's own socket (the class extends the engine's): exceptions are the standard's
 * `DOMException`s, thrown at once; data after close or with no listener is dropped, as the
 * standard says. The one difference: a constructor's exception never quotes the URL's
 * userinfo, query or fragment. With `options`, a socket that comes back by itself.
 * Promises, `for await` and typed errors: `connect()`.
 */
export class Socket extends EventTarget {
  /** Starts connecting at once. Throws a `SyntaxError` `DOMException` for a URL or
   * subprotocol the standard refuses. With `options` that ask for reconnection (`reconnect`,
   * `heartbeat` or `idleTimeoutMs`), a socket that comes back by itself, as
   * reconnecting-websocket's and partysocket's do (see `SocketOptions`). */
  constructor(url: string | URL, protocols?: string | string[], options?: SocketOptions);

  static readonly CONNECTING: 0;
  static readonly OPEN: 1;
  static readonly CLOSING: 2;
  static readonly CLOSED: 3;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;

  /** 0 connecting, 1 open, 2 closing, 3 closed (a `number`, as lib.dom's `WebSocket` has it,
   * so that `Socket` may stand where a `typeof WebSocket` is expected). */
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly url: string;
  readonly protocol: string;
  readonly extensions: string;
  /** How binary messages arrive: `"blob"` (the default) or `"arraybuffer"`. */
  binaryType: "blob" | "arraybuffer";

  /** Throws `InvalidStateError` while connecting; after close the data is dropped. */
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void;
  /** With no code, the close frame carries no status code. Throws `InvalidAccessError` for a
   * code other than 1000 or 3000-4999, `SyntaxError` for a reason over 123 UTF-8 bytes. */
  close(code?: number, reason?: string): void;
  /** Only on a socket made with reconnection options (`SocketOptions`), as
   * reconnecting-websocket's and partysocket's: an attempt now, the backoff reset. The open
   * connection is closed (1000, "reconnect") and comes back; after the socket gave up, it
   * starts over. Throws `InvalidStateError` after `close()`. */
  reconnect?(): void;

  onopen: ((this: Socket, ev: Event) => unknown) | null;
  onmessage: ((this: Socket, ev: MessageEvent) => unknown) | null;
  onerror: ((this: Socket, ev: Event) => unknown) | null;
  onclose: ((this: Socket, ev: CloseEvent) => unknown) | null;

  addEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: (this: Socket, ev: WebSocketEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: (this: Socket, ev: WebSocketEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

/**
 * What a `Socket` adds when asked: with `reconnect`, `heartbeat` or `idleTimeoutMs`, it comes
 * back by itself (the machine's rules, as `connect()`'s reconnecting socket). `readyState` is
 * the current connection's (`CONNECTING` between connections, `CLOSED` in a connection's
 * `close` event, as the standard's); `open` and `close` fire for
 * each connection (`error` first when it ended unclean) and a last `close` when it stops
 * (after `close()`, or when it gives up: `maxRetries`, `shouldReconnect`). Where it differs
 * from the standard, because reconnection asks it: `send()` while no connection is open
 * queues the message (in order, at most `queueLimit`; one more throws `QueueFull`), a `Blob`
 * throws `TypeError` (send its bytes), `close()` with no code sends 1000. Otherwise the
 * standard's: exceptions, `binaryType`, data dropped after `close()`. Without these options,
 * the options change nothing.
 */
export type SocketOptions = Pick<ConnectOptions,
  "reconnect" | "heartbeat" | "idleTimeoutMs" | "idleTimeoutCode" | "connectTimeoutMs" | "closeOnPagehide" | "highWaterMark">;

/**
 * Installs `Socket` as `globalThis.WebSocket`, so that every `new WebSocket(...)` of the page or
 * worker (a third-party client's too) makes one; with `options`, every socket is made with
 * them (`install({ reconnect: {} })`: every socket comes back by itself). sockwave still
 * opens the engine's socket. Returns what puts the previous global back.
 */
export function install(options?: SocketOptions): () => void;

/**
 * The socket `connect()` resolves with: the browser's surface plus promises and `for await`,
 * typed errors, backpressure, a bounded receive side and, when asked, reconnection.
 *
 * Messages go either to `for await` or to `onmessage` / `message` listeners, whichever is used
 * first; using the other afterwards throws a `UsageError`. Until then they are buffered.
 */
export interface Connection<In = Data, Out = SendData> extends AsyncIterable<In> {
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;

  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: 0 | 1 | 2 | 3;
  readonly bufferedAmount: number;
  readonly url: string;
  readonly protocol: string;
  readonly extensions: string;

  /** Resolves once handed to the browser, in call order, waiting under the high-water mark
   * (and for open while connecting); on a reconnecting socket, once queued (see `queueLimit`).
   * Rejects with `Closed` after close, `TypeError` for other data types. */
  send(data: Out): Promise<void>;
  /** A reconnecting socket's: the sequence number the next `send` will have (the numbers of
   * `disconnect`'s `inFlight`); `undefined` on a plain socket. */
  readonly nextSeq: number | undefined;
  /** Closes (default 1000, ""), checking code and reason first. */
  close(code?: number, reason?: string): Promise<CloseInfo>;
  /** Settles when the socket closes, for any reason (a new promise after `reconnect()`
   * starts a socket that gave up over). */
  readonly closed: Promise<CloseInfo>;
  /** A socket that reconnects (`connect` with `reconnect`, `heartbeat` or `idleTimeoutMs`):
   * an attempt now, backoff reset. Drops the open connection (1000, "reconnect"; a
   * `disconnect` event reports what was in flight) or cuts the backoff delay short; after the
   * socket gave up (`RetriesExhausted`, `ReconnectRefused`) it starts over, events and messages
   * again, and waits as the network and the page say (a socket that gave up keeps listening to
   * them until `close()`). Throws `Closed` after `close()`, `UsageError` on a socket that does
   * not reconnect. */
  reconnect(): void;

  onopen: ((this: void, ev: Event) => unknown) | null;
  onmessage: ((this: void, ev: MessageEvent<In>) => unknown) | null;
  onerror: ((this: void, ev: Event) => unknown) | null;
  onclose: ((this: void, ev: CloseEvent) => unknown) | null;
  /** Reconnecting sockets: before each retry. */
  onreconnect: ((this: void, ev: ReconnectEvent) => unknown) | null;
  /** Reconnecting sockets: when a connection is lost. */
  ondisconnect: ((this: void, ev: DisconnectEvent) => unknown) | null;

  addEventListener<K extends keyof ConnectionEventMap<In>>(
    type: K,
    listener: (ev: ConnectionEventMap<In>[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof ConnectionEventMap<In>>(
    type: K,
    listener: (ev: ConnectionEventMap<In>[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  dispatchEvent(event: Event): boolean;

  /** The next message, or `undefined` once the messages ended (what `nextMessage` is built
   * on; `for await` reads the same messages). Rejects like `for await` throws. */
  nextValue(): Promise<In | undefined>;
  /** The next message if one is waiting right now: the message, `undefined` once the messages
   * ended, `null` when none is waiting yet. Throws what `nextValue` rejects with. */
  takeValue(): In | undefined | null;
  /** The next message as an iterator result, `{ value, done }`: what `for await` gives, one
   * call at a time. */
  nextMessage(): Promise<IteratorResult<In, undefined>>;
  [Symbol.asyncIterator](): AsyncIterator<In, undefined>;
}

/** How many browser listeners sockwave has attached right now (4 per live socket, plus 6 in a page or 4 in a worker for a reconnecting one,
 * until `close()`, also after it gave up): for leak checks in tests and long-running pages. */
export function liveListeners(): number;

/** Connects and resolves with an open `Connection`; rejects with `InvalidUrl`,
 * `InvalidProtocol`, `ConnectFailed` or `ConnectTimeout`. */
export function connect(url: string | UrlProvider, options?: ConnectOptions): Promise<Connection>;
/** With `codec: "json"`: received messages are values of `In` (or a `DecodeError` in place of
 * one that did not parse: `m instanceof Error`), `send` takes values of `Out`. */
export function connect<In = unknown, Out = unknown>(
  url: string | UrlProvider,
  options: JsonOptions,
): Promise<Connection<In | DecodeError, Out>>;

/** `connect()`'s options with a codec. */
export interface JsonOptions extends ConnectOptions {
  /** `"json"`: messages are values. Each received message is parsed where it is taken (a
   * read, `for await`, a `message` event); one that does not parse is a `Decode` error in its
   * place (with the message as `data`) and the messages go on. `send(value)` sends
   * `JSON.stringify(value)` as text, and rejects with `Encode` when that fails. Default: none,
   * messages as the browser gives them. */
  codec: "json";
}

/** A URL chosen at connect time: called before every attempt (with reconnection, before each
 * reconnect too), e.g. to put a fresh token in it. Throwing, rejecting or giving no string
 * fails that attempt (close 1006, "url provider failed"; what it threw is the error's `cause`):
 * `connect()` of a plain socket rejects with `ConnectFailed`; a reconnecting socket counts it
 * as a failed attempt and backs off and retries. Only a URL the browser refuses is final. */
export type UrlProvider = () => string | Promise<string>;
