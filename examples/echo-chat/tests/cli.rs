//! The echo chat's terminal build against the dev server (`SOCKWAVE_WS_BASE`): lines in,
//! echoes and the connection's state out, a clean close at the end of input. (The page build
//! is tested in the browsers by `tests/js/demo.test.mjs`.)
#![cfg(not(target_family = "wasm"))]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_terminal_chat_sends_echoes_and_closes() {
    let Ok(base) = std::env::var("SOCKWAVE_WS_BASE") else {
        assert!(
            std::env::var_os("SOCKWAVE_REQUIRE_DEVSERVER").is_none(),
            "SOCKWAVE_WS_BASE is not set"
        );
        return;
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_echo-chat"))
        .arg(format!("{base}/echo"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the chat starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("hello\nwörld 🦀\n".as_bytes())
        .expect("typed");
    // Bounded: the chat waits at most 5 s for echoes after the end of input.
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the chat did not exit"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{out}");
    assert!(!out.contains("stopped:"), "{out}");
    for line in ["connected", "sent: hello", "echo: hello", "echo: wörld 🦀"] {
        assert!(out.lines().any(|l| l == line), "no {line:?} in:\n{out}");
    }
    assert!(out.contains("[closed (code 1000, clean)]"), "{out}");
}
