//! The JS options object of `connect`, read into the Rust builders.
//!
//! ```text
//! { protocols, highWaterMark, connectTimeoutMs,
//!   reconnect: { minDelayMs, maxDelayMs, factor, jitter: "full" | "equal" | "none",
//!                maxRetries, queueLimit, shouldReconnect(closeInfo) => boolean },
//!   heartbeat: { intervalMs, timeoutMs, ping, pong },   // pong defaults to ping (an echo)
//!   idleTimeoutMs }
//! ```

use std::rc::Rc;
use std::time::Duration;

use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};

use super::convert::{close_event_to_js, get, message_from_js, usage_error};
use crate::reconnect::{Backoff, ReconnectingBuilder, ReconnectingWebSocket};
use crate::{Message, WebSocket, WebSocketBuilder};

fn number(options: &JsValue, key: &str) -> Option<f64> {
    get(options, key)
        .as_f64()
        .filter(|n| n.is_finite() && *n >= 0.0)
}

fn millis(options: &JsValue, key: &str) -> Option<Duration> {
    number(options, key).map(|ms| Duration::from_millis(ms as u64))
}

/// Whether the options ask for a reconnecting socket.
pub(crate) fn wants_reconnect(options: &JsValue) -> bool {
    ["reconnect", "heartbeat", "idleTimeoutMs"]
        .iter()
        .any(|key| !get(options, key).is_undefined() && !get(options, key).is_null())
}

/// `undefined`, a string, or an array of strings.
fn protocols(value: &JsValue) -> Result<Vec<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    if let Some(one) = value.as_string() {
        return Ok(vec![one]);
    }
    if js_sys::Array::is_array(value) {
        let list = js_sys::Array::from(value);
        if let Some(all) = list.iter().map(|p| p.as_string()).collect() {
            return Ok(all);
        }
    }
    Err(usage_error(
        "TypeError",
        "protocols must be a string or an array of strings",
    ))
}

/// A plain socket's builder.
pub(crate) fn builder(url: String, options: &JsValue) -> Result<WebSocketBuilder, JsValue> {
    let mut builder = WebSocket::builder(url).protocols(protocols(&get(options, "protocols"))?);
    if let Some(bytes) = number(options, "highWaterMark") {
        builder = builder.high_water_mark(bytes as usize);
    }
    if let Some(bytes) = number(options, "maxBufferedBytes") {
        builder = builder.max_buffered_bytes(bytes as usize);
    }
    if let Some(timeout) = millis(options, "connectTimeoutMs") {
        builder = builder.connect_timeout(timeout);
    }
    Ok(builder)
}

/// A reconnecting socket's builder.
pub(crate) fn reconnecting(url: String, options: &JsValue) -> Result<ReconnectingBuilder, JsValue> {
    let mut builder =
        ReconnectingWebSocket::builder(url).protocols(protocols(&get(options, "protocols"))?);
    if let Some(bytes) = number(options, "highWaterMark") {
        builder = builder.high_water_mark(bytes as usize);
    }
    if let Some(bytes) = number(options, "maxBufferedBytes") {
        builder = builder.max_buffered_bytes(bytes as usize);
    }
    if let Some(timeout) = millis(options, "connectTimeoutMs") {
        builder = builder.connect_timeout(timeout);
    }
    if let Some(timeout) = millis(options, "idleTimeoutMs") {
        builder = builder.idle_timeout(timeout);
    }

    let reconnect = get(options, "reconnect");
    let min = millis(&reconnect, "minDelayMs").unwrap_or(Duration::from_millis(500));
    let max = millis(&reconnect, "maxDelayMs").unwrap_or(Duration::from_secs(30));
    let mut backoff =
        Backoff::exponential(min, max).factor(number(&reconnect, "factor").unwrap_or(2.0));
    backoff = match get(&reconnect, "jitter").as_string().as_deref() {
        Some("none") => backoff,
        Some("equal") => backoff.equal_jitter(),
        _ => backoff.full_jitter(),
    };
    builder = builder.backoff(backoff);
    if let Some(n) = number(&reconnect, "maxRetries") {
        builder = builder.max_retries(Some(n.min(f64::from(u32::MAX)) as u32));
    }
    if let Some(n) = number(&reconnect, "queueLimit") {
        builder = builder.queue_limit(n as usize);
    }
    if let Ok(decide) = get(&reconnect, "shouldReconnect").dyn_into::<Function>() {
        // A throwing or non-boolean answer counts as "no".
        builder = builder.should_reconnect(move |ev| {
            decide
                .call1(&JsValue::UNDEFINED, &close_event_to_js(ev))
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
        });
    }

    let heartbeat = get(options, "heartbeat");
    if heartbeat.is_object() {
        let ping = get(&heartbeat, "ping");
        let ping = if ping.is_undefined() {
            Message::text("ping")
        } else {
            message_from_js(&ping)?
        };
        let pong = get(&heartbeat, "pong");
        let pong = if pong.is_undefined() {
            ping.clone()
        } else {
            message_from_js(&pong)?
        };
        let pong = Rc::new(pong);
        builder = builder.heartbeat(
            millis(&heartbeat, "intervalMs").unwrap_or(Duration::from_secs(15)),
            millis(&heartbeat, "timeoutMs").unwrap_or(Duration::from_secs(5)),
            ping,
            move |m| *m == *pong,
        );
    }
    Ok(builder)
}

/// The URL a string argument gives (anything else: a URL no browser accepts, so the connect
/// fails with `InvalidUrl` naming what was given).
pub(crate) fn url_string(url: &JsValue) -> String {
    url.as_string().unwrap_or_else(|| {
        let mut bad = String::from("invalid:url is neither a string nor a function: ");
        bad.push_str(&url.js_typeof().as_string().unwrap_or_default());
        bad
    })
}

/// Calls a `url` function and awaits its answer if it is a promise. A function that throws,
/// rejects or gives no string yields a URL no browser accepts: the attempt ends in `InvalidUrl`
/// (a reconnecting socket then stops, as for any unusable URL).
pub(crate) async fn call_url_provider(provider: Function) -> String {
    let answer = match provider.call0(&JsValue::UNDEFINED) {
        Ok(value) => match value.dyn_into::<js_sys::Promise>() {
            Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise).await,
            Err(value) => Ok(value),
        },
        Err(e) => Err(e),
    };
    match answer {
        Ok(value) if value.is_string() => value.as_string().unwrap_or_default(),
        Ok(_) => "invalid:the url function gave no string".into(),
        Err(_) => "invalid:the url function threw or rejected".into(),
    }
}
