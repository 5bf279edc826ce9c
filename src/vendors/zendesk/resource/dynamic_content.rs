//! Dynamic content [DOC: Dynamic Content Items, Dynamic Content Item Variants]:
//! an item is a named text with one variant per locale; its placeholder
//! (`{{dc.name}}`) stands for the variant in the reader's locale. Items carry
//! their variants; the variants API edits them one by one.

use crate::vendors::zendesk::accounts::Account;
use axum::extract::RawQuery;
use axum::routing::get;
use serde_json::{Value, json};

use super::listing::{self, Query};
use super::routes::{Reply, Routes, Z, ok};
use super::spec::{Ops, Parent, Record, Spec, Write, id_of, merge, require_text, taken};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::extract::BaseUrl;
use crate::vendors::zendesk::store::Store;

/// The resources of this file.
pub const SPECS: &[&Spec] = &[&ITEMS, &VARIANTS];

const ITEM_TABLE: &str = "dynamic_content_items";
const VARIANT_TABLE: &str = "dynamic_content_variants";

/// `/api/v2/dynamic_content/items`: list (both paginations), show, create (201,
/// with its variants), update (the name only), delete (204, its variants too).
pub static ITEMS: Spec = Spec {
    table: ITEM_TABLE,
    after_write: Some(materialize_variants),
    after_delete: Some(|store, item, _| {
        let id = item["id"].as_u64();
        store
            .records
            .remove_where(VARIANT_TABLE, |v| v["item_id"].as_u64() == id);
    }),
    ..Spec::new("items", "item", "/api/v2/dynamic_content/items", build_item)
};

/// `/api/v2/dynamic_content/items/{item_id}/variants`: list, show, create (201),
/// update, delete (204), under an item that must exist.
pub static VARIANTS: Spec = Spec {
    ops: Ops::CRUD,
    table: VARIANT_TABLE,
    scope: Some(Parent {
        path: "/api/v2/dynamic_content/items/{item_id}/variants",
        field: "item_id",
        table: ITEM_TABLE,
        create: true,
    }),
    label: "locale_id",
    after_write: Some(variant_written),
    after_delete: Some(|store, v, _| {
        if let Some(item) = v["item_id"].as_u64() {
            sync_item(store, item);
        }
    }),
    ..Spec::new(
        "variants",
        "variant",
        "/api/v2/dynamic_content/items/{item_id}/variants",
        build_variant,
    )
};

/// `{{dc.name}}` of an item's name: lowercase, spaces as `_` [DOC example:
/// "Snowboard Problem3" → `{{dc.snowboard_problem3}}`].
fn placeholder(name: &str) -> String {
    let key: String = name
        .trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_");
    format!("{{{{dc.{key}}}}}")
}

fn build_item(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({"name": null, "placeholder": null, "default_locale_id": null,
        "outdated": false, "variants": []});
    // An update changes the name only; variants go through their own API [DOC].
    let writable: &[&str] = match w.old {
        None => &["name", "default_locale_id", "variants"],
        Some(_) => &["name"],
    };
    let mut rec = merge(defaults, w, writable);
    let name = require_text(&rec, "name", "Name")?;
    if taken(store, ITEM_TABLE, w.id, "name", &name) {
        // The fields the capture names; the English text UNVERIFIED.
        return Err(ZendeskError::invalid(
            "name",
            format!("Name: {name} has already been taken"),
            "DuplicateValue",
        ));
    }
    rec.insert("name".to_owned(), json!(name));
    if w.old.is_some() {
        return Ok(rec);
    }
    rec.insert("placeholder".to_owned(), json!(placeholder(&name)));
    let Some(default_locale) = rec.get("default_locale_id").and_then(id_of) else {
        return Err(ZendeskError::invalid(
            "default_locale_id",
            "Default locale: cannot be blank",
            "BlankValue",
        ));
    };
    rec.insert("default_locale_id".to_owned(), json!(default_locale));
    let variants = rec["variants"].as_array().cloned().unwrap_or_default();
    if variants.is_empty() {
        return Err(ZendeskError::invalid(
            "variants",
            "Variants: cannot be blank",
            "BlankValue",
        ));
    }
    let mut locales = Vec::new();
    for v in &variants {
        let (locale, _) = check_variant(v)?;
        if locales.contains(&locale) {
            return Err(duplicate_locale());
        }
        locales.push(locale);
    }
    if !locales.contains(&default_locale) {
        // UNVERIFIED: the default locale needs a variant.
        return Err(ZendeskError::invalid(
            "default_locale_id",
            "Default locale: has no variant",
            "InvalidValue",
        ));
    }
    Ok(rec)
}

/// A variant's locale and content, or the 422 for what is missing.
fn check_variant(v: &Value) -> Result<(u64, String), ZendeskError> {
    let locale = v.get("locale_id").and_then(id_of).ok_or_else(|| {
        ZendeskError::invalid("locale_id", "Locale: cannot be blank", "BlankValue")
    })?;
    let content = v
        .get("content")
        .and_then(Value::as_str)
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| {
            ZendeskError::invalid("content", "Content: cannot be blank", "BlankValue")
        })?;
    Ok((locale, content.to_owned()))
}

