//! sockwave's dev server: loopback only.
//!
//! - WebSocket on `127.0.0.1:9998` (`--ws-port` / `SOCKWAVE_WS_PORT`): `/echo` and the fault
//!   routes the tests need (see `routes.rs`).
//! - Static files on `127.0.0.1:8080` (`--http-port` / `SOCKWAVE_HTTP_PORT`) from `www/`
//!   (`--root` / `SOCKWAVE_ROOT`), `.wasm` as `application/wasm`.
//!
//! - The same routes over `wss://` on `127.0.0.1:9443` (`--wss-port` / `SOCKWAVE_WSS_PORT`) and
//!   the same files over `https://` on `127.0.0.1:8443` (`--https-port` /
//!   `SOCKWAVE_HTTPS_PORT`), with a certificate made at start (see `tls.rs`); `--ca-out FILE`
//!   writes its CA certificate (PEM) for a trust store.
//! - The same routes over `wss://` with a certificate from the same CA for another host
//!   (`--wrong-host-port`, a free port by default): the TLS "wrong host" fault.
//!
//! Prints `sockwave-devserver ready ws=PORT http=PORT wss=PORT https=PORT wrong_host=PORT`
//! once all listen, so scripts can wait for it. Port 0 picks a free port.

mod bench;
mod http;
mod routes;
mod rpc;
mod tls;

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;

struct Options {
    ws_port: u16,
    http_port: u16,
    wss_port: u16,
    https_port: u16,
    wrong_host_port: u16,
    root: PathBuf,
    results: PathBuf,
    ca_out: Option<PathBuf>,
}

fn parse_options() -> Result<Options, String> {
    let env_or = |key: &str, default: &str| std::env::var(key).unwrap_or_else(|_| default.into());
    let mut ws_port = env_or("SOCKWAVE_WS_PORT", "9998");
    let mut http_port = env_or("SOCKWAVE_HTTP_PORT", "8080");
    let mut wss_port = env_or("SOCKWAVE_WSS_PORT", "9443");
    let mut https_port = env_or("SOCKWAVE_HTTPS_PORT", "8443");
    let mut wrong_host_port = "0".to_owned();
    let mut ca_out = String::new();
    let mut root = env_or("SOCKWAVE_ROOT", "www");
    let mut results = env_or("SOCKWAVE_RESULTS", "bench/results");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let slot = match flag.as_str() {
            "--ws-port" => &mut ws_port,
            "--http-port" => &mut http_port,
            "--wss-port" => &mut wss_port,
            "--https-port" => &mut https_port,
            "--wrong-host-port" => &mut wrong_host_port,
            "--ca-out" => &mut ca_out,
            "--root" => &mut root,
            "--results" => &mut results,
            "-h" | "--help" => {
                return Err(
                    "usage: sockwave-devserver [--ws-port N] [--http-port N] [--wss-port N] \
                     [--https-port N] [--wrong-host-port N] [--root DIR] [--results DIR] [--ca-out FILE]"
                        .into(),
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
        wss_port: port(&wss_port)?,
        https_port: port(&https_port)?,
        wrong_host_port: port(&wrong_host_port)?,
        root: PathBuf::from(root),
        results: PathBuf::from(results),
        ca_out: (!ca_out.is_empty()).then(|| PathBuf::from(ca_out)),
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
    let (tls, wrong_host_tls) = match tls::Tls::generate() {
        Ok(both) => both,
        Err(e) => {
            eprintln!("sockwave-devserver: {e}");
            std::process::exit(1);
        }
    };
    if let Some(path) = &options.ca_out {
        if let Err(e) = std::fs::write(path, tls.ca_pem.as_bytes()) {
            eprintln!("sockwave-devserver: cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
    }
    let bind = |port| TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    let listeners = tokio::try_join!(
        bind(options.ws_port),
        bind(options.http_port),
        bind(options.wss_port),
        bind(options.https_port),
        bind(options.wrong_host_port)
    );
    let (ws, http, wss, https, wrong_host) = match listeners {
        Ok(all) => all,
        Err(e) => {
            eprintln!("sockwave-devserver: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    let port_of = |l: &TcpListener| l.local_addr().map(|a| a.port()).unwrap_or(0);
    println!(
        "sockwave-devserver ready ws={} http={} wss={} https={} wrong_host={} root={}",
        port_of(&ws),
        port_of(&http),
        port_of(&wss),
        port_of(&https),
        port_of(&wrong_host),
        options.root.display()
    );
    let site = Arc::new(http::Site {
        root: options.root,
        results: options.results,
    });
    // `localhost` may resolve to ::1 first: listen there too (same ports) when the machine has it.
    let v6 = |port| TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port)));
    for (listener, secure) in [(&ws, false), (&wss, true)] {
        if let Ok(l6) = v6(port_of(listener)).await {
            tokio::spawn(routes::serve(l6, secure.then(|| tls.clone())));
        }
    }
    for (listener, secure) in [(&http, false), (&https, true)] {
        if let Ok(l6) = v6(port_of(listener)).await {
            tokio::spawn(http::serve(
                l6,
                Arc::clone(&site),
                secure.then(|| tls.clone()),
            ));
        }
    }
    tokio::spawn(routes::serve(wss, Some(tls.clone())));
    tokio::spawn(routes::serve(wrong_host, Some(wrong_host_tls)));
    tokio::spawn(http::serve(https, Arc::clone(&site), Some(tls)));
    tokio::select! {
        _ = routes::serve(ws, None) => {}
        _ = http::serve(http, site, None) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
