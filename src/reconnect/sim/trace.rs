//! What a schedule's run showed, and the file the JS shell replays it from
//! (`tests/js/replay.test.mjs`): every schedule with its options, the server's answers, the
//! steps and the trace, in the JS face's terms (option names as `connect()` takes them).

use serde_json::{json, Value};

use super::{Answer, Schedule, Step};
use crate::machine::Millis;

/// A state report, as the app saw it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum State {
    Connecting(u32),
    Open,
    Disconnected {
        code: u16,
        /// Checked here, not compared with the JS face (a failure's words are native).
        reason: String,
        clean: bool,
        first_seq: u64,
        messages: u64,
    },
    Reconnecting {
        attempt: u32,
        delay: Millis,
    },
    Closed {
        code: u16,
        reason: String,
        clean: bool,
    },
}

/// Everything observed, each with its time (ms since the socket was made).
#[derive(Debug, Default)]
pub(super) struct Trace {
    pub(super) states: Vec<(Millis, State)>,
    /// Each send's outcome, when it settled: "ok", or the error's name.
    pub(super) sends: Vec<(Millis, String, &'static str)>,
    pub(super) reconnects: Vec<(Millis, &'static str)>,
    /// What the server received (pings excepted).
    pub(super) server_got: Vec<(Millis, String)>,
    /// Pings the server answered.
    pub(super) pongs: Vec<Millis>,
    /// What the app received.
    pub(super) got: Vec<(Millis, String)>,
}

impl Trace {
    /// The trace in the file's terms (the JS face has no `connecting` event: left out).
    fn to_json(&self) -> Value {
        let mut out: Vec<Value> = Vec::new();
        for (t, state) in &self.states {
            out.push(match state {
                State::Connecting(_) => continue,
                State::Open => json!([t, "open"]),
                State::Disconnected {
                    code,
                    clean,
                    first_seq,
                    messages,
                    ..
                } => json!([t, "disconnected", code, clean, first_seq, messages]),
                State::Reconnecting { attempt, delay } => {
                    json!([t, "reconnecting", attempt, delay])
                }
                State::Closed { code, clean, .. } => json!([t, "closed", code, clean]),
            });
        }
        out.extend(self.sends.iter().map(|(t, d, r)| json!([t, "sent", d, r])));
        out.extend(
            self.reconnects
                .iter()
                .map(|(t, r)| json!([t, "reconnect", r])),
        );
        out.extend(
            self.server_got
                .iter()
                .map(|(t, d)| json!([t, "server-got", d])),
        );
        out.extend(self.got.iter().map(|(t, d)| json!([t, "got", d])));
        Value::Array(out)
    }
}

impl Schedule {
    /// The schedule in the file's terms, with its trace.
    pub(super) fn to_json(&self, trace: &Trace) -> Value {
        let o = &self.options;
        let jitter = ["none", "full", "equal"][o.jitter as usize];
        let mut reconnect = json!({
            "minDelayMs": o.min_delay,
            "maxDelayMs": o.max_delay,
            "factor": o.factor,
            "jitter": jitter,
            "minUptimeMs": o.min_uptime,
            "queueLimit": o.queue_limit,
        });
        if let Some(n) = o.max_retries {
            reconnect["maxRetries"] = json!(n);
        }
        let mut options = json!({ "reconnect": reconnect, "connectTimeoutMs": o.connect_timeout });
        if let Some((interval, timeout)) = o.heartbeat {
            options["heartbeat"] = json!({
                "intervalMs": interval, "timeoutMs": timeout, "ping": "ping", "pong": "pong",
            });
        }
        if let Some(idle) = o.idle_timeout {
            options["idleTimeoutMs"] = json!(idle);
        }
        let attempts: Vec<&str> = self
            .answers
            .iter()
            .map(|a| match a {
                Answer::Open => "open",
                Answer::Refuse => "refuse",
                Answer::Hang => "hang",
            })
            .collect();
        let steps: Vec<Value> = self
            .steps
            .iter()
            .map(|(t, step)| match step {
                Step::Send(d) => json!([t, "send", d]),
                Step::Close(code, reason) => json!([t, "close", code, reason]),
                Step::Reconnect => json!([t, "reconnect"]),
                Step::Offline => json!([t, "offline"]),
                Step::Online => json!([t, "online"]),
                Step::ServerClose(code, reason) => json!([t, "server-close", code, reason]),
                Step::ServerDrop => json!([t, "server-drop"]),
                Step::ServerStall => json!([t, "server-stall"]),
                Step::ServerSend(d) => json!([t, "server-send", d]),
            })
            .collect();
        json!({
            "seed": self.seed,
            "machineSeed": self.machine_seed,
            "options": options,
            "attempts": attempts,
            "steps": steps,
            "end": self.end,
            "trace": trace.to_json(),
        })
    }
}

/// Writes the schedules for the JS shell's replay: `target/sim-traces/traces.json` (under
/// `CARGO_TARGET_DIR` when set).
pub(super) fn write(schedules: Vec<Value>) {
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").to_owned());
    let dir = std::path::Path::new(&target).join("sim-traces");
    let file = json!({ "version": 1, "schedules": schedules });
    std::fs::create_dir_all(&dir).expect("target/sim-traces");
    std::fs::write(dir.join("traces.json"), file.to_string()).expect("traces.json written");
}
