//! What the shells of this crate that run on every target (the reconnecting socket's, the
//! observer feeds) need of the target, named once: shared ownership and its lock, boxed
//! futures and callbacks, a task, a clock and a timer. In the browser everything lives on one
//! thread (`Rc`, `RefCell`, `spawn_local`, gloo-timers); natively it may move between threads
//! (`Arc`, `Mutex`, `tokio::spawn`, tokio's timer), so what crosses is `Send + Sync` there.
//!
//! The lock keeps `RefCell`'s names (`borrow_mut`, `borrow`) on both targets, so the shells
//! read the same. Natively they lock a `Mutex`: a shell must never hold one guard while taking
//! another (`RefCell` would panic there; a `Mutex` would wait forever), which the native tests
//! would show as a hang.

use std::future::Future;

use crate::machine::Millis;

#[cfg(target_family = "wasm")]
mod imp {
    pub(crate) use std::cell::RefCell as Lock;
    pub(crate) use std::rc::{Rc as Ptr, Weak as WeakPtr};

    pub(crate) use crate::timer::Sleep;

    /// A boxed future of this target.
    pub(crate) type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;

    /// What a callback must be to cross into a shell: `Send + Sync` natively, nothing in the
    /// browser (everything there stays on one thread).
    pub trait WasmNotSendSync {}
    impl<T: ?Sized> WasmNotSendSync for T {}
    /// What a future must be to cross into a shell: `Send` natively, nothing in the browser.
    pub trait WasmNotSend {}
    impl<T: ?Sized> WasmNotSend for T {}

    /// Runs `task` on this page's or worker's event loop.
    pub(crate) fn spawn(task: impl std::future::Future<Output = ()> + 'static) -> bool {
        wasm_bindgen_futures::spawn_local(task);
        true
    }

    /// The wall clock, in milliseconds.
    pub(crate) fn now() -> super::Millis {
        js_sys::Date::now() as super::Millis
    }

    /// A seed for a machine's jitter: different for every socket.
    pub(crate) fn seed() -> u64 {
        (js_sys::Math::random() * 2f64.powi(53)) as u64
    }
}

#[cfg(not(target_family = "wasm"))]
mod imp {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::MutexGuard;
    use std::task::{Context, Poll};
    use std::time::Duration;

    pub(crate) use std::sync::{Arc as Ptr, Mutex as Lock, Weak as WeakPtr};

    /// A boxed future of this target.
    pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

    /// What a callback must be to cross into a shell: `Send + Sync` natively (it may run on
    /// another thread), nothing in the browser.
    pub trait WasmNotSendSync: Send + Sync {}
    impl<T: ?Sized + Send + Sync> WasmNotSendSync for T {}
    /// What a future must be to cross into a shell: `Send` natively, nothing in the browser.
    pub trait WasmNotSend: Send {}
    impl<T: ?Sized + Send> WasmNotSend for T {}

    /// `RefCell`'s names on a `Mutex` (see the module docs). A poisoned lock is taken as it
    /// is: every change under it is a few field writes.
    pub(crate) trait LockExt<T> {
        fn borrow_mut(&self) -> MutexGuard<'_, T>;
        fn borrow(&self) -> MutexGuard<'_, T>;
    }

    impl<T> LockExt<T> for Lock<T> {
        fn borrow_mut(&self) -> MutexGuard<'_, T> {
            self.lock().unwrap_or_else(|e| e.into_inner())
        }
        fn borrow(&self) -> MutexGuard<'_, T> {
            self.borrow_mut()
        }
    }

    /// Runs `task` on the current tokio runtime; false without one.
    pub(crate) fn spawn(task: impl Future<Output = ()> + Send + 'static) -> bool {
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(task);
                true
            }
            Err(_) => false,
        }
    }

    /// The clock, in milliseconds: tokio's, monotonic (the wall clock may jump; a paused
    /// runtime, the simulation's, advances it only when every task waits), counted from the
    /// first call in this process.
    pub(crate) fn now() -> super::Millis {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        let start = *START.get_or_init(std::time::Instant::now);
        tokio::time::Instant::now()
            .into_std()
            .saturating_duration_since(start)
            .as_millis() as super::Millis
    }

    /// A seed for a machine's jitter: different for every socket (std's hasher keys are
    /// random per process; the counter and the clock make them differ per call).
    pub(crate) fn seed() -> u64 {
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        static CALLS: AtomicU64 = AtomicU64::new(0);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
        h.write_u64(now());
        h.finish()
    }

    /// A timer of `ms` milliseconds, as the browser face's `timer::Sleep`.
    #[derive(Debug)]
    pub(crate) struct Sleep(Pin<Box<tokio::time::Sleep>>);

    impl Sleep {
        pub(crate) fn new(ms: u32) -> Self {
            Sleep(Box::pin(tokio::time::sleep(Duration::from_millis(
                ms.into(),
            ))))
        }
    }

    impl Future for Sleep {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.0.as_mut().poll(cx)
        }
    }
}

pub(crate) use imp::*;
pub use imp::{WasmNotSend, WasmNotSendSync};

/// A future boxed as this target's shells hold it.
pub(crate) fn boxed<T>(f: impl Future<Output = T> + WasmNotSend + 'static) -> BoxFuture<T> {
    Box::pin(f)
}
