//! The public handles: [`WebSocket`] and its split halves, with their `Stream` and `Sink`
//! impls (the logic behind them is in `stream.rs` and `sink.rs`). Opening one: `connect.rs`.

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;

use crate::close::validate_close;
use crate::events::Events;
use crate::sink::Writer;
use crate::socket::{browser_error, Core};
use crate::stream::Reader;
use crate::{CloseCode, CloseEvent, Error, Message, ReadyState};

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
    /// Wraps a freshly made core (see `connect.rs`).
    pub(crate) fn from_core(core: Rc<Core>) -> Self {
        WebSocket {
            core,
            reader: Reader::default(),
            writer: Writer::default(),
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

    /// How the socket ended, once it did (the reconnect driver's report).
    pub(crate) fn close_event(&self) -> Option<CloseEvent> {
        self.core.close_event()
    }

    /// Hands every message from now on to `tap` as it arrives (the reconnect driver's, or
    /// `Detached`'s); false while messages wait to be read or observers watch.
    pub(crate) fn set_tap(&self, tap: crate::inbox::Tap) -> bool {
        self.core.inbox().set_tap(tap)
    }

    /// What received messages waiting to be read may count, at most (`max_buffered_bytes`).
    pub(crate) fn receive_limit(&self) -> usize {
        self.core.inbox().receive_limit()
    }

    /// Ready with the close event once the socket ended.
    pub(crate) fn poll_closed(&self, cx: &Context<'_>) -> Poll<CloseEvent> {
        self.core.poll_closed(cx)
    }

    /// Closes now, without checks or waiting (the reconnect driver's, after the machine's).
    pub(crate) fn close_now(&self, code: u16, reason: &str) {
        let _ = self.core.raw().close_with_code_and_reason(code, reason);
    }

    /// What reads this socket's `bufferedAmount` for the reconnect driver's tally.
    pub(crate) fn probe(&self) -> Probe {
        Rc::clone(&self.core)
    }
}

/// Reads a socket's `bufferedAmount` (see [`WebSocket::probe`]).
pub(crate) type Probe = Rc<Core>;

/// The bytes a socket has not yet sent.
pub(crate) fn probe_buffered(probe: &Probe) -> usize {
    probe.read_buffered()
}

/// Sends at once if the socket is open and below its high-water mark (the reconnecting
/// socket's direct path, what the socket's own sink would do without waiting); else gives the
/// message back.
pub(crate) fn probe_send(probe: &Probe, message: Message) -> Result<(), Message> {
    let hwm = probe.high_water_mark();
    if !(probe.surely_below(hwm) || probe.read_buffered() < hwm) {
        return Err(message);
    }
    probe.send_now(&message).map_err(|_| message)
}

/// Nothing: a browser socket sends what it is given without being asked to flush.
pub(crate) fn probe_flush(_: &Probe) {}

/// A socket's URL, subprotocol and extensions.
pub(crate) fn probe_names(probe: &Probe) -> [String; 3] {
    let raw = probe.raw();
    [raw.url(), raw.protocol(), raw.extensions()]
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
                self.core.high_water_mark()
            }

            /// The absolute URL the socket connected to
            /// ([MDN](https://developer.mozilla.org/docs/Web/API/WebSocket/url)).
            pub fn url(&self) -> String {
                self.core.raw().url()
            }

            /// The subprotocol the server selected, or `""`
            /// ([MDN](https://developer.mozilla.org/docs/Web/API/WebSocket/protocol)).
            pub fn protocol(&self) -> String {
                self.core.raw().protocol()
            }

            /// The extensions the server selected, e.g. `permessage-deflate`
            /// ([MDN](https://developer.mozilla.org/docs/Web/API/WebSocket/extensions)).
            pub fn extensions(&self) -> String {
                self.core.raw().extensions()
            }

            /// The underlying `web_sys::WebSocket`. Add listeners with `addEventListener` (the
            /// `on*` properties are free too); changing `binaryType` or calling `close` behind
            /// sockwave's back is yours to answer for.
            pub fn as_raw(&self) -> &web_sys::WebSocket {
                self.core.raw()
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
                    .raw()
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
                    .field("url", &crate::redact::redact_url(&self.core.raw().url()))
                    .field("ready_state", &self.core.ready_state())
                    .field("queued", &self.core.inbox().queued())
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
        this.reader.poll_next(&this.core, cx)
    }
}

impl FusedStream for WebSocket {
    fn is_terminated(&self) -> bool {
        self.reader.is_done()
    }
}

/// The same stream as [`WebSocket`]'s.
impl Stream for ReadHalf {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.reader.poll_next(&this.core, cx)
    }
}

impl FusedStream for ReadHalf {
    fn is_terminated(&self) -> bool {
        self.reader.is_done()
    }
}

/// Sends messages with backpressure: `poll_ready` waits for `open`, then while
/// `bufferedAmount` is at or above the high-water mark; `poll_flush` waits until
/// `bufferedAmount` is 0; `poll_close` closes with 1000 and waits for the `close` event.
/// Once the socket is closing or closed, sending fails with [`Error::Closed`].
impl Sink<Message> for WebSocket {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.writer.poll_ready(&this.core, cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        self.core.send_now(&item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.writer.poll_flush(&this.core, cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.writer.poll_close(&this.core, cx)
    }
}

/// The same sink as [`WebSocket`]'s.
impl Sink<Message> for WriteHalf {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.writer.poll_ready(&this.core, cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        self.core.send_now(&item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.writer.poll_flush(&this.core, cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.writer.poll_close(&this.core, cx)
    }
}