/// One variant per locale \[DOC\]; text UNVERIFIED.
fn duplicate_locale() -> ZendeskError {
    ZendeskError::invalid(
        "locale_id",
        "Locale: has already been taken",
        "DuplicateValue",
    )
}

/// After an item is created: its variants become records of their own.
fn materialize_variants(store: &mut Store, item: u64) {
    let Some(rec) = store.records.get(ITEM_TABLE, item).cloned() else {
        return;
    };
    let pending: Vec<Value> = rec["variants"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v.get("id").is_none())
        .cloned()
        .collect();
    let default_locale = rec["default_locale_id"].as_u64();
    for v in pending {
        let id = store.next_id();
        let locale = v.get("locale_id").and_then(id_of);
        let variant = json!({
            "id": id, "item_id": item, "content": v["content"], "locale_id": locale,
            "outdated": false, "active": v.get("active").and_then(Value::as_bool).unwrap_or(true),
            "default": locale == default_locale,
            "created_at": rec["updated_at"], "updated_at": rec["updated_at"],
        });
        if let Value::Object(m) = variant {
            store.records.put(VARIANT_TABLE, id, m);
        }
    }
    sync_item(store, item);
}

/// The item's `variants` as its variant records are now.
fn sync_item(store: &mut Store, item: u64) {
    let variants: Vec<Value> = store
        .records
        .all(VARIANT_TABLE)
        .filter(|v| v["item_id"].as_u64() == Some(item))
        .map(|v| Value::Object(v.clone()))
        .collect();
    if let Some(mut rec) = store.records.get(ITEM_TABLE, item).cloned() {
        rec.insert("variants".to_owned(), Value::Array(variants));
        store.records.put(ITEM_TABLE, item, rec);
    }
}

fn build_variant(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({"item_id": null, "content": null, "locale_id": null,
        "outdated": false, "active": true, "default": false});
    let mut rec = merge(
        defaults,
        w,
        &["item_id", "content", "locale_id", "active", "default"],
    );
    let (locale, _) = check_variant(&Value::Object(rec.clone()))?;
    rec.insert("locale_id".to_owned(), json!(locale));
    let item = rec["item_id"].as_u64();
    let taken = store.records.all(VARIANT_TABLE).any(|v| {
        v["item_id"].as_u64() == item
            && v["id"].as_u64() != Some(w.id)
            && v["locale_id"].as_u64() == Some(locale)
    });
    if taken {
        return Err(duplicate_locale());
    }
    if let Some(old) = w.old.filter(|o| o["default"] == json!(true)) {
        // The default variant stays default and active: another is made the
        // default instead [DOC]. Texts UNVERIFIED.
        if rec["default"] != json!(true) || rec["active"] != json!(true) {
            return Err(ZendeskError::invalid(
                "default",
                "Default: the default variant must stay default and active",
                "InvalidValue",
            ));
        }
        let _ = old;
    }
    Ok(rec)
}

/// After a variant is written: a new default makes the others non-default and
/// its locale the item's default; the item shows its variants as they are.
fn variant_written(store: &mut Store, id: u64) {
    let Some(v) = store.records.get(VARIANT_TABLE, id).cloned() else {
        return;
    };
    let Some(item) = v["item_id"].as_u64() else {
        return;
    };
    if v["default"] == json!(true) {
        let others: Vec<(u64, Record)> = store
            .records
            .all(VARIANT_TABLE)
            .filter(|o| o["item_id"].as_u64() == Some(item) && o["default"] == json!(true))
            .filter_map(|o| Some((o["id"].as_u64().filter(|o| *o != id)?, o.clone())))
            .collect();
        for (other, mut o) in others {
            o.insert("default".to_owned(), json!(false));
            store.records.put(VARIANT_TABLE, other, o);
        }
        if let Some(mut rec) = store.records.get(ITEM_TABLE, item).cloned() {
            rec.insert("default_locale_id".to_owned(), v["locale_id"].clone());
            store.records.put(ITEM_TABLE, item, rec);
        }
    }
    sync_item(store, item);
}

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/dynamic_content/items/show_many",
        &["GET"],
        get(show_many),
    )
}

/// `GET /api/v2/dynamic_content/items/show_many?identifiers=a,b` \[DOC\]: the
/// items whose placeholder key (`a` of `{{dc.a}}`) is named, as a page of
/// `items`; none found is an empty page \[CAPTURE\].
async fn show_many(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let q = Query::parse(q.as_deref());
    let wanted: Vec<String> = q
        .get("identifiers")
        .unwrap_or_default()
        .split(',')
        .map(|i| format!("{{{{dc.{}}}}}", i.trim().to_lowercase()))
        .collect();
    let store = z.store_read();
    let found: Vec<Record> = store
        .records
        .all(ITEM_TABLE)
        .filter(|i| {
            i["placeholder"]
                .as_str()
                .is_some_and(|p| wanted.iter().any(|w| w == p))
        })
        .cloned()
        .collect();
    let path = "/api/v2/dynamic_content/items/show_many";
    listing::page_of(&ITEMS, &store, &base, path, found, &Query::default()).map(|v| ok(&v))
}
