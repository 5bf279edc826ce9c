//! What `fakedesk ca` prints: where the CA certificate is and how each ecosystem
//! is told to trust it.

use std::path::Path;

/// The instructions for the CA certificate at `cert`.
pub fn trust_instructions(cert: &Path) -> String {
    let p = cert.display();
    format!(
        "fakedesk's CA certificate: {p}

Every https port of `serve --tls` and every host of `serve --proxy-port` presents
a certificate signed by it. Trust it in the process under test:

  # Python: requests, and httpx / aiohttp / urllib (ssl's default context)
  export REQUESTS_CA_BUNDLE={p}
  export SSL_CERT_FILE={p}
  # curl
  export CURL_CA_BUNDLE={p}      # or: curl --cacert {p}
  # Node.js (added to its bundled roots)
  export NODE_EXTRA_CA_CERTS={p}
  # Go (crypto/x509 reads it on Linux)
  export SSL_CERT_FILE={p}
  # Java
  keytool -importcert -noprompt -alias fakedesk -file {p} -keystore fakedesk-truststore.p12 -storepass changeit
  export JAVA_TOOL_OPTIONS=\"-Djavax.net.ssl.trustStore=fakedesk-truststore.p12 -Djavax.net.ssl.trustStorePassword=changeit\"

SSL_CERT_FILE, REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE replace the system's roots:
with the proxy, every host the client reaches is a fake, so that is enough.
`serve` writes this path to its env file as FAKEDESK_CA_CERT.
"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_ecosystem_is_told() {
        let text = trust_instructions(Path::new("ca.pem"));
        for needle in [
            "SSL_CERT_FILE=ca.pem",
            "REQUESTS_CA_BUNDLE=ca.pem",
            "CURL_CA_BUNDLE=ca.pem",
            "NODE_EXTRA_CA_CERTS=ca.pem",
            "keytool -importcert",
        ] {
            assert!(text.contains(needle), "{needle}");
        }
    }
}
