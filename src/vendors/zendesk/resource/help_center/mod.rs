//! Zendesk Help Center (Guide) and Community (Gather), declared on the resource
//! engine (rules-metrics-helpcenter reference section 9): categories, sections,
//! articles and their comments, translations, labels, attachments, votes and
//! subscriptions; topics,
//! posts and post comments; the incremental article export and article search.
//!
//! Help Center objects differ from the Support API's in three ways the
//! declarations carry: `url`s hold the locale (and an article's its slug), lists
//! answer Help Center's pagination envelope, and end users may write comments,
//! posts and votes.

pub mod attachments;
pub mod community;
pub mod export;
pub mod guide;
pub mod label_routes;
pub mod labels;
pub mod permissions;
pub mod translations;
pub mod votes;

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::resource::engine::{self, Who};
use crate::vendors::zendesk::resource::listing::Query;
use crate::vendors::zendesk::resource::routes::Routes;
use crate::vendors::zendesk::resource::{Record, Spec, id_of};
use crate::vendors::zendesk::store::Store;

/// Every Help Center and Community resource, parents before children.
pub const SPECS: &[&Spec] = &[
    &guide::CATEGORIES,
    &guide::SECTIONS,
    &guide::ARTICLES,
    &labels::LABELS,
    &attachments::ARTICLE_ATTACHMENTS,
    &guide::ARTICLE_COMMENTS,
    &translations::TRANSLATIONS,
    &community::TOPICS,
    &community::POSTS,
    &community::POST_COMMENTS,
    &votes::VOTES,
    &votes::ARTICLE_SUBSCRIPTIONS,
    &votes::SECTION_SUBSCRIPTIONS,
    &votes::POST_SUBSCRIPTIONS,
    &votes::TOPIC_SUBSCRIPTIONS,
    &permissions::USER_SEGMENTS,
    &permissions::PERMISSION_GROUPS,
];

/// The routes built on the declarations: votes, the export and search.
pub fn routes(r: Routes) -> Routes {
    let r = translations::routes(export::routes(votes::routes(r)));
    attachments::routes(label_routes::routes(r))
}

/// The default locale of the fake's help center.
pub const LOCALE: &str = "en-us";

