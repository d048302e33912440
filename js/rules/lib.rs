//! The .wasm of sockwave's npm package: the machine that makes every decision of a
//! connection's life (`src/machine/`) and the subprotocol rule (`src/rules.rs`), compiled from
//! the crate's own files (included below by path: one source for both faces; this crate is
//! never published).
//!
//! The JS face is a shell (`js/reconnect.js`): a message goes from the browser's `message`
//! event to `for await` without crossing into wasm, so it costs what the raw socket costs.
//! Lifecycle events and deadlines cross, as numbers only: no string or JS object, so the
//! module links no allocator (a string argument alone would link one), no formatting and no
//! externref table. A socket's machine lives in JS, as bytes the shell copies into the .wasm
//! for each call (`SLOT`), so the .wasm holds no table and puts no limit on sockets.
//! The size budget in `tests/js/sizes.test.mjs` guards all that.
//!
//! The numbers are an ABI, named once in `abi.rs`, from which `js/abi.js` is generated (see
//! there); the calls are in `calls.rs`.
// No `unsafe` anywhere: the only items the lint flags are the exports' names
// (`#[export_name]`), each allowed where it stands. No wasm-bindgen either: numbers need no
// glue, and its start-up hook, externref table and per-call abort checks cost 1,133 B gzip.
#![deny(unsafe_code)]

use std::cell::RefCell;

// Whole files of the crate; the parts only the Rust face uses are unused here.
#[allow(dead_code)]
#[path = "../../src/rules.rs"]
mod rules;

#[allow(dead_code)]
#[path = "../../src/machine/mod.rs"]
mod machine;

mod abi;
mod calls;

use machine::{Machine, Reason};

thread_local! {
    /// The machine being worked on. The .wasm keeps no machine between calls: each socket
    /// keeps its machine's bytes in JS (a `Uint8Array` of [`machineSize`] bytes), and
    /// `js/machine.js` copies them here ([`machineSlot`]) before every call and back after it.
    /// So there is no table and no limit on sockets, and a socket's machine goes with it. A
    /// `Machine` holds no pointer (no heap, no reference), so its bytes mean the same
    /// wherever they were copied from; the only bytes ever copied in are ones a call left.
    static SLOT: RefCell<Option<Machine>> = const { RefCell::new(None) };
    /// The fields of the last action taken.
    static FIELDS: RefCell<[f64; 7]> = const { RefCell::new([0.0; 7]) };
}

// Nothing here may panic: a panic links the formatting machinery and an allocator (+30 KB),
// and poisons the module for the page. So every access is a `try_` or a `get`.

/// Runs `f` on the machine in the slot, if there is one.
pub(crate) fn with<T: Default>(f: impl FnOnce(&mut Machine) -> T) -> T {
    SLOT.try_with(|slot| slot.try_borrow_mut().ok()?.as_mut().map(f))
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Where the machine of a call is, in the .wasm's memory: the shell copies a socket's machine
/// to this address before a call and copies it back after (see `SLOT`).
#[allow(unsafe_code)]
#[export_name = "machineSlot"]
pub extern "C" fn machine_slot() -> u32 {
    SLOT.try_with(|slot| slot.as_ptr() as usize as u32)
        .unwrap_or_default()
}

/// How many bytes a machine takes (what the shell keeps per socket and copies).
#[allow(unsafe_code)]
#[export_name = "machineSize"]
pub extern "C" fn machine_size() -> u32 {
    std::mem::size_of::<Option<Machine>>() as u32
}

pub(crate) fn set_fields(f: [f64; 7]) {
    let _ = FIELDS.try_with(|fields| fields.try_borrow_mut().map(|mut fields| *fields = f));
}

/// Whether a subprotocol may contain this UTF-16 unit: visible ASCII, not a separator (RFC
/// 7230 `token`). js/link.js `protocolList` applies it to every unit, with the empty and
/// offered-twice checks of `rules::refusal`, in the same order.
#[allow(unsafe_code)]
#[export_name = "isTokenUnit"]
pub extern "C" fn is_token_unit(unit: u32) -> bool {
    rules::refusal([unit], false).is_none()
}

/// Whether a client may close with `code` and a reason of `reason_bytes` UTF-8 bytes: 0 when
/// it may, 1 when the code is not 1000 or 3000-4999, 2 when the reason is over 123 bytes.
#[allow(unsafe_code)]
#[export_name = "closeProblem"]
pub extern "C" fn close_problem(code: f64, reason_bytes: f64) -> u32 {
    if !(0.0..=65535.0).contains(&code) || code.fract() != 0.0 {
        return machine::CloseProblem::Code as u32;
    }
    match machine::check_close(code as u16, reason_bytes.min(usize::MAX as f64) as usize) {
        Ok(()) => 0,
        Err(problem) => problem as u32,
    }
}

/// Whether the browser's `error` ends a socket in `readyState` `state` (the machine's rule:
/// WebKit fires `error` without `close`).
#[allow(unsafe_code)]
#[export_name = "errorEndsSocket"]
pub extern "C" fn error_ends_socket(state: u32) -> bool {
    machine::error_ends_socket(state as u16)
}

/// Whether a close the browser reports stands as it is (`machine::close_stands`): else the
/// connection failed (1006).
#[allow(unsafe_code)]
#[export_name = "closeStands"]
pub extern "C" fn close_stands(code: u32) -> bool {
    machine::close_stands(code as u16)
}

/// How long to wait before reading `bufferedAmount` again, after `prev` ms (the machine's
/// rule).
#[allow(unsafe_code)]
#[export_name = "drainPollDelay"]
pub extern "C" fn drain_poll_delay(prev: u32) -> u32 {
    machine::drain_poll_delay(prev)
}

/// The text of reason `reason`: its `i`-th UTF-16 unit, 0 past the end (the texts are ASCII).
#[allow(unsafe_code)]
#[export_name = "reasonText"]
pub extern "C" fn reason_text(reason: u32, i: u32) -> u32 {
    let text = Reason::from_u8(reason as u8).map_or("", Reason::text);
    text.as_bytes().get(i as usize).map_or(0, |&b| b as u32)
}
