//! The example against the dev server (`SOCKWAVE_WS_BASE`): every line of its report as it
//! must read.
#![cfg(not(target_family = "wasm"))]

#[tokio::test]
async fn the_report_reads_as_the_calls_went() {
    let base = std::env::var("SOCKWAVE_WS_BASE").ok();
    assert!(base.is_some() || std::env::var_os("SOCKWAVE_REQUIRE_DEVSERVER").is_none());
    let Some(base) = base else { return };
    let report = sockwave_calls::run(&format!("{base}/rpc"))
        .await
        .expect("the calls ran");
    assert_eq!(
        report,
        [
            "add(2, 3) = 5",
            "fail: the server answered -32001 nope",
            "sleep(500) with a 50 ms timeout: no answer within the timeout (request handed to the connection)",
            "notifications: [0, 1, 2]",
            "through a drop: failed, handed to the dead connection; idempotent: answered 300",
        ]
    );
}
