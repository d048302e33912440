//! A socket that comes back by itself: reconnection with backoff, a send queue that survives
//! disconnections, heartbeats and idle timeouts.
//!
//! One `Stream` of messages across connections, one `Sink` that queues while disconnected and
//! flushes the queue in order on reopen. A driver task (`spawn_local`) owns the current
//! [`WebSocket`](crate::WebSocket); the handle and the driver share a small state.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sockwave::Error> {
//! use std::time::Duration;
//! use futures::{SinkExt, StreamExt};
//! use sockwave::{Message, CloseEvent};
//! use sockwave::reconnect::{Backoff, ConnectionState, ReconnectingWebSocket};
//!
//! let ms = Duration::from_millis;
//! let mut ws = ReconnectingWebSocket::builder("ws://127.0.0.1:9998/echo")
//!     .backoff(Backoff::exponential(ms(250), ms(10_000)).factor(2.0).full_jitter())
//!     .max_retries(Some(20))
//!     .should_reconnect(|ev: &CloseEvent| ev.code != 4401)
//!     .queue_limit(1024)
//!     .heartbeat(ms(15_000), ms(5_000), Message::text("ping"), |m: &Message| m.as_text() == Some("pong"))
//!     .build();
//! let mut states = ws.states();
//! ws.send(Message::text("hello")).await?;   // queued if disconnected, Err(QueueFull) when full
//! while let Some(message) = ws.next().await {
//!     println!("{:?}", message?);
//! }
//! # Ok(()) }
//! ```

mod backoff;
mod driver;
mod environment;
mod state;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;

pub use backoff::Backoff;
pub use state::{ConnectionState, InFlight, HEARTBEAT_TIMEOUT_CODE, IDLE_TIMEOUT_CODE};

use crate::close::validate_close;
use crate::events::{Feed, Observer};
use crate::socket::Core;
use crate::wake::{Wake, WakerSet, WakerSlot};
use crate::{CloseCode, CloseEvent, Error, Message, DEFAULT_HIGH_WATER_MARK};

/// The default number of messages held while disconnected.
pub const DEFAULT_QUEUE_LIMIT: usize = 1024;

type UrlProvider = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = String>>>>;

/// Application-level keepalive: browsers cannot send protocol pings.
#[derive(Clone)]
pub(crate) struct Heartbeat {
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
    pub(crate) ping: Message,
    pub(crate) is_pong: Rc<dyn Fn(&Message) -> bool>,
}

/// Everything the driver needs to (re)connect.
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) url: UrlProvider,
    pub(crate) protocols: Vec<String>,
    pub(crate) high_water_mark: usize,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) backoff: Backoff,
    pub(crate) max_retries: Option<u32>,
    pub(crate) should_reconnect: Rc<dyn Fn(&CloseEvent) -> bool>,
    pub(crate) heartbeat: Option<Heartbeat>,
    pub(crate) idle_timeout: Option<Duration>,
    pub(crate) max_buffered_bytes: usize,
}

/// State shared by the handle (user side) and the driver task.
pub(crate) struct Shared {
    /// Accepted by the sink, not yet handed to a socket: `(sequence number, message)`.
    pub(crate) outgoing: VecDeque<(u64, Message)>,
    next_seq: u64,
    queue_limit: usize,
    /// Received, not yet taken by the stream (and the final error, if any).
    pub(crate) incoming: VecDeque<Result<Message, Error>>,
    /// Bytes of the messages in `incoming`.
    pub(crate) incoming_bytes: usize,
    pub(crate) state: ConnectionState,
    /// Set by `close`: the driver closes with it and stops.
    pub(crate) close_request: Option<(u16, String)>,
    /// Set by `reconnect()`: the driver drops the open connection or skips the backoff delay,
    /// and attempts at once.
    pub(crate) reconnect_request: bool,
    /// What the driver was started with, to start it again after it gave up (`reconnect()`).
    config: Config,
    /// What the page or worker said (offline, back from sleep): see `environment.rs`.
    pub(crate) signals: environment::Signals,
    /// The driver has stopped; `final_close` says how.
    pub(crate) finished: bool,
    pub(crate) final_close: Option<CloseEvent>,
    reader: WakerSlot,
    /// User tasks waiting for queue space, a flush, or the end.
    writers: WakerSet,
    /// The driver, waiting for messages to send or a close request.
    pub(crate) driver: WakerSlot,
    subscribers: Vec<Weak<RefCell<Feed<ConnectionState>>>>,
    /// The open connection's socket, for its metadata.
    pub(crate) current: Option<Rc<Core>>,
}

