//! Community topics, posts and post comments (rules-metrics-helpcenter
//! reference 9.6). Served under `/api/v2/community/...` and, as the captured
//! links point there, `/api/v2/help_center/community/...`.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{author, envelope, require_ref};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::resource::listing::Query;
use crate::vendors::zendesk::resource::{
    Nested, Parent, Record, Spec, Write, check_kind, merge, require_text, ts,
};
use crate::vendors::zendesk::store::Store;

/// Post statuses (UNVERIFIED full set, reference 11 `community.post_statuses`).
pub const POST_STATUSES: &[&str] = &["none", "planned", "not_planned", "answered", "completed"];

fn community_url(base: &str, kind: &str, rec: &Record) -> String {
    let id = rec.get("id").and_then(Value::as_u64).unwrap_or_default();
    format!("{base}/api/v2/help_center/community/{kind}/{id}.json")
}

fn community_html(store: &Store, kind: &str, id: u64, title: &str) -> Value {
    json!(format!(
        "https://{}.zendesk.com/hc/{}/community/{kind}/{id}-{}",
        store.settings().subdomain,
        super::LOCALE,
        super::slug(title)
    ))
}

/// `/api/v2/community/topics` [CAPTURE create 2023-09-18].
pub static TOPICS: Spec = Spec {
    sort_keys: &[
        ("position", "position"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
        ("name", "name"),
        ("id", "id"),
    ],
    default_order: "position",
    aliases: &["/api/v2/help_center/community/topics"],
    url: Some(|b, r| community_url(b, "topics", r)),
    envelope: Some(envelope),
    after_delete: Some(topic_deleted),
    ..Spec::new("topics", "topic", "/api/v2/community/topics", build_topic)
};

/// The community every topic belongs to (one per help center).
const COMMUNITY_ID: u64 = 360_000_000_002;

fn build_topic(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({"name": null, "description": "", "position": 0, "follower_count": 0, "community_id": COMMUNITY_ID, "manageable_by": "staff", "user_segment_id": null});
    let mut rec = merge(
        defaults,
        w,
        &[
            "name",
            "description",
            "position",
            "manageable_by",
            "user_segment_id",
        ],
    );
    let name = require_text(&rec, "name", "Name")?;
    check_kind(&rec, "position", "Position", Value::is_u64)?;
    if !matches!(rec["manageable_by"].as_str(), Some("staff" | "managers")) {
        return Err(ZendeskError::invalid(
            "manageable_by",
            "Manageable by: is invalid",
            "InvalidValue",
        ));
    }
    rec.insert(
        "html_url".to_owned(),
        community_html(store, "topics", w.id, &name),
    );
    Ok(rec)
}

/// A topic's posts go with it.
fn topic_deleted(store: &mut Store, t: &Record, now: OffsetDateTime) {
    let id = t["id"].as_u64();
    let gone = store
        .records
        .take_where("posts", |p| p["topic_id"].as_u64() == id);
    for p in gone {
        post_deleted(store, &p, now);
    }
    super::votes::forget_subscriptions(store, id);
}

/// `/api/v2/community/posts` [SDK zenpy spec post.json].
pub static POSTS: Spec = Spec {
    sort_keys: &[
        ("created_at", "created_at"),
        ("edited_at", "edited_at"),
        ("updated_at", "updated_at"),
        ("recent_activity", "updated_at"),
        ("votes", "vote_sum"),
        ("comments", "comment_count"),
        ("id", "id"),
    ],
    default_order: "-created_at",
    filters: &["topic_id", "author_id"],
    select: Some(status_filter),
    aliases: &["/api/v2/help_center/community/posts"],
    parents: &[Parent {
        path: "/api/v2/community/topics/{id}/posts",
        field: "topic_id",
        table: "topics",
        create: false,
    }],
    nested: &[Nested {
        path: "/api/v2/community/users/{id}/posts",
        field: "author_id",
    }],
    url: Some(|b, r| community_url(b, "posts", r)),
    envelope: Some(envelope),
    after_delete: Some(post_deleted),
    end_user_writes: true,
    label: "title",
    ..Spec::new("posts", "post", "/api/v2/community/posts", build_post)
};

/// `filter_by=planned` and the other statuses \[DOC\].
fn status_filter(rec: &Record, q: &Query) -> bool {
    q.get("filter_by")
        .filter(|f| !f.is_empty())
        .is_none_or(|f| rec["status"].as_str() == Some(f))
}

fn build_post(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({
        "title": null, "details": "", "author_id": null, "vote_sum": 0, "vote_count": 0,
        "comment_count": 0, "follower_count": 0, "topic_id": null, "featured": false,
        "pinned": false, "closed": false, "status": "none", "content_tag_ids": [],
    });
    let mut rec = merge(
        defaults,
        w,
        &[
            "title",
            "details",
            "author_id",
            "topic_id",
            "featured",
            "pinned",
            "closed",
            "status",
            "content_tag_ids",
        ],
    );
    let title = require_text(&rec, "title", "Title")?;
    let topic = require_ref(store, &rec, "topic_id", "topics", "Topic")?;
    rec.insert("topic_id".to_owned(), json!(topic));
    let status_ok = rec["status"]
        .as_str()
        .is_some_and(|s| POST_STATUSES.contains(&s));
    if !status_ok {
        return Err(ZendeskError::invalid(
            "status",
            "Status: is invalid",
            "InvalidValue",
        ));
    }
    for (key, t) in [
        ("featured", "Featured"),
        ("pinned", "Pinned"),
        ("closed", "Closed"),
    ] {
        check_kind(&rec, key, t, Value::is_boolean)?;
    }
    let fallback = w
        .old
        .map_or(w.actor, |o| o["author_id"].as_u64().unwrap_or(w.actor));
    let author = author(store, &rec, fallback)?;
    rec.insert("author_id".to_owned(), json!(author));
    if w.old.is_none_or(|o| {
        o.get("title") != rec.get("title") || o.get("details") != rec.get("details")
    }) {
        rec.insert("edited_at".to_owned(), ts(w.now));
    }
    rec.insert(
        "html_url".to_owned(),
        community_html(store, "posts", w.id, &title),
    );
    Ok(rec)
}

/// A post's comments, votes and subscriptions go with it.
fn post_deleted(store: &mut Store, p: &Record, _now: OffsetDateTime) {
    super::votes::forget_with_comments(store, p["id"].as_u64(), "post_comments", "post_id");
}

/// `/api/v2/community/posts/{post_id}/comments` [DOC recollection; shape UNVERIFIED].
pub static POST_COMMENTS: Spec = Spec {
    sort_keys: &[
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
        ("id", "id"),
    ],
    default_order: "created_at",
    scope: Some(Parent {
        path: "/api/v2/community/posts/{post_id}/comments",
        field: "post_id",
        table: "posts",
        create: true,
    }),
    aliases: &["/api/v2/help_center/community/posts/{post_id}/comments"],
    nested: &[Nested {
        path: "/api/v2/community/users/{id}/comments",
        field: "author_id",
    }],
    table: "post_comments",
    envelope: Some(envelope),
    after_write: Some(count_comments),
    after_delete: Some(comment_deleted),
    end_user_writes: true,
    label: "body",
    ..Spec::new(
        "comments",
        "comment",
        "/api/v2/community/posts/{post_id}/comments",
        build_post_comment,
    )
};

fn build_post_comment(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({"body": null, "author_id": null, "post_id": null, "official": false, "vote_sum": 0, "vote_count": 0});
    let mut rec = merge(defaults, w, &["body", "author_id", "post_id", "official"]);
    require_text(&rec, "body", "Body")?;
    check_kind(&rec, "official", "Official", Value::is_boolean)?;
    let post = require_ref(store, &rec, "post_id", "posts", "Post")?;
    if w.old.is_none()
        && store
            .records
            .get("posts", post)
            .is_some_and(|p| p["closed"] == json!(true))
    {
        return Err(ZendeskError::invalid(
            "post_id",
            "Post: is closed for comments",
            "InvalidValue",
        ));
    }
    rec.insert("post_id".to_owned(), json!(post));
    let fallback = w
        .old
        .map_or(w.actor, |o| o["author_id"].as_u64().unwrap_or(w.actor));
    let author = author(store, &rec, fallback)?;
    rec.insert("author_id".to_owned(), json!(author));
    let html = format!(
        "https://{}.zendesk.com/hc/{}/community/posts/{post}/comments/{}",
        store.settings().subdomain,
        super::LOCALE,
        w.id
    );
    rec.insert("html_url".to_owned(), json!(html));
    Ok(rec)
}

fn set_comment_count(store: &mut Store, post: Option<u64>) {
    let Some(post) = post else {
        return;
    };
    let n = store
        .records
        .all("post_comments")
        .filter(|c| c["post_id"].as_u64() == Some(post))
        .count();
    if let Some(mut p) = store.records.get("posts", post).cloned() {
        p.insert("comment_count".to_owned(), json!(n));
        store.records.put("posts", post, p);
    }
}

/// A post's `comment_count` follows its comments.
fn count_comments(store: &mut Store, id: u64) {
    let post = store
        .records
        .get("post_comments", id)
        .and_then(|c| c["post_id"].as_u64());
    set_comment_count(store, post);
}

fn comment_deleted(store: &mut Store, c: &Record, _now: OffsetDateTime) {
    set_comment_count(store, c["post_id"].as_u64());
    super::votes::forget(store, c["id"].as_u64());
}
