//! The one error type of sockwave: pure data, no web-sys, tested natively.

use crate::CloseEvent;

/// Everything that can go wrong with a sockwave socket.
///
/// Variants carry the input or the [`CloseEvent`] that caused them. Programmer errors
/// (`InvalidUrl`, `InvalidProtocol`, `InvalidCloseCode`, `ReasonTooLong`, `NotOpen`) leave the
/// socket as it was; `ConnectFailed`, `ConnectTimeout` and `ConnectionLost` are how a connection
/// ends badly; `Closed` is the normal answer to sending on a socket that has closed.
///
/// ```
/// use sockwave::Error;
/// let e = Error::ReasonTooLong { len: 130 };
/// assert_eq!(e.name(), "ReasonTooLong");
/// assert_eq!(e.to_string(), "close reason is 130 UTF-8 bytes, the limit is 123");
/// ```
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The browser's `WebSocket` constructor rejected the URL: unparsable, a scheme other than
    /// ws/wss (or http/https in browsers that map them), a fragment, or a blocked port.
    ///
    /// Its `Display` and `Debug` show the URL without its secrets, as every text of
    /// sockwave's does: no userinfo, the query and fragment as `?…` / `#…`
    /// (`wss://host:9/chat?…`), also where the reason quotes it. The fields keep what was
    /// given, for the app to fix: log the error, not the fields.
    #[error("invalid WebSocket URL {:?}: {}", crate::redact::redact_url(.url), crate::redact::redact_reason(.reason, .url))]
    InvalidUrl {
        /// The URL as given (secrets included: see above).
        url: String,
        /// Why it was rejected, in the browser's words when it gave any (which may quote the
        /// URL).
        reason: String,
    },
    /// Natively: a request header given to the builder is not a valid one: its name is not an
    /// RFC 7230 token, or its value holds a byte other than visible ASCII, space and tab
    /// (CR, LF, NUL, a byte above 0x7F). Refused before any connection; the value is never
    /// shown (it is often a credential).
    #[error("invalid request header {name:?}: {reason}")]
    InvalidHeader {
        /// The header's name, as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A subprotocol offered to the server is not a valid token, or is offered twice.
    #[error("invalid subprotocol {protocol:?}: {reason}")]
    InvalidProtocol {
        /// The offending protocol name.
        protocol: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The socket closed before it opened: nothing listening, handshake refused (e.g. HTTP 403),
    /// subprotocol mismatch, network failure. Browsers report all of these as code 1006 and
    /// deliberately hide the cause.
    #[error("connection failed before opening ({0})")]
    ConnectFailed(CloseEvent),
    /// The connect timeout set with
    /// [`WebSocketBuilder::connect_timeout`](crate::WebSocketBuilder::connect_timeout) fired
    /// before the socket opened; the attempt was abandoned.
    #[error("connection timed out before opening")]
    ConnectTimeout,
    /// A close code a client may not send (only 1000 and 3000..=4999 are allowed). The socket is
    /// untouched.
    #[error("close code {0} may not be sent by a client (allowed: 1000, 3000..=4999)")]
    InvalidCloseCode(u16),
    /// A close reason longer than 123 UTF-8 bytes. The socket is untouched.
    #[error("close reason is {len} UTF-8 bytes, the limit is 123")]
    ReasonTooLong {
        /// The reason's length in UTF-8 bytes.
        len: usize,
    },
    /// A message was sent without waiting for the socket to open (e.g. `start_send` without
    /// `poll_ready`). Await `Sink::send`, which waits for `open`, instead.
    #[error("the socket is still connecting")]
    NotOpen,
    /// The socket is closing or closed, so the message was not sent. (The browser itself would
    /// silently drop it and grow `bufferedAmount`.)
    #[error("the socket is closed")]
    Closed,
    /// The connection was lost without a clean closing handshake (typically code 1006: the
    /// server or the network dropped it). Yielded once by the message stream, before it ends.
    #[error("connection lost ({0})")]
    ConnectionLost(CloseEvent),
    /// The reconnecting socket's send queue is full while disconnected: the message was not
    /// queued (never a silent drop). Wait for [`ConnectionState::Open`](crate::reconnect::ConnectionState::Open)
    /// or raise the builder's `queue_limit`.
    #[error("send queue full ({limit} messages) while disconnected")]
    QueueFull {
        /// The configured queue limit.
        limit: usize,
    },
    /// More received messages were waiting to be read than `max_buffered_bytes` allows: the
    /// socket was closed (code [`RECEIVE_OVERFLOW_CODE`](crate::RECEIVE_OVERFLOW_CODE)) and
    /// the stream, after the messages that fit, yields this once and ends. A reader too slow
    /// for its sender, or a limit too low for the traffic.
    #[error("more than {limit} bytes of received messages waiting to be read")]
    ReceiveOverflow {
        /// The configured limit, in bytes.
        limit: usize,
    },
    /// The reconnecting socket stopped because `should_reconnect` declined this close.
    #[error("not reconnecting after {0}")]
    ReconnectRefused(CloseEvent),
    /// The reconnecting socket gave up after `max_retries` failed attempts in a row.
    #[error("gave up after {attempts} reconnection attempts (last: {last})")]
    RetriesExhausted {
        /// How many reconnection attempts were made.
        attempts: u32,
        /// How the last connection or attempt ended.
        last: CloseEvent,
    },
    /// Natively: a socket was opened outside a tokio runtime, which its task needs (start one,
    /// e.g. with `#[tokio::main]`). Never in the browser.
    #[error("no tokio runtime to run the socket on")]
    NoRuntime,
    /// A received message that the typed socket's codec could not decode (`typed::Typed`,
    /// feature `codec`). Not the end: the message is skipped, and the stream
    /// goes on with the next one.
    #[error("a received message did not decode: {reason}")]
    Decode {
        /// The codec's error, as its `Debug` shows it.
        reason: String,
    },
    /// A value that the typed socket's codec could not encode: nothing was sent, the socket is
    /// untouched.
    #[error("a message to send did not encode: {reason}")]
    Encode {
        /// The codec's error, as its `Debug` shows it.
        reason: String,
    },
    /// The browser threw an exception sockwave did not expect; carries its name and message.
    #[error("browser error {name}: {message}")]
    Browser {
        /// The exception's `name` (e.g. `InvalidStateError`).
        name: String,
        /// The exception's `message`.
        message: String,
    },
}

/// As derived, but an `InvalidUrl` shows its URL without secrets (see there).
impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::redact::{redact_reason, redact_url};
        match self {
            Error::InvalidUrl { url, reason } => f
                .debug_struct("InvalidUrl")
                .field("url", &redact_url(url))
                .field("reason", &redact_reason(reason, url))
                .finish(),
            Error::InvalidHeader { name, reason } => f
                .debug_struct("InvalidHeader")
                .field("name", name)
                .field("reason", reason)
                .finish(),
            Error::InvalidProtocol { protocol, reason } => f
                .debug_struct("InvalidProtocol")
                .field("protocol", protocol)
                .field("reason", reason)
                .finish(),
            Error::ConnectFailed(close) => f.debug_tuple("ConnectFailed").field(close).finish(),
            Error::InvalidCloseCode(code) => f.debug_tuple("InvalidCloseCode").field(code).finish(),
            Error::ReasonTooLong { len } => {
                f.debug_struct("ReasonTooLong").field("len", len).finish()
            }
            Error::ConnectionLost(close) => f.debug_tuple("ConnectionLost").field(close).finish(),
            Error::QueueFull { limit } => {
                f.debug_struct("QueueFull").field("limit", limit).finish()
            }
            Error::ReceiveOverflow { limit } => f
                .debug_struct("ReceiveOverflow")
                .field("limit", limit)
                .finish(),
            Error::ReconnectRefused(close) => {
                f.debug_tuple("ReconnectRefused").field(close).finish()
            }
            Error::RetriesExhausted { attempts, last } => f
                .debug_struct("RetriesExhausted")
                .field("attempts", attempts)
                .field("last", last)
                .finish(),
            Error::Decode { reason } | Error::Encode { reason } => {
                f.debug_struct(self.name()).field("reason", reason).finish()
            }
            Error::Browser { name, message } => f
                .debug_struct("Browser")
                .field("name", name)
                .field("message", message)
                .finish(),
            Error::ConnectTimeout | Error::NotOpen | Error::Closed | Error::NoRuntime => {
                f.write_str(self.name())
            }
        }
    }
}