impl Shared {
    /// Changes the state with `f`, then wakes the tasks `f` says the change concerns, once
    /// the borrow has ended (`wake.rs`).
    pub(crate) fn update(shared: &RefCell<Shared>, f: impl FnOnce(&mut Shared) -> Wake) {
        let wake = f(&mut shared.borrow_mut());
        wake.wake();
    }

    /// Publishes a state to every observer (a repeat of the current one is not news).
    pub(crate) fn set_state(&mut self, state: ConnectionState) -> Wake {
        if state == self.state {
            return Wake::none();
        }
        let mut wake = Wake::none();
        self.subscribers.retain(|weak| match weak.upgrade() {
            Some(feed) => {
                wake = std::mem::take(&mut wake)
                    .and(Wake::new(Feed::push(&feed, state.clone()), Vec::new()));
                true
            }
            None => false,
        });
        self.state = state;
        wake
    }

    /// Hands a received message (or the final error) to the stream.
    pub(crate) fn deliver(&mut self, item: Result<Message, Error>) -> Wake {
        if let Ok(message) = &item {
            self.incoming_bytes += message.len();
        }
        self.incoming.push_back(item);
        self.reader.take()
    }

    /// The user's writers (queue space freed, queue flushed, or finished).
    pub(crate) fn writers(&mut self) -> Wake {
        self.writers.take()
    }

    /// The driver is done: everything ends, every waiter is to be woken.
    pub(crate) fn finish(&mut self, close: CloseEvent) -> Wake {
        self.finished = true;
        self.final_close = Some(close.clone());
        let mut wake = self.set_state(ConnectionState::Closed(close));
        for feed in self.subscribers.drain(..).filter_map(|w| w.upgrade()) {
            wake = wake.and(Wake::new(Feed::finish(&feed), Vec::new()));
        }
        wake.and(self.reader.take()).and(self.writers.take())
    }

    /// The network is back (`online`): an attempt now if disconnected (backoff reset), a
    /// probe if a connection is open (it may have died with the old network).
    pub(crate) fn network_back(&mut self) -> Wake {
        if self.state == ConnectionState::Open {
            return self.probe();
        }
        self.reconnect_request = true;
        self.driver.take()
    }

    /// Asks the driver to check the open connection now (a heartbeat ping).
    pub(crate) fn probe(&mut self) -> Wake {
        self.signals.probe = true;
        self.driver.take()
    }

    /// Takes a pending probe request.
    pub(crate) fn take_probe_request(&mut self) -> bool {
        std::mem::take(&mut self.signals.probe)
    }

    /// Takes a pending `reconnect()` request.
    pub(crate) fn take_reconnect_request(&mut self) -> bool {
        std::mem::take(&mut self.reconnect_request)
    }

    fn request_close(&mut self, code: u16, reason: &str) -> Wake {
        if self.close_request.is_none() {
            self.close_request = Some((code, reason.to_owned()));
        }
        self.driver.take()
    }
}

fn poll_finished(shared: &RefCell<Shared>, cx: &Context<'_>) -> Poll<CloseEvent> {
    let mut shared = shared.borrow_mut();
    match (&shared.final_close, shared.finished) {
        (Some(ev), true) => Poll::Ready(ev.clone()),
        _ => {
            shared.writers.register(cx);
            Poll::Pending
        }
    }
}

/// A WebSocket that reconnects by itself, with a send queue that survives disconnections.
/// Made by [`ReconnectingWebSocket::builder`]; see the [module docs](self).
///
/// Dropping it closes the current connection (1000) and stops the driver: no attempt, no
/// timer, no listener is left behind.
pub struct ReconnectingWebSocket {
    shared: Rc<RefCell<Shared>>,
    ended: bool,
}

