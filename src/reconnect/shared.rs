//! The state a reconnecting socket's handle, its driver task and its environment listeners
//! share: the machine that decides (`crate::machine`), the data it does not hold (the
//! messages, the close reasons), and the wakers. Every change goes through
//! [`Shared::update`], which wakes whom the change concerns once the borrow has ended
//! (`wake.rs`).

use std::collections::VecDeque;
use std::task::{Context, Poll};

mod messages;

use super::ConnectionState;
use crate::backlog::Backlog;
use crate::events::Feed;
use crate::face::{probe_buffered, Probe};
use crate::machine::{Action, Input, Machine, Millis, Policy, Reason, Route, Tally};
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

/// State shared by the handle (user side), the driver task and the environment listeners:
/// private, changed through the methods below, each saying what it does for whom.
pub(crate) struct Shared {
    /// Every decision.
    machine: Machine,
    /// What the machine needs counted.
    tally: Tally,
    /// Accepted by the sink, not yet handed to a socket, in order.
    outgoing: VecDeque<Message>,
    /// Received, not yet taken by the stream (and the final error, if any).
    incoming: VecDeque<Result<Message, Error>>,
    /// Bytes of the messages in `incoming`.
    backlog: Backlog,
    /// The state last reported to the app.
    state: ConnectionState,
    /// The reason given to `close()`, for its close frame.
    close_reason: String,
    /// What [`Reason::Given`] stands for now: the reason of the last end the browser
    /// reported, of the error that refused an attempt, or given to `close()`.
    given: String,
    /// The driver task is running.
    running: bool,
    /// How the socket stopped, once it did (until a `reconnect()` after giving up).
    final_close: Option<CloseEvent>,
    /// The stream's task, waiting for a message.
    reader: WakerSlot,
    /// User tasks waiting for queue space, a flush, or the end.
    writers: WakerSet,
    /// The driver, waiting for actions, messages to send or a timer.
    driver: WakerSlot,
    subscribers: Vec<WeakPtr<Lock<Feed<ConnectionState>>>>,
    /// The open connection's socket, for its metadata and `bufferedAmount`.
    current: Option<Probe>,
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
            given: String::new(),
            running: false,
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
            Reason::Given => self.given.clone(),
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

    /// The user's writers (queue space freed, queue flushed, the route changed).
    pub(crate) fn writers(&mut self) -> Wake {
        self.writers.take()
    }

    /// The socket stopped: everything ends, every waiter is to be woken.
    pub(crate) fn finish(&mut self, close: CloseEvent) -> Wake {
        // What is still queued is dropped at the stop, never sent by a later `reconnect()`.
        // The dropped messages keep their sequence numbers: numbers count accepted messages,
        // as in-flight reports say (`InFlight`).
        self.tally.sent = self.tally.sent.saturating_add(self.outgoing.len() as u64);
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
    pub(crate) fn start_over(&mut self) {
        self.final_close = None;
    }

    /// Whether the socket stopped (gave up, or closed for good).
    pub(super) fn finished(&self) -> bool {
        self.final_close.is_some()
    }

    /// How the socket stopped, once it did.
    pub(super) fn final_close(&self) -> Option<&CloseEvent> {
        self.final_close.as_ref()
    }

    /// Whether the socket is closed for good: stopped after `close()` or the drop (one that
    /// gave up may start over).
    pub(super) fn closed_for_good(&self) -> bool {
        self.machine.is_finished() && self.machine.close_requested()
    }

    // -- The app's controls. --

    /// `close()` (checked already by `validate_close`, so the machine cannot refuse it): the
    /// first one decides, reason included; a second changes nothing.
    pub(super) fn request_close(&mut self, code: u16, reason: &str) -> Wake {
        let first = !self.machine.close_requested();
        if self.machine.close(now(), code, reason.len()).is_ok() && first {
            reason.clone_into(&mut self.close_reason);
            reason.clone_into(&mut self.given);
        }
        if self.finished() {
            // Stopped already (gave up): closed for good now, so the state streams end.
            let ended = self.end_observers();
            return self.driver.take().and(Wake::new(None, ended));
        }
        self.driver.take()
    }

    /// `reconnect()`: an attempt now; after giving up, the socket starts over (the stream is
    /// live again from now on, not from when the driver first runs). `Closed` after `close()`.
    pub(super) fn reconnect(&mut self) -> Result<Wake, Error> {
        let tally = self.tally();
        self.machine
            .reconnect(now(), &tally)
            .map_err(|_| Error::Closed)?;
        self.start_over();
        Ok(self.driver.take())
    }

    /// Adds a state stream: the current state first, then every change (none if the socket is
    /// closed for good already).
    pub(super) fn observe(&mut self, feed: &Ptr<Lock<Feed<ConnectionState>>>) {
        // A new feed has no task waiting on it yet: nothing to wake.
        let _ = Feed::push(feed, self.state.clone());
        if self.closed_for_good() {
            let _ = Feed::finish(feed);
        } else {
            self.subscribers.push(Ptr::downgrade(feed));
        }
    }

    /// The state last reported.
    pub(super) fn state(&self) -> &ConnectionState {
        &self.state
    }

    /// The open connection's socket, if any.
    pub(super) fn current(&self) -> Option<&Probe> {
        self.current.as_ref()
    }

    // -- The driver's side. --

    /// The driver task waits for the next change.
    pub(super) fn wait_for_change(&mut self, cx: &Context<'_>) {
        self.driver.register(cx);
    }

    /// Whether the driver task runs; set by it.
    pub(super) fn running(&self) -> bool {
        self.running
    }

    pub(super) fn set_running(&mut self, running: bool) {
        self.running = running;
    }

    /// The next action the machine decided.
    pub(super) fn poll_action(&mut self) -> Option<Action> {
        self.machine.poll_action()
    }

    /// The machine's next deadline.
    pub(super) fn poll_timeout(&self) -> Option<Millis> {
        self.machine.poll_timeout()
    }

    /// The deadline came: the machine decides what it means.
    pub(super) fn handle_timeout(&mut self) {
        let tally = self.tally();
        self.machine.handle_timeout(now(), &tally);
    }

    /// The machine's policy (its limits, for an attempt's socket).
    pub(super) fn policy(&self) -> &Policy {
        self.machine.policy()
    }

    /// The reason `close()` gave, for our close frame.
    pub(super) fn close_reason(&self) -> &str {
        &self.close_reason
    }

    /// The words of what happened last (an end's reason, a refusal's error): what the
    /// machine's [`Reason::Given`] stands for from now on.
    pub(super) fn set_given(&mut self, words: String) {
        self.given = words;
    }

    /// The open connection's socket, set as it opens and gone as it ends.
    pub(super) fn set_current(&mut self, probe: Option<Probe>) {
        self.current = probe;
    }
}

pub(super) fn poll_finished(shared: &Lock<Shared>, cx: &Context<'_>) -> Poll<CloseEvent> {
    let mut shared = shared.borrow_mut();
    match &shared.final_close {
        Some(ev) => Poll::Ready(ev.clone()),
        None => {
            shared.writers.register(cx);
            Poll::Pending
        }
    }
}
