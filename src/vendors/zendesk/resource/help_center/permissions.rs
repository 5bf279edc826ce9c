//! Who sees and who manages Help Center content: user segments [DOC: User
//! Segments API] and management permission groups [DOC: Permission Groups
//! API]. Every account has the built-in segments "Signed-in users" and
//! "Agents and managers" [DOC: Zendesk's help on Guide user permissions] and a
//! built-in permission group (named "Admins" here, UNVERIFIED); built-in
//! records cannot be changed \[DOC\].

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::envelope;
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::resource::engine::{self, Who};
use crate::vendors::zendesk::resource::{Ops, Record, Spec, Write, check_kind, merge, require_text};
use crate::vendors::zendesk::store::Store;

/// `/api/v2/help_center/user_segments` \[DOC\].
pub static USER_SEGMENTS: Spec = Spec {
    ops: Ops::CRUD,
    filters: &["user_type", "built_in"],
    envelope: Some(envelope),
    ..Spec::new(
        "user_segments",
        "user_segment",
        "/api/v2/help_center/user_segments",
        build_segment,
    )
};

/// `/api/v2/guide/permission_groups` \[DOC\].
pub static PERMISSION_GROUPS: Spec = Spec {
    ops: Ops::CRUD,
    envelope: Some(envelope),
    ..Spec::new(
        "permission_groups",
        "permission_group",
        "/api/v2/guide/permission_groups",
        build_permission_group,
    )
};

/// A built-in record cannot be changed \[DOC\]: 403 (body UNVERIFIED).
fn refuse_built_in(w: &Write<'_>) -> Result<(), ZendeskError> {
    if w.old.is_some_and(|o| o["built_in"] == json!(true)) {
        return Err(ZendeskError::Forbidden);
    }
    Ok(())
}

fn build_segment(_: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    refuse_built_in(w)?;
    let defaults = json!({
        "name": null, "user_type": null, "group_ids": [], "organization_ids": [], "tags": [],
        "or_tags": [], "added_user_ids": [], "built_in": false,
    });
    let writable = ["name", "user_type", "group_ids", "organization_ids", "tags", "or_tags", "added_user_ids"];
    let rec = merge(defaults, w, &writable);
    require_text(&rec, "name", "Name")?;
    // `signed_in_users` or `staff` [DOC].
    if !matches!(rec["user_type"].as_str(), Some("signed_in_users" | "staff")) {
        return Err(ZendeskError::invalid("user_type", "User type: is invalid", "InvalidValue"));
    }
    for (key, title) in [
        ("group_ids", "Group ids"),
        ("organization_ids", "Organization ids"),
        ("tags", "Tags"),
        ("or_tags", "Or tags"),
        ("added_user_ids", "Added user ids"),
    ] {
        check_kind(&rec, key, title, Value::is_array)?;
    }
    Ok(rec)
}

fn build_permission_group(_: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    refuse_built_in(w)?;
    let defaults = json!({"name": null, "edit": [], "publish": [], "built_in": false});
    let rec = merge(defaults, w, &["name", "edit", "publish"]);
    require_text(&rec, "name", "Name")?;
    check_kind(&rec, "edit", "Edit", Value::is_array)?;
    check_kind(&rec, "publish", "Publish", Value::is_array)?;
    Ok(rec)
}

/// Seeds the built-in segments and permission group.
pub fn seed(store: &mut Store, who: &Who, now: OffsetDateTime) {
    let mut built_in = |spec: &'static Spec, input: Value| {
        let Ok(id) = engine::create(spec, store, who, &input, now) else {
            return None;
        };
        let mut rec = store.records.get(spec.table, id)?.clone();
        rec.insert("built_in".to_owned(), json!(true));
        store.records.put(spec.table, id, rec);
        Some(id)
    };
    built_in(&USER_SEGMENTS, json!({"name": "Signed-in users", "user_type": "signed_in_users"}));
    let staff = built_in(&USER_SEGMENTS, json!({"name": "Agents and managers", "user_type": "staff"}));
    built_in(
        &PERMISSION_GROUPS,
        json!({"name": "Admins", "edit": [], "publish": staff.into_iter().collect::<Vec<_>>()}),
    );
}
