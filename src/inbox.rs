//! What a socket's four listeners record, and what they do with each event: the [`Inbox`]
//! and the handlers `on_open`, `on_message`, `on_error` and `on_close`.
//!
//! Handlers are dumb: they record what happened and hand back whom to wake (`wake.rs`); every
//! decision lives in the `poll_*` functions that read the inbox (`stream.rs`, `sink.rs`,
//! `socket.rs`). The one exception is how a socket ends (`on_error`), explained there.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use std::task::{Context, Waker};

use js_sys::ArrayBuffer;
use wasm_bindgen::JsCast;
use web_sys::MessageEvent;

use crate::backlog::Backlog;
use crate::events::Feed;
use crate::wake::{Wake, WakerSet, WakerSlot};
use crate::{CloseEvent, Error, Message, WsEvent};

/// What the listeners record, and who to wake.
#[derive(Default)]
pub(crate) struct Inbox {
    /// Received messages not yet taken by the stream, in arrival order.
    queue: VecDeque<Result<Message, Error>>,
    /// Whether `open` fired.
    opened: bool,
    /// Set once, by `close`.
    close: Option<CloseEvent>,
    /// What the messages in `queue` count against the receive limit.
    backlog: Backlog,
    /// What the backlog may reach (`max_buffered_bytes`).
    max_bytes: usize,
    /// A message would have taken `queued_bytes` past `max_bytes`: the socket was closed and
    /// nothing more is queued.
    overflowed: bool,
    /// The message stream's task.
    reader: WakerSlot,
    /// Tasks waiting for `open` or `close`.
    waiters: WakerSet,
    /// Observers of [`WsEvent`]s, with whether they skip message copies; dead ones are pruned
    /// as events are published.
    subscribers: Vec<(Weak<RefCell<Feed<WsEvent>>>, bool)>,
    /// Feeds the observers (`Some` event) or ends them (`None`). Installed by the first
    /// `events()`: an app that never observes never links the observer code.
    notify: Option<fn(&mut Inbox, Note, &mut Vec<Waker>)>,
    /// Takes each message as it arrives, instead of the queue: a reconnecting socket's shell
    /// (`reconnect/receive.rs` `tap`) or `Detached`'s link (`detached/task.rs`), so a message
    /// reaches its stream without a hop through the task that owns the socket. Set only while
    /// the queue is empty, so the order holds, and while no one observes the socket's events
    /// (they are published from the queue).
    tap: Option<Tap>,
}

/// What takes a socket's messages as they arrive (see `Inbox::tap`): whom to wake, or `None`
/// when the message would take what waits past the receive limit (nothing was taken: the
/// socket then closes as its own limit closes it).
pub(crate) type Tap = Box<dyn FnMut(Result<Message, Error>) -> Option<Wake>>;

/// What just happened, for the observers. The event itself is built (and a message copied)
/// only by `notify`, so apps without observers link none of that.
#[derive(Clone, Copy)]
pub(crate) enum Note {
    Open,
    /// The message last pushed onto the queue.
    Message,
    Error,
    /// `close` fired; the event is in `Inbox::close`.
    Close,
    /// Nothing more comes.
    End,
}

impl Inbox {
    /// Whether `open` fired.
    pub(crate) fn opened(&self) -> bool {
        self.opened
    }

    /// How the socket ended, once it did.
    pub(crate) fn close(&self) -> Option<&CloseEvent> {
        self.close.as_ref()
    }

    /// How many received messages wait to be taken.
    pub(crate) fn queued(&self) -> usize {
        self.queue.len()
    }

    /// An empty inbox that lets at most `max_bytes` of messages wait to be read.
    pub(crate) fn new(max_bytes: usize) -> Self {
        Inbox {
            max_bytes,
            ..Inbox::default()
        }
    }

    /// Registers the message stream's waker.
    pub(crate) fn wait_message(&mut self, cx: &Context<'_>) {
        self.reader.register(cx);
    }

    /// Registers a waker for the next `open` or `close`.
    pub(crate) fn wait_state(&mut self, cx: &Context<'_>) {
        self.waiters.register(cx);
    }

    /// From now on, `tap` takes every message as it arrives; false (and nothing changes) while
    /// messages wait in the queue or observers watch.
    pub(crate) fn set_tap(&mut self, tap: Tap) -> bool {
        if !self.queue.is_empty() || self.notify.is_some() {
            return false;
        }
        self.tap = Some(tap);
        true
    }

