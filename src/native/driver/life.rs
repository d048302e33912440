//! The socket's machine, in its plain mode ([`Policy::plain`]): the driver feeds it what the
//! connection does and carries out what it decides. It decides when the attempt has taken too
//! long, when a closing handshake (ours or the server's) has, and what the end is: clean,
//! lost, a failed attempt or one that timed out. The reconnecting socket's machine sits
//! above, in the reconnect driver; this one decides for one connection.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::machine::{Action, Failure, Input, Machine, Millis, Policy, Reason, Report, Tally};
use crate::platform::{now, Sleep};
use crate::CloseEvent;

/// One socket's machine, with the timer at its next deadline.
pub(super) struct Life {
    machine: Machine,
    /// The text [`Reason::Given`] stands for in what the machine decides next: the words of
    /// a failure, the server's close reason, `close()`'s reason.
    given: String,
    timer: Option<(Millis, Sleep)>,
}

/// What the machine decided, for the driver to carry out.
#[derive(Debug, Default)]
pub(super) struct Decided {
    /// Start our closing handshake (or, for a connection let go at once, send its close
    /// frame): this code and reason.
    pub(super) close: Option<(u16, String)>,
    /// The socket ended: how, and why when it was not a clean end. (A plain socket's machine
    /// lets the attempt or the connection go only as it ends: the end says it, and the driver
    /// drops the connection with it.)
    pub(super) end: Option<(CloseEvent, Option<Failure>)>,
}

impl Life {
    /// A machine whose first attempt (the driver's handshake) starts now.
    pub(super) fn new(connect_timeout: Option<Duration>) -> Life {
        let connect_timeout =
            connect_timeout.map(|d| Millis::try_from(d.as_millis()).unwrap_or(Millis::MAX));
        // A plain socket draws no random number: the seed is never used.
        let mut machine = Machine::new(Policy::plain(connect_timeout), now(), 0);
        // Its first decisions (where messages go, the report, the attempt) are the driver's
        // start: the handle gates sends on the socket's state, the handshake is under way.
        while machine.poll_action().is_some() {}
        Life {
            machine,
            given: String::new(),
            timer: None,
        }
    }

    /// Feeds what the connection did; `given` is its words (a failure, the server's reason).
    pub(super) fn feed(&mut self, input: Input, given: &str) -> Decided {
        given.clone_into(&mut self.given);
        self.machine.handle(now(), &Tally::default(), input);
        self.decided()
    }

    /// Our `close()` (checked by the handle already).
    pub(super) fn close(&mut self, code: u16, reason: &str) -> Decided {
        reason.clone_into(&mut self.given);
        let _ = self.machine.close(now(), code, reason.len());
        self.decided()
    }

    /// Ready with the end when a deadline ended the socket; pending until then, with the timer
    /// at the next deadline (it wakes the task; one that fires early is set again).
    pub(super) fn poll_due(&mut self, cx: &mut Context<'_>) -> Poll<Decided> {
        loop {
            let Some(due) = self.machine.poll_timeout() else {
                self.timer = None;
                return Poll::Pending;
            };
            if self.timer.as_ref().is_none_or(|(at, _)| *at != due) {
                let delay = due.saturating_sub(now());
                self.timer = Some((due, Sleep::new(delay.min(u32::MAX.into()) as u32)));
            }
            let Some((_, sleep)) = self.timer.as_mut() else {
                return Poll::Pending;
            };
            if Pin::new(sleep).poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.timer = None;
            self.machine.handle_timeout(now(), &Tally::default());
            let decided = self.decided();
            if decided.end.is_some() {
                return Poll::Ready(decided);
            }
        }
    }

    /// The actions taken so far, as the driver carries them out. Reports of the attempt and
    /// the opening are the driver's own doing, a `Discard` comes with the end (above); routes are the handle's (it gates sends on the
    /// socket's state); `FlushAll` is what the connection does anyway: every message queued
    /// before our close frame is handed over before it.
    fn decided(&mut self) -> Decided {
        let mut decided = Decided::default();
        while let Some(action) = self.machine.poll_action() {
            match action {
                // Our closing handshake; or, for a connection let go at once (the receive
                // overflow), the close frame it gets on its way out.
                Action::Close { code, reason }
                | Action::Discard {
                    close: Some((code, reason)),
                } => {
                    decided.close = Some((code, self.text(reason).to_owned()));
                }
                Action::Report(Report::Closed { close, failure }) => {
                    let event = CloseEvent {
                        code: close.code,
                        reason: self.text(close.reason).to_owned(),
                        was_clean: close.clean,
                    };
                    decided.end = Some((event, failure));
                }
                _ => {}
            }
        }
        decided
    }

    fn text(&self, reason: Reason) -> &str {
        match reason {
            Reason::Given => &self.given,
            other => other.text(),
        }
    }
}
