//! The machine: every decision of a connection's life, and no I/O.
//!
//! A [`Machine`] is what a sockwave socket *decides*: when to open a connection, when an
//! attempt has taken too long, whether and when to try again (the app's verdict, the retry
//! limit, the backoff with its jitter), when to ping and when a missing pong or a long silence
//! means the connection is dead, what offline/online, a page coming back from sleep or going
//! into the back/forward cache change, what `close()` and `reconnect()` do at every moment,
//! where sent messages go (queued, handed to the socket, refused) and what a lost connection
//! reports as in flight. It calls no browser API, reads no clock and draws no random number of
//! its own: the shell that drives it passes the time with every call, a random seed once, and
//! the counts it keeps ([`Tally`]); the machine answers with [`Action`]s.
//!
//! This is the shape of quinn-proto's `Connection` and str0m's `Rtc`:
//!
//! ```text
//! shell                              machine
//!   handle(now, tally, input)  ───▶  decides
//!   poll_action()              ◀───  Connect, Close, Discard, Ping, Consult, Route, Report
//!   poll_timeout()             ◀───  the next deadline; at it: handle_timeout(now, tally)
//! ```
//!
//! The shells (the Rust face over web-sys in `reconnect/`, the JS face in `js/`, compiled from
//! this file into the npm package's .wasm by `js/rules/`) hold the messages and the sockets,
//! count what the machine needs and carry out its actions; a message sent or received never
//! passes through here. Every rule, default and cap is in this module, once.
//!
//! The machine is tested natively, over a simulated clock and network, by `sim.rs`: many
//! seeded fault schedules, each checked against the invariants listed there.

pub mod backoff;
#[cfg(test)]
mod sim;

pub use backoff::Backoff;

/// Milliseconds on the shell's clock (any origin; a monotonic clock is best, and jumps either
/// way are survived: see [`Machine::handle`]).
pub type Millis = u64;

/// Messages a reconnecting socket holds while disconnected, by default.
pub const DEFAULT_QUEUE_LIMIT: usize = 1024;
/// The default high-water mark of the sink: 8 MiB of `bufferedAmount` (enough for
/// a window of eight 1 MiB messages without a pause; memory stays bounded).
pub const DEFAULT_HIGH_WATER_MARK: usize = 8 << 20;
/// The default receive limit: 64 MiB of messages waiting to be read. Far above what a reader
/// that keeps up ever holds, low enough that a stalled reader cannot take the tab's memory.
/// See `WebSocketBuilder::max_buffered_bytes`.
pub const DEFAULT_MAX_BUFFERED_BYTES: usize = 64 << 20;
/// The close code sockwave sends when received messages waiting to be read pass the receive
/// limit (`Error::ReceiveOverflow`).
///
/// The protocol's own codes for this, 1009 (message too big) and 1008 (policy violation),
/// cannot be sent from a browser: `close()` takes only 1000 and 3000..=4999 and throws
/// `InvalidAccessError` otherwise (every engine; `tests/fuzz.rs` tries every code). So the
/// nearest a browser allows: 4009, in the private range, echoing 1009, with the reason
/// `"receive buffer full"`.
pub const RECEIVE_OVERFLOW_CODE: u16 = 4009;
/// The close code reporting a heartbeat with no pong in time, by default.
pub const HEARTBEAT_TIMEOUT_CODE: u16 = 4000;
/// The close code reporting an idle timeout, by default.
pub const IDLE_TIMEOUT_CODE: u16 = 4001;
/// The heartbeat's default ping interval and pong deadline, in milliseconds.
pub const DEFAULT_HEARTBEAT: Heartbeat = Heartbeat {
    interval: 15_000,
    timeout: 5_000,
};
/// How long our close waits for the server's answer without a heartbeat (see
/// [`Machine::close_timeout`]).
pub const DEFAULT_CLOSE_TIMEOUT: Millis = 10_000;
/// The longest close reason a client may send, in UTF-8 bytes (a control frame's 125-byte
/// payload minus the 2-byte code).
pub const MAX_REASON_BYTES: usize = 123;
/// The longest delay a browser timer takes (`setTimeout` fires a longer one at once): every
/// delay the machine schedules is capped here.
pub const MAX_DELAY: Millis = 0x7fff_ffff;

/// Whether a browser client may send this close code: 1000, or 3000..=4999 (the WebSocket API
/// throws `InvalidAccessError` for anything else).
// Out of line: one copy in the npm package's .wasm, not one per caller (-53 B gzip, measured).
#[inline(never)]
pub fn sendable_close_code(code: u16) -> bool {
    code == 1000 || (3000..=4999).contains(&code)
}

/// Why a close request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseProblem {
    /// The code is not 1000 or 3000..=4999.
    Code = 1,
    /// The reason is longer than [`MAX_REASON_BYTES`] in UTF-8.
    Reason = 2,
}

