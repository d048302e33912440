//! The native socket's shared state: what the driver task (`driver.rs`) records and the handles
//! (`mod.rs`) read, behind one mutex. The same discipline as the browser face's `Inbox`: the
//! driver only records and wakes; every decision a handle makes lives in a `poll_*` here.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

mod poll;

use super::link::Link;
use crate::backlog::Backlog;
use crate::events::Feed;
use crate::machine::{Failure, Reason};
use crate::wake::{Wake, WakerSet, WakerSlot};
use crate::{CloseEvent, Error, Message, ReadyState, WsEvent};

/// What the handles ask of the driver, in order.
#[derive(Debug)]
pub(crate) enum Command {
    Send(Message),
    /// A protocol ping (the reconnecting socket's heartbeat, natively).
    Ping,
    /// Our close frame (checked already).
    Close(u16, String),
}

/// One socket's state.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) ready: ReadyState,
    pub(crate) protocol: String,
    pub(crate) extensions: String,
    /// Received messages not yet taken by the stream, in arrival order.
    queue: VecDeque<Message>,
    backlog: Backlog,
    max_bytes: usize,
    /// Past the receive limit: the socket is being closed, nothing more is taken in.
    overflowed: bool,
    opened: bool,
    /// Why the socket ended, when it was not a clean end (the machine's word, `driver/life.rs`).
    pub(crate) failure: Option<Failure>,
    /// Set once, when the socket ended.
    pub(crate) close: Option<CloseEvent>,
    /// For the driver, in order.
    pub(crate) commands: VecDeque<Command>,
    /// Bytes of the `Send` commands still in `commands`.
    queued_bytes: usize,
    /// Bytes handed to the connection and not yet flushed to the TCP socket.
    handed_bytes: usize,
    /// Protocol pongs received and not yet taken by the reconnect driver.
    pub(crate) pongs: u32,
    /// Our close was asked for: received messages are no longer delivered (the browser's
    /// rule: a socket that is not OPEN drops what arrives).
    pub(crate) closing: bool,
    /// Our close's code and reason, until the driver takes them to its machine.
    pub(crate) close_asked: Option<(u16, String)>,
    reader: WakerSlot,
    /// Tasks waiting for `open` or the end.
    waiters: WakerSet,
    /// Tasks waiting for the buffer to drain.
    writers: WakerSet,
    pub(crate) driver: WakerSlot,
    /// The `events()` observers (held weakly: a dropped observer is let go).
    subscribers: Vec<std::sync::Weak<Mutex<Feed<WsEvent>>>>,
}

/// The state of one socket, shared by its handles and its driver task.
#[derive(Debug)]
pub(crate) struct Core {
    state: Mutex<State>,
    /// The connection once open (`driver.rs`): the driver task reads it, and whichever task
    /// sends writes to it (`driver::write_through`). Locked before `state`, never after.
    link: Mutex<Option<Link>>,
    pub(crate) url: String,
    pub(crate) high_water_mark: usize,
}

impl Core {
    pub(crate) fn new(url: String, high_water_mark: usize, max_bytes: usize) -> Self {
        Core {
            state: Mutex::new(State {
                ready: ReadyState::Connecting,
                protocol: String::new(),
                extensions: String::new(),
                queue: VecDeque::new(),
                backlog: Backlog::default(),
                max_bytes,
                overflowed: false,
                opened: false,
                failure: None,
                close: None,
                commands: VecDeque::new(),
                queued_bytes: 0,
                handed_bytes: 0,
                pongs: 0,
                closing: false,
                close_asked: None,
                reader: WakerSlot::default(),
                waiters: WakerSet::default(),
                writers: WakerSet::default(),
                driver: WakerSlot::default(),
                subscribers: Vec::new(),
            }),
            link: Mutex::new(None),
            url,
            high_water_mark,
        }
    }

