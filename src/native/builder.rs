//! Opening a native socket: [`WebSocketBuilder`] and the [`Connect`] future.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::core::Core;
use super::{driver, transport, WebSocket};
use crate::protocol::validate_protocols;
use crate::Error;
use crate::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_BUFFERED_BYTES};

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
    transport: transport::Shared,
}

impl fmt::Debug for WebSocketBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketBuilder")
            .field("url", &crate::redact::redact_url(&self.url))
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
    /// The defaults, for `url` (see [`WebSocket::builder`]).
    pub(super) fn new(url: String) -> Self {
        WebSocketBuilder {
            url,
            protocols: Vec::new(),
            headers: Vec::new(),
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
            max_buffered_bytes: DEFAULT_MAX_BUFFERED_BYTES,
            cap_from: None,
            connect_timeout: Some(Duration::from_millis(DEFAULT_CONNECT_TIMEOUT)),
            transport: transport::Shared::default(),
        }
    }

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
    /// counts for nothing, but no one message may be larger: it is refused as its frames
    /// arrive, never held whole), the socket is closed with
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

    /// The transport the socket's byte stream comes from (TCP by default; the simulation's
    /// in-memory network).
    pub(crate) fn transport(mut self, transport: transport::Shared) -> Self {
        self.transport = transport;
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

    /// Starts connecting and returns at once, in
    /// [`ReadyState::Connecting`](crate::ReadyState::Connecting). Errors:
    /// [`Error::InvalidUrl`], [`Error::InvalidProtocol`], [`Error::NoRuntime`].
    pub fn open(self) -> Result<WebSocket, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        validate_protocols(&self.protocols)?;
        let request = driver::request(&self.url, &self.protocols, &self.headers)?;
        let core = Arc::new(Core::new(
            self.url,
            crate::machine::high_water_mark(self.high_water_mark),
            self.max_buffered_bytes,
        ));
        let open = driver::Open {
            request,
            connect_timeout: self.connect_timeout,
            receive_limit: self.cap_from.unwrap_or(self.max_buffered_bytes),
            transport: self.transport,
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
