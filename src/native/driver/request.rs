//! The opening request for a URL: checked as browsers check it.

use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

/// The request for `url`: [`Error::InvalidUrl`](crate::Error::InvalidUrl) when it is not a
/// `ws://` or `wss://` URL with a host, or has a fragment (as browsers refuse it).
pub(crate) fn request(
    url: &str,
    protocols: &[String],
) -> Result<tungstenite::handshake::client::Request, crate::Error> {
    let invalid = |reason: &str| crate::Error::InvalidUrl {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    if url.contains('#') {
        return Err(invalid("a WebSocket URL may not have a fragment"));
    }
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
    Ok(request)
}
