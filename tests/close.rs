//! Closing, in Chrome, Firefox and WebKit.
//!
//! What's tested:
//! - a clean close ends the stream with `None`; `closed()` returns the event;
//! - the server's close code and reason (4000 "server says bye") arrive intact;
//! - an unclean close (TCP dropped, 1006) yields exactly one `Err(ConnectionLost)`, then `None`;
//! - `close_with` validates code and reason before touching the socket (socket stays open),
//!   then closes with them and returns the event;
//! - `SinkExt::close` closes with 1000 and waits for `close`;
//! - sending after close is `Err(Closed)`, never the browser's silent buffering;
//! - dropping the last handle closes the socket with 1000 and detaches every listener.
#![cfg(target_family = "wasm")]

mod common;

use common::{url, within, LONG};
use futures::stream::FusedStream;
use futures::{SinkExt, StreamExt};
use sockwave::{CloseCode, Error, Message, ReadyState, WebSocket};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

async fn connect(route: &str) -> WebSocket {
    within(LONG, "connect", WebSocket::connect(url(route)))
        .await
        .expect("connects")
}

#[wasm_bindgen_test]
async fn server_close_code_and_reason_arrive_intact() {
    let mut ws = connect("/close?code=4000&reason=server%20says%20bye").await;
    assert_eq!(within(LONG, "stream end", ws.next()).await, None);
    assert!(ws.is_terminated());
    assert_eq!(ws.next().await, None, "fused");
    let ev = ws.closed().await;
    assert_eq!(ev.code, 4000);
    assert_eq!(ev.reason, "server says bye");
    assert!(ev.was_clean);
    assert_eq!(ev.close_code(), CloseCode::PrivateUse(4000));
}

#[wasm_bindgen_test]
async fn unicode_reason_arrives_intact() {
    let mut ws =
        connect("/close?code=4999&reason=%E2%9C%93%20t%E1%BA%A1m%20bi%E1%BB%87t%20%F0%9F%A6%80")
            .await;
    assert_eq!(within(LONG, "stream end", ws.next()).await, None);
    let ev = ws.closed().await;
    assert_eq!((ev.code, ev.reason.as_str()), (4999, "✓ tạm biệt 🦀"));
}

#[wasm_bindgen_test]
async fn unclean_close_is_one_connection_lost_then_none() {
    let mut ws = connect("/drop?after=1").await;
    ws.send(Message::text("last words")).await.expect("sends");
    assert_eq!(
        within(LONG, "echo", ws.next()).await,
        Some(Ok(Message::text("last words")))
    );
    let lost = within(LONG, "loss", ws.next()).await;
    let ev = match lost {
        Some(Err(Error::ConnectionLost(ev))) => ev,
        other => panic!("expected ConnectionLost, got {other:?}"),
    };
    assert_eq!(ev.code, 1006);
    assert!(!ev.was_clean);
    assert_eq!(ws.next().await, None);
    assert_eq!(ws.next().await, None);
    assert_eq!(ws.closed().await, ev);
}

#[wasm_bindgen_test]
async fn close_with_validates_before_touching_the_socket() {
    let mut ws = connect("/echo").await;
    for code in [0u16, 999, 1001, 1005, 1006, 1015, 2999, 5000, u16::MAX] {
        assert_eq!(
            ws.close_with(code, "").await,
            Err(Error::InvalidCloseCode(code))
        );
    }
    let long = "ệ".repeat(42); // 126 bytes
    assert_eq!(
        ws.close_with(4001u16, &long).await,
        Err(Error::ReasonTooLong { len: 126 })
    );
    assert_eq!(ws.ready_state(), ReadyState::Open);
    assert_eq!(
        ws.send(Message::text("still open")).await,
        Ok(()),
        "socket untouched"
    );
    assert_eq!(
        within(LONG, "echo", ws.next()).await,
        Some(Ok(Message::text("still open")))
    );

    let ev = within(LONG, "close", ws.close_with(CloseCode::from(4001), "bye"))
        .await
        .expect("valid close");
    assert_eq!(
        (ev.code, ev.reason.as_str(), ev.was_clean),
        (4001, "bye", true)
    );
    assert_eq!(ws.next().await, None);
    // Closing again just reports the same event.
    assert_eq!(ws.close_with(1000u16, "").await, Ok(ev));
}

#[wasm_bindgen_test]
async fn sink_close_is_1000_and_waits() {
    let mut ws = connect("/echo").await;
    within(LONG, "sink close", ws.close())
        .await
        .expect("closes");
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    let ev = ws.closed().await;
    assert_eq!((ev.code, ev.was_clean), (1000, true));
}

#[wasm_bindgen_test]
async fn send_after_close_is_closed() {
    let mut ws = connect("/echo").await;
    ws.close_with(1000u16, "").await.expect("closes");
    assert_eq!(ws.send(Message::text("late")).await, Err(Error::Closed));
    assert_eq!(ws.try_send("late"), Err(Error::Closed));
    assert_eq!(ws.buffered_amount(), 0, "nothing silently buffered");

    // Also while closing, before the close event.
    let ws = connect("/echo").await;
    let raw = ws.as_raw().clone();
    raw.close().expect("closes");
    assert_eq!(ws.ready_state(), ReadyState::Closing);
    assert_eq!(ws.try_send(vec![1u8, 2, 3]), Err(Error::Closed));
    assert_eq!(raw.buffered_amount(), 0);
}

#[wasm_bindgen_test]
async fn dropping_the_last_handle_closes_and_detaches() {
    let trap = common::ErrorTrap::install();
    let ws = connect("/echo").await;
    // Messages in flight when the socket is dropped must not reach a freed closure.
    ws.try_send("in flight").expect("sends");
    let raw = ws.as_raw().clone();
    let mut events = ws.events();
    let (tx, rx) = ws.split();
    assert_eq!(sockwave::live_listeners(), 4);
    drop(tx);
    assert_eq!(raw.ready_state(), 1, "one half still holds it open");
    drop(rx);
    assert_eq!(sockwave::live_listeners(), 0);
    assert_eq!(raw.ready_state(), 2, "closing");
    // The events stream ends instead of waiting forever.
    assert_eq!(within(LONG, "events end", events.next()).await, None);
    // The browser finishes the close on its own, with 1000, and no freed closure is called.
    let close = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::new(&mut |resolve, _| {
        raw.set_onclose(Some(&resolve));
    }));
    let ev = within(LONG, "raw close", close).await.expect("close event");
    let ev: web_sys::CloseEvent = wasm_bindgen::JsCast::unchecked_into(ev);
    assert_eq!(ev.code(), 1000);
    raw.set_onclose(None);
    assert_eq!(trap.errors(), Vec::<String>::new(), "no uncaught errors");
}

#[wasm_bindgen_test]
async fn the_error_trap_does_see_a_freed_closure() {
    // Proves the trap used above can fail: a raw socket calling a dropped closure is caught.
    use wasm_bindgen::JsCast;
    let trap = common::ErrorTrap::install();
    let raw = web_sys::WebSocket::new(&url("/echo")).expect("valid");
    let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(|| {});
    raw.set_onopen(Some(callback.as_ref().unchecked_ref()));
    drop(callback);
    for _ in 0..50 {
        if !trap.errors().is_empty() {
            break;
        }
        common::sleep(20).await;
    }
    raw.set_onopen(None);
    let _ = raw.close();
    assert_eq!(trap.errors().len(), 1, "{:?}", trap.errors());
}
