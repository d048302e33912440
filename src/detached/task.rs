//! In the browser: the socket in a task of its own (`spawn_local`), reached through one
//! [`Link`] behind a mutex, which is `Send` (see `mod.rs`).
//!
//! A message's path, both ways, with as few task hops as the thread boundary allows:
//! - received, on a plain [`WebSocket`]: the socket's `message` event itself puts it on the
//!   link and wakes the handle's task (a tap, as a reconnecting socket's shell takes its
//!   connections' messages: `reconnect/receive.rs`), so the socket's task is not woken per
//!   message. The receive limit is kept on the link, by the same rule ([`Backlog`]); past it
//!   the socket closes as its own limit closes it. What the tap does not take (what waited
//!   before it was installed, a reconnecting socket's messages, the stream's end) the task
//!   forwards, [`INCOMING`] at a time;
//! - sent: the handle puts it on the link and wakes the task, which hands everything waiting
//!   to the socket in one wake (the handle cannot touch the socket: it may be on another
//!   thread).
//!
//! One mutex, no channel: a channel allocates per message, and the two sides share more than
//! messages (the flush, the end).

use std::any::Any;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use super::Detachable;
use crate::backlog::Backlog;
use crate::platform::spawn;
use crate::wake::{Wake, WakerSet, WakerSlot};
use crate::{CloseEvent, Error, Message, WebSocket};

/// Messages the task forwards from the socket's stream before the handle took them, at most
/// (then it stops reading and they wait in the socket, under its receive limit). The tap's
/// messages are bounded by the receive limit instead.
const INCOMING: usize = 16;

/// Messages the handle may hand over before the task took them: the task then takes them all
/// in one wake, rather than one wake of each side per message (one at a time made `Detached`
/// cost +35% to +47% CPU per message over raw JS, docs/benchmarks.md). The bound on memory
/// stays: at most this many, then the socket's own high-water mark.
const OUTGOING: usize = 16;

/// What the handle and the task share.
#[derive(Default)]
struct Link {
    // The handle's side.
    /// Handed over, not yet given to the socket, in order.
    outgoing: VecDeque<Message>,
    /// The close asked for, not yet carried out.
    close: Option<(u16, String)>,
    /// The handle was dropped: the socket is closed (1000) and nothing more is kept.
    dropped: bool,
    /// The handle's writer: waits for room in `outgoing`, or for it to empty (a flush).
    writer: WakerSlot,
    /// The handle's reader.
    reader: WakerSlot,
    /// Tasks waiting for the end (`closed()`).
    waiters: WakerSet,

    // The task's side.
    /// Received, not yet taken by the handle, in order; then the stream's end (`finished`).
    incoming: VecDeque<Result<Message, Error>>,
    /// What `incoming` counts against the receive limit.
    backlog: Backlog,
    /// The socket's sink refused a message: every later one is refused too.
    refused: bool,
    /// A reconnecting socket's queue was full while disconnected (its limit): what is on the
    /// link waits for the next connection, the handle's next messages are refused as the
    /// socket refuses them, until the task hands the socket a message again.
    full: Option<usize>,
    /// The socket's stream ended: after `incoming`, nothing.
    finished: bool,
    /// How the socket ended, once it did.
    end: Option<CloseEvent>,
    /// The task: waits for anything above, and for room in `incoming`.
    task: WakerSlot,
    /// The task stopped forwarding because `incoming` was full.
    wants_room: bool,
}

impl Link {
    /// Puts a received item on the queue, counted (or handed to the waiting reader) against
    /// `limit`; `None` (nothing queued) past it.
    fn receive(&mut self, item: Result<Message, Error>, limit: usize) -> Option<Wake> {
        if self.dropped {
            // No one reads any more: the socket is closing.
            return Some(Wake::none());
        }
        let len = item.as_ref().map_or(0, Message::len);
        let handed = self.incoming.is_empty() && self.reader.is_waiting();
        if !self.backlog.admit(len, handed, limit) {
            return None;
        }
        self.incoming.push_back(item);
        Some(self.reader.take())
    }
}

/// The handle's end of the link.
pub(super) struct Inner {
    link: Arc<Mutex<Link>>,
}

fn lock(link: &Mutex<Link>) -> MutexGuard<'_, Link> {
    link.lock().unwrap_or_else(|e| e.into_inner())
}

