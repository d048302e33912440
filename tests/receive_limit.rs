//! Bounded receive, in Chrome, Firefox and WebKit: what waits to be read never passes
//! `max_buffered_bytes`, whatever the server sends.
//!
//! What's tested (the dev server's `/burst?n=1000` sends "0".."999" the instant it opens,
//! 2,890 bytes; nobody reads for a while; the limit is 1,000 bytes, so exactly "0".."369" fit):
//! - a plain socket: the stream yields "0".."369" in order, then one `ReceiveOverflow`, then
//!   ends; the socket was closed with `RECEIVE_OVERFLOW_CODE` and the reason;
//! - a reconnecting socket: the same, and it stops for good (state `Closed` with that code);
//! - the default limit is 64 MiB.
#![cfg(target_family = "wasm")]

mod common;

use common::{url, within, LONG};
use futures::StreamExt;
use sockwave::reconnect::{ConnectionState, ReconnectingWebSocket};
use sockwave::{Error, Message, WebSocket, RECEIVE_OVERFLOW_CODE};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const LIMIT: usize = 1_000;

/// "0".."369": 10 × 1 + 90 × 2 + 270 × 3 = 1,000 bytes; "370" would make 1,003.
fn what_fits() -> Vec<Result<Message, Error>> {
    (0..370).map(|i| Ok(Message::text(i.to_string()))).collect()
}

/// Everything the stream yields until it ends (bounded in time).
async fn read_to_end<S>(stream: &mut S) -> Vec<S::Item>
where
    S: futures::Stream + Unpin,
{
    within(LONG, "the stream ends", stream.collect::<Vec<_>>()).await
}

#[wasm_bindgen_test]
async fn past_the_limit_the_socket_closes_and_the_stream_reports_it_once() {
    let mut ws = within(
        LONG,
        "connect",
        WebSocket::builder(url("/burst?n=1000"))
            .max_buffered_bytes(LIMIT)
            .connect(),
    )
    .await
    .expect("connects");
    // Nobody reads while the burst arrives.
    common::sleep(500).await;
    let mut got = read_to_end(&mut ws).await;
    let overflow = got.pop();
    assert_eq!(got, what_fits(), "the messages that fit, in order");
    assert_eq!(overflow, Some(Err(Error::ReceiveOverflow { limit: LIMIT })));
    let ev = within(LONG, "closed", ws.closed()).await;
    assert_eq!(
        (ev.code, ev.reason.as_str()),
        (RECEIVE_OVERFLOW_CODE, "receive buffer full")
    );
    assert_eq!(ws.next().await, None, "fused");
}

#[wasm_bindgen_test]
async fn a_reconnecting_socket_stops_at_the_limit() {
    let mut ws = ReconnectingWebSocket::builder(url("/burst?n=1000"))
        .max_buffered_bytes(LIMIT)
        .build();
    let states = ws.states();
    common::sleep(500).await;
    let mut got = read_to_end(&mut ws).await;
    let overflow = got.pop();
    assert_eq!(got, what_fits());
    assert_eq!(overflow, Some(Err(Error::ReceiveOverflow { limit: LIMIT })));
    // A socket that gave up may be started over: its states end when it is let go.
    drop(ws);
    let all: Vec<_> = within(LONG, "states end", states.collect::<Vec<_>>()).await;
    match all.last() {
        Some(ConnectionState::Closed(ev)) => assert_eq!(ev.code, RECEIVE_OVERFLOW_CODE),
        other => panic!("expected Closed, got {other:?}"),
    }
}

#[wasm_bindgen_test]
fn the_default_limit_is_64_mib() {
    assert_eq!(sockwave::DEFAULT_MAX_BUFFERED_BYTES, 64 << 20);
}
