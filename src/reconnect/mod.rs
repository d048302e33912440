//! A socket that comes back by itself: reconnection with backoff, a send queue that survives
//! disconnections, heartbeats and idle timeouts.
//!
//! One `Stream` of messages across connections, one `Sink` that queues while disconnected and
//! flushes the queue in order on reopen. A driver task (`spawn_local`) owns the current
//! [`WebSocket`](crate::WebSocket); the handle and the driver share a small state.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sockwave::Error> {
//! use std::time::Duration;
//! use futures::{SinkExt, StreamExt};
//! use sockwave::{Message, CloseEvent};
//! use sockwave::reconnect::{Backoff, ConnectionState, ReconnectingWebSocket};
//!
//! let ms = Duration::from_millis;
//! let mut ws = ReconnectingWebSocket::builder("ws://127.0.0.1:9998/echo")
//!     .backoff(Backoff::exponential(ms(250), ms(10_000)).factor(2.0).full_jitter())
//!     .max_retries(Some(20))
//!     .should_reconnect(|ev: &CloseEvent| ev.code != 4401)
//!     .queue_limit(1024)
//!     .heartbeat(ms(15_000), ms(5_000), Message::text("ping"), |m: &Message| m.as_text() == Some("pong"))
//!     .build();
//! let mut states = ws.states();
//! ws.send(Message::text("hello")).await?;   // queued if disconnected, Err(QueueFull) when full
//! while let Some(message) = ws.next().await {
//!     println!("{:?}", message?);
//! }
//! # Ok(()) }
//! ```

//! The same on every target: in the browser a `spawn_local` task drives it and the page's
//! events (`online`, `offline`, `pagehide`, `pageshow`, `visibilitychange`, `resume`) feed it;
//! natively a tokio task drives it (every handle `Send + Sync`) and the app tells it what the
//! OS knows ([`ReconnectingWebSocket::set_online`], [`ReconnectingWebSocket::resumed`]).

mod builder;
mod driver;
#[cfg(target_family = "wasm")]
mod environment;
mod receive;
mod shared;
#[cfg(all(test, not(target_family = "wasm")))]
mod sim;
mod socket;
mod state;

pub use crate::machine::{Backoff, DEFAULT_MIN_UPTIME, DEFAULT_QUEUE_LIMIT};
pub use builder::ReconnectingBuilder;
pub use socket::{ReconnectingWebSocket, States};
pub use state::{ConnectionState, InFlight, HEARTBEAT_TIMEOUT_CODE, IDLE_TIMEOUT_CODE};
