//! What the simulated world does to the machine at each step: the network, the server, the
//! page, the app and the clock.

use super::*;

impl World {
    pub(super) fn step(&mut self) -> Check {
        let dt = match self.rng.below(10) {
            0..=5 => self.rng.below(2_000),
            6..=8 => self.rng.below(40_000),
            _ => 0,
        };
        self.run_until(self.now + dt)?;
        let live = self.socket.as_ref().map(|s| (s.open, s.stalled));
        match self.rng.below(100) {
            // The network and the server.
            0..=11 => match live {
                Some((false, _)) => {
                    let input = match self.rng.below(10) {
                        0..=5 => {
                            let s = self.socket.as_mut().unwrap();
                            s.open = true;
                            s.opened_at = Some(self.now);
                            self.last_opened = Some(self.now);
                            self.tally.buffered = 0;
                            Input::Opened
                        }
                        6 | 7 => Input::Ended(Close::abnormal(Reason::Given)),
                        8 => Input::UrlFailed,
                        _ => Input::Rejected,
                    };
                    if !matches!(input, Input::Opened) {
                        self.socket = None;
                    }
                    self.feed(input)?;
                }
                Some((true, _)) => self.server_event()?,
                None => {}
            },
            12..=27 => {
                // The server reads what was handed, in order (some of it).
                if let Some(s) = self.socket.as_mut().filter(|s| s.open && !s.stalled) {
                    let got = self.rng.below(4) as usize;
                    let start = s.handed.iter().position(|q| !self.server.contains(q));
                    if let Some(start) = start {
                        for &seq in s.handed[start..].iter().take(got) {
                            self.server.push(seq);
                        }
                    }
                    // A pong for the ping, if any.
                    if s.ping_at.is_some() && self.rng.chance(70) {
                        s.ping_at = None;
                        self.tally.last_received = self.now;
                        self.feed(Input::Pong)?;
                    } else if self.rng.chance(50) {
                        self.tally.last_received = self.now;
                    }
                }
            }
            28..=43 => {
                // The app sends.
                for _ in 0..=self.rng.below(3) {
                    match self.route {
                        Route::Closed => {}
                        Route::Hold { limit } | Route::Flow { limit }
                            if self.queue.len() < limit =>
                        {
                            self.queue.push_back(self.next_seq);
                            self.next_seq += 1;
                        }
                        _ => {}
                    }
                }
            }
            44..=55 => {
                // The shell drains the queue into an open connection.
                if matches!(self.route, Route::Flow { .. }) {
                    if !self.socket.as_ref().is_some_and(|s| s.open && !s.closing) {
                        return fail("route Flow without an open connection taking messages");
                    }
                    let n = self.rng.below(4) as usize;
                    self.hand(n)?;
                    self.tally.buffered = self.rng.below(100);
                } else if self.socket.as_ref().is_some_and(|s| s.open && !s.closing)
                    && !self.finished
                {
                    return fail(format!("route {:?} with an open connection", self.route));
                }
            }
            56..=59 => {
                let (input, offline) = if self.rng.chance(50) {
                    (Input::Offline, true)
                } else {
                    (Input::Online, false)
                };
                if !offline && !self.socket.as_ref().is_some_and(|s| s.open) {
                    // `online` asks for an attempt now, whatever came before (an open
                    // connection is probed instead).
                    self.woken = true;
                }
                self.offline = offline;
                self.feed(input)?;
            }
            60..=63 => {
                let input =
                    [Input::Hidden, Input::Visible, Input::Resumed][self.rng.below(3) as usize];
                self.page_event(input)?;
            }
            64..=67 => {
                let persisted = self.rng.chance(80);
                if self.rng.chance(50) {
                    if persisted && self.policy.close_on_pagehide {
                        self.suspended = true;
                    }
                    self.feed(Input::PageHide { persisted })?;
                    if self.suspended && self.socket.as_ref().is_some_and(|s| !s.closing) {
                        return fail("a socket kept into the back/forward cache");
                    }
                } else {
                    if persisted && self.suspended {
                        self.suspended = false;
                        self.woken = true;
                    }
                    self.feed(Input::PageShow { persisted })?;
                }
            }
            68..=71 => {
                let result = self.m.reconnect(self.now, &self.tally);
                if result.is_ok() {
                    // The backoff starts over at once, whatever the attempt under way does.
                    self.woken = true;
                    self.last_connecting = 0;
                    if self.finished {
                        self.finished = false;
                    }
                } else if !self.closed_by_app && self.policy.reconnect {
                    return fail("reconnect() refused before close()");
                }
                self.act()?;
            }
            72..=73 => {
                let code = [1000, 4000, 1005, 3000, 999, 5000, 1006][self.rng.below(7) as usize];
                let bytes = [0, 123, 124, 60][self.rng.below(4) as usize];
                let result = self.m.close(self.now, code, bytes);
                if result != check_close(code, bytes) {
                    return fail(format!("close({code}, {bytes} bytes) gave {result:?}"));
                }
                if result.is_ok() {
                    self.closed_by_app = true;
                    self.close_at.get_or_insert(self.m.now);
                }
                self.act()?;
                if result.is_ok() && self.route != Route::Closed {
                    return fail(format!("route {:?} after close()", self.route));
                }
                if result.is_ok()
                    && !self.finished
                    && !self.socket.as_ref().is_some_and(|s| s.closing)
                {
                    return fail("close() neither finished nor started a close");
                }
            }
            74..=79 if self.consulting => {
                self.consulting = false;
                let yes = self.rng.chance(80);
                let before = self.decided;
                self.feed(Input::Verdict(yes))?;
                // (A yes while offline or in the back/forward cache may wait for them.)
                let may_wait = yes && (self.offline || self.suspended);
                if self.decided == before && !may_wait {
                    return fail("a verdict that decided nothing (no attempt, delay or end)");
                }
            }
            80..=82 => {
                // The clock jumps: back a little, or forward a lot (the laptop slept).
                if self.rng.chance(50) {
                    let to = self.now.saturating_sub(self.rng.below(60_000));
                    // The machine sees the jump from the time of its last call, and moves its
                    // deadlines back as far: so does the check.
                    let back = self.m.now.saturating_sub(to);
                    self.now = to;
                    self.not_before = self.not_before.map(|t| t.saturating_sub(back));
                    if let Some(at) = self.socket.as_mut().and_then(|s| s.ping_at.as_mut()) {
                        *at = at.saturating_sub(back);
                    }
                    self.last_opened = self.last_opened.map(|t| t.saturating_sub(back));
                    self.close_at = self.close_at.map(|t| t.saturating_sub(back));
                    if let Some(s) = self.socket.as_mut() {
                        s.started_at = s.started_at.saturating_sub(back);
                        s.peer_closing_at = s.peer_closing_at.map(|t| t.saturating_sub(back));
                    }
                    self.page_event(Input::Hidden)?;
                } else {
                    let to = self.now + self.rng.below(10_000_000);
                    // Asleep: no timer fired on time; the first to run sees the new time.
                    self.now = to;
                    if self.m.poll_timeout().is_some_and(|t| t <= to) {
                        self.m.handle_timeout(self.now, &self.tally);
                        self.act()?;
                    }
                }
            }
            83..=84 if self.socket.as_ref().is_some_and(|s| s.open) => {
                // Past the receive limit: the socket stops (ReceiveOverflow), unless our own
                // close is under way (then nothing changes).
                let closing = self.socket.as_ref().is_some_and(|s| s.closing);
                self.overflowed = false;
                self.feed(Input::Overflow)?;
                if self.overflowed == closing || (!closing && self.socket.is_some()) {
                    return fail(format!(
                        "overflow while closing: {closing}, stopped: {}",
                        self.overflowed
                    ));
                }
            }
            // A timer that fires early (a stale one, a shell woken for nothing): before any
            // deadline, a timeout changes nothing.
            85..=87 if self.m.poll_timeout().is_some_and(|t| t > self.now) && !self.finished => {
                self.m.handle_timeout(self.now, &self.tally);
                if self.m.pending_actions() > 0 {
                    let action = self.m.poll_action();
                    return fail(format!("{action:?} from a timeout before any deadline"));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The server closes, drops, or stalls.
    pub(super) fn server_event(&mut self) -> Check {
        match self.rng.below(5) {
            0 => {
                self.socket.as_mut().unwrap().stalled = true;
                Ok(())
            }
            4 => {
                // The server's close frame: the handshake is under way, nothing more is handed
                // over; the server then ends it (a later step) or never does.
                let s = self.socket.as_mut().unwrap();
                if s.closing {
                    return Ok(());
                }
                s.closing = true;
                s.peer_closing_at = Some(self.now);
                self.feed(Input::Closing)?;
                if matches!(self.route, Route::Flow { .. }) {
                    return fail("route Flow after the server's close frame");
                }
                Ok(())
            }
            n => {
                let close = match n {
                    1 => Close::abnormal(Reason::Given),
                    2 => Close {
                        code: 1000,
                        reason: Reason::Given,
                        clean: true,
                    },
                    _ => Close {
                        code: self.rng.below(65_536) as u16,
                        reason: Reason::Given,
                        clean: self.rng.chance(50),
                    },
                };
                let s = self.socket.take().unwrap();
                // Our close under way (the server's too, if we closed after it): its end.
                let closing = s.closing && (s.peer_closing_at.is_none() || self.closed_by_app);
                let ours = closing && close.clean;
                self.lose(s, ours);
                let before = self.disconnects;
                self.feed(Input::Ended(close))?;
                // Our close's end: a clean one is no loss; an unclean one is reported as one
                // (what was handed over may not have arrived).
                let reported = self.disconnects > before;
                if closing && self.policy.reconnect && reported == close.clean {
                    return fail(format!(
                        "our close ended {close:?}: reported lost {reported}"
                    ));
                }
                Ok(())
            }
        }
    }

    /// A page event, and what it must do: `visibilitychange` to visible probes an open
    /// connection hidden for at least a heartbeat interval, `resume` probes it always; only
    /// those, and only with no ping waiting.
    pub(super) fn page_event(&mut self, input: Input) -> Check {
        let hidden_for = self.hidden_since.map(|t| self.now.saturating_sub(t));
        match input {
            Input::Hidden => self.hidden_since = Some(self.now),
            Input::Visible => self.hidden_since = None,
            _ => {}
        }
        let probe_due = match (input, self.policy.heartbeat) {
            (Input::Resumed, Some(_)) => true,
            (Input::Visible, Some(h)) => hidden_for.is_some_and(|t| t >= h.interval),
            _ => false,
        };
        let probe_possible = self
            .socket
            .as_ref()
            .is_some_and(|s| s.open && !s.closing && s.ping_at.is_none());
        self.feed(input)?;
        let pinged = self
            .socket
            .as_ref()
            .is_some_and(|s| s.ping_at == Some(self.now));
        if probe_possible && pinged != probe_due {
            return fail(format!("{input:?}: probe {pinged}, expected {probe_due}"));
        }
        Ok(())
    }
}
