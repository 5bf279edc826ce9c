//! The engine's state changes: create, update, delete and their bulk forms, with
//! validation from the resource's declaration and an audit-log entry for each
//! change the audit log tracks. Plain functions on the store, no I/O.

use serde_json::{Value, json};
use time::OffsetDateTime;

pub use super::spec::MAX_BULK;
use super::spec::{Record, Spec, Write, ts};
pub use super::spec::{render, with_param};
use crate::vendors::zendesk::changelog::{Kind, Op};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::store::Store;

/// Who made a change, for the audit log.
#[derive(Debug, Clone)]
pub struct Who {
    /// The caller's user id.
    pub user_id: u64,
    /// The caller's address.
    pub ip_address: String,
}

/// Every record of a JSON-record resource, stored or derived, in id order
/// (typed resources are read as rows: [`listing::Rows`](super::listing::Rows)).
pub fn records(spec: &Spec, store: &Store) -> Vec<Record> {
    match spec.derived {
        Some(derive) => derive(store),
        None => store.records.all(spec.table).cloned().collect(),
    }
}

/// One record of a JSON-record resource by id, or `RecordNotFound` (typed
/// resources: [`listing::find`](super::listing::find)).
pub fn find(spec: &Spec, store: &Store, id: u64) -> Result<Record, ZendeskError> {
    match spec.derived {
        Some(derive) => derive(store)
            .into_iter()
            .find(|r| r["id"].as_u64() == Some(id))
            .ok_or(ZendeskError::RecordNotFound),
        None => store
            .records
            .get(spec.table, id)
            .cloned()
            .ok_or(ZendeskError::RecordNotFound),
    }
}

fn object(input: &Value) -> Result<&Record, ZendeskError> {
    input
        .as_object()
        .ok_or_else(|| ZendeskError::BadRequest("the record must be a JSON object".to_owned()))
}

/// Creates a record from a request object; returns its id.
pub fn create(
    spec: &'static Spec,
    store: &mut Store,
    who: &Who,
    input: &Value,
    now: OffsetDateTime,
) -> Result<u64, ZendeskError> {
    let input = object(input)?;
    let id = store.next_id();
    let rec = (spec.build)(
        store,
        &Write {
            id,
            now,
            input,
            old: None,
            actor: who.user_id,
        },
    )?;
    store.records.put(spec.table, id, rec);
    if let Some(after) = spec.after_write {
        after(store, id);
    }
    audit(spec, store, who, "create", id, now);
    log_change(spec, store, id, Op::Created, now);
    Ok(id)
}

/// Updates a record from a request object.
pub fn update(
    spec: &'static Spec,
    store: &mut Store,
    who: &Who,
    id: u64,
    input: &Value,
    now: OffsetDateTime,
) -> Result<(), ZendeskError> {
    let input = object(input)?;
    let old = store
        .records
        .get(spec.table, id)
        .cloned()
        .ok_or(ZendeskError::RecordNotFound)?;
    let rec = (spec.build)(
        store,
        &Write {
            id,
            now,
            input,
            old: Some(&old),
            actor: who.user_id,
        },
    )?;
    store.records.put(spec.table, id, rec);
    if let Some(after) = spec.after_write {
        after(store, id);
    }
    audit(spec, store, who, "update", id, now);
    log_change(spec, store, id, Op::Updated, now);
    Ok(())
}

/// Deletes a record.
pub fn destroy(
    spec: &'static Spec,
    store: &mut Store,
    who: &Who,
    id: u64,
    now: OffsetDateTime,
) -> Result<(), ZendeskError> {
    let label = store
        .records
        .get(spec.table, id)
        .map(|r| label_of(spec, r))
        .ok_or(ZendeskError::RecordNotFound)?;
    audit_labelled(spec, store, who, "destroy", id, label, now);
    let old = store
        .records
        .remove(spec.table, id)
        .ok_or(ZendeskError::RecordNotFound)?;
    if let Some(after) = spec.after_delete {
        after(store, &old, now);
    }
    log_change(spec, store, id, Op::Deleted, now);
    Ok(())
}

/// Appends the change to the account's change log (which incremental exports,
/// search and event webhooks read) for the resources it tracks: organizations.
fn log_change(spec: &Spec, store: &mut Store, id: u64, op: Op, now: OffsetDateTime) {
    if spec.plural == "organizations" {
        store.log.record(now, Kind::Organization, id, op);
    }
}

