//! Typed messages: any sockwave socket as a `Stream` of decoded values and a `Sink` of values
//! to encode, through a [codee](https://docs.rs/codee) codec (the codec traits leptos-use and
//! other Rust front ends use, so an app brings its own codecs).
//!
//! [`Typed`] wraps a [`WebSocket`](crate::WebSocket), a
//! [`ReconnectingWebSocket`](crate::reconnect::ReconnectingWebSocket), a
//! [`Detached`](crate::Detached) or a split half, on every target. It keeps the socket's
//! rules: the same backpressure (its `poll_ready` is the socket's), the same end (`None`, or
//! one terminal `Err` then `None`). A message that does not decode is one
//! [`Error::Decode`] item, and the stream goes on; a value that does not encode is
//! [`Error::Encode`] from `start_send`, and nothing is sent.
//!
//! Frames as the codec says: a string codec (`Encoded = String`, such as JSON) sends text
//! messages, a binary one (`Encoded = Vec<u8>`, such as MessagePack) binary messages. On
//! receive either kind is accepted: a string codec reads a binary message that holds UTF-8
//! (many servers send JSON as binary), a binary codec reads a text message's bytes.
//!
//! Codecs, each behind a Cargo feature, all off by default: `codec` (this module, with
//! [`TextCodec`] and [`BytesCodec`], and every codec of codee you enable yourself), `json`
//! ([`JsonSerdeCodec`], serde_json) and `msgpack` ([`MsgpackSerdeCodec`], rmp-serde).
//!
//! ```no_run
//! # #[cfg(feature = "json")]
//! # async fn demo() -> Result<(), sockwave::Error> {
//! use futures::{SinkExt, StreamExt};
//! use serde::{Deserialize, Serialize};
//! use sockwave::typed::{JsonSerdeCodec, Typed};
//! use sockwave::{Error, WebSocket};
//!
//! #[derive(Serialize)]
//! struct Say<'a> { text: &'a str }
//! #[derive(Deserialize, Debug)]
//! struct Said { text: String }
//!
//! let ws = WebSocket::connect("ws://127.0.0.1:9998/echo").await?;
//! let mut chat = Typed::<_, Said, Say, JsonSerdeCodec>::new(ws);
//! chat.send(Say { text: "hi" }).await?; // a text message: {"text":"hi"}
//! while let Some(item) = chat.next().await {
//!     match item {
//!         Ok(said) => println!("{said:?}"),
//!         Err(Error::Decode { reason }) => eprintln!("skipped a message: {reason}"),
//!         Err(e) => return Err(e), // how the connection ended; the stream ends after it
//!     }
//! }
//! # Ok(()) }
//! ```

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use codee::{Decoder, Encoder};
use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;

#[cfg(feature = "msgpack")]
pub use codee::binary::MsgpackSerdeCodec;
#[cfg(feature = "json")]
pub use codee::string::JsonSerdeCodec;

use crate::{Error, Message};

/// A socket whose messages are values of `In` (received) and `Out` (sent), through the codec
/// `C`. See [the module](self).
///
/// `S` is any sockwave socket or half: a `Stream` of `Result<Message, Error>` makes this a
/// `Stream` of `Result<In, Error>`, a `Sink<Message>` makes it a `Sink<Out>`.
pub struct Typed<S, In, Out, C> {
    socket: S,
    types: PhantomData<Types<In, Out, C>>,
}

/// `fn` pointers: a `Typed` is Send, Sync and Unpin as its socket is, whatever In, Out and the
/// codec are.
type Types<In, Out, C> = (fn() -> In, fn(Out), fn() -> C);

impl<S, In, Out, C> Typed<S, In, Out, C> {
    /// Wraps `socket`. Nothing is sent or read until the typed socket is used.
    pub fn new(socket: S) -> Self {
        Typed {
            socket,
            types: PhantomData,
        }
    }

    /// The socket, to read its state (`ready_state`, `buffered_amount`, ...).
    pub fn get_ref(&self) -> &S {
        &self.socket
    }

    /// The socket, mutably: a message sent through it bypasses the codec.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.socket
    }

    /// The socket back, untyped (for example to `close_with` it).
    pub fn into_inner(self) -> S {
        self.socket
    }
}

impl<S: fmt::Debug, In, Out, C> fmt::Debug for Typed<S, In, Out, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Typed")
            .field("socket", &self.socket)
            .finish()
    }
}

/// How a codec's encoded form is read out of a received [`Message`]: implemented for `str`
/// (string codecs) and `[u8]` (binary codecs), the two forms codee's codecs decode from.
pub trait DecodeFrom {
    /// Decodes `message` with `D`; a failure is [`Error::Decode`].
    fn decode_message<T, D>(message: &Message) -> Result<T, Error>
    where
        D: Decoder<T, Encoded = Self>,
        D::Error: fmt::Debug;
}