    /// The connection, if open (see `state` on poisoning).
    pub(crate) fn link(&self) -> MutexGuard<'_, Option<Link>> {
        self.link
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The state, even if a task panicked while holding it (nothing here leaves it half
    /// updated: every change is a few field writes).
    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` on the state, then wakes what it handed out, once the lock is released.
    pub(crate) fn update(&self, f: impl FnOnce(&mut State) -> Wake) {
        let wake = f(&mut self.state());
        wake.wake();
    }

    // -- What the driver records. --

    pub(crate) fn opened(&self, protocol: String, extensions: String) {
        self.update(|s| {
            s.ready = ReadyState::Open;
            s.opened = true;
            s.protocol = protocol;
            s.extensions = extensions;
            let mut wakers = s.publish(|| WsEvent::Open);
            wakers.extend(s.waiters.take_wakers());
            Wake::new(None, wakers).and(s.writers.take())
        });
    }

    /// A message arrived: queued (or handed to the waiting reader), or past the receive limit
    /// (false: the driver closes the socket).
    pub(crate) fn received(&self, message: Message) -> bool {
        let mut s = self.state();
        if s.closing || s.overflowed || s.close.is_some() {
            return true;
        }
        let handed = s.queue.is_empty() && s.reader.is_waiting();
        let limit = s.max_bytes;
        if !s.backlog.admit(message.len(), handed, limit) {
            // Closed as the browser face closes it: 4009, after what was sent before.
            s.overflowed = true;
            s.closing = true;
            s.ready = ReadyState::Closing;
            let reason = Reason::ReceiveOverflow.text().to_owned();
            s.close_asked = Some((crate::RECEIVE_OVERFLOW_CODE, reason));
            let wake = s.reader.take().and(s.writers.take()).and(s.driver.take());
            drop(s);
            wake.wake();
            return false;
        }
        let observers = if s.subscribers.is_empty() {
            Vec::new()
        } else {
            s.publish(|| WsEvent::Message(message.clone()))
        };
        s.queue.push_back(message);
        let wake = s.reader.take().and(Wake::new(None, observers));
        drop(s);
        wake.wake();
        true
    }

    /// A protocol pong arrived: for the reconnect driver, whose task reads this socket.
    pub(crate) fn pong(&self) {
        self.update(|s| {
            s.pongs = s.pongs.saturating_add(1);
            s.reader.take()
        });
    }

    /// Sends a protocol ping (past the high-water mark, as the machine's `Ping` asks).
    pub(crate) fn ping_now(&self) {
        self.update(|s| {
            if s.ready != ReadyState::Open {
                return Wake::none();
            }
            s.commands.push_back(Command::Ping);
            s.driver.take()
        });
    }

    /// The socket ended (at most once), as the machine decided: `failure` says why when it was
    /// not a clean end.
    pub(crate) fn ended(&self, close: CloseEvent, failure: Option<Failure>) {
        self.update(|s| {
            if s.close.is_some() {
                return Wake::none();
            }
            s.ready = ReadyState::Closed;
            s.failure = failure;
            let mut wakers = Vec::new();
            if !close.was_clean {
                wakers.extend(s.publish(|| WsEvent::Error));
            }
            wakers.extend(s.publish(|| WsEvent::Close(close.clone())));
            for feed in s.subscribers.drain(..).filter_map(|weak| weak.upgrade()) {
                wakers.extend(Feed::finish(&feed));
            }
            s.close = Some(close);
            s.commands.clear();
            wakers.extend(s.waiters.take_wakers());
            wakers.extend(s.writers.take_wakers());
            Wake::new(s.reader.take_waker(), wakers)
        });
    }

    /// Whether bytes handed to the connection wait for the TCP socket to take them.
    pub(crate) fn backed_up(&self) -> bool {
        self.state().handed_bytes > 0
    }

    /// The commands queued for the connection, all of them (the writer hands them over, then
    /// tells [`written`](Self::written)).
    pub(crate) fn take_commands(&self) -> VecDeque<Command> {
        std::mem::take(&mut self.state().commands)
    }

    /// After a write, under one lock: `bytes` of messages left the queue for the connection;
    /// what it did not take (`rest`) goes back in front; if the connection flushed (`flushed`)
    /// everything handed to it reached the TCP socket. Whether commands wait (queued
    /// meanwhile, or not taken): the writer then goes on (see `driver::send_out`).
    pub(crate) fn written(&self, bytes: usize, mut rest: VecDeque<Command>, flushed: bool) -> bool {
        let mut s = self.state();
        s.queued_bytes -= bytes;
        s.handed_bytes += bytes;
        if s.commands.is_empty() {
            // What the connection did not take; or, empty, the batch's allocation, kept for
            // the next message (one allocation less per message sent).
            s.commands = rest;
        } else if !rest.is_empty() {
            // In front of what was queued meanwhile.
            rest.append(&mut s.commands);
            s.commands = rest;
        }
        if !flushed {
            return false;
        }
        s.handed_bytes = 0;
        let more = !s.commands.is_empty();
        let wake = s.writers.take();
        drop(s);
        wake.wake();
        more
    }

    // -- What the handles ask. --

    pub(crate) fn ready_state(&self) -> ReadyState {
        self.state().ready
    }

    /// Queues a message for the connection: [`Error::NotOpen`] while connecting,
    /// [`Error::Closed`] once closing or closed. `try_send` then writes it through itself
    /// (`driver::write_through`); the sink's `start_send` (`wake`) wakes the driver if the
    /// queue was empty: a `poll_flush` that follows writes the batch itself and the driver
    /// then finds nothing to do; without one, the driver sends it, as the browser sends without
    /// being asked to flush. One wake per batch, not per message.
    pub(crate) fn queue(&self, message: Message, wake: bool) -> Result<(), Error> {
        let mut s = self.state();
        match s.ready {
            ReadyState::Connecting => Err(Error::NotOpen),
            ReadyState::Closing | ReadyState::Closed => Err(Error::Closed),
            ReadyState::Open => {
                let wake = s.push(message, wake);
                drop(s);
                wake.wake();
                Ok(())
            }
        }
    }

    /// [`queue`](Self::queue) as the sink, if the socket is open and below its high-water
    /// mark; else the message back.
    pub(crate) fn try_feed(&self, message: Message) -> Result<(), Message> {
        let mut s = self.state();
        if s.ready != ReadyState::Open || s.buffered() >= self.high_water_mark {
            return Err(message);
        }
        let wake = s.push(message, true);
        drop(s);
        wake.wake();
        Ok(())
    }

    /// The server's close frame came: CLOSING, as a browser's socket is until the connection
    /// ends; it takes no more messages to send (nor our close: the handshake is the server's).
    pub(crate) fn server_closing(&self) {
        self.update(|s| {
            if s.ready != ReadyState::Open {
                return Wake::none();
            }
            s.ready = ReadyState::Closing;
            s.writers.take()
        });
    }

    /// Asks for our close (checked already), for the driver's machine to carry out; nothing
    /// if the socket is closing or closed.
    pub(crate) fn request_close(&self, code: u16, reason: &str) {
        self.update(|s| {
            if s.closing || s.close.is_some() {
                return Wake::none();
            }
            s.closing = true;
            s.close_asked = Some((code, reason.to_owned()));
            if s.ready == ReadyState::Open {
                s.ready = ReadyState::Closing;
            }
            s.driver.take().and(s.writers.take())
        });
    }

    /// Queues our close frame, behind every message sent before `close()` (the driver's, as
    /// its machine decides).
    pub(crate) fn queue_close(&self, code: u16, reason: String) {
        self.state()
            .commands
            .push_back(Command::Close(code, reason));
    }

    /// A new observer of the socket's events (just `Close` if it already ended).
    /// A new `events()` observer (nothing waits on it yet: nothing to wake).
    pub(crate) fn subscribe(&self, feed: &std::sync::Arc<Mutex<Feed<WsEvent>>>) {
        let mut s = self.state();
        match &s.close {
            Some(close) => {
                let _ = Feed::push(feed, WsEvent::Close(close.clone()));
                let _ = Feed::finish(feed);
            }
            None => s.subscribers.push(std::sync::Arc::downgrade(feed)),
        }
    }

    pub(crate) fn queued(&self) -> usize {
        self.state().queue.len()
    }
}

impl State {
    /// Queues a message for the connection; the driver to wake if asked and it is the first.
    fn push(&mut self, message: Message, wake: bool) -> Wake {
        self.queued_bytes += message.len();
        self.commands.push_back(Command::Send(message));
        match self.commands.len() {
            1 if wake => self.driver.take(),
            _ => Wake::none(),
        }
    }

    /// Bytes handed to `send` and not yet written to the TCP socket: the native
    /// `bufferedAmount`.
    pub(crate) fn buffered(&self) -> usize {
        self.queued_bytes + self.handed_bytes
    }

    /// Sends an event to every observer still listening.
    /// Hands `event` to every live observer; their tasks, to wake once the lock is released.
    fn publish(&mut self, event: impl Fn() -> WsEvent) -> Vec<std::task::Waker> {
        let mut wakers = Vec::new();
        self.subscribers.retain(|weak| match weak.upgrade() {
            Some(feed) => {
                wakers.extend(Feed::push(&feed, event()));
                true
            }
            None => false,
        });
        wakers
    }
}
