//! The machine's calls: a machine made from the options as numbers, inputs fed, actions
//! taken, field by field. The numbers are the ABI the crate docs list.

use std::time::Duration;

use crate::abi::{self, Act, Input as In, Policy as Pol};
use crate::machine::{
    self, Action, Backoff, Close, Failure, Heartbeat, Input, Machine, Millis, Policy, Reason,
    Report, Route, Tally,
};
use crate::{close_problem, set_fields, with, FIELDS, SLOT};

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

/// A machine for a socket (`reconnect` 1: reconnecting, 0: plain), with the options as
/// numbers (anything negative or NaN: the machine's default; infinite: no limit; delays in ms;
/// `jitter` 0 none, 1 full, 2 equal, else the default's), starting at `now` with `seed` for the jitter. Its
/// machine is left in the slot (the shell copies it out); its first actions wait.
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
) {
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
    let machine = Machine::new(policy, now as Millis, seed as u64);
    let _ = SLOT.try_with(|slot| slot.try_borrow_mut().map(|mut slot| *slot = Some(machine)));
}

/// A default of the machine's policy, by `what` (as [`machinePolicy`]), and 4: the receive
/// overflow's close code, 6: the connect timeout, 7: the longest delay a timer takes, 8: a
/// call's timeout, 9: the notifications an unread stream holds (`sockwave/rpc`).
#[allow(unsafe_code)]
#[export_name = "policyDefault"]
pub extern "C" fn policy_default(what: u32) -> f64 {
    let p = Policy::default();
    match what {
        Pol::HighWaterMark => p.high_water_mark as f64,
        Pol::MaxBufferedBytes => p.max_buffered_bytes as f64,
        Pol::QueueLimit => p.queue_limit as f64,
        Pol::HeartbeatInterval => machine::DEFAULT_HEARTBEAT.interval as f64,
        Pol::HeartbeatTimeout => machine::DEFAULT_HEARTBEAT.timeout as f64,
        Pol::ConnectTimeout => machine::DEFAULT_CONNECT_TIMEOUT as f64,
        Pol::MaxDelay => machine::MAX_DELAY as f64,
        Pol::CallTimeout => machine::DEFAULT_CALL_TIMEOUT as f64,
        Pol::NotificationLimit => machine::OBSERVER_CAPACITY as f64,
        _ => machine::RECEIVE_OVERFLOW_CODE as f64,
    }
}

/// Whether a received message of `len` bytes may wait behind `waiting` bytes within `limit`
/// (`machine::receive_fits`; an infinite limit is none).
#[allow(unsafe_code)]
#[export_name = "receiveFits"]
pub extern "C" fn receive_fits(waiting: f64, len: f64, limit: f64) -> u32 {
    machine::receive_fits(waiting as usize, len as usize, limit as usize) as u32
}

/// The high-water mark a plain socket keeps for the one given (negative: none given, the
/// default), by the machine's rule.
#[allow(unsafe_code)]
#[export_name = "highWaterMark"]
pub extern "C" fn high_water_mark(given: f64) -> f64 {
    if given < 0.0 {
        return Policy::default().high_water_mark as f64;
    }
    machine::high_water_mark(given as usize) as f64
}

/// What the machine's policy says, by `what`: 0 the high-water mark, 1 the receive limit, 2
/// the queue limit, 3 the heartbeat interval (-1 without a heartbeat).
#[allow(unsafe_code)]
#[export_name = "machinePolicy"]
pub extern "C" fn machine_policy(what: u32) -> f64 {
    with(|m| {
        let p = m.policy();
        match what {
            Pol::HighWaterMark => p.high_water_mark as f64,
            Pol::MaxBufferedBytes => p.max_buffered_bytes as f64,
            Pol::QueueLimit => p.queue_limit as f64,
            _ => p.heartbeat.map_or(-1.0, |h| h.interval as f64),
        }
    })
}