impl DecodeFrom for str {
    fn decode_message<T, D>(message: &Message) -> Result<T, Error>
    where
        D: Decoder<T, Encoded = str>,
        D::Error: fmt::Debug,
    {
        let text = match message {
            Message::Text(text) => text.as_str(),
            Message::Binary(bytes) => std::str::from_utf8(bytes).map_err(|_| Error::Decode {
                reason: "a binary message that is not UTF-8, for a string codec".into(),
            })?,
        };
        D::decode(text).map_err(decode_failed)
    }
}

impl DecodeFrom for [u8] {
    fn decode_message<T, D>(message: &Message) -> Result<T, Error>
    where
        D: Decoder<T, Encoded = [u8]>,
        D::Error: fmt::Debug,
    {
        D::decode(message.as_bytes()).map_err(decode_failed)
    }
}

/// How a codec's encoded form becomes a [`Message`]: `String` a text message, `Vec<u8>` a
/// binary one.
pub trait IntoMessage {
    /// The message that carries `self`.
    fn into_message(self) -> Message;
}

impl IntoMessage for String {
    fn into_message(self) -> Message {
        Message::Text(self)
    }
}

impl IntoMessage for Vec<u8> {
    fn into_message(self) -> Message {
        Message::Binary(self)
    }
}

// Out of line: one copy of the formatting, whatever the codec.
#[inline(never)]
fn decode_failed(error: impl fmt::Debug) -> Error {
    Error::Decode {
        reason: format!("{error:?}"),
    }
}

#[inline(never)]
fn encode_failed(error: impl fmt::Debug) -> Error {
    Error::Encode {
        reason: format!("{error:?}"),
    }
}

impl<S, In, Out, C> Stream for Typed<S, In, Out, C>
where
    S: Stream<Item = Result<Message, Error>> + Unpin,
    C: Decoder<In>,
    C::Encoded: DecodeFrom,
    C::Error: fmt::Debug,
{
    type Item = Result<In, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Pin::new(&mut self.socket).poll_next(cx).map(|item| {
            item.map(|received| received.and_then(|m| C::Encoded::decode_message::<In, C>(&m)))
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.socket.size_hint()
    }
}

impl<S, In, Out, C> FusedStream for Typed<S, In, Out, C>
where
    Self: Stream,
    S: FusedStream,
{
    fn is_terminated(&self) -> bool {
        self.socket.is_terminated()
    }
}

impl<S, In, Out, C> Sink<Out> for Typed<S, In, Out, C>
where
    S: Sink<Message, Error = Error> + Unpin,
    C: Encoder<Out>,
    C::Encoded: IntoMessage,
    C::Error: fmt::Debug,
{
    type Error = Error;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.socket).poll_ready(cx)
    }

    fn start_send(mut self: Pin<&mut Self>, item: Out) -> Result<(), Error> {
        let message = C::encode(&item).map_err(encode_failed)?.into_message();
        Pin::new(&mut self.socket).start_send(message)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.socket).poll_flush(cx)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Pin::new(&mut self.socket).poll_close(cx)
    }
}

/// A string codec for plain text: a `String` is a text message as it is (a binary message
/// that holds UTF-8 decodes too).
#[derive(Debug, Clone, Copy, Default)]
pub struct TextCodec;

impl Encoder<String> for TextCodec {
    type Error = std::convert::Infallible;
    type Encoded = String;

    fn encode(value: &String) -> Result<String, Self::Error> {
        Ok(value.clone())
    }
}

impl Decoder<String> for TextCodec {
    type Error = std::convert::Infallible;
    type Encoded = str;

    fn decode(text: &str) -> Result<String, Self::Error> {
        Ok(text.to_owned())
    }
}

/// A binary codec for plain bytes: a `Vec<u8>` is a binary message as it is (a text
/// message decodes to its UTF-8 bytes).
#[derive(Debug, Clone, Copy, Default)]
pub struct BytesCodec;

impl Encoder<Vec<u8>> for BytesCodec {
    type Error = std::convert::Infallible;
    type Encoded = Vec<u8>;

    fn encode(value: &Vec<u8>) -> Result<Vec<u8>, Self::Error> {
        Ok(value.clone())
    }
}

impl Decoder<Vec<u8>> for BytesCodec {
    type Error = std::convert::Infallible;
    type Encoded = [u8];

    fn decode(bytes: &[u8]) -> Result<Vec<u8>, Self::Error> {
        Ok(bytes.to_vec())
    }
}

#[cfg(test)]
mod tests;
