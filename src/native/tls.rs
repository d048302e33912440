//! `wss://` natively: rustls with the ring provider (named explicitly, so an app that also
//! links aws-lc-rs cannot make rustls's default provider ambiguous), trusting the platform's
//! root certificates and the Mozilla roots of webpki-roots, as a browser trusts its own store.

use std::io;
use std::sync::{Arc, OnceLock};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use tokio_tungstenite::tungstenite;

use super::transport::Io;

/// TLS over `stream` to `host` (a name, or an IP address without brackets), with
/// [`client_config`]; the errors as tokio-tungstenite gives them.
pub(crate) async fn connect(host: &str, stream: Box<dyn Io>) -> tungstenite::Result<Box<dyn Io>> {
    let invalid =
        |why: &str| tungstenite::Error::Io(io::Error::new(io::ErrorKind::InvalidInput, why));
    let config = client_config().ok_or_else(|| invalid("no TLS configuration"))?;
    let name = ServerName::try_from(host.to_owned()).map_err(|_| invalid("invalid DNS name"))?;
    let tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, stream)
        .await
        .map_err(tungstenite::Error::Io)?;
    Ok(Box::new(tls))
}

/// The client configuration every socket shares, made on first use; `None` if rustls refused
/// it (it does not with ring's defaults: then every `wss://` attempt fails, saying so).
pub(crate) fn client_config() -> Option<Arc<ClientConfig>> {
    static CONFIG: OnceLock<Option<Arc<ClientConfig>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = RootCertStore::empty();
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            // Certificates the platform's store holds that rustls cannot parse are skipped, as
            // a store that cannot be read at all is: the Mozilla roots remain.
            let (_added, _skipped) =
                roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .ok()?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Some(Arc::new(config))
        })
        .clone()
}
