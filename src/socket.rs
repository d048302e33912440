//! The socket core: the browser `WebSocket`, its four listeners, and the inbox they fill.
//!
//! Listeners are dumb: they only record what happened in the [`Inbox`] and wake whoever waits.
//! Every decision lives in the `poll_*` functions of the stream, the sink and the futures here.
//! The core is shared (`Rc`) by the handles of one socket; when the last handle goes, `Drop`
//! closes the socket with 1000 and the listeners detach.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::task::{Context, Poll};

use wasm_bindgen::JsValue;
use web_sys::BinaryType;

use crate::events::{Events, Feed, Observer};
use crate::inbox::{on_close, on_error, on_message, on_open, Inbox, Note};
use crate::listeners::Listener;
use crate::wake::Wake;
use crate::{CloseEvent, Error, Message, ReadyState, WsEvent};

/// The browser socket plus the state its listeners share.
pub(crate) struct Core {
    raw: web_sys::WebSocket,
    inbox: Rc<RefCell<Inbox>>,
    high_water_mark: usize,
    /// An upper bound of `bufferedAmount`: the last value read plus every byte sent since.
    /// The browser only lowers the real value between reads, so while the bound is under the
    /// mark the sink need not ask (a JS call per message saved).
    buffered_bound: Cell<usize>,
    _listeners: [Listener; 4],
}

impl Core {
    /// Wraps a freshly constructed browser socket: sets `binaryType` and attaches the listeners
    /// at once, before the event loop can deliver anything, so no event is missed.
    pub(crate) fn new(
        raw: web_sys::WebSocket,
        high_water_mark: usize,
        max_bytes: usize,
    ) -> Rc<Self> {
        raw.set_binary_type(BinaryType::Arraybuffer);
        let inbox = Rc::new(RefCell::new(Inbox::new(max_bytes)));
        let listeners = [
            listen(&raw, &inbox, "open", on_open),
            listen(&raw, &inbox, "message", on_message),
            listen(&raw, &inbox, "error", on_error),
            listen(&raw, &inbox, "close", on_close),
        ];
        Rc::new(Core {
            raw,
            inbox,
            high_water_mark,
            buffered_bound: Cell::new(0),
            _listeners: listeners,
        })
    }

    /// The browser's socket.
    pub(crate) fn raw(&self) -> &web_sys::WebSocket {
        &self.raw
    }

    /// What the sink keeps `bufferedAmount` under.
    pub(crate) fn high_water_mark(&self) -> usize {
        self.high_water_mark
    }

