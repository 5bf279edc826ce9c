//! Handlers of fake Braze's REST API: its routes, `/users/track` and
//! `/users/export/ids`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{delete, get, post};
use serde_json::{Map, Value, json};

use super::account::Braze;
use super::error::{BrazeError, BrazeJson, json_response};
use super::export_ids;
use super::wire::{self, Identifier};
use super::{
    catalogs, content, email, exports, messaging, preference_centers, recorded, schedules, series,
    subscriptions, templates,
    transactional, triggers, users,
};

type B = State<Arc<Braze>>;
type Reply = Result<Response, BrazeError>;

/// Every route of fake Braze's REST API.
pub fn routes() -> Router<Arc<Braze>> {
    Router::new()
        .route("/users/track", post(users_track))
        .route("/users/export/ids", post(users_export_ids))
        .route("/users/delete", post(users::delete))
        .route("/users/identify", post(users::identify))
        .route("/users/alias/new", post(users::alias_new))
        .route("/users/alias/update", post(users::alias_update))
        .route("/users/merge", post(users::merge))
        .route("/users/external_ids/rename", post(users::rename))
        .route("/users/external_ids/remove", post(users::remove_ids))
        .route("/users/track/sync", post(users::track_sync))
        .route("/messages/send", post(messaging::messages_send))
        .route("/campaigns/trigger/send", post(triggers::campaign_trigger))
        .route("/canvas/trigger/send", post(triggers::canvas_trigger))
        .route("/sends/id/create", post(triggers::send_id_create))
        .merge(schedule_routes())
        .route("/campaigns/list", get(exports::campaigns))
        .route("/campaigns/details", get(exports::campaign_details))
        .route("/canvas/list", get(exports::canvases))
        .route("/canvas/details", get(exports::canvas_details))
        .route("/segments/list", get(exports::segments))
        .route("/events/list", get(exports::events))
        .route("/events", get(recorded::custom_events))
        .route("/custom_attributes", get(recorded::custom_attributes))
        .route("/purchases/product_list", get(exports::products))
        .merge(list_routes())
        .merge(series_routes())
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
}

/// The schedule endpoints: create, update and delete for messages, campaigns
/// and Canvases.
fn schedule_routes() -> Router<Arc<Braze>> {
    Router::new()
        .route(
            "/messages/schedule/create",
            post(schedules::messages_create),
        )
        .route(
            "/messages/schedule/update",
            post(schedules::messages_update),
        )
        .route(
            "/messages/schedule/delete",
            post(schedules::messages_delete),
        )
        .route(
            "/campaigns/trigger/schedule/create",
            post(schedules::campaign_create),
        )
        .route(
            "/campaigns/trigger/schedule/update",
            post(schedules::campaign_update),
        )
        .route(
            "/campaigns/trigger/schedule/delete",
            post(schedules::campaign_delete),
        )
        .route(
            "/canvas/trigger/schedule/create",
            post(schedules::canvas_create),
        )
        .route(
            "/canvas/trigger/schedule/update",
            post(schedules::canvas_update),
        )
        .route(
            "/canvas/trigger/schedule/delete",
            post(schedules::canvas_delete),
        )
}

/// Transactional email, subscription groups, email lists, Content Blocks and
/// email templates.
fn list_routes() -> Router<Arc<Braze>> {
    Router::new()
        .route(
            "/transactional/v1/campaigns/{campaign_id}/send",
            post(transactional::send),
        )
        .route("/subscription/status/get", get(subscriptions::status_get))
        .route("/subscription/user/status", get(subscriptions::user_status))
        .route("/subscription/status/set", post(subscriptions::status_set))
        .route(
            "/v2/subscription/status/set",
            post(subscriptions::status_set_v2),
        )
        .route("/email/hard_bounces", get(email::hard_bounces))
        .route("/email/unsubscribes", get(email::unsubscribes))
        .route("/email/status", post(email::status))
        .route("/email/bounce/remove", post(email::bounce_remove))
        .route("/email/spam/remove", post(email::spam_remove))
        .route("/email/blocklist", post(email::blocklist))
        .route("/email/blacklist", post(email::blocklist))
        .route("/content_blocks/list", get(content::block_list))
        .route("/content_blocks/info", get(content::block_info))
        .route("/content_blocks/create", post(content::block_create))
        .route("/content_blocks/update", post(content::block_update))
        .route("/templates/email/list", get(templates::template_list))
        .route("/templates/email/info", get(templates::template_info))
        .route("/templates/email/create", post(templates::template_create))
        .route("/templates/email/update", post(templates::template_update))
        .route("/preference_center/v1/list", get(preference_centers::list))
        .route("/preference_center/v1", post(preference_centers::create))
        .route(
            "/preference_center/v1/{id}",
            get(preference_centers::show).put(preference_centers::update),
        )
        .route(
            "/preference_center/v1/{id}/url/{user_id}",
            get(preference_centers::user_url),
        )
        .route("/catalogs", get(catalogs::list).post(catalogs::create))
        .route("/catalogs/{catalog_name}", delete(catalogs::delete))
        .route("/catalogs/{catalog_name}/items", catalogs::item_routes())
        .route(
            "/catalogs/{catalog_name}/items/{item_id}",
            get(catalogs::show_item).delete(catalogs::delete_item),
        )
}

