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

mod core;
mod driver;
mod tls;

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use futures_channel::mpsc::{unbounded, UnboundedReceiver};
use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;

use self::core::Core;
use crate::close::validate_close;
use crate::protocol::validate_protocols;
use crate::{CloseCode, CloseEvent, Error, Message, ReadyState, WsEvent};
use crate::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_BUFFERED_BYTES};

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
    fn from_core(core: Arc<Core>) -> Self {
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
        WebSocketBuilder {
            url: url.into(),
            protocols: Vec::new(),
            headers: Vec::new(),
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
            max_buffered_bytes: DEFAULT_MAX_BUFFERED_BYTES,
            cap_from: None,
            connect_timeout: Some(Duration::from_millis(DEFAULT_CONNECT_TIMEOUT)),
        }
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
                let (sender, receiver) = unbounded();
                self.core.subscribe(sender);
                Events(receiver)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("url", &self.core.url)
                    .field("ready_state", &self.core.ready_state())
                    .field("queued", &self.core.queued())
                    .finish()
            }
        }
    )*};
}

impl_control!(WebSocket, ReadHalf, WriteHalf);

/// Received messages, in order. A clean close ends the stream with `None`; an unclean one
/// yields one `Err(ConnectionLost)` (or `ConnectFailed` if it never opened) first.
impl Stream for WebSocket {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.core.poll_next(&mut this.done, cx)
    }
}

impl FusedStream for WebSocket {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

/// The same stream as [`WebSocket`]'s.
impl Stream for ReadHalf {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.core.poll_next(&mut this.done, cx)
    }
}

impl FusedStream for ReadHalf {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

/// The sink of every handle: waits for the opening, then while
/// [`buffered_amount`](WebSocket::buffered_amount) is at the high-water mark; `poll_flush`
/// waits until everything was written to the TCP socket; `poll_close` closes with 1000 and
/// waits for the end.
fn poll_ready(core: &Core, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
    match core.ready_state() {
        ReadyState::Connecting => match core.poll_opened(cx) {
            Poll::Ready(Ok(())) => poll_ready(core, cx),
            Poll::Ready(Err(_)) => Poll::Ready(Err(Error::Closed)),
            Poll::Pending => Poll::Pending,
        },
        ReadyState::Open => {
            core.poll_buffer_below(cx, core.high_water_mark)
                .map(|()| match core.ready_state() {
                    ReadyState::Open => Ok(()),
                    _ => Err(Error::Closed),
                })
        }
        ReadyState::Closing | ReadyState::Closed => Poll::Ready(Err(Error::Closed)),
    }
}

/// `try_send`: queued, then written to the TCP socket from the calling task, as the browser's
/// `send()` puts the bytes on the wire at once.
fn send_now(core: &Core, message: Message) -> Result<(), Error> {
    core.queue(message, false)?;
    driver::write_through(core);
    Ok(())
}

fn poll_flush(core: &Core, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
    driver::write_through(core);
    ready!(core.poll_buffer_below(cx, 1));
    // What was still buffered when the socket ended was never sent.
    Poll::Ready(match core.state().buffered() {
        0 => Ok(()),
        _ => Err(Error::Closed),
    })
}

fn poll_close(core: &Core, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
    core.request_close(1000, "");
    core.poll_closed(cx).map(|_| Ok(()))
}

macro_rules! impl_sink {
    ($($ty:ty),*) => {$(
        impl Sink<Message> for $ty {
            type Error = Error;

            fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                poll_ready(&self.core, cx)
            }

            fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
                self.core.queue(item, true)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                poll_flush(&self.core, cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                poll_close(&self.core, cx)
            }
        }
    )*};
}

impl_sink!(WebSocket, WriteHalf);

/// A `Stream` of a socket's [`WsEvent`]s (see [`WebSocket::events`]): queued until polled, in
/// order; it ends when the socket has closed.
pub struct Events(UnboundedReceiver<WsEvent>);

impl Stream for Events {
    type Item = WsEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<WsEvent>> {
        Pin::new(&mut self.get_mut().0).poll_next(cx)
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events").finish_non_exhaustive()
    }
}

/// Options for opening a [`WebSocket`]; made by [`WebSocket::builder`].
#[derive(Clone)]
#[must_use = "a builder does nothing until `connect` or `open`"]
pub struct WebSocketBuilder {
    url: String,
    protocols: Vec<String>,
    headers: Vec<(String, String)>,
    high_water_mark: usize,
    max_buffered_bytes: usize,
    /// What the frame cap is taken from, if not `max_buffered_bytes` (a reconnecting socket's
    /// connection: its limit is kept by the socket, over every connection).
    cap_from: Option<usize>,
    connect_timeout: Option<Duration>,
}

impl fmt::Debug for WebSocketBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketBuilder")
            .field("url", &self.url)
            .field("protocols", &self.protocols)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("high_water_mark", &self.high_water_mark)
            .field("max_buffered_bytes", &self.max_buffered_bytes)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

