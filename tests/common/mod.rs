//! Shared helpers for the browser tests: the dev server's address and a watchdog.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use futures::future::{select, Either};
use gloo_timers::future::TimeoutFuture;

/// The dev server's WebSocket base URL, fixed at compile time by the test script
/// (`SOCKWAVE_WS_BASE`), `ws://127.0.0.1:9998` by default.
pub fn base() -> &'static str {
    option_env!("SOCKWAVE_WS_BASE").unwrap_or("ws://127.0.0.1:9998")
}

/// The URL of a dev server route, e.g. `url("/close?code=4000")`.
pub fn url(route: &str) -> String {
    format!("{}{route}", base())
}

/// A port nothing listens on.
pub const DEAD_URL: &str = "ws://127.0.0.1:19999/echo";

/// Runs `fut`, failing the test instead of hanging if it takes longer than `limit`.
pub async fn within<T>(limit: Duration, what: &str, fut: impl Future<Output = T>) -> T {
    let timer = TimeoutFuture::new(limit.as_millis() as u32);
    match select(Box::pin(fut), timer).await {
        Either::Left((value, _)) => value,
        Either::Right(_) => panic!("watchdog: {what} took longer than {limit:?}"),
    }
}

/// Sleeps for `ms` milliseconds.
pub async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

/// Ten seconds: a generous bound for anything on loopback.
pub const LONG: Duration = Duration::from_secs(10);
