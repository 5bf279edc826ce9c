//! Search bodies and cursor pages, as `POST /v2/conversations/search` takes them
//! (REFERENCE smartsupp-rest-v2 6.1), free of I/O. Contacts are searched the same
//! way.
//!
//! `{"size":50, "query":[{"field":"status","value":["open","served"]}],
//! "sort":[{"created_at":"desc"}], "after":null, "timezone":"..."}` answers
//! `{"total":N, "after":[...] or null, "items":[...]}`. A filter's `value` is a
//! scalar or a list matched by any member; on a date field a two-element list is an
//! inclusive range; `op: must_not` negates. Field and sort names are accepted in
//! snake_case and camelCase. The cursor is the last item's sort value and id.

use serde_json::{Map, Value, json};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::super::error::SmartsuppError;

/// The page size when none is given, and the most without `allowExtraSize`
/// (\[3P-hint\] internal spec).
pub const DEFAULT_SIZE: usize = 100;
/// See [`DEFAULT_SIZE`].
pub const MAX_SIZE: usize = 250;

/// One filter of `query`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// The snake_case field.
    pub field: String,
    /// What it must equal (any of).
    pub values: Vec<Value>,
    /// A date range `[from, to]` in epoch ms, for date fields.
    pub range: Option<(i64, i64)>,
    /// `must_not`.
    pub negate: bool,
}

/// A parsed search.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// Every filter must hold.
    pub filters: Vec<Filter>,
    /// The snake_case date field sorted on.
    pub sort: String,
    /// Descending.
    pub desc: bool,
    /// Page size.
    pub size: usize,
    /// Resume after this (sort value, id).
    pub after: Option<(i64, u64)>,
}

/// `finishedAt` → `finished_at`.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn is_date(field: &str) -> bool {
    field.ends_with("_at")
}

fn invalid(path: &str, why: &str) -> SmartsuppError {
    SmartsuppError::Validation(path.to_owned(), why.to_owned())
}

/// A UTC offset for `timezone`: `UTC`/`GMT`/`Z` or `+HH:MM`. Other zone names
/// are read as UTC (the fake holds no time-zone database).
fn zone(body: &Map<String, Value>) -> UtcOffset {
    let Some(tz) = body.get("timezone").and_then(Value::as_str) else {
        return UtcOffset::UTC;
    };
    let fmt = time::macros::format_description!("[offset_hour sign:mandatory]:[offset_minute]");
    UtcOffset::parse(tz, &fmt).unwrap_or(UtcOffset::UTC)
}

/// Epoch ms of an ISO date: with `Z` or an offset as written, without one in `tz`.
pub fn parse_date(text: &str, tz: UtcOffset) -> Option<i64> {
    let ms = |t: OffsetDateTime| i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return ms(t);
    }
    let full = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    if let Ok(t) = PrimitiveDateTime::parse(text, &full) {
        return ms(t.assume_offset(tz));
    }
    let day = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(text, &day).ok()?;
    ms(d.midnight().assume_offset(tz))
}

fn filter(i: usize, f: &Value, fields: &[&str], tz: UtcOffset) -> Result<Filter, SmartsuppError> {
    let path = format!("query[{i}]");
    let Some(name) = f.get("field").and_then(Value::as_str) else {
        return Err(invalid(&format!("{path}.field"), "is required"));
    };
    let field = snake(name);
    if !fields.contains(&field.as_str()) {
        return Err(invalid(
            &format!("{path}.field"),
            &format!(
                "should be equal to one of the allowed values: {}",
                fields.join(", ")
            ),
        ));
    }
    let negate = match f.get("op").and_then(Value::as_str) {
        None | Some("must") => false,
        Some("must_not") => true,
        Some(_) => {
            return Err(invalid(
                &format!("{path}.op"),
                "should be equal to one of the allowed values: must, must_not",
            ));
        }
    };
    let values = match f.get("value") {
        Some(Value::Array(a)) => a.clone(),
        Some(v) if !v.is_null() => vec![v.clone()],
        _ => return Err(invalid(&format!("{path}.value"), "is required")),
    };
    let mut range = None;
    if is_date(&field) {
        let dates: Option<Vec<i64>> = values
            .iter()
            .map(|v| v.as_str().and_then(|s| parse_date(s, tz)))
            .collect();
        let Some(dates) = dates else {
            return Err(invalid(&format!("{path}.value"), "should be a date-time"));
        };
        range = match dates.as_slice() {
            [at] => Some((*at, *at)),
            [from, to] => Some((*from, *to)),
            _ => {
                return Err(invalid(
                    &format!("{path}.value"),
                    "should be a date or a range of two",
                ));
            }
        };
    }
    Ok(Filter {
        field,
        values,
        range,
        negate,
    })
}

