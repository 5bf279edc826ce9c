//! Lists of a declared resource: equality filters, `sort_by`/`sort_order` (offset
//! pagination) and `sort` (cursor pagination), both paginations (through
//! [`crate::vendors::zendesk::page`]), side-loads, `show_many` and `count`.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde::{Serialize, Serializer};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::engine;
use super::sideload;
use super::spec::{Record, Row, Spec, ts};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::page;
use crate::vendors::zendesk::store::Store;

pub use super::spec::Query;

/// How a list is ordered: by a record field, ascending or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    field: String,
    descending: bool,
}

impl Order {
    fn parse(spec: &str) -> Self {
        match spec.strip_prefix('-') {
            Some(f) => Self {
                field: f.to_owned(),
                descending: true,
            },
            None => Self {
                field: spec.to_owned(),
                descending: false,
            },
        }
    }

    /// The cursor's order name (`id`, `-created_at,id`), as Zendesk's cursors
    /// carry; `by_id` names the id order.
    fn cursor_name(&self, by_id: &str) -> String {
        if self.field == "id" && !self.descending {
            return by_id.to_owned();
        }
        let sign = if self.descending { "-" } else { "" };
        format!("{sign}{},id", self.field)
    }
}

/// The order a list query asks for, or a 400 naming the allowed keys.
pub fn order(spec: &Spec, q: &Query) -> Result<Order, ZendeskError> {
    let known = |key: &str| {
        spec.sort_keys
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, f)| *f)
    };
    let bad = |param: &str, v: &str| {
        let allowed: Vec<&str> = spec.sort_keys.iter().map(|(k, _)| *k).collect();
        ZendeskError::BadRequest(format!(
            "{param}: `{v}` is not one of: {}",
            allowed.join(", ")
        ))
    };
    if spec.sort_keys.is_empty() {
        // Which keys Zendesk sorts such a list by is UNKNOWN: it serves real
        // integrations that send one (a 400 would end their sync), so the list
        // keeps its own order.
        return Ok(Order::parse(spec.default_order));
    }
    if let Some(sort) = q.get("sort").filter(|s| !s.is_empty()) {
        let o = Order::parse(sort);
        let field = known(&o.field).ok_or_else(|| bad("sort", sort))?;
        return Ok(Order {
            field: field.to_owned(),
            descending: o.descending,
        });
    }
    let mut o = Order::parse(spec.default_order);
    if let Some(by) = q.get("sort_by").filter(|s| !s.is_empty()) {
        o.field = known(by).ok_or_else(|| bad("sort_by", by))?.to_owned();
        o.descending = false;
    }
    match q.get("sort_order") {
        None | Some("") => {}
        Some("asc") => o.descending = false,
        Some("desc") => o.descending = true,
        Some(other) => return Err(bad("sort_order", other)),
    }
    Ok(o)
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// Sorts rows by `order`, ties broken by id.
pub fn sort(rows: &mut Vec<&dyn Row>, order: &Order) {
    let null = Value::Null;
    let mut keyed: Vec<(Option<Cow<'_, Value>>, &dyn Row)> =
        rows.iter().map(|r| (r.field(&order.field), *r)).collect();
    keyed.sort_by(|(ka, a), (kb, b)| {
        let by = compare(
            ka.as_deref().unwrap_or(&null),
            kb.as_deref().unwrap_or(&null),
        );
        let by = if order.descending { by.reverse() } else { by };
        by.then_with(|| a.id().cmp(&b.id()))
    });
    *rows = keyed.into_iter().map(|(_, r)| r).collect();
}

fn matches_filter(row: &dyn Row, key: &str, want: &str) -> bool {
    let field = key
        .strip_prefix("filter[")
        .and_then(|k| k.strip_suffix(']'))
        .unwrap_or(key);
    match row.field(field).as_deref() {
        Some(Value::String(s)) => s.eq_ignore_ascii_case(want),
        Some(Value::Null) | None => want.is_empty() || want == "null",
        // Numbers and booleans compare by their JSON text (`active=true`, `user_id=5`).
        Some(other) => {
            let shown = other.to_string();
            shown == want
        }
    }
}

/// The values the query gives a filter: `key=v`, or several as `key[]=v1&key[]=v2`
/// (Zendesk's form for more than one role); a row matches any of them.
fn filter_values<'q>(q: &'q Query, key: &str) -> Vec<&'q str> {
    q.0.iter()
        .filter(|(k, _)| k == key || k.strip_suffix("[]") == Some(key))
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Keeps the rows the query's filters select.
pub fn filter<'s>(spec: &Spec, rows: Vec<&'s dyn Row>, q: &Query) -> Vec<&'s dyn Row> {
    let wanted: Vec<(&str, Vec<&str>)> = spec
        .filters
        .iter()
        .map(|k| (*k, filter_values(q, k)))
        .filter(|(_, values)| !values.is_empty())
        .collect();
    rows.into_iter()
        .filter(|r| {
            wanted
                .iter()
                .all(|(k, values)| values.iter().any(|want| matches_filter(*r, k, want)))
                && spec
                    .select
                    .is_none_or(|select| r.record().is_none_or(|rec| select(rec, q)))
        })
        .collect()
}