impl ReconnectingWebSocket {
    /// A builder for a reconnecting socket to `url`.
    pub fn builder(url: impl Into<String>) -> ReconnectingBuilder {
        let url: Rc<str> = url.into().into();
        ReconnectingBuilder {
            config: Config {
                url: Rc::new(move || {
                    let url = url.to_string();
                    Box::pin(async move { url })
                }),
                protocols: Vec::new(),
                high_water_mark: DEFAULT_HIGH_WATER_MARK,
                connect_timeout: None,
                backoff: Backoff::default(),
                max_retries: None,
                should_reconnect: Rc::new(|ev: &CloseEvent| !(ev.was_clean && ev.code == 1000)),
                heartbeat: None,
                idle_timeout: None,
                max_buffered_bytes: crate::DEFAULT_MAX_BUFFERED_BYTES,
            },
            queue_limit: DEFAULT_QUEUE_LIMIT,
        }
    }

    /// The current state.
    pub fn state(&self) -> ConnectionState {
        self.shared.borrow().state.clone()
    }

    /// A `Stream` of [`ConnectionState`]s: the current one first, then every change, ending
    /// after [`ConnectionState::Closed`].
    pub fn states(&self) -> States {
        let feed = Feed::new();
        let mut shared = self.shared.borrow_mut();
        // A new feed has no task waiting on it yet: nothing to wake.
        let _ = Feed::push(&feed, shared.state.clone());
        if shared.finished {
            let _ = Feed::finish(&feed);
        } else {
            shared.subscribers.push(Rc::downgrade(&feed));
        }
        Observer { feed }
    }

    /// Messages accepted by the sink and not yet handed to a connection.
    pub fn queued(&self) -> usize {
        self.shared.borrow().outgoing.len()
    }

    fn current<T: Default>(&self, f: impl FnOnce(&Core) -> T) -> T {
        self.shared
            .borrow()
            .current
            .as_deref()
            .map(f)
            .unwrap_or_default()
    }

    /// The open connection's `bufferedAmount` (0 while disconnected).
    pub fn buffered_amount(&self) -> usize {
        self.current(|core| core.raw.buffered_amount() as usize)
    }

    /// The open connection's URL ("" while disconnected).
    pub fn url(&self) -> String {
        self.current(|core| core.raw.url())
    }

    /// The subprotocol the open connection's server selected ("" while disconnected).
    pub fn protocol(&self) -> String {
        self.current(|core| core.raw.protocol())
    }

    /// The extensions the open connection's server selected ("" while disconnected).
    pub fn extensions(&self) -> String {
        self.current(|core| core.raw.extensions())
    }

    /// Stops reconnecting for good: closes the current connection with `code` and `reason`
    /// (checked first, like [`WebSocket::close_with`](crate::WebSocket::close_with)), or
    /// cancels the pending attempt or backoff delay; resolves with the final close event.
    /// Messages still queued are not sent.
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
    /// (so it is not fused across a `reconnect()`). After [`close_with`](Self::close_with) or
    /// a drop nothing reconnects: [`Error::Closed`].
    ///
    /// ```no_run
    /// # fn demo(ws: &sockwave::reconnect::ReconnectingWebSocket) -> Result<(), sockwave::Error> {
    /// // The app knows better than the backoff: the network is back.
    /// ws.reconnect()?;
    /// # Ok(()) }
    /// ```
    pub fn reconnect(&self) -> Result<(), Error> {
        let mut shared = self.shared.borrow_mut();
        if shared.close_request.is_some() {
            return Err(Error::Closed);
        }
        if shared.finished {
            shared.finished = false;
            shared.final_close = None;
            shared.reconnect_request = false;
            // Every observer's feed ended with the socket: nobody to tell.
            let _ = shared.set_state(ConnectionState::Connecting { attempt: 0 });
            let config = shared.config.clone();
            drop(shared);
            wasm_bindgen_futures::spawn_local(driver::drive(Rc::clone(&self.shared), config));
            return Ok(());
        }
        shared.reconnect_request = true;
        let wake = shared.driver.take();
        drop(shared);
        wake.wake();
        Ok(())
    }

