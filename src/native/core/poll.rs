//! What the handles wait for, read from the core: the opening, the end, room under a mark,
//! the next message.

use std::task::{Context, Poll};

use super::Core;
use crate::machine::Failure;
use crate::{CloseEvent, Error, Message, ReadyState};

impl Core {
    pub(crate) fn poll_opened(&self, cx: &Context<'_>) -> Poll<Result<(), Error>> {
        let mut s = self.state();
        if s.opened {
            return Poll::Ready(Ok(()));
        }
        match &s.close {
            Some(_) if s.failure == Some(Failure::ConnectTimeout) => {
                Poll::Ready(Err(Error::ConnectTimeout))
            }
            Some(close) => Poll::Ready(Err(Error::ConnectFailed(close.clone()))),
            None => {
                s.waiters.register(cx);
                Poll::Pending
            }
        }
    }

    pub(crate) fn poll_closed(&self, cx: &Context<'_>) -> Poll<CloseEvent> {
        let mut s = self.state();
        match &s.close {
            Some(close) => Poll::Ready(close.clone()),
            None => {
                s.waiters.register(cx);
                Poll::Pending
            }
        }
    }

    /// The sink's `poll_ready`, under one lock: waits for the opening, then while the buffer
    /// is at the high-water mark; [`Error::Closed`] once closing or closed.
    pub(crate) fn poll_writable(&self, cx: &Context<'_>) -> Poll<Result<(), Error>> {
        let mut s = self.state();
        match s.ready {
            // Woken at the opening or the end (`opened`, `ended`).
            ReadyState::Connecting => s.waiters.register(cx),
            ReadyState::Open if s.buffered() < self.high_water_mark => {
                return Poll::Ready(Ok(()));
            }
            // Woken as the buffer drains, and at the end.
            ReadyState::Open => s.writers.register(cx),
            ReadyState::Closing | ReadyState::Closed => return Poll::Ready(Err(Error::Closed)),
        }
        Poll::Pending
    }

    /// The sink's `poll_flush`, once what was queued was written through: ready when the
    /// buffer is empty; [`Error::Closed`] if the socket ended before it was (what was still
    /// buffered was never sent).
    pub(crate) fn poll_flushed(&self, cx: &Context<'_>) -> Poll<Result<(), Error>> {
        let mut s = self.state();
        if s.buffered() == 0 {
            Poll::Ready(Ok(()))
        } else if s.close.is_some() {
            Poll::Ready(Err(Error::Closed))
        } else {
            s.writers.register(cx);
            Poll::Pending
        }
    }

    /// The stream: messages in arrival order; then the overflow, or for an unclean end one
    /// `Err`, then `None` (`done` is the stream's own flag).
    pub(crate) fn poll_next(
        &self,
        done: &mut bool,
        cx: &Context<'_>,
    ) -> Poll<Option<Result<Message, Error>>> {
        if *done {
            return Poll::Ready(None);
        }
        let mut s = self.state();
        if let Some(m) = s.queue.pop_front() {
            s.backlog.taken(m.len());
            return Poll::Ready(Some(Ok(m)));
        }
        if s.overflowed {
            *done = true;
            return Poll::Ready(Some(Err(Error::ReceiveOverflow { limit: s.max_bytes })));
        }
        let Some(close) = s.close.clone() else {
            s.reader.register(cx);
            return Poll::Pending;
        };
        *done = true;
        // The machine's word on the end: lost, a failed (or timed-out) attempt, or clean.
        match s.failure {
            Some(Failure::ConnectionLost) => Poll::Ready(Some(Err(Error::ConnectionLost(close)))),
            Some(Failure::ReceiveOverflow) => {
                Poll::Ready(Some(Err(Error::ReceiveOverflow { limit: s.max_bytes })))
            }
            Some(_) => Poll::Ready(Some(Err(Error::ConnectFailed(close)))),
            None => Poll::Ready(None),
        }
    }
}
