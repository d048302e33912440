//! The state a reconnecting socket's handle, its driver task and its environment listeners
//! share: the machine that decides (`crate::machine`), the data it does not hold (the
//! messages, the close reasons), and the wakers. Every change goes through
//! [`Shared::update`], which wakes whom the change concerns once the borrow has ended
//! (`wake.rs`).

use std::collections::VecDeque;
use std::task::{Context, Poll};

use super::ConnectionState;
use crate::backlog::Backlog;
use crate::events::Feed;
use crate::face::{probe_buffered, Probe};
use crate::machine::{Input, Machine, Reason, Route, Tally};
#[cfg(not(target_family = "wasm"))]
use crate::platform::LockExt;
use crate::platform::{BoxFuture, Lock, Ptr, WeakPtr};
use crate::wake::{Wake, WakerSet, WakerSlot};
use crate::{CloseEvent, Error, Message};

/// The URL for the next attempt, or `Err` when the app's provider could not give one.
#[cfg(target_family = "wasm")]
type UrlProvider = Ptr<dyn Fn() -> BoxFuture<Result<String, ()>>>;
#[cfg(not(target_family = "wasm"))]
type UrlProvider = Ptr<dyn Fn() -> BoxFuture<Result<String, ()>> + Send + Sync>;
/// The app's answer to "reconnect after this close?".
#[cfg(target_family = "wasm")]
type Verdict = Ptr<dyn Fn(&CloseEvent) -> bool>;
#[cfg(not(target_family = "wasm"))]
type Verdict = Ptr<dyn Fn(&CloseEvent) -> bool + Send + Sync>;
/// Whether a received message is the heartbeat's pong.
#[cfg(target_family = "wasm")]
type IsPong = Ptr<dyn Fn(&Message) -> bool>;
#[cfg(not(target_family = "wasm"))]
type IsPong = Ptr<dyn Fn(&Message) -> bool + Send + Sync>;

/// What the shell holds of a heartbeat (the machine holds its timing).
#[derive(Clone)]
pub(crate) struct Ping {
    pub(super) ping: Message,
    pub(super) is_pong: IsPong,
}

/// What the driver needs that is not a decision: the URL, the subprotocols, the app's code.
#[derive(Clone)]
pub(crate) struct Config {
    pub(super) url: UrlProvider,
    pub(super) protocols: Vec<String>,
    pub(super) should_reconnect: Option<Verdict>,
    pub(super) ping: Option<Ping>,
    /// Where the connections' byte streams come from (natively: TCP, or the simulation's).
    #[cfg(not(target_family = "wasm"))]
    pub(super) transport: crate::native::transport::Shared,
}

/// The shell's clock: the machine reads none of its own.
pub(crate) use crate::platform::now;

/// State shared by the handle (user side), the driver task and the environment listeners.
pub(crate) struct Shared {
    /// Every decision.
    pub(super) machine: Machine,
    /// What the machine needs counted.
    pub(super) tally: Tally,
    /// Accepted by the sink, not yet handed to a socket, in order.
    pub(super) outgoing: VecDeque<Message>,
    /// Received, not yet taken by the stream (and the final error, if any).
    pub(super) incoming: VecDeque<Result<Message, Error>>,
    /// Bytes of the messages in `incoming`.
    pub(super) backlog: Backlog,
    pub(super) state: ConnectionState,
    /// The reason given to `close()`, for its close frame.
    pub(super) close_reason: String,
    /// What [`Reason::Given`] stands for now: the reason of the last end the browser
    /// reported, of the error that refused an attempt, or given to `close()`.
    pub(super) ended_reason: String,
    /// The driver task is running.
    pub(super) running: bool,
    /// The socket stopped; `final_close` says how.
    pub(super) finished: bool,
    pub(super) final_close: Option<CloseEvent>,
    pub(super) reader: WakerSlot,
    /// User tasks waiting for queue space, a flush, or the end.
    pub(super) writers: WakerSet,
    /// The driver, waiting for actions, messages to send or a timer.
    pub(super) driver: WakerSlot,
    pub(super) subscribers: Vec<WeakPtr<Lock<Feed<ConnectionState>>>>,
    /// The open connection's socket, for its metadata and `bufferedAmount`.
    pub(super) current: Option<Probe>,
}

