//! Typed messages (`sockwave::typed`) over every kind of socket, against the dev server, in
//! the three browsers and natively.
//!
//! What's tested:
//! 1. JSON over a `WebSocket`: values cross as text messages, a message that does not decode
//!    is one `Decode` item between the good ones, and a clean close ends the stream;
//! 2. over split halves: a burst of 500 numbers from the server, each decoded, none lost,
//!    in order;
//! 3. MessagePack over a `ReconnectingWebSocket` as binary messages, across a server's close;
//! 4. over a `Detached` (`Send + Sync`): the stream ends with the socket's terminal error after
//!    a dropped connection.

mod common;

use common::route_url as url;

use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use sockwave::reconnect::{Backoff, ReconnectingWebSocket};
use sockwave::typed::{JsonSerdeCodec, MsgpackSerdeCodec, Typed};
use sockwave::{Detached, Error, Message, WebSocket};

#[cfg(target_family = "wasm")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Chat {
    Say { from: String, text: String },
    Leave(u32),
}

fn say(text: &str) -> Chat {
    Chat::Say {
        from: "ünï".into(),
        text: text.into(),
    }
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn json_values_cross_and_a_bad_message_is_one_item() {
    let Some(url) = url("/echo") else { return };
    let ws = WebSocket::connect(url).await.expect("open");
    let mut chat = Typed::<_, Chat, Chat, JsonSerdeCodec>::new(ws);
    chat.send(say("hi")).await.unwrap();
    // Not through the codec: the server echoes what no `Chat` decodes from.
    chat.get_mut()
        .send(Message::text(r#"{"Shout":1}"#))
        .await
        .unwrap();
    chat.send(Chat::Leave(7)).await.unwrap();
    assert_eq!(chat.next().await, Some(Ok(say("hi"))));
    let Some(Err(Error::Decode { reason })) = chat.next().await else {
        panic!("a Decode item")
    };
    assert!(reason.contains("Shout"), "{reason}");
    assert_eq!(
        chat.next().await,
        Some(Ok(Chat::Leave(7))),
        "the stream went on"
    );
    let close = chat.get_ref().close_with(1000u16, "bye").await.unwrap();
    assert_eq!((close.code, close.reason.as_str()), (1000, "bye"));
    assert_eq!(chat.next().await, None);
    assert_eq!(chat.send(Chat::Leave(8)).await, Err(Error::Closed));
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn over_halves_a_burst_decodes_in_order() {
    let Some(url) = url("/burst?n=500") else {
        return;
    };
    let (writer, reader) = WebSocket::connect(url).await.expect("open").split();
    let mut numbers = Typed::<_, u32, (), JsonSerdeCodec>::new(reader);
    for i in 0..500 {
        assert_eq!(numbers.next().await, Some(Ok(i)));
    }
    let mut writer = Typed::<_, (), u32, JsonSerdeCodec>::new(writer);
    writer.send(500).await.unwrap();
    assert_eq!(numbers.next().await, Some(Ok(500)), "echoed as text");
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn msgpack_over_a_reconnecting_socket_goes_on_across_a_close() {
    let (Some(first), Some(then)) = (url("/close?after=1&code=4000"), url("/echo")) else {
        return;
    };
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let ws = ReconnectingWebSocket::builder("")
        .url_provider(move || {
            let first_call = calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed) == 0;
            std::future::ready(if first_call {
                first.clone()
            } else {
                then.clone()
            })
        })
        .backoff(Backoff::constant(std::time::Duration::from_millis(20)))
        .build();
    let mut chat = Typed::<_, Chat, Chat, MsgpackSerdeCodec>::new(ws);
    chat.send(say("before")).await.unwrap();
    assert_eq!(chat.next().await, Some(Ok(say("before"))));
    // The server closes after that echo; wait for the next connection's open to send (a
    // message sent into the closing one would be in flight, not echoed).
    let mut states = chat.get_ref().states();
    let mut left = false; // the first state may be the first connection's Open
    while let Some(state) = states.next().await {
        match state {
            sockwave::reconnect::ConnectionState::Open if left => break,
            sockwave::reconnect::ConnectionState::Open => {}
            _ => left = true,
        }
    }
    chat.send(say("after")).await.unwrap();
    chat.get_mut().send(Message::text("\u{c1}")).await.unwrap();
    assert_eq!(chat.next().await, Some(Ok(say("after"))));
    assert!(matches!(chat.next().await, Some(Err(Error::Decode { .. }))));
    chat.get_ref().close_with(1000u16, "").await.unwrap();
    assert_eq!(chat.next().await, None);
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), tokio::test)]
async fn over_detached_the_end_is_the_sockets() {
    let Some(url) = url("/drop?after=1") else {
        return;
    };
    let ws = Detached::new(WebSocket::connect(url).await.expect("open"));
    let mut chat = Typed::<_, Chat, Chat, JsonSerdeCodec>::new(ws);
    chat.send(Chat::Leave(1)).await.unwrap();
    assert_eq!(chat.next().await, Some(Ok(Chat::Leave(1))));
    let Some(Err(Error::ConnectionLost(close))) = chat.next().await else {
        panic!("lost")
    };
    assert_eq!(close.code, 1006);
    assert_eq!(chat.next().await, None);
}
