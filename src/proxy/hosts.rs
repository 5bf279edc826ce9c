//! Which fake answers a vendor's real hostname: patterns per vendor, where `*`
//! stands for exactly one DNS label and the first `*` names the account
//! (`acme` in `acme.zendesk.com`).

use std::collections::BTreeMap;

/// The defaults, from the hosts each vendor's documentation gives its API.
pub const DEFAULTS: &[(&str, &[&str])] = &[
    // Zendesk: https://{subdomain}.zendesk.com/api/v2/.
    ("zendesk", &["*.zendesk.com"]),
    // Braze: one REST host per cluster, rest.iad-01.braze.com … rest.fra-02.braze.eu.
    ("braze", &["rest.*.braze.com", "rest.*.braze.eu"]),
    // Freshchat: the legacy and regional API hosts, the per-account host, and
    // Freshworks-suite accounts.
    (
        "freshchat",
        &[
            "api.freshchat.com",
            "api.eu.freshchat.com",
            "api.in.freshchat.com",
            "api.au.freshchat.com",
            "*.freshchat.com",
            "*.myfreshworks.com",
        ],
    ),
    // Take Blip: the HTTP API host, legacy and per-contract.
    (
        "blip",
        &["msging.net", "http.msging.net", "*.http.msging.net"],
    ),
    ("smartsupp", &["api.smartsupp.com"]),
    ("mammut", &["api.mammut.io"]),
];

/// One hostname pattern, as labels (`None`: any one label).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    text: String,
    labels: Vec<Option<String>>,
}

impl Pattern {
    fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim().trim_end_matches('.').to_ascii_lowercase();
        let labels: Vec<Option<String>> = t
            .split('.')
            .map(|l| match l {
                "*" => Ok(None),
                l if !l.is_empty()
                    && l.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
                {
                    Ok(Some(l.to_owned()))
                }
                _ => Err(format!(
                    "`{text}` is not a hostname pattern (labels, `*` for any one label)"
                )),
            })
            .collect::<Result<_, _>>()?;
        if labels.iter().all(Option::is_none) {
            return Err(format!("`{text}` would match every host"));
        }
        Ok(Self { text: t, labels })
    }

    /// The first `*`'s label when `host`'s labels match, `Some(None)` for a
    /// pattern without `*`.
    fn matches(&self, host: &[&str]) -> Option<Option<String>> {
        if host.len() != self.labels.len() {
            return None;
        }
        let mut account = None;
        for (want, got) in self.labels.iter().zip(host) {
            match want {
                Some(w) if w != got => return None,
                Some(_) => {}
                None if account.is_none() => account = Some((*got).to_owned()),
                None => {}
            }
        }
        Some(account)
    }

    fn exact(&self) -> bool {
        self.labels.iter().all(Option::is_some)
    }
}

/// Where a hostname leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The fake vendor.
    pub vendor: &'static str,
    /// The label the pattern's first `*` matched (Zendesk: the subdomain).
    pub account: Option<String>,
}

/// Hostname patterns per vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMap {
    patterns: Vec<(&'static str, Pattern)>,
}

impl Default for HostMap {
    fn default() -> Self {
        Self::build(&BTreeMap::new()).expect("the default patterns parse")
    }
}

