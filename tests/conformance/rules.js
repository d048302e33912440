// The rules fixture of the conformance suite, written once as data and read by both faces'
// harnesses: the Rust face's (tests/conformance.rs, which parses the object below as JSON) and
// the npm package's (tests/js/scenarios.js, which imports it). Keep it JSON inside
// `export default ... ;` (double quotes, no comments or trailing commas inside).
//
// - closeCodes.sendable: the inclusive ranges of codes a client may send; every other code in
//   0..=65535 is refused with InvalidCloseCode, and the code is checked before the reason.
//   closeCodes.probes: the codes around every boundary, for harnesses that cannot afford
//   every code with every reason (each refusal is an Error with a stack: 720,896 of them take
//   minutes in Firefox), which try every code with the first reason and the probes with all.
// - reasons: a close reason made of `unit` repeated `count` times then `tail`; `bytes` is its
//   UTF-8 length, `ok` whether a client may send it (at most 123 bytes) - otherwise
//   ReasonTooLong with `bytes` as its length. Every code is tried with every reason.
// - protocols: the subprotocols offered; `refused` is null when the list is accepted, else the
//   one refused and why (InvalidProtocol).
// - backoff: the delay in ms before `attempt`, for a backoff of `minMs`..`maxMs` growing by
//   `factor`, with `jitter` (none, full, equal) drawing `random`.
// - redactions: a URL as sockwave's texts show it (errors, Debug): `[given, shown]`, without
//   userinfo, the query and fragment as "?…" / "#…".
export default {
  "closeCodes": {
    "sendable": [[1000, 1000], [3000, 4999]],
    "probes": [0, 1, 999, 1000, 1001, 1005, 1006, 1011, 1015, 2999, 3000, 3001, 3999, 4000, 4001, 4009, 4998, 4999, 5000, 65534, 65535]
  },
  "reasons": [
    { "unit": "", "count": 0, "tail": "", "bytes": 0, "ok": true },
    { "unit": "a", "count": 123, "tail": "", "bytes": 123, "ok": true },
    { "unit": "a", "count": 124, "tail": "", "bytes": 124, "ok": false },
    { "unit": "é", "count": 61, "tail": "a", "bytes": 123, "ok": true },
    { "unit": "é", "count": 62, "tail": "", "bytes": 124, "ok": false },
    { "unit": "✓", "count": 41, "tail": "", "bytes": 123, "ok": true },
    { "unit": "✓", "count": 41, "tail": "a", "bytes": 124, "ok": false },
    { "unit": "🦀", "count": 30, "tail": "abc", "bytes": 123, "ok": true },
    { "unit": "🦀", "count": 31, "tail": "", "bytes": 124, "ok": false },
    { "unit": "🦀", "count": 30, "tail": "é", "bytes": 122, "ok": true },
    { "unit": "é", "count": 200, "tail": "", "bytes": 400, "ok": false }
  ],
  "protocols": [
    { "offer": [], "refused": null },
    { "offer": ["chat.v2"], "refused": null },
    { "offer": ["chat.v2", "chat.v1"], "refused": null },
    { "offer": ["x-y_z~!#$%&'*+^`|"], "refused": null },
    { "offer": [""], "refused": { "protocol": "", "reason": "empty" } },
    { "offer": ["a b"], "refused": { "protocol": "a b", "reason": "not a token: only visible ASCII without separators is allowed" } },
    { "offer": ["a,b"], "refused": { "protocol": "a,b", "reason": "not a token: only visible ASCII without separators is allowed" } },
    { "offer": ["chat", "a/b"], "refused": { "protocol": "a/b", "reason": "not a token: only visible ASCII without separators is allowed" } },
    { "offer": ["é"], "refused": { "protocol": "é", "reason": "not a token: only visible ASCII without separators is allowed" } },
    { "offer": ["tab\t"], "refused": { "protocol": "tab\t", "reason": "not a token: only visible ASCII without separators is allowed" } },
    { "offer": ["x", "x"], "refused": { "protocol": "x", "reason": "offered twice" } },
    { "offer": ["x", "", "x"], "refused": { "protocol": "", "reason": "empty" } }
  ],
  "redactions": [
    ["ws://127.0.0.1:9998/echo", "ws://127.0.0.1:9998/echo"],
    ["wss://alice:hunter2@host:9/chat?token=x", "wss://host:9/chat?…"],
    ["wss://a@b@host/", "wss://host/"],
    ["ws://host?token=x", "ws://host?…"],
    ["ws://host/p#frag", "ws://host/p#…"],
    ["ws://host/p/@x?y", "ws://host/p/@x?…"],
    ["user:pw@host/x?q", "host/x?…"],
    ["", ""],
    ["nope", "nope"],
    ["@", ""],
    ["a://@", "a://"],
    ["ws://ü:ß@höst/ä?ö", "ws://höst/ä?…"]
  ],
  "backoff": [
    { "minMs": 100, "maxMs": 2000, "factor": 2, "jitter": "none", "attempt": 1, "random": 0.5, "delayMs": 100 },
    { "minMs": 100, "maxMs": 2000, "factor": 2, "jitter": "none", "attempt": 3, "random": 0.5, "delayMs": 400 },
    { "minMs": 100, "maxMs": 2000, "factor": 2, "jitter": "none", "attempt": 30, "random": 0.5, "delayMs": 2000 },
    { "minMs": 100, "maxMs": 2000, "factor": 2, "jitter": "full", "attempt": 3, "random": 0.25, "delayMs": 100 },
    { "minMs": 100, "maxMs": 2000, "factor": 2, "jitter": "full", "attempt": 3, "random": 0, "delayMs": 0 },
    { "minMs": 100, "maxMs": 2000, "factor": 2, "jitter": "equal", "attempt": 3, "random": 0, "delayMs": 200 },
    { "minMs": 100, "maxMs": 2000, "factor": 2, "jitter": "equal", "attempt": 3, "random": 1, "delayMs": 400 },
    { "minMs": 10, "maxMs": 1000, "factor": 3, "jitter": "none", "attempt": 5, "random": 0, "delayMs": 810 },
    { "minMs": 500, "maxMs": 100, "factor": 2, "jitter": "none", "attempt": 4, "random": 0, "delayMs": 500 },
    { "minMs": 250, "maxMs": 250, "factor": 1, "jitter": "none", "attempt": 9, "random": 0.9, "delayMs": 250 },
    { "minMs": 500, "maxMs": 30000, "factor": 2, "jitter": "full", "attempt": 1, "random": 0.5, "delayMs": 250 },
    { "minMs": 500, "maxMs": 30000, "factor": 2, "jitter": "full", "attempt": 7, "random": 0.5, "delayMs": 15000 }
  ]
};
