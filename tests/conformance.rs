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