    /// Takes the next received message, if any.
    pub(crate) fn pop_message(&mut self) -> Option<Result<Message, Error>> {
        let message = self.queue.pop_front()?;
        if let Ok(m) = &message {
            self.backlog.taken(m.len());
        }
        Some(message)
    }

    /// What received messages waiting to be read may count, at most (`max_buffered_bytes`).
    pub(crate) fn receive_limit(&self) -> usize {
        self.max_bytes
    }

    /// The receive limit, once it was passed (the stream then reports it after the messages
    /// that fit).
    pub(crate) fn overflowed(&self) -> Option<usize> {
        self.overflowed.then_some(self.max_bytes)
    }

    /// Takes a message of `len` bytes in (see [`Backlog`]), or, past the limit, closes
    /// `socket` and takes nothing more: what waits to be read stays bounded.
    fn admit(&mut self, len: usize, socket: &web_sys::WebSocket) -> bool {
        let handed = self.queue.is_empty() && self.reader.is_waiting();
        if self.backlog.admit(len, handed, self.max_bytes) {
            return true;
        }
        self.overflow(socket);
        false
    }

    /// Past the receive limit. Cold and out of line: the message path keeps only the compare.
    #[cold]
    #[inline(never)]
    fn overflow(&mut self, socket: &web_sys::WebSocket) {
        self.overflowed = true;
        let _ = socket.close_with_code_and_reason(crate::RECEIVE_OVERFLOW_CODE, OVERFLOW_REASON);
    }

    /// Adds an event observer.
    pub(crate) fn subscribe(&mut self, feed: &Rc<RefCell<Feed<WsEvent>>>, skip_messages: bool) {
        self.subscribers.push((Rc::downgrade(feed), skip_messages));
        self.notify = Some(|inbox, note, wakers| {
            let event = match note {
                Note::Open => WsEvent::Open,
                Note::Error => WsEvent::Error,
                Note::Message => match inbox.queue.back() {
                    Some(Ok(message)) => WsEvent::Message(message.clone()),
                    _ => return,
                },
                Note::Close => match &inbox.close {
                    Some(close) => WsEvent::Close(close.clone()),
                    None => return,
                },
                Note::End => return inbox.finish_subscribers(wakers),
            };
            inbox.publish(event, wakers);
        });
    }

    /// Tells the observers, if any ever subscribed; adds their tasks to `wakers`, to wake
    /// once the inbox's borrow has ended.
    pub(crate) fn observe(&mut self, note: Note, wakers: &mut Vec<Waker>) {
        if let Some(notify) = self.notify {
            notify(self, note, wakers);
        }
    }

    /// Copies `event` to every live observer (messages only to those that want them) and
    /// forgets the dropped ones. One non-generic body: it is in every app's .wasm.
    fn publish(&mut self, event: WsEvent, wakers: &mut Vec<Waker>) {
        let is_message = matches!(event, WsEvent::Message(_));
        let mut i = 0;
        while i < self.subscribers.len() {
            let (weak, skip_messages) = &self.subscribers[i];
            match weak.upgrade() {
                Some(feed) => {
                    if !(is_message && *skip_messages) {
                        wakers.extend(Feed::push(&feed, event.clone()));
                    }
                    i += 1;
                }
                None => {
                    self.subscribers.swap_remove(i);
                }
            }
        }
    }

    /// Ends every observer's feed.
    fn finish_subscribers(&mut self, wakers: &mut Vec<Waker>) {
        for (weak, _) in std::mem::take(&mut self.subscribers) {
            if let Some(feed) = weak.upgrade() {
                wakers.extend(Feed::finish(&feed));
            }
        }
    }
}

/// The reason sent with [`RECEIVE_OVERFLOW_CODE`](crate::RECEIVE_OVERFLOW_CODE).
pub(crate) const OVERFLOW_REASON: &str = crate::machine::Reason::ReceiveOverflow.text();

pub(crate) fn on_open(inbox: &mut Inbox, _: &web_sys::WebSocket, _: web_sys::Event) -> Wake {
    inbox.opened = true;
    let mut wakers = inbox.waiters.take_wakers();
    inbox.observe(Note::Open, &mut wakers);
    Wake::new(None, wakers)
}

