//! The incremental article export and article search (rules-metrics-helpcenter
//! reference 9.4 and 9.5), read from the article records the engine keeps.

use axum::extract::RawQuery;
use axum::routing::get;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::guide::ARTICLES;
use crate::vendors::zendesk::BaseUrl;
use crate::vendors::zendesk::Caller;
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::resource::listing::Query;
use crate::vendors::zendesk::resource::routes::{Routes, Z, ok, require_staff};
use crate::vendors::zendesk::resource::{Record, engine};
use crate::vendors::zendesk::store::Store;

/// The most articles one export page holds \[DOC\].
pub const EXPORT_PAGE: usize = 1000;

/// `GET /api/v2/help_center/incremental/articles` and
/// `GET /api/v2/help_center/articles/search` (and its locale-prefixed form).
pub fn routes(r: Routes) -> Routes {
    let search_route = || {
        get(
            |Account(z): Z, RawQuery(q): RawQuery, BaseUrl(b): BaseUrl| async move {
                search(&z.store_read(), &b, &Query::parse(q.as_deref())).map(|v| ok(&v))
            },
        )
    };
    r.add(
        "/api/v2/help_center/incremental/articles",
        &["GET"],
        get(
            |Account(z): Z, c: Caller, RawQuery(q): RawQuery, BaseUrl(b): BaseUrl| async move {
                let store = z.store_read();
                // Agents or admins only [DOC].
                require_staff(&store, c)?;
                let q = Query::parse(q.as_deref());
                incremental(&store, &b, &q, z.now()).map(|v| ok(&v))
            },
        ),
    )
    .add(
        "/api/v2/help_center/articles/search",
        &["GET"],
        search_route(),
    )
    .add(
        "/api/v2/help_center/{locale}/articles/search",
        &["GET"],
        search_route(),
    )
}

/// A record's timestamp field as Unix seconds.
fn epoch(rec: &Record, key: &str) -> i64 {
    rec.get(key)
        .and_then(Value::as_str)
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
        .map_or(0, OffsetDateTime::unix_timestamp)
}

fn invalid(description: String) -> ZendeskError {
    ZendeskError::Plain {
        status: 400,
        error: "InvalidValue",
        description,
    }
}

/// Articles whose metadata changed at or after `start_time`, oldest first, up
/// to 1,000 a page; a page is never cut inside one second, so the next page's
/// `start_time` (the page's `end_time`) repeats and skips nothing. `next_page`
/// is null on the last page (UNVERIFIED, reference 11 `hc.incremental_eos`).
pub fn incremental(
    store: &Store,
    base: &str,
    q: &Query,
    now: OffsetDateTime,
) -> Result<Value, ZendeskError> {
    let raw = q
        .get("start_time")
        .ok_or_else(|| invalid("start_time is required".to_owned()))?;
    let start: i64 = raw
        .trim()
        .parse()
        .map_err(|_| invalid(format!("start_time must be an integer, got {raw}")))?;
    let per_page = match q.get("per_page") {
        None => EXPORT_PAGE,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| invalid("per_page must be a positive integer".to_owned()))?
            .min(EXPORT_PAGE),
    };
    let mut changed: Vec<(i64, u64, &Record)> = store
        .records
        .all(ARTICLES.table)
        .map(|a| {
            (
                epoch(a, "updated_at"),
                a["id"].as_u64().unwrap_or_default(),
                a,
            )
        })
        .filter(|(t, _, _)| *t >= start)
        .collect();
    changed.sort_by_key(|(t, id, _)| (*t, *id));
    let mut end = changed.len().min(per_page);
    while end < changed.len() && end > 0 && changed[end].0 == changed[end - 1].0 {
        end += 1;
    }
    let more = end < changed.len();
    let end_time = match changed[..end].last() {
        None => start,
        // The last second is complete unless it is still going on.
        Some((t, _, _)) if *t >= now.unix_timestamp() => *t,
        Some((t, _, _)) => t + 1,
    };
    let articles: Vec<Value> = changed[..end]
        .iter()
        .map(|(_, _, a)| engine::render(&ARTICLES, base, a))
        .collect();
    let next = more.then(|| {
        format!("{base}/api/v2/help_center/incremental/articles.json?start_time={end_time}")
    });
    Ok(
        json!({"articles": articles, "next_page": next, "end_time": end_time, "count": articles.len()}),
    )
}

