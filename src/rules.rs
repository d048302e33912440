//! The rule a browser client must keep for the subprotocols it offers, as a pure function of
//! numbers. Shared by both faces: the Rust face checks with it (`protocol.rs`), and the npm
//! package's .wasm is compiled from this very file (`js/rules/`, with `machine/`, which holds
//! the close rules), so the file uses nothing from the rest of the crate. Tested natively.

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
}