impl Inner {
    pub(super) fn new<S: Detachable>(socket: S) -> Self {
        let link = Arc::new(Mutex::new(Link::default()));
        // `spawn_local` always takes it.
        let _ = spawn(pump(socket, Arc::clone(&link)));
        Inner { link }
    }

    fn lock(&self) -> MutexGuard<'_, Link> {
        lock(&self.link)
    }

    /// Changes the link as `change` says, then wakes the task.
    fn tell_task(&self, change: impl FnOnce(&mut Link)) {
        let wake = {
            let mut link = self.lock();
            change(&mut link);
            link.task.take()
        };
        wake.wake();
    }

    pub(super) fn ended(&self) -> Option<CloseEvent> {
        self.lock().end.clone()
    }

    pub(super) fn close(&self, code: u16, reason: &str) {
        self.tell_task(|link| {
            link.close.get_or_insert_with(|| (code, reason.to_owned()));
        });
    }

    pub(super) fn poll_closed(&self, cx: &Context<'_>) -> Poll<CloseEvent> {
        let mut link = self.lock();
        match &link.end {
            Some(close) => Poll::Ready(close.clone()),
            None => {
                link.waiters.register(cx);
                Poll::Pending
            }
        }
    }

    pub(super) fn poll_next(&mut self, cx: &Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        let mut link = self.lock();
        let Some(item) = link.incoming.pop_front() else {
            if link.finished {
                return Poll::Ready(None);
            }
            link.reader.register(cx);
            return Poll::Pending;
        };
        if let Ok(message) = &item {
            link.backlog.taken(message.len());
        }
        // The task waits for room only at `INCOMING`: one wake when there is some.
        let wake = if std::mem::take(&mut link.wants_room) {
            link.task.take()
        } else {
            Wake::none()
        };
        drop(link);
        wake.wake();
        Poll::Ready(Some(item))
    }

    /// Ready while the link has room ([`OUTGOING`] messages).
    pub(super) fn poll_ready(&mut self, cx: &Context<'_>) -> Poll<Result<(), Error>> {
        let mut link = self.lock();
        if link.refused {
            return Poll::Ready(Err(Error::Closed));
        }
        if let Some(limit) = link.full {
            return Poll::Ready(Err(Error::QueueFull { limit }));
        }
        if link.outgoing.len() < OUTGOING {
            return Poll::Ready(Ok(()));
        }
        link.writer.register(cx);
        Poll::Pending
    }

    pub(super) fn start_send(&mut self, message: Message) -> Result<(), Error> {
        let wake = {
            let mut link = self.lock();
            if link.refused {
                return Err(Error::Closed);
            }
            if let Some(limit) = link.full {
                return Err(Error::QueueFull { limit });
            }
            link.outgoing.push_back(message);
            link.task.take()
        };
        wake.wake();
        Ok(())
    }

    /// Ready once the task gave every message handed over to the socket, or the socket ended,
    /// or its queue is full while disconnected (then, as its own flush, the messages wait for
    /// the next connection).
    pub(super) fn poll_flush(&mut self, cx: &Context<'_>) -> Poll<Result<(), Error>> {
        let mut link = self.lock();
        if link.outgoing.is_empty() || link.end.is_some() || link.full.is_some() {
            return Poll::Ready(Ok(()));
        }
        link.writer.register(cx);
        Poll::Pending
    }
}

/// Every handle is gone: the task closes the socket.
impl Drop for Inner {
    fn drop(&mut self) {
        self.tell_task(|link| link.dropped = true);
    }
}

/// From now on, a plain socket's `message` event puts each message on the link itself (see
/// the module's doc); false (nothing changes) while messages wait in the socket, or when
/// `socket` is not a plain [`WebSocket`] (a reconnecting socket's connections have their
/// shell's tap already).
fn tap(socket: &dyn Any, link: &Arc<Mutex<Link>>) -> bool {
    let Some(ws) = socket.downcast_ref::<WebSocket>() else {
        return false;
    };
    let limit = ws.receive_limit();
    // Weakly: the socket (which holds the tap) lives in the task, the link beyond it.
    let link = Arc::downgrade(link);
    ws.set_tap(Box::new(move |item| match link.upgrade() {
        Some(link) => lock(&link).receive(item, limit),
        None => Some(Wake::none()),
    }))
}

