//! `calls [URL]`: the calls of the library against a JSON-RPC server (the dev server's `/rpc`
//! by default), one line per outcome.

#[cfg(not(target_family = "wasm"))]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "ws://127.0.0.1:9998/rpc".into());
    match sockwave_calls::run(&url).await {
        Ok(report) => report.iter().for_each(|line| println!("{line}")),
        Err(e) => {
            eprintln!("calls: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(target_family = "wasm")]
fn main() {}
