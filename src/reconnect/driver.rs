//! The driver task of a reconnecting socket: connect, pump both ways, watch the heartbeat,
//! back off, repeat; stop for good on `close`, a refused reconnection or exhausted retries.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use futures_sink::Sink;

use super::environment::Environment;
use super::shared::{Config, Shared};
use super::{ConnectionState, InFlight};
use super::{HEARTBEAT_TIMEOUT_CODE, IDLE_TIMEOUT_CODE};
use crate::inbox::OVERFLOW_REASON;
use crate::timer::Sleep;
use crate::wake::Wake;
use crate::{CloseEvent, Error, WebSocket};

/// How one open connection ended.
enum Ended {
    /// By our own `close`.
    Closed(CloseEvent),
    /// Dropped by `reconnect()`: attempt again at once.
    Replaced(CloseEvent, InFlight),
    /// Closed by us: more was received than `max_buffered_bytes` lets wait to be read.
    Overflowed,
    /// Any other way.
    Lost(CloseEvent, InFlight),
}

pub(crate) async fn drive(shared_rc: Rc<RefCell<Shared>>, config: Config) {
    // Removed when this task ends (close, drop, giving up): see environment.rs.
    let probe_after_ms = config
        .heartbeat
        .as_ref()
        .map_or(f64::INFINITY, |h| h.interval.as_millis() as f64);
    let _environment = Environment::listen(&shared_rc, probe_after_ms, config.close_on_pagehide);
    let shared = &*shared_rc;
    let mut attempt: u32 = 0;
    let last = loop {
        if let Some(ev) = close_requested(shared) {
            break ev;
        }
        // Offline: no attempt, no retry spent, until `online` (or a close).
        if interruptible(shared, online(shared)).await.is_none() {
            continue;
        }
        Shared::update(shared, |s| {
            s.set_state(ConnectionState::Connecting { attempt })
        });
        let last = match connect(shared, &config).await {
            None => continue, // close requested: handled at the top
            Some(Ok(ws)) => {
                attempt = 0;
                Shared::update(shared, |s| {
                    // A `reconnect()` made while this attempt was under way is answered by it.
                    s.take_reconnect_request();
                    s.current = Some(Rc::clone(&ws.core));
                    s.set_state(ConnectionState::Open)
                });
                let ended = run(shared, &config, ws).await;
                shared.borrow_mut().current = None;
                match ended {
                    Ended::Closed(ev) => break ev,
                    Ended::Overflowed => {
                        let limit = config.max_buffered_bytes;
                        Shared::update(shared, |s| {
                            s.deliver(Err(Error::ReceiveOverflow { limit }))
                        });
                        break CloseEvent {
                            code: crate::RECEIVE_OVERFLOW_CODE,
                            reason: OVERFLOW_REASON.into(),
                            was_clean: true,
                        };
                    }
                    Ended::Replaced(close, in_flight) => {
                        Shared::update(shared, |s| {
                            s.set_state(ConnectionState::Disconnected { close, in_flight })
                        });
                        continue;
                    }
                    Ended::Lost(close, in_flight) => {
                        Shared::update(shared, |s| {
                            s.set_state(ConnectionState::Disconnected {
                                close: close.clone(),
                                in_flight,
                            })
                        });
                        close
                    }
                }
            }
            // Retrying cannot fix a URL or a subprotocol list the browser rejects.
            Some(Err(e @ (Error::InvalidUrl { .. } | Error::InvalidProtocol { .. }))) => {
                let ev = synthesized(1006, &e.to_string());
                Shared::update(shared, |s| s.deliver(Err(e)));
                break ev;
            }
            Some(Err(e)) => e
                .close_event()
                .cloned()
                .unwrap_or_else(|| synthesized(1006, &e.to_string())),
        };
        if !(config.should_reconnect)(&last) {
            Shared::update(shared, |s| {
                s.deliver(Err(Error::ReconnectRefused(last.clone())))
            });
            break last;
        }
        attempt = attempt.saturating_add(1);
        if config.max_retries.is_some_and(|max| attempt > max) {
            Shared::update(shared, |s| {
                s.deliver(Err(Error::RetriesExhausted {
                    attempts: attempt - 1,
                    last: last.clone(),
                }))
            });
            break last;
        }
        let delay = config.backoff.delay(attempt, js_sys::Math::random());
        Shared::update(shared, |s| {
            s.set_state(ConnectionState::Reconnecting { attempt, delay })
        });
        // Cancelled by a close request: the timer is dropped (cleared) with the future. Cut
        // short by `reconnect()`: attempt at once, backoff reset.
        let mut sleep = Sleep::after(delay);
        let woken = poll_fn(|cx| {
            if shared.borrow_mut().take_reconnect_request() {
                return Poll::Ready(true);
            }
            Pin::new(&mut sleep).poll(cx).map(|()| false)
        });
        if interruptible(shared, woken).await == Some(true) {
            attempt = 0;
        }
    };
    Shared::update(shared, |s| s.finish(last));
}

