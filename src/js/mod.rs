//! The JavaScript API (feature `js`): the npm package's `Socket` class and `connect`.
//!
//! Thin bindings over the Rust socket. Sends go through one ordered queue with the sink's
//! backpressure; messages reach JS either through the async iterator (`for await`, driven by
//! `nextMessage`) or through `onmessage` / `message` listeners (dispatched by a pump task),
//! whichever is used first; `open`, `error` and `close` are dispatched by the same pump. The
//! async iterator protocol itself is the small shim in `js/index.js`.

mod conn;
mod convert;
mod inner;
mod options;
mod pump;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures_core::Stream;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, spawn_local};
use web_sys::EventTarget;

use crate::reconnect::ConnectionState;
use crate::wake::WakerSlot;
use crate::{CloseCode, Error};
use conn::{Conn, Control};
use convert::{close_event_to_js, get, message_from_js, set, usage_error};
use inner::{
    deliver_nexts, drain_sends, next_or_end, Delivery, Inner, PendingNext, PendingSend, CLOSE,
    DISCONNECT, ERROR, MESSAGE, OPEN, RECONNECT,
};
use pump::start_pump;
/// A WebSocket for JavaScript: the browser's surface (`readyState`, `send`, `onmessage`, ...)
/// plus promises (`send`, `close`, `closed`) and `for await`.
#[wasm_bindgen]
pub struct Socket {
    inner: Rc<Inner>,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("url", &self.inner.conn.url())
            .field("ready_state", &self.inner.conn.ready_state())
            .finish()
    }
}

/// How many browser listeners sockwave has attached (4 per live socket, plus 6 in a page or 4
/// in a worker for a reconnecting one): for leak checks.
#[wasm_bindgen(js_name = liveListeners)]
pub fn live_listeners() -> u32 {
    crate::live_listeners() as u32
}

/// Connects and resolves with an open `Socket`. `url` is a string, or a function returning a
/// string or a promise of one, called before every attempt (a fresh token, another host).
/// Options: `protocols` (string[]), `highWaterMark` (bytes), `connectTimeoutMs`; with
/// `reconnect`, `heartbeat` or `idleTimeoutMs` the socket reconnects by itself (see
/// `options.rs`), and the promise resolves at the first open (or rejects when it gives up
/// first).
#[wasm_bindgen]
pub async fn connect(url: JsValue, options: JsValue) -> Result<Socket, JsValue> {
    let provider = url.dyn_ref::<Function>().cloned();
    if !options::wants_reconnect(&options) {
        let url = match &provider {
            Some(provider) => options::call_url_provider(provider.clone()).await,
            None => options::url_string(&url),
        };
        let ws = options::builder(url, &options)?.connect().await?;
        return Ok(Socket::wrap(Conn::plain(ws)));
    }
    let builder = options::reconnecting(options::url_string(&url), &options)?;
    let builder = match provider {
        Some(provider) => {
            builder.url_provider(move || options::call_url_provider(provider.clone()))
        }
        None => builder,
    };
    let mut ws = builder.build();
    let mut states = ws.states();
    let first_open = poll_fn(|cx| loop {
        match std::task::ready!(Pin::new(&mut states).poll_next(cx)) {
            Some(ConnectionState::Open) => return Poll::Ready(true),
            Some(ConnectionState::Closed(_)) | None => return Poll::Ready(false),
            Some(_) => {}
        }
    })
    .await;
    if !first_open {
        // It gave up before ever opening: the stream holds the reason.
        let reason = poll_fn(|cx| Pin::new(&mut ws).poll_next(cx)).await;
        return Err(match reason {
            Some(Err(e)) => e.into(),
            _ => Error::Closed.into(),
        });
    }
    Ok(Socket::wrap(Conn::auto(ws)))
}

