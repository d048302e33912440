//! What the machine and its shell tell each other: the inputs fed, the actions decided, the
//! reports for the app, and the counts the shell keeps.

use super::Millis;

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
    /// `"close timeout"`: the peer never finished the closing handshake.
    CloseTimeout = 8,
    /// `"closed before open"`: a plain socket's `close()` let its attempt go.
    ClosedBeforeOpen = 9,
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
            Reason::ClosedBeforeOpen => "closed before open",
        }
    }

    /// The reason with this number (as `self as u8`), if there is one.
    #[allow(dead_code)] // the npm package's .wasm (`reasonText`)
    pub fn from_u8(n: u8) -> Option<Reason> {
        const ALL: [Reason; 10] = [
            Reason::Given,
            Reason::HeartbeatTimeout,
            Reason::IdleTimeout,
            Reason::PageHidden,
            Reason::Reconnect,
            Reason::ReceiveOverflow,
            Reason::ConnectTimeout,
            Reason::UrlFailed,
            Reason::CloseTimeout,
            Reason::ClosedBeforeOpen,
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

/// What the shell counts for the machine, passed with every call: totals since the socket was
/// made, so the machine can tell what one connection carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Messages taken off the queue and handed to a socket, and those dropped from it when the
    /// socket stopped: the next accepted message's sequence number.
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

    pub(super) fn between(opened: &Tally, ended: &Tally) -> InFlight {
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
    /// A plain socket's connection ended unclean (lost, or our close not answered in time).
    ConnectionLost,
}

impl Failure {
    /// What the end of a plain socket's one connection is, when nothing else (a timeout, an
    /// overflow) decided it: one that never opened failed to connect, one that opened and
    /// ended unclean was lost, a clean end is no failure. The machine's plain mode decides
    /// with it, and so does the browser Rust face's plain socket, which runs without the
    /// machine (docs/machine.md, decision 44, says why).
    pub fn of_plain_end(opened: bool, clean: bool) -> Option<Failure> {
        match (opened, clean) {
            (false, _) => Some(Failure::ConnectFailed),
            (true, false) => Some(Failure::ConnectionLost),
            (true, true) => None,
        }
    }
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
    /// The peer started the closing handshake (its close frame arrived, and was answered):
    /// nothing more is handed to the connection, whose end comes as [`Input::Ended`] or is
    /// declared after the close timeout. Only a native shell sees the frame; a browser
    /// reports the end alone.
    #[cfg_attr(target_family = "wasm", allow(dead_code))]
    Closing,
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
    #[cfg_attr(not(target_family = "wasm"), allow(dead_code))]
    // a page's event: browser shells
    Hidden,
    /// The page is visible again.
    #[cfg_attr(not(target_family = "wasm"), allow(dead_code))]
    // a page's event: browser shells
    Visible,
    /// The page was resumed after being frozen (`resume`).
    Resumed,
    /// `pagehide`; `persisted`: into the back/forward cache.
    #[cfg_attr(not(target_family = "wasm"), allow(dead_code))]
    // a page's event: browser shells
    PageHide {
        /// The event's `persisted`.
        persisted: bool,
    },
    /// `pageshow`; `persisted`: back from the back/forward cache.
    #[cfg_attr(not(target_family = "wasm"), allow(dead_code))]
    // a page's event: browser shells
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
pub(super) struct Actions {
    ring: [Action; ACTIONS],
    head: usize,
    pub(super) len: usize,
}

const ACTIONS: usize = 16;

impl Actions {
    pub(super) const fn new() -> Actions {
        Actions {
            ring: [Action::Ping; ACTIONS],
            head: 0,
            len: 0,
        }
    }

    // Out of line, here and on the machine's helpers below: one copy of each in the npm
    // package's .wasm instead of one per caller (measured: the .wasm's size budget).
    #[inline(never)]
    pub(super) fn push(&mut self, action: Action) {
        if let Some(slot) = self.ring.get_mut((self.head + self.len) % ACTIONS) {
            if self.len < ACTIONS {
                *slot = action;
                self.len += 1;
            }
        }
    }

    pub(super) fn pop(&mut self) -> Option<Action> {
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
