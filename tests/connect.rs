//! Opening sockets, in Chrome, Firefox and WebKit.
//!
//! What's tested:
//! - `connect` resolves only once open; `open` returns while connecting and `opened` waits;
//! - nothing listening, handshake refused (HTTP 403), a port the browser blocks (WebKit fires
//!   no `close` there): `ConnectFailed(CloseEvent)`;
//! - an invalid URL, a wrong scheme, a fragment, a bad subprotocol: `InvalidUrl` /
//!   `InvalidProtocol`, at once, no panic;
//! - the connect timeout fires `ConnectTimeout` against a server that never answers;
//! - dropping a connect future half-way detaches every listener;
//! - several subprotocols offered, the server picks one, `protocol()` reports it.
#![cfg(target_family = "wasm")]

mod common;

use std::time::Duration;

use common::{url, within, DEAD_URL, LONG};
use futures::{FutureExt, StreamExt};
use sockwave::{Error, ReadyState, WebSocket};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn connect_resolves_once_open() {
    let ws = within(LONG, "connect", WebSocket::connect(url("/echo")))
        .await
        .expect("connects");
    assert_eq!(ws.ready_state(), ReadyState::Open);
    assert_eq!(ws.url(), url("/echo"));
    assert_eq!(ws.buffered_amount(), 0);
    assert_eq!(ws.protocol(), "");
}

#[wasm_bindgen_test]
async fn open_returns_while_connecting() {
    let ws = WebSocket::open(url("/echo")).expect("valid url");
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    within(LONG, "opened", ws.opened()).await.expect("opens");
    assert_eq!(ws.ready_state(), ReadyState::Open);
}

#[wasm_bindgen_test]
async fn nothing_listening_is_connect_failed() {
    let err = within(LONG, "connect", WebSocket::connect(DEAD_URL))
        .await
        .expect_err("nothing listens");
    match err {
        Error::ConnectFailed(ev) => {
            assert_eq!(ev.code, 1006);
            assert!(!ev.was_clean);
        }
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
    assert_eq!(sockwave::live_listeners(), 0);
}

/// WebKit refuses a port it blocks (9, discard) by firing `error` while still `CONNECTING` and
/// never `close`; Chromium and Firefox fire both. sockwave ends it the same way everywhere.
/// Nothing is sent: the browser refuses before any connection is made.
#[wasm_bindgen_test]
async fn a_port_the_browser_blocks_is_connect_failed() {
    let mut ws = WebSocket::open("ws://127.0.0.1:9/").expect("a valid URL");
    let mut events = ws.events();
    let err = within(LONG, "opened", ws.opened())
        .await
        .expect_err("blocked");
    match err {
        Error::ConnectFailed(ev) => assert_eq!((ev.code, ev.was_clean), (1006, false)),
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    assert_eq!(ws.try_send("x"), Err(Error::Closed));
    let next = within(LONG, "stream end", ws.next()).await;
    assert!(
        matches!(next, Some(Err(Error::ConnectFailed(_)))),
        "{next:?}"
    );
    // Exactly one close, whether the engine fired one or sockwave made it.
    let seen: Vec<_> = within(LONG, "events", events.by_ref().collect::<Vec<_>>()).await;
    let closes = seen
        .iter()
        .filter(|e| matches!(e, sockwave::WsEvent::Close(_)))
        .count();
    assert_eq!(closes, 1, "{seen:?}");
    drop(ws);
    assert_eq!(sockwave::live_listeners(), 0);
}

#[wasm_bindgen_test]
async fn refused_handshake_is_connect_failed() {
    let err = within(
        LONG,
        "connect",
        WebSocket::connect(url("/reject?status=403")),
    )
    .await
    .expect_err("403");
    assert!(
        matches!(err, Error::ConnectFailed(ref ev) if ev.code == 1006),
        "{err:?}"
    );
}

#[wasm_bindgen_test]
async fn bad_urls_are_invalid_url() {
    // (Relative URLs and http(s) are valid in current browsers: they resolve against the page.)
    let bad_urls = [
        "ws://",
        "ws://[::1/",
        "ws://127.0.0.1:99999/",
        "ftp://127.0.0.1:9998/echo",
        "ws://127.0.0.1:9998/echo#frag",
    ];
    for bad in bad_urls {
        match WebSocket::connect(bad).await {
            Err(Error::InvalidUrl { url, reason }) => {
                assert_eq!(url, bad);
                assert!(!reason.is_empty());
            }
            other => panic!("{bad:?}: expected InvalidUrl, got {other:?}"),
        }
    }
    // The browser's exception may quote the URL: no secret of it reaches any text.
    let secret = "ftp://alice:hunter2@127.0.0.1:9998/echo?token=SECRET";
    let e = WebSocket::connect(secret).await.unwrap_err();
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(
            !text.contains("hunter2") && !text.contains("SECRET"),
            "{text}"
        );
    }
    assert!(
        e.to_string().contains("\"ftp://127.0.0.1:9998/echo?…\""),
        "{e}"
    );
    assert_eq!(sockwave::live_listeners(), 0);
}

/// A server that selects an extension the browser never offered: the browser fails the
/// connection before it opens (native: the same, naming it; tests/hostile.rs).
#[wasm_bindgen_test]
async fn an_extension_nobody_offered_fails_the_connection() {
    match WebSocket::connect(url("/extension?value=x-hostile")).await {
        Err(Error::ConnectFailed(ev)) => assert_eq!((ev.code, ev.was_clean), (1006, false)),
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
    assert_eq!(sockwave::live_listeners(), 0);
}

#[wasm_bindgen_test]
async fn bad_subprotocols_are_invalid_protocol() {
    for bad in [vec!["a b"], vec!["chat", "chat"], vec![""]] {
        let err = WebSocket::builder(url("/echo"))
            .protocols(bad.clone())
            .connect()
            .await
            .expect_err("invalid protocol");
        assert!(
            matches!(err, Error::InvalidProtocol { .. }),
            "{bad:?}: {err:?}"
        );
    }
}

#[wasm_bindgen_test]
async fn connect_timeout_fires() {
    let err = within(
        LONG,
        "connect with timeout",
        WebSocket::builder(url("/hang"))
            .connect_timeout(Duration::from_millis(200))
            .connect(),
    )
    .await
    .expect_err("the server never answers");
    assert_eq!(err, Error::ConnectTimeout);
    assert_eq!(sockwave::live_listeners(), 0);
}

#[wasm_bindgen_test]
async fn dropping_connect_half_way_detaches_everything() {
    let trap = common::ErrorTrap::install();
    let mut connect = Box::pin(WebSocket::connect(url("/hang")));
    assert!((&mut connect).now_or_never().is_none(), "still connecting");
    assert_eq!(sockwave::live_listeners(), 4);
    drop(connect);
    assert_eq!(sockwave::live_listeners(), 0);
    // Let any event the browser had queued be dispatched: nothing may call a freed closure.
    common::sleep(50).await;
    assert_eq!(trap.errors(), Vec::<String>::new(), "no uncaught errors");
}

#[wasm_bindgen_test]
async fn server_picks_one_of_several_subprotocols() {
    let ws = within(
        LONG,
        "connect",
        WebSocket::builder(url("/echo?pick=chat.v1"))
            .protocols(["chat.v2", "chat.v1"])
            .connect(),
    )
    .await
    .expect("connects");
    assert_eq!(ws.protocol(), "chat.v1");
    let first = WebSocket::builder(url("/echo"))
        .protocols(["chat.v2", "chat.v1"])
        .connect()
        .await
        .expect("connects");
    assert_eq!(first.protocol(), "chat.v2");
}
