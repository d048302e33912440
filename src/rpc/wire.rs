//! JSON-RPC 2.0 on the wire: the requests this client writes and what it makes of a received
//! message. Pure: no socket, no task (tested natively below).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{Notification, RpcError};
use crate::{Error, Message};

#[derive(Serialize)]
struct Request<'a> {
    jsonrpc: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<u64>,
    method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<&'a RawValue>,
}

/// The text of a request (`id` given) or of a notification (none). Params that encode as
/// `null` (`()`, `None`) are left out, as JSON-RPC wants (params are an array or an object).
pub(crate) fn request(
    id: Option<u64>,
    method: &str,
    params: &impl Serialize,
) -> Result<String, Error> {
    let encode_failed = |e: serde_json::Error| Error::Encode {
        reason: e.to_string(),
    };
    let params = serde_json::value::to_raw_value(params).map_err(encode_failed)?;
    let params = (params.get() != "null").then_some(&*params);
    serde_json::to_string(&Request {
        jsonrpc: "2.0",
        id,
        method,
        params,
    })
    .map_err(encode_failed)
}

/// A received message, as far as this client reads it.
#[derive(Debug, PartialEq)]
pub(crate) enum Incoming {
    /// The answer to the request `id`: its result's JSON text, or the server's error.
    Response {
        id: u64,
        outcome: Result<String, RpcError>,
    },
    /// A message from the server that answers no request.
    Notification(Notification),
    /// Not a JSON-RPC 2.0 message this client can match (not JSON, not an object, an id this
    /// client never gave, a batch): why.
    Unmatched(String),
}

#[derive(Deserialize)]
struct Received<'a> {
    #[serde(default, borrow)]
    id: Option<&'a RawValue>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default, borrow)]
    params: Option<&'a RawValue>,
    #[serde(default, borrow)]
    result: Option<&'a RawValue>,
    #[serde(default)]
    error: Option<ErrorObject>,
}

#[derive(Deserialize)]
struct ErrorObject {
    code: i64,
    message: String,
    #[serde(default)]
    data: Option<serde_json::Value>,
}

/// What `message` is: a response, a notification, or neither.
pub(crate) fn incoming(message: &Message) -> Incoming {
    let text = match message {
        Message::Text(text) => text.as_str(),
        Message::Binary(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => return Incoming::Unmatched("a binary message that is not UTF-8".into()),
        },
    };
    // serde reads a struct from an array too: a batch, or any array, is no message of ours.
    if !text.trim_start().starts_with('{') {
        return Incoming::Unmatched("not a JSON-RPC message: not an object".into());
    }
    let received: Received<'_> = match serde_json::from_str(text) {
        Ok(received) => received,
        Err(e) => return Incoming::Unmatched(format!("not a JSON-RPC message: {e}")),
    };
    match (received.id, received.method) {
        (None, Some(method)) => Incoming::Notification(Notification {
            method,
            params: received
                .params
                .map_or_else(|| "null".into(), |p| p.get().to_owned()),
        }),
        (Some(id), None) => match id.get().parse::<u64>() {
            Ok(id) => Incoming::Response {
                id,
                outcome: match received.error {
                    Some(e) => Err(RpcError {
                        code: e.code,
                        message: e.message,
                        data: e.data,
                    }),
                    None => Ok(received
                        .result
                        .map_or_else(|| "null".into(), |r| r.get().to_owned())),
                },
            },
            // A string, a negative or fractional number: not an id this client gives.
            Err(_) => Incoming::Unmatched(format!(
                "a response to an id this client never gave: {}",
                id.get()
            )),
        },
        (Some(_), Some(method)) => {
            Incoming::Unmatched(format!("a request from the server ({method}): not served"))
        }
        (None, None) => Incoming::Unmatched(match received.error {
            // `"id": null`: the server could not read a request's id (a parse error, -32700).
            Some(e) => format!(
                "an error for no request this client can name: {} {}",
                e.code, e.message
            ),
            None => "neither a response nor a notification".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_notifications_as_json_rpc_writes_them() {
        assert_eq!(
            request(Some(7), "add", &(2, 3)).unwrap(),
            r#"{"jsonrpc":"2.0","id":7,"method":"add","params":[2,3]}"#
        );
        assert_eq!(
            request(None, "bye", &()).unwrap(),
            r#"{"jsonrpc":"2.0","method":"bye"}"#
        );
        let keyed = std::collections::BTreeMap::from([(vec![1u8], 1)]);
        assert!(matches!(
            request(Some(1), "x", &keyed),
            Err(Error::Encode { .. })
        ));
    }

    #[test]
    fn each_kind_of_message_is_told_apart() {
        let read = |s: &str| incoming(&Message::text(s));
        assert_eq!(
            read(r#"{"jsonrpc":"2.0","id":3,"result":{"a":[1, 2]}}"#),
            Incoming::Response {
                id: 3,
                outcome: Ok(r#"{"a":[1, 2]}"#.into())
            }
        );
        assert_eq!(
            read(r#"{"jsonrpc":"2.0","id":4,"result":null}"#),
            Incoming::Response {
                id: 4,
                outcome: Ok("null".into())
            }
        );
        assert_eq!(
            read(r#"{"jsonrpc":"2.0","id":5,"error":{"code":-32001,"message":"nope","data":[1]}}"#),
            Incoming::Response {
                id: 5,
                outcome: Err(RpcError {
                    code: -32001,
                    message: "nope".into(),
                    data: Some(serde_json::json!([1]))
                })
            }
        );
        assert_eq!(
            incoming(&Message::binary(
                br#"{"jsonrpc":"2.0","method":"tick","params":{"n":1}}"#.to_vec()
            )),
            Incoming::Notification(Notification {
                method: "tick".into(),
                params: r#"{"n":1}"#.into()
            })
        );
        for (text, why) in [
            ("oops", "not a JSON-RPC message"),
            ("[1]", "not a JSON-RPC message"),
            (
                r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#,
                "-32700 Parse error",
            ),
            (
                r#"{"jsonrpc":"2.0","id":"x","result":1}"#,
                "never gave: \"x\"",
            ),
            (
                r#"{"jsonrpc":"2.0","id":1,"method":"ask"}"#,
                "request from the server (ask)",
            ),
            (r#"{"jsonrpc":"2.0"}"#, "neither"),
        ] {
            let Incoming::Unmatched(reason) = read(text) else {
                panic!("{text}")
            };
            assert!(reason.contains(why), "{text}: {reason}");
        }
        let Incoming::Unmatched(reason) = incoming(&Message::binary(vec![0xff])) else {
            panic!()
        };
        assert!(reason.contains("not UTF-8"));
    }
}
