//! Zendesk accounts by subdomain: which subdomain a request names, and the accounts
//! created on first use, one per subdomain (the extractors are in `accounts`).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::http::{Extensions, HeaderMap, header};

use crate::fake::HostAccount;

/// Most accounts one fake holds besides the configured one (memory stays bounded).
pub const MAX_ACCOUNTS: usize = 1000;

/// The accounts created on first use, by subdomain.
pub struct AccountMap<T> {
    others: RwLock<HashMap<Arc<str>, Arc<T>>>,
}

impl<T> Default for AccountMap<T> {
    fn default() -> Self {
        Self {
            others: RwLock::default(),
        }
    }
}

impl<T> AccountMap<T> {
    /// The account `subdomain`, created by `make` when new; `None` when the map is
    /// full.
    pub fn get_or_create(&self, subdomain: &str, make: impl FnOnce() -> T) -> Option<Arc<T>> {
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
    pub fn get(&self, subdomain: &str) -> Option<Arc<T>> {
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

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Arc<str>, Arc<T>>> {
        self.others.read().unwrap_or_else(|p| p.into_inner())
    }
}

/// The subdomain a request names, if any (see the module's documentation).
pub fn subdomain_of<'a>(headers: &'a HeaderMap, extensions: &'a Extensions) -> Option<&'a str> {
    if let Some(HostAccount(a)) = extensions.get::<HostAccount>() {
        return Some(a);
    }
    // On bytes, so an address such as `127.0.0.1:4711` (most local traffic) is
    // turned away after a look at its end, without checking the whole value.
    let host = headers.get(header::HOST)?.as_bytes();
    let host = match host.iter().rposition(|&b| b == b':') {
        Some(colon) if host[colon + 1..].iter().all(u8::is_ascii_digit) => &host[..colon],
        _ => host,
    };
    let sub = host
        .strip_suffix(b".zendesk.com")
        .or_else(|| host.strip_suffix(b".localhost"))?;
    // A valid subdomain is ASCII, so it is UTF-8.
    std::str::from_utf8(sub)
        .ok()
        .filter(|sub| valid_subdomain(sub))
}

/// A subdomain Zendesk would accept: letters, digits and hyphens (no dots).
pub fn valid_subdomain(s: &str) -> bool {
    !s.is_empty() && s.len() <= 63 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
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
