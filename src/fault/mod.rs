//! Fault rules: the failures an integration must survive, injected on purpose.
//!
//! A [`FaultRule`] matches traffic as a scenario `expect` does (vendor, method, path
//! glob, headers, partial JSON body) and applies one action. Inbound actions
//! (`latency`, `status`, `reset`, `close`, `truncate`, `drip`, `malformed`,
//! `timeout`) shape what a client of a fake sees; outbound actions (`duplicate`,
//! `reorder`, `delay`, `drop`) shape a fake's deliveries to the system under test.
//!
//! [`Faults`] holds the ordered rules of one run behind one atomic flag per
//! direction, so with no rules the layers around the vendors cost one relaxed load.
//! Rules apply in order: the first rule that matches and is due (`after`, `times`,
//! `probability`) is the one applied. Probability draws are a pure function of the
//! run's seed, the rule's id and the match's number, so a run repeats.
//!
//! - [`respond`]: how an inbound action turns into the bytes a client sees.
//! - [`conn`]: the per-connection switch that lets a fault reset or drop a socket.
//! - [`chaos`]: the outbound actions, applied to each delivery.
//! - [`index`]: which rules can match a request, so rules elsewhere cost nothing.

pub mod chaos;
pub mod conn;
pub mod index;
pub mod respond;
pub mod rule;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::http::HeaderMap;
use serde_json::{Value, json};

pub use rule::{
    Action, ActionKind, DEFAULT_REORDER_HOLD, DEFAULT_TIMEOUT, FaultRule, MAX_WAIT, TIMEOUT_CAP,
};

pub use index::RuleSet;

use crate::matching::{Glob, glob, partial};

/// One rule in force, with its counters.
#[derive(Debug)]
pub struct Armed {
    /// Its id (from 1, in the order rules were added).
    pub id: u64,
    /// The vendor it applies to.
    pub vendor: String,
    /// The rule as given.
    pub rule: FaultRule,
    /// The validated action.
    pub action: Action,
    /// The path pattern, split once.
    path: Option<Glob>,
    matched: AtomicU64,
    applied: AtomicU64,
}

impl Armed {
    /// How many exchanges matched it so far.
    pub fn matched(&self) -> u64 {
        self.matched.load(Ordering::Relaxed)
    }

    /// How many times its action was applied.
    pub fn applied(&self) -> u64 {
        self.applied.load(Ordering::Relaxed)
    }

    /// The rule as `GET /faults` shows it: the rule, its id and its counts.
    pub fn view(&self) -> Value {
        let mut v = serde_json::to_value(&self.rule).unwrap_or_else(|_| json!({}));
        if let Value::Object(m) = &mut v {
            m.insert("id".into(), json!(self.id));
            m.insert("vendor".into(), json!(self.vendor));
            m.insert("matched".into(), json!(self.matched()));
            m.insert("applied".into(), json!(self.applied()));
        }
        v
    }

    fn matches(&self, req: &Probe<'_>) -> bool {
        let r = &self.rule;
        if self.vendor != req.vendor {
            return false;
        }
        if let Some(m) = &r.method
            && !m.eq_ignore_ascii_case(req.method)
        {
            return false;
        }
        if let Some(p) = &self.path
            && !p.matches(req.path)
        {
            return false;
        }
        for (name, want) in &r.headers {
            let got = req.headers.get(name.as_str()).and_then(|v| v.to_str().ok());
            if !got.is_some_and(|g| glob(want, g)) {
                return false;
            }
        }
        if let Some(pattern) = &r.body {
            let actual = serde_json::from_slice::<Value>(req.body).ok().or_else(|| {
                std::str::from_utf8(req.body)
                    .ok()
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_owned()))
            });
            if !partial("body", pattern, actual.as_ref()).is_empty() {
                return false;
            }
        }
        true
    }

    /// Counts a match and says whether the action applies to it.
    fn due(&self, seed: u64) -> bool {
        let n = self.matched.fetch_add(1, Ordering::Relaxed);
        if n < self.rule.after.unwrap_or(0) {
            return false;
        }
        if let Some(p) = self.rule.probability
            && unit(draw(seed, self.id, n)) >= p
        {
            return false;
        }
        // Claim one application, unless `times` are used up.
        let times = self.rule.times.unwrap_or(u64::MAX);
        self.applied
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |a| {
                (a < times).then_some(a + 1)
            })
            .is_ok()
    }
}

/// What a rule is matched against.
#[derive(Debug, Clone, Copy)]
pub struct Probe<'a> {
    /// The vendor whose traffic it is.
    pub vendor: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// Path without the query.
    pub path: &'a str,
    /// Request headers.
    pub headers: &'a HeaderMap,
    /// Request body.
    pub body: &'a [u8],
}