/// Whether a client may close with `code` and a reason of `reason_bytes` UTF-8 bytes.
pub fn check_close(code: u16, reason_bytes: usize) -> Result<(), CloseProblem> {
    if !sendable_close_code(code) {
        Err(CloseProblem::Code)
    } else if reason_bytes > MAX_REASON_BYTES {
        Err(CloseProblem::Reason)
    } else {
        Ok(())
    }
}

/// The text of a close reason the machine chooses, or the one the shell holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Reason {
    /// The text the shell holds for this event: the browser's close event, the app's
    /// `close()`, or the error that refused the URL.
    Given = 0,
    /// `"heartbeat timeout"`: no pong within the deadline.
    HeartbeatTimeout = 1,
    /// `"idle timeout"`: nothing received for the idle timeout.
    IdleTimeout = 2,
    /// `"page hidden"`: the page went into the back/forward cache.
    PageHidden = 3,
    /// `"reconnect"`: `reconnect()` replaced the connection.
    Reconnect = 4,
    /// `"receive buffer full"`: the receive limit was passed.
    ReceiveOverflow = 5,
    /// `"connect timeout"`: the attempt was not open in time.
    ConnectTimeout = 6,
    /// `"url provider failed"`: the URL provider threw or gave no URL.
    UrlFailed = 7,
    /// `"close timeout"`: the server never answered our close.
    CloseTimeout = 8,
}

impl Reason {
    /// The text sent in the close frame and reported (empty for [`Reason::Given`]).
    pub const fn text(self) -> &'static str {
        match self {
            Reason::Given => "",
            Reason::HeartbeatTimeout => "heartbeat timeout",
            Reason::IdleTimeout => "idle timeout",
            Reason::PageHidden => "page hidden",
            Reason::Reconnect => "reconnect",
            Reason::ReceiveOverflow => "receive buffer full",
            Reason::ConnectTimeout => "connect timeout",
            Reason::UrlFailed => "url provider failed",
            Reason::CloseTimeout => "close timeout",
        }
    }

    /// The reason with this number (as `self as u8`), if there is one.
    pub fn from_u8(n: u8) -> Option<Reason> {
        const ALL: [Reason; 9] = [
            Reason::Given,
            Reason::HeartbeatTimeout,
            Reason::IdleTimeout,
            Reason::PageHidden,
            Reason::Reconnect,
            Reason::ReceiveOverflow,
            Reason::ConnectTimeout,
            Reason::UrlFailed,
            Reason::CloseTimeout,
        ];
        ALL.get(n as usize).copied()
    }
}

/// How a connection or an attempt ended: the browser's close event, or one the machine
/// declares (a dead connection, a failed attempt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Close {
    /// The close code.
    pub code: u16,
    /// The reason's text.
    pub reason: Reason,
    /// Whether the closing handshake completed.
    pub clean: bool,
}

impl Close {
    /// An abnormal end (1006, unclean) with this reason.
    pub const fn abnormal(reason: Reason) -> Close {
        Close {
            code: 1006,
            reason,
            clean: false,
        }
    }
}

/// Whether the browser's `error` event ends a socket whose `readyState` is `ready_state`.
///
/// The standard fires `error` only when the browser fails the connection, with `readyState`
/// already CLOSED, and `close` (1006, unclean) in the same task; Chromium and Firefox do.
/// WebKit sometimes fires `error` and never `close` (a port it blocks: still CONNECTING; a
/// socket past its connection cap: CLOSED), so waiting for `close` hangs. So an `error` on a
/// CONNECTING (0) or CLOSED (3) socket ends it as the standard defines it, 1006 unclean
/// ([`Close::abnormal`]), the same in every engine; one on an OPEN or CLOSING socket does not.
pub fn error_ends_socket(ready_state: u16) -> bool {
    ready_state == 0 || ready_state == 3
}

/// How long a shell waits, in ms, before it reads `bufferedAmount` again while a sender waits
/// for the buffer to drain (the browser fires no drain event), after waiting `prev` ms last
/// time (0 for the first wait): 1, 2, 4, then 8 ms while it lasts. Both shells poll on it
/// (`src/sink.rs`, `js/link.js` `SendBudget`).
pub fn drain_poll_delay(prev: u32) -> u32 {
    match prev {
        0 => 1,
        1..4 => prev * 2,
        _ => 8,
    }
}

/// Application-level keepalive, in milliseconds: browsers cannot send protocol pings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    /// A ping every `interval` while open.
    pub interval: Millis,
    /// No pong within `timeout` of a ping: the connection is dead.
    pub timeout: Millis,
}

