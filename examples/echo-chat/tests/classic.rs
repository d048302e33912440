//! The classic example natively, against the dev server (`SOCKWAVE_WS_BASE`): the four
//! notices the demo page shows (`tests/js/demo.test.mjs` runs it in the browsers).
#![cfg(not(target_family = "wasm"))]

use std::sync::Mutex;

#[tokio::test(flavor = "current_thread")]
async fn the_classic_example_gives_its_notices() {
    let Ok(base) = std::env::var("SOCKWAVE_WS_BASE") else {
        assert!(
            std::env::var_os("SOCKWAVE_REQUIRE_DEVSERVER").is_none(),
            "SOCKWAVE_WS_BASE is not set"
        );
        return;
    };
    let notices = Mutex::new(Vec::new());
    let url = format!("{base}/echo");
    let run = sockwave_echo_chat::classic::websocket_test(&url, |text, class| {
        notices.lock().unwrap().push(format!("{class}: {text}"))
    });
    tokio::time::timeout(std::time::Duration::from_secs(20), run)
        .await
        .expect("bounded");
    assert_eq!(
        notices.into_inner().unwrap(),
        [
            "info: Message is sent...",
            "info: Message is received... Message to send",
            "info: Connection is closed... (code 1000, reason \"done\")",
        ]
    );
    // A server that is not there: one notice, an error.
    let notices = Mutex::new(Vec::new());
    sockwave_echo_chat::classic::websocket_test("ws://127.0.0.1:1/echo", |text, class| {
        notices.lock().unwrap().push(format!("{class}: {text}"))
    })
    .await;
    let notices = notices.into_inner().unwrap();
    assert!(
        notices.len() == 1
            && notices[0].starts_with("error: Error: cannot connect to ws://127.0.0.1:1/echo"),
        "{notices:?}"
    );
}
