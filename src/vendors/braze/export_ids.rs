//! `/users/export/ids` (REFERENCE 2.3): the request as Braze reads it and the
//! user object it writes back.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::error::BrazeError;
use super::store::Profile;
use super::wire::{UserAlias, present, string_field};
use crate::clock::iso_millis;

/// `fields_to_export` values Braze documents for `/users/export/ids` (\[DOC\]
/// post_users_identifier.md). The fake fills the ones it models and leaves the
/// others (devices, campaigns received...) out.
pub const EXPORT_FIELDS: &[&str] = &[
    "apps",
    "attributed_campaign",
    "attributed_source",
    "attributed_adgroup",
    "attributed_ad",
    "braze_id",
    "campaigns_received",
    "canvases_received",
    "cards_clicked",
    "country",
    "created_at",
    "custom_attributes",
    "custom_events",
    "devices",
    "dob",
    "email",
    "email_subscribe",
    "external_id",
    "first_name",
    "gender",
    "home_city",
    "language",
    "last_coordinates",
    "last_name",
    "phone",
    "purchases",
    "push_subscribe",
    "push_tokens",
    "random_bucket",
    "time_zone",
    "total_revenue",
    "uninstalled_at",
    "user_aliases",
];

/// A `/users/export/ids` request (\[DOC\] post_users_identifier.md).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// `external_ids`.
    pub external_ids: Vec<String>,
    /// `user_aliases`.
    pub user_aliases: Vec<UserAlias>,
    /// `device_id` (the fake has no devices: it never matches).
    pub device_id: Option<String>,
    /// `braze_id`.
    pub braze_id: Option<String>,
    /// `email_address`.
    pub email_address: Option<String>,
    /// `phone`.
    pub phone: Option<String>,
    /// `fields_to_export`; `None`: every field.
    pub fields_to_export: Option<Vec<String>>,
}

/// Reads a `/users/export/ids` body: at most `max_ids` external ids and aliases
/// (\[DOC\] 50), at most one of device_id, email_address, phone.
// Vendor quirk: the texts of these 400s are UNVERIFIED.
pub fn parse_export(
    body: &Map<String, Value>,
    max_ids: usize,
) -> Result<ExportRequest, BrazeError> {
    let single = |key: &str| string_field(body, key).map_err(|e| BrazeError::BadRequest(e.0));
    let user_aliases = match present(body, "user_aliases") {
        None => Vec::new(),
        Some(v) => serde_json::from_value::<Vec<UserAlias>>(v.clone()).map_err(|_| {
            BrazeError::BadRequest(
                "'user_aliases' must be an array of {alias_name, alias_label}".to_owned(),
            )
        })?,
    };
    let req = ExportRequest {
        external_ids: strings(body, "external_ids")?,
        user_aliases,
        device_id: single("device_id")?,
        braze_id: single("braze_id")?,
        email_address: single("email_address")?,
        phone: single("phone")?,
        fields_to_export: match present(body, "fields_to_export") {
            None => None,
            Some(_) => Some(strings(body, "fields_to_export")?),
        },
    };
    check_export(&req, max_ids)?;
    Ok(req)
}

/// An array of strings, empty when absent.
fn strings(body: &Map<String, Value>, key: &str) -> Result<Vec<String>, BrazeError> {
    let wrong = || BrazeError::BadRequest(format!("'{key}' must be an array of strings"));
    match present(body, key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(wrong))
            .collect(),
        Some(_) => Err(wrong()),
    }
}

/// What an export request must hold: not too many ids, at most one of the
/// single identifiers, at least one identifier, fields Braze can export.
fn check_export(req: &ExportRequest, max_ids: usize) -> Result<(), BrazeError> {
    if req.external_ids.len() + req.user_aliases.len() > max_ids {
        return Err(BrazeError::MaxInputLength(vec![format!(
            "at most {max_ids} external_ids or user_aliases are allowed per request"
        )]));
    }
    let singles = [&req.device_id, &req.email_address, &req.phone];
    if singles.iter().filter(|s| s.is_some()).count() > 1 {
        return Err(BrazeError::BadRequest(
            "only one of 'device_id', 'email_address' or 'phone' may be given per request"
                .to_owned(),
        ));
    }
    let any = !req.external_ids.is_empty()
        || !req.user_aliases.is_empty()
        || req.braze_id.is_some()
        || singles.iter().any(|s| s.is_some());
    if !any {
        return Err(BrazeError::BadRequest(
            "give at least one of 'external_ids', 'user_aliases', 'device_id', 'braze_id', 'email_address' or 'phone'".to_owned(),
        ));
    }
    if let Some(bad) = req
        .fields_to_export
        .iter()
        .flatten()
        .find(|f| !EXPORT_FIELDS.contains(&f.as_str()))
    {
        return Err(BrazeError::BadRequest(format!(
            "'{bad}' is not a field Braze can export"
        )));
    }
    Ok(())
}

