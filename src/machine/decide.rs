//! The machine's decisions: what each input, deadline and call changes, and the actions it
//! pushes. Private to the machine; its public face is in `mod.rs`.

use super::*;

impl Machine {
    /// due in a minute is still due in a minute.
    #[inline(never)]
    pub(super) fn advance(&mut self, now: Millis) {
        if now < self.now {
            let back = self.now - now;
            let shift = |t: &mut Option<Millis>| *t = t.map(|t| t.saturating_sub(back));
            match &mut self.phase {
                Phase::Connecting { deadline } => shift(deadline),
                Phase::Backoff { until } => *until = until.saturating_sub(back),
                Phase::Open(c) => {
                    c.stable_at = c.stable_at.saturating_sub(back);
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
    pub(super) fn after(&self, delay: Millis) -> Millis {
        self.now.saturating_add(delay.min(MAX_DELAY))
    }

    pub(super) fn push(&mut self, action: Action) {
        self.actions.push(action);
    }

    /// An attempt now, unless offline or in the back/forward cache.
    #[inline(never)]
    pub(super) fn attempt(&mut self) {
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
    pub(super) fn wake_up(&mut self) {
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

    /// The attempt opened. The retry count goes on: it starts over only when the connection
    /// has stayed open for the policy's `min_uptime` (see [`lost`](Self::lost)).
    pub(super) fn opened(&mut self, tally: &Tally) {
        self.wanted = false;
        let heartbeat = self.policy.heartbeat;
        self.phase = Phase::Open(Conn {
            opened: *tally,
            stable_at: self.after(self.policy.min_uptime),
            next_ping: heartbeat.map(|h| self.after(h.interval)),
            pong_due: None,
            idle_check: self.policy.idle_timeout.map(|t| self.after(t)),
            closing: false,
            close_due: None,
        });
        self.push(Action::Report(Report::Open));
    }

    /// A ping now, if there is a heartbeat and no ping is waiting for its pong.
    pub(super) fn probe(&mut self) {
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
    pub(super) fn suspend(&mut self, tally: &Tally) {
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
    pub(super) fn replace(&mut self, reason: Reason, c: &Conn, tally: &Tally) {
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
    pub(super) fn abandon(&mut self, code: u16, reason: Reason, c: &Conn, tally: &Tally) {
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

    /// The closing handshake of an open connection started (ours or the peer's): no ping, no
    /// dead-connection verdict, nothing more handed over; but a peer that never finishes it
    /// does not keep the socket: see `close_timeout`.
    // Out of line: inlined at its two callers it cost the .wasm 100 B gzip (measured).
    #[inline(never)]
    pub(super) fn closing(&mut self, mut c: Conn) {
        c.closing = true;
        c.next_ping = None;
        c.pong_due = None;
        c.idle_check = None;
        c.close_due = Some(self.after(self.close_timeout()));
        self.phase = Phase::Open(c);
    }

    /// An open connection ended (or its closing handshake timed out). After our `close()`, the
    /// socket is finished: a clean end delivered everything handed over; an unclean one may
    /// not have, so it is reported like any loss first. Otherwise it is a loss.
    pub(super) fn ended(&mut self, close: Close, c: &Conn, tally: &Tally) {
        if !self.close_requested {
            return self.lost(close, c, tally);
        }
        if !close.clean {
            self.report_lost(close, c, tally);
        }
        self.finish(close, None)
    }

    /// An open connection ended, not by our close. One that stayed open long enough starts
    /// the retry count over; one that did not counts as one more failed attempt.
    pub(super) fn lost(&mut self, close: Close, c: &Conn, tally: &Tally) {
        if !self.policy.reconnect {
            return self.finish(close, None);
        }
        if self.now >= c.stable_at {
            self.retries = 0;
        }
        self.report_lost(close, c, tally);
        self.consult(close);
    }

    /// Reports what a connection that ended carried (a reconnecting socket's report).
    pub(super) fn report_lost(&mut self, close: Close, c: &Conn, tally: &Tally) {
        if self.policy.reconnect {
            let in_flight = InFlight::between(&c.opened, tally);
            self.push(Action::Report(Report::Disconnected { close, in_flight }));
        }
    }

    pub(super) fn attempt_failed(&mut self, close: Close) {
        if !self.policy.reconnect {
            let failure = match close.reason {
                Reason::ConnectTimeout => Some(Failure::ConnectTimeout),
                _ => Failure::of_plain_end(false, close.clean),
            };
            return self.finish(close, failure);
        }
        self.consult(close);
    }

    pub(super) fn consult(&mut self, close: Close) {
        if self.policy.consult {
            self.phase = Phase::Consulting(close);
            self.push(Action::Consult(close));
        } else {
            self.verdict(close, Policy::default_verdict(&close));
        }
    }

    /// Retry or not, and when.
    pub(super) fn verdict(&mut self, close: Close, retry: bool) {
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

    /// Stops for good. A plain socket's open connection that ended with no other cause ends
    /// as [`Failure::of_plain_end`] says.
    #[inline(never)]
    pub(super) fn finish(&mut self, close: Close, failure: Option<Failure>) {
        let plain = !self.policy.reconnect;
        let failure =
            failure.or_else(|| Failure::of_plain_end(true, close.clean).filter(|_| plain));
        self.phase = Phase::Finished;
        self.wanted = false;
        self.push(Action::Report(Report::Closed { close, failure }));
    }

    /// Tells the shell where messages go when that changed.
    #[inline(never)]
    pub(super) fn reroute(&mut self) {
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
    pub(super) fn next_random(&mut self) -> f64 {
        self.random = self.random.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.random;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}
