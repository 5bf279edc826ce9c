//! Ticket fields, user fields and ticket forms (exports-search-orgs reference
//! section 6), and the validation of custom field values against them.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::spec::{Ops, Record, Spec, Write, id_of, merge, next_position, require_text, ts};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::store::Store;

/// The resources of this file.
pub const SPECS: &[&Spec] = &[&TICKET_FIELDS, &USER_FIELDS, &TICKET_FORMS];

/// Custom ticket field types [DOC OAS ticket-fields].
const TICKET_TYPES: &[&str] = &[
    "text",
    "textarea",
    "checkbox",
    "date",
    "integer",
    "decimal",
    "regexp",
    "partialcreditcard",
    "multiselect",
    "tagger",
    "lookup",
];
/// User and organization field types \[DOC\]: `dropdown` where tickets say `tagger`.
const KEYED_TYPES: &[&str] = &[
    "text",
    "textarea",
    "checkbox",
    "date",
    "integer",
    "decimal",
    "regexp",
    "dropdown",
    "lookup",
    "multiselect",
];

/// The date field's validation pattern [CAPTURE go-zendesk fixture].
const DATE_PATTERN: &str = r"\A([0-9]{4})-(1[0-2]|0[1-9])-(3[01]|[12][0-9]|0[1-9])\z";

/// `/api/v2/ticket_fields` [CAPTURE zenpy].
pub static TICKET_FIELDS: Spec = Spec {
    ops: Ops {
        count: true,
        ..Ops::CRUD
    },
    sort_keys: &[
        ("position", "position"),
        ("id", "id"),
        ("created_at", "created_at"),
    ],
    filters: &["type", "active"],
    audited: Some("ticket_field"),
    label: "title",
    ..Spec::new(
        "ticket_fields",
        "ticket_field",
        "/api/v2/ticket_fields",
        build_ticket_field,
    )
};

fn options(rec: &mut Record, store: &Store) -> Result<(), ZendeskError> {
    let Some(Value::Array(opts)) = rec.get("custom_field_options").cloned() else {
        return Ok(());
    };
    let mut out = Vec::new();
    for o in opts {
        let name = o.get("name").and_then(Value::as_str);
        let value = o.get("value").and_then(Value::as_str);
        let (Some(name), Some(value)) = (name, value) else {
            return Err(ZendeskError::invalid(
                "custom_field_options",
                "Custom field options: each needs a name and a value",
                "InvalidValue",
            ));
        };
        let id = o
            .get("id")
            .and_then(id_of)
            .unwrap_or_else(|| fake_option_id(store, value));
        out.push(json!({"id": id, "name": name, "raw_name": name, "value": value, "default": o.get("default").cloned().unwrap_or(json!(false))}));
    }
    rec.insert("custom_field_options".to_owned(), Value::Array(out));
    Ok(())
}

/// Option ids are not allocated from the store (building does not change it): a
/// stable number from the option's tag.
fn fake_option_id(_store: &Store, value: &str) -> u64 {
    value.bytes().fold(360_000_000_000u64, |h, b| {
        h.wrapping_mul(31).wrapping_add(u64::from(b)) % 9_000_000_000_000 + 1_000_000_000_000
    })
}

fn check_type(rec: &Record, allowed: &[&str]) -> Result<(), ZendeskError> {
    let t = rec.get("type").and_then(Value::as_str).unwrap_or("text");
    if allowed.contains(&t) {
        Ok(())
    } else {
        Err(ZendeskError::invalid(
            "type",
            format!("Type: {t} is not a valid field type"),
            "InvalidValue",
        ))
    }
}

