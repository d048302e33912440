//! The native face (tokio, tokio-tungstenite, rustls) against the dev server named by
//! `SOCKWAVE_WS_BASE` (`SOCKWAVE_WSS_BASE` for `wss://`): what only native has, and its faults.
//! The behaviour it shares with the browsers is held by the conformance scenarios
//! (`tests/conformance.rs`, which runs natively too).
//!
//! What's tested:
//! 1. every handle is `Send + Sync`: the halves of one socket echo across `tokio::spawn` tasks
//!    on a multi-threaded runtime;
//! 2. faults, each a typed error with its cause, never a panic or a hang: nothing listening,
//!    a name that does not resolve, an HTTP answer instead of the handshake, no answer at all
//!    (connect timeout), a URL that is not ws/wss, a bad request header, no tokio runtime, a
//!    certificate nobody trusts;
//! 3. `wss://` when the dev server's CA is trusted (`SSL_CERT_FILE`, read as the platform's
//!    store); a certificate from that CA for another host is refused, naming the host;
//!    a frame over the receive limit is the receive overflow (over the 1 GiB cap with the
//!    limit off: 1009), read from its header alone (a reconnecting socket's connections too);
//!    sends from many tasks at once all go out;
//! 4. a server that stops reading: the `Sink` waits at the high-water mark, `buffered_amount`
//!    (what is not yet written to the TCP socket) stays bounded; with `send`, and with `feed`
//!    alone (`poll_ready` holds it, with no flush waiting); the mark is exclusive (at it,
//!    no room), and `flush` waits until everything is on the TCP socket;
//! 5. request headers reach the handshake;
//! 6. the reconnecting socket: `Send + Sync`, driven from a spawned task, no attempt while the
//!    app says the network is gone (`set_online(false)`), one when it is back; outside a
//!    runtime its stream says `NoRuntime`;
//! 7. `protocol_heartbeat`: ping frames keep a live connection (the server answers them by
//!    itself) and declare a server that reads nothing dead (4000, heartbeat timeout).
#![cfg(not(target_family = "wasm"))]

use std::time::Duration;

use futures::{FutureExt, SinkExt, StreamExt};
use sockwave::{Error, Message, ReadyState, WebSocket};

/// The dev server's base URL; `None` skips (unless `npm test` requires it).
fn base(var: &str) -> Option<String> {
    let base = std::env::var(var).ok();
    assert!(
        base.is_some() || std::env::var_os("SOCKWAVE_REQUIRE_DEVSERVER").is_none(),
        "{var} is not set"
    );
    base
}

fn url(route: &str) -> Option<String> {
    base("SOCKWAVE_WS_BASE").map(|b| format!("{b}{route}"))
}

/// Whether this process trusts the dev server's CA: scripts/test.sh runs the `wss` test once
/// without it, then once with `SSL_CERT_FILE` pointing at it (read by rustls-native-certs as
/// the platform's store) and `SOCKWAVE_DEV_CA_TRUSTED` set.
fn dev_ca_trusted() -> bool {
    std::env::var_os("SOCKWAVE_DEV_CA_TRUSTED").is_some()
}

const LONG: Duration = Duration::from_secs(10);

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(LONG, f)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {LONG:?}"))
}

