//! The core scenarios of the browser's contexts (tests/common/context.rs: pages, workers,
//! `wss://`), natively: the same functions against the dev server named by
//! `SOCKWAVE_WS_BASE`, and over `wss://` (`SOCKWAVE_WSS_BASE`) when the dev server's CA is
//! trusted (scripts/test.sh runs the `wss` tests once more with it; without it the `wss`
//! tests here skip, tests/native.rs checks the refusal).
#![cfg(not(target_family = "wasm"))]

mod common;

use common::{context, native_base};

fn wss() -> Option<&'static str> {
    std::env::var_os("SOCKWAVE_DEV_CA_TRUSTED")?;
    native_base("SOCKWAVE_WSS_BASE").map(|b| &*Box::leak(b.into_boxed_str()))
}

fn ws() -> Option<&'static str> {
    native_base("SOCKWAVE_WS_BASE").map(|b| &*Box::leak(b.into_boxed_str()))
}

/// One `#[tokio::test]` per scenario, over `ws://` and over `wss://`.
macro_rules! native_context_tests {
    ($($scenario:ident),*) => {
        mod ws {
            $(
                #[tokio::test]
                async fn $scenario() {
                    if let Some(base) = super::ws() {
                        super::context::$scenario(base).await;
                    }
                }
            )*
        }
        mod wss {
            $(
                #[tokio::test]
                async fn $scenario() {
                    if let Some(base) = super::wss() {
                        super::context::$scenario(base).await;
                    }
                }
            )*
        }
    };
}

native_context_tests!(
    connect_and_echo,
    server_close_code_and_reason,
    typed_connect_failure,
    backpressure,
    reconnects_across_a_drop,
    clean_drop
);
