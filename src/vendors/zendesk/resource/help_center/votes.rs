//! Votes on articles, article comments, posts and post comments, and
//! subscriptions to articles, sections, posts and topics (rules-metrics-helpcenter
//! reference 9.3 and 9.6). A vote changes its item's `vote_sum` and `vote_count`.

use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Value, json};

use super::envelope;
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::resource::engine;
use crate::vendors::zendesk::resource::routes::{Ids, Peer, Reply, Routes, Z, may_change, who};
use crate::vendors::zendesk::resource::{Ops, Parent, Record, Spec, Write, id_of, merge};
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::json_response;
use crate::vendors::zendesk::{BaseUrl, Caller};

/// What can be voted on: its path, its table and the vote's `item_type` \[DOC\].
const VOTABLE: &[(&str, &str, &str)] = &[
    ("/api/v2/help_center/articles/{id}", "articles", "Article"),
    (
        "/api/v2/help_center/articles/{article_id}/comments/{id}",
        "article_comments",
        "Comment",
    ),
    ("/api/v2/community/posts/{id}", "posts", "Post"),
    (
        "/api/v2/community/posts/{post_id}/comments/{id}",
        "post_comments",
        "PostComment",
    ),
];

const fn votes_of(path: &'static str, table: &'static str) -> Parent {
    Parent {
        path,
        field: "item_id",
        table,
        create: false,
    }
}

/// `/api/v2/help_center/votes/{id}` [SDK zenpy vote.json]; listed per item and
/// cast with `POST .../up` and `.../down`.
pub static VOTES: Spec = Spec {
    ops: Ops {
        list: false,
        create: false,
        update: false,
        ..Ops::CRUD
    },
    parents: &[
        votes_of("/api/v2/help_center/articles/{id}/votes", "articles"),
        votes_of(
            "/api/v2/help_center/articles/{article_id}/comments/{id}/votes",
            "article_comments",
        ),
        votes_of("/api/v2/community/posts/{id}/votes", "posts"),
        votes_of(
            "/api/v2/community/posts/{post_id}/comments/{id}/votes",
            "post_comments",
        ),
    ],
    envelope: Some(envelope),
    after_write: Some(|store, id| {
        let item = store
            .records
            .get("votes", id)
            .and_then(|v| v["item_id"].as_u64());
        tally(store, item);
    }),
    after_delete: Some(|store, v, _now| tally(store, v["item_id"].as_u64())),
    end_user_writes: true,
    label: "item_type",
    ..Spec::new("votes", "vote", "/api/v2/help_center/votes", build_vote)
};

/// The table and kind of a votable item.
fn votable(store: &Store, item: u64) -> Option<(&'static str, &'static str)> {
    VOTABLE
        .iter()
        .find(|(_, table, _)| store.records.get(table, item).is_some())
        .map(|(_, table, kind)| (*table, *kind))
}

fn build_vote(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let mut rec = merge(
        json!({"user_id": w.actor, "value": 1, "item_id": null, "item_type": null}),
        w,
        &["value", "item_id"],
    );
    let item = rec.get("item_id").and_then(id_of);
    let Some((_, kind)) = item.and_then(|i| votable(store, i)) else {
        return Err(ZendeskError::invalid(
            "item_id",
            "Item: is invalid",
            "InvalidValue",
        ));
    };
    if !matches!(rec["value"].as_i64(), Some(1 | -1)) {
        return Err(ZendeskError::invalid(
            "value",
            "Value: is invalid",
            "InvalidValue",
        ));
    }
    rec.insert("item_id".to_owned(), json!(item));
    rec.insert("item_type".to_owned(), json!(kind));
    Ok(rec)
}

