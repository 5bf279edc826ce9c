//! Account configuration resources: brands, custom roles, business-hours
//! schedules, SLA policies and routing attributes (exports-search-orgs reference
//! 7.1 and 7.4; rules-metrics reference 3.1, 3.2, 3.4 and 10).

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::spec::{
    Ops, Record, Spec, Write, check_kind, deep_merge, merge, next_position, require_text, ts,
};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::store::Store;

/// The resources of this file.
pub const SPECS: &[&Spec] = &[
    &BRANDS,
    &CUSTOM_ROLES,
    &SCHEDULES,
    &SLA_POLICIES,
    &ROUTING_ATTRIBUTES,
];

/// `/api/v2/brands` [CAPTURE go-zendesk]: sorted by name.
pub static BRANDS: Spec = Spec {
    sort_keys: &[("name", "name"), ("id", "id")],
    filters: &["active"],
    audited: Some("brand"),
    ..Spec::new("brands", "brand", "/api/v2/brands", build_brand)
};

fn build_brand(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({
        "name": null, "brand_url": null, "subdomain": null, "host_mapping": null, "has_help_center": false,
        "help_center_state": "disabled", "active": true, "default": false, "is_deleted": false,
        "logo": null, "ticket_form_ids": [], "signature_template": "{{agent.signature}}",
    });
    let mut rec = merge(
        defaults,
        w,
        &[
            "name",
            "subdomain",
            "host_mapping",
            "active",
            "signature_template",
            "ticket_form_ids",
        ],
    );
    require_text(&rec, "name", "Name")?;
    let sub = require_text(&rec, "subdomain", "Subdomain")?;
    let taken = store
        .records
        .all("brands")
        .any(|b| b["id"].as_u64() != Some(w.id) && b["subdomain"].as_str() == Some(sub.as_str()));
    if taken {
        return Err(ZendeskError::invalid(
            "subdomain",
            format!("Subdomain: {sub} has already been taken"),
            "DuplicateValue",
        ));
    }
    rec.insert(
        "brand_url".to_owned(),
        json!(format!("https://{sub}.zendesk.com")),
    );
    Ok(rec)
}

/// `/api/v2/custom_roles` [DOC OAS]: no pagination; POST answers 200.
pub static CUSTOM_ROLES: Spec = Spec {
    create_status: 200,
    audited: Some("custom_role"),
    ..Spec::new(
        "custom_roles",
        "custom_role",
        "/api/v2/custom_roles",
        build_role,
    )
};

fn role_configuration() -> Value {
    json!({
        "chat_access": true, "end_user_profile_access": "readonly", "forum_access": "readonly",
        "forum_access_restricted_content": false, "macro_access": "full", "manage_business_rules": false,
        "manage_dynamic_content": false, "manage_extensions_and_channels": false, "manage_facebook": false,
        "moderate_forums": false, "organization_editing": false, "report_access": "none",
        "ticket_access": "within-groups", "ticket_comment_access": "public", "ticket_deletion": false,
        "ticket_editing": true, "ticket_merge": false, "ticket_tag_editing": true, "view_access": "full",
        "voice_access": true, "assign_tickets_to_any_group": false, "group_access": false,
        "light_agent": false, "side_conversation_create": true, "user_view_access": "none",
        "view_deleted_tickets": false,
    })
}

fn build_role(_store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({"name": null, "description": null, "role_type": 0, "team_member_count": 0, "configuration": role_configuration()});
    let mut rec = merge(defaults, w, &["name", "description"]);
    require_text(&rec, "name", "Name")?;
    if let Some(Value::Object(changes)) = w.input.get("configuration") {
        deep_merge(rec.entry("configuration").or_insert(json!({})), changes);
    }
    Ok(rec)
}

/// The roles an Enterprise account starts with (names UNVERIFIED).
pub fn seed_roles(store: &mut Store, now: OffsetDateTime) {
    for (name, description) in [
        ("Staff", "Can edit tickets within their groups"),
        (
            "Team lead",
            "Can manage all tickets and moderate the help center",
        ),
    ] {
        let id = store.next_id();
        let rec = json!({
            "id": id, "name": name, "description": description, "role_type": 0, "team_member_count": 0,
            "configuration": role_configuration(), "created_at": ts(now), "updated_at": ts(now),
        });
        if let Value::Object(m) = rec {
            store.records.put("custom_roles", id, m);
        }
    }
}

/// `/api/v2/business_hours/schedules` \[DOC\]: intervals in minutes since Sunday 00:00.
pub static SCHEDULES: Spec = Spec {
    audited: Some("schedule"),
    ..Spec::new(
        "schedules",
        "schedule",
        "/api/v2/business_hours/schedules",
        build_schedule,
    )
};

