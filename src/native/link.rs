//! The open connection of a native socket: held in the socket's `Core` (`core.rs`), read by
//! its driver task and written to by whichever task sends (`driver.rs`).

use std::task::Waker;

use tokio_tungstenite::WebSocketStream;

use super::transport::Io;

/// The WebSocket over the byte stream (TLS, if any, and the close watch inside it).
pub(super) type Socket = WebSocketStream<Box<dyn Io>>;

/// The open connection, in the [`Core`] so that senders can write to it.
pub(crate) struct Link {
    pub(super) ws: Socket,
    /// The driver task's waker: the one every poll of `ws` registers.
    pub(super) driver: Waker,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Link")
    }
}