fn sort(body: &Map<String, Value>, sorts: &[&str]) -> Result<(String, bool), SmartsuppError> {
    let Some(list) = body.get("sort").filter(|v| !v.is_null()) else {
        return Ok(("created_at".to_owned(), true));
    };
    let first = list
        .as_array()
        .and_then(|a| a.first())
        .and_then(Value::as_object)
        .and_then(|o| o.iter().next());
    let Some((key, dir)) = first else {
        return Err(invalid("sort", "should be a list of {field: asc|desc}"));
    };
    let key = snake(key);
    if !sorts.contains(&key.as_str()) {
        return Err(invalid(
            "sort[0]",
            &format!("should be one of the allowed fields: {}", sorts.join(", ")),
        ));
    }
    match dir.as_str() {
        Some("asc") => Ok((key, false)),
        Some("desc") => Ok((key, true)),
        _ => Err(invalid(
            "sort[0]",
            "should be equal to one of the allowed values: asc, desc",
        )),
    }
}

/// Reads a search body; `fields` may be filtered on, `sorts` sorted on.
pub fn parse(
    body: &Map<String, Value>,
    fields: &[&str],
    sorts: &[&str],
    extra_size: bool,
) -> Result<Search, SmartsuppError> {
    let tz = zone(body);
    let size = match body.get("size") {
        None | Some(Value::Null) => DEFAULT_SIZE,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 && (extra_size || n <= MAX_SIZE as u64) => {
                usize::try_from(n).unwrap_or(usize::MAX)
            }
            _ => {
                return Err(SmartsuppError::Invalid(format!(
                    "Property size must be an integer between 1 and {MAX_SIZE}"
                )));
            }
        },
    };
    let filters = match body.get("query") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(q)) => q
            .iter()
            .enumerate()
            .map(|(i, f)| filter(i, f, fields, tz))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(invalid("query", "should be array")),
    };
    let (sort, desc) = sort(body, sorts)?;
    let after = match body.get("after") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => match a.as_slice() {
            [k, id] => k.as_i64().zip(id.as_u64()),
            [k] => k.as_i64().map(|k| (k, if desc { u64::MAX } else { 0 })),
            _ => None,
        }
        .map(Some)
        .ok_or_else(|| invalid("after", "should be the cursor of the previous page"))?,
        Some(_) => return Err(invalid("after", "should be array")),
    };
    Ok(Search {
        filters,
        sort,
        desc,
        size,
        after,
    })
}

fn same(a: &Value, b: &Value) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text(a) == text(b)
}

fn date_ms(v: &Value) -> Option<i64> {
    v.as_str().and_then(|s| parse_date(s, UtcOffset::UTC))
}

/// Whether the object `o` passes one filter.
pub fn matches(o: &Value, f: &Filter) -> bool {
    let v = &o[f.field.as_str()];
    let hit = match (&f.range, v) {
        (Some((from, to)), v) => date_ms(v).is_some_and(|t| *from <= t && t <= *to),
        (None, Value::Array(items)) => items.iter().any(|i| f.values.iter().any(|w| same(i, w))),
        (None, v) => f.values.iter().any(|w| same(v, w)),
    };
    hit != f.negate
}