/// Everything the machine decides with: the options of a socket, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Whether connections are replaced when they end (a reconnecting socket); without it,
    /// the first end is final (a plain socket).
    pub reconnect: bool,
    /// An attempt not open after this long is given up.
    pub connect_timeout: Option<Millis>,
    /// The delays between attempts.
    pub backoff: Backoff,
    /// Give up after this many failed attempts in a row.
    pub max_retries: Option<u32>,
    /// Whether the app decides if an end is worth a retry ([`Action::Consult`]); without it,
    /// every end but a clean 1000 is.
    pub consult: bool,
    /// The heartbeat, if any.
    pub heartbeat: Option<Heartbeat>,
    /// Nothing received for this long: the connection is dead.
    pub idle_timeout: Option<Millis>,
    /// The close code reporting a heartbeat timeout.
    pub heartbeat_code: u16,
    /// The close code reporting an idle timeout.
    pub idle_code: u16,
    /// Whether the connection is closed when the page goes into the back/forward cache.
    pub close_on_pagehide: bool,
    /// Messages held while no connection takes them (at least 1).
    pub queue_limit: usize,
    /// Bytes of received messages that may wait to be read.
    pub max_buffered_bytes: usize,
    /// The `bufferedAmount` at which a connection stops taking messages (at least 1).
    pub high_water_mark: usize,
}

impl Default for Policy {
    /// A reconnecting socket's defaults: backoff 500 ms doubling to 30 s with full jitter,
    /// retries without end, no heartbeat, no idle timeout, close on pagehide.
    fn default() -> Self {
        Policy {
            reconnect: true,
            connect_timeout: None,
            backoff: Backoff::default(),
            max_retries: None,
            consult: false,
            heartbeat: None,
            idle_timeout: None,
            heartbeat_code: HEARTBEAT_TIMEOUT_CODE,
            idle_code: IDLE_TIMEOUT_CODE,
            close_on_pagehide: true,
            queue_limit: DEFAULT_QUEUE_LIMIT,
            max_buffered_bytes: DEFAULT_MAX_BUFFERED_BYTES,
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
        }
    }
}

impl Policy {
    /// The same policy with every value in range: limits of at least 1, delays capped at
    /// [`MAX_DELAY`], timeout codes a client may send (else the defaults).
    pub fn checked(mut self) -> Policy {
        let cap = |ms: Millis| ms.min(MAX_DELAY);
        self.connect_timeout = self.connect_timeout.map(cap);
        self.idle_timeout = self.idle_timeout.map(cap);
        self.heartbeat = self.heartbeat.map(|h| Heartbeat {
            interval: cap(h.interval).max(1),
            timeout: cap(h.timeout),
        });
        if !sendable_close_code(self.heartbeat_code) {
            self.heartbeat_code = HEARTBEAT_TIMEOUT_CODE;
        }
        if !sendable_close_code(self.idle_code) {
            self.idle_code = IDLE_TIMEOUT_CODE;
        }
        self.queue_limit = self.queue_limit.max(1);
        self.high_water_mark = self.high_water_mark.max(1);
        self
    }

    /// Whether a connection ending with `close` is worth a retry when the app does not say:
    /// every end but a clean 1000 (the server meant it).
    pub fn default_verdict(close: &Close) -> bool {
        !(close.clean && close.code == 1000)
    }
}

/// What the shell counts for the machine, passed with every call: totals since the socket was
/// made, so the machine can tell what one connection carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Messages taken off the queue and handed to a socket (the next one's sequence number).
    pub sent: u64,
    /// Their payload bytes (UTF-8 for text).
    pub sent_bytes: u64,
    /// When the last message (pongs included) was received, on the shell's clock.
    pub last_received: Millis,
    /// The current socket's `bufferedAmount` (0 without one).
    pub buffered: u64,
}

/// Messages handed to a connection that then died.
///
/// WebSocket has no acknowledgements, so nobody can know which of them the server processed:
/// `messages` counts every message handed to that connection (sequence numbers `first_seq ..
/// first_seq + messages`, numbered from 0 in the order they were accepted), of which
/// `unsent_bytes` (the browser's `bufferedAmount` at the end) provably never left the browser.
/// Messages still queued when a connection dies are never counted here: they go out, in
/// order, on the next connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InFlight {
    /// The sequence number of the first message handed to the connection.
    pub first_seq: u64,
    /// How many messages were handed to the connection.
    pub messages: u64,
    /// Their total payload bytes.
    pub bytes: u64,
    /// Bytes the browser still held unsent when the connection died.
    pub unsent_bytes: u64,
}

impl InFlight {
    /// Whether the message with sequence number `seq` was handed to that connection.
    ///
    /// ```
    /// use sockwave::reconnect::InFlight;
    /// let f = InFlight { first_seq: 10, messages: 3, bytes: 30, unsent_bytes: 0 };
    /// assert!(f.contains(12) && !f.contains(13) && !f.contains(9));
    /// ```
    pub fn contains(&self, seq: u64) -> bool {
        seq >= self.first_seq && seq - self.first_seq < self.messages
    }

    fn between(opened: &Tally, ended: &Tally) -> InFlight {
        InFlight {
            first_seq: opened.sent,
            messages: ended.sent.saturating_sub(opened.sent),
            bytes: ended.sent_bytes.saturating_sub(opened.sent_bytes),
            unsent_bytes: ended.buffered,
        }
    }
}

/// Why a socket stopped for good without `close()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The browser refused the URL or the subprotocols: retrying cannot fix them.
    Rejected,
    /// The app's verdict (or the default: a clean 1000) said no.
    ReconnectRefused,
    /// `max_retries` failed attempts in a row.
    RetriesExhausted {
        /// How many retries were made.
        attempts: u32,
    },
    /// More was received than may wait to be read.
    ReceiveOverflow,
    /// A plain socket's one attempt failed.
    ConnectFailed,
    /// A plain socket's one attempt was not open in time.
    ConnectTimeout,
}

