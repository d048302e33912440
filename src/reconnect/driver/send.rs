//! The driver's sending side: queued messages to the open connection as the route and the
//! socket's high-water mark allow, and every one of them before our own close.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_sink::Sink;

use super::Driver;
use crate::machine::Route;
#[cfg(not(target_family = "wasm"))]
use crate::platform::LockExt;
use crate::wake::Wake;
use crate::ReadyState;

impl Driver<'_> {
    /// Queued messages, in order, to the open connection while the route says so, as fast as
    /// its high-water mark allows.
    pub(super) fn outgoing(&mut self, cx: &mut Context<'_>) {
        let Some(ws) = self.ws.as_mut() else { return };
        let wake = {
            let mut s = self.shared.borrow_mut();
            if !matches!(s.route(), Route::Flow { .. }) {
                return;
            }
            let mut sent_any = false;
            // The socket's own sink keeps the high-water mark the machine set.
            while s.queued() > 0 {
                // Pending: at the mark (the waker is set). An error: the socket is no longer
                // OPEN (the server's close under way), so nothing more is handed over.
                if !matches!(Pin::new(&mut *ws).poll_ready(cx), Poll::Ready(Ok(()))) {
                    break;
                }
                // In flight means handed to the transport; one it refused stays first in the
                // queue, for the next connection.
                if !s.hand_over_first() {
                    break;
                }
                sent_any = true;
            }
            if sent_any {
                // Natively, written from this task rather than by the socket's own driver.
                s.flush_current();
                s.writers()
            } else {
                Wake::none()
            }
        };
        wake.wake();
    }

    /// Before our own close: every queued message to the socket, past the high-water mark.
    /// Only while the socket is OPEN: what it would refuse stays queued (and is dropped when
    /// the socket stops, never counted in flight).
    pub(super) fn flush_all(&mut self) {
        let Some(ws) = &self.ws else { return };
        let mut s = self.shared.borrow_mut();
        while ws.ready_state() == ReadyState::Open {
            let Some(message) = s.take_queued() else {
                break;
            };
            let len = message.len() as u64;
            if ws.try_send(message).is_err() {
                break;
            }
            s.count_handed(len);
        }
    }
}
