//! WebSocket routes: the echo and the faults, chosen by path, tuned by query parameters.
//!
//! | route | behaviour |
//! |---|---|
//! | `/echo` | echoes every text and binary message |
//! | `/close?code=4000&reason=bye&after=N&linger=MS` | echoes N messages (default 0), then closes with code and reason, and holds the TCP connection MS ms more (default 0) |
//! | `/drop?after=N` | echoes N messages (default 0), then drops TCP without a close frame (1006) |
//! | `/reject?status=403` | refuses the handshake with that HTTP status |
//! | `/burst?n=10000` | sends `0`..`n-1` as text the instant it opens, then echoes |
//! | `/stall?ms=MS` | accepts, then neither reads nor writes for MS ms (default 120 s), then echoes |
//! | `/hang` | never answers the handshake (for a while): connect timeouts, cancelled connects (`ws://` only) |
//! | `/discard` | reads and throws away every message |
//! | `/flaky?key=K&fail=N` | refuses the first N handshakes for key K with 403, then echoes |
//! | `/oversize` | sends the header of a binary frame of 2^40 bytes (and no payload), then waits |
//! | `/raw?hex=880203e8&wait=MS&hold=MS` | waits (default 0), sends those bytes as they are (frames of a hostile server), reads for `hold` ms (default 500), then drops TCP |
//! | `/extension?value=permessage-deflate` | answers the handshake selecting that extension (which no client offered), then echoes |
//! | `/fragments?size=N&chunk=M` | sends one binary message of N bytes in frames of M bytes (a continuation per chunk), then echoes |
//! | `/rpc` | a JSON-RPC 2.0 server (jsonrpsee; `ws://` only): its methods are in `rpc.rs` |
//! | `/auth` | sends the handshake's `Authorization` header as a text message (`""` if none), then echoes |
//!
//! Any route: `?pick=NAME` selects that subprotocol if the client offered it; otherwise the
//! first one offered is selected (browsers fail a handshake that offers protocols and gets none).

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use crate::tls::Tls;

/// How long `/stall` holds a connection before letting go, so nothing lingers forever.
const STALL_FOR: Duration = Duration::from_secs(120);

/// Serves the routes on `listener`: `ws://`, or `wss://` when `tls` is given.
pub async fn serve(listener: TcpListener, tls: Option<Tls>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => handle(tcp).await,
                Some(tls) => {
                    if let Ok(stream) = tls.accept(tcp).await {
                        routes(stream).await;
                    }
                }
            }
        });
    }
}

/// The route a handshake asked for.
#[derive(Default)]
struct Route {
    path: String,
    query: HashMap<String, String>,
    /// The request's `Authorization` header (`/auth`).
    authorization: String,
}

impl Route {
    fn number(&self, key: &str, default: u64) -> u64 {
        self.query
            .get(key)
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }
}

/// A plain TCP connection: `/hang` is answered here (it never gets a handshake), the rest by
/// [`routes`].
async fn handle(tcp: TcpStream) {
    let mut start = [0u8; 16];
    if let Ok(n) = tcp.peek(&mut start).await {
        if start[..n].starts_with(b"GET /hang") {
            hang(tcp).await;
            return;
        }
        if crate::rpc::is_rpc(&start[..n]) {
            crate::rpc::serve_one(tcp).await;
            return;
        }
    }
    routes(tcp).await;
}

/// Reads (and ignores) until the client gives up, so its socket is released.
async fn hang<S: AsyncRead + Unpin>(mut stream: S) {
    let mut sink = [0u8; 1024];
    let until_eof = async { while stream.read(&mut sink).await.is_ok_and(|n| n > 0) {} };
    let _ = tokio::time::timeout(STALL_FOR, until_eof).await;
}

