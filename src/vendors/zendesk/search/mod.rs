//! Search (`/api/v2/search`, `/search/count`, `/search/export`): the query language's
//! common subset ([`query`]) evaluated against the store ([`matcher`]). The fake
//! indexes at once: a record changed through the API is found by the next search.

pub mod matcher;
pub mod query;

use crate::vendors::zendesk::accounts::Account;
use std::sync::Arc;

use axum::Router;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::{Value, json};

use self::matcher::{Compiled, Record, priority_rank, status_rank};
use super::error::ZendeskError;
use super::error::json_page;
use super::extract::{BaseUrl, Caller, RouteJson};
use super::fake::Zendesk;
use super::org::org_out;
use super::store::Store;
use super::wire::json_response;
use super::wire::{TicketOut, UserOut};

/// The most results one query can page through (\[DOC\] "up to 1,000 results").
pub const RESULT_WINDOW: usize = 1000;
/// The most results per page of `/search`.
pub const MAX_PER_PAGE: usize = 100;
/// The most results per page of `/search/export`.
pub const MAX_EXPORT_PAGE: usize = 1000;

/// The search routes.
pub fn routes() -> Router<Arc<Zendesk>> {
    Router::new()
        .route_json("/api/v2/search", routing::get(search))
        .route_json("/api/v2/search/count", routing::get(count))
        .route_json("/api/v2/search/export", routing::get(export))
}

type Z = Account;
type Reply = Result<Response, ZendeskError>;

fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn bad(description: impl Into<String>) -> ZendeskError {
    ZendeskError::BadRequest(description.into())
}

/// Search is for agents and admins: end users get Zendesk's 403.
fn require_staff(store: &Store, caller: Caller) -> Result<(), ZendeskError> {
    match store.users.get(&caller.0) {
        Some(u) if u.role.is_staff() => Ok(()),
        _ => Err(ZendeskError::Forbidden),
    }
}

/// Every record the query matches, of the `only` type if given.
fn matching<'a>(
    store: &'a Store,
    z: &Zendesk,
    caller: Caller,
    text: &str,
    only: Option<&str>,
) -> Vec<Record<'a>> {
    let q = query::parse(text);
    let compiled = Compiled::new(&q, store, z.now(), caller.0);
    let types = q.types();
    let wants = |t: &str| only.is_none_or(|o| o == t) && (types.is_empty() || types.contains(&t));
    let mut out = Vec::new();
    if wants("ticket") {
        out.extend(
            store
                .tickets
                .values()
                .map(Record::Ticket)
                .filter(|r| compiled.matches(*r)),
        );
    }
    if wants("user") {
        out.extend(
            store
                .users
                .values()
                .map(Record::User)
                .filter(|r| compiled.matches(*r)),
        );
    }
    if wants("organization") {
        out.extend(
            store
                .organizations()
                .map(Record::Org)
                .filter(|r| compiled.matches(*r)),
        );
    }
    out
}

/// A `/search` page, serialized straight into the reply.
#[derive(Serialize)]
struct SearchPage<'a> {
    results: Vec<Hit<'a>>,
    facets: (),
    next_page: Option<String>,
    previous_page: Option<String>,
    count: usize,
}

/// A `/search/export` page.
#[derive(Serialize)]
struct ExportPage<'a> {
    results: Vec<Hit<'a>>,
    facets: (),
    meta: Value,
    links: Value,
}

