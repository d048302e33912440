//! Natively: the socket itself, `Send + Sync` already, behind the handle. No task, no channel:
//! every call goes straight to the socket.

use std::pin::Pin;
use std::task::{Context, Poll};

use super::Detachable;
use crate::{CloseEvent, Error, Message};

pub(super) struct Inner(Box<dyn Detachable + Send + Sync>);

impl Inner {
    pub(super) fn new<S: Detachable + Send + Sync>(socket: S) -> Self {
        Inner(Box::new(socket))
    }

    pub(super) fn ended(&self) -> Option<CloseEvent> {
        self.0.ended()
    }

    pub(super) fn close(&self, code: u16, reason: &str) {
        self.0.close_now(code, reason);
    }

    pub(super) fn poll_closed(&self, cx: &Context<'_>) -> Poll<CloseEvent> {
        self.0.poll_ended(cx)
    }

    pub(super) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Message, Error>>> {
        Pin::new(&mut *self.0).poll_next(cx)
    }

    pub(super) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut *self.0).poll_ready(cx)
    }

    pub(super) fn start_send(&mut self, message: Message) -> Result<(), Error> {
        Pin::new(&mut *self.0).start_send(message)
    }

    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }
}
