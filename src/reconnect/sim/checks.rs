//! The invariants every run of the real shells keeps, read from what the app and the server
//! saw (never from the machine's own functions: the backoff has its own oracle):
//!
//! 1. the server receives the app's messages in order, each at most once, and only messages
//!    the app's `send` accepted;
//! 2. every accepted message reached the server, or lies in a `Disconnected` report's
//!    in-flight range, or was dropped when the socket stopped, or is still queued;
//! 3. every backoff delay is within the backoff's bounds, and no attempt comes before it ends
//!    unless the app asked for one (`reconnect()`, `online`);
//! 4. a server that stops answering is let go by the heartbeat's deadline; an answering one
//!    is never declared dead (heartbeat) and never idle while it sends;
//! 5. `close()` settles within the close timeout whatever the server does, and nothing is
//!    attempted after it;
//! 6. at most one answering connection at a time;
//! 7. every message the server sends on an open connection reaches the app at once, and
//!    nothing else does; after the socket stopped, `send` fails with `Closed`;
//! 8. progress: a socket attempts at once when made, after every delay that ends while
//!    online and untouched, and opens exactly when the server completes a handshake;
//! 9. every end has its cause, with its code: the server's close, a broken connection, the
//!    app's `close()` or `reconnect()`, a heartbeat or idle timeout, a failed attempt, our
//!    close given up after its timeout.

mod causes;

use super::trace::State;
use super::{Run, Schedule, Step};
use crate::machine::sim::BackoffSpec;
use crate::machine::{Millis, DEFAULT_CLOSE_TIMEOUT, HEARTBEAT_TIMEOUT_CODE, IDLE_TIMEOUT_CODE};
use causes::causes;

type Check = Result<(), String>;

pub(super) fn check(s: &Schedule, run: &Run) -> Check {
    progress(s, run)?;
    causes(s, run)?;
    messages(s, run)?;
    backoff(s, run)?;
    liveness(s, run)?;
    closing(s, run)?;
    if run.overlaps > 0 {
        return Err(format!(
            "{} connections opened beside a live one",
            run.overlaps
        ));
    }
    delivery(s, run)
}

/// The sequence number of message `m<i>`.
fn index(data: &str) -> u64 {
    data.trim_start_matches('m').parse().unwrap_or(u64::MAX)
}

fn messages(_s: &Schedule, run: &Run) -> Check {
    let t = &run.trace;
    let accepted: Vec<(Millis, u64)> = t
        .sends
        .iter()
        .filter(|(_, _, r)| *r == "ok")
        .map(|(at, d, _)| (*at, index(d)))
        .collect();
    let mut last = None;
    for (at, data) in &t.server_got {
        let i = index(data);
        if last.is_some_and(|l| l >= i) {
            return Err(format!(
                "server got {data} at {at} after m{}",
                last.unwrap_or(0)
            ));
        }
        last = Some(i);
        if !accepted.iter().any(|(when, a)| *a == i && when <= at) {
            return Err(format!("server got {data} at {at}, never accepted"));
        }
    }
    let ranges: Vec<(u64, u64)> = t
        .states
        .iter()
        .filter_map(|(_, s)| match s {
            State::Disconnected {
                first_seq,
                messages,
                ..
            } => Some((*first_seq, first_seq + messages)),
            _ => None,
        })
        .collect();
    let stops: Vec<Millis> = stops(run);
    let unaccounted = accepted.len().saturating_sub(run.queued);
    for (seq, (at, i)) in accepted.iter().enumerate() {
        let seq = seq as u64;
        let got = t.server_got.iter().any(|(_, d)| index(d) == *i);
        let in_flight = ranges.iter().any(|(a, b)| (*a..*b).contains(&seq));
        let dropped = stops.iter().any(|stop| stop >= at);
        let queued = seq as usize >= unaccounted;
        if !(got || in_flight || dropped || queued) {
            return Err(format!(
                "m{i} (seq {seq}) accepted at {at} was lost unreported"
            ));
        }
    }
    Ok(())
}

/// When the socket stopped.
fn stops(run: &Run) -> Vec<Millis> {
    run.trace
        .states
        .iter()
        .filter(|(_, s)| matches!(s, State::Closed { .. }))
        .map(|(t, _)| *t)
        .collect()
}

