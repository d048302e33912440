//! The sink's backpressure, in Chrome, Firefox and WebKit.
//!
//! What's tested:
//! - `poll_ready` is Pending while `bufferedAmount >= high_water_mark`, Ready once it drains;
//! - `flush` resolves only when `bufferedAmount == 0`;
//! - 64 MiB through the sink with a 1 MiB mark never lets `bufferedAmount` exceed the mark plus
//!   one message;
//! - the sink waits for `open` while connecting, then sends.
#![cfg(target_family = "wasm")]

mod common;

use std::task::Poll;
use std::time::Duration;

use common::{url, within, LONG};
use futures::{poll, SinkExt, StreamExt};
use sockwave::{Message, ReadyState, WebSocket};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const MIB: usize = 1 << 20;

/// A socket to a server that reads and discards, with a 1 MiB high-water mark.
async fn discard_socket_with_1_mib_mark() -> WebSocket {
    within(
        LONG,
        "connect",
        WebSocket::builder(url("/discard"))
            .high_water_mark(MIB)
            .connect(),
    )
    .await
    .expect("connects")
}

#[wasm_bindgen_test]
async fn poll_ready_waits_while_over_the_mark() {
    let mut ws = discard_socket_with_1_mib_mark().await;
    ws.feed(Message::binary(vec![7u8; 4 * MIB]))
        .await
        .expect("feeds");
    assert!(
        ws.buffered_amount() >= MIB,
        "the browser cannot drain synchronously"
    );
    let ready = poll!(futures::future::poll_fn(|cx| ws.poll_ready_unpin(cx)));
    assert!(ready.is_pending(), "over the mark: not ready");
    within(
        LONG,
        "ready again",
        futures::future::poll_fn(|cx| ws.poll_ready_unpin(cx)),
    )
    .await
    .expect("ready");
    assert!(ws.buffered_amount() < MIB);
    within(LONG, "flush", ws.flush()).await.expect("flushes");
    assert_eq!(ws.buffered_amount(), 0);
}

#[wasm_bindgen_test]
async fn sixty_four_mib_never_exceeds_mark_plus_one_message() {
    let chunk = 256 * 1024;
    let mut ws = discard_socket_with_1_mib_mark().await;
    let mut peak = 0;
    within(Duration::from_secs(60), "64 MiB", async {
        for i in 0..(64 * MIB / chunk) {
            ws.feed(Message::binary(vec![i as u8; chunk]))
                .await
                .expect("feeds");
            peak = peak.max(ws.buffered_amount());
            assert!(
                ws.buffered_amount() <= MIB + chunk,
                "bufferedAmount {} over mark + one message",
                ws.buffered_amount()
            );
        }
        ws.flush().await.expect("flushes");
    })
    .await;
    assert!(peak >= MIB, "the mark was actually reached (peak {peak})");
    assert_eq!(ws.buffered_amount(), 0);
}

#[wasm_bindgen_test]
async fn sink_waits_for_open_while_connecting() {
    let mut ws = WebSocket::open(url("/echo")).expect("valid");
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    assert_eq!(ws.try_send("too early"), Err(sockwave::Error::NotOpen));
    let ready = poll!(futures::future::poll_fn(|cx| ws.poll_ready_unpin(cx)));
    assert_eq!(ready, Poll::Pending, "waits for open");
    within(LONG, "send", ws.send(Message::text("first")))
        .await
        .expect("sends once open");
    assert_eq!(
        within(LONG, "echo", ws.next()).await,
        Some(Ok(Message::text("first")))
    );
}

#[wasm_bindgen_test]
async fn sink_fails_when_the_connection_never_opens() {
    let mut ws = WebSocket::open(common::DEAD_URL).expect("valid");
    assert_eq!(
        within(LONG, "send", ws.send(Message::text("x"))).await,
        Err(sockwave::Error::Closed)
    );
    assert!(matches!(
        ws.next().await,
        Some(Err(sockwave::Error::ConnectFailed(_)))
    ));
    assert_eq!(ws.next().await, None);
}