#[wasm_bindgen]
impl Socket {
    /// `new Socket(url, protocols?)`: starts connecting at once, like `new WebSocket`.
    #[wasm_bindgen(constructor)]
    pub fn new(url: String, protocols: JsValue) -> Result<Socket, JsValue> {
        let options: JsValue = js_sys::Object::new().into();
        set(&options, "protocols", protocols);
        let ws = options::builder(url, &options)?.open()?;
        Ok(Socket::wrap(Conn::plain(ws)))
    }

    fn wrap((conn, control): (Conn, Control)) -> Socket {
        let inner = Rc::new(Inner {
            conn,
            // `new EventTarget()` is in every browser sockwave supports.
            target: EventTarget::new()
                .unwrap_or_else(|_| JsValue::from(js_sys::Object::new()).unchecked_into()),
            handlers: RefCell::new(Default::default()),
            delivery: Cell::new(Delivery::Undecided),
            pump_waker: RefCell::new(WakerSlot::default()),
            sends: RefCell::new(VecDeque::new()),
            sending: Cell::new(false),
            nexts: RefCell::new(VecDeque::new()),
            receiving: Cell::new(false),
            closed: RefCell::new(Promise::resolve(&JsValue::UNDEFINED)),
            pumping: Cell::new(false),
        });
        start_pump(&inner, control);
        Socket { inner }
    }

    /// A reconnecting socket (made by `connect()` with `reconnect`, `heartbeat` or
    /// `idleTimeoutMs`): an attempt now, backoff reset, dropping the open connection
    /// (1000, "reconnect") or cutting the delay short; after it gave up (`RetriesExhausted`,
    /// `ReconnectRefused`) it starts over, with a new `closed` promise and events again.
    /// Throws `Closed` after `close()`, and `UsageError` on a socket that does not reconnect.
    pub fn reconnect(&self) -> Result<(), JsValue> {
        let Conn::Auto(ws) = &self.inner.conn else {
            return Err(usage_error(
                "UsageError",
                "reconnect() needs a socket that reconnects: connect(url, { reconnect: {} })",
            ));
        };
        ws.borrow().reconnect()?;
        if !self.inner.pumping.get() {
            let states = ws.borrow().states();
            start_pump(&self.inner, Control::States(states));
        }
        Ok(())
    }

    /// 0 connecting, 1 open, 2 closing, 3 closed.
    #[wasm_bindgen(getter, js_name = readyState)]
    pub fn ready_state(&self) -> u16 {
        self.inner.conn.ready_state()
    }

    /// Bytes queued by the browser but not yet sent.
    #[wasm_bindgen(getter, js_name = bufferedAmount)]
    pub fn buffered_amount(&self) -> f64 {
        self.inner.conn.buffered_amount() as f64
    }

