//! Custom ticket statuses [DOC: Custom Ticket Statuses]: every account has one
//! system status per status category, each its category's default; admins add
//! their own and pick other defaults. A ticket's `status` is the category of its
//! `custom_status_id` (the store keeps the two in step).

use crate::vendors::zendesk::accounts::Account;

use axum::routing::put;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::listing::Query;
use super::routes::{Reply, Routes, Z};
use super::spec::{Ops, Record, Spec, Write, merge, require_text, ts};
use crate::vendors::zendesk::error::{ZendeskError, ZendeskJson};
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::{Status, json_response};

/// The resources of this file.
pub const SPECS: &[&Spec] = &[&CUSTOM_STATUSES];

/// `/api/v2/custom_statuses` \[DOC\]: list (filters `status_categories`, `active`,
/// `default`; no pagination), show, create (201) and update. There is no delete:
/// a status is deactivated instead.
pub static CUSTOM_STATUSES: Spec = Spec {
    ops: Ops {
        destroy: false,
        ..Ops::CRUD
    },
    filters: &["active", "default"],
    select: Some(in_categories),
    envelope: Some(unpaged),
    label: "agent_label",
    ..Spec::new(
        "custom_statuses",
        "custom_status",
        "/api/v2/custom_statuses",
        build_status,
    )
};

/// The categories a custom status can have, in Zendesk's order.
const CATEGORIES: [Status; 5] = [
    Status::New,
    Status::Open,
    Status::Pending,
    Status::Hold,
    Status::Solved,
];

/// Most custom statuses per category and per account \[DOC\].
const PER_CATEGORY: usize = 100;
const PER_ACCOUNT: usize = 300;

/// The longest label [DOC: `agent_label`, `end_user_label`, max 48].
const MAX_LABEL: usize = 48;

/// `?status_categories=open,pending`: statuses of those categories only.
fn in_categories(rec: &Record, q: &Query) -> bool {
    q.get("status_categories")
        .filter(|c| !c.is_empty())
        .is_none_or(|wanted| {
            let category = rec.get("status_category").and_then(Value::as_str);
            wanted.split(',').any(|c| Some(c.trim()) == category)
        })
}

/// The list is not paginated [DOC: "No pagination is provided"].
fn unpaged(page: &mut Value, _: &Query) {
    if let Some(page) = page.as_object_mut() {
        for key in ["next_page", "previous_page", "count", "meta", "links"] {
            page.remove(key);
        }
    }
}

fn invalid(field: &str, description: String) -> ZendeskError {
    ZendeskError::invalid(field, description, "InvalidValue")
}

fn build_status(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({
        "status_category": null, "agent_label": null, "raw_agent_label": null,
        "end_user_label": null, "raw_end_user_label": null, "description": null,
        "raw_description": null, "end_user_description": null,
        "raw_end_user_description": null, "active": true, "default": false,
    });
    let mut rec = merge(defaults, w, writable(w.old.is_some()));
    let category = category(&rec)?;
    let label = require_text(&rec, "agent_label", "Agent label")?;
    check_lengths(&rec)?;
    if !rec["end_user_label"].is_string() {
        // UNVERIFIED: an end-user label left out shows the agent's.
        rec.insert("end_user_label".to_owned(), json!(label));
    }
    if rec.get("active").is_some_and(|a| !a.is_boolean()) {
        return Err(invalid("active", "Active: is invalid".to_owned()));
    }
    match w.old {
        None => check_room(store, category)?,
        Some(old) => {
            // A default status stays active [DOC: each category's default is
            // always active]. Text UNVERIFIED.
            if old["default"] == json!(true) && rec["active"] == json!(false) {
                return Err(ZendeskError::invalid(
                    "base",
                    "A default status cannot be deactivated",
                    "InvalidValue",
                ));
            }
        }
    }
    // Without dynamic content the raw texts are the texts [CAPTURE zenpy].
    for key in TEXTS {
        let value = rec[key].clone();
        rec.insert(format!("raw_{key}"), value);
    }
    Ok(rec)
}

/// The texts a status has, each with its `raw_` twin.
const TEXTS: [&str; 4] = [
    "agent_label",
    "end_user_label",
    "description",
    "end_user_description",
];

/// What a write may set. The category is set once: an update ignores it
/// [CAPTURE zenpy: an update with an invalid category answered 200, the category
/// unchanged]. `default` changes only through `PUT /api/v2/custom_status/default`
/// (UNVERIFIED).
fn writable(update: bool) -> &'static [&'static str] {
    if update {
        &[
            "agent_label",
            "end_user_label",
            "description",
            "end_user_description",
            "active",
        ]
    } else {
        &[
            "status_category",
            "agent_label",
            "end_user_label",
            "description",
            "end_user_description",
            "active",
        ]
    }
}

/// Labels of at most 48 characters \[DOC\]; the 422's text UNVERIFIED.
fn check_lengths(rec: &Record) -> Result<(), ZendeskError> {
    for key in ["agent_label", "end_user_label"] {
        if rec
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|l| l.chars().count() > MAX_LABEL)
        {
            return Err(ZendeskError::invalid(
                key,
                format!(
                    "{}: is too long (maximum is {MAX_LABEL} characters)",
                    title(key)
                ),
                "ValueTooLong",
            ));
        }
    }
    Ok(())
}