/// Sets an item's `vote_sum` and `vote_count` from its votes.
pub fn tally(store: &mut Store, item: Option<u64>) {
    let Some(item) = item else {
        return;
    };
    let Some((table, _)) = votable(store, item) else {
        return;
    };
    let (sum, count) = store
        .records
        .all("votes")
        .filter(|v| v["item_id"].as_u64() == Some(item))
        .fold((0i64, 0u64), |(s, c), v| {
            (s + v["value"].as_i64().unwrap_or_default(), c + 1)
        });
    if let Some(mut rec) = store.records.get(table, item).cloned() {
        rec.insert("vote_sum".to_owned(), json!(sum));
        rec.insert("vote_count".to_owned(), json!(count));
        store.records.put(table, item, rec);
    }
}

/// Removes the votes on a deleted item.
pub fn forget(store: &mut Store, item: Option<u64>) {
    store
        .records
        .remove_where("votes", |v| v["item_id"].as_u64() == item);
}

/// An item going away with its comments (in `table`, pointing at it through
/// `field`): the comments, their votes, and the item's votes and subscriptions.
pub fn forget_with_comments(store: &mut Store, id: Option<u64>, table: &str, field: &str) {
    let comments: Vec<u64> = store
        .records
        .all(table)
        .filter(|c| c[field].as_u64() == id)
        .filter_map(|c| c["id"].as_u64())
        .collect();
    store
        .records
        .remove_where(table, |c| c[field].as_u64() == id);
    forget(store, id);
    forget_subscriptions(store, id);
    for c in comments {
        forget(store, Some(c));
    }
}

/// Removes the subscriptions to deleted content.
pub fn forget_subscriptions(store: &mut Store, content: Option<u64>) {
    store
        .records
        .remove_where("subscriptions", |s| s["content_id"].as_u64() == content);
}

/// `POST {item}/up` and `{item}/down` for every votable item.
pub fn routes(r: Routes) -> Routes {
    VOTABLE.iter().fold(r, |r, &(path, table, _)| {
        [("up", 1i64), ("down", -1)]
            .into_iter()
            .fold(r, |r, (dir, value)| {
                r.add(
                    &format!("{path}/{dir}"),
                    &["POST"],
                    post(move |z: Z, c: Caller, p: Peer, ids: Ids, b: BaseUrl| {
                        cast(table, value, z, c, p, ids, b)
                    }),
                )
            })
    })
}

/// A new vote answers 201; changing the caller's vote on the item 200
/// (UNVERIFIED, reference 9.3).
async fn cast(
    table: &'static str,
    value: i64,
    crate::vendors::zendesk::accounts::Account(z): Z,
    caller: Caller,
    peer: Peer,
    Ids(ids, _): Ids,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let item = ids.last().copied().ok_or(ZendeskError::RecordNotFound)?;
    let now = z.now();
    let mut store = z.store();
    let rec = store
        .records
        .get(table, item)
        .ok_or(ZendeskError::RecordNotFound)?;
    // A comment's path names its parent too; it must be the comment's.
    if let [parent, _] = ids[..] {
        let field = if table == "article_comments" {
            "source_id"
        } else {
            "post_id"
        };
        if rec[field].as_u64() != Some(parent) {
            return Err(ZendeskError::RecordNotFound);
        }
    }
    may_change(&VOTES, &store, caller, None)?;
    let mine = store
        .records
        .all("votes")
        .find(|v| v["item_id"].as_u64() == Some(item) && v["user_id"].as_u64() == Some(caller.0))
        .and_then(|v| v["id"].as_u64());
    let input = json!({"value": value, "item_id": item});
    let who = who(caller, peer);
    let (id, status) = match mine {
        Some(id) => {
            engine::update(&VOTES, &mut store, &who, id, &input, now)?;
            (id, StatusCode::OK)
        }
        None => (
            engine::create(&VOTES, &mut store, &who, &input, now)?,
            StatusCode::CREATED,
        ),
    };
    let vote = engine::find(&VOTES, &store, id)?;
    Ok(json_response(
        status,
        &json!({"vote": engine::render(&VOTES, &base, &vote)}),
    ))
}

