//! Typed messages and calls inside a dedicated worker (no `window`, the worker's own global
//! scope), in every engine: a JSON round trip with a bad message between, and calls over a
//! reconnecting socket through a dropped connection (the in-flight outcome), against the dev
//! server's `/rpc`.
#![cfg(target_family = "wasm")]

mod common;

use std::future::IntoFuture;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use sockwave::reconnect::{Backoff, ReconnectingWebSocket};
use sockwave::rpc::{CallError, Client};
use sockwave::typed::{JsonSerdeCodec, Typed};
use sockwave::{Error, Message, WebSocket};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
async fn json_in_a_worker_and_a_bad_message_is_one_item() {
    let ws = WebSocket::connect(common::url("/echo"))
        .await
        .expect("open");
    let mut typed = Typed::<_, Vec<u32>, Vec<u32>, JsonSerdeCodec>::new(ws);
    typed.send(vec![1, 2]).await.unwrap();
    typed.get_mut().send(Message::text("{")).await.unwrap();
    typed.send(vec![3]).await.unwrap();
    assert_eq!(typed.next().await, Some(Ok(vec![1, 2])));
    assert!(matches!(
        typed.next().await,
        Some(Err(Error::Decode { .. }))
    ));
    assert_eq!(typed.next().await, Some(Ok(vec![3])));
}

#[wasm_bindgen_test]
async fn calls_in_a_worker_through_a_dropped_connection() {
    let ws = ReconnectingWebSocket::builder(common::url("/rpc"))
        .backoff(Backoff::constant(Duration::from_millis(20)))
        .build();
    let client = Client::reconnecting(ws).expect("a task");
    assert_eq!(client.call::<i64>("add", (20, 22)).await, Ok(42));
    let dropping = client.call::<()>("drop_after", [100]).into_future();
    let again = client
        .call::<u64>("sleep", [300])
        .idempotent()
        .into_future();
    let (dropping, again) = futures::join!(dropping, again);
    assert_eq!(dropping, Err(CallError::Disconnected { handed: true }));
    assert_eq!(again, Ok(300));
    client.close();
}
