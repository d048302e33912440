//! The messages' side of the shared state: what the sink queues and the driver hands to the
//! open connection (counted for the machine), and what the driver or the browser's `message`
//! event takes in for the stream, within the receive limit.

use std::task::Context;

use super::Shared;
use crate::face::{probe_flush, probe_send};
use crate::machine::{Millis, Route};
use crate::wake::Wake;
use crate::{Error, Message};

impl Shared {
    /// Messages accepted and not yet handed to a connection.
    pub(in crate::reconnect) fn queued(&self) -> usize {
        self.outgoing.len()
    }

    /// The sequence number the next accepted message will have: messages are handed in the
    /// order they are accepted (the queue first), and numbered as they are handed.
    #[cfg_attr(not(feature = "jsonrpc"), allow(dead_code))]
    pub(in crate::reconnect) fn next_seq(&self) -> u64 {
        self.tally.sent.saturating_add(self.outgoing.len() as u64)
    }

    /// The direct path: with the route open and nothing queued before it, `message` goes to
    /// the open connection at once (counted), as the driver would send it; else it is given
    /// back.
    pub(in crate::reconnect) fn send_direct(&mut self, message: Message) -> Result<(), Message> {
        match (
            self.machine.route(),
            self.outgoing.is_empty(),
            &self.current,
        ) {
            (Route::Flow { .. }, true, Some(probe)) => {
                let len = message.len() as u64;
                probe_send(probe, message)?;
                self.count_handed(len);
                Ok(())
            }
            _ => Err(message),
        }
    }

    /// Queues a message for the driver to hand over.
    pub(in crate::reconnect) fn queue(&mut self, message: Message) -> Wake {
        self.outgoing.push_back(message);
        self.driver.take()
    }

    /// Hands the first queued message to the open connection if it takes it (below its mark;
    /// one it refuses stays first, for the next connection): whether it did.
    pub(in crate::reconnect) fn hand_over_first(&mut self) -> bool {
        let Some(probe) = &self.current else {
            return false;
        };
        let Some(message) = self.outgoing.pop_front() else {
            return false;
        };
        let len = message.len() as u64;
        match probe_send(probe, message) {
            Ok(()) => {
                self.count_handed(len);
                true
            }
            Err(message) => {
                self.outgoing.push_front(message);
                false
            }
        }
    }

    /// The first queued message, taken out (to hand over past the mark: our close's flush).
    pub(in crate::reconnect) fn take_queued(&mut self) -> Option<Message> {
        self.outgoing.pop_front()
    }

    /// Counts a message of `len` bytes handed to a connection: it is in flight.
    pub(in crate::reconnect) fn count_handed(&mut self, len: u64) {
        self.tally.sent = self.tally.sent.saturating_add(1);
        self.tally.sent_bytes = self.tally.sent_bytes.saturating_add(len);
    }

    /// Writes what the open connection was given from the calling task (natively; nothing in
    /// the browser).
    pub(in crate::reconnect) fn flush_current(&self) {
        if let Some(probe) = &self.current {
            probe_flush(probe);
        }
    }

    /// A writer waits for queue room, a flush or the end.
    pub(in crate::reconnect) fn wait_for_writers(&mut self, cx: &Context<'_>) {
        self.writers.register(cx);
    }

    // The receiving side.

    /// The time a message was last received (the idle timeout's and the heartbeat's clock).
    pub(in crate::reconnect) fn received_at(&mut self, at: Millis) {
        self.tally.last_received = at;
    }

    /// The next received message (or the final error), if one waits.
    pub(in crate::reconnect) fn take_received(&mut self) -> Option<Result<Message, Error>> {
        let item = self.incoming.pop_front()?;
        if let Ok(message) = &item {
            self.backlog.taken(message.len());
        }
        Some(item)
    }

    /// Received items waiting to be taken.
    pub(in crate::reconnect) fn received(&self) -> usize {
        self.incoming.len()
    }

    /// The stream's task waits for a message.
    pub(in crate::reconnect) fn wait_for_message(&mut self, cx: &Context<'_>) {
        self.reader.register(cx);
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
}
