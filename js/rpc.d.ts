// Types for `sockwave/rpc`. Kept true to js/rpc.js.
import type { Connection, Data, SockwaveError } from "./index.js";

export interface ClientOptions {
  /** How long a call waits for its answer. Default 30000 (the machine's); `Infinity`: no limit. */
  timeoutMs?: number;
}

export interface CallOptions {
  /** This call's timeout (the client's by default). */
  timeoutMs?: number;
  /** The call may run twice on the server: over a reconnecting socket, a request handed to a
   * connection that died is sent again on the next one instead of failing. */
  idempotent?: boolean;
}

/** What a call rejects with: `Rpc` (the server's error object: `code`, `reason` its message,
 * `data`), `Timeout` and `Disconnected` (with `handed`: whether the request had been handed to
 * a connection, so the server may have run it), `Encode`, `Closed`, and what the socket's
 * `send` rejects with (`QueueFull`). */
export interface CallError extends Omit<SockwaveError, "name" | "data"> {
  name: "Rpc" | "Timeout" | "Disconnected" | "Encode" | "Closed" | "QueueFull";
  handed?: boolean;
  code?: number;
  data?: unknown;
}

/** What a notifications stream yields. */
export type Notified =
  | { type: "notification"; method: string; params: unknown }
  | { type: "unmatched"; reason: string; data: Data }
  | { type: "missed"; count: number };

/**
 * A JSON-RPC 2.0 client over a `connect()` socket (plain or reconnecting, without a codec): it
 * takes the socket's messages and ends with it. When a connection is lost, a pending call
 * fails with `Disconnected`, `handed` saying whether its request was handed to the connection
 * that died; over a reconnecting socket, requests still queued go out on the next connection,
 * and idempotent calls are sent again.
 */
export class Client {
  constructor(socket: Connection, options?: ClientOptions);
  /** Calls `method` with `params` (an array or an object; none: `undefined`); resolves with
   * the result, rejects with a `CallError`. */
  call<R = unknown>(method: string, params?: unknown, options?: CallOptions): Promise<R>;
  /** Sends a notification (no answer); resolves once the socket took it. */
  notify(method: string, params?: unknown): Promise<void>;
  /** What the server sends unasked, from now on, in order; bounded (1024 unread, then one
   * `missed` item); ends with the client. */
  notifications(): AsyncIterableIterator<Notified>;
  /** Closes the socket. */
  close(): Promise<unknown>;
}
