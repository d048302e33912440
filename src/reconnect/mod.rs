//! A socket that comes back by itself: reconnection with backoff, a send queue that survives
//! disconnections, heartbeats and idle timeouts.
//!
//! One `Stream` of messages across connections, one `Sink` that queues while disconnected and
//! flushes the queue in order on reopen. A driver task (`spawn_local`) owns the current
//! [`WebSocket`](crate::WebSocket); the handle and the driver share a small state.
//!
//! ```no_run
//! # #[cfg(target_family = "wasm")]
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

//! In the browser today; natively (tokio) next. The pure parts ([`Backoff`],
//! [`ConnectionState`], [`InFlight`], the codes) are the same on every target.

#[cfg(target_family = "wasm")]
mod builder;
#[cfg(target_family = "wasm")]
mod driver;
#[cfg(target_family = "wasm")]
mod environment;
#[cfg(target_family = "wasm")]
mod shared;
#[cfg(target_family = "wasm")]
mod socket;
mod state;

pub use crate::machine::{Backoff, DEFAULT_QUEUE_LIMIT};
#[cfg(target_family = "wasm")]
pub use builder::ReconnectingBuilder;
#[cfg(target_family = "wasm")]
pub use socket::{ReconnectingWebSocket, States};
pub use state::{ConnectionState, InFlight, HEARTBEAT_TIMEOUT_CODE, IDLE_TIMEOUT_CODE};
