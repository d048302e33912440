//! The client's task: it owns the socket, writes the requests in order, matches each response
//! to its call, feeds the notification streams, and decides what a disconnection does to each
//! pending call.

use std::collections::{HashMap, VecDeque};
use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_channel::{mpsc, oneshot};
use futures_core::Stream;
use futures_sink::Sink;

use super::wire::{self, Incoming};
use super::{CallError, Client, Notified, DEFAULT_CALL_TIMEOUT};
use crate::events::Feed;
#[cfg(not(target_family = "wasm"))]
use crate::platform::LockExt;
use crate::platform::{spawn, Lock, Ptr, WasmNotSend, WeakPtr};
use crate::reconnect::{ConnectionState, InFlight, States};
use crate::{Error, Message};

/// What the handles ask of the task, in order.
pub(super) enum Command {
    Send(Outgoing),
    /// Close the socket (after what was asked before).
    Close,
}

/// A message for the socket.
pub(super) enum Outgoing {
    Request {
        id: u64,
        text: String,
    },
    /// A notification, and who waits to hear that the socket took it.
    Notify(String, oneshot::Sender<Result<(), CallError>>),
}

/// A call waiting for its answer.
pub(crate) struct Pending {
    pub(super) reply: Option<Reply>,
    /// Given to the socket (which has sent it, or, reconnecting, holds it queued).
    pub(super) handed: bool,
    /// Its sequence number on a reconnecting socket, once given to it.
    pub(super) seq: Option<u64>,
    /// The request again, for an idempotent call.
    pub(super) resend: Option<String>,
}

/// What the handles and the task share.
#[derive(Default)]
pub(crate) struct Shared {
    last_id: u64,
    pub(super) pending: HashMap<u64, Pending>,
    pub(super) subscribers: Vec<WeakPtr<Lock<Feed<Notified>>>>,
    pub(super) ended: bool,
}

impl Shared {
    /// The next request id: 1, 2, 3, ...
    pub(super) fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// `item` to every notification stream; the tasks to wake once the borrow ends.
    fn notify(&mut self, item: Notified, wake: &mut Vec<Waker>) {
        self.subscribers.retain(|weak| match weak.upgrade() {
            Some(feed) => {
                wake.extend(Feed::push(&feed, item.clone()));
                true
            }
            None => false,
        });
    }

    /// The reply channel of the call `id`, if it waits.
    fn reply(&mut self, id: u64) -> Option<Reply> {
        self.pending.get_mut(&id).and_then(|p| p.reply.take())
    }
}

type Reply = oneshot::Sender<Result<String, CallError>>;

/// Answers calls once the borrow of the shared state has ended (the crate's one waker
/// discipline, `wake.rs`: an answer wakes its call's task).
fn answer(replies: Vec<(Reply, Result<String, CallError>)>) {
    for (reply, outcome) in replies {
        let _ = reply.send(outcome);
    }
}

/// A reconnecting socket's reports, and how to read the next sequence number of its sink.
pub(super) type Reports<S> = Option<(States, fn(&S) -> u64)>;

/// Starts the task over `socket`; the client's first handle.
pub(super) fn start<S>(socket: S, reports: Reports<S>) -> Result<Client, Error>
where
    S: Stream<Item = Result<Message, Error>>
        + Sink<Message, Error = Error>
        + Unpin
        + WasmNotSend
        + 'static,
{
    let shared = Ptr::new(Lock::new(Shared::default()));
    let (outgoing, requests) = mpsc::unbounded();
    let mut task = Task {
        socket,
        requests,
        resend: VecDeque::new(),
        next: None,
        shared: Ptr::clone(&shared),
        reports,
        closing: false,
        closed: false,
    };
    if !spawn(async move { poll_fn(|cx| task.poll(cx)).await }) {
        return Err(Error::NoRuntime);
    }
    Ok(Client {
        shared,
        outgoing,
        timeout: DEFAULT_CALL_TIMEOUT,
    })
}

struct Task<S> {
    socket: S,
    requests: mpsc::UnboundedReceiver<Command>,
    /// Idempotent requests to send again, before any new one.
    resend: VecDeque<Outgoing>,
    /// Taken from the queue, waiting for the socket to be ready.
    next: Option<Outgoing>,
    shared: Ptr<Lock<Shared>>,
    reports: Reports<S>,
    /// Every handle is gone, or `close()`: close the socket.
    closing: bool,
    closed: bool,
}

