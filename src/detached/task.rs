//! In the browser: the socket in a task of its own (`spawn_local`), reached over channels,
//! which are `Send` (see `mod.rs`).

use std::future::poll_fn;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use futures_channel::mpsc;
use futures_core::stream::Stream;

use super::Detachable;
use crate::platform::spawn;
use crate::{CloseEvent, Error, Message};

/// Messages received and not yet taken by the handle, at most (then the task stops reading
/// and they wait in the socket, under its receive limit).
const INCOMING: usize = 16;

/// Messages the handle may hand over before the task took them: the task then takes them all
/// in one wake, rather than one wake of each side per message (a channel of one made
/// `Detached` cost +35% to +47% CPU per message over raw JS, docs/benchmarks.md). The bound
/// on memory stays: at most this many, then the socket's own high-water mark.
const OUTGOING: usize = 16;

/// What the handle asks of the task.
enum Command {
    Send(Message),
}

/// How the socket ended, and who waits for it; and the messages handed over that the task has
/// not yet given to the socket, and who waits for them to be (a flush).
#[derive(Default)]
struct End {
    close: Option<CloseEvent>,
    waiters: Vec<Waker>,
    unsent: usize,
    flushers: Vec<Waker>,
}

/// Registers `cx`'s task in `wakers`, once.
fn register(wakers: &mut Vec<Waker>, cx: &Context<'_>) {
    if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
        wakers.push(cx.waker().clone());
    }
}

/// The handle's ends of the channels.
pub(super) struct Inner {
    commands: mpsc::Sender<Command>,
    closes: mpsc::UnboundedSender<(u16, String)>,
    incoming: mpsc::Receiver<Result<Message, Error>>,
    end: Arc<Mutex<End>>,
}

impl Inner {
    pub(super) fn new<S: Detachable>(socket: S) -> Self {
        let (commands, commands_rx) = mpsc::channel(OUTGOING);
        let (closes, closes_rx) = mpsc::unbounded();
        let (incoming_tx, incoming) = mpsc::channel(INCOMING);
        let end = Arc::new(Mutex::new(End::default()));
        let task = pump(
            socket,
            commands_rx,
            closes_rx,
            incoming_tx,
            Arc::clone(&end),
        );
        // `spawn_local` always takes it.
        let _ = spawn(task);
        Inner {
            commands,
            closes,
            incoming,
            end,
        }
    }

    fn lock_end(&self) -> MutexGuard<'_, End> {
        self.end.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn ended(&self) -> Option<CloseEvent> {
        self.lock_end().close.clone()
    }

    pub(super) fn close(&self, code: u16, reason: &str) {
        let _ = self.closes.unbounded_send((code, reason.to_owned()));
    }

    pub(super) fn poll_closed(&self, cx: &Context<'_>) -> Poll<CloseEvent> {
        let mut end = self.lock_end();
        match &end.close {
            Some(close) => Poll::Ready(close.clone()),
            None => {
                register(&mut end.waiters, cx);
                Poll::Pending
            }
        }
    }

    pub(super) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Message, Error>>> {
        Pin::new(&mut self.incoming).poll_next(cx)
    }

    /// Ready while the channel to the task has room ([`OUTGOING`] messages).
    pub(super) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.commands.poll_ready(cx).map_err(|_| Error::Closed)
    }

    pub(super) fn start_send(&mut self, message: Message) -> Result<(), Error> {
        self.commands
            .start_send(Command::Send(message))
            .map_err(|_| Error::Closed)?;
        self.lock_end().unsent += 1;
        Ok(())
    }

    /// Ready once the task gave every message handed over to the socket (or the socket ended).
    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut end = self.lock_end();
        if end.unsent == 0 || end.close.is_some() {
            return Poll::Ready(Ok(()));
        }
        register(&mut end.flushers, cx);
        Poll::Pending
    }
}

/// One message handed over is with the socket now (or dropped with it): the flushers to wake
/// when it was the last.
fn given(end: &Mutex<End>) -> Vec<Waker> {
    let mut end = end.lock().unwrap_or_else(|e| e.into_inner());
    end.unsent = end.unsent.saturating_sub(1);
    if end.unsent == 0 {
        std::mem::take(&mut end.flushers)
    } else {
        Vec::new()
    }
}

/// The task: owns the socket, moves messages between it and the channels, closes it when
/// asked or when every handle is gone, and records how it ended.
async fn pump<S: Detachable>(
    mut socket: S,
    mut commands: mpsc::Receiver<Command>,
    mut closes: mpsc::UnboundedReceiver<(u16, String)>,
    mut incoming: mpsc::Sender<Result<Message, Error>>,
    end: Arc<Mutex<End>>,
) {
    let mut pending: Option<Message> = None;
    let mut closing = false;
    poll_fn(|cx| {
        // Our close (asked for, or every handle dropped).
        loop {
            match Pin::new(&mut closes).poll_next(cx) {
                Poll::Ready(Some((code, reason))) if !closing => {
                    closing = true;
                    socket.close_now(code, &reason);
                }
                Poll::Ready(Some(_)) => {}
                Poll::Ready(None) if !closing => {
                    closing = true;
                    socket.close_now(1000, "");
                }
                Poll::Ready(None) | Poll::Pending => break,
            }
        }
        // Outgoing: one message at a time, as the socket's sink takes it.
        loop {
            if pending.is_none() {
                match Pin::new(&mut commands).poll_next(cx) {
                    Poll::Ready(Some(Command::Send(m))) => pending = Some(m),
                    _ => break,
                }
            }
            match Pin::new(&mut socket).poll_ready(cx) {
                Poll::Ready(Ok(())) => {
                    if let Some(m) = pending.take() {
                        let _ = Pin::new(&mut socket).start_send(m);
                        given(&end).into_iter().for_each(Waker::wake);
                    }
                }
                // Closed: what was handed over is dropped with the socket, as a socket's own
                // sink refuses it (the handle's next send finds the channel closed).
                Poll::Ready(Err(_)) => {
                    if pending.take().is_some() {
                        given(&end).into_iter().for_each(Waker::wake);
                    }
                    commands.close();
                    break;
                }
                Poll::Pending => break,
            }
        }
        let _ = Pin::new(&mut socket).poll_flush(cx);
        // Incoming: only while the handle has room (else the socket keeps them, bounded).
        loop {
            let room = match incoming.poll_ready(cx) {
                Poll::Ready(Ok(())) => true,
                // Every handle is gone: nothing to deliver to; read on until the close above
                // ends the socket.
                Poll::Ready(Err(_)) => false,
                Poll::Pending => return Poll::Pending,
            };
            match Pin::new(&mut socket).poll_next(cx) {
                Poll::Ready(Some(item)) if room => {
                    let _ = incoming.start_send(item);
                }
                Poll::Ready(Some(_)) => {}
                Poll::Ready(None) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }
    })
    .await;
    // The stream ended: the socket has its close event (or it ended without one: 1006).
    let close = socket.ended().unwrap_or_else(CloseEvent::abnormal);
    let waiters = {
        let mut end = end.lock().unwrap_or_else(|e| e.into_inner());
        end.close = Some(close);
        let mut waiters = std::mem::take(&mut end.waiters);
        waiters.append(&mut end.flushers);
        waiters
    };
    incoming.close_channel();
    waiters.into_iter().for_each(Waker::wake);
}
