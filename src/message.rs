//! WebSocket messages: pure data, no web-sys, tested natively.

use std::fmt;

/// One WebSocket message: text or binary. Binary data always arrives as bytes (the socket's
/// `binaryType` is `arraybuffer`), never as a `Blob`.
///
/// ```
/// use sockwave::Message;
/// let m: Message = "hi".into();
/// assert_eq!(m, Message::text("hi"));
/// assert_eq!(m.as_text(), Some("hi"));
/// let b = Message::binary([1u8, 2, 3]);
/// assert!(b.is_binary());
/// assert_eq!(b.len(), 3);
/// assert_eq!(b.into_bytes(), vec![1, 2, 3]);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Message {
    /// A text message (UTF-8).
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<String>) -> Self {
        Message::Text(text.into())
    }

    /// A binary message.
    pub fn binary(bytes: impl Into<Vec<u8>>) -> Self {
        Message::Binary(bytes.into())
    }

    /// Whether this is a text message.
    pub fn is_text(&self) -> bool {
        matches!(self, Message::Text(_))
    }

    /// Whether this is a binary message.
    pub fn is_binary(&self) -> bool {
        matches!(self, Message::Binary(_))
    }

    /// The payload length in bytes (UTF-8 bytes for text).
    pub fn len(&self) -> usize {
        match self {
            Message::Text(s) => s.len(),
            Message::Binary(b) => b.len(),
        }
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text, if this is a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Message::Text(s) => Some(s),
            Message::Binary(_) => None,
        }
    }

    /// The payload as bytes, whatever the kind.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Message::Text(s) => s.as_bytes(),
            Message::Binary(b) => b,
        }
    }

    /// The payload as bytes, whatever the kind, without copying.
    pub fn into_bytes(self) -> Vec<u8> {
        match self {
            Message::Text(s) => s.into_bytes(),
            Message::Binary(b) => b,
        }
    }
}

impl fmt::Debug for Message {
    /// Shows the kind and the length, and text up to 64 bytes, so logs stay readable with 16 MiB
    /// payloads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Text(s) if s.len() <= 64 => f.debug_tuple("Text").field(s).finish(),
            Message::Text(s) => write!(f, "Text(<{} bytes>)", s.len()),
            Message::Binary(b) => write!(f, "Binary(<{} bytes>)", b.len()),
        }
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Message::Text(s)
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Self {
        Message::Text(s.to_owned())
    }
}

impl From<Vec<u8>> for Message {
    fn from(b: Vec<u8>) -> Self {
        Message::Binary(b)
    }
}

impl From<&[u8]> for Message {
    fn from(b: &[u8]) -> Self {
        Message::Binary(b.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_and_helpers() {
        assert_eq!(Message::from(String::from("é")), Message::text("é"));
        assert_eq!(Message::text("é").len(), 2);
        assert_eq!(Message::from(&b"ab"[..]), Message::binary(b"ab".to_vec()));
        assert!(Message::text("").is_empty());
        assert_eq!(Message::binary(vec![7]).as_text(), None);
        assert_eq!(Message::text("ab").as_bytes(), b"ab");
    }

    #[test]
    fn debug_is_short_for_big_payloads() {
        assert_eq!(format!("{:?}", Message::text("hi")), "Text(\"hi\")");
        assert_eq!(
            format!("{:?}", Message::binary(vec![0; 1 << 20])),
            "Binary(<1048576 bytes>)"
        );
        assert_eq!(
            format!("{:?}", Message::text("x".repeat(100))),
            "Text(<100 bytes>)"
        );
    }
}
