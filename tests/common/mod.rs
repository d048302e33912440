//! Shared helpers for the tests: the dev server's address and a watchdog, in the browser
//! and natively (where `context.rs`'s scenarios run too: `tests/contexts.rs`).
#![allow(dead_code)]

pub mod context;
#[cfg(target_family = "wasm")]
pub mod soak;

use std::future::Future;
use std::time::Duration;

/// The dev server's WebSocket base URL, fixed at compile time by the test script
/// (`SOCKWAVE_WS_BASE`), `ws://127.0.0.1:9998` by default.
#[cfg(target_family = "wasm")]
pub fn base() -> &'static str {
    option_env!("SOCKWAVE_WS_BASE").unwrap_or("ws://127.0.0.1:9998")
}

/// The dev server's `wss://` base URL (`SOCKWAVE_WSS_BASE`), `wss://127.0.0.1:9443` by default.
#[cfg(target_family = "wasm")]
pub fn wss_base() -> &'static str {
    option_env!("SOCKWAVE_WSS_BASE").unwrap_or("wss://127.0.0.1:9443")
}

/// Natively the addresses are read at run time (`SOCKWAVE_WS_BASE`); `None` skips the test,
/// unless `npm test` requires the server (`SOCKWAVE_REQUIRE_DEVSERVER`).
#[cfg(not(target_family = "wasm"))]
pub fn native_base(var: &str) -> Option<String> {
    let base = std::env::var(var).ok();
    assert!(
        base.is_some() || std::env::var_os("SOCKWAVE_REQUIRE_DEVSERVER").is_none(),
        "{var} is not set"
    );
    base
}

#[cfg(not(target_family = "wasm"))]
pub fn base() -> &'static str {
    native_base("SOCKWAVE_WS_BASE").map_or("ws://127.0.0.1:9998", |b| Box::leak(b.into_boxed_str()))
}

/// The URL of a dev server route, e.g. `url("/close?code=4000")`.
pub fn url(route: &str) -> String {
    format!("{}{route}", base())
}

/// The URL of a dev server route on either target, `None` natively when no server was named
/// (the test then skips, unless `npm test` requires the server).
pub fn route_url(route: &str) -> Option<String> {
    #[cfg(target_family = "wasm")]
    return Some(url(route));
    #[cfg(not(target_family = "wasm"))]
    native_base("SOCKWAVE_WS_BASE").map(|base| format!("{base}{route}"))
}

/// A port nothing listens on.
pub const DEAD_URL: &str = "ws://127.0.0.1:19999/echo";

/// Runs `fut`, failing the test instead of hanging if it takes longer than `limit`.
#[cfg(target_family = "wasm")]
pub async fn within<T>(limit: Duration, what: &str, fut: impl Future<Output = T>) -> T {
    use futures::future::{select, Either};
    let timer = gloo_timers::future::TimeoutFuture::new(limit.as_millis() as u32);
    match select(Box::pin(fut), timer).await {
        Either::Left((value, _)) => value,
        Either::Right(_) => panic!("watchdog: {what} took longer than {limit:?}"),
    }
}

/// Runs `fut`, failing the test instead of hanging if it takes longer than `limit`.
#[cfg(not(target_family = "wasm"))]
pub async fn within<T>(limit: Duration, what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, fut)
        .await
        .unwrap_or_else(|_| panic!("watchdog: {what} took longer than {limit:?}"))
}

/// Sleeps for `ms` milliseconds.
#[cfg(target_family = "wasm")]
pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

#[cfg(target_family = "wasm")]
/// The browser's user agent ("" where there is none).
fn user_agent() -> String {
    js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"userAgent".into()))
        .ok()
        .and_then(|ua| ua.as_string())
        .unwrap_or_default()
}

#[cfg(target_family = "wasm")]
/// Whether this is WebKit (Safari's engine): its user agent says Safari and neither Chrome nor
/// Firefox. Only for tests that state an engine's own behaviour.
pub fn is_webkit() -> bool {
    let ua = user_agent();
    ua.contains("Safari") && !ua.contains("Chrome") && !ua.contains("Firefox")
}

#[cfg(target_family = "wasm")]
/// Whether this is Firefox. Only for tests that state an engine's own behaviour.
pub fn is_firefox() -> bool {
    user_agent().contains("Firefox")
}

/// Ten seconds: a generous bound for anything on loopback.
pub const LONG: Duration = Duration::from_secs(10);

#[cfg(target_family = "wasm")]
/// Records uncaught exceptions on the page (such as wasm-bindgen's "closure invoked ... after
/// being dropped") while it is alive.
pub struct ErrorTrap {
    errors: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
    listener: wasm_bindgen::closure::Closure<dyn FnMut(web_sys::Event)>,
}

#[cfg(target_family = "wasm")]
impl ErrorTrap {
    pub fn install() -> Self {
        use wasm_bindgen::JsCast;
        let errors = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let sink = errors.clone();
        let listener = wasm_bindgen::closure::Closure::<dyn FnMut(web_sys::Event)>::new(
            move |event: web_sys::Event| {
                let message = js_sys::Reflect::get(&event, &"message".into())
                    .ok()
                    .and_then(|m| m.as_string())
                    .unwrap_or_else(|| "uncaught error".into());
                sink.borrow_mut().push(message);
            },
        );
        let global: web_sys::EventTarget = js_sys::global().unchecked_into();
        global
            .add_event_listener_with_callback("error", listener.as_ref().unchecked_ref())
            .expect("listen");
        ErrorTrap { errors, listener }
    }

    pub fn errors(&self) -> Vec<String> {
        self.errors.borrow().clone()
    }
}

#[cfg(target_family = "wasm")]
impl Drop for ErrorTrap {
    fn drop(&mut self) {
        use wasm_bindgen::JsCast;
        let global: web_sys::EventTarget = js_sys::global().unchecked_into();
        let _ = global
            .remove_event_listener_with_callback("error", self.listener.as_ref().unchecked_ref());
    }
}

/// Waits (bounded) for the first state of a reconnecting socket that `pick` accepts, returning
/// what it returns.
pub async fn wait_state<T>(
    states: &mut sockwave::reconnect::States,
    what: &str,
    mut pick: impl FnMut(sockwave::reconnect::ConnectionState) -> Option<T>,
) -> T {
    use futures::StreamExt;
    within(LONG, what, async {
        while let Some(s) = states.next().await {
            if let Some(t) = pick(s) {
                return t;
            }
        }
        panic!("states ended before {what}")
    })
    .await
}

/// Waits (bounded) until a reconnecting socket is open.
pub async fn wait_open(states: &mut sockwave::reconnect::States) {
    use sockwave::reconnect::ConnectionState;
    wait_state(states, "open", |s| {
        (s == ConnectionState::Open).then_some(())
    })
    .await
}

#[cfg(target_family = "wasm")]
/// A URL provider for `ReconnectingBuilder::url_provider` that counts its calls and takes the
/// dev server route from the call number (1 for the first): `(calls, provider)`.
pub fn counting_urls(
    route: fn(u32) -> &'static str,
) -> (
    std::rc::Rc<std::cell::Cell<u32>>,
    impl Fn() -> std::future::Ready<String> + 'static,
) {
    let calls = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let counter = std::rc::Rc::clone(&calls);
    let provider = move || {
        counter.set(counter.get() + 1);
        std::future::ready(url(route(counter.get())))
    };
    (calls, provider)
}
