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
pub mod headers;
pub mod hook_delivery;
pub use self::hook_delivery::WebhookSettings;
pub mod invocations;
pub mod invocations_api;
pub mod notify;
pub mod org;
pub mod page;
pub mod requests;
pub mod resource;
pub mod search;
pub mod store;
pub mod subdomain;
pub mod triggers;
pub mod webhook;
pub mod wire;

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::Router;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::Route;
use serde::Deserialize;
use tower::{Layer, Service};

pub use self::credentials::Credential;
use self::error::ZendeskError;
pub use self::extract::{BaseUrl, Caller, Host, RouteJson, base_url};
pub use self::fake::Zendesk;
use self::store::Store;
use self::wire::{Role, UnknownFields};
use super::{Credential as Exported, Registration, Rejection, Vendor, VendorCtx};
use crate::config::ConfigError;
use crate::ratelimit::Decision;
use crate::server::record::RecordLayer;

/// How the harness builds fake Zendesk.
pub const REGISTRATION: Registration = Registration {
    name: "zendesk",
    default_port: 4711,
    build,
    actions: &[
        crate::vendors::Action {
            name: "ticket_create",
            summary: "a ticket created in Zendesk itself (an end user writing in): `ticket` as in the API, optional `author` (a user's email; default the seeded agent); fires triggers",
        },
        crate::vendors::Action {
            name: "ticket_update",
            summary: "a ticket changed in Zendesk's agent interface: `id`, `ticket` as in the API, optional `author` (a user's email; default the seeded agent); fires triggers",
        },
    ],
};

fn build(ctx: &VendorCtx) -> Result<Arc<dyn Vendor>, ConfigError> {
    Ok(Arc::new(Zendesk::new(ctx.clone())))
}

/// Settings of fake Zendesk (the `vendors.zendesk` section of the config file).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ZendeskSettings {
    /// Listening port (0: chosen by the OS).
    pub port: Option<u16>,
    /// The account's subdomain, used where Zendesk names its own host.
    pub subdomain: String,
    /// The account id (`x-zendesk-account-id`, job results).
    pub account_id: u64,
    /// The brand every ticket gets.
    pub brand_id: u64,
    /// The ticket form every ticket gets.
    pub ticket_form_id: u64,
    /// The first ticket id (ticket ids are the account's sequential "nice ids").
    pub first_ticket_id: u64,
    /// The account's per-minute request budget.
    pub rate_limit: RateLimitSettings,
    /// What to do with ticket and user keys Zendesk does not know.
    pub unknown_fields: UnknownFields,
    /// Zendesk's "auto assign tickets upon solve" admin setting.
    pub auto_assign_on_solve: bool,
    /// Whether a ticket's `organization_id`, `group_id`, `brand_id`,
    /// `ticket_form_id` and `custom_fields` must name real records, and its assignee
    /// belong to its group (422 otherwise), as Zendesk enforces. Off: any ids pass.
    pub check_references: bool,
    /// Seeded users; the first is the default caller shown at start.
    pub users: Vec<SeedUser>,
    /// How webhook deliveries behave.
    pub webhooks: WebhookSettings,
    /// Hours after which the default automation closes a solved ticket (Zendesk: 96,
    /// that is 4 days; 0 turns the automation off).
    pub close_solved_after_hours: u64,
    /// How automations run on the clock.
    pub automations: automations::AutomationSettings,
    /// Fault rules on this vendor's traffic (see the README's "Faults and time").
    pub faults: Vec<crate::fault::FaultRule>,
    /// Webhooks that exist from the start, each as the Webhooks API's `webhook`
    /// object (`name`, `endpoint`, `http_method`, `request_format`, `subscriptions`,
    /// `authentication`, and `signing_secret: {secret: ...}` to fix the secret): where
    /// Zendesk pushes to, without API calls.
    #[schemars(with = "Vec<serde_json::Map<String, serde_json::Value>>")]
    pub seed_webhooks: Vec<serde_json::Value>,
    /// Triggers that exist from the start, each as the Triggers API's `trigger`
    /// object; a `notification_webhook` action may name a seeded webhook by its name.
    #[schemars(with = "Vec<serde_json::Map<String, serde_json::Value>>")]
    pub seed_triggers: Vec<serde_json::Value>,
    /// How the incremental exports behave.
    pub incremental: export::IncrementalSettings,
    /// The per-ticket update limits (429 beyond them).
    pub ticket_update_limits: burst::UpdateLimits,
    /// Records that exist from the start, by resource (`organizations`,
    /// `organization_memberships`, `groups`, `group_memberships`, `ticket_fields`,
    /// `brands`, `macros`, `views`, ...), each as that API's object: created as
    /// through the API, resource by resource in the order the README lists them.
    #[schemars(
        with = "std::collections::BTreeMap<String, Vec<serde_json::Map<String, serde_json::Value>>>"
    )]
    pub seed_records: std::collections::BTreeMap<String, Vec<serde_json::Value>>,
    /// Account settings to change from the defaults, as the `settings` object of
    /// `GET /api/v2/account/settings` (merged key by key).
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub account_settings: serde_json::Map<String, serde_json::Value>,
}

