//! Which rules can match a request, found without trying each one.
//!
//! Every request of a vendor with rules in force asks which rule applies, so the
//! cost of asking must not grow with rules that cannot match. A [`RuleSet`] keeps
//! the rules in order and, per direction and vendor, a tree of the literal start
//! of each rule's path pattern (the text before its first `*`). Walking a path
//! through the tree once yields the only rules whose pattern can match it; those
//! are then matched in full, in the order they were added.

use std::ops::Deref;
use std::sync::Arc;

use super::Armed;

/// The rules in force, in order, with what finds them.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Arc<Armed>>,
    inbound: Vec<(String, Prefixes)>,
    outbound: Vec<(String, Prefixes)>,
}

impl RuleSet {
    /// Indexes `rules`, kept in this order.
    pub fn new(rules: Vec<Arc<Armed>>) -> Self {
        let mut set = Self {
            rules,
            ..Self::default()
        };
        for (at, rule) in set.rules.iter().enumerate() {
            let side = if rule.action.kind().is_outbound() {
                &mut set.outbound
            } else {
                &mut set.inbound
            };
            let tree = match side.iter().position(|(v, _)| *v == rule.vendor) {
                Some(i) => &mut side[i].1,
                None => {
                    side.push((rule.vendor.clone(), Prefixes::default()));
                    &mut side.last_mut().expect("just pushed").1
                }
            };
            let literal = rule
                .rule
                .path
                .as_deref()
                .map_or("", |p| p.split_once('*').map_or(p, |(start, _)| start));
            tree.insert(literal.as_bytes(), at);
        }
        set
    }

    /// The rules of `vendor` in one direction that can match `path`, in order
    /// (positions in the set). Empty, without allocating, when none can.
    pub fn candidates(&self, outbound: bool, vendor: &str, path: &str) -> Vec<usize> {
        let side = if outbound {
            &self.outbound
        } else {
            &self.inbound
        };
        let Some((_, tree)) = side.iter().find(|(v, _)| v == vendor) else {
            return Vec::new();
        };
        let mut found = tree.along(path.as_bytes());
        // Rules come from several depths of the tree; they apply in order.
        found.sort_unstable();
        found
    }
}

impl Deref for RuleSet {
    type Target = [Arc<Armed>];

    fn deref(&self) -> &[Arc<Armed>] {
        &self.rules
    }
}

/// A byte tree of literal path starts; each node lists the rules whose literal
/// start ends there.
#[derive(Debug)]
struct Prefixes {
    nodes: Vec<Node>,
}

#[derive(Debug, Default)]
struct Node {
    edges: Vec<(u8, usize)>,
    rules: Vec<usize>,
}

impl Default for Prefixes {
    fn default() -> Self {
        Self {
            nodes: vec![Node::default()],
        }
    }
}

impl Prefixes {
    fn insert(&mut self, literal: &[u8], rule: usize) {
        let mut at = 0;
        for &b in literal {
            at = match self.nodes[at].edges.iter().find(|(e, _)| *e == b) {
                Some(&(_, next)) => next,
                None => {
                    let next = self.nodes.len();
                    self.nodes.push(Node::default());
                    self.nodes[at].edges.push((b, next));
                    next
                }
            };
        }
        self.nodes[at].rules.push(rule);
    }

    /// The rules of every node on `path`'s way down the tree.
    fn along(&self, path: &[u8]) -> Vec<usize> {
        let mut found = Vec::new();
        let mut at = 0;
        let mut rest = path.iter();
        loop {
            let node = &self.nodes[at];
            found.extend_from_slice(&node.rules);
            let Some(&b) = rest.next() else {
                return found;
            };
            match node.edges.iter().find(|(e, _)| *e == b) {
                Some(&(_, next)) => at = next,
                None => return found,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{FaultRule, Faults};
    use serde_json::json;

    fn add(f: &Faults, vendor: &str, v: serde_json::Value) {
        let rule: FaultRule = serde_json::from_value(v).unwrap();
        f.add(vendor, rule).unwrap();
    }

    #[test]
    fn only_rules_whose_literal_start_fits_the_path_are_candidates() {
        let f = Faults::new(0, &["zendesk", "braze"]);
        add(
            &f,
            "zendesk",
            json!({"action": "reset", "path": "/api/v2/tickets/*"}),
        );
        add(&f, "zendesk", json!({"action": "reset"}));
        add(
            &f,
            "zendesk",
            json!({"action": "reset", "path": "/api/v2/users/*"}),
        );
        add(&f, "zendesk", json!({"action": "reset", "path": "*.json"}));
        add(
            &f,
            "zendesk",
            json!({"action": "reset", "path": "/api/v2/tickets.json"}),
        );
        add(
            &f,
            "braze",
            json!({"action": "reset", "path": "/api/v2/tickets/*"}),
        );
        add(
            &f,
            "zendesk",
            json!({"action": "duplicate", "path": "/api/*"}),
        );
        let set = f.list();
        assert_eq!(
            set.candidates(false, "zendesk", "/api/v2/tickets/1.json"),
            [0, 1, 3],
            "in the order added; the users rule and the exact tickets.json cannot match"
        );
        assert_eq!(
            set.candidates(false, "zendesk", "/api/v2/tickets.json"),
            [1, 3, 4]
        );
        assert_eq!(set.candidates(false, "braze", "/api/v2/tickets/9"), [5]);
        assert_eq!(set.candidates(true, "zendesk", "/api/x"), [6]);
        assert!(
            set.candidates(false, "blip", "/api/v2/tickets/1.json")
                .is_empty()
        );
    }

    #[test]
    fn a_hundred_rules_elsewhere_leave_no_candidate() {
        let f = Faults::new(0, &["zendesk"]);
        for i in 0..100 {
            add(
                &f,
                "zendesk",
                json!({"action": "status", "status": 503, "method": "GET",
                       "path": format!("/api/v2/nowhere/{i}/*")}),
            );
        }
        let set = f.list();
        assert!(
            set.candidates(false, "zendesk", "/api/v2/tickets/1.json")
                .is_empty()
        );
        assert_eq!(
            set.candidates(false, "zendesk", "/api/v2/nowhere/42/x"),
            [42]
        );
    }
}
