//! One mechanism for Zendesk's collection-shaped resources.
//!
//! A resource is declared once, as a [`Spec`]: its names and path, which operations
//! it supports, its sort keys, filters and side-loads, and the function that turns a
//! request object into a stored record (validation included). The engine
//! ([`engine`]) builds its routes, both paginations, sorting, Zendesk's errors,
//! bulk jobs, counts and audit-log entries from that declaration. Records are plain
//! JSON objects kept in [`Records`], inside the account's store; the other files of
//! this folder declare one family of resources each.

pub mod account;
pub mod catalog;
pub mod derived;
pub mod engine;
pub mod fields;
pub mod groups;
pub mod listing;
pub mod orgs;
pub mod ratings;
pub mod routes;
pub mod rules;
pub mod sideload;
pub mod tags;
pub mod tickets;
pub mod uploads;

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::error::ZendeskError;
use super::store::Store;
use crate::clock::iso_seconds;

/// A stored record: the resource's wire object without its `url`.
pub type Record = Map<String, Value>;

/// Which operations a resource supports.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)]
pub struct Ops {
    pub list: bool,
    pub show: bool,
    pub show_many: bool,
    pub create: bool,
    pub create_many: bool,
    pub update: bool,
    pub update_many: bool,
    pub destroy: bool,
    pub destroy_many: bool,
    pub count: bool,
}

impl Ops {
    /// List, show, create, update and delete.
    pub const CRUD: Self = Self {
        list: true,
        show: true,
        show_many: false,
        create: true,
        create_many: false,
        update: true,
        update_many: false,
        destroy: true,
        destroy_many: false,
        count: false,
    };
    /// Every operation.
    pub const ALL: Self = Self {
        list: true,
        show: true,
        show_many: true,
        create: true,
        create_many: true,
        update: true,
        update_many: true,
        destroy: true,
        destroy_many: true,
        count: true,
    };
    /// List and show only.
    pub const READ: Self = Self {
        list: true,
        show: true,
        show_many: false,
        create: false,
        create_many: false,
        update: false,
        update_many: false,
        destroy: false,
        destroy_many: false,
        count: false,
    };
}

/// What a resource's `build` function gets: the new record's id, the time, the
/// request object, and the stored record for an update.
pub struct Write<'a> {
    /// The record's id.
    pub id: u64,
    /// Now, on the run's clock.
    pub now: OffsetDateTime,
    /// The request's object (`{"organization": {...}}`'s inner object).
    pub input: &'a Record,
    /// The record being updated; `None` for a create.
    pub old: Option<&'a Record>,
    /// The user making the change.
    pub actor: u64,
}

/// Builds the record to store from a write, or Zendesk's error for it.
pub type Build = fn(&Store, &Write<'_>) -> Result<Record, ZendeskError>;

/// A list where records live under another record
/// (`/api/v2/users/{user_id}/group_memberships`).
#[derive(Debug, Clone, Copy)]
pub struct Nested {
    /// The path, with the parent's id as its only parameter.
    pub path: &'static str,
    /// The record field holding the parent's id.
    pub field: &'static str,
}

/// One resource, declared once.
pub struct Spec {
    /// Root key of a list, e.g. `organizations`.
    pub plural: &'static str,
    /// Root key of one record, e.g. `organization`.
    pub one: &'static str,
    /// The collection's path without `.json`, e.g. `/api/v2/organizations`.
    pub path: &'static str,
    /// The operations it supports.
    pub ops: Ops,
    /// `sort_by` values (offset pagination) and `sort` fields (cursor), each
    /// mapped to the record field it orders by.
    pub sort_keys: &'static [(&'static str, &'static str)],
    /// The order without `sort_by`: a record field, `-field` for descending; `id`
    /// by default.
    pub default_order: &'static str,
    /// Query parameters that filter a list by equality on the same-named field
    /// (`filter[x]` filters on field `x`).
    pub filters: &'static [&'static str],
    /// Filters a list with parameters equality cannot express (date ranges).
    pub select: Option<fn(&Record, &listing::Query) -> bool>,
    /// `include=` values it accepts (see [`sideload`]).
    pub side_loads: &'static [&'static str],
    /// Lists under other records.
    pub nested: &'static [Nested],
    /// Status of a successful create (201; custom roles answer 200).
    pub create_status: u16,
    /// `job_type` of its bulk jobs, e.g. `Organization` for `Bulk Create Organization`.
    pub job_name: &'static str,
    /// The audit log's `source_type` for changes made through the API; `None`
    /// for resources the audit log does not track.
    pub audited: Option<&'static str>,
    /// The field naming a record in audit logs (`name` or `title`).
    pub label: &'static str,
    /// Validates a write and builds the record to store.
    pub build: Build,
    /// Runs after a record is stored (memberships set users' defaults).
    pub after_write: Option<fn(&mut Store, u64)>,
    /// Runs after a record is deleted, with the deleted record.
    pub after_delete: Option<fn(&mut Store, &Record, OffsetDateTime)>,
    /// Records computed from other state instead of stored (ticket metrics).
    pub derived: Option<fn(&Store) -> Vec<Record>>,
}

