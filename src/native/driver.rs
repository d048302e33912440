//! The native socket's driver: one tokio task per socket that does the handshake, reads the
//! tokio-tungstenite stream and records how the socket ends in the [`Core`] its handles read,
//! as its machine (`life.rs`: connect and close timeouts, what an end becomes) decides. It
//! plays the part the browser plays on the web.
//!
//! Writing is `write.rs`: what the handles queue goes out from the task that sends it.

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

mod life;
mod request;
mod write;

use super::close_watch::CloseWatch;

use super::core::Core;
use super::link::{Link, Socket};
use super::tls;
use super::transport;
use crate::machine::{receivable_close_code, Close, Failure, Input, Reason};
use crate::{CloseEvent, Message};
use life::Life;
pub(crate) use request::request;
use write::send_out;
pub(crate) use write::write_through;

/// What the task needs to open the socket.
pub(crate) struct Open {
    pub(crate) request: tungstenite::handshake::client::Request,
    pub(crate) connect_timeout: Option<Duration>,
    /// The receive limit (`max_buffered_bytes`).
    pub(crate) receive_limit: usize,
    pub(crate) transport: transport::Shared,
}

/// The largest frame or message tungstenite reads: the receive limit (no one message may be
/// larger: decision 45), so a message past it ends the socket as its frames arrive, never
/// held whole; 1 GiB with the limit off. Never unbounded: a frame's header announces its
/// length and tungstenite reserves it at once, so one header from a server could otherwise
/// abort the process (2^40 bytes: the allocation fails). Past the limit: the receive overflow
/// (4009); past 1 GiB with the limit off: 1009 (see `run`), read from the frame's header alone.
fn frame_cap(receive_limit: usize) -> usize {
    match receive_limit {
        usize::MAX => 1 << 30,
        limit => limit,
    }
}

/// Opens the socket and runs it until it ends.
pub(crate) async fn drive(core: Arc<Core>, open: Open) {
    let mut life = Life::new(open.connect_timeout);
    let limited = open.receive_limit != usize::MAX;
    let watch = CloseWatch::default();
    let Some((ws, protocol, extensions)) = handshake(&core, open, &mut life, &watch).await else {
        return;
    };
    let driver = poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
    *core.link() = Some(Link { ws, driver });
    // What it decides now is the handle's to show (the open state, sends flowing).
    let _ = life.feed(Input::Opened, "");
    core.opened(protocol, extensions);
    let (end, failure) = run(&core, &mut life, limited, &watch).await;
    // The connection goes before the end is told: a send after it finds none.
    core.link().take();
    core.ended(end, failure);
}

/// The opening handshake, until it ends or the machine ends it (the connect timeout, our
/// close): the connection with the selected subprotocol and extensions, or the end recorded.
async fn handshake(
    core: &Core,
    open: Open,
    life: &mut Life,
    watch: &CloseWatch,
) -> Option<(Socket, String, String)> {
    let cap = frame_cap(open.receive_limit);
    let config = WebSocketConfig::default()
        .max_message_size(Some(cap))
        .max_frame_size(Some(cap));
    let uri = open.request.uri();
    let secure = uri.scheme_str() == Some("wss");
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
    let watch = watch.clone();
    let attempt = async move {
        let stream = transport
            .connect(&host, port)
            .await
            .map_err(tungstenite::Error::Io)?;
        // TLS here rather than in tokio-tungstenite: the close watch reads above it.
        let stream = match secure {
            true => tls::connect(&host, stream).await?,
            false => stream,
        };
        tokio_tungstenite::client_async_with_config(request, watch.watch(stream), Some(config))
            .await
    };
    // The attempt ends when the machine lets it go (the connect timeout; the app's close(), or
    // its last handle dropped: a connect future dropped half-way, an attempt a reconnecting
    // socket discards): its task and TCP connection go with it, whatever the server does.
    let mut attempt = std::pin::pin!(attempt);
    let outcome = poll_fn(|cx| {
        // Our close first: one asked while the handshake finished still lets it go, as
        // `close()` fails a browser's CONNECTING socket.
        let decided = match let_go(core, cx) {
            Some((code, reason)) => life.close(code, &reason),
            None => match attempt.as_mut().poll(cx) {
                Poll::Ready(outcome) => return Poll::Ready(Ok(outcome)),
                Poll::Pending => match life.poll_due(cx) {
                    Poll::Ready(decided) => decided,
                    Poll::Pending => return Poll::Pending,
                },
            },
        };
        match decided.end {
            Some(end) => Poll::Ready(Err(end)),
            None => Poll::Pending,
        }
    })
    .await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err((end, failure)) => {
            core.ended(end, failure);
            return None;
        }
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
            // This client offers no extension: one the server selects anyway fails the
            // connection (RFC 6455 4.1), as browsers fail it, before it opens.
            if !extensions.is_empty() {
                let why =
                    format!("the server selected an extension that was not offered: {extensions}");
                attempt_failed(core, life, &why);
                return None;
            }
            Some((ws, protocol, extensions))
        }
        Err(e) => {
            attempt_failed(core, life, &failure(&e));
            None
        }
    }
}