/// A change the app is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// An attempt starts: 0 for the first connection, n for the n-th retry in a row.
    Connecting {
        /// The attempt.
        attempt: u32,
    },
    /// The connection is open.
    Open,
    /// An open connection ended (not by `close()`); what was handed to it may be lost.
    Disconnected {
        /// How it ended.
        close: Close,
        /// What was handed to it.
        in_flight: InFlight,
    },
    /// Waiting `delay` before attempt `attempt`.
    Reconnecting {
        /// The attempt about to be made (1-based).
        attempt: u32,
        /// The backoff delay before it, in milliseconds.
        delay: Millis,
    },
    /// Stopped for good.
    Closed {
        /// The final close.
        close: Close,
        /// Why, when it was not `close()` or (for a plain socket) the connection's end.
        failure: Option<Failure>,
    },
}

/// Where messages the app sends go now, until the next [`Action::Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Nowhere: `send` fails with `Closed`.
    Closed,
    /// Into the queue (at most `limit`), to wait for a connection; past it `send` fails with
    /// `QueueFull`.
    Hold {
        /// The queue limit.
        limit: usize,
    },
    /// Into the queue, which the open connection drains as its high-water mark allows; past
    /// the limit `send` waits for room.
    Flow {
        /// The queue limit.
        limit: usize,
    },
}

/// What the machine asks of its shell, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open a connection (ask the URL provider first, if there is one); then feed
    /// [`Input::Opened`], [`Input::Ended`], [`Input::UrlFailed`] or [`Input::Rejected`].
    Connect {
        /// The attempt (as in [`Report::Connecting`]).
        attempt: u32,
    },
    /// Hand every queued message to the socket now, past the high-water mark (before our own
    /// close: what was sent goes out first).
    FlushAll,
    /// Start the closing handshake of the current socket with this code and reason; its end
    /// comes as [`Input::Ended`].
    Close {
        /// The code.
        code: u16,
        /// The reason.
        reason: Reason,
    },
    /// Let the current socket or attempt go: close it (with this code and reason, or with
    /// none while it is connecting), remove its listeners, feed nothing more about it.
    Discard {
        /// The code and reason, if any.
        close: Option<(u16, Reason)>,
    },
    /// Send the heartbeat ping now, past the high-water mark (a server that stopped reading
    /// is exactly what the heartbeat must catch).
    Ping,
    /// Ask the app whether to reconnect after this end; answer with [`Input::Verdict`].
    Consult(Close),
    /// Messages go here from now on.
    Route(Route),
    /// Tell the app.
    Report(Report),
}

/// What the shell tells the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The attempt's socket opened.
    Opened,
    /// The current socket or attempt ended: the browser's `close` event, or an `error` that
    /// ends it ([`error_ends_socket`], then [`Close::abnormal`]).
    Ended(Close),
    /// The browser refused the URL or the subprotocols (the constructor threw).
    Rejected,
    /// The URL provider threw, rejected or gave no URL: a failed attempt, retried.
    UrlFailed,
    /// The heartbeat's pong arrived.
    Pong,
    /// Received messages waiting to be read passed the receive limit.
    Overflow,
    /// The app's answer to [`Action::Consult`].
    Verdict(bool),
    /// The network went away (`offline`).
    Offline,
    /// The network came back (`online`).
    Online,
    /// The page was hidden (`visibilitychange`).
    Hidden,
    /// The page is visible again.
    Visible,
    /// The page was resumed after being frozen (`resume`).
    Resumed,
    /// `pagehide`; `persisted`: into the back/forward cache.
    PageHide {
        /// The event's `persisted`.
        persisted: bool,
    },
    /// `pageshow`; `persisted`: back from the back/forward cache.
    PageShow {
        /// The event's `persisted`.
        persisted: bool,
    },
}

/// The actions decided and not yet taken: a ring of fixed capacity, so the machine allocates
/// nothing (the npm package's .wasm links no allocator). One call decides at most 6 actions
/// (a replaced connection: discard, report, report, connect, route); the shells take them
/// after every call, so 16 is never reached (the simulation checks it).
#[derive(Debug, Clone)]
struct Actions {
    ring: [Action; ACTIONS],
    head: usize,
    len: usize,
}

const ACTIONS: usize = 16;

impl Actions {
    const fn new() -> Actions {
        Actions {
            ring: [Action::Ping; ACTIONS],
            head: 0,
            len: 0,
        }
    }

    // Out of line, here and on the machine's helpers below: one copy of each in the npm
    // package's .wasm instead of one per caller (measured: the .wasm's size budget).
    #[inline(never)]
    fn push(&mut self, action: Action) {
        if let Some(slot) = self.ring.get_mut((self.head + self.len) % ACTIONS) {
            if self.len < ACTIONS {
                *slot = action;
                self.len += 1;
            }
        }
    }

