//! The conformance suite's rules fixture (`tests/conformance/rules.js`), against the Rust face:
//! the same data the npm package's harness reads (`tests/js/scenarios.js`), so both faces are
//! held to one table.
//!
//! What's tested:
//! - every close code 0..=65535 with every reason of the fixture (ASCII, 2-, 3- and 4-byte
//!   characters around the 123-byte limit): `validate_close` accepts exactly the sendable codes
//!   with reasons that fit, refuses the rest with `InvalidCloseCode` (checked first) or
//!   `ReasonTooLong` with the reason's length (natively and in every browser; the JS harness,
//!   for which each refusal is an `Error` with a stack, tries every code with the first reason
//!   and the fixture's probe codes with every reason);
//! - the backoff grid: `Backoff::delay` gives the fixture's delays (natively and in every
//!   browser);
//! - the subprotocol lists: refused with `InvalidProtocol` naming the one refused and why,
//!   or accepted (in every browser: the builder opens a socket).

use std::time::Duration;

use serde_json::Value;
use sockwave::reconnect::Backoff;
use sockwave::{validate_close, CloseCode, Error};

#[cfg(target_family = "wasm")]
mod common;
#[cfg(target_family = "wasm")]
use wasm_bindgen_test::*;
#[cfg(target_family = "wasm")]
wasm_bindgen_test_configure!(run_in_browser);

/// The fixture: JSON inside `export default ... ;`.
fn fixture() -> Value {
    let text = include_str!("conformance/rules.js");
    let start = text.find("export default {").expect("export default {") + "export default".len();
    let end = text.rfind(';').expect("a closing ;");
    serde_json::from_str(&text[start..end]).expect("the fixture is JSON")
}

/// A URL is shown without its secrets (the builder's `Debug`, as every text shows it); the npm
/// package's `redactUrl` is held to the same fixture (tests/js/redact.test.mjs).
#[cfg_attr(target_family = "wasm", wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), test)]
fn urls_are_shown_without_secrets() {
    let fixture = fixture();
    let cases = fixture["redactions"].as_array().expect("redactions");
    assert!(cases.len() >= 10);
    for case in cases {
        let (given, shown) = (case[0].as_str().unwrap(), case[1].as_str().unwrap());
        let debug = format!("{:?}", sockwave::WebSocket::builder(given));
        assert!(
            debug.contains(&format!("url: {shown:?}")),
            "{given}: {debug}"
        );
    }
}

