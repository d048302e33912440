//! `Detached`: a handle that is `Send + Sync` on every target, in the three browsers and
//! natively.
//!
//! What's tested:
//! 1. `Detached` is `Send + Sync` (checked by the compiler, on both targets);
//! 2. messages cross both ways in order, through the task's channels, and `close_with` gives
//!    the close event (code and reason intact);
//! 3. over a reconnecting socket: the stream goes on across a dropped connection;
//! 4. after the end, sending is `Closed`.

#[cfg(target_family = "wasm")]
mod common;

use futures::{SinkExt, StreamExt};
use sockwave::reconnect::{Backoff, ReconnectingWebSocket};
use sockwave::{Detached, Error, Message, WebSocket};

#[cfg(target_family = "wasm")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[cfg(target_family = "wasm")]
fn url(route: &str) -> Option<String> {
    Some(common::url(route))
}

#[cfg(not(target_family = "wasm"))]
fn url(route: &str) -> Option<String> {
    let base = std::env::var("SOCKWAVE_WS_BASE").ok();
    assert!(
        base.is_some() || std::env::var_os("SOCKWAVE_REQUIRE_DEVSERVER").is_none(),
        "SOCKWAVE_WS_BASE is not set"
    );
    base.map(|b| format!("{b}{route}"))
}

const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Detached>();
};

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn messages_cross_in_order_and_close_codes_arrive() {
    let Some(url) = url("/echo") else { return };
    let ws = WebSocket::connect(url).await.expect("open");
    let mut ws = Detached::new(ws);
    for i in 0..200 {
        ws.send(Message::text(format!("m{i}"))).await.unwrap();
    }
    ws.send(Message::binary(vec![1, 2, 3])).await.unwrap();
    for i in 0..200 {
        assert_eq!(ws.next().await, Some(Ok(Message::text(format!("m{i}")))));
    }
    assert_eq!(ws.next().await, Some(Ok(Message::binary(vec![1, 2, 3]))));
    let close = ws.close_with(4000u16, "done ✓").await.unwrap();
    assert_eq!(
        (close.code, close.reason.as_str(), close.was_clean),
        (4000, "done ✓", true)
    );
    assert_eq!(ws.next().await, None, "the stream ends after a clean close");
    assert_eq!(ws.send(Message::text("late")).await, Err(Error::Closed));
    assert!(matches!(
        ws.close_with(1006u16, "").await,
        Err(Error::InvalidCloseCode(1006))
    ));
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn over_a_reconnecting_socket_the_stream_goes_on() {
    let Some(url) = url("/drop?after=2") else {
        return;
    };
    let ws = ReconnectingWebSocket::builder(url)
        .backoff(Backoff::constant(std::time::Duration::from_millis(20)))
        .build();
    let mut ws = Detached::new(ws);
    let mut got = Vec::new();
    for i in 0..6 {
        ws.send(Message::text(format!("r{i}"))).await.unwrap();
        // One at a time: each echo comes back before the next is sent, so a drop after every
        // second message loses none.
        match ws.next().await {
            Some(Ok(m)) => got.push(m.as_text().unwrap_or_default().to_owned()),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(got, ["r0", "r1", "r2", "r3", "r4", "r5"]);
    let close = ws.close_with(1000u16, "").await.unwrap();
    assert_eq!(close.code, 1000);
}
