//! One open connection of a reconnecting socket, as its driver runs it (`driver.rs`): received
//! messages to the stream, queued messages to the socket, heartbeat and idle checks, our own
//! close, and how it ended.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use futures_sink::Sink;

use super::shared::{Config, Shared};
use super::InFlight;
use crate::inbox::OVERFLOW_REASON;
use crate::timer::Sleep;
use crate::wake::Wake;
use crate::{CloseEvent, Error, WebSocket};

/// How one open connection ended.
pub(super) enum Ended {
    /// By our own `close`.
    Closed(CloseEvent),
    /// Dropped by `reconnect()`: attempt again at once.
    Replaced(CloseEvent, InFlight),
    /// Closed by us: more was received than `max_buffered_bytes` lets wait to be read.
    Overflowed,
    /// Any other way.
    Lost(CloseEvent, InFlight),
}

/// A close the browser never reported: one we declare (a dead connection, a failed attempt).
pub(super) fn synthesized(code: u16, reason: &str) -> CloseEvent {
    CloseEvent {
        code,
        reason: reason.to_owned(),
        was_clean: false,
    }
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

/// Pumps one open connection until it ends: see [`Connection::poll`].
pub(super) async fn run(shared: &RefCell<Shared>, config: &Config, ws: WebSocket) -> Ended {
    let mut connection = Connection::new(shared, config, ws);
    poll_fn(|cx| connection.poll(cx)).await
}

/// One open connection as the driver runs it: one method per concern, called in order by
/// [`poll`](Self::poll) each time the driver task wakes.
struct Connection<'a> {
    shared: &'a RefCell<Shared>,
    config: &'a Config,
    ws: WebSocket,
    /// The messages handed to this connection.
    in_flight: InFlight,
    /// Our own close was started: the next end is [`Ended::Closed`].
    closing: bool,
    /// `Date.now()` of the last message received (the idle check).
    last_received: f64,
    next_ping: Option<Sleep>,
    pong_deadline: Option<Sleep>,
    idle_check: Option<Sleep>,
}

