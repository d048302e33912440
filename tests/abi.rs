//! `js/abi.js` is generated from `js/rules/abi.rs`, the one list of the numbers that cross
//! between the npm package's JS shell and its .wasm: this test writes it and fails when the
//! committed copy was stale (commit the new one).
#![cfg(not(target_family = "wasm"))]

#[path = "../js/rules/abi.rs"]
mod abi;

/// `PageHide` as `PAGE_HIDE`.
fn screaming(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn generated() -> String {
    let mut js = String::from(
        "// Generated from js/rules/abi.rs (`cargo test -p sockwave --test abi`): the numbers that\n\
         // cross between this shell and the .wasm. Do not edit.\n",
    );
    for (group, names) in abi::GROUPS {
        js.push('\n');
        for (name, n) in names.iter() {
            let line = format!(
                "export const {}_{} = {n}; // {group}::{name}\n",
                screaming(group),
                screaming(name)
            );
            js.push_str(&line);
        }
    }
    js
}

#[test]
fn js_abi_is_generated_from_the_rust_list() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/js/abi.js");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    let js = generated();
    if committed != js {
        std::fs::write(path, &js).expect("writes js/abi.js");
        panic!("js/abi.js was stale: written anew from js/rules/abi.rs, commit it");
    }
    assert!(js.contains("export const INPUT_PAGE_HIDE = 13; // Input::PageHide\n"));
    assert_eq!(abi::Act::Closed, 12);
}