/// The attempt failed: 1006, as browsers report it, with the cause as the reason (browsers
/// hide it; natively it is known).
fn attempt_failed(core: &Core, life: &mut Life, why: &str) {
    let ended = Input::Ended(Close::abnormal(Reason::Given));
    if let Some((end, failure)) = life.feed(ended, why).end {
        core.ended(end, failure);
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

/// Reads, and writes what senders left, until the machine says the socket ended: how, and
/// why when it was not a clean end. `limited`: the frame cap is a receive limit's; `watch`:
/// the server's close code as it was on the wire.
async fn run(
    core: &Core,
    life: &mut Life,
    limited: bool,
    watch: &CloseWatch,
) -> (CloseEvent, Option<Failure>) {
    // The server's close frame, once it came.
    let mut server_close: Option<CloseEvent> = None;
    poll_fn(|cx| {
        // Registered before the queue is read: a command queued from here on wakes this task.
        // Our close, if asked since the last poll, taken under the same lock (one per poll).
        let asked = {
            let mut s = core.state();
            s.driver.register(cx);
            s.close_asked.take()
        };
        let mut link = core.link();
        let Some(Link { ws, .. }) = link.as_mut() else {
            return Poll::Ready((CloseEvent::abnormal(), None));
        };
        if let Some((code, reason)) = asked {
            let decided = life.close(code, &reason);
            if let Some((code, reason)) = decided.close {
                core.queue_close(code, reason);
            }
        }
        // Incoming first: pongs and close replies are queued by tungstenite as it reads.
        let ended = loop {
            match Pin::new(&mut *ws).poll_next(cx) {
                Poll::Ready(Some(Ok(tungstenite::Message::Close(frame)))) => {
                    // The code and reason as the server sent them (the watch's: tungstenite's
                    // may be its rewrite, 1002 "Protocol violation"). A code no endpoint may
                    // send fails the connection: lost, 1006 with no reason, as the browsers
                    // report it, never a clean close with a code the server did not send.
                    let (code, reason) = match watch.payload().as_deref() {
                        Some([high, low, reason @ ..]) => {
                            let code = u16::from_be_bytes([*high, *low]);
                            if !receivable_close_code(code) {
                                break Some((Close::abnormal(Reason::Given), String::new()));
                            }
                            (code, String::from_utf8_lossy(reason).into_owned())
                        }
                        _ => frame.map_or((1005, String::new()), |f| {
                            (u16::from(f.code), f.reason.as_str().to_owned())
                        }),
                    };
                    core.server_closing();
                    let _ = life.feed(Input::Closing, "");
                    server_close = Some(CloseEvent {
                        code,
                        reason,
                        was_clean: true,
                    });
                }
                Poll::Ready(Some(Ok(tungstenite::Message::Pong(_)))) => core.pong(),
                Poll::Ready(Some(Ok(message))) => incoming(core, message),
                // Over the cap (`frame_cap`): nothing after it can be read. A receive limit's:
                // the receive overflow, as the machine decides it (4009 to the server, the
                // socket ends, the stream says ReceiveOverflow). Else 1009 (message too big)
                // to the server, and the end, unclean. Each close frame as far as the socket
                // takes it.
                Poll::Ready(Some(Err(tungstenite::Error::Capacity(e)))) => {
                    let (decided, code, reason) = if limited {
                        let decided = life.feed(Input::Overflow, "");
                        let (code, reason) = decided.close.clone().unwrap_or_default();
                        (Some(decided), WireCode::from(code), reason)
                    } else {
                        (None, WireCode::Size, "message too big".to_owned())
                    };
                    let frame = tungstenite::Message::Close(Some(CloseFrame {
                        code,
                        reason: reason.into(),
                    }));
                    if Pin::new(&mut *ws).start_send(frame).is_ok() {
                        let _ = Pin::new(&mut *ws).poll_flush(cx);
                    }
                    if let Some(end) = decided.and_then(|d| d.end) {
                        return Poll::Ready(end);
                    }
                    let close = Close {
                        code: 1009,
                        reason: Reason::Given,
                        clean: false,
                    };
                    break Some((close, e.to_string()));
                }
                // The end: clean after the server's close frame, else lost (1006, as browsers
                // report it; they give no detail, nor does this face).
                Poll::Ready(Some(Err(_)) | None) => break Some(end_of(&server_close)),
                Poll::Pending => break None,
            }
        };
        // Then what the handles handed over, in order, as the socket takes it.
        let ended = ended.or_else(|| match send_out(core, ws, cx) {
            Err(_) => Some(end_of(&server_close)),
            // Both close frames went (the server's came, and tungstenite's answer, or our own
            // close before it, is written): the closing handshake is complete, the socket
            // ends with the server's close, and the TCP connection goes with it.
            Ok(()) if server_close.is_some() && Pin::new(&mut *ws).poll_flush(cx).is_ready() => {
                Some(end_of(&server_close))
            }
            Ok(()) => None,
        });
        let decided = match ended {
            Some((close, given)) => life.feed(Input::Ended(close), &given),
            // A closing handshake (ours, or the server's) that the other side never finishes
            // is let go after the machine's close timeout.
            None => match life.poll_due(cx) {
                Poll::Ready(decided) => decided,
                Poll::Pending => return Poll::Pending,
            },
        };
        match decided.end {
            Some(end) => Poll::Ready(end),
            None => Poll::Pending,
        }
    })
    .await
}

/// How the connection ended, for the machine: with the server's close frame if it came (the
/// handshake is complete), else lost (1006).
fn end_of(server_close: &Option<CloseEvent>) -> (Close, String) {
    match server_close {
        Some(c) => {
            let close = Close {
                code: c.code,
                reason: Reason::Given,
                clean: true,
            };
            (close, c.reason.clone())
        }
        None => (Close::abnormal(Reason::Given), String::new()),
    }
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

/// Our close, if the app asked for it since the last call (`close()`, its last handle dropped,
/// the receive limit passed); else the driver's waker is registered, so that asking wakes it.
fn let_go(core: &Core, cx: &Context<'_>) -> Option<(u16, String)> {
    let mut s = core.state();
    let asked = s.close_asked.take();
    if asked.is_none() {
        s.driver.register(cx);
    }
    asked
}
