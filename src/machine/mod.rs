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
mod browser;
mod decide;
mod events;
mod policy;
#[cfg(test)]
pub(crate) mod sim;
mod state;
#[cfg(test)]
mod tests;

pub use backoff::Backoff;
pub use browser::*;
pub use events::*;
pub use policy::*;

use events::Actions;
use state::{Conn, Phase};

/// way are survived: see [`Machine::handle`]).
pub type Millis = u64;

/// The decisions of one socket's life; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Machine {
    policy: Policy,
    phase: Phase,
    now: Millis,
    /// Failed attempts in a row: attempts that did not open, and connections that ended before
    /// the policy's `min_uptime`; back to 0 when one stayed up that long, or on request.
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

    /// Whether `close()` was accepted already: a second one changes nothing (its code and
    /// reason included).
    pub fn close_requested(&self) -> bool {
        self.close_requested
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
    #[allow(dead_code)] // the simulation's check on how much one call decides
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
            (Input::Ended(close), Phase::Open(c)) => self.ended(close, &c, tally),
            (Input::Closing, Phase::Open(c)) if !c.closing => self.closing(c),
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
                self.ended(Close::abnormal(Reason::CloseTimeout), &c, tally);
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
            // The peer's handshake under way: it ends as that one does.
            Phase::Open(c) if c.closing => {}
            Phase::Open(c) => {
                self.push(Action::FlushAll);
                self.push(Action::Close {
                    code,
                    reason: Reason::Given,
                });
                self.closing(c);
            }
            Phase::Connecting { .. } => {
                self.push(Action::Discard { close: None });
                if self.policy.reconnect {
                    self.finish(given, None);
                } else {
                    self.attempt_failed(Close::abnormal(Reason::ClosedBeforeOpen));
                }
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
}