/// `created_before=2024-01-31` and the like: an article's day against a date.
fn date_ok(rec: &Record, q: &Query, field: &str) -> Result<bool, ZendeskError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = rec
        .get(field)
        .and_then(Value::as_str)
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
        .map(OffsetDateTime::date);
    let stem = field.trim_end_matches("_at");
    for (suffix, keep) in [
        ("before", (|d, w| d < w) as fn(Date, Date) -> bool),
        ("after", |d, w| d > w),
        ("at", |d, w| d == w),
    ] {
        let key = format!("{stem}_{suffix}");
        if let Some(v) = q.get(&key) {
            let want = Date::parse(v, &format)
                .map_err(|_| invalid(format!("{key} must be a date (YYYY-MM-DD), got {v}")))?;
            if !day.is_some_and(|d| keep(d, want)) {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// An article's text without HTML tags.
fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Up to ~20 words of `text` around the first term, terms in `<em>`.
fn snippet(text: &str, terms: &[String]) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let hit = |w: &str| {
        let w = w.to_lowercase();
        terms.iter().any(|t| w.contains(t.as_str()))
    };
    let first = words.iter().position(|w| hit(w)).unwrap_or(0);
    let from = first.saturating_sub(5);
    words[from..(from + 20).min(words.len())]
        .iter()
        .map(|w| {
            if hit(w) {
                format!("<em>{w}</em>")
            } else {
                (*w).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a search's filters keep: locale, category, section and labels (any).
fn filters_ok(a: &Record, q: &Query) -> Result<bool, ZendeskError> {
    let locale_ok = match q.get("locale") {
        None | Some("*") => true,
        Some(l) => a["locale"]
            .as_str()
            .is_some_and(|x| x.eq_ignore_ascii_case(l)),
    };
    let in_list = |key: &str, field: &str| {
        q.get(key).is_none_or(|ids| {
            ids.split(',').any(|id| {
                a[field]
                    .as_u64()
                    .is_some_and(|x| x.to_string() == id.trim())
            })
        })
    };
    let labels_ok = q.get("label_names").is_none_or(|want| {
        let have = a["label_names"].as_array().cloned().unwrap_or_default();
        want.split(',')
            .any(|l| have.iter().any(|h| h.as_str() == Some(l.trim())))
    });
    Ok(locale_ok
        && in_list("category", "category_id")
        && in_list("section", "section_id")
        && labels_ok
        && date_ok(a, q, "created_at")?
        && date_ok(a, q, "updated_at")?)
}

/// `GET /api/v2/help_center/articles/search`: every term of `query` in the
/// title or body (case-insensitive), filtered, by relevance (term hits) or
/// `sort_by=created_at|updated_at`; offset pages of up to 100 (25 by default)
/// with `snippet` and `result_type` (shape UNVERIFIED, reference 9.5).
pub fn search(store: &Store, base: &str, q: &Query) -> Result<Value, ZendeskError> {
    let query = q.get("query").map(str::trim).unwrap_or_default();
    let filtered = ["category", "section", "label_names"]
        .iter()
        .any(|k| q.get(k).is_some_and(|v| !v.is_empty()));
    if query.is_empty() && !filtered {
        // "At least one of query, category, section or label_names" [3P].
        return Err(invalid(
            "Missing parameter: query, category, section or label_names".to_owned(),
        ));
    }
    let terms: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    let mut hits: Vec<(usize, Record, String)> = Vec::new();
    for a in store
        .records
        .all(ARTICLES.table)
        .filter(|a| a["draft"] != json!(true))
    {
        if !filters_ok(a, q)? {
            continue;
        }
        let title = a["title"].as_str().unwrap_or_default();
        let text = plain(&format!(
            "{title} {}",
            a["body"].as_str().unwrap_or_default()
        ));
        let lower = text.to_lowercase();
        if terms.iter().all(|t| lower.contains(t.as_str())) {
            let score = terms
                .iter()
                .map(|t| lower.matches(t.as_str()).count())
                .sum();
            hits.push((score, a.clone(), snippet(&text, &terms)));
        }
    }
    let descending = q.get("sort_order") != Some("asc");
    match q.get("sort_by") {
        Some(key @ ("created_at" | "updated_at")) => {
            hits.sort_by_key(|(_, a, _)| (epoch(a, key), a["id"].as_u64()));
            if descending {
                hits.reverse();
            }
        }
        None | Some("") => hits.sort_by(|x, y| {
            y.0.cmp(&x.0)
                .then(x.1["id"].as_u64().cmp(&y.1["id"].as_u64()))
        }),
        Some(other) => {
            return Err(invalid(format!(
                "sort_by: `{other}` is not one of: created_at, updated_at"
            )));
        }
    }
    search_page(base, q, &hits)
}

fn search_page(
    base: &str,
    q: &Query,
    hits: &[(usize, Record, String)],
) -> Result<Value, ZendeskError> {
    let number = |k: &str, default: usize| match q.get(k) {
        None => Ok(default),
        Some(v) => v.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
            ZendeskError::InvalidPagination(format!("{k} must be a positive integer"))
        }),
    };
    let per_page = number("per_page", 25)?.min(100);
    let page = number("page", 1)?;
    let start = (page - 1).saturating_mul(per_page).min(hits.len());
    let end = (start + per_page).min(hits.len());
    let results: Vec<Value> = hits[start..end]
        .iter()
        .map(|(_, a, snip)| {
            let mut v = engine::render(&ARTICLES, base, a);
            v["snippet"] = json!(snip);
            v["result_type"] = json!("article");
            v
        })
        .collect();
    let link = |p: usize| {
        let mut kept: Vec<(String, String)> =
            q.0.iter()
                .filter(|(k, _)| k != "page" && k != "per_page")
                .cloned()
                .collect();
        kept.push(("page".to_owned(), p.to_string()));
        kept.push(("per_page".to_owned(), per_page.to_string()));
        let qs = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        format!("{base}/api/v2/help_center/articles/search.json?{qs}")
    };
    Ok(json!({
        "results": results, "page": page, "per_page": per_page,
        "page_count": hits.len().div_ceil(per_page), "count": hits.len(),
        "next_page": (end < hits.len()).then(|| link(page + 1)),
        "previous_page": (page > 1).then(|| link(page - 1)),
    }))
}
