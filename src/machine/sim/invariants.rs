//! The checks made along the way and at the end of every schedule.

use super::*;

impl World {
    /// Invariant 4: a ping older than its deadline has no open connection left; and `close()`
    /// settles within the close timeout, whatever the server does.
    pub(super) fn pong_check(&self) -> Check {
        // Liveness: nothing blocking (offline, the back/forward cache, a verdict awaited, the
        // end), a delay that ended is followed by an attempt.
        let blocked = self.offline || self.suspended || self.consulting || self.finished;
        if let Some(t) = self
            .not_before
            .filter(|_| !blocked && self.socket.is_none())
        {
            if self.now > t + 1 {
                return fail(format!("no attempt after the delay that ended at {t}"));
            }
        }
        if let (Some(s), Some(limit)) = (&self.socket, self.policy.connect_timeout) {
            if !s.open && self.now > s.started_at + limit {
                return fail(format!(
                    "an attempt of {} ms past the connect timeout",
                    self.now - s.started_at
                ));
            }
        }
        if let (Some(s), Some(limit)) = (&self.socket, self.policy.idle_timeout) {
            // Nothing received for the idle timeout: declared by its deadline.
            let last = self.tally.last_received.max(s.opened_at.unwrap_or(0));
            if s.open && !s.closing && self.now > last + limit {
                return fail(format!(
                    "idle since {last} and not declared (now {})",
                    self.now
                ));
            }
        }
        if let (Some(s), Some(h)) = (&self.socket, self.policy.heartbeat) {
            // Invariant 4's converse: a live connection is pinged. The next ping is due an
            // interval after the last one, or after its pong's deadline if that is later.
            let base = s.last_ping.or(s.opened_at).unwrap_or(s.started_at);
            let gap = h.interval + h.interval.max(h.timeout);
            if s.open && !s.closing && s.ping_at.is_none() && self.now > base + gap {
                return fail(format!("no ping since {base} (now {})", self.now));
            }
        }
        if let Some(at) = self.socket.as_ref().and_then(|s| s.peer_closing_at) {
            if self.now > at + self.m.close_timeout() {
                return fail(format!(
                    "the server's close at {at} not settled by {}",
                    self.now
                ));
            }
        }
        if let Some(at) = self.close_at {
            if !self.finished && self.m.now > at + self.m.close_timeout() {
                return fail(format!("close() at {at} not settled by {}", self.m.now));
            }
        }
        if let (Some(s), Some(h)) = (&self.socket, self.policy.heartbeat) {
            if let Some(at) = s.ping_at {
                if s.open && !s.closing && self.now > at + h.timeout {
                    return fail(format!(
                        "pong overdue since {} and not declared",
                        at + h.timeout
                    ));
                }
            }
        }
        Ok(())
    }

    /// The end of a schedule: close, let the close complete, and check what was reported.
    pub(super) fn conclude(&mut self) -> Check {
        let _ = self.m.close(self.now, 1000, 0);
        self.act()?;
        if let Some(s) = self.socket.as_mut() {
            if s.closing {
                // The server reads everything, then the close completes.
                let rest: Vec<u64> = s
                    .handed
                    .iter()
                    .copied()
                    .filter(|q| !self.server.contains(q))
                    .collect();
                self.server.extend(rest);
                self.socket = None;
                let close = Close {
                    code: 1000,
                    reason: Reason::Given,
                    clean: true,
                };
                self.feed(Input::Ended(close))?;
            }
        }
        if !self.m.is_finished() || !self.finished {
            return fail("not finished after close()");
        }
        if self.m.poll_timeout().is_some() {
            return fail("a timer left after the end");
        }
        if self.m.reconnect(self.now, &self.tally).is_ok() {
            return fail("reconnect() accepted after close()");
        }
        self.act()?;
        // Invariant 5.
        if self.server.windows(2).any(|w| w[0] >= w[1]) {
            return fail(format!(
                "server received out of order or twice: {:?}",
                self.server
            ));
        }
        for &seq in self.lost.iter().filter(|_| self.policy.reconnect) {
            let n = self.in_flight.iter().filter(|f| f.contains(seq)).count();
            if n != 1 {
                return fail(format!(
                    "message {seq} lost and reported in {n} in-flight ranges"
                ));
            }
        }
        for seq in 0..self.next_seq {
            let n = self.in_flight.iter().filter(|f| f.contains(seq)).count();
            if n > 1 {
                return fail(format!("message {seq} in {n} in-flight ranges"));
            }
            // A plain socket reports no in-flight ranges: its end is the app's to read.
            let accounted = self.server.contains(&seq)
                || n == 1
                || self.queue.contains(&seq)
                || !self.policy.reconnect;
            if !accounted {
                return fail(format!(
                    "message {seq} neither received, reported, nor queued"
                ));
            }
        }
        Ok(())
    }

    /// A connection let go for a heartbeat or idle timeout was dead by the rule: its ping
    /// unanswered past the deadline, or nothing received for the idle timeout (an answered
    /// pong or a message received keeps it).
    pub(super) fn dead_for_cause(&self, reason: Reason) -> Check {
        let now = self.now;
        let ping = self.socket.as_ref().and_then(|s| s.ping_at);
        match (reason, self.policy.heartbeat, self.policy.idle_timeout) {
            (Reason::HeartbeatTimeout, Some(h), _)
                if ping.is_none_or(|at| now < at + h.timeout) =>
            {
                fail(format!("declared dead at {now}, ping answered or not due"))
            }
            (Reason::IdleTimeout, _, Some(limit)) if now < self.tally.last_received + limit => {
                fail(format!(
                    "idle at {now}, last received {}",
                    self.tally.last_received
                ))
            }
            (Reason::HeartbeatTimeout, None, _) | (Reason::IdleTimeout, _, None) => {
                fail(format!("{reason:?} without its option"))
            }
            _ => Ok(()),
        }
    }
}
