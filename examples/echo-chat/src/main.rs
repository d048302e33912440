//! The echo chat in a terminal: `cargo run -p sockwave-echo-chat -- ws://127.0.0.1:9998/echo`.
//! Every line typed is sent (queued while disconnected); echoes, the connection's state and
//! reconnections are printed. At the end of input it waits for the echoes, closes, and exits.
//! The same [`chat`](sockwave_echo_chat::chat) as the page's.

#[cfg(not(target_family = "wasm"))]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    use futures::StreamExt;
    use sockwave_echo_chat::{chat, Show};
    use tokio::io::AsyncBufReadExt;

    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9998/echo".into());
    let lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let typed = futures::stream::unfold(lines, |mut lines| async move {
        match lines.next_line().await {
            Ok(Some(line)) => Some((line, lines)),
            _ => None,
        }
    })
    .boxed();
    chat(url, typed, |shown| match shown {
        Show::Status(text, _) => println!("[{text}]"),
        Show::Log(text, _) => println!("{text}"),
    })
    .await;
}

/// The browser build is the library (`src/web.rs`): nothing to run here.
#[cfg(target_family = "wasm")]
fn main() {}