impl Error {
    /// A stable, machine-readable name for the variant (`"InvalidUrl"`, `"Closed"`, ...): the
    /// `name` of the errors thrown by the JavaScript API.
    pub fn name(&self) -> &'static str {
        match self {
            Error::InvalidUrl { .. } => "InvalidUrl",
            Error::InvalidHeader { .. } => "InvalidHeader",
            Error::InvalidProtocol { .. } => "InvalidProtocol",
            Error::ConnectFailed(_) => "ConnectFailed",
            Error::ConnectTimeout => "ConnectTimeout",
            Error::InvalidCloseCode(_) => "InvalidCloseCode",
            Error::ReasonTooLong { .. } => "ReasonTooLong",
            Error::NotOpen => "NotOpen",
            Error::Closed => "Closed",
            Error::ConnectionLost(_) => "ConnectionLost",
            Error::QueueFull { .. } => "QueueFull",
            Error::ReceiveOverflow { .. } => "ReceiveOverflow",
            Error::ReconnectRefused(_) => "ReconnectRefused",
            Error::RetriesExhausted { .. } => "RetriesExhausted",
            Error::NoRuntime => "NoRuntime",
            Error::Decode { .. } => "Decode",
            Error::Encode { .. } => "Encode",
            Error::Browser { .. } => "BrowserError",
        }
    }

    /// The close event behind `ConnectFailed`, `ConnectionLost`, `ReconnectRefused` and
    /// `RetriesExhausted`, if any.
    pub fn close_event(&self) -> Option<&CloseEvent> {
        match self {
            Error::ConnectFailed(ev)
            | Error::ConnectionLost(ev)
            | Error::ReconnectRefused(ev)
            | Error::RetriesExhausted { last: ev, .. } => Some(ev),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_and_messages_carry_context() {
        let e = Error::InvalidUrl {
            url: "nope".into(),
            reason: "no scheme".into(),
        };
        assert_eq!(e.name(), "InvalidUrl");
        assert_eq!(e.to_string(), "invalid WebSocket URL \"nope\": no scheme");
        let ev = CloseEvent {
            code: 1006,
            reason: String::new(),
            was_clean: false,
        };
        let lost = Error::ConnectionLost(ev.clone());
        assert_eq!(lost.close_event(), Some(&ev));
        assert_eq!(lost.to_string(), "connection lost (code 1006, unclean)");
        assert_eq!(Error::Closed.close_event(), None);
    }
}
