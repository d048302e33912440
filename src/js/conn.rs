//! What a JS `Socket` drives: a plain socket (split in halves) or a reconnecting one, behind one
//! set of operations, and their control notices mapped to one shape.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use wasm_bindgen::{JsCast, JsValue};

use super::convert::message_to_js;
use futures_sink::Sink;

use crate::reconnect::{ConnectionState, InFlight, ReconnectingWebSocket, States};
use crate::{
    CloseCode, CloseEvent, Error, Events, Message, ReadHalf, WebSocket, WriteHalf, WsEvent,
};

pub(crate) enum Conn {
    Plain {
        read: RefCell<ReadHalf>,
        write: RefCell<WriteHalf>,
    },
    Auto(RefCell<ReconnectingWebSocket>),
}

/// A control notice for the JS events (`open`, `error`, `disconnect`, `reconnect`, `close`).
pub(crate) enum Notice {
    Open,
    Error,
    Disconnected(CloseEvent, InFlight),
    Reconnecting(u32, Duration),
    Close(CloseEvent),
}

/// The control feed of either kind of socket.
pub(crate) enum Control {
    Events(Events),
    States(States),
}

impl Control {
    /// The next notice; `None` when the socket is gone.
    pub(crate) fn poll_notice(&mut self, cx: &mut Context<'_>) -> Poll<Option<Notice>> {
        loop {
            let notice = match self {
                Control::Events(events) => {
                    match std::task::ready!(Pin::new(events).poll_next(cx)) {
                        None => return Poll::Ready(None),
                        Some(WsEvent::Open) => Notice::Open,
                        Some(WsEvent::Error) => Notice::Error,
                        Some(WsEvent::Close(ev)) => Notice::Close(ev),
                        Some(WsEvent::Message(_)) => continue, // control feeds carry no messages
                    }
                }
                Control::States(states) => {
                    match std::task::ready!(Pin::new(states).poll_next(cx)) {
                        None => return Poll::Ready(None),
                        Some(ConnectionState::Open) => Notice::Open,
                        Some(ConnectionState::Disconnected { close, in_flight }) => {
                            Notice::Disconnected(close, in_flight)
                        }
                        Some(ConnectionState::Reconnecting { attempt, delay }) => {
                            Notice::Reconnecting(attempt, delay)
                        }
                        Some(ConnectionState::Closed(ev)) => Notice::Close(ev),
                        Some(ConnectionState::Connecting { .. }) => continue,
                    }
                }
            };
            return Poll::Ready(Some(notice));
        }
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A browser `WebSocket` seen through its `send(any)`.
    type AnySend;
    /// The browser's `send` with the caller's own value: no copy into wasm and back.
    #[wasm_bindgen(method, catch, js_name = send)]
    fn send_value(
        this: &AnySend,
        data: &wasm_bindgen::JsValue,
    ) -> Result<(), wasm_bindgen::JsValue>;
}

impl Conn {
    /// Sends a JS string / buffer straight to an open plain socket whose buffer is below the
    /// mark; `None` when it must wait (or take the reconnecting socket's queue) instead.
    pub(crate) fn try_send_js(&self, data: &wasm_bindgen::JsValue) -> Option<Result<(), Error>> {
        let Conn::Plain { write, .. } = self else {
            return None;
        };
        let write = write.borrow();
        let core = &write.core;
        if core.ready_state() != crate::ReadyState::Open
            || (!core.surely_below(core.high_water_mark)
                && core.read_buffered() >= core.high_water_mark)
        {
            return None;
        }
        let raw: &AnySend = wasm_bindgen::JsCast::unchecked_ref(&core.raw);
        raw.send_value(data)
            .map_err(crate::socket::browser_error)
            .map(|()| core.note_sent(super::convert::byte_bound(data)))
            .into()
    }