    /// The URL, as resolved by the browser.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.inner.conn.url()
    }

    /// The subprotocol the server chose, or "".
    #[wasm_bindgen(getter)]
    pub fn protocol(&self) -> String {
        self.inner.conn.protocol()
    }

    /// The extensions the server chose.
    #[wasm_bindgen(getter)]
    pub fn extensions(&self) -> String {
        self.inner.conn.extensions()
    }

    /// Always "arraybuffer": binary messages arrive as `Uint8Array`.
    #[wasm_bindgen(getter, js_name = binaryType)]
    pub fn binary_type(&self) -> String {
        "arraybuffer".into()
    }

    /// Sends a string, `ArrayBuffer` or typed array. Resolves once handed to the browser, in
    /// call order, waiting while `bufferedAmount` is at the high-water mark (and for `open`
    /// while connecting); rejects with `Closed` once closing or closed.
    pub fn send(&self, data: JsValue) -> Promise {
        let inner = &self.inner;
        // Fastest path: nothing waiting, a plain open socket under the mark: the browser takes
        // the caller's own string or buffer.
        if !inner.sending.get() && convert::is_sendable(&data) {
            match inner.conn.try_send_js(&data) {
                Some(Ok(())) => return Promise::resolve(&JsValue::UNDEFINED),
                Some(Err(e)) => return Promise::reject(&e.into()),
                None => {}
            }
        }
        let message = match message_from_js(&data) {
            Ok(m) => m,
            Err(e) => return Promise::reject(&e),
        };
        // Fast path: nothing waiting and the sink ready right now: send at once.
        if !inner.sending.get() {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            match inner.conn.poll_ready(&mut cx) {
                Poll::Ready(Ok(())) => {
                    return match inner.conn.start_send(message) {
                        Ok(()) => Promise::resolve(&JsValue::UNDEFINED),
                        Err(e) => Promise::reject(&e.into()),
                    }
                }
                Poll::Ready(Err(e)) => return Promise::reject(&e.into()),
                Poll::Pending => {}
            }
        }
        let mut settle = None;
        let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
        if let Some((resolve, reject)) = settle {
            inner.sends.borrow_mut().push_back(PendingSend {
                message,
                resolve,
                reject,
            });
        }
        if !inner.sending.replace(true) {
            spawn_local(drain_sends(Rc::clone(inner)));
        }
        promise
    }

    /// Closes with `code` (default 1000) and `reason` (default ""), checked first
    /// (`InvalidCloseCode`, `ReasonTooLong`); resolves with `{ code, reason, wasClean }`.
    pub fn close(&self, code: Option<u16>, reason: Option<String>) -> Promise {
        let closing = self.inner.conn.close(
            CloseCode::from(code.unwrap_or(1000)),
            reason.unwrap_or_default(),
        );
        future_to_promise(async move { Ok(close_event_to_js(&closing.await?)) })
    }

    /// A promise of `{ code, reason, wasClean }`, settled when the socket closes for any reason.
    #[wasm_bindgen(getter)]
    pub fn closed(&self) -> Promise {
        self.inner.closed.borrow().clone()
    }

    /// The next message (a string or `Uint8Array`), or `undefined` once the messages ended;
    /// rejects with `ConnectionLost` after an unclean close, or with `UsageError` if `onmessage`
    /// or a `message` listener already takes the messages. Calls are served in call order.
    /// js/index.js builds `nextMessage()` and the async iterator on it (and on `takeValue`):
    /// the `{ value, done }` objects are made in JS, not by three calls out of wasm per message.
    #[wasm_bindgen(js_name = nextValue)]
    pub fn next_value(&self) -> Promise {
        match self.take_value() {
            Ok(value) if !value.is_null() => return Promise::resolve(&value),
            Ok(_) => {}
            Err(e) => return Promise::reject(&e),
        }
        let inner = &self.inner;
        let mut settle = None;
        let promise = Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
        if let Some((resolve, reject)) = settle {
            inner
                .nexts
                .borrow_mut()
                .push_back(PendingNext { resolve, reject });
        }
        if !inner.receiving.replace(true) {
            spawn_local(deliver_nexts(Rc::clone(inner)));
        }
        promise
    }

    /// The next message if one can be had right now, without a promise: the message,
    /// `undefined` once the messages ended, `null` when none is waiting (or earlier `nextValue()`
    /// calls still wait, which come first). Throws what `nextValue()` rejects with.
    #[wasm_bindgen(js_name = takeValue)]
    pub fn take_value(&self) -> Result<JsValue, JsValue> {
        let inner = &self.inner;
        inner.claim(Delivery::Iterator)?;
        // While calls wait, their task owns the stream (and its waker): polling here would steal
        // a message from them, or their wake-up.
        if !inner.nexts.borrow().is_empty() {
            return Ok(JsValue::NULL);
        }
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match inner.poll_message(&mut cx) {
            Poll::Ready(next) => next_or_end(next),
            Poll::Pending => Ok(JsValue::NULL),
        }
    }

    /// Adds a listener for `open`, `message`, `error` or `close` (like `EventTarget`).
    #[wasm_bindgen(js_name = addEventListener)]
    pub fn add_event_listener(
        &self,
        kind: String,
        listener: JsValue,
        options: JsValue,
    ) -> Result<(), JsValue> {
        if kind == "message" && listener.is_object() {
            self.inner.claim(Delivery::Events)?;
        }
        let target: &JsValue = self.inner.target.as_ref();
        let add: Function = get(target, "addEventListener").unchecked_into();
        add.call3(target, &JsValue::from(kind), &listener, &options)?;
        Ok(())
    }

    /// Removes a listener added with `addEventListener`.
    #[wasm_bindgen(js_name = removeEventListener)]
    pub fn remove_event_listener(
        &self,
        kind: String,
        listener: JsValue,
        options: JsValue,
    ) -> Result<(), JsValue> {
        let target: &JsValue = self.inner.target.as_ref();
        let remove: Function = get(target, "removeEventListener").unchecked_into();
        remove.call3(target, &JsValue::from(kind), &listener, &options)?;
        Ok(())
    }

    /// The `open` handler.
    #[wasm_bindgen(getter)]
    pub fn onopen(&self) -> Option<Function> {
        self.inner.handlers.borrow()[OPEN].clone()
    }
    /// Sets the `open` handler (a non-function clears it).
    #[wasm_bindgen(setter)]
    pub fn set_onopen(&self, f: JsValue) {
        self.inner.set_handler(OPEN, f);
    }
    /// The `message` handler.
    #[wasm_bindgen(getter)]
    pub fn onmessage(&self) -> Option<Function> {
        self.inner.handlers.borrow()[MESSAGE].clone()
    }
    /// Sets the `message` handler; throws `UsageError` if `for await` already takes the messages.
    #[wasm_bindgen(setter)]
    pub fn set_onmessage(&self, f: JsValue) -> Result<(), JsValue> {
        if f.is_function() {
            self.inner.claim(Delivery::Events)?;
        }
        self.inner.set_handler(MESSAGE, f);
        Ok(())
    }
    /// The `error` handler.
    #[wasm_bindgen(getter)]
    pub fn onerror(&self) -> Option<Function> {
        self.inner.handlers.borrow()[ERROR].clone()
    }
    /// Sets the `error` handler.
    #[wasm_bindgen(setter)]
    pub fn set_onerror(&self, f: JsValue) {
        self.inner.set_handler(ERROR, f);
    }
    /// The `reconnect` handler (reconnecting sockets): `{ attempt, delayMs }` before each retry.
    #[wasm_bindgen(getter)]
    pub fn onreconnect(&self) -> Option<Function> {
        self.inner.handlers.borrow()[RECONNECT].clone()
    }
    /// Sets the `reconnect` handler.
    #[wasm_bindgen(setter)]
    pub fn set_onreconnect(&self, f: JsValue) {
        self.inner.set_handler(RECONNECT, f);
    }
    /// The `disconnect` handler (reconnecting sockets): a connection was lost; carries
    /// `code`, `reason`, `wasClean` and `inFlight` (`{ firstSeq, messages, bytes, unsentBytes }`).
    #[wasm_bindgen(getter)]
    pub fn ondisconnect(&self) -> Option<Function> {
        self.inner.handlers.borrow()[DISCONNECT].clone()
    }
    /// Sets the `disconnect` handler.
    #[wasm_bindgen(setter)]
    pub fn set_ondisconnect(&self, f: JsValue) {
        self.inner.set_handler(DISCONNECT, f);
    }
    /// The `close` handler.
    #[wasm_bindgen(getter)]
    pub fn onclose(&self) -> Option<Function> {
        self.inner.handlers.borrow()[CLOSE].clone()
    }
    /// Sets the `close` handler.
    #[wasm_bindgen(setter)]
    pub fn set_onclose(&self, f: JsValue) {
        self.inner.set_handler(CLOSE, f);
    }
}
