//! The state a reconnecting socket's handle and its driver task share, and the configuration
//! the driver (re)connects with. Every change goes through [`Shared::update`], which wakes
//! whom the change concerns once the borrow has ended (`wake.rs`).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use super::{environment, Backoff, ConnectionState};
use crate::events::Feed;
use crate::socket::Core;
use crate::wake::{Wake, WakerSet, WakerSlot};
use crate::{CloseEvent, Error, Message};

type UrlProvider = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = String>>>>;

/// Application-level keepalive: browsers cannot send protocol pings.
#[derive(Clone)]
pub(crate) struct Heartbeat {
    pub(super) interval: Duration,
    pub(super) timeout: Duration,
    pub(super) ping: Message,
    pub(super) is_pong: Rc<dyn Fn(&Message) -> bool>,
}

/// Everything the driver needs to (re)connect.
#[derive(Clone)]
pub(crate) struct Config {
    pub(super) url: UrlProvider,
    pub(super) protocols: Vec<String>,
    pub(super) high_water_mark: usize,
    pub(super) connect_timeout: Option<Duration>,
    pub(super) backoff: Backoff,
    pub(super) max_retries: Option<u32>,
    pub(super) should_reconnect: Rc<dyn Fn(&CloseEvent) -> bool>,
    pub(super) heartbeat: Option<Heartbeat>,
    pub(super) idle_timeout: Option<Duration>,
    pub(super) max_buffered_bytes: usize,
    pub(super) close_on_pagehide: bool,
    /// The close codes reporting a dead connection: (heartbeat, idle).
    pub(super) timeout_codes: (u16, u16),
}

/// State shared by the handle (user side) and the driver task.
pub(crate) struct Shared {
    /// Accepted by the sink, not yet handed to a socket: `(sequence number, message)`.
    pub(super) outgoing: VecDeque<(u64, Message)>,
    pub(super) next_seq: u64,
    pub(super) queue_limit: usize,
    /// Received, not yet taken by the stream (and the final error, if any).
    pub(super) incoming: VecDeque<Result<Message, Error>>,
    /// Bytes of the messages in `incoming`.
    pub(super) incoming_bytes: usize,
    pub(super) state: ConnectionState,
    /// Set by `close`: the driver closes with it and stops.
    pub(super) close_request: Option<(u16, String)>,
    /// Set by `reconnect()`: the driver drops the open connection or skips the backoff delay,
    /// and attempts at once.
    pub(super) reconnect_request: bool,
    /// What the driver was started with, to start it again after it gave up (`reconnect()`).
    pub(super) config: Config,
    /// What the page or worker said (offline, back from sleep): see `environment.rs`.
    pub(super) signals: environment::Signals,
    /// The driver has stopped; `final_close` says how.
    pub(super) finished: bool,
    pub(super) final_close: Option<CloseEvent>,
    pub(super) reader: WakerSlot,
    /// User tasks waiting for queue space, a flush, or the end.
    pub(super) writers: WakerSet,
    /// The driver, waiting for messages to send or a close request.
    pub(super) driver: WakerSlot,
    pub(super) subscribers: Vec<Weak<RefCell<Feed<ConnectionState>>>>,
    /// The open connection's socket, for its metadata.
    pub(super) current: Option<Rc<Core>>,
}

impl Shared {
    /// A fresh state: connecting, nothing queued.
    pub(super) fn new(queue_limit: usize, config: Config) -> Self {
        Shared {
            outgoing: VecDeque::new(),
            next_seq: 0,
            queue_limit,
            incoming: VecDeque::new(),
            incoming_bytes: 0,
            state: ConnectionState::Connecting { attempt: 0 },
            close_request: None,
            reconnect_request: false,
            config,
            signals: Default::default(),
            finished: false,
            final_close: None,
            reader: WakerSlot::default(),
            writers: WakerSet::default(),
            driver: WakerSlot::default(),
            subscribers: Vec::new(),
            current: None,
        }
    }

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
        let mut observers = Vec::new();
        self.subscribers.retain(|weak| match weak.upgrade() {
            Some(feed) => {
                observers.extend(Feed::push(&feed, state.clone()));
                true
            }
            None => false,
        });
        self.state = state;
        Wake::new(None, observers)
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
        let wake = self.set_state(ConnectionState::Closed(close));
        let mut ended = self.writers.take_wakers();
        for feed in self.subscribers.drain(..).filter_map(|w| w.upgrade()) {
            ended.extend(Feed::finish(&feed));
        }
        wake.and(Wake::new(self.reader.take_waker(), ended))
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

    /// The page goes into the back/forward cache: the open connection is to be closed and
    /// no attempt made until the page is shown again.
    pub(crate) fn suspend(&mut self) -> Wake {
        self.signals.suspended = true;
        self.driver.take()
    }

    /// The page is shown again: attempt at once if suspended, else probe.
    pub(crate) fn shown_again(&mut self) -> Wake {
        if std::mem::take(&mut self.signals.suspended) {
            self.reconnect_request = true;
            return self.driver.take();
        }
        self.probe()
    }

    /// Takes a pending probe request.
    pub(crate) fn take_probe_request(&mut self) -> bool {
        std::mem::take(&mut self.signals.probe)
    }

    /// Takes a pending `reconnect()` request.
    pub(crate) fn take_reconnect_request(&mut self) -> bool {
        std::mem::take(&mut self.reconnect_request)
    }

    pub(super) fn request_close(&mut self, code: u16, reason: &str) -> Wake {
        if self.close_request.is_none() {
            self.close_request = Some((code, reason.to_owned()));
        }
        self.driver.take()
    }
}

pub(super) fn poll_finished(shared: &RefCell<Shared>, cx: &Context<'_>) -> Poll<CloseEvent> {
    let mut shared = shared.borrow_mut();
    match (&shared.final_close, shared.finished) {
        (Some(ev), true) => Poll::Ready(ev.clone()),
        _ => {
            shared.writers.register(cx);
            Poll::Pending
        }
    }
}