impl<S> Task<S>
where
    S: Stream<Item = Result<Message, Error>> + Sink<Message, Error = Error> + Unpin,
{
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            // Every message received first: responses that came before a disconnection
            // answer their calls before the disconnection is handled.
            loop {
                match Pin::new(&mut self.socket).poll_next(cx) {
                    Poll::Ready(Some(Ok(message))) => self.received(&message),
                    // The socket's terminal error: the end follows.
                    Poll::Ready(Some(Err(_))) => {}
                    Poll::Ready(None) => {
                        self.finish();
                        return Poll::Ready(());
                    }
                    Poll::Pending => break,
                }
            }
            let reported = self.poll_reports(cx);
            let wrote = self.poll_write(cx);
            if !reported && !wrote {
                return Poll::Pending;
            }
        }
    }

    fn received(&mut self, message: &Message) {
        let mut wake = Vec::new();
        let mut replies = Vec::new();
        {
            let mut shared = self.shared.borrow_mut();
            let item = match wire::incoming(message) {
                Incoming::Response { id, outcome } => match shared.reply(id) {
                    Some(reply) => {
                        replies.push((reply, outcome.map_err(CallError::Rpc)));
                        None
                    }
                    None => Some(Notified::Unmatched(format!(
                        "a response to no pending call (id {id}: timed out or dropped)"
                    ))),
                },
                Incoming::Notification(n) => Some(Notified::Notification(n)),
                Incoming::Unmatched(why) => Some(Notified::Unmatched(why)),
            };
            if let Some(item) = item {
                shared.notify(item, &mut wake);
            }
        }
        answer(replies);
        wake.into_iter().for_each(Waker::wake);
    }

    /// A reconnecting socket's disconnections; whether there was one to read.
    fn poll_reports(&mut self, cx: &mut Context<'_>) -> bool {
        let mut read = false;
        while let Some((states, _)) = &mut self.reports {
            let Poll::Ready(state) = Pin::new(states).poll_next(cx) else {
                break;
            };
            read = true;
            match state {
                Some(ConnectionState::Disconnected { in_flight, .. }) => self.lost(in_flight),
                Some(_) => {}
                None => self.reports = None,
            }
        }
        read
    }

    /// A connection died with `in_flight`: the calls whose requests it was given fail, or,
    /// idempotent, go out again on the next one. Requests still queued stay pending.
    fn lost(&mut self, in_flight: InFlight) {
        let mut replies = Vec::new();
        let mut shared = self.shared.borrow_mut();
        for (id, call) in shared.pending.iter_mut() {
            if !call.seq.is_some_and(|seq| in_flight.contains(seq)) {
                continue;
            }
            match &call.resend {
                Some(text) => {
                    self.resend.push_back(Outgoing::Request {
                        id: *id,
                        text: text.clone(),
                    });
                    (call.handed, call.seq) = (false, None);
                }
                None => replies.extend(
                    call.reply
                        .take()
                        .map(|reply| (reply, Err(CallError::Disconnected { handed: true }))),
                ),
            }
        }
        drop(shared);
        answer(replies);
    }

    /// Requests to the socket, in order, as its backpressure allows; whether any moved.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> bool {
        let mut moved = false;
        while !self.closing {
            let next = match self.next.take().or_else(|| self.resend.pop_front()) {
                Some(next) => next,
                None => match Pin::new(&mut self.requests).poll_next(cx) {
                    Poll::Ready(Some(Command::Send(next))) => next,
                    Poll::Ready(Some(Command::Close) | None) => {
                        self.closing = true;
                        break;
                    }
                    Poll::Pending => break,
                },
            };
            let ready = match Pin::new(&mut self.socket).poll_ready(cx) {
                Poll::Pending => {
                    self.next = Some(next);
                    break;
                }
                Poll::Ready(ready) => ready,
            };
            let (id, text, taken) = match next {
                Outgoing::Request { id, text } => (Some(id), text, None),
                Outgoing::Notify(text, taken) => (None, text, Some(taken)),
            };
            let sent =
                ready.and_then(|()| Pin::new(&mut self.socket).start_send(Message::Text(text)));
            match (id, sent) {
                (Some(id), Ok(())) => {
                    let seq = self
                        .reports
                        .as_ref()
                        .map(|(_, next_seq)| next_seq(&self.socket).saturating_sub(1));
                    if let Some(call) = self.shared.borrow_mut().pending.get_mut(&id) {
                        (call.handed, call.seq) = (true, seq);
                    }
                }
                // Refused (a full queue, a socket that ended): the call fails now, unsent.
                (Some(id), Err(e)) => {
                    let reply = self.shared.borrow_mut().reply(id);
                    if let Some(reply) = reply {
                        answer(vec![(reply, Err(CallError::from(e)))]);
                    }
                }
                (None, sent) => {
                    if let Some(taken) = taken {
                        let _ = taken.send(sent.map_err(CallError::from));
                    }
                }
            }
            moved = true;
        }
        let _ = Pin::new(&mut self.socket).poll_flush(cx);
        if self.closing && !self.closed {
            self.closed = Pin::new(&mut self.socket).poll_close(cx).is_ready();
        }
        moved
    }

    /// The socket ended: every pending call fails, every notification stream ends.
    fn finish(&mut self) {
        let mut wake = Vec::new();
        let mut replies = Vec::new();
        {
            let mut shared = self.shared.borrow_mut();
            shared.ended = true;
            for call in shared.pending.values_mut() {
                let outcome = Err(CallError::Disconnected {
                    handed: call.handed,
                });
                replies.extend(call.reply.take().map(|reply| (reply, outcome)));
            }
            for feed in shared.subscribers.drain(..).filter_map(|w| w.upgrade()) {
                wake.extend(Feed::finish(&feed));
            }
        }
        self.requests.close();
        answer(replies);
        wake.into_iter().for_each(Waker::wake);
    }
}