    /// The inbox, for the stream to take messages from (`stream.rs`); the borrow ends with
    /// the caller's poll.
    pub(crate) fn inbox(&self) -> std::cell::RefMut<'_, Inbox> {
        self.inbox.borrow_mut()
    }

    /// A new event observer (see [`Events`]); `skip_messages` leaves out message copies.
    pub(crate) fn events(&self, skip_messages: bool) -> Events {
        let feed = Feed::new();
        let mut inbox = self.inbox.borrow_mut();
        // A new feed has no task waiting on it yet: nothing to wake.
        match inbox.close() {
            Some(ev) => {
                let _ = Feed::push(&feed, WsEvent::Close(ev.clone()));
                let _ = Feed::finish(&feed);
            }
            None => inbox.subscribe(&feed, skip_messages),
        }
        Observer { feed }
    }

    /// Checks that a message may be sent now: `NotOpen` while connecting, `Closed` once closing
    /// or closed (where the browser itself would silently drop the data).
    pub(crate) fn check_sendable(&self) -> Result<(), Error> {
        match self.ready_state() {
            ReadyState::Open => Ok(()),
            ReadyState::Connecting => Err(Error::NotOpen),
            ReadyState::Closing | ReadyState::Closed => Err(Error::Closed),
        }
    }

    /// Reads `bufferedAmount` (a JS call) and tightens the bound to it.
    pub(crate) fn read_buffered(&self) -> usize {
        let buffered = self.raw.buffered_amount() as usize;
        self.buffered_bound.set(buffered);
        buffered
    }

    /// Whether `bufferedAmount` is surely below `n`, without asking the browser.
    pub(crate) fn surely_below(&self, n: usize) -> bool {
        self.buffered_bound.get() < n
    }

    /// Counts bytes handed to the browser (an upper bound is fine: it only costs a read).
    pub(crate) fn note_sent(&self, bytes: usize) {
        self.buffered_bound
            .set(self.buffered_bound.get().saturating_add(bytes));
    }

    /// The browser's `readyState`, except that a socket whose end was recorded is `Closed`
    /// (WebKit may still say `CONNECTING` for a while after failing one; see `on_error`).
    pub(crate) fn ready_state(&self) -> ReadyState {
        if self.inbox.borrow().close().is_some() {
            return ReadyState::Closed;
        }
        ReadyState::from(self.raw.ready_state())
    }

    /// Ready once `open` fired (`Ok`) or the socket closed before opening (`ConnectFailed`).
    pub(crate) fn poll_opened(&self, cx: &Context<'_>) -> Poll<Result<(), Error>> {
        let mut inbox = self.inbox.borrow_mut();
        if inbox.opened() {
            Poll::Ready(Ok(()))
        } else if let Some(ev) = inbox.close() {
            Poll::Ready(Err(Error::ConnectFailed(ev.clone())))
        } else {
            inbox.wait_state(cx);
            Poll::Pending
        }
    }

    /// How the socket ended, once it did.
    pub(crate) fn close_event(&self) -> Option<CloseEvent> {
        self.inbox.borrow().close().cloned()
    }

    /// Ready with the close event once `close` fired.
    pub(crate) fn poll_closed(&self, cx: &Context<'_>) -> Poll<CloseEvent> {
        let mut inbox = self.inbox.borrow_mut();
        match inbox.close() {
            Some(ev) => Poll::Ready(ev.clone()),
            None => {
                inbox.wait_state(cx);
                Poll::Pending
            }
        }
    }

    /// Sends at once if open: `NotOpen` while connecting, `Closed` once closing or closed
    /// (where the browser itself would silently drop the data).
    pub(crate) fn send_now(&self, message: &Message) -> Result<(), Error> {
        self.check_sendable()?;
        match message {
            Message::Text(text) => self.raw.send_with_str(text),
            Message::Binary(bytes) => self.raw.send_with_u8_array(bytes),
        }
        .map_err(browser_error)?;
        self.note_sent(message.len());
        Ok(())
    }
}

impl Drop for Core {
    fn drop(&mut self) {
        if matches!(
            self.ready_state(),
            ReadyState::Connecting | ReadyState::Open
        ) {
            // 1000 is always a valid code: this cannot throw. (With a reason, "": the same
            // call as every other close, one import fewer in every app.)
            let _ = self.raw.close_with_code_and_reason(1000, "");
        }
        // The listeners detach as the fields drop; event observers learn that nothing more comes.
        let mut wakers = Vec::new();
        self.inbox.borrow_mut().observe(Note::End, &mut wakers);
        Wake::new(None, wakers).wake();
    }
}

/// What a listener does with its event on its socket: record it, and say whom to wake.
type Handler = fn(&mut Inbox, &web_sys::WebSocket, web_sys::Event) -> Wake;

/// Attaches one listener. Out of line: four calls are smaller than four inlined copies.
#[inline(never)]
fn listen(
    raw: &web_sys::WebSocket,
    inbox: &Rc<RefCell<Inbox>>,
    kind: &'static str,
    handler: Handler,
) -> Listener {
    let (inbox, socket) = (Rc::clone(inbox), raw.clone());
    Listener::new(raw, kind, move |event| {
        dispatch(&inbox, &socket, handler, event)
    })
}

/// Runs a handler on an event, then wakes whom it names. Out of line: the closure's vtable
/// carries both `call_mut` and `call_once`, which would each get a copy of this body.
#[inline(never)]
fn dispatch(
    inbox: &RefCell<Inbox>,
    socket: &web_sys::WebSocket,
    handler: Handler,
    event: web_sys::Event,
) {
    // A listener never runs inside another borrow: the browser dispatches events from its own
    // tasks. What handlers call in JS while borrowing (`readyState`, `close()`) never calls
    // back into sockwave synchronously: `close()` fires its events later, in their own tasks.
    let wake = handler(&mut inbox.borrow_mut(), socket, event);
    wake.wake();
}

/// Turns an exception the browser threw into [`Error::Browser`], keeping its name and message.
pub(crate) fn browser_error(exception: JsValue) -> Error {
    let (name, message) = exception_text(&exception);
    Error::Browser { name, message }
}

/// The `name` and `message` of a thrown exception (empty when absent).
pub(crate) fn exception_text(exception: &JsValue) -> (String, String) {
    let field = |key: &str| {
        js_sys::Reflect::get(exception, &JsValue::from_str(key))
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    (field("name"), field("message"))
}
