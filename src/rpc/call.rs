//! One call: its request registered with the driver, then its answer, its timeout, or how the
//! connection ended.

use std::future::{poll_fn, Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use futures_channel::oneshot;
use serde::de::DeserializeOwned;

use super::driver::{Command, Outgoing, Pending};
use super::{CallError, Client};
#[cfg(not(target_family = "wasm"))]
use crate::platform::LockExt;
use crate::platform::{BoxFuture, Sleep, WasmNotSend};

/// A call, not yet sent: await it (`.await` sends it and waits for its answer), or set its
/// timeout or its idempotence first. Made by [`Client::call`].
#[must_use = "a call is sent when awaited"]
pub struct Call<R> {
    client: Client,
    id: u64,
    request: Result<String, CallError>,
    timeout: Duration,
    idempotent: bool,
    result: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for Call<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("id", &self.id)
            .field("timeout", &self.timeout)
            .field("idempotent", &self.idempotent)
            .finish()
    }
}

impl<R> Call<R> {
    pub(super) fn new(client: Client, id: u64, request: Result<String, CallError>) -> Self {
        let timeout = client.timeout;
        Call {
            client,
            id,
            request,
            timeout,
            idempotent: false,
            result: PhantomData,
        }
    }

    /// How long this call waits for its answer (the client's timeout by default).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The call may run twice on the server: over a reconnecting socket, a request handed to
    /// a connection that died is sent again on the next one, instead of failing with
    /// [`CallError::Disconnected`].
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }
}

impl<R: DeserializeOwned + WasmNotSend + 'static> IntoFuture for Call<R> {
    type Output = Result<R, CallError>;
    type IntoFuture = BoxFuture<Result<R, CallError>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// Forgets the call's pending entry when the call ends however it ends (answered, timed out,
/// or dropped by the app): a late answer then finds no one (`Notified::Unmatched`).
struct Forget<'a>(&'a Client, u64);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        self.0.shared.borrow_mut().pending.remove(&self.1);
    }
}

impl<R: DeserializeOwned> Call<R> {
    async fn run(self) -> Result<R, CallError> {
        let text = self.request?;
        let (reply, mut answer) = oneshot::channel();
        let resend = self.idempotent.then(|| text.clone());
        {
            let mut shared = self.client.shared.borrow_mut();
            if shared.ended {
                return Err(CallError::Closed);
            }
            shared.pending.insert(
                self.id,
                Pending {
                    reply: Some(reply),
                    handed: false,
                    seq: None,
                    resend,
                },
            );
        }
        let _forget = Forget(&self.client, self.id);
        let request = Command::Send(Outgoing::Request { id: self.id, text });
        if self.client.outgoing.unbounded_send(request).is_err() {
            return Err(CallError::Closed);
        }
        let mut timer = Sleep::new(timeout_ms(self.timeout));
        let outcome = poll_fn(|cx| {
            if let Poll::Ready(answer) = Pin::new(&mut answer).poll(cx) {
                return Poll::Ready(answer.unwrap_or(Err(CallError::Closed)));
            }
            if Pin::new(&mut timer).poll(cx).is_ready() {
                let shared = self.client.shared.borrow();
                let handed = shared.pending.get(&self.id).is_some_and(|p| p.handed);
                return Poll::Ready(Err(CallError::Timeout { handed }));
            }
            Poll::Pending
        })
        .await?;
        serde_json::from_str(&outcome).map_err(|e| CallError::Decode {
            reason: e.to_string(),
        })
    }
}

/// `timeout` in whole milliseconds for a timer, within the longest delay a browser timer takes.
fn timeout_ms(timeout: Duration) -> u32 {
    let max = crate::machine::MAX_DELAY as u32;
    u32::try_from(timeout.as_millis()).map_or(max, |ms| ms.min(max))
}