#[test]
fn every_handle_is_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<WebSocket>();
    send_sync::<sockwave::ReadHalf>();
    send_sync::<sockwave::WriteHalf>();
    send::<sockwave::Connect>();
    send::<sockwave::Events>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_halves_echo_across_spawned_tasks() {
    let Some(url) = url("/echo") else { return };
    let ws = within("connect", WebSocket::connect(url))
        .await
        .expect("open");
    let (mut write, mut read) = ws.split();
    let writer = tokio::spawn(async move {
        for i in 0..100 {
            write.send(Message::text(format!("m{i}"))).await?;
        }
        Ok::<_, Error>(write)
    });
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        while got.len() < 100 {
            match read.next().await {
                Some(Ok(m)) => got.push(m.as_text().unwrap_or_default().to_owned()),
                other => panic!("echo ended early: {other:?}"),
            }
        }
        (got, read)
    });
    let write = within("writer", writer).await.unwrap().expect("sent");
    let (got, read) = within("reader", reader).await.unwrap();
    let expected: Vec<String> = (0..100).map(|i| format!("m{i}")).collect();
    assert_eq!(got, expected, "in order, none lost");
    let ws = read.reunite(write).expect("one socket");
    let close = within("close", ws.close_with(4000u16, "bye"))
        .await
        .unwrap();
    assert_eq!(
        (close.code, close.reason.as_str(), close.was_clean),
        (4000, "bye", true)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sends_from_many_tasks_at_once_all_go_out() {
    // Senders write to the connection themselves; one that finds another's flush under way
    // leaves its message to that writer, which must then send it too (a message left behind
    // would wait for unrelated traffic: the last one, forever).
    let Some(url) = url("/echo") else { return };
    let ws = std::sync::Arc::new(
        within("connect", WebSocket::connect(url))
            .await
            .expect("open"),
    );
    let (tasks, each) = (4, 500);
    let senders: Vec<_> = (0..tasks)
        .map(|t| {
            let ws = std::sync::Arc::clone(&ws);
            tokio::spawn(async move {
                for i in 0..each {
                    ws.try_send(Message::binary(vec![t as u8; 512 + i % 7]))
                        .expect("sent");
                    if i % 50 == 0 {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    for sender in senders {
        within("senders", sender).await.unwrap();
    }
    let mut ws = std::sync::Arc::into_inner(ws).expect("the one handle left");
    for _ in 0..tasks * each {
        assert!(matches!(within("every echo", ws.next()).await, Some(Ok(_))));
    }
    assert_eq!(ws.buffered_amount(), 0);
}

/// How a reconnecting socket's first connection ended (bounded).
async fn first_disconnect(ws: &sockwave::reconnect::ReconnectingWebSocket) -> sockwave::CloseEvent {
    use sockwave::reconnect::ConnectionState;
    let mut states = ws.states();
    within("disconnected", async {
        while let Some(s) = states.next().await {
            if let ConnectionState::Disconnected { close, .. } = s {
                return close;
            }
        }
        panic!("the states ended")
    })
    .await
}

#[tokio::test]
async fn a_reconnecting_socket_refuses_an_oversize_frame_too() {
    use sockwave::reconnect::ReconnectingWebSocket;
    let Some(url) = url("/oversize") else { return };
    // Past its receive limit (the default, 64 MiB): the receive overflow, and it stops.
    let mut ws = ReconnectingWebSocket::builder(url.as_str())
        .max_retries(Some(0))
        .build();
    let close = first_disconnect(&ws).await;
    assert_eq!(
        (close.code, close.reason.as_str()),
        (4009, "receive buffer full")
    );
    match within("the end", ws.next()).await {
        Some(Err(Error::ReceiveOverflow { limit })) => assert_eq!(limit, 64 << 20),
        other => panic!("expected ReceiveOverflow, got {other:?}"),
    }
    // With the limit off: past the 1 GiB cap, 1009, a loss like any other.
    let ws = ReconnectingWebSocket::builder(url)
        .max_buffered_bytes(usize::MAX)
        .max_retries(Some(0))
        .build();
    let close = first_disconnect(&ws).await;
    assert_eq!(
        (close.code, close.was_clean),
        (1009, false),
        "{}",
        close.reason
    );
}

#[tokio::test]
async fn faults_are_typed_errors_with_their_cause() {
    let Some(refused_route) = url("/reject?status=403") else {
        return;
    };
    // Nothing listening.
    match within("refused", WebSocket::connect("ws://127.0.0.1:19999/")).await {
        Err(Error::ConnectFailed(ev)) => {
            assert_eq!((ev.code, ev.was_clean), (1006, false));
            assert!(ev.reason.contains("refused"), "the cause: {}", ev.reason);
        }
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
    // A name that does not resolve. A label over 63 bytes cannot be put in a DNS query: the
    // resolver fails at once, on this machine (no query leaves it).
    let unresolvable = format!("ws://{}.invalid/", "a".repeat(64));
    match within("dns", WebSocket::connect(unresolvable)).await {
        Err(Error::ConnectFailed(ev)) => {
            assert_eq!((ev.code, ev.was_clean), (1006, false));
            assert!(ev.reason.contains("lookup"), "the cause: {}", ev.reason);
        }
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
    // An HTTP answer instead of the handshake.
    match within("403", WebSocket::connect(refused_route)).await {
        Err(Error::ConnectFailed(ev)) => {
            assert_eq!(ev.code, 1006);
            assert_eq!(ev.reason, "handshake refused: HTTP 403");
        }
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
    // No answer at all.
    let hang = WebSocket::builder(url("/hang").unwrap())
        .connect_timeout(Duration::from_millis(200))
        .connect();
    assert!(matches!(
        within("hang", hang).await,
        Err(Error::ConnectTimeout)
    ));
    // Not a WebSocket URL, a fragment, a header that is not one: refused before any I/O.
    for bad in [
        "http://127.0.0.1/",
        "ws://",
        "ws://127.0.0.1/#frag",
        "no url",
    ] {
        match WebSocket::open(bad) {
            Err(Error::InvalidUrl { url, .. }) => assert_eq!(url, bad),
            other => panic!("{bad}: expected InvalidUrl, got {other:?}"),
        }
    }
    let header = WebSocket::builder(url("/echo").unwrap())
        .header("bad header", "x")
        .open();
    assert!(
        matches!(header, Err(Error::InvalidHeader { .. })),
        "{header:?}"
    );
    let protocols = WebSocket::builder(url("/echo").unwrap())
        .protocols(["a b"])
        .open();
    assert!(matches!(protocols, Err(Error::InvalidProtocol { .. })));
}

#[test]
fn outside_a_runtime_is_no_runtime_not_a_panic() {
    assert_eq!(
        WebSocket::open("ws://127.0.0.1:9/").err(),
        Some(Error::NoRuntime)
    );
}

#[tokio::test]
async fn wss_trusts_what_the_platform_trusts() {
    let Some(base) = base("SOCKWAVE_WSS_BASE") else {
        return;
    };
    let opened = within("wss", WebSocket::connect(format!("{base}/echo"))).await;
    if !dev_ca_trusted() {
        // The dev server's throwaway CA is in no store: refused, saying why.
        match opened {
            Err(Error::ConnectFailed(ev)) => {
                assert!(
                    ev.reason.to_lowercase().contains("certificate"),
                    "{}",
                    ev.reason
                );
            }
            other => panic!("expected a certificate failure, got {other:?}"),
        }
        return;
    }
    let mut ws = opened.expect("wss open with the dev CA trusted");
    ws.send(Message::text("over tls")).await.unwrap();
    let echo = within("echo", ws.next()).await;
    assert_eq!(echo, Some(Ok(Message::text("over tls"))));
}

#[tokio::test]
async fn wss_to_the_wrong_host_is_refused_naming_it() {
    let Some(base) = base("SOCKWAVE_WRONG_HOST_BASE") else {
        return;
    };
    // The dev CA's certificate for `sockwave.invalid` only: with the CA trusted, all that is
    // wrong is the name.
    match within("wrong host", WebSocket::connect(format!("{base}/echo"))).await {
        Err(Error::ConnectFailed(ev)) => {
            assert_eq!((ev.code, ev.was_clean), (1006, false));
            let cause = if dev_ca_trusted() {
                "not valid for name \"127.0.0.1\""
            } else {
                "UnknownIssuer"
            };
            assert!(ev.reason.contains(cause), "{cause}: {}", ev.reason);
        }
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
}

#[tokio::test]
async fn an_oversize_frame_is_refused_from_its_header() {
    let Some(url) = url("/oversize") else { return };
    // The server announces a binary frame of 2^40 bytes and sends none of it: refused from
    // the header (never trusted, so never an allocation that aborts the process). With the
    // default receive limit it is the receive overflow; with the limit off, past the 1 GiB
    // cap, 1009.
    for limit in [None, Some(usize::MAX)] {
        let mut builder = WebSocket::builder(url.clone());
        if let Some(limit) = limit {
            builder = builder.max_buffered_bytes(limit);
        }
        let mut ws = within("open", builder.connect()).await.expect("open");
        match (limit, within("oversize", ws.next()).await) {
            (None, Some(Err(Error::ReceiveOverflow { limit }))) => assert_eq!(limit, 64 << 20),
            (Some(_), Some(Err(Error::ConnectionLost(ev)))) => {
                assert_eq!((ev.code, ev.was_clean), (1009, false), "{}", ev.reason);
                assert!(ev.reason.contains("too long"), "{}", ev.reason);
            }
            (_, other) => panic!("limit {limit:?}: got {other:?}"),
        }
        assert_eq!(ws.next().await, None);
        assert_eq!(ws.ready_state(), ReadyState::Closed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_frame_cap_is_the_receive_limit() {
    // A 256 KiB message, to a reader already waiting: with the receive limit off it arrives
    // whole; with a limit of 1 KiB it is the receive overflow, refused as its frames arrive
    // (no one message may be larger than the limit: decision 45), 4009 to the server.
    let Some(url) = url("/echo") else { return };
    for limit in [usize::MAX, 1024] {
        let ws = within(
            "open",
            WebSocket::builder(url.clone())
                .max_buffered_bytes(limit)
                .connect(),
        )
        .await
        .expect("open");
        let (mut write, mut read) = ws.split();
        let reader = tokio::spawn(async move { read.next().await });
        // The reader waits before the echo can come back.
        tokio::time::sleep(Duration::from_millis(50)).await;
        within("send", write.send(Message::Binary(vec![7; 256 << 10])))
            .await
            .expect("sent");
        match (limit, within("echo", reader).await.unwrap()) {
            (usize::MAX, Some(Ok(Message::Binary(b)))) => assert_eq!(b.len(), 256 << 10),
            (1024, Some(Err(Error::ReceiveOverflow { limit: 1024 }))) => {
                let close = within("closed", write.closed()).await;
                assert_eq!(
                    (close.code, close.reason.as_str()),
                    (4009, "receive buffer full")
                );
            }
            (_, other) => panic!("limit {limit}: got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_close_handshake_ends_the_socket_while_the_server_holds_tcp() {
    // The server sends its close frame, reads the answer, and keeps the TCP connection 60 s:
    // both frames went, so the closing handshake is complete and the socket ends at once
    // (the machine's close timeout, 10 s, is for a handshake that never completes).
    let Some(url) = url("/close?code=4321&reason=bye&linger=60000") else {
        return;
    };
    let mut ws = within("open", WebSocket::connect(url)).await.expect("open");
    assert_eq!(within("the end", ws.next()).await, None);
    let close = within("closed", ws.closed()).await;
    assert_eq!(
        (close.code, close.reason.as_str(), close.was_clean),
        (4321, "bye", true)
    );
    assert_eq!(ws.ready_state(), ReadyState::Closed);
}

#[tokio::test]
async fn a_server_that_stops_reading_holds_the_sink() {
    stall_the_sink(Offer::Send).await;
}

/// Without a flush, `poll_ready` alone holds it: at the high-water mark, counting what the
/// connection was handed and could not write.
#[tokio::test]
async fn a_server_that_stops_reading_holds_the_sink_without_a_flush() {
    stall_the_sink(Offer::Feed).await;
}

enum Offer {
    Send,
    Feed,
}

async fn stall_the_sink(offer: Offer) {
    let Some(url) = url("/stall") else { return };
    const MARK: usize = 1 << 20;
    let mut ws = within(
        "connect",
        WebSocket::builder(url).high_water_mark(MARK).connect(),
    )
    .await
    .expect("open");
    let chunk = vec![7u8; 256 << 10];
    let mut sent = 0usize;
    let mut highest = 0usize;
    // 64 MiB offered; the server reads nothing, so the sink must stop long before.
    let offered = async {
        for _ in 0..256 {
            let message = Message::binary(chunk.clone());
            match offer {
                Offer::Send => ws.send(message).await.unwrap(),
                Offer::Feed => ws.feed(message).await.unwrap(),
            }
            sent += chunk.len();
            highest = highest.max(ws.buffered_amount());
            // The driver's turn to hand what was fed to the connection.
            tokio::task::yield_now().await;
        }
    };
    let stalled = tokio::time::timeout(Duration::from_secs(2), offered)
        .await
        .is_err();
    assert!(stalled, "the sink never waited ({sent} bytes sent)");
    assert!(
        sent < 64 << 20,
        "{sent} bytes went into a server that reads nothing"
    );
    assert!(
        highest <= MARK + chunk.len(),
        "buffered_amount reached {highest}, the mark is {MARK}"
    );
    assert_eq!(ws.ready_state(), ReadyState::Open);
}

/// The mark is a bound, as the browser's `bufferedAmount` rule: at it, `poll_ready` waits (a
/// one-byte mark, one byte queued: no room). And `flush` waits until everything is on the
/// TCP socket: not while a server that stops reading leaves 16 MiB unwritten, then once it
/// reads again, with nothing left buffered.
#[tokio::test]
async fn the_mark_is_exclusive_and_flush_waits_for_the_wire() {
    let Some(url) = url("/stall?ms=1000") else {
        return;
    };
    let mut ws = within(
        "connect",
        WebSocket::builder(url).high_water_mark(1).connect(),
    )
    .await
    .expect("open");
    // A current-thread runtime: the driver does not run before this task yields.
    ws.feed(Message::binary(vec![1])).await.unwrap();
    assert_eq!(ws.buffered_amount(), 1);
    let ready = futures::future::poll_fn(|cx| ws.poll_ready_unpin(cx)).now_or_never();
    assert!(ready.is_none(), "ready at the mark");
    ws.flush().await.unwrap();
    assert_eq!(ws.buffered_amount(), 0);
    // More than the kernel's buffers on both sides hold (a few MiB on loopback).
    let ready = futures::future::poll_fn(|cx| ws.poll_ready_unpin(cx)).now_or_never();
    assert!(matches!(ready, Some(Ok(()))), "{ready:?}");
    ws.start_send_unpin(Message::binary(vec![7u8; 16 << 20]))
        .unwrap();
    let early = tokio::time::timeout(Duration::from_millis(200), ws.flush()).await;
    assert!(early.is_err(), "flushed while the server read nothing");
    assert!(ws.buffered_amount() > 0);
    within("the flush", ws.flush()).await.unwrap();
    assert_eq!(ws.buffered_amount(), 0);
}

#[tokio::test]
async fn request_headers_reach_the_handshake() {
    let Some(url) = url("/echo?pick=chat.v2") else {
        return;
    };
    // The dev server answers the offered subprotocol it is asked to pick: the header list was
    // sent as given. (A custom header is sent the same way: `WebSocketBuilder::header`.)
    let ws = within(
        "connect",
        WebSocket::builder(url)
            .protocols(["chat.v2"])
            .header("Authorization", "Bearer token")
            .connect(),
    )
    .await
    .expect("open");
    assert_eq!(ws.protocol(), "chat.v2");
}

#[test]
fn the_reconnecting_socket_is_send_and_sync_too() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<sockwave::reconnect::ReconnectingWebSocket>();
    send::<sockwave::reconnect::States>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnecting_from_a_spawned_task_and_offline_held_by_the_app() {
    use sockwave::reconnect::{Backoff, ConnectionState, ReconnectingWebSocket};
    let Some(drop_url) = url("/drop?after=1") else {
        return;
    };
    let ws = ReconnectingWebSocket::builder(drop_url)
        .backoff(Backoff::constant(Duration::from_millis(20)))
        .build();
    let mut states = ws.states();
    // The handle moves into another task (another thread, maybe) and works there.
    let ws = tokio::spawn(async move {
        let mut ws = ws;
        ws.send(Message::text("x")).await.unwrap();
        assert_eq!(
            within("echo", ws.next()).await,
            Some(Ok(Message::text("x")))
        );
        ws
    })
    .await
    .unwrap();
    // The server drops it; the app says the network is gone: no attempt until it is back.
    ws.set_online(false);
    let mut seen = Vec::new();
    within("disconnected", async {
        while let Some(s) = states.next().await {
            let lost = matches!(s, ConnectionState::Disconnected { .. });
            seen.push(s);
            if lost {
                break;
            }
        }
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await; // 10 backoff delays
    let attempts = std::iter::from_fn(|| states.next().now_or_never().flatten())
        .filter(|s| matches!(s, ConnectionState::Connecting { .. }))
        .count();
    assert_eq!(attempts, 0, "no attempt while offline (after {seen:?})");
    ws.set_online(true);
    within("open again", async {
        while let Some(s) = states.next().await {
            if s == ConnectionState::Open {
                break;
            }
        }
    })
    .await;
    let close = within("close", ws.close_with(1000u16, "")).await.unwrap();
    assert_eq!(close.code, 1000);
}

#[test]
fn a_reconnecting_socket_outside_a_runtime_says_no_runtime() {
    use futures::executor::block_on;
    let mut ws = sockwave::reconnect::ReconnectingWebSocket::builder("ws://127.0.0.1:9/").build();
    assert_eq!(block_on(ws.next()), Some(Err(Error::NoRuntime)));
    assert_eq!(block_on(ws.next()), None);
}

#[tokio::test]
async fn protocol_pings_keep_a_live_connection_and_catch_a_stalled_one() {
    use sockwave::reconnect::{Backoff, ConnectionState, ReconnectingWebSocket};
    let (Some(echo), Some(stall)) = (url("/echo"), url("/stall")) else {
        return;
    };
    let ms = Duration::from_millis;
    // A server that answers pings (tungstenite does, by itself): no disconnect in 12 intervals.
    let ws = ReconnectingWebSocket::builder(echo)
        .protocol_heartbeat(ms(50), ms(100))
        .backoff(Backoff::constant(ms(60_000)))
        .build();
    let mut states = ws.states();
    tokio::time::sleep(ms(600)).await;
    let seen: Vec<_> = std::iter::from_fn(|| states.next().now_or_never().flatten()).collect();
    assert!(
        !seen
            .iter()
            .any(|s| matches!(s, ConnectionState::Disconnected { .. })),
        "{seen:?}"
    );
    drop(ws);
    // A server that reads nothing answers no ping: declared dead (4000, heartbeat timeout).
    let ws = ReconnectingWebSocket::builder(stall)
        .protocol_heartbeat(ms(50), ms(100))
        .backoff(Backoff::constant(ms(60_000)))
        .build();
    let lost = first_disconnect(&ws).await;
    assert_eq!(
        (lost.code, lost.reason.as_str()),
        (4000, "heartbeat timeout")
    );
}
