//! An echo chat console written only in Rust: DOM through web-sys, the socket through
//! sockwave's Rust API, one `spawn_local` task per half, and a reconnect loop with backoff
//! whose status is shown on the page. Built by `npm start` into `www/rust/pkg/`.

use std::rc::Rc;
use std::time::Duration;

use futures::channel::{mpsc, oneshot};
use futures::{select, FutureExt, SinkExt, StreamExt};
use gloo_timers::future::TimeoutFuture;
use sockwave::{Message, WebSocket};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Document, Element, HtmlInputElement};

/// Runs the app once the module is loaded.
#[wasm_bindgen(start)]
pub fn start() {
    spawn_local(run());
}

/// The page's elements.
struct Ui {
    doc: Document,
    status: Element,
    log: Element,
    url: HtmlInputElement,
    input: HtmlInputElement,
}

impl Ui {
    fn find() -> Option<Ui> {
        let doc = web_sys::window()?.document()?;
        let input = |id: &str| {
            doc.get_element_by_id(id)?
                .dyn_into::<HtmlInputElement>()
                .ok()
        };
        Some(Ui {
            status: doc.get_element_by_id("status")?,
            log: doc.get_element_by_id("log")?,
            url: input("url")?,
            input: input("message")?,
            doc,
        })
    }

    fn status(&self, text: &str, class: &str) {
        self.status.set_text_content(Some(text));
        self.status.set_class_name(class);
    }

    fn log(&self, text: &str, class: &str) {
        if let Ok(li) = self.doc.create_element("li") {
            li.set_class_name(class);
            li.set_text_content(Some(text));
            let _ = self.log.append_child(&li);
            li.scroll_into_view_with_bool(false);
        }
    }
}

/// A DOM listener that lives as long as the value (the app keeps them for the page's life).
struct Listener {
    target: web_sys::EventTarget,
    kind: &'static str,
    callback: Closure<dyn FnMut(web_sys::Event)>,
}

impl Listener {
    fn new(
        target: &web_sys::EventTarget,
        kind: &'static str,
        f: impl FnMut(web_sys::Event) + 'static,
    ) -> Self {
        let callback = Closure::<dyn FnMut(web_sys::Event)>::new(f);
        let _ = target.add_event_listener_with_callback(kind, callback.as_ref().unchecked_ref());
        Listener {
            target: target.clone(),
            kind,
            callback,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .target
            .remove_event_listener_with_callback(self.kind, self.callback.as_ref().unchecked_ref());
    }
}

async fn run() {
    let Some(ui) = Ui::find() else { return };
    let ui = Rc::new(ui);
    if let Some(url) = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|q| {
            q.split(['?', '&'])
                .find_map(|kv| kv.strip_prefix("url=").map(decode))
        })
    {
        ui.url.set_value(&url);
    }

    // What the user types goes into a channel; the writer task of the current connection
    // takes it from there (and hands the receiver back when the connection ends).
    let (typed, mut outgoing) = mpsc::unbounded::<String>();
    let submit = {
        let ui = Rc::clone(&ui);
        move || {
            let text = ui.input.value();
            if !text.is_empty() && typed.unbounded_send(text).is_ok() {
                ui.input.set_value("");
            }
        }
    };
    let submit = Rc::new(submit);
    let _listeners = match ui.doc.get_element_by_id("send") {
        Some(button) => {
            let on_click = Rc::clone(&submit);
            let on_enter = Rc::clone(&submit);
            vec![
                Listener::new(&button, "click", move |_| on_click()),
                Listener::new(&ui.input, "keydown", move |ev| {
                    if ev
                        .dyn_ref::<web_sys::KeyboardEvent>()
                        .is_some_and(|k| k.key() == "Enter")
                    {
                        on_enter();
                    }
                }),
            ]
        }
        None => Vec::new(),
    };

    let mut attempt: u32 = 0;
    loop {
        let url = ui.url.value();
        ui.status(&format!("connecting to {url}…"), "connecting");
        match WebSocket::builder(url.as_str())
            .connect_timeout(Duration::from_secs(5))
            .connect()
            .await
        {
            Ok(ws) => {
                attempt = 0;
                ui.status(&format!("connected to {url}"), "connected");
                ui.log("connected", "open");
                outgoing = session(ws, outgoing, Rc::clone(&ui)).await;
            }
            Err(e) => ui.log(&format!("connect failed: {e}"), "error"),
        }
        attempt += 1;
        // 1 s, 2 s, 4 s ... capped at 10 s.
        let delay_ms = (500u32 << attempt.min(5)).min(10_000);
        ui.status(
            &format!(
                "disconnected; reconnecting in {:.1} s (attempt {attempt})",
                f64::from(delay_ms) / 1000.0
            ),
            "reconnecting",
        );
        TimeoutFuture::new(delay_ms).await;
    }
}

/// One connection: a reader task and a writer task, each owning its half. Returns the
/// outgoing channel once the connection has ended.
async fn session(
    ws: WebSocket,
    outgoing: mpsc::UnboundedReceiver<String>,
    ui: Rc<Ui>,
) -> mpsc::UnboundedReceiver<String> {
    let (mut tx, mut rx) = ws.split();
    let (ended, reader_done) = oneshot::channel::<String>();
    let reader_ui = Rc::clone(&ui);
    spawn_local(async move {
        let why = loop {
            match rx.next().await {
                Some(Ok(Message::Text(text))) => reader_ui.log(&format!("echo: {text}"), "message"),
                Some(Ok(Message::Binary(bytes))) => {
                    reader_ui.log(&format!("echo: {} bytes", bytes.len()), "message")
                }
                Some(Err(e)) => break e.to_string(),
                None => break format!("closed ({})", rx.closed().await),
            }
        };
        let _ = ended.send(why);
    });

    let (give_back, given_back) = oneshot::channel();
    spawn_local(async move {
        let mut outgoing = outgoing;
        let mut reader_done = reader_done.fuse();
        let why = loop {
            select! {
                text = outgoing.next() => match text {
                    Some(text) => match tx.send(Message::text(text.as_str())).await {
                        Ok(()) => ui.log(&format!("sent: {text}"), "sent"),
                        Err(e) => break e.to_string(),
                    },
                    None => break "the page went away".to_string(),
                },
                why = reader_done => break why.unwrap_or_default(),
            }
        };
        ui.log(&format!("disconnected: {why}"), "error");
        let _ = give_back.send(outgoing);
    });
    // The writer task always gives the channel back; if it could not, typing goes nowhere.
    given_back.await.unwrap_or_else(|_| mpsc::unbounded().1)
}

/// Decodes `%XX` escapes of a query parameter (kept as is if malformed).
fn decode(s: &str) -> String {
    web_sys::js_sys::decode_uri_component(s)
        .map(String::from)
        .unwrap_or_else(|_| s.to_string())
}
