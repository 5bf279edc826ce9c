//! What the handlers here share: the caller as an audit's actor, the query, the
//! body's root object, the warning header, and the create-or-update reply.

use std::net::SocketAddr;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;

use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::extract::Caller;
use crate::vendors::zendesk::store::{Actor, Audit, Store};
use crate::vendors::zendesk::wire::TicketOut;

/// The account a handler works on.
pub(super) type Z = Account;
/// A handler's answer.
pub(super) type Reply = Result<Response, ZendeskError>;

pub(super) fn actor(caller: Caller, headers: &HeaderMap, peer: Option<SocketAddr>) -> Actor {
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

pub(super) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// `{"ticket":{...}}` or Zendesk's 400 naming the missing root key.
pub(super) fn root<'a>(body: &'a Value, key: &str) -> Result<&'a Value, ZendeskError> {
    body.get(key).filter(|v| !v.is_null()).ok_or_else(|| {
        ZendeskError::BadRequest(format!("param is missing or the value is empty: {key}"))
    })
}

pub(super) fn with_warning(mut res: Response, warning: Option<String>) -> Response {
    if let Some(v) = warning.and_then(|w| HeaderValue::from_str(&w).ok()) {
        res.headers_mut().insert("x-zendesk-api-warn", v);
    }
    res
}

/// `{"ticket": ..., "audit": ...}`, the reply of a create or update.
#[derive(Serialize)]
pub(super) struct TicketAndAudit<'a> {
    pub(super) ticket: TicketOut<'a>,
    pub(super) audit: Option<&'a Audit>,
}

pub(super) fn ticket_and_audit<'a>(
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
