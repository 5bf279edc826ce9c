//! `GET /api/v2/webhooks/{webhook_id}/invocations` and
//! `GET /api/v2/webhooks/{webhook_id}/invocations/{invocation_id}/attempts`
//! (rules-metrics reference 7.2): the Webhooks API's cursor pagination, whose
//! `meta` and `links` omit what does not apply, and its JSON:API-style errors.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::accounts::Account;
use super::error::ZendeskError;
use super::invocations::{Invocation, STATUSES};
use super::wire::json_response;
use super::{BaseUrl, RouteJson, Zendesk};

/// Invocations per page unless `page[size]` says otherwise (UNVERIFIED).
const DEFAULT_PAGE: usize = 30;
/// The largest `page[size]`.
const MAX_PAGE: usize = 100;

/// The invocation routes.
pub fn routes() -> Router<Arc<Zendesk>> {
    Router::new()
        .route_json(
            "/api/v2/webhooks/{webhook_id}/invocations",
            get(list_invocations),
        )
        .route_json(
            "/api/v2/webhooks/{webhook_id}/invocations/{invocation_id}/attempts",
            get(list_attempts),
        )
}

/// The routes above, for `GET /coverage`.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v2/webhooks/{webhook_id}/invocations"),
    (
        "GET",
        "/api/v2/webhooks/{webhook_id}/invocations/{invocation_id}/attempts",
    ),
];

fn bad(detail: String) -> ZendeskError {
    super::admin_api::problem(400, "InvalidValue", "Invalid value", detail)
}

/// What a list request asks for.
#[derive(Debug, Default, PartialEq)]
struct ListQuery {
    from: Option<OffsetDateTime>,
    to: Option<OffsetDateTime>,
    status: Option<String>,
    descending: bool,
    size: usize,
    size_given: bool,
    after: Option<String>,
    before: Option<String>,
}

fn timestamp(key: &str, v: &str) -> Result<OffsetDateTime, ZendeskError> {
    OffsetDateTime::parse(v, &Rfc3339)
        .map_err(|_| bad(format!("{key}: `{v}` is not an ISO 8601 timestamp")))
}

fn cursor(key: &str, v: &str) -> Result<String, ZendeskError> {
    let decoded = STANDARD
        .decode(v)
        .ok()
        .and_then(|b| String::from_utf8(b).ok());
    decoded
        .and_then(|d| d.split_once(',').map(|(id, _)| id.to_owned()))
        .ok_or_else(|| bad(format!("{key}: `{v}` is not a cursor")))
}

impl ListQuery {
    fn parse(raw: Option<&str>) -> Result<Self, ZendeskError> {
        let mut q = Self {
            descending: true,
            size: DEFAULT_PAGE,
            ..Self::default()
        };
        for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
            match k.as_ref() {
                "filter[from_ts]" => q.from = Some(timestamp(&k, &v)?),
                "filter[to_ts]" => q.to = Some(timestamp(&k, &v)?),
                "filter[status]" if STATUSES.contains(&v.as_ref()) => {
                    q.status = Some(v.into_owned());
                }
                "filter[status]" => {
                    return Err(bad(format!(
                        "filter[status]: `{v}` is not one of {}",
                        STATUSES.join(", ")
                    )));
                }
                "sort" => {
                    q.descending = match v.as_ref() {
                        "latest_completed_at" => false,
                        "-latest_completed_at" => true,
                        other => {
                            return Err(bad(format!(
                                "sort: `{other}` is not latest_completed_at or -latest_completed_at"
                            )));
                        }
                    }
                }
                "page[size]" => {
                    q.size = v
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=MAX_PAGE).contains(n))
                        .ok_or_else(|| {
                            bad(format!("page[size]: `{v}` is not between 1 and {MAX_PAGE}"))
                        })?;
                    q.size_given = true;
                }
                "page[after]" => q.after = Some(cursor(&k, &v)?),
                "page[before]" => q.before = Some(cursor(&k, &v)?),
                _ => {}
            }
        }
        Ok(q)
    }

    fn keeps(&self, i: &Invocation) -> bool {
        self.from.is_none_or(|f| i.at() >= f)
            && self.to.is_none_or(|t| i.at() <= t)
            && self.status.as_deref().is_none_or(|s| i.status == s)
    }

    fn encode(&self, id: &str) -> String {
        let dir = if self.descending { "desc" } else { "asc" };
        STANDARD.encode(format!("{id},{dir}"))
    }
}

/// One page of `all` (oldest first) as `q` asks, in the Webhooks API's envelope.
fn page(all: Vec<Invocation>, q: &ListQuery, url: &str) -> Result<Value, ZendeskError> {
    let mut items: Vec<Invocation> = all.into_iter().filter(|i| q.keeps(i)).collect();
    items.sort_by_key(|i| (i.at(), i.seq));
    if q.descending {
        items.reverse();
    }
    let position = |id: &str| {
        items.iter().position(|i| i.id == id).ok_or_else(|| {
            bad(format!(
                "the cursor names invocation {id}, which is not listed"
            ))
        })
    };
    let (start, end) = match (&q.after, &q.before) {
        (Some(after), _) => {
            let s = position(after)? + 1;
            (s, (s + q.size).min(items.len()))
        }
        (None, Some(before)) => {
            let e = position(before)?;
            (e.saturating_sub(q.size), e)
        }
        (None, None) => (0, q.size.min(items.len())),
    };
    let shown = &items[start..end];
    let mut meta = Map::new();
    let mut links = Map::new();
    let has_more = end < items.len();
    meta.insert("has_more".to_owned(), json!(has_more));
    let size = if q.size_given {
        format!("&page[size]={}", q.size)
    } else {
        String::new()
    };
    if let (Some(first), true) = (shown.first(), start > 0) {
        let c = q.encode(&first.id);
        links.insert(
            "prev".to_owned(),
            json!(format!("{url}?page[before]={c}{size}")),
        );
        meta.insert("before_cursor".to_owned(), json!(c));
    }
    if let (Some(last), true) = (shown.last(), has_more) {
        let c = q.encode(&last.id);
        links.insert(
            "next".to_owned(),
            json!(format!("{url}?page[after]={c}{size}")),
        );
        meta.insert("after_cursor".to_owned(), json!(c));
    }
    let invocations: Vec<Value> = shown.iter().map(Invocation::json).collect();
    Ok(json!({"meta": meta, "links": links, "invocations": invocations}))
}

