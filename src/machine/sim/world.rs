//! The model shell: carries out the machine's actions on a simulated socket, queue and server,
//! checking each one as it goes.

use super::*;

impl World {
    pub(super) fn new(seed: u64) -> World {
        let mut rng = Rng(seed);
        let ms = |rng: &mut Rng, max: u64| rng.below(max) + 1;
        let min = ms(&mut rng, 2_000);
        let max = min + rng.below(60_000);
        let factor = 1.0 + rng.below(30) as f64 / 10.0;
        let mut backoff =
            Backoff::exponential(Duration::from_millis(min), Duration::from_millis(max))
                .factor(factor);
        let jitter = rng.below(3);
        backoff = match jitter {
            0 => backoff,
            1 => backoff.full_jitter(),
            _ => backoff.equal_jitter(),
        };
        let spec = BackoffSpec {
            min,
            max,
            factor,
            jitter,
        };
        let policy = Policy {
            reconnect: !rng.chance(10),
            connect_timeout: rng.chance(50).then(|| ms(&mut rng, 20_000)),
            min_uptime: [0, 1, 5_000, rng.below(60_000)][rng.below(4) as usize],
            backoff,
            max_retries: rng.chance(40).then(|| rng.below(6) as u32),
            consult: rng.chance(40),
            heartbeat: rng.chance(60).then(|| Heartbeat {
                interval: 50 + rng.below(30_000),
                timeout: rng.below(10_000),
            }),
            idle_timeout: rng.chance(40).then(|| ms(&mut rng, 60_000)),
            heartbeat_code: [4000, 1005, 3999, 0][rng.below(4) as usize],
            idle_code: [4001, 2000, 4999][rng.below(3) as usize],
            close_on_pagehide: !rng.chance(20),
            queue_limit: rng.below(8) as usize,
            max_buffered_bytes: DEFAULT_MAX_BUFFERED_BYTES,
            high_water_mark: DEFAULT_HIGH_WATER_MARK,
        };
        let queue_limit_given = policy.queue_limit;
        let now = rng.below(1 << 40);
        let m = Machine::new(policy.clone(), now, seed);
        World {
            rng,
            policy: m.policy().clone(),
            m,
            now,
            tally: Tally {
                last_received: now,
                ..Tally::default()
            },
            route: Route::Closed,
            queue: VecDeque::new(),
            next_seq: 0,
            socket: None,
            server: Vec::new(),
            in_flight: Vec::new(),
            lost: Vec::new(),
            offline: false,
            suspended: false,
            not_before: None,
            woken: false,
            consulting: false,
            finished: false,
            closed_by_app: false,
            close_at: None,
            reports: 0,
            backoff: spec,
            queue_limit_given,
            last_connecting: 0,
            stable_loss: None,
            last_opened: None,
            last_end: None,
            hidden_since: None,
            decided: 0,
            disconnects: 0,
            overflowed: false,
            trace: false,
        }
    }

    /// The machine's first actions: a new socket, online and shown, attempts at once.
    pub(super) fn start(&mut self) -> Check {
        self.act()?;
        if self.socket.is_none() {
            return fail("no first attempt");
        }
        Ok(())
    }