/// The rows of a resource: borrowed from the store, or computed from it.
pub enum Rows<'s> {
    /// Rows the store holds.
    Stored(Vec<&'s dyn Row>),
    /// Records derived from other state (ticket metrics).
    Computed(Vec<Record>),
}

impl<'s> Rows<'s> {
    /// Every row of the resource, in id order.
    pub fn of(spec: &Spec, store: &'s Store) -> Self {
        match (spec.rows, spec.derived) {
            (Some(table), _) => Self::Stored(table.rows(store)),
            (None, Some(derive)) => Self::Computed(derive(store)),
            (None, None) => Self::Stored(
                store
                    .records
                    .all(spec.table)
                    .map(|r| r as &dyn Row)
                    .collect(),
            ),
        }
    }

    /// The rows, to sort and filter.
    pub fn refs(&self) -> Vec<&dyn Row> {
        match self {
            Self::Stored(rows) => rows.clone(),
            Self::Computed(recs) => recs.iter().map(|r| r as &dyn Row).collect(),
        }
    }
}

/// One row: borrowed from the store, or computed.
pub enum One<'s> {
    /// A row the store holds.
    Stored(&'s dyn Row),
    /// A derived record.
    Computed(Record),
}

impl One<'_> {
    /// The row.
    pub fn row(&self) -> &dyn Row {
        match self {
            Self::Stored(r) => *r,
            Self::Computed(r) => r,
        }
    }
}

/// One row of a resource by id, or `RecordNotFound`.
pub fn find<'s>(spec: &Spec, store: &'s Store, id: u64) -> Result<One<'s>, ZendeskError> {
    let found = match (spec.rows, spec.derived) {
        (Some(table), _) => table.get(store, id).map(One::Stored),
        (None, Some(_)) => engine::find(spec, store, id).ok().map(One::Computed),
        (None, None) => store
            .records
            .get(spec.table, id)
            .map(|r| One::Stored(r as &dyn Row)),
    };
    found.ok_or(ZendeskError::RecordNotFound)
}

/// How many records a resource holds.
pub fn count(spec: &Spec, store: &Store) -> usize {
    match (spec.rows, spec.derived) {
        (Some(table), _) => table.count(store),
        (None, Some(derive)) => derive(store).len(),
        (None, None) => store.records.table(spec.table).map_or(0, |t| t.len()),
    }
}

/// A row as a page shows it: rendered when the page is serialized, so only
/// the rows on the page are rendered.
struct Shown<'a> {
    row: &'a dyn Row,
    spec: &'a Spec,
    base: &'a str,
}

impl Serialize for Shown<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.row.render(self.spec, self.base).serialize(s)
    }
}

/// One page of `records` (already filtered) as the query asks: sorted, paged in
/// either scheme, with side-loads.
pub fn page_of(
    spec: &Spec,
    store: &Store,
    base: &str,
    path: &str,
    records: Vec<Record>,
    q: &Query,
) -> Result<Value, ZendeskError> {
    let rows = records.iter().map(|r| r as &dyn Row).collect();
    page_rows(spec, store, base, path, rows, q)
}

/// One page of `rows` (already filtered) as the query asks: sorted, paged in
/// either scheme, with side-loads.
pub fn page_rows(
    spec: &Spec,
    store: &Store,
    base: &str,
    path: &str,
    mut rows: Vec<&dyn Row>,
    q: &Query,
) -> Result<Value, ZendeskError> {
    let order = order(spec, q)?;
    sort(&mut rows, &order);
    let by_id = order.field == "id" && !order.descending;
    let items: Vec<(u64, Shown<'_>)> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let key = if by_id { row.id() } else { i as u64 + 1 };
            let (row, spec, base) = (*row, spec, base);
            (key, Shown { row, spec, base })
        })
        .collect();
    let many: Vec<String> = spec.filters.iter().map(|k| format!("{k}[]")).collect();
    let mut keep: Vec<&str> = spec.filters.to_vec();
    keep.extend(many.iter().map(String::as_str));
    keep.extend(["sort_by", "sort_order", "sort", "include"]);
    let mut out = page::list(
        spec.plural,
        path,
        &order.cursor_name(spec.id_cursor),
        &items,
        &q.0,
        base,
        &keep,
    )?;
    sideload::attach(store, base, spec.side_loads, spec.plural, q, &mut out);
    if let Some(envelope) = spec.envelope {
        envelope(&mut out, q);
    }
    Ok(out)
}