/// `2020-07-10 15:00:00.000 UTC`: how the export shows `created_at`.
// Vendor quirk: format recalled from Braze's export sample; UNVERIFIED.
fn export_time(t: OffsetDateTime) -> String {
    iso_millis(t).replacen('T', " ", 1).replace('Z', " UTC")
}

/// `[{name, first, last, count}]`, in the order each name was first tracked.
fn tally<'a>(items: impl Iterator<Item = (&'a str, OffsetDateTime, u64)>) -> Value {
    let mut out: Vec<(&str, OffsetDateTime, OffsetDateTime, u64)> = Vec::new();
    for (name, t, n) in items {
        match out.iter_mut().find(|e| e.0 == name) {
            Some(e) => {
                e.1 = e.1.min(t);
                e.2 = e.2.max(t);
                e.3 += n;
            }
            None => out.push((name, t, t, n)),
        }
    }
    Value::Array(
        out.into_iter()
            .map(|(name, first, last, count)| {
                json!({"name": name, "first": iso_millis(first), "last": iso_millis(last), "count": count})
            })
            .collect(),
    )
}

/// One user of a `/users/export/ids` reply: the fields the fake models, limited to
/// `fields` when given. Unset fields are left out, as in Braze's export samples.
///
/// `custom_events` and `purchases` are `[{name, first, last, count}]` (\[DOC\] export
/// sample); that a purchase's `count` adds its quantities and that `total_revenue`
/// sums price × quantity across currencies is UNVERIFIED.
pub fn export_user(p: &Profile, fields: Option<&[String]>) -> Map<String, Value> {
    let mut all = Map::new();
    let mut put = |k: &str, v: Value| {
        all.insert(k.to_owned(), v);
    };
    put("created_at", Value::String(export_time(p.created_at)));
    if let Some(id) = &p.external_id {
        put("external_id", Value::String(id.clone()));
    }
    if !p.user_aliases.is_empty() {
        put("user_aliases", json!(p.user_aliases));
    }
    put("braze_id", Value::String(p.braze_id.clone()));
    put("random_bucket", json!(p.random_bucket));
    for (k, v) in &p.attributes {
        put(k, v.clone());
    }
    if !p.purchases.is_empty() {
        let revenue: f64 = p
            .purchases
            .iter()
            .map(|b| b.price * f64::from(b.quantity))
            .sum();
        put("total_revenue", json!(revenue));
    }
    if !p.custom_attributes.is_empty() {
        put(
            "custom_attributes",
            Value::Object(p.custom_attributes.clone()),
        );
    }
    if !p.events.is_empty() {
        put(
            "custom_events",
            tally(p.events.iter().map(|e| (e.name.as_str(), e.time, 1))),
        );
    }
    if !p.purchases.is_empty() {
        put(
            "purchases",
            tally(
                p.purchases
                    .iter()
                    .map(|b| (b.product_id.as_str(), b.time, u64::from(b.quantity))),
            ),
        );
    }
    match fields {
        None => all,
        Some(f) => all
            .into_iter()
            .filter(|(k, _)| f.iter().any(|x| x == k))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn export_requests_are_checked() {
        let parse = |v: Value| parse_export(&obj(v), 50);
        assert!(parse(json!({})).is_err());
        assert!(parse(json!({"email_address": "a@b.c", "phone": "+1"})).is_err());
        assert!(parse(json!({"external_ids": ["u"], "fields_to_export": ["nope"]})).is_err());
        let many: Vec<String> = (0..51).map(|i| i.to_string()).collect();
        assert!(matches!(
            parse(json!({"external_ids": many})),
            Err(BrazeError::MaxInputLength(_))
        ));
        let ok = parse(json!({"external_ids": ["u"], "fields_to_export": ["first_name"]})).unwrap();
        assert_eq!(ok.fields_to_export, Some(vec!["first_name".to_owned()]));
    }
}
