//! The core scenarios, written once and run in every context a user runs sockwave in: a
//! dedicated, a shared and a service worker (`tests/worker_*.rs`), over `wss://`
//! (`tests/wss.rs`), and natively over `ws://` and `wss://` (`tests/contexts.rs`). Each
//! browser test file picks its context with `wasm_bindgen_test_configure!` and its server with
//! the `base` it passes to [`context_tests!`].
//!
//! The scenarios: connect and echo (text and binary), the server's close code and reason, a
//! typed connect failure, backpressure against a server that reads nothing, a
//! `ReconnectingWebSocket` across a dropped connection, and a clean drop (no listener left).

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use sockwave::reconnect::{Backoff, ConnectionState, ReconnectingWebSocket};
use sockwave::{Error, Message, ReadyState, WebSocket};

use super::{within, LONG};

/// No `window` here: the global scope is a worker's when the file says so.
#[cfg(target_family = "wasm")]
pub fn has_window() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &"document".into()).unwrap_or(false)
}

pub async fn connect_and_echo(base: &str) {
    let mut ws = within(LONG, "connect", WebSocket::connect(format!("{base}/echo")))
        .await
        .expect("connects");
    assert_eq!(ws.ready_state(), ReadyState::Open);
    ws.send(Message::text("héllo 🦀")).await.expect("sends");
    ws.send(Message::binary(vec![0, 1, 254, 255]))
        .await
        .expect("sends");
    let first = within(LONG, "echo", ws.next()).await;
    assert_eq!(first, Some(Ok(Message::text("héllo 🦀"))));
    let second = within(LONG, "echo", ws.next()).await;
    assert_eq!(second, Some(Ok(Message::binary(vec![0, 1, 254, 255]))));
    let ev = within(LONG, "close", ws.close_with(1000u16, "done"))
        .await
        .expect("closes");
    assert_eq!((ev.code, ev.was_clean), (1000, true));
    assert_eq!(ws.next().await, None);
}

pub async fn server_close_code_and_reason(base: &str) {
    let url = format!("{base}/close?code=4321&reason=server%20says%20bye%20%E2%9C%93");
    let mut ws = within(LONG, "connect", WebSocket::connect(url))
        .await
        .expect("connects");
    assert_eq!(within(LONG, "end", ws.next()).await, None, "a clean close");
    let ev = ws.closed().await;
    assert_eq!(
        (ev.code, ev.reason.as_str(), ev.was_clean),
        (4321, "server says bye ✓", true)
    );
}

pub async fn typed_connect_failure(base: &str) {
    let err = within(
        LONG,
        "connect",
        WebSocket::connect(format!("{base}/reject?status=403")),
    )
    .await
    .expect_err("refused");
    assert!(
        matches!(err, Error::ConnectFailed(ref ev) if ev.code == 1006 && !ev.was_clean),
        "{err:?}"
    );
    // (A relative URL is valid: it resolves against the page's or the worker's own URL.)
    let err = within(LONG, "connect", WebSocket::connect("ftp://127.0.0.1/x"))
        .await
        .expect_err("invalid");
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
}

pub async fn backpressure(base: &str) {
    const MIB: usize = 1 << 20;
    let mut ws = within(
        LONG,
        "connect",
        WebSocket::builder(format!("{base}/discard"))
            .high_water_mark(MIB)
            .connect(),
    )
    .await
    .expect("connects");
    for _ in 0..16 {
        within(LONG, "send", ws.send(Message::binary(vec![7u8; MIB])))
            .await
            .expect("sends");
        // Each send waited until bufferedAmount was under the mark before handing one more
        // message over, so it can never hold more than the mark plus that message.
        assert!(ws.buffered_amount() <= 2 * MIB, "bounded by the mark");
    }
    within(LONG, "flush", ws.flush()).await.expect("flushes");
    assert_eq!(ws.buffered_amount(), 0);
}

pub async fn reconnects_across_a_drop(base: &str) {
    // The server echoes three messages, then drops the connection without a close frame.
    let mut ws = ReconnectingWebSocket::builder(format!("{base}/drop?after=3"))
        .backoff(Backoff::constant(Duration::from_millis(20)))
        .build();
    let mut states = ws.states();
    async fn echo(ws: &mut ReconnectingWebSocket, i: u32) {
        let message = Message::text(i.to_string());
        ws.send(message.clone()).await.expect("queued");
        let got = within(LONG, "echo", ws.next()).await;
        assert_eq!(got, Some(Ok(message)));
    }
    for i in 0..3 {
        echo(&mut ws, i).await;
    }
    // Dropped, then open again.
    let mut saw_disconnect = false;
    loop {
        match within(LONG, "state", states.next()).await {
            Some(ConnectionState::Disconnected { .. }) => saw_disconnect = true,
            Some(ConnectionState::Open) if saw_disconnect => break,
            Some(_) => {}
            None => panic!("the state stream ended"),
        }
    }
    for i in 3..6 {
        echo(&mut ws, i).await;
    }
}

pub async fn clean_drop(base: &str) {
    let before = sockwave::live_listeners();
    let ws = within(LONG, "connect", WebSocket::connect(format!("{base}/echo")))
        .await
        .expect("connects");
    // Four browser listeners per socket; natively there are none.
    let per_socket = if cfg!(target_family = "wasm") { 4 } else { 0 };
    assert_eq!(sockwave::live_listeners(), before + per_socket);
    let events = ws.events();
    let (write, read) = ws.split();
    drop(read);
    assert_eq!(
        sockwave::live_listeners(),
        before + per_socket,
        "one half keeps it"
    );
    drop(write);
    assert_eq!(sockwave::live_listeners(), before);
    // The last handle closed it: the events end (natively with a clean close, 1000; the
    // browser face stops listening at once, so its stream just ends).
    let events: Vec<_> = within(LONG, "the events' end", events.collect()).await;
    if cfg!(not(target_family = "wasm")) {
        match events.last() {
            Some(sockwave::WsEvent::Close(close)) => {
                assert_eq!((close.code, close.was_clean), (1000, true))
            }
            other => panic!("expected the close last, got {other:?}"),
        }
    }
}

/// Declares one `#[wasm_bindgen_test]` per scenario above, against the server at `$base`
/// (an expression giving a `&str`), and checks the context is what the file says it is.
#[macro_export]
macro_rules! context_tests {
    ($base:expr, window: $window:expr) => {
        #[wasm_bindgen_test]
        fn the_global_scope_is_the_expected_one() {
            assert_eq!(common::context::has_window(), $window);
        }
        #[wasm_bindgen_test]
        async fn connect_and_echo() {
            common::context::connect_and_echo($base).await;
        }
        #[wasm_bindgen_test]
        async fn server_close_code_and_reason() {
            common::context::server_close_code_and_reason($base).await;
        }
        #[wasm_bindgen_test]
        async fn typed_connect_failure() {
            common::context::typed_connect_failure($base).await;
        }
        #[wasm_bindgen_test]
        async fn backpressure() {
            common::context::backpressure($base).await;
        }
        #[wasm_bindgen_test]
        async fn reconnects_across_a_drop() {
            common::context::reconnects_across_a_drop($base).await;
        }
        #[wasm_bindgen_test]
        async fn clean_drop() {
            common::context::clean_drop($base).await;
        }
    };
}
