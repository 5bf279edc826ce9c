//! Lists of a declared resource: equality filters, `sort_by`/`sort_order` (offset
//! pagination) and `sort` (cursor pagination), both paginations (through
//! [`page`](crate::vendors::zendesk::page)), side-loads, `show_many` and `count`.

use std::cmp::Ordering;

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::engine;
use super::sideload;
use super::spec::{Record, Spec, ts};
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

    /// The cursor's order name (`id`, `-created_at,id`), as Zendesk's cursors carry.
    fn cursor_name(&self) -> String {
        if self.field == "id" && !self.descending {
            return "id".to_owned();
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

/// Sorts records by `order`, ties broken by id.
pub fn sort(records: &mut [Record], order: &Order) {
    let null = Value::Null;
    records.sort_by(|a, b| {
        let by = compare(
            a.get(&order.field).unwrap_or(&null),
            b.get(&order.field).unwrap_or(&null),
        );
        let by = if order.descending { by.reverse() } else { by };
        by.then_with(|| compare(a.get("id").unwrap_or(&null), b.get("id").unwrap_or(&null)))
    });
}

fn matches_filter(rec: &Record, key: &str, want: &str) -> bool {
    let field = key
        .strip_prefix("filter[")
        .and_then(|k| k.strip_suffix(']'))
        .unwrap_or(key);
    match rec.get(field) {
        Some(Value::String(s)) => s.eq_ignore_ascii_case(want),
        Some(Value::Null) | None => want.is_empty() || want == "null",
        // Numbers and booleans compare by their JSON text (`active=true`, `user_id=5`).
        Some(other) => {
            let shown = other.to_string();
            shown == want
        }
    }
}

/// Keeps the records the query's filters select.
pub fn filter(spec: &Spec, records: Vec<Record>, q: &Query) -> Vec<Record> {
    records
        .into_iter()
        .filter(|r| {
            spec.filters
                .iter()
                .all(|k| q.get(k).is_none_or(|want| matches_filter(r, k, want)))
                && spec.select.is_none_or(|select| select(r, q))
        })
        .collect()
}

/// One page of `records` (already filtered) as the query asks: sorted, paged in
/// either scheme, with side-loads.
pub fn page_of(
    spec: &Spec,
    store: &Store,
    base: &str,
    path: &str,
    mut records: Vec<Record>,
    q: &Query,
) -> Result<Value, ZendeskError> {
    let order = order(spec, q)?;
    sort(&mut records, &order);
    let by_id = order.field == "id" && !order.descending;
    let items: Vec<(u64, Value)> = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let key = if by_id {
                r["id"].as_u64().unwrap_or_default()
            } else {
                i as u64 + 1
            };
            (key, engine::render(spec, base, r))
        })
        .collect();
    let mut keep: Vec<&str> = spec.filters.to_vec();
    keep.extend(["sort_by", "sort_order", "sort", "include"]);
    let mut out = page::list(
        spec.plural,
        path,
        &order.cursor_name(),
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
    let records = filter(spec, engine::records(spec, store), q);
    page_of(spec, store, base, spec.path, records, q)
}

/// A nested list: the records whose `field` is `parent`.
pub fn nested(
    spec: &Spec,
    store: &Store,
    base: &str,
    path: &str,
    field: &str,
    parent: u64,
    q: &Query,
) -> Result<Value, ZendeskError> {
    let records = engine::records(spec, store)
        .into_iter()
        .filter(|r| r.get(field).and_then(Value::as_u64) == Some(parent))
        .collect();
    let records = filter(spec, records, q);
    page_of(spec, store, base, path, records, q)
}

/// `GET {path}/{id}`: one record, with side-loads.
pub fn show(
    spec: &Spec,
    store: &Store,
    base: &str,
    id: u64,
    q: &Query,
) -> Result<Value, ZendeskError> {
    let rec = engine::find(spec, store, id)?;
    let mut out = json!({ spec.one: engine::render(spec, base, &rec) });
    sideload::attach(store, base, spec.side_loads, spec.one, q, &mut out);
    Ok(out)
}

/// `GET {path}/show_many?ids=`: the records found, in the order asked.
pub fn show_many(spec: &Spec, store: &Store, base: &str, q: &Query) -> Result<Value, ZendeskError> {
    let ids = q.ids("ids")?.ok_or_else(|| {
        ZendeskError::BadRequest("param is missing or the value is empty: ids".to_owned())
    })?;
    let all = engine::records(spec, store);
    let found: Vec<Value> = ids
        .iter()
        .filter_map(|id| all.iter().find(|r| r["id"].as_u64() == Some(*id)))
        .map(|r| engine::render(spec, base, r))
        .collect();
    let mut out = json!({ spec.plural: found, "next_page": null, "previous_page": null, "count": found.len() });
    sideload::attach(store, base, spec.side_loads, spec.plural, q, &mut out);
    Ok(out)
}

/// `{"count": {"value": N, "refreshed_at": ...}}`.
pub fn count_body(n: usize, now: OffsetDateTime) -> Value {
    json!({"count": {"value": n, "refreshed_at": ts(now)}})
}