/// The analytics exports and the scheduled broadcasts.
fn series_routes() -> Router<Arc<Braze>> {
    Router::new()
        .route(
            "/messages/scheduled_broadcasts",
            get(series::scheduled_broadcasts),
        )
        .route("/segments/details", get(series::segment_details))
        .route("/segments/data_series", get(series::segment_sizes))
        .route("/campaigns/data_series", get(series::campaign_series))
        .route("/sends/data_series", get(series::send_series))
        .route("/canvas/data_series", get(series::canvas_series))
        .route("/canvas/data_summary", get(series::canvas_summary))
        .route("/events/data_series", get(series::events))
        .route("/purchases/quantity_series", get(series::purchase_quantity))
        .route("/purchases/revenue_series", get(series::purchase_revenue))
        .route("/sessions/data_series", get(series::sessions))
        .route("/kpi/new_users/data_series", get(series::new_users))
        .route("/kpi/dau/data_series", get(series::dau))
        .route("/kpi/mau/data_series", get(series::mau))
        .route("/kpi/uninstalls/data_series", get(series::uninstalls))
}

async fn not_found() -> axum::response::Response {
    crate::fake::unmatched(BrazeError::NotFound)
}

/// `POST /users/track` (REFERENCE 2.3): 201 with `*_processed` for each array
/// given, and `errors` for the objects that were skipped.
async fn users_track(State(b): B, BrazeJson(mut body): BrazeJson) -> Reply {
    let groups = subscriptions::take_from_track(&mut body);
    let req = wire::parse_track(&body, b.settings().max_objects_per_array)?;
    let now = b.now();
    let outcome = {
        let mut store = b.store();
        let outcome = store.track(req, now);
        subscriptions::apply_track(&mut store, groups, now);
        outcome
    };
    let mut reply = Map::new();
    reply.insert("message".to_owned(), json!("success"));
    // Vendor quirk: the counts appear alongside `errors` [UNVERIFIED].
    for (array, n) in outcome.processed {
        reply.insert(format!("{array}_processed"), json!(n));
    }
    if !outcome.errors.is_empty() {
        reply.insert("errors".to_owned(), json!(outcome.errors));
    }
    Ok(json_response(StatusCode::CREATED, &reply))
}

/// `POST /users/export/ids`: `{"users":[...],"invalid_user_ids":[...],"message":"success"}`.
// Vendor quirk: 201 (as /users/track) and leaving `invalid_user_ids` out when empty
// ("optional" in the doc) are UNVERIFIED.
async fn users_export_ids(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    let req = export_ids::parse_export(&body, b.settings().max_export_ids)?;
    let store = b.store();
    let mut found: Vec<usize> = Vec::new();
    let mut invalid: Vec<String> = Vec::new();
    let mut look = |who: Identifier, shown: String| match store.find(&who) {
        Some(i) if !found.contains(&i) => found.push(i),
        Some(_) => {}
        None => invalid.push(shown),
    };
    for id in &req.external_ids {
        look(Identifier::ExternalId(id.clone()), id.clone());
    }
    for a in &req.user_aliases {
        look(Identifier::Alias(a.clone()), a.alias_name.clone());
    }
    if let Some(id) = &req.braze_id {
        look(Identifier::BrazeId(id.clone()), id.clone());
    }
    if let Some(e) = &req.email_address {
        look(Identifier::Email(e.clone()), e.clone());
    }
    if let Some(p) = &req.phone {
        look(Identifier::Phone(p.clone()), p.clone());
    }
    if let Some(d) = &req.device_id {
        invalid.push(d.clone());
    }
    let fields = req.fields_to_export.as_deref();
    let users: Vec<Value> = found
        .iter()
        .map(|&i| Value::Object(export_ids::export_user(&store.profiles[i], fields)))
        .collect();
    let mut reply = json!({"users": users, "message": "success"});
    if !invalid.is_empty() {
        reply["invalid_user_ids"] = json!(invalid);
    }
    Ok(json_response(StatusCode::CREATED, &reply))
}