fn build_ticket_field(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({
        "type": "text", "title": null, "raw_title": null, "description": null, "raw_description": null,
        "position": new_field_position(store, "ticket_fields"), "active": true, "required": false,
        "collapsed_for_agents": false, "regexp_for_validation": null, "title_in_portal": null,
        "raw_title_in_portal": null, "visible_in_portal": false, "editable_in_portal": false,
        "required_in_portal": false, "tag": null, "removable": true, "key": null, "agent_description": null,
    });
    let writable = [
        "type",
        "title",
        "description",
        "position",
        "active",
        "required",
        "collapsed_for_agents",
        "regexp_for_validation",
        "title_in_portal",
        "visible_in_portal",
        "editable_in_portal",
        "required_in_portal",
        "tag",
        "custom_field_options",
        "agent_description",
        "relationship_target_type",
        "relationship_filter",
    ];
    let mut rec = merge(defaults, w, &writable);
    if w.old.is_some_and(|o| o["removable"] == json!(false)) && w.input.contains_key("type") {
        return Err(ZendeskError::invalid(
            "type",
            "Type: cannot change a system field",
            "InvalidValue",
        ));
    }
    if rec["removable"] != json!(false) {
        check_type(&rec, TICKET_TYPES)?;
    }
    let title = require_text(&rec, "title", "Title")?;
    for (k, v) in [
        ("raw_title", &title),
        ("title_in_portal", &title),
        ("raw_title_in_portal", &title),
    ] {
        if rec.get(k).is_none_or(Value::is_null) || w.input.contains_key("title") {
            rec.insert(k.to_owned(), json!(v));
        }
    }
    // When `description` is omitted it defaults to the title [CAPTURE].
    if rec.get("description").is_none_or(Value::is_null) {
        rec.insert("description".to_owned(), json!(title));
    }
    rec.insert("raw_description".to_owned(), rec["description"].clone());
    if rec["type"] == json!("date") {
        rec.insert("regexp_for_validation".to_owned(), json!(DATE_PATTERN));
    }
    options(&mut rec, store)?;
    Ok(rec)
}

/// `/api/v2/user_fields` [CAPTURE zenpy].
pub static USER_FIELDS: Spec = Spec {
    sort_keys: &[
        ("position", "position"),
        ("created_at", "created_at"),
        ("id", "id"),
    ],
    audited: Some("user_field"),
    label: "title",
    ..Spec::new(
        "user_fields",
        "user_field",
        "/api/v2/user_fields",
        build_user_field,
    )
};

fn build_user_field(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    build_keyed_field(store, "user_fields", w)
}

/// A user or organization field: unique `key`, title, type [CAPTURE zenpy].
pub fn build_keyed_field(
    store: &Store,
    plural: &str,
    w: &Write<'_>,
) -> Result<Record, ZendeskError> {
    let defaults = json!({
        "type": "text", "key": null, "title": null, "description": null, "raw_title": null,
        "raw_description": null, "position": new_field_position(store, plural), "active": true,
        "system": false, "regexp_for_validation": null,
    });
    let writable = [
        "type",
        "key",
        "title",
        "description",
        "position",
        "active",
        "regexp_for_validation",
        "custom_field_options",
        "relationship_target_type",
        "relationship_filter",
    ];
    let mut rec = merge(defaults, w, &writable);
    check_type(&rec, KEYED_TYPES)?;
    let title = require_text(&rec, "title", "Title")?;
    let key = require_text(&rec, "key", "Key")?;
    let taken = store
        .records
        .all(plural)
        .any(|f| f["id"].as_u64() != Some(w.id) && f["key"].as_str() == Some(key.as_str()));
    if taken {
        return Err(ZendeskError::invalid(
            "key",
            format!("Key: {key} has already been taken"),
            "DuplicateValue",
        ));
    }
    rec.insert("raw_title".to_owned(), json!(title));
    rec.insert("raw_description".to_owned(), rec["description"].clone());
    options(&mut rec, store)?;
    Ok(rec)
}

