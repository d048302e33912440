//! Minimal echo app on gloo-net: connect, send, receive one message, log it.
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn echo(url: String) {
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(mut ws) = WebSocket::open(&url) else {
            return;
        };
        if ws.send(Message::Text("hello".into())).await.is_ok() {
            if let Some(Ok(Message::Text(t))) = ws.next().await {
                web_sys::console::log_1(&t.into());
            }
        }
    });
}
