//! The reconnecting socket's handle: its `Stream`, `Sink` and controls over the state it
//! shares with its driver task (`driver.rs`).

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;

use super::driver;
use super::shared::{poll_finished, Config, Shared};
use super::ConnectionState;

use crate::close::validate_close;
use crate::events::{Feed, Observer};
use crate::face::{probe_buffered, probe_names, Probe};
use crate::machine::{Input, Route};
#[cfg(not(target_family = "wasm"))]
use crate::platform::LockExt;
use crate::platform::{Lock, Ptr, WasmNotSend};
use crate::{CloseCode, CloseEvent, Error, Message};

/// A WebSocket that reconnects by itself, with a send queue that survives disconnections.
/// Made by [`ReconnectingWebSocket::builder`]; see the [module docs](crate::reconnect).
///
/// Dropping it closes the current connection (1000) and stops the driver: no attempt, no
/// timer, no listener is left behind.
pub struct ReconnectingWebSocket {
    pub(super) shared: Ptr<Lock<Shared>>,
    /// To start the driver again after the socket gave up (`reconnect()`).
    pub(super) config: Config,
    pub(super) ended: bool,
}

impl ReconnectingWebSocket {
    /// The current state.
    pub fn state(&self) -> ConnectionState {
        self.shared.borrow().state().clone()
    }

    /// A `Stream` of [`ConnectionState`]s: the current one first, then every change, ending
    /// when the socket is closed for good (after `close()`'s [`ConnectionState::Closed`], or
    /// the drop). A socket that gave up reports `Closed` and the stream goes on: a
    /// [`reconnect()`](Self::reconnect) may start it over.
    pub fn states(&self) -> States {
        let feed = Feed::new();
        self.shared.borrow_mut().observe(&feed);
        Observer { feed }
    }

    /// Messages accepted by the sink and not yet handed to a connection.
    pub fn queued(&self) -> usize {
        self.shared.borrow().queued()
    }

    /// The sequence number the next message accepted by the sink will have (the numbers of
    /// [`InFlight`](crate::reconnect::InFlight)): calls (`rpc`) match in-flight reports to
    /// their requests with it.
    #[cfg(feature = "jsonrpc")]
    pub(crate) fn next_seq(&self) -> u64 {
        self.shared.borrow().next_seq()
    }

    fn current<T: Default>(&self, f: impl FnOnce(&Probe) -> T) -> T {
        self.shared.borrow().current().map(f).unwrap_or_default()
    }

    /// The open connection's `bufferedAmount` (0 while disconnected).
    pub fn buffered_amount(&self) -> usize {
        self.current(probe_buffered)
    }

    /// The open connection's URL ("" while disconnected).
    pub fn url(&self) -> String {
        self.current(|p| probe_names(p)[0].clone())
    }

    /// The subprotocol the open connection's server selected ("" while disconnected).
    pub fn protocol(&self) -> String {
        self.current(|p| probe_names(p)[1].clone())
    }

    /// The extensions the open connection's server selected ("" while disconnected).
    pub fn extensions(&self) -> String {
        self.current(|p| probe_names(p)[2].clone())
    }

    /// Tells the socket the network went away (`false`) or came back (`true`): no attempt
    /// while offline, one at once when it is back. In the browser the page's `offline` and
    /// `online` events already do this; natively, where the OS has no such event for a
    /// process, call it from the app's own network monitoring.
    pub fn set_online(&self, online: bool) {
        let input = if online {
            Input::Online
        } else {
            Input::Offline
        };
        Shared::update(&self.shared, |s| s.feed(input));
    }

    /// Tells the socket the device woke from sleep: with a heartbeat, the connection is
    /// probed at once rather than at the next interval. In a page the browser's `resume` and
    /// `visibilitychange` events already do this; natively, call it on the OS's wake event.
    pub fn resumed(&self) {
        Shared::update(&self.shared, |s| s.feed(Input::Resumed));
    }

    /// Stops reconnecting for good: closes the current connection with `code` and `reason`
    /// (checked first, like [`WebSocket::close_with`](crate::WebSocket::close_with)), or
    /// cancels the pending attempt or backoff delay; resolves with the final close event.
    /// Messages still queued are handed to an open connection before its close frame; while
    /// no connection is open they are not sent.
    pub async fn close_with(
        &self,
        code: impl Into<CloseCode>,
        reason: &str,
    ) -> Result<CloseEvent, Error> {
        self.close_handle(code.into(), reason)?.await
    }

    /// An attempt now: drops the open connection (closing it with 1000, `"reconnect"`; what
    /// was in flight is reported in [`ConnectionState::Disconnected`] as for any loss) or cuts
    /// the backoff delay short, and connects at once with the backoff reset. While an attempt
    /// is already under way it changes nothing.
    ///
    /// After the socket gave up ([`Error::RetriesExhausted`] or [`Error::ReconnectRefused`]),
    /// it starts over: the stream, which yielded that error and ended, yields messages again
    /// (so it is not fused across a `reconnect()`), and waits as the network and the page say:
    /// a socket that gave up keeps listening to them until it is closed or dropped. After
    /// [`close_with`](Self::close_with) or a drop nothing reconnects: [`Error::Closed`].
    ///
    /// ```no_run
    /// # fn demo(ws: &sockwave::reconnect::ReconnectingWebSocket) -> Result<(), sockwave::Error> {
    /// // The app knows better than the backoff: the network is back.
    /// ws.reconnect()?;
    /// # Ok(()) }
    /// ```
    pub fn reconnect(&self) -> Result<(), Error> {
        let mut shared = self.shared.borrow_mut();
        let wake = shared.reconnect()?;
        let running = shared.running();
        drop(shared);
        if running {
            wake.wake();
        } else {
            // Its driver never ran: built outside a tokio runtime.
            driver::start(&self.shared, self.config.clone());
        }
        Ok(())
    }

