//! The receiving side's logic: what `poll_next` of a socket's `Stream` does with the core's
//! inbox. The `Stream` impls themselves sit next to their types, in `websocket.rs`.

use std::task::{Context, Poll};

use crate::machine::Failure;
use crate::socket::Core;
use crate::{Error, Message};

/// The stream's own state: whether it has ended.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    done: bool,
}

impl Reader {
    /// Messages in arrival order; after `close`, one `Err` if the close was unclean, then `None`
    /// forever.
    pub(crate) fn poll_next(
        &mut self,
        core: &Core,
        cx: &Context<'_>,
    ) -> Poll<Option<Result<Message, Error>>> {
        if self.done {
            return Poll::Ready(None);
        }
        let mut inbox = core.inbox();
        if let Some(item) = inbox.pop_message() {
            return Poll::Ready(Some(item));
        }
        if let Some(limit) = inbox.overflowed() {
            // Every message that fit was taken: report the overflow, once, and end.
            self.done = true;
            return Poll::Ready(Some(Err(Error::ReceiveOverflow { limit })));
        }
        let Some(close) = inbox.close() else {
            inbox.wait_message(cx);
            return Poll::Pending;
        };
        self.done = true;
        // The machine's rule (this socket runs without the machine: docs/machine.md, 44).
        let Some(failure) = Failure::of_plain_end(inbox.opened(), close.was_clean) else {
            return Poll::Ready(None);
        };
        let close = close.clone();
        Poll::Ready(Some(Err(match failure {
            Failure::ConnectionLost => Error::ConnectionLost(close),
            _ => Error::ConnectFailed(close),
        })))
    }

    /// Whether the stream has ended (`FusedStream::is_terminated`).
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }
}
