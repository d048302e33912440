//! [`Detached`]: a handle that is `Send + Sync` on every target, for the places that demand it
//! (a Bevy resource, a Leptos 0.7 signal, `tokio::spawn`, server functions' `Send` bounds).
//!
//! In the browser a socket is a JavaScript object: it cannot leave its thread, so neither can
//! sockwave's [`WebSocket`] or [`ReconnectingWebSocket`]. `Detached` moves the socket into a
//! task of its own (`spawn_local`) and talks to it through a link behind a mutex, which is
//! `Send`: no `unsafe impl Send`, no `SendWrapper` that panics on another thread (`task.rs`).
//! Backpressure crosses too: the link holds a few messages to send (16), and the task takes
//! the next only when the socket's own sink is ready (a flush waits until the task gave the
//! socket every one). Received messages keep the socket's receive limit: a plain socket's
//! `message` event puts them on the link itself, counted against the limit as the socket
//! counts them; the task forwards the rest (a reconnecting socket's) a few at a time, and
//! while the handle has not taken them, the socket keeps them, under its own limit.
//!
//! Natively the sockets are `Send + Sync` already: there `Detached` holds the socket itself
//! (`direct.rs`), so code written once for both targets pays nothing natively for the `Send`
//! it needs in the browser (measured in `docs/benchmarks.md`).

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;

use crate::close::validate_close;
use crate::platform::WasmNotSendSync;
use crate::reconnect::ReconnectingWebSocket;
use crate::{CloseCode, CloseEvent, Error, Message, WebSocket};

#[cfg(not(target_family = "wasm"))]
mod direct;
#[cfg(target_family = "wasm")]
mod task;

#[cfg(not(target_family = "wasm"))]
use direct::Inner;
#[cfg(target_family = "wasm")]
use task::Inner;

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
    /// Ready with how the socket ended, once it did.
    #[doc(hidden)]
    fn poll_ended(&self, cx: &Context<'_>) -> Poll<CloseEvent>;
}

impl Detachable for WebSocket {
    fn close_now(&self, code: u16, reason: &str) {
        WebSocket::close_now(self, code, reason);
    }
    fn ended(&self) -> Option<CloseEvent> {
        self.close_event()
    }
    fn poll_ended(&self, cx: &Context<'_>) -> Poll<CloseEvent> {
        self.poll_closed(cx)
    }
}

impl Detachable for ReconnectingWebSocket {
    fn close_now(&self, code: u16, reason: &str) {
        self.request_close_now(code, reason);
    }
    fn ended(&self) -> Option<CloseEvent> {
        self.final_close()
    }
    fn poll_ended(&self, cx: &Context<'_>) -> Poll<CloseEvent> {
        self.poll_finished(cx)
    }
}

/// A socket behind a handle that is `Send + Sync` on every target: the same `Stream` of
/// messages and `Sink` with backpressure, [`close_with`](Self::close_with) and
/// [`closed`](Self::closed). In the browser the socket lives in a task of its own; natively
/// the handle holds it.
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
    inner: Inner,
    done: bool,
}

impl fmt::Debug for Detached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Detached")
            .field("ended", &self.inner.ended())
            .finish_non_exhaustive()
    }
}

impl Detached {
    /// Takes `socket` behind the handle: in the browser, into a task of its own
    /// (`spawn_local`); natively, where the sockets are `Send + Sync` already, as it is.
    pub fn new<S: Detachable + WasmNotSendSync>(socket: S) -> Self {
        Detached {
            inner: Inner::new(socket),
            done: false,
        }
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
        self.inner.close(code.into(), reason);
        Ok(self.closed().await)
    }

    /// Resolves with the close event once the socket ended (at once if it has).
    pub fn closed(&self) -> impl Future<Output = CloseEvent> + '_ {
        poll_fn(|cx| self.inner.poll_closed(cx))
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
        let next = this.inner.poll_next(cx);
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

/// Waits while the socket's own sink waits; after the end, [`Error::Closed`].
///
/// Over a [`ReconnectingWebSocket`] whose queue is full while disconnected, a send fails with
/// [`Error::QueueFull`] as the socket's own does, and sending goes on once it connects again.
/// In the browser the handle learns that the queue is full from the socket's task: the
/// messages handed over until then (at most 16) wait for the next connection beyond the queue
/// limit, in order.
impl Sink<Message> for Detached {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().inner.poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        self.get_mut().inner.start_send(message)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().inner.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.inner.close(1000, "");
        this.inner.poll_closed(cx).map(|_| Ok(()))
    }
}
