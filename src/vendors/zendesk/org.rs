//! Organizations as the change log, incremental exports, search and event
//! webhooks read them: the resource engine's JSON records (`resource::orgs`), shown
//! exactly as `GET /api/v2/organizations/{id}` shows them.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::resource::{Record, engine, orgs};

/// An organization as the API returns it: the record with its `url` on `base`.
pub fn org_out(base: &str, org: &Record) -> Value {
    engine::render(&orgs::ORGANIZATIONS, base, org)
}

/// The organization's id.
pub fn id(org: &Record) -> u64 {
    org.get("id").and_then(Value::as_u64).unwrap_or_default()
}

/// A string field (`name`, `details`, `notes`, `external_id`), if set.
pub fn text<'a>(org: &'a Record, key: &str) -> Option<&'a str> {
    org.get(key).and_then(Value::as_str)
}

/// The strings of a list field (`tags`, `domain_names`).
pub fn strings<'a>(org: &'a Record, key: &str) -> Vec<&'a str> {
    org.get(key)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A timestamp field (`created_at`, `updated_at`); the Unix epoch if unreadable.
pub fn time(org: &Record, key: &str) -> OffsetDateTime {
    text(org, key)
        .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
