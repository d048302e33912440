//! One schedule's run: a paused runtime, the simulated network, the socket, and the app that
//! carries out the steps and records what it saw.

use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use futures::StreamExt;
use futures_sink::Sink;

use super::server::{Order, SimNet};
use super::trace::{State, Trace};
use super::{clock, Schedule, Step, START};
use crate::machine::Millis;
use crate::reconnect::{ConnectionState, ReconnectingWebSocket};
use crate::Message;

/// What a run left to check.
pub(super) struct Run {
    pub(super) trace: Trace,
    /// Messages still queued when the run stopped.
    pub(super) queued: usize,
    pub(super) overlaps: u32,
    pub(super) attempts: Vec<Millis>,
    pub(super) handshakes: Vec<Millis>,
}

/// Runs a schedule through the real shells.
pub(super) fn run(schedule: &Schedule) -> Run {
    // The shells' clock counts from its first reading: taken before the runtime's paused
    // clock starts, every reading is a whole number of milliseconds after the schedule's
    // start, as the trace's times are.
    crate::platform::now();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        START.set(Some(tokio::time::Instant::now()));
        let net = SimNet::new(&schedule.answers);
        let ws = schedule.socket(&net);
        let (trace, queued) = app(schedule, ws, &net).await;
        let mut n = net.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut trace = trace;
        trace.server_got = std::mem::take(&mut n.trace.server_got);
        trace.pongs = std::mem::take(&mut n.trace.pongs);
        Run {
            trace,
            queued,
            overlaps: n.overlaps,
            attempts: std::mem::take(&mut n.attempts),
            handshakes: std::mem::take(&mut n.handshakes),
        }
    })
}

/// The app: carries out the steps at their times, reads every message and state as it comes,
/// sends in order (a send waiting for room holds the ones after it, as the JS shell's do).
async fn app(s: &Schedule, mut ws: ReconnectingWebSocket, net: &SimNet) -> (Trace, usize) {
    let start = tokio::time::Instant::now();
    let at = |t: Millis| start + Duration::from_millis(t);
    let mut trace = Trace::default();
    let states = &mut ws.states();
    let mut sends: VecDeque<String> = VecDeque::new();
    let mut steps = s.steps.iter();
    let mut next = steps.next();
    let mut ending = false;
    let mut timer = Box::pin(tokio::time::sleep_until(
        at(next.map_or(s.end, |(t, _)| *t)),
    ));
    poll_fn(|cx| loop {
        while let Poll::Ready(Some(state)) = states.poll_next_unpin(cx) {
            trace.states.push((clock(), State::from(state)));
        }
        while let Poll::Ready(Some(item)) = ws.poll_next_unpin(cx) {
            if let Ok(Message::Text(text)) = item {
                trace.got.push((clock(), text));
            }
        }
        while let Some(data) = sends.front() {
            let outcome = match Pin::new(&mut ws).poll_ready(cx) {
                Poll::Pending => break,
                Poll::Ready(Ok(())) => Pin::new(&mut ws).start_send(Message::text(data.clone())),
                Poll::Ready(Err(e)) => Err(e),
            };
            let outcome = outcome.map_or_else(|e| e.name(), |()| "ok");
            trace.sends.push((clock(), data.clone(), outcome));
            sends.pop_front();
        }
        if timer.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let Some((_, step)) = next else {
            if !ending {
                // At the end the connection breaks: what it carried is reported.
                ending = true;
                net.order(Order::Drop);
                timer.as_mut().reset(at(s.end + 1));
                continue;
            }
            return Poll::Ready(());
        };
        match step {
            Step::Send(data) => sends.push_back(data.clone()),
            Step::Close(code, reason) => drop(ws.close_handle((*code).into(), reason)),
            Step::Reconnect => {
                let outcome = ws.reconnect().map_or_else(|e| e.name(), |()| "ok");
                trace.reconnects.push((clock(), outcome));
            }
            Step::Offline => ws.set_online(false),
            Step::Online => ws.set_online(true),
            Step::ServerClose(code, reason) => drop(net.order(Order::Close(*code, reason.clone()))),
            Step::ServerDrop => drop(net.order(Order::Drop)),
            Step::ServerStall => drop(net.order(Order::Stall)),
            Step::ServerSend(data) => drop(net.order(Order::Send(data.clone()))),
        }
        next = steps.next();
        timer.as_mut().reset(at(next.map_or(s.end, |(t, _)| *t)));
    })
    .await;
    let queued = ws.queued();
    (trace, queued)
}

impl From<ConnectionState> for State {
    fn from(state: ConnectionState) -> State {
        match state {
            ConnectionState::Connecting { attempt } => State::Connecting(attempt),
            ConnectionState::Open => State::Open,
            ConnectionState::Disconnected { close, in_flight } => State::Disconnected {
                code: close.code,
                reason: close.reason,
                clean: close.was_clean,
                first_seq: in_flight.first_seq,
                messages: in_flight.messages,
            },
            ConnectionState::Reconnecting { attempt, delay } => State::Reconnecting {
                attempt,
                delay: delay.as_millis() as Millis,
            },
            ConnectionState::Closed(close) => State::Closed {
                code: close.code,
                reason: close.reason,
                clean: close.was_clean,
            },
            // The simulation reads every state as it comes.
            ConnectionState::Missed(n) => panic!("{n} states missed"),
        }
    }
}
