//! The state behind one JS `Socket`: who takes the messages, the sends waiting their turn,
//! the `nextValue()` calls waiting for a message, and the handlers set from JS; plus the two
//! tasks that serve the waiting sends and reads in call order.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Context, Poll};

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use web_sys::EventTarget;

use super::conn::Conn;
use super::convert::{get, usage_error};
use crate::wake::WakerSlot;
use crate::{Error, Message};

/// Who takes the messages: decided by the first consumer, then fixed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Delivery {
    Undecided,
    Iterator,
    Events,
}

/// A send waiting its turn, with its promise's settle functions.
pub(super) struct PendingSend {
    pub(super) message: Message,
    pub(super) resolve: Function,
    pub(super) reject: Function,
}

/// A `nextValue()` waiting for a message, with its promise's settle functions.
pub(super) struct PendingNext {
    pub(super) resolve: Function,
    pub(super) reject: Function,
}

pub(super) struct Inner {
    pub(super) conn: Conn,
    pub(super) target: EventTarget,
    pub(super) handlers: RefCell<[Option<Function>; HANDLERS]>,
    pub(super) delivery: Cell<Delivery>,
    /// Wakes the pump when message listeners appear.
    pub(super) pump_waker: RefCell<WakerSlot>,
    pub(super) sends: RefCell<VecDeque<PendingSend>>,
    pub(super) sending: Cell<bool>,
    /// `nextValue()` calls waiting, served in call order by one task.
    pub(super) nexts: RefCell<VecDeque<PendingNext>>,
    pub(super) receiving: Cell<bool>,
    /// Settled when the socket ends; a new one after `reconnect()` starts a socket over.
    pub(super) closed: RefCell<Promise>,
    /// Whether the pump task runs (it ends with the socket).
    pub(super) pumping: Cell<bool>,
}

pub(super) const OPEN: usize = 0;
pub(super) const MESSAGE: usize = 1;
pub(super) const ERROR: usize = 2;
pub(super) const CLOSE: usize = 3;
pub(super) const RECONNECT: usize = 4;
pub(super) const DISCONNECT: usize = 5;
pub(super) const HANDLERS: usize = 6;

impl Inner {
    pub(super) fn poll_message(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<JsValue, Error>>> {
        self.conn.poll_message(cx)
    }

    pub(super) fn set_handler(&self, slot: usize, f: JsValue) {
        self.handlers.borrow_mut()[slot] = f.dyn_into::<Function>().ok();
    }

    /// Fixes who takes the messages, or explains why the other consumer cannot.
    pub(super) fn claim(&self, wanted: Delivery) -> Result<(), JsValue> {
        match self.delivery.get() {
            Delivery::Undecided => {
                self.delivery.set(wanted);
                let wake = self.pump_waker.borrow_mut().take();
                wake.wake();
                Ok(())
            }
            current if current == wanted => Ok(()),
            _ => Err(usage_error(
                "UsageError",
                "a socket delivers messages either to `for await` or to onmessage / 'message' \
                 listeners, whichever is used first; use one of them",
            )),
        }
    }

    /// Calls the `on*` handler, then the listeners. A throwing handler is reported like the
    /// browser reports it, and does not stop delivery.
    pub(super) fn dispatch(&self, slot: usize, event: &web_sys::Event) {
        let handler = self.handlers.borrow()[slot].clone();
        if let Some(f) = handler {
            if let Err(e) = f.call1(&JsValue::UNDEFINED, event) {
                report_error(&e);
            }
        }
        let _ = self.target.dispatch_event(event);
    }
}

/// A message as its JS value, `undefined` for the end, an `Error` for a failure.
pub(super) fn next_or_end(next: Option<Result<JsValue, Error>>) -> Result<JsValue, JsValue> {
    match next {
        Some(Ok(value)) => Ok(value),
        Some(Err(e)) => Err(e.into()),
        None => Ok(JsValue::UNDEFINED),
    }
}

pub(super) fn report_error(e: &JsValue) {
    let global = js_sys::global();
    if let Ok(report) = get(&global, "reportError").dyn_into::<Function>() {
        let _ = report.call1(&global, e);
    }
}

/// Hands messages to the waiting `nextValue()` calls, in call order.
pub(super) async fn deliver_nexts(inner: Rc<Inner>) {
    while !inner.nexts.borrow().is_empty() {
        let next = next_or_end(poll_fn(|cx| inner.poll_message(cx)).await);
        let Some(waiting) = inner.nexts.borrow_mut().pop_front() else {
            break;
        };
        let _ = match next {
            Ok(value) => waiting.resolve.call1(&JsValue::UNDEFINED, &value),
            Err(e) => waiting.reject.call1(&JsValue::UNDEFINED, &e),
        };
    }
    inner.receiving.set(false);
}

/// Sends the queued messages in order, each once the sink is ready.
pub(super) async fn drain_sends(inner: Rc<Inner>) {
    loop {
        let Some(next) = inner.sends.borrow_mut().pop_front() else {
            inner.sending.set(false);
            return;
        };
        let ready = poll_fn(|cx| inner.conn.poll_ready(cx)).await;
        let sent = ready.and_then(|()| inner.conn.start_send(next.message));
        match sent {
            Ok(()) => {
                let _ = next.resolve.call0(&JsValue::UNDEFINED);
            }
            Err(e) => {
                let _ = next.reject.call1(&JsValue::UNDEFINED, &e.into());
            }
        }
    }
}