/// The page of `objects` (each with a numeric-string `id`) the search asks for.
pub fn page(objects: Vec<Value>, s: &Search) -> Value {
    let key = |o: &Value| {
        let at = date_ms(&o[s.sort.as_str()]).unwrap_or(-1);
        let id = o["id"]
            .as_str()
            .and_then(|i| i.parse().ok())
            .unwrap_or(0u64);
        (at, id)
    };
    let mut hits: Vec<((i64, u64), Value)> = objects
        .into_iter()
        .filter(|o| s.filters.iter().all(|f| matches(o, f)))
        .map(|o| (key(&o), o))
        .collect();
    hits.sort_by_key(|(k, _)| *k);
    if s.desc {
        hits.reverse();
    }
    let total = hits.len();
    let start = s.after.map_or(0, |cursor| {
        hits.iter()
            .position(|(k, _)| if s.desc { *k < cursor } else { *k > cursor })
            .unwrap_or(total)
    });
    let end = start.saturating_add(s.size).min(total);
    let after = if end < total {
        let (at, id) = hits[end - 1].0;
        json!([at, id])
    } else {
        Value::Null
    };
    let items: Vec<Value> = hits.drain(start..end).map(|(_, o)| o).collect();
    json!({"total": total, "after": after, "items": items})
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[&str] = &["status", "created_at", "agent_ids"];

    fn search(body: Value) -> Result<Search, SmartsuppError> {
        parse(body.as_object().unwrap(), FIELDS, &["created_at"], false)
    }

    #[test]
    fn camel_case_names_and_ranges_without_offset_are_read() {
        let s = search(json!({"timezone": "+02:00", "query": [
            {"field": "createdAt", "value": ["2020-08-08T00:00:00", "2020-08-08T23:59:59Z"]}]}))
        .unwrap();
        let (from, to) = s.filters[0].range.unwrap();
        assert_eq!(
            from, 1_596_837_600_000,
            "midnight at +02:00 is 22:00 UTC the day before"
        );
        assert_eq!(to, 1_596_931_199_000, "Z ignores the timezone");
        assert_eq!((s.size, s.desc), (DEFAULT_SIZE, true));
    }

    #[test]
    fn unknown_fields_and_oversized_pages_are_refused() {
        assert!(matches!(
            search(json!({"query": [{"field": "colour", "value": "red"}]})),
            Err(SmartsuppError::Validation(p, _)) if p == "query[0].field"
        ));
        assert!(matches!(
            search(json!({"size": 251})),
            Err(SmartsuppError::Invalid(_))
        ));
    }

    #[test]
    fn pages_follow_the_cursor_without_gaps_or_repeats() {
        let objects: Vec<Value> = (1..=5)
            .map(|i| json!({"id": i.to_string(), "created_at": "2024-01-01T00:00:00.000Z", "status": "open"}))
            .collect();
        let mut s = search(json!({"size": 2})).unwrap();
        let mut seen = Vec::new();
        loop {
            let p = page(objects.clone(), &s);
            assert_eq!(p["total"], 5);
            seen.extend(
                p["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o["id"].clone()),
            );
            if p["after"].is_null() {
                break;
            }
            s.after = Some((
                p["after"][0].as_i64().unwrap(),
                p["after"][1].as_u64().unwrap(),
            ));
        }
        assert_eq!(
            seen,
            [json!("5"), json!("4"), json!("3"), json!("2"), json!("1")]
        );
    }

    #[test]
    fn list_values_match_any_member_and_must_not_negates() {
        let o = json!({"status": "served", "agent_ids": ["3", "4"]});
        let f = |v: Value, negate| Filter {
            field: "agent_ids".to_owned(),
            values: vec![v],
            range: None,
            negate,
        };
        assert!(matches(&o, &f(json!(4), false)));
        assert!(!matches(&o, &f(json!("4"), true)));
    }
}
