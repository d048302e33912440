//! Opening a socket: [`WebSocketBuilder`] (subprotocols, high-water mark, connect timeout) and
//! the [`Connect`] future that resolves once the socket is open.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::protocol::validate_protocols;
use crate::socket::{exception_text, Core};
use crate::timer::Sleep;
use crate::{Error, WebSocket, DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_BUFFERED_BYTES};

/// Opening: the constructors of [`WebSocket`] live here, next to the builder they use.
impl WebSocket {
    /// Connects to `url` with the default options and resolves once the socket is open.
    ///
    /// Errors: [`Error::InvalidUrl`] when the browser rejects the URL, [`Error::ConnectFailed`]
    /// when the socket closes before opening. See [`WebSocketBuilder::connect`].
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), sockwave::Error> {
    /// let ws = sockwave::WebSocket::connect("ws://127.0.0.1:9998/echo").await?;
    /// assert_eq!(ws.ready_state(), sockwave::ReadyState::Open);
    /// # Ok(()) }
    /// ```
    pub fn connect(url: impl Into<String>) -> Connect {
        Self::builder(url).connect()
    }

    /// Starts connecting to `url` and returns at once, in [`ReadyState::Connecting`](crate::ReadyState::Connecting), like
    /// `new WebSocket(url)`: the sink waits for `open`, the stream yields
    /// [`Error::ConnectFailed`] if it never comes.
    ///
    /// ```no_run
    /// # fn demo() -> Result<(), sockwave::Error> {
    /// let ws = sockwave::WebSocket::open("ws://127.0.0.1:9998/echo")?;
    /// assert_eq!(ws.ready_state(), sockwave::ReadyState::Connecting);
    /// # Ok(()) }
    /// ```
    pub fn open(url: impl Into<String>) -> Result<Self, Error> {
        Self::builder(url).open()
    }

    /// A builder for subprotocols, the high-water mark and a connect timeout.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), sockwave::Error> {
    /// use std::time::Duration;
    /// let ws = sockwave::WebSocket::builder("ws://127.0.0.1:9998/echo")
    ///     .protocols(["chat.v2", "chat.v1"])
    ///     .high_water_mark(1 << 20)
    ///     .connect_timeout(Duration::from_secs(5))
    ///     .connect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn builder(url: impl Into<String>) -> WebSocketBuilder {
        WebSocketBuilder {
            url: url.into(),
            protocols: Vec::new(),
            construct: construct_plain,
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
            max_buffered_bytes: DEFAULT_MAX_BUFFERED_BYTES,
            connect_timeout_ms: Some(crate::machine::DEFAULT_CONNECT_TIMEOUT as u32),
        }
    }
}

/// Options for opening a [`WebSocket`]; made by [`WebSocket::builder`].
#[derive(Clone)]
#[must_use = "a builder does nothing until `connect` or `open`"]
pub struct WebSocketBuilder {
    url: String,
    protocols: Vec<String>,
    /// Makes the browser socket: [`construct_plain`] until [`protocols`](Self::protocols)
    /// installs [`construct_with_protocols`], so apps that offer none never link that path.
    construct: fn(String, &[String]) -> Result<web_sys::WebSocket, Error>,
    high_water_mark: usize,
    max_buffered_bytes: usize,
    /// In milliseconds, converted by the setter: apps without a timeout link no conversion.
    connect_timeout_ms: Option<u32>,
}

impl fmt::Debug for WebSocketBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketBuilder")
            .field("url", &crate::redact::redact_url(&self.url))
            .field("protocols", &self.protocols)
            .field("high_water_mark", &self.high_water_mark)
            .field("max_buffered_bytes", &self.max_buffered_bytes)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .finish()
    }
}

