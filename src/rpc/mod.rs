//! Calls: JSON-RPC 2.0 over any sockwave socket, with timeouts, notifications, and an answer
//! to "did the server get my request?" when a connection dies (Cargo feature `jsonrpc`).
//!
//! A [`Client`] owns a socket and runs it in a task: it gives every request an id, matches
//! each response to its call, and hands the server's notifications to
//! [`Client::notifications`] streams (bounded: [`OBSERVER_CAPACITY`](crate::OBSERVER_CAPACITY)
//! unread, then one [`Notified::Missed`]). A call waits at most its timeout
//! ([`DEFAULT_CALL_TIMEOUT`], 30 s, by default).
//!
//! When the connection ends before the answer, the call fails with
//! [`CallError::Disconnected`], whose `handed` says whether its request had been handed to
//! the connection that died (the server may have run it) or never left. Over a
//! [`ReconnectingWebSocket`]
//! ([`Client::reconnecting`]) a disconnection fails only the calls whose requests the dead
//! connection was given (the socket's in-flight report names them): requests still queued go
//! out on the next connection, and a call marked [`idempotent`](Call::idempotent) is sent
//! again there instead of failing.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use futures::StreamExt;
//! use sockwave::reconnect::ReconnectingWebSocket;
//! use sockwave::rpc::{CallError, Client, Notified};
//!
//! let ws = ReconnectingWebSocket::builder("ws://127.0.0.1:9998/rpc").build();
//! let client = Client::reconnecting(ws)?;
//! let sum: i64 = client.call("add", (2, 3)).await?;
//! let balance: f64 = client
//!     .call("balance", ["alice"])
//!     .timeout(Duration::from_secs(5))
//!     .idempotent() // safe to run twice: sent again after a reconnection
//!     .await?;
//! match client.call::<()>("transfer", (1, 2, 50)).await {
//!     Err(CallError::Disconnected { handed: true }) => { /* maybe done: ask the server */ }
//!     other => { other?; }
//! }
//! let mut news = client.notifications();
//! while let Some(Notified::Notification(n)) = news.next().await {
//!     let item: serde_json::Value = n.params()?;
//!     println!("{}: {item}", n.method);
//! }
//! # let _ = (sum, balance); Ok(()) }
//! ```

mod call;
mod driver;
mod wire;

use std::fmt;
use std::time::Duration;

use futures_channel::mpsc;
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use call::Call;

use crate::events::{Feed, Observed, Observer};
#[cfg(not(target_family = "wasm"))]
use crate::platform::LockExt;
use crate::platform::{Lock, Ptr, WasmNotSend};
use crate::reconnect::ReconnectingWebSocket;
use crate::{Error, Message};

/// How long a call waits for its answer, by default: 30 s.
pub const DEFAULT_CALL_TIMEOUT: Duration =
    Duration::from_millis(crate::machine::DEFAULT_CALL_TIMEOUT);

/// A JSON-RPC 2.0 client over one socket; cheap to clone (every clone is the same client).
/// Dropping the last clone closes the socket. See [the module](self).
#[derive(Clone)]
pub struct Client {
    shared: Ptr<Lock<driver::Shared>>,
    outgoing: mpsc::UnboundedSender<driver::Command>,
    timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = self.shared.borrow();
        f.debug_struct("Client")
            .field("pending", &shared.pending.len())
            .field("ended", &shared.ended)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl Client {
    /// A client over `socket` (a [`WebSocket`](crate::WebSocket), a [`Detached`](crate::Detached),
    /// ...), run by a task of its own; natively that takes a tokio runtime
    /// ([`Error::NoRuntime`] without one). When the socket's connection ends, every pending
    /// call fails with [`CallError::Disconnected`] and later calls with [`CallError::Closed`].
    pub fn new<S>(socket: S) -> Result<Client, Error>
    where
        S: futures_core::Stream<Item = Result<Message, Error>>
            + futures_sink::Sink<Message, Error = Error>
            + Unpin
            + WasmNotSend
            + 'static,
    {
        driver::start(socket, None)
    }

    /// A client over a reconnecting socket: it lives across connections. A disconnection fails
    /// only the calls whose requests were handed to the dead connection (or sends them again,
    /// for [idempotent](Call::idempotent) calls); the client ends when the socket stops.
    pub fn reconnecting(socket: ReconnectingWebSocket) -> Result<Client, Error> {
        let states = socket.states();
        driver::start(socket, Some((states, ReconnectingWebSocket::next_seq)))
    }

    /// The timeout of every call made through this handle from now on (each call may set its
    /// own: [`Call::timeout`]).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Calls `method` with `params` (a tuple or a slice for positional params, a struct or a
    /// map for named ones, `()` for none), and decodes the result as `R`. Await it, or set
    /// its timeout and idempotence first ([`Call`]).
    pub fn call<R: DeserializeOwned>(&self, method: &str, params: impl Serialize) -> Call<R> {
        let id = self.shared.borrow_mut().next_id();
        let request = wire::request(Some(id), method, &params).map_err(CallError::from);
        Call::new(self.clone(), id, request)
    }

    /// Sends a notification (a request with no id: no answer comes); done once the socket took
    /// it (sent, or queued by a reconnecting socket), in order with the calls. `QueueFull` when
    /// a reconnecting socket's queue is full, `Closed` once the client ended.
    pub async fn notify(&self, method: &str, params: impl Serialize) -> Result<(), CallError> {
        let text = wire::request(None, method, &params)?;
        let (taken, done) = futures_channel::oneshot::channel();
        self.outgoing
            .unbounded_send(driver::Command::Send(driver::Outgoing::Notify(text, taken)))
            .map_err(|_| CallError::Closed)?;
        done.await.unwrap_or(Err(CallError::Closed))
    }

    /// A `Stream` of what the server sends unasked (notifications, subscription items) and of
    /// the messages this client could not match, from now on, in order; it ends with the
    /// client. Each stream gets every item; one that falls behind by
    /// [`OBSERVER_CAPACITY`](crate::OBSERVER_CAPACITY) gets [`Notified::Missed`].
    pub fn notifications(&self) -> Notifications {
        let feed = Feed::new();
        let mut shared = self.shared.borrow_mut();
        if shared.ended {
            drop(shared);
            let _ = Feed::finish(&feed);
        } else {
            shared.subscribers.push(Ptr::downgrade(&feed));
        }
        Observer { feed }
    }

    /// Closes the socket (code 1000): pending calls fail with
    /// [`CallError::Disconnected`], later ones with [`CallError::Closed`].
    pub fn close(&self) {
        let _ = self.outgoing.unbounded_send(driver::Command::Close);
    }
}

/// A stream of [`Notified`] items: see [`Client::notifications`].
pub type Notifications = Observer<Notified>;

/// What a [`Notifications`] stream yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Notified {
    /// A notification from the server.
    Notification(Notification),
    /// A message this client could not match (not JSON-RPC, an unknown id, an error object
    /// for a request the server could not read): why. The stream goes on.
    Unmatched(String),
    /// This many items were dropped here: the stream was not read fast enough.
    Missed(u64),
}

