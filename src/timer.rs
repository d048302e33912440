//! The one timer: a future over gloo-timers' callback `Timeout`.
//!
//! gloo-timers' own `TimeoutFuture` goes through a futures-channel oneshot (an `Arc`, atomics
//! and a lock) to carry one bit on one thread. Here the callback sets a flag in an `Rc` and
//! wakes the task that last polled: the same `setTimeout`, about a kilobyte less in every app.
//! Dropping the future clears the JS timeout.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use gloo_timers::callback::Timeout;

use crate::wake::WakerSlot;

/// What the callback shares with the future.
#[derive(Default)]
struct Shared {
    fired: Cell<bool>,
    waker: RefCell<WakerSlot>,
}

/// Ready once `millis` milliseconds have passed (`setTimeout`, so at least that long).
pub(crate) struct Sleep {
    shared: Rc<Shared>,
    _timeout: Timeout,
}

impl Sleep {
    /// Starts the timer now. Out of line: the sink and `connect` both start timers.
    #[inline(never)]
    pub(crate) fn new(millis: u32) -> Self {
        let shared = Rc::new(Shared::default());
        let from_timer = Rc::clone(&shared);
        let timeout = Timeout::new(millis, move || {
            from_timer.fired.set(true);
            // Taken before waking: the woken task may poll (and borrow) at once.
            let wake = from_timer.waker.borrow_mut().take();
            wake.wake();
        });
        Sleep {
            shared,
            _timeout: timeout,
        }
    }
}

/// `d` in whole milliseconds, saturating at `i32::MAX` (24.8 days): browsers treat a longer
/// `setTimeout` delay as 0 and fire at once (gloo-timers passes it on as an `i32`).
pub(crate) fn millis(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).map_or(MAX_DELAY_MS, |ms| ms.min(MAX_DELAY_MS))
}

/// The longest delay `setTimeout` honours (the machine's cap).
const MAX_DELAY_MS: u32 = crate::machine::MAX_DELAY as u32;

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.shared.fired.get() {
            return Poll::Ready(());
        }
        self.shared.waker.borrow_mut().register(cx);
        Poll::Pending
    }
}

impl std::fmt::Debug for Sleep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sleep")
            .field("fired", &self.shared.fired.get())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_saturate_where_set_timeout_would_fire_at_once() {
        assert_eq!(millis(Duration::from_millis(1500)), 1500);
        assert_eq!(millis(Duration::from_secs(30 * 86_400)), i32::MAX as u32);
        assert_eq!(millis(Duration::MAX), i32::MAX as u32);
    }
}