    /// Carries out every action the machine asked for, checking each.
    pub(super) fn act(&mut self) -> Check {
        if self.m.pending_actions() > 8 {
            return fail(format!(
                "{} actions from one call",
                self.m.pending_actions()
            ));
        }
        while let Some(action) = self.m.poll_action() {
            if self.trace {
                eprintln!("{:>14} <- {action:?}", self.now);
            }
            if self.finished && !matches!(action, Action::Route(Route::Closed)) {
                return fail(format!("{action:?} after the end"));
            }
            match action {
                Action::Connect { .. } => {
                    if self.socket.is_some() {
                        return fail("a second connection while one is live");
                    }
                    if self.offline || self.suspended {
                        return fail("an attempt while offline or in the back/forward cache");
                    }
                    if let Some(t) = self.not_before {
                        if self.now < t && !self.woken {
                            return fail(format!(
                                "an attempt at {} before the delay ends at {t}",
                                self.now
                            ));
                        }
                    }
                    self.not_before = None;
                    self.woken = false;
                    self.socket = Some(Socket {
                        started_at: self.now,
                        ..Socket::default()
                    });
                }
                Action::FlushAll => self.hand(usize::MAX)?,
                Action::Close { code, .. } => {
                    if !sendable_close_code(code) {
                        return fail(format!("closes with unsendable {code}"));
                    }
                    match &mut self.socket {
                        Some(s) if s.open => s.closing = true,
                        _ => return fail("Close with no open socket"),
                    }
                }
                Action::Discard { close } => {
                    if let Some((code, reason)) = close {
                        if !sendable_close_code(code) {
                            return fail(format!("discards with unsendable {code}"));
                        }
                        self.dead_for_cause(reason)?;
                    }
                    if let (Some(s), None) = (&self.socket, close) {
                        // Our close given up: not before its timeout (the heartbeat's pong
                        // deadline, or 10 s without a heartbeat).
                        let limit = self.policy.heartbeat.map_or(10_000, |h| h.timeout);
                        let since = s.peer_closing_at.or(self.close_at);
                        if s.closing && since.is_some_and(|at| self.now < at + limit) {
                            return fail(format!(
                                "a close handshake given up at {} ms",
                                self.now - since.unwrap_or(0)
                            ));
                        }
                    }
                    match self.socket.take() {
                        Some(s) => self.lose(s, false),
                        None => return fail("Discard with no socket"),
                    }
                }
                Action::Ping => match &mut self.socket {
                    Some(s) if s.open && s.ping_at.is_none() => {
                        s.ping_at = Some(self.now);
                        s.last_ping = Some(self.now);
                    }
                    _ => return fail("Ping with no open socket, or a second one in flight"),
                },
                Action::Consult(_) => {
                    if !self.policy.reconnect {
                        return fail("a plain socket consults the app");
                    }
                    if self.consulting {
                        return fail("Consult twice");
                    }
                    self.consulting = true;
                }
                Action::Route(route) => {
                    if let Route::Hold { limit } | Route::Flow { limit } = route {
                        if limit != self.queue_limit_given.max(1) {
                            return fail(format!(
                                "route limit {limit} for a queue limit of {}",
                                self.queue_limit_given
                            ));
                        }
                    }
                    self.route = route
                }
                Action::Report(report) => self.report(report)?,
            }
        }
        Ok(())
    }

