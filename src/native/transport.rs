//! The transport: the one piece of I/O under a native socket that is not the WebSocket
//! protocol, a byte stream to the server's host and port. TCP in every build; the simulation
//! (`crate::reconnect::sim`, tests only) puts an in-memory server behind it, so the real
//! shells (the reconnecting socket's driver, this face's driver, tungstenite) run on a
//! simulated network and clock, each schedule deterministic.
//!
//! Everything above it is the same on both: TLS (for `wss://`), the handshake, frames,
//! timeouts. The clock is tokio's (`crate::platform::now` reads it), which a paused runtime
//! advances only when every task waits.

use std::fmt;
use std::io;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};

use crate::platform::BoxFuture;

/// A byte stream to a server.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Opens byte streams to servers.
pub(crate) trait Transport: Send + Sync + 'static {
    /// A stream to `host:port` (an IPv6 host without its brackets).
    fn connect(&self, host: &str, port: u16) -> BoxFuture<io::Result<Box<dyn Io>>>;
}

/// A transport, shared by the attempts of a socket.
#[derive(Clone)]
pub(crate) struct Shared(pub(crate) Arc<dyn Transport>);

impl Default for Shared {
    fn default() -> Self {
        Shared(Arc::new(Tcp))
    }
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Transport")
    }
}

/// TCP, with Nagle's algorithm off (a WebSocket message is written at once, as a browser
/// does).
struct Tcp;

impl Transport for Tcp {
    fn connect(&self, host: &str, port: u16) -> BoxFuture<io::Result<Box<dyn Io>>> {
        let addr = (host.to_owned(), port);
        Box::pin(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            Ok(Box::new(stream) as Box<dyn Io>)
        })
    }
}