impl Spec {
    /// A declaration with the common defaults; set what differs.
    pub const fn new(
        plural: &'static str,
        one: &'static str,
        path: &'static str,
        build: Build,
    ) -> Self {
        Self {
            plural,
            one,
            path,
            ops: Ops::CRUD,
            sort_keys: &[],
            default_order: "id",
            filters: &[],
            select: None,
            side_loads: &[],
            nested: &[],
            create_status: 201,
            job_name: "",
            audited: None,
            label: "name",
            build,
            after_write: None,
            after_delete: None,
            derived: None,
        }
    }
}

/// Every declared resource, in the order routes are registered.
pub fn specs() -> Vec<&'static Spec> {
    let mut all: Vec<&'static Spec> = Vec::new();
    all.extend(orgs::SPECS);
    all.extend(groups::SPECS);
    all.extend(fields::SPECS);
    all.extend(catalog::SPECS);
    all.extend(rules::SPECS);
    all.extend(ratings::SPECS);
    all.extend(derived::SPECS);
    all
}

/// The records of every declared resource, by resource and id, plus the
/// account's settings and pending uploads.
#[derive(Debug, Clone, Default)]
pub struct Records {
    tables: BTreeMap<&'static str, BTreeMap<u64, Record>>,
    /// The account settings (`GET /api/v2/account/settings`).
    pub account_settings: Value,
    /// Uploads by token, and their files.
    pub uploads: uploads::Uploads,
}

impl Records {
    /// The records of `plural`, by id.
    pub fn table(&self, plural: &str) -> Option<&BTreeMap<u64, Record>> {
        self.tables.get(plural)
    }

    /// One record.
    pub fn get(&self, plural: &str, id: u64) -> Option<&Record> {
        self.tables.get(plural)?.get(&id)
    }

    /// Every record of `plural`, in id order.
    pub fn all<'a>(&'a self, plural: &str) -> impl Iterator<Item = &'a Record> + 'a {
        self.tables.get(plural).into_iter().flat_map(|t| t.values())
    }

    /// Stores a record under its id.
    pub fn put(&mut self, plural: &'static str, id: u64, record: Record) {
        self.tables.entry(plural).or_default().insert(id, record);
    }

    /// Removes a record.
    pub fn remove(&mut self, plural: &str, id: u64) -> Option<Record> {
        self.tables.get_mut(plural)?.remove(&id)
    }

    /// Removes every record of `plural` for which `drop` holds.
    pub fn remove_where(&mut self, plural: &str, drop: impl Fn(&Record) -> bool) {
        if let Some(t) = self.tables.get_mut(plural) {
            t.retain(|_, r| !drop(r));
        }
    }

    /// The records of `plural` as the control API's state shows them.
    pub fn state(&self) -> Value {
        Value::Object(
            self.tables
                .iter()
                .map(|(k, t)| {
                    (
                        (*k).to_owned(),
                        Value::Array(t.values().cloned().map(Value::Object).collect()),
                    )
                })
                .collect(),
        )
    }
}

/// Lookups other parts of fake Zendesk use (exports, search, webhooks).
impl Store {
    /// An organization by id.
    pub fn organization(&self, id: u64) -> Option<&Record> {
        self.records.get("organizations", id)
    }

    /// Every organization, in id order.
    pub fn organizations(&self) -> impl Iterator<Item = &Record> {
        self.records.all("organizations")
    }

    /// A group by id.
    pub fn group(&self, id: u64) -> Option<&Record> {
        self.records.get("groups", id)
    }

    /// Every group, in id order.
    pub fn groups(&self) -> impl Iterator<Item = &Record> {
        self.records.all("groups")
    }

    /// The ids of the groups a user is a member of.
    pub fn groups_of(&self, user_id: u64) -> Vec<u64> {
        self.records
            .all("group_memberships")
            .filter(|m| m["user_id"].as_u64() == Some(user_id))
            .filter_map(|m| m["group_id"].as_u64())
            .collect()
    }
}

/// A record field as a u64 (ids are numbers; some clients send strings).
pub fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// A timestamp as Zendesk writes it.
pub fn ts(t: OffsetDateTime) -> Value {
    Value::String(iso_seconds(t))
}