/// A result: the record as its own endpoint shows it, plus `result_type`.
#[derive(Serialize)]
struct Hit<'a> {
    #[serde(flatten)]
    record: HitRecord<'a>,
    result_type: &'static str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum HitRecord<'a> {
    Ticket(TicketOut<'a>),
    User(UserOut<'a>),
    Org(Value),
}

fn hit<'a>(base: &'a str, r: Record<'a>) -> Hit<'a> {
    Hit {
        result_type: r.type_name(),
        record: match r {
            Record::Ticket(t) => HitRecord::Ticket(TicketOut::new(base, t)),
            Record::User(u) => HitRecord::User(UserOut::new(base, u)),
            Record::Org(o) => HitRecord::Org(org_out(base, o)),
        },
    }
}

/// Sorts by `sort_by` (or the query's `order_by`) and `sort_order` (default desc).
/// Without either the fake's "relevance" is `updated_at`, newest first.
fn sort(
    records: &mut [Record<'_>],
    by: Option<&str>,
    order: Option<&str>,
) -> Result<(), ZendeskError> {
    type SortKey = (i128, u64);
    let key: fn(&Record<'_>) -> SortKey = match by.unwrap_or("updated_at") {
        "updated_at" | "updated" | "relevance" => |r| (r.updated().unix_timestamp_nanos(), r.id()),
        "created_at" | "created" => |r| (r.created().unix_timestamp_nanos(), r.id()),
        "priority" => |r| match r {
            Record::Ticket(t) => (t.priority.map_or(0, priority_rank) as i128, t.id),
            _ => (-1, r.id()),
        },
        "status" => |r| match r {
            Record::Ticket(t) => (status_rank(t.status) as i128, t.id),
            _ => (-1, r.id()),
        },
        "ticket_type" => |r| match r {
            Record::Ticket(t) => (t.kind.map_or(0, |k| k as i128 + 1), t.id),
            _ => (-1, r.id()),
        },
        other => {
            return Err(bad(format!(
                "sort_by must be one of updated_at, created_at, priority, status, ticket_type (got {other})"
            )));
        }
    };
    records.sort_by_key(key);
    match order.unwrap_or("desc") {
        "desc" => records.reverse(),
        "asc" => {}
        other => return Err(bad(format!("sort_order must be asc or desc (got {other})"))),
    }
    Ok(())
}

fn positive(q: &[(String, String)], key: &str, default: usize) -> Result<usize, ZendeskError> {
    param(q, key).map_or(Ok(default), |v| {
        v.trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                ZendeskError::InvalidPagination(format!("{key} must be a positive integer"))
            })
    })
}

/// The 422 past the 1,000-result window (body from a real traceback, zenpy #371).
fn window_error() -> ZendeskError {
    ZendeskError::Plain {
        status: 422,
        error: "invalid",
        description:
            "Invalid search: Requested response size was greater than Search Response Limits"
                .to_owned(),
    }
}

fn search_link(base: &str, q: &[(String, String)], page: usize) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("page", &page.to_string());
    for (k, v) in q.iter().filter(|(k, _)| k != "page") {
        s.append_pair(k, v);
    }
    format!("{base}/api/v2/search.json?{}", s.finish())
}

async fn search(
    Account(z): Z,
    caller: Caller,
    RawQuery(raw): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let q = pairs(raw.as_deref());
    let text =
        param(&q, "query").ok_or_else(|| bad("param is missing or the value is empty: query"))?;
    let page = positive(&q, "page", 1)?;
    let per_page = positive(&q, "per_page", MAX_PER_PAGE)?.min(MAX_PER_PAGE);
    if page.saturating_mul(per_page) > RESULT_WINDOW {
        return Err(window_error());
    }
    let store = z.store_read();
    require_staff(&store, caller)?;
    let parsed = query::parse(text);
    let mut found = matching(&store, &z, caller, text, None);
    let by = param(&q, "sort_by").or(parsed.order_by.as_deref());
    sort(
        &mut found,
        by,
        param(&q, "sort_order").or(parsed.sort.as_deref()),
    )?;
    let start = (page - 1) * per_page;
    let end = (start + per_page).min(found.len());
    let hits: Vec<Hit<'_>> = found
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .map(|r| hit(&base, *r))
        .collect();
    let more = end < found.len().min(RESULT_WINDOW);
    let body = SearchPage {
        results: hits,
        facets: (),
        next_page: more.then(|| search_link(&base, &q, page + 1)),
        previous_page: (page > 1).then(|| search_link(&base, &q, page - 1)),
        count: found.len(),
    };
    Ok(json_response(StatusCode::OK, &body))
}

