//! Fake Zendesk Support API (REFERENCE section 1).
//!
//! Requests pass, outermost first: the harness's record layer, then the gate (the
//! account's rate limit, authentication, Zendesk's common headers), then the routes in
//! [`api`] and [`admin_api`], each served with and without `.json` ([`RouteJson`]). The state and lifecycle rules live in
//! [`store`], free of I/O.

pub mod accounts;
pub mod admin_api;
pub mod api;
pub mod automations;
pub mod breaker;
pub mod burst;
pub mod changelog;
pub mod credentials;
pub mod error;
pub mod events;
pub mod export;
pub mod extract;
pub mod fake;
pub mod fuzz;
pub mod headers;
pub mod hook_delivery;
pub mod invocations;
pub mod invocations_api;
pub mod notify;
pub mod org;
pub mod page;
pub mod requests;
pub mod resource;
pub mod search;
pub mod settings;
pub mod store;
pub mod subdomain;
pub mod rule_definitions;
pub mod triggers;
pub mod webhook;
pub mod webhook_test;
pub mod wire;

use std::sync::{Arc, LazyLock};
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};

pub use self::credentials::Credential;
use self::error::ZendeskError;
pub use self::extract::{BaseUrl, Caller, Host, RouteJson, base_url};
pub use self::fake::Zendesk;
pub use self::settings::{RateLimitSettings, SeedUser, WebhookSettings, ZendeskSettings};
use crate::fake::gate::{GateLayer, Gatekeeper, Pass};
use crate::fake::{Credential as Exported, Registration, Rejection, Vendor, VendorCtx};
use crate::ratelimit::Decision;
use crate::settings::ConfigError;

/// How the harness builds fake Zendesk.
pub const REGISTRATION: Registration = Registration {
    name: "zendesk",
    default_port: 4711,
    settings: crate::settings::SettingsSpec::of::<ZendeskSettings>("Fake Zendesk."),
    build,
    fuzz: fuzz::PAYLOADS,
    control_paths: None,
    actions: &[
        crate::fake::Action {
            name: "ticket_create",
            summary: "a ticket created in Zendesk itself (an end user writing in): `ticket` as in the API, optional `author` (a user's email; default the seeded agent); fires triggers",
        },
        crate::fake::Action {
            name: "ticket_update",
            summary: "a ticket changed in Zendesk's agent interface: `id`, `ticket` as in the API, optional `author` (a user's email; default the seeded agent); fires triggers",
        },
        crate::fake::Action {
            name: "suspend",
            summary: "mail Zendesk suspends instead of making a ticket of it: `suspended_ticket` with `content`, `author` (`email`, optional `name`), optional `subject`, `cause` (default `Detected as spam`), `recipient`; listed by `GET /api/v2/suspended_tickets` until recovered or deleted",
        },
    ],
};

fn build(ctx: &VendorCtx) -> Result<Arc<dyn Vendor>, ConfigError> {
    Ok(Arc::new(Zendesk::new(ctx.clone())))
}

/// Every route, built once per process: each fake gets a copy with its own state
/// (hundreds of routes take milliseconds to build, and every test builds a fake).
static ROUTES: LazyLock<Router<Arc<Zendesk>>> = LazyLock::new(|| {
    api::routes()
        .merge(admin_api::routes())
        .merge(webhook_test::routes())
        .merge(invocations_api::routes())
        .merge(export::routes())
        .merge(search::routes())
        .merge(requests::routes())
        .merge(resource::router().router)
        .fallback(api::invalid_endpoint)
        .method_not_allowed_fallback(api::invalid_endpoint)
});

impl Zendesk {
    /// Every route; the harness puts its record layer and the gate around them.
    fn routes(self: Arc<Self>) -> Router {
        ROUTES.clone().with_state(self)
    }
}

impl Vendor for Zendesk {
    fn check_signature(
        &self,
        headers: &crate::journal::Headers,
        body: &[u8],
    ) -> Option<crate::fake::SignatureCheck> {
        let id = headers.get("x-zendesk-webhook-id")?;
        let secret = self.store_read().webhooks.get(id).map(|w| w.secret.clone());
        Some(webhook::check_signature(
            headers,
            body,
            id,
            secret.as_deref(),
        ))
    }

