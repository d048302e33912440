// The scenarios of the conformance suite, written once as data and run by both faces' harnesses
// against the dev server: the Rust face's (tests/conformance.rs, in Chromium, Firefox and
// WebKit) and the npm package's (tests/js/scenarios.js, in every engine, page and worker, and
// Node). Both must produce exactly `trace` and `events`. Keep it JSON inside
// `export default ... ;` (double quotes, no comments or trailing commas inside).
//
// A scenario:
// - url: a dev server route, "dead" (a port nothing listens on), or a list: a URL provider's
//   answers, one per call, the last repeated; "throw" is a provider that fails.
// - options: as the npm package's `connect` options (highWaterMark, maxBufferedBytes,
//   connectTimeoutMs, reconnect { minDelayMs, maxDelayMs, factor, maxRetries, queueLimit },
//   heartbeat { intervalMs, timeoutMs } (ping "ping", pong "pong"), idleTimeoutMs,
//   idleTimeoutCode); backoff without jitter. The Rust face maps them onto its builders: a
//   reconnecting socket with `reconnect`, `heartbeat`, `idleTimeoutMs` or a URL list.
// - steps, run in order once connected:
//   ["send", text] / ["binary", [bytes]]: send (on a reconnecting socket: queue) and wait;
//   ["trySend", text]: hand it over without waiting for anything (the next step starts at once);
//   ["read", n]: n messages (fewer if the messages end); ["drain"]: every message to the end,
//   counted; ["close", code, reason] (a reason may be {"unit", "count"}): close and wait;
//   ["closeTwice", code, reason, code2, reason2]: two close() calls at once, both awaited;
//   ["closed"]: wait for the end; ["wait", kind, n]: until n events of that kind happened;
//   ["sleep", ms]; ["reconnect"]; ["network", "offline" | "online"]: the network goes or comes
//   back (the page's or worker's event; natively `set_online`); ["count", kind]: pushes
//   "<kind>:<n>", the events of that kind so far, to the trace.
// - needs: "network events": run only where the global scope has them (not in Node).
// - webkit, firefox: { steps, trace, events } in place of the scenario's own in that engine,
//   for an engine quirk no shell can see past (each one says which).
// - trace: what the steps gave, in order: "connect" or "connect!<error>" first; each message
//   ("bin:1,2,3" for binary); "drained:<n>"; the end of the messages: "end" or "end!<error>";
//   "closed:<code>:<reason>:<wasClean>" from close or closed; "<step>!<error>" for a refusal.
//   An error is its name, then what identifies it: the close code (ConnectFailed,
//   ConnectionLost, ReconnectRefused), attempts (RetriesExhausted), the code
//   (InvalidCloseCode), the length (ReasonTooLong), the limit (QueueFull, ReceiveOverflow).
// - events, after connect, in order: "disconnect:<code>:<reason>:<wasClean>:<firstSeq>+<messages>/<bytes>",
//   "reconnect:<attempt>:<delayMs>", "open" (reconnecting sockets), then
//   "close:<code>:<reason>:<wasClean>" (every socket, last).
export default {
  "scenarios": [
    {
      "name": "echo: text and binary in order; close with code and reason",
      "url": "/echo",
      "steps": [["send", "hello ✓ 🦀"], ["binary", [1, 2, 3]], ["read", 2], ["close", 4001, "see you"]],
      "trace": ["connect", "hello ✓ 🦀", "bin:1,2,3", "closed:4001:see you:true"],
      "events": ["close:4001:see you:true"]
    },
    {
      "name": "the server closes (4000, bye): every message, then the end",
      "url": "/close?after=3&code=4000&reason=bye",
      "steps": [["send", "a"], ["send", "b"], ["send", "c"], ["drain"], ["closed"]],
      "trace": ["connect", "drained:3", "end", "closed:4000:bye:true"],
      "events": ["close:4000:bye:true"]
    },
    {
      "name": "the server drops the connection: the message, then ConnectionLost",
      "url": "/drop?after=1",
      "steps": [["send", "x"], ["read", 2], ["closed"]],
      "trace": ["connect", "x", "end!ConnectionLost:1006", "closed:1006::false"],
      "events": ["close:1006::false"]
    },
    {
      "name": "hostile: a close frame with a code no endpoint may send (1005) fails the connection: ConnectionLost 1006 (Firefox reports it as an empty close frame: 1005, clean)",
      "url": "/raw?wait=100&hex=880203ed",
      "steps": [["read", 1], ["closed"]],
      "trace": ["connect", "end!ConnectionLost:1006", "closed:1006::false"],
      "events": ["close:1006::false"],
      "firefox": {
        "steps": [["read", 1], ["closed"]],
        "trace": ["connect", "end", "closed:1005::true"],
        "events": ["close:1005::true"]
      }
    },
    {
      "name": "hostile: an undefined close code (5000) fails the connection",
      "url": "/raw?wait=100&hex=88051388627965",
      "steps": [["read", 1], ["closed"]],
      "trace": ["connect", "end!ConnectionLost:1006", "closed:1006::false"],
      "events": ["close:1006::false"]
    },
    {
      "name": "hostile: a reserved close code (1004) fails the connection",
      "url": "/raw?wait=100&hex=880203ec",
      "steps": [["read", 1], ["closed"]],
      "trace": ["connect", "end!ConnectionLost:1006", "closed:1006::false"],
      "events": ["close:1006::false"]
    },
    {
      "name": "hostile: a 1-byte close payload fails the connection (Firefox reports it as an empty close frame: 1005, clean)",
      "url": "/raw?wait=100&hex=880103",
      "steps": [["read", 1], ["closed"]],
      "trace": ["connect", "end!ConnectionLost:1006", "closed:1006::false"],
      "events": ["close:1006::false"],
      "firefox": {
        "steps": [["read", 1], ["closed"]],
        "trace": ["connect", "end", "closed:1005::true"],
        "events": ["close:1005::true"]
      }
    },
    {
      "name": "hostile: a close reason that is not UTF-8 fails the connection",
      "url": "/raw?wait=100&hex=880403e8c328",
      "steps": [["read", 1], ["closed"]],
      "trace": ["connect", "end!ConnectionLost:1006", "closed:1006::false"],
      "events": ["close:1006::false"]
    },
    {
      "name": "an empty close frame is 1005, clean",
      "url": "/raw?wait=100&hex=8800",
      "steps": [["read", 1], ["closed"]],
      "trace": ["connect", "end", "closed:1005::true"],
      "events": ["close:1005::true"]
    },
    {
      "name": "a close code a server may send (1014, bad gateway) arrives exactly as sent, reason included (WebKit fails the connection on 1014, a code it does not know)",
      "url": "/raw?wait=100&hex=880403f66777",
      "steps": [["read", 1], ["closed"]],
      "trace": ["connect", "end", "closed:1014:gw:true"],
      "events": ["close:1014:gw:true"],
      "webkit": {
        "steps": [["read", 1], ["closed"]],
        "trace": ["connect", "end!ConnectionLost:1006", "closed:1006::false"],
        "events": ["close:1006::false"]
      }
    },
    {
      "name": "handshake refused (403): ConnectFailed",
      "url": "/reject?status=403",
      "trace": ["connect!ConnectFailed:1006"]
    },
    {
      "name": "nothing listening: ConnectFailed",
      "url": "dead",
      "trace": ["connect!ConnectFailed:1006"]
    },
    {
      "name": "no handshake answer: ConnectTimeout",
      "url": "/hang",
      "options": {"connectTimeoutMs": 150},
      "trace": ["connect!ConnectTimeout"]
    },
    {
      "name": "close checks the code, then the reason, and leaves the socket open; a 120-byte reason of 4-byte characters arrives intact",
      "url": "/echo",
      "steps": [
        ["close", 1006, ""], ["close", 4000, {"unit": "é", "count": 62}],
        ["close", 4000, {"unit": "🦀", "count": 31}], ["send", "still open"], ["read", 1],
        ["close", 4000, {"unit": "🦀", "count": 30}]
      ],
      "trace": [
        "connect", "close!InvalidCloseCode:1006", "close!ReasonTooLong:124", "close!ReasonTooLong:124",
        "still open", "closed:4000:🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀:true"
      ],
      "events": ["close:4000:🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀:true"]
    },
    {
      "name": "send after close: Closed",
      "url": "/echo",
      "steps": [["close", 1000, ""], ["send", "late"]],
      "trace": ["connect", "closed:1000::true", "send!Closed"],
      "events": ["close:1000::true"]
    },
    {
      "name": "receive overflow: the messages that fit, then ReceiveOverflow; closed 4009",
      "url": "/burst?n=1000",
      "options": {"maxBufferedBytes": 1000},
      "steps": [["sleep", 500], ["drain"], ["closed"]],
      "trace": ["connect", "drained:370", "end!ReceiveOverflow:1000", "closed:4009:receive buffer full:true"],
      "events": ["close:4009:receive buffer full:true"]
    },
    {
      "name": "receive limit: text counts in UTF-8 bytes (5 of 6 twenty-byte messages of é fit in 100)",
      "url": "/echo",
      "options": {"maxBufferedBytes": 100},
      "steps": [
        ["send", {"unit": "é", "count": 10}], ["send", {"unit": "é", "count": 10}], ["send", {"unit": "é", "count": 10}],
        ["send", {"unit": "é", "count": 10}], ["send", {"unit": "é", "count": 10}], ["send", {"unit": "é", "count": 10}],
        ["sleep", 300], ["drain"], ["closed"]
      ],
      "trace": ["connect", "drained:5", "end!ReceiveOverflow:100", "closed:4009:receive buffer full:true"],
      "events": ["close:4009:receive buffer full:true"]
    },
    {
      "name": "receive limit: a message handed at once to a waiting reader counts for nothing; one that waits does",
      "url": "/echo",
      "options": {"maxBufferedBytes": 30},
      "steps": [["trySend", "twenty bytes, twenty"], ["read", 1], ["send", "twenty bytes, again!"], ["send", "twenty bytes, again!"], ["sleep", 300], ["drain"], ["closed"]],
      "trace": ["connect", "twenty bytes, twenty", "drained:1", "end!ReceiveOverflow:30", "closed:4009:receive buffer full:true"],
      "events": ["close:4009:receive buffer full:true"]
    },
    {
      "name": "receive limit: no one message may be larger, even handed at once to a waiting reader",
      "url": "/echo",
      "options": {"maxBufferedBytes": 10},
      "steps": [["trySend", "twenty bytes, twenty"], ["read", 1], ["closed"]],
      "trace": ["connect", "end!ReceiveOverflow:10", "closed:4009:receive buffer full:true"],
      "events": ["close:4009:receive buffer full:true"]
    },
    {
      "name": "receive limit on a reconnecting socket: the same rule, then the socket stops",
      "url": "/echo",
      "options": {"maxBufferedBytes": 30, "reconnect": {"minDelayMs": 20, "maxDelayMs": 20}},
      "steps": [["trySend", "twenty bytes, twenty"], ["read", 1], ["send", "twenty bytes, again!"], ["send", "twenty bytes, again!"], ["sleep", 300], ["drain"]],
      "trace": ["connect", "twenty bytes, twenty", "drained:1", "end!ReceiveOverflow:30"],
      "events": ["disconnect:4009:receive buffer full:true:0+3/60", "close:4009:receive buffer full:true"]
    },
    {
      "name": "close() on an open reconnecting socket hands every queued message over first (the server closes with 4000 at the fifth, before it reads our close frame)",
      "url": "/close?after=5&code=4000&reason=five",
      "options": {"highWaterMark": 1, "reconnect": {"minDelayMs": 20, "maxDelayMs": 20}},
      "steps": [["send", "1"], ["send", "2"], ["send", "3"], ["send", "4"], ["send", "5"], ["close", 1000, "bye"]],
      "trace": ["connect", "closed:4000:five:true"],
      "events": ["close:4000:five:true"]
    },
    {
      "name": "reconnect: a lost connection is reported with what was in flight, a message sent while down arrives",
      "url": ["/drop?after=2", "/echo"],
      "options": {"reconnect": {"minDelayMs": 20, "maxDelayMs": 20}},
      "steps": [
        ["send", "a"], ["send", "b"], ["read", 2], ["wait", "disconnect", 1], ["send", "c"], ["read", 1],
        ["close", 1000, "done"]
      ],
      "trace": ["connect", "a", "b", "c", "closed:1000:done:true"],
      "events": ["disconnect:1006::false:0+2/2", "reconnect:1:20", "open", "close:1000:done:true"]
    },
    {
      "name": "reconnect: a server's clean close (4000) is a lost connection too",
      "url": ["/close?after=1&code=4000&reason=bye", "/echo"],
      "options": {"reconnect": {"minDelayMs": 20, "maxDelayMs": 20}},
      "steps": [["send", "a"], ["read", 1], ["wait", "open", 1], ["send", "b"], ["read", 1], ["close", 1000, ""]],
      "trace": ["connect", "a", "b", "closed:1000::true"],
      "events": ["disconnect:4000:bye:true:0+1/1", "reconnect:1:20", "open", "close:1000::true"]
    },
    {
      "name": "reconnect: refused for good gives RetriesExhausted with the attempts made",
      "url": "dead",
      "options": {"reconnect": {"minDelayMs": 5, "maxDelayMs": 5, "maxRetries": 2}},
      "trace": ["connect!RetriesExhausted:2"]
    },
    {
      "name": "reconnect: a URL provider that fails is a failed attempt, retried",
      "url": ["throw", "throw", "/echo"],
      "options": {"reconnect": {"minDelayMs": 5, "maxDelayMs": 5}},
      "steps": [["send", "up"], ["read", 1], ["close", 1000, ""]],
      "trace": ["connect", "up", "closed:1000::true"],
      "events": ["close:1000::true"]
    },
    {
      "name": "reconnect(): an open connection is replaced at once (1000, reconnect)",
      "url": "/echo",
      "options": {"reconnect": {"minDelayMs": 60000, "maxDelayMs": 60000}},
      "steps": [["send", "a"], ["read", 1], ["reconnect"], ["wait", "open", 1], ["send", "b"], ["read", 1], ["close", 1000, ""]],
      "trace": ["connect", "a", "b", "closed:1000::true"],
      "events": ["disconnect:1000:reconnect:true:0+1/1", "open", "close:1000::true"]
    },
    {
      "name": "heartbeat: a stalled server is declared dead (4000, heartbeat timeout); close() while waiting",
      "url": "/stall",
      "options": {"heartbeat": {"intervalMs": 100, "timeoutMs": 150}, "reconnect": {"minDelayMs": 60000, "maxDelayMs": 60000}},
      "steps": [["wait", "reconnect", 1], ["close", 4000, "bye"]],
      "trace": ["connect", "closed:4000:bye:true"],
      "events": ["disconnect:4000:heartbeat timeout:false:0+0/0", "reconnect:1:60000", "close:4000:bye:true"]
    },
    {
      "name": "idle timeout with the application's close code",
      "url": "/stall",
      "options": {"idleTimeoutMs": 150, "idleTimeoutCode": 4101, "reconnect": {"minDelayMs": 60000, "maxDelayMs": 60000}},
      "steps": [["wait", "reconnect", 1], ["close", 1000, ""]],
      "trace": ["connect", "closed:1000::true"],
      "events": ["disconnect:4101:idle timeout:false:0+0/0", "reconnect:1:60000", "close:1000::true"]
    },
    {
      "name": "close() twice at once: the first decides, reason included (a second changes nothing)",
      "url": "/echo",
      "options": {"reconnect": {"minDelayMs": 20, "maxDelayMs": 20}},
      "steps": [["send", "a"], ["read", 1], ["closeTwice", 1000, "", 4000, "second"]],
      "trace": ["connect", "a", "closed:1000::true", "closed:1000::true"],
      "events": ["close:1000::true"]
    },
    {
      "name": "after the socket stopped (close() during the backoff), send fails with Closed",
      "url": "/drop?after=1",
      "options": {"reconnect": {"minDelayMs": 60000, "maxDelayMs": 60000}},
      "steps": [["send", "x"], ["read", 1], ["wait", "reconnect", 1], ["send", "queued"], ["close", 1000, ""], ["send", "late"]],
      "trace": ["connect", "x", "closed:1000::true", "send!Closed"],
      "events": ["disconnect:1006::false:0+1/1", "reconnect:1:60000", "close:1000::true"]
    },
    {
      "name": "a message the socket refuses (CLOSING: the server's close under way) was never in flight: it goes out on the next connection, in order (WebKit keeps the socket OPEN until the TCP connection ends: the message is handed over, lost, and reported in flight)",
      "url": ["/close?after=1&code=4000&reason=bye&linger=400", "/echo"],
      "options": {"reconnect": {"minDelayMs": 20, "maxDelayMs": 20}},
      "steps": [["send", "a"], ["read", 1], ["sleep", 100], ["trySend", "b"], ["read", 1], ["close", 1000, ""]],
      "trace": ["connect", "a", "b", "closed:1000::true"],
      "events": ["disconnect:4000:bye:true:0+1/1", "reconnect:1:20", "open", "close:1000::true"],
      "webkit": {
        "steps": [["send", "a"], ["read", 1], ["sleep", 100], ["trySend", "b"], ["wait", "open", 1], ["close", 1000, ""]],
        "trace": ["connect", "a", "closed:1000::true"],
        "events": ["disconnect:4000:bye:true:0+2/2", "reconnect:1:20", "open", "close:1000::true"]
      }
    },
    {
      "name": "reconnect() after the socket gave up keeps what it heard meanwhile: offline, it waits for online",
      "url": "/close?after=1&code=1000&reason=done",
      "needs": "network events",
      "options": {"reconnect": {"minDelayMs": 20, "maxDelayMs": 20}},
      "steps": [
        ["send", "a"], ["read", 1], ["wait", "close", 1], ["network", "offline"], ["reconnect"], ["sleep", 300],
        ["count", "open"], ["network", "online"], ["wait", "open", 1], ["count", "open"], ["close", 1000, ""]
      ],
      "trace": ["connect", "a", "open:0", "open:1", "closed:1000::true"],
      "events": ["disconnect:1000:done:true:0+1/1", "close:1000:done:true", "open", "close:1000::true"]
    },
    {
      "name": "queue full while disconnected: QueueFull, nothing dropped silently",
      "url": "/drop?after=1",
      "options": {"reconnect": {"minDelayMs": 60000, "maxDelayMs": 60000, "queueLimit": 2}},
      "steps": [["send", "x"], ["read", 1], ["wait", "reconnect", 1], ["send", "a"], ["send", "b"], ["send", "c"], ["close", 1000, ""]],
      "trace": ["connect", "x", "send!QueueFull:2", "closed:1000::true"],
      "events": ["disconnect:1006::false:0+1/1", "reconnect:1:60000", "close:1000::true"]
    }
  ]
};