impl<'a> Connection<'a> {
    /// Its timers are armed here and registered by the first `poll`.
    fn new(shared: &'a RefCell<Shared>, config: &'a Config, ws: WebSocket) -> Self {
        Connection {
            shared,
            config,
            ws,
            in_flight: InFlight::default(),
            closing: false,
            last_received: js_sys::Date::now(),
            next_ping: config.heartbeat.as_ref().map(|h| Sleep::after(h.interval)),
            pong_deadline: None,
            idle_check: config.idle_timeout.map(Sleep::after),
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Ended> {
        if let Some(ended) = self.replace() {
            return Poll::Ready(ended);
        }
        self.close();
        if let Some(ended) = self.incoming(cx) {
            return Poll::Ready(ended);
        }
        self.outgoing(cx);
        self.probe(cx);
        if let Some(ended) = self.heartbeat(cx) {
            return Poll::Ready(ended);
        }
        match self.idle(cx) {
            Some(ended) => Poll::Ready(ended),
            None => Poll::Pending,
        }
    }

    /// `reconnect()`, or the page going into the back/forward cache: this connection goes
    /// (closed normally, so the server sees a clean close); the driver attempts again at once,
    /// or once the page is shown again.
    fn replace(&mut self) -> Option<Ended> {
        let reason = {
            let mut s = self.shared.borrow_mut();
            if s.signals.suspended {
                "page hidden"
            } else if s.take_reconnect_request() {
                "reconnect"
            } else {
                return None;
            }
        };
        if self.closing {
            return None;
        }
        let _ = self.ws.as_raw().close_with_code_and_reason(1000, reason);
        self.in_flight.unsent_bytes = self.ws.buffered_amount() as u64;
        let close = CloseEvent {
            code: 1000,
            reason: reason.into(),
            was_clean: true,
        };
        Some(Ended::Replaced(close, self.in_flight))
    }

    /// Our own close: the browser sends what is buffered, then the close frame.
    fn close(&mut self) {
        if self.closing {
            return;
        }
        let request = self.shared.borrow().close_request.clone();
        if let Some((code, reason)) = request {
            self.closing = true;
            let _ = self.ws.as_raw().close_with_code_and_reason(code, &reason);
        }
    }

    /// Received messages, in order, to the stream (pongs taken out, the receive limit kept),
    /// until the socket has nothing more; its end ends the connection.
    fn incoming(&mut self, cx: &mut Context<'_>) -> Option<Ended> {
        loop {
            match Pin::new(&mut self.ws).poll_next(cx) {
                Poll::Ready(Some(Ok(message))) => {
                    self.last_received = js_sys::Date::now();
                    let heartbeat = self.config.heartbeat.as_ref();
                    if heartbeat.is_some_and(|h| (h.is_pong)(&message)) {
                        self.pong_deadline = None;
                        continue;
                    }
                    let waiting = self.shared.borrow().incoming_bytes;
                    if waiting.saturating_add(message.len()) > self.config.max_buffered_bytes {
                        let _ = self.ws.as_raw().close_with_code_and_reason(
                            crate::RECEIVE_OVERFLOW_CODE,
                            OVERFLOW_REASON,
                        );
                        return Some(Ended::Overflowed);
                    }
                    Shared::update(self.shared, |s| s.deliver(Ok(message)));
                }
                Poll::Ready(Some(Err(e @ Error::Browser { .. }))) => {
                    Shared::update(self.shared, |s| s.deliver(Err(e)))
                }
                Poll::Ready(_) => {
                    let close = self.ws.close_event().unwrap_or_default();
                    if self.closing {
                        return Some(Ended::Closed(close));
                    }
                    self.in_flight.unsent_bytes = self.ws.buffered_amount() as u64;
                    return Some(Ended::Lost(close, self.in_flight));
                }
                Poll::Pending => return None,
            }
        }
    }

    /// Queued messages, in order, as fast as the connection's backpressure allows.
    fn outgoing(&mut self, cx: &mut Context<'_>) {
        let writers = {
            let mut s = self.shared.borrow_mut();
            s.driver.register(cx);
            let mut sent_any = false;
            while !self.closing && !s.outgoing.is_empty() {
                match Pin::new(&mut self.ws).poll_ready(cx) {
                    Poll::Ready(Ok(())) => {
                        if let Some((seq, message)) = s.outgoing.pop_front() {
                            let len = message.len();
                            // Ready was just checked in this same turn: the socket is open.
                            if Pin::new(&mut self.ws).start_send(message).is_ok() {
                                self.in_flight.record(seq, len);
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
    }

    /// A probe (the page is back from sleep, the network changed): a ping now.
    fn probe(&mut self, cx: &mut Context<'_>) {
        if self.shared.borrow_mut().take_probe_request() {
            self.ping(cx);
        }
    }

    /// One ping at a time, with its pong deadline.
    fn ping(&mut self, cx: &mut Context<'_>) {
        if let Some(h) = &self.config.heartbeat {
            if self.pong_deadline.is_none() && self.ws.try_send(h.ping.clone()).is_ok() {
                arm(&mut self.pong_deadline, h.timeout, cx);
            }
        }
    }

    /// Heartbeat: a ping every interval; no pong in time means the connection is dead.
    fn heartbeat(&mut self, cx: &mut Context<'_>) -> Option<Ended> {
        let interval = self.config.heartbeat.as_ref()?.interval;
        if fired(&mut self.pong_deadline, cx) {
            let code = self.config.timeout_codes.0;
            return Some(self.abandon(code, "heartbeat timeout"));
        }
        if fired(&mut self.next_ping, cx) {
            self.ping(cx);
            arm(&mut self.next_ping, interval, cx);
        }
        None
    }

    /// Idle: nothing received for the whole timeout means the connection is dead.
    fn idle(&mut self, cx: &mut Context<'_>) -> Option<Ended> {
        let limit = self.config.idle_timeout?;
        if !fired(&mut self.idle_check, cx) {
            return None;
        }
        let idle = (js_sys::Date::now() - self.last_received).max(0.0);
        let idle = Duration::from_millis(idle as u64);
        if idle >= limit {
            let code = self.config.timeout_codes.1;
            return Some(self.abandon(code, "idle timeout"));
        }
        arm(&mut self.idle_check, limit - idle, cx);
        None
    }

    /// Gives up on a connection that stopped answering: starts its close (the browser finishes
    /// it on its own time; our listeners are gone when `ws` drops) and reports it lost.
    fn abandon(&mut self, code: u16, reason: &str) -> Ended {
        let _ = self.ws.as_raw().close_with_code_and_reason(code, reason);
        self.in_flight.unsent_bytes = self.ws.buffered_amount() as u64;
        Ended::Lost(synthesized(code, reason), self.in_flight)
    }
}
