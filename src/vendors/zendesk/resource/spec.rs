//! What every resource declaration is made of: the [`Spec`] itself, the write a
//! `build` function gets, the rows the engine reads ([`Row`], [`Table`]), the
//! decoded query string, and the small helpers the declarations share. The
//! bottom of this folder: it uses only the store below.

use std::borrow::Cow;

use bytes::Bytes;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::clock::iso_seconds;
use crate::vendors::zendesk::error::ZendeskError;
pub use crate::vendors::zendesk::store::Record;
use crate::vendors::zendesk::store::Store;

/// The most items a bulk call or `show_many` accepts.
pub const MAX_BULK: usize = 100;

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

/// One record as the engine's read side sees it: its id, the fields lists sort
/// and filter on, and its wire form. Stored JSON records are rows; so are the
/// typed tickets and users.
pub trait Row: Sync {
    /// The record's id.
    fn id(&self) -> u64;
    /// A field as the API shows it, for sorting and filtering; `None` when absent.
    fn field(&self, name: &str) -> Option<Cow<'_, Value>>;
    /// The record as the API shows it, with its `url` on `base`.
    fn render(&self, spec: &Spec, base: &str) -> Value;
    /// The stored JSON object, for a declaration's own `select`.
    fn record(&self) -> Option<&Record> {
        None
    }
    /// `{"<one>": record}` as bytes, for rows that keep their rendered reply
    /// between reads (showing a ticket is the hottest route); `None` renders
    /// the reply afresh.
    fn kept_reply(
        &self,
        _scheme: &'static str,
        _host: &str,
    ) -> Option<Result<Bytes, serde_json::Error>> {
        None
    }
}

/// Where a resource's rows live when they are not JSON records in [`Records`]
/// (the typed ticket and user stores): the engine reads them through this.
///
/// [`Records`]: crate::vendors::zendesk::store::Records
pub trait Table: Sync {
    /// Every row, in id order.
    fn rows<'s>(&self, store: &'s Store) -> Vec<&'s dyn Row>;
    /// One row by id.
    fn get<'s>(&self, store: &'s Store, id: u64) -> Option<&'s dyn Row>;
    /// How many rows there are.
    fn count(&self, store: &Store) -> usize;
}

impl Row for Record {
    fn id(&self) -> u64 {
        self.get("id").and_then(Value::as_u64).unwrap_or_default()
    }

    fn field(&self, name: &str) -> Option<Cow<'_, Value>> {
        self.get(name).map(Cow::Borrowed)
    }

    fn render(&self, spec: &Spec, base: &str) -> Value {
        render(spec, base, self)
    }

    fn record(&self) -> Option<&Record> {
        Some(self)
    }
}

/// A record as the API shows it: with its `url` on `base`.
pub fn render(spec: &Spec, base: &str, rec: &Record) -> Value {
    let mut out = rec.clone();
    if let Some(url) = spec.url {
        out.insert("url".to_owned(), Value::String(url(base, rec)));
    } else if let Some(id) = rec.get("id").and_then(Value::as_u64) {
        let path = match spec.scope {
            Some(p) => with_param(spec.path, rec.get(p.field).and_then(Value::as_u64)),
            None => spec.path.to_owned(),
        };
        out.insert(
            "url".to_owned(),
            Value::String(format!("{base}{path}/{id}.json")),
        );
    }
    Value::Object(out)
}

/// `path` with its first `{param}` segment replaced by `id`.
pub fn with_param(path: &str, id: Option<u64>) -> String {
    match (path.find('{'), path.find('}'), id) {
        (Some(a), Some(b), Some(id)) if a < b => format!("{}{id}{}", &path[..a], &path[b + 1..]),
        _ => path.to_owned(),
    }
}

/// A list where records live under another record
/// (`/api/v2/users/{user_id}/group_memberships`).
#[derive(Debug, Clone, Copy)]
pub struct Nested {
    /// The path, with the parent's id as its only parameter.
    pub path: &'static str,
    /// The record field holding the parent's id.
    pub field: &'static str,
}