impl Observed for Notified {
    fn missed(n: u64) -> Self {
        Notified::Missed(n)
    }
    fn is_last(&self) -> bool {
        false
    }
}

/// A JSON-RPC notification: a method and its params, unanswered.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The method's name.
    pub method: String,
    /// The params as JSON text (`null` when none came).
    pub params: String,
}

impl Notification {
    /// The params decoded as `T`.
    pub fn params<T: DeserializeOwned>(&self) -> Result<T, CallError> {
        serde_json::from_str(&self.params).map_err(|e| CallError::Decode {
            reason: e.to_string(),
        })
    }
}

/// The error object a server answered a call with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the server answered {code}: {message}")]
pub struct RpcError {
    /// The error's code (-32601: no such method, -32602: invalid params, ...).
    pub code: i64,
    /// The server's message.
    pub message: String,
    /// The server's extra data, if any.
    pub data: Option<serde_json::Value>,
}

/// Why a call has no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The server answered with an error.
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// No answer within the call's timeout. `handed`: its request had been handed to a
    /// connection (the server may have run it); false when it never left this client (a
    /// reconnecting socket held it, waiting for a connection).
    #[error("no answer within the timeout (request {})", handed_text(*handed))]
    Timeout {
        /// Whether the request had been handed to a connection.
        handed: bool,
    },
    /// The connection ended before the answer. `handed`: its request had been handed to the
    /// connection that died (the server may have run it); false when it never left.
    #[error("the connection ended before the answer (request {})", handed_text(*handed))]
    Disconnected {
        /// Whether the request had been handed to the connection that died.
        handed: bool,
    },
    /// The answer came, and its result does not decode as the type asked for.
    #[error("the result did not decode: {reason}")]
    Decode {
        /// serde_json's error.
        reason: String,
    },
    /// The params did not encode: nothing was sent.
    #[error("the params did not encode: {reason}")]
    Encode {
        /// serde_json's error.
        reason: String,
    },
    /// The client's socket had ended (or it was closed) before this call: nothing was sent.
    #[error("the client is closed")]
    Closed,
    /// A reconnecting socket's send queue was full while disconnected: the request was not
    /// sent (never a silent drop; see [`Error::QueueFull`]).
    #[error("send queue full ({limit} messages) while disconnected")]
    QueueFull {
        /// The socket's queue limit.
        limit: usize,
    },
}

fn handed_text(handed: bool) -> &'static str {
    if handed {
        "handed to the connection"
    } else {
        "never sent"
    }
}

/// What a socket's error means for a call: `Encode` and `QueueFull` as they are; any other
/// (the socket closed, no runtime) means the call never left.
impl From<Error> for CallError {
    fn from(error: Error) -> Self {
        match error {
            Error::Encode { reason } => CallError::Encode { reason },
            Error::QueueFull { limit } => CallError::QueueFull { limit },
            _ => CallError::Disconnected { handed: false },
        }
    }
}
