//! The chat's page: DOM through web-sys. What is typed goes to [`chat`](super::chat); what it
//! reports goes on the page.

use std::rc::Rc;

use futures::channel::mpsc;
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

/// The classic example on the Rust face (the demo page's "Rust" choice: www/app.js):
/// [`classic::websocket_test`](super::classic::websocket_test), each notice handed to
/// `notice(text, class)`.
#[wasm_bindgen(js_name = websocketTest)]
pub async fn websocket_test(url: String, notice: web_sys::js_sys::Function) {
    super::classic::websocket_test(&url, |text, class| {
        let _ = notice.call2(&JsValue::NULL, &text.into(), &class.into());
    })
    .await
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

    // What the user types goes into a channel; the chat takes it from there.
    let (typed, outgoing) = mpsc::unbounded::<String>();
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
    drop(submit);
    let url = ui.url.value();
    super::chat(url, outgoing, |shown| match shown {
        super::Show::Status(text, class) => ui.status(&text, class),
        super::Show::Log(text, class) => ui.log(&text, class),
    })
    .await;
}

/// Decodes `%XX` escapes of a query parameter (kept as is if malformed).
fn decode(s: &str) -> String {
    web_sys::js_sys::decode_uri_component(s)
        .map(String::from)
        .unwrap_or_else(|_| s.to_string())
}
