//! The real shells under simulation: the reconnecting socket (its handle, its driver task) and
//! the native face under it (its driver task, tungstenite, the handshake) run natively on a
//! simulated network (`server.rs`: a [`Transport`](crate::native::transport::Transport) whose
//! connections are in-memory pipes to a real tungstenite server) and clock (a paused tokio
//! runtime: time moves only when every task waits, so a schedule of an hour runs in a
//! millisecond and is the same at every run). Each seeded schedule sets the socket's options,
//! how the server answers each attempt (open, refuse, accept and never answer) and what the
//! app and the server do when (send, close, reconnect, offline and online; the server's
//! close, a broken connection, a server that stops answering, a message to the client);
//! `checks.rs` holds every run to the invariants, and the first schedules are written, with
//! their traces, for the JS shell to replay and match (`tests/js/replay.test.mjs`).
//!
//! A failing schedule prints its seed; `SOCKWAVE_SHELL_SEED=<seed> cargo test -p sockwave
//! --lib shell_sim` replays it alone, printing its trace.

use std::cell::Cell;
use std::sync::Arc;
use std::time::Duration;

use super::{Backoff, ReconnectingWebSocket};
use crate::machine::sim::Rng;
use crate::machine::Millis;
use crate::native::transport;
use crate::Message;

mod checks;
mod run;
mod server;
mod trace;

use run::{run, Run};
use server::SimNet;

/// Schedules per `cargo test` run; `SOCKWAVE_SIM_SCHEDULES` sets fewer (a mutation run).
const SCHEDULES: u64 = 10_000;
/// Of them, how many are written for the JS shell to replay.
const WRITTEN: u64 = 2_000;

/// How the server answers an attempt.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Open,
    /// The TCP connection is refused.
    Refuse,
    /// Accepted, and never answered.
    Hang,
}

/// What happens at a step.
#[derive(Debug, Clone)]
enum Step {
    Send(String),
    Close(u16, String),
    Reconnect,
    Offline,
    Online,
    ServerClose(u16, String),
    ServerDrop,
    ServerStall,
    ServerSend(String),
}

/// The socket's options, as both faces take them.
#[derive(Debug, Clone)]
struct Options {
    min_delay: Millis,
    max_delay: Millis,
    factor: f64,
    /// 0 none, 1 full, 2 equal.
    jitter: u64,
    max_retries: Option<u32>,
    min_uptime: Millis,
    queue_limit: usize,
    connect_timeout: Millis,
    /// Interval and timeout.
    heartbeat: Option<(Millis, Millis)>,
    idle_timeout: Option<Millis>,
}

#[derive(Debug, Clone)]
struct Schedule {
    seed: u64,
    machine_seed: u64,
    options: Options,
    answers: Vec<Answer>,
    /// At strictly increasing times, from 1 ms.
    steps: Vec<(Millis, Step)>,
    /// The run stops here.
    end: Millis,
}

impl Schedule {
    fn new(seed: u64) -> Schedule {
        let mut rng = Rng(seed ^ 0x5eed_5eed);
        let min_delay = 1 + rng.below(1_000);
        let options = Options {
            min_delay,
            max_delay: min_delay + rng.below(10_000),
            factor: 1.0 + rng.below(20) as f64 / 10.0,
            jitter: rng.below(3),
            max_retries: rng.chance(40).then(|| rng.below(5) as u32),
            min_uptime: [0, 1_000, 5_000][rng.below(3) as usize],
            queue_limit: 1 + rng.below(6) as usize,
            connect_timeout: 100 + rng.below(5_000),
            heartbeat: rng
                .chance(50)
                .then(|| (100 + rng.below(3_000), 50 + rng.below(2_000))),
            idle_timeout: rng.chance(25).then(|| 500 + rng.below(5_000)),
        };
        let answers = (0..rng.below(20))
            .map(|_| match rng.below(100) {
                0..=59 => Answer::Open,
                60..=84 => Answer::Refuse,
                _ => Answer::Hang,
            })
            .collect();
        let mut t = 0;
        let mut sent = 0;
        let mut told = 0;
        let steps = (0..10 + rng.below(40))
            .map(|_| {
                let gap = [50, 1_000, 8_000][rng.below(3) as usize];
                t += 1 + rng.below(gap);
                let step = match rng.below(100) {
                    0..=29 => {
                        sent += 1;
                        Step::Send(format!("m{}", sent - 1))
                    }
                    30..=41 => {
                        told += 1;
                        Step::ServerSend(format!("s{}", told - 1))
                    }
                    42..=49 => Step::ServerClose(
                        [1000, 1001, 1011, 3000, 4100, 4999][rng.below(6) as usize],
                        ["", "bye"][rng.below(2) as usize].to_owned(),
                    ),
                    50..=55 => Step::ServerDrop,
                    56..=59 => Step::ServerStall,
                    60..=62 => Step::Close(
                        [1000, 3001, 4002][rng.below(3) as usize],
                        ["", "done"][rng.below(2) as usize].to_owned(),
                    ),
                    63..=72 => Step::Reconnect,
                    73..=78 => Step::Offline,
                    _ => Step::Online,
                };
                (t, step)
            })
            .collect();
        Schedule {
            seed,
            machine_seed: rng.next() >> 11,
            options,
            answers,
            steps,
            end: t + 30_000,
        }
    }