    pub(super) fn report(&mut self, report: Report) -> Check {
        self.reports += 1;
        match report {
            Report::Connecting { attempt } => {
                self.decided += 1;
                // Asked for (reconnect(), online, pageshow): the count starts over; after a
                // delay: the attempt the delay was for.
                let expected = if self.woken { 0 } else { self.last_connecting };
                if attempt != expected {
                    return fail(format!("Connecting {attempt}, expected {expected}"));
                }
                self.last_connecting = attempt;
                self.stable_loss = None;
                self.last_end = None;
            }
            // An open connection answers every request for an attempt.
            Report::Open => self.woken = false,
            Report::Disconnected { in_flight, close } => {
                if !self.policy.reconnect {
                    return fail("a plain socket reports Disconnected");
                }
                if in_flight.unsent_bytes != self.tally.buffered {
                    return fail(format!(
                        "{} unsent bytes reported, {} held",
                        in_flight.unsent_bytes, self.tally.buffered
                    ));
                }
                self.stable_loss = self
                    .last_opened
                    .map(|t| self.now >= t.saturating_add(self.policy.min_uptime));
                self.last_end = Some(close);
                self.disconnects += 1;
                self.in_flight.push(in_flight);
            }
            Report::Reconnecting { attempt, delay } => {
                self.decided += 1;
                if !self.policy.reconnect {
                    return fail("a plain socket backs off");
                }
                // The retry count: one more than the attempt that failed, or 1 after a
                // connection that stayed open `min_uptime` (a server that opens and drops at
                // once backs off as one that refuses).
                let expected = match self.stable_loss {
                    Some(true) => 1,
                    _ => self.last_connecting + 1,
                };
                if attempt != expected {
                    return fail(format!(
                        "Reconnecting {attempt}, expected {expected} (stable: {:?})",
                        self.stable_loss
                    ));
                }
                self.last_connecting = attempt;
                if let Some(end) = self.last_end.filter(|_| !self.policy.consult) {
                    if end.clean && end.code == 1000 {
                        return fail("a clean 1000 retried without a verdict");
                    }
                }
                let (low, high) = self.backoff.bounds(attempt);
                // 1 ms either way: the machine rounds its own milliseconds.
                if delay + 1 < low || delay > high + 1 {
                    return fail(format!(
                        "delay {delay} outside the backoff's {low}..={high} for attempt {attempt}"
                    ));
                }
                if let Some(max) = self.policy.max_retries {
                    if attempt > max {
                        return fail(format!("attempt {attempt} past max_retries {max}"));
                    }
                }
                if self.woken {
                    return fail("an attempt was asked for, yet a backoff delay comes");
                }
                self.not_before = Some(self.now + delay);
            }
            Report::Closed { close, failure } => {
                self.decided += 1;
                self.overflowed = failure == Some(Failure::ReceiveOverflow);
                // Everything was let go first: an attempt discarded, a connection ended.
                if self.socket.as_ref().is_some_and(|s| !s.open) {
                    return fail("an attempt left after the end");
                }
                let max = self.policy.max_retries;
                let clean_1000 = close.clean && close.code == 1000;
                match failure {
                    Some(Failure::RetriesExhausted { attempts }) if Some(attempts) != max => {
                        return fail(format!("RetriesExhausted after {attempts}, max {max:?}"));
                    }
                    Some(Failure::ReconnectRefused) if !self.policy.consult && !clean_1000 => {
                        return fail(format!("{close:?} refused without a verdict"));
                    }
                    // A plain socket's connection that ended unclean was lost, and only that.
                    Some(Failure::ConnectionLost) if self.policy.reconnect || close.clean => {
                        return fail(format!("ConnectionLost for {close:?}"));
                    }
                    None if !self.policy.reconnect && !close.clean => {
                        return fail(format!("a plain socket's {close:?} without a failure"));
                    }
                    // A plain socket's failed attempt says which; a reconnecting one retries.
                    Some(f @ (Failure::ConnectFailed | Failure::ConnectTimeout))
                        if self.policy.reconnect
                            || (f == Failure::ConnectTimeout)
                                != (close.reason == Reason::ConnectTimeout) =>
                    {
                        return fail(format!("{f:?} for {close:?}"));
                    }
                    _ => {}
                }
                self.finished = true;
                self.consulting = false;
                if let Some(s) = self.socket.take() {
                    // Our close completed (or an overflow let it go).
                    self.lose(s, true);
                }
            }
        }
        Ok(())
    }

    /// A socket goes. Handed messages the server did not get are lost: unless the loss is
    /// our own clean close, they must be reported in flight.
    pub(super) fn lose(&mut self, s: Socket, ours: bool) {
        let delivered = ours && s.closing;
        for seq in s.handed {
            if !self.server.contains(&seq) {
                if delivered {
                    // A clean close: the server read everything before the close frame.
                    self.server.push(seq);
                } else {
                    self.lost.push(seq);
                }
            }
        }
    }

    /// The shell hands up to `n` queued messages to an open socket.
    pub(super) fn hand(&mut self, n: usize) -> Check {
        let Some(s) = self.socket.as_mut().filter(|s| s.open) else {
            return if n == usize::MAX {
                fail("FlushAll with no open socket")
            } else {
                Ok(())
            };
        };
        for _ in 0..n {
            let Some(seq) = self.queue.pop_front() else {
                break;
            };
            s.handed.push(seq);
            self.tally.sent += 1;
            self.tally.sent_bytes += 10;
        }
        Ok(())
    }

    /// Timers fire at their deadlines up to `to` (each on time, as a shell's timer would).
    pub(super) fn run_until(&mut self, to: Millis) -> Check {
        for _ in 0..2_000 {
            match self.m.poll_timeout() {
                Some(t) if t <= to => {
                    if self.finished {
                        return fail("a timer scheduled after the end");
                    }
                    self.now = self.now.max(t);
                    self.m.handle_timeout(self.now, &self.tally);
                    self.act()?;
                }
                _ => {
                    self.now = self.now.max(to);
                    return self.pong_check();
                }
            }
        }
        fail("a timer that never stops firing")
    }

    pub(super) fn feed(&mut self, input: Input) -> Check {
        if self.trace {
            eprintln!("{:>14} -> {input:?}", self.now);
        }
        self.m.handle(self.now, &self.tally, input);
        self.act()
    }
}
