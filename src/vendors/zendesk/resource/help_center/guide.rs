//! Help Center categories, sections, articles, article comments and article
//! translations (rules-metrics-helpcenter reference 9.2 and 9.3).

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{author, envelope, html_url, locale_of, require_ref};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::resource::listing::Query;
use crate::vendors::zendesk::resource::{
    Nested, Ops, Parent, Record, Spec, Write, check_kind, merge, require_text, ts,
};
use crate::vendors::zendesk::store::Store;

/// The permission group articles get in the seeded help center (Guide's
/// permission groups are not modelled; any number is accepted).
pub const PERMISSION_GROUP: u64 = 360_000_000_001;

const HC: &str = "/api/v2/help_center";

/// Sort keys of categories and sections \[DOC\].
const ORDERED: &[(&str, &str)] = &[
    ("position", "position"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
    ("name", "name"),
    ("id", "id"),
];

/// `{base}/api/v2/help_center/{locale}/{kind}/{id}.json` \[CAPTURE\].
fn hc_url(base: &str, kind: &str, rec: &Record) -> String {
    let id = rec.get("id").and_then(Value::as_u64).unwrap_or_default();
    format!("{base}{HC}/{}/{kind}/{id}.json", locale_of(rec))
}

/// `/api/v2/help_center/categories` [CAPTURE create 2023-09-18].
pub static CATEGORIES: Spec = Spec {
    sort_keys: ORDERED,
    default_order: "position",
    aliases: &["/api/v2/help_center/{locale}/categories"],
    url: Some(|b, r| hc_url(b, "categories", r)),
    envelope: Some(envelope),
    after_delete: Some(category_deleted),
    ..Spec::new(
        "categories",
        "category",
        "/api/v2/help_center/categories",
        build_category,
    )
};

/// The fields categories and sections share, with `name` required.
fn listed(store: &Store, w: &Write<'_>, kind: &str, extra: Value) -> Result<Record, ZendeskError> {
    let mut defaults = json!({"name": null, "description": "", "position": 0, "locale": super::LOCALE, "source_locale": super::LOCALE, "outdated": false});
    if let (Some(d), Value::Object(e)) = (defaults.as_object_mut(), extra) {
        d.extend(e);
    }
    let mut writable = vec!["name", "description", "position", "locale"];
    writable.extend([
        "category_id",
        "sorting",
        "parent_section_id",
        "theme_template",
    ]);
    let mut rec = merge(defaults, w, &writable);
    require_text(&rec, "name", "Name")?;
    check_kind(&rec, "position", "Position", Value::is_u64)?;
    rec.insert("locale".to_owned(), json!(locale_of(&rec)));
    if w.old.is_none() {
        rec.insert("source_locale".to_owned(), json!(locale_of(&rec)));
    }
    rec.insert("html_url".to_owned(), html_url(store, kind, &rec, "name"));
    Ok(rec)
}

fn build_category(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let mut rec = listed(store, w, "categories", json!({}))?;
    for k in [
        "category_id",
        "sorting",
        "parent_section_id",
        "theme_template",
    ] {
        rec.remove(k);
    }
    Ok(rec)
}

/// Deleting a category deletes its sections, and so their articles \[DOC\].
fn category_deleted(store: &mut Store, c: &Record, now: OffsetDateTime) {
    let id = c["id"].as_u64();
    let gone = store
        .records
        .take_where("sections", |s| s["category_id"].as_u64() == id);
    for s in gone {
        section_deleted(store, &s, now);
    }
}

/// `/api/v2/help_center/sections`; created under a category \[DOC\].
pub static SECTIONS: Spec = Spec {
    ops: Ops {
        create: false,
        ..Ops::CRUD
    },
    sort_keys: ORDERED,
    default_order: "position",
    filters: &["category_id"],
    aliases: &["/api/v2/help_center/{locale}/sections"],
    parents: &[
        Parent {
            path: "/api/v2/help_center/categories/{id}/sections",
            field: "category_id",
            table: "categories",
            create: true,
        },
        Parent {
            path: "/api/v2/help_center/{locale}/categories/{id}/sections",
            field: "category_id",
            table: "categories",
            create: true,
        },
    ],
    url: Some(|b, r| hc_url(b, "sections", r)),
    envelope: Some(envelope),
    after_write: Some(section_written),
    after_delete: Some(section_deleted),
    ..Spec::new(
        "sections",
        "section",
        "/api/v2/help_center/sections",
        build_section,
    )
};

fn build_section(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let extra = json!({"category_id": null, "sorting": "manual", "theme_template": "section_page", "parent_section_id": null});
    let mut rec = listed(store, w, "sections", extra)?;
    let category = require_ref(store, &rec, "category_id", "categories", "Category")?;
    rec.insert("category_id".to_owned(), json!(category));
    let sorting = rec["sorting"].as_str().unwrap_or_default();
    if !["manual", "created_at", "edited_at", "title"].contains(&sorting) {
        return Err(ZendeskError::invalid(
            "sorting",
            "Sorting: is invalid",
            "InvalidValue",
        ));
    }
    if !rec["parent_section_id"].is_null() {
        let parent = require_ref(
            store,
            &rec,
            "parent_section_id",
            "sections",
            "Parent section",
        )?;
        rec.insert("parent_section_id".to_owned(), json!(parent));
    }
    Ok(rec)
}

/// A section moved to another category takes its articles along.
fn section_written(store: &mut Store, id: u64) {
    let Some(category) = store
        .records
        .get("sections", id)
        .map(|s| s["category_id"].clone())
    else {
        return;
    };
    let moved: Vec<Record> = store
        .records
        .all("articles")
        .filter(|a| a["section_id"].as_u64() == Some(id) && a["category_id"] != category)
        .cloned()
        .collect();
    for mut a in moved {
        a.insert("category_id".to_owned(), category.clone());
        store
            .records
            .put("articles", a["id"].as_u64().unwrap_or_default(), a);
    }
}

/// Deleting a section deletes its articles \[DOC\].
fn section_deleted(store: &mut Store, s: &Record, now: OffsetDateTime) {
    let id = s["id"].as_u64();
    let gone = store
        .records
        .take_where("articles", |a| a["section_id"].as_u64() == id);
    for a in gone {
        article_deleted(store, &a, now);
    }
}

/// `/api/v2/help_center/articles` [CAPTURE zenpy 2024-09-06]: created under a
/// section; listed under sections, categories and users.
pub static ARTICLES: Spec = Spec {
    ops: Ops {
        create: false,
        ..Ops::CRUD
    },
    sort_keys: &[
        ("position", "position"),
        ("title", "title"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
        ("edited_at", "edited_at"),
        ("id", "id"),
    ],
    default_order: "position",
    filters: &["section_id", "draft", "promoted"],
    select: Some(has_labels),
    aliases: &["/api/v2/help_center/{locale}/articles"],
    parents: &[
        Parent {
            path: "/api/v2/help_center/sections/{id}/articles",
            field: "section_id",
            table: "sections",
            create: true,
        },
        Parent {
            path: "/api/v2/help_center/{locale}/sections/{id}/articles",
            field: "section_id",
            table: "sections",
            create: true,
        },
        Parent {
            path: "/api/v2/help_center/categories/{id}/articles",
            field: "category_id",
            table: "categories",
            create: false,
        },
        Parent {
            path: "/api/v2/help_center/{locale}/categories/{id}/articles",
            field: "category_id",
            table: "categories",
            create: false,
        },
    ],
    nested: &[Nested {
        path: "/api/v2/help_center/users/{id}/articles",
        field: "author_id",
    }],
    url: Some(article_url),
    envelope: Some(envelope),
    after_write: Some(article_written),
    after_delete: Some(article_deleted),
    label: "title",
    ..Spec::new(
        "articles",
        "article",
        "/api/v2/help_center/articles",
        build_article,
    )
};

/// An article's `url` holds its slug [CAPTURE 2024-09-06].
fn article_url(base: &str, rec: &Record) -> String {
    let id = rec.get("id").and_then(Value::as_u64).unwrap_or_default();
    let title = rec.get("title").and_then(Value::as_str).unwrap_or_default();
    format!(
        "{base}{HC}/{}/articles/{id}-{}.json",
        locale_of(rec),
        super::slug(title)
    )
}

/// `label_names=a,b`: articles with every label \[DOC\].
fn has_labels(rec: &Record, q: &Query) -> bool {
    let Some(want) = q.get("label_names").filter(|l| !l.is_empty()) else {
        return true;
    };
    let have: Vec<&str> = rec["label_names"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    want.split(',')
        .map(str::trim)
        .all(|l| have.iter().any(|h| h.eq_ignore_ascii_case(l)))
}

/// What an article's write may set.
const ARTICLE_WRITABLE: &[&str] = &[
    "author_id",
    "comments_disabled",
    "content_tag_ids",
    "label_names",
    "draft",
    "promoted",
    "position",
    "section_id",
    "title",
    "body",
    "locale",
    "permission_group_id",
    "user_segment_id",
];

fn build_article(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({
        "author_id": null, "comments_disabled": false, "content_tag_ids": [], "label_names": [],
        "draft": false, "promoted": false, "position": 0, "vote_sum": 0, "vote_count": 0,
        "section_id": null, "title": null, "body": "", "source_locale": super::LOCALE,
        "locale": super::LOCALE, "outdated": false, "outdated_locales": [],
        "permission_group_id": null, "user_segment_id": null, "user_segment_ids": [],
    });
    let mut rec = merge(defaults, w, ARTICLE_WRITABLE);
    check_article(&rec)?;
    let section = require_ref(store, &rec, "section_id", "sections", "Section")?;
    let category = store
        .records
        .get("sections", section)
        .map(|s| s["category_id"].clone());
    rec.insert("section_id".to_owned(), json!(section));
    rec.insert("category_id".to_owned(), category.unwrap_or(Value::Null));
    let fallback = w
        .old
        .map_or(w.actor, |o| o["author_id"].as_u64().unwrap_or(w.actor));
    let author = author(store, &rec, fallback)?;
    rec.insert("author_id".to_owned(), json!(author));
    let segment = rec["user_segment_id"].clone();
    let segments = if segment.is_null() {
        json!([])
    } else {
        json!([segment])
    };
    rec.insert("user_segment_ids".to_owned(), segments);
    rec.insert("locale".to_owned(), json!(locale_of(&rec)));
    if w.old.is_none() {
        rec.insert("source_locale".to_owned(), json!(locale_of(&rec)));
    }
    if w.old
        .is_none_or(|o| o.get("title") != rec.get("title") || o.get("body") != rec.get("body"))
    {
        rec.insert("edited_at".to_owned(), ts(w.now));
    }
    rec.insert("name".to_owned(), rec["title"].clone());
    let html = html_url(store, "articles", &rec, "title");
    rec.insert("html_url".to_owned(), html);
    Ok(rec)
}

/// `title` and `permission_group_id` are required \[DOC\]; lists are lists.
fn check_article(rec: &Record) -> Result<(), ZendeskError> {
    require_text(rec, "title", "Title")?;
    if !rec["permission_group_id"].is_u64() {
        return Err(ZendeskError::invalid(
            "permission_group_id",
            "Permission group: cannot be blank",
            "BlankValue",
        ));
    }
    for (key, title) in [
        ("label_names", "Label names"),
        ("content_tag_ids", "Content tag ids"),
    ] {
        check_kind(rec, key, title, Value::is_array)?;
    }
    Ok(())
}

/// The article's source-locale translation follows its title and body.
fn article_written(store: &mut Store, id: u64) {
    let Some(a) = store.records.get("articles", id).cloned() else {
        return;
    };
    super::labels::ensure(store, &super::labels::names(&a), &a["updated_at"]);
    let locale = a["source_locale"].clone();
    let existing = store
        .records
        .all("translations")
        .find(|t| t["source_id"].as_u64() == Some(id) && t["locale"] == locale)
        .cloned();
    let mut t = match existing {
        Some(t) => t,
        None => {
            let tid = store.next_id();
            let created = json!({
                "id": tid, "source_id": id, "source_type": "Article", "locale": locale,
                "outdated": false, "draft": false, "hidden": false, "created_at": a["created_at"],
                "created_by_id": a["author_id"],
            });
            created.as_object().cloned().unwrap_or_default()
        }
    };
    for k in ["title", "body", "updated_at", "html_url"] {
        t.insert(k.to_owned(), a[k].clone());
    }
    t.insert("draft".to_owned(), a["draft"].clone());
    t.insert("updated_by_id".to_owned(), a["author_id"].clone());
    let tid = t["id"].as_u64().unwrap_or_default();
    store.records.put("translations", tid, t);
}

/// An article's comments, translations, votes and subscriptions go with it.
fn article_deleted(store: &mut Store, a: &Record, _now: OffsetDateTime) {
    let id = a["id"].as_u64();
    store
        .records
        .remove_where("translations", |t| t["source_id"].as_u64() == id);
    store
        .records
        .remove_where("article_attachments", |t| t["article_id"].as_u64() == id);
    super::votes::forget_with_comments(store, id, "article_comments", "source_id");
}

/// `/api/v2/help_center/articles/{article_id}/comments` [DOC; shape UNVERIFIED].
pub static ARTICLE_COMMENTS: Spec = Spec {
    sort_keys: &[
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
        ("id", "id"),
    ],
    default_order: "created_at",
    scope: Some(Parent {
        path: "/api/v2/help_center/articles/{article_id}/comments",
        field: "source_id",
        table: "articles",
        create: true,
    }),
    nested: &[Nested {
        path: "/api/v2/help_center/users/{id}/comments",
        field: "author_id",
    }],
    table: "article_comments",
    envelope: Some(envelope),
    after_delete: Some(|store, c, _now| super::votes::forget(store, c["id"].as_u64())),
    end_user_writes: true,
    label: "body",
    ..Spec::new(
        "comments",
        "comment",
        "/api/v2/help_center/articles/{article_id}/comments",
        build_article_comment,
    )
};

fn build_article_comment(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({"body": null, "author_id": null, "source_id": null, "source_type": "Article", "locale": super::LOCALE, "vote_sum": 0, "vote_count": 0, "non_author_editor_id": null, "non_author_updated_at": null});
    let mut rec = merge(defaults, w, &["body", "author_id", "source_id", "locale"]);
    require_text(&rec, "body", "Body")?;
    let article = require_ref(store, &rec, "source_id", "articles", "Article")?;
    if w.old.is_none()
        && store
            .records
            .get("articles", article)
            .is_some_and(|a| a["comments_disabled"] == json!(true))
    {
        return Err(ZendeskError::invalid(
            "source_id",
            "Article: comments are disabled",
            "InvalidValue",
        ));
    }
    rec.insert("source_id".to_owned(), json!(article));
    match w.old {
        None => {
            let author = author(store, &rec, w.actor)?;
            rec.insert("author_id".to_owned(), json!(author));
        }
        Some(old) => {
            rec.insert("author_id".to_owned(), old["author_id"].clone());
            if old["author_id"].as_u64() != Some(w.actor) {
                rec.insert("non_author_editor_id".to_owned(), json!(w.actor));
                rec.insert("non_author_updated_at".to_owned(), ts(w.now));
            }
        }
    }
    rec.insert("locale".to_owned(), json!(locale_of(&rec)));
    let html = format!(
        "https://{}.zendesk.com/hc/{}/articles/{article}/comments/{}",
        store.settings().subdomain,
        locale_of(&rec),
        w.id
    );
    rec.insert("html_url".to_owned(), json!(html));
    Ok(rec)
}
