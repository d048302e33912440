//! The typed layer over a scripted socket: what each kind of message decodes to, what an
//! encode failure leaves unsent, and that readiness and the end are the socket's.

use std::collections::{BTreeMap, VecDeque};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::executor::block_on;
use futures::{SinkExt, StreamExt};
use futures_core::stream::{FusedStream, Stream};
use futures_sink::Sink;

use super::*;
use crate::CloseEvent;

/// A socket that yields `incoming` then ends, and keeps what it is sent; `ready` false makes
/// its `poll_ready` pending, `flushed` false its `poll_flush`.
#[derive(Debug, Default)]
struct Scripted {
    incoming: VecDeque<Result<Message, Error>>,
    sent: Vec<Message>,
    ready: bool,
    flushed: bool,
    ended: bool,
}

fn scripted(incoming: Vec<Result<Message, Error>>) -> Scripted {
    Scripted {
        incoming: incoming.into(),
        ready: true,
        flushed: true,
        ..Scripted::default()
    }
}

impl Stream for Scripted {
    type Item = Result<Message, Error>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = self.incoming.pop_front();
        self.ended = next.is_none();
        Poll::Ready(next)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.incoming.len(), Some(self.incoming.len()))
    }
}

impl FusedStream for Scripted {
    fn is_terminated(&self) -> bool {
        self.ended
    }
}

impl Sink<Message> for Scripted {
    type Error = Error;
    fn poll_ready(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.ready {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }
    fn start_send(mut self: Pin<&mut Self>, item: Message) -> Result<(), Error> {
        self.sent.push(item);
        Ok(())
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        if self.flushed {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }
    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Err(Error::Closed))
    }
}

#[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Point {
    x: i32,
    y: i32,
}

fn lost() -> Error {
    Error::ConnectionLost(CloseEvent {
        code: 1006,
        reason: String::new(),
        was_clean: false,
    })
}