/// The text of a failed bulk item, as job results show it.
fn failure_text(e: &ZendeskError) -> String {
    match e {
        ZendeskError::RecordInvalid(d) => d
            .values()
            .flatten()
            .map(|f| f.description.clone())
            .collect::<Vec<_>>()
            .join(", "),
        other => other.status_and_body().1["description"]
            .as_str()
            .unwrap_or("failed")
            .to_owned(),
    }
}

/// `create_many`: each item created or failed; the job's results.
pub fn create_many(
    spec: &'static Spec,
    store: &mut Store,
    who: &Who,
    items: &[Value],
    now: OffsetDateTime,
) -> Vec<Value> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| match create(spec, store, who, item, now) {
            Ok(id) => json!({"id": id, "status": "Created"}),
            Err(e) => json!({"index": index, "error": format!("{}CreateFailed", spec.job_name.replace(' ', "")), "details": failure_text(&e)}),
        })
        .collect()
}

/// `update_many`: each `(id, object)` updated or failed; the job's results.
pub fn update_many(
    spec: &'static Spec,
    store: &mut Store,
    who: &Who,
    items: &[(Option<u64>, Value)],
    now: OffsetDateTime,
) -> Vec<Value> {
    items
        .iter()
        .enumerate()
        .map(|(index, (id, item))| {
            let done = id
                .ok_or(ZendeskError::RecordNotFound)
                .and_then(|id| update(spec, store, who, id, item, now));
            match done {
                Ok(()) => Store::updated_result(id),
                Err(e) => json!({"index": index, "id": id, "error": format!("{}UpdateFailed", spec.job_name.replace(' ', "")), "details": failure_text(&e)}),
            }
        })
        .collect()
}

/// `destroy_many`: each id deleted or failed; the job's results.
pub fn destroy_many(
    spec: &'static Spec,
    store: &mut Store,
    who: &Who,
    ids: &[u64],
    now: OffsetDateTime,
) -> Vec<Value> {
    ids.iter()
        .map(|&id| match destroy(spec, store, who, id, now) {
            Ok(()) => json!({"action": "destroy", "id": id, "status": "Deleted", "success": true}),
            Err(e) => json!({"action": "destroy", "id": id, "status": "Failed", "success": false, "details": failure_text(&e)}),
        })
        .collect()
}

fn label_of(spec: &Spec, rec: &Record) -> String {
    match rec.get(spec.label) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn audit(spec: &Spec, store: &mut Store, who: &Who, action: &str, id: u64, now: OffsetDateTime) {
    let label = store
        .records
        .get(spec.table, id)
        .map(|r| label_of(spec, r))
        .unwrap_or_default();
    audit_labelled(spec, store, who, action, id, label, now);
}

fn audit_labelled(
    spec: &Spec,
    store: &mut Store,
    who: &Who,
    action: &str,
    id: u64,
    label: String,
    now: OffsetDateTime,
) {
    let Some(source_type) = spec.audited else {
        return;
    };
    record_audit_log(
        store,
        who,
        AuditEntry {
            action,
            source_type,
            source_id: id,
            source_label: label,
            change: format!("{} {}", action_label(action), spec.one.replace('_', " ")),
        },
        now,
    );
}

/// What one audit-log entry says.
pub struct AuditEntry<'a> {
    /// `create`, `update` or `destroy`.
    pub action: &'a str,
    /// The changed record's kind (`user`, `rule`, `account_setting`, ...).
    pub source_type: &'a str,
    /// The changed record's id.
    pub source_id: u64,
    /// The changed record's name.
    pub source_label: String,
    /// `change_description`.
    pub change: String,
}

fn action_label(action: &str) -> &'static str {
    match action {
        "create" => "Created",
        "destroy" => "Deleted",
        _ => "Updated",
    }
}

/// Appends an audit-log entry (REFERENCE rules 3.3) for a change made through the API.
pub fn record_audit_log(store: &mut Store, who: &Who, e: AuditEntry<'_>, now: OffsetDateTime) {
    let id = store.next_id();
    let actor_name = store
        .users
        .get(&who.user_id)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let rec = json!({
        "id": id, "action": e.action, "action_label": action_label(e.action),
        "actor_id": who.user_id, "actor_name": actor_name,
        "change_description": e.change, "created_at": ts(now),
        "ip_address": who.ip_address, "source_id": e.source_id,
        "source_label": e.source_label, "source_type": e.source_type,
    });
    if let Value::Object(m) = rec {
        store.records.put("audit_logs", id, m);
    }
}
