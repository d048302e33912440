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

mod faults;
mod invariants;
mod world;

/// Schedules per `cargo test` run; `SOCKWAVE_SIM_SCHEDULES` sets fewer (a mutation run).
const SCHEDULES: u64 = 100_000;

fn schedules() -> u64 {
    std::env::var("SOCKWAVE_SIM_SCHEDULES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(SCHEDULES)
}
/// Steps per schedule (bounded: every schedule ends).
const STEPS: usize = 120;

/// The simulations' random numbers (splitmix64), seeded per schedule.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The simulated socket of the current attempt or connection.
#[derive(Debug, Default)]
struct Socket {
    open: bool,
    /// The closing handshake was started on it (by our close, or by the server's).
    closing: bool,
    /// When the server started it (its close frame).
    peer_closing_at: Option<Millis>,
    /// The server stopped answering (pings get no pong).
    stalled: bool,
    /// Sequence numbers handed to it.
    handed: Vec<u64>,
    /// When the ping waiting for its pong was sent.
    ping_at: Option<Millis>,
    /// When the attempt started.
    started_at: Millis,
    /// When it opened.
    opened_at: Option<Millis>,
    /// When the last ping was sent on it.
    last_ping: Option<Millis>,
}

/// The backoff as the schedule drew it, for the delay oracle (which never asks `Backoff`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BackoffSpec {
    pub(crate) min: Millis,
    pub(crate) max: Millis,
    pub(crate) factor: f64,
    /// 0 none, 1 full, 2 equal.
    pub(crate) jitter: u64,
}

impl BackoffSpec {
    /// The bounds of the delay before retry `attempt` (1-based): `min * factor^(attempt-1)`
    /// capped at `max`, then the jitter's share of it.
    pub(crate) fn bounds(&self, attempt: u32) -> (Millis, Millis) {
        let mut base = self.min as f64;
        for _ in 1..attempt.min(200) {
            base = (base * self.factor).min(self.max as f64);
        }
        let base = base.min(self.max as f64).min(MAX_DELAY as f64);
        match self.jitter {
            0 => (base as Millis, base as Millis),
            1 => (0, base as Millis),
            _ => ((base / 2.0) as Millis, base as Millis),
        }
    }
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
    backoff: BackoffSpec,
    /// The queue limit the app gave (the machine makes 0 count as 1).
    queue_limit_given: usize,
    /// The attempt of the last `Connecting` report.
    last_connecting: u32,
    /// Since it: whether the connection lost had stayed open `min_uptime`, and how it ended.
    stable_loss: Option<bool>,
    /// When the last connection opened.
    last_opened: Option<Millis>,
    last_end: Option<Close>,
    /// Reports that decided what follows an end: an attempt, a delay or the final close.
    decided: u64,
    /// `Disconnected` reports so far.
    disconnects: u64,
    /// The last call let the socket go for the receive limit.
    overflowed: bool,
    /// When the page was hidden (as the machine was told).
    hidden_since: Option<Millis>,
    /// Print every input and action (when replaying one seed).
    trace: bool,
}

type Check = Result<(), String>;

fn fail<T>(msg: impl Into<String>) -> Result<T, String> {
    Err(msg.into())
}

fn schedule(seed: u64) -> Check {
    let mut w = World::new(seed);
    w.trace = true;
    eprintln!("{:?}", w.policy);
    w.start()?;
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
    let schedules = schedules();
    for seed in 0..schedules {
        let mut w = World::new(seed);
        let result = w.start().and_then(|()| {
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
        "{schedules} schedules, {reports} reports, in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
