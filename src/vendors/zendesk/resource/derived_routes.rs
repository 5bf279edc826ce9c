//! The endpoints over the derived records: a ticket's metrics and audits, and the
//! account's audits (rules-metrics reference 2.2 to 2.5). The records themselves
//! are computed in [`derived`](super::derived).

use axum::extract::{Path, RawQuery};
use axum::routing::get;
use serde_json::{Value, json};

use super::derived::{TICKET_METRICS, metric_of};
use super::engine;
use super::routes::{Reply, Routes, Z, ok};
use super::spec::Query;
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::{IdParam, ZendeskError};
use crate::vendors::zendesk::extract::BaseUrl;
use crate::vendors::zendesk::page;

/// The extra routes: a ticket's metrics and audits, and the account's audits.
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/tickets/{ticket_id}/metrics",
        &["GET"],
        get(ticket_metric),
    )
    .add(
        "/api/v2/tickets/{ticket_id}/audits",
        &["GET"],
        get(ticket_audits),
    )
    .add(
        "/api/v2/tickets/{ticket_id}/audits/{audit_id}",
        &["GET"],
        get(ticket_audit),
    )
    .add("/api/v2/ticket_audits", &["GET"], get(account_audits))
}

async fn ticket_metric(Account(z): Z, IdParam(id): IdParam, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let m = metric_of(&store, store.ticket(id)?).ok_or(ZendeskError::RecordNotFound)?;
    Ok(ok(
        &json!({"ticket_metric": engine::render(&TICKET_METRICS, &base, &m)}),
    ))
}

async fn ticket_audits(
    Account(z): Z,
    IdParam(id): IdParam,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let store = z.store_read();
    let items: Vec<(u64, Value)> = store
        .ticket(id)?
        .audits
        .iter()
        .filter_map(|a| serde_json::to_value(a).ok().map(|v| (a.id, v)))
        .collect();
    let q = Query::parse(q.as_deref());
    let path = format!("/api/v2/tickets/{id}/audits");
    page::list("audits", &path, "id", &items, &q.0, &base, &[]).map(|v| ok(&v))
}

async fn ticket_audit(Account(z): Z, Path(raw): Path<Vec<(String, String)>>) -> Reply {
    let ids: Vec<u64> = raw
        .iter()
        .map(|(_, v)| {
            v.strip_suffix(".json")
                .unwrap_or(v)
                .parse()
                .map_err(|_| ZendeskError::RecordNotFound)
        })
        .collect::<Result<_, _>>()?;
    let store = z.store_read();
    let audit = store
        .ticket(ids[0])?
        .audits
        .iter()
        .find(|a| Some(&a.id) == ids.get(1))
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(ok(&json!({"audit": audit})))
}

/// `GET /api/v2/ticket_audits`: newest first. With `page[size]` the standard
/// cursor envelope [CAPTURE zenpy]; otherwise the legacy `limit`/`cursor` form with
/// `before_url`/`after_url` [DOC OAS].
async fn account_audits(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let mut all: Vec<Value> = store
        .tickets
        .values()
        .flat_map(|t| &t.audits)
        .filter_map(|a| serde_json::to_value(a).ok())
        .collect();
    all.sort_by(|a, b| {
        b["created_at"]
            .as_str()
            .cmp(&a["created_at"].as_str())
            .then(b["id"].as_u64().cmp(&a["id"].as_u64()))
    });
    let q = Query::parse(q.as_deref());
    if q.0.iter().any(|(k, _)| k.starts_with("page[")) {
        let items: Vec<(u64, Value)> = all
            .into_iter()
            .enumerate()
            .map(|(i, a)| (i as u64 + 1, a))
            .collect();
        return page::list(
            "audits",
            "/api/v2/ticket_audits",
            "-created_at,id",
            &items,
            &q.0,
            &base,
            &[],
        )
        .map(|v| ok(&v));
    }
    legacy_page(&all, &q, &base).map(|v| ok(&v))
}

/// The legacy form: `limit` (at most 1000) newest audits after `cursor`, with
/// `before_url` to older ones and `after_url` to newer ones.
fn legacy_page(all: &[Value], q: &Query, base: &str) -> Result<Value, ZendeskError> {
    let limit = match q.get("limit") {
        None => 1000,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| {
                ZendeskError::InvalidPagination("limit must be between 1 and 1000".to_owned())
            })?,
    };
    let start = match q.get("cursor") {
        None | Some("") => 0,
        Some(c) => usize::from_str_radix(c.trim_start_matches('a'), 16)
            .map_err(|_| ZendeskError::InvalidPagination(format!("invalid cursor: {c}")))?,
    };
    let end = (start + limit).min(all.len());
    let page: Vec<Value> = all
        .get(start.min(all.len())..end)
        .unwrap_or_default()
        .to_vec();
    let url = |c: &str| format!("{base}/api/v2/ticket_audits.json?cursor={c}&limit={limit}");
    let before = (end < all.len()).then(|| format!("a{end:x}"));
    let after = (start > 0).then(|| format!("a{:x}", start.saturating_sub(limit)));
    Ok(json!({
        "audits": page,
        "before_cursor": before, "before_url": before.as_deref().map(url),
        "after_cursor": after, "after_url": after.as_deref().map(url),
    }))
}
