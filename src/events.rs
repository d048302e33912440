//! The four browser events as a `Stream`, for code that thinks in onopen/onmessage/onerror/onclose.
//!
//! Each [`Events`] has its own queue; the socket's listeners push copies into every live queue,
//! so observing events never takes a message away from the message stream.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_core::stream::{FusedStream, Stream};

use crate::WsEvent;

/// One observer's queue of events.
#[derive(Default)]
pub(crate) struct EventQueue {
    items: VecDeque<WsEvent>,
    waker: Option<Waker>,
    done: bool,
    /// Whether this observer wants copies of messages (the control-only ones do not).
    pub(crate) skip_messages: bool,
}

impl EventQueue {
    pub(crate) fn new(skip_messages: bool) -> Self {
        EventQueue {
            skip_messages,
            ..EventQueue::default()
        }
    }

    /// Queues an event; wakes the observer after the queue's borrow has ended.
    pub(crate) fn push(queue: &RefCell<Self>, event: WsEvent) {
        let waker = {
            let mut q = queue.borrow_mut();
            q.items.push_back(event);
            q.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// No more events will come: after `close`, or when the socket was dropped.
    pub(crate) fn finish(queue: &RefCell<Self>) {
        let waker = {
            let mut q = queue.borrow_mut();
            q.done = true;
            q.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// A `Stream` of the socket's [`WsEvent`]s from the moment it was created, ending after
/// [`WsEvent::Close`] (or when every handle of the socket is dropped).
///
/// It does not keep the socket alive. Events queue until polled: poll it, or drop it.
///
/// ```no_run
/// # async fn demo() -> Result<(), sockwave::Error> {
/// use futures::StreamExt;
/// use sockwave::{WebSocket, WsEvent};
/// let ws = WebSocket::open("ws://127.0.0.1:9998/echo")?;
/// let mut events = ws.events();
/// while let Some(event) = events.next().await {
///     match event {
///         WsEvent::Open => {}
///         WsEvent::Message(m) => { let _ = m; }
///         WsEvent::Error => {}
///         WsEvent::Close(ev) => { let _ = ev.code; }
///     }
/// }
/// # Ok(()) }
/// ```
pub struct Events {
    pub(crate) queue: Rc<RefCell<EventQueue>>,
}

impl Stream for Events {
    type Item = WsEvent;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<WsEvent>> {
        let mut queue = self.queue.borrow_mut();
        if let Some(event) = queue.items.pop_front() {
            return Poll::Ready(Some(event));
        }
        if queue.done {
            return Poll::Ready(None);
        }
        queue.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl FusedStream for Events {
    fn is_terminated(&self) -> bool {
        let queue = self.queue.borrow();
        queue.done && queue.items.is_empty()
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let queue = self.queue.borrow();
        f.debug_struct("Events")
            .field("queued", &queue.items.len())
            .field("done", &queue.done)
            .finish()
    }
}