async fn count(Account(z): Z, caller: Caller, RawQuery(raw): RawQuery) -> Reply {
    let q = pairs(raw.as_deref());
    let text =
        param(&q, "query").ok_or_else(|| bad("param is missing or the value is empty: query"))?;
    let store = z.store_read();
    require_staff(&store, caller)?;
    let n = matching(&store, &z, caller, text, None).len();
    Ok(json_response(StatusCode::OK, &json!({"count": n})))
}

/// The export cursor: base64 JSON in the captured shape (`field`, `desc`,
/// `tieBreakField`, `sortValues` = [created_at ms, id]).
fn export_cursor(r: &Record<'_>) -> String {
    let ms = r.created().unix_timestamp_nanos() / 1_000_000;
    STANDARD.encode(
        json!({"field": "created_at", "desc": true, "tieBreakField": "id", "tieBreakDesc": false,
               "sortValues": [ms, r.id()]})
        .to_string(),
    )
}

fn read_export_cursor(c: &str) -> Option<(i128, u64)> {
    let v: Value = serde_json::from_slice(&STANDARD.decode(c.trim()).ok()?).ok()?;
    let s = v.get("sortValues")?.as_array()?;
    Some((i128::from(s.first()?.as_i64()?), s.get(1)?.as_u64()?))
}

async fn export(
    Account(z): Z,
    caller: Caller,
    RawQuery(raw): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let q = pairs(raw.as_deref());
    let text =
        param(&q, "query").ok_or_else(|| bad("param is missing or the value is empty: query"))?;
    let kind = param(&q, "filter[type]")
        .ok_or_else(|| bad("param is missing or the value is empty: filter[type]"))?;
    if !matches!(kind, "ticket" | "user" | "organization" | "group") {
        return Err(bad(
            "filter[type] must be one of ticket, user, organization, group",
        ));
    }
    if query::parse(text).types().iter().any(|t| *t != kind) {
        return Err(bad(
            "The query must not name a type other than filter[type]",
        ));
    }
    let size = positive(&q, "page[size]", 100)?;
    if size > MAX_EXPORT_PAGE {
        return Err(ZendeskError::InvalidPagination(format!(
            "page[size] is greater than the maximum allowed of {MAX_EXPORT_PAGE}"
        )));
    }
    let after = match param(&q, "page[after]").filter(|c| !c.is_empty()) {
        Some(c) => Some(read_export_cursor(c).ok_or_else(|| bad("Invalid cursor"))?),
        None => None,
    };
    let store = z.store_read();
    require_staff(&store, caller)?;
    let mut found = matching(&store, &z, caller, text, Some(kind));
    // Newest first, ties by id ascending (the captured cursor's order).
    let pos = |r: &Record<'_>| (-(r.created().unix_timestamp_nanos() / 1_000_000), r.id());
    found.sort_by_key(pos);
    let start = after.map_or(0, |(ms, id)| found.partition_point(|r| pos(r) <= (-ms, id)));
    let end = (start + size).min(found.len());
    let page = found.get(start..end).unwrap_or_default();
    let has_more = end < found.len();
    let cursor = page.last().map(export_cursor);
    let next = cursor.as_ref().filter(|_| has_more).map(|c| {
        let mut s = form_urlencoded::Serializer::new(String::new());
        s.append_pair("filter[type]", kind)
            .append_pair("page[after]", c);
        s.append_pair("page[size]", &size.to_string())
            .append_pair("query", text);
        format!("{base}/api/v2/search/export.json?{}", s.finish())
    });
    let results: Vec<Hit<'_>> = page.iter().map(|r| hit(&base, *r)).collect();
    let body = ExportPage {
        results,
        facets: (),
        meta: json!({"has_more": has_more, "after_cursor": cursor, "before_cursor": null}),
        links: json!({"prev": null, "next": next}),
    };
    Ok(json_page(&body, body.results.len()))
}