    /// Wraps a plain socket; returns its control feed too.
    pub(crate) fn plain(ws: WebSocket) -> (Conn, Control) {
        let events = ws.core.events(true);
        // Messages stay JS values from the browser to the caller: strings as they are, binary
        // as a `Uint8Array` over the browser's own buffer.
        ws.core.inbox.borrow_mut().take_raw =
            Some(|data| match data.dyn_into::<js_sys::ArrayBuffer>() {
                Ok(buffer) => js_sys::Uint8Array::new(&buffer).into(),
                Err(data) => data,
            });
        let (write, read) = ws.split();
        let conn = Conn::Plain {
            read: RefCell::new(read),
            write: RefCell::new(write),
        };
        (conn, Control::Events(events))
    }

    /// Wraps a reconnecting socket; returns its control feed too.
    pub(crate) fn auto(ws: ReconnectingWebSocket) -> (Conn, Control) {
        let states = ws.states();
        (Conn::Auto(RefCell::new(ws)), Control::States(states))
    }

    /// Polls the message stream as JS values (`string` / `Uint8Array`); borrows end with the
    /// poll, never held across an await.
    pub(crate) fn poll_message(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<JsValue, Error>>> {
        match self {
            Conn::Plain { read, .. } => {
                let read = &mut *read.borrow_mut();
                read.reader
                    .poll_with(&read.core, cx, |inbox| inbox.pop_raw().map(Ok))
            }
            Conn::Auto(ws) => Pin::new(&mut *ws.borrow_mut())
                .poll_next(cx)
                .map(|next| next.map(|item| item.map(message_to_js))),
        }
    }

    pub(crate) fn poll_ready(&self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match self {
            Conn::Plain { write, .. } => Pin::new(&mut *write.borrow_mut()).poll_ready(cx),
            Conn::Auto(ws) => Pin::new(&mut *ws.borrow_mut()).poll_ready(cx),
        }
    }

    pub(crate) fn start_send(&self, message: Message) -> Result<(), Error> {
        match self {
            Conn::Plain { write, .. } => Pin::new(&mut *write.borrow_mut()).start_send(message),
            Conn::Auto(ws) => Pin::new(&mut *ws.borrow_mut()).start_send(message),
        }
    }

    /// `readyState` as the browser numbers it; a reconnecting socket is CONNECTING (0) between
    /// connections.
    pub(crate) fn ready_state(&self) -> u16 {
        match self {
            Conn::Plain { write, .. } => write.borrow().ready_state().into(),
            Conn::Auto(ws) => match ws.borrow().state() {
                ConnectionState::Open => 1,
                ConnectionState::Closed(_) => 3,
                _ => 0,
            },
        }
    }

    pub(crate) fn buffered_amount(&self) -> usize {
        match self {
            Conn::Plain { write, .. } => write.borrow().buffered_amount(),
            Conn::Auto(ws) => ws.borrow().buffered_amount(),
        }
    }

    pub(crate) fn url(&self) -> String {
        match self {
            Conn::Plain { write, .. } => write.borrow().url(),
            Conn::Auto(ws) => ws.borrow().url(),
        }
    }

    pub(crate) fn protocol(&self) -> String {
        match self {
            Conn::Plain { write, .. } => write.borrow().protocol(),
            Conn::Auto(ws) => ws.borrow().protocol(),
        }
    }

    pub(crate) fn extensions(&self) -> String {
        match self {
            Conn::Plain { write, .. } => write.borrow().extensions(),
            Conn::Auto(ws) => ws.borrow().extensions(),
        }
    }

    /// Starts closing with a checked code and reason; the future holds no borrow.
    pub(crate) fn close(
        &self,
        code: CloseCode,
        reason: String,
    ) -> Pin<Box<dyn Future<Output = Result<CloseEvent, Error>>>> {
        match self {
            Conn::Plain { write, .. } => {
                let handle = WriteHalf {
                    core: Rc::clone(&write.borrow().core),
                    writer: Default::default(),
                };
                Box::pin(async move { handle.close_with(code, &reason).await })
            }
            Conn::Auto(ws) => match ws.borrow().close_handle(code, &reason) {
                Ok(fut) => Box::pin(fut),
                Err(e) => Box::pin(async move { Err(e) }),
            },
        }
    }
}