impl HostMap {
    /// The defaults, with the vendors named in `overrides` given those patterns
    /// instead (an empty list: the vendor is not reachable through the proxy).
    pub fn build(overrides: &BTreeMap<String, Vec<String>>) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let mut patterns = Vec::new();
        for name in overrides.keys() {
            if !crate::vendors::REGISTRY.iter().any(|r| r.name == name) {
                problems.push(format!(
                    "proxy_hosts: unknown vendor `{name}` (known: {})",
                    crate::vendors::names().join(", ")
                ));
            }
        }
        for reg in crate::vendors::REGISTRY {
            let defaults = DEFAULTS.iter().find(|(v, _)| *v == reg.name);
            let texts: Vec<String> = match overrides.get(reg.name) {
                Some(list) => list.clone(),
                None => defaults
                    .map(|(_, p)| p.iter().map(|s| (*s).to_owned()).collect())
                    .unwrap_or_default(),
            };
            for t in texts {
                match Pattern::parse(&t) {
                    Ok(p) => patterns.push((reg.name, p)),
                    Err(e) => problems.push(format!("proxy_hosts.{}: {e}", reg.name)),
                }
            }
        }
        // Exact names first, so `api.freshchat.com` is never taken for an account.
        patterns.sort_by_key(|(_, p)| !p.exact());
        if problems.is_empty() {
            Ok(Self { patterns })
        } else {
            Err(problems)
        }
    }

    /// The fake serving `host` (a port and a trailing dot are ignored).
    pub fn route(&self, host: &str) -> Option<Route> {
        let host = strip_port(host).trim_end_matches('.').to_ascii_lowercase();
        let labels: Vec<&str> = host.split('.').collect();
        self.patterns
            .iter()
            .find_map(|(vendor, p)| p.matches(&labels).map(|account| Route { vendor, account }))
    }

    /// Every pattern of `vendor`, as written (`*.zendesk.com`).
    pub fn patterns_of(&self, vendor: &str) -> Vec<&str> {
        self.patterns
            .iter()
            .filter(|(v, _)| *v == vendor)
            .map(|(_, p)| p.text.as_str())
            .collect()
    }
}

pub use crate::host::strip_port;

#[cfg(test)]
mod tests {
    use super::*;

    fn route(host: &str) -> Option<(&'static str, Option<String>)> {
        HostMap::default()
            .route(host)
            .map(|r| (r.vendor, r.account))
    }

    #[test]
    fn the_vendors_documented_hosts_reach_their_fakes() {
        assert_eq!(
            route("acme.zendesk.com:443"),
            Some(("zendesk", Some("acme".to_owned())))
        );
        assert_eq!(
            route("rest.iad-01.braze.com"),
            Some(("braze", Some("iad-01".to_owned())))
        );
        assert_eq!(route("rest.fra-02.braze.eu").map(|r| r.0), Some("braze"));
        assert_eq!(route("api.freshchat.com"), Some(("freshchat", None)));
        assert_eq!(route("api.eu.freshchat.com"), Some(("freshchat", None)));
        assert_eq!(
            route("acme.freshchat.com"),
            Some(("freshchat", Some("acme".to_owned())))
        );
        assert_eq!(route("msging.net"), Some(("blip", None)));
        assert_eq!(route("http.msging.net"), Some(("blip", None)));
        assert_eq!(route("mybot.http.msging.net").map(|r| r.0), Some("blip"));
        assert_eq!(route("api.smartsupp.com"), Some(("smartsupp", None)));
        assert_eq!(route("API.Mammut.io."), Some(("mammut", None)));
    }

    #[test]
    fn other_hosts_reach_nothing() {
        for host in [
            "zendesk.com",
            "a.b.zendesk.com",
            "rest.braze.com",
            "example.com",
            "127.0.0.1",
        ] {
            assert_eq!(route(host), None, "{host}");
        }
    }

    #[test]
    fn a_vendor_s_patterns_can_be_replaced() {
        let map = HostMap::build(&BTreeMap::from([(
            "zendesk".to_owned(),
            vec!["*.support.example".to_owned()],
        )]))
        .unwrap();
        assert_eq!(map.route("acme.zendesk.com"), None);
        assert_eq!(
            map.route("acme.support.example")
                .unwrap()
                .account
                .as_deref(),
            Some("acme")
        );
        let bad = HostMap::build(&BTreeMap::from([
            ("nope".to_owned(), vec![]),
            ("braze".to_owned(), vec!["*".to_owned(), "a..b".to_owned()]),
        ]))
        .unwrap_err();
        assert_eq!(bad.len(), 3, "{bad:?}");
    }

    #[test]
    fn ports_are_stripped() {
        assert_eq!(strip_port("a.b:443"), "a.b");
        assert_eq!(strip_port("[::1]:80"), "::1");
        assert_eq!(strip_port("a.b"), "a.b");
    }
}