/// A per-minute request budget.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    /// Off: no 429s (the headers are still sent, with the full budget).
    pub enabled: bool,
    /// Requests per minute (Zendesk Enterprise: 700).
    pub per_minute: u32,
    /// The list-tickets endpoint's own budget per minute (captured: 100).
    pub tickets_index_per_minute: u32,
}

/// A user that exists from the start, with its credentials.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    /// Display name.
    pub name: String,
    /// Email (the login).
    pub email: String,
    /// `end-user`, `agent` or `admin`.
    #[serde(default = "admin")]
    pub role: Role,
    /// API token (`email/token:TOKEN`).
    pub token: Option<String>,
    /// Password (`email:password`).
    pub password: Option<String>,
    /// OAuth access token (`Bearer`).
    pub oauth_token: Option<String>,
    /// External id.
    pub external_id: Option<String>,
}

fn admin() -> Role {
    Role::Admin
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            per_minute: 700,
            tickets_index_per_minute: 100,
        }
    }
}

impl Default for ZendeskSettings {
    fn default() -> Self {
        Self {
            port: None,
            subdomain: "fakedesk".to_owned(),
            account_id: 18_525_119,
            brand_id: 360_002_256_672,
            ticket_form_id: 360_000_389_592,
            first_ticket_id: 1,
            rate_limit: RateLimitSettings::default(),
            unknown_fields: UnknownFields::default(),
            auto_assign_on_solve: false,
            check_references: true,
            webhooks: WebhookSettings::default(),
            close_solved_after_hours: 96,
            automations: automations::AutomationSettings::default(),
            faults: Vec::new(),
            seed_webhooks: Vec::new(),
            seed_triggers: Vec::new(),
            incremental: export::IncrementalSettings::default(),
            ticket_update_limits: burst::UpdateLimits::default(),
            seed_records: Default::default(),
            account_settings: Default::default(),
            users: vec![SeedUser {
                name: "Fakedesk Admin".to_owned(),
                email: "admin@fakedesk.test".to_owned(),
                role: Role::Admin,
                token: Some("fakedesk0zendesk0api0token0000000000000".to_owned()),
                password: Some("fakedesk-password".to_owned()),
                oauth_token: Some("fakedesk-zendesk-oauth-token".to_owned()),
                external_id: None,
            }],
        }
    }
}

impl ZendeskSettings {
    /// Problems that would make the fake unusable, each as one sentence.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let first_works = self
            .users
            .first()
            .is_some_and(|u| u.token.is_some() || u.password.is_some() || u.oauth_token.is_some());
        if !first_works {
            out.push("vendors.zendesk.users: the first user needs a token, password or oauth_token so clients can sign in".to_owned());
        }
        for (i, u) in self.users.iter().enumerate() {
            if !wire::looks_like_email(&u.email) {
                out.push(format!(
                    "vendors.zendesk.users[{i}].email: `{}` is not an email address",
                    u.email
                ));
            }
            if self.users[..i]
                .iter()
                .any(|o| o.email.eq_ignore_ascii_case(&u.email))
            {
                out.push(format!(
                    "vendors.zendesk.users[{i}].email: `{}` is used twice",
                    u.email
                ));
            }
        }
        if self.rate_limit.per_minute == 0 || self.rate_limit.tickets_index_per_minute == 0 {
            out.push("vendors.zendesk.rate_limit: budgets must be at least 1 (set enabled: false to switch limits off)".to_owned());
        }
        if self.incremental.per_minute == 0 {
            out.push("vendors.zendesk.incremental.per_minute must be at least 1".to_owned());
        }
        if axum::http::StatusCode::from_u16(self.incremental.too_recent_status).is_err() {
            out.push(
                "vendors.zendesk.incremental.too_recent_status is not an HTTP status".to_owned(),
            );
        }
        if self.webhooks.timeout_ms == 0 {
            out.push("vendors.zendesk.webhooks.timeout_ms must be at least 1".to_owned());
        }
        if self.first_ticket_id == 0 {
            out.push("vendors.zendesk.first_ticket_id: ticket ids start at 1 or more".to_owned());
        }
        if !self.seed_webhooks.is_empty() || !self.seed_triggers.is_empty() {
            let bare = Self {
                seed_webhooks: Vec::new(),
                seed_triggers: Vec::new(),
                ..self.clone()
            };
            let now = time::OffsetDateTime::UNIX_EPOCH;
            out.extend(Store::seeded(&bare, 0, now).seed_hooks(self, now));
        }
        if !self.seed_records.is_empty() {
            out.extend(resource::account::seed_problems(self));
        }
        out
    }
}

