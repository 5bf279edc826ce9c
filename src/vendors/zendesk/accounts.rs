//! Zendesk accounts by subdomain: each subdomain is an account of its own, with its
//! own state, created from the configured account (the template, credentials
//! included) on first use. Parallel test workers pick different subdomains against
//! one server and never see each other's tickets.
//!
//! The subdomain of a request: the one the proxy's host map named
//! ([`HostAccount`]), else the `Host` header's (`{sub}.zendesk.com` or
//! `{sub}.localhost`), else the configured one. The gate finds the account once
//! per request; handlers take it with the [`Account`] extractor.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, header};

use super::Zendesk;
use crate::vendors::HostAccount;

/// Most accounts one fake holds besides the configured one (memory stays bounded).
pub const MAX_ACCOUNTS: usize = 1000;

/// The accounts created on first use, by subdomain.
#[derive(Default)]
pub struct AccountMap {
    others: RwLock<HashMap<Arc<str>, Arc<Zendesk>>>,
}

impl AccountMap {
    /// The account `subdomain`, created by `make` when new; `None` when the map is
    /// full.
    pub fn get_or_create(
        &self,
        subdomain: &str,
        make: impl FnOnce() -> Zendesk,
    ) -> Option<Arc<Zendesk>> {
        if let Some(z) = self.read().get(subdomain) {
            return Some(z.clone());
        }
        let mut map = self.others.write().unwrap_or_else(|p| p.into_inner());
        if let Some(z) = map.get(subdomain) {
            return Some(z.clone());
        }
        if map.len() >= MAX_ACCOUNTS {
            return None;
        }
        let z = Arc::new(make());
        map.insert(Arc::from(subdomain), z.clone());
        Some(z)
    }

    /// The account `subdomain`, if it was created.
    pub fn get(&self, subdomain: &str) -> Option<Arc<Zendesk>> {
        self.read().get(subdomain).cloned()
    }

    /// Forgets every created account (they are created afresh on next use).
    pub fn clear(&self) {
        self.others
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Forgets one account.
    pub fn remove(&self, subdomain: &str) {
        self.others
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(subdomain);
    }

    /// The subdomains created so far, sorted.
    pub fn subdomains(&self) -> Vec<String> {
        let mut subs: Vec<String> = self.read().keys().map(|k| k.to_string()).collect();
        subs.sort();
        subs
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Arc<str>, Arc<Zendesk>>> {
        self.others.read().unwrap_or_else(|p| p.into_inner())
    }
}

/// The subdomain a request names, if any (see the module's documentation).
pub fn subdomain_of<'a>(headers: &'a HeaderMap, extensions: &'a Extensions) -> Option<&'a str> {
    if let Some(HostAccount(a)) = extensions.get::<HostAccount>() {
        return Some(a);
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let host = crate::proxy::hosts::strip_port(host);
    let sub = host
        .strip_suffix(".zendesk.com")
        .or_else(|| host.strip_suffix(".localhost"))?;
    valid_subdomain(sub).then_some(sub)
}

/// A subdomain Zendesk would accept: letters, digits and hyphens (no dots).
pub fn valid_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 63 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The account a request was for, as the gate found it; requests for the
/// configured subdomain carry nothing (reads stay free of extensions).
#[derive(Clone)]
pub(super) struct Found(pub(super) Arc<Zendesk>);

/// The account a handler works on: `Account(z): Z` in place of `State(z)`.
pub struct Account(pub Arc<Zendesk>);

impl FromRequestParts<Arc<Zendesk>> for Account {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        z: &Arc<Zendesk>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(match parts.extensions.get::<Found>() {
            Some(Found(a)) => a.clone(),
            None => z.clone(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(host: &str) -> Option<String> {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        subdomain_of(&h, &Extensions::new()).map(str::to_owned)
    }

    #[test]
    fn the_host_names_the_subdomain() {
        assert_eq!(sub("acme.zendesk.com").as_deref(), Some("acme"));
        assert_eq!(sub("acme.zendesk.com:443").as_deref(), Some("acme"));
        assert_eq!(sub("worker-3.localhost:4711").as_deref(), Some("worker-3"));
        assert_eq!(sub("127.0.0.1:4711"), None);
        assert_eq!(sub("zendesk.test"), None);
        assert_eq!(sub("a.b.zendesk.com"), None);
        let mut ext = Extensions::new();
        ext.insert(HostAccount("globex".to_owned()));
        assert_eq!(subdomain_of(&HeaderMap::new(), &ext), Some("globex"));
    }
}
