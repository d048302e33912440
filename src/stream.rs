//! The receiving side: a `Stream` of messages over the core's inbox.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::stream::{FusedStream, Stream};

use crate::socket::{Core, Inbox};
use crate::websocket::{ReadHalf, WebSocket};
use crate::{Error, Message};

/// The stream's own state: whether it has ended.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    done: bool,
}

impl Reader {
    /// Messages in arrival order; after `close`, one `Err` if the close was unclean, then `None`
    /// forever.
    fn poll_next(&mut self, core: &Core, cx: &Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        self.poll_with(core, cx, |inbox| inbox.queue.pop_front())
    }

    /// The stream's logic over any of the inbox's queues (`take` pops the next item).
    pub(crate) fn poll_with<T>(
        &mut self,
        core: &Core,
        cx: &Context<'_>,
        take: impl FnOnce(&mut Inbox) -> Option<Result<T, Error>>,
    ) -> Poll<Option<Result<T, Error>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let mut inbox = core.inbox.borrow_mut();
        if let Some(item) = take(&mut inbox) {
            return Poll::Ready(Some(item));
        }
        let Some(close) = &inbox.close else {
            inbox.wait_message(cx);
            return Poll::Pending;
        };
        self.done = true;
        if close.was_clean {
            return Poll::Ready(None);
        }
        let close = close.clone();
        Poll::Ready(Some(Err(if inbox.opened {
            Error::ConnectionLost(close)
        } else {
            Error::ConnectFailed(close)
        })))
    }
}

macro_rules! impl_stream {
    ($($ty:ty),*) => {$(
        /// Received messages, in order. A clean close ends the stream with `None`; an unclean
        /// one yields one `Err(ConnectionLost)` (or `ConnectFailed` if it never opened) first.
        impl Stream for $ty {
            type Item = Result<Message, Error>;

            fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
                let this = self.get_mut();
                this.reader.poll_next(&this.core, cx)
            }
        }

        impl FusedStream for $ty {
            fn is_terminated(&self) -> bool {
                self.reader.done
            }
        }
    )*};
}

impl_stream!(WebSocket, ReadHalf);
