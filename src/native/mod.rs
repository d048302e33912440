//! sockwave on native targets: the same [`WebSocket`] (builder, `Stream`, `Sink` with
//! backpressure, split halves, `closed()`, typed errors, events) over tokio and
//! tokio-tungstenite, `wss://` through rustls. Chosen by target: a wasm build links none of it.
//!
//! The browser runs a web socket beside the page; here a tokio task does (`driver.rs`): it owns
//! the connection, and the handles share its state (`core.rs`) behind a mutex, so every
//! handle is `Send + Sync`. Where a browser decides something (the close timeout, dropping
//! messages that arrive after our `close()`, 1006 for a lost connection) this face decides the
//! same, so that both answer every scenario of the conformance suite alike
//! (`tests/conformance/scenarios.js`). Natively more is possible, and allowed: request headers
//! ([`WebSocketBuilder::header`]), and `bufferedAmount` is what is not yet written to the TCP
//! socket, so a server that stops reading holds the `Sink` back in every case.
//!
//! Needs a tokio runtime with time enabled (`#[tokio::main]` has one): without a runtime,
//! opening fails with [`Error::NoRuntime`].

mod builder;
mod close_watch;
mod core;
mod driver;
mod io;
mod link;
mod tls;
pub(crate) mod transport;

use crate::Events;
pub use builder::{live_listeners, Connect, WebSocketBuilder};

use std::fmt;
use std::future::{poll_fn, Future};
use std::sync::Arc;
use std::task::{Context, Poll};

use self::core::Core;
use self::io::send_now;
use crate::close::validate_close;
use crate::{CloseCode, CloseEvent, Error, Message, ReadyState};

/// A WebSocket as a `Stream` of received messages and a `Sink` of messages to send: the same
/// type as in the browser, here over tokio-tungstenite (`Send + Sync`, unlike the browser's).
///
/// Get one with [`WebSocket::connect`] (resolves once open) or [`WebSocket::builder`].
/// Dropping the last handle (this, or both halves after [`split`](WebSocket::split)) closes
/// the socket with 1000.
///
/// ```no_run
/// # async fn demo() -> Result<(), sockwave::Error> {
/// use futures::{SinkExt, StreamExt};
/// use sockwave::{Message, WebSocket};
///
/// let mut ws = WebSocket::connect("ws://127.0.0.1:9998/echo").await?;
/// ws.send(Message::text("hi")).await?;
/// while let Some(message) = ws.next().await {
///     println!("{:?}", message?);
/// }
/// # Ok(()) }
/// ```
pub struct WebSocket {
    core: Arc<Core>,
    closer: Arc<Closer>,
    done: bool,
}

/// The receiving half of a [`WebSocket`]: a `Stream` of messages, movable into its own task.
pub struct ReadHalf {
    core: Arc<Core>,
    closer: Arc<Closer>,
    done: bool,
}

/// The sending half of a [`WebSocket`]: a `Sink` of messages, movable into its own task.
pub struct WriteHalf {
    core: Arc<Core>,
    /// Held for its `Drop` (the last handle closes the socket).
    _closer: Arc<Closer>,
}

/// Held by every handle of a socket: the last one dropped closes it (1000), as in the browser.
struct Closer(Arc<Core>);

impl Drop for Closer {
    fn drop(&mut self) {
        self.0.request_close(1000, "");
    }
}

impl WebSocket {
    pub(super) fn from_core(core: Arc<Core>) -> Self {
        let closer = Arc::new(Closer(Arc::clone(&core)));
        WebSocket {
            core,
            closer,
            done: false,
        }
    }

    /// Connects to `url` with the default options and resolves once the socket is open.
    ///
    /// Errors: [`Error::InvalidUrl`], [`Error::ConnectFailed`] when the connection or the
    /// handshake fails (refused, DNS, TLS, an HTTP answer other than 101: the close event's
    /// reason says which), [`Error::NoRuntime`] outside a tokio runtime.
    pub fn connect(url: impl Into<String>) -> Connect {
        Self::builder(url).connect()
    }

    /// Starts connecting to `url` and returns at once, in [`ReadyState::Connecting`]: the
    /// sink waits for the opening, the stream yields [`Error::ConnectFailed`] if it fails.
    pub fn open(url: impl Into<String>) -> Result<Self, Error> {
        Self::builder(url).open()
    }

    /// A builder for subprotocols, request headers, the high-water mark, the receive limit
    /// and a connect timeout.
    pub fn builder(url: impl Into<String>) -> WebSocketBuilder {
        WebSocketBuilder::new(url.into())
    }

    /// Resolves once the socket is open; [`Error::ConnectFailed`] if it failed to.
    pub async fn opened(&self) -> Result<(), Error> {
        poll_fn(|cx| self.core.poll_opened(cx)).await
    }

    /// Splits the socket into a [`WriteHalf`] (`Sink`) and a [`ReadHalf`] (`Stream`), each of
    /// which can move into its own task. The socket stays open until both are dropped.
    pub fn split(self) -> (WriteHalf, ReadHalf) {
        let WebSocket { core, closer, done } = self;
        let write = WriteHalf {
            core: Arc::clone(&core),
            _closer: Arc::clone(&closer),
        };
        (write, ReadHalf { core, closer, done })
    }

    /// Sends at once, without waiting for the buffer to drain (no backpressure):
    /// [`Error::NotOpen`] while connecting, [`Error::Closed`] once closing or closed.
    pub fn try_send(&self, message: impl Into<Message>) -> Result<(), Error> {
        send_now(&self.core, message.into())
    }

