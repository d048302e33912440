//! The native socket's driver: one tokio task per socket that does the handshake, reads the
//! tokio-tungstenite stream, keeps the close timeout and records how the socket ends in the
//! [`Core`] its handles read. It plays the part the browser plays on the web.
//!
//! One trick, explained here once: a message sent is written to the connection by the task
//! that sends it ([`write_through`]), not handed to this task. A hop to the driver task per
//! flush cost 30-40% of raw tokio-tungstenite's throughput on small messages
//! (docs/benchmarks.md). Every poll of the connection, from any task, passes the driver's own
//! waker, so the readiness of the TCP socket always wakes the driver, which carries on
//! whatever a sender left unfinished (a full TCP buffer, a flush that failed): a sender never
//! has to come back, and nothing waits on a task that went away.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use futures_sink::Sink;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode as WireCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};

mod request;

use super::core::{Command, Core};
use super::link::{Link, Socket};
use super::tls;
use super::transport;
use crate::machine::DEFAULT_CLOSE_TIMEOUT;
use crate::{CloseEvent, Message};
pub(crate) use request::request;

/// What the task needs to open the socket.
pub(crate) struct Open {
    pub(crate) request: tungstenite::handshake::client::Request,
    pub(crate) connect_timeout: Option<Duration>,
    /// The receive limit (`max_buffered_bytes`).
    pub(crate) receive_limit: usize,
    pub(crate) transport: transport::Shared,
}

/// The largest frame or message tungstenite reads: the receive limit, but never under
/// tungstenite's own default of 64 MiB (one message handed at once to a waiting reader may
/// exceed the limit, as in the browser); 1 GiB with the limit off. Never unbounded: a frame's
/// header announces its length and tungstenite reserves it at once, so one header from a
/// server could otherwise abort the process (2^40 bytes: the allocation fails). Anything
/// larger ends the connection with 1009 (see `run`), read from the frame's header alone.
fn frame_cap(receive_limit: usize) -> usize {
    match receive_limit {
        usize::MAX => 1 << 30,
        limit => limit.max(64 << 20),
    }
}

/// Opens the socket and runs it until it ends.
pub(crate) async fn drive(core: Arc<Core>, open: Open) {
    let Some((ws, protocol, extensions)) = handshake(&core, open).await else {
        return;
    };
    // Let go while the handshake ran: the connection goes at once (`close()` on a CONNECTING
    // browser socket fails it the same way).
    if core.state().closing {
        core.ended(failed("closed before open"), true);
        return;
    }
    let driver = poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
    *core.link() = Some(Link { ws, driver });
    core.opened(protocol, extensions);
    let end = run(&core).await;
    // The connection goes before the end is told: a send after it finds none.
    core.link().take();
    let unclean = !end.was_clean;
    core.ended(end, unclean);
}

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
/// whoever was writing (`Core::flushed` tells, under the lock the sender queued under).
fn send_out(core: &Core, ws: &mut Socket, cx: &mut Context<'_>) -> Result<(), tungstenite::Error> {
    loop {
        outgoing(core, ws, cx)?;
        match Pin::new(&mut *ws).poll_flush(cx) {
            Poll::Ready(Ok(())) if core.flushed() => continue,
            Poll::Ready(Ok(())) | Poll::Pending => return Ok(()),
            Poll::Ready(Err(e)) => return Err(e),
        }
    }
}

/// The opening handshake, bounded by the connect timeout: the connection with the selected
/// subprotocol and extensions, or the failure recorded.
async fn handshake(core: &Core, open: Open) -> Option<(Socket, String, String)> {
    let cap = frame_cap(open.receive_limit);
    let config = WebSocketConfig::default()
        .max_message_size(Some(cap))
        .max_frame_size(Some(cap));
    let connector = tls::client_config().map_or(
        tokio_tungstenite::Connector::Plain,
        tokio_tungstenite::Connector::Rustls,
    );
    let uri = open.request.uri();
    let host = uri.host().unwrap_or_default();
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
        Some("wss") => 443,
        _ => 80,
    });
    let transport = open.transport.0;
    let request = open.request;
    let attempt = async move {
        let stream = transport
            .connect(&host, port)
            .await
            .map_err(tungstenite::Error::Io)?;
        tokio_tungstenite::client_async_tls_with_config(
            request,
            stream,
            Some(config),
            Some(connector),
        )
        .await
    };
    // The attempt ends when the app lets the socket go (`close()`, or its last handle
    // dropped: a connect future dropped half-way, an attempt a reconnecting socket discards):
    // its task and TCP connection go with it, whatever the server does.
    let attempt = async {
        let mut attempt = std::pin::pin!(attempt);
        poll_fn(|cx| match attempt.as_mut().poll(cx) {
            Poll::Ready(outcome) => Poll::Ready(Some(outcome)),
            Poll::Pending if let_go(core, cx) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        })
        .await
    };
    let outcome = match open.connect_timeout {
        Some(limit) => match tokio::time::timeout(limit, attempt).await {
            Ok(outcome) => outcome,
            Err(_) => {
                core.state().timed_out = true;
                core.ended(failed("connect timeout"), true);
                return None;
            }
        },
        None => attempt.await,
    };
    let Some(outcome) = outcome else {
        core.ended(failed("closed before open"), true);
        return None;
    };
    match outcome {
        Ok((ws, response)) => {
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            let (protocol, extensions) = (
                header("sec-websocket-protocol"),
                header("sec-websocket-extensions"),
            );
            Some((ws, protocol, extensions))
        }
        Err(e) => {
            core.ended(failed(&failure(&e)), true);
            None
        }
    }
}

