//! TLS both ways, with rustls only.
//!
//! - [`Trust`]: what outbound https (deliveries, pulls, `check-endpoint`, `fuzz`)
//!   trusts: the system's roots, fakedesk's own CA and `--ca-cert` files.
//! - [`ca::LocalCa`]: the CA created on first use in the TLS directory.
//! - [`accept`]: a listener wrapper that hands the serving code TLS streams.
//! - [`describe`]: TLS failures in plain words (unknown issuer, name mismatch,
//!   expired, handshake).

pub mod accept;
pub mod ca;
mod describe;
mod howto;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::crypto::aws_lc_rs;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

pub use describe::describe;
pub use howto::trust_instructions;

/// The default TLS directory: `$XDG_DATA_HOME/fakedesk`, else
/// `~/.local/share/fakedesk` (the platform's data directory elsewhere), else
/// `.fakedesk` in the working directory.
pub fn default_dir() -> PathBuf {
    dirs::data_dir()
        .map(|d| d.join("fakedesk"))
        .unwrap_or_else(|| PathBuf::from(".fakedesk"))
}

/// Every certificate in a PEM file's bytes.
pub fn pem_certificates(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not PEM certificates ({e})"))?;
    if certs.is_empty() {
        return Err("holds no PEM certificate (-----BEGIN CERTIFICATE-----)".to_owned());
    }
    Ok(certs)
}

/// The system's trusted roots, read once per process (`SSL_CERT_FILE` and
/// `SSL_CERT_DIR` are honoured, else the distribution's bundle).
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::debug!("system root certificates: {e}");
        }
        found.certs
    })
}

/// What outbound https trusts beyond the system roots.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    extra: Vec<CertificateDer<'static>>,
}

impl Trust {
    /// The system roots plus every certificate in the PEM `files` (`--ca-cert`).
    pub fn with_files(files: &[PathBuf]) -> Result<Self, String> {
        let mut trust = Self::default();
        for f in files {
            trust.add_file(f)?;
        }
        Ok(trust)
    }

    /// What a run trusts: the system roots, every `--ca-cert` file, and the local CA
    /// in `dir` (`ca` when the run already holds it, else the stored one if any).
    pub fn for_run(
        files: &[PathBuf],
        dir: &Path,
        ca: Option<&ca::LocalCa>,
    ) -> Result<Self, String> {
        let mut trust = Self::with_files(files)?;
        match ca {
            Some(ca) => trust.add(ca.cert_der().clone()),
            None => match ca::LocalCa::existing(dir) {
                Some(Ok(ca)) => trust.add(ca.cert_der().clone()),
                Some(Err(e)) => tracing::warn!("fakedesk's CA is not trusted: {e}"),
                None => {}
            },
        }
        Ok(trust)
    }

    /// Adds every certificate of a PEM file.
    pub fn add_file(&mut self, path: &Path) -> Result<(), String> {
        let bytes = std::fs::read(path)
            .map_err(|e| format!("--ca-cert {}: cannot read it: {e}", path.display()))?;
        let certs =
            pem_certificates(&bytes).map_err(|e| format!("--ca-cert {}: {e}", path.display()))?;
        self.extra.extend(certs);
        Ok(())
    }

    /// Adds one certificate (fakedesk's own CA).
    pub fn add(&mut self, cert: CertificateDer<'static>) {
        self.extra.push(cert);
    }

    /// A rustls client configuration trusting all of it, speaking HTTP/1.1.
    pub fn client_config(&self) -> rustls::ClientConfig {
        let mut roots = rustls::RootCertStore::empty();
        let (_added, _ignored) = roots.add_parsable_certificates(system_roots().iter().cloned());
        for c in &self.extra {
            if let Err(e) = roots.add(c.clone()) {
                tracing::warn!("a trusted certificate was refused: {e}");
            }
        }
        let mut config =
            rustls::ClientConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("the provider supports the default versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config
    }
}

/// One TLS handshake with `host` at `addr`, trusting `trust`: Ok, or the failure
/// in plain words.
pub async fn handshake(
    host: &str,
    addr: std::net::SocketAddr,
    trust: &Trust,
    timeout: std::time::Duration,
) -> Result<(), String> {
    let name = rustls_pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| format!("`{host}` cannot be checked over TLS: {e}"))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(trust.client_config()));
    let attempt = async {
        let tcp = tokio::net::TcpStream::connect(addr).await?;
        connector.connect(name, tcp).await
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(describe(&e).unwrap_or_else(|| format!("TLS handshake failed: {e}"))),
        Err(_) => Err("the TLS handshake timed out".to_owned()),
    }
}

/// A server configuration whose certificate comes from `resolver`, speaking HTTP/1.1.
pub fn server_config(
    resolver: Arc<dyn rustls::server::ResolvesServerCert>,
) -> Arc<rustls::ServerConfig> {
    let mut config =
        rustls::ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("the provider supports the default versions")
            .with_no_client_auth()
            .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Serves a leaf for the name the client asked for (SNI), signed by the local CA;
/// without SNI (a client connecting to an IP address), `fallback`.
#[derive(Debug)]
pub struct LeafResolver {
    ca: Arc<ca::LocalCa>,
    fallback: Option<Arc<rustls::sign::CertifiedKey>>,
}

impl LeafResolver {
    /// A resolver signing with `ca`, serving `fallback` when there is no SNI.
    pub fn new(ca: Arc<ca::LocalCa>, fallback: Option<Arc<rustls::sign::CertifiedKey>>) -> Self {
        Self { ca, fallback }
    }

    /// The leaf for `name` (no SNI: the fallback).
    pub fn leaf(&self, name: Option<&str>) -> Option<Arc<rustls::sign::CertifiedKey>> {
        match name {
            Some(n) => match self.ca.leaf_for(n) {
                Ok(k) => Some(k),
                Err(e) => {
                    tracing::warn!("cannot sign a certificate for {n}: {e}");
                    None
                }
            },
            None => self.fallback.clone(),
        }
    }
}

impl rustls::server::ResolvesServerCert for LeafResolver {
    fn resolve(
        &self,
        hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.leaf(hello.server_name())
    }
}
