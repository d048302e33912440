//! Benchmark clients: the same workloads over sockwave's Rust API, gloo-net and ws_stream_wasm.
//! Called by the bench page (`bench/page/bench.js`), which runs raw JS and sockwave's JS API
//! itself and interleaves everything.
#![cfg(target_family = "wasm")]

use futures::{SinkExt, StreamExt};
use js_sys::{Float64Array, Object, Reflect};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance)]
    fn now() -> f64;
}

/// One client library, reduced to what the workloads need.
trait Client: Sized {
    type Msg;
    async fn connect(url: &str) -> Result<Self, String>;
    async fn feed(&mut self, message: Self::Msg) -> Result<(), String>;
    async fn recv(&mut self) -> Result<Self::Msg, String>;
    fn text(s: &str) -> Self::Msg;
    fn binary(b: Vec<u8>) -> Self::Msg;
    fn len(m: &Self::Msg) -> usize;
}

/// sockwave's clients differ only in how they open: the rest is one impl.
macro_rules! sockwave_client {
    ($(#[$doc:meta])* $name:ident($inner:ty), |$url:ident| $open:expr) => {
        $(#[$doc])*
        struct $name($inner);

        impl Client for $name {
            type Msg = sockwave::Message;
            async fn connect($url: &str) -> Result<Self, String> {
                Ok($name($open))
            }
            async fn feed(&mut self, m: Self::Msg) -> Result<(), String> {
                self.0.feed(m).await.map_err(|e| e.to_string())
            }
            async fn recv(&mut self) -> Result<Self::Msg, String> {
                match self.0.next().await {
                    Some(Ok(m)) => Ok(m),
                    other => Err(format!("{other:?}")),
                }
            }
            fn text(s: &str) -> Self::Msg {
                sockwave::Message::text(s)
            }
            fn binary(b: Vec<u8>) -> Self::Msg {
                sockwave::Message::Binary(b)
            }
            fn len(m: &Self::Msg) -> usize {
                m.len()
            }
        }
    };
}

sockwave_client!(Sockwave(sockwave::WebSocket), |url| {
    sockwave::WebSocket::connect(url)
        .await
        .map_err(|e| e.to_string())?
});

sockwave_client!(
    /// sockwave's reconnecting socket with its defaults (no heartbeat), timed from its first open.
    SockwaveReconnecting(sockwave::reconnect::ReconnectingWebSocket),
    |url| {
        use sockwave::reconnect::{ConnectionState, ReconnectingWebSocket};
        let ws = ReconnectingWebSocket::builder(url).build();
        let mut states = ws.states();
        loop {
            match states.next().await {
                Some(ConnectionState::Open) => break ws,
                Some(ConnectionState::Closed(ev)) => return Err(format!("closed: {ev:?}")),
                Some(_) => {}
                None => return Err("no state".into()),
            }
        }
    }
);

sockwave_client!(
    /// sockwave's plain socket behind the `Send + Sync` handle: its task and channels in the path.
    SockwaveDetached(sockwave::Detached),
    |url| {
        let ws = sockwave::WebSocket::connect(url)
            .await
            .map_err(|e| e.to_string())?;
        sockwave::Detached::new(ws)
    }
);

struct Gloo(gloo_net::websocket::futures::WebSocket);

impl Client for Gloo {
    type Msg = gloo_net::websocket::Message;
    async fn connect(url: &str) -> Result<Self, String> {
        let mut ws =
            gloo_net::websocket::futures::WebSocket::open(url).map_err(|e| e.to_string())?;
        // gloo-net's sink waits for `open` itself; wait here too so timing starts when open.
        futures::future::poll_fn(|cx| ws.poll_ready_unpin(cx))
            .await
            .map_err(|e| e.to_string())?;
        Ok(Gloo(ws))
    }
    async fn feed(&mut self, m: Self::Msg) -> Result<(), String> {
        self.0.feed(m).await.map_err(|e| e.to_string())
    }
    async fn recv(&mut self) -> Result<Self::Msg, String> {
        match self.0.next().await {
            Some(Ok(m)) => Ok(m),
            Some(Err(e)) => Err(e.to_string()),
            None => Err("closed".into()),
        }
    }
    fn text(s: &str) -> Self::Msg {
        gloo_net::websocket::Message::Text(s.to_owned())
    }
    fn binary(b: Vec<u8>) -> Self::Msg {
        gloo_net::websocket::Message::Bytes(b)
    }
    fn len(m: &Self::Msg) -> usize {
        match m {
            gloo_net::websocket::Message::Text(s) => s.len(),
            gloo_net::websocket::Message::Bytes(b) => b.len(),
        }
    }
}

/// The meta half is kept so the connection lives as long as the stream.
struct WsStream(
    ws_stream_wasm::WsStream,
    #[allow(dead_code)] ws_stream_wasm::WsMeta,
);

impl Client for WsStream {
    type Msg = ws_stream_wasm::WsMessage;
    async fn connect(url: &str) -> Result<Self, String> {
        let (meta, stream) = ws_stream_wasm::WsMeta::connect(url, None)
            .await
            .map_err(|e| e.to_string())?;
        Ok(WsStream(stream, meta))
    }
    async fn feed(&mut self, m: Self::Msg) -> Result<(), String> {
        self.0.feed(m).await.map_err(|e| e.to_string())
    }
    async fn recv(&mut self) -> Result<Self::Msg, String> {
        self.0.next().await.ok_or_else(|| "closed".to_string())
    }
    fn text(s: &str) -> Self::Msg {
        ws_stream_wasm::WsMessage::Text(s.to_owned())
    }
    fn binary(b: Vec<u8>) -> Self::Msg {
        ws_stream_wasm::WsMessage::Binary(b)
    }
    fn len(m: &Self::Msg) -> usize {
        match m {
            ws_stream_wasm::WsMessage::Text(s) => s.len(),
            ws_stream_wasm::WsMessage::Binary(b) => b.len(),
        }
    }
}

/// (a) `n` text messages of 32 bytes, at most `window` in flight, echoed. Returns elapsed ms.
async fn text_echo<C: Client>(url: &str, n: u32, window: u32) -> Result<f64, String> {
    let mut c = C::connect(url).await?;
    let payload = "0123456789abcdef0123456789abcdef";
    let (mut sent, mut received) = (0u32, 0u32);
    let start = now();
    while received < n {
        while sent < n && sent - received < window {
            c.feed(C::text(payload)).await?;
            sent += 1;
        }
        let m = c.recv().await?;
        if C::len(&m) != 32 {
            return Err("wrong echo length".into());
        }
        received += 1;
    }
    Ok(now() - start)
}

/// (b) `n` binary messages of `size` bytes, window `window`, echoed and length-checked.
async fn binary_echo<C: Client>(url: &str, n: u32, window: u32, size: u32) -> Result<f64, String> {
    let mut c = C::connect(url).await?;
    let payload = vec![7u8; size as usize];
    let (mut sent, mut received) = (0u32, 0u32);
    let start = now();
    while received < n {
        while sent < n && sent - received < window {
            c.feed(C::binary(payload.clone())).await?;
            sent += 1;
        }
        let m = c.recv().await?;
        if C::len(&m) != size as usize {
            return Err("wrong echo length".into());
        }
        received += 1;
    }
    Ok(now() - start)
}

/// (c) `n` sequential round trips of 16 bytes. Returns each round trip in ms.
async fn latency<C: Client>(url: &str, n: u32) -> Result<Vec<f64>, String> {
    let mut c = C::connect(url).await?;
    let mut rtts = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let t = now();
        c.feed(C::text("0123456789abcdef")).await?;
        c.recv().await?;
        rtts.push(now() - t);
    }
    Ok(rtts)
}

/// The typed JSON workloads' values: a small object, and a number-heavy one.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Small {
    id: u32,
    user: String,
    text: String,
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct Numbers {
    v: Vec<f64>,
}

/// (g) `n` values through a `Typed` socket with the codec `C`, window `window`, each echo
/// decoded and checked. Returns elapsed ms.
async fn typed_echo<T, C>(
    url: &str,
    n: u32,
    window: u32,
    value: T,
    ok: fn(&T) -> bool,
) -> Result<f64, String>
where
    T: Clone,
    C: codee::Encoder<T, Encoded = String> + codee::Decoder<T, Encoded = str>,
    <C as codee::Encoder<T>>::Error: std::fmt::Debug,
    <C as codee::Decoder<T>>::Error: std::fmt::Debug,
{
    let ws = sockwave::WebSocket::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    let mut c = sockwave::typed::Typed::<_, T, T, C>::new(ws);
    let (mut sent, mut received) = (0u32, 0u32);
    let start = now();
    while received < n {
        while sent < n && sent - received < window {
            c.feed(value.clone()).await.map_err(|e| e.to_string())?;
            sent += 1;
        }
        match c.next().await {
            Some(Ok(v)) if ok(&v) => {}
            other => return Err(format!("wrong echo: {:?}", other.map(|r| r.map(|_| ())))),
        }
        received += 1;
    }
    Ok(now() - start)
}

/// (g) The codec alone, no socket: `n` values encoded with `C` and decoded again, all in wasm
/// memory. What a typed socket adds to each message over the text path's own cost; the page
/// runs raw JS's `JSON.stringify` and `JSON.parse` alone beside it. Returns elapsed ms.
fn codec_alone<T, C>(n: u32, value: T, ok: fn(&T) -> bool) -> Result<f64, String>
where
    C: codee::Encoder<T, Encoded = String> + codee::Decoder<T, Encoded = str>,
    <C as codee::Encoder<T>>::Error: std::fmt::Debug,
    <C as codee::Decoder<T>>::Error: std::fmt::Debug,
{
    let start = now();
    for _ in 0..n {
        let text = C::encode(&value).map_err(|e| format!("{e:?}"))?;
        let back = C::decode(&text).map_err(|e| format!("{e:?}"))?;
        if !ok(&back) {
            return Err("wrong value".into());
        }
    }
    Ok(now() - start)
}

/// The typed workloads with the codec `C`: "json" (a small object), "numbers" (16 floats);
/// through a socket, or the codec `alone`.
async fn run_typed<C>(
    workload: &str,
    url: &str,
    n: u32,
    window: u32,
    alone: bool,
) -> Result<JsValue, String>
where
    C: codee::Encoder<Small, Encoded = String>
        + codee::Decoder<Small, Encoded = str>
        + codee::Encoder<Numbers, Encoded = String>
        + codee::Decoder<Numbers, Encoded = str>,
    <C as codee::Encoder<Small>>::Error: std::fmt::Debug,
    <C as codee::Decoder<Small>>::Error: std::fmt::Debug,
    <C as codee::Encoder<Numbers>>::Error: std::fmt::Debug,
    <C as codee::Decoder<Numbers>>::Error: std::fmt::Debug,
{
    let ms = match workload {
        "json" => {
            let small = Small {
                id: 7,
                user: "alice".into(),
                text: "hello, world ✓".into(),
            };
            let ok: fn(&Small) -> bool = |v| v.id == 7 && v.text.chars().count() == 14;
            if alone {
                codec_alone::<Small, C>(n, small, ok)?
            } else {
                typed_echo::<Small, C>(url, n, window, small, ok).await?
            }
        }
        "numbers" => {
            let numbers = Numbers {
                v: (0..16).map(|i| f64::from(i) * 1.25 - 3.5).collect(),
            };
            let ok: fn(&Numbers) -> bool = |v| v.v.len() == 16 && v.v[2] == -1.0;
            if alone {
                codec_alone::<Numbers, C>(n, numbers, ok)?
            } else {
                typed_echo::<Numbers, C>(url, n, window, numbers, ok).await?
            }
        }
        other => return Err(format!("unknown typed workload {other}")),
    };
    let result = Object::new();
    Reflect::set(&result, &"ms".into(), &ms.into()).map_err(|_| "cannot build the result")?;
    Ok(result.into())
}

fn memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    f64::from(buffer.byte_length())
}

