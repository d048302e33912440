#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

// Pure types: no web-sys, tested natively by `cargo test`.
mod close;
mod error;
mod message;
mod protocol;
mod state;

// The browser layer: listeners, then the socket core, then Stream / Sink / events on top.
mod events;
mod listeners;
mod sink;
mod socket;
mod stream;
mod timer;
mod websocket;

pub mod reconnect;

// The JavaScript API of the npm package.
#[cfg(feature = "js")]
mod js;

pub use close::{validate_close, CloseCode, CloseEvent, MAX_REASON_BYTES};
pub use error::Error;
pub use events::{Events, Observer};
pub use message::Message;
pub use state::{ReadyState, WsEvent};
pub use websocket::{
    Connect, ReadHalf, WebSocket, WebSocketBuilder, WriteHalf, DEFAULT_HIGH_WATER_MARK,
};

/// How many browser event listeners sockwave has attached right now: 4 per live socket, 0 once
/// every socket has been dropped. For leak checks in tests and long-running pages.
///
/// ```
/// assert_eq!(sockwave::live_listeners(), 0);
/// ```
pub fn live_listeners() -> usize {
    listeners::live()
}
