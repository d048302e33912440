//! `/rpc`: a JSON-RPC 2.0 server (jsonrpsee) for the clients' RPC tests, on the `ws://` port.
//!
//! Positional params only (`"params": [..]`):
//!
//! | method | params | answer |
//! |---|---|---|
//! | `echo` | anything | the params as sent, byte for byte (`null` if none) |
//! | `add` | `[a, b]` (i64) | `a + b` (error -32602 on overflow) |
//! | `sleep` | `[ms]` | after `ms` milliseconds (at most 10 s), the milliseconds waited |
//! | `fail` | `[code, message]` | the error `{"code":code,"message":message}` |
//! | `drop_after` | `[ms]` | none: after `ms`, TCP is shut down without a close frame (1006) |
//! | `subscribe_count` | `[n]` | a subscription id, then `n` items `count` with results `0`..`n-1` |
//! | `notify_me` | `[n, method]` | a subscription id, then `n` items named `method`, results `0`..`n-1` |
//!
//! The server speaks to a client unasked only through subscriptions, so "notifications" are items:
//! `{"jsonrpc":"2.0","method":"count","params":{"subscription":1,"result":0}}`. Subscription ids
//! are numbers counted per connection from 1, so tests can expect exact frames. `unsubscribe_count`
//! and `notify_me_unsubscribe` take `[id]` and answer `true` (`false` once all items went out).
//!
//! `POST /rpc` gets the same methods over HTTP (no subscriptions, no `drop_after` drop).

use std::net::{Shutdown, TcpStream as StdTcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::LazyLock;
use std::time::Duration;

use futures_util::future::BoxFuture;
use jsonrpsee::core::{BoxError, JsonRawValue};
use jsonrpsee::server::{
    serve, stop_channel, HttpRequest, IdProvider, PendingSubscriptionSink, RegisterMethodError,
    Server, ServerConfig, ServerHandle, StopHandle, SubscriptionMessage,
};
use jsonrpsee::types::{ErrorCode, ErrorObject, ErrorObjectOwned, SubscriptionId};
use jsonrpsee::RpcModule;
use tokio::net::TcpStream;
use tower::{service_fn, Service};

/// The longest `sleep` or `drop_after` waits, so no call lingers.
const MAX_WAIT_MS: u64 = 10_000;
/// The most items a subscription sends.
const MAX_ITEMS: u64 = 100_000;

/// jsonrpsee ends every connection once the [`ServerHandle`] is dropped, so it lives forever here.
static STOP: LazyLock<(StopHandle, ServerHandle)> = LazyLock::new(stop_channel);

/// Whether a request that starts with `start` (peeked, not read: see `routes::handle`) is for
/// `/rpc`.
pub fn is_rpc(start: &[u8]) -> bool {
    let rest = start
        .strip_prefix(b"GET /rpc")
        .or_else(|| start.strip_prefix(b"POST /rpc"));
    matches!(rest, Some([b' ' | b'?', ..]))
}

/// Serves one connection: the handshake here, the WebSocket in a task jsonrpsee spawns.
pub async fn serve_one(tcp: TcpStream) {
    // A second handle on the socket, for `drop_after`: jsonrpsee gives methods no way to drop it.
    let split = || {
        let std_tcp = tcp.into_std()?;
        Ok::<_, std::io::Error>((std_tcp.try_clone()?, TcpStream::from_std(std_tcp)?))
    };
    let Ok((killer, tcp)) = split() else { return };
    let config = ServerConfig::builder()
        .set_id_provider(Counter::default())
        .build();
    let rpc = Server::builder()
        .set_config(config)
        .to_service_builder()
        .build(
            methods(killer).expect("method names are unique"),
            STOP.0.clone(),
        );
    // jsonrpsee never answers `Sec-WebSocket-Protocol`, and browsers fail a handshake that
    // offered protocols and got none: select the first one offered.
    let service = service_fn(move |req: HttpRequest<_>| {
        let mut rpc = rpc.clone();
        let offered = req.headers().get("sec-websocket-protocol").cloned();
        let first = offered.and_then(|v| v.to_str().ok()?.split(',').next()?.trim().parse().ok());
        let answer = rpc.call(req);
        async move {
            let mut answer = answer.await;
            if let (Ok(resp), Some(first)) = (&mut answer, first) {
                resp.headers_mut().insert("sec-websocket-protocol", first);
            }
            answer
        }
    });
    // Boxed as `Send` here, where the types are known: rustc fails to prove it at the spawn.
    let connection: BoxFuture<'static, Result<(), BoxError>> = Box::pin(serve(tcp, service));
    let _ = connection.await;
}

/// Subscription ids 1, 2, 3… per connection (jsonrpsee's default is a random number).
#[derive(Debug, Default)]
struct Counter(AtomicU64);

impl IdProvider for Counter {
    fn next_id(&self) -> SubscriptionId<'static> {
        (self.0.fetch_add(1, Ordering::Relaxed) + 1).into()
    }
}

/// The methods of one connection; its context is the socket `drop_after` shuts down.
fn methods(tcp: StdTcpStream) -> Result<RpcModule<StdTcpStream>, RegisterMethodError> {
    let mut module = RpcModule::new(tcp);
    module.register_method("echo", |params, _, _| {
        JsonRawValue::from_string(params.as_str().unwrap_or("null").to_owned()).ok()
    })?;
    module.register_method("add", |params, _, _| {
        let (a, b): (i64, i64) = params.parse()?;
        a.checked_add(b)
            .ok_or(ErrorObject::from(ErrorCode::InvalidParams))
    })?;
    module.register_async_method("sleep", |params, _, _| async move {
        let ms = params.one::<u64>()?.min(MAX_WAIT_MS);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        Ok::<_, ErrorObjectOwned>(ms)
    })?;
    module.register_method("fail", |params, _, _| {
        let (code, message): (i32, String) = params.parse()?;
        Err::<(), _>(ErrorObject::owned(code, message, None::<()>))
    })?;
    module.register_async_method("drop_after", |params, tcp, _| async move {
        let ms = params.one::<u64>()?.min(MAX_WAIT_MS);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        // FIN on both directions; jsonrpsee then sees EOF and never sends a close frame.
        let _ = tcp.shutdown(Shutdown::Both);
        Ok::<(), ErrorObjectOwned>(())
    })?;
    module.register_subscription(
        "subscribe_count",
        "count",
        "unsubscribe_count",
        |params, pending, _, _| async move {
            match params.one::<u64>() {
                Ok(n) => items(pending, n, "count").await,
                Err(e) => pending.reject(e).await,
            }
        },
    )?;
    module.register_subscription(
        "notify_me",
        "notify_me",
        "notify_me_unsubscribe",
        |params, pending, _, _| async move {
            match params.parse::<(u64, String)>() {
                Ok((n, method)) => items(pending, n, &method).await,
                Err(e) => pending.reject(e).await,
            }
        },
    )?;
    Ok(module)
}

/// Answers the subscribe call with the subscription id, then sends `0..n` as items named `method`.
async fn items(pending: PendingSubscriptionSink, n: u64, method: &str) {
    let Ok(sink) = pending.accept().await else {
        return;
    };
    for i in 0..n.min(MAX_ITEMS) {
        let Ok(item) = SubscriptionMessage::new(method, sink.subscription_id(), &i) else {
            return;
        };
        if sink.send(item).await.is_err() {
            return; // unsubscribed, or the connection is gone
        }
    }
}