/// (e) `n` cycles of connect, send, receive, drop; wasm memory growth after `n / 10` warm-up
/// cycles.
async fn cycles<C: Client>(url: &str, n: u32) -> Result<f64, String> {
    let mut warm = memory_bytes();
    for i in 0..n {
        let mut c = C::connect(url).await?;
        c.feed(C::text("cycle")).await?;
        c.recv().await?;
        drop(c);
        if i + 1 == n / 10 {
            warm = memory_bytes();
        }
    }
    Ok(memory_bytes() - warm)
}

async fn run_with<C: Client>(
    workload: &str,
    url: &str,
    n: u32,
    window: u32,
    size: u32,
) -> Result<JsValue, String> {
    let result = Object::new();
    let set = |k: &str, v: JsValue| Reflect::set(&result, &k.into(), &v).map(|_| ());
    match workload {
        "text" => set("ms", text_echo::<C>(url, n, window).await?.into()),
        "binary" => set("ms", binary_echo::<C>(url, n, window, size).await?.into()),
        "latency" => set(
            "rtts",
            Float64Array::from(&latency::<C>(url, n).await?[..]).into(),
        ),
        "cycles" => set("growth", cycles::<C>(url, n).await?.into()),
        other => return Err(format!("unknown workload {other}")),
    }
    .map_err(|_| "cannot build the result".to_string())?;
    Ok(result.into())
}