    /// The socket these options make, on the simulated network.
    fn socket(&self, net: &SimNet) -> ReconnectingWebSocket {
        let o = &self.options;
        let ms = Duration::from_millis;
        let backoff = Backoff::exponential(ms(o.min_delay), ms(o.max_delay)).factor(o.factor);
        let backoff = match o.jitter {
            0 => backoff,
            1 => backoff.full_jitter(),
            _ => backoff.equal_jitter(),
        };
        let mut b = ReconnectingWebSocket::builder("ws://sim.invalid/")
            .backoff(backoff)
            .max_retries(o.max_retries)
            .min_uptime(ms(o.min_uptime))
            .queue_limit(o.queue_limit)
            .connect_timeout(ms(o.connect_timeout));
        if let Some((interval, timeout)) = o.heartbeat {
            let is_pong = |m: &Message| m.as_text() == Some("pong");
            b = b.heartbeat(ms(interval), ms(timeout), Message::text("ping"), is_pong);
        }
        if let Some(idle) = o.idle_timeout {
            b = b.idle_timeout(ms(idle));
        }
        let transport = transport::Shared(Arc::new(net.clone()));
        b.simulated(transport, self.machine_seed).build()
    }
}

thread_local! {
    /// When the schedule's socket was made, on the paused runtime's clock.
    static START: Cell<Option<tokio::time::Instant>> = const { Cell::new(None) };
    /// Panics on this thread (the shells' tasks run here; tokio would swallow them).
    static PANICS: Cell<u32> = const { Cell::new(0) };
}

/// Milliseconds since the schedule's socket was made.
fn clock() -> Millis {
    let start = START.get().unwrap_or_else(tokio::time::Instant::now);
    start.elapsed().as_millis() as Millis
}

/// Counts panics on the thread they happen on (then std's hook prints them as always).
fn count_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.set(PANICS.get() + 1);
            previous(info)
        }));
    });
}

#[test]
fn shell_sim() {
    count_panics();
    let check = |seed: u64| -> Result<Run, String> {
        let schedule = Schedule::new(seed);
        let panics = PANICS.get();
        let run = run(&schedule);
        if PANICS.get() != panics {
            return Err("a shell panicked".into());
        }
        checks::check(&schedule, &run)?;
        Ok(run)
    };
    if let Ok(seed) = std::env::var("SOCKWAVE_SHELL_SEED") {
        let seed = seed.parse().expect("SOCKWAVE_SHELL_SEED is a number");
        let schedule = Schedule::new(seed);
        eprintln!("{schedule:#?}");
        let run = run(&schedule);
        eprintln!("{:#?}\nattempts at {:?}", run.trace, run.attempts);
        if let Err(e) = checks::check(&schedule, &run) {
            panic!("seed {seed}: {e}");
        }
        return;
    }
    let schedules = std::env::var("SOCKWAVE_SIM_SCHEDULES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(SCHEDULES);
    let started = std::time::Instant::now();
    // Every core runs every n-th seed; each schedule is its own runtime and world.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let mut written: Vec<(u64, serde_json::Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || {
                    count_panics();
                    let mut written = Vec::new();
                    for seed in (worker..schedules).step_by(workers as usize) {
                        match check(seed) {
                            Ok(run) if seed < WRITTEN => {
                                written.push((seed, Schedule::new(seed).to_json(&run.trace)))
                            }
                            Ok(_) => {}
                            Err(e) => return Err(format!("seed {seed}: {e}\nreplay: SOCKWAVE_SHELL_SEED={seed} cargo test -p sockwave --lib shell_sim -- --nocapture")),
                        }
                    }
                    Ok(written)
                })
            })
            .collect();
        let mut all = Vec::new();
        for handle in handles {
            match handle.join().expect("a worker") {
                Ok(w) => all.extend(w),
                Err(e) => panic!("{e}"),
            }
        }
        all
    });
    written.sort_by_key(|(seed, _)| *seed);
    let written: Vec<_> = written.into_iter().map(|(_, json)| json).collect();
    // A shorter run (a mutation run's) leaves the full file as it was.
    if written.len() as u64 == WRITTEN {
        trace::write(written);
    }
    eprintln!(
        "{schedules} schedules through the real shells in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