impl WebSocketBuilder {
    /// Subprotocols to offer (`Sec-WebSocket-Protocol`), most preferred first. Each must be
    /// an RFC 7230 token, none twice ([`Error::InvalidProtocol`]).
    pub fn protocols<I, S>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// A request header for the opening handshake (`Authorization`, `Cookie`, ...): native
    /// only (a browser sends none of its caller's; there, pass a token in the URL or a
    /// subprotocol). A name or value that is not a valid header is
    /// [`Error::InvalidUrl`], naming it.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The `Sink` waits while [`buffered_amount`](WebSocket::buffered_amount) is at least
    /// this many bytes (at least 1). Default
    /// [`DEFAULT_HIGH_WATER_MARK`](crate::DEFAULT_HIGH_WATER_MARK).
    pub fn high_water_mark(mut self, bytes: usize) -> Self {
        self.high_water_mark = bytes;
        self
    }

    /// The receive limit, as in the browser: when messages waiting to be read would exceed
    /// this many bytes (text in UTF-8 bytes; a message handed at once to a waiting reader
    /// counts for nothing), the socket is closed with
    /// [`RECEIVE_OVERFLOW_CODE`](crate::RECEIVE_OVERFLOW_CODE) and the stream yields the
    /// messages that fit, then one [`Error::ReceiveOverflow`]. Default
    /// [`DEFAULT_MAX_BUFFERED_BYTES`](crate::DEFAULT_MAX_BUFFERED_BYTES).
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.max_buffered_bytes = bytes;
        self
    }

    /// The frame cap as for a receive limit of `limit` (the reconnect driver's connections,
    /// whose own limit is off: the reconnecting socket keeps it).
    pub(crate) fn frame_cap_of(mut self, limit: usize) -> Self {
        self.cap_from = Some(limit);
        self
    }

    /// Gives up with [`Error::ConnectTimeout`] if the socket is not open after `timeout`: TCP,
    /// TLS and the handshake. Default: 30 s
    /// ([`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT)).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// No connect timeout of sockwave's own: a server that accepts and never answers holds
    /// the attempt for as long as the TCP connection lives.
    pub fn no_connect_timeout(mut self) -> Self {
        self.connect_timeout = None;
        self
    }

    /// Opens the socket and resolves once it is open. Errors: [`Error::InvalidUrl`],
    /// [`Error::InvalidProtocol`], [`Error::NoRuntime`] at once; [`Error::ConnectFailed`];
    /// [`Error::ConnectTimeout`]. Dropping the future half-way lets the attempt go.
    pub fn connect(self) -> Connect {
        Connect {
            builder: Some(self),
            ws: None,
        }
    }

    /// Starts connecting and returns at once, in [`ReadyState::Connecting`]. Errors:
    /// [`Error::InvalidUrl`], [`Error::InvalidProtocol`], [`Error::NoRuntime`].
    pub fn open(self) -> Result<WebSocket, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        validate_protocols(&self.protocols)?;
        let mut request = driver::request(&self.url, &self.protocols)?;
        for (name, value) in &self.headers {
            let invalid = || Error::InvalidUrl {
                url: self.url.clone(),
                reason: format!("invalid request header {name:?}"),
            };
            let name: tokio_tungstenite::tungstenite::http::HeaderName =
                name.parse().map_err(|_| invalid())?;
            let value = value.parse().map_err(|_| invalid())?;
            request.headers_mut().append(name, value);
        }
        let core = Arc::new(Core::new(
            self.url,
            self.high_water_mark.max(1),
            self.max_buffered_bytes,
        ));
        let open = driver::Open {
            request,
            connect_timeout: self.connect_timeout,
            receive_limit: self.cap_from.unwrap_or(self.max_buffered_bytes),
        };
        runtime.spawn(driver::drive(Arc::clone(&core), open));
        Ok(WebSocket::from_core(core))
    }
}

/// The future of [`WebSocket::connect`] and [`WebSocketBuilder::connect`]: opens the socket on
/// its first poll, resolves once it is open. Dropped before it resolves, it lets the attempt go.
#[must_use = "futures do nothing unless polled"]
pub struct Connect {
    builder: Option<WebSocketBuilder>,
    ws: Option<WebSocket>,
}

impl fmt::Debug for Connect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connect")
            .field("started", &self.builder.is_none())
            .field("ws", &self.ws)
            .finish()
    }
}

impl Future for Connect {
    type Output = Result<WebSocket, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(builder) = this.builder.take() {
            this.ws = Some(builder.open()?);
        }
        let Some(ws) = &this.ws else {
            return Poll::Pending;
        };
        let result = match ws.core.poll_opened(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(result) => result,
        };
        let ws = this.ws.take().ok_or(Error::Closed);
        Poll::Ready(result.and(ws))
    }
}

/// How many browser event listeners sockwave has attached: natively there are none.
pub fn live_listeners() -> usize {
    0
}