/// A parent record a resource lives under, named by a path parameter
/// (`/api/v2/help_center/sections/{id}/articles`): a missing parent is a 404.
#[derive(Debug, Clone, Copy)]
pub struct Parent {
    /// The path; its last numeric parameter is the parent's id.
    pub path: &'static str,
    /// The record field holding the parent's id.
    pub field: &'static str,
    /// The parent's table.
    pub table: &'static str,
    /// Whether `POST` on the path creates a record there (the field set from the path).
    pub create: bool,
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
    /// Filters a list with parameters equality cannot express (date ranges);
    /// applies to stored JSON records.
    pub select: Option<fn(&Record, &Query) -> bool>,
    /// `include=` values it accepts (see [`super::sideload`]).
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
    /// The table its records live in: the list's root key unless two resources
    /// share a root key (article and post comments are both `comments`).
    pub table: &'static str,
    /// For a resource whose every path lives under its parent
    /// (`/api/v2/help_center/articles/{article_id}/comments/{id}`): the parent,
    /// with `path` the resource's own path.
    pub scope: Option<Parent>,
    /// Lists under other records, which check the parent exists and may create.
    pub parents: &'static [Parent],
    /// Other collection paths serving the same routes (locale-prefixed Help
    /// Center paths; a `{locale}` parameter is not an id).
    pub aliases: &'static [&'static str],
    /// A record's `url` on a base, when it is not `{base}{path}/{id}.json`.
    pub url: Option<fn(&str, &Record) -> String>,
    /// Reshapes a list page after pagination (Help Center's envelope).
    pub envelope: Option<fn(&mut Value, &Query)>,
    /// Whether end users may create records, and change their own (Help
    /// Center comments, community posts, votes, subscriptions).
    pub end_user_writes: bool,
    /// Whether the config may seed records the API only reads (Zendesk's admins
    /// create them in its interface: satisfaction reasons).
    pub seeded: bool,
    /// Where its rows live when not in the store's JSON records: a typed
    /// store (tickets, users), which keeps its own domain logic for writes.
    pub rows: Option<&'static dyn Table>,
    /// The name of a record path's id parameter (`/api/v2/tickets/{ticket_id}`).
    pub id_param: &'static str,
    /// The order name cursors carry when a list is in id order (`nice_id` for
    /// tickets, as captured; `id` elsewhere).
    pub id_cursor: &'static str,
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
            table: plural,
            scope: None,
            parents: &[],
            aliases: &[],
            url: None,
            envelope: None,
            end_user_writes: false,
            seeded: false,
            rows: None,
            id_param: "id",
            id_cursor: "id",
        }
    }

    /// Whether records can be created through the API or seeded (and so seeded
    /// from the config).
    pub const fn creatable(&self) -> bool {
        if self.ops.create || self.scope.is_some() || self.seeded {
            return true;
        }
        let mut i = 0;
        while i < self.parents.len() {
            if self.parents[i].create {
                return true;
            }
            i += 1;
        }
        false
    }
}

/// A decoded query string.
#[derive(Debug, Clone, Default)]
pub struct Query(pub Vec<(String, String)>);

impl Query {
    /// Decodes a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        Self(
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `ids=1,2,3` (or another key) as ids, at most 100; a 400 for a bad id.
    pub fn ids(&self, key: &str) -> Result<Option<Vec<u64>>, ZendeskError> {
        let Some(raw) = self.get(key) else {
            return Ok(None);
        };
        let ids: Vec<u64> = raw
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse()
                    .map_err(|_| ZendeskError::BadRequest(format!("{key}: `{s}` is not an id")))
            })
            .collect::<Result<_, _>>()?;
        if ids.len() > MAX_BULK {
            return Err(ZendeskError::TooManyValues);
        }
        Ok(Some(ids))
    }
}

/// A JSON object as a record (anything else: an empty record).
pub fn record(v: Value) -> Record {
    match v {
        Value::Object(m) => m,
        _ => Record::new(),
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

/// Whether another record of `table` than `id` has `value` as its `field`
/// (trimmed, any case): names that must be unique.
pub fn taken(store: &Store, table: &str, id: u64, field: &str, value: &str) -> bool {
    store.records.all(table).any(|r| {
        r.get("id").and_then(Value::as_u64) != Some(id)
            && r.get(field)
                .and_then(Value::as_str)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case(value.trim()))
    })
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

/// Deep-merges `changes` into `target` (objects key by key, anything else replaced).
pub fn deep_merge(target: &mut Value, changes: &Map<String, Value>) {
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(t) = target else { return };
    for (k, v) in changes {
        match (t.get_mut(k), v) {
            (Some(existing @ Value::Object(_)), Value::Object(inner)) => {
                deep_merge(existing, inner)
            }
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
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
