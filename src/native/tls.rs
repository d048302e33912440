//! `wss://` natively: rustls with the ring provider (named explicitly, so an app that also
//! links aws-lc-rs cannot make rustls's default provider ambiguous), trusting the platform's
//! root certificates and the Mozilla roots of webpki-roots, as a browser trusts its own store.

use std::sync::{Arc, OnceLock};

use rustls::{ClientConfig, RootCertStore};

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
