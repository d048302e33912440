//! The simulated network and server: a [`Transport`] whose connections are in-memory pipes to
//! a real tungstenite server, one task per connection, that answers each attempt as the
//! schedule says and does to the open connection what the schedule's server steps say.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};

use futures::{SinkExt, StreamExt};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message as Wire;

use super::trace::Trace;
use super::{clock, Answer};
use crate::native::transport::{Io, Transport};
use crate::platform::BoxFuture;

/// What the schedule does to the open connection.
#[derive(Debug, Clone)]
pub(super) enum Order {
    /// The server's close handshake.
    Close(u16, String),
    /// The connection breaks: no close frame.
    Drop,
    /// From now on the server neither reads, nor answers, nor obeys any order but `Drop`.
    Stall,
    /// A text message to the client.
    Send(String),
}

/// The server: how it answers attempts, the open connection's orders, what it saw.
#[derive(Default)]
pub(super) struct Net {
    answers: VecDeque<Answer>,
    /// The open connection's orders (the latest connection that completed its handshake).
    current: Option<(u64, UnboundedSender<Order>)>,
    /// Connections whose handshake completed and that have not ended, from the server's
    /// side, with whether they stalled.
    pub(super) live: Vec<(u64, bool)>,
    next_id: u64,
    /// Attempts made (`Transport::connect` calls), with their times.
    pub(super) attempts: Vec<u64>,
    /// Handshakes the server completed, with their times.
    pub(super) handshakes: Vec<u64>,
    /// Connections that opened while another one was live and answering.
    pub(super) overlaps: u32,
    pub(super) trace: Trace,
}

/// The transport over [`Net`].
#[derive(Clone)]
pub(super) struct SimNet(pub(super) Arc<Mutex<Net>>);

impl SimNet {
    pub(super) fn new(answers: &[Answer]) -> SimNet {
        SimNet(Arc::new(Mutex::new(Net {
            answers: answers.iter().copied().collect(),
            ..Net::default()
        })))
    }

    fn net(&self) -> std::sync::MutexGuard<'_, Net> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands an order to the open connection; false with none (or a stalled one).
    pub(super) fn order(&self, order: Order) -> bool {
        let net = self.net();
        net.current
            .as_ref()
            .is_some_and(|(_, tx)| tx.send(order).is_ok())
    }
}

impl Transport for SimNet {
    fn connect(&self, _host: &str, _port: u16) -> BoxFuture<io::Result<Box<dyn Io>>> {
        let answer = {
            let mut net = self.net();
            net.attempts.push(clock());
            net.answers.pop_front().unwrap_or(Answer::Open)
        };
        let net = self.clone();
        Box::pin(async move {
            if let Answer::Refuse = answer {
                return Err(io::ErrorKind::ConnectionRefused.into());
            }
            let (client, server) = tokio::io::duplex(1 << 20);
            match answer {
                Answer::Hang => {
                    // Accepted, never answered: the server holds the pipe and reads nothing.
                    tokio::spawn(async move {
                        let _held = server;
                        std::future::pending::<()>().await
                    });
                }
                _ => {
                    tokio::spawn(serve(net, server));
                }
            }
            Ok(Box::new(client) as Box<dyn Io>)
        })
    }
}

/// One connection's server: the handshake, then orders and the client's messages, as they
/// come. Pings ("ping") are answered ("pong"); other text is recorded as received.
async fn serve(net: SimNet, stream: tokio::io::DuplexStream) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (tx, mut rx): (_, UnboundedReceiver<Order>) = unbounded_channel();
    let id = {
        let mut net = net.net();
        if net.live.iter().any(|(_, stalled)| !stalled) {
            net.overlaps += 1;
        }
        net.handshakes.push(clock());
        net.next_id += 1;
        let id = net.next_id;
        net.live.push((id, false));
        net.current = Some((id, tx));
        id
    };
    loop {
        tokio::select! {
            biased;
            order = rx.recv() => match order {
                Some(Order::Close(code, reason)) => {
                    let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
                    if ws.send(Wire::Close(Some(frame))).await.is_err() {
                        break;
                    }
                }
                Some(Order::Drop) | None => break,
                Some(Order::Stall) => {
                    for (i, stalled) in &mut net.net().live {
                        *stalled |= *i == id;
                    }
                    // Never read or written again; the connection may still break.
                    while let Some(order) = rx.recv().await {
                        if let Order::Drop = order {
                            break;
                        }
                    }
                    break;
                }
                Some(Order::Send(text)) => {
                    if ws.send(Wire::text(text)).await.is_err() {
                        break;
                    }
                }
            },
            message = ws.next() => match message {
                Some(Ok(Wire::Text(text))) if text.as_str() == "ping" => {
                    net.net().trace.pongs.push(clock());
                    if ws.send(Wire::text("pong")).await.is_err() {
                        break;
                    }
                }
                Some(Ok(Wire::Text(text))) => {
                    net.net().trace.server_got.push((clock(), text.as_str().to_owned()));
                }
                // The client's close frame: tungstenite answers it as the stream goes on.
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break,
            },
        }
    }
    let mut net = net.net();
    net.live.retain(|(i, _)| *i != id);
    if net.current.as_ref().is_some_and(|(i, _)| *i == id) {
        net.current = None;
    }
}
