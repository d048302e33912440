//! The browser's WebSocket, done right, for Rust compiled to WebAssembly, and the same API
//! natively.
//!
//! sockwave wraps the browser's native `WebSocket` (through wasm-bindgen and web-sys) as an
//! async API: [`WebSocket::connect`] resolves once the socket is open, a [`WebSocket`] is a
//! `futures` `Stream` of [`Message`]s and a `Sink` with backpressure from `bufferedAmount`,
//! every failure is an [`Error`], and [`reconnect::ReconnectingWebSocket`] comes back by
//! itself. It works in Chromium, Firefox and WebKit (Safari), in pages and in dedicated, shared
//! and service workers, over `ws://` and `wss://`.
//!
//! On native targets the same API (the [`WebSocket`] with its builder, `Stream`, `Sink`,
//! halves, `closed()`, events and typed errors; the reconnecting socket with every option)
//! runs over tokio and tokio-tungstenite, `wss://` through rustls, with every handle
//! `Send + Sync`; chosen by target, no feature flag, and a wasm build links none of it. The
//! same machine decides for the reconnecting socket on both, and the same conformance
//! scenarios hold both faces to the same answers.
//!
//! # Quick start
//!
//! ```no_run
//! use futures::{SinkExt, StreamExt};
//! use sockwave::{Message, WebSocket};
//!
//! # async fn demo() -> Result<(), sockwave::Error> {
//! let mut ws = WebSocket::connect("ws://127.0.0.1:9998/echo").await?;
//! ws.send(Message::text("hi")).await?;          // waits while the browser's buffer is full
//! while let Some(message) = ws.next().await {   // None after a clean close
//!     println!("{:?}", message?);               // Err(ConnectionLost) after an unclean one
//! }
//! # Ok(()) }
//! ```
//!
//! # Guarantees
//!
//! - **Nothing lost, nothing reordered**: listeners are attached before the browser can
//!   deliver an event; messages wait in order until polled.
//! - **Every end is explicit**: a clean close ends the stream with `None`, an unclean one
//!   yields one `Err` first; `connect` always settles, in every engine (an `error` with no
//!   `close`, as WebKit fires for sockets it refuses, ends the socket as close 1006).
//! - **No silent drops**: sending on a closing or closed socket is [`Error::Closed`].
//! - **Backpressure**: the `Sink` waits while `bufferedAmount` is at the high-water mark
//!   (WebKit reports 0 once data reaches its network process: there it cannot see a stalled
//!   server).
//! - **Clean drop**: dropping the last handle closes the socket and removes every listener
//!   ([`live_listeners`] counts them); no `Closure::forget`.
//! - **No panics on bad input**: every failure is a variant of [`Error`].
//!
//! # More
//!
//! The README is the front page; `docs/` has the rest: the Rust guide (options, split halves
//! and events, reconnection and what it does and does not deliver), the JavaScript package, the
//! machine and its decisions, the browser differences measured by the tests, the dev server
//! and the benchmarks. The layers and the path of one message follow.
//!
//! # Architecture
//!
//! Layers, each in its own file, each using only those above it in this list:
//!
//! 1. **Pure types** (`rules.rs`, `close.rs`, `error.rs`, `message.rs`, `protocol.rs`,
//!    `state.rs`): no web-sys, tested natively by `cargo test`. `rules.rs` (what a client may
//!    offer and send) and `machine/backoff.rs` use nothing else of the crate: the npm
//!    package's .wasm is compiled from those two files (`js/rules/`).
//! 2. **Callback layer** (`listeners.rs`): one owned `addEventListener` registration, removed
//!    on drop. `timer.rs`: one owned `setTimeout` as a future. `wake.rs`: the one waker
//!    discipline every waiting task goes through (register with `will_wake`, wake only once
//!    the borrow of the state ends).
//! 3. **Socket core** (`socket.rs`): the browser socket and its four listeners; the `Inbox`
//!    they fill and the handlers that fill it (`inbox.rs`). Handlers only record and wake;
//!    every decision lives in a `poll_*` function.
//! 4. **Stream and sink logic** (`stream.rs`, `sink.rs`: what `poll_next`, `poll_ready`,
//!    `poll_flush` and `poll_close` do with a core) and observers (`events.rs`).
//! 5. **Handles** (`websocket.rs`): [`WebSocket`] and its halves, with their `Stream` and
//!    `Sink` impls right next to them.
//! 6. **Opening** (`connect.rs`): [`WebSocketBuilder`], the [`Connect`] future, and the
//!    constructors of [`WebSocket`].
//! 7. **Reconnection** (`reconnect/`): a driver task that owns one [`WebSocket`] at a time
//!    and carries out what the machine decides.
//!
//! **The machine** (`machine/`) sits beside the pure types: every decision of a connection's
//! life (attempts, connect timeout, backoff and retries, the app's verdict, heartbeat and
//! idle, offline/online, sleep, the back/forward cache, `close()` and `reconnect()`, where
//! sent messages go, in-flight reports), with no I/O, no clock and no randomness of its own.
//! The reconnect driver feeds it events and carries out its actions; it is tested natively
//! over 100,000 seeded fault schedules (`machine/sim/`). Natively the plain [`WebSocket`]'s
//! driver runs on it too (its plain mode: connect and close timeouts, what the end is), as
//! does the npm package's plain `connect()`; in the browser the plain socket takes its
//! defaults, close rules and end rule (`Failure::of_plain_end`) without linking it (4.4 KB of
//! wasm: `docs/machine.md`, decision 44, which lists every decision).
//!
//! The npm package is not a layer of this crate: it is plain JavaScript over the browser's
//! socket (`js/*.js`, the same design in another language: a link that ends a socket once,
//! an inbox, a reconnect driver), and calls into its small .wasm only for the rules above.
//!
//! **One received message**, from the browser to your task: the browser fires `message` on its
//! socket; the closure owned by a `Listener` (`listeners.rs`) calls `socket::dispatch`, which
//! runs `inbox::on_message` on the borrowed `Inbox` and the socket (which it closes only past
//! the receive limit): the data becomes a [`Message`] (text as
//! is, binary copied once out of its `ArrayBuffer`), is pushed onto `Inbox::queue`, and the
//! stream's waker is taken. The borrow ends, then the waker wakes your task, whose
//! `StreamExt::next` polls `impl Stream for WebSocket` (`websocket.rs`), which hands the core
//! to `Reader::poll_next` (`stream.rs`): it pops
//! the queue front. When the queue is empty and `close` was recorded, the same function
//! decides how the stream ends (`None`, or one `Err` for an unclean close).
//!
//! **One sent message**: `SinkExt::send` calls `poll_ready` (`sink.rs`), which waits for `open`
//! while connecting and, while `bufferedAmount` may be at the high-water mark, polls it on a
//! backing-off timer (the browser has no drain event); `start_send` then hands the data to the
//! browser's `send()` (`socket::Core::send_now`), which refuses a closing or closed socket
//! with [`Error::Closed`] instead of letting the browser drop it.
//!
//! Where each decision lives: how a socket ends (`inbox.rs`: `on_error`, `on_close`); when
//! `connect` settles (`connect.rs`: `Connect`); backpressure (`sink.rs`); when to reconnect
//! and what was in flight (`reconnect/driver.rs`).
//!
//! # Binary size
//!
//! Every byte of this crate lands in every app's `.wasm`, so a few techniques keep it small.
//! Each is used where marked, and `npm test` guards the result (`tests/js/sizes.test.mjs`:
//! the minimal echo app must stay within its budget and smaller than the same app on
//! gloo-net or ws_stream_wasm; the npm package within its own budget):
//!
//! - **Paths linked only when used**, through function pointers installed by the call that
//!   needs them: subprotocols (`WebSocketBuilder::protocols` installs
//!   `construct_with_protocols`), event observers (`Inbox::notify`, installed by the first
//!   `events()`).
//! - **Out-of-line bodies** (`#[inline(never)]`) where inlining would copy one body into
//!   several callers or into a closure's two vtable entries: `socket::listen`,
//!   `socket::dispatch`, `Listener::drop`, `Sleep::new`, `wake::Wake::wake`.
//! - **Named futures with non-generic `poll`s** ([`Connect`]) instead of `async fn` bodies
//!   that would be inlined into every caller's future.
//! - **Options converted by their setters**: `WebSocketBuilder::connect_timeout` turns the
//!   `Duration` into milliseconds, so apps without a timeout link no conversion.
//! - **Owned values moved, not copied**: `open` hands the URL `String` to the constructor,
//!   which moves it into `Error::InvalidUrl` (a copy cost 253 B gzip in every app).
//! - **One import per browser method**: every close goes through `close(code, reason)` (1000
//!   with `""` is the same frame as 1000 alone), and listeners are handed their socket rather
//!   than asking each event for its `target`.
//! - **No formatting on common paths**: strings concatenated by hand (`invalid_url`), binary
//!   copied by the glue (`inbox::bytes_of`) rather than through `Uint8Array::to_vec`, whose
//!   length assertion links the integer formatter.
//! - **One timer** (`timer::Sleep`) over gloo-timers' callback `Timeout`, not its
//!   channel-based future.
//! - **The npm package's .wasm** is built from `js/rules/`, which depends on wasm-bindgen
//!   alone and passes only numbers: js-sys would link its task machinery, and one string
//!   argument an allocator (10.6 KB gzip with both; 2 KB without).
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

