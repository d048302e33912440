//! The driver task of a reconnecting socket: connect, run the connection until it ends
//! (`connection.rs`), back off, repeat; stop for good on `close`, a refused reconnection or
//! exhausted retries.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::Poll;

use super::connection::{run, synthesized, Ended};
use super::environment::Environment;
use super::shared::{Config, Shared};
use super::ConnectionState;
use crate::inbox::OVERFLOW_REASON;
use crate::timer::Sleep;
use crate::{CloseEvent, Error, WebSocket};

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
