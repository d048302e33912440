//! What the reconnecting socket reports about its connection: pure data, tested natively.

use std::time::Duration;

use crate::CloseEvent;

/// The close code sockwave uses by default when the heartbeat gets no pong in time
/// (`ReconnectingBuilder::timeout_codes` sets another).
pub const HEARTBEAT_TIMEOUT_CODE: u16 = 4000;
/// The close code sockwave uses by default when nothing was received for the idle timeout
/// (`ReconnectingBuilder::timeout_codes` sets another).
pub const IDLE_TIMEOUT_CODE: u16 = 4001;

/// The connection's life, as yielded by
/// [`ReconnectingWebSocket::states`](crate::reconnect::ReconnectingWebSocket::states).
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
}

/// Messages handed to a connection that then died.
///
/// WebSocket has no acknowledgements, so sockwave cannot know which of them the server
/// processed: `messages` counts every message sent on that connection (sequence numbers
/// `first_seq .. first_seq + messages`, numbered from 0 in the order the sink accepted them),
/// of which `unsent_bytes` (the browser's `bufferedAmount` at the drop) provably never left the
/// browser. Messages still queued when a connection dies are never counted here: they go out,
/// in order, on the next connection.
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

    pub(crate) fn record(&mut self, seq: u64, bytes: usize) {
        if self.messages == 0 {
            self.first_seq = seq;
        }
        self.messages += 1;
        self.bytes += bytes as u64;
    }
}