const fn subscriptions(path: &'static str, table: &'static str) -> Spec {
    Spec {
        ops: Ops {
            update: false,
            ..Ops::CRUD
        },
        scope: Some(Parent {
            path,
            field: "content_id",
            table,
            create: true,
        }),
        table: "subscriptions",
        envelope: Some(envelope),
        after_write: Some(|store, id| {
            let content = store
                .records
                .get("subscriptions", id)
                .and_then(|s| s["content_id"].as_u64());
            follow(store, content);
        }),
        after_delete: Some(|store, s, _now| follow(store, s["content_id"].as_u64())),
        end_user_writes: true,
        label: "content_type",
        ..Spec::new("subscriptions", "subscription", path, build_subscription)
    }
}

/// `/api/v2/help_center/articles/{article_id}/subscriptions` [DOC; shape UNVERIFIED].
pub static ARTICLE_SUBSCRIPTIONS: Spec = subscriptions(
    "/api/v2/help_center/articles/{article_id}/subscriptions",
    "articles",
);
/// `/api/v2/help_center/sections/{section_id}/subscriptions`.
pub static SECTION_SUBSCRIPTIONS: Spec = subscriptions(
    "/api/v2/help_center/sections/{section_id}/subscriptions",
    "sections",
);
/// `/api/v2/community/posts/{post_id}/subscriptions`.
pub static POST_SUBSCRIPTIONS: Spec =
    subscriptions("/api/v2/community/posts/{post_id}/subscriptions", "posts");
/// `/api/v2/community/topics/{topic_id}/subscriptions`.
pub static TOPIC_SUBSCRIPTIONS: Spec = subscriptions(
    "/api/v2/community/topics/{topic_id}/subscriptions",
    "topics",
);

/// The kinds of content one can subscribe to, by table.
const SUBSCRIBABLE: &[(&str, &str)] = &[
    ("articles", "Article"),
    ("sections", "Section"),
    ("posts", "Post"),
    ("topics", "Topic"),
];

fn build_subscription(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let mut rec = merge(
        json!({"user_id": w.actor, "content_id": null, "content_type": null, "locale": super::LOCALE}),
        w,
        &["user_id", "content_id", "source_locale"],
    );
    let content = rec.get("content_id").and_then(id_of);
    let kind = content.and_then(|c| {
        SUBSCRIBABLE
            .iter()
            .find(|(t, _)| store.records.get(t, c).is_some())
    });
    let Some((_, kind)) = kind else {
        return Err(ZendeskError::invalid(
            "content_id",
            "Content: is invalid",
            "InvalidValue",
        ));
    };
    let user = rec
        .get("user_id")
        .and_then(id_of)
        .filter(|u| store.users.contains_key(u));
    let Some(user) = user else {
        return Err(ZendeskError::invalid(
            "user_id",
            "User: is invalid",
            "InvalidValue",
        ));
    };
    if user != w.actor && !store.user(w.actor).is_ok_and(|u| u.role.is_staff()) {
        return Err(ZendeskError::Forbidden);
    }
    let taken = store
        .records
        .all("subscriptions")
        .any(|s| s["content_id"].as_u64() == content && s["user_id"].as_u64() == Some(user));
    if taken {
        return Err(ZendeskError::invalid(
            "user_id",
            "User: is already subscribed",
            "DuplicateValue",
        ));
    }
    if let Some(l) = rec.remove("source_locale") {
        rec.insert(
            "locale".to_owned(),
            Value::String(l.as_str().unwrap_or(super::LOCALE).to_ascii_lowercase()),
        );
    }
    rec.insert("user_id".to_owned(), json!(user));
    rec.insert("content_id".to_owned(), json!(content));
    rec.insert("content_type".to_owned(), json!(kind));
    Ok(rec)
}

/// Topics' and posts' `follower_count` follows their subscriptions.
fn follow(store: &mut Store, content: Option<u64>) {
    let Some(content) = content else {
        return;
    };
    let n = store
        .records
        .all("subscriptions")
        .filter(|s| s["content_id"].as_u64() == Some(content))
        .count();
    for table in ["posts", "topics"] {
        if let Some(mut rec) = store.records.get(table, content).cloned() {
            rec.insert("follower_count".to_owned(), json!(n));
            store.records.put(table, content, rec);
        }
    }
}
