//! TLS failures in the words a person fixing them needs.

use rustls::{AlertDescription, CertificateError, Error as TlsError};

/// The rustls error somewhere in `e`'s source chain, in plain words, or `None`
/// when the failure is not about TLS.
pub fn describe(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<TlsError>() {
            return Some(name(t));
        }
        // `io::Error::source` skips the error it wraps (which may be another
        // `io::Error`): step into it directly.
        cur = match err.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

fn name(e: &TlsError) -> String {
    match e {
        TlsError::InvalidCertificate(c) => certificate(c),
        TlsError::AlertReceived(a) => format!(
            "TLS handshake failed: the server refused it ({})",
            alert(*a)
        ),
        TlsError::InvalidMessage(_) | TlsError::InappropriateMessage { .. } => {
            "TLS handshake failed: the server did not answer in TLS (is it plain http? use an http:// URL)".to_owned()
        }
        TlsError::NoApplicationProtocol | TlsError::PeerIncompatible(_) => {
            format!("TLS handshake failed: no protocol or cipher in common with the server ({e})")
        }
        other => format!("TLS handshake failed: {other}"),
    }
}

fn certificate(c: &CertificateError) -> String {
    const FIX: &str = "trust its CA with --ca-cert FILE (PEM)";
    match c {
        CertificateError::UnknownIssuer => format!(
            "TLS: unknown issuer: the server's certificate is not signed by a trusted CA; {FIX}"
        ),
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            format!(
                "TLS: name mismatch: the server's certificate is not valid for this host ({c:?})"
            )
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            format!("TLS: expired: the server's certificate has expired ({c:?})")
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            format!("TLS: not yet valid: the server's certificate starts later ({c:?})")
        }
        CertificateError::Revoked => "TLS: revoked: the server's certificate is revoked".to_owned(),
        CertificateError::BadSignature | CertificateError::BadEncoding => {
            format!("TLS: bad certificate: it does not verify ({c:?})")
        }
        other => format!("TLS: the server's certificate was refused ({other:?}); {FIX}"),
    }
}

fn alert(a: AlertDescription) -> String {
    format!("{a:?}").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_failures_are_named() {
        // As hyper-rustls reports it: an io::Error inside an io::Error.
        let wrap = |c| {
            std::io::Error::other(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                TlsError::InvalidCertificate(c),
            ))
        };
        let unknown = wrap(CertificateError::UnknownIssuer);
        assert!(describe(&unknown).unwrap().contains("unknown issuer"));
        let name = wrap(CertificateError::NotValidForName);
        assert!(describe(&name).unwrap().contains("name mismatch"));
        let old = wrap(CertificateError::Expired);
        assert!(describe(&old).unwrap().contains("expired"));
        let plain = std::io::Error::other(TlsError::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType,
        ));
        assert!(describe(&plain).unwrap().contains("handshake failed"));
        assert_eq!(describe(&std::io::Error::other("refused")), None);
    }
}
