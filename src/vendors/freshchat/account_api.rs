//! Account-level reads (freshchat-mammut-more 8.2, 8.3, 8.5):
//! `GET /accounts/configuration` (the "test connection" probe of several
//! integrations), `GET /channels` and `GET /channels/{id}` (the list item; the
//! single form is not in the official list), and
//! `GET /business-hours/within-bh?group_id=` (a boolean under a configurable key).

use axum::extract::{OriginalUri, RawQuery, State};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::api::{F, Reply, ok, page_of, query, to_values};
use super::error::{FreshchatError, IdPath};
use super::settings::BusinessHours;
use super::store::not_found;

/// `GET /v2/accounts/configuration`: one object, not paginated.
pub async fn configuration(State(f): F) -> Reply {
    let s = f.settings();
    let a = &s.account;
    ok(&json!({
        "account_id": a.account_id,
        "app_id": s.app_id,
        "account_domain": a.account_domain,
        "organisation_id": a.organisation_id,
        "organisation_domain": a.organisation_domain,
        "datacenter": a.datacenter,
        "plan_type": a.plan_type,
        "bundle_id": 0,
        "bundle_type": "FRESHCHAT",
        "web_chat_id": s.app_id,
    }))
}

/// `GET /v2/channels`, `?locale=` and `updated_from`/`updated_to` honoured.
pub async fn list_channels(State(f): F, uri: OriginalUri, RawQuery(raw): RawQuery) -> Reply {
    let q = query(raw.as_deref());
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let channels = to_values(f.store().channels.iter().filter(|c| {
        get("locale").is_none_or(|l| l == c.locale)
            && get("updated_from").is_none_or(|t| c.updated_time.as_str() >= t)
            && get("updated_to").is_none_or(|t| c.updated_time.as_str() <= t)
    }));
    page_of(&f, channels, "channels", &q, uri.path())
}

/// `GET /v2/channels/{id}`: the list item, or 404 `CHANNEL_NOT_FOUND`.
pub async fn get_channel(State(f): F, IdPath(id): IdPath) -> Reply {
    let store = f.store();
    let c = store
        .channels
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| not_found("CHANNEL"))?;
    ok(c)
}

/// Whether `now` falls in `hours` (none: always).
pub fn within(hours: Option<&BusinessHours>, now: OffsetDateTime) -> bool {
    hours.is_none_or(|h| {
        let day = now.weekday().number_from_monday();
        h.days.contains(&day) && (h.start_hour..h.end_hour).contains(&now.hour())
    })
}

/// `GET /v2/business-hours/within-bh?group_id=<uuid>`.
pub async fn within_bh(State(f): F, RawQuery(raw): RawQuery) -> Reply {
    let q = query(raw.as_deref());
    let Some((_, group)) = q.iter().find(|(k, _)| k == "group_id") else {
        return Err(FreshchatError::Invalid("group_id is required".to_owned()));
    };
    f.store().group(group)?;
    let s = f.settings();
    let mut body = json!({"group_id": group});
    body[s.within_bh_key.as_str()] = Value::Bool(within(s.business_hours.as_ref(), f.now()));
    ok(&body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn business_hours_are_weekdays_and_hours_in_utc() {
        let h = BusinessHours {
            days: vec![1, 2, 3, 4, 5],
            start_hour: 9,
            end_hour: 18,
        };
        // 2024-02-08 is a Thursday.
        assert!(within(Some(&h), datetime!(2024-02-08 17:59 UTC)));
        assert!(!within(Some(&h), datetime!(2024-02-08 18:00 UTC)));
        assert!(!within(Some(&h), datetime!(2024-02-10 12:00 UTC)));
        assert!(within(None, datetime!(2024-02-10 12:00 UTC)));
    }
}