    /// Requests the close now; the future (which holds no borrow of `self`) waits for the end.
    pub(crate) fn close_handle(
        &self,
        code: CloseCode,
        reason: &str,
    ) -> Result<impl Future<Output = Result<CloseEvent, Error>> + 'static, Error> {
        validate_close(code, reason)?;
        Shared::update(&self.shared, |s| s.request_close(code.into(), reason));
        let shared = Rc::clone(&self.shared);
        Ok(async move { Ok(poll_fn(|cx| poll_finished(&shared, cx)).await) })
    }

    fn poll_finished(&self, cx: &Context<'_>) -> Poll<CloseEvent> {
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
            .field("state", &shared.state)
            .field("queued", &shared.outgoing.len())
            .field("received", &shared.incoming.len())
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
        if this.ended {
            if shared.finished {
                return Poll::Ready(None);
            }
            // Started over by `reconnect()` after giving up.
            this.ended = false;
        }
        if let Some(item) = shared.incoming.pop_front() {
            if let Ok(message) = &item {
                shared.incoming_bytes -= message.len();
            }
            return Poll::Ready(Some(item));
        }
        if shared.finished {
            this.ended = true;
            return Poll::Ready(None);
        }
        shared.reader.register(cx);
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
/// disconnected. `poll_flush` waits until the queue is empty. `poll_close` is `close_with(1000,
/// "")`. After the end, [`Error::Closed`].
impl Sink<Message> for ReconnectingWebSocket {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut shared = self.shared.borrow_mut();
        if shared.finished || shared.close_request.is_some() {
            return Poll::Ready(Err(Error::Closed));
        }
        if shared.outgoing.len() < shared.queue_limit {
            return Poll::Ready(Ok(()));
        }
        if shared.state == ConnectionState::Open {
            shared.writers.register(cx);
            return Poll::Pending;
        }
        Poll::Ready(Err(Error::QueueFull {
            limit: shared.queue_limit,
        }))
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        let mut shared = self.shared.borrow_mut();
        if shared.finished || shared.close_request.is_some() {
            return Err(Error::Closed);
        }
        if shared.outgoing.len() >= shared.queue_limit {
            return Err(Error::QueueFull {
                limit: shared.queue_limit,
            });
        }
        let seq = shared.next_seq;
        shared.next_seq += 1;
        shared.outgoing.push_back((seq, message));
        let wake = shared.driver.take();
        drop(shared);
        wake.wake();
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut shared = self.shared.borrow_mut();
        if shared.outgoing.is_empty() {
            return Poll::Ready(Ok(()));
        }
        if shared.finished {
            return Poll::Ready(Err(Error::Closed));
        }
        shared.writers.register(cx);
        Poll::Pending
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Shared::update(&self.shared, |s| s.request_close(1000, ""));
        self.poll_finished(cx).map(|_| Ok(()))
    }
}

/// The [`ConnectionState`] stream of a [`ReconnectingWebSocket`]: the current state first,
/// then every change, ending after [`ConnectionState::Closed`].
pub type States = Observer<ConnectionState>;

/// Options of a [`ReconnectingWebSocket`]; made by [`ReconnectingWebSocket::builder`].
#[must_use = "a builder does nothing until `build`"]
pub struct ReconnectingBuilder {
    config: Config,
    queue_limit: usize,
}

impl fmt::Debug for ReconnectingBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReconnectingBuilder")
            .field("backoff", &self.config.backoff)
            .field("max_retries", &self.config.max_retries)
            .field("queue_limit", &self.queue_limit)
            .finish_non_exhaustive()
    }
}

impl ReconnectingBuilder {
    /// Asks `provider` for the URL before every attempt (e.g. to refresh a token in it).
    pub fn url_provider<F, Fut>(mut self, provider: F) -> Self
    where
        F: Fn() -> Fut + 'static,
        Fut: Future<Output = String> + 'static,
    {
        self.config.url = Rc::new(move || Box::pin(provider()));
        self
    }