    fn name(&self) -> &'static str {
        REGISTRATION.name
    }

    fn router(self: Arc<Self>) -> Router {
        self.routes()
    }

    fn gate(self: Arc<Self>) -> Option<GateLayer> {
        Some(GateLayer::new(self))
    }

    fn state(&self) -> serde_json::Value {
        let base = format!("https://{}.zendesk.com", self.settings.subdomain);
        let mut state = self.store_read().state(&base);
        let breaker = &self.settings.webhooks.circuit_breaker;
        state["webhook_invocations"] = self.hooks.state(self.now(), breaker);
        state
    }

    fn account_of(&self, parts: &Parts) -> Option<Arc<str>> {
        Some(
            match accounts::subdomain_of(&parts.headers, &parts.extensions) {
                Some(sub) if self.accounts.is_some() && sub != &*self.subdomain => Arc::from(sub),
                _ => self.subdomain.clone(),
            },
        )
    }

    fn account_state(self: Arc<Self>, account: &str) -> Option<serde_json::Value> {
        if !accounts::valid_subdomain(account) {
            return None;
        }
        self.by_subdomain(account).map(|z| z.state())
    }

    fn reset_account(&self, account: &str) -> bool {
        if account == &*self.subdomain {
            self.reset_own();
        } else if let Some(map) = &self.accounts {
            map.remove(account);
        }
        true
    }

    fn reset(&self) {
        self.reset_own();
        if let Some(map) = &self.accounts {
            map.clear();
        }
    }

    fn error_reply(&self, status: axum::http::StatusCode) -> Response {
        // The seconds left in the current minute's window, on the run's clock.
        let left = 60 - (self.now().unix_timestamp().rem_euclid(60)) as u32;
        let decision = (status == axum::http::StatusCode::TOO_MANY_REQUESTS).then_some(Decision {
            allowed: false,
            limit: self.settings.rate_limit.per_minute,
            remaining: 0,
            reset_secs: left,
        });
        self.common_headers(error::for_status(status, left), decision, Instant::now())
    }

    fn on_clock(self: Arc<Self>, now: time::OffsetDateTime) {
        self.clock_rules(now);
        // Every subdomain's account runs on the same clock.
        if let Some(map) = &self.accounts {
            for sub in map.subdomains() {
                if let Some(account) = map.get(&sub) {
                    account.clock_rules(now);
                }
            }
        }
    }

    fn reject(&self, rejection: Rejection) -> Response {
        match rejection {
            Rejection::TimedOut => {
                return crate::fake::request_timeout(
                    ZendeskError::BadRequest(crate::fake::TIMED_OUT.to_owned()).into_response(),
                );
            }
            Rejection::BodyTooLarge(limit) => ZendeskError::PayloadTooLarge(limit),
            Rejection::BodyUnreadable => {
                ZendeskError::BadRequest("Unable to read request body".to_owned())
            }
        }
        .into_response()
    }

    fn control(self: Arc<Self>) -> Option<Router> {
        Some(api::control_routes().with_state(self))
    }

    fn seeded_authorization(&self) -> Option<String> {
        self.known_auth
            .first()
            .and_then(|(v, _)| v.to_str().ok())
            .map(str::to_owned)
    }

    fn implemented(&self) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = resource::CORE_ROUTES
            .iter()
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        all.extend(
            invocations_api::ROUTES
                .iter()
                .map(|(m, p)| ((*m).to_owned(), (*p).to_owned())),
        );
        all.extend(resource::router().served);
        all
    }

    fn credentials(&self) -> Vec<Exported> {
        credentials::exported(&self.settings)
    }
}

/// Everything every request goes through before its route: the account's rate
/// limit (429 before anything else), authentication (401), and Zendesk's common
/// response headers.
impl Gatekeeper for Zendesk {
    fn admit(self: Arc<Self>, req: &mut Request) -> (Pass, Option<Response>) {
        let started = Instant::now();
        let Some(z) = self.account_for(req.headers(), req.extensions()) else {
            tracing::warn!(
                "more than {} Zendesk subdomains: refused",
                accounts::MAX_ACCOUNTS
            );
            let pass = Pass {
                keeper: self,
                decision: None,
                started,
                writes: false,
            };
            return (pass, Some(ZendeskError::RecordNotFound.into_response()));
        };
        if !Arc::ptr_eq(&z, &self) {
            req.extensions_mut().insert(accounts::Found(z.clone()));
        }
        let decision = z.hit(&z.limiter);
        let mut writes = false;
        let refusal = if decision.is_some_and(|d| !d.allowed) {
            let reset = decision.map_or(60, |d| d.reset_secs);
            Some(ZendeskError::RateLimited(reset).into_response())
        } else {
            match z.caller(req.headers().get(header::AUTHORIZATION)) {
                Some(id) if z.refused_end_user(id, req.method(), req.uri().path()) => {
                    Some(ZendeskError::Forbidden.into_response())
                }
                Some(_) => {
                    // Only writes change tickets, so only they can fire triggers.
                    writes = !matches!(*req.method(), Method::GET | Method::HEAD);
                    None
                }
                // The OAuth token endpoint authenticates the client by its body.
                None if req.uri().path() == "/oauth/tokens" => None,
                None => Some(ZendeskError::Unauthorized.into_response()),
            }
        };
        let pass = Pass {
            keeper: z,
            decision,
            started,
            writes,
        };
        (pass, refusal)
    }

    fn finish(&self, res: Response, pass: &Pass) -> Response {
        if pass.writes {
            self.fire_triggers();
        }
        self.common_headers(res, pass.decision, pass.started)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_settings_have_no_problems_and_bad_ones_are_named() {
        assert!(ZendeskSettings::default().problems().is_empty());
        let mut s = ZendeskSettings::default();
        s.users[0].email = "nope".to_owned();
        s.rate_limit.per_minute = 0;
        let problems = s.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("users[0].email"));
    }
}
