//! The driver task of a reconnecting socket: the shell that carries out what the machine
//! (`crate::machine`) decides. It opens the attempts the machine asks for, feeds it how each
//! attempt and connection went, hands queued messages to the open connection where the
//! machine's route says, delivers received messages to the stream (keeping the receive limit
//! the machine set, taking pongs out), and keeps one timer at the machine's next deadline. It
//! decides nothing.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

mod send;

use super::receive::receive;
#[cfg(target_family = "wasm")]
use super::receive::tap;
use super::shared::{now, Config, Shared};
use super::ConnectionState;
use crate::machine::{Action, Close, Failure, Input, Millis, Reason, Report};
#[cfg(not(target_family = "wasm"))]
use crate::platform::LockExt;
use crate::platform::{spawn, BoxFuture, Lock, Ptr, Sleep};
use crate::wake::Wake;
use crate::{CloseEvent, Error, WebSocket};

/// An attempt: `None` when the URL provider failed, else the browser's answer.
type Attempt = BoxFuture<Option<Result<WebSocket, Error>>>;

/// Starts the driver task of `shared`, marked running at once (a `reconnect()` before the
/// task's first poll starts no second one). Natively outside a tokio runtime, the stream says
/// [`Error::NoRuntime`](crate::Error::NoRuntime) instead, and a later `reconnect()` inside one
/// starts it.
pub(crate) fn start(shared: &Ptr<Lock<Shared>>, config: Config) {
    shared.borrow_mut().set_running(true);
    if !spawn(drive(Ptr::clone(shared), config)) {
        shared.borrow_mut().set_running(false);
        Shared::no_runtime(shared);
    }
}

/// Runs until the machine has stopped for good (`close()`, or the handle dropped) and every
/// action is carried out.
async fn drive(shared: Ptr<Lock<Shared>>, config: Config) {
    // Removed when this task ends: see environment.rs. (Natively the app tells: `network`,
    // `resumed`.)
    #[cfg(target_family = "wasm")]
    let _environment = super::environment::Environment::listen(&shared);
    let mut driver = Driver {
        shared: &shared,
        config,
        attempt: None,
        ws: None,
        timer: None,
        rejected: None,
        #[cfg(target_family = "wasm")]
        tapped: false,
        #[cfg(target_family = "wasm")]
        shared_ptr: Ptr::clone(&shared),
    };
    poll_fn(|cx| driver.poll(cx)).await;
    drop(driver);
    shared.borrow_mut().set_running(false);
}

struct Driver<'a> {
    shared: &'a Lock<Shared>,
    config: Config,
    /// The attempt under way: the URL provider, then the browser's handshake.
    attempt: Option<Attempt>,
    /// The open connection.
    ws: Option<WebSocket>,
    /// The machine's next deadline, and the timer set for it.
    timer: Option<(Millis, Sleep)>,
    /// The error of an attempt the browser refused, delivered when the machine stops.
    rejected: Option<Error>,
    /// The open connection's messages come through `tap` (in the browser).
    #[cfg(target_family = "wasm")]
    tapped: bool,
    #[cfg(target_family = "wasm")]
    shared_ptr: Ptr<Lock<Shared>>,
}