#[cfg(feature = "json")]
#[test]
fn json_decodes_each_message_and_a_bad_one_is_one_item_not_the_end() {
    let socket = scripted(vec![
        Ok(Message::text(r#"{"x":1,"y":2}"#)),
        Ok(Message::text("not json")),
        Ok(Message::binary(br#"{"x":3,"y":4}"#.to_vec())),
        Ok(Message::binary(vec![0xff, 0xfe])),
        Ok(Message::text(r#"{"x":5}"#)),
        Ok(Message::text(r#"{"x":6,"y":7}"#)),
        Err(lost()),
    ]);
    let mut typed = Typed::<_, Point, Point, JsonSerdeCodec>::new(socket);
    let items: Vec<_> = block_on(typed.by_ref().collect());
    assert_eq!(items.len(), 7);
    assert_eq!(items[0], Ok(Point { x: 1, y: 2 }));
    let Err(Error::Decode { reason }) = &items[1] else {
        panic!("{:?}", items[1])
    };
    assert!(reason.contains("expected"), "{reason}");
    assert_eq!(
        items[2],
        Ok(Point { x: 3, y: 4 }),
        "JSON in a binary message"
    );
    let Err(Error::Decode { reason }) = &items[3] else {
        panic!("{:?}", items[3])
    };
    assert!(reason.contains("not UTF-8"), "{reason}");
    let Err(Error::Decode { reason }) = &items[4] else {
        panic!("{:?}", items[4])
    };
    assert!(reason.contains("missing field `y`"), "{reason}");
    assert_eq!(items[5], Ok(Point { x: 6, y: 7 }));
    assert_eq!(
        items[6],
        Err(lost()),
        "the socket's terminal error, as it is"
    );
    assert!(typed.is_terminated());
    assert_eq!(items[1].as_ref().unwrap_err().name(), "Decode");
}

#[cfg(feature = "json")]
#[test]
fn json_sends_text_and_an_encode_failure_sends_nothing() {
    let mut typed = Typed::<_, Point, BTreeMap<Vec<u8>, u8>, JsonSerdeCodec>::new(scripted(vec![]));
    let err = block_on(typed.send(BTreeMap::from([(vec![1], 1)]))).unwrap_err();
    let Error::Encode { reason } = &err else {
        panic!("{err:?}")
    };
    assert!(reason.contains("key must be a string"), "{reason}");
    assert_eq!(err.name(), "Encode");
    assert!(typed.get_ref().sent.is_empty(), "nothing sent");

    let mut typed = Typed::<_, Point, Point, JsonSerdeCodec>::new(scripted(vec![]));
    block_on(typed.send(Point { x: 1, y: -2 })).unwrap();
    assert_eq!(
        typed.into_inner().sent,
        [Message::text(r#"{"x":1,"y":-2}"#)]
    );
}

#[cfg(feature = "msgpack")]
#[test]
fn msgpack_sends_binary_and_reads_either_kind() {
    let mut typed = Typed::<_, Point, Point, MsgpackSerdeCodec>::new(scripted(vec![]));
    block_on(typed.send(Point { x: 1, y: 2 })).unwrap();
    let sent = typed.into_inner().sent.pop().unwrap();
    assert!(sent.is_binary());
    let bytes = sent.clone().into_bytes();
    let socket = scripted(vec![
        Ok(sent),
        Ok(Message::binary(vec![0xc1])),
        Ok(Message::binary(bytes)),
    ]);
    let items: Vec<_> =
        block_on(Typed::<_, Point, Point, MsgpackSerdeCodec>::new(socket).collect());
    assert_eq!(items[0], Ok(Point { x: 1, y: 2 }));
    assert!(
        matches!(items[1], Err(Error::Decode { .. })),
        "{:?}",
        items[1]
    );
    assert_eq!(items[2], Ok(Point { x: 1, y: 2 }));
}

#[test]
fn text_and_bytes_codecs_keep_the_payload_as_it_is() {
    let socket = scripted(vec![
        Ok(Message::text("héllo")),
        Ok(Message::binary(b"hi".to_vec())),
    ]);
    let mut text = Typed::<_, String, String, TextCodec>::new(socket);
    assert_eq!(text.size_hint(), (2, Some(2)), "the socket's");
    let items: Vec<_> = block_on(text.by_ref().collect());
    assert_eq!(items, [Ok("héllo".to_owned()), Ok("hi".to_owned())]);
    block_on(text.send("sent".to_owned())).unwrap();
    assert_eq!(text.get_ref().sent, [Message::text("sent")]);

    let socket = scripted(vec![
        Ok(Message::text("hé")),
        Ok(Message::binary(vec![0, 255])),
    ]);
    let mut bytes = Typed::<_, Vec<u8>, Vec<u8>, BytesCodec>::new(socket);
    let items: Vec<_> = block_on(bytes.by_ref().collect());
    assert_eq!(items, [Ok("hé".as_bytes().to_vec()), Ok(vec![0, 255])]);
    block_on(bytes.send(vec![7])).unwrap();
    assert_eq!(bytes.get_mut().sent, [Message::binary(vec![7])]);
}

#[test]
fn readiness_and_close_are_the_sockets() {
    let mut typed = Typed::<_, String, String, TextCodec>::new(scripted(vec![]));
    typed.get_mut().ready = false;
    let waker = futures::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(
        Pin::new(&mut typed).poll_ready(&mut cx).is_pending(),
        "the socket's backpressure"
    );
    typed.get_mut().ready = true;
    assert!(matches!(
        Pin::new(&mut typed).poll_ready(&mut cx),
        Poll::Ready(Ok(()))
    ));
    assert!(matches!(
        Pin::new(&mut typed).poll_flush(&mut cx),
        Poll::Ready(Ok(()))
    ));
    assert_eq!(
        block_on(typed.close()),
        Err(Error::Closed),
        "the socket's own answer"
    );
    assert!(!typed.is_terminated());
    assert!(format!("{typed:?}").starts_with("Typed { socket: Scripted"));
}