impl Zendesk {
    /// Every route, each wrapped in `layer` (the gate, and the record layer when
    /// recorded).
    fn routes<L>(self: Arc<Self>, layer: L) -> Router
    where
        L: Layer<Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request, Response = Response, Error = Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as Service<Request>>::Future: Send + 'static,
    {
        api::routes()
            .merge(admin_api::routes())
            .merge(invocations_api::routes())
            .merge(export::routes())
            .merge(search::routes())
            .merge(requests::routes())
            .merge(resource::router().router)
            .fallback(api::invalid_endpoint)
            .method_not_allowed_fallback(api::invalid_endpoint)
            .layer(layer)
            .with_state(self)
    }
}

impl Vendor for Zendesk {
    fn check_signature(
        &self,
        headers: &crate::journal::Headers,
        body: &[u8],
    ) -> Option<super::SignatureCheck> {
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
        let gate = GateLayer(self.clone());
        self.routes(gate)
    }

    fn recorded_router(self: Arc<Self>, record: RecordLayer) -> Router {
        let gate = GateLayer(self.clone());
        self.routes((record, gate))
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
                return super::request_timeout(
                    ZendeskError::BadRequest(super::TIMED_OUT.to_owned()).into_response(),
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
/// response headers. A tower layer, for `Router::layer`.
///
/// Hand-written rather than `axum::middleware::from_fn`, which boxes a future and
/// clones the route per request: every check here is synchronous, so [`GateFuture`]
/// only waits for the route.
#[derive(Clone)]
struct GateLayer(Arc<Zendesk>);

impl<S> Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Gate<S> {
        Gate {
            zendesk: self.0.clone(),
            inner,
        }
    }
}

/// [`GateLayer`] around one route.
#[derive(Clone)]
struct Gate<S> {
    zendesk: Arc<Zendesk>,
    inner: S,
}

impl<S> Service<Request> for Gate<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    // axum's route futures are `Unpin`; requiring it keeps `GateFuture` simple.
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GateFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let started = Instant::now();
        let Some(z) = self.zendesk.account_for(req.headers(), req.extensions()) else {
            tracing::warn!(
                "more than {} Zendesk subdomains: refused",
                accounts::MAX_ACCOUNTS
            );
            return GateFuture {
                zendesk: self.zendesk.clone(),
                answer: Answer::Refused(Some(ZendeskError::RecordNotFound.into_response())),
                decision: None,
                started,
            };
        };
        if !Arc::ptr_eq(&z, &self.zendesk) {
            req.extensions_mut().insert(accounts::Found(z.clone()));
        }
        let decision = z.hit(&z.limiter);
        let answer = if decision.is_some_and(|d| !d.allowed) {
            let reset = decision.map_or(60, |d| d.reset_secs);
            Answer::Refused(Some(ZendeskError::RateLimited(reset).into_response()))
        } else {
            match z.caller(req.headers().get(header::AUTHORIZATION)) {
                Some(id) if z.refused_end_user(id, req.method(), req.uri().path()) => {
                    Answer::Refused(Some(ZendeskError::Forbidden.into_response()))
                }
                Some(_) => {
                    // Only writes change tickets, so only they can fire triggers.
                    let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
                    Answer::Route {
                        future: self.inner.call(req),
                        writes,
                    }
                }
                None => Answer::Refused(Some(ZendeskError::Unauthorized.into_response())),
            }
        };
        GateFuture {
            zendesk: z,
            answer,
            decision,
            started,
        }
    }
}

/// The answer of [`Gate`]: the route's, with Zendesk's common headers added.
struct GateFuture<F> {
    zendesk: Arc<Zendesk>,
    answer: Answer<F>,
    decision: Option<Decision>,
    started: Instant,
}

enum Answer<F> {
    /// Refused before the route (taken when the future completes).
    Refused(Option<Response>),
    /// Waiting for the route.
    Route { future: F, writes: bool },
}

impl<F> Future for GateFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let res = match &mut this.answer {
            Answer::Refused(res) => res.take().expect("GateFuture polled after completion"),
            Answer::Route { future, writes } => {
                let res = ready!(Pin::new(future).poll(cx))?;
                if *writes {
                    this.zendesk.fire_triggers();
                }
                res
            }
        };
        Poll::Ready(Ok(this.zendesk.common_headers(
            res,
            this.decision,
            this.started,
        )))
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
