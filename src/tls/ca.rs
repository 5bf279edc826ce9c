//! fakedesk's own certificate authority: created on first use in a directory,
//! reused by later runs, and signing a leaf certificate for each name a client asks
//! for (SNI) so that any hostname the fakes answer to verifies.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls::crypto::aws_lc_rs::sign::any_supported_type;
use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// File name of the CA certificate (PEM) inside the TLS directory.
pub const CA_CERT_FILE: &str = "fakedesk-ca.pem";
/// File name of the CA's private key (PEM, PKCS#8) inside the TLS directory.
pub const CA_KEY_FILE: &str = "fakedesk-ca-key.pem";
/// The CA's common name, as clients show it.
const CA_NAME: &str = "fakedesk local CA";

/// Names the default leaf always covers, besides the vendors' hostnames.
const LOCAL_NAMES: [&str; 4] = ["localhost", "*.localhost", "127.0.0.1", "::1"];

/// Why the CA could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum CaError {
    /// Reading or writing the directory failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A stored file is not a usable key or certificate, or signing failed.
    #[error("{0}")]
    Crypto(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CaError + '_ {
    move |source| CaError::Io {
        path: path.to_owned(),
        source,
    }
}

fn crypto(what: &str) -> impl FnOnce(rcgen::Error) -> CaError + '_ {
    move |e| CaError::Crypto(format!("{what}: {e}"))
}

/// The local CA and the leaves it signed in this process.
pub struct LocalCa {
    cert_path: PathBuf,
    cert_der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
    leaves: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

impl std::fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCa")
            .field("cert_path", &self.cert_path)
            .finish_non_exhaustive()
    }
}

/// The CA's subject and constraints; rebuilt identically when the CA is loaded, so
/// the leaves it signs name the stored certificate as their issuer.
fn ca_params() -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, CA_NAME);
    dn.push(DnType::OrganizationName, "fakedesk");
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    p
}

impl LocalCa {
    /// The CA stored in `dir`, created there (with the directory) when absent.
    pub fn load_or_create(dir: &Path) -> Result<Self, CaError> {
        let cert_path = dir.join(CA_CERT_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        if !cert_path.exists() || !key_path.exists() {
            create(dir, &cert_path, &key_path)?;
        }
        Self::load(&cert_path, &key_path)
    }

    /// The CA stored in `dir`, if there is one (never creates it).
    pub fn existing(dir: &Path) -> Option<Result<Self, CaError>> {
        let cert_path = dir.join(CA_CERT_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        (cert_path.exists() && key_path.exists()).then(|| Self::load(&cert_path, &key_path))
    }

    fn load(cert_path: &Path, key_path: &Path) -> Result<Self, CaError> {
        let key_pem = std::fs::read_to_string(key_path).map_err(io_err(key_path))?;
        let key = KeyPair::from_pem(&key_pem).map_err(crypto("the CA key"))?;
        let cert_pem = std::fs::read(cert_path).map_err(io_err(cert_path))?;
        let cert_der = super::pem_certificates(&cert_pem)
            .map_err(|e| CaError::Crypto(format!("{}: {e}", cert_path.display())))?
            .into_iter()
            .next()
            .ok_or_else(|| {
                CaError::Crypto(format!("{} holds no certificate", cert_path.display()))
            })?;
        Ok(Self {
            cert_path: cert_path.to_owned(),
            cert_der,
            issuer: Issuer::new(ca_params(), key),
            leaves: Mutex::new(HashMap::new()),
        })
    }

    /// Where the CA certificate (PEM) is.
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> &CertificateDer<'static> {
        &self.cert_der
    }

    /// A leaf for `name` (cached): what a proxied `CONNECT name:443` is served.
    pub fn leaf_for(&self, name: &str) -> Result<Arc<CertifiedKey>, CaError> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let mut leaves = self.leaves.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = leaves.get(&name) {
            return Ok(k.clone());
        }
        let key = Arc::new(self.sign_leaf(std::slice::from_ref(&name))?);
        leaves.insert(name, key.clone());
        Ok(key)
    }

    /// One leaf for the local names plus `extra` (the vendors' hostnames): what a
    /// `--tls` port serves to a client that sends no SNI.
    pub fn local_leaf(&self, extra: &[String]) -> Result<CertifiedKey, CaError> {
        let mut names: Vec<String> = LOCAL_NAMES.iter().map(|s| (*s).to_owned()).collect();
        names.extend(extra.iter().cloned());
        self.sign_leaf(&names)
    }

    fn sign_leaf(&self, names: &[String]) -> Result<CertifiedKey, CaError> {
        let mut p = CertificateParams::default();
        p.subject_alt_names = names
            .iter()
            .filter_map(|n| match n.parse::<std::net::IpAddr>() {
                Ok(ip) => Some(SanType::IpAddress(ip)),
                Err(_) => n.clone().try_into().ok().map(SanType::DnsName),
            })
            .collect();
        let mut dn = DistinguishedName::new();
        dn.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_default(),
        );
        p.distinguished_name = dn;
        let now = time::OffsetDateTime::now_utc();
        p.not_before = now - time::Duration::days(1);
        p.not_after = now + time::Duration::days(365);
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().map_err(crypto("a leaf key"))?;
        let cert = p
            .signed_by(&key, &self.issuer)
            .map_err(crypto("a leaf certificate"))?;
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let signer =
            any_supported_type(&der).map_err(|e| CaError::Crypto(format!("a leaf key: {e}")))?;
        Ok(CertifiedKey::new(
            vec![cert.der().clone(), self.cert_der.clone()],
            signer,
        ))
    }
}

fn create(dir: &Path, cert_path: &Path, key_path: &Path) -> Result<(), CaError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let key = KeyPair::generate().map_err(crypto("the CA key"))?;
    let mut params = ca_params();
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(3650);
    let cert = params
        .self_signed(&key)
        .map_err(crypto("the CA certificate"))?;
    write_private(key_path, key.serialize_pem().as_bytes())?;
    std::fs::write(cert_path, cert.pem()).map_err(io_err(cert_path))
}

/// Writes a file only its owner can read (the CA key signs for any hostname).
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CaError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io_err(path))?;
    f.write_all(bytes).map_err(io_err(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("fakedesk-ca-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn the_ca_is_created_once_and_reused() {
        let dir = temp_dir("reuse");
        let first = LocalCa::load_or_create(&dir).unwrap();
        let pem = std::fs::read(dir.join(CA_CERT_FILE)).unwrap();
        let again = LocalCa::load_or_create(&dir).unwrap();
        assert_eq!(std::fs::read(dir.join(CA_CERT_FILE)).unwrap(), pem);
        assert_eq!(first.cert_der(), again.cert_der());
        assert!(LocalCa::existing(&dir).is_some());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(CA_KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "the key is private to its owner");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn leaves_chain_to_the_ca_and_are_cached_per_name() {
        let dir = temp_dir("leaf");
        let ca = LocalCa::load_or_create(&dir).unwrap();
        let a = ca.leaf_for("Acme.zendesk.com.").unwrap();
        let b = ca.leaf_for("acme.zendesk.com").unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.cert.len(), 2);
        assert_eq!(&a.cert[1], ca.cert_der());
        assert!(LocalCa::existing(&temp_dir("none")).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
