//! A seeded, bounded fuzz of the API, in Chrome, Firefox and WebKit: every call returns `Ok` or a typed
//! `Err`, and nothing panics (a panic would abort the test module).
//!
//! What's tested:
//! - close codes over the whole u16 range and reasons of 0..300 bytes (multi-byte characters
//!   across the 123-byte limit) against an open socket: `Ok` only for valid pairs, and then the
//!   socket really closes with them;
//! - 1,000 random URL strings (all of them either invalid or pointing at loopback);
//! - sends of every message type in every ready state.
#![cfg(target_family = "wasm")]

mod common;

use std::time::Duration;

use common::{url, within, LONG};
use futures::{SinkExt, StreamExt};
use sockwave::{CloseCode, Error, Message, ReadyState, WebSocket};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn reason(rng: &mut Rng, bytes: usize) -> String {
    let pieces: [&str; 6] = ["a", "é", "語", "🦀", " ", "ệ"];
    let mut s = String::new();
    while s.len() < bytes {
        let piece: &&str = rng.pick(&pieces);
        s.push_str(piece);
    }
    s
}

#[wasm_bindgen_test]
async fn close_codes_and_reasons() {
    let mut rng = Rng(0x5eed_c0de);
    let mut ws = within(LONG, "connect", WebSocket::connect(url("/echo")))
        .await
        .expect("connects");
    // Every invalid code is refused without touching the socket.
    for code in 0..=u16::MAX {
        let len = rng.below(300) as usize;
        let reason = reason(&mut rng, len);
        let valid = CloseCode::from(code).is_sendable() && reason.len() <= 123;
        if valid {
            continue; // would close it; tried once below
        }
        match ws.close_with(code, &reason).await {
            Err(Error::InvalidCloseCode(c)) => assert_eq!(c, code),
            Err(Error::ReasonTooLong { len }) => assert_eq!(len, reason.len()),
            other => panic!("code {code}, {} bytes: {other:?}", reason.len()),
        }
    }
    assert_eq!(ws.ready_state(), ReadyState::Open);
    // Reasons right at the limit, with multi-byte characters.
    let at_limit = format!("{}{}", "語".repeat(40), "abc"); // 123 bytes
    let ev = ws.close_with(4321u16, &at_limit).await.expect("valid");
    assert_eq!((ev.code, ev.reason.as_str()), (4321, at_limit.as_str()));
    assert_eq!(ws.next().await, None);
}

#[wasm_bindgen_test]
async fn random_urls_are_ok_or_invalid_url() {
    let mut rng = Rng(0xdead_beef);
    let schemes = [
        "ws",
        "wss",
        "http",
        "https",
        "ftp",
        "file",
        "javascript",
        "",
        "WS",
        "w s",
    ];
    // Hosts are loopback or never valid: no traffic leaves the machine.
    let hosts = [
        "127.0.0.1",
        "localhost",
        "[::1]",
        "",
        "[::1",
        "127.0.0.1:",
        "a b",
        "%zz",
        "[]",
    ];
    let junk = [
        '/', '?', '#', '%', ' ', '\u{0}', 'é', '🦀', ':', '@', '[', ']', '\\', 'x', '.',
    ];
    let listeners_before = sockwave::live_listeners();
    let mut opened = 0;
    for _ in 0..1_000 {
        let mut url = format!("{}://{}", *rng.pick(&schemes[..]), *rng.pick(&hosts[..]));
        if rng.below(2) == 0 {
            url.push_str(&format!(":{}", rng.below(70_000)));
        }
        for _ in 0..rng.below(12) {
            url.push(*rng.pick(&junk[..]));
        }
        match WebSocket::open(url.as_str()) {
            Ok(ws) => {
                opened += 1;
                drop(ws); // closes at once; nothing listens on most of these ports anyway
            }
            Err(Error::InvalidUrl { url: u, reason }) => {
                assert_eq!(u, url);
                assert!(!reason.is_empty());
            }
            Err(other) => panic!("{url:?}: {other:?}"),
        }
    }
    // WebKit counts a socket closed while connecting against its connection cap until its
    // network process has let it go, and fails a socket opened past the cap (`error`, no
    // `close`: sockwave reports `ConnectFailed`). Give the hundreds dropped here a moment, so
    // the next test's socket is not the one past the cap.
    common::sleep(1_500).await;
    assert!(
        opened > 0 && opened < 1_000,
        "a mix of valid and invalid ({opened} valid)"
    );
    assert_eq!(sockwave::live_listeners(), listeners_before);
}

fn samples() -> Vec<Message> {
    vec![
        Message::text(""),
        Message::text("x"),
        Message::text("🦀 ệ 語"),
        Message::binary(Vec::new()),
        Message::binary(vec![0, 255]),
    ]
}

async fn send_everything(ws: &mut WebSocket) -> Vec<Result<(), Error>> {
    let mut results = Vec::new();
    for m in samples() {
        results.push(ws.try_send(m.clone()));
    }
    for m in samples() {
        results.push(within(Duration::from_secs(5), "sink send", ws.send(m)).await);
    }
    results
}

#[wasm_bindgen_test]
async fn sends_in_every_ready_state() {
    // Connecting: try_send is NotOpen; the sink waits for open and then succeeds.
    let mut ws = WebSocket::open(url("/discard")).expect("valid");
    assert_eq!(ws.ready_state(), ReadyState::Connecting);
    for m in samples() {
        assert_eq!(ws.try_send(m), Err(Error::NotOpen));
    }
    // Open: everything goes.
    within(LONG, "open", ws.opened()).await.expect("opens");
    for r in send_everything(&mut ws).await {
        assert_eq!(r, Ok(()));
    }
    assert_eq!(ws.ready_state(), ReadyState::Open);
    // Closing: everything is Closed.
    ws.as_raw().close().expect("closes");
    assert_eq!(ws.ready_state(), ReadyState::Closing);
    for r in send_everything(&mut ws).await {
        assert_eq!(r, Err(Error::Closed));
    }
    // Closed: the same.
    let _ = within(LONG, "closed", ws.closed()).await;
    assert_eq!(ws.ready_state(), ReadyState::Closed);
    for r in send_everything(&mut ws).await {
        assert_eq!(r, Err(Error::Closed));
    }
    assert_eq!(ws.buffered_amount(), 0, "nothing silently buffered");
    // A socket that never opened.
    let mut failed = WebSocket::open(common::DEAD_URL).expect("valid");
    let _ = within(LONG, "fails", failed.closed()).await;
    for r in send_everything(&mut failed).await {
        assert_eq!(r, Err(Error::Closed));
    }
}