/// The record of a write: `defaults`, then the stored record, then the writable
/// keys of the input; `id`, `created_at` and `updated_at` set.
pub fn merge(defaults: Value, w: &Write<'_>, writable: &[&str]) -> Record {
    let mut rec = match w.old {
        Some(old) => old.clone(),
        None => match defaults {
            Value::Object(m) => m,
            _ => Map::new(),
        },
    };
    for k in writable {
        if let Some(v) = w.input.get(*k) {
            rec.insert((*k).to_owned(), v.clone());
        }
    }
    rec.insert("id".to_owned(), Value::from(w.id));
    if w.old.is_none() {
        rec.insert("created_at".to_owned(), ts(w.now));
    }
    rec.insert("updated_at".to_owned(), ts(w.now));
    rec
}

/// A 422 `BlankValue` unless `key` is a non-empty string.
pub fn require_text(rec: &Record, key: &str, title: &str) -> Result<String, ZendeskError> {
    match rec.get(key).and_then(Value::as_str).map(str::trim) {
        Some(s) if !s.is_empty() => Ok(s.to_owned()),
        _ => Err(ZendeskError::invalid(
            key,
            format!("{title}: cannot be blank"),
            "BlankValue",
        )),
    }
}

/// A 422 `InvalidValue` unless `key` is absent, null or of the given JSON kind.
pub fn check_kind(
    rec: &Record,
    key: &str,
    title: &str,
    ok: fn(&Value) -> bool,
) -> Result<(), ZendeskError> {
    match rec.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(v) if ok(v) => Ok(()),
        Some(_) => Err(ZendeskError::invalid(
            key,
            format!("{title}: is invalid"),
            "InvalidValue",
        )),
    }
}

/// The position after the last record of `plural` (new rules get 10000, 10001, ...).
pub fn next_position(store: &Store, plural: &str, first: u64) -> u64 {
    store
        .records
        .all(plural)
        .filter_map(|r| r.get("position").and_then(Value::as_u64))
        .max()
        .map_or(first, |p| (p + 1).max(first))
}

/// The routes of every declared resource and of the endpoints built on them.
pub fn router() -> routes::Routes {
    use axum::routing::get;
    let r = routes::all();
    let r = account::routes(r);
    let r = tags::routes(r);
    let r = rules::routes(r);
    let r = ratings::routes(r);
    let r = derived::routes(r);
    let r = tickets::routes(r);
    let r = uploads::routes(r);
    r.add(
        "/api/v2/routing/attributes/definitions",
        &["GET"],
        get(|| async { routes::ok(&catalog::routing_definitions()) }),
    )
}

/// The routes fake Zendesk served before the resource engine (tickets, users,
/// jobs, webhooks, triggers), for `GET /coverage`.
pub const CORE_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v2/tickets"),
    ("POST", "/api/v2/tickets"),
    ("POST", "/api/v2/tickets/create_many"),
    ("PUT", "/api/v2/tickets/update_many"),
    ("DELETE", "/api/v2/tickets/destroy_many"),
    ("GET", "/api/v2/tickets/{ticket_id}"),
    ("PUT", "/api/v2/tickets/{ticket_id}"),
    ("DELETE", "/api/v2/tickets/{ticket_id}"),
    ("GET", "/api/v2/tickets/{ticket_id}/comments"),
    ("GET", "/api/v2/job_statuses/{job_status_id}"),
    ("GET", "/api/v2/users"),
    ("POST", "/api/v2/users"),
    ("GET", "/api/v2/users/me"),
    ("GET", "/api/v2/users/search"),
    ("POST", "/api/v2/users/create_or_update"),
    ("GET", "/api/v2/users/{user_id}"),
    ("PUT", "/api/v2/users/{user_id}"),
    ("GET", "/api/v2/webhooks"),
    ("POST", "/api/v2/webhooks"),
    ("GET", "/api/v2/webhooks/{webhook_id}"),
    ("PUT", "/api/v2/webhooks/{webhook_id}"),
    ("PATCH", "/api/v2/webhooks/{webhook_id}"),
    ("DELETE", "/api/v2/webhooks/{webhook_id}"),
    ("GET", "/api/v2/webhooks/{webhook_id}/signing_secret"),
    ("POST", "/api/v2/webhooks/{webhook_id}/signing_secret"),
    ("GET", "/api/v2/triggers"),
    ("POST", "/api/v2/triggers"),
    ("GET", "/api/v2/triggers/{trigger_id}"),
    ("PUT", "/api/v2/triggers/{trigger_id}"),
    ("DELETE", "/api/v2/triggers/{trigger_id}"),
];
