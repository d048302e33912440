//! The .wasm of sockwave's npm package: the machine that makes every decision of a
//! connection's life (`src/machine/`) and the subprotocol rule (`src/rules.rs`), compiled from
//! the crate's own files (included below by path: one source for both faces; this crate is
//! never published).
//!
//! The JS face is a shell (`js/reconnect.js`): a message goes from the browser's `message`
//! event to `for await` without crossing into wasm, so it costs what the raw socket costs.
//! Lifecycle events and deadlines cross, as numbers only: no string or JS object, so the
//! module links no allocator (a string argument alone would link one), no formatting and no
//! externref table. The machines live in a fixed table here and are named by their index.
//! The size budget in `tests/js/sizes.test.mjs` guards all that.
//!
//! The numbers are an ABI, written down once here and read by `js/machine.js`:
//! - inputs ([`machineHandle`]'s `input`): 1 Opened, 2 Ended (a: code, b: clean), 3 Rejected,
//!   4 UrlFailed, 5 Pong, 6 Overflow, 7 Verdict (a: yes), 8 Offline, 9 Online, 10 Hidden,
//!   11 Visible, 12 Resumed, 13 PageHide (a: persisted), 14 PageShow (a: persisted); and
//!   the calls with the same arguments: 15 Timeout (the deadlines due), 16 Reconnect, 17 Close
//!   (a: code, b: the reason's UTF-8 bytes), 18 Due (when the machine is next due, -1: never);
//! - actions ([`machinePollAction`], fields by [`actionField`]): 1 Connect (attempt),
//!   2 FlushAll, 3 Close (code, reason), 4 Discard (code or 0, reason), 5 Ping, 6 Consult
//!   (code, reason, clean), 7 Route (0 closed, 1 hold, 2 flow; limit), 8 Connecting (attempt),
//!   9 Open, 10 Disconnected (code, reason, clean, first_seq, messages, bytes, unsent_bytes),
//!   11 Reconnecting (attempt, delay), 12 Closed (code, reason, clean, failure, attempts)
//!   with failure 0 none, 1 rejected, 2 refused, 3 retries exhausted, 4 receive overflow,
//!   5 connect failed, 6 connect timeout;
//! - reasons: [`Reason`](machine::Reason) as a number, its text by [`reasonText`].
// No `unsafe` anywhere: the only items the lint flags are the exports' names
// (`#[export_name]`), each allowed where it stands. No wasm-bindgen either: numbers need no
// glue, and its start-up hook, externref table and per-call abort checks cost 1,133 B gzip.
#![deny(unsafe_code)]

use std::cell::RefCell;
use std::time::Duration;

// Whole files of the crate; the parts only the Rust face uses are unused here.
#[allow(dead_code)]
#[path = "../../src/rules.rs"]
mod rules;

#[allow(dead_code)]
#[path = "../../src/machine/mod.rs"]
mod machine;

use machine::{
    Action, Backoff, Close, Failure, Heartbeat, Input, Machine, Millis, Policy, Reason, Report,
    Route, Tally,
};

/// How many reconnecting sockets may be live (not closed for good) at once in one page or
/// worker: a place is taken by `machineNew` and given back by `machineFree` when the socket
/// stops.
const MACHINES: usize = 64;

thread_local! {
    static TABLE: RefCell<[Option<Machine>; MACHINES]> = const { RefCell::new([const { None }; MACHINES]) };
    /// The fields of the last action taken.
    static FIELDS: RefCell<[f64; 7]> = const { RefCell::new([0.0; 7]) };
}

// Nothing here may panic: a panic links the formatting machinery and an allocator (+30 KB),
// and poisons the module for the page. So every access is a `try_` or a `get`.

/// Runs `f` on machine `id`, if there is one.
fn with<T: Default>(id: u32, f: impl FnOnce(&mut Machine) -> T) -> T {
    TABLE
        .try_with(|t| {
            let mut t = t.try_borrow_mut().ok()?;
            t.get_mut(id as usize)?.as_mut().map(f)
        })
        .ok()
        .flatten()
        .unwrap_or_default()
}

fn set_fields(f: [f64; 7]) {
    let _ = FIELDS.try_with(|fields| fields.try_borrow_mut().map(|mut fields| *fields = f));
}

/// A number option: not negative, else the default (`as` saturates an infinite one).
fn opt(v: f64) -> Option<f64> {
    (v >= 0.0).then_some(v)
}

