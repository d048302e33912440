//! Conversions at the JavaScript boundary: errors to `Error` objects with a stable `name`,
//! messages to and from `string` / `Uint8Array`, close events to plain objects.

use js_sys::{ArrayBuffer, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::{CloseEvent, Error, Message};

/// Sets `key` on a plain object; cannot fail on an ordinary extensible object.
pub(crate) fn set(target: &JsValue, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(target, &JsValue::from_str(key), &value.into());
}

/// Reads `key` from an options object; `undefined` for a missing key or a non-object.
pub(crate) fn get(source: &JsValue, key: &str) -> JsValue {
    if source.is_object() {
        Reflect::get(source, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// `{ code, reason, wasClean }`.
pub(crate) fn close_event_to_js(ev: &CloseEvent) -> JsValue {
    let obj: JsValue = Object::new().into();
    set(&obj, "code", ev.code);
    set(&obj, "reason", ev.reason.as_str());
    set(&obj, "wasClean", ev.was_clean);
    obj
}

/// The close behind an error, kept on it: `code`, `reason` and `wasClean` directly (what
/// users of other wrappers look for), and the whole `closeEvent`.
fn set_close(obj: &JsValue, ev: &CloseEvent) {
    set(obj, "code", ev.code);
    set(obj, "reason", ev.reason.as_str());
    set(obj, "wasClean", ev.was_clean);
    set(obj, "closeEvent", close_event_to_js(ev));
}

/// An `Error` whose `name` is the variant's ([`Error::name`]) and whose properties carry the
/// context: `url`, `reason`, `protocol`, `code`, `wasClean`, `length`, `closeEvent`.
impl From<Error> for JsValue {
    fn from(err: Error) -> JsValue {
        let js = js_sys::Error::new(&err.to_string());
        js.set_name(err.name());
        let obj: &JsValue = js.as_ref();
        match &err {
            Error::InvalidUrl { url, reason } => {
                set(obj, "url", url.as_str());
                set(obj, "reason", reason.as_str());
            }
            Error::InvalidProtocol { protocol, reason } => {
                set(obj, "protocol", protocol.as_str());
                set(obj, "reason", reason.as_str());
            }
            Error::InvalidCloseCode(code) => set(obj, "code", *code),
            Error::ReasonTooLong { len } => set(obj, "length", *len as u32),
            Error::ConnectFailed(ev) | Error::ConnectionLost(ev) | Error::ReconnectRefused(ev) => {
                set_close(obj, ev);
            }
            Error::RetriesExhausted { attempts, last } => {
                set(obj, "attempts", *attempts);
                set_close(obj, last);
            }
            Error::QueueFull { limit } => set(obj, "limit", *limit as u32),
            Error::ReceiveOverflow { limit } => set(obj, "limit", *limit as f64),
            Error::Browser { name, .. } => set(obj, "browserName", name.as_str()),
            _ => {}
        }
        js.into()
    }
}

/// A JS-only misuse (wrong argument type, conflicting consumers): an `Error` with that `name`.
pub(crate) fn usage_error(name: &str, message: &str) -> JsValue {
    let js = js_sys::Error::new(message);
    js.set_name(name);
    js.into()
}

/// Whether `send()` can take `data` as it is: a string, an `ArrayBuffer` or a view of one.
pub(crate) fn is_sendable(data: &JsValue) -> bool {
    data.is_string() || data.is_instance_of::<ArrayBuffer>() || ArrayBuffer::is_view(data)
}

/// An upper bound of the bytes `send(data)` buffers: 3 UTF-8 bytes per UTF-16 unit for text.
pub(crate) fn byte_bound(data: &JsValue) -> usize {
    match data.dyn_ref::<js_sys::JsString>() {
        Some(text) => text.length() as usize * 3,
        None => get(data, "byteLength").as_f64().unwrap_or(0.0) as usize,
    }
}

/// `string` → text; `ArrayBuffer` or any `ArrayBufferView` (e.g. `Uint8Array`) → binary.
pub(crate) fn message_from_js(data: &JsValue) -> Result<Message, JsValue> {
    if let Some(text) = data.as_string() {
        return Ok(Message::Text(text));
    }
    if let Some(buffer) = data.dyn_ref::<ArrayBuffer>() {
        return Ok(Message::Binary(Uint8Array::new(buffer).to_vec()));
    }
    if ArrayBuffer::is_view(data) {
        let view: &js_sys::DataView = data.unchecked_ref();
        let bytes = Uint8Array::new_with_byte_offset_and_length(
            &view.buffer(),
            view.byte_offset() as u32,
            view.byte_length() as u32,
        );
        return Ok(Message::Binary(bytes.to_vec()));
    }
    Err(usage_error(
        "TypeError",
        "send() takes a string, an ArrayBuffer or a typed array (such as Uint8Array)",
    ))
}

/// Text → `string`, binary → `Uint8Array`.
pub(crate) fn message_to_js(message: Message) -> JsValue {
    match message {
        Message::Text(text) => JsValue::from(text),
        Message::Binary(bytes) => Uint8Array::from(bytes.as_slice()).into(),
    }
}
