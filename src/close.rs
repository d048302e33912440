//! Close codes and close events: pure types, no web-sys, tested natively.

use std::fmt;

use crate::Error;

pub use crate::machine::RECEIVE_OVERFLOW_CODE;

/// The most UTF-8 bytes a close reason may have (RFC 6455 §5.5: 125-byte control payload, less
/// the 2-byte code).
pub const MAX_REASON_BYTES: usize = crate::machine::MAX_REASON_BYTES;

/// A WebSocket close status code (RFC 6455 §7.4), covering every `u16`.
///
/// `From<u16>` never fails: named codes map to their variant, 3000..=3999 to [`CloseCode::Iana`],
/// 4000..=4999 to [`CloseCode::PrivateUse`] and everything else to [`CloseCode::Other`]. Whether a
/// *client* may send a code is [`CloseCode::is_sendable`].
///
/// ```
/// use sockwave::CloseCode;
/// assert_eq!(CloseCode::from(1000), CloseCode::Normal);
/// assert_eq!(CloseCode::from(4001), CloseCode::PrivateUse(4001));
/// assert_eq!(u16::from(CloseCode::Away), 1001);
/// assert!(CloseCode::from(4001).is_sendable());
/// assert!(!CloseCode::Abnormal.is_sendable());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CloseCode {
    /// 1000: the purpose of the connection has been fulfilled.
    Normal,
    /// 1001: an endpoint is going away (server shutdown, page navigated away).
    Away,
    /// 1002: protocol error.
    Protocol,
    /// 1003: received a type of data the endpoint cannot accept.
    Unsupported,
    /// 1005: reserved; reported when a close frame carried no status code. Never sent.
    NoStatus,
    /// 1006: reserved; reported when the connection was lost without a close frame. Never sent.
    Abnormal,
    /// 1007: message data was not consistent with its type (e.g. invalid UTF-8 in text).
    Invalid,
    /// 1008: a message violated the endpoint's policy.
    Policy,
    /// 1009: a message was too big to process.
    Size,
    /// 1010: the client expected an extension the server did not negotiate.
    Extension,
    /// 1011: the server hit an unexpected condition.
    Error,
    /// 1012: the server is restarting.
    Restart,
    /// 1013: try again later (server overloaded).
    Again,
    /// 1015: reserved; reported when the TLS handshake failed. Never sent.
    Tls,
    /// 3000..=3999: registered with IANA for libraries, frameworks and applications.
    Iana(u16),
    /// 4000..=4999: private use, for applications.
    PrivateUse(u16),
    /// Any other value: reserved ranges (0..=999, 1004, 1014, 1016..=2999, 5000..).
    Other(u16),
}

impl CloseCode {
    /// Whether a browser client may send this code: 1000, or 3000..=4999 (the WebSocket API
    /// throws `InvalidAccessError` for anything else).
    pub fn is_sendable(self) -> bool {
        crate::machine::sendable_close_code(self.into())
    }

    /// Whether the code is reserved for reporting and never appears on the wire (1005, 1006,
    /// 1015).
    pub fn is_reserved(self) -> bool {
        matches!(
            self,
            CloseCode::NoStatus | CloseCode::Abnormal | CloseCode::Tls
        )
    }
}

