//! The pump: one task per socket that dispatches `open`, `message` (when listeners take the
//! messages), `error`, `disconnect`, `reconnect` and `close` to the JS handlers, in order.

use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

use super::conn::{Control, Notice};
use super::convert::{close_event_to_js, set};
use super::inner::{Delivery, Inner, CLOSE, DISCONNECT, ERROR, MESSAGE, OPEN, RECONNECT};
use crate::Error;

enum Pumped {
    Message(Option<Result<JsValue, Error>>),
    Notice(Option<Notice>),
}

/// Dispatches the control notices, and the messages once listeners take them (messages first,
/// so `close` always comes after the last message).
/// Starts the pump with a fresh `closed` promise, which it settles at the end.
pub(super) fn start_pump(inner: &Rc<Inner>, control: Control) {
    let mut settle = None;
    *inner.closed.borrow_mut() = Promise::new(&mut |resolve, _| settle = Some(resolve));
    inner.pumping.set(true);
    let task = Rc::clone(inner);
    spawn_local(async move {
        pump(&task, control, settle).await;
        task.pumping.set(false);
    });
}

async fn pump(inner: &Inner, mut control: Control, settle_closed: Option<Function>) {
    let mut messages_done = false;
    loop {
        let next = poll_fn(|cx| {
            if inner.delivery.get() == Delivery::Events && !messages_done {
                if let Poll::Ready(m) = inner.poll_message(cx) {
                    return Poll::Ready(Pumped::Message(m));
                }
            } else {
                inner.pump_waker.borrow_mut().register(cx);
            }
            control.poll_notice(cx).map(Pumped::Notice)
        })
        .await;
        match next {
            Pumped::Message(Some(Ok(message))) => dispatch_message(inner, message),
            // The loss itself is reported by `error` + `close`, as the browser does.
            Pumped::Message(_) => messages_done = true,
            Pumped::Notice(Some(Notice::Open)) => dispatch_plain(inner, OPEN, "open"),
            Pumped::Notice(Some(Notice::Error)) => dispatch_plain(inner, ERROR, "error"),
            Pumped::Notice(Some(Notice::Disconnected(close, in_flight))) => {
                if let Ok(ev) = web_sys::Event::new("disconnect") {
                    let target: &JsValue = ev.as_ref();
                    set(target, "code", close.code);
                    set(target, "reason", close.reason.as_str());
                    set(target, "wasClean", close.was_clean);
                    let report: JsValue = js_sys::Object::new().into();
                    set(&report, "firstSeq", in_flight.first_seq as f64);
                    set(&report, "messages", in_flight.messages as f64);
                    set(&report, "bytes", in_flight.bytes as f64);
                    set(&report, "unsentBytes", in_flight.unsent_bytes as f64);
                    set(target, "inFlight", report);
                    inner.dispatch(DISCONNECT, &ev);
                }
            }
            Pumped::Notice(Some(Notice::Reconnecting(attempt, delay))) => {
                if let Ok(ev) = web_sys::Event::new("reconnect") {
                    let target: &JsValue = ev.as_ref();
                    set(target, "attempt", attempt);
                    set(target, "delayMs", delay.as_secs_f64() * 1000.0);
                    inner.dispatch(RECONNECT, &ev);
                }
            }
            Pumped::Notice(Some(Notice::Close(close))) => {
                if inner.delivery.get() == Delivery::Events && !messages_done {
                    // Deliver what is still queued before announcing the close.
                    while let Some(Ok(message)) = poll_fn(|cx| inner.poll_message(cx)).await {
                        dispatch_message(inner, message);
                    }
                }
                let init = web_sys::CloseEventInit::new();
                init.set_code(close.code);
                init.set_reason(&close.reason);
                init.set_was_clean(close.was_clean);
                // Node 22 has a WebSocket but no global `CloseEvent` (Node 23 adds it): there,
                // a plain `Event` carrying the same three fields.
                let event = web_sys::CloseEvent::new_with_event_init_dict("close", &init)
                    .map(web_sys::Event::from)
                    .or_else(|_| {
                        web_sys::Event::new("close").inspect(|ev| {
                            let target: &JsValue = ev.as_ref();
                            set(target, "code", close.code);
                            set(target, "reason", close.reason.as_str());
                            set(target, "wasClean", close.was_clean);
                        })
                    });
                if let Ok(ev) = event {
                    inner.dispatch(CLOSE, &ev);
                }
                if let Some(resolve) = &settle_closed {
                    let _ = resolve.call1(&JsValue::UNDEFINED, &close_event_to_js(&close));
                }
                return;
            }
            Pumped::Notice(None) => return,
        }
    }
}

fn dispatch_message(inner: &Inner, data: JsValue) {
    let init = web_sys::MessageEventInit::new();
    init.set_data(&data);
    if let Ok(ev) = web_sys::MessageEvent::new_with_event_init_dict("message", &init) {
        inner.dispatch(MESSAGE, &ev);
    }
}

fn dispatch_plain(inner: &Inner, slot: usize, kind: &str) {
    if let Ok(ev) = web_sys::Event::new(kind) {
        inner.dispatch(slot, &ev);
    }
}