/// The task: owns the socket, moves messages between it and the link, closes it when asked
/// or when the handle is gone, and records how it ended.
async fn pump<S: Detachable>(mut socket: S, link: Arc<Mutex<Link>>) {
    let (mut closing, mut tapped, mut finished, mut ended) = (false, false, false, false);
    poll_fn(|cx| {
        // Our close (asked for, or the handle dropped).
        let close = {
            let mut link = lock(&link);
            link.task.register(cx);
            match link.close.take() {
                Some(close) => Some(close),
                None if link.dropped => Some((1000, String::new())),
                None => None,
            }
        };
        if let Some((code, reason)) = close.filter(|_| !closing) {
            closing = true;
            socket.close_now(code, &reason);
        }
        send(&mut socket, &link, cx);
        if !finished && forward(&mut socket, &link, cx, &mut tapped).is_ready() {
            finished = true;
            finish(&link, |link| link.finished = true);
        }
        // The end, for `closed()`: also while the stream's last items wait to be read, and
        // after the stream ended (past the receive limit it ends before the socket does).
        if !ended {
            let Poll::Ready(end) = socket.poll_ended(cx) else {
                return Poll::Pending;
            };
            ended = true;
            finish(&link, |link| link.end = Some(end));
        }
        if finished {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
}

/// Records the stream's or the socket's end (`record`): nothing more can be sent; wakes
/// every waiting handle task.
fn finish(link: &Mutex<Link>, record: impl FnOnce(&mut Link)) {
    let wake = {
        let mut link = lock(link);
        record(&mut link);
        link.refused = true;
        link.outgoing.clear();
        link.reader
            .take()
            .and(link.waiters.take())
            .and(link.writer.take())
    };
    wake.wake();
}

/// Gives the socket what the handle handed over, as its sink takes it; wakes the handle's
/// writer when there is room again or nothing is left (a flush). One lock per message.
fn send<S: Detachable>(socket: &mut S, link: &Mutex<Link>, cx: &mut Context<'_>) {
    let mut waiting = !lock(link).outgoing.is_empty();
    while waiting {
        match Pin::new(&mut *socket).poll_ready(cx) {
            Poll::Pending => return,
            // A reconnecting socket, disconnected, with its queue full: the messages wait on
            // the link, and the handle's next ones are refused (`full`); the handle's writer
            // is woken, so that its flush is done, as the socket's own. The socket wakes this
            // task when it connects again (`poll_ended` waits among its writers, woken at
            // every change of route).
            Poll::Ready(Err(Error::QueueFull { limit })) => {
                let wake = {
                    let mut link = lock(link);
                    link.full = Some(limit);
                    link.writer.take()
                };
                return wake.wake();
            }
            // Closed: what was handed over is dropped with the socket, as a socket's own sink
            // refuses it, and so is what the handle sends next.
            Poll::Ready(Err(_)) => return finish(link, |_| {}),
            Poll::Ready(Ok(())) => {
                let (message, wake) = {
                    let mut link = lock(link);
                    link.full = None;
                    let message = link.outgoing.pop_front();
                    waiting = !link.outgoing.is_empty();
                    let room = link.outgoing.len() + 1 == OUTGOING;
                    let wake = if room || !waiting {
                        link.writer.take()
                    } else {
                        Wake::none()
                    };
                    (message, wake)
                };
                if let Some(message) = message {
                    let _ = Pin::new(&mut *socket).start_send(message);
                }
                wake.wake();
            }
        }
    }
}

/// Forwards what the socket's stream gives (what the tap does not take), while the handle
/// has room for it; ready once the stream ended.
fn forward<S: Detachable>(
    socket: &mut S,
    link: &Arc<Mutex<Link>>,
    cx: &mut Context<'_>,
    tapped: &mut bool,
) -> Poll<()> {
    loop {
        if !*tapped {
            *tapped = tap(&*socket, link);
        }
        {
            let mut link = lock(link);
            if link.incoming.len() >= INCOMING && !link.dropped {
                link.wants_room = true;
                return Poll::Pending;
            }
        }
        let item = match Pin::new(&mut *socket).poll_next(cx) {
            Poll::Ready(Some(item)) => item,
            Poll::Ready(None) => return Poll::Ready(()),
            Poll::Pending => return Poll::Pending,
        };
        // Under the socket's limit already: counted, never refused.
        let wake = lock(link).receive(item, usize::MAX);
        wake.unwrap_or_default().wake();
    }
}
