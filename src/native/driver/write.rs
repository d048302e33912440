//! The write path: what the handles queued goes to the connection, in order.
//!
//! One trick, explained here once: a message sent is written to the connection by the task
//! that sends it ([`write_through`]), not handed to this task. A hop to the driver task per
//! flush cost 30-40% of raw tokio-tungstenite's throughput on small messages
//! (docs/benchmarks.md). Every poll of the connection, from any task, passes the driver's own
//! waker, so the readiness of the TCP socket always wakes the driver, which carries on
//! whatever a sender left unfinished (a full TCP buffer, a flush that failed): a sender never
//! has to come back, and nothing waits on a task that went away.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_sink::Sink;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WireCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use super::super::core::{Command, Core};
use super::super::link::{Link, Socket};
use crate::Message;

/// Writes what the handles queued to the connection, from the calling task, with the
/// driver's waker (see the module docs): after a `send`, its bytes are in the TCP socket, or
/// the driver is due to put them there.
pub(crate) fn write_through(core: &Core) {
    // A TCP socket that took less than it was given last time wakes the driver when it takes
    // more: until then, a sender only queues (retrying a full socket per message would copy
    // tungstenite's whole unwritten buffer each time).
    if core.backed_up() {
        return;
    }
    let mut link = core.link();
    let Some(Link { ws, driver }) = link.as_mut() else {
        return;
    };
    let mut cx = Context::from_waker(driver);
    if send_out(core, ws, &mut cx).is_err() {
        // The driver meets the connection's error on its next poll, and ends the socket.
        driver.wake_by_ref();
    }
}

/// Hands the queued commands to the connection and flushes, until nothing waits or the TCP
/// socket takes no more (then its readiness wakes the driver). A command queued while a
/// flush was finishing is sent too: its sender saw the connection backed up and left it to
/// whoever was writing (`Core::written` tells, under the lock the sender queued under).
/// Two locks of the state per round: one to take the commands, one to record the write.
pub(super) fn send_out(
    core: &Core,
    ws: &mut Socket,
    cx: &mut Context<'_>,
) -> Result<(), tungstenite::Error> {
    loop {
        let mut batch = core.take_commands();
        let taken = !batch.is_empty();
        let mut bytes = 0;
        let handed = hand_over(&mut batch, &mut bytes, ws, cx);
        let flush = match handed {
            Ok(()) => Pin::new(&mut *ws).poll_flush(cx),
            Err(e) => Poll::Ready(Err(e)),
        };
        let flushed = matches!(flush, Poll::Ready(Ok(())));
        // Nothing taken, nothing flushed: nothing changed.
        let more = (taken || flushed) && core.written(bytes, batch, flushed);
        match flush {
            Poll::Ready(Ok(())) if more => continue,
            Poll::Ready(Ok(())) | Poll::Pending => return Ok(()),
            Poll::Ready(Err(e)) => return Err(e),
        }
    }
}

/// Hands commands to the connection while it takes them.
fn hand_over(
    batch: &mut std::collections::VecDeque<Command>,
    bytes: &mut usize,
    ws: &mut Socket,
    cx: &mut Context<'_>,
) -> Result<(), tungstenite::Error> {
    while !batch.is_empty() {
        if Pin::new(&mut *ws).poll_ready(cx).is_pending() {
            return Ok(());
        }
        let Some(command) = batch.pop_front() else {
            return Ok(());
        };
        let frame = match command {
            Command::Send(message) => {
                *bytes += message.len();
                match message {
                    Message::Text(text) => tungstenite::Message::text(text),
                    Message::Binary(data) => tungstenite::Message::binary(data),
                }
            }
            Command::Ping => tungstenite::Message::Ping(Default::default()),
            Command::Close(code, reason) => tungstenite::Message::Close(Some(CloseFrame {
                code: WireCode::from(code),
                reason: reason.into(),
            })),
        };
        Pin::new(&mut *ws).start_send(frame)?;
    }
    Ok(())
}