/// `Some-title` from `Some title!` (the slug in `html_url`s \[CAPTURE\]).
pub fn slug(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// The record's locale, lower-case, or the default.
pub fn locale_of(rec: &Record) -> String {
    rec.get("locale")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
        .unwrap_or(LOCALE)
        .to_ascii_lowercase()
}

/// `https://{sub}.zendesk.com/hc/{locale}/{kind}/{id}-{slug}` \[CAPTURE\].
pub fn html_url(store: &Store, kind: &str, rec: &Record, title_key: &str) -> Value {
    let id = rec.get("id").and_then(Value::as_u64).unwrap_or_default();
    let title = rec
        .get(title_key)
        .and_then(Value::as_str)
        .unwrap_or_default();
    json!(format!(
        "https://{}.zendesk.com/hc/{}/{kind}/{id}-{}",
        store.settings().subdomain,
        locale_of(rec),
        slug(title)
    ))
}

/// A 422 unless `key` names a record of `table` (a reference must be real).
pub fn require_ref(
    store: &Store,
    rec: &Record,
    key: &str,
    table: &str,
    title: &str,
) -> Result<u64, ZendeskError> {
    rec.get(key)
        .and_then(id_of)
        .filter(|id| store.records.get(table, *id).is_some())
        .ok_or_else(|| ZendeskError::invalid(key, format!("{title}: is invalid"), "InvalidValue"))
}

/// The author: the input's `author_id` (a real user; staff only may set it) or
/// the caller.
pub fn author(store: &Store, rec: &Record, actor: u64) -> Result<u64, ZendeskError> {
    let Some(v) = rec.get("author_id").filter(|v| !v.is_null()) else {
        return Ok(actor);
    };
    id_of(v)
        .filter(|id| store.users.contains_key(id))
        .ok_or_else(|| ZendeskError::invalid("author_id", "Author: is invalid", "InvalidValue"))
}

/// Help Center's list envelope [CAPTURE zenpy 2023-09-18, 2024-02-08]: cursor
/// pages link `first`, `last`, and `next`/`prev` only where they exist, without
/// `.json`; offset pages carry `page`, `per_page`, `page_count`, `sort_by` and
/// `sort_order` (UNVERIFIED, recollection).
pub fn envelope(out: &mut Value, q: &Query) {
    let Some(obj) = out.as_object_mut() else {
        return;
    };
    if obj.contains_key("meta") {
        cursor_links(obj, q);
        return;
    }
    let count = obj.get("count").and_then(Value::as_u64).unwrap_or_default();
    let per_page = q
        .get("per_page")
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(100)
        .clamp(1, 100);
    let page = q
        .get("page")
        .and_then(|p| p.parse::<u64>().ok())
        .unwrap_or(1);
    obj.insert("page".to_owned(), json!(page));
    obj.insert("per_page".to_owned(), json!(per_page));
    obj.insert("page_count".to_owned(), json!(count.div_ceil(per_page)));
    obj.insert(
        "sort_by".to_owned(),
        json!(q.get("sort_by").unwrap_or("position")),
    );
    obj.insert(
        "sort_order".to_owned(),
        json!(q.get("sort_order").unwrap_or("asc")),
    );
}

fn cursor_links(obj: &mut Map<String, Value>, q: &Query) {
    let has_more = obj["meta"]["has_more"].as_bool().unwrap_or(false);
    let link = |k: &str| {
        obj.get("links")
            .and_then(|l| l.get(k))
            .and_then(Value::as_str)
            .map(|u| u.replacen(".json?", "?", 1))
    };
    let (next, prev) = (link("next"), link("prev"));
    let Some(any) = next.clone().or_else(|| prev.clone()) else {
        return;
    };
    let path = any.split('?').next().unwrap_or_default().to_owned();
    let size = q.get("page[size]").unwrap_or("100");
    let after_given = q.get("page[after]").is_some_and(|a| !a.is_empty());
    let before_given = q.get("page[before]").is_some_and(|b| !b.is_empty());
    let mut links = Map::new();
    links.insert(
        "first".to_owned(),
        json!(format!("{path}?page%5Bsize%5D={size}")),
    );
    links.insert(
        "last".to_owned(),
        json!(format!(
            "{path}?page%5Bbefore%5D=bGFzdF9wYWdl&page%5Bsize%5D={size}"
        )),
    );
    let forward_more = if before_given {
        q.get("page[before]") != Some("bGFzdF9wYWdl")
    } else {
        has_more
    };
    if forward_more
        && obj[&first_key(obj)]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    {
        links.insert("next".to_owned(), json!(next));
    }
    let back_more = if before_given { has_more } else { after_given };
    if back_more {
        links.insert("prev".to_owned(), json!(prev));
    }
    obj.insert("links".to_owned(), Value::Object(links));
}

/// The root key of a list page (the one array that is not `meta`/`links`).
fn first_key(obj: &Map<String, Value>) -> String {
    obj.iter()
        .find(|(_, v)| v.is_array())
        .map(|(k, _)| k.clone())
        .unwrap_or_default()
}

/// Seeds the default help center: a category, a section, two articles, a topic
/// with a post, each created through the engine as the API would.
pub fn seed(store: &mut Store, now: OffsetDateTime) {
    let Some(&admin) = store.users.keys().next() else {
        return;
    };
    let who = Who {
        user_id: admin,
        ip_address: "127.0.0.1".to_owned(),
    };
    let mut make = |spec: &'static Spec, v: Value| engine::create(spec, store, &who, &v, now).ok();
    let Some(category) = make(
        &guide::CATEGORIES,
        json!({"name": "General", "description": "Answers to common questions"}),
    ) else {
        return;
    };
    let Some(section) = make(
        &guide::SECTIONS,
        json!({"name": "Getting started", "category_id": category}),
    ) else {
        return;
    };
    for (title, body, labels) in [
        (
            "How do I reset my password?",
            "<p>Choose <strong>Forgot password</strong> on the sign-in page and follow the emailed link.</p>",
            json!(["password", "account"]),
        ),
        (
            "Where can I see my invoices?",
            "<p>Invoices are under <em>Settings &gt; Billing</em>.</p>",
            json!(["billing"]),
        ),
    ] {
        make(
            &guide::ARTICLES,
            json!({"title": title, "body": body, "section_id": section, "permission_group_id": guide::PERMISSION_GROUP, "label_names": labels}),
        );
    }
    if let Some(topic) = make(
        &community::TOPICS,
        json!({"name": "Feature requests", "description": "Ideas for the product"}),
    ) {
        make(
            &community::POSTS,
            json!({"title": "Dark mode", "details": "<p>Please add a dark theme.</p>", "topic_id": topic}),
        );
    }
}