/// The record's category, one of the five (a 422 otherwise; text UNVERIFIED).
fn category(rec: &Record) -> Result<Status, ZendeskError> {
    rec.get("status_category")
        .and_then(Value::as_str)
        .and_then(|c| c.parse().ok())
        .filter(|c| CATEGORIES.contains(c))
        .ok_or_else(|| invalid("status_category", "Status category: is invalid".to_owned()))
}

/// The limits on new statuses: none more in `new`, which has only its system
/// status \[DOC\], 100 per category and 300 per account (texts UNVERIFIED).
fn check_room(store: &Store, category: Status) -> Result<(), ZendeskError> {
    let all: Vec<&Record> = store.records.all("custom_statuses").collect();
    let same = all
        .iter()
        .filter(|r| r["status_category"].as_str() == Some(category.as_str()))
        .count();
    if category == Status::New || same >= PER_CATEGORY || all.len() >= PER_ACCOUNT {
        return Err(ZendeskError::invalid(
            "status_category",
            format!(
                "Status category: no more custom statuses can be added to {}",
                category.as_str()
            ),
            "InvalidValue",
        ));
    }
    Ok(())
}

fn title(key: &str) -> &'static str {
    match key {
        "agent_label" => "Agent label",
        _ => "End user label",
    }
}

/// The system statuses, one per category [CAPTURE: a live account's list; the
/// English texts UNVERIFIED beyond `open`]: category, agent label, end-user
/// label, description, end-user description.
const SYSTEM: [(&str, &str, &str, &str); 5] = [
    (
        "New",
        "Open",
        "Ticket is awaiting assignment to an agent",
        "We are working on a response for you",
    ),
    (
        "Open",
        "Open",
        "Staff is working on the ticket",
        "We are working on a response for you",
    ),
    (
        "Pending",
        "Awaiting your reply",
        "Staff is waiting for the requester to reply",
        "We are waiting for you to respond",
    ),
    (
        "On-hold",
        "Open",
        "Staff is waiting for a third party",
        "We are working on a response for you",
    ),
    (
        "Solved",
        "Solved",
        "The ticket has been solved",
        "This request has been solved",
    ),
];

/// Seeds the system statuses under the ids tickets already carry; their raw
/// texts are Zendesk's placeholders, e.g. `{{zd.status_open}}` \[CAPTURE\].
pub fn seed(store: &mut Store, now: OffsetDateTime) {
    let ids = store.system_custom_statuses().to_vec();
    for ((id, category), (agent, end_user, description, end_user_description)) in
        ids.into_iter().zip(CATEGORIES).zip(SYSTEM)
    {
        let c = category.as_str();
        let rec = json!({
            "id": id, "status_category": c,
            "agent_label": agent, "raw_agent_label": format!("{{{{zd.status_{c}}}}}"),
            "end_user_label": end_user, "raw_end_user_label": format!("{{{{zd.status_end_user_{c}}}}}"),
            "description": description, "raw_description": format!("{{{{zd.status_{c}_description}}}}"),
            "end_user_description": end_user_description,
            "raw_end_user_description": format!("{{{{zd.status_end_user_{c}_description}}}}"),
            "active": true, "default": true, "created_at": ts(now), "updated_at": ts(now),
        });
        if let Value::Object(m) = rec {
            store.records.put("custom_statuses", id, m);
        }
    }
}

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add("/api/v2/custom_status/default", &["PUT"], put(set_defaults))
}

/// `PUT /api/v2/custom_status/default` with `{"ids": "1,2"}` \[DOC\]: each named
/// status becomes its category's default (the one before stops being it);
/// answers `{}`. An unknown or inactive status is refused (UNVERIFIED: 422).
async fn set_defaults(Account(z): Z, ZendeskJson(body): ZendeskJson) -> Reply {
    let ids: Vec<u64> = match body.get("ids") {
        Some(Value::String(s)) => s
            .split(',')
            .map(|id| id.trim().parse().ok())
            .collect::<Option<_>>()
            .unwrap_or_default(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_u64).collect(),
        _ => Vec::new(),
    };
    if ids.is_empty() {
        return Err(ZendeskError::BadRequest(
            "param is missing or the value is empty: ids".to_owned(),
        ));
    }
    let now = z.now();
    let mut store = z.store();
    let mut chosen: Vec<(u64, Value)> = Vec::new();
    for id in &ids {
        let rec = store
            .records
            .get("custom_statuses", *id)
            .ok_or(ZendeskError::RecordNotFound)?;
        if rec["active"] != json!(true) {
            return Err(invalid(
                "default",
                "Default: an inactive status cannot be the default".to_owned(),
            ));
        }
        chosen.push((*id, rec["status_category"].clone()));
    }
    for (id, category) in chosen {
        let others: Vec<(u64, Map<String, Value>)> = store
            .records
            .all("custom_statuses")
            .filter(|r| r["status_category"] == category)
            .filter_map(|r| Some((r.get("id")?.as_u64()?, r.clone())))
            .collect();
        for (other, mut rec) in others {
            let default = other == id;
            if rec["default"] != json!(default) {
                rec.insert("default".to_owned(), json!(default));
                rec.insert("updated_at".to_owned(), ts(now));
                store.records.put("custom_statuses", other, rec);
            }
        }
    }
    Ok(json_response(axum::http::StatusCode::OK, &json!({})))
}
