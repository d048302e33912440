//! Shared helpers for the browser tests: the dev server's address and a watchdog.
#![allow(dead_code)]

pub mod context;
pub mod soak;

use std::future::Future;
use std::time::Duration;

use futures::future::{select, Either};
use gloo_timers::future::TimeoutFuture;

/// The dev server's WebSocket base URL, fixed at compile time by the test script
/// (`SOCKWAVE_WS_BASE`), `ws://127.0.0.1:9998` by default.
pub fn base() -> &'static str {
    option_env!("SOCKWAVE_WS_BASE").unwrap_or("ws://127.0.0.1:9998")
}

/// The dev server's `wss://` base URL (`SOCKWAVE_WSS_BASE`), `wss://127.0.0.1:9443` by default.
pub fn wss_base() -> &'static str {
    option_env!("SOCKWAVE_WSS_BASE").unwrap_or("wss://127.0.0.1:9443")
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

/// The browser's user agent ("" where there is none).
fn user_agent() -> String {
    js_sys::Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| js_sys::Reflect::get(&n, &"userAgent".into()))
        .ok()
        .and_then(|ua| ua.as_string())
        .unwrap_or_default()
}

/// Whether this is WebKit (Safari's engine): its user agent says Safari and neither Chrome nor
/// Firefox. Only for tests that state an engine's own behaviour.
pub fn is_webkit() -> bool {
    let ua = user_agent();
    ua.contains("Safari") && !ua.contains("Chrome") && !ua.contains("Firefox")
}

/// Whether this is Firefox. Only for tests that state an engine's own behaviour.
pub fn is_firefox() -> bool {
    user_agent().contains("Firefox")
}

/// Ten seconds: a generous bound for anything on loopback.
pub const LONG: Duration = Duration::from_secs(10);

/// Records uncaught exceptions on the page (such as wasm-bindgen's "closure invoked ... after
/// being dropped") while it is alive.
pub struct ErrorTrap {
    errors: std::rc::Rc<std::cell::RefCell<Vec<String>>>,
    listener: wasm_bindgen::closure::Closure<dyn FnMut(web_sys::Event)>,
}

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
