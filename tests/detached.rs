//! `Detached`: a handle that is `Send + Sync` on every target, in the three browsers and
//! natively.
//!
//! What's tested:
//! 1. `Detached` is `Send + Sync` (checked by the compiler, on both targets);
//! 2. messages cross both ways in order (through the task's link in the browser, straight
//!    to the socket natively), and `close_with` gives the close event (code and reason
//!    intact);
//! 3. over a reconnecting socket: the stream goes on across a server's close;
//! 4. after the end, sending is `Closed`;
//! 5. the receive limit holds behind the handle: what fits, in order, then `ReceiveOverflow`
//!    and the end, and the socket closes with 4009 (in the browser the `message` event puts
//!    messages straight on the handle's side, under the same rule);
//! 6. messages that waited in the socket before it was detached come first, in order;
//! 7. over a reconnecting socket whose queue is full while disconnected: a send is refused
//!    with `QueueFull`, not the end of sending; what was accepted goes out on the next
//!    connection, in order, and sending goes on.

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

async fn sleep(ms: u64) {
    #[cfg(target_family = "wasm")]
    gloo_timers::future::sleep(std::time::Duration::from_millis(ms)).await;
    #[cfg(not(target_family = "wasm"))]
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn over_a_reconnecting_socket_the_stream_goes_on() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // The first connection echoes one message and closes (4000: reconnected by default); the
    // next ones echo.
    let (Some(first), Some(then)) = (url("/close?after=1&code=4000&reason=bye"), url("/echo"))
    else {
        return;
    };
    let calls = AtomicUsize::new(0);
    let ws = ReconnectingWebSocket::builder("")
        .url_provider(move || {
            let url = if calls.fetch_add(1, Ordering::Relaxed) == 0 {
                &first
            } else {
                &then
            };
            std::future::ready(url.clone())
        })
        .backoff(Backoff::constant(std::time::Duration::from_millis(20)))
        .build();
    let mut ws = Detached::new(ws);
    ws.send(Message::text("before")).await.unwrap();
    assert_eq!(ws.next().await, Some(Ok(Message::text("before"))));
    // The server closes, the socket comes back (20 ms), and the same stream goes on. (A message
    // sent into the closing connection would be reported in flight, not echoed: wait.)
    sleep(500).await;
    ws.send(Message::text("after")).await.unwrap();
    assert_eq!(ws.next().await, Some(Ok(Message::text("after"))));
    let close = ws.close_with(1000u16, "").await.unwrap();
    assert_eq!(close.code, 1000);
}

/// Reads `ws` until the receive overflow: how many messages came before it (each checked in
/// order), after the stream's end and the socket's close (4009) were checked.
async fn read_until_overflow<S>(ws: &mut S) -> usize
where
    S: futures::Stream<Item = Result<Message, Error>> + Unpin,
{
    let mut read = 0;
    loop {
        match ws.next().await {
            Some(Ok(m)) => {
                assert_eq!(m, Message::text(read.to_string()), "in order, none lost");
                read += 1;
            }
            Some(Err(Error::ReceiveOverflow { limit: 1024 })) => break,
            other => panic!("after {read} messages: {other:?}"),
        }
    }
    assert_eq!(ws.next().await, None, "the overflow ends the stream");
    read
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn the_receive_limit_holds_behind_the_handle() {
    // 1,000 texts ("0" to "999": 2,890 B) against a limit of 1 KiB, read only once they came:
    // behind the handle, exactly as many as the socket alone keeps (none held on the way).
    let Some(url) = url("/burst?n=1000") else {
        return;
    };
    let open = || {
        WebSocket::builder(url.clone())
            .max_buffered_bytes(1024)
            .connect()
    };
    let mut alone = open().await.expect("open");
    sleep(500).await;
    let kept = read_until_overflow(&mut alone).await;
    let mut ws = Detached::new(open().await.expect("open"));
    sleep(500).await;
    assert_eq!(read_until_overflow(&mut ws).await, kept);
    assert!(
        (1..1000).contains(&kept),
        "{kept} messages before the overflow"
    );
    let close = ws.closed().await;
    assert_eq!(
        (close.code, close.reason.as_str()),
        (4009, "receive buffer full")
    );
    assert_eq!(ws.send(Message::text("late")).await, Err(Error::Closed));
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn messages_that_waited_before_detaching_come_first() {
    let Some(url) = url("/burst?n=50") else {
        return;
    };
    let ws = WebSocket::connect(url).await.expect("open");
    // The 50 arrive and wait in the socket (read by no one yet).
    sleep(300).await;
    let mut ws = Detached::new(ws);
    for i in 0..50 {
        assert_eq!(ws.next().await, Some(Ok(Message::text(i.to_string()))));
    }
    // Then the echo: what arrives from now on.
    ws.send(Message::text("after")).await.unwrap();
    assert_eq!(ws.next().await, Some(Ok(Message::text("after"))));
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn a_full_queue_refuses_a_send_and_sending_goes_on() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // The first attempt is refused; the next one, 300 ms later, echoes. Meanwhile the queue
    // (2 messages) fills.
    let (Some(reject), Some(echo)) = (url("/reject"), url("/echo")) else {
        return;
    };
    let attempts = AtomicUsize::new(0);
    let ws = ReconnectingWebSocket::builder("")
        .url_provider(move || {
            let first = attempts.fetch_add(1, Ordering::Relaxed) == 0;
            std::future::ready(if first { reject.clone() } else { echo.clone() })
        })
        .queue_limit(2)
        .backoff(Backoff::constant(std::time::Duration::from_millis(300)))
        .build();
    let mut ws = Detached::new(ws);
    let mut accepted = Vec::new();
    let refused = loop {
        let text = format!("m{}", accepted.len());
        match ws.send(Message::text(text.clone())).await {
            Ok(()) if accepted.len() < 40 => accepted.push(text),
            other => break other,
        }
    };
    assert_eq!(refused, Err(Error::QueueFull { limit: 2 }));
    // The queue's 2; in the browser also what was on the handle's link when the task found
    // the queue full (one message here: each send waits for its flush).
    #[cfg(not(target_family = "wasm"))]
    assert_eq!(accepted.len(), 2);
    #[cfg(target_family = "wasm")]
    assert_eq!(accepted.len(), 3);
    // The socket connects: what was accepted arrives, in order, and sending goes on (the
    // refused message never went out).
    for text in accepted {
        assert_eq!(ws.next().await, Some(Ok(Message::text(text))));
    }
    ws.send(Message::text("after")).await.unwrap();
    assert_eq!(ws.next().await, Some(Ok(Message::text("after"))));
    let close = ws.close_with(1000u16, "").await.unwrap();
    assert_eq!(close.code, 1000);
}
