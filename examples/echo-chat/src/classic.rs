//! The classic "Run WebSocket" example (the demo page's first card) on sockwave's plain
//! [`WebSocket`]: connect, send "Message to send", take the echo, close. Each step is a
//! notice, as each was an `alert()` in the original. The page runs it when its "Rust" choice
//! is made (`websocketTest`, src/web.rs), beside the same steps on the npm package
//! (www/app.js), and shows this file as the Rust code; natively it is one function call too.

use futures::{SinkExt, StreamExt};
use sockwave::{CloseCode, CloseEvent, Message, WebSocket};

/// Runs the example against `url`, telling each step to `notice` (its text and a class,
/// `"info"` or `"error"`), with the texts of the page's JavaScript version.
pub async fn websocket_test(url: &str, notice: impl Fn(String, &'static str)) {
    let mut ws = match WebSocket::connect(url).await {
        Ok(ws) => ws,
        Err(e) => {
            let text =
                format!("Error: cannot connect to {url}. Is the server running (npm start)? ({e})");
            return notice(text, "error");
        }
    };
    if let Err(e) = ws.send(Message::text("Message to send")).await {
        return notice(format!("Error: {e}"), "error");
    }
    notice("Message is sent...".into(), "info");
    match ws.next().await {
        Some(Ok(Message::Text(text))) => notice(format!("Message is received... {text}"), "info"),
        Some(Ok(Message::Binary(bytes))) => notice(
            format!("Message is received... {} bytes", bytes.len()),
            "info",
        ),
        Some(Err(e)) => notice(format!("Error: {e}"), "error"),
        None => {}
    }
    match ws.close_with(CloseCode::from(1000), "done").await {
        Ok(event) => notice(
            closed(&event),
            if event.was_clean { "info" } else { "error" },
        ),
        Err(e) => notice(format!("Error: {e}"), "error"),
    }
}

/// "Connection is closed... (code 1000, reason "done")", as the page's JavaScript says it.
fn closed(event: &CloseEvent) -> String {
    let reason = if event.reason.is_empty() {
        String::new()
    } else {
        format!(", reason \"{}\"", event.reason)
    };
    let clean = if event.was_clean { "" } else { ", not clean" };
    format!(
        "Connection is closed... (code {}{reason}{clean})",
        event.code
    )
}
