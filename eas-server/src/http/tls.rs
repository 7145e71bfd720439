//! TLS with rustls (ring provider): from PEM files, or a self-signed certificate for the
//! demo mode.

use std::path::Path;
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The certificate file holds no certificate.
    #[error("no certificate in the PEM input")]
    NoCertificate,
    /// The key file holds no private key.
    #[error("no private key in the PEM input")]
    NoPrivateKey,
    /// The PEM input is malformed.
    #[error("malformed PEM: {0}")]
    Pem(std::io::Error),
    /// rustls rejected the certificate or key.
    #[error("rustls: {0}")]
    Rustls(#[from] rustls::Error),
    /// Certificate generation failed.
    #[error("certificate generation: {0}")]
    Generate(#[from] rcgen::Error),
}

/// A TLS setup: the acceptor, and the certificate in PEM (to hand to clients in demo mode).
#[derive(Clone)]
pub struct TlsSetup {
    /// The rustls server configuration.
    pub config: Arc<ServerConfig>,
    /// The leaf certificate, PEM.
    pub cert_pem: String,
}

impl std::fmt::Debug for TlsSetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsSetup").finish_non_exhaustive()
    }
}

impl TlsSetup {
    /// The acceptor for the serve loop.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.config.clone())
    }

    /// From PEM text: a certificate chain and a private key (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<TlsSetup, TlsError> {
        let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(TlsError::Pem)?;
        if certs.is_empty() {
            return Err(TlsError::NoCertificate);
        }
        let key = rustls_pemfile::private_key(&mut key_pem.as_bytes())
            .map_err(TlsError::Pem)?
            .ok_or(TlsError::NoPrivateKey)?;
        Ok(TlsSetup {
            config: server_config(certs, key)?,
            cert_pem: cert_pem.to_owned(),
        })
    }

    /// From PEM files.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<TlsSetup, TlsError> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|source| TlsError::Io {
                path: p.display().to_string(),
                source,
            })
        };
        TlsSetup::from_pem(&read(cert)?, &read(key)?)
    }

    /// A fresh self-signed certificate for `localhost` and `127.0.0.1` (demo mode).
    pub fn self_signed() -> Result<TlsSetup, TlsError> {
        TlsSetup::self_signed_for(&["localhost".to_owned(), "127.0.0.1".to_owned()])
    }

    /// A fresh self-signed certificate for the given names (DNS names or IP addresses).
    pub fn self_signed_for(names: &[String]) -> Result<TlsSetup, TlsError> {
        let ck = rcgen::generate_simple_self_signed(names.to_vec())?;
        let cert_pem = ck.cert.pem();
        let cert = ck.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
        Ok(TlsSetup {
            config: server_config(vec![cert], key)?,
            cert_pem,
        })
    }
}

/// A fresh self-signed certificate for the given names, as (certificate PEM, private key
/// PEM), for keeping on disk.
pub fn self_signed_pem(names: &[String]) -> Result<(String, String), TlsError> {
    let ck = rcgen::generate_simple_self_signed(names.to_vec())?;
    Ok((ck.cert.pem(), ck.signing_key.serialize_pem()))
}

fn server_config(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
