//! Invariant 9 (`checks.rs` lists them): every end has its cause, with its code and reason.

use super::super::trace::State;
use super::super::{Schedule, Step};
use super::{Check, Run};
use crate::machine::{Millis, DEFAULT_CLOSE_TIMEOUT, HEARTBEAT_TIMEOUT_CODE, IDLE_TIMEOUT_CODE};

pub(super) fn causes(s: &Schedule, run: &Run) -> Check {
    let step_at = |t: Millis| {
        s.steps
            .iter()
            .find(|(at, _)| *at == t)
            .map(|(_, step)| step)
    };
    let close_timeout = s
        .options
        .heartbeat
        .map_or(DEFAULT_CLOSE_TIMEOUT, |(_, t)| t);
    let mut previous: Option<&State> = None;
    for (t, state) in &run.trace.states {
        let (code, reason, clean, stop) = match state {
            State::Disconnected {
                code,
                reason,
                clean,
                ..
            } => (*code, reason.as_str(), *clean, false),
            State::Closed {
                code,
                reason,
                clean,
            } => (*code, reason.as_str(), *clean, true),
            other => {
                previous = Some(other);
                continue;
            }
        };
        let by_step = match step_at(*t) {
            // The server's code and reason, intact.
            Some(Step::ServerClose(c, r)) => clean && *c == code && r == reason,
            Some(Step::ServerDrop) => !clean && code == 1006,
            Some(Step::Reconnect) => clean && code == 1000 && reason == "reconnect",
            Some(Step::Close(c, _)) => stop && clean && *c == code,
            _ => false,
        };
        let by_end = *t == s.end && !clean && code == 1006;
        let timed_out = !clean
            && matches!(
                (code, reason),
                (HEARTBEAT_TIMEOUT_CODE, "heartbeat timeout") | (IDLE_TIMEOUT_CODE, "idle timeout")
            );
        // A stop that follows an end, as it was (the verdict, the retries).
        let repeated = stop
            && matches!(previous, Some(State::Disconnected { code: c, reason: r, clean: k, .. }) if *c == code && r == reason && *k == clean);
        // A failed attempt ends in a stop at most: only an open connection is reported lost.
        let failed = stop && !clean && code == 1006;
        // Reported lost first (what it carried may not have arrived), then the stop.
        let close_given_up = !clean
            && code == 1006
            && t.checked_sub(close_timeout)
                .and_then(step_at)
                .is_some_and(|step| matches!(step, Step::Close(..)));
        if !(by_step || by_end || timed_out || repeated || failed || close_given_up) {
            return Err(format!("{state:?} at {t} with no cause"));
        }
        previous = Some(state);
    }
    Ok(())
}
