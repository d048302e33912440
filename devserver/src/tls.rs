//! `wss://` and `https://`: a throwaway certificate authority and a `localhost` / `127.0.0.1`
//! certificate it signs, made in memory at every start (rcgen), served with rustls. A second
//! certificate from the same CA names only a host no client asks for: served on its own port,
//! it is the "wrong host" fault (trusted issuer, wrong name).
//!
//! Nothing to manage: the keys never touch the disk. Browsers are told to accept the
//! certificate by the test scripts (a flag for Chromium, `acceptInsecureCerts` for Firefox and
//! WebKit, or the CA itself, written with `--ca-out`, for a trust store).

use std::io;
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// The names the certificate is valid for: loopback only.
const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// The one name of the wrong-host certificate (`.invalid` never resolves: RFC 6761).
const WRONG_NAME: &str = "sockwave.invalid";

/// A TLS acceptor for the dev server's certificate; cheap to clone.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
    /// The CA certificate, PEM: what a trust store needs to accept the server.
    pub ca_pem: Arc<str>,
}

impl Tls {
    /// Makes a new CA and two server certificates signed by it: the server's, and the
    /// wrong-host one.
    pub fn generate() -> Result<(Tls, Tls), String> {
        let err = |e: rcgen::Error| format!("certificate: {e}");
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "sockwave dev server CA (throwaway)");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate().map_err(err)?;
        let ca_cert = ca.self_signed(&ca_key).map_err(err)?;
        let ca_pem: Arc<str> = ca_cert.pem().into();

        let serve = |names: &[&str]| -> Result<Tls, String> {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            let mut leaf = CertificateParams::new(names.clone()).map_err(err)?;
            leaf.distinguished_name.push(DnType::CommonName, &names[0]);
            leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            leaf.use_authority_key_identifier_extension = true;
            let leaf_key = KeyPair::generate().map_err(err)?;
            let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key).map_err(err)?;
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("tls: {e}"))?
                .with_no_client_auth()
                .with_single_cert(vec![leaf_cert.der().clone(), ca_cert.der().clone()], key)
                .map_err(|e| format!("tls: {e}"))?;
            Ok(Tls {
                acceptor: TlsAcceptor::from(Arc::new(config)),
                ca_pem: Arc::clone(&ca_pem),
            })
        };
        Ok((serve(&NAMES)?, serve(&[WRONG_NAME])?))
    }

    /// The TLS handshake on an accepted connection.
    pub async fn accept(&self, tcp: TcpStream) -> io::Result<TlsStream<TcpStream>> {
        self.acceptor.accept(tcp).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn makes_a_certificate_for_loopback() {
        let (tls, wrong) = Tls::generate().expect("generates");
        assert!(tls.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_eq!(tls.ca_pem, wrong.ca_pem, "one CA signs both");
    }
}