    /// Closes now (checked already), without waiting: `Detached`'s.
    pub(crate) fn request_close_now(&self, code: u16, reason: &str) {
        Shared::update(&self.shared, |s| s.request_close(code, reason));
    }

    /// How the socket stopped, once it did.
    pub(crate) fn final_close(&self) -> Option<CloseEvent> {
        self.shared.borrow().final_close().cloned()
    }

    /// Requests the close now; the future (which holds no borrow of `self`) waits for the end.
    pub(crate) fn close_handle(
        &self,
        code: CloseCode,
        reason: &str,
    ) -> Result<impl Future<Output = Result<CloseEvent, Error>> + WasmNotSend + 'static, Error>
    {
        validate_close(code, reason)?;
        Shared::update(&self.shared, |s| s.request_close(code.into(), reason));
        let shared = Ptr::clone(&self.shared);
        Ok(async move { Ok(poll_fn(|cx| poll_finished(&shared, cx)).await) })
    }

    pub(crate) fn poll_finished(&self, cx: &Context<'_>) -> Poll<CloseEvent> {
        poll_finished(&self.shared, cx)
    }
}

impl Drop for ReconnectingWebSocket {
    fn drop(&mut self) {
        Shared::update(&self.shared, |s| s.request_close(1000, ""));
    }
}

impl fmt::Debug for ReconnectingWebSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = self.shared.borrow();
        f.debug_struct("ReconnectingWebSocket")
            .field("state", shared.state())
            .field("queued", &shared.queued())
            .field("received", &shared.received())
            .finish()
    }
}

/// Messages from every connection, in order. Ends with `None` after `close()`; after a
/// refused reconnection or exhausted retries, yields that error once first.
impl Stream for ReconnectingWebSocket {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let mut shared = this.shared.borrow_mut();
        // After the end, an item comes only from a socket that `reconnect()` started over (it
        // may have given up again since: that error is yielded too).
        if let Some(item) = shared.take_received() {
            this.ended = false;
            return Poll::Ready(Some(item));
        }
        if shared.finished() {
            this.ended = true;
            return Poll::Ready(None);
        }
        this.ended = false;
        shared.wait_for_message(cx);
        Poll::Pending
    }
}

impl FusedStream for ReconnectingWebSocket {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}

/// Queues messages; the driver hands them to the current connection in order.
///
/// `poll_ready`: ready while the queue has room; when it is full, waits while connected (the
/// connection's own backpressure drains it) and fails with [`Error::QueueFull`] while
/// disconnected. `poll_flush` waits, while connected, until the queue is empty (see below).
/// `poll_close` is `close_with(1000, "")`. After the end, [`Error::Closed`].
impl Sink<Message> for ReconnectingWebSocket {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut shared = self.shared.borrow_mut();
        match shared.route() {
            Route::Closed => Poll::Ready(Err(Error::Closed)),
            Route::Hold { limit } | Route::Flow { limit } if shared.queued() < limit => {
                Poll::Ready(Ok(()))
            }
            Route::Flow { .. } => {
                shared.wait_for_writers(cx);
                Poll::Pending
            }
            Route::Hold { limit } => Poll::Ready(Err(Error::QueueFull { limit })),
        }
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        let mut shared = self.shared.borrow_mut();
        match shared.route() {
            Route::Closed => return Err(Error::Closed),
            Route::Hold { limit } | Route::Flow { limit } if shared.queued() >= limit => {
                return Err(Error::QueueFull { limit })
            }
            _ => {}
        }
        // The direct path: with nothing queued before it, to the open connection at once, as
        // the driver would (one task hop less per message; the JS shell does the same).
        let Err(message) = shared.send_direct(message) else {
            return Ok(());
        };
        let wake = shared.queue(message);
        drop(shared);
        wake.wake();
        Ok(())
    }

    /// While open: waits until every queued message was handed to the browser (as its
    /// high-water mark allows). While disconnected: done at once, the messages wait in the
    /// queue for the next connection ([`queued`](Self::queued) tells how many; past the queue
    /// limit `send` fails with [`Error::QueueFull`]), so a `send(..).await` never waits for a
    /// reconnection: the npm package's `send()` on a reconnecting socket resolves the same way.
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut shared = self.shared.borrow_mut();
        match shared.route() {
            _ if shared.queued() == 0 => {
                shared.flush_current();
                Poll::Ready(Ok(()))
            }
            Route::Hold { .. } => Poll::Ready(Ok(())),
            Route::Closed => Poll::Ready(Err(Error::Closed)),
            Route::Flow { .. } => {
                shared.wait_for_writers(cx);
                Poll::Pending
            }
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Shared::update(&self.shared, |s| s.request_close(1000, ""));
        self.poll_finished(cx).map(|_| Ok(()))
    }
}

/// The [`ConnectionState`] stream of a [`ReconnectingWebSocket`]: the current state first,
/// then every change, ending when the socket is closed for good (see
/// [`ReconnectingWebSocket::states`]).
pub type States = Observer<ConnectionState>;