    /// Subprotocols to offer on every connection. See
    /// [`WebSocketBuilder::protocols`](crate::WebSocketBuilder::protocols).
    pub fn protocols<I, S>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// The backpressure limit of each connection, in bytes of `bufferedAmount` (default 8 MiB).
    pub fn high_water_mark(mut self, bytes: usize) -> Self {
        self.config.high_water_mark = bytes;
        self
    }

    /// Gives up on an attempt that is not open after `timeout` (then backs off and retries).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = Some(timeout);
        self
    }

    /// The delays between attempts. Default: 500 ms doubling to 30 s, full jitter.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.config.backoff = backoff;
        self
    }

    /// Gives up after this many failed attempts in a row (`None`, the default: never).
    pub fn max_retries(mut self, max: Option<u32>) -> Self {
        self.config.max_retries = max;
        self
    }

    /// Decides, from how a connection (or attempt) ended, whether to try again. Default: yes,
    /// unless the server closed cleanly with 1000. Never consulted after our own `close`.
    pub fn should_reconnect(mut self, f: impl Fn(&CloseEvent) -> bool + 'static) -> Self {
        self.config.should_reconnect = Rc::new(f);
        self
    }

    /// Messages held while disconnected (default [`DEFAULT_QUEUE_LIMIT`]); beyond it, sending
    /// fails with [`Error::QueueFull`].
    pub fn queue_limit(mut self, messages: usize) -> Self {
        self.queue_limit = messages.max(1);
        self
    }

    /// The receive limit, as [`WebSocketBuilder::max_buffered_bytes`](crate::WebSocketBuilder::max_buffered_bytes)
    /// but over every connection: when messages waiting to be read would exceed this many
    /// bytes, the connection is closed with [`RECEIVE_OVERFLOW_CODE`](crate::RECEIVE_OVERFLOW_CODE)
    /// and the socket stops for good (a reader that cannot keep up would only overflow again):
    /// the stream yields the messages that fit, then one [`Error::ReceiveOverflow`], then
    /// ends; [`reconnect`](ReconnectingWebSocket::reconnect) starts it over. Default
    /// [`DEFAULT_MAX_BUFFERED_BYTES`](crate::DEFAULT_MAX_BUFFERED_BYTES) (64 MiB).
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.config.max_buffered_bytes = bytes;
        self
    }

    /// Sends `ping` every `interval` while open; if no message for which `is_pong` is true
    /// arrives within `timeout`, the connection is declared dead (reported with
    /// [`HEARTBEAT_TIMEOUT_CODE`]) and replaced. Pongs are not delivered to the stream.
    pub fn heartbeat(
        mut self,
        interval: Duration,
        timeout: Duration,
        ping: Message,
        is_pong: impl Fn(&Message) -> bool + 'static,
    ) -> Self {
        self.config.heartbeat = Some(Heartbeat {
            interval,
            timeout,
            ping,
            is_pong: Rc::new(is_pong),
        });
        self
    }

    /// Declares the connection dead (reported with [`IDLE_TIMEOUT_CODE`]) and replaces it when
    /// nothing at all was received for `timeout`.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.idle_timeout = Some(timeout);
        self
    }

    /// Starts the driver task (`spawn_local`) and returns the socket, connecting.
    pub fn build(self) -> ReconnectingWebSocket {
        let shared = Rc::new(RefCell::new(Shared {
            outgoing: VecDeque::new(),
            next_seq: 0,
            queue_limit: self.queue_limit,
            incoming: VecDeque::new(),
            incoming_bytes: 0,
            state: ConnectionState::Connecting { attempt: 0 },
            close_request: None,
            reconnect_request: false,
            config: self.config.clone(),
            signals: Default::default(),
            finished: false,
            final_close: None,
            reader: WakerSlot::default(),
            writers: WakerSet::default(),
            driver: WakerSlot::default(),
            subscribers: Vec::new(),
            current: None,
        }));
        wasm_bindgen_futures::spawn_local(driver::drive(Rc::clone(&shared), self.config));
        ReconnectingWebSocket {
            shared,
            ended: false,
        }
    }
}