/// A delay option (the machine caps it).
fn ms(v: f64) -> Option<Millis> {
    opt(v).map(|v| v as Millis)
}

fn tally(sent: f64, sent_bytes: f64, last_received: f64, buffered: f64) -> Tally {
    Tally {
        sent: sent as u64,
        sent_bytes: sent_bytes as u64,
        last_received: last_received as u64,
        buffered: buffered as u64,
    }
}

/// Whether a subprotocol may contain this UTF-16 unit: visible ASCII, not a separator (RFC
/// 7230 `token`). js/link.js `protocolList` applies it to every unit, with the empty and
/// offered-twice checks of `rules::refusal`, in the same order.
#[allow(unsafe_code)]
#[export_name = "isTokenUnit"]
pub extern "C" fn is_token_unit(unit: u32) -> bool {
    rules::refusal([unit], false).is_none()
}

/// Whether a client may close with `code` and a reason of `reason_bytes` UTF-8 bytes: 0 when
/// it may, 1 when the code is not 1000 or 3000-4999, 2 when the reason is over 123 bytes.
#[allow(unsafe_code)]
#[export_name = "closeProblem"]
pub extern "C" fn close_problem(code: f64, reason_bytes: f64) -> u32 {
    if !(0.0..=65535.0).contains(&code) || code.fract() != 0.0 {
        return machine::CloseProblem::Code as u32;
    }
    match machine::check_close(code as u16, reason_bytes.min(usize::MAX as f64) as usize) {
        Ok(()) => 0,
        Err(problem) => problem as u32,
    }
}

/// Whether the browser's `error` ends a socket in `readyState` `state` (the machine's rule:
/// WebKit fires `error` without `close`).
#[allow(unsafe_code)]
#[export_name = "errorEndsSocket"]
pub extern "C" fn error_ends_socket(state: u32) -> bool {
    machine::error_ends_socket(state as u16)
}

/// How long to wait before reading `bufferedAmount` again, after `prev` ms (the machine's
/// rule).
#[allow(unsafe_code)]
#[export_name = "drainPollDelay"]
pub extern "C" fn drain_poll_delay(prev: u32) -> u32 {
    machine::drain_poll_delay(prev)
}

/// The text of reason `reason`: its `i`-th UTF-16 unit, 0 past the end (the texts are ASCII).
#[allow(unsafe_code)]
#[export_name = "reasonText"]
pub extern "C" fn reason_text(reason: u32, i: u32) -> u32 {
    let text = Reason::from_u8(reason as u8).map_or("", Reason::text);
    text.as_bytes().get(i as usize).map_or(0, |&b| b as u32)
}

/// A machine for a socket (`reconnect` 1: reconnecting, 0: plain), with the options as
/// numbers (anything negative or NaN: the machine's default; infinite: no limit; delays in ms;
/// `jitter` 0 none, 1 full, 2 equal, else the default's), starting at `now` with `seed` for the jitter. Its
/// index in the table, or -1 when the table is full. The first actions wait.
#[allow(unsafe_code)]
#[export_name = "machineNew"]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn machine_new(
    reconnect: f64,
    connect_timeout: f64,
    min_uptime: f64,
    min_delay: f64,
    max_delay: f64,
    factor: f64,
    jitter: f64,
    max_retries: f64,
    consult: f64,
    heartbeat_interval: f64,
    heartbeat_timeout: f64,
    idle_timeout: f64,
    heartbeat_code: f64,
    idle_code: f64,
    close_on_pagehide: f64,
    queue_limit: f64,
    max_buffered_bytes: f64,
    high_water_mark: f64,
    now: f64,
    seed: f64,
) -> i32 {
    let defaults = Policy::default();
    // Whole milliseconds: `Duration::try_from_secs_f64` would cost a kilobyte here.
    let d = |v: f64| Duration::from_millis(v as u64);
    let (min, max) = defaults.backoff.bounds();
    let (min, max) = (opt(min_delay).map_or(min, d), opt(max_delay).map_or(max, d));
    let factor = opt(factor).unwrap_or(defaults.backoff.growth());
    let backoff = defaults.backoff.reshaped(min, max, factor);
    let backoff = match jitter as i32 {
        0 => Backoff::exponential(min, max).factor(factor),
        1 => backoff.full_jitter(),
        2 => backoff.equal_jitter(),
        _ => backoff,
    };
    // `as` saturates (and takes NaN to 0): no bounds to write.
    let code = |v: f64, default: u16| opt(v).map_or(default, |v| v as u16);
    let count = |v: f64, default: usize| opt(v).map_or(default, |v| v as usize);
    let heartbeat = match (ms(heartbeat_interval), ms(heartbeat_timeout)) {
        (Some(interval), Some(timeout)) => Some(Heartbeat { interval, timeout }),
        _ => None,
    };
    let policy = Policy {
        reconnect: reconnect == 1.0,
        // Infinite: wait as long as the browser does; not given: the default.
        connect_timeout: match connect_timeout {
            f64::INFINITY => None,
            v => ms(v).or(defaults.connect_timeout),
        },
        min_uptime: ms(min_uptime).unwrap_or(defaults.min_uptime),
        backoff,
        max_retries: opt(max_retries).map(|v| v as u32),
        consult: consult == 1.0,
        heartbeat,
        idle_timeout: ms(idle_timeout),
        heartbeat_code: code(heartbeat_code, defaults.heartbeat_code),
        idle_code: code(idle_code, defaults.idle_code),
        close_on_pagehide: close_on_pagehide != 0.0,
        queue_limit: count(queue_limit, defaults.queue_limit),
        max_buffered_bytes: count(max_buffered_bytes, defaults.max_buffered_bytes),
        high_water_mark: count(high_water_mark, defaults.high_water_mark),
    };
    TABLE
        .try_with(|t| {
            let mut t = t.try_borrow_mut().ok()?;
            let (i, slot) = t.iter_mut().enumerate().find(|(_, m)| m.is_none())?;
            *slot = Some(Machine::new(policy, now as Millis, seed as u64));
            Some(i as i32)
        })
        .ok()
        .flatten()
        .unwrap_or(-1)
}