fn reason(r: &Value) -> String {
    let unit = r["unit"].as_str().unwrap_or_default();
    let count = r["count"].as_u64().unwrap_or_default() as usize;
    unit.repeat(count) + r["tail"].as_str().unwrap_or_default()
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), test)]
fn close_codes_and_reasons() {
    let fixture = fixture();
    let ranges: Vec<(u64, u64)> = fixture["closeCodes"]["sendable"]
        .as_array()
        .expect("ranges")
        .iter()
        .map(|r| (r[0].as_u64().unwrap(), r[1].as_u64().unwrap()))
        .collect();
    let reasons = fixture["reasons"].as_array().expect("reasons");
    let mut checked = 0;
    for r in reasons {
        let text = reason(r);
        let bytes = r["bytes"].as_u64().unwrap() as usize;
        assert_eq!(text.len(), bytes, "the fixture's byte count for {r}");
        let fits = r["ok"].as_bool().unwrap();
        for code in 0..=u16::MAX {
            let sendable = ranges
                .iter()
                .any(|&(a, b)| (a..=b).contains(&u64::from(code)));
            let expected = match (sendable, fits) {
                (false, _) => Err(Error::InvalidCloseCode(code)),
                (true, false) => Err(Error::ReasonTooLong { len: bytes }),
                (true, true) => Ok(()),
            };
            assert_eq!(
                validate_close(CloseCode::from(code), &text),
                expected,
                "{code} {r}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 65_536 * reasons.len());
}

#[cfg_attr(target_family = "wasm", wasm_bindgen_test)]
#[cfg_attr(not(target_family = "wasm"), test)]
fn backoff_grid() {
    for case in fixture()["backoff"].as_array().expect("backoff") {
        let ms = |key: &str| Duration::from_millis(case[key].as_u64().unwrap());
        let b =
            Backoff::exponential(ms("minMs"), ms("maxMs")).factor(case["factor"].as_f64().unwrap());
        let b = match case["jitter"].as_str().unwrap() {
            "full" => b.full_jitter(),
            "equal" => b.equal_jitter(),
            _ => b,
        };
        let attempt = case["attempt"].as_u64().unwrap() as u32;
        let delay = b.delay(attempt, case["random"].as_f64().unwrap());
        assert_eq!(delay, ms("delayMs"), "{case}");
    }
}

#[cfg(target_family = "wasm")]
#[wasm_bindgen_test]
async fn subprotocol_lists() {
    for case in fixture()["protocols"].as_array().expect("protocols") {
        let offer: Vec<String> = case["offer"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        let opened = sockwave::WebSocket::builder(common::url("/echo"))
            .protocols(offer)
            .open();
        match (&case["refused"], opened) {
            (Value::Null, Ok(ws)) => drop(ws),
            (refused, Err(Error::InvalidProtocol { protocol, reason })) => {
                assert_eq!(
                    Some(protocol.as_str()),
                    refused["protocol"].as_str(),
                    "{case}"
                );
                assert_eq!(Some(reason.as_str()), refused["reason"].as_str(), "{case}");
            }
            (refused, other) => panic!("{case}: expected {refused}, got {:?}", other.err()),
        }
    }
    assert_eq!(sockwave::live_listeners(), 0);
}

/// The scenarios of the suite (`tests/conformance/scenarios.js`), run against the Rust face: a
/// plain [`WebSocket`](sockwave::WebSocket), or a
/// [`ReconnectingWebSocket`](sockwave::reconnect::ReconnectingWebSocket) when the scenario asks
/// for reconnection, a heartbeat, an idle timeout or a URL list. The npm package's harness
/// (`tests/js/scenarios.js`) reads the same file and must produce the same traces.
///
/// In the browsers (wasm-bindgen-test) and natively (tokio, against the dev server named by
/// `SOCKWAVE_WS_BASE`; the reconnecting scenarios wait for the native reconnecting socket).
mod scenarios {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use futures::future::{select, Either};
    use futures::{SinkExt, StreamExt};
    use serde_json::Value;
    use sockwave::reconnect::{Backoff, ConnectionState, ReconnectingWebSocket};
    use sockwave::{CloseEvent, Error, Message, WebSocket, WsEvent};

    /// What the harness needs of its target: a dev server, a timer, a task.
    #[cfg(target_family = "wasm")]
    mod rt {
        pub use super::super::common::{sleep, url, DEAD_URL};
        pub fn spawn(f: impl std::future::Future<Output = ()> + 'static) {
            wasm_bindgen_futures::spawn_local(f);
        }
        pub fn timeout(ms: u32) -> gloo_timers::future::TimeoutFuture {
            gloo_timers::future::TimeoutFuture::new(ms)
        }
    }

    #[cfg(not(target_family = "wasm"))]
    mod rt {
        pub const DEAD_URL: &str = "ws://127.0.0.1:19999/echo";
        pub fn base() -> Option<String> {
            std::env::var("SOCKWAVE_WS_BASE").ok()
        }
        pub fn url(route: &str) -> String {
            format!("{}{route}", base().unwrap_or_default())
        }
        pub async fn sleep(ms: u32) {
            tokio::time::sleep(std::time::Duration::from_millis(ms.into())).await;
        }
        pub fn spawn(f: impl std::future::Future<Output = ()> + Send + 'static) {
            tokio::spawn(f);
        }
        pub fn timeout(ms: u32) -> std::pin::Pin<Box<tokio::time::Sleep>> {
            Box::pin(tokio::time::sleep(std::time::Duration::from_millis(
                ms.into(),
            )))
        }
    }
    use rt::sleep;

    fn fixture() -> Value {
        let text = include_str!("conformance/scenarios.js");
        let start =
            text.find("export default {").expect("export default {") + "export default".len();
        let end = text.rfind(';').expect("a closing ;");
        serde_json::from_str(&text[start..end]).expect("the fixture is JSON")
    }

    /// An error as the traces write it: its name, then what identifies it.
    fn error(e: &Error) -> String {
        let detail = match e {
            Error::ConnectFailed(ev) | Error::ConnectionLost(ev) | Error::ReconnectRefused(ev) => {
                format!(":{}", ev.code)
            }
            Error::RetriesExhausted { attempts, .. } => format!(":{attempts}"),
            Error::InvalidCloseCode(code) => format!(":{code}"),
            Error::ReasonTooLong { len } => format!(":{len}"),
            Error::QueueFull { limit } | Error::ReceiveOverflow { limit } => format!(":{limit}"),
            _ => String::new(),
        };
        format!("{}{detail}", e.name())
    }

    fn close(ev: &CloseEvent) -> String {
        format!("{}:{}:{}", ev.code, ev.reason, ev.was_clean)
    }

    fn message(m: &Message) -> String {
        match m.as_text() {
            Some(text) => text.to_owned(),
            None => {
                let bytes: Vec<String> = m.as_bytes().iter().map(u8::to_string).collect();
                format!("bin:{}", bytes.join(","))
            }
        }
    }

    fn route(r: &str) -> String {
        if r == "dead" {
            rt::DEAD_URL.to_owned()
        } else {
            rt::url(r)
        }
    }

    fn text(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Object(o) => o["unit"]
                .as_str()
                .unwrap_or_default()
                .repeat(o["count"].as_u64().unwrap_or_default() as usize),
            _ => String::new(),
        }
    }

    fn ms(v: &Value, key: &str) -> Option<Duration> {
        v.get(key)?.as_u64().map(Duration::from_millis)
    }

    enum Socket {
        Plain(WebSocket),
        Reconnecting(ReconnectingWebSocket),
    }

    /// What the socket did on its own, written as the traces write it.
    type Events = Arc<Mutex<Vec<String>>>;

    fn log(events: &Events) -> std::sync::MutexGuard<'_, Vec<String>> {
        events.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn open_plain(c: &Value, events: &Events) -> Result<Socket, Error> {
        let o = &c["options"];
        let mut b = WebSocket::builder(route(c["url"].as_str().expect("a URL")));
        if let Some(n) = o.get("maxBufferedBytes").and_then(Value::as_u64) {
            b = b.max_buffered_bytes(n as usize);
        }
        if let Some(n) = o.get("highWaterMark").and_then(Value::as_u64) {
            b = b.high_water_mark(n as usize);
        }
        if let Some(t) = ms(o, "connectTimeoutMs") {
            b = b.connect_timeout(t);
        }
        let ws = b.connect().await?;
        let mut stream = ws.events();
        let events = Arc::clone(events);
        rt::spawn(async move {
            while let Some(e) = stream.next().await {
                if let WsEvent::Close(ev) = e {
                    log(&events).push(format!("close:{}", close(&ev)));
                }
            }
        });
        Ok(Socket::Plain(ws))
    }

    async fn open_reconnecting(c: &Value, events: &Events) -> Result<Socket, Error> {
        let o = &c["options"];
        let urls: Vec<String> = match &c["url"] {
            Value::Array(list) => list
                .iter()
                .map(|u| u.as_str().unwrap().to_owned())
                .collect(),
            u => vec![u.as_str().expect("a URL").to_owned()],
        };
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let mut b = ReconnectingWebSocket::builder("").try_url_provider(move || {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let answer = urls[n.min(urls.len() - 1)].clone();
            async move {
                match answer.as_str() {
                    "throw" => Err("provider failed"),
                    r => Ok(route(r)),
                }
            }
        });
        let r = &o["reconnect"];
        let min = ms(r, "minDelayMs").unwrap_or(Duration::from_millis(500));
        let max = ms(r, "maxDelayMs").unwrap_or(Duration::from_secs(30));
        let factor = r.get("factor").and_then(Value::as_f64).unwrap_or(2.0);
        b = b.backoff(Backoff::exponential(min, max).factor(factor));
        if let Some(n) = r.get("maxRetries").and_then(Value::as_u64) {
            b = b.max_retries(Some(n as u32));
        }
        if let Some(n) = r.get("queueLimit").and_then(Value::as_u64) {
            b = b.queue_limit(n as usize);
        }
        if let Some(n) = o.get("maxBufferedBytes").and_then(Value::as_u64) {
            b = b.max_buffered_bytes(n as usize);
        }
        if let Some(n) = o.get("highWaterMark").and_then(Value::as_u64) {
            b = b.high_water_mark(n as usize);
        }
        if let Some(t) = ms(o, "connectTimeoutMs") {
            b = b.connect_timeout(t);
        }
        let h = &o["heartbeat"];
        if let (Some(interval), Some(timeout)) = (ms(h, "intervalMs"), ms(h, "timeoutMs")) {
            b = b.heartbeat(interval, timeout, Message::text("ping"), |m| {
                m.as_text() == Some("pong")
            });
        }
        if let Some(t) = ms(o, "idleTimeoutMs") {
            b = b.idle_timeout(t);
        }
        if let Some(code) = o.get("idleTimeoutCode").and_then(Value::as_u64) {
            b = b.timeout_codes(sockwave::reconnect::HEARTBEAT_TIMEOUT_CODE, code as u16);
        }
        let mut ws = b.build();
        let mut states = ws.states();
        // Until the first open (or the end): what `connect` resolves or rejects with.
        loop {
            match states.next().await {
                Some(ConnectionState::Open) => break,
                Some(ConnectionState::Closed(_)) | None => {
                    return Err(match ws.next().await {
                        Some(Err(e)) => e,
                        other => panic!("a socket that never opened yielded {other:?}"),
                    });
                }
                Some(_) => {}
            }
        }
        let events = Arc::clone(events);
        rt::spawn(async move {
            while let Some(s) = states.next().await {
                let line = match s {
                    ConnectionState::Connecting { .. } => continue,
                    ConnectionState::Open => "open".to_owned(),
                    ConnectionState::Disconnected {
                        close: ev,
                        in_flight,
                    } => format!(
                        "disconnect:{}:{}+{}/{}",
                        close(&ev),
                        in_flight.first_seq,
                        in_flight.messages,
                        in_flight.bytes
                    ),
                    ConnectionState::Reconnecting { attempt, delay } => {
                        format!("reconnect:{attempt}:{}", delay.as_millis())
                    }
                    ConnectionState::Closed(ev) => format!("close:{}", close(&ev)),
                    ConnectionState::Missed(n) => format!("missed:{n}"),
                };
                log(&events).push(line);
            }
        });
        Ok(Socket::Reconnecting(ws))
    }

    impl Socket {
        async fn send(&mut self, m: Message) -> Result<(), Error> {
            match self {
                Socket::Plain(ws) => ws.send(m).await,
                Socket::Reconnecting(ws) => ws.send(m).await,
            }
        }

        async fn next(&mut self) -> Option<Result<Message, Error>> {
            match self {
                Socket::Plain(ws) => ws.next().await,
                Socket::Reconnecting(ws) => ws.next().await,
            }
        }

        async fn close(&self, code: u16, reason: &str) -> Result<CloseEvent, Error> {
            match self {
                Socket::Plain(ws) => ws.close_with(code, reason).await,
                Socket::Reconnecting(ws) => ws.close_with(code, reason).await,
            }
        }
    }

    /// The end of the messages as the traces write it, or `None` for a message (pushed).
    fn read(next: Option<Result<Message, Error>>, trace: &mut Vec<String>) -> bool {
        match next {
            Some(Ok(m)) => {
                trace.push(message(&m));
                false
            }
            Some(Err(e)) => {
                trace.push(format!("end!{}", error(&e)));
                true
            }
            None => {
                trace.push("end".to_owned());
                true
            }
        }
    }

    /// Whether the scenario needs a reconnecting socket.
    fn reconnecting(c: &Value) -> bool {
        let o = &c["options"];
        c["url"].is_array()
            || ["reconnect", "heartbeat", "idleTimeoutMs"]
                .iter()
                .any(|k| o.get(*k).is_some())
    }

    /// The engine whose quirks a scenario may name ("webkit": Safari, WebKitGTK; "firefox"):
    /// natively and in Chromium, none.
    fn engine() -> &'static str {
        #[cfg(target_family = "wasm")]
        {
            let ua = js_sys::eval("globalThis.navigator ? navigator.userAgent : ''")
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            if ua.contains("AppleWebKit") && !ua.contains("Chrom") {
                return "webkit";
            }
            if ua.contains("Firefox/") {
                return "firefox";
            }
            ""
        }
        #[cfg(not(target_family = "wasm"))]
        ""
    }

    async fn run(c: &Value, events: Events) -> (Vec<String>, Vec<String>) {
        let opened = if reconnecting(c) {
            open_reconnecting(c, &events).await
        } else {
            open_plain(c, &events).await
        };
        let mut ws = match opened {
            Ok(ws) => ws,
            Err(e) => return (vec![format!("connect!{}", error(&e))], Vec::new()),
        };
        let mut trace = vec!["connect".to_owned()];
        let mut ended = false;
        for step in c["steps"].as_array().into_iter().flatten() {
            let arg = |i: usize| &step[i];
            match step[0].as_str().unwrap() {
                "send" | "binary" => {
                    let m = match arg(1) {
                        Value::Array(bytes) => Message::binary(
                            bytes
                                .iter()
                                .map(|b| b.as_u64().unwrap() as u8)
                                .collect::<Vec<_>>(),
                        ),
                        t => Message::text(text(t)),
                    };
                    if let Err(e) = ws.send(m).await {
                        trace.push(format!("send!{}", error(&e)));
                    }
                }
                "trySend" => {
                    // Handed over without waiting: the read that follows is polled at once,
                    // before any answer can arrive.
                    let m = Message::text(text(arg(1)));
                    let sent = match &mut ws {
                        Socket::Plain(plain) => plain.try_send(m),
                        Socket::Reconnecting(r) => r.feed(m).await,
                    };
                    if let Err(e) = sent {
                        trace.push(format!("send!{}", error(&e)));
                    }
                }
                "read" => {
                    for _ in 0..arg(1).as_u64().unwrap() {
                        if ended {
                            break;
                        }
                        let next = ws.next().await;
                        ended = read(next, &mut trace);
                    }
                }
                "drain" => {
                    let mut n = 0;
                    let mut end = Vec::new();
                    while !ended {
                        let next = ws.next().await;
                        ended = read(next, &mut end);
                        if !ended {
                            n += 1;
                            end.clear();
                        }
                    }
                    trace.push(format!("drained:{n}"));
                    trace.extend(end);
                }
                "close" => {
                    let code = arg(1).as_u64().unwrap() as u16;
                    match ws.close(code, &text(arg(2))).await {
                        Ok(ev) => trace.push(format!("closed:{}", close(&ev))),
                        Err(e) => trace.push(format!("close!{}", error(&e))),
                    }
                }
                "closeTwice" => {
                    // Both asked before either is awaited: `join!` polls the first first.
                    let (c1, c2) = (arg(1).as_u64().unwrap(), arg(3).as_u64().unwrap());
                    let (r1, r2) = (text(arg(2)), text(arg(4)));
                    let (a, b) = futures::join!(ws.close(c1 as u16, &r1), ws.close(c2 as u16, &r2));
                    for result in [a, b] {
                        match result {
                            Ok(ev) => trace.push(format!("closed:{}", close(&ev))),
                            Err(e) => trace.push(format!("close!{}", error(&e))),
                        }
                    }
                }
                "closed" => {
                    let Socket::Plain(plain) = &ws else {
                        panic!("closed: plain sockets only")
                    };
                    trace.push(format!("closed:{}", close(&plain.closed().await)));
                }
                "wait" => {
                    let kind = arg(1).as_str().unwrap().to_owned();
                    let n = arg(2).as_u64().unwrap() as usize;
                    let count = || {
                        log(&events)
                            .iter()
                            .filter(|l| l.split(':').next() == Some(kind.as_str()))
                            .count()
                    };
                    // Bounded: 200 x 50 ms.
                    for _ in 0..200 {
                        if count() >= n {
                            break;
                        }
                        sleep(50).await;
                    }
                }
                "sleep" => sleep(arg(1).as_u64().unwrap() as u32).await,
                "reconnect" => {
                    let Socket::Reconnecting(r) = &ws else {
                        panic!("reconnect: reconnecting sockets only")
                    };
                    if let Err(e) = r.reconnect() {
                        trace.push(format!("reconnect!{}", error(&e)));
                    }
                }
                "network" => {
                    let online = arg(1).as_str() == Some("online");
                    // The page's or worker's event; natively the app tells.
                    #[cfg(target_family = "wasm")]
                    let _ = js_sys::eval(&format!(
                        "globalThis.dispatchEvent(new Event('{}'))",
                        if online { "online" } else { "offline" }
                    ));
                    #[cfg(not(target_family = "wasm"))]
                    if let Socket::Reconnecting(r) = &ws {
                        r.set_online(online);
                    }
                }
                "count" => {
                    let kind = arg(1).as_str().unwrap();
                    let n = log(&events)
                        .iter()
                        .filter(|l| l.split(':').next() == Some(kind))
                        .count();
                    trace.push(format!("{kind}:{n}"));
                }
                other => panic!("unknown step {other}"),
            }
        }
        // The last event (close) may come a moment after close() settled. Bounded: 100 x 20 ms.
        for _ in 0..100 {
            if log(&events).last().is_some_and(|l| l.starts_with("close:")) {
                break;
            }
            sleep(20).await;
        }
        let events = log(&events).clone();
        (trace, events)
    }

    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_family = "wasm"), tokio::test)]
    async fn every_scenario() {
        #[cfg(not(target_family = "wasm"))]
        if rt::base().is_none() {
            // `npm test` starts the dev server and sets it (scripts/test.sh); it also sets
            // SOCKWAVE_REQUIRE_DEVSERVER, so this cannot pass by skipping there.
            assert!(
                std::env::var_os("SOCKWAVE_REQUIRE_DEVSERVER").is_none(),
                "SOCKWAVE_WS_BASE is not set"
            );
            eprintln!("conformance scenarios skipped: no dev server (SOCKWAVE_WS_BASE)");
            return;
        }
        let fixture = fixture();
        let mut failures = Vec::new();
        let mut ran = 0;
        // A developer's filter (at build time, for the browsers too): the scenarios whose name
        // contains it.
        let only = option_env!("SOCKWAVE_SCENARIO").unwrap_or_default();
        for c in fixture["scenarios"].as_array().expect("scenarios") {
            let name = c["name"].as_str().unwrap();
            // An engine's quirks: its own steps and expectations where a scenario gives them.
            let mut c = c.clone();
            if let Some(Value::Object(own)) = c.get(engine()).cloned() {
                for (k, v) in own {
                    c[k.as_str()] = v;
                }
            }
            let c = &c;
            if !name.contains(only) {
                continue;
            }
            ran += 1;
            // A scenario that hangs fails alone, after 30 s, with the events it saw.
            let events: Events = Arc::default();
            let (trace, events) =
                match select(Box::pin(run(c, Arc::clone(&events))), rt::timeout(30_000)).await {
                    Either::Left((done, _)) => done,
                    Either::Right(_) => (
                        vec!["timed out after 30 s".to_owned()],
                        log(&events).clone(),
                    ),
                };
            let want = |key: &str| -> Vec<String> {
                c[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect()
            };
            if trace != want("trace") || events != want("events") {
                failures.push(format!(
                    "{name}:\n  trace  {trace:?}\n  want   {:?}\n  events {events:?}\n  want   {:?}",
                    want("trace"),
                    want("events")
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        assert!(ran >= 21 || !only.is_empty(), "{ran} scenarios ran");
        // Every socket of every scenario gave its listeners back.
        for _ in 0..50 {
            if sockwave::live_listeners() == 0 {
                break;
            }
            sleep(20).await;
        }
        assert_eq!(sockwave::live_listeners(), 0);
    }
}