fn backoff(s: &Schedule, run: &Run) -> Check {
    let o = &s.options;
    let spec = BackoffSpec {
        min: o.min_delay,
        max: o.max_delay,
        factor: o.factor,
        jitter: o.jitter,
    };
    for (at, state) in &run.trace.states {
        let State::Reconnecting { attempt, delay } = state else {
            continue;
        };
        // To the millisecond: the machine computes in seconds, the oracle in milliseconds.
        let (lo, hi) = spec.bounds(*attempt);
        let (lo, hi) = (lo.saturating_sub(1), hi + 1);
        if !(lo..=hi).contains(delay) {
            return Err(format!(
                "delay {delay} before attempt {attempt} not in {lo}..={hi}"
            ));
        }
        let asked = |from: Millis, to: Millis| {
            s.steps.iter().any(|(t, step)| {
                (from..=to).contains(t) && matches!(step, Step::Reconnect | Step::Online)
            })
        };
        if let Some(next) = run.attempts.iter().find(|a| *a > at) {
            if *next < at + delay && !asked(*at, *next) {
                return Err(format!(
                    "attempt at {next}, before the delay {delay} from {at}"
                ));
            }
        }
    }
    Ok(())
}

fn liveness(s: &Schedule, run: &Run) -> Check {
    // Each end, with when the connection it ended opened (in report order: an open and an
    // end may share a millisecond).
    let mut opened = None;
    let ends: Vec<(Millis, u16, Option<Millis>)> = run
        .trace
        .states
        .iter()
        .filter_map(|(t, s)| match s {
            State::Open => {
                opened = Some(*t);
                None
            }
            State::Connecting(_) => {
                opened = None;
                None
            }
            State::Disconnected { code, .. } | State::Closed { code, .. } => {
                Some((*t, *code, opened))
            }
            State::Reconnecting { .. } => None,
        })
        .collect();
    let opens: Vec<Millis> = run
        .trace
        .states
        .iter()
        .filter(|(_, s)| matches!(s, State::Open))
        .map(|(t, _)| *t)
        .collect();
    let stall_between = |opened: Millis, t: Millis| {
        s.steps
            .iter()
            .find(|(at, step)| (opened..=t).contains(at) && matches!(step, Step::ServerStall))
            .map(|(at, _)| *at)
    };
    let stall_since = |t: Millis| {
        let opened = opens.iter().rev().find(|o| **o <= t).copied()?;
        stall_between(opened, t)
    };
    for (t, code, opened) in &ends {
        let stalled = opened.and_then(|o| stall_between(o, *t));
        if *code == HEARTBEAT_TIMEOUT_CODE && stalled.is_none() {
            return Err(format!("an answering connection declared dead at {t}"));
        }
        if let (IDLE_TIMEOUT_CODE, Some(idle)) = (*code, s.options.idle_timeout) {
            let heard = |at: &Millis| *at < *t && at + idle > *t;
            let trace = &run.trace;
            if trace.got.iter().any(|(at, _)| heard(at)) || trace.pongs.iter().any(heard) {
                return Err(format!("declared idle at {t}, heard from within {idle} ms"));
            }
        }
    }
    let Some((interval, timeout)) = s.options.heartbeat else {
        return Ok(());
    };
    for (at, step) in &s.steps {
        let live = opens.iter().rev().find(|o| **o <= *at).copied();
        let Some(opened) = live else { continue };
        let ended_before = ends.iter().any(|(t, ..)| (opened..*at).contains(t));
        if !matches!(step, Step::ServerStall) || ended_before || stall_since(*at) != Some(*at) {
            continue;
        }
        let mut deadline = at + interval + timeout;
        if let Some((c, _)) = s.steps.iter().find(|(c, st)| {
            (*at..=deadline).contains(c) && matches!(st, Step::Close(..) | Step::Reconnect)
        }) {
            deadline = deadline.max(c + timeout);
        }
        if !ends.iter().any(|(t, ..)| (*at..=deadline).contains(t)) && deadline < s.end {
            return Err(format!("server stalled at {at}, not let go by {deadline}"));
        }
    }
    Ok(())
}

