//! The socket's ready state and events: pure data, no web-sys, tested natively.

use crate::{CloseEvent, Message};

/// The state of a socket, as the browser's `readyState` (0..=3) but as an enum.
///
/// ```
/// use sockwave::ReadyState;
/// assert_eq!(ReadyState::from(1), ReadyState::Open);
/// assert_eq!(u16::from(ReadyState::Closed), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadyState {
    /// 0: the opening handshake is under way.
    Connecting,
    /// 1: open; messages can be sent and received.
    Open,
    /// 2: the closing handshake is under way.
    Closing,
    /// 3: closed, or could not be opened.
    Closed,
}

impl From<u16> for ReadyState {
    /// 0, 1 and 2 map to their state; anything else is `Closed`.
    fn from(n: u16) -> Self {
        match n {
            0 => ReadyState::Connecting,
            1 => ReadyState::Open,
            2 => ReadyState::Closing,
            _ => ReadyState::Closed,
        }
    }
}

impl From<ReadyState> for u16 {
    fn from(s: ReadyState) -> u16 {
        s as u16
    }
}

/// One of the browser's four socket events, as yielded by
/// [`WebSocket::events`](crate::WebSocket::events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsEvent {
    /// `open`: the handshake completed.
    Open,
    /// `message`: a message arrived (a copy; the message stream still gets it).
    Message(Message),
    /// `error`: the browser reports a failure (it gives no detail); a `Close` follows.
    Error,
    /// `close`: the socket closed. Always the last event.
    Close(CloseEvent),
    /// Not a browser event: this many events were dropped here because the observer fell
    /// behind ([`OBSERVER_CAPACITY`](crate::OBSERVER_CAPACITY) events waited unread).
    Missed(u64),
}

impl crate::events::Observed for WsEvent {
    fn missed(n: u64) -> Self {
        WsEvent::Missed(n)
    }
    fn is_last(&self) -> bool {
        matches!(self, WsEvent::Close(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_state_numbers() {
        for n in 0..=3u16 {
            assert_eq!(u16::from(ReadyState::from(n)), n);
        }
        assert_eq!(ReadyState::from(9), ReadyState::Closed);
    }
}
