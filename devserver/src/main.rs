//! sockwave's dev server: loopback only.
//!
//! - WebSocket on `127.0.0.1:9998` (`--ws-port` / `SOCKWAVE_WS_PORT`): `/echo` and the fault
//!   routes the tests need (see `routes.rs`).
//! - Static files on `127.0.0.1:8080` (`--http-port` / `SOCKWAVE_HTTP_PORT`) from `www/`
//!   (`--root` / `SOCKWAVE_ROOT`), `.wasm` as `application/wasm`.
//!
//! Prints `sockwave-devserver ready ws=PORT http=PORT` once both listen, so scripts can wait
//! for it. Port 0 picks a free port.

mod bench;
mod http;
mod routes;

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;

struct Options {
    ws_port: u16,
    http_port: u16,
    root: PathBuf,
    results: PathBuf,
}

fn parse_options() -> Result<Options, String> {
    let env_or = |key: &str, default: &str| std::env::var(key).unwrap_or_else(|_| default.into());
    let mut ws_port = env_or("SOCKWAVE_WS_PORT", "9998");
    let mut http_port = env_or("SOCKWAVE_HTTP_PORT", "8080");
    let mut root = env_or("SOCKWAVE_ROOT", "www");
    let mut results = env_or("SOCKWAVE_RESULTS", "bench/results");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--ws-port" => &mut ws_port,
            "--http-port" => &mut http_port,
            "--root" => &mut root,
            "--results" => &mut results,
            "-h" | "--help" => {
                return Err(
                    "usage: sockwave-devserver [--ws-port N] [--http-port N] [--root DIR]".into(),
                )
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        };
        *slot = args.next().ok_or(format!("{flag} needs a value"))?;
    }
    let port = |s: &str| s.parse::<u16>().map_err(|e| format!("bad port {s:?}: {e}"));
    Ok(Options {
        ws_port: port(&ws_port)?,
        http_port: port(&http_port)?,
        root: PathBuf::from(root),
        results: PathBuf::from(results),
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let options = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let bind = |port| TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    let (ws, http) = match tokio::try_join!(bind(options.ws_port), bind(options.http_port)) {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("sockwave-devserver: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    let port_of = |l: &TcpListener| l.local_addr().map(|a| a.port()).unwrap_or(0);
    println!(
        "sockwave-devserver ready ws={} http={} root={}",
        port_of(&ws),
        port_of(&http),
        options.root.display()
    );
    let root = Arc::new(http::Site {
        root: options.root,
        results: options.results,
    });
    // `localhost` may resolve to ::1 first: listen there too (same ports) when the machine has it.
    let v6 = |port| TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port)));
    if let Ok(ws6) = v6(port_of(&ws)).await {
        tokio::spawn(routes::serve(ws6));
    }
    if let Ok(http6) = v6(port_of(&http)).await {
        tokio::spawn(http::serve(http6, Arc::clone(&root)));
    }
    tokio::select! {
        _ = routes::serve(ws) => {}
        _ = http::serve(http, root) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