/// A rule chosen for one exchange.
#[derive(Debug, Clone)]
pub struct Chosen {
    /// The rule's id.
    pub id: u64,
    /// What to do.
    pub action: Action,
    /// A draw for the action's own randomness (a latency between bounds).
    pub draw: u64,
}

impl Chosen {
    /// The journal's `fault: {id, action}`.
    pub fn mark(&self) -> crate::journal::FaultMark {
        crate::journal::FaultMark {
            id: self.id,
            action: self.action.kind().name(),
        }
    }
}

/// The ordered fault rules of one run.
#[derive(Debug)]
pub struct Faults {
    inbound: AtomicBool,
    outbound: AtomicBool,
    rules: RwLock<Arc<RuleSet>>,
    next_id: AtomicU64,
    seed: u64,
    /// The vendors a rule may name.
    vendors: Vec<&'static str>,
    /// Counts deliveries' first attempts, which `reorder` waits on.
    sent: tokio::sync::watch::Sender<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Self::new(0, &[])
    }
}

impl Faults {
    /// No rules for any of `vendors` yet; probability draws seeded with `seed`.
    pub fn new(seed: u64, vendors: &[&'static str]) -> Self {
        Self {
            inbound: AtomicBool::new(false),
            outbound: AtomicBool::new(false),
            rules: RwLock::default(),
            next_id: AtomicU64::new(0),
            seed,
            vendors: vendors.to_vec(),
            sent: tokio::sync::watch::Sender::new(0),
        }
    }

    /// True when some rule shapes inbound traffic: the fast path's one load.
    #[inline]
    pub fn inbound_active(&self) -> bool {
        self.inbound.load(Ordering::Relaxed)
    }

    /// True when some rule shapes outbound deliveries.
    #[inline]
    pub fn outbound_active(&self) -> bool {
        self.outbound.load(Ordering::Relaxed)
    }

    /// Every rule in force, in order.
    pub fn list(&self) -> Arc<RuleSet> {
        self.rules.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Validates `rule` for `vendor` and appends it; returns it armed.
    pub fn add(&self, vendor: &str, rule: FaultRule) -> Result<Arc<Armed>, String> {
        if !self.vendors.contains(&vendor) {
            return Err(format!(
                "unknown vendor `{vendor}` (known: {})",
                self.vendors.join(", ")
            ));
        }
        let action = rule.action()?;
        let armed = Arc::new(Armed {
            id: self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            vendor: vendor.to_owned(),
            path: rule.path.as_deref().map(Glob::new),
            rule,
            action,
            matched: AtomicU64::new(0),
            applied: AtomicU64::new(0),
        });
        self.edit(|rules| rules.push(armed.clone()));
        Ok(armed)
    }

    /// Removes the rule with this id; false when there is none.
    pub fn remove(&self, id: u64) -> bool {
        let mut found = false;
        self.edit(|rules| {
            let before = rules.len();
            rules.retain(|r| r.id != id);
            found = rules.len() != before;
        });
        found
    }

    /// Removes the rules called `name`; how many there were.
    pub fn remove_named(&self, name: &str) -> usize {
        let mut n = 0;
        self.edit(|rules| {
            let before = rules.len();
            rules.retain(|r| r.rule.name.as_deref() != Some(name));
            n = before - rules.len();
        });
        n
    }

    /// Removes every rule.
    pub fn clear(&self) {
        self.edit(Vec::clear);
    }

    fn edit(&self, change: impl FnOnce(&mut Vec<Arc<Armed>>)) {
        let mut guard = self.rules.write().unwrap_or_else(|p| p.into_inner());
        let mut rules = guard.to_vec();
        change(&mut rules);
        let inbound = rules.iter().any(|r| !r.action.kind().is_outbound());
        let outbound = rules.iter().any(|r| r.action.kind().is_outbound());
        *guard = Arc::new(RuleSet::new(rules));
        self.inbound.store(inbound, Ordering::Relaxed);
        self.outbound.store(outbound, Ordering::Relaxed);
    }

    /// The first inbound rule that matches `probe` and is due, counted as applied.
    pub fn choose_inbound(&self, probe: &Probe<'_>) -> Option<Chosen> {
        self.choose(probe, false)
    }

    /// The first outbound rule that matches `probe` and is due, counted as applied.
    pub fn choose_outbound(&self, probe: &Probe<'_>) -> Option<Chosen> {
        self.choose(probe, true)
    }

    fn choose(&self, probe: &Probe<'_>, outbound: bool) -> Option<Chosen> {
        // Matching is short and never waits: read under the lock rather than
        // cloning the set's handle.
        let rules = self.rules.read().unwrap_or_else(|p| p.into_inner());
        rules
            .candidates(outbound, probe.vendor, probe.path)
            .into_iter()
            .map(|at| &rules[at])
            .filter(|r| r.matches(probe))
            .find(|r| r.due(self.seed))
            .map(|r| Chosen {
                id: r.id,
                action: r.action.clone(),
                draw: draw(self.seed ^ 0x5eed, r.id, r.applied()),
            })
    }
}

/// 64 bits fixed by the seed, the rule and the match's number (SplitMix64's mix).
fn draw(seed: u64, rule: u64, n: u64) -> u64 {
    crate::ids::IdGen::new(
        seed ^ rule.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ n.wrapping_mul(0xBF58_476D_1CE4_E5B9),
    )
    .next_u64()
}

/// A draw as a number in `[0, 1)`.
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(v: Value) -> FaultRule {
        serde_json::from_value(v).unwrap()
    }

    fn probe<'a>(h: &'a HeaderMap, method: &'a str, path: &'a str, body: &'a [u8]) -> Probe<'a> {
        Probe {
            vendor: "zendesk",
            method,
            path,
            headers: h,
            body,
        }
    }

    #[test]
    fn no_rules_means_both_directions_are_idle() {
        let f = Faults::new(0, &["zendesk", "braze"]);
        assert!(!f.inbound_active() && !f.outbound_active());
        f.add("zendesk", rule(json!({"action": "reset"}))).unwrap();
        assert!(f.inbound_active() && !f.outbound_active());
        f.add("zendesk", rule(json!({"action": "duplicate"})))
            .unwrap();
        assert!(f.outbound_active());
        f.clear();
        assert!(!f.inbound_active() && !f.outbound_active());
    }

    #[test]
    fn rules_match_like_an_expect_and_apply_in_order() {
        let f = Faults::new(0, &["zendesk", "braze"]);
        let h = HeaderMap::new();
        f.add(
            "zendesk",
            rule(json!({"action": "status", "status": 503, "method": "PUT",
                        "path": "/api/v2/tickets/*", "body": {"ticket": {"status": "solved"}}})),
        )
        .unwrap();
        f.add(
            "zendesk",
            rule(json!({"action": "reset", "path": "/api/*"})),
        )
        .unwrap();
        let solved = br#"{"ticket":{"status":"solved","x":1}}"#;
        let open = br#"{"ticket":{"status":"open"}}"#;
        let put = |b: &'static [u8]| {
            f.choose_inbound(&probe(&h, "PUT", "/api/v2/tickets/1.json", b))
                .map(|c| c.id)
        };
        assert_eq!(put(solved), Some(1));
        assert_eq!(put(open), Some(2), "the body differs: the next rule");
        assert_eq!(
            f.choose_inbound(&probe(&h, "GET", "/health", b""))
                .map(|c| c.id),
            None
        );
        let other = Probe {
            vendor: "braze",
            ..probe(&h, "PUT", "/api/v2/tickets/1.json", solved)
        };
        assert!(f.choose_inbound(&other).is_none(), "another vendor");
    }