/// `GET {path}`: the resource's list.
pub fn list(spec: &Spec, store: &Store, base: &str, q: &Query) -> Result<Value, ZendeskError> {
    let rows = Rows::of(spec, store);
    let rows = filter(spec, rows.refs(), q);
    page_rows(spec, store, base, spec.path, rows, q)
}

/// Whether a row's `field` is `parent`, or a list holding it (a ticket's
/// `collaborator_ids`).
fn under(row: &dyn Row, field: &str, parent: u64) -> bool {
    match row.field(field).as_deref() {
        Some(Value::Array(ids)) => ids.iter().any(|v| v.as_u64() == Some(parent)),
        Some(v) => v.as_u64() == Some(parent),
        None => false,
    }
}

/// A nested list: the records whose `field` is (or holds) `parent`.
pub fn nested(
    spec: &Spec,
    store: &Store,
    base: &str,
    path: &str,
    field: &str,
    parent: u64,
    q: &Query,
) -> Result<Value, ZendeskError> {
    let rows = Rows::of(spec, store);
    let rows = rows
        .refs()
        .into_iter()
        .filter(|r| under(*r, field, parent))
        .collect();
    let rows = filter(spec, rows, q);
    page_rows(spec, store, base, path, rows, q)
}

/// `GET {path}/{id}`: one record, with side-loads.
pub fn show(
    spec: &Spec,
    store: &Store,
    base: &str,
    id: u64,
    q: &Query,
) -> Result<Value, ZendeskError> {
    let one = find(spec, store, id)?;
    Ok(shown(spec, store, base, one.row(), q))
}

/// `{"<one>": record}` with the side-loads the query asks for.
pub fn shown(spec: &Spec, store: &Store, base: &str, row: &dyn Row, q: &Query) -> Value {
    let mut out = json!({ spec.one: row.render(spec, base) });
    sideload::attach(store, base, spec.side_loads, spec.one, q, &mut out);
    out
}

/// `GET {path}/show_many?ids=`: the records found, in the order asked; also by
/// `external_ids=` for resources filtered by `external_id`.
pub fn show_many(spec: &Spec, store: &Store, base: &str, q: &Query) -> Result<Value, ZendeskError> {
    let ids = q.ids("ids")?;
    let external: Option<Vec<&str>> = q
        .get("external_ids")
        .filter(|_| spec.filters.contains(&"external_id"))
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        });
    if ids.is_none() && external.is_none() {
        return Err(ZendeskError::BadRequest(
            "param is missing or the value is empty: ids".to_owned(),
        ));
    }
    if external
        .as_ref()
        .is_some_and(|x| x.len() > super::spec::MAX_BULK)
    {
        return Err(ZendeskError::TooManyValues);
    }
    let computed = match (spec.rows, spec.derived) {
        (None, Some(derive)) => derive(store),
        _ => Vec::new(),
    };
    let lookup = |id: u64| -> Option<&dyn Row> {
        match (spec.rows, spec.derived) {
            (Some(table), _) => table.get(store, id),
            (None, Some(_)) => computed
                .iter()
                .find(|r| r.id() == id)
                .map(|r| r as &dyn Row),
            (None, None) => store.records.get(spec.table, id).map(|r| r as &dyn Row),
        }
    };
    let mut found: Vec<&dyn Row> = ids.iter().flatten().filter_map(|id| lookup(*id)).collect();
    if let Some(external) = external {
        let rows = Rows::of(spec, store);
        let all = rows.refs();
        for x in external {
            let more: Vec<u64> = all
                .iter()
                .filter(|r| r.field("external_id").as_deref().and_then(Value::as_str) == Some(x))
                .map(|r| r.id())
                .filter(|id| !found.iter().any(|f| f.id() == *id))
                .collect();
            found.extend(more.into_iter().filter_map(lookup));
        }
    }
    let shown: Vec<Value> = found.iter().map(|r| r.render(spec, base)).collect();
    let mut out = json!({ spec.plural: shown, "next_page": null, "previous_page": null, "count": found.len() });
    sideload::attach(store, base, spec.side_loads, spec.plural, q, &mut out);
    Ok(out)
}

/// `{"count": {"value": N, "refreshed_at": ...}}`.
pub fn count_body(n: usize, now: OffsetDateTime) -> Value {
    json!({"count": {"value": n, "refreshed_at": ts(now)}})
}