/// A default of the machine's policy, by `what` (as [`machinePolicy`]), and 4: the receive
/// overflow's close code, 6: the connect timeout.
#[allow(unsafe_code)]
#[export_name = "policyDefault"]
pub extern "C" fn policy_default(what: u32) -> f64 {
    let p = Policy::default();
    match what {
        0 => p.high_water_mark as f64,
        1 => p.max_buffered_bytes as f64,
        2 => p.queue_limit as f64,
        3 => machine::DEFAULT_HEARTBEAT.interval as f64,
        5 => machine::DEFAULT_HEARTBEAT.timeout as f64,
        6 => machine::DEFAULT_CONNECT_TIMEOUT as f64,
        _ => machine::RECEIVE_OVERFLOW_CODE as f64,
    }
}

/// What the machine's policy says, by `what`: 0 the high-water mark, 1 the receive limit, 2
/// the queue limit, 3 the heartbeat interval (-1 without a heartbeat).
#[allow(unsafe_code)]
#[export_name = "machinePolicy"]
pub extern "C" fn machine_policy(id: u32, what: u32) -> f64 {
    with(id, |m| {
        let p = m.policy();
        match what {
            0 => p.high_water_mark as f64,
            1 => p.max_buffered_bytes as f64,
            2 => p.queue_limit as f64,
            _ => p.heartbeat.map_or(-1.0, |h| h.interval as f64),
        }
    })
}

/// Feeds machine `id` an input (see the module docs for the numbers), or makes one of the
/// calls that take the same arguments: 15 the deadlines due at `now`; 16 `reconnect()`
/// (returns 0 accepted, 1 closed for good); 17 `close(code a)` with a reason of `b` UTF-8
/// bytes (returns 0 accepted, else the problem as [`closeProblem`] numbers it); 18 when the
/// machine is next due (returns the time, -1 when nothing is scheduled; the other arguments
/// are not read). One export for them all: each export would repeat the table lookup and the
/// tally's decoding.
#[allow(unsafe_code)]
#[export_name = "machineHandle"]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn machine_handle(
    id: u32,
    now: f64,
    input: u32,
    a: f64,
    b: f64,
    sent: f64,
    sent_bytes: f64,
    last_received: f64,
    buffered: f64,
) -> f64 {
    let yes = a == 1.0;
    let event = match input {
        1 => Input::Opened,
        2 => Input::Ended(Close {
            code: a as u16,
            reason: Reason::Given,
            clean: b == 1.0,
        }),
        3 => Input::Rejected,
        4 => Input::UrlFailed,
        5 => Input::Pong,
        6 => Input::Overflow,
        7 => Input::Verdict(yes),
        8 => Input::Offline,
        9 => Input::Online,
        10 => Input::Hidden,
        11 => Input::Visible,
        12 => Input::Resumed,
        13 => Input::PageHide { persisted: yes },
        14 => Input::PageShow { persisted: yes },
        // 15-18 are calls, not inputs: this placeholder is never fed (the match below).
        15 | 16 | 18 => Input::Pong,
        17 => match close_problem(a, b) {
            0 => Input::Pong,
            problem => return problem as f64,
        },
        _ => return 0.0,
    };
    let tally = tally(sent, sent_bytes, last_received, buffered);
    let now = now as Millis;
    with(id, |m| match input {
        15 => {
            m.handle_timeout(now, &tally);
            0.0
        }
        16 => m.reconnect(now, &tally).map_or(1.0, |()| 0.0),
        17 => m
            .close(now, a as u16, b as usize)
            .map_or_else(|problem| problem as u32 as f64, |()| 0.0),
        18 => m.poll_timeout().map_or(-1.0, |t| t as f64),
        _ => {
            m.handle(now, &tally, event);
            0.0
        }
    })
}