impl From<u16> for CloseCode {
    fn from(code: u16) -> Self {
        use CloseCode::*;
        match code {
            1000 => Normal,
            1001 => Away,
            1002 => Protocol,
            1003 => Unsupported,
            1005 => NoStatus,
            1006 => Abnormal,
            1007 => Invalid,
            1008 => Policy,
            1009 => Size,
            1010 => Extension,
            1011 => Error,
            1012 => Restart,
            1013 => Again,
            1015 => Tls,
            3000..=3999 => Iana(code),
            4000..=4999 => PrivateUse(code),
            _ => Other(code),
        }
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> u16 {
        use CloseCode::*;
        match code {
            Normal => 1000,
            Away => 1001,
            Protocol => 1002,
            Unsupported => 1003,
            NoStatus => 1005,
            Abnormal => 1006,
            Invalid => 1007,
            Policy => 1008,
            Size => 1009,
            Extension => 1010,
            Error => 1011,
            Restart => 1012,
            Again => 1013,
            Tls => 1015,
            Iana(c) | PrivateUse(c) | Other(c) => c,
        }
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", u16::from(*self))
    }
}

/// Checks a close code and reason the way the browser would, without touching a socket:
/// `Err(InvalidCloseCode)` unless [`CloseCode::is_sendable`], `Err(ReasonTooLong)` over
/// [`MAX_REASON_BYTES`].
///
/// ```
/// use sockwave::{validate_close, CloseCode, Error};
/// assert_eq!(validate_close(CloseCode::Normal, "done"), Ok(()));
/// assert_eq!(validate_close(CloseCode::from(1006), ""), Err(Error::InvalidCloseCode(1006)));
/// assert_eq!(validate_close(CloseCode::Normal, &"é".repeat(62)), Err(Error::ReasonTooLong { len: 124 }));
/// ```
pub fn validate_close(code: CloseCode, reason: &str) -> Result<(), Error> {
    // The machine's rule (one copy for both faces); the errors carry the input.
    match crate::machine::check_close(code.into(), reason.len()) {
        Ok(()) => Ok(()),
        Err(crate::machine::CloseProblem::Code) => Err(Error::InvalidCloseCode(code.into())),
        Err(crate::machine::CloseProblem::Reason) => {
            Err(Error::ReasonTooLong { len: reason.len() })
        }
    }
}

/// How a connection ended: the browser's `CloseEvent`, as plain data.
///
/// ```
/// use sockwave::{CloseCode, CloseEvent};
/// let ev = CloseEvent { code: 4000, reason: "server says bye".into(), was_clean: true };
/// assert_eq!(ev.close_code(), CloseCode::PrivateUse(4000));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CloseEvent {
    /// The close status code (1006 when the connection was lost without a close frame).
    pub code: u16,
    /// The close reason sent by the peer (at most 123 UTF-8 bytes), often empty.
    pub reason: String,
    /// Whether the closing handshake completed.
    pub was_clean: bool,
}

impl CloseEvent {
    /// The close a browser reports for a connection that ended without a closing handshake:
    /// 1006, unclean, no reason.
    pub(crate) fn abnormal() -> Self {
        CloseEvent {
            code: 1006,
            reason: String::new(),
            was_clean: false,
        }
    }

    /// The code as a [`CloseCode`].
    pub fn close_code(&self) -> CloseCode {
        self.code.into()
    }
}

impl fmt::Display for CloseEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "code {}", self.code)?;
        if !self.reason.is_empty() {
            write!(f, " \"{}\"", self.reason)?;
        }
        f.write_str(if self.was_clean {
            ", clean"
        } else {
            ", unclean"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_u16_round_trips() {
        for c in 0..=u16::MAX {
            assert_eq!(u16::from(CloseCode::from(c)), c);
        }
    }

    #[test]
    fn sendable_is_exactly_1000_and_3000_to_4999() {
        for c in 0..=u16::MAX {
            let expected = c == 1000 || (3000..=4999).contains(&c);
            assert_eq!(CloseCode::from(c).is_sendable(), expected, "code {c}");
        }
    }

    #[test]
    fn reason_limit_counts_utf8_bytes() {
        let ok = "a".repeat(123);
        assert_eq!(validate_close(CloseCode::Normal, &ok), Ok(()));
        // 41 three-byte characters = 123 bytes; one more ASCII byte tips it over.
        let cjk = "語".repeat(41);
        assert_eq!(validate_close(CloseCode::Normal, &cjk), Ok(()));
        let over = format!("{cjk}a");
        assert_eq!(
            validate_close(CloseCode::Normal, &over),
            Err(Error::ReasonTooLong { len: 124 })
        );
    }

    #[test]
    fn code_checked_before_reason() {
        let long = "x".repeat(200);
        assert_eq!(
            validate_close(CloseCode::from(999), &long),
            Err(Error::InvalidCloseCode(999))
        );
    }

    #[test]
    fn display() {
        let ev = CloseEvent {
            code: 4000,
            reason: "bye".into(),
            was_clean: true,
        };
        assert_eq!(ev.to_string(), "code 4000 \"bye\", clean");
        assert_eq!(CloseCode::PrivateUse(4001).to_string(), "4001");
    }
}
