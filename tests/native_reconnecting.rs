//! The reconnecting socket natively, against the dev server named by `SOCKWAVE_WS_BASE`: what
//! an app reads from its handle and how its `Sink` answers, where the simulation of the shells
//! (`src/reconnect/sim/`) does not look. Each test was asked for by a mutation that survived
//! (`npm run mutants`, docs/machine.md).
//!
//! 1. the open connection's URL, subprotocol and extensions, `Debug`, the stream's end and
//!    `is_terminated`;
//! 2. the `Sink` while disconnected: `QueueFull` at the queue limit from `poll_ready` and from
//!    `start_send`, `flush` done at once; after `close()`: `Closed` from every call;
//! 3. `reconnect()` after the socket gave up starts it over (a new driver: a new connection);
//! 4. `resumed()` probes the connection at once (a server that answers no ping is let go
//!    within the heartbeat's timeout, not at the next interval);
//! 5. `buffered_amount()` counts what a server that stops reading left unwritten;
//! 6. the state streams: no state twice in a row, every stop reported (also the second one,
//!    after a `reconnect()`), each stream ended when the socket is closed for good, and one
//!    made after that gets the last state and ends;
//! 7. built outside a tokio runtime, `reconnect()` inside one starts the socket;
//! 8. under a high-water mark of one byte, every message waits its turn and arrives in order
//!    (the writers are woken as the queue drains);
//! 9. a `Detached` over it shows how it ended, and closes it;
//! 10. a write buffer that a stalling server lets fill, then drains: every message arrives, in
//!     order (the plain native socket too).
#![cfg(not(target_family = "wasm"))]

use std::future::poll_fn;
use std::pin::Pin;
use std::time::Duration;

use futures::stream::FusedStream;
use futures::{FutureExt, Sink, SinkExt, StreamExt};
use sockwave::reconnect::{Backoff, ConnectionState, ReconnectingWebSocket};
use sockwave::{Error, Message};

fn url(route: &str) -> Option<String> {
    let base = std::env::var("SOCKWAVE_WS_BASE").ok();
    assert!(
        base.is_some() || std::env::var_os("SOCKWAVE_REQUIRE_DEVSERVER").is_none(),
        "SOCKWAVE_WS_BASE is not set"
    );
    base.map(|b| format!("{b}{route}"))
}

const LONG: Duration = Duration::from_secs(10);

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(LONG, f)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {LONG:?}"))
}

/// Waits for the first state `wanted` accepts, returning it.
async fn state_where(
    ws: &ReconnectingWebSocket,
    wanted: impl Fn(&ConnectionState) -> bool,
) -> ConnectionState {
    let mut states = ws.states();
    within("the state", async {
        loop {
            let state = states.next().await.expect("the states ended");
            if wanted(&state) {
                return state;
            }
        }
    })
    .await
}

#[tokio::test]
async fn the_open_connection_shows_its_url_subprotocol_and_extensions() {
    let Some(echo) = url("/echo?pick=chat.v2") else {
        return;
    };
    let mut ws = ReconnectingWebSocket::builder(echo.clone())
        .protocols(["chat.v2"])
        .build();
    let mut states = ws.states();
    // Nothing while disconnected.
    assert_eq!(
        (ws.url(), ws.protocol(), ws.buffered_amount()),
        (String::new(), String::new(), 0)
    );
    state_where(&ws, |s| matches!(s, ConnectionState::Open)).await;
    assert_eq!(ws.url(), echo);
    assert_eq!(ws.protocol(), "chat.v2");
    assert_eq!(ws.extensions(), "", "natively no extension is offered");
    let shown = format!("{ws:?}");
    assert!(
        shown.starts_with("ReconnectingWebSocket {") && shown.contains("Open"),
        "{shown}"
    );
    ws.send(Message::text("a")).await.unwrap();
    assert_eq!(
        within("the echo", ws.next()).await.unwrap().unwrap(),
        Message::text("a")
    );
    assert!(!ws.is_terminated());
    ws.close_with(1000, "done").await.unwrap();
    assert!(within("the end", ws.next()).await.is_none());
    assert!(ws.is_terminated());
    // The state stream: no state twice in a row, and it ends (closed for good).
    let seen: Vec<_> = within("the states' end", states.by_ref().collect()).await;
    assert!(seen.windows(2).all(|w| w[0] != w[1]), "{seen:?}");
    assert!(
        matches!(seen.last(), Some(ConnectionState::Closed(c)) if c.code == 1000),
        "{seen:?}"
    );
    // A stream made after the end: the last state, then its end.
    let late: Vec<_> = within("a late stream", ws.states().collect()).await;
    assert!(
        matches!(late.as_slice(), [ConnectionState::Closed(_)]),
        "{late:?}"
    );
}