/// Takes the next action of machine `id`: its number (0: none), its fields by
/// [`actionField`].
#[allow(unsafe_code)]
#[export_name = "machinePollAction"]
pub extern "C" fn machine_poll_action(id: u32) -> u32 {
    let Some(action) = with(id, Machine::poll_action) else {
        return 0;
    };
    let mut f = [0.0; 7];
    let mut close = |c: Close| {
        f[0] = c.code as f64;
        f[1] = c.reason as u8 as f64;
        f[2] = c.clean as u8 as f64;
    };
    let kind = match action {
        Action::Connect { attempt } => {
            f[0] = attempt as f64;
            1
        }
        Action::FlushAll => 2,
        Action::Close { code, reason } => {
            f[..2].copy_from_slice(&[code as f64, reason as u8 as f64]);
            3
        }
        Action::Discard { close } => {
            let (code, reason) = close.unwrap_or((0, Reason::Given));
            f[..2].copy_from_slice(&[code as f64, reason as u8 as f64]);
            4
        }
        Action::Ping => 5,
        Action::Consult(c) => {
            close(c);
            6
        }
        Action::Route(route) => {
            let (how, limit) = match route {
                Route::Closed => (0, 0),
                Route::Hold { limit } => (1, limit),
                Route::Flow { limit } => (2, limit),
            };
            f[..2].copy_from_slice(&[how as f64, limit as f64]);
            7
        }
        Action::Report(Report::Connecting { attempt }) => {
            f[0] = attempt as f64;
            8
        }
        Action::Report(Report::Open) => 9,
        Action::Report(Report::Disconnected {
            close: c,
            in_flight: i,
        }) => {
            close(c);
            let n = [i.first_seq, i.messages, i.bytes, i.unsent_bytes];
            f[3..].copy_from_slice(&n.map(|v| v as f64));
            10
        }
        Action::Report(Report::Reconnecting { attempt, delay }) => {
            f[..2].copy_from_slice(&[attempt as f64, delay as f64]);
            11
        }
        Action::Report(Report::Closed { close: c, failure }) => {
            close(c);
            let (failure, attempts) = match failure {
                None => (0, 0),
                Some(Failure::Rejected) => (1, 0),
                Some(Failure::ReconnectRefused) => (2, 0),
                Some(Failure::RetriesExhausted { attempts }) => (3, attempts),
                Some(Failure::ReceiveOverflow) => (4, 0),
                Some(Failure::ConnectFailed) => (5, 0),
                Some(Failure::ConnectTimeout) => (6, 0),
            };
            f[3] = failure as f64;
            f[4] = attempts as f64;
            12
        }
    };
    set_fields(f);
    kind
}

/// Field `i` of the last action taken.
#[allow(unsafe_code)]
#[export_name = "actionField"]
pub extern "C" fn action_field(i: u32) -> f64 {
    FIELDS
        .try_with(|f| f.try_borrow().ok()?.get(i as usize).copied())
        .ok()
        .flatten()
        .unwrap_or(0.0)
}

/// Frees machine `id`'s place in the table.
#[allow(unsafe_code)]
#[export_name = "machineFree"]
pub extern "C" fn machine_free(id: u32) {
    let _ = TABLE.try_with(|t| {
        if let Some(slot) = t
            .try_borrow_mut()
            .ok()
            .as_mut()
            .and_then(|t| t.get_mut(id as usize))
        {
            *slot = None;
        }
    });
}
