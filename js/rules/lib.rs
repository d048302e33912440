//! The .wasm of sockwave's npm package: the rules the JavaScript face shares with the Rust
//! face, compiled from the crate's own files (`src/rules.rs`, `src/machine/backoff.rs`,
//! included below by path: one source for both faces, and this crate is never published).
//!
//! The JS face itself is plain JavaScript over the browser's socket (`js/socket.js`): a message
//! goes from the browser's `message` event to `for await` without crossing into wasm, so it
//! costs what the raw socket costs. It crosses only where sockwave decides something: which
//! subprotocols and close frames a client may send, and how long to wait before reconnecting.
//! Each export takes and returns numbers: no string or JS object crosses, so the module links
//! no allocator (a string argument alone would link one: 7 KB gzip), no formatting and no
//! externref table. The size budget in `tests/js/sizes.test.mjs` guards that.
#![forbid(unsafe_code)]

use std::time::Duration;

use wasm_bindgen::prelude::*;

// Whole files of the crate; the parts only the Rust face uses are unused here.
#[allow(dead_code)]
#[path = "../../src/rules.rs"]
mod rules;

#[allow(dead_code)]
#[path = "../../src/machine/backoff.rs"]
mod backoff;

use backoff::Backoff;

/// Whether a subprotocol may contain this UTF-16 unit: visible ASCII, not a separator (RFC
/// 7230 `token`). js/link.js `protocolList` applies it to every unit, with the empty and
/// offered-twice checks of `rules::refusal`, in the same order.
#[wasm_bindgen(js_name = isTokenUnit)]
pub fn is_token_unit(unit: u32) -> bool {
    rules::refusal([unit], false).is_none()
}

/// Whether a client may close with `code` and a reason of `reason_bytes` UTF-8 bytes: 0 when
/// it may, 1 when the code is not 1000 or 3000-4999, 2 when the reason is over 123 bytes.
#[wasm_bindgen(js_name = closeProblem)]
pub fn close_problem(code: f64, reason_bytes: f64) -> u32 {
    let code_ok = (0.0..=65535.0).contains(&code)
        && code.fract() == 0.0
        && rules::sendable_close_code(code as u16);
    if !code_ok {
        1
    } else if reason_bytes > rules::MAX_REASON_BYTES as f64 {
        2
    } else {
        0
    }
}

/// The delay in milliseconds before reconnection attempt `attempt` (1-based): `min_ms`
/// growing by `factor` per attempt up to `max_ms`, with `jitter` 0 none, 1 full (uniform in
/// 0..delay), 2 equal (delay/2..delay), drawn with `random` in 0..1 (see `Backoff`).
#[wasm_bindgen(js_name = backoffDelay)]
pub fn backoff_delay(
    attempt: u32,
    min_ms: f64,
    max_ms: f64,
    factor: f64,
    jitter: u8,
    random: f64,
) -> f64 {
    let ms = |v: f64| Duration::try_from_secs_f64(v / 1000.0).unwrap_or_default();
    let backoff = Backoff::exponential(ms(min_ms), ms(max_ms)).factor(factor);
    let backoff = match jitter {
        1 => backoff.full_jitter(),
        2 => backoff.equal_jitter(),
        _ => backoff,
    };
    backoff.delay(attempt, random).as_secs_f64() * 1000.0
}
