//! A small static file server for www/ (GET and HEAD only), loopback only.
//!
//! Serves `index.html` for directories, sets `Content-Type` by extension (`.wasm` is
//! `application/wasm`), and sends `Cross-Origin-Opener-Policy` / `Cross-Origin-Embedder-Policy`
//! so pages are cross-origin isolated (fine-grained `performance.now()` for benchmarks).

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::tls::Tls;

/// The most a request head may take; anything longer is refused.
const MAX_HEAD: usize = 16 * 1024;

/// Where files come from, and where posted benchmark results go.
pub struct Site {
    pub root: PathBuf,
    pub results: PathBuf,
}

/// Serves `site` on `listener`: plain HTTP, or HTTPS when `tls` is given.
pub async fn serve(listener: TcpListener, site: Arc<Site>, tls: Option<Tls>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let site = Arc::clone(&site);
        let tls = tls.clone();
        tokio::spawn(async move {
            let _ = match tls {
                None => handle(tcp, &site).await,
                Some(tls) => match tls.accept(tcp).await {
                    Ok(stream) => handle(stream, &site).await,
                    Err(e) => Err(e),
                },
            };
        });
    }
}

/// The value of `key` in a query string.
fn query<'a>(target: &'a str, key: &str) -> Option<&'a str> {
    let (_, query) = target.split_once('?')?;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

async fn handle<S>(mut tcp: S, site: &Site) -> std::io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let root = site.root.as_path();
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tcp.read(&mut buf).await?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let split = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(head.len())
        + 4;
    let mut body_in = head.split_off(split.min(head.len()));
    let head = String::from_utf8_lossy(&head);
    let mut parts = head.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let (status, content_type, body) = match (method, path) {
        ("GET", "/__cpu") => {
            let pid = query(target, "pid")
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            let (page, all) = crate::bench::cpu_ms(pid);
            let json = format!("{{\"page\":{page},\"all\":{all}}}");
            ("200 OK", "application/json", json.into_bytes())
        }
        ("POST", "/__results") => {
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0)
                .min(64 << 20);
            while body_in.len() < length {
                let n = tcp.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                body_in.extend_from_slice(&buf[..n]);
            }
            let name = query(target, "name").unwrap_or("");
            match crate::bench::save(&site.results, name, &body_in) {
                Ok(()) => ("200 OK", "text/plain", b"saved\n".to_vec()),
                Err(e) => (
                    "400 Bad Request",
                    "text/plain",
                    format!("{e}\n").into_bytes(),
                ),
            }
        }
        _ => match method {
            "GET" | "HEAD" => match resolve(root, path) {
                Some(file) => match tokio::fs::read(&file).await {
                    Ok(bytes) => ("200 OK", content_type(&file), bytes),
                    Err(_) => not_found(),
                },
                None => not_found(),
            },
            _ => (
                "405 Method Not Allowed",
                "text/plain",
                b"GET or HEAD only\n".to_vec(),
            ),
        },
    };
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nCross-Origin-Opener-Policy: same-origin\r\n\
         Cross-Origin-Embedder-Policy: require-corp\r\nConnection: close\r\n\r\n",
        body.len()
    );
    tcp.write_all(header.as_bytes()).await?;
    if method != "HEAD" {
        tcp.write_all(&body).await?;
    }
    tcp.shutdown().await
}

fn not_found() -> (&'static str, &'static str, Vec<u8>) {
    ("404 Not Found", "text/plain", b"not found\n".to_vec())
}

/// Maps a URL path onto a file under `root`, refusing anything that would climb out of it.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = Path::new(url_path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let mut file = root.join(relative);
    if file.is_dir() {
        file.push("index.html");
    }
    file.is_file().then_some(file)
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_climb_out_of_root() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert!(resolve(root, "/../Cargo.toml").is_none());
        assert!(resolve(root, "/Cargo.toml").is_some());
        assert!(resolve(root, "/src/main.rs").is_some());
        assert!(resolve(root, "/nope.txt").is_none());
        assert_eq!(content_type(Path::new("a.wasm")), "application/wasm");
    }
}