impl WebSocketBuilder {
    /// Subprotocols to offer (`Sec-WebSocket-Protocol`), most preferred first, each passed to
    /// the browser as its own entry. Each must be an RFC 7230 token, none twice
    /// ([`Error::InvalidProtocol`]).
    pub fn protocols<I, S>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.protocols = protocols.into_iter().map(Into::into).collect();
        self.construct = construct_with_protocols;
        self
    }

    /// The sink's backpressure limit: `poll_ready` waits while `bufferedAmount` is at least
    /// this many bytes. Default [`DEFAULT_HIGH_WATER_MARK`] (8 MiB); 0 counts as 1.
    pub fn high_water_mark(mut self, bytes: usize) -> Self {
        self.high_water_mark = bytes;
        self
    }

    /// The receive limit: when messages waiting to be read would exceed this many bytes
    /// (binary in bytes, text in UTF-8 bytes), the socket is closed with
    /// [`RECEIVE_OVERFLOW_CODE`](crate::RECEIVE_OVERFLOW_CODE) and the stream yields the
    /// messages that fit, in order, then one [`Error::ReceiveOverflow`], then ends. What waits
    /// to be read never passes the limit, whatever the sender does; a message that arrives
    /// while the stream's reader waits and nothing is queued is handed over at once and counts
    /// for nothing (it never waits: a reader that keeps up is never cut off), but no one
    /// message may be larger than the limit. Default
    /// [`DEFAULT_MAX_BUFFERED_BYTES`](crate::DEFAULT_MAX_BUFFERED_BYTES) (64 MiB);
    /// `usize::MAX` for none.
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.max_buffered_bytes = bytes;
        self
    }

    /// Gives up on [`connect`](Self::connect) with [`Error::ConnectTimeout`] if the socket is not
    /// open after `timeout` (a gloo-timers timeout, cleared once settled). Default: 30 s
    /// ([`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT)).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout_ms = Some(crate::timer::millis(timeout));
        self
    }

    /// Waits for the socket to open as long as the browser does (Firefox gives up after 20 s,
    /// Chromium after 240 s): no connect timeout of sockwave's own.
    pub fn no_connect_timeout(mut self) -> Self {
        self.connect_timeout_ms = None;
        self
    }

    /// Opens the socket (on the future's first poll) and resolves once it is open.
    ///
    /// Errors: [`Error::InvalidUrl`] or [`Error::InvalidProtocol`] at once;
    /// [`Error::ConnectFailed`] if the socket closes before opening (nothing listening,
    /// handshake refused); [`Error::ConnectTimeout`]. Dropping the future half-way closes the
    /// attempt and detaches every listener.
    pub fn connect(self) -> Connect {
        Connect {
            builder: Some(self),
            ws: None,
            timeout: None,
        }
    }

    /// Starts connecting and returns at once, in [`ReadyState::Connecting`](crate::ReadyState::Connecting); see
    /// [`WebSocket::open`]. Errors: [`Error::InvalidUrl`], [`Error::InvalidProtocol`].
    pub fn open(self) -> Result<WebSocket, Error> {
        let raw = (self.construct)(self.url, &self.protocols)?;
        Ok(WebSocket::from_core(Core::new(
            raw,
            crate::machine::high_water_mark(self.high_water_mark),
            self.max_buffered_bytes,
        )))
    }
}

/// `new WebSocket(url)`.
fn construct_plain(url: String, _: &[String]) -> Result<web_sys::WebSocket, Error> {
    web_sys::WebSocket::new(&url).map_err(|e| invalid_url(url, &e))
}

/// `new WebSocket(url, protocols)`, after checking the protocols.
fn construct_with_protocols(
    url: String,
    protocols: &[String],
) -> Result<web_sys::WebSocket, Error> {
    validate_protocols(protocols)?;
    let list: js_sys::Array = protocols
        .iter()
        .map(|p| wasm_bindgen::JsValue::from_str(p))
        .collect();
    web_sys::WebSocket::new_with_str_sequence(&url, &list).map_err(|e| invalid_url(url, &e))
}

/// The browser's constructor threw: the URL (or, with protocols, the list) is unusable. (The
/// error's texts leave the URL's secrets out, where the browser's message quotes it too: at
/// display time, so that an app that never prints an error links none of it.)
fn invalid_url(url: String, exception: &wasm_bindgen::JsValue) -> Error {
    // Concatenated by hand: `format!` would pull the formatting machinery into every app.
    let (mut reason, message) = exception_text(exception);
    reason.push_str(": ");
    reason.push_str(&message);
    Error::InvalidUrl { url, reason }
}

/// The future of [`WebSocket::connect`] and [`WebSocketBuilder::connect`]: opens the socket on
/// its first poll, resolves once `open` fires.
///
/// A named type with a non-generic `poll`, so awaiting it adds little code to the caller's
/// future. Dropped before it resolves, it closes the attempt.
#[must_use = "futures do nothing unless polled"]
pub struct Connect {
    builder: Option<WebSocketBuilder>,
    ws: Option<WebSocket>,
    timeout: Option<Sleep>,
}

impl fmt::Debug for Connect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connect")
            .field("started", &self.builder.is_none())
            .field("ws", &self.ws)
            .finish()
    }
}

impl Connect {
    fn poll_connect(&mut self, cx: &mut Context<'_>) -> Poll<Result<WebSocket, Error>> {
        if let Some(builder) = self.builder.take() {
            self.timeout = builder.connect_timeout_ms.map(Sleep::new);
            self.ws = Some(builder.open()?);
        }
        // Polled again after it resolved: nothing more will come.
        let Some(ws) = &self.ws else {
            return Poll::Pending;
        };
        let result = match ws.core.poll_opened(cx) {
            Poll::Ready(result) => result,
            Poll::Pending => match self.timeout.as_mut().map(|t| Pin::new(t).poll(cx)) {
                Some(Poll::Ready(())) => Err(Error::ConnectTimeout),
                _ => return Poll::Pending,
            },
        };
        self.timeout = None;
        // `ws` is always there; a failed attempt is dropped here, which detaches its listeners.
        let ws = self.ws.take().ok_or(Error::Closed);
        Poll::Ready(result.and(ws))
    }
}

impl Future for Connect {
    type Output = Result<WebSocket, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().poll_connect(cx)
    }
}
