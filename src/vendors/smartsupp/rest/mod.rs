//! Smartsupp's public REST API v2 (`https://api.smartsupp.com/v2`): conversations,
//! their messages, contacts, agents and visitors (REFERENCE smartsupp-rest-v2).
//!
//! Every call needs `Authorization: Bearer <token>` with a token of
//! `vendors.smartsupp.api.tokens` (401 `unauthorized` otherwise), then fits the
//! token's budget of requests per minute (429 `too_many_requests` with
//! `Retry-After`; the real limit is UNKNOWN). A route the API does not have gets
//! Smartsupp's captured 400 `not_implemented`, an unknown id 404 `not_found`, and
//! data it refuses 422 `invalid_parameters`.

pub mod contacts;
pub mod conversations;
pub mod convo;
pub mod people;
pub mod request;
pub mod search;
pub mod state;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use serde::Deserialize;

use self::state::{Agent, default_agents};
use super::account::Smartsupp;
use super::error::SmartsuppError;
use crate::ratelimit::Window;

/// The public API's settings (`vendors.smartsupp.api`).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ApiSettings {
    /// Bearer tokens the API accepts (each bound to this account).
    pub tokens: Vec<String>,
    /// Requests per minute per token; 0: no limit (Smartsupp's is UNKNOWN).
    pub rate_limit_per_minute: u32,
    /// The account's agents; the first is the tokens' default sender.
    pub agents: Vec<Agent>,
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            tokens: vec!["fakedesk0smartsupp0api0token0000".to_owned()],
            rate_limit_per_minute: 60,
            agents: default_agents(),
        }
    }
}

impl ApiSettings {
    /// Problems that would make the API unusable.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.tokens.iter().any(|t| t.trim().is_empty()) {
            out.push("vendors.smartsupp.api.tokens: a token cannot be empty".to_owned());
        }
        if self.agents.is_empty() {
            out.push(
                "vendors.smartsupp.api.agents: give at least one agent (the default sender)"
                    .to_owned(),
            );
        }
        for (i, a) in self.agents.iter().enumerate() {
            if a.id.is_empty() || !a.id.bytes().all(|b| b.is_ascii_digit()) {
                out.push(format!(
                    "vendors.smartsupp.api.agents[{i}].id: `{}` is not a numeric string",
                    a.id
                ));
            }
        }
        out
    }
}

/// The vendor port's routes.
pub fn routes() -> Router<Arc<Smartsupp>> {
    use conversations as c;
    Router::new()
        .route("/v2/conversations/search", post(c::search))
        .route(
            "/v2/conversations/{id}",
            get(c::get_one).patch(c::update).delete(c::delete),
        )
        .route(
            "/v2/conversations/{id}/messages",
            get(c::list_messages).post(c::send_message),
        )
        .route("/v2/conversations/{id}/close", patch(c::close))
        .route("/v2/conversations/{id}/assign", patch(c::assign))
        .route("/v2/conversations/{id}/unassign", patch(c::unassign))
        .route("/v2/conversations/{id}/join", patch(c::join))
        .route("/v2/conversations/{id}/leave", patch(c::leave))
        .route("/v2/conversations/{id}/read", patch(c::read))
        .route("/v2/contacts", post(contacts::create))
        .route("/v2/contacts/search", post(contacts::search))
        .route(
            "/v2/contacts/{id}",
            get(contacts::get_one).patch(contacts::update),
        )
        .route("/v2/contacts/{id}/ban", patch(contacts::ban))
        .route("/v2/contacts/{id}/unban", patch(contacts::unban))
        .route("/v2/agents", get(people::agents))
        .route("/v2/agents/{id}", get(people::agent))
        .route("/v2/visitors/{id}", get(people::visitor))
        .fallback(not_implemented)
        .method_not_allowed_fallback(not_implemented)
}

async fn not_implemented() -> axum::response::Response {
    crate::fake::unmatched(SmartsuppError::NotImplemented)
}

/// The token of a request, when it names one the account knows.
fn token(s: &Smartsupp, req: &Request) -> Option<String> {
    let (scheme, token) = req
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim()
        .split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && s.settings().api.tokens.iter().any(|t| t == token))
        .then(|| token.to_owned())
}

/// Authentication, then the token's budget.
pub async fn gate(State(s): State<Arc<Smartsupp>>, req: Request, next: Next) -> Response {
    let Some(token) = token(&s, &req) else {
        return SmartsuppError::Unauthorized.into_response();
    };
    let limit = s.settings().api.rate_limit_per_minute;
    if limit > 0 {
        let now = s.now();
        let d = s
            .store()
            .rest
            .limits
            .entry(token)
            .or_insert_with(|| Window::new(limit, 60))
            .hit(now);
        if !d.allowed {
            return SmartsuppError::TooManyRequests(d.reset_secs).into_response();
        }
    }
    next.run(req).await
}
