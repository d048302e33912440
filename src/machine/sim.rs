//! Deterministic simulation of the machine: a simulated clock, network, server, page and app
//! drive it through seeded fault schedules (drops, server closes with any code, refused
//! handshakes, stalls, URL provider failures, offline/online, hidden/visible, pagehide and
//! pageshow, `reconnect()`, `close()` at any moment, clock jumps both ways, receive overflow),
//! and every step is checked against the invariants:
//!
//! 1. at most one connection at a time;
//! 2. no attempt while offline or in the back/forward cache;
//! 3. every backoff delay within the backoff's bounds, and no attempt before it ends unless
//!    something asked for one (`reconnect()`, `online`, `pageshow`);
//! 4. a pong overdue is always declared (the connection let go by its deadline);
//! 5. every message accepted is received by the server in order and at most once, or reported
//!    in exactly one in-flight range, or still queued when the socket was closed;
//! 6. after the end nothing is scheduled and nothing is opened;
//! 7. messages go only where the last route says; `close()` refuses bad input, never panics.
//!
//! A failing schedule prints its seed; `SOCKWAVE_SIM_SEED=<seed> cargo test -p sockwave --lib
//! sim` replays it alone.

use std::collections::VecDeque;
use std::time::Duration;

use super::*;

/// Schedules per `cargo test` run.
const SCHEDULES: u64 = 100_000;
/// Steps per schedule (bounded: every schedule ends).
const STEPS: usize = 120;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The simulated socket of the current attempt or connection.
#[derive(Debug, Default)]
struct Socket {
    open: bool,
    /// Our own close was started on it.
    closing: bool,
    /// The server stopped answering (pings get no pong).
    stalled: bool,
    /// Sequence numbers handed to it.
    handed: Vec<u64>,
    /// When the ping waiting for its pong was sent.
    ping_at: Option<Millis>,
}

struct World {
    rng: Rng,
    m: Machine,
    policy: Policy,
    now: Millis,
    tally: Tally,
    route: Route,
    queue: VecDeque<u64>,
    next_seq: u64,
    socket: Option<Socket>,
    /// What the server received, in order.
    server: Vec<u64>,
    /// Reported in-flight ranges.
    in_flight: Vec<InFlight>,
    /// Handed to connections that died without our close: must be reported.
    lost: Vec<u64>,
    offline: bool,
    suspended: bool,
    /// No attempt before this, unless `wake` (something asked for one).
    not_before: Option<Millis>,
    woken: bool,
    consulting: bool,
    finished: bool,
    closed_by_app: bool,
    /// When `close()` was accepted: the socket must be finished within the close timeout.
    close_at: Option<Millis>,
    reports: u64,
    /// Print every input and action (when replaying one seed).
    trace: bool,
}

type Check = Result<(), String>;

fn fail<T>(msg: impl Into<String>) -> Result<T, String> {
    Err(msg.into())
}

impl World {
    fn new(seed: u64) -> World {
        let mut rng = Rng(seed);
        let ms = |rng: &mut Rng, max: u64| rng.below(max) + 1;
        let min = ms(&mut rng, 2_000);
        let max = min + rng.below(60_000);
        let mut backoff =
            Backoff::exponential(Duration::from_millis(min), Duration::from_millis(max))
                .factor(1.0 + rng.below(30) as f64 / 10.0);
        backoff = match rng.below(3) {
            0 => backoff,
            1 => backoff.full_jitter(),
            _ => backoff.equal_jitter(),
        };
        let policy = Policy {
            reconnect: !rng.chance(10),
            connect_timeout: rng.chance(50).then(|| ms(&mut rng, 20_000)),
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
            trace: false,
        }
    }

