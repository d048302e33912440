//! The receive limit's rule, one for every face: what received messages waiting to be read
//! count against `max_buffered_bytes`. Pure: no I/O, tested natively.

/// What received messages waiting to be read count against the receive limit
/// (`max_buffered_bytes`), the same in every face (the npm package's `Inbox` keeps it too):
///
/// - binary in bytes, text in UTF-8 bytes (what the server sent, whatever a string costs in
///   the engine's memory);
/// - a message that arrives while the queue is empty and a reader waits is handed at once and
///   counts for nothing: it never waits, and a reader that keeps up is never cut off (the
///   queue holds one such message at most: the front one);
/// - but no one message may be larger than the limit, handed at once or not: natively it
///   would have to be held whole in memory as its frames arrive (docs/machine.md, decision
///   45); in the browser it has arrived already, and the outcome is the same;
/// - a message that would take the count past the limit is not taken: the socket is closed
///   with [`RECEIVE_OVERFLOW_CODE`](crate::RECEIVE_OVERFLOW_CODE).
///
/// Guarded by the conformance scenarios (`tests/conformance/scenarios.js`: "receive limit").
#[derive(Debug, Default)]
pub(crate) struct Backlog {
    /// Bytes counted for the messages waiting.
    bytes: usize,
    /// The front message was handed to a waiting reader: not counted.
    front_free: bool,
}

impl Backlog {
    /// Takes a message of `len` bytes in, `handed` at once to a waiting reader or counted;
    /// false (nothing counted) when it would take the count past `limit`.
    pub(crate) fn admit(&mut self, len: usize, handed: bool, limit: usize) -> bool {
        let waiting = if handed { 0 } else { self.bytes };
        if !crate::machine::receive_fits(waiting, len, limit) {
            return false;
        }
        if handed {
            self.front_free = true;
            return true;
        }
        self.bytes += len;
        true
    }

    /// The front message, of `len` bytes, was read.
    pub(crate) fn taken(&mut self, len: usize) {
        if std::mem::take(&mut self.front_free) {
            return;
        }
        self.bytes -= len;
    }
}

#[cfg(test)]
mod tests {
    use super::Backlog;

    #[test]
    fn counts_what_waits_and_not_what_is_handed() {
        let mut b = Backlog::default();
        // Handed to a waiting reader: free, but never larger than the limit.
        assert!(!b.admit(11, true, 10), "one message over the limit");
        assert!(b.admit(10, true, 10));
        // Waiting behind it: counted, within the limit.
        assert!(b.admit(6, false, 10));
        assert!(!b.admit(5, false, 10), "6 + 5 > 10");
        b.taken(10); // the handed one: nothing to give back
        b.taken(6);
        assert!(b.admit(10, false, 10), "all given back");
    }
}
