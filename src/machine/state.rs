//! The machine's private state: the phase of a socket's life and what it knows of an open
//! connection.

use super::{Close, Millis, Tally};

/// One open connection.
#[derive(Debug, Clone, Copy)]
pub(super) struct Conn {
    /// The tally when it opened.
    pub(super) opened: Tally,
    /// From this time on, its end starts the retry count over (the policy's `min_uptime`).
    pub(super) stable_at: Millis,
    pub(super) next_ping: Option<Millis>,
    pub(super) pong_due: Option<Millis>,
    pub(super) idle_check: Option<Millis>,
    /// The closing handshake was started, by our `close()` or by the peer: nothing more is
    /// handed to the connection; its end, or this deadline, ends it.
    pub(super) closing: bool,
    pub(super) close_due: Option<Millis>,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Phase {
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