    fn pop(&mut self) -> Option<Action> {
        if self.len == 0 {
            return None;
        }
        let action = self.ring.get(self.head).copied();
        self.head = (self.head + 1) % ACTIONS;
        self.len -= 1;
        action
    }
}

/// `reconnect()` or `close()` after the socket was closed for good by `close()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

/// One open connection.
#[derive(Debug, Clone, Copy)]
struct Conn {
    /// The tally when it opened.
    opened: Tally,
    next_ping: Option<Millis>,
    pong_due: Option<Millis>,
    idle_check: Option<Millis>,
    /// Our own close was started: its end finishes the socket, or this deadline does.
    closing: bool,
    close_due: Option<Millis>,
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Offline or in the back/forward cache: the next attempt waits.
    Waiting,
    Connecting {
        deadline: Option<Millis>,
    },
    Open(Conn),
    /// Waiting for the app's [`Input::Verdict`] on this end.
    Consulting(Close),
    Backoff {
        until: Millis,
    },
    Finished,
}

/// The decisions of one socket's life; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Machine {
    policy: Policy,
    phase: Phase,
    now: Millis,
    /// Failed attempts in a row since the last open.
    retries: u32,
    offline: bool,
    /// In the back/forward cache.
    suspended: bool,
    hidden_since: Option<Millis>,
    /// An attempt is wanted at once: `reconnect()` or `online` while one was under way, or
    /// while offline.
    wanted: bool,
    /// `close()` was called.
    close_requested: bool,
    /// The last [`Route`] given.
    route: Route,
    actions: Actions,
    random: u64,
}

impl Machine {
    /// A machine for one socket, at `now`, making its first attempt at once (or as soon as
    /// the network and the page allow). `seed` seeds the jitter's random numbers.
    pub fn new(policy: Policy, now: Millis, seed: u64) -> Machine {
        let policy = policy.checked();
        let mut m = Machine {
            route: Route::Hold {
                limit: policy.queue_limit,
            },
            policy,
            phase: Phase::Waiting,
            now,
            retries: 0,
            offline: false,
            suspended: false,
            hidden_since: None,
            wanted: false,
            close_requested: false,
            actions: Actions::new(),
            random: seed,
        };
        m.actions.push(Action::Route(m.route));
        m.attempt();
        m
    }

    /// The policy in force (checked).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Where messages go now (the last [`Action::Route`]).
    pub fn route(&self) -> Route {
        self.route
    }

