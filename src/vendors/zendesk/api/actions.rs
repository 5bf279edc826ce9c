//! The vendor's actions: changes made in Zendesk itself rather than through the
//! API, run under the same lifecycle rules.

use std::sync::Arc;

use axum::Router;
use axum::routing::post;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::common::{Reply, Z, root, ticket_and_audit};
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::{ZendeskError, ZendeskJson};
use crate::vendors::zendesk::fake::Zendesk;
use crate::vendors::zendesk::resource::engine::render;
use crate::vendors::zendesk::resource::suspended::{SUSPENDED_TICKETS, suspend};
use crate::vendors::zendesk::store::{Actor, Store};
use crate::vendors::zendesk::wire::{TicketInput, json_response};

/// The vendor's control routes: its actions, changes made in Zendesk itself rather
/// than through the API (an end user writing in, an agent in the agent interface).
/// They run the same lifecycle rules and fire triggers as API changes do.
pub fn control_routes() -> Router<Arc<Zendesk>> {
    Router::new()
        .route("/actions/ticket_create", post(ticket_create_action))
        .route("/actions/ticket_update", post(ticket_update_action))
        .route("/actions/suspend", post(suspend_action))
}

/// The author of a change made in Zendesk: `author` (an email) or the seeded agent.
pub(super) fn ui_actor(z: &Zendesk, store: &Store, body: &Value) -> Result<Actor, ZendeskError> {
    let user_id = match body.get("author").and_then(Value::as_str) {
        Some(email) => store.user_by_email(email).ok_or_else(|| {
            ZendeskError::invalid(
                "author",
                format!("Author: no user has the email {email}"),
                "InvalidValue",
            )
        })?,
        None => z
            .settings()
            .users
            .first()
            .and_then(|u| store.user_by_email(&u.email))
            .ok_or(ZendeskError::RecordNotFound)?,
    };
    Ok(Actor {
        user_id,
        client: Some("Zendesk agent interface".to_owned()),
        ip_address: "127.0.0.1".to_owned(),
        channel: "web",
    })
}

/// The account's own URL, where the ticket's `url` points for UI changes.
pub(super) fn account_base(z: &Zendesk) -> String {
    format!("https://{}.zendesk.com", z.settings().subdomain)
}

pub(super) async fn ticket_create_action(Account(z): Z, ZendeskJson(body): ZendeskJson) -> Reply {
    let input = TicketInput::parse(root(&body, "ticket")?, z.settings().unknown_fields)?;
    let base = account_base(&z);
    let res = {
        let mut store = z.store();
        let actor = ui_actor(&z, &store, &body)?;
        let (id, audit_id) = store.create_ticket(&actor, input, z.now())?;
        json_response(
            StatusCode::CREATED,
            &ticket_and_audit(&store, &base, id, audit_id)?,
        )
    };
    z.fire_triggers();
    Ok(res)
}

pub(super) async fn ticket_update_action(Account(z): Z, ZendeskJson(body): ZendeskJson) -> Reply {
    let id = match body.get("id") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        ZendeskError::BadRequest("param is missing or the value is empty: id".to_owned())
    })?;
    let input = TicketInput::parse(root(&body, "ticket")?, z.settings().unknown_fields)?;
    let base = account_base(&z);
    let res = {
        let mut store = z.store();
        let actor = ui_actor(&z, &store, &body)?;
        let audit_id = store.update_ticket(&actor, id, input, z.now())?;
        json_response(
            StatusCode::OK,
            &ticket_and_audit(&store, &base, id, audit_id)?,
        )
    };
    z.fire_triggers();
    Ok(res)
}

/// Mail Zendesk suspends as it arrives (REFERENCE: Suspended Tickets):
/// `{"suspended_ticket": {...}}`, 201 with the record as the API lists it.
pub(super) async fn suspend_action(Account(z): Z, ZendeskJson(body): ZendeskJson) -> Reply {
    let input = root(&body, "suspended_ticket")?;
    let rec = suspend(&mut z.store(), input, z.now())?;
    let shown = render(&SUSPENDED_TICKETS, &account_base(&z), &rec);
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "suspended_ticket": shown }),
    ))
}