fn synthesized(code: u16, reason: &str) -> CloseEvent {
    CloseEvent {
        code,
        reason: reason.to_owned(),
        was_clean: false,
    }
}

/// Ready once the environment is neither offline nor in the back/forward cache.
fn online(shared: &RefCell<Shared>) -> impl Future<Output = ()> + '_ {
    poll_fn(move |cx| {
        let mut s = shared.borrow_mut();
        if !s.signals.offline && !s.signals.suspended {
            return Poll::Ready(());
        }
        s.driver.register(cx);
        Poll::Pending
    })
}

/// The close event to finish with if a close was requested while no connection was open.
fn close_requested(shared: &RefCell<Shared>) -> Option<CloseEvent> {
    let shared = shared.borrow();
    let (code, reason) = shared.close_request.as_ref()?;
    Some(CloseEvent {
        code: *code,
        reason: reason.clone(),
        was_clean: true,
    })
}

/// Runs `fut` to completion unless a close is requested first (`None`).
async fn interruptible<F: Future>(shared: &RefCell<Shared>, fut: F) -> Option<F::Output> {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        {
            let mut s = shared.borrow_mut();
            if s.close_request.is_some() {
                return Poll::Ready(None);
            }
            s.driver.register(cx);
        }
        fut.as_mut().poll(cx).map(Some)
    })
    .await
}

async fn connect(shared: &RefCell<Shared>, config: &Config) -> Option<Result<WebSocket, Error>> {
    let url = interruptible(shared, (config.url)()).await?;
    // The driver takes every message at once: the limit is kept on its own queue (`run`).
    let mut builder = WebSocket::builder(url)
        .protocols(config.protocols.iter().cloned())
        .high_water_mark(config.high_water_mark)
        .max_buffered_bytes(usize::MAX);
    if let Some(timeout) = config.connect_timeout {
        builder = builder.connect_timeout(timeout);
    }
    interruptible(shared, builder.connect()).await
}

/// A timer that reports once when it fires.
fn fired(timer: &mut Option<Sleep>, cx: &mut Context<'_>) -> bool {
    let done = timer
        .as_mut()
        .is_some_and(|t| Pin::new(t).poll(cx).is_ready());
    if done {
        *timer = None;
    }
    done
}

/// Arms a timer and registers it with the task at once.
fn arm(timer: &mut Option<Sleep>, after: Duration, cx: &mut Context<'_>) {
    let mut t = Sleep::after(after);
    let _ = Pin::new(&mut t).poll(cx);
    *timer = Some(t);
}

