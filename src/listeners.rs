//! The callback layer: an owned event listener that detaches itself when dropped.
//!
//! Like gloo-events' `EventListener`: the `Closure` lives exactly as long as the listener, and
//! `Drop` removes it from the target before freeing it, so the browser can never call a freed
//! closure. Nothing here is `forget()`-ed.

use std::cell::Cell;
use std::fmt;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Event, EventTarget};

thread_local! {
    static LIVE: Cell<usize> = const { Cell::new(0) };
}

/// How many listeners sockwave has attached right now (see `crate::live_listeners`).
pub(crate) fn live() -> usize {
    LIVE.with(Cell::get)
}

/// One `addEventListener` registration, removed on drop.
pub(crate) struct Listener {
    target: EventTarget,
    kind: &'static str,
    callback: Closure<dyn FnMut(Event)>,
}

impl Listener {
    /// Adds `callback` as a listener for `kind` events on `target`.
    pub(crate) fn new<F>(target: &EventTarget, kind: &'static str, callback: F) -> Self
    where
        F: FnMut(Event) + 'static,
    {
        let callback = Closure::<dyn FnMut(Event)>::new(callback);
        // addEventListener only throws for a non-callable listener, which a Closure never is.
        let _ = target.add_event_listener_with_callback(kind, callback.as_ref().unchecked_ref());
        LIVE.with(|n| n.set(n.get() + 1));
        Listener {
            target: target.clone(),
            kind,
            callback,
        }
    }
}

impl Drop for Listener {
    // Out of line: a socket drops four, and one body is smaller than four inlined copies.
    #[inline(never)]
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.kind, self.callback.as_ref().unchecked_ref());
        LIVE.with(|n| n.set(n.get().saturating_sub(1)));
    }
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("kind", &self.kind)
            .finish()
    }
}