/// The webhook's id when it exists, or the Webhooks API's 404.
fn existing(z: &Zendesk, raw: &str) -> Result<String, ZendeskError> {
    let id = raw.strip_suffix(".json").unwrap_or(raw);
    if z.store_read().webhooks.contains_key(id) {
        Ok(id.to_owned())
    } else {
        Err(super::admin_api::webhook_not_found(id))
    }
}

async fn list_invocations(
    Account(z): Account,
    Path(webhook): Path<String>,
    RawQuery(raw): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Result<Response, ZendeskError> {
    let id = existing(&z, &webhook)?;
    let q = ListQuery::parse(raw.as_deref())?;
    let url = format!("{base}/api/v2/webhooks/{id}/invocations");
    let body = page(z.hooks.invocations(&id), &q, &url)?;
    Ok(json_response(StatusCode::OK, &body))
}

async fn list_attempts(
    Account(z): Account,
    Path((webhook, invocation)): Path<(String, String)>,
) -> Result<Response, ZendeskError> {
    let id = existing(&z, &webhook)?;
    let invocation = invocation.strip_suffix(".json").unwrap_or(&invocation);
    let inv = z.hooks.invocation(&id, invocation).ok_or_else(|| {
        super::admin_api::problem(
            404,
            "InvocationNotFound",
            "Invocation not found",
            format!("Invocation {invocation} not found"),
        )
    })?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"attempts": inv.attempts_json(&id)}),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::breaker::BreakerSettings;
    use super::super::invocations::Hooks;
    use super::*;
    use time::macros::datetime;

    fn log(n: usize) -> Vec<Invocation> {
        let hooks = Hooks::default();
        let t0 = datetime!(2024-02-08 17:00:00 UTC);
        for i in 0..n {
            let at = t0 + std::time::Duration::from_secs(i as u64);
            hooks.begin(
                "W",
                &format!("I{i:02}"),
                at,
                (&BreakerSettings::default(), 0),
            );
        }
        hooks.invocations("W")
    }

    fn ids(v: &Value) -> Vec<&str> {
        v["invocations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn pages_run_newest_first_and_omit_what_does_not_apply() {
        let q = ListQuery::parse(Some("page[size]=2")).unwrap();
        let first = page(log(5), &q, "U").unwrap();
        assert_eq!(ids(&first), ["I04", "I03"]);
        assert_eq!(first["meta"]["has_more"], true);
        assert!(first["meta"].get("before_cursor").is_none());
        assert!(first["links"].get("prev").is_none());
        // The cursor is base64 of "<id>,desc", as captured.
        let after = first["meta"]["after_cursor"].as_str().unwrap();
        assert_eq!(STANDARD.decode(after).unwrap(), b"I03,desc");
        assert_eq!(
            first["links"]["next"],
            format!("U?page[after]={after}&page[size]=2")
        );
        let raw = format!("page[size]=2&page[after]={after}");
        let second = page(log(5), &ListQuery::parse(Some(&raw)).unwrap(), "U").unwrap();
        assert_eq!(ids(&second), ["I02", "I01"]);
        let raw = format!(
            "page[size]=2&page[after]={}",
            second["meta"]["after_cursor"].as_str().unwrap()
        );
        let last = page(log(5), &ListQuery::parse(Some(&raw)).unwrap(), "U").unwrap();
        assert_eq!(ids(&last), ["I00"]);
        assert_eq!(last["meta"]["has_more"], false);
        assert!(last["meta"].get("after_cursor").is_none());
        assert!(last["links"].get("next").is_none());
        let before = last["meta"]["before_cursor"].as_str().unwrap();
        let raw = format!("page[size]=2&page[before]={before}");
        let back = page(log(5), &ListQuery::parse(Some(&raw)).unwrap(), "U").unwrap();
        assert_eq!(ids(&back), ["I02", "I01"]);
    }

    #[test]
    fn filters_and_ascending_sort() {
        let q = ListQuery::parse(Some(
            "sort=latest_completed_at&filter[from_ts]=2024-02-08T17:00:01Z&filter[to_ts]=2024-02-08T17:00:03Z&filter[status]=scheduled",
        ))
        .unwrap();
        assert_eq!(ids(&page(log(5), &q, "U").unwrap()), ["I01", "I02", "I03"]);
        let q = ListQuery::parse(Some("filter[status]=success")).unwrap();
        assert!(ids(&page(log(5), &q, "U").unwrap()).is_empty());
    }

    #[test]
    fn bad_parameters_are_400s() {
        for raw in [
            "sort=created_at",
            "page[size]=0",
            "page[size]=101",
            "filter[status]=done",
            "filter[from_ts]=yesterday",
            "page[after]=%%%",
        ] {
            assert!(ListQuery::parse(Some(raw)).is_err(), "{raw}");
        }
    }
}