// Pure types: no web-sys, tested natively by `cargo test`.
mod backlog;
mod close;
mod error;
// The decisions, pure (no I/O); the shells below drive it. The few items one build of this
// crate does not use say which shell does (the browser's, or the npm package's .wasm).
mod machine;
mod message;
mod protocol;
mod redact;
mod rules;
mod state;
mod wake;

// What the shells that run on every target need of it (`Rc` or `Arc`, a task, a timer).
mod events;
mod platform;

// The browser face: listeners, then the socket core, then Stream / Sink / events on top.
#[cfg(target_family = "wasm")]
mod connect;
#[cfg(target_family = "wasm")]
mod inbox;
#[cfg(target_family = "wasm")]
mod listeners;
#[cfg(target_family = "wasm")]
mod sink;
#[cfg(target_family = "wasm")]
mod socket;
#[cfg(target_family = "wasm")]
mod stream;
#[cfg(target_family = "wasm")]
mod timer;
#[cfg(target_family = "wasm")]
mod websocket;

// A handle that is Send + Sync on every target.
mod detached;

// The native face: the same API over tokio and tokio-tungstenite.
#[cfg(not(target_family = "wasm"))]
mod native;

// The plain socket of this target, as the reconnecting socket's shell drives it.
#[cfg(not(target_family = "wasm"))]
use native as face;
#[cfg(target_family = "wasm")]
use websocket as face;