impl Shared {
    /// A fresh state around a machine that is about to make its first attempt.
    pub(super) fn new(machine: Machine) -> Self {
        Shared {
            machine,
            tally: Tally {
                last_received: now(),
                ..Tally::default()
            },
            outgoing: VecDeque::new(),
            incoming: VecDeque::new(),
            backlog: Backlog::default(),
            state: ConnectionState::Connecting { attempt: 0 },
            close_reason: String::new(),
            ended_reason: String::new(),
            running: false,
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
    pub(crate) fn update(shared: &Lock<Shared>, f: impl FnOnce(&mut Shared) -> Wake) {
        let wake = f(&mut shared.borrow_mut());
        wake.wake();
    }

    /// The tally as of now: the open connection's `bufferedAmount` read (a lifecycle event
    /// may end the connection, and then it is what provably never left).
    pub(super) fn tally(&mut self) -> Tally {
        self.tally.buffered = self
            .current
            .as_ref()
            .map_or(0, |probe| probe_buffered(probe) as u64);
        self.tally
    }

    /// Feeds the machine an event; the driver carries out what it decided.
    pub(crate) fn feed(&mut self, input: Input) -> Wake {
        let tally = self.tally();
        self.machine.handle(now(), &tally, input);
        self.driver.take()
    }

    /// Where sent messages go now.
    pub(super) fn route(&self) -> Route {
        self.machine.route()
    }

    /// The text of a close the machine reports.
    pub(super) fn close_event(&self, close: crate::machine::Close) -> CloseEvent {
        let reason = match close.reason {
            Reason::Given => self.ended_reason.clone(),
            other => other.text().to_owned(),
        };
        CloseEvent {
            code: close.code,
            reason,
            was_clean: close.clean,
        }
    }

    /// Publishes a state to every observer (a repeat of the current one is not news, but
    /// every stop is: one after a `reconnect()` may end as the one before did).
    pub(crate) fn set_state(&mut self, state: ConnectionState) -> Wake {
        if state == self.state && !matches!(state, ConnectionState::Closed(_)) {
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

    /// Takes a received message in for the stream, within the receive limit (see [`Backlog`]):
    /// false when it would pass it (nothing taken).
    pub(crate) fn admit(&mut self, message: Message) -> Result<Wake, Message> {
        let handed = self.incoming.is_empty() && self.reader.is_waiting();
        let limit = self.machine.policy().max_buffered_bytes;
        if !self.backlog.admit(message.len(), handed, limit) {
            return Err(message);
        }
        Ok(self.deliver(Ok(message)))
    }

    /// Hands a received message (already admitted) or the final error to the stream.
    pub(crate) fn deliver(&mut self, item: Result<Message, Error>) -> Wake {
        self.incoming.push_back(item);
        self.reader.take()
    }

    /// The user's writers (queue space freed, queue flushed, the route changed).
    pub(crate) fn writers(&mut self) -> Wake {
        self.writers.take()
    }

    /// The socket stopped: everything ends, every waiter is to be woken.
    pub(crate) fn finish(&mut self, close: CloseEvent) -> Wake {
        self.finished = true;
        // What is still queued is dropped at the stop, never sent by a later `reconnect()`.
        // The dropped messages keep their sequence numbers: numbers count accepted messages,
        // as in-flight reports say (`InFlight`).
        self.tally.sent += self.outgoing.len() as u64;
        self.outgoing.clear();
        self.final_close = Some(close.clone());
        let wake = self.set_state(ConnectionState::Closed(close));
        let mut ended = self.writers.take_wakers();
        // The state streams end when the socket is closed for good: after giving up, a
        // `reconnect()` may start it over.
        if self.machine.close_requested() {
            ended.extend(self.end_observers());
        }
        wake.and(Wake::new(self.reader.take_waker(), ended))
    }

    /// Ends every state stream (the socket is closed for good); the wakers to wake.
    pub(crate) fn end_observers(&mut self) -> Vec<std::task::Waker> {
        let mut ended = Vec::new();
        for feed in self.subscribers.drain(..).filter_map(|w| w.upgrade()) {
            ended.extend(Feed::finish(&feed));
        }
        ended
    }

    /// Natively outside a tokio runtime no driver can run: the stream says why, then ends.
    #[cfg_attr(target_family = "wasm", allow(dead_code))]
    pub(crate) fn no_runtime(shared: &Lock<Shared>) {
        Shared::update(shared, |s| {
            let wake = s.deliver(Err(Error::NoRuntime));
            wake.and(s.finish(CloseEvent::abnormal()))
        });
    }

    /// Started over by `reconnect()` after the socket gave up.
    pub(crate) fn unfinish(&mut self) {
        self.finished = false;
        self.final_close = None;
    }
}

pub(super) fn poll_finished(shared: &Lock<Shared>, cx: &Context<'_>) -> Poll<CloseEvent> {
    let mut shared = shared.borrow_mut();
    match (&shared.final_close, shared.finished) {
        (Some(ev), true) => Poll::Ready(ev.clone()),
        _ => {
            shared.writers.register(cx);
            Poll::Pending
        }
    }
}
