//! Receiving and sending messages, in Chrome, Firefox and WebKit.
//!
//! What's tested:
//! - text and binary echo; Unicode (CJK, emoji, Vietnamese), empty messages, 16 MiB binary,
//!   byte-exact;
//! - messages that arrive before the first poll are kept, in order;
//! - a burst of 10,000 messages sent the instant the socket opens: all delivered, in order;
//! - the events stream sees open/message/close without taking messages from the stream; one
//!   held and never read stays bounded (1,024 events, then a `Missed` marker, the close last);
//! - split halves run in their own `spawn_local` tasks and reunite.
#![cfg(target_family = "wasm")]

mod common;

use std::time::Duration;

use common::{url, within, LONG};
use futures::{SinkExt, StreamExt};
use sockwave::{Message, WebSocket, WsEvent};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn echo_socket() -> WebSocket {
    within(LONG, "connect", WebSocket::connect(url("/echo")))
        .await
        .expect("connects")
}

async fn round_trip(ws: &mut WebSocket, message: Message) -> Message {
    ws.send(message).await.expect("sends");
    within(LONG, "echo", ws.next())
        .await
        .expect("stream open")
        .expect("a message")
}

#[wasm_bindgen_test]
async fn text_and_binary_echo_intact() {
    let mut ws = echo_socket().await;
    let samples = [
        Message::text("hello"),
        Message::text("日本語のテキスト、中文，한국어"),
        Message::text("emoji 🦀🚀👩‍👩‍👧‍👦 and 𝄞"),
        Message::text("Tiếng Việt có dấu: Xin chào, thế giới! Ắ ẫ ự ỹ"),
        Message::text(""),
        Message::binary(Vec::new()),
        Message::binary((0..=255u8).collect::<Vec<_>>()),
    ];
    for sample in samples {
        assert_eq!(round_trip(&mut ws, sample.clone()).await, sample);
    }
}

#[wasm_bindgen_test]
async fn sixteen_mib_binary_byte_exact() {
    let mut ws = echo_socket().await;
    let big: Vec<u8> = (0..16u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let back = within(
        Duration::from_secs(60),
        "16 MiB echo",
        round_trip(&mut ws, Message::binary(big.clone())),
    )
    .await;
    match back {
        Message::Binary(bytes) => {
            assert_eq!(bytes.len(), big.len());
            assert!(bytes == big, "payload differs");
        }
        other => panic!("expected binary, got {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn messages_before_first_poll_are_kept_in_order() {
    let mut ws = within(LONG, "connect", WebSocket::connect(url("/burst?n=100")))
        .await
        .expect("connects");
    // Do not poll while the server sends: everything must wait in the inbox.
    common::sleep(300).await;
    for i in 0..100 {
        let m = ws.next().await.expect("open").expect("message");
        assert_eq!(m, Message::text(i.to_string()));
    }
}

#[wasm_bindgen_test]
async fn burst_of_ten_thousand_in_order() {
    let mut ws = within(LONG, "connect", WebSocket::connect(url("/burst?n=10000")))
        .await
        .expect("connects");
    let received = within(Duration::from_secs(30), "10,000 messages", async {
        let mut n = 0u32;
        while n < 10_000 {
            let m = ws.next().await.expect("open").expect("message");
            assert_eq!(m.as_text(), Some(n.to_string().as_str()), "message {n}");
            n += 1;
        }
        n
    })
    .await;
    assert_eq!(received, 10_000);
}

#[wasm_bindgen_test]
async fn events_observe_without_stealing() {
    let ws = WebSocket::open(url("/echo")).expect("valid");
    let mut events = ws.events();
    let mut ws = ws;
    ws.send(Message::text("one"))
        .await
        .expect("sends after open");
    assert_eq!(
        within(LONG, "echo", ws.next()).await,
        Some(Ok(Message::text("one")))
    );
    let ev = ws.close_with(1000u16, "done").await.expect("closes");
    assert_eq!(ev.code, 1000);
    assert_eq!(ws.next().await, None);
    let seen: Vec<WsEvent> = within(LONG, "events", events.by_ref().collect()).await;
    assert_eq!(
        seen,
        vec![
            WsEvent::Open,
            WsEvent::Message(Message::text("one")),
            WsEvent::Close(ev.clone())
        ]
    );
    // A late observer gets just the close.
    let late: Vec<WsEvent> = ws.events().collect().await;
    assert_eq!(late, vec![WsEvent::Close(ev)]);
}

/// An observer held and not read stays bounded: 1,024 events kept, one marker for the rest,
/// and the close, last (the server floods 3,000 messages the instant it opens).
#[wasm_bindgen_test]
async fn an_observer_held_and_never_read_stays_bounded() {
    use sockwave::OBSERVER_CAPACITY;
    let ws = WebSocket::open(url("/burst?n=3000")).expect("valid");
    let mut events = ws.events();
    let mut ws = ws;
    for _ in 0..3000 {
        assert!(matches!(
            within(LONG, "message", ws.next()).await,
            Some(Ok(_))
        ));
    }
    ws.close_with(1000u16, "").await.expect("closes");
    let seen: Vec<WsEvent> = within(LONG, "events", events.by_ref().collect()).await;
    assert_eq!(seen.len(), OBSERVER_CAPACITY + 2);
    assert_eq!(seen[0], WsEvent::Open);
    // The open and the 3,000 messages: what was kept and what was missed.
    assert_eq!(
        seen[OBSERVER_CAPACITY],
        WsEvent::Missed(1 + 3000 - OBSERVER_CAPACITY as u64)
    );
    assert!(matches!(seen.last(), Some(WsEvent::Close(_))));
}

#[wasm_bindgen_test]
async fn split_halves_in_their_own_tasks() {
    let (mut tx, mut rx) = echo_socket().await.split();
    let (done_tx, done_rx) = futures::channel::oneshot::channel();
    let (sent_tx, sent_rx) = futures::channel::oneshot::channel();
    wasm_bindgen_futures::spawn_local(async move {
        let mut got = Vec::new();
        while got.len() < 50 {
            match rx.next().await {
                Some(Ok(m)) => got.push(m),
                other => panic!("unexpected {other:?}"),
            }
        }
        let _ = done_tx.send((got, rx));
    });
    wasm_bindgen_futures::spawn_local(async move {
        for i in 0..50 {
            tx.feed(Message::text(format!("m{i}")))
                .await
                .expect("feeds");
        }
        tx.flush().await.expect("flushes");
        let _ = sent_tx.send(tx);
    });
    let tx = within(LONG, "50 sends", sent_rx)
        .await
        .expect("writer done");
    let (got, rx) = within(LONG, "50 echoes", done_rx)
        .await
        .expect("reader done");
    let want: Vec<Message> = (0..50).map(|i| Message::text(format!("m{i}"))).collect();
    assert_eq!(got, want);
    assert!(rx.reunite(tx).is_ok());
}

#[wasm_bindgen_test]
async fn halves_reunite_only_with_their_own() {
    let (tx_a, rx_a) = echo_socket().await.split();
    let (tx_b, rx_b) = echo_socket().await.split();
    let (rx_a, tx_b) = rx_a.reunite(tx_b).expect_err("different sockets");
    let mut a = rx_a.reunite(tx_a).expect("same socket");
    let b = rx_b.reunite(tx_b).expect("same socket");
    assert_eq!(
        round_trip(&mut a, Message::text("x")).await,
        Message::text("x")
    );
    drop(b);
}
