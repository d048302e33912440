//! The browser WebSocket's own rules, which every face follows: which close codes and reasons
//! a client may send, when an `error` event ends a socket, how often a sender waiting for
//! `bufferedAmount` to drain looks again.

/// The longest close reason a client may send, in UTF-8 bytes (a control frame's 125-byte
/// payload minus the 2-byte code).
pub const MAX_REASON_BYTES: usize = 123;

/// Whether a browser client may send this close code: 1000, or 3000..=4999 (the WebSocket API
/// throws `InvalidAccessError` for anything else).
// Out of line: one copy in the npm package's .wasm, not one per caller.
#[inline(never)]
pub fn sendable_close_code(code: u16) -> bool {
    code == 1000 || (3000..=4999).contains(&code)
}

/// Why a close request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseProblem {
    /// The code is not 1000 or 3000..=4999.
    Code = 1,
    /// The reason is longer than [`MAX_REASON_BYTES`] in UTF-8.
    Reason = 2,
}

/// Whether a client may close with `code` and a reason of `reason_bytes` UTF-8 bytes.
pub fn check_close(code: u16, reason_bytes: usize) -> Result<(), CloseProblem> {
    if !sendable_close_code(code) {
        Err(CloseProblem::Code)
    } else if reason_bytes > MAX_REASON_BYTES {
        Err(CloseProblem::Reason)
    } else {
        Ok(())
    }
}

/// Whether the browser's `error` event ends a socket whose `readyState` is `ready_state`.
///
/// The standard fires `error` only when the browser fails the connection, with `readyState`
/// already CLOSED, and `close` (1006, unclean) in the same task; Chromium and Firefox do.
/// WebKit sometimes fires `error` and never `close` (a port it blocks: still CONNECTING; a
/// socket past its connection cap: CLOSED), so waiting for `close` hangs. So an `error` on a
/// CONNECTING (0) or CLOSED (3) socket ends it as the standard defines it, 1006 unclean
/// ([`Close::abnormal`]), the same in every engine; one on an OPEN or CLOSING socket does not.
#[cfg_attr(not(target_family = "wasm"), allow(dead_code))] // the browser shells'
pub fn error_ends_socket(ready_state: u16) -> bool {
    ready_state == 0 || ready_state == 3
}

/// Whether a peer may send close code `code` (RFC 6455 7.4: 1000-1003, 1007-1014, and
/// 3000-4999 for libraries and applications). A close frame with any other code fails the
/// connection (natively: `native/driver.rs`, which sees the code as sent).
pub fn receivable_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Whether a close a browser reports with `code` stands as it is: a code a peer may send, or
/// one the browser reports itself (1005: no code; 1006: abnormal; 1015: TLS). Chromium
/// passes a close frame with 1004 or a code of 5000 and up on as a clean close; the browser
/// shells end such a close as the standard fails the connection: 1006, unclean, no reason.
#[cfg_attr(not(target_family = "wasm"), allow(dead_code))] // the browser shells'
pub fn close_stands(code: u16) -> bool {
    receivable_close_code(code) || matches!(code, 1005 | 1006 | 1015)
}

/// How long a shell waits, in ms, before it reads `bufferedAmount` again while a sender waits
/// for the buffer to drain (the browser fires no drain event), after waiting `prev` ms last
/// time (0 for the first wait): 1, 2, 4, then 8 ms while it lasts. Both shells poll on it
/// (`src/sink.rs`, `js/link.js` `SendBudget`).
#[cfg_attr(not(target_family = "wasm"), allow(dead_code))] // the browser shells'
pub fn drain_poll_delay(prev: u32) -> u32 {
    match prev {
        0 => 1,
        1..4 => prev * 2,
        _ => 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::Reason;

    #[test]
    fn drain_polls_back_off_from_1_to_8_ms() {
        let mut delays = vec![];
        let mut d = 0;
        for _ in 0..6 {
            d = drain_poll_delay(d);
            delays.push(d);
        }
        assert_eq!(delays, [1, 2, 4, 8, 8, 8]);
        assert_eq!(drain_poll_delay(u32::MAX), 8);
    }

    #[test]
    fn close_rules() {
        for ok in [1000, 3000, 3999, 4000, 4999] {
            assert!(sendable_close_code(ok), "{ok}");
        }
        for bad in [0, 999, 1001, 1005, 1006, 1015, 2999, 5000, 65535] {
            assert!(!sendable_close_code(bad), "{bad}");
        }
        assert_eq!(check_close(4000, 123), Ok(()));
        assert_eq!(check_close(4000, 124), Err(CloseProblem::Reason));
        assert_eq!(check_close(1005, 0), Err(CloseProblem::Code));
    }

    #[test]
    fn an_error_ends_a_connecting_or_closed_socket_only() {
        let ends: Vec<bool> = (0..4).map(error_ends_socket).collect();
        assert_eq!(ends, [true, false, false, true]);
    }

    #[test]
    fn reasons_round_trip() {
        for n in 0..10 {
            assert_eq!(Reason::from_u8(n).map(|r| r as u8), Some(n));
        }
        assert_eq!(Reason::from_u8(10), None);
    }

    #[test]
    fn close_codes_a_peer_may_send_and_what_a_browser_reports_itself() {
        for code in [1000, 1003, 1007, 1014, 3000, 4999] {
            assert!(receivable_close_code(code) && close_stands(code), "{code}");
        }
        for code in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            assert!(!receivable_close_code(code), "{code}");
        }
        for code in [1005, 1006, 1015] {
            assert!(close_stands(code), "{code}");
        }
        for code in [999, 1004, 2999, 5000] {
            assert!(!close_stands(code), "{code}");
        }
    }
}
