//! Configuring a reconnecting socket: [`ReconnectingBuilder`], and
//! [`ReconnectingWebSocket::builder`] that makes one.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use super::shared::{now, Config, Ping, Shared};
use super::{driver, Backoff, ReconnectingWebSocket};
use crate::machine::{Heartbeat, Machine, Millis, Policy, MAX_DELAY};
use crate::platform::{boxed, seed, Lock, Ptr, WasmNotSend, WasmNotSendSync};
use crate::{CloseEvent, Message};

/// Making one.
impl ReconnectingWebSocket {
    /// A builder for a reconnecting socket to `url`.
    pub fn builder(url: impl Into<String>) -> ReconnectingBuilder {
        let url: Ptr<str> = url.into().into();
        ReconnectingBuilder {
            config: Config {
                url: Ptr::new(move || {
                    let url = url.to_string();
                    boxed(async move { Ok(url) })
                }),
                protocols: Vec::new(),
                should_reconnect: None,
                ping: None,
                #[cfg(not(target_family = "wasm"))]
                transport: Default::default(),
            },
            policy: Policy::default(),
            seed: seed(),
        }
    }
}

/// A duration as the machine's milliseconds (saturating: the machine caps every delay).
fn millis(d: Duration) -> Millis {
    Millis::try_from(d.as_millis()).unwrap_or(MAX_DELAY)
}

/// Options of a [`ReconnectingWebSocket`]; made by [`ReconnectingWebSocket::builder`].
#[must_use = "a builder does nothing until `build`"]
pub struct ReconnectingBuilder {
    config: Config,
    /// Every decision's inputs: the machine's policy (`crate::machine`).
    policy: Policy,
    /// The seed of the machine's jitter.
    seed: u64,
}