pub mod reconnect;
#[cfg(feature = "jsonrpc")]
pub mod rpc;
#[cfg(feature = "codec")]
pub mod typed;

pub use close::{validate_close, CloseCode, CloseEvent, MAX_REASON_BYTES, RECEIVE_OVERFLOW_CODE};
#[cfg(target_family = "wasm")]
pub use connect::{Connect, WebSocketBuilder};
pub use detached::{Detachable, Detached};
pub use error::Error;
pub use events::{Events, Observer, OBSERVER_CAPACITY};
pub use machine::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_BUFFERED_BYTES};
pub use message::Message;
#[cfg(not(target_family = "wasm"))]
pub use native::{live_listeners, Connect, ReadHalf, WebSocket, WebSocketBuilder, WriteHalf};
pub use platform::{WasmNotSend, WasmNotSendSync};
pub use state::{ReadyState, WsEvent};
#[cfg(target_family = "wasm")]
pub use websocket::{ReadHalf, WebSocket, WriteHalf};

/// The README's examples, compiled and run as doc tests (the crate's front page above is
/// shorter; the README keeps the rest).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The Rust guide's examples (docs/rust.md), compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/rust.md")]
pub struct RustGuideDoctests;

/// How many browser event listeners sockwave has attached right now: 4 per live socket (plus,
/// for a reconnecting socket, 6 in a page or 4 in a worker: `online`, `offline`, `pageshow`,
/// `pagehide`, `visibilitychange`, `resume`), 0 once every socket has been dropped. For leak
/// checks in tests and long-running pages. (Natively there are none: always 0.)
///
/// ```
/// assert_eq!(sockwave::live_listeners(), 0);
/// ```
#[cfg(target_family = "wasm")]
pub fn live_listeners() -> usize {
    listeners::live()
}
