//! The sending side's logic: backpressure from `bufferedAmount`, flush and close, for the
//! `Sink` impls that sit next to their types in `websocket.rs`.
//!
//! The browser fires no event when its send buffer drains, so waiting for it means polling
//! `bufferedAmount` on a gloo-timers timeout that backs off as the machine's
//! `drain_poll_delay` says (1, 2, 4, 8 ms) and resets once the buffer is below the mark. No
//! timer runs unless a task is actually waiting.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use crate::machine::drain_poll_delay;
use crate::socket::{browser_error, Core};
use crate::timer::Sleep;
use crate::{Error, ReadyState};

/// The sink's own state: the drain timer and whether this side asked to close.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    drain_timer: Option<Sleep>,
    delay_ms: u32,
    close_requested: bool,
}

impl Writer {
    /// Ready once `bufferedAmount < below`, polling on a backing-off timer until then.
    fn poll_buffer_below(&mut self, core: &Core, cx: &mut Context<'_>, below: usize) -> Poll<()> {
        loop {
            // The bound first: right after a read (as in `poll_flush`) it is exact, and saves
            // asking the browser twice.
            if core.surely_below(below) || core.read_buffered() < below {
                self.drain_timer = None;
                self.delay_ms = 0;
                return Poll::Ready(());
            }
            match &mut self.drain_timer {
                Some(timer) => {
                    ready!(Pin::new(timer).poll(cx));
                    self.drain_timer = None;
                }
                None => {
                    self.delay_ms = drain_poll_delay(self.delay_ms);
                    self.drain_timer = Some(Sleep::new(self.delay_ms));
                }
            }
        }
    }

    pub(crate) fn poll_ready(
        &mut self,
        core: &Core,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        match core.ready_state() {
            ReadyState::Connecting => {
                // `open` (or `close`) wakes us; re-check in case it fired in between.
                ready!(core.poll_opened(cx)).map_err(|_| Error::Closed)?;
                self.poll_ready(core, cx)
            }
            ReadyState::Open => {
                if !core.surely_below(core.high_water_mark()) {
                    ready!(self.poll_buffer_below(core, cx, core.high_water_mark()));
                }
                Poll::Ready(Ok(()))
            }
            ReadyState::Closing | ReadyState::Closed => Poll::Ready(Err(Error::Closed)),
        }
    }

    pub(crate) fn poll_flush(
        &mut self,
        core: &Core,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        if core.read_buffered() > 0 && core.ready_state() == ReadyState::Closed {
            // The browser never sends what was still buffered when the socket closed.
            return Poll::Ready(Err(Error::Closed));
        }
        ready!(self.poll_buffer_below(core, cx, 1));
        Poll::Ready(Ok(()))
    }

    pub(crate) fn poll_close(
        &mut self,
        core: &Core,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), Error>> {
        if !self.close_requested {
            self.close_requested = true;
            self.drain_timer = None;
            if matches!(
                core.ready_state(),
                ReadyState::Connecting | ReadyState::Open
            ) {
                // The browser sends everything buffered before the close frame.
                core.raw()
                    .close_with_code_and_reason(1000, "")
                    .map_err(browser_error)?;
            }
        }
        ready!(core.poll_closed(cx));
        Poll::Ready(Ok(()))
    }
}