impl Driver<'_> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            self.shared.borrow_mut().wait_for_change(cx);
            self.act();
            // A socket that gave up stays (listening to the page and the network, so that a
            // `reconnect()` knows what the machine knows) until `close()` or its drop.
            let done = self.shared.borrow().closed_for_good();
            if done && self.ws.is_none() {
                return Poll::Ready(());
            }
            let progressed = self.poll_attempt(cx) | self.incoming(cx);
            self.outgoing(cx);
            if !progressed && !self.poll_timer(cx) {
                return Poll::Pending;
            }
        }
    }

    /// Carries out every action the machine asked for, in order.
    fn act(&mut self) {
        loop {
            let action = self.shared.borrow_mut().poll_action();
            match action {
                None => return,
                Some(Action::Connect { .. }) => {
                    let url = (self.config.url)();
                    let protocols = self.config.protocols.clone();
                    #[cfg(not(target_family = "wasm"))]
                    let transport = self.config.transport.clone();
                    let (mark, limit) = {
                        let s = self.shared.borrow();
                        let policy = s.policy();
                        (policy.high_water_mark, policy.max_buffered_bytes)
                    };
                    // The machine keeps the connect timeout and the receive limit (over every
                    // connection, on the stream's queue): the attempt's socket has neither.
                    self.attempt = Some(Box::pin(async move {
                        let url = url.await.ok()?;
                        let builder = WebSocket::builder(url)
                            .protocols(protocols)
                            .high_water_mark(mark)
                            .max_buffered_bytes(usize::MAX)
                            .no_connect_timeout();
                        // Natively a frame over the limit is refused from its header.
                        #[cfg(not(target_family = "wasm"))]
                        let builder = builder.frame_cap_of(limit).transport(transport);
                        #[cfg(target_family = "wasm")]
                        let _ = limit;
                        Some(builder.connect().await)
                    }));
                }
                Some(Action::FlushAll) => self.flush_all(),
                Some(Action::Close { code, .. }) => {
                    let reason = self.shared.borrow().close_reason().to_owned();
                    if let Some(ws) = &self.ws {
                        ws.close_now(code, &reason);
                    }
                }
                Some(Action::Discard { close }) => {
                    self.attempt = None;
                    if let Some(ws) = self.ws.take() {
                        if let Some((code, reason)) = close {
                            ws.close_now(code, reason.text());
                        }
                    }
                    self.shared.borrow_mut().set_current(None);
                }
                Some(Action::Ping) => {
                    // Past the high-water mark: `try_send` does not wait for it. Natively,
                    // without an application ping, a protocol ping (`protocol_heartbeat`).
                    match (&self.ws, &self.config.ping) {
                        (Some(ws), Some(p)) => {
                            let _ = ws.try_send(p.ping.clone());
                        }
                        #[cfg(not(target_family = "wasm"))]
                        (Some(ws), None) => ws.ping_now(),
                        _ => {}
                    }
                }
                Some(Action::Consult(close)) => {
                    let event = self.shared.borrow().close_event(close);
                    let yes = self
                        .config
                        .should_reconnect
                        .as_ref()
                        .is_none_or(|f| f(&event));
                    Shared::update(self.shared, |s| s.feed(Input::Verdict(yes)));
                }
                Some(Action::Route(_)) => Shared::update(self.shared, Shared::writers),
                Some(Action::Report(report)) => self.report(report),
            }
        }
    }

    /// Tells the app: states, and the final error.
    fn report(&mut self, report: Report) {
        Shared::update(self.shared, |s| {
            let state = match report {
                Report::Connecting { attempt } => {
                    s.start_over();
                    ConnectionState::Connecting { attempt }
                }
                Report::Open => ConnectionState::Open,
                Report::Disconnected { close, in_flight } => ConnectionState::Disconnected {
                    close: s.close_event(close),
                    in_flight,
                },
                Report::Reconnecting { attempt, delay } => ConnectionState::Reconnecting {
                    attempt,
                    delay: std::time::Duration::from_millis(delay),
                },
                Report::Closed { close, failure } => {
                    let event = s.close_event(close);
                    let error = match failure {
                        // The last three are a plain socket's: never this machine's.
                        None
                        | Some(
                            Failure::ConnectFailed
                            | Failure::ConnectTimeout
                            | Failure::ConnectionLost,
                        ) => None,
                        Some(Failure::Rejected) => self.rejected.take(),
                        Some(Failure::ReconnectRefused) => {
                            Some(Error::ReconnectRefused(event.clone()))
                        }
                        Some(Failure::RetriesExhausted { attempts }) => {
                            Some(Error::RetriesExhausted {
                                attempts,
                                last: event.clone(),
                            })
                        }
                        Some(Failure::ReceiveOverflow) => Some(Error::ReceiveOverflow {
                            limit: s.policy().max_buffered_bytes,
                        }),
                    };
                    let delivered = match error {
                        Some(e) => s.deliver(Err(e)),
                        None => Wake::none(),
                    };
                    return delivered.and(s.finish(event));
                }
            };
            if let ConnectionState::Open = state {
                s.set_current(self.ws.as_ref().map(WebSocket::probe));
            }
            s.set_state(state)
        });
    }

    /// The attempt: open, failed, or refused by the browser.
    fn poll_attempt(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(attempt) = self.attempt.as_mut() else {
            return false;
        };
        let Poll::Ready(result) = attempt.as_mut().poll(cx) else {
            return false;
        };
        self.attempt = None;
        let input = match result {
            None => Input::UrlFailed,
            Some(Ok(ws)) => {
                self.shared.borrow_mut().set_current(Some(ws.probe()));
                self.ws = Some(ws);
                #[cfg(target_family = "wasm")]
                {
                    self.tapped = false;
                }
                Input::Opened
            }
            // Retrying cannot fix a URL or a subprotocol list the browser rejects.
            Some(Err(e @ (Error::InvalidUrl { .. } | Error::InvalidProtocol { .. }))) => {
                self.shared.borrow_mut().set_given(e.to_string());
                self.rejected = Some(e);
                Input::Rejected
            }
            Some(Err(e)) => {
                let event = e.close_event().cloned().unwrap_or_default();
                self.ended(&event)
            }
        };
        Shared::update(self.shared, |s| s.feed(input));
        true
    }

    /// Records how the browser ended a socket, as the machine's input.
    fn ended(&self, event: &CloseEvent) -> Input {
        self.shared.borrow_mut().set_given(event.reason.clone());
        Input::Ended(Close {
            code: event.code,
            reason: Reason::Given,
            clean: event.was_clean,
        })
    }

    /// Received messages, in order, to the stream (pongs taken out, the receive limit kept);
    /// the socket's end to the machine.
    fn incoming(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(ws) = self.ws.as_mut() else {
            return false;
        };
        // Natively, protocol pongs (the socket wakes this task for them).
        #[cfg(not(target_family = "wasm"))]
        if ws.take_pongs() > 0 {
            Shared::update(self.shared, |s| {
                s.received_at(now());
                s.feed(Input::Pong)
            });
        }
        // The clock is read once per batch, not per message (in the browser it is a call out
        // of wasm): every message of the batch arrived before this poll.
        let mut received_at = None;
        loop {
            match Pin::new(&mut *ws).poll_next(cx) {
                Poll::Ready(Some(item @ (Ok(_) | Err(Error::Browser { .. })))) => {
                    let at = *received_at.get_or_insert_with(now);
                    let ping = self.config.ping.as_ref();
                    let (wake, overflow) = receive(&mut self.shared.borrow_mut(), item, at, ping);
                    wake.wake();
                    if overflow {
                        return true;
                    }
                }
                // One message past the limit (natively: refused as its frames arrived).
                Poll::Ready(Some(Err(Error::ReceiveOverflow { .. }))) => {
                    Shared::update(self.shared, |s| s.feed(Input::Overflow));
                    return true;
                }
                Poll::Ready(_) => {
                    let event = ws.close_event().unwrap_or_default();
                    let input = self.ended(&event);
                    // Read before the socket goes: what never left the browser.
                    Shared::update(self.shared, |s| s.feed(input));
                    self.ws = None;
                    self.shared.borrow_mut().set_current(None);
                    return true;
                }
                Poll::Pending => {
                    // Nothing waits in the socket: from now on the browser's `message` event
                    // hands each message on itself (`tap`).
                    #[cfg(target_family = "wasm")]
                    if !self.tapped {
                        let weak = Ptr::downgrade(&self.shared_ptr);
                        self.tapped = ws.set_tap(tap(weak, self.config.ping.clone()));
                    }
                    return false;
                }
            }
        }
    }

    /// The timer at the machine's next deadline; true when it fired.
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let due = self.shared.borrow().poll_timeout();
        let Some(due) = due else {
            self.timer = None;
            return false;
        };
        if self.timer.as_ref().is_none_or(|(at, _)| *at != due) {
            let delay = due.saturating_sub(now());
            self.timer = Some((due, Sleep::new(delay.min(u32::MAX as u64) as u32)));
        }
        let Some((_, sleep)) = self.timer.as_mut() else {
            return false;
        };
        if Pin::new(sleep).poll(cx).is_pending() {
            return false;
        }
        self.timer = None;
        Shared::update(self.shared, |s| {
            s.handle_timeout();
            Wake::none()
        });
        true
    }
}
