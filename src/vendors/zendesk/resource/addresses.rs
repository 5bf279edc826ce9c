//! Support addresses, `/api/v2/recipient_addresses` [DOC: Support Addresses;
//! CAPTURE zenpy TestRecipientAddress*]: the address each brand starts with,
//! `support@{subdomain}.zendesk.com`, and the external addresses admins add,
//! which wait for their forwarding and DNS to be verified.

use crate::vendors::zendesk::accounts::Account;
use axum::response::IntoResponse;
use axum::routing::put;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::routes::{Reply, Routes, Z};
use super::spec::{Record, Spec, Write, merge, taken, ts};
use crate::vendors::zendesk::error::{IdParam, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::looks_like_email;

/// The resources of this file.
pub const SPECS: &[&Spec] = &[&RECIPIENT_ADDRESSES];

/// `/api/v2/recipient_addresses`: list (both paginations), show, create (201),
/// update, delete (204) [DOC, CAPTURE].
pub static RECIPIENT_ADDRESSES: Spec = Spec {
    filters: &["brand_id"],
    after_write: Some(one_default),
    label: "email",
    ..Spec::new(
        "recipient_addresses",
        "recipient_address",
        "/api/v2/recipient_addresses",
        build_address,
    )
};

/// The statuses a verified address shows.
const STATUSES: [&str; 4] = [
    "forwarding_status",
    "spf_status",
    "cname_status",
    "domain_verification_status",
];

fn build_address(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let settings = store.settings();
    let defaults = json!({
        "brand_id": settings.brand_id, "default": null, "name": null, "email": null,
        "forwarding_status": "waiting", "spf_status": "failed", "cname_status": "unknown",
        "domain_verification_status": "failed", "domain_verification_code": null,
    });
    // The email is set once [DOC: "cannot be updated"; create another address].
    let writable: &[&str] = match w.old {
        None => &["brand_id", "name", "email"],
        Some(_) => &["brand_id", "name", "default"],
    };
    let mut rec = merge(defaults, w, writable);
    let email = rec["email"]
        .as_str()
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    if !looks_like_email(&email) {
        // Text UNVERIFIED.
        return Err(ZendeskError::invalid(
            "email",
            "Email: is invalid",
            "InvalidValue",
        ));
    }
    if taken(store, "recipient_addresses", w.id, "email", &email) {
        // Text UNVERIFIED.
        return Err(ZendeskError::invalid(
            "email",
            format!("Email: {email} has already been taken"),
            "DuplicateValue",
        ));
    }
    let brand = rec["brand_id"].as_u64();
    if brand != Some(settings.brand_id)
        && brand.and_then(|b| store.records.get("brands", b)).is_none()
    {
        return Err(ZendeskError::invalid(
            "brand_id",
            "Brand: is invalid",
            "InvalidValue",
        ));
    }
    if w.old.is_none() {
        set_statuses(&mut rec, w.id, &email, &settings.subdomain);
    }
    rec.insert("email".to_owned(), json!(email));
    Ok(rec)
}

/// An address made the default stops another of its brand being it (UNVERIFIED).
fn one_default(store: &mut Store, id: u64) {
    let Some(rec) = store.records.get("recipient_addresses", id) else {
        return;
    };
    if rec["default"] != json!(true) {
        return;
    }
    let brand = rec["brand_id"].clone();
    let others: Vec<(u64, Record)> = store
        .records
        .all("recipient_addresses")
        .filter(|a| a["brand_id"] == brand && a["default"] == json!(true))
        .filter_map(|a| Some((a["id"].as_u64().filter(|a| *a != id)?, a.clone())))
        .collect();
    for (other, mut a) in others {
        a.insert("default".to_owned(), json!(false));
        store.records.put("recipient_addresses", other, a);
    }
}

/// A new address's verification: none needed for the account's own
/// `@{subdomain}.zendesk.com` addresses \[DOC\]; others wait, with a 16-hex code
/// derived from the id so a run repeats [CAPTURE: 16 hex].
fn set_statuses(rec: &mut Record, id: u64, email: &str, subdomain: &str) {
    if hosted(email, subdomain) {
        for key in STATUSES {
            rec.insert(key.to_owned(), json!("verified"));
        }
    } else {
        let code = id.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17);
        rec.insert(
            "domain_verification_code".to_owned(),
            json!(format!("{code:016x}")),
        );
    }
}

/// Whether `email` is one of the account's own `@{subdomain}.zendesk.com` addresses.
fn hosted(email: &str, subdomain: &str) -> bool {
    email
        .rsplit_once('@')
        .is_some_and(|(_, domain)| domain == format!("{subdomain}.zendesk.com"))
}

/// Seeds the default brand's address: `support@{subdomain}.zendesk.com`, the
/// default, verified, named after the brand \[CAPTURE\].
pub fn seed(store: &mut Store, now: OffsetDateTime) {
    let settings = store.settings();
    let (brand, subdomain) = (settings.brand_id, settings.subdomain.clone());
    let id = store.next_id();
    let rec = json!({
        "id": id, "brand_id": brand, "default": true, "name": subdomain,
        "email": format!("support@{subdomain}.zendesk.com"),
        "forwarding_status": "verified", "spf_status": "verified", "cname_status": "verified",
        "domain_verification_status": "verified", "domain_verification_code": null,
        "created_at": ts(now), "updated_at": ts(now),
    });
    if let Value::Object(m) = rec {
        store.records.put("recipient_addresses", id, m);
    }
}

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/recipient_addresses/{id}/verify",
        &["PUT"],
        put(verify),
    )
}

/// `PUT /api/v2/recipient_addresses/{id}/verify` with `{"type": "forwarding" |
/// "spf" | "dns"}` \[DOC\]: 200 and an empty body. The fake has no mail or DNS to
/// check, so the named check passes (`dns` covers the CNAME and the domain
/// verification) (UNVERIFIED).
async fn verify(Account(z): Z, IdParam(id): IdParam, ZendeskJson(body): ZendeskJson) -> Reply {
    let keys: &[&str] = match body.get("type").and_then(Value::as_str) {
        Some("forwarding") => &["forwarding_status"],
        Some("spf") => &["spf_status"],
        Some("dns") => &["cname_status", "domain_verification_status"],
        _ => {
            return Err(ZendeskError::BadRequest(
                "type must be one of forwarding, spf, dns".to_owned(),
            ));
        }
    };
    let now = z.now();
    let mut store = z.store();
    let mut rec = store
        .records
        .get("recipient_addresses", id)
        .cloned()
        .ok_or(ZendeskError::RecordNotFound)?;
    for key in keys {
        rec.insert((*key).to_owned(), json!("verified"));
    }
    rec.insert("updated_at".to_owned(), ts(now));
    store.records.put("recipient_addresses", id, rec);
    Ok(axum::http::StatusCode::OK.into_response())
}
