//! What a hostile or careless peer gets natively (issue "Hostile peers"), against the dev
//! server's hostile routes (`/extension`, `/auth`, `/raw`): typed outcomes, and no secret of
//! the app's (URL userinfo or query, a header's value) in any text sockwave makes.
#![cfg(not(target_family = "wasm"))]

use std::time::Duration;

use futures::StreamExt;
use sockwave::{Error, Message, WebSocket};

fn url(route: &str) -> Option<String> {
    let base = std::env::var("SOCKWAVE_WS_BASE").ok();
    assert!(
        base.is_some() || std::env::var_os("SOCKWAVE_REQUIRE_DEVSERVER").is_none(),
        "SOCKWAVE_WS_BASE is not set"
    );
    base.map(|b| format!("{b}{route}"))
}

async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), f)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than 10 s"))
}

/// The first message of a socket, as text.
async fn first_text(ws: &mut WebSocket) -> String {
    match within("first message", ws.next()).await {
        Some(Ok(Message::Text(text))) => text,
        other => panic!("expected a text message, got {other:?}"),
    }
}

#[tokio::test]
async fn an_extension_nobody_offered_fails_the_connection_naming_it() {
    let Some(url) = url("/extension?value=permessage-deflate") else {
        return;
    };
    match within("connect", WebSocket::connect(url)).await {
        Err(Error::ConnectFailed(ev)) => {
            assert_eq!((ev.code, ev.was_clean), (1006, false));
            assert!(ev.reason.contains("permessage-deflate"), "{}", ev.reason);
        }
        other => panic!("expected ConnectFailed, got {other:?}"),
    }
}

#[tokio::test]
async fn userinfo_is_sent_as_basic_authorization_and_an_explicit_header_wins() {
    let Some(plain) = url("/auth") else {
        return;
    };
    let with_userinfo = plain.replacen("://", "://al%20ice:p%40ss@", 1);
    let mut ws = within("connect", WebSocket::connect(with_userinfo.as_str()))
        .await
        .expect("open");
    // base64("al ice:p@ss")
    assert_eq!(first_text(&mut ws).await, "Basic YWwgaWNlOnBAc3M=");
    // Kept out of every text: the socket's Debug.
    assert!(!format!("{ws:?}").contains("p%40ss"), "{ws:?}");
    let builder = WebSocket::builder(with_userinfo).header("Authorization", "Bearer t0ken");
    let mut ws = within("connect", builder.connect()).await.expect("open");
    assert_eq!(first_text(&mut ws).await, "Bearer t0ken");
    let mut ws = within("connect", WebSocket::connect(plain))
        .await
        .expect("open");
    assert_eq!(first_text(&mut ws).await, "");
}

#[tokio::test]
async fn no_secret_in_any_text() {
    const SECRETS: [&str; 3] = ["hunter2", "SECRET", "s3cr3t-value"];
    let clean = |text: String| {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        text
    };
    // An invalid URL: the error's text, its Debug, and its `url`.
    let e = WebSocket::open("ftp://alice:hunter2@127.0.0.1/p?token=SECRET").unwrap_err();
    assert_eq!(
        clean(e.to_string()),
        "invalid WebSocket URL \"ftp://127.0.0.1/p?…\": the scheme must be ws or wss"
    );
    clean(format!("{e:?}"));
    // A header that is not one: named, its value never shown.
    let Some(echo) = url("/echo") else {
        return;
    };
    let e = WebSocket::builder(echo.as_str())
        .header("Authorization", "Bearer s3cr3t-value\r\nX: 1")
        .open()
        .unwrap_err();
    assert_eq!(e.name(), "InvalidHeader");
    assert!(clean(e.to_string()).contains("Authorization"), "{e}");
    clean(format!("{e:?}"));
    // The builder's and the socket's Debug, and a failure's close reason.
    let secret_url = echo.replacen("://", "://alice:hunter2@", 1) + "?token=SECRET";
    let builder = WebSocket::builder(secret_url.as_str()).header("Authorization", "s3cr3t-value");
    assert!(clean(format!("{builder:?}")).contains("/echo?…"));
    let ws = within("connect", builder.connect()).await.expect("open");
    clean(format!("{ws:?}"));
    let refused = url("/reject?status=403&token=SECRET").unwrap();
    let e = within("connect", WebSocket::connect(refused))
        .await
        .unwrap_err();
    clean(e.to_string());
    clean(format!("{e:?}"));
}

#[tokio::test]
async fn an_observer_held_and_never_read_stays_bounded() {
    use sockwave::{WsEvent, OBSERVER_CAPACITY};
    let Some(url) = url("/burst?n=3000") else {
        return;
    };
    // Observed from before it opens: every message of the burst is an event.
    let mut ws = WebSocket::open(url).expect("opening");
    let mut events = ws.events();
    for _ in 0..3000 {
        assert!(matches!(within("message", ws.next()).await, Some(Ok(_))));
    }
    within("close", ws.close_with(1000, ""))
        .await
        .expect("closed");
    let mut seen = Vec::new();
    while let Some(event) = within("events", events.next()).await {
        seen.push(event);
    }
    // At most the capacity, one marker for the rest, and the close, last.
    let missed: Vec<u64> = seen
        .iter()
        .filter_map(|e| match e {
            WsEvent::Missed(n) => Some(*n),
            _ => None,
        })
        .collect();
    assert_eq!(missed.len(), 1, "{missed:?}");
    assert_eq!(seen.len(), OBSERVER_CAPACITY + 2);
    // The open and the 3,000 messages: what was kept and what was missed.
    assert_eq!(seen[0], WsEvent::Open);
    assert_eq!(missed[0] as usize + OBSERVER_CAPACITY, 1 + 3000);
    assert!(
        matches!(seen.last(), Some(WsEvent::Close(_))),
        "{:?}",
        seen.last()
    );
}
