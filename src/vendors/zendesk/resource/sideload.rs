//! `include=` side-loads (REFERENCE rules section 8): related records as
//! top-level arrays next to the primary ones, de-duplicated, or a property added to
//! each primary record (`comment_count`). Unknown values are ignored, as Zendesk does.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::catalog::BRANDS;
use super::fields::TICKET_FORMS;
use super::groups::GROUPS;
use super::orgs::ORGANIZATIONS;
pub use super::spec::Query;
use super::spec::{Spec, id_of};
use super::{derived, engine};
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::UserOut;

/// What tickets accept.
pub const TICKETS: &[&str] = &[
    "users",
    "groups",
    "organizations",
    "brands",
    "ticket_forms",
    "last_audits",
    "metric_sets",
    "comment_count",
];
/// What users accept.
pub const USERS: &[&str] = &["organizations", "groups", "identities", "open_ticket_count"];

const USER_KEYS: &[&str] = &[
    "requester_id",
    "submitter_id",
    "assignee_id",
    "user_id",
    "author_id",
    "actor_id",
    "collaborator_ids",
    "follower_ids",
    "email_cc_ids",
];

/// Adds the side-loads `q` asks for (among `allowed`) to `out`, whose primary
/// records are under `root` (an array, or one object).
pub fn attach(store: &Store, base: &str, allowed: &[&str], root: &str, q: &Query, out: &mut Value) {
    let Some(include) = q.get("include") else {
        return;
    };
    let wanted: Vec<&str> = include
        .split(',')
        .map(str::trim)
        .filter(|w| allowed.contains(w))
        .collect();
    if wanted.is_empty() {
        return;
    }
    let users_root = matches!(root, "users" | "user");
    for w in wanted {
        if w == "comment_count" {
            add_comment_counts(store, out, root);
            continue;
        }
        let primary = primaries(out, root);
        let loaded = match (w, users_root) {
            ("users", _) => users(store, base, &ids(&primary, USER_KEYS)),
            ("groups", true) => groups_of_users(store, base, &ids(&primary, &["id"])),
            ("groups", false) => records(store, base, &GROUPS, &ids(&primary, &["group_id"])),
            ("organizations", _) => records(
                store,
                base,
                &ORGANIZATIONS,
                &ids(&primary, &["organization_id"]),
            ),
            ("brands", _) => records(store, base, &BRANDS, &ids(&primary, &["brand_id"])),
            ("ticket_forms", _) => records(
                store,
                base,
                &TICKET_FORMS,
                &ids(&primary, &["ticket_form_id"]),
            ),
            ("last_audits", _) => ("audits", last_audits(store, &ids(&primary, &["id"]))),
            ("metric_sets", _) => (
                "metric_sets",
                metric_sets(store, base, &ids(&primary, &["id"])),
            ),
            ("identities", _) => (
                "identities",
                super::identity::of_users(store, base, ids(&primary, &["id"])),
            ),
            ("open_ticket_count", _) => {
                let counts = open_ticket_counts(store, &ids(&primary, &["id"]));
                if let Value::Object(m) = out {
                    m.insert("open_ticket_count".to_owned(), counts);
                }
                continue;
            }
            _ => continue,
        };
        if let Value::Object(m) = out {
            m.insert(loaded.0.to_owned(), Value::Array(loaded.1));
        }
    }
}

fn primaries(out: &Value, root: &str) -> Vec<Value> {
    match out.get(root) {
        Some(Value::Array(a)) => a.clone(),
        Some(v @ Value::Object(_)) => vec![v.clone()],
        _ => Vec::new(),
    }
}

fn ids(primary: &[Value], keys: &[&str]) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    for p in primary {
        for k in keys {
            match p.get(*k) {
                Some(Value::Array(a)) => out.extend(a.iter().filter_map(id_of)),
                Some(v) => out.extend(id_of(v)),
                None => {}
            }
        }
    }
    out
}

fn users(store: &Store, base: &str, ids: &BTreeSet<u64>) -> (&'static str, Vec<Value>) {
    let list = ids
        .iter()
        .filter_map(|id| store.users.get(id))
        .filter_map(|u| serde_json::to_value(UserOut::new(base, u)).ok())
        .collect();
    ("users", list)
}

fn records(
    store: &Store,
    base: &str,
    spec: &'static Spec,
    ids: &BTreeSet<u64>,
) -> (&'static str, Vec<Value>) {
    let list = ids
        .iter()
        .filter_map(|id| store.records.get(spec.plural, *id))
        .map(|r| engine::render(spec, base, r))
        .collect();
    (spec.plural, list)
}

fn groups_of_users(store: &Store, base: &str, users: &BTreeSet<u64>) -> (&'static str, Vec<Value>) {
    let groups: BTreeSet<u64> = users.iter().flat_map(|u| store.groups_of(*u)).collect();
    records(store, base, &GROUPS, &groups)
}

fn last_audits(store: &Store, tickets: &BTreeSet<u64>) -> Vec<Value> {
    tickets
        .iter()
        .filter_map(|id| store.tickets.get(id))
        .filter_map(|t| t.audits.last())
        .filter_map(|a| serde_json::to_value(a).ok())
        .collect()
}

fn metric_sets(store: &Store, base: &str, tickets: &BTreeSet<u64>) -> Vec<Value> {
    derived::metrics(store)
        .into_iter()
        .filter(|m| {
            m["ticket_id"]
                .as_u64()
                .is_some_and(|t| tickets.contains(&t))
        })
        .map(|m| engine::render(&derived::TICKET_METRICS, base, &m))
        .collect()
}

fn open_ticket_counts(store: &Store, users: &BTreeSet<u64>) -> Value {
    use crate::vendors::zendesk::wire::Status;
    let mut m = Map::new();
    for u in users {
        let n = store
            .tickets
            .values()
            .filter(|t| {
                t.requester_id == *u
                    && matches!(
                        t.status,
                        Status::New | Status::Open | Status::Pending | Status::Hold
                    )
            })
            .count();
        m.insert(u.to_string(), json!(n));
    }
    Value::Object(m)
}

fn add_comment_counts(store: &Store, out: &mut Value, root: &str) {
    let add = |t: &mut Value| {
        let n = t["id"]
            .as_u64()
            .and_then(|id| store.tickets.get(&id))
            .map_or(0, |t| t.comments.len());
        if let Value::Object(m) = t {
            m.insert("comment_count".to_owned(), json!(n));
        }
    };
    match out.get_mut(root) {
        Some(Value::Array(a)) => a.iter_mut().for_each(add),
        Some(v @ Value::Object(_)) => add(v),
        _ => {}
    }
}
