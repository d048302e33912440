//! Minimal echo app on sockwave: connect, send, receive one message, log it.
use futures::{SinkExt, StreamExt};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn echo(url: String) {
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(mut ws) = sockwave::WebSocket::connect(url).await else {
            return;
        };
        if ws.send(sockwave::Message::text("hello")).await.is_ok() {
            if let Some(Ok(sockwave::Message::Text(t))) = ws.next().await {
                web_sys::console::log_1(&t.into());
            }
        }
    });
}