/// Feeds the machine in the slot an input (see the module docs for the numbers), or makes one of the
/// calls that take the same arguments: 15 the deadlines due at `now`; 16 `reconnect()`
/// (returns 0 accepted, 1 closed for good); 17 `close(code a)` with a reason of `b` UTF-8
/// bytes (returns 0 accepted, else the problem as [`closeProblem`] numbers it); 18 when the
/// machine is next due (returns the time, -1 when nothing is scheduled; the other arguments
/// are not read). One export for them all: each export would repeat the slot's borrow and
/// the tally's decoding.
#[allow(unsafe_code)]
#[export_name = "machineHandle"]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn machine_handle(
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
        In::Opened => Input::Opened,
        In::Ended => Input::Ended(Close {
            code: a as u16,
            reason: Reason::Given,
            clean: b == 1.0,
        }),
        In::Rejected => Input::Rejected,
        In::UrlFailed => Input::UrlFailed,
        In::Pong => Input::Pong,
        In::Overflow => Input::Overflow,
        In::Verdict => Input::Verdict(yes),
        In::Offline => Input::Offline,
        In::Online => Input::Online,
        In::Hidden => Input::Hidden,
        In::Visible => Input::Visible,
        In::Resumed => Input::Resumed,
        In::PageHide => Input::PageHide { persisted: yes },
        In::PageShow => Input::PageShow { persisted: yes },
        // The calls are not inputs: this placeholder is never fed (the match below).
        In::Timeout | In::Reconnect | In::Due => Input::Pong,
        In::Close => match close_problem(a, b) {
            0 => Input::Pong,
            problem => return problem as f64,
        },
        _ => return 0.0,
    };
    let tally = tally(sent, sent_bytes, last_received, buffered);
    let now = now as Millis;
    with(|m| match input {
        In::Timeout => {
            m.handle_timeout(now, &tally);
            0.0
        }
        In::Reconnect => m.reconnect(now, &tally).map_or(1.0, |()| 0.0),
        In::Close => m
            .close(now, a as u16, b as usize)
            .map_or_else(|problem| problem as u32 as f64, |()| 0.0),
        In::Due => m.poll_timeout().map_or(-1.0, |t| t as f64),
        _ => {
            m.handle(now, &tally, event);
            0.0
        }
    })
}

/// Takes the next action of the machine in the slot: its number (0: none), its fields by
/// [`actionField`].
#[allow(unsafe_code)]
#[export_name = "machinePollAction"]
pub extern "C" fn machine_poll_action() -> u32 {
    let Some(action) = with(Machine::poll_action) else {
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
            Act::Connect
        }
        Action::FlushAll => Act::FlushAll,
        Action::Close { code, reason } => {
            f[..2].copy_from_slice(&[code as f64, reason as u8 as f64]);
            Act::Close
        }
        Action::Discard { close } => {
            let (code, reason) = close.unwrap_or((0, Reason::Given));
            f[..2].copy_from_slice(&[code as f64, reason as u8 as f64]);
            Act::Discard
        }
        Action::Ping => Act::Ping,
        Action::Consult(c) => {
            close(c);
            Act::Consult
        }
        Action::Route(route) => {
            let (how, limit) = match route {
                Route::Closed => (abi::Route::Closed, 0),
                Route::Hold { limit } => (abi::Route::Hold, limit),
                Route::Flow { limit } => (abi::Route::Flow, limit),
            };
            f[..2].copy_from_slice(&[how as f64, limit as f64]);
            Act::Route
        }
        Action::Report(Report::Connecting { attempt }) => {
            f[0] = attempt as f64;
            Act::Connecting
        }
        Action::Report(Report::Open) => Act::Open,
        Action::Report(Report::Disconnected {
            close: c,
            in_flight: i,
        }) => {
            close(c);
            let n = [i.first_seq, i.messages, i.bytes, i.unsent_bytes];
            f[3..].copy_from_slice(&n.map(|v| v as f64));
            Act::Disconnected
        }
        Action::Report(Report::Reconnecting { attempt, delay }) => {
            f[..2].copy_from_slice(&[attempt as f64, delay as f64]);
            Act::Reconnecting
        }
        Action::Report(Report::Closed { close: c, failure }) => {
            close(c);
            let (failure, attempts) = match failure {
                None => (abi::Failure::None, 0),
                Some(Failure::Rejected) => (abi::Failure::Rejected, 0),
                Some(Failure::ReconnectRefused) => (abi::Failure::ReconnectRefused, 0),
                Some(Failure::RetriesExhausted { attempts }) => {
                    (abi::Failure::RetriesExhausted, attempts)
                }
                Some(Failure::ReceiveOverflow) => (abi::Failure::ReceiveOverflow, 0),
                Some(Failure::ConnectFailed) => (abi::Failure::ConnectFailed, 0),
                Some(Failure::ConnectTimeout) => (abi::Failure::ConnectTimeout, 0),
                Some(Failure::ConnectionLost) => (abi::Failure::ConnectionLost, 0),
            };
            f[3] = failure as f64;
            f[4] = attempts as f64;
            Act::Closed
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

// The reasons' numbers are the machine's own (`Reason as u8`): the list in abi.rs must agree.
const _: () = {
    use machine::Reason as R;
    let all = [
        (R::Given, abi::Reason::Given),
        (R::HeartbeatTimeout, abi::Reason::HeartbeatTimeout),
        (R::IdleTimeout, abi::Reason::IdleTimeout),
        (R::PageHidden, abi::Reason::PageHidden),
        (R::Reconnect, abi::Reason::Reconnect),
        (R::ReceiveOverflow, abi::Reason::ReceiveOverflow),
        (R::ConnectTimeout, abi::Reason::ConnectTimeout),
        (R::UrlFailed, abi::Reason::UrlFailed),
        (R::CloseTimeout, abi::Reason::CloseTimeout),
        (R::ClosedBeforeOpen, abi::Reason::ClosedBeforeOpen),
    ];
    let mut i = 0;
    while i < all.len() {
        assert!(all[i].0 as u32 == all[i].1);
        i += 1;
    }
};