/// A failed attempt: 1006, as browsers report it, with the cause as the reason (browsers
/// hide it; natively it is known).
fn failed(reason: &str) -> CloseEvent {
    CloseEvent {
        code: 1006,
        reason: reason.to_owned(),
        was_clean: false,
    }
}

/// Why an attempt failed, in words.
fn failure(e: &tungstenite::Error) -> String {
    match e {
        tungstenite::Error::Http(response) => {
            format!("handshake refused: HTTP {}", response.status().as_u16())
        }
        other => other.to_string(),
    }
}

/// Reads, and writes what senders left, until the connection ends; how it ended.
async fn run(core: &Core) -> CloseEvent {
    // The server's close frame, once it came: the socket ends with it when the server then
    // closes the connection (tungstenite answers the frame).
    let mut server_close: Option<CloseEvent> = None;
    let mut close_deadline: Option<Pin<Box<tokio::time::Sleep>>> = None;
    poll_fn(|cx| {
        // Registered before the queue is read: a command queued from here on wakes this task.
        core.state().driver.register(cx);
        let mut link = core.link();
        let Some(Link { ws, .. }) = link.as_mut() else {
            return Poll::Ready(CloseEvent::abnormal());
        };
        // Incoming first: pongs and close replies are queued by tungstenite as it reads.
        loop {
            match Pin::new(&mut *ws).poll_next(cx) {
                Poll::Ready(Some(Ok(tungstenite::Message::Close(frame)))) => {
                    let (code, reason) = frame.map_or((1005, String::new()), |f| {
                        (u16::from(f.code), f.reason.as_str().to_owned())
                    });
                    server_close = Some(CloseEvent {
                        code,
                        reason,
                        was_clean: true,
                    });
                    core.server_closing();
                }
                Poll::Ready(Some(Ok(tungstenite::Message::Pong(_)))) => core.pong(),
                Poll::Ready(Some(Ok(message))) => incoming(core, message),
                // Over the cap (`frame_cap`): nothing after it can be read. 1009 (message too
                // big) to the server, as far as the socket takes it, and the end, unclean.
                Poll::Ready(Some(Err(tungstenite::Error::Capacity(e)))) => {
                    let frame = tungstenite::Message::Close(Some(CloseFrame {
                        code: WireCode::Size,
                        reason: "message too big".into(),
                    }));
                    if Pin::new(&mut *ws).start_send(frame).is_ok() {
                        let _ = Pin::new(&mut *ws).poll_flush(cx);
                    }
                    return Poll::Ready(CloseEvent {
                        code: 1009,
                        reason: e.to_string(),
                        was_clean: false,
                    });
                }
                // The end: clean after the server's close frame, else lost (1006, as browsers
                // report it; they give no detail, nor does this face).
                Poll::Ready(Some(Err(_)) | None) => {
                    return Poll::Ready(server_close.take().unwrap_or_else(CloseEvent::abnormal))
                }
                Poll::Pending => break,
            }
        }
        // Then what the handles handed over, in order, as the socket takes it.
        if send_out(core, ws, cx).is_err() {
            return Poll::Ready(server_close.take().unwrap_or_else(CloseEvent::abnormal));
        }
        // A closing handshake (ours, or the server's) that the other side never finishes is
        // let go after the close timeout.
        if (core.state().closing || server_close.is_some()) && close_deadline.is_none() {
            let limit = Duration::from_millis(DEFAULT_CLOSE_TIMEOUT);
            close_deadline = Some(Box::pin(tokio::time::sleep(limit)));
        }
        if let Some(deadline) = close_deadline.as_mut() {
            if deadline.as_mut().poll(cx).is_ready() {
                return Poll::Ready(server_close.take().unwrap_or_else(CloseEvent::abnormal));
            }
        }
        Poll::Pending
    })
    .await
}

/// A received data frame, for the stream (within the receive limit: past it the core queues
/// our close, 4009, as the browser face closes).
fn incoming(core: &Core, message: tungstenite::Message) {
    // tungstenite's buffers become ours without a copy where they are not shared (`Vec::from`
    // of `Bytes` takes the allocation over when it can); text was checked as UTF-8 by
    // tungstenite and is checked again (linear, no copy) rather than trusted with `unsafe`.
    let message = match message {
        tungstenite::Message::Text(text) => {
            let bytes = Vec::from(bytes::Bytes::from(text));
            match String::from_utf8(bytes) {
                Ok(text) => Message::Text(text),
                Err(e) => Message::Text(String::from_utf8_lossy(e.as_bytes()).into_owned()),
            }
        }
        tungstenite::Message::Binary(bytes) => Message::Binary(Vec::from(bytes)),
        // Pings are answered by tungstenite; pongs and raw frames carry nothing for the app.
        _ => return,
    };
    core.received(message);
}

/// Hands the queued commands to the socket while it takes them.
fn outgoing(core: &Core, ws: &mut Socket, cx: &mut Context<'_>) -> Result<(), tungstenite::Error> {
    // The whole batch under one lock; what the connection does not take goes back in front.
    let mut batch = std::mem::take(&mut core.state().commands);
    if batch.is_empty() {
        return Ok(());
    }
    let mut bytes = 0;
    let result = hand_over(&mut batch, &mut bytes, ws, cx);
    core.handed(bytes);
    if !batch.is_empty() {
        let mut s = core.state();
        batch.append(&mut s.commands);
        s.commands = batch;
    }
    result
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

/// Whether the app let the socket go (its close was asked for); else the driver's waker is
/// registered, so that asking wakes it.
fn let_go(core: &Core, cx: &Context<'_>) -> bool {
    let mut s = core.state();
    if !s.closing {
        s.driver.register(cx);
    }
    s.closing
}
