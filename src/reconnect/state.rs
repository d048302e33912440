//! What the reconnecting socket reports about its connection: pure data, tested natively.

use std::time::Duration;

use crate::CloseEvent;

pub use crate::machine::{InFlight, HEARTBEAT_TIMEOUT_CODE, IDLE_TIMEOUT_CODE};

/// The connection's life, as yielded by `ReconnectingWebSocket::states`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Opening a connection; `attempt` 0 is the first connection, then 1, 2, ... for
    /// reconnections since the last time the socket was open.
    Connecting {
        /// 0 for the first connection, n for the n-th retry in a row.
        attempt: u32,
    },
    /// Open: queued messages are being flushed, in order.
    Open,
    /// An open connection ended unexpectedly; what was handed to it may be lost.
    Disconnected {
        /// How it ended (a synthesized 4000/4001 for heartbeat/idle timeouts).
        close: CloseEvent,
        /// What was handed to the connection and cannot be known delivered.
        in_flight: InFlight,
    },
    /// Waiting `delay` before attempt `attempt`.
    Reconnecting {
        /// The attempt about to be made (1-based).
        attempt: u32,
        /// The backoff delay before it.
        delay: Duration,
    },
    /// Closed for good: after `close()`, a refused reconnection, or exhausted retries.
    Closed(CloseEvent),
    /// Only in a [`States`](crate::reconnect::States) stream, never the current state: this
    /// many states were dropped here because the observer fell behind
    /// ([`OBSERVER_CAPACITY`](crate::OBSERVER_CAPACITY) states waited unread).
    Missed(u64),
}

impl crate::events::Observed for ConnectionState {
    fn missed(n: u64) -> Self {
        ConnectionState::Missed(n)
    }
    // A socket that gave up (`Closed`) may start over: no state is the last one.
    fn is_last(&self) -> bool {
        false
    }
}
