//! The core scenarios (tests/common/context.rs) inside a dedicated worker: no `window`, the
//! worker's own global scope, in every engine.
#![cfg(target_family = "wasm")]

mod common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

context_tests!(common::base(), window: false);
