//! URLs as sockwave's texts show them: without the secrets a URL may carry. A token in the
//! query (the way browser apps authenticate a WebSocket) or a password in the userinfo must
//! not reach an error's text, a `Debug` or a log line; the host, port and path stay, so the
//! text still says which server and route it was. The npm package's `redactUrl`
//! (js/errors.js) follows the same rule, held to it by the shared fixture
//! (tests/conformance/rules.js, `redactions`).

/// `url` without its userinfo, and with its query and fragment replaced by `?…` / `#…`:
/// `wss://alice:hunter2@host:9/chat?token=x` is shown as `wss://host:9/chat?…`. Text that is
/// no URL at all is cut the same way (the part before an `@` in what would be the authority,
/// everything from the first `?` or `#`).
pub(crate) fn redact_url(url: &str) -> String {
    let (start, host, end) = parts(url);
    let mut shown = String::new();
    shown.push_str(url.get(..start).unwrap_or_default());
    shown.push_str(url.get(host..end).unwrap_or_default());
    if let Some(mark) = url.get(end..).and_then(|cut| cut.chars().next()) {
        shown.push(mark);
        shown.push('…');
    }
    shown
}

/// Where `url`'s parts begin: after the scheme's `://` (0 without one), the host (after the
/// userinfo's `@`), and the query or fragment (the end without one), as byte offsets of ASCII
/// characters (so on character boundaries).
///
/// Written without a string search, an index or a slice that could panic: every browser app
/// links this (through `InvalidUrl`), and a panic path would bring the formatting machinery
/// with it (+6 KB of wasm gzip, measured on the echo app).
fn parts(url: &str) -> (usize, usize, usize) {
    let bytes = url.as_bytes();
    let start = bytes
        .windows(3)
        .position(|w| w == b"://")
        .map_or(0, |i| i + 3);
    let (mut host, mut authority) = (start, true);
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        match b {
            b'@' if authority => host = i + 1,
            b'/' => authority = false,
            b'?' | b'#' => return (start, host, i),
            _ => {}
        }
    }
    (start, host, bytes.len())
}

/// Where `needle` first occurs in `hay`, if it is not empty (a match of UTF-8 text always
/// starts and ends on a character boundary). No panic path (see [`parts`]).
fn find(hay: &str, needle: &str) -> Option<usize> {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    if needle.is_empty() {
        return None;
    }
    let last = hay.len().checked_sub(needle.len())?;
    (0..=last).find(|&i| hay.get(i..i + needle.len()) == Some(needle))
}

/// A reason that may quote `url` (a browser's exception), as [`redact_in`] shows it.
pub(crate) fn redact_reason(reason: &str, url: &str) -> String {
    redact_in(reason, url, &redact_url(url))
}

/// `text` (a message that may quote `url`, such as a browser's exception) with `url` shown as
/// `shown` wherever it appears; `""` if a secret of the URL (its userinfo, query or fragment)
/// would still be in it (quoted in some other form).
pub(crate) fn redact_in(text: &str, url: &str, shown: &str) -> String {
    if url == shown {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = find(rest, url) {
        out.push_str(rest.get(..i).unwrap_or_default());
        out.push_str(shown);
        rest = rest.get(i + url.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    let (start, host, end) = parts(url);
    let userinfo = url
        .get(start..host.saturating_sub(1).max(start))
        .unwrap_or_default();
    let cut = url.get(end..).unwrap_or_default();
    if find(&out, userinfo).is_some() || find(&out, cut).is_some() {
        return String::new();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_go_the_host_port_and_path_stay() {
        let cases = [
            ("ws://127.0.0.1:9998/echo", "ws://127.0.0.1:9998/echo"),
            (
                "wss://alice:hunter2@host:9/chat?token=x",
                "wss://host:9/chat?…",
            ),
            ("wss://a@b@host/", "wss://host/"),
            ("ws://host?token=x", "ws://host?…"),
            ("ws://host/p#frag", "ws://host/p#…"),
            ("ws://host/p/@x?y", "ws://host/p/@x?…"),
            ("user:pw@host/x?q", "host/x?…"),
            ("", ""),
            ("nope", "nope"),
            ("ws://ü:ß@höst/ä?ö", "ws://höst/ä?…"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn a_quoted_url_is_redacted_in_text() {
        let url = "ws://a:b@h/?t=1";
        let shown = redact_url(url);
        assert_eq!(
            redact_in(&format!("The URL '{url}' is invalid."), url, &shown),
            "The URL 'ws://h/?…' is invalid."
        );
        assert_eq!(redact_in("plain", "", ""), "plain");
        // Quoted in another form (normalized by the browser): the message goes.
        assert_eq!(redact_in("bad: WS://a:b@h/?t=1", url, &shown), "");
        assert_eq!(redact_in("no url here", url, &shown), "no url here");
    }
}
