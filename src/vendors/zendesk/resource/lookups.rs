//! Read-mostly lookups integrations make beside the resources: locales, the
//! legacy satisfaction reasons, organization autocomplete and related counts, and
//! tag autocomplete (exports-search-orgs reference 2.3 and 7.3; rules-metrics
//! reference 3.5; Zendesk's Locales and Satisfaction Reasons API reference).

use crate::vendors::zendesk::accounts::Account;

use axum::extract::{Path, RawQuery};
use axum::routing::get;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::engine;
use super::engine::Who;
use super::listing::{self, Query};
use super::orgs::ORGANIZATIONS;
use super::routes::{Reply, Routes, Z, ok};
use super::spec::{Ops, Record, Row, Spec, Write, merge, require_text};
use super::tags::account_tags;
use super::typed::USERS;
use crate::vendors::zendesk::error::{IdParam, ZendeskError};
use crate::vendors::zendesk::extract::BaseUrl;
use crate::vendors::zendesk::store::Store;

/// The resources of this file.
pub const SPECS: &[&Spec] = &[&SATISFACTION_REASONS];

/// `/api/v2/satisfaction_reasons` \[DOC\]: the reasons an end user picks from after
/// a bad rating. Zendesk only reads them through the API (admins edit them in its
/// interface), so the fake seeds them: its defaults, or `seed_records`.
pub static SATISFACTION_REASONS: Spec = Spec {
    ops: Ops::READ,
    seeded: true,
    table: "satisfaction_reasons",
    ..Spec::new(
        "reasons",
        "reason",
        "/api/v2/satisfaction_reasons",
        build_reason,
    )
};

fn build_reason(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults =
        json!({"value": null, "raw_value": null, "reason_code": null, "deleted_at": null});
    let mut rec = merge(defaults, w, &["value", "raw_value", "reason_code"]);
    let value = require_text(&rec, "value", "Value")?;
    if rec["raw_value"].is_null() {
        rec.insert("raw_value".into(), json!(value));
    }
    if !rec["reason_code"].is_u64() {
        // Custom reasons are numbered from 1000 [DOC: "assigned an automatically
        // incrementing integer (starting from 1000)"].
        let next = engine::records(&SATISFACTION_REASONS, store)
            .iter()
            .filter_map(|r| r["reason_code"].as_u64())
            .filter(|c| *c >= 1000)
            .max()
            .map_or(1000, |c| c + 1);
        rec.insert("reason_code".into(), json!(next));
    }
    Ok(rec)
}

/// Zendesk's system reasons (UNVERIFIED: texts and codes from its help center's
/// description of the default survey; replace them with `seed_records`).
const DEFAULT_REASONS: &[(u64, &str)] = &[
    (0, "No reason provided"),
    (5, "The issue took too long to resolve"),
    (6, "The issue was not resolved"),
    (7, "The agent's knowledge is unsatisfactory"),
    (8, "The agent's attitude is unsatisfactory"),
    (100, "Some other reason"),
];

/// Seeds the default satisfaction reasons, unless the config seeds its own.
pub fn seed_reasons(store: &mut Store, who: &Who, configured: bool, now: OffsetDateTime) {
    if configured {
        return;
    }
    for (code, text) in DEFAULT_REASONS {
        let input = json!({"value": text, "reason_code": code});
        // The defaults are valid: a failure here is not possible.
        let _ = engine::create(&SATISFACTION_REASONS, store, who, &input, now);
    }
}

/// A locale: id, code, name, native name, presentation name.
type Locale = (u64, &'static str, &'static str, &'static str, &'static str);

/// Locales Zendesk offers every account, as its public list shows them [CAPTURE
/// support.zendesk.com `/api/v2/locales/public.json`]: id, code, name, native
/// name, presentation name.
const PUBLIC_LOCALES: &[Locale] = &[
    (
        1,
        "en-US",
        "English",
        "English (United States)",
        "English (United States)",
    ),
    (2, "es", "Español", "español", "Spanish - español"),
    (8, "de", "Deutsch", "Deutsch", "German - Deutsch"),
    (
        9,
        "zh-tw",
        "繁體中文 (Traditional Chinese)",
        "中文（繁體）",
        "Chinese (Traditional) - 中文（繁體）",
    ),
    (
        10,
        "zh-cn",
        "简体中文 (Simplified Chinese)",
        "中文（简体）",
        "Chinese (Simplified) - 中文（简体）",
    ),
];

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add("/api/v2/locales", &["GET"], get(locales))
        .add("/api/v2/locales/public", &["GET"], get(public_locales))
        .add("/api/v2/locales/agent", &["GET"], get(locales))
        .add("/api/v2/locales/current", &["GET"], get(current_locale))
        .add("/api/v2/locales/{locale_id}", &["GET"], get(show_locale))
        .add(
            "/api/v2/organizations/autocomplete",
            &["GET"],
            get(autocomplete_organizations),
        )
        .add(
            "/api/v2/organizations/{organization_id}/related",
            &["GET"],
            get(organization_related),
        )
        .add(
            "/api/v2/users/autocomplete",
            &["GET"],
            get(autocomplete_users),
        )
        .add(
            "/api/v2/autocomplete/tags",
            &["GET"],
            get(autocomplete_tags),
        )
}

fn locale_json(base: &str, l: &Locale, default: u64) -> Value {
    let (id, code, name, native, presentation) = *l;
    json!({
        "url": format!("{base}/api/v2/locales/{code}.json"), "id": id, "locale": code,
        "name": name, "native_name": native, "presentation_name": presentation, "rtl": false,
        "created_at": null, "updated_at": null, "default": id == default,
    })
}