    /// Carries out every action the machine asked for, checking each.
    fn act(&mut self) -> Check {
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
                    self.socket = Some(Socket::default());
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
                    if let Some((code, _)) = close {
                        if !sendable_close_code(code) {
                            return fail(format!("discards with unsendable {code}"));
                        }
                    }
                    match self.socket.take() {
                        Some(s) => self.lose(s, false),
                        None => return fail("Discard with no socket"),
                    }
                }
                Action::Ping => match &mut self.socket {
                    Some(s) if s.open && s.ping_at.is_none() => s.ping_at = Some(self.now),
                    _ => return fail("Ping with no open socket, or a second one in flight"),
                },
                Action::Consult(_) => {
                    if self.consulting {
                        return fail("Consult twice");
                    }
                    self.consulting = true;
                }
                Action::Route(route) => self.route = route,
                Action::Report(report) => self.report(report)?,
            }
        }
        Ok(())
    }

    fn report(&mut self, report: Report) -> Check {
        self.reports += 1;
        match report {
            Report::Connecting { .. } => {}
            // An open connection answers every request for an attempt.
            Report::Open => self.woken = false,
            Report::Disconnected { in_flight, .. } => {
                if !self.policy.reconnect {
                    return fail("a plain socket reports Disconnected");
                }
                self.in_flight.push(in_flight);
            }
            Report::Reconnecting { attempt, delay } => {
                let b = self.policy.backoff;
                let ms = |d: Duration| (d.as_millis() as Millis).min(MAX_DELAY);
                let (low, high) = (ms(b.delay(attempt, 0.0)), ms(b.delay(attempt, 1.0)));
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
            Report::Closed { .. } => {
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
    fn lose(&mut self, s: Socket, ours: bool) {
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
    fn hand(&mut self, n: usize) -> Check {
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
    fn run_until(&mut self, to: Millis) -> Check {
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

    /// Invariant 4: a ping older than its deadline has no open connection left; and `close()`
    /// settles within the close timeout, whatever the server does.
    fn pong_check(&self) -> Check {
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

    fn feed(&mut self, input: Input) -> Check {
        if self.trace {
            eprintln!("{:>14} -> {input:?}", self.now);
        }
        self.m.handle(self.now, &self.tally, input);
        self.act()
    }

    fn step(&mut self) -> Check {
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
                            self.socket.as_mut().unwrap().open = true;
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
                self.feed(input)?;
            }
            64..=67 => {
                let persisted = self.rng.chance(80);
                if self.rng.chance(50) {
                    if persisted && self.policy.close_on_pagehide {
                        self.suspended = true;
                    }
                    self.feed(Input::PageHide { persisted })?;
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
                    self.woken = true;
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
                self.feed(Input::Verdict(yes))?;
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
                    self.feed(Input::Hidden)?;
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
            83..=84 if self.socket.as_ref().is_some_and(|s| s.open && !s.closing) => {
                self.feed(Input::Overflow)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// The server closes, drops, or stalls.
    fn server_event(&mut self) -> Check {
        match self.rng.below(4) {
            0 => {
                self.socket.as_mut().unwrap().stalled = true;
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
                let ours = s.closing && close.clean;
                self.lose(s, ours);
                self.feed(Input::Ended(close))
            }
        }
    }

    /// The end of a schedule: close, let the close complete, and check what was reported.
    fn conclude(&mut self) -> Check {
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
}

fn schedule(seed: u64) -> Check {
    let mut w = World::new(seed);
    w.trace = true;
    eprintln!("{:?}", w.policy);
    w.act()?;
    for _ in 0..STEPS {
        w.step()?;
    }
    w.conclude()
}

#[test]
fn seeded_schedules_keep_every_invariant() {
    if let Ok(seed) = std::env::var("SOCKWAVE_SIM_SEED") {
        let seed = seed.parse().expect("SOCKWAVE_SIM_SEED is a number");
        if let Err(e) = schedule(seed) {
            panic!("seed {seed}: {e}");
        }
        return;
    }
    let started = std::time::Instant::now();
    let mut reports = 0;
    for seed in 0..SCHEDULES {
        let mut w = World::new(seed);
        let result = w.act().and_then(|()| {
            (0..STEPS).try_for_each(|_| w.step())?;
            w.conclude()
        });
        if let Err(e) = result {
            panic!(
                "seed {seed}: {e}\nreplay: SOCKWAVE_SIM_SEED={seed} cargo test -p sockwave --lib sim"
            );
        }
        reports += w.reports;
    }
    eprintln!(
        "{SCHEDULES} schedules, {reports} reports, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
