//! Observer feeds: the four browser events as a `Stream` ([`Events`]), and the queue type
//! behind it and behind the reconnecting socket's state stream.
//!
//! Each observer has its own [`Feed`]; the producer pushes into every live one, so observing
//! events never takes a message away from the message stream. A feed holds at most
//! [`OBSERVER_CAPACITY`] items: an observer that falls behind (or is held and never read)
//! gets one `Missed(n)` marker where items were dropped, never a growing queue.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_core::stream::{FusedStream, Stream};

#[cfg(not(target_family = "wasm"))]
use crate::platform::LockExt;
use crate::platform::{Lock, Ptr};
use crate::wake::WakerSlot;
use crate::WsEvent;

pub use crate::machine::OBSERVER_CAPACITY;

/// An item of an observer's stream: how it says items were dropped, and which item is the
/// last (never dropped).
pub(crate) trait Observed {
    /// The marker for `n` items dropped.
    fn missed(n: u64) -> Self;
    /// Whether this is the last item of its stream.
    fn is_last(&self) -> bool;
}

/// One observer's queue: items in order, then the end.
pub(crate) struct Feed<T> {
    items: VecDeque<T>,
    waker: WakerSlot,
    done: bool,
    /// Items dropped since the last one queued (the observer was behind).
    missed: u64,
}

impl<T: Observed> Feed<T> {
    pub(crate) fn new() -> Ptr<Lock<Self>> {
        Ptr::new(Lock::new(Feed {
            items: VecDeque::new(),
            waker: WakerSlot::default(),
            done: false,
            missed: 0,
        }))
    }

    /// Queues an item (or, when [`OBSERVER_CAPACITY`] items wait already, counts it
    /// dropped); returns the observer's task, to wake once the caller's borrows end.
    pub(crate) fn push(feed: &Lock<Self>, item: T) -> Option<Waker> {
        let mut f = feed.borrow_mut();
        if f.items.len() >= OBSERVER_CAPACITY && !item.is_last() {
            f.missed = f.missed.saturating_add(1);
            return None;
        }
        f.mark_missed();
        f.items.push_back(item);
        f.waker.take_waker()
    }

    /// No more items will come; returns the observer's task, to wake once the caller's
    /// borrows end.
    pub(crate) fn finish(feed: &Lock<Self>) -> Option<Waker> {
        let mut f = feed.borrow_mut();
        f.mark_missed();
        f.done = true;
        f.waker.take_waker()
    }

    /// The marker for the items dropped since the last one queued, if any.
    fn mark_missed(&mut self) {
        let missed = std::mem::take(&mut self.missed);
        if missed > 0 {
            self.items.push_back(T::missed(missed));
        }
    }
}

impl<T> Feed<T> {
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
/// ([`Events`](crate::Events)) or a
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
///         WsEvent::Missed(n) => { let _ = n; } // this loop fell behind by n events
///     }
/// }
/// # Ok(()) }
/// ```
pub type Events = Observer<WsEvent>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CloseEvent, Message, WsEvent};

    fn drain(feed: &Lock<Feed<WsEvent>>) -> Vec<WsEvent> {
        let waker = futures::task::noop_waker();
        let cx = Context::from_waker(&waker);
        let mut items = Vec::new();
        while let Poll::Ready(Some(item)) = Feed::poll_next(feed, &cx) {
            items.push(item);
        }
        items
    }

    #[test]
    fn an_observer_that_falls_behind_gets_one_marker_and_the_last_event() {
        let feed = Feed::new();
        let total = OBSERVER_CAPACITY + 976;
        for _ in 0..total {
            let _ = Feed::push(&feed, WsEvent::Message(Message::text("m")));
        }
        assert_eq!(Feed::len(&feed), OBSERVER_CAPACITY, "bounded");
        let _ = Feed::push(&feed, WsEvent::Close(CloseEvent::abnormal()));
        let _ = Feed::finish(&feed);
        let items = drain(&feed);
        assert_eq!(items.len(), OBSERVER_CAPACITY + 2);
        assert_eq!(items[OBSERVER_CAPACITY], WsEvent::Missed(976));
        assert!(matches!(items.last(), Some(WsEvent::Close(_))));
        assert!(Feed::is_terminated(&feed));
    }

    #[test]
    fn the_marker_sits_where_items_were_dropped() {
        let feed = Feed::new();
        for _ in 0..OBSERVER_CAPACITY + 3 {
            let _ = Feed::push(&feed, WsEvent::Open);
        }
        // The observer catches up: the marker, then what came next, in order.
        let _ = drain(&feed).len();
        let _ = Feed::push(&feed, WsEvent::Error);
        assert_eq!(drain(&feed), vec![WsEvent::Missed(3), WsEvent::Error]);
        // Dropped, then the end: the marker before it.
        for _ in 0..OBSERVER_CAPACITY + 1 {
            let _ = Feed::push(&feed, WsEvent::Open);
        }
        let _ = Feed::finish(&feed);
        let items = drain(&feed);
        assert_eq!(items.last(), Some(&WsEvent::Missed(1)));
    }
}
