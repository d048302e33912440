//! The `Stream` and `Sink` of every handle of a native socket, and its event stream.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;

use super::core::Core;
use super::driver;
use super::{ReadHalf, WebSocket, WriteHalf};
use crate::{Error, Message};

/// Received messages, in order. A clean close ends the stream with `None`; an unclean one
/// yields one `Err(ConnectionLost)` (or `ConnectFailed` if it never opened) first.
impl Stream for WebSocket {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.core.poll_next(&mut this.done, cx)
    }
}

impl FusedStream for WebSocket {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

/// The same stream as [`WebSocket`]'s.
impl Stream for ReadHalf {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.core.poll_next(&mut this.done, cx)
    }
}

impl FusedStream for ReadHalf {
    fn is_terminated(&self) -> bool {
        self.done
    }
}

/// `try_send`: queued, then written to the TCP socket from the calling task, as the browser's
/// `send()` puts the bytes on the wire at once.
pub(super) fn send_now(core: &Core, message: Message) -> Result<(), Error> {
    core.queue(message, false)?;
    driver::write_through(core);
    Ok(())
}

fn poll_flush(core: &Core, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
    driver::write_through(core);
    core.poll_flushed(cx)
}

fn poll_close(core: &Core, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
    core.request_close(1000, "");
    core.poll_closed(cx).map(|_| Ok(()))
}

/// The sink of every handle: waits for the opening, then while
/// [`buffered_amount`](WebSocket::buffered_amount) is at the high-water mark
/// (`Core::poll_writable`); `poll_flush` waits until everything was written to the TCP
/// socket; `poll_close` closes with 1000 and waits for the end.
macro_rules! impl_sink {
    ($($ty:ty),*) => {$(
        impl Sink<Message> for $ty {
            type Error = Error;

            fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                self.core.poll_writable(cx)
            }

            fn start_send(self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
                self.core.queue(item, true)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                poll_flush(&self.core, cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
                poll_close(&self.core, cx)
            }
        }
    )*};
}

impl_sink!(WebSocket, WriteHalf);
