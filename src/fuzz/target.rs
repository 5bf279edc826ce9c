//! What can be fuzzed: every payload a fake vendor sends, as the vendors register
//! them, with the vendor's own request around it (method, headers, signature
//! computed over the exact bytes).

use std::path::Path;

pub use super::payload::{BadKey, BodySigner, Envelope, KeyKind, Keys, Scheme, Target};
use crate::vendors::{REGISTRY, Registration};

/// Every payload fakedesk can fuzz with, in registry order: `for t in TARGETS`.
pub const TARGETS: Targets = Targets;

/// The registered payloads (see [`TARGETS`]).
#[derive(Debug, Clone, Copy)]
pub struct Targets;

/// An iterator over the registered payloads.
pub type TargetIter = std::iter::FlatMap<
    std::slice::Iter<'static, Registration>,
    std::slice::Iter<'static, Target>,
    fn(&'static Registration) -> std::slice::Iter<'static, Target>,
>;

impl Targets {
    /// Every registered payload, in registry order.
    pub fn iter(self) -> TargetIter {
        fn payloads(r: &'static Registration) -> std::slice::Iter<'static, Target> {
            r.fuzz.iter()
        }
        REGISTRY
            .iter()
            .flat_map(payloads as fn(&'static Registration) -> _)
    }
}

impl IntoIterator for Targets {
    type Item = &'static Target;
    type IntoIter = TargetIter;
    fn into_iter(self) -> TargetIter {
        self.iter()
    }
}

/// A payload name that is not registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown payload `{name}`{hint}; one of: {names}")]
pub struct UnknownPayload {
    name: String,
    hint: String,
    names: String,
}

/// The target named `name`, or an error naming the closest one.
pub fn find(name: &str) -> Result<&'static Target, UnknownPayload> {
    if let Some(t) = TARGETS.iter().find(|t| t.name == name) {
        return Ok(t);
    }
    let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
    let hint = crate::matching::names::did_you_mean(name, names.iter().copied())
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    Err(UnknownPayload {
        name: name.to_owned(),
        hint,
        names: names.join(", "),
    })
}

/// Every kind of private key the registered schemes sign with, once each.
pub fn key_kinds() -> Vec<&'static KeyKind> {
    let mut kinds: Vec<&'static KeyKind> = Vec::new();
    for k in TARGETS.iter().filter_map(|t| t.scheme.key) {
        if !kinds.iter().any(|seen| std::ptr::eq(*seen, k)) {
            kinds.push(k);
        }
    }
    kinds
}

/// The key fuzzing signs with unless given another: the bundled test key of the
/// first registered scheme that signs with a private key, so a receiver can be
/// configured with its public key ([`test_public_key_pem`]) once.
///
/// # Panics
/// When no registered payload is signed with a private key.
pub fn test_key() -> &'static dyn BodySigner {
    let kind = key_kinds()
        .into_iter()
        .next()
        .expect("a registered payload is signed with a private key");
    (kind.bundled)()
}

/// The public half of [`test_key`], PEM.
pub fn test_public_key_pem() -> String {
    test_key().public_pem()
}

/// Why a private key file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file holds no key the scheme can sign with.
    #[error("{path}: {source}")]
    NotAKey {
        /// The file.
        path: String,
        /// Why.
        source: BadKey,
    },
}

/// The keys for `target`: `secret`, and the private key in the PEM file at
/// `private_key`, read as the target's scheme reads keys (as the first registered
/// scheme with keys does, for a target signed without one, so a bad file is an
/// error either way).
pub fn keys(
    target: &Target,
    secret: Option<String>,
    private_key: Option<&Path>,
) -> Result<Keys, KeyFileError> {
    let private_key = match (
        private_key,
        target.scheme.key.or(key_kinds().first().copied()),
    ) {
        (Some(path), Some(kind)) => {
            let pem = std::fs::read_to_string(path).map_err(|source| KeyFileError::Unreadable {
                path: path.display().to_string(),
                source,
            })?;
            Some((kind.parse)(&pem).map_err(|source| KeyFileError::NotAKey {
                path: path.display().to_string(),
                source,
            })?)
        }
        _ => None,
    };
    Ok(Keys {
        secret,
        private_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_payload_is_named_after_the_vendor_that_registers_it_and_once() {
        let mut seen = std::collections::BTreeSet::new();
        for r in REGISTRY {
            for t in r.fuzz {
                assert_eq!(t.vendor(), r.name, "{} registered by {}", t.name, r.name);
                assert!(
                    t.name.len() > r.name.len() + 1,
                    "{}: no payload part",
                    t.name
                );
                assert!(seen.insert(t.name), "{} registered twice", t.name);
            }
        }
        assert_eq!(TARGETS.iter().count(), seen.len());
    }

    #[test]
    fn every_signature_header_is_a_lowercase_header_name() {
        for t in TARGETS {
            if let Some(h) = t.scheme.signature_header {
                let name = axum::http::HeaderName::from_bytes(h.as_bytes());
                assert_eq!(name.map(|n| n.as_str() == h).ok(), Some(true), "{}", t.name);
            }
        }
    }

    #[test]
    fn an_unknown_payload_is_told_with_the_closest_name_and_every_name() {
        let first = TARGETS.iter().next().expect("a registered payload").name;
        let typo = format!("{first}x");
        let e = find(&typo).unwrap_err().to_string();
        assert!(e.starts_with(&format!("unknown payload `{typo}`")), "{e}");
        assert!(e.contains(&format!("(did you mean `{first}`?)")), "{e}");
        for t in TARGETS {
            assert!(e.contains(t.name), "{e}");
        }
    }

    #[test]
    fn a_key_file_that_is_no_key_is_refused_naming_the_file() {
        let dir = std::env::temp_dir().join(format!("fakedesk-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("not-a-key.pem");
        std::fs::write(&path, "hello").unwrap();
        let t = TARGETS.iter().next().unwrap();
        let got = keys(t, None, Some(&path));
        let missing = keys(t, None, Some(&dir.join("absent.pem")));
        let _ = std::fs::remove_dir_all(&dir);
        if key_kinds().is_empty() {
            return;
        }
        let e = got.unwrap_err().to_string();
        assert!(e.starts_with(&path.display().to_string()), "{e}");
        let e = missing.unwrap_err().to_string();
        assert!(e.starts_with("cannot read "), "{e}");
    }
}