/// `/api/v2/ticket_forms` [CAPTURE go-zendesk]: no pagination documented; the
/// list answers every form with `count`.
pub static TICKET_FORMS: Spec = Spec {
    ops: Ops {
        show_many: true,
        ..Ops::CRUD
    },
    sort_keys: &[("position", "position"), ("id", "id")],
    default_order: "position",
    filters: &["active", "end_user_visible"],
    audited: Some("ticket_form"),
    ..Spec::new(
        "ticket_forms",
        "ticket_form",
        "/api/v2/ticket_forms",
        build_ticket_form,
    )
};

fn build_ticket_form(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({
        "name": null, "raw_name": null, "display_name": null, "raw_display_name": null,
        "end_user_visible": true, "position": next_position(store, "ticket_forms", 1),
        "ticket_field_ids": [], "active": true, "default": false, "in_all_brands": true,
        "restricted_brand_ids": [], "end_user_conditions": [], "agent_conditions": [],
    });
    let writable = [
        "name",
        "display_name",
        "end_user_visible",
        "position",
        "ticket_field_ids",
        "active",
        "default",
        "in_all_brands",
        "restricted_brand_ids",
        "end_user_conditions",
        "agent_conditions",
    ];
    let mut rec = merge(defaults, w, &writable);
    let name = require_text(&rec, "name", "Name")?;
    if rec.get("display_name").is_none_or(Value::is_null) {
        rec.insert("display_name".to_owned(), json!(name));
    }
    rec.insert("raw_name".to_owned(), json!(name));
    rec.insert("raw_display_name".to_owned(), rec["display_name"].clone());
    for id in rec["ticket_field_ids"].as_array().into_iter().flatten() {
        if id_of(id)
            .and_then(|f| store.records.get("ticket_fields", f))
            .is_none()
        {
            return Err(ZendeskError::invalid(
                "ticket_field_ids",
                format!("Ticket field ids: {id} is not a ticket field"),
                "InvalidValue",
            ));
        }
    }
    Ok(rec)
}

/// Seeds the system ticket fields [CAPTURE go-zendesk `GET /ticket_fields`];
/// returns their ids.
pub fn seed_system_fields(store: &mut Store, now: OffsetDateTime) -> Vec<u64> {
    let opts = |pairs: &[(&str, &str)]| -> Value {
        pairs
            .iter()
            .map(|(n, v)| json!({"name": n, "value": v}))
            .collect()
    };
    let system = [
        ("subject", "Subject", None),
        ("description", "Description", None),
        (
            "status",
            "Status",
            Some(opts(&[
                ("New", "new"),
                ("Open", "open"),
                ("Pending", "pending"),
                ("On-hold", "hold"),
                ("Solved", "solved"),
                ("Closed", "closed"),
            ])),
        ),
        (
            "tickettype",
            "Type",
            Some(opts(&[
                ("Question", "question"),
                ("Incident", "incident"),
                ("Problem", "problem"),
                ("Task", "task"),
            ])),
        ),
        (
            "priority",
            "Priority",
            Some(opts(&[
                ("Low", "low"),
                ("Normal", "normal"),
                ("High", "high"),
                ("Urgent", "urgent"),
            ])),
        ),
        ("group", "Group", None),
        ("assignee", "Assignee", None),
    ];
    let mut ids = Vec::new();
    for (i, (kind, title, options)) in system.into_iter().enumerate() {
        let id = store.next_id();
        if let Value::Object(m) = system_field(id, i + 1, kind, title, options, now) {
            store.records.put("ticket_fields", id, m);
        }
        ids.push(id);
    }
    ids
}

