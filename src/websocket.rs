//! The public handles: [`WebSocket`], its split halves, and the builder that opens it.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::close::validate_close;
use crate::events::Events;
use crate::protocol::validate_protocols;
use crate::sink::Writer;
use crate::socket::{browser_error, exception_text, Core};
use crate::stream::Reader;
use crate::timer::Sleep;
use crate::{CloseCode, CloseEvent, Error, Message, ReadyState};

/// The default high-water mark of the sink: 8 MiB of `bufferedAmount` (enough for a window of
/// eight 1 MiB messages without a pause; memory stays bounded).
pub const DEFAULT_HIGH_WATER_MARK: usize = 8 << 20;

/// A browser WebSocket as a `Stream` of received messages and a `Sink` of messages to send.
///
/// Get one with [`WebSocket::connect`] (resolves once open) or [`WebSocket::builder`].
/// Dropping the last handle (this, or both halves after [`split`](WebSocket::split)) closes the
/// socket with 1000 and detaches every listener.
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
    pub(crate) core: Rc<Core>,
    pub(crate) reader: Reader,
    pub(crate) writer: Writer,
}

/// The receiving half of a [`WebSocket`]: a `Stream` of messages, movable into its own task.
pub struct ReadHalf {
    pub(crate) core: Rc<Core>,
    pub(crate) reader: Reader,
}

/// The sending half of a [`WebSocket`]: a `Sink` of messages, movable into its own task.
pub struct WriteHalf {
    pub(crate) core: Rc<Core>,
    pub(crate) writer: Writer,
}

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

    /// Starts connecting to `url` and returns at once, in [`ReadyState::Connecting`], like
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
            connect_timeout: None,
        }
    }

    /// Resolves once the socket is open; [`Error::ConnectFailed`] if it closed before opening.
    /// Useful after [`WebSocket::open`].
    pub async fn opened(&self) -> Result<(), Error> {
        poll_fn(|cx| self.core.poll_opened(cx)).await
    }

    /// Splits the socket into a [`WriteHalf`] (`Sink`) and a [`ReadHalf`] (`Stream`), each of
    /// which can move into its own `spawn_local` task. The socket stays open until both are
    /// dropped.
    pub fn split(self) -> (WriteHalf, ReadHalf) {
        let WebSocket {
            core,
            reader,
            writer,
        } = self;
        let write = WriteHalf {
            core: Rc::clone(&core),
            writer,
        };
        (write, ReadHalf { core, reader })
    }

    /// Sends at once, without waiting for the buffer to drain (no backpressure), like the
    /// browser's `send()` but with errors: [`Error::NotOpen`] while connecting,
    /// [`Error::Closed`] once closing or closed.
    pub fn try_send(&self, message: impl Into<Message>) -> Result<(), Error> {
        self.core.send_now(&message.into())
    }
}

impl ReadHalf {
    /// Puts the two halves of one socket back together; gives them back if they belong to
    /// different sockets.
    #[allow(clippy::result_large_err)]
    pub fn reunite(self, write: WriteHalf) -> Result<WebSocket, (ReadHalf, WriteHalf)> {
        if !Rc::ptr_eq(&self.core, &write.core) {
            return Err((self, write));
        }
        drop(write.core);
        Ok(WebSocket {
            core: self.core,
            reader: self.reader,
            writer: write.writer,
        })
    }
}

impl WriteHalf {
    /// Sends at once, without backpressure. See [`WebSocket::try_send`].
    pub fn try_send(&self, message: impl Into<Message>) -> Result<(), Error> {
        self.core.send_now(&message.into())
    }
}