impl fmt::Debug for ReconnectingBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReconnectingBuilder")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl ReconnectingBuilder {
    /// Asks `provider` for the URL before every attempt (e.g. to refresh a token in it).
    /// (Natively the provider and its future must be `Send`: see [`WasmNotSendSync`].)
    pub fn url_provider<F, Fut>(mut self, provider: F) -> Self
    where
        F: Fn() -> Fut + WasmNotSendSync + 'static,
        Fut: Future<Output = String> + WasmNotSend + 'static,
    {
        self.config.url = Ptr::new(move || {
            let url = provider();
            boxed(async move { Ok(url.await) })
        });
        self
    }

    /// Asks `provider` for the URL before every attempt, where getting it can fail (a token
    /// fetch while offline): an `Err` is a failed attempt (reported as code 1006,
    /// `"url provider failed"`), backed off and retried like a refused handshake. Only a URL
    /// the browser rejects ends the socket for good.
    ///
    /// ```no_run
    /// use sockwave::reconnect::ReconnectingWebSocket;
    /// # async fn fetch_token() -> Result<String, String> { Ok("t".into()) }
    /// let ws = ReconnectingWebSocket::builder("unused")
    ///     .try_url_provider(|| async {
    ///         let token = fetch_token().await?;
    ///         Ok::<_, String>(format!("wss://example.com/live?token={token}"))
    ///     })
    ///     .build();
    /// ```
    pub fn try_url_provider<F, Fut, E>(mut self, provider: F) -> Self
    where
        F: Fn() -> Fut + WasmNotSendSync + 'static,
        Fut: Future<Output = Result<String, E>> + WasmNotSend + 'static,
    {
        self.config.url = Ptr::new(move || {
            let url = provider();
            boxed(async move { url.await.map_err(drop) })
        });
        self
    }

    /// Subprotocols to offer on every connection. See
    /// [`WebSocketBuilder::protocols`](crate::WebSocketBuilder::protocols).
    pub fn protocols<I, S>(mut self, protocols: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.config.protocols = protocols.into_iter().map(Into::into).collect();
        self
    }

    /// The backpressure limit of each connection, in bytes of `bufferedAmount` (default 8 MiB).
    pub fn high_water_mark(mut self, bytes: usize) -> Self {
        self.policy.high_water_mark = bytes;
        self
    }

    /// Gives up on an attempt that is not open after `timeout` (then backs off and retries).
    /// Default: 30 s ([`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT)), the URL
    /// provider's time included.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.policy.connect_timeout = Some(millis(timeout));
        self
    }

    /// Waits for an attempt as long as the transport does: no connect timeout of sockwave's
    /// own (a server that accepts and never answers then holds the attempt as long as the
    /// browser lets it: 20 s in Firefox, 240 s in Chromium, and natively without end).
    pub fn no_connect_timeout(mut self) -> Self {
        self.policy.connect_timeout = None;
        self
    }

    /// How long a connection must stay open for its end to start the retry count over
    /// (default 5 s, [`DEFAULT_MIN_UPTIME`](crate::reconnect::DEFAULT_MIN_UPTIME)). A
    /// connection that ends sooner counts as a failed attempt: a server that completes the
    /// handshake and drops at once is backed off from as one that refuses.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # fn url() -> &'static str { "ws://127.0.0.1:9/" }
    /// let builder = sockwave::reconnect::ReconnectingWebSocket::builder(url())
    ///     .min_uptime(Duration::from_secs(10));
    /// # drop(builder);
    /// ```
    pub fn min_uptime(mut self, uptime: Duration) -> Self {
        self.policy.min_uptime = millis(uptime);
        self
    }

    /// The delays between attempts. Default: 500 ms doubling to 30 s, full jitter.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.policy.backoff = backoff;
        self
    }

    /// Gives up after this many failed attempts in a row (`None`, the default: never).
    pub fn max_retries(mut self, max: Option<u32>) -> Self {
        self.policy.max_retries = max;
        self
    }

    /// Decides, from how a connection (or attempt) ended, whether to try again. Default: yes,
    /// unless the server closed cleanly with 1000. Never consulted after our own `close`.
    pub fn should_reconnect(
        mut self,
        f: impl Fn(&CloseEvent) -> bool + WasmNotSendSync + 'static,
    ) -> Self {
        self.config.should_reconnect = Some(Ptr::new(f));
        self.policy.consult = true;
        self
    }

    /// Messages held while disconnected (default [`DEFAULT_QUEUE_LIMIT`](super::DEFAULT_QUEUE_LIMIT)); beyond it, sending
    /// fails with [`Error::QueueFull`](crate::Error::QueueFull).
    pub fn queue_limit(mut self, messages: usize) -> Self {
        self.policy.queue_limit = messages;
        self
    }

    /// The receive limit, as [`WebSocketBuilder::max_buffered_bytes`](crate::WebSocketBuilder::max_buffered_bytes)
    /// but over every connection: when messages waiting to be read would exceed this many
    /// bytes, the connection is closed with [`RECEIVE_OVERFLOW_CODE`](crate::RECEIVE_OVERFLOW_CODE)
    /// and the socket stops for good (a reader that cannot keep up would only overflow again):
    /// the stream yields the messages that fit, then one [`Error::ReceiveOverflow`](crate::Error::ReceiveOverflow), then
    /// ends; [`reconnect`](ReconnectingWebSocket::reconnect) starts it over. Default
    /// [`DEFAULT_MAX_BUFFERED_BYTES`](crate::DEFAULT_MAX_BUFFERED_BYTES) (64 MiB).
    pub fn max_buffered_bytes(mut self, bytes: usize) -> Self {
        self.policy.max_buffered_bytes = bytes;
        self
    }

    /// Sends `ping` every `interval` while open; if no message for which `is_pong` is true
    /// arrives within `timeout`, the connection is declared dead (closed and reported with
    /// [`HEARTBEAT_TIMEOUT_CODE`](super::HEARTBEAT_TIMEOUT_CODE), or the code set by [`timeout_codes`](Self::timeout_codes))
    /// and replaced. Pongs are not delivered to the stream.
    pub fn heartbeat(
        mut self,
        interval: Duration,
        timeout: Duration,
        ping: Message,
        is_pong: impl Fn(&Message) -> bool + WasmNotSendSync + 'static,
    ) -> Self {
        self.policy.heartbeat = Some(Heartbeat {
            interval: millis(interval),
            timeout: millis(timeout),
        });
        self.config.ping = Some(Ping {
            ping,
            is_pong: Ptr::new(is_pong),
        });
        self
    }

    /// Natively: the heartbeat as protocol pings (RFC 6455 ping frames, which every server
    /// answers by itself: nothing to write on the server side). A pong overdue after `timeout`
    /// declares the connection dead, as [`heartbeat`](Self::heartbeat) does. Browsers cannot
    /// send protocol pings, so the browser's builder has no such method (use `heartbeat`).
    #[cfg(not(target_family = "wasm"))]
    pub fn protocol_heartbeat(mut self, interval: Duration, timeout: Duration) -> Self {
        self.policy.heartbeat = Some(Heartbeat {
            interval: millis(interval),
            timeout: millis(timeout),
        });
        self.config.ping = None;
        self
    }

    /// Declares the connection dead (closed and reported with [`IDLE_TIMEOUT_CODE`](super::IDLE_TIMEOUT_CODE), or the
    /// code set by [`timeout_codes`](Self::timeout_codes)) and replaces it when nothing at all
    /// was received for `timeout`.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.policy.idle_timeout = Some(millis(timeout));
        self
    }

    /// The close codes that report a dead connection: `heartbeat` when no pong came in time,
    /// `idle` when nothing was received for the idle timeout. The connection is closed with
    /// it (the server sees it, if it still listens) and `Disconnected` reports it, with the
    /// reason `"heartbeat timeout"` or `"idle timeout"`. Defaults [`HEARTBEAT_TIMEOUT_CODE`](super::HEARTBEAT_TIMEOUT_CODE)
    /// (4000) and [`IDLE_TIMEOUT_CODE`](super::IDLE_TIMEOUT_CODE) (4001): codes of the private range, which belongs to
    /// applications, so choose codes your protocol does not use for anything else. A code a
    /// client may not send (anything but 1000 and 3000..=4999) is ignored and the default
    /// stays: the browser would refuse to close with it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sockwave::reconnect::ReconnectingWebSocket;
    /// let builder = ReconnectingWebSocket::builder("wss://example.com/feed")
    ///     .idle_timeout(Duration::from_secs(60))
    ///     .timeout_codes(4100, 4101);
    /// # drop(builder);
    /// ```
    pub fn timeout_codes(mut self, heartbeat: u16, idle: u16) -> Self {
        // The machine keeps the defaults for codes a client may not send.
        self.policy.heartbeat_code = heartbeat;
        self.policy.idle_code = idle;
        self
    }

    /// Whether to close the connection when the page goes into the back/forward cache
    /// (`pagehide` with `persisted`: browsers keep no page with an open socket there) and
    /// reconnect at once when it is shown again (`pageshow` with `persisted`). Default: yes.
    /// Messages sent meanwhile are queued, as while disconnected.
    pub fn close_on_pagehide(mut self, close: bool) -> Self {
        self.policy.close_on_pagehide = close;
        self
    }

    /// The simulation's network and jitter (`super::sim`).
    #[cfg(all(test, not(target_family = "wasm")))]
    pub(crate) fn simulated(
        mut self,
        transport: crate::native::transport::Shared,
        seed: u64,
    ) -> Self {
        self.config.transport = transport;
        self.seed = seed;
        self
    }

    /// Starts the driver task (`spawn_local` in the browser, `tokio::spawn` natively) and
    /// returns the socket, connecting. Natively outside a tokio runtime, the stream yields
    /// [`Error::NoRuntime`](crate::Error::NoRuntime) and ends.
    pub fn build(self) -> ReconnectingWebSocket {
        let machine = Machine::new(self.policy, now(), self.seed);
        let shared = Ptr::new(Lock::new(Shared::new(machine)));
        driver::start(&shared, self.config.clone());
        ReconnectingWebSocket {
            shared,
            config: self.config,
            ended: false,
        }
    }
}
