//! The options a machine decides with ([`Policy`]) and their defaults.

use super::backoff::Backoff;
use super::browser::sendable_close_code;
use super::{Close, Millis};

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
#[allow(dead_code)] // the npm package's .wasm (`policyDefault`)
pub const DEFAULT_HEARTBEAT: Heartbeat = Heartbeat {
    interval: 15_000,
    timeout: 5_000,
};
/// How long our close waits for the server's answer without a heartbeat (see
/// [`Machine::close_timeout`]).
pub const DEFAULT_CLOSE_TIMEOUT: Millis = 10_000;
/// How long an attempt may take to open, by default: TCP, TLS, the handshake and the URL
/// provider, where there is one. A server that accepts and never answers cannot hold a socket
/// longer (browsers give up after 20 s in Firefox, 240 s in Chromium; natively nothing would).
pub const DEFAULT_CONNECT_TIMEOUT: Millis = 30_000;
/// How long a connection must stay open before the retry count starts over, by default: a
/// server that completes the handshake and drops at once backs off as one that refuses does.
pub const DEFAULT_MIN_UPTIME: Millis = 5_000;
/// How many items an observer ([`Events`](crate::Events), a reconnecting socket's
/// [`States`](crate::reconnect::States)) holds unread at most. Past it new items are dropped
/// and counted, and the observer reads one `Missed(n)` marker in their place
/// ([`WsEvent::Missed`](crate::WsEvent::Missed),
/// [`ConnectionState::Missed`](crate::reconnect::ConnectionState::Missed)); the last item (a
/// socket's `Close`) always arrives.
///
/// Also the notifications a call client's unread stream holds (`rpc`, and the npm package's
/// `sockwave/rpc`, which reads it from the .wasm).
pub const OBSERVER_CAPACITY: usize = 1024;
/// How long a call (`rpc`, and the npm package's `sockwave/rpc`) waits for its answer, by
/// default.
#[allow(dead_code)] // without the `jsonrpc` feature, only the npm package's .wasm reads it
pub const DEFAULT_CALL_TIMEOUT: Millis = 30_000;
/// The longest delay a browser timer takes (`setTimeout` fires a longer one at once): every
/// delay the machine schedules is capped here.
pub const MAX_DELAY: Millis = 0x7fff_ffff;

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
    /// An attempt not open after this long is given up ([`DEFAULT_CONNECT_TIMEOUT`]); `None`
    /// waits as long as the transport does.
    pub connect_timeout: Option<Millis>,
    /// A connection open at least this long starts the retry count over when it ends
    /// ([`DEFAULT_MIN_UPTIME`]); a shorter one counts as a failed attempt.
    pub min_uptime: Millis,
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
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            min_uptime: DEFAULT_MIN_UPTIME,
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

/// The receive limit's rule for a message of `len` bytes that would wait behind `waiting`
/// bytes (0 for a message handed at once to a waiting reader: it counts for nothing, but may
/// not be larger than the limit): it is taken only if the count stays within `limit`. The
/// Rust faces' `Backlog` and the npm package's `Inbox` (through the .wasm's `receiveFits`)
/// both ask it.
pub fn receive_fits(waiting: usize, len: usize, limit: usize) -> bool {
    waiting.saturating_add(len) <= limit
}

/// The high-water mark a socket keeps for `given`: at least 1 (0 would never send).
pub fn high_water_mark(given: usize) -> usize {
    given.max(1)
}

impl Policy {
    /// A plain socket's policy: one attempt (within `connect_timeout`, `None` for as long as
    /// the transport waits), no heartbeat, and the first end is final.
    // The native face's plain socket (native/driver/life.rs). The npm package's .wasm builds
    // the same policy from `machineNew`'s numbers (js/shell.js `plainPolicy`); the browser
    // Rust face's plain socket runs on the machine's rules, not on it (docs/machine.md, 44).
    #[cfg_attr(target_family = "wasm", allow(dead_code))]
    pub fn plain(connect_timeout: Option<Millis>) -> Policy {
        Policy {
            reconnect: false,
            connect_timeout,
            close_on_pagehide: false,
            ..Policy::default()
        }
    }

    /// The same policy with every value in range: limits of at least 1, delays capped at
    /// [`MAX_DELAY`], timeout codes a client may send (else the defaults).
    pub fn checked(mut self) -> Policy {
        let cap = |ms: Millis| ms.min(MAX_DELAY);
        self.connect_timeout = self.connect_timeout.map(cap);
        self.min_uptime = cap(self.min_uptime);
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
        self.high_water_mark = high_water_mark(self.high_water_mark);
        self
    }

    /// Whether a connection ending with `close` is worth a retry when the app does not say:
    /// every end but a clean 1000 (the server meant it).
    pub fn default_verdict(close: &Close) -> bool {
        !(close.clean && close.code == 1000)
    }
}