pub(crate) fn on_message(
    inbox: &mut Inbox,
    socket: &web_sys::WebSocket,
    event: web_sys::Event,
) -> Wake {
    if inbox.overflowed {
        // Closing over the receive limit: what still arrives is not kept.
        return Wake::none();
    }
    let data = event.unchecked_ref::<MessageEvent>().data();
    let message = if let Some(text) = data.as_string() {
        Ok(Message::Text(text))
    } else if let Some(buffer) = data.dyn_ref::<ArrayBuffer>() {
        // The one copy, from the browser's buffer into wasm memory.
        Ok(Message::Binary(bytes_of(buffer)))
    } else {
        Err(Error::Browser {
            name: "TypeError".into(),
            message: "a binary message arrived as a Blob: binaryType must stay \"arraybuffer\""
                .into(),
        })
    };
    if let Some(tap) = &mut inbox.tap {
        if let Some(wake) = tap(message) {
            return wake;
        }
        // Past the limit: the stream (read by the task that installed the tap) reports it.
        inbox.overflow(socket);
        return inbox.reader.take();
    }
    let len = message.as_ref().map_or(0, Message::len);
    if !inbox.admit(len, socket) {
        return inbox.reader.take();
    }
    inbox.queue.push_back(message);
    let mut observers = Vec::new();
    inbox.observe(Note::Message, &mut observers);
    Wake::new(inbox.reader.take_waker(), observers)
}

/// An `error` on a `CONNECTING` or `CLOSED` socket ends it, as the standard defines it (1006,
/// unclean, no reason): the machine's rule (`machine::error_ends_socket` says why: WebKit fires
/// `error` without `close`). The engine's own `close`, where one follows, finds the socket ended
/// and is ignored ([`on_close`]): every engine ends a socket exactly once, the same way. Guarded
/// by `tests/connect.rs` (`a_port_the_browser_blocks_is_connect_failed`).
pub(crate) fn on_error(inbox: &mut Inbox, socket: &web_sys::WebSocket, _: web_sys::Event) -> Wake {
    if crate::machine::error_ends_socket(socket.ready_state()) && inbox.close.is_none() {
        return record_close(inbox, CloseEvent::abnormal(), true);
    }
    let mut wakers = Vec::new();
    inbox.observe(Note::Error, &mut wakers);
    Wake::new(None, wakers)
}

pub(crate) fn on_close(inbox: &mut Inbox, _: &web_sys::WebSocket, event: web_sys::Event) -> Wake {
    if inbox.close.is_some() {
        // Already ended by the `error` before it (see `on_error`).
        return Wake::none();
    }
    let event = event.unchecked_into::<web_sys::CloseEvent>();
    let mut close = CloseEvent {
        code: event.code(),
        reason: event.reason(),
        was_clean: event.was_clean(),
    };
    // A code no peer may send (passed on by Chromium): the connection failed.
    if !crate::machine::close_stands(close.code) {
        close = CloseEvent::abnormal();
    }
    record_close(inbox, close, false)
}

/// Records the socket's end (once), tells the observers (an `error` first, if it came with
/// one), and wakes everyone waiting.
fn record_close(inbox: &mut Inbox, close: CloseEvent, after_error: bool) -> Wake {
    let mut wakers = inbox.waiters.take_wakers();
    if after_error {
        inbox.observe(Note::Error, &mut wakers);
    }
    inbox.close = Some(close);
    inbox.observe(Note::Close, &mut wakers);
    inbox.observe(Note::End, &mut wakers);
    Wake::new(inbox.reader.take_waker(), wakers)
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A `Uint8Array`, declared here for the one method below.
    #[wasm_bindgen(js_name = Uint8Array)]
    type Bytes;
    /// `new Uint8Array(buffer)`: a view, no copy.
    #[wasm_bindgen(constructor, js_class = "Uint8Array")]
    fn new(buffer: &ArrayBuffer) -> Bytes;
    /// The whole view, returned as a `Vec<u8>`: the glue copies it into wasm memory once.
    /// (`Uint8Array::to_vec` makes the same copy, but its length assertion links the integer
    /// formatting machinery into every app.)
    #[wasm_bindgen(method, js_name = subarray)]
    fn copy_out(this: &Bytes, begin: u32) -> Vec<u8>;
}

/// Copies a received binary message into wasm memory.
fn bytes_of(buffer: &ArrayBuffer) -> Vec<u8> {
    Bytes::new(buffer).copy_out(0)
}
