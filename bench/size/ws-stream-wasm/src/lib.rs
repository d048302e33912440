//! Minimal echo app on ws_stream_wasm: connect, send, receive one message, log it.
use futures::{SinkExt, StreamExt};
use wasm_bindgen::prelude::*;
use ws_stream_wasm::{WsMessage, WsMeta};

#[wasm_bindgen]
pub fn echo(url: String) {
    wasm_bindgen_futures::spawn_local(async move {
        let Ok((_meta, mut ws)) = WsMeta::connect(url, None).await else {
            return;
        };
        if ws.send(WsMessage::Text("hello".into())).await.is_ok() {
            if let Some(WsMessage::Text(t)) = ws.next().await {
                web_sys::console::log_1(&t.into());
            }
        }
    });
}
