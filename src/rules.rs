//! The rules a browser client must keep, as pure functions of numbers: which subprotocols it may
//! offer, which close frames it may send. Shared by both faces: the Rust face checks with them
//! (`protocol.rs`, `close.rs`), and the npm package's .wasm is compiled from this very file
//! (`js/rules/`, with `machine/backoff.rs`), so the file uses nothing from the rest of the
//! crate. Tested natively.

/// Why a client may not offer a subprotocol (RFC 6455 §4.1, RFC 7230 `token`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The empty string.
    Empty = 1,
    /// A character outside visible ASCII, or a separator.
    NotAToken = 2,
    /// The same subprotocol earlier in the list.
    OfferedTwice = 3,
}

impl Refusal {
    /// The reason, as `Error::InvalidProtocol` states it.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Empty => "empty",
            Refusal::NotAToken => "not a token: only visible ASCII without separators is allowed",
            Refusal::OfferedTwice => "offered twice",
        }
    }
}

/// The rule for one subprotocol, given its characters (bytes, or UTF-16 units: anything
/// outside ASCII is refused either way) and whether an earlier one in the list is the same.
pub fn refusal(units: impl IntoIterator<Item = u32>, offered_before: bool) -> Option<Refusal> {
    let mut units = units.into_iter().peekable();
    if units.peek().is_none() {
        Some(Refusal::Empty)
    } else if !units.all(|c| c < 0x80 && is_token_byte(c as u8)) {
        Some(Refusal::NotAToken)
    } else if offered_before {
        Some(Refusal::OfferedTwice)
    } else {
        None
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b)
}

/// The longest close reason a client may send, in UTF-8 bytes (a control frame's 125-byte
/// payload minus the 2-byte code).
pub const MAX_REASON_BYTES: usize = 123;

/// Whether a browser client may send this close code: 1000, or 3000..=4999 (the WebSocket API
/// throws `InvalidAccessError` for anything else).
pub fn sendable_close_code(code: u16) -> bool {
    code == 1000 || (3000..=4999).contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let r = |p: &str| refusal(p.bytes().map(u32::from), false);
        assert_eq!(r("chat.v2"), None);
        assert_eq!(r("x-y_z~!#$%&'*+^`|"), None);
        assert_eq!(r(""), Some(Refusal::Empty));
        for bad in ["a b", "a,b", "é", "a/b", "tab\t"] {
            assert_eq!(r(bad), Some(Refusal::NotAToken), "{bad:?}");
        }
        assert_eq!(
            refusal("é".encode_utf16().map(u32::from), false),
            Some(Refusal::NotAToken)
        );
        assert_eq!(
            refusal("a".bytes().map(u32::from), true),
            Some(Refusal::OfferedTwice)
        );
    }

    #[test]
    fn close_codes() {
        for ok in [1000, 3000, 3999, 4000, 4999] {
            assert!(sendable_close_code(ok), "{ok}");
        }
        for bad in [0, 999, 1001, 1005, 1006, 1015, 2999, 5000, 65535] {
            assert!(!sendable_close_code(bad), "{bad}");
        }
    }
}
