//! The opening request for a URL: checked as browsers check it, with the builder's headers
//! (checked too, before any connection) and the URL's userinfo as Basic authorization, as
//! browsers send it.

use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

use crate::rules::refusal;
use crate::Error;

/// The request for `url`: [`Error::InvalidUrl`] when it is not a `ws://` or `wss://` URL
/// with a host, or has a fragment (as browsers refuse it); [`Error::InvalidHeader`] for a
/// header that is not a valid one. Userinfo (`ws://user:password@host/`) is taken out of the
/// URL and sent as `Authorization: Basic`, percent-decoded, unless `headers` has an
/// `Authorization` of its own (which wins).
pub(crate) fn request(
    url: &str,
    protocols: &[String],
    headers: &[(String, String)],
) -> Result<tungstenite::handshake::client::Request, Error> {
    let invalid = |reason: &str| Error::InvalidUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    if url.contains('#') {
        return Err(invalid("a WebSocket URL may not have a fragment"));
    }
    let (url, userinfo) = split_userinfo(url);
    let mut request = url
        .into_client_request()
        .map_err(|e| invalid(&e.to_string()))?;
    match request.uri().scheme_str() {
        Some("ws" | "wss") => {}
        _ => return Err(invalid("the scheme must be ws or wss")),
    }
    if request.uri().host().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    if !protocols.is_empty() {
        let list = protocols.join(", ");
        let value = list
            .parse()
            .map_err(|_| invalid("subprotocols that are not a header value"))?;
        request
            .headers_mut()
            .insert("sec-websocket-protocol", value);
    }
    for (name, value) in headers {
        let (name, value) = header(name, value)?;
        request.headers_mut().append(name, value);
    }
    if let Some(userinfo) = userinfo {
        let authorization = tungstenite::http::header::AUTHORIZATION;
        if !request.headers().contains_key(&authorization) {
            request.headers_mut().insert(authorization, basic(userinfo));
        }
    }
    Ok(request)
}

/// `url` without its userinfo, and the userinfo (`user:password`, still percent-encoded).
fn split_userinfo(url: &str) -> (String, Option<&str>) {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return (url.to_owned(), None);
    };
    let rest = &url[start..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    match authority.rfind('@') {
        Some(at) => {
            let without = format!("{}{}", &url[..start], &rest[at + 1..]);
            (without, Some(&authority[..at]))
        }
        None => (url.to_owned(), None),
    }
}

/// `Authorization: Basic` for a URL's userinfo: user and password percent-decoded (an
/// absent password is empty), base64 of `user:password`, as browsers send it.
fn basic(userinfo: &str) -> HeaderValue {
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let mut credentials: Vec<u8> = percent_encoding::percent_decode_str(user).collect();
    credentials.push(b':');
    credentials.extend(percent_encoding::percent_decode_str(password));
    let value = format!("Basic {}", data_encoding::BASE64.encode(&credentials));
    // Base64 is visible ASCII: always a valid header value.
    HeaderValue::from_str(&value).unwrap_or(HeaderValue::from_static("Basic"))
}

/// A builder's header, checked: the name an RFC 7230 token, the value visible ASCII, space
/// and tab only. The error names the header, never its value (often a credential).
fn header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), Error> {
    let refused = |reason: &str| Error::InvalidHeader {
        name: name.to_owned(),
        reason: reason.to_owned(),
    };
    if refusal(name.bytes().map(u32::from), false).is_some() {
        return Err(refused("the name is not a token"));
    }
    let visible = |b: u8| b == b'\t' || (b' '..=b'~').contains(&b);
    if !value.bytes().all(visible) {
        return Err(refused(
            "the value may hold only visible ASCII, space and tab (no CR, LF, NUL or non-ASCII)",
        ));
    }
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| refused("the name is not a header name"))?;
    let value =
        HeaderValue::from_str(value).map_err(|_| refused("the value is not a header value"))?;
    Ok((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_becomes_basic_authorization_and_leaves_the_url() {
        let r = request("ws://al%20ice:p%3Aw@127.0.0.1:9/x?y", &[], &[]).unwrap();
        assert_eq!(r.uri().to_string(), "ws://127.0.0.1:9/x?y");
        // "al ice:p:w"
        assert_eq!(r.headers()["authorization"], "Basic YWwgaWNlOnA6dw==");
        let only_user = request("ws://bob@h/", &[], &[]).unwrap();
        assert_eq!(only_user.headers()["authorization"], "Basic Ym9iOg==");
        let given = [("Authorization".to_owned(), "Bearer t".to_owned())];
        let r = request("ws://a:b@h/", &[], &given).unwrap();
        assert_eq!(r.headers()["authorization"], "Bearer t");
        assert_eq!(r.headers().get_all("authorization").iter().count(), 1);
        assert!(request("ws://h/", &[], &[])
            .unwrap()
            .headers()
            .get("authorization")
            .is_none());
    }

    #[test]
    fn a_bad_header_is_refused_by_name_never_showing_its_value() {
        for (name, value) in [
            ("Authorization", "Bearer sécret"),
            ("Authorization", "a\r\nX-Evil: 1"),
            ("Authorization", "nul\0"),
            ("Bad Name", "SECRET-1"),
            ("", "SECRET-2"),
        ] {
            let headers = [(name.to_owned(), value.to_owned())];
            let e = request("ws://h/", &[], &headers).unwrap_err();
            assert_eq!(e.name(), "InvalidHeader", "{name:?}");
            for text in [e.to_string(), format!("{e:?}")] {
                assert!(!text.contains(value), "{text}");
            }
        }
        let ok = [("X-Token".to_owned(), "a b\tc~".to_owned())];
        assert!(request("ws://h/", &[], &ok).is_ok());
    }

    #[test]
    fn an_invalid_url_is_shown_without_its_secrets() {
        let e = request("ftp://alice:hunter2@h/p?token=SECRET", &[], &[]).unwrap_err();
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(
                !text.contains("hunter2") && !text.contains("SECRET"),
                "{text}"
            );
            assert!(text.contains("ftp://h/p?…"), "{text}");
        }
    }
}
