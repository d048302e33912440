//! Calls over a reconnecting socket, written once for the browser and the terminal: a sum, a
//! server error, a timeout, three notifications, and a call through a dropped connection that
//! is sent again because it is idempotent. Against the dev server's `/rpc` (jsonrpsee).
//!
//! Natively: `cargo run -p sockwave-calls -- ws://127.0.0.1:9998/rpc`. In a page: the
//! `runCalls(url)` export resolves with the same report.

use std::time::Duration;

use futures::StreamExt;
use serde::Deserialize;
use sockwave::reconnect::{Backoff, ReconnectingWebSocket};
use sockwave::rpc::{CallError, Client, Notified};

/// A subscription item of the dev server's `notify_me`.
#[derive(Deserialize)]
struct Item {
    result: u64,
}

/// Runs the calls against the JSON-RPC server at `url`; one line per outcome.
pub async fn run(url: &str) -> Result<Vec<String>, CallError> {
    let ws = ReconnectingWebSocket::builder(url)
        .backoff(Backoff::constant(Duration::from_millis(50)))
        .build();
    let client = Client::reconnecting(ws).map_err(CallError::from)?;
    let mut report = Vec::new();

    let sum: i64 = client.call("add", (2, 3)).await?;
    report.push(format!("add(2, 3) = {sum}"));

    match client.call::<()>("fail", (-32001, "nope")).await {
        Err(CallError::Rpc(e)) => report.push(format!(
            "fail: the server answered {} {}",
            e.code, e.message
        )),
        other => report.push(format!("fail: unexpected {other:?}")),
    }

    let late = client
        .call::<u64>("sleep", [500])
        .timeout(Duration::from_millis(50))
        .await;
    report.push(format!(
        "sleep(500) with a 50 ms timeout: {}",
        late.map_or_else(|e| e.to_string(), |v| v.to_string())
    ));

    let mut news = client.notifications();
    let _subscription: u64 = client.call("notify_me", (3, "tick")).await?;
    let mut ticks = Vec::new();
    while ticks.len() < 3 {
        match news.next().await {
            Some(Notified::Notification(n)) if n.method == "tick" => {
                ticks.push(n.params::<Item>()?.result)
            }
            Some(_) => {} // the late answer to the timed-out call, unmatched
            None => break,
        }
    }
    report.push(format!("notifications: {ticks:?}"));

    // The server drops the connection in 100 ms: the plain call was handed to it and fails;
    // the idempotent one is sent again on the next connection.
    let dropping = client.call::<()>("drop_after", [100]);
    let once = client.call::<u64>("sleep", [300]);
    let again = client.call::<u64>("sleep", [300]).idempotent();
    let (_, once, again) = futures::join!(
        std::future::IntoFuture::into_future(dropping),
        std::future::IntoFuture::into_future(once),
        std::future::IntoFuture::into_future(again)
    );
    report.push(format!(
        "through a drop: {}; idempotent: {}",
        describe(once),
        describe(again)
    ));
    client.close();
    Ok(report)
}

fn describe(outcome: Result<u64, CallError>) -> String {
    match outcome {
        Ok(v) => format!("answered {v}"),
        Err(CallError::Disconnected { handed: true }) => {
            "failed, handed to the dead connection".into()
        }
        Err(e) => e.to_string(),
    }
}

/// In a page: `await runCalls("ws://127.0.0.1:9998/rpc")`, the report's lines joined.
#[cfg(target_family = "wasm")]
#[wasm_bindgen::prelude::wasm_bindgen(js_name = runCalls)]
pub async fn run_calls(url: String) -> Result<String, String> {
    run(&url)
        .await
        .map(|lines| lines.join("\n"))
        .map_err(|e| e.to_string())
}
