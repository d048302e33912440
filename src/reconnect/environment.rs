//! What the page or worker around a reconnecting socket tells it: the network went away or
//! came back (`offline`, `online` on the global scope, window or worker), the page is visible
//! again after a while (`visibilitychange`), or it was resumed from the back/forward cache
//! (`pageshow` with `persisted`) or from being frozen (`resume`), or it is going into that
//! cache (`pagehide` with `persisted`).
//!
//! The listeners only feed the machine (`crate::machine`, which decides what each means:
//! no attempt while offline, an attempt at once on `online`, a probe when the page comes back
//! from sleep, the connection closed when the page goes into the back/forward cache and
//! reopened when it is shown again). They are owned by the driver task and removed when it
//! ends (close or drop), so `live_listeners()` counts them: 6 in a page, 4 in a worker.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Event, EventTarget};

use super::shared::Shared;
use crate::listeners::Listener;
use crate::machine::Input;

/// The listeners of one driver task.
pub(crate) struct Environment {
    _listeners: Vec<Listener>,
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
    /// Listens to the global scope (and, in a page, the document).
    pub(crate) fn listen(shared: &Rc<RefCell<Shared>>) -> Self {
        let mut listeners = Vec::new();
        let global: JsValue = js_sys::global().into();
        let feed = |target: &EventTarget, kind: &'static str, input: fn(&Event) -> Input| {
            let shared = Rc::clone(shared);
            Listener::new(target, kind, move |event| {
                let input = input(&event);
                Shared::update(&shared, |s| s.feed(input));
            })
        };
        if let Some(scope) = event_target(global.clone()) {
            // Online until an `offline` event says otherwise: `navigator.onLine` is only a hint
            // (false in some sandboxes that still reach the server, e.g. on loopback).
            listeners.push(feed(&scope, "offline", |_| Input::Offline));
            listeners.push(feed(&scope, "online", |_| Input::Online));
            listeners.push(feed(&scope, "pageshow", |e| Input::PageShow {
                persisted: persisted(e),
            }));
            listeners.push(feed(&scope, "pagehide", |e| Input::PageHide {
                persisted: persisted(e),
            }));
        }
        if let Some(document) = property(&global, "document").and_then(event_target) {
            let doc = document.clone();
            let shared_v = Rc::clone(shared);
            listeners.push(Listener::new(&document, "visibilitychange", move |_| {
                let hidden = property(doc.as_ref(), "visibilityState")
                    .and_then(|v| v.as_string())
                    .is_some_and(|v| v == "hidden");
                let input = if hidden {
                    Input::Hidden
                } else {
                    Input::Visible
                };
                Shared::update(&shared_v, |s| s.feed(input));
            }));
            listeners.push(feed(&document, "resume", |_| Input::Resumed));
        }
        Environment {
            _listeners: listeners,
        }
    }
}
