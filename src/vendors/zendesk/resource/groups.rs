//! Groups and group memberships (exports-search-orgs reference sections 5.1, 5.2).

use serde_json::{Value, json};

use super::spec::{Nested, Ops, Record, Spec, Write, id_of, merge, require_text};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::store::Store;

/// The resources of this file.
pub const SPECS: &[&Spec] = &[&GROUPS, &GROUP_MEMBERSHIPS];

/// `/api/v2/groups` [CAPTURE zenpy].
pub static GROUPS: Spec = Spec {
    ops: Ops {
        count: true,
        show_many: false,
        ..Ops::CRUD
    },
    sort_keys: &[("name", "name"), ("created_at", "created_at"), ("id", "id")],
    filters: &["is_public"],
    side_loads: &["users"],
    job_name: "Group",
    audited: Some("group"),
    after_delete: Some(group_deleted),
    ..Spec::new("groups", "group", "/api/v2/groups", build_group)
};

fn build_group(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let mut rec = merge(
        json!({"is_public": true, "name": null, "description": "", "default": false, "deleted": false}),
        w,
        &["is_public", "name", "description"],
    );
    let name = require_text(&rec, "name", "Name")?;
    let unique = store
        .records
        .account_settings
        .pointer("/groups/check_group_name_uniqueness")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let taken = store.groups().any(|g| {
        g["id"].as_u64() != Some(w.id)
            && g["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(&name))
    });
    if unique && taken {
        // Body UNKNOWN (reference 5.1); the organizations' wording.
        return Err(ZendeskError::invalid(
            "name",
            format!("Name:  {name} has already been taken"),
            "DuplicateValue",
        ));
    }
    rec.insert("name".to_owned(), Value::String(name));
    Ok(rec)
}

/// Deleting a group ends its memberships.
fn group_deleted(store: &mut Store, g: &Record, _now: time::OffsetDateTime) {
    let id = g["id"].as_u64();
    store
        .records
        .remove_where("group_memberships", |m| m["group_id"].as_u64() == id);
}

/// `/api/v2/group_memberships` [CAPTURE zenpy].
pub static GROUP_MEMBERSHIPS: Spec = Spec {
    ops: Ops {
        update: false,
        update_many: false,
        count: false,
        show_many: false,
        ..Ops::ALL
    },
    filters: &["user_id", "group_id"],
    side_loads: &["users", "groups"],
    nested: &[
        Nested {
            path: "/api/v2/users/{user_id}/group_memberships",
            field: "user_id",
        },
        Nested {
            path: "/api/v2/groups/{id}/memberships",
            field: "group_id",
        },
    ],
    job_name: "Group Membership",
    label: "group_id",
    ..Spec::new(
        "group_memberships",
        "group_membership",
        "/api/v2/group_memberships",
        build_membership,
    )
};

fn build_membership(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let mut rec = merge(
        json!({"user_id": null, "group_id": null, "default": false}),
        w,
        &["user_id", "group_id", "default"],
    );
    let user_id = rec.get("user_id").and_then(id_of);
    let Some(user) = user_id.and_then(|u| store.users.get(&u)) else {
        return Err(ZendeskError::invalid(
            "user_id",
            "User: is invalid",
            "InvalidValue",
        ));
    };
    if !user.role.is_staff() {
        // UNVERIFIED text (reference 5.2): only agents join groups.
        return Err(ZendeskError::invalid(
            "user_id",
            "User: is not an agent",
            "InvalidValue",
        ));
    }
    let group_id = rec.get("group_id").and_then(id_of);
    if group_id.and_then(|g| store.group(g)).is_none() {
        return Err(ZendeskError::invalid(
            "group_id",
            "Group: is invalid",
            "InvalidValue",
        ));
    }
    let memberships = || {
        store
            .records
            .all("group_memberships")
            .filter(|m| m["user_id"].as_u64() == user_id)
    };
    if memberships().any(|m| m["group_id"].as_u64() == group_id) {
        return Err(ZendeskError::invalid(
            "user_id",
            "User: is already a member of this group",
            "DuplicateValue",
        ));
    }
    let first = memberships().next().is_none();
    rec.insert("user_id".to_owned(), json!(user_id));
    rec.insert("group_id".to_owned(), json!(group_id));
    if first {
        rec.insert("default".to_owned(), json!(true));
    }
    Ok(rec)
}

/// The group a ticket assigned only to `agent` takes: the agent's default group.
pub fn default_group(store: &Store, agent: u64) -> Option<u64> {
    let mine: Vec<&Record> = store
        .records
        .all("group_memberships")
        .filter(|m| m["user_id"].as_u64() == Some(agent))
        .collect();
    mine.iter()
        .find(|m| m["default"] == json!(true))
        .or_else(|| mine.first())
        .and_then(|m| m["group_id"].as_u64())
}
