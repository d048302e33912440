//! What the page or worker around a reconnecting socket tells it: the network went away or
//! came back (`offline`, `online` on the global scope, window or worker), the page is visible
//! again after a while (`visibilitychange`), or it was resumed from the back/forward cache
//! (`pageshow` with `persisted`) or from being frozen (`resume`), or it is going into that
//! cache (`pagehide` with `persisted`).
//!
//! The listeners only record and wake the driver (`driver.rs` decides): while offline it
//! makes no attempt and spends no retry; `online` attempts at once with the backoff reset; a
//! page back from sleep (hidden longer than the heartbeat interval, or resumed) probes the
//! connection at once with a ping, so a socket that died while the laptop slept is replaced
//! within the pong timeout; a page going into the back/forward cache closes its connection
//! (`close_on_pagehide`, default on) and reconnects at once when shown again. They are owned by the driver task and removed when it ends (close
//! or drop), so `live_listeners()` counts them.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Event, EventTarget};

use super::shared::Shared;
use crate::listeners::Listener;
use crate::wake::Wake;

/// The listeners of one driver task.
pub(crate) struct Environment {
    _listeners: Vec<Listener>,
}

/// What the environment asked of the driver, recorded in [`Shared`].
#[derive(Debug, Default)]
pub(crate) struct Signals {
    /// `offline` came and no `online` since: no attempts.
    pub(super) offline: bool,
    /// The page is in the back/forward cache (`pagehide` persisted, `close_on_pagehide`): the
    /// connection is closed and no attempt made until `pageshow`.
    pub(super) suspended: bool,
    /// A probe (a ping now) is wanted: the page is back from sleep.
    pub(super) probe: bool,
    /// When the page was last hidden (`Date.now()`), if it is hidden.
    hidden_since: Option<f64>,
}

/// A property of a JS object, if it is there.
fn property(target: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Whether a `pageshow` / `pagehide` event says the page is (or was) in the back/forward cache.
fn persisted(event: &Event) -> bool {
    property(event.as_ref(), "persisted").and_then(|v| v.as_bool()) == Some(true)
}

/// An event target that really is one (Node's global scope, for example, is not).
fn event_target(value: JsValue) -> Option<EventTarget> {
    property(&value, "addEventListener").map(|_| value.unchecked_into())
}

impl Environment {
    /// Listens to the global scope (and, in a page, the document). `probe_after_ms`: how long
    /// the page must have been hidden before coming back probes (the heartbeat interval).
    pub(crate) fn listen(
        shared: &Rc<RefCell<Shared>>,
        probe_after_ms: f64,
        close_on_pagehide: bool,
    ) -> Self {
        let mut listeners = Vec::new();
        let global: JsValue = js_sys::global().into();
        if let Some(scope) = event_target(global.clone()) {
            // Online until an `offline` event says otherwise: `navigator.onLine` is only a hint
            // (false in some sandboxes that still reach the server, e.g. on loopback).
            let on = |kind: &'static str, f: fn(&mut Shared, &Event, f64) -> Wake| {
                let shared = Rc::clone(shared);
                Listener::new(&scope, kind, move |event| {
                    Shared::update(&shared, |s| f(s, &event, probe_after_ms));
                })
            };
            listeners.push(on("offline", |s, _, _| {
                s.signals.offline = true;
                Wake::none()
            }));
            listeners.push(on("online", |s, _, _| {
                s.signals.offline = false;
                s.network_back()
            }));
            listeners.push(on("pageshow", |s, event, _| {
                if persisted(event) {
                    return s.shown_again();
                }
                Wake::none()
            }));
            if close_on_pagehide {
                listeners.push(on("pagehide", |s, event, _| {
                    if persisted(event) {
                        return s.suspend();
                    }
                    Wake::none()
                }));
            }
        }
        if let Some(document) = property(&global, "document").and_then(event_target) {
            let doc = document.clone();
            let shared_v = Rc::clone(shared);
            listeners.push(Listener::new(&document, "visibilitychange", move |_| {
                let hidden = property(doc.as_ref(), "visibilityState")
                    .and_then(|v| v.as_string())
                    .is_some_and(|v| v == "hidden");
                Shared::update(&shared_v, |s| {
                    let now = js_sys::Date::now();
                    if hidden {
                        s.signals.hidden_since = Some(now);
                        return Wake::none();
                    }
                    match s.signals.hidden_since.take() {
                        Some(since) if now - since >= probe_after_ms => s.probe(),
                        _ => Wake::none(),
                    }
                });
            }));
            let shared_r = Rc::clone(shared);
            listeners.push(Listener::new(&document, "resume", move |_| {
                Shared::update(&shared_r, Shared::probe);
            }));
        }
        Environment {
            _listeners: listeners,
        }
    }
}
