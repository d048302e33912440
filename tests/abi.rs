//! `js/abi.js` is generated from `js/rules/abi.rs`, the one list of the numbers that cross
//! between the npm package's JS shell and its .wasm: this test writes it and fails when the
//! committed copy was stale (commit the new one).
#![cfg(not(target_family = "wasm"))]

#[path = "../js/rules/abi.rs"]
mod abi;

#[test]
fn js_abi_is_generated_from_the_rust_list() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/js/abi.js");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed != abi::JS {
        std::fs::write(path, abi::JS).expect("writes js/abi.js");
        panic!("js/abi.js was stale: written anew from js/rules/abi.rs, commit it");
    }
    assert_eq!(abi::Input::Due, 18);
    assert_eq!(abi::Act::Closed, 12);
}