/// Pumps one open connection: received messages to the stream, queued messages to the socket
/// (with its backpressure), heartbeat and idle checks, our own close.
async fn run(shared: &RefCell<Shared>, config: &Config, mut ws: WebSocket) -> Ended {
    let mut in_flight = InFlight::default();
    let mut closing = false;
    let mut last_received = js_sys::Date::now();
    let mut next_ping: Option<Sleep> = None;
    let mut pong_deadline: Option<Sleep> = None;
    let mut idle_check: Option<Sleep> = None;
    let mut started = false;

    poll_fn(|cx| {
        if !started {
            started = true;
            if let Some(h) = &config.heartbeat {
                arm(&mut next_ping, h.interval, cx);
            }
            if let Some(limit) = config.idle_timeout {
                arm(&mut idle_check, limit, cx);
            }
        }

        // `reconnect()`, or the page going into the back/forward cache: this connection goes
        // (closed normally, so the server sees a clean close); the loop attempts again at once,
        // or once the page is shown again.
        let replace = {
            let mut s = shared.borrow_mut();
            if s.signals.suspended {
                Some("page hidden")
            } else if s.take_reconnect_request() {
                Some("reconnect")
            } else {
                None
            }
        };
        if let Some(reason) = replace.filter(|_| !closing) {
            let _ = ws.as_raw().close_with_code_and_reason(1000, reason);
            in_flight.unsent_bytes = ws.buffered_amount() as u64;
            let close = CloseEvent {
                code: 1000,
                reason: reason.into(),
                was_clean: true,
            };
            return Poll::Ready(Ended::Replaced(close, in_flight));
        }

        // Our own close: the browser sends what is buffered, then the close frame.
        if !closing {
            let request = shared.borrow().close_request.clone();
            if let Some((code, reason)) = request {
                closing = true;
                let _ = ws.as_raw().close_with_code_and_reason(code, &reason);
            }
        }

        // Received messages, in order, until the socket has nothing more.
        loop {
            match Pin::new(&mut ws).poll_next(cx) {
                Poll::Ready(Some(Ok(message))) => {
                    last_received = js_sys::Date::now();
                    let is_pong = config
                        .heartbeat
                        .as_ref()
                        .is_some_and(|h| (h.is_pong)(&message));
                    if is_pong {
                        pong_deadline = None;
                        continue;
                    }
                    let waiting = shared.borrow().incoming_bytes;
                    if waiting.saturating_add(message.len()) > config.max_buffered_bytes {
                        let raw = ws.as_raw();
                        let _ = raw.close_with_code_and_reason(
                            crate::RECEIVE_OVERFLOW_CODE,
                            OVERFLOW_REASON,
                        );
                        return Poll::Ready(Ended::Overflowed);
                    }
                    Shared::update(shared, |s| s.deliver(Ok(message)));
                }
                Poll::Ready(Some(Err(e @ Error::Browser { .. }))) => {
                    Shared::update(shared, |s| s.deliver(Err(e)))
                }
                Poll::Ready(_) => {
                    let close = ws.core.inbox.borrow().close.clone().unwrap_or_default();
                    if closing {
                        return Poll::Ready(Ended::Closed(close));
                    }
                    in_flight.unsent_bytes = ws.buffered_amount() as u64;
                    return Poll::Ready(Ended::Lost(close, in_flight));
                }
                Poll::Pending => break,
            }
        }

        // Queued messages, in order, as fast as the connection's backpressure allows.
        let writers = {
            let mut s = shared.borrow_mut();
            s.driver.register(cx);
            let mut sent_any = false;
            while !closing && !s.outgoing.is_empty() {
                match Pin::new(&mut ws).poll_ready(cx) {
                    Poll::Ready(Ok(())) => {
                        if let Some((seq, message)) = s.outgoing.pop_front() {
                            let len = message.len();
                            // Ready was just checked in this same turn: the socket is open.
                            if Pin::new(&mut ws).start_send(message).is_ok() {
                                in_flight.record(seq, len);
                            }
                            sent_any = true;
                        }
                    }
                    // Closing or pending: the stream reports the end; the queue waits.
                    _ => break,
                }
            }
            if sent_any {
                s.writers()
            } else {
                Wake::none()
            }
        };
        writers.wake();

        // A probe (the page is back from sleep, the network changed): a ping now.
        if shared.borrow_mut().take_probe_request() {
            if let Some(h) = &config.heartbeat {
                if pong_deadline.is_none() && ws.try_send(h.ping.clone()).is_ok() {
                    arm(&mut pong_deadline, h.timeout, cx);
                }
            }
        }

        // Heartbeat: one ping at a time; no pong in time means the connection is dead.
        if let Some(h) = &config.heartbeat {
            if fired(&mut pong_deadline, cx) {
                return Poll::Ready(abandon(
                    &ws,
                    HEARTBEAT_TIMEOUT_CODE,
                    "heartbeat timeout",
                    in_flight,
                ));
            }
            if fired(&mut next_ping, cx) {
                if pong_deadline.is_none() && ws.try_send(h.ping.clone()).is_ok() {
                    arm(&mut pong_deadline, h.timeout, cx);
                }
                arm(&mut next_ping, h.interval, cx);
            }
        }

        // Idle: nothing received for the whole timeout means the connection is dead.
        if let Some(limit) = config.idle_timeout {
            if fired(&mut idle_check, cx) {
                let idle =
                    Duration::from_millis((js_sys::Date::now() - last_received).max(0.0) as u64);
                if idle >= limit {
                    return Poll::Ready(abandon(&ws, IDLE_TIMEOUT_CODE, "idle timeout", in_flight));
                }
                arm(&mut idle_check, limit - idle, cx);
            }
        }
        Poll::Pending
    })
    .await
}

/// Gives up on a connection that stopped answering: starts its close (the browser finishes it
/// on its own time; our listeners are gone when `ws` drops) and reports it lost.
fn abandon(ws: &WebSocket, code: u16, reason: &str, mut in_flight: InFlight) -> Ended {
    let _ = ws.as_raw().close_with_code_and_reason(code, reason);
    in_flight.unsent_bytes = ws.buffered_amount() as u64;
    Ended::Lost(synthesized(code, reason), in_flight)
}
