//! Observer feeds: the four browser events as a `Stream` ([`Events`]), and the queue type
//! behind it and behind the reconnecting socket's state stream.
//!
//! Each observer has its own [`Feed`]; the producer pushes into every live one, so observing
//! events never takes a message away from the message stream.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::stream::{FusedStream, Stream};

#[cfg(not(target_family = "wasm"))]
use crate::platform::LockExt;
use crate::platform::{Lock, Ptr};
use crate::wake::WakerSlot;
#[cfg(target_family = "wasm")]
use crate::WsEvent;

/// One observer's queue: items in order, then the end.
pub(crate) struct Feed<T> {
    items: VecDeque<T>,
    waker: WakerSlot,
    done: bool,
}

impl<T> Feed<T> {
    pub(crate) fn new() -> Ptr<Lock<Self>> {
        Ptr::new(Lock::new(Feed {
            items: VecDeque::new(),
            waker: WakerSlot::default(),
            done: false,
        }))
    }

    /// Queues an item; returns the observer's task, to wake once the caller's borrows end.
    pub(crate) fn push(feed: &Lock<Self>, item: T) -> Option<Waker> {
        let mut f = feed.borrow_mut();
        f.items.push_back(item);
        f.waker.take_waker()
    }

    /// No more items will come; returns the observer's task, to wake once the caller's
    /// borrows end.
    pub(crate) fn finish(feed: &Lock<Self>) -> Option<Waker> {
        let mut f = feed.borrow_mut();
        f.done = true;
        f.waker.take_waker()
    }

    pub(crate) fn poll_next(feed: &Lock<Self>, cx: &Context<'_>) -> Poll<Option<T>> {
        let mut f = feed.borrow_mut();
        if let Some(item) = f.items.pop_front() {
            return Poll::Ready(Some(item));
        }
        if f.done {
            return Poll::Ready(None);
        }
        f.waker.register(cx);
        Poll::Pending
    }

    pub(crate) fn is_terminated(feed: &Lock<Self>) -> bool {
        let f = feed.borrow();
        f.done && f.items.is_empty()
    }

    pub(crate) fn len(feed: &Lock<Self>) -> usize {
        feed.borrow().items.len()
    }
}

/// A `Stream` of the items one observer receives: a socket's [`WsEvent`](crate::WsEvent)s
/// ([`Events`](crate::Events), in the browser) or a
/// reconnecting socket's [`ConnectionState`](crate::reconnect::ConnectionState)s
/// ([`States`](crate::reconnect::States)). Items queue until polled, in order; the stream ends
/// when its source does. It does not keep the source alive.
pub struct Observer<T> {
    pub(crate) feed: Ptr<Lock<Feed<T>>>,
}

impl<T> Stream for Observer<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Feed::poll_next(&self.feed, cx)
    }
}

impl<T> FusedStream for Observer<T> {
    fn is_terminated(&self) -> bool {
        Feed::is_terminated(&self.feed)
    }
}

impl<T> fmt::Debug for Observer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Observer")
            .field("queued", &Feed::len(&self.feed))
            .field("done", &Feed::is_terminated(&self.feed))
            .finish()
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
#[cfg(target_family = "wasm")]
pub type Events = Observer<WsEvent>;
