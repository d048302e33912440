//! An echo chat written once for both targets on sockwave's Rust API: a
//! `ReconnectingWebSocket` (backoff with jitter, a send queue across connections) and the
//! connection's state as it changes. [`chat`] is the whole app; a front-end gives it the lines
//! typed and shows what it reports: the page (DOM through web-sys, built by `npm start` into
//! `www/rust/pkg/`) or a terminal (`cargo run -p sockwave-echo-chat -- ws://...`, `src/main.rs`).

use std::time::Duration;

use futures::channel::mpsc;
use futures::{SinkExt, Stream, StreamExt};
use sockwave::reconnect::{Backoff, ConnectionState, ReconnectingWebSocket};
use sockwave::Message;

/// What the chat reports: a line for the log, or the connection's status, each with a class
/// (`message`, `sent`, `open`, `error`, `connecting`, `connected`, `reconnecting`, or "").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Show {
    /// The status line.
    Status(String, &'static str),
    /// A line of the log.
    Log(String, &'static str),
}

/// The chat: connects to `url` and keeps connecting, sends every line of `typed` (queued while
/// disconnected, sent in order once back), and reports everything through `show`. When
/// `typed` ends, it waits (at most 5 s) for the echoes of what it sent, closes, and returns.
/// One task, three parts joined: the writer, the reader, the state.
pub async fn chat(url: String, typed: impl Stream<Item = String> + Unpin, show: impl Fn(Show)) {
    let ws = ReconnectingWebSocket::builder(url.as_str())
        .backoff(
            Backoff::exponential(Duration::from_secs(1), Duration::from_secs(10)).full_jitter(),
        )
        .connect_timeout(Duration::from_secs(5))
        .build();
    let mut states = ws.states();
    let (mut tx, mut rx) = ws.split();
    let show = &show;
    // Echoes received, told to the writer so that it closes only once they are all back.
    let (echoed, mut echoes) = mpsc::unbounded::<()>();

    let writer = async move {
        let mut typed = typed;
        let mut sent = 0usize;
        while let Some(text) = typed.next().await {
            match tx.send(Message::text(text.as_str())).await {
                Ok(()) => {
                    sent += 1;
                    show(Show::Log(format!("sent: {text}"), "sent"));
                }
                Err(e) => show(Show::Log(format!("not sent: {e}"), "error")),
            }
        }
        let all_back = async {
            for _ in 0..sent {
                if echoes.next().await.is_none() {
                    return;
                }
            }
        };
        let timeout = sleep(Duration::from_secs(5));
        futures::pin_mut!(all_back, timeout);
        futures::future::select(all_back, timeout).await;
        let _ = tx.close().await;
    };
    let reader = async move {
        while let Some(item) = rx.next().await {
            match item {
                Ok(Message::Text(text)) => show(Show::Log(format!("echo: {text}"), "message")),
                Ok(Message::Binary(bytes)) => {
                    show(Show::Log(format!("echo: {} bytes", bytes.len()), "message"))
                }
                Err(e) => show(Show::Log(format!("stopped: {e}"), "error")),
            }
            let _ = echoed.unbounded_send(());
        }
    };
    let state = async move {
        while let Some(state) = states.next().await {
            match state {
                ConnectionState::Connecting { .. } => {
                    show(Show::Status(format!("connecting to {url}…"), "connecting"))
                }
                ConnectionState::Open => {
                    show(Show::Status(format!("connected to {url}"), "connected"));
                    show(Show::Log("connected".into(), "open"));
                }
                ConnectionState::Disconnected { close, in_flight } => show(Show::Log(
                    format!(
                        "disconnected: connection lost ({close}); {} message(s) in flight",
                        in_flight.messages
                    ),
                    "error",
                )),
                ConnectionState::Reconnecting { attempt, delay } => {
                    // In the log too: with full jitter the delay can be a few milliseconds,
                    // too short for anyone to read the status line.
                    let text = format!(
                        "reconnecting in {:.1} s (attempt {attempt})",
                        delay.as_secs_f64()
                    );
                    show(Show::Status(
                        format!("disconnected; {text}"),
                        "reconnecting",
                    ));
                    show(Show::Log(text, ""));
                }
                ConnectionState::Closed(close) => {
                    show(Show::Status(format!("closed ({close})"), "error"))
                }
                // This loop reads every state as it comes: none is ever missed.
                ConnectionState::Missed(_) => {}
            }
        }
    };
    futures::join!(writer, reader, state);
}

/// A timer on this target.
async fn sleep(d: Duration) {
    #[cfg(target_family = "wasm")]
    gloo_timers::future::sleep(d).await;
    #[cfg(not(target_family = "wasm"))]
    tokio::time::sleep(d).await;
}

pub mod classic;

#[cfg(target_family = "wasm")]
mod web;