    /// How the socket ended, once it did (the reconnect driver's report).
    pub(crate) fn close_event(&self) -> Option<CloseEvent> {
        self.core.state().close.clone()
    }

    /// Ready with the close event once the socket ended.
    pub(crate) fn poll_closed(&self, cx: &Context<'_>) -> Poll<CloseEvent> {
        self.core.poll_closed(cx)
    }

    /// Closes now, without checks or waiting (the reconnect driver's, after the machine's).
    pub(crate) fn close_now(&self, code: u16, reason: &str) {
        self.core.request_close(code, reason);
    }

    /// Sends a protocol ping now (the reconnect driver's heartbeat).
    pub(crate) fn ping_now(&self) {
        self.core.ping_now();
    }

    /// Protocol pongs received since the last call.
    pub(crate) fn take_pongs(&self) -> u32 {
        std::mem::take(&mut self.core.state().pongs)
    }

    /// What reads this socket's buffered bytes for the reconnect driver's tally.
    pub(crate) fn probe(&self) -> Probe {
        Arc::clone(&self.core)
    }
}

/// Reads a socket's buffered bytes (see [`WebSocket::probe`]).
pub(crate) type Probe = Arc<Core>;

/// The bytes a socket has not yet written to its TCP socket.
pub(crate) fn probe_buffered(probe: &Probe) -> usize {
    probe.state().buffered()
}

/// Queues for sending if the socket is open and below its high-water mark (the reconnecting
/// socket's direct path, as the socket's own sink would take it); else gives the message back.
pub(crate) fn probe_send(probe: &Probe, message: Message) -> Result<(), Message> {
    probe.try_feed(message)
}

/// Writes what was queued to the TCP socket from the calling task (a reconnecting socket's
/// `poll_flush`).
pub(crate) fn probe_flush(probe: &Probe) {
    driver::write_through(probe);
}

/// A socket's URL, subprotocol and extensions.
pub(crate) fn probe_names(probe: &Probe) -> [String; 3] {
    let s = probe.state();
    [probe.url.clone(), s.protocol.clone(), s.extensions.clone()]
}

impl ReadHalf {
    /// Puts the two halves of one socket back together; gives them back if they belong to
    /// different sockets.
    #[allow(clippy::result_large_err)]
    pub fn reunite(self, write: WriteHalf) -> Result<WebSocket, (ReadHalf, WriteHalf)> {
        if !Arc::ptr_eq(&self.core, &write.core) {
            return Err((self, write));
        }
        Ok(WebSocket {
            core: self.core,
            closer: self.closer,
            done: self.done,
        })
    }
}

impl WriteHalf {
    /// Sends at once, without backpressure. See [`WebSocket::try_send`].
    pub fn try_send(&self, message: impl Into<Message>) -> Result<(), Error> {
        send_now(&self.core, message.into())
    }
}

/// The methods every handle of a socket shares: state, metadata, closing, events.
macro_rules! impl_control {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// The socket's state.
            pub fn ready_state(&self) -> ReadyState {
                self.core.ready_state()
            }

            /// Bytes handed to `send` and not yet written to the TCP socket (the browser's
            /// `bufferedAmount`; a server that stops reading keeps it up).
            pub fn buffered_amount(&self) -> usize {
                self.core.state().buffered()
            }

            /// The sink's high-water mark, in bytes of [`buffered_amount`](Self::buffered_amount).
            pub fn high_water_mark(&self) -> usize {
                self.core.high_water_mark
            }

            /// The URL the socket connects to, as given.
            pub fn url(&self) -> String {
                self.core.url.clone()
            }

            /// The subprotocol the server selected, or `""`.
            pub fn protocol(&self) -> String {
                self.core.state().protocol.clone()
            }

            /// The extensions the server selected, or `""`.
            pub fn extensions(&self) -> String {
                self.core.state().extensions.clone()
            }

            /// Resolves with the close event when the socket closes, for any reason (at once
            /// if it already has).
            pub fn closed(&self) -> impl Future<Output = CloseEvent> + '_ {
                poll_fn(|cx| self.core.poll_closed(cx))
            }

            /// Closes with `code` and `reason` and resolves with the close event.
            ///
            /// Checks first, without touching the socket: [`Error::InvalidCloseCode`] unless
            /// the code is 1000 or 3000..=4999, [`Error::ReasonTooLong`] over 123 UTF-8 bytes.
            /// Messages sent before it go first. On an already closing or closed socket it
            /// just waits for (or returns) the close event.
            pub async fn close_with(
                &self,
                code: impl Into<CloseCode>,
                reason: &str,
            ) -> Result<CloseEvent, Error> {
                let code = code.into();
                validate_close(code, reason)?;
                self.core.request_close(code.into(), reason);
                Ok(self.closed().await)
            }

            /// A `Stream` of the events `open`, `message`, `error` and `close` from now on.
            /// Messages are copied: the message stream still receives every one. On a socket
            /// that already closed it yields just the `Close` event.
            pub fn events(&self) -> Events {
                let feed = crate::events::Feed::new();
                self.core.subscribe(&feed);
                crate::events::Observer { feed }
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("url", &crate::redact::redact_url(&self.core.url))
                    .field("ready_state", &self.core.ready_state())
                    .field("queued", &self.core.queued())
                    .finish()
            }
        }
    )*};
}

impl_control!(WebSocket, ReadHalf, WriteHalf);