fn build_schedule(_store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    // Monday to Friday, 09:00 to 17:00 (1980 = Monday 09:00).
    let week: Vec<Value> = (1..=5)
        .map(|d| json!({"start_time": d * 1440 + 540, "end_time": d * 1440 + 1020}))
        .collect();
    let mut rec = merge(
        json!({"name": null, "time_zone": null, "intervals": week}),
        w,
        &["name", "time_zone"],
    );
    require_text(&rec, "name", "Name")?;
    require_text(&rec, "time_zone", "Time zone")?;
    if let Some(intervals) = w.input.get("intervals") {
        check_intervals(intervals)?;
        rec.insert("intervals".to_owned(), intervals.clone());
    }
    Ok(rec)
}

/// Intervals must lie within one day each, start before they end, within the week.
fn check_intervals(v: &Value) -> Result<(), ZendeskError> {
    let bad = || ZendeskError::invalid("intervals", "Intervals: are invalid", "InvalidValue");
    for i in v.as_array().ok_or_else(bad)? {
        let (Some(s), Some(e)) = (i["start_time"].as_u64(), i["end_time"].as_u64()) else {
            return Err(bad());
        };
        if s >= e || e > 7 * 1440 || s / 1440 != (e - 1) / 1440 {
            return Err(bad());
        }
    }
    Ok(())
}

/// `/api/v2/slas/policies` [DOC; go-zendesk fixture].
pub static SLA_POLICIES: Spec = Spec {
    sort_keys: &[("position", "position"), ("id", "id")],
    default_order: "position",
    audited: Some("sla_policy"),
    label: "title",
    ..Spec::new(
        "sla_policies",
        "sla_policy",
        "/api/v2/slas/policies",
        build_sla,
    )
};

const SLA_METRICS: &[&str] = &[
    "first_reply_time",
    "next_reply_time",
    "periodic_update_time",
    "pausable_update_time",
    "requester_wait_time",
    "agent_work_time",
    "total_resolution_time",
];

fn build_sla(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({"title": null, "description": null, "position": next_position(store, "sla_policies", 1), "filter": {"all": [], "any": []}, "policy_metrics": []});
    let mut rec = merge(
        defaults,
        w,
        &[
            "title",
            "description",
            "position",
            "filter",
            "policy_metrics",
        ],
    );
    require_text(&rec, "title", "Title")?;
    check_kind(&rec, "filter", "Filter", Value::is_object)?;
    let filter = rec["filter"].clone();
    rec.insert("filter".to_owned(), json!({"all": filter.get("all").cloned().unwrap_or(json!([])), "any": filter.get("any").cloned().unwrap_or(json!([]))}));
    for m in rec["policy_metrics"].as_array().into_iter().flatten() {
        let metric_ok = m["metric"]
            .as_str()
            .is_some_and(|x| SLA_METRICS.contains(&x));
        let priority_ok = m["priority"]
            .as_str()
            .is_some_and(|p| ["low", "normal", "high", "urgent"].contains(&p));
        if !metric_ok || !priority_ok || m["target"].as_u64().is_none() {
            return Err(ZendeskError::invalid(
                "policy_metrics",
                "Policy metrics: are invalid",
                "InvalidValue",
            ));
        }
    }
    Ok(rec)
}

/// `/api/v2/routing/attributes` [DOC OAS]. Zendesk's ids are UUID strings
/// (UNVERIFIED); the fake's are numbers like every other record's.
pub static ROUTING_ATTRIBUTES: Spec = Spec {
    ops: Ops {
        show_many: false,
        ..Ops::CRUD
    },
    ..Spec::new(
        "attributes",
        "attribute",
        "/api/v2/routing/attributes",
        build_attribute,
    )
};

fn build_attribute(_store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let rec = merge(json!({"name": null}), w, &["name"]);
    require_text(&rec, "name", "Name")?;
    Ok(rec)
}

/// `GET /api/v2/routing/attributes/definitions` (subjects UNVERIFIED examples).
pub fn routing_definitions() -> Value {
    let c = |s: &str, t: &str| json!({"subject": s, "title": t});
    json!({"definitions": {
        "conditions_all": [c("brand", "Brand"), c("group_id", "Group"), c("priority", "Priority"), c("ticket_type_id", "Type"), c("number_of_incidents", "Number of incidents")],
        "conditions_any": [c("brand", "Brand"), c("group_id", "Group"), c("priority", "Priority"), c("ticket_type_id", "Type")],
    }})
}
