//! The native face against servers of its own, bound to 127.0.0.1 in the test: attempts
//! that never open, and servers that open and drop at once.
//!
//! What's tested:
//! 1. an attempt the machine discards (its connect timeout) ends at once, task and TCP
//!    connection: a server that accepts and never answers never holds more than 2 of a
//!    reconnecting socket's connections at once, and none within 1 s of the socket's drop;
//! 2. a plain connect future dropped half-way lets its TCP connection go;
//! 3. backoff survives flapping: a server that completes the handshake and drops at once
//!    draws no more attempts than one that refuses outright (the retry count starts over
//!    only after a connection stayed open `min_uptime`);
//! 4. the defaults: a 30 s connect timeout on every builder, `no_connect_timeout` to wait.
#![cfg(not(target_family = "wasm"))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use sockwave::reconnect::{Backoff, ConnectionState, ReconnectingWebSocket};
use sockwave::WebSocket;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// Connections a silent server holds open right now, and the most it ever held at once.
#[derive(Default)]
struct Held {
    now: AtomicUsize,
    most: AtomicUsize,
    accepted: AtomicUsize,
}

/// A server on 127.0.0.1 that accepts every connection, reads what comes and never answers;
/// it counts a connection as held until the client closes it.
async fn silent_server() -> (String, Arc<Held>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/silent", listener.local_addr().unwrap());
    let held = Arc::new(Held::default());
    let counts = Arc::clone(&held);
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            counts.accepted.fetch_add(1, Ordering::SeqCst);
            let now = counts.now.fetch_add(1, Ordering::SeqCst) + 1;
            counts.most.fetch_max(now, Ordering::SeqCst);
            let counts = Arc::clone(&counts);
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                // Bounded: a client that never lets go fails the test's own checks first.
                let deadline = tokio::time::sleep(Duration::from_secs(20));
                tokio::pin!(deadline);
                loop {
                    tokio::select! {
                        read = tcp.read(&mut buf) => if matches!(read, Ok(0) | Err(_)) { break },
                        _ = &mut deadline => break,
                    }
                }
                counts.now.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (url, held)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_discarded_attempt_lets_its_connection_go() {
    let (url, held) = silent_server().await;
    let ws = ReconnectingWebSocket::builder(url)
        .connect_timeout(Duration::from_millis(50))
        .backoff(Backoff::constant(Duration::from_millis(10)))
        .build();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(held.now.load(Ordering::SeqCst) <= 2);
    }
    let accepted = held.accepted.load(Ordering::SeqCst);
    assert!(accepted >= 10, "only {accepted} attempts in 2 s");
    assert!(
        held.most.load(Ordering::SeqCst) <= 2,
        "{} connections held at once",
        held.most.load(Ordering::SeqCst)
    );
    drop(ws);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(held.now.load(Ordering::SeqCst), 0, "held after the drop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connect_future_lets_its_connection_go() {
    let (url, held) = silent_server().await;
    let connect = WebSocket::builder(url).no_connect_timeout().connect();
    let timed_out = tokio::time::timeout(Duration::from_millis(300), connect).await;
    assert!(timed_out.is_err(), "a silent server cannot open a socket");
    assert_eq!(held.accepted.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(held.now.load(Ordering::SeqCst), 0, "held after the drop");
}

/// Attempts a reconnecting socket makes to `url` in `window`, with a 10 ms backoff doubling
/// to 5 s and no jitter.
async fn attempts_in(url: String, window: Duration) -> u32 {
    let ws = ReconnectingWebSocket::builder(url)
        .backoff(
            Backoff::exponential(Duration::from_millis(10), Duration::from_secs(5)).factor(2.0),
        )
        .build();
    let mut states = ws.states();
    let mut attempts = 0;
    let _ = tokio::time::timeout(window, async {
        while let Some(state) = states.next().await {
            if matches!(state, ConnectionState::Connecting { .. }) {
                attempts += 1;
            }
        }
    })
    .await;
    attempts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flapping_server_draws_no_more_attempts_than_a_refusing_one() {
    // Opens (a full handshake), then drops the connection at once.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let flapping = format!("ws://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ws = tokio_tungstenite::accept_async(tcp).await;
            });
        }
    });
    // Refuses: nothing listens on a port just freed.
    let refusing = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("ws://{}/", listener.local_addr().unwrap())
    };
    let window = Duration::from_millis(1500);
    let (flaps, refusals) =
        tokio::join!(attempts_in(flapping, window), attempts_in(refusing, window));
    // 10, 20, 40, ... 640 ms: 8 attempts fit in 1.5 s either way; a retry count that started
    // over at every open would make one every 10 ms.
    assert!(
        (4..=9).contains(&refusals),
        "{refusals} attempts against a refusing server"
    );
    assert!(
        flaps <= refusals + 1,
        "{flaps} attempts against a flapping server, {refusals} against a refusing one"
    );
}

#[test]
fn every_builder_has_a_30_s_connect_timeout_by_default() {
    assert_eq!(sockwave::DEFAULT_CONNECT_TIMEOUT, 30_000);
    let plain = format!("{:?}", WebSocket::builder("ws://127.0.0.1:9/"));
    assert!(plain.contains("connect_timeout: Some(30s)"), "{plain}");
    let waits = format!(
        "{:?}",
        WebSocket::builder("ws://127.0.0.1:9/").no_connect_timeout()
    );
    assert!(waits.contains("connect_timeout: None"), "{waits}");
    let reconnecting = format!("{:?}", ReconnectingWebSocket::builder("ws://127.0.0.1:9/"));
    assert!(
        reconnecting.contains("connect_timeout: Some(30000)"),
        "{reconnecting}"
    );
}
