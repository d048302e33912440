//! The core scenarios (tests/common/context.rs) over `wss://`: the dev server's TLS port, with
//! the certificate it made at start (each browser told to accept it by scripts/test.sh).
#![cfg(target_family = "wasm")]

mod common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

context_tests!(common::wss_base(), window: true);
