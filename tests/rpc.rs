//! Calls (`sockwave::rpc`, JSON-RPC 2.0) against a real JSON-RPC server: the dev server's
//! `/rpc` (jsonrpsee), in the three browsers and natively.
//!
//! What's tested:
//! 1. results, the server's errors, a result of the wrong type, params of every shape;
//! 2. a timeout says the request was handed; a late answer is reported as unmatched;
//! 3. subscription items as notifications, in order;
//! 4. the connection dropped mid-call: the pending call fails, handed; later calls are
//!    `Closed`;
//! 5. over a reconnecting socket: the call handed to the dead connection fails, the idempotent
//!    one is sent again and answered on the next connection, and the client goes on;
//! 6. over `/echo` (a peer that is no JSON-RPC server): our own requests come back as
//!    unmatched items, notifications as notifications, and the stream goes on.

mod common;

use common::route_url as url;

use std::future::IntoFuture;
use std::time::Duration;

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use sockwave::reconnect::{Backoff, ReconnectingWebSocket};
use sockwave::rpc::{CallError, Client, Notification, Notified};
use sockwave::WebSocket;

#[cfg(target_family = "wasm")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

async fn client(route: &str) -> Option<Client> {
    let ws = WebSocket::connect(url(route)?).await.expect("open");
    Some(Client::new(ws).expect("a runtime"))
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Order {
    item: String,
    qty: u32,
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn results_errors_and_params_of_every_shape() {
    let Some(client) = client("/rpc").await else {
        return;
    };
    assert_eq!(client.call::<i64>("add", (2, 3)).await, Ok(5));
    assert_eq!(client.call::<i64>("add", [40, 2]).await, Ok(42));
    let order = Order {
        item: "tea ☕".into(),
        qty: 2,
    };
    assert_eq!(
        client.call::<Order>("echo", &order).await,
        Ok(order),
        "named params"
    );
    assert_eq!(
        client.call::<()>("echo", ()).await,
        Ok(()),
        "no params: null"
    );
    let Err(CallError::Rpc(e)) = client.call::<()>("fail", (-32001, "nope")).await else {
        panic!()
    };
    assert_eq!((e.code, e.message.as_str()), (-32001, "nope"));
    let Err(CallError::Rpc(e)) = client.call::<()>("no_such_method", ()).await else {
        panic!()
    };
    assert_eq!(e.code, -32601);
    let Err(CallError::Rpc(e)) = client.call::<i64>("add", [i64::MAX, 1]).await else {
        panic!()
    };
    assert_eq!(e.code, -32602);
    let Err(CallError::Decode { reason }) = client.call::<String>("add", (1, 1)).await else {
        panic!()
    };
    assert!(reason.contains("invalid type"), "{reason}");
    // Calls in flight together are matched by id, whatever order the answers come in.
    let slow = client.call::<u64>("sleep", [200]);
    let fast = client.call::<u64>("sleep", [10]);
    let (slow, fast) = futures::join!(slow.into_future(), fast.into_future());
    assert_eq!((slow, fast), (Ok(200), Ok(10)));
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn a_timeout_says_handed_and_the_late_answer_is_unmatched() {
    let Some(client) = client("/rpc").await else {
        return;
    };
    let mut news = client.notifications();
    let late = client
        .call::<u64>("sleep", [300])
        .timeout(Duration::from_millis(50))
        .await;
    assert_eq!(late, Err(CallError::Timeout { handed: true }));
    let text = late.unwrap_err().to_string();
    assert_eq!(
        text,
        "no answer within the timeout (request handed to the connection)"
    );
    let never = CallError::Disconnected { handed: false }.to_string();
    assert_eq!(
        never,
        "the connection ended before the answer (request never sent)"
    );
    // What a socket's refusal means for a call.
    let full = sockwave::Error::QueueFull { limit: 3 };
    assert_eq!(CallError::from(full), CallError::QueueFull { limit: 3 });
    assert_eq!(
        CallError::from(sockwave::Error::Closed),
        CallError::Disconnected { handed: false }
    );
    let Some(Notified::Unmatched(why)) = news.next().await else {
        panic!("the late answer")
    };
    assert!(why.contains("no pending call"), "{why}");
    assert_eq!(
        client.call::<i64>("add", (1, 2)).await,
        Ok(3),
        "the client goes on"
    );
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn subscription_items_arrive_as_notifications_in_order() {
    let Some(client) = client("/rpc").await else {
        return;
    };
    let mut news = client.notifications();
    let id: u64 = client.call("notify_me", (200, "tick")).await.unwrap();
    #[derive(Deserialize)]
    struct Item {
        subscription: u64,
        result: u64,
    }
    for i in 0..200 {
        let Some(Notified::Notification(n)) = news.next().await else {
            panic!("item {i}")
        };
        assert_eq!(n.method, "tick");
        let item: Item = n.params().unwrap();
        assert_eq!((item.subscription, item.result), (id, i));
    }
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn an_unread_notification_stream_keeps_1024_then_says_how_many_it_missed() {
    let Some(client) = client("/rpc").await else {
        return;
    };
    let mut news = client.notifications();
    let _: u64 = client.call("notify_me", (1100, "tick")).await.unwrap();
    // The 1,100 items arrive while the stream is not read.
    let _: u64 = client.call("sleep", [300]).await.unwrap();
    for i in 0..1024 {
        let Some(Notified::Notification(n)) = news.next().await else {
            panic!("item {i}")
        };
        assert_eq!(n.method, "tick");
    }
    // The marker takes the place of the dropped items, before the next item that is kept.
    let _: u64 = client.call("notify_me", (1, "tock")).await.unwrap();
    assert_eq!(
        news.next().await,
        Some(Notified::Missed(76)),
        "the overflow, explicit"
    );
    let Some(Notified::Notification(n)) = news.next().await else {
        panic!("the next item")
    };
    assert_eq!(n.method, "tock");
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn a_connection_dropped_mid_call_fails_the_call_handed() {
    let Some(client) = client("/rpc").await else {
        return;
    };
    let mut news = client.notifications();
    let dropping = client.call::<()>("drop_after", [100]);
    let waiting = client.call::<u64>("sleep", [5000]);
    let (dropping, waiting) = futures::join!(dropping.into_future(), waiting.into_future());
    assert_eq!(dropping, Err(CallError::Disconnected { handed: true }));
    assert_eq!(waiting, Err(CallError::Disconnected { handed: true }));
    assert_eq!(
        client.call::<i64>("add", (1, 2)).await,
        Err(CallError::Closed)
    );
    assert_eq!(client.notify("x", ()).await, Err(CallError::Closed));
    assert_eq!(
        news.next().await,
        None,
        "the notifications end with the client"
    );
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn over_a_reconnecting_socket_only_handed_calls_fail_and_idempotent_ones_resend() {
    let Some(url) = url("/rpc") else { return };
    let ws = ReconnectingWebSocket::builder(url)
        .backoff(Backoff::constant(Duration::from_millis(20)))
        .build();
    let client = Client::reconnecting(ws).expect("a runtime");
    assert_eq!(client.call::<i64>("add", (1, 2)).await, Ok(3));
    // The server drops the connection in 100 ms: both calls were handed to it.
    let dropping = client.call::<()>("drop_after", [100]);
    let plain = client.call::<u64>("sleep", [400]);
    let again = client.call::<u64>("sleep", [400]).idempotent();
    let (dropping, plain, again) = futures::join!(
        dropping.into_future(),
        plain.into_future(),
        again.into_future()
    );
    assert_eq!(dropping, Err(CallError::Disconnected { handed: true }));
    assert_eq!(plain, Err(CallError::Disconnected { handed: true }));
    assert_eq!(again, Ok(400), "sent again on the next connection");
    assert_eq!(
        client.call::<i64>("add", (2, 2)).await,
        Ok(4),
        "the client goes on"
    );
    let mut news = client.notifications();
    client.close();
    assert_eq!(news.next().await, None, "closed for good: the client ends");
    assert_eq!(
        client.call::<i64>("add", (2, 2)).await,
        Err(CallError::Closed)
    );
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn over_an_echo_what_is_not_an_answer_is_one_item_and_the_stream_goes_on() {
    let Some(client) = client("/echo").await else {
        return;
    };
    let mut news = client.notifications();
    client.notify("hello", ["world"]).await.unwrap();
    let call = client
        .call::<()>("ask", ())
        .timeout(Duration::from_millis(300));
    assert_eq!(call.await, Err(CallError::Timeout { handed: true }));
    client.notify("bye", ()).await.unwrap();
    let hello = Notification {
        method: "hello".into(),
        params: r#"["world"]"#.into(),
    };
    assert_eq!(news.next().await, Some(Notified::Notification(hello)));
    let Some(Notified::Unmatched(why)) = news.next().await else {
        panic!("our request, echoed")
    };
    assert!(why.contains("request from the server (ask)"), "{why}");
    let bye = Notification {
        method: "bye".into(),
        params: "null".into(),
    };
    assert_eq!(news.next().await, Some(Notified::Notification(bye)));
}
