//! Handlers of fake Zendesk's routes. Paths are written as in Zendesk's API
//! reference, without `.json` (the gate strips it, REFERENCE 1.1).
//!
//! One file per resource: [`tickets`], [`users`], the bulk calls' [`jobs`], and
//! the vendor's [`actions`].

mod actions;
mod jobs;
mod tickets;
mod users;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::{get, post, put};
use serde::Serialize;
use serde_json::Value;

pub use self::actions::control_routes;
use self::jobs::{create_many, destroy_many, show_job, update_many};
use self::tickets::{
    create_ticket, delete_ticket, list_comments, list_tickets, show_ticket, update_ticket,
};
use self::users::{
    create_or_update_user, create_user, list_users, me, search_users, show_user, update_user,
};
use super::accounts::Account;
use super::error::ZendeskError;
use super::extract::{Caller, RouteJson};
use super::fake::Zendesk;
use super::store::{Actor, Audit, Store};
pub use super::wire::TicketOut;

type Z = Account;
type Reply = Result<Response, ZendeskError>;

/// The Support API routes: tickets, users, job statuses.
pub fn routes() -> Router<Arc<Zendesk>> {
    Router::new()
        .route_json("/api/v2/tickets", get(list_tickets).post(create_ticket))
        .route_json("/api/v2/tickets/create_many", post(create_many))
        .route_json("/api/v2/tickets/update_many", put(update_many))
        .route_json(
            "/api/v2/tickets/destroy_many",
            axum::routing::delete(destroy_many),
        )
        .route_json(
            "/api/v2/tickets/{ticket_id}",
            get(show_ticket).put(update_ticket).delete(delete_ticket),
        )
        .route_json("/api/v2/tickets/{ticket_id}/comments", get(list_comments))
        .route_json("/api/v2/job_statuses/{job_status_id}", get(show_job))
        .route_json("/api/v2/users", get(list_users).post(create_user))
        .route_json("/api/v2/users/me", get(me))
        .route_json("/api/v2/users/search", get(search_users))
        .route_json(
            "/api/v2/users/create_or_update",
            post(create_or_update_user),
        )
        .route_json("/api/v2/users/{user_id}", get(show_user).put(update_user))
}

/// The answer to any path or method fake Zendesk does not serve.
pub async fn invalid_endpoint() -> Response {
    crate::vendors::unmatched(ZendeskError::InvalidEndpoint)
}

pub use super::wire::{TicketState, UserOut};

fn actor(caller: Caller, headers: &HeaderMap, peer: Option<SocketAddr>) -> Actor {
    Actor {
        user_id: caller.0,
        client: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        ip_address: peer.map_or_else(|| "127.0.0.1".to_owned(), |p| p.ip().to_string()),
        channel: "api",
    }
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// `{"ticket":{...}}` or Zendesk's 400 naming the missing root key.
fn root<'a>(body: &'a Value, key: &str) -> Result<&'a Value, ZendeskError> {
    body.get(key).filter(|v| !v.is_null()).ok_or_else(|| {
        ZendeskError::BadRequest(format!("param is missing or the value is empty: {key}"))
    })
}

fn with_warning(mut res: Response, warning: Option<String>) -> Response {
    if let Some(v) = warning.and_then(|w| HeaderValue::from_str(&w).ok()) {
        res.headers_mut().insert("x-zendesk-api-warn", v);
    }
    res
}

/// `{"ticket": ..., "audit": ...}`, the reply of a create or update.
#[derive(Serialize)]
struct TicketAndAudit<'a> {
    ticket: TicketOut<'a>,
    audit: Option<&'a Audit>,
}

fn ticket_and_audit<'a>(
    store: &'a Store,
    base: &'a str,
    id: u64,
    audit_id: u64,
) -> Result<TicketAndAudit<'a>, ZendeskError> {
    let ticket = store.ticket(id)?;
    let audit = ticket.audits.iter().find(|a| a.id == audit_id);
    Ok(TicketAndAudit {
        ticket: TicketOut::new(base, ticket),
        audit,
    })
}