/// The methods every handle of a socket shares: state, metadata, closing, events.
macro_rules! impl_control {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// The socket's state ([MDN](https://developer.mozilla.org/docs/Web/API/WebSocket/readyState)).
            pub fn ready_state(&self) -> ReadyState {
                self.core.ready_state()
            }

            /// Bytes queued by `send` but not yet sent on the network
            /// ([MDN](https://developer.mozilla.org/docs/Web/API/WebSocket/bufferedAmount)).
            pub fn buffered_amount(&self) -> usize {
                self.core.read_buffered()
            }

            /// The sink's high-water mark, in bytes of `bufferedAmount`.
            pub fn high_water_mark(&self) -> usize {
                self.core.high_water_mark
            }

            /// The absolute URL the socket connected to
            /// ([MDN](https://developer.mozilla.org/docs/Web/API/WebSocket/url)).
            pub fn url(&self) -> String {
                self.core.raw.url()
            }

            /// The subprotocol the server selected, or `""`
            /// ([MDN](https://developer.mozilla.org/docs/Web/API/WebSocket/protocol)).
            pub fn protocol(&self) -> String {
                self.core.raw.protocol()
            }

            /// The extensions the server selected, e.g. `permessage-deflate`
            /// ([MDN](https://developer.mozilla.org/docs/Web/API/WebSocket/extensions)).
            pub fn extensions(&self) -> String {
                self.core.raw.extensions()
            }

            /// The underlying `web_sys::WebSocket`. Add listeners with `addEventListener` (the
            /// `on*` properties are free too); changing `binaryType` or calling `close` behind
            /// sockwave's back is yours to answer for.
            pub fn as_raw(&self) -> &web_sys::WebSocket {
                &self.core.raw
            }

            /// Resolves with the close event when the socket closes, for any reason
            /// (at once if it already has).
            pub fn closed(&self) -> impl Future<Output = CloseEvent> + '_ {
                poll_fn(|cx| self.core.poll_closed(cx))
            }

            /// Closes with `code` and `reason` and resolves with the close event.
            ///
            /// Checks first, without touching the socket: [`Error::InvalidCloseCode`] unless the
            /// code is 1000 or 3000..=4999, [`Error::ReasonTooLong`] over 123 UTF-8 bytes. On an
            /// already closing or closed socket it just waits for (or returns) the close event.
            /// ([MDN](https://developer.mozilla.org/docs/Web/API/WebSocket/close))
            pub async fn close_with(
                &self,
                code: impl Into<CloseCode>,
                reason: &str,
            ) -> Result<CloseEvent, Error> {
                let code = code.into();
                validate_close(code, reason)?;
                self.core
                    .raw
                    .close_with_code_and_reason(code.into(), reason)
                    .map_err(browser_error)?;
                Ok(self.closed().await)
            }

            /// A `Stream` of the browser events `open`, `message`, `error` and `close` from now
            /// on. Messages are copied: the message stream still receives every one. On a
            /// socket that already closed it yields just the `Close` event.
            pub fn events(&self) -> Events {
                self.core.events(false)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("url", &self.core.raw.url())
                    .field("ready_state", &self.core.ready_state())
                    .field("queued", &self.core.inbox.borrow().queue.len())
                    .finish()
            }
        }
    )*};
}

impl_control!(WebSocket, ReadHalf, WriteHalf);

/// Options for opening a [`WebSocket`]; made by [`WebSocket::builder`].
#[derive(Clone)]
#[must_use = "a builder does nothing until `connect` or `open`"]
pub struct WebSocketBuilder {
    url: String,
    protocols: Vec<String>,
    /// Makes the browser socket: [`construct_plain`] until [`protocols`](Self::protocols)
    /// installs [`construct_with_protocols`], so apps that offer none never link that path.
    construct: fn(&str, &[String]) -> Result<web_sys::WebSocket, Error>,
    high_water_mark: usize,
    connect_timeout: Option<Duration>,
}

impl fmt::Debug for WebSocketBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebSocketBuilder")
            .field("url", &self.url)
            .field("protocols", &self.protocols)
            .field("high_water_mark", &self.high_water_mark)
            .field("connect_timeout", &self.connect_timeout)
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

    /// Gives up on [`connect`](Self::connect) with [`Error::ConnectTimeout`] if the socket is not
    /// open after `timeout` (a gloo-timers timeout, cleared once settled). Default: none, the
    /// browser decides.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
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

    /// Starts connecting and returns at once, in [`ReadyState::Connecting`]; see
    /// [`WebSocket::open`]. Errors: [`Error::InvalidUrl`], [`Error::InvalidProtocol`].
    pub fn open(self) -> Result<WebSocket, Error> {
        let raw = (self.construct)(&self.url, &self.protocols)?;
        Ok(WebSocket {
            core: Core::new(raw, self.high_water_mark.max(1)),
            reader: Reader::default(),
            writer: Writer::default(),
        })
    }
}

/// `new WebSocket(url)`.
fn construct_plain(url: &str, _: &[String]) -> Result<web_sys::WebSocket, Error> {
    web_sys::WebSocket::new(url).map_err(|e| invalid_url(url, &e))
}

/// `new WebSocket(url, protocols)`, after checking the protocols.
fn construct_with_protocols(url: &str, protocols: &[String]) -> Result<web_sys::WebSocket, Error> {
    validate_protocols(protocols)?;
    let list: js_sys::Array = protocols
        .iter()
        .map(|p| wasm_bindgen::JsValue::from_str(p))
        .collect();
    web_sys::WebSocket::new_with_str_sequence(url, &list).map_err(|e| invalid_url(url, &e))
}

/// The browser's constructor threw: the URL (or, with protocols, the list) is unusable.
fn invalid_url(url: &str, exception: &wasm_bindgen::JsValue) -> Error {
    // Concatenated by hand: `format!` would pull the formatting machinery into every app.
    let (mut reason, message) = exception_text(exception);
    reason.push_str(": ");
    reason.push_str(&message);
    Error::InvalidUrl {
        url: url.to_owned(),
        reason,
    }
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
            self.timeout = builder.connect_timeout.map(Sleep::after);
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