#[tokio::test]
async fn the_sink_while_disconnected_and_after_close() {
    // Nothing listens on port 9: every attempt is refused; the backoff keeps it disconnected.
    let mut ws = ReconnectingWebSocket::builder("ws://127.0.0.1:9/")
        .queue_limit(2)
        .backoff(Backoff::constant(ms(60_000)))
        .build();
    ws.feed(Message::text("a")).await.unwrap();
    ws.feed(Message::text("b")).await.unwrap();
    assert_eq!(ws.queued(), 2);
    let full = poll_fn(|cx| Pin::new(&mut ws).poll_ready(cx)).now_or_never();
    assert!(
        matches!(full, Some(Err(Error::QueueFull { limit: 2 }))),
        "{full:?}"
    );
    let refused = Pin::new(&mut ws).start_send(Message::text("c"));
    assert!(
        matches!(refused, Err(Error::QueueFull { limit: 2 })),
        "{refused:?}"
    );
    // Disconnected, `flush` is done at once: the messages wait for the next connection.
    assert!(matches!(ws.flush().now_or_never(), Some(Ok(()))));
    assert_eq!(ws.queued(), 2);
    within("close", ws.close()).await.unwrap();
    assert!(
        matches!(ws.state(), ConnectionState::Closed(_)),
        "{:?}",
        ws.state()
    );
    assert_eq!(ws.queued(), 0, "what was queued is dropped at the stop");
    let ready = poll_fn(|cx| Pin::new(&mut ws).poll_ready(cx)).now_or_never();
    assert!(matches!(ready, Some(Err(Error::Closed))), "{ready:?}");
    let sent = Pin::new(&mut ws).start_send(Message::text("d"));
    assert!(matches!(sent, Err(Error::Closed)), "{sent:?}");
    assert!(
        matches!(ws.flush().now_or_never(), Some(Ok(()))),
        "nothing queued: flushed"
    );
    assert!(matches!(ws.reconnect(), Err(Error::Closed)));
}

#[tokio::test]
async fn reconnect_after_giving_up_starts_it_over() {
    let Some(closing) = url("/close?code=4000&reason=bye") else {
        return;
    };
    let mut ws = ReconnectingWebSocket::builder(closing)
        .should_reconnect(|_| false)
        .build();
    let refused = within("giving up", ws.next()).await;
    assert!(
        matches!(refused, Some(Err(Error::ReconnectRefused { .. }))),
        "{refused:?}"
    );
    assert!(within("the end", ws.next()).await.is_none());
    assert!(ws.is_terminated());
    // Started over: a new connection (opened, then closed by the server again), and the
    // second stop is reported too, though it is the same close as the first.
    let mut states = ws.states();
    ws.reconnect().unwrap();
    let mut seen = Vec::new();
    within("a new connection and its stop", async {
        while let Some(state) = states.next().await {
            seen.push(state);
            if seen.len() > 1 && matches!(seen.last(), Some(ConnectionState::Closed(_))) {
                return;
            }
        }
    })
    .await;
    assert!(seen.contains(&ConnectionState::Open), "{seen:?}");
    let again = within("giving up again", ws.next()).await;
    assert!(
        matches!(again, Some(Err(Error::ReconnectRefused { .. }))),
        "{again:?}"
    );
}

#[test]
fn reconnect_inside_a_runtime_starts_a_socket_built_outside_one() {
    let Some(echo) = url("/echo") else {
        return;
    };
    let mut ws = ReconnectingWebSocket::builder(echo).build();
    let first = futures::executor::block_on(ws.next());
    assert!(matches!(first, Some(Err(Error::NoRuntime))), "{first:?}");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        ws.reconnect().unwrap();
        state_where(&ws, |s| matches!(s, ConnectionState::Open)).await;
        ws.send(Message::text("x")).await.unwrap();
        let echo = within("the echo", ws.next()).await;
        assert!(
            matches!(echo, Some(Ok(ref m)) if *m == Message::text("x")),
            "{echo:?}"
        );
    });
}

#[tokio::test]
async fn under_a_one_byte_high_water_mark_every_message_waits_its_turn() {
    let Some(echo) = url("/echo") else {
        return;
    };
    let ws = ReconnectingWebSocket::builder(echo)
        .high_water_mark(1)
        .queue_limit(2)
        .build();
    state_where(&ws, |s| matches!(s, ConnectionState::Open)).await;
    let (mut tx, mut rx) = ws.split();
    let sending = async {
        for i in 0..200 {
            tx.send(Message::text(i.to_string())).await.unwrap();
        }
    };
    let receiving = async {
        for i in 0..200 {
            let got = rx.next().await;
            assert!(
                matches!(got, Some(Ok(ref m)) if *m == Message::text(i.to_string())),
                "{i}: {got:?}"
            );
        }
    };
    within(
        "200 messages each way",
        futures::future::join(sending, receiving),
    )
    .await;
}

