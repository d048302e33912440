//! A reconnecting socket and the page around it, in Chrome, Firefox and WebKit. The events are
//! dispatched by the test (the real ones need a real network change or a sleeping laptop);
//! sockwave reacts to the events, never to `navigator.onLine` alone.
//!
//! What's tested:
//! - `offline`: no attempt while offline, however long (no retry spent); `online`: an attempt
//!   at once, backoff reset;
//! - back from sleep (`resume`, `pageshow` with `persisted`): a ping at once, so a connection
//!   that died unnoticed is replaced within the pong timeout, not the heartbeat interval;
//! - into the back/forward cache (`pagehide` with `persisted`): the connection is closed (1000,
//!   "page hidden") and no attempt made; shown again (`pageshow` with `persisted`): connected
//!   at once, and what was sent meanwhile arrives;
//! - every listener it adds is gone after `close()`.
#![cfg(target_family = "wasm")]

mod common;

use std::time::Duration;

use common::{counting_urls, url, wait_open, within, LONG};
use futures::{SinkExt, StreamExt};
use sockwave::reconnect::{
    Backoff, ConnectionState, ReconnectingWebSocket, HEARTBEAT_TIMEOUT_CODE,
};
use sockwave::Message;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const MS: fn(u64) -> Duration = Duration::from_millis;

/// Runs a line of JS in the page (to dispatch an event as the browser would).
fn js(code: &str) {
    js_sys::Function::new_no_args(code)
        .call0(&wasm_bindgen::JsValue::NULL)
        .expect("the script runs");
}

#[wasm_bindgen_test]
async fn offline_pauses_attempts_and_online_attempts_at_once() {
    let listeners_before = sockwave::live_listeners();
    // Refused every time: the socket keeps retrying.
    let (calls, urls) = counting_urls(|_| "/reject");
    let ws = ReconnectingWebSocket::builder("unused")
        .url_provider(urls)
        .backoff(Backoff::constant(MS(30)))
        .build();
    let mut states = ws.states();
    // A few refused attempts, then the network goes away.
    within(LONG, "two attempts", async {
        while calls.get() < 2 {
            states.next().await;
        }
    })
    .await;
    js("dispatchEvent(new Event('offline'))");
    common::sleep(100).await; // an attempt already under way may finish
    let while_offline = calls.get();
    common::sleep(600).await; // twenty backoff delays
    assert_eq!(calls.get(), while_offline, "no attempt while offline");
    // Online again: attempts resume (at once: `online` also resets the backoff).
    js("dispatchEvent(new Event('online'))");
    within(
        Duration::from_millis(2_000),
        "an attempt once online",
        async {
            while calls.get() == while_offline {
                common::sleep(10).await;
            }
        },
    )
    .await;
    let ev = within(LONG, "close", ws.close_with(1000u16, "done"))
        .await
        .expect("closes");
    assert_eq!(ev.code, 1000);
    drop(ws);
    common::sleep(50).await;
    assert_eq!(
        sockwave::live_listeners(),
        listeners_before,
        "every listener removed"
    );
}

async fn probe_detects_a_dead_connection_at_once(event: &str) {
    let listeners_before = sockwave::live_listeners();
    // A heartbeat every minute: only a probe can notice the stalled server within seconds.
    let ws = ReconnectingWebSocket::builder(url("/stall"))
        .heartbeat(MS(60_000), MS(300), Message::text("ping"), |m| {
            m.as_text() == Some("ping")
        })
        .backoff(Backoff::constant(MS(60_000)))
        .build();
    let mut states = ws.states();
    wait_open(&mut states).await;
    // Listeners: 4 for the socket, 6 for the page around it.
    assert_eq!(sockwave::live_listeners(), listeners_before + 10);
    js(event);
    let close = within(Duration::from_secs(3), "the probe's verdict", async {
        while let Some(s) = states.next().await {
            if let ConnectionState::Disconnected { close, .. } = s {
                return close;
            }
        }
        panic!("states ended")
    })
    .await;
    assert_eq!(close.code, HEARTBEAT_TIMEOUT_CODE);
    drop(ws);
    common::sleep(50).await;
    assert_eq!(sockwave::live_listeners(), listeners_before);
}

#[wasm_bindgen_test]
async fn resumed_page_probes_at_once() {
    probe_detects_a_dead_connection_at_once("document.dispatchEvent(new Event('resume'))").await;
}

#[wasm_bindgen_test]
async fn page_back_from_the_back_forward_cache_probes_at_once() {
    probe_detects_a_dead_connection_at_once(
        "dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))",
    )
    .await;
}

#[wasm_bindgen_test]
async fn the_back_forward_cache_closes_and_shown_again_reconnects() {
    let listeners_before = sockwave::live_listeners();
    let (calls, urls) = counting_urls(|_| "/echo");
    // A backoff of a minute: a quick reconnection can only be `pageshow`'s doing.
    let mut ws = ReconnectingWebSocket::builder("unused")
        .url_provider(urls)
        .backoff(Backoff::constant(MS(60_000)))
        .build();
    let mut states = ws.states();
    wait_open(&mut states).await;
    js("dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }))");
    let close = common::wait_state(&mut states, "closed for the cache", |s| match s {
        ConnectionState::Disconnected { close, .. } => Some(close),
        _ => None,
    })
    .await;
    assert_eq!((close.code, close.reason.as_str()), (1000, "page hidden"));
    ws.feed(Message::text("while hidden"))
        .await
        .expect("queued");
    common::sleep(300).await;
    assert_eq!(calls.get(), 1, "no attempt while in the cache");
    js("dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))");
    wait_open(&mut states).await;
    assert_eq!(
        within(LONG, "what was sent meanwhile", ws.next()).await,
        Some(Ok(Message::text("while hidden")))
    );
    ws.close_with(1000u16, "done").await.expect("closes");
    drop(ws);
    common::sleep(50).await;
    assert_eq!(sockwave::live_listeners(), listeners_before);
}