fn closing(s: &Schedule, run: &Run) -> Check {
    let Some((at, _)) = s.steps.iter().find(|(_, st)| matches!(st, Step::Close(..))) else {
        return Ok(());
    };
    let timeout = s
        .options
        .heartbeat
        .map_or(DEFAULT_CLOSE_TIMEOUT, |(_, t)| t);
    let Some(closed) = stops(run).into_iter().find(|t| t >= at || at - t < 1) else {
        // Stopped before (gave up) and not restarted: the last stop is the end.
        return match stops(run).last() {
            Some(_) => Ok(()),
            None => Err(format!("close() at {at} never settled")),
        };
    };
    if closed > at + timeout {
        return Err(format!(
            "close() at {at} settled at {closed}, over {timeout} ms"
        ));
    }
    if let Some(late) = run.attempts.iter().find(|a| **a > closed) {
        return Err(format!(
            "an attempt at {late} after close() settled at {closed}"
        ));
    }
    Ok(())
}

fn delivery(s: &Schedule, run: &Run) -> Check {
    let t = &run.trace;
    for (at, data) in &t.got {
        let sent = s
            .steps
            .iter()
            .any(|(when, step)| when == at && matches!(step, Step::ServerSend(d) if d == data));
        if !sent {
            return Err(format!(
                "the app got {data} at {at}, which the server never sent"
            ));
        }
    }
    // A message the server sends on a connection open since before it, answering and not
    // being closed by the app, reaches the app at once.
    for (at, step) in &s.steps {
        let Step::ServerSend(data) = step else {
            continue;
        };
        let before = t.states.iter().rev().find(|(when, _)| when < at);
        let Some((opened, State::Open)) = before else {
            continue;
        };
        let quiet = !t.states.iter().any(|(when, _)| when == at)
            && !s.steps.iter().any(|(when, step)| {
                (opened..at).contains(&when) && matches!(step, Step::ServerStall | Step::Close(..))
            });
        if quiet && !t.got.iter().any(|(when, d)| when == at && d == data) {
            return Err(format!(
                "the server sent {data} at {at}; the app never got it"
            ));
        }
    }
    let last_stop = stops(run).last().copied();
    for (at, data, outcome) in &t.sends {
        let restarted = t
            .reconnects
            .iter()
            .any(|(r, o)| *o == "ok" && Some(*r) >= last_stop);
        if last_stop.is_some_and(|stop| stop < *at) && !restarted && *outcome != "Closed" {
            return Err(format!("send {data} at {at} after the stop: {outcome}"));
        }
    }
    Ok(())
}

fn progress(s: &Schedule, run: &Run) -> Check {
    let t = &run.trace;
    if run.attempts.first() != Some(&0) {
        return Err("no attempt when the socket was made".into());
    }
    let opens: Vec<Millis> = t
        .states
        .iter()
        .filter(|(_, s)| matches!(s, State::Open))
        .map(|(at, _)| *at)
        .collect();
    // An attempt the server answers opens, at once.
    for (i, at) in run.attempts.iter().enumerate() {
        let answer = s.answers.get(i).copied().unwrap_or(super::Answer::Open);
        if matches!(answer, super::Answer::Open) && !opens.contains(at) {
            return Err(format!("the attempt at {at} was answered and never opened"));
        }
    }
    if opens != run.handshakes {
        return Err(format!(
            "opened at {opens:?}, the server completed handshakes at {:?}",
            run.handshakes
        ));
    }
    // Offline from an `offline` step until an `online` one.
    let offline_at = |at: Millis| {
        s.steps
            .iter()
            .rfind(|(t, step)| *t <= at && matches!(step, Step::Offline | Step::Online))
            .is_some_and(|(_, step)| matches!(step, Step::Offline))
    };
    for (at, state) in &t.states {
        let State::Reconnecting { delay, .. } = state else {
            continue;
        };
        let due = at + delay;
        let touched = s.steps.iter().any(|(t, step)| {
            (*at..=due).contains(t) && !matches!(step, Step::Send(_) | Step::ServerSend(_))
        });
        if touched || offline_at(due) || due >= s.end {
            continue;
        }
        if !run.attempts.contains(&due) {
            return Err(format!("the delay {delay} from {at} ended with no attempt"));
        }
    }
    Ok(())
}