/// Runs `workload` ("text", "binary", "latency", "cycles") with `client` ("sockwave",
/// "sockwave-reconnecting", "gloo-net", "ws_stream_wasm").
#[wasm_bindgen]
pub async fn run(
    client: String,
    workload: String,
    url: String,
    n: u32,
    window: u32,
    size: u32,
) -> Result<JsValue, JsValue> {
    let out = match client.as_str() {
        "sockwave" => run_with::<Sockwave>(&workload, &url, n, window, size).await,
        "sockwave-detached" => run_with::<SockwaveDetached>(&workload, &url, n, window, size).await,
        "sockwave-reconnecting" => {
            run_with::<SockwaveReconnecting>(&workload, &url, n, window, size).await
        }
        "gloo-net" => run_with::<Gloo>(&workload, &url, n, window, size).await,
        "ws_stream_wasm" => run_with::<WsStream>(&workload, &url, n, window, size).await,
        "typed-json" => {
            run_typed::<sockwave::typed::JsonSerdeCodec>(&workload, &url, n, window, false).await
        }
        "serde-json-alone" => {
            run_typed::<sockwave::typed::JsonSerdeCodec>(&workload, &url, n, window, true).await
        }
        "typed-json-parse" => {
            run_typed::<codee::string::JsonSerdeWasmCodec>(&workload, &url, n, window, false).await
        }
        other => Err(format!("unknown client {other}")),
    };
    out.map_err(|e| JsValue::from_str(&e))
}
