//! [`Detached`]: a handle that is `Send + Sync` on every target, for the places that demand it
//! (a Bevy resource, a Leptos 0.7 signal, `tokio::spawn`, server functions' `Send` bounds).
//!
//! In the browser a socket is a JavaScript object: it cannot leave its thread, so neither can
//! sockwave's [`WebSocket`] or [`ReconnectingWebSocket`]. `Detached` moves the socket into a
//! task of its own (`spawn_local` in the browser, `tokio::spawn` natively) and talks to it over
//! channels, which are `Send`: no `unsafe impl Send`, no `SendWrapper` that panics on another
//! thread. Backpressure crosses too: the channel to the task holds one message, and the task
//! takes the next only when the socket's own sink is ready; the channel back holds a few, and
//! while it is full the task reads nothing, so received messages wait under the socket's
//! receive limit.
//!
//! Natively the sockets are `Send + Sync` already; `Detached` works there too, so code written
//! once for both targets can use it everywhere (at the cost of one channel hop per message:
//! measured in `docs/benchmarks.md`).

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use futures_channel::mpsc;
use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;

use crate::close::validate_close;
use crate::platform::{spawn, WasmNotSend};
use crate::reconnect::ReconnectingWebSocket;
use crate::{CloseCode, CloseEvent, Error, Message, WebSocket};

/// Messages received and not yet taken by the handle, at most (then the task stops reading
/// and they wait in the socket, under its receive limit).
const INCOMING: usize = 16;

/// A socket that [`Detached`] can own: a `Stream` of messages and a `Sink` with its own
/// backpressure, that can be closed and says how it ended. [`WebSocket`] and
/// [`ReconnectingWebSocket`] are.
pub trait Detachable:
    Stream<Item = Result<Message, Error>> + Sink<Message, Error = Error> + Unpin + 'static
{
    /// Closes now with `code` and `reason` (checked already), without waiting.
    #[doc(hidden)]
    fn close_now(&self, code: u16, reason: &str);
    /// How the socket ended, once it did.
    #[doc(hidden)]
    fn ended(&self) -> Option<CloseEvent>;
}

impl Detachable for WebSocket {
    fn close_now(&self, code: u16, reason: &str) {
        WebSocket::close_now(self, code, reason);
    }
    fn ended(&self) -> Option<CloseEvent> {
        self.close_event()
    }
}

impl Detachable for ReconnectingWebSocket {
    fn close_now(&self, code: u16, reason: &str) {
        self.request_close_now(code, reason);
    }
    fn ended(&self) -> Option<CloseEvent> {
        self.final_close()
    }
}

/// What the handle asks of the task.
enum Command {
    Send(Message),
}

/// How the socket ended, and who waits for it.
#[derive(Default)]
struct End {
    close: Option<CloseEvent>,
    waiters: Vec<Waker>,
}

/// A socket in a task of its own, behind a handle that is `Send + Sync` on every target:
/// the same `Stream` of messages and `Sink` with backpressure, [`close_with`](Self::close_with)
/// and [`closed`](Self::closed).
///
/// ```no_run
/// # async fn demo() -> Result<(), sockwave::Error> {
/// use futures::{SinkExt, StreamExt};
/// use sockwave::{Detached, Message, WebSocket};
///
/// let ws = WebSocket::connect("ws://127.0.0.1:9998/echo").await?;
/// let mut ws = Detached::new(ws); // Send + Sync, in the browser too
/// ws.send(Message::text("hi")).await?;
/// let echo = ws.next().await;
/// # Ok(()) }
/// ```
pub struct Detached {
    commands: mpsc::Sender<Command>,
    closes: mpsc::UnboundedSender<(u16, String)>,
    incoming: mpsc::Receiver<Result<Message, Error>>,
    end: Arc<Mutex<End>>,
    done: bool,
}

impl fmt::Debug for Detached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Detached")
            .field("ended", &self.lock_end().close)
            .finish_non_exhaustive()
    }
}

impl Detached {
    /// Moves `socket` into a task of its own (`spawn_local` in the browser, `tokio::spawn`
    /// natively, where its stream yields [`Error::NoRuntime`] outside a runtime).
    pub fn new<S: Detachable + WasmNotSend>(socket: S) -> Self {
        let (commands, commands_rx) = mpsc::channel(0);
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
        let mut detached = Detached {
            commands,
            closes,
            incoming,
            end,
            done: false,
        };
        if !spawn(task) {
            detached.finish_without_runtime();
        }
        detached
    }

    /// No runtime to run the task in (natively): the stream says so, and it all ends.
    fn finish_without_runtime(&mut self) {
        let (mut tx, rx) = mpsc::channel(1);
        let _ = tx.try_send(Err(Error::NoRuntime));
        self.incoming = rx;
        let mut end = self.lock_end();
        end.close = Some(CloseEvent::abnormal());
    }

    fn lock_end(&self) -> std::sync::MutexGuard<'_, End> {
        self.end.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Closes with `code` and `reason` (checked first, as
    /// [`WebSocket::close_with`](crate::WebSocket::close_with)) and resolves with the close
    /// event; messages sent before it go first.
    pub async fn close_with(
        &self,
        code: impl Into<CloseCode>,
        reason: &str,
    ) -> Result<CloseEvent, Error> {
        let code = code.into();
        validate_close(code, reason)?;
        let _ = self.closes.unbounded_send((code.into(), reason.to_owned()));
        Ok(self.closed().await)
    }

    /// Resolves with the close event once the socket ended (at once if it has).
    pub fn closed(&self) -> impl Future<Output = CloseEvent> + '_ {
        poll_fn(|cx| {
            let mut end = self.lock_end();
            match &end.close {
                Some(close) => Poll::Ready(close.clone()),
                None => {
                    if !end.waiters.iter().any(|w| w.will_wake(cx.waker())) {
                        end.waiters.push(cx.waker().clone());
                    }
                    Poll::Pending
                }
            }
        })
    }
}

/// The messages the socket received, in order, then its end as the socket's own stream gives
/// it.
impl Stream for Detached {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let next = Pin::new(&mut this.incoming).poll_next(cx);
        if let Poll::Ready(None) = next {
            this.done = true;
        }
        next
    }
}

impl FusedStream for Detached {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

/// Waits while the socket's own sink waits (one message crosses at a time); after the end,
/// [`Error::Closed`].
impl Sink<Message> for Detached {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut()
            .commands
            .poll_ready(cx)
            .map_err(|_| Error::Closed)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        self.get_mut()
            .commands
            .start_send(Command::Send(message))
            .map_err(|_| Error::Closed)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        // Taken by the task once the socket's sink was ready: what the channel holds is
        // handed on, so it is flushed as far as this handle can tell.
        self.get_mut().commands.poll_ready(cx).map(|_| Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        let _ = this.closes.unbounded_send((1000, String::new()));
        let closed = this.closed();
        let mut closed = std::pin::pin!(closed);
        closed.as_mut().poll(cx).map(|_| Ok(()))
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
                    }
                }
                // Closed: what was handed over is dropped with the socket, as a socket's own
                // sink refuses it (the handle's next send finds the channel closed).
                Poll::Ready(Err(_)) => {
                    pending = None;
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
        std::mem::take(&mut end.waiters)
    };
    incoming.close_channel();
    waiters.into_iter().for_each(Waker::wake);
}