/// One system ticket field (`removable: false`).
fn system_field(
    id: u64,
    position: usize,
    kind: &str,
    title: &str,
    options: Option<Value>,
    now: OffsetDateTime,
) -> Value {
    let portal = kind == "subject" || kind == "description";
    let mut f = json!({
        "id": id, "type": kind, "title": title, "raw_title": title, "description": title,
        "raw_description": title, "position": position, "active": true,
        "required": portal, "collapsed_for_agents": false,
        "regexp_for_validation": null, "title_in_portal": title, "raw_title_in_portal": title,
        "visible_in_portal": portal, "editable_in_portal": portal,
        "required_in_portal": portal, "tag": null,
        "created_at": ts(now), "updated_at": ts(now), "removable": false, "key": null, "agent_description": null,
    });
    if let Some(o) = options {
        f["system_field_options"] = o;
    }
    if matches!(kind, "status" | "priority") {
        f["sub_type_id"] = json!(0);
    }
    f
}

fn invalid_value(title: &str) -> ZendeskError {
    // The 3P-captured form puts these under `base` with the field's title.
    ZendeskError::invalid("base", format!("{title}: is invalid"), "InvalidValue")
}

/// Whether `value` suits a field of `field`'s type (null always does).
pub fn value_fits(field: &Record, value: &Value) -> bool {
    if value.is_null() {
        return true;
    }
    let option = |v: &Value| {
        let tag = v.as_str();
        field["custom_field_options"]
            .as_array()
            .is_some_and(|o| o.iter().any(|x| x["value"].as_str() == tag))
    };
    let numeric = |v: &Value, int: bool| match v {
        Value::Number(n) => !int || n.is_i64() || n.is_u64(),
        Value::String(s) if int => {
            !s.is_empty()
                && s.trim_start_matches('-')
                    .bytes()
                    .all(|b| b.is_ascii_digit())
        }
        Value::String(s) => s.parse::<f64>().is_ok(),
        _ => false,
    };
    let pattern = field["regexp_for_validation"]
        .as_str()
        .map(|p| p.replace(r"\A", "^").replace(r"\z", "$"));
    let matches = |s: &str| match &pattern {
        Some(p) => regex::Regex::new(p).map_or(true, |r| r.is_match(s)),
        None => true,
    };
    match field["type"].as_str().unwrap_or("text") {
        "checkbox" => value.is_boolean(),
        "date" | "regexp" => value.as_str().is_some_and(matches),
        "integer" => numeric(value, true),
        "decimal" => numeric(value, false),
        "tagger" | "dropdown" => option(value),
        "multiselect" => value.as_array().is_some_and(|a| a.iter().all(option)),
        "lookup" => id_of(value).is_some(),
        _ => value.is_string(),
    }
}

/// Checks a ticket's `custom_fields` against the ticket fields: each id must be a
/// ticket field, each value must suit its type.
pub fn check_ticket_values(store: &Store, values: &[(u64, &Value)]) -> Result<(), ZendeskError> {
    for (id, value) in values {
        let Some(field) = store.records.get("ticket_fields", *id) else {
            return Err(ZendeskError::invalid(
                "custom_fields",
                format!("Custom fields: {id} is not a ticket field"),
                "InvalidValue",
            ));
        };
        if !value_fits(field, value) {
            return Err(invalid_value(field["title"].as_str().unwrap_or("Field")));
        }
    }
    Ok(())
}

/// Checks a `user_fields`/`organization_fields` map: each key must be a field of
/// `plural`, each value must suit its type.
pub fn check_values(
    store: &Store,
    plural: &str,
    values: Option<&Value>,
) -> Result<(), ZendeskError> {
    let Some(Value::Object(values)) = values else {
        return Ok(());
    };
    for (key, value) in values {
        let Some(field) = store
            .records
            .all(plural)
            .find(|f| f["key"].as_str() == Some(key.as_str()))
        else {
            return Err(ZendeskError::invalid(
                plural,
                format!("{key} is not a known field"),
                "InvalidValue",
            ));
        };
        if !value_fits(field, value) {
            return Err(invalid_value(field["title"].as_str().unwrap_or(key)));
        }
    }
    Ok(())
}

/// The position a new field gets.
pub fn new_field_position(store: &Store, plural: &str) -> u64 {
    next_position(store, plural, 9999).min(9999)
}
