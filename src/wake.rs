//! The one waker discipline, used by every state a task waits on (after futures-core's
//! `AtomicWaker`, for one thread):
//!
//! - **register** a task's waker only when `will_wake` says it changed (no clone per poll);
//! - **wake after the borrow ends**: state borrowed from a `RefCell` hands its wakers out as a
//!   [`Wake`], and the caller wakes them once every borrow is gone, so a woken task can never
//!   find the state still borrowed.

use std::task::{Context, Waker};

/// The one task waiting on something (a stream's reader, a driver, an observer).
#[derive(Debug, Default)]
pub(crate) struct WakerSlot(Option<Waker>);

impl WakerSlot {
    /// Remembers the polling task.
    pub(crate) fn register(&mut self, cx: &Context<'_>) {
        match &self.0 {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => self.0 = Some(cx.waker().clone()),
        }
    }

    /// Hands the waiting task out, to wake once the borrow has ended.
    pub(crate) fn take(&mut self) -> Wake {
        Wake::new(self.0.take(), Vec::new())
    }

    /// Whether a task waits (registered since it was last woken).
    pub(crate) fn is_waiting(&self) -> bool {
        self.0.is_some()
    }

    /// The waiting task itself, for a caller gathering several into one [`Wake`].
    pub(crate) fn take_waker(&mut self) -> Option<Waker> {
        self.0.take()
    }
}

/// Several tasks waiting on the same thing (`open`, queue space), each once.
#[derive(Debug, Default)]
pub(crate) struct WakerSet(Vec<Waker>);

impl WakerSet {
    /// Remembers the polling task, unless it is already waiting.
    pub(crate) fn register(&mut self, cx: &Context<'_>) {
        if !self.0.iter().any(|w| w.will_wake(cx.waker())) {
            self.0.push(cx.waker().clone());
        }
    }

    /// Hands every waiting task out, to wake once the borrow has ended.
    pub(crate) fn take(&mut self) -> Wake {
        Wake::new(None, self.take_wakers())
    }

    /// The waiting tasks themselves, for a caller gathering several into one [`Wake`].
    pub(crate) fn take_wakers(&mut self) -> Vec<Waker> {
        std::mem::take(&mut self.0)
    }
}

/// Wakers taken out of a borrowed state, to wake once the borrow has ended. One for the
/// common single task (a stream's reader: the message path allocates nothing), any number
/// besides.
#[derive(Debug, Default)]
#[must_use = "wake them once the borrow has ended"]
pub(crate) struct Wake {
    one: Option<Waker>,
    many: Vec<Waker>,
}

impl Wake {
    /// These tasks.
    pub(crate) fn new(one: Option<Waker>, many: Vec<Waker>) -> Self {
        Wake { one, many }
    }

    /// Nobody to wake.
    pub(crate) fn none() -> Self {
        Wake::default()
    }

    /// These and `other`'s.
    pub(crate) fn and(mut self, other: Wake) -> Self {
        self.many.extend(other.one);
        self.many.extend(other.many);
        self
    }

    /// Wakes them all. Call with no borrow of the state they came from. Out of line: every
    /// event path ends here, and one body is smaller than a copy in each (see "Binary size").
    #[inline(never)]
    pub(crate) fn wake(self) {
        if let Some(w) = self.one {
            w.wake();
        }
        for w in self.many {
            w.wake();
        }
    }
}