/// The account's locales: `settings.localization.locale_ids`, the first the
/// default.
fn account_locales(store: &Store) -> (Vec<&'static Locale>, u64) {
    let ids: Vec<u64> = store.records.account_settings["localization"]["locale_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_u64)
        .collect();
    let default = ids.first().copied().unwrap_or(1);
    let list = PUBLIC_LOCALES
        .iter()
        .filter(|l| ids.contains(&l.0) || (ids.is_empty() && l.0 == 1))
        .collect();
    (list, default)
}

async fn locales(Account(z): Z, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let (list, default) = account_locales(&store);
    let all: Vec<Value> = list
        .iter()
        .map(|l| locale_json(&base, l, default))
        .collect();
    Ok(ok(&json!({"locales": all})))
}

async fn public_locales(Account(z): Z, BaseUrl(base): BaseUrl) -> Reply {
    let (_, default) = account_locales(&z.store_read());
    let all: Vec<Value> = PUBLIC_LOCALES
        .iter()
        .map(|l| locale_json(&base, l, default))
        .collect();
    Ok(ok(&json!({"locales": all})))
}

/// The account's default locale (UNVERIFIED: Zendesk answers the caller's own).
async fn current_locale(Account(z): Z, BaseUrl(base): BaseUrl) -> Reply {
    let (_, default) = account_locales(&z.store_read());
    let l = PUBLIC_LOCALES
        .iter()
        .find(|l| l.0 == default)
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(ok(&json!({"locale": locale_json(&base, l, default)})))
}

/// `/api/v2/locales/{id or BCP-47 code}` \[DOC\], case-insensitive on the code.
async fn show_locale(Account(z): Z, Path(key): Path<String>, BaseUrl(base): BaseUrl) -> Reply {
    let key = key.strip_suffix(".json").unwrap_or(&key);
    let (_, default) = account_locales(&z.store_read());
    let l = PUBLIC_LOCALES
        .iter()
        .find(|l| l.1.eq_ignore_ascii_case(key) || key.parse() == Ok(l.0))
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(ok(&json!({"locale": locale_json(&base, l, default)})))
}

/// `GET /organizations/autocomplete?name=` \[DOC\]: organizations whose name starts
/// with the value, offset-paged. Fewer than 2 characters is a 400 (body UNKNOWN).
async fn autocomplete_organizations(
    Account(z): Z,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let q = Query::parse(q.as_deref());
    let prefix = autocompleted(&q)?;
    let store = z.store_read();
    let found: Vec<Record> = engine::records(&ORGANIZATIONS, &store)
        .into_iter()
        .filter(|o| {
            o["name"]
                .as_str()
                .is_some_and(|n| n.to_lowercase().starts_with(&prefix))
        })
        .collect();
    let path = "/api/v2/organizations/autocomplete";
    listing::page_of(&ORGANIZATIONS, &store, &base, path, found, &q).map(|v| ok(&v))
}

/// The lowercase `name=` an autocomplete starts from: at least 2 characters, a
/// 400 otherwise (DOC lists one; its body is UNKNOWN, so Zendesk's usual one).
fn autocompleted(q: &Query) -> Result<String, ZendeskError> {
    let prefix = q.get("name").unwrap_or_default().to_lowercase();
    if prefix.chars().count() < 2 {
        return Err(ZendeskError::BadRequest(
            "name: must be at least 2 characters".to_owned(),
        ));
    }
    Ok(prefix)
}

/// `GET /users/autocomplete?name=` [DOC: Autocomplete Users]: users whose name
/// starts with the value (any case), offset-paged; fewer than 2 characters is a
/// 400 (body UNKNOWN, as for organizations).
async fn autocomplete_users(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let q = Query::parse(q.as_deref());
    let prefix = autocompleted(&q)?;
    let store = z.store_read();
    let found: Vec<&dyn Row> = store
        .users
        .values()
        .filter(|u| u.name.to_lowercase().starts_with(&prefix))
        .map(|u| u as &dyn Row)
        .collect();
    let path = "/api/v2/users/autocomplete";
    listing::page_rows(&USERS, &store, &base, path, found, &q).map(|v| ok(&v))
}

/// `GET /organizations/{id}/related` (shape UNVERIFIED): how many tickets and
/// users the organization has.
async fn organization_related(Account(z): Z, IdParam(id): IdParam) -> Reply {
    let store = z.store_read();
    engine::find(&ORGANIZATIONS, &store, id)?;
    let tickets = store
        .tickets
        .values()
        .filter(|t| t.organization_id == Some(id))
        .count();
    let users = store
        .users
        .values()
        .filter(|u| u.organization_id == Some(id))
        .count();
    Ok(ok(
        &json!({"organization_related": {"tickets_count": tickets, "users_count": users}}),
    ))
}

/// `GET /autocomplete/tags?name=` \[DOC\]: the account's tags starting with the
/// value, most used first.
async fn autocomplete_tags(Account(z): Z, RawQuery(q): RawQuery) -> Reply {
    let q = Query::parse(q.as_deref());
    let prefix = q.get("name").unwrap_or_default().to_lowercase();
    let store = z.store_read();
    let tags: Vec<String> = account_tags(&store)
        .into_iter()
        .map(|(name, _)| name)
        .filter(|t| t.to_lowercase().starts_with(&prefix))
        .collect();
    Ok(ok(&json!({"tags": tags})))
}