/// The handshake, then the route's behaviour, over any byte stream (TCP or TLS).
async fn routes<S>(stream: S)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut route = Route::default();
    // The callback's signature is tungstenite's; its error type is what it is.
    #[allow(clippy::result_large_err)]
    let callback = |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
        route = parse_route(req.uri().path(), req.uri().query().unwrap_or(""));
        let refuse = match route.path.as_str() {
            "/reject" => true,
            "/flaky" => flaky_refuses(route.query.get("key"), route.number("fail", 0)),
            _ => false,
        };
        if refuse {
            let status = route.number("status", 403) as u16;
            let mut err = ErrorResponse::new(Some("rejected by /reject".into()));
            *err.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
            return Err(err);
        }
        if let Some(chosen) = pick_protocol(req, route.query.get("pick")) {
            resp.headers_mut().insert("sec-websocket-protocol", chosen);
        }
        let extension = route.query.get("value").map(|v| HeaderValue::from_str(v));
        if let ("/extension", Some(Ok(value))) = (route.path.as_str(), extension) {
            resp.headers_mut().insert("sec-websocket-extensions", value);
        }
        route.authorization = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        Ok(resp)
    };
    let config = WebSocketConfig::default()
        .max_message_size(Some(256 << 20))
        .max_frame_size(Some(256 << 20));
    let Ok(mut ws) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config)).await
    else {
        return;
    };
    match route.path.as_str() {
        "/close" => {
            echo(&mut ws, route.number("after", 0)).await;
            let code = CloseCode::from(route.number("code", 1000) as u16);
            let reason = route.query.get("reason").cloned().unwrap_or_default();
            let _ = ws
                .close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                }))
                .await;
            drain(&mut ws).await;
            // The close handshake is done; the TCP connection stays this long (the client's
            // socket is CLOSING meanwhile: it may take no message).
            tokio::time::sleep(Duration::from_millis(route.number("linger", 0))).await;
        }
        "/drop" => {
            echo(&mut ws, route.number("after", 0)).await;
            // Dropping the stream closes TCP with no close frame: the browser reports 1006.
        }
        "/burst" => {
            for i in 0..route.number("n", 1000) {
                if ws.feed(Message::text(i.to_string())).await.is_err() {
                    return;
                }
            }
            if ws.flush().await.is_ok() {
                echo(&mut ws, u64::MAX).await;
            }
        }
        "/stall" => {
            // Neither reads nor writes for `ms` (default STALL_FOR), then echoes: the client's
            // write buffer fills, then drains.
            let ms = route.number("ms", STALL_FOR.as_millis() as u64);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            echo(&mut ws, u64::MAX).await;
        }
        "/oversize" => {
            // FIN + binary, 127: a 64-bit length follows, 2^40. A client must refuse it from
            // the header alone, without waiting for (or allocating) a terabyte.
            let header = [0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0];
            if ws.get_mut().write_all(&header).await.is_ok() && ws.get_mut().flush().await.is_ok() {
                hang(ws.get_mut()).await;
            }
        }
        "/discard" => drain(&mut ws).await,
        "/raw" => {
            let hex = route.query.get("hex").map_or("", String::as_str);
            let bytes: Vec<u8> = (0..hex.len() / 2)
                .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
                .collect();
            // After the open (Firefox fails a connection whose first frame is bad before it
            // says it opened).
            tokio::time::sleep(Duration::from_millis(route.number("wait", 0))).await;
            let stream = ws.get_mut();
            if stream.write_all(&bytes).await.is_ok() && stream.flush().await.is_ok() {
                let hold = Duration::from_millis(route.number("hold", 500));
                let _ = tokio::time::timeout(hold, hang(stream)).await;
            }
        }
        "/fragments" => {
            let (size, chunk) = (route.number("size", 0), route.number("chunk", 4096).max(1));
            if send_fragments(&mut ws, size, chunk).await {
                echo(&mut ws, u64::MAX).await;
            }
        }
        "/auth" => {
            let who = Message::text(std::mem::take(&mut route.authorization));
            if ws.send(who).await.is_ok() {
                echo(&mut ws, u64::MAX).await;
            }
        }
        _ => echo(&mut ws, u64::MAX).await,
    }
}

/// Counts handshakes per `/flaky` key and says whether this one is still to be refused.
fn flaky_refuses(key: Option<&String>, fail: u64) -> bool {
    static SEEN: OnceLock<Mutex<HashMap<String, u64>>> = OnceLock::new();
    let Ok(mut seen) = SEEN.get_or_init(Default::default).lock() else {
        return false;
    };
    let count = seen.entry(key.cloned().unwrap_or_default()).or_insert(0);
    *count += 1;
    *count <= fail
}

/// Echoes up to `limit` data messages; returns early when the client closes.
async fn echo<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>, limit: u64) {
    let mut echoed = 0;
    while echoed < limit {
        match ws.next().await {
            Some(Ok(msg @ (Message::Text(_) | Message::Binary(_)))) => {
                if ws.send(msg).await.is_err() {
                    return;
                }
                echoed += 1;
            }
            // tungstenite answers a close frame itself; keep polling so the answer goes out.
            Some(Ok(_)) => {}
            Some(Err(_)) | None => return,
        }
    }
}

/// One binary message of `size` bytes, in frames of `chunk` bytes: whether it all went.
async fn send_fragments<S: AsyncRead + AsyncWrite + Unpin>(
    ws: &mut WebSocketStream<S>,
    size: u64,
    chunk: u64,
) -> bool {
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    let mut sent = 0;
    while sent < size || sent == 0 {
        let n = chunk.min(size - sent);
        let opcode = if sent == 0 {
            Data::Binary
        } else {
            Data::Continue
        };
        let fin = sent + n >= size;
        let frame = Frame::message(vec![b'x'; n as usize], OpCode::Data(opcode), fin);
        if ws.feed(Message::Frame(frame)).await.is_err() {
            return false;
        }
        sent += n;
        if fin {
            break;
        }
    }
    ws.flush().await.is_ok()
}

/// Reads and discards until the connection ends.
async fn drain<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>) {
    while let Some(Ok(_)) = ws.next().await {}
}

fn pick_protocol(req: &Request, wanted: Option<&String>) -> Option<HeaderValue> {
    let offered: Vec<&str> = req
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let chosen = match wanted {
        Some(w) => offered.iter().find(|p| *p == w)?,
        None => offered.first()?,
    };
    HeaderValue::from_str(chosen).ok()
}

fn parse_route(path: &str, query: &str) -> Route {
    let query = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    Route {
        path: path.to_string(),
        query,
        authorization: String::new(),
    }
}

/// Decodes `%XX` and `+` in a query component; malformed escapes are kept as they are.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match s
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
            {
                Some(hex) => {
                    out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_queries() {
        let r = parse_route("/close", "code=4000&reason=server%20says+bye&x");
        assert_eq!(r.path, "/close");
        assert_eq!(r.number("code", 0), 4000);
        assert_eq!(r.query["reason"], "server says bye");
        assert_eq!(r.query["x"], "");
        assert_eq!(percent_decode("%E2%9C%93%"), "✓%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