    /// Whether the socket is closed for good.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Finished)
    }

    /// The next action to carry out, in order.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop()
    }

    /// How many actions wait to be taken.
    pub fn pending_actions(&self) -> usize {
        self.actions.len
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due, if anything is scheduled.
    pub fn poll_timeout(&self) -> Option<Millis> {
        match &self.phase {
            Phase::Connecting { deadline } => *deadline,
            Phase::Backoff { until } => Some(*until),
            // The earliest of the four (a fold: the iterator chain cost 300 B in the .wasm).
            Phase::Open(c) => {
                [c.pong_due, c.idle_check, c.close_due]
                    .into_iter()
                    .fold(c.next_ping, |due, t| match (due, t) {
                        (Some(due), Some(t)) => Some(due.min(t)),
                        _ => due.or(t),
                    })
            }
            Phase::Waiting | Phase::Consulting(_) | Phase::Finished => None,
        }
    }

    /// Feeds an event.
    pub fn handle(&mut self, now: Millis, tally: &Tally, input: Input) {
        self.advance(now);
        match (input, self.phase) {
            (Input::Opened, Phase::Connecting { .. }) => self.opened(tally),
            (Input::Ended(close), Phase::Connecting { .. }) => self.attempt_failed(close),
            (Input::UrlFailed, Phase::Connecting { .. }) => {
                self.attempt_failed(Close::abnormal(Reason::UrlFailed))
            }
            (Input::Rejected, Phase::Connecting { .. }) => {
                self.finish(Close::abnormal(Reason::Given), Some(Failure::Rejected))
            }
            (Input::Ended(close), Phase::Open(c)) if c.closing => {
                // Our close: a clean end delivered everything handed over; an unclean one may
                // not have, so it is reported like any loss first.
                if !close.clean {
                    self.report_lost(close, &c, tally);
                }
                self.finish(close, None)
            }
            (Input::Ended(close), Phase::Open(c)) => self.lost(close, &c, tally),
            (Input::Pong, Phase::Open(mut c)) => {
                c.pong_due = None;
                self.phase = Phase::Open(c);
            }
            (Input::Overflow, Phase::Open(c)) if !c.closing => {
                let code = RECEIVE_OVERFLOW_CODE;
                self.push(Action::Discard {
                    close: Some((code, Reason::ReceiveOverflow)),
                });
                let close = Close {
                    code,
                    reason: Reason::ReceiveOverflow,
                    clean: true,
                };
                self.report_lost(close, &c, tally);
                self.finish(close, Some(Failure::ReceiveOverflow));
            }
            (Input::Verdict(yes), Phase::Consulting(close)) => self.verdict(close, yes),
            (Input::Offline, _) => self.offline = true,
            (Input::Online, _) => {
                self.offline = false;
                self.wake_up();
            }
            (Input::Hidden, _) => self.hidden_since = Some(now),
            (Input::Visible, _) => {
                let interval = self.policy.heartbeat.map_or(Millis::MAX, |h| h.interval);
                if let Some(since) = self.hidden_since.take() {
                    if now.saturating_sub(since) >= interval {
                        self.probe();
                    }
                }
            }
            (Input::Resumed, _) => self.probe(),
            (Input::PageHide { persisted: true }, _) if self.policy.close_on_pagehide => {
                self.suspend(tally)
            }
            (Input::PageShow { persisted: true }, _) => {
                if std::mem::take(&mut self.suspended) {
                    self.wanted = true;
                    self.wake_up();
                } else {
                    self.probe();
                }
            }
            // Anything else (a stray event for a socket already let go, a pong with no
            // connection, a verdict nobody asked for) changes nothing.
            _ => {}
        }
        self.reroute();
    }

    /// The deadlines due at `now`: a connect timeout, the end of a backoff delay, a ping, a
    /// pong overdue, an idle check.
    pub fn handle_timeout(&mut self, now: Millis, tally: &Tally) {
        self.advance(now);
        let due = |t: Option<Millis>| t.is_some_and(|t| t <= now);
        match self.phase {
            Phase::Connecting { deadline } if due(deadline) => {
                self.push(Action::Discard { close: None });
                self.attempt_failed(Close::abnormal(Reason::ConnectTimeout));
            }
            Phase::Backoff { until } if until <= now => {
                self.phase = Phase::Waiting;
                self.attempt();
            }
            Phase::Open(c) if c.closing && due(c.close_due) => {
                self.push(Action::Discard { close: None });
                let close = Close::abnormal(Reason::CloseTimeout);
                self.report_lost(close, &c, tally);
                self.finish(close, None);
            }
            Phase::Open(mut c) if !c.closing => {
                if due(c.pong_due) {
                    let code = self.policy.heartbeat_code;
                    return self.abandon(code, Reason::HeartbeatTimeout, &c, tally);
                }
                if let (true, Some(h)) = (due(c.next_ping), self.policy.heartbeat) {
                    // One ping at a time: with one unanswered, the next waits for its deadline.
                    c.next_ping = Some(self.after(h.interval));
                    match c.pong_due {
                        None => {
                            self.push(Action::Ping);
                            c.pong_due = Some(self.after(h.timeout));
                        }
                        Some(due) => c.next_ping = c.next_ping.max(Some(due)),
                    }
                }
                if let (true, Some(limit)) = (due(c.idle_check), self.policy.idle_timeout) {
                    let idle = now.saturating_sub(tally.last_received);
                    if idle >= limit {
                        let code = self.policy.idle_code;
                        return self.abandon(code, Reason::IdleTimeout, &c, tally);
                    }
                    c.idle_check = Some(self.after(limit - idle));
                }
                self.phase = Phase::Open(c);
            }
            _ => {}
        }
        self.reroute();
    }

    /// `close(code, reason)` with a reason of `reason_bytes` UTF-8 bytes: checked, then the
    /// socket stops for good. An open connection is handed every queued message, then closed
    /// with the code and reason (its end, [`Input::Ended`], is the final close); an attempt
    /// is let go; a delay is cancelled. Messages still queued while no connection is open are
    /// not sent. A second `close()` changes nothing.
    pub fn close(
        &mut self,
        now: Millis,
        code: u16,
        reason_bytes: usize,
    ) -> Result<(), CloseProblem> {
        check_close(code, reason_bytes)?;
        self.advance(now);
        if std::mem::replace(&mut self.close_requested, true) || self.is_finished() {
            // Closed already, or gave up: closed for good now (no `reconnect()`).
            self.reroute();
            return Ok(());
        }
        let given = Close {
            code,
            reason: Reason::Given,
            clean: true,
        };
        match self.phase {
            Phase::Open(mut c) => {
                self.push(Action::FlushAll);
                self.push(Action::Close {
                    code,
                    reason: Reason::Given,
                });
                // The handshake is ours now: no ping, no dead-connection verdict; but a server
                // that never answers does not keep the socket: see `close_timeout`.
                c.closing = true;
                c.next_ping = None;
                c.pong_due = None;
                c.idle_check = None;
                c.close_due = Some(self.after(self.close_timeout()));
                self.phase = Phase::Open(c);
            }
            Phase::Connecting { .. } => {
                self.push(Action::Discard { close: None });
                self.finish(given, None);
            }
            _ => self.finish(given, None),
        }
        self.reroute();
        Ok(())
    }

    /// `reconnect()`: an attempt now, with the backoff reset. An open connection is let go
    /// (closed with 1000 `"reconnect"`, reported [`Report::Disconnected`] as any loss); a
    /// delay is cut short; while offline or in the back/forward cache the attempt waits for
    /// the network or the page; an attempt under way is not disturbed (if it fails, the next
    /// one is made at once). After the socket gave up (refused, retries exhausted, receive
    /// overflow) it starts over. After `close()`, [`Closed`].
    pub fn reconnect(&mut self, now: Millis, tally: &Tally) -> Result<(), Closed> {
        self.advance(now);
        if self.close_requested || !self.policy.reconnect {
            return Err(Closed);
        }
        self.retries = 0;
        match self.phase {
            Phase::Open(c) => {
                self.replace(Reason::Reconnect, &c, tally);
                self.attempt();
            }
            Phase::Finished | Phase::Backoff { .. } => {
                self.phase = Phase::Waiting;
                self.attempt();
            }
            Phase::Waiting | Phase::Connecting { .. } | Phase::Consulting(_) => self.wanted = true,
        }
        self.reroute();
        Ok(())
    }

    /// How long our close waits for the server's answer: as long as a pong may take (the
    /// heartbeat's timeout), or [`DEFAULT_CLOSE_TIMEOUT`] without a heartbeat. Then the
    /// connection is let go and the close is reported unclean (1006, `"close timeout"`), with
    /// what it carried in flight: `close()` always settles, whatever the server does (Node's
    /// WebSocket, for one, waits for a stalled server forever).
    pub fn close_timeout(&self) -> Millis {
        self.policy
            .heartbeat
            .map_or(DEFAULT_CLOSE_TIMEOUT, |h| h.timeout)
    }

    // -- Decisions. --

    /// Time passes: a clock that went back moves every deadline back as far, so what was
    /// due in a minute is still due in a minute.
    #[inline(never)]
    fn advance(&mut self, now: Millis) {
        if now < self.now {
            let back = self.now - now;
            let shift = |t: &mut Option<Millis>| *t = t.map(|t| t.saturating_sub(back));
            match &mut self.phase {
                Phase::Connecting { deadline } => shift(deadline),
                Phase::Backoff { until } => *until = until.saturating_sub(back),
                Phase::Open(c) => {
                    shift(&mut c.next_ping);
                    shift(&mut c.pong_due);
                    shift(&mut c.idle_check);
                    shift(&mut c.close_due);
                }
                _ => {}
            }
            shift(&mut self.hidden_since);
        }
        self.now = now;
    }

    // Out of line (as `push`): it had a copy at each of its nine callers (-80 B gzip, measured).
    #[inline(never)]
    fn after(&self, delay: Millis) -> Millis {
        self.now.saturating_add(delay.min(MAX_DELAY))
    }

    fn push(&mut self, action: Action) {
        self.actions.push(action);
    }

    /// An attempt now, unless offline or in the back/forward cache.
    #[inline(never)]
    fn attempt(&mut self) {
        if self.offline || self.suspended {
            self.phase = Phase::Waiting;
            return;
        }
        self.wanted = false;
        let attempt = self.retries;
        self.push(Action::Report(Report::Connecting { attempt }));
        self.push(Action::Connect { attempt });
        let deadline = self.policy.connect_timeout.map(|t| self.after(t));
        self.phase = Phase::Connecting { deadline };
    }

    /// The network came back or the page was shown again: a connection is probed; a wait or
    /// a delay ends in an attempt now, backoff reset; an attempt under way, if it fails, is
    /// followed by one at once.
    fn wake_up(&mut self) {
        match self.phase {
            Phase::Open(_) => self.probe(),
            Phase::Waiting | Phase::Backoff { .. } => {
                self.retries = 0;
                self.attempt();
            }
            Phase::Connecting { .. } | Phase::Consulting(_) => self.wanted = true,
            Phase::Finished => {}
        }
    }

    fn opened(&mut self, tally: &Tally) {
        self.retries = 0;
        self.wanted = false;
        let heartbeat = self.policy.heartbeat;
        self.phase = Phase::Open(Conn {
            opened: *tally,
            next_ping: heartbeat.map(|h| self.after(h.interval)),
            pong_due: None,
            idle_check: self.policy.idle_timeout.map(|t| self.after(t)),
            closing: false,
            close_due: None,
        });
        self.push(Action::Report(Report::Open));
    }

    /// A ping now, if there is a heartbeat and no ping is waiting for its pong.
    fn probe(&mut self) {
        if let (Phase::Open(mut c), Some(h)) = (self.phase, self.policy.heartbeat) {
            if !c.closing && c.pong_due.is_none() {
                self.push(Action::Ping);
                c.pong_due = Some(self.after(h.timeout));
                self.phase = Phase::Open(c);
            }
        }
    }

    /// The page goes into the back/forward cache: a connection is closed (reported lost) and
    /// an attempt let go; nothing happens until it is shown again.
    fn suspend(&mut self, tally: &Tally) {
        self.suspended = true;
        match self.phase {
            Phase::Open(c) if !c.closing => self.replace(Reason::PageHidden, &c, tally),
            Phase::Connecting { .. } => {
                self.push(Action::Discard { close: None });
                self.phase = Phase::Waiting;
            }
            Phase::Backoff { .. } => self.phase = Phase::Waiting,
            _ => {}
        }
    }

    /// Lets an open connection go, closed normally with `reason`, reported lost.
    fn replace(&mut self, reason: Reason, c: &Conn, tally: &Tally) {
        self.push(Action::Discard {
            close: Some((1000, reason)),
        });
        let close = Close {
            code: 1000,
            reason,
            clean: true,
        };
        if !self.policy.reconnect {
            return self.finish(close, None);
        }
        self.report_lost(close, c, tally);
        self.phase = Phase::Waiting;
    }

    /// Gives up on a connection that stopped answering: closes it with `code` and reports it
    /// lost.
    fn abandon(&mut self, code: u16, reason: Reason, c: &Conn, tally: &Tally) {
        self.push(Action::Discard {
            close: Some((code, reason)),
        });
        let close = Close {
            code,
            reason,
            clean: false,
        };
        self.lost(close, c, tally);
        self.reroute();
    }

    /// An open connection ended, not by our close.
    fn lost(&mut self, close: Close, c: &Conn, tally: &Tally) {
        if !self.policy.reconnect {
            return self.finish(close, None);
        }
        self.report_lost(close, c, tally);
        self.consult(close);
    }

    /// Reports what a connection that ended carried (a reconnecting socket's report).
    fn report_lost(&mut self, close: Close, c: &Conn, tally: &Tally) {
        if self.policy.reconnect {
            let in_flight = InFlight::between(&c.opened, tally);
            self.push(Action::Report(Report::Disconnected { close, in_flight }));
        }
    }

    fn attempt_failed(&mut self, close: Close) {
        if !self.policy.reconnect {
            let failure = match close.reason {
                Reason::ConnectTimeout => Failure::ConnectTimeout,
                _ => Failure::ConnectFailed,
            };
            return self.finish(close, Some(failure));
        }
        self.consult(close);
    }

    fn consult(&mut self, close: Close) {
        if self.policy.consult {
            self.phase = Phase::Consulting(close);
            self.push(Action::Consult(close));
        } else {
            self.verdict(close, Policy::default_verdict(&close));
        }
    }

    /// Retry or not, and when.
    fn verdict(&mut self, close: Close, retry: bool) {
        if !retry {
            return self.finish(close, Some(Failure::ReconnectRefused));
        }
        if self.wanted {
            self.retries = 0;
            return self.attempt();
        }
        self.retries = self.retries.saturating_add(1);
        if self
            .policy
            .max_retries
            .is_some_and(|max| self.retries > max)
        {
            let attempts = self.retries - 1;
            return self.finish(close, Some(Failure::RetriesExhausted { attempts }));
        }
        let random = self.next_random();
        let delay = self
            .policy
            .backoff
            .delay_millis(self.retries, random)
            .min(MAX_DELAY);
        let attempt = self.retries;
        self.push(Action::Report(Report::Reconnecting { attempt, delay }));
        self.phase = Phase::Backoff {
            until: self.after(delay),
        };
    }

    #[inline(never)]
    fn finish(&mut self, close: Close, failure: Option<Failure>) {
        self.phase = Phase::Finished;
        self.wanted = false;
        self.push(Action::Report(Report::Closed { close, failure }));
    }

    /// Tells the shell where messages go when that changed.
    #[inline(never)]
    fn reroute(&mut self) {
        let limit = self.policy.queue_limit;
        let route = match self.phase {
            _ if self.close_requested => Route::Closed,
            Phase::Finished => Route::Closed,
            Phase::Open(c) if !c.closing => Route::Flow { limit },
            _ => Route::Hold { limit },
        };
        if route != self.route {
            self.route = route;
            self.push(Action::Route(route));
        }
    }

    /// A uniform random number in `0..1` (splitmix64 over the seed).
    fn next_random(&mut self) -> f64 {
        self.random = self.random.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.random;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drain_polls_back_off_from_1_to_8_ms() {
        let mut delays = vec![];
        let mut d = 0;
        for _ in 0..6 {
            d = drain_poll_delay(d);
            delays.push(d);
        }
        assert_eq!(delays, [1, 2, 4, 8, 8, 8]);
        assert_eq!(drain_poll_delay(u32::MAX), 8);
    }

    #[test]
    fn close_rules() {
        for ok in [1000, 3000, 3999, 4000, 4999] {
            assert!(sendable_close_code(ok), "{ok}");
        }
        for bad in [0, 999, 1001, 1005, 1006, 1015, 2999, 5000, 65535] {
            assert!(!sendable_close_code(bad), "{bad}");
        }
        assert_eq!(check_close(4000, 123), Ok(()));
        assert_eq!(check_close(4000, 124), Err(CloseProblem::Reason));
        assert_eq!(check_close(1005, 0), Err(CloseProblem::Code));
    }

    #[test]
    fn reasons_round_trip() {
        for n in 0..9 {
            assert_eq!(Reason::from_u8(n).map(|r| r as u8), Some(n));
        }
        assert_eq!(Reason::from_u8(9), None);
    }
}
