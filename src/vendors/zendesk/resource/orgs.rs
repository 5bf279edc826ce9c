//! Organizations, organization fields and organization memberships
//! (exports-search-orgs reference sections 4.1 to 4.4).

use serde_json::{Value, json};

use super::spec::{
    Nested, Ops, Record, Spec, Write, check_kind, id_of, merge, require_text, taken,
};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::store::Store;

/// The resources of this file.
pub const SPECS: &[&Spec] = &[
    &ORGANIZATIONS,
    &ORGANIZATION_FIELDS,
    &ORGANIZATION_MEMBERSHIPS,
];

/// `/api/v2/organizations` [CAPTURE zenpy].
pub static ORGANIZATIONS: Spec = Spec {
    ops: Ops::ALL,
    sort_keys: &[
        ("name", "name"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
        ("id", "id"),
    ],
    filters: &["external_id"],
    side_loads: &["users", "groups"],
    job_name: "Organization",
    audited: Some("organization"),
    after_delete: Some(organization_deleted),
    ..Spec::new(
        "organizations",
        "organization",
        "/api/v2/organizations",
        build_organization,
    )
};

fn build_organization(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({
        "name": null, "shared_tickets": false, "shared_comments": false, "external_id": null,
        "domain_names": [], "details": null, "notes": null, "group_id": null, "tags": [],
        "organization_fields": {},
    });
    let mut rec = merge(
        defaults,
        w,
        &[
            "name",
            "shared_tickets",
            "shared_comments",
            "external_id",
            "domain_names",
            "details",
            "notes",
            "group_id",
            "tags",
            "organization_fields",
        ],
    );
    let name = require_text(&rec, "name", "Name")?;
    if taken(store, "organizations", w.id, "name", &name) {
        // The double space is Zendesk's (captured in a bulk job's failure).
        return Err(ZendeskError::invalid(
            "name",
            format!("Name:  {name} has already been taken"),
            "DuplicateValue",
        ));
    }
    rec.insert("name".to_owned(), Value::String(name));
    check_kind(&rec, "domain_names", "Domain names", Value::is_array)?;
    check_kind(&rec, "tags", "Tags", Value::is_array)?;
    check_kind(
        &rec,
        "organization_fields",
        "Organization fields",
        Value::is_object,
    )?;
    if let Some(g) = rec.get("group_id").filter(|g| !g.is_null())
        && id_of(g).and_then(|g| store.group(g)).is_none()
    {
        return Err(ZendeskError::invalid(
            "group_id",
            "Group: is invalid",
            "InvalidValue",
        ));
    }
    super::fields::check_values(store, "organization_fields", rec.get("organization_fields"))?;
    Ok(rec)
}

/// Deleting an organization ends its memberships and its users' membership of it;
/// each user so changed is an update in the change log (so exports show it).
fn organization_deleted(store: &mut Store, org: &Record, now: time::OffsetDateTime) {
    let Some(id) = org["id"].as_u64() else { return };
    store.records.remove_where("organization_memberships", |m| {
        m["organization_id"].as_u64() == Some(id)
    });
    let members: Vec<u64> = store
        .users
        .values()
        .filter(|u| u.organization_id == Some(id))
        .map(|u| u.id)
        .collect();
    for u in members {
        set_user_organization(store, u, None, now);
    }
}

/// Sets a user's `organization_id` as a change of the user (logged, `updated_at`
/// moved), when it changes.
pub(super) fn set_user_organization(
    store: &mut Store,
    user: u64,
    org: Option<u64>,
    now: time::OffsetDateTime,
) {
    let Some(mut u) = store.users.get(&user).cloned() else {
        return;
    };
    if u.organization_id == org {
        return;
    }
    u.organization_id = org;
    u.updated_at = now;
    store.users.insert(user, u);
    store.log.record(
        now,
        crate::vendors::zendesk::changelog::Kind::User,
        user,
        crate::vendors::zendesk::changelog::Op::Updated,
    );
}

/// `/api/v2/organization_fields` [CAPTURE zenpy].
pub static ORGANIZATION_FIELDS: Spec = Spec {
    sort_keys: &[
        ("position", "position"),
        ("created_at", "created_at"),
        ("id", "id"),
    ],
    audited: Some("organization_field"),
    label: "title",
    ..Spec::new(
        "organization_fields",
        "organization_field",
        "/api/v2/organization_fields",
        build_organization_field,
    )
};

fn build_organization_field(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    super::fields::build_keyed_field(store, "organization_fields", w)
}

/// `/api/v2/organization_memberships` [DOC; go-zendesk fixture].
pub static ORGANIZATION_MEMBERSHIPS: Spec = Spec {
    ops: Ops {
        update: false,
        ..Ops::ALL
    },
    filters: &["user_id", "organization_id"],
    side_loads: &["users", "organizations"],
    nested: &[
        Nested {
            path: "/api/v2/users/{user_id}/organization_memberships",
            field: "user_id",
        },
        Nested {
            path: "/api/v2/organizations/{id}/organization_memberships",
            field: "organization_id",
        },
    ],
    job_name: "Organization Membership",
    label: "organization_name",
    after_write: Some(membership_written),
    after_delete: Some(membership_deleted),
    ..Spec::new(
        "organization_memberships",
        "organization_membership",
        "/api/v2/organization_memberships",
        build_membership,
    )
};

fn build_membership(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let mut rec = merge(
        json!({"user_id": null, "organization_id": null, "default": null, "view_tickets": true}),
        w,
        &["user_id", "organization_id", "view_tickets"],
    );
    let user = rec.get("user_id").and_then(id_of);
    if user.and_then(|u| store.users.get(&u)).is_none() {
        return Err(ZendeskError::invalid(
            "user_id",
            "User: is invalid",
            "InvalidValue",
        ));
    }
    let org_id = rec.get("organization_id").and_then(id_of);
    let Some(org) = org_id.and_then(|o| store.organization(o)) else {
        return Err(ZendeskError::invalid(
            "organization_id",
            "Organization: is invalid",
            "InvalidValue",
        ));
    };
    let duplicate = store
        .records
        .all("organization_memberships")
        .any(|m| m["user_id"].as_u64() == user && m["organization_id"].as_u64() == org_id);
    if duplicate {
        return Err(ZendeskError::invalid(
            "user_id",
            "User: is already a member of this organization",
            "DuplicateValue",
        ));
    }
    let first = !store
        .records
        .all("organization_memberships")
        .any(|m| m["user_id"].as_u64() == user);
    rec.insert("user_id".to_owned(), json!(user));
    rec.insert("organization_id".to_owned(), json!(org_id));
    rec.insert("organization_name".to_owned(), org["name"].clone());
    rec.insert(
        "default".to_owned(),
        if first { json!(true) } else { Value::Null },
    );
    Ok(rec)
}

/// The first membership of a user is its default: the user's `organization_id`.
fn membership_written(store: &mut Store, id: u64) {
    let Some(m) = store.records.get("organization_memberships", id) else {
        return;
    };
    if m["default"] != json!(true) {
        return;
    }
    let (Some(user), org) = (m["user_id"].as_u64(), m["organization_id"].as_u64()) else {
        return;
    };
    if let Some(mut u) = store.users.get(&user).cloned() {
        u.organization_id = org;
        store.users.insert(user, u);
    }
}

/// Deleting the default membership promotes the user's next one, or leaves the
/// user without an organization.
fn membership_deleted(store: &mut Store, m: &Record, now: time::OffsetDateTime) {
    let Some(user) = m["user_id"].as_u64() else {
        return;
    };
    if m["default"] != json!(true) {
        return;
    }
    let next = store
        .records
        .all("organization_memberships")
        .find(|x| x["user_id"].as_u64() == Some(user))
        .and_then(|x| x["id"].as_u64());
    let mut org = None;
    if let Some(next) = next
        && let Some(mut x) = store.records.get("organization_memberships", next).cloned()
    {
        x.insert("default".to_owned(), json!(true));
        org = x["organization_id"].as_u64();
        store.records.put("organization_memberships", next, x);
    }
    set_user_organization(store, user, org, now);
}
