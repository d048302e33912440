//! The soak loop behind `reconnect.rs` (a server that drops every K messages) and `chaos.rs`
//! (a seeded random schedule of faults): numbered messages through a reconnecting socket, and
//! the checks of what must hold whatever the faults.

use std::time::Duration;

use futures::future::{select, Either};
use futures::{SinkExt, StreamExt};
use sockwave::reconnect::{ConnectionState, InFlight, ReconnectingWebSocket};
use sockwave::Message;

/// What a soak saw.
#[derive(Debug, Default)]
pub struct Soak {
    /// The numbers received, in arrival order.
    pub received: Vec<u64>,
    /// The numbers queued while the socket was not open.
    pub queued_while_down: Vec<u64>,
    /// Every in-flight report (one per lost connection).
    pub reports: Vec<InFlight>,
}

/// Sends `0..total` as text (about one per timer tick) while reading, for at most `limit`;
/// stops early once everything sent was either received or reported in flight.
pub async fn soak(ws: &mut ReconnectingWebSocket, total: u64, limit: Duration) -> Soak {
    let mut states = ws.states();
    let mut soak = Soak::default();
    let mut next = 0u64;
    let started = js_sys::Date::now();
    let elapsed = || js_sys::Date::now() - started;
    while (soak.received.len() as u64) < total && elapsed() < limit.as_millis() as f64 {
        if next < total {
            if ws.state() != ConnectionState::Open {
                soak.queued_while_down.push(next);
            }
            ws.feed(Message::text(next.to_string()))
                .await
                .expect("queued");
            next += 1;
        }
        // Pace the sender (~1 message per timer tick) while draining what arrived.
        let mut tick = Box::pin(super::sleep(if next < total { 1 } else { 50 }));
        loop {
            match select(select(ws.next(), states.next()), tick).await {
                Either::Left((Either::Left((Some(Ok(m)), _)), t)) => {
                    let n = m.as_text().and_then(|t| t.parse().ok()).expect("a number");
                    soak.received.push(n);
                    tick = t;
                }
                Either::Left((
                    Either::Right((Some(ConnectionState::Disconnected { in_flight, .. }), _)),
                    t,
                )) => {
                    soak.reports.push(in_flight);
                    tick = t;
                }
                Either::Left((Either::Right((Some(_), _)), t)) => tick = t,
                Either::Left((other, _)) => panic!("stream ended: {other:?}"),
                Either::Right(_) => break,
            }
        }
        if next == total && ws.queued() == 0 {
            // Everything was handed to a connection: what is missing now is what was lost.
            let lost_so_far = total - soak.received.len() as u64;
            let reported: u64 = soak.reports.iter().map(|r| r.messages).sum();
            if lost_so_far <= reported && elapsed() > 1_000.0 {
                break;
            }
        }
    }
    soak
}

impl Soak {
    /// What must hold whatever the faults: in order and none twice; every loss was reported
    /// in flight. With `queued_arrive`, also: every message queued while disconnected arrived
    /// (true when each new connection lives long enough to send the queue; under chaos the
    /// connection a queue is handed to may die too, and its losses are then reported like any
    /// other). `context` (e.g. the seed) goes into every failure message, to replay it.
    pub fn check(&self, total: u64, queued_arrive: bool, context: &str) {
        assert!(
            self.received.windows(2).all(|w| w[0] < w[1]),
            "{context}: out of order or twice"
        );
        for n in (0..total).filter(|n| self.received.binary_search(n).is_err()) {
            assert!(
                self.reports.iter().any(|r| r.contains(n)),
                "{context}: message {n} was lost but never reported in flight"
            );
        }
        for n in self.queued_while_down.iter().filter(|_| queued_arrive) {
            assert!(
                self.received.binary_search(n).is_ok(),
                "{context}: message {n} was queued while disconnected and never arrived"
            );
        }
    }
}
