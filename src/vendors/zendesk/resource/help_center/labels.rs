//! Article labels (\[DOC\] Article Labels API): one record per label name, the
//! account's list under `/api/v2/help_center/articles/labels`, and each article's
//! labels, which are its `label_names`.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::envelope;
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::resource::{Ops, Record, Spec, Write, merge, require_text};
use crate::vendors::zendesk::store::Store;

/// `/api/v2/help_center/articles/labels` \[DOC\]: listed, shown and deleted here;
/// created on an article.
pub static LABELS: Spec = Spec {
    ops: Ops {
        create: false,
        update: false,
        ..Ops::CRUD
    },
    sort_keys: &[("name", "name"), ("created_at", "created_at"), ("id", "id")],
    filters: &["name"],
    envelope: Some(envelope),
    after_delete: Some(label_deleted),
    ..Spec::new(
        "labels",
        "label",
        "/api/v2/help_center/articles/labels",
        build_label,
    )
};

fn build_label(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let mut rec = merge(json!({"name": null}), w, &["name"]);
    let name = require_text(&rec, "name", "Name")?;
    if label_id(store, &name).is_some_and(|id| id != w.id) {
        return Err(ZendeskError::invalid(
            "name",
            format!("Name: {name} has already been taken"),
            "DuplicateValue",
        ));
    }
    rec.insert("name".to_owned(), json!(name));
    Ok(rec)
}

/// The label named `name` (labels are not case-sensitive \[DOC\]).
pub fn label_id(store: &Store, name: &str) -> Option<u64> {
    store
        .records
        .all(LABELS.table)
        .find(|l| {
            l["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|l| l["id"].as_u64())
}

/// Labels exist for every name an article carries.
pub fn ensure(store: &mut Store, names: &[String], at: &Value) {
    for name in names {
        if name.trim().is_empty() || label_id(store, name).is_some() {
            continue;
        }
        let id = store.next_id();
        let rec = json!({"id": id, "name": name.trim(), "created_at": at, "updated_at": at});
        if let Value::Object(m) = rec {
            store.records.put(LABELS.table, id, m);
        }
    }
}

/// An article's label names.
pub fn names(rec: &Record) -> Vec<String> {
    rec.get("label_names")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// A deleted label leaves every article.
fn label_deleted(store: &mut Store, l: &Record, _now: OffsetDateTime) {
    let name = l["name"].as_str().unwrap_or_default().to_owned();
    let carrying: Vec<Record> = store
        .records
        .all("articles")
        .filter(|a| names(a).iter().any(|n| n.eq_ignore_ascii_case(&name)))
        .cloned()
        .collect();
    for mut a in carrying {
        let kept: Vec<String> = names(&a)
            .into_iter()
            .filter(|n| !n.eq_ignore_ascii_case(&name))
            .collect();
        a.insert("label_names".to_owned(), json!(kept));
        store
            .records
            .put("articles", a["id"].as_u64().unwrap_or_default(), a);
    }
}