    #[test]
    fn after_and_times_pick_which_matches_are_faulted() {
        let f = Faults::new(0, &["zendesk", "braze"]);
        let h = HeaderMap::new();
        f.add(
            "zendesk",
            rule(json!({"action": "status", "status": 429, "after": 1, "times": 2})),
        )
        .unwrap();
        let hits: Vec<bool> = (0..5)
            .map(|_| f.choose_inbound(&probe(&h, "GET", "/", b"")).is_some())
            .collect();
        assert_eq!(hits, [false, true, true, false, false]);
        let r = &f.list()[0];
        assert_eq!((r.matched(), r.applied()), (5, 2));
    }

    #[test]
    fn probability_repeats_with_the_seed_and_differs_with_another() {
        let run = |seed| {
            let f = Faults::new(seed, &["zendesk", "braze"]);
            let h = HeaderMap::new();
            f.add(
                "zendesk",
                rule(json!({"action": "status", "status": 503, "probability": 0.5})),
            )
            .unwrap();
            (0..64)
                .map(|_| f.choose_inbound(&probe(&h, "GET", "/", b"")).is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let hits = run(7).iter().filter(|h| **h).count();
        assert!((16..=48).contains(&hits), "about half: {hits}");
    }

    #[test]
    fn rules_are_removed_by_id_and_by_name() {
        let f = Faults::new(0, &["zendesk", "braze"]);
        let a = f
            .add("zendesk", rule(json!({"action": "reset", "name": "x"})))
            .unwrap();
        f.add("zendesk", rule(json!({"action": "close", "name": "x"})))
            .unwrap();
        f.add("zendesk", rule(json!({"action": "close"}))).unwrap();
        assert!(f.remove(a.id));
        assert!(!f.remove(a.id));
        assert_eq!(f.remove_named("x"), 1);
        assert_eq!(f.list().len(), 1);
        assert!(f.add("nobody", rule(json!({"action": "reset"}))).is_err());
    }
}