#[tokio::test]
async fn resumed_probes_the_connection_at_once() {
    let Some(stall) = url("/stall") else {
        return;
    };
    // Pings every minute: only `resumed()` can make the probe that finds the server silent.
    let ws = ReconnectingWebSocket::builder(stall)
        .protocol_heartbeat(ms(60_000), ms(100))
        .backoff(Backoff::constant(ms(60_000)))
        .build();
    state_where(&ws, |s| matches!(s, ConnectionState::Open)).await;
    ws.resumed();
    let lost = state_where(&ws, |s| matches!(s, ConnectionState::Disconnected { .. })).await;
    let ConnectionState::Disconnected { close, .. } = lost else {
        unreachable!()
    };
    assert_eq!(
        (close.code, close.reason.as_str()),
        (4000, "heartbeat timeout")
    );
}

#[tokio::test]
async fn buffered_amount_counts_what_a_stalled_server_left_unwritten() {
    let Some(stall) = url("/stall") else {
        return;
    };
    let mut ws = ReconnectingWebSocket::builder(stall)
        .queue_limit(64)
        .backoff(Backoff::constant(ms(60_000)))
        .build();
    state_where(&ws, |s| matches!(s, ConnectionState::Open)).await;
    // 64 MiB offered to a server that reads nothing: TCP's buffers fill, the rest stays ours.
    let chunk = vec![7u8; 1 << 20];
    for _ in 0..64 {
        if ws
            .feed(Message::Binary(chunk.clone()))
            .now_or_never()
            .is_none()
        {
            break; // the sink waits at the high-water mark: enough
        }
    }
    tokio::time::sleep(ms(200)).await;
    assert!(
        ws.buffered_amount() > 1,
        "buffered {}",
        ws.buffered_amount()
    );
}

#[tokio::test]
async fn a_detached_reconnecting_socket_shows_how_it_ended() {
    let Some(closing) = url("/close?code=4000&reason=bye") else {
        return;
    };
    let ws = ReconnectingWebSocket::builder(closing)
        .should_reconnect(|_| false)
        .build();
    let detached = sockwave::Detached::new(ws);
    let before = format!("{detached:?}");
    assert!(before.contains("ended: None"), "{before}");
    let close = within("the end", detached.closed()).await;
    assert_eq!((close.code, close.reason.as_str()), (4000, "bye"));
    let after = format!("{detached:?}");
    assert!(after.contains("4000") && after.contains("bye"), "{after}");
    // Closed through the handle: the close reaches the reconnecting socket.
    let Some(echo) = url("/echo") else {
        return;
    };
    let ws = ReconnectingWebSocket::builder(echo).build();
    state_where(&ws, |s| matches!(s, ConnectionState::Open)).await;
    let detached = sockwave::Detached::new(ws);
    let close = within("close", detached.close_with(4000, "done"))
        .await
        .unwrap();
    assert_eq!((close.code, close.reason.as_str()), (4000, "done"));
}

/// Sends `count` messages of 64 KiB through `tx` while reading their echoes from `rx`: a server
/// that stalls first lets the client's write buffer fill, then drains it; every message must
/// arrive, in order.
async fn through_a_stall<T, R>(mut tx: T, mut rx: R, count: usize)
where
    T: futures::Sink<Message, Error = Error> + Unpin,
    R: futures::Stream<Item = Result<Message, Error>> + Unpin,
{
    let sending = async {
        for i in 0..count {
            let mut payload = vec![0u8; 64 << 10];
            payload[..8].copy_from_slice(&(i as u64).to_le_bytes());
            tx.send(Message::Binary(payload)).await.unwrap();
        }
    };
    let receiving = async {
        for i in 0..count {
            let Some(Ok(Message::Binary(got))) = rx.next().await else {
                panic!("message {i} did not come back");
            };
            assert_eq!(u64::from_le_bytes(got[..8].try_into().unwrap()), i as u64);
        }
    };
    within(
        "every message through the stall",
        futures::future::join(sending, receiving),
    )
    .await;
}

#[tokio::test]
async fn a_full_write_buffer_drains_in_order_plain() {
    let Some(stall) = url("/stall?ms=300") else {
        return;
    };
    // The default high-water mark (8 MiB): the 4 MiB of sends queue up at once, more than the
    // connection takes while the server stalls; the rest waits its turn.
    let ws = sockwave::WebSocket::connect(stall).await.unwrap();
    let (tx, rx) = ws.split();
    through_a_stall(tx, rx, 64).await;
}

#[tokio::test]
async fn a_full_write_buffer_drains_in_order_reconnecting() {
    let Some(stall) = url("/stall?ms=300") else {
        return;
    };
    let ws = ReconnectingWebSocket::builder(stall).queue_limit(4).build();
    state_where(&ws, |s| matches!(s, ConnectionState::Open)).await;
    let (tx, rx) = ws.split();
    through_a_stall(tx, rx, 64).await;
}
