//! One message never exceeds the receive limit in memory, natively (decision 45): with a
//! 1 MiB limit, a 50 MiB message in 4 KiB fragments is refused as its frames arrive (the
//! receive overflow, 4009), never assembled. Measured as the growth of this process's peak
//! resident memory (`VmHWM`), in a test binary of its own: test threads share one process.
#![cfg(target_os = "linux")]

use std::time::Duration;

use futures::StreamExt;
use sockwave::{Error, WebSocket};

/// This process's peak resident memory, in bytes.
fn peak_rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kib: usize = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a number");
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_past_the_limit_is_refused_as_its_frames_arrive() {
    let base = std::env::var("SOCKWAVE_WS_BASE").ok();
    assert!(
        base.is_some() || std::env::var_os("SOCKWAVE_REQUIRE_DEVSERVER").is_none(),
        "SOCKWAVE_WS_BASE is not set"
    );
    let Some(base) = base else { return };
    let url = format!("{base}/fragments?size={}&chunk=4096", 50 << 20);
    // The first connection warms up what any connection allocates (TLS roots, buffers).
    let warm = WebSocket::connect(format!("{base}/echo"))
        .await
        .expect("open");
    drop(warm);
    let before = peak_rss();
    let connect = WebSocket::builder(url)
        .max_buffered_bytes(1 << 20)
        .connect();
    let mut ws = tokio::time::timeout(Duration::from_secs(10), connect)
        .await
        .expect("in time")
        .expect("open");
    let next = tokio::time::timeout(Duration::from_secs(20), ws.next()).await;
    match next.expect("in time") {
        Some(Err(Error::ReceiveOverflow { limit })) => assert_eq!(limit, 1 << 20),
        other => panic!("expected ReceiveOverflow, got {other:?}"),
    }
    let close = ws.closed().await;
    assert_eq!(
        (close.code, close.reason.as_str()),
        (4009, "receive buffer full")
    );
    let grown = peak_rss().saturating_sub(before);
    println!(
        "peak RSS grew by {} KiB for a 50 MiB message, limit 1 MiB",
        grown / 1024
    );
    assert!(grown <= 8 << 20, "peak RSS grew by {grown} bytes");
}
