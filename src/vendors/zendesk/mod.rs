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
pub mod error;
pub mod events;
pub mod export;
pub mod hook_delivery;
pub mod invocations;
pub mod invocations_api;
pub mod org;
pub mod page;
pub mod requests;
pub mod resource;
pub mod search;
pub mod store;
pub mod triggers;
pub mod webhook;
pub mod wire;

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, Route};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::json;
use tower::{Layer, Service};

use self::error::ZendeskError;
use self::store::Store;
use self::wire::{CONTENT_TYPE_JSON, Role, UnknownFields};
use super::{Credential as Exported, Registration, Rejection, Vendor, VendorCtx};
use crate::config::ConfigError;
use crate::ratelimit::{Decision, Window};
use crate::server::record::RecordLayer;
use crate::template::Dialect;

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

/// Webhook delivery settings (Zendesk's exact values are UNVERIFIED, REFERENCE 1.12).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Per-attempt timeout (Zendesk: about 12 s).
    pub timeout_ms: u64,
    /// Delay before the first retry of a 409 or a timeout; doubles per retry.
    pub retry_base_delay_ms: u64,
    /// Each webhook's circuit breaker.
    pub circuit_breaker: breaker::BreakerSettings,
    /// Invocations of one webhook per minute of the clock beyond which the next
    /// are `throttled`, not sent (0: no limit; trial accounts: 60).
    pub invocations_per_minute: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout_ms: 12_000,
            retry_base_delay_ms: 1_000,
            circuit_breaker: breaker::BreakerSettings::default(),
            invocations_per_minute: 0,
        }
    }
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

/// The ways a client can sign in (REFERENCE 1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `Basic base64("{email}/token:{token}")`.
    ApiToken {
        /// Login email.
        email: String,
        /// API token.
        token: String,
    },
    /// `Basic base64("{email}:{password}")`.
    Password {
        /// Login email.
        email: String,
        /// Password.
        password: String,
    },
    /// `Bearer {oauth_access_token}`.
    Bearer(String),
}

impl Credential {
    /// Reads an `Authorization` header value.
    pub fn parse(header: &str) -> Option<Self> {
        let (scheme, rest) = header.trim().split_once(' ')?;
        if scheme.eq_ignore_ascii_case("bearer") {
            return Some(Self::Bearer(rest.trim().to_owned()));
        }
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let pair = String::from_utf8(decoded).ok()?;
        let (user, secret) = pair.split_once(':')?;
        Some(match user.strip_suffix("/token") {
            Some(email) => Self::ApiToken {
                email: email.to_owned(),
                token: secret.to_owned(),
            },
            None => Self::Password {
                email: user.to_owned(),
                password: secret.to_owned(),
            },
        })
    }
}

fn known_authorizations(settings: &ZendeskSettings, store: &Store) -> Vec<(HeaderValue, u64)> {
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    let mut out = Vec::new();
    for u in &settings.users {
        let Some(id) = store
            .users
            .values()
            .find(|x| x.email.as_deref() == Some(u.email.as_str()))
            .map(|x| x.id)
        else {
            continue;
        };
        let forms = [
            u.token
                .as_ref()
                .map(|t| format!("Basic {}", b64(format!("{}/token:{t}", u.email)))),
            u.password
                .as_ref()
                .map(|p| format!("Basic {}", b64(format!("{}:{p}", u.email)))),
            u.oauth_token.as_ref().map(|t| format!("Bearer {t}")),
        ];
        out.extend(
            forms
                .into_iter()
                .flatten()
                .filter_map(|f| HeaderValue::from_str(&f).ok())
                .map(|v| (v, id)),
        );
    }
    out
}

/// `http://HOST` of the host the client called, for absolute links.
#[derive(Debug, Clone)]
pub struct BaseUrl(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BaseUrl {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(base_url(&parts.headers)))
    }
}

/// The host the client called, as [`BaseUrl`] names it, without building the URL.
#[derive(Debug, Clone)]
pub struct Host(Option<HeaderValue>);

impl Host {
    /// The host name (`localhost` when the request names none).
    pub fn as_str(&self) -> &str {
        host_name(self.0.as_ref())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Host {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.headers.get(header::HOST).cloned()))
    }
}

/// The authenticated caller, for the handlers that need it. The gate
/// (`GateLayer`) has already refused requests without valid credentials; this reads
/// them again rather than passing them in request extensions, which would cost every
/// request an allocation (most need no caller).
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub u64);

impl FromRequestParts<Arc<Zendesk>> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, z: &Arc<Zendesk>) -> Result<Self, Response> {
        let z = match parts.extensions.get::<accounts::Found>() {
            Some(accounts::Found(a)) => a,
            None => z,
        };
        z.caller(parts.headers.get(header::AUTHORIZATION))
            .map(Self)
            .ok_or_else(|| ZendeskError::Unauthorized.into_response())
    }
}

/// Fake Zendesk: settings, state and the account's rate-limit windows.
pub struct Zendesk {
    ctx: VendorCtx,
    settings: ZendeskSettings,
    /// `Authorization` values of the seeded users' credentials, checked before any
    /// decoding (seeded credentials never change, and their ids survive a reset).
    known_auth: Vec<(HeaderValue, u64)>,
    /// Rate-limit header values when no budget is counted: limit, remaining, reset.
    idle_limit_headers: (HeaderValue, HeaderValue, HeaderValue),
    /// Every header of a plain JSON answer with limits off (see `common_headers`).
    reply_template: HeaderMap,
    store: RwLock<Store>,
    limiter: Mutex<Window>,
    tickets_index: Mutex<Window>,
    incremental: Mutex<Window>,
    requests: AtomicU64,
    /// This account's subdomain, as journal entries carry it.
    subdomain: Arc<str>,
    /// The other subdomains' accounts (held by the configured account only).
    accounts: Option<accounts::AccountMap>,
    /// Webhook invocations and circuit breakers.
    hooks: Arc<invocations::Hooks>,
    /// When automations run next, and what they fired on.
    automation_runner: Mutex<automations::Runner>,
}

impl Zendesk {
    /// Fake Zendesk in its seeded state: the configured account, which creates the
    /// other subdomains' accounts on first use.
    pub fn new(ctx: VendorCtx) -> Self {
        let settings = ctx.config.zendesk.clone();
        let mut z = Self::account(ctx, settings);
        z.accounts = Some(accounts::AccountMap::default());
        z
    }

    /// One account in its seeded state, as `settings` describe it.
    fn account(ctx: VendorCtx, settings: ZendeskSettings) -> Self {
        let store = Store::seeded(&settings, ctx.config.seed, ctx.clock.now());
        let known_auth = known_authorizations(&settings, &store);
        // Leaked once per fake (a few bytes): a static value is cloned into every
        // answer without touching a reference count that all workers share.
        let per_minute: &'static str =
            Box::leak(settings.rate_limit.per_minute.to_string().into_boxed_str());
        let per_minute = HeaderValue::from_static(per_minute);
        let idle_limit_headers = (
            per_minute.clone(),
            per_minute,
            HeaderValue::from_static("60"),
        );
        Self {
            known_auth,
            reply_template: reply_template(idle_limit_headers.clone()),
            idle_limit_headers,
            limiter: Mutex::new(Window::new(settings.rate_limit.per_minute, 60)),
            tickets_index: Mutex::new(Window::new(
                settings.rate_limit.tickets_index_per_minute,
                60,
            )),
            incremental: Mutex::new(Window::new(settings.incremental.per_minute, 60)),
            store: RwLock::new(store),
            requests: AtomicU64::new(0),
            subdomain: Arc::from(settings.subdomain.as_str()),
            accounts: None,
            hooks: Arc::default(),
            automation_runner: Mutex::new(automations::Runner::new(
                ctx.clock.now(),
                &settings.automations,
            )),
            settings,
            ctx,
        }
    }

    /// The account a request is for: its subdomain's (created from the configured
    /// account on first use), or this one. `None` when too many accounts exist.
    pub fn account_for(
        self: &Arc<Self>,
        headers: &HeaderMap,
        extensions: &axum::http::Extensions,
    ) -> Option<Arc<Self>> {
        match (accounts::subdomain_of(headers, extensions), &self.accounts) {
            (Some(sub), Some(map)) if sub != &*self.subdomain => self.subdomain_account(map, sub),
            _ => Some(self.clone()),
        }
    }

    fn subdomain_account(
        self: &Arc<Self>,
        map: &accounts::AccountMap,
        sub: &str,
    ) -> Option<Arc<Self>> {
        map.get_or_create(sub, || {
            let settings = ZendeskSettings {
                subdomain: sub.to_owned(),
                ..self.settings.clone()
            };
            Self::account(self.ctx.clone(), settings)
        })
    }

    /// The account of `subdomain` (created on first use), or this one for its own.
    pub fn by_subdomain(self: &Arc<Self>, subdomain: &str) -> Option<Arc<Self>> {
        match &self.accounts {
            Some(map) if subdomain != &*self.subdomain => self.subdomain_account(map, subdomain),
            _ => Some(self.clone()),
        }
    }

    /// This account's subdomain.
    pub fn subdomain(&self) -> &str {
        &self.subdomain
    }

    /// The store, locked for writing. Never held across an `.await`.
    pub fn store(&self) -> RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The store, locked for reading: readers (every GET) do not wait for each other.
    pub fn store_read(&self) -> RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|p| p.into_inner())
    }

    fn limits_on(&self) -> bool {
        self.settings.rate_limit.enabled && self.ctx.config.rate_limits
    }

    fn hit(&self, window: &Mutex<Window>) -> Option<Decision> {
        if !self.limits_on() {
            return None;
        }
        let now = self.ctx.clock.now();
        Some(window.lock().unwrap_or_else(|p| p.into_inner()).hit(now))
    }

    /// Counts a list-tickets call against its own budget (`zendesk-ratelimit-tickets-index`).
    pub fn hit_tickets_index(&self) -> Option<Decision> {
        self.hit(&self.tickets_index)
    }

    /// Counts an update of a ticket by a user against the per-ticket limits.
    pub fn hit_ticket_update(
        &self,
        store: &mut Store,
        ticket: u64,
        user: u64,
    ) -> Result<(), ZendeskError> {
        if !self.limits_on() || !store.tickets.contains_key(&ticket) {
            return Ok(());
        }
        let limits = &self.settings.ticket_update_limits;
        store
            .update_burst
            .hit(ticket, user, self.now(), limits)
            .map_err(ZendeskError::RateLimited)
    }

    /// Counts an incremental export call against the exports' own budget.
    pub fn hit_incremental(&self) -> Option<Decision> {
        self.hit(&self.incremental)
    }

    /// Runs the triggers over every ticket change committed since the last run, and
    /// sends the webhook notifications they produce in the background.
    pub fn fire_triggers(&self) {
        let invocations = {
            let mut store = self.store();
            let changes = std::mem::take(&mut store.changes);
            let mut found = Vec::new();
            for change in &changes {
                let Some(ticket) = store.tickets.get(&change.ticket_id) else {
                    continue;
                };
                for n in triggers::evaluate(store.triggers.values(), change, ticket) {
                    let Some(hook) = store
                        .webhooks
                        .get(&n.webhook_id)
                        .filter(|w| w.status == "active")
                    else {
                        continue;
                    };
                    let globals = triggers::placeholders(
                        &store,
                        ticket,
                        change.actor,
                        &self.settings.subdomain,
                    );
                    let body = self
                        .ctx
                        .templates
                        .render(Dialect::Zendesk, &n.body, &globals)
                        .unwrap_or_else(|e| {
                            tracing::warn!("trigger {} renders no body: {e}", n.trigger_id);
                            format!("Liquid error: {e}")
                        });
                    found.push((hook.clone(), body));
                }
            }
            let mut out = found
                .into_iter()
                .map(|(webhook, body)| webhook::Invocation {
                    webhook,
                    invocation_id: store.next_invocation_id(),
                    account_id: self.settings.account_id,
                    body: body.into(),
                })
                .collect::<Vec<_>>();
            let records = store.log.drain_pending();
            let account = (self.settings.account_id, self.settings.subdomain.as_str());
            out.extend(events::invocations(&mut store, &changes, &records, account));
            out
        };
        for invocation in invocations {
            self.spawn_delivery(invocation);
        }
    }

    /// Zendesk's default automation (REFERENCE 1.6, DOC): a solved ticket closes
    /// `close_solved_after_hours` after it was solved (4 days unless configured).
    /// Runs as a timer on the run's clock; the closing fires the triggers as any
    /// other update does.
    fn close_solved(&self, now: time::OffsetDateTime) {
        let hours = self.settings.close_solved_after_hours;
        if hours == 0 {
            return;
        }
        let cutoff = now - Duration::from_secs(hours.saturating_mul(3600));
        let closed = self.store().close_solved_before(cutoff, now);
        if !closed.is_empty() {
            self.fire_triggers();
        }
    }

    fn spawn_delivery(&self, invocation: webhook::Invocation) {
        hook_delivery::spawn(self, invocation);
    }

    /// The user an `Authorization` header signs in as, if any.
    fn caller(&self, auth: Option<&HeaderValue>) -> Option<u64> {
        let auth = auth?;
        if let Some((_, id)) = self.known_auth.iter().find(|(v, _)| v == auth) {
            return Some(*id);
        }
        let credential = Credential::parse(auth.to_str().ok()?)?;
        self.store_read().authenticate(&credential)
    }

    /// Whether `id` is an end user calling an agent endpoint (403).
    fn refused_end_user(&self, id: u64, method: &Method, path: &str) -> bool {
        let end_user = self
            .store_read()
            .users
            .get(&id)
            .is_some_and(|u| !u.role.is_staff());
        end_user && !requests::end_user_may(method, path)
    }

    /// The settings in force.
    pub fn settings(&self) -> &ZendeskSettings {
        &self.settings
    }

    /// The current time, from the run's clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.ctx.clock.now()
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
        let store = self.store_read();
        let base = format!("https://{}.zendesk.com", self.settings.subdomain);
        let mut state = json!({
            "users": store.users.values().map(|u| api::UserOut::new(&base, u)).collect::<Vec<_>>(),
            "tickets": store.tickets.values().map(|t| api::TicketState::new(&base, t)).collect::<Vec<_>>(),
            "deleted_tickets": store.deleted_tickets.keys().collect::<Vec<_>>(),
            "job_statuses": store.jobs.keys().collect::<Vec<_>>(),
            "webhooks": store.webhooks.values().map(webhook::WebhookOut::from).collect::<Vec<_>>(),
            "triggers": store.triggers.values().collect::<Vec<_>>(),
            "account_settings": store.records.account_settings,
            "webhook_invocations": self.hooks.state(self.now(), &self.settings.webhooks.circuit_breaker),
        });
        // Each declared resource's records under its own name (`organizations`, ...).
        if let (Some(out), serde_json::Value::Object(tables)) =
            (state.as_object_mut(), store.records.state())
        {
            out.extend(tables);
        }
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
        self.run_automations(now);
        self.close_solved(now);
        // Every subdomain's account runs on the same clock.
        for sub in self
            .accounts
            .iter()
            .flat_map(accounts::AccountMap::subdomains)
        {
            if let Some(account) = self.accounts.as_ref().and_then(|m| m.get(&sub)) {
                account.run_automations(now);
                account.close_solved(now);
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
        let Some(u) = self.settings.users.first() else {
            return Vec::new();
        };
        let mut out = vec![Exported {
            key: "EMAIL",
            value: u.email.clone(),
        }];
        let optional = [
            ("TOKEN", &u.token),
            ("PASSWORD", &u.password),
            ("OAUTH_TOKEN", &u.oauth_token),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                out.push(Exported {
                    key,
                    value: v.clone(),
                });
            }
        }
        out
    }
}

impl Zendesk {
    /// Back to this account's seeded state.
    fn reset_own(&self) {
        *self.store() = Store::seeded(&self.settings, self.ctx.config.seed, self.ctx.clock.now());
        *self.limiter.lock().unwrap_or_else(|p| p.into_inner()) =
            Window::new(self.settings.rate_limit.per_minute, 60);
        *self.tickets_index.lock().unwrap_or_else(|p| p.into_inner()) =
            Window::new(self.settings.rate_limit.tickets_index_per_minute, 60);
        *self.incremental.lock().unwrap_or_else(|p| p.into_inner()) =
            Window::new(self.settings.incremental.per_minute, 60);
        self.hooks.clear();
        *self
            .automation_runner
            .lock()
            .unwrap_or_else(|p| p.into_inner()) =
            automations::Runner::new(self.ctx.clock.now(), &self.settings.automations);
    }
}

// Built at compile time: `from_static` validates its argument on every call.
const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
const X_RATE_LIMIT: HeaderName = HeaderName::from_static("x-rate-limit");
const X_RATE_LIMIT_REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const X_RUNTIME: HeaderName = HeaderName::from_static("x-runtime");
const X_ZENDESK_API_VERSION: HeaderName = HeaderName::from_static("x-zendesk-api-version");
const X_ZENDESK_APPLICATION_VERSION: HeaderName =
    HeaderName::from_static("x-zendesk-application-version");
const X_ZENDESK_ORIGIN_SERVER: HeaderName = HeaderName::from_static("x-zendesk-origin-server");

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

impl Zendesk {
    /// Adds the headers every Zendesk answer carries: rate limit, versions, request
    /// id and runtime.
    fn common_headers(
        &self,
        mut res: Response,
        decision: Option<Decision>,
        started: Instant,
    ) -> Response {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        if decision.is_none() && is_plain_json(res.headers()) {
            // Most answers: a JSON body and nothing else, limits off. Cloning the
            // prepared map and setting its last two values costs a fraction of ten
            // inserts, each hashing its name.
            let mut h = self.reply_template.clone();
            let mut dynamic = h.values_mut().skip(TEMPLATE_REQUEST_ID_AT);
            if let (Some(id), Some(runtime_value)) = (dynamic.next(), dynamic.next()) {
                *id = decimal(n);
                *runtime_value = runtime(started.elapsed());
            }
            *res.headers_mut() = h;
            return res;
        }
        // With limits off the values never change: reuse them (a clone shares the bytes).
        let (limit, remaining, reset) = match decision {
            Some(d) => (
                decimal(d.limit.into()),
                decimal(d.remaining.into()),
                decimal(d.reset_secs.into()),
            ),
            None => self.idle_limit_headers.clone(),
        };
        let h = res.headers_mut();
        h.reserve(12);
        insert_common(
            h,
            (limit, remaining, reset),
            decimal(n),
            runtime(started.elapsed()),
        );
        res
    }
}

/// Where `x-request-id` is in [`reply_template`]'s values (`x-runtime` follows).
const TEMPLATE_REQUEST_ID_AT: usize = 9;

/// The headers of a JSON answer with limits off, in the order the client sees
/// them; the request id and runtime are placeholders, set per answer.
fn reply_template(limits: (HeaderValue, HeaderValue, HeaderValue)) -> HeaderMap {
    let mut h = HeaderMap::with_capacity(11);
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE_JSON),
    );
    insert_common(
        &mut h,
        limits,
        HeaderValue::from_static("0"),
        HeaderValue::from_static("0.000000"),
    );
    debug_assert_eq!(h.keys().nth(TEMPLATE_REQUEST_ID_AT), Some(&X_REQUEST_ID));
    debug_assert_eq!(h.keys().nth(TEMPLATE_REQUEST_ID_AT + 1), Some(&X_RUNTIME));
    debug_assert_eq!(h.len(), TEMPLATE_REQUEST_ID_AT + 2);
    h
}

/// Whether an answer's only header is Zendesk's JSON content type.
fn is_plain_json(h: &HeaderMap) -> bool {
    let mut all = h.iter();
    match (all.next(), all.next()) {
        (Some((name, value)), None) => {
            *name == header::CONTENT_TYPE && value.as_bytes() == CONTENT_TYPE_JSON.as_bytes()
        }
        _ => false,
    }
}

/// Inserts Zendesk's common headers, in the order Zendesk sends them.
fn insert_common(
    h: &mut HeaderMap,
    (limit, remaining, reset): (HeaderValue, HeaderValue, HeaderValue),
    request_id: HeaderValue,
    runtime: HeaderValue,
) {
    h.insert(RATELIMIT_LIMIT, limit.clone());
    h.insert(RATELIMIT_REMAINING, remaining.clone());
    h.insert(RATELIMIT_RESET, reset);
    h.insert(X_RATE_LIMIT, limit);
    h.insert(X_RATE_LIMIT_REMAINING, remaining);
    h.insert(X_ZENDESK_API_VERSION, HeaderValue::from_static("v2"));
    h.insert(
        X_ZENDESK_APPLICATION_VERSION,
        HeaderValue::from_static("v19942"),
    );
    h.insert(
        X_ZENDESK_ORIGIN_SERVER,
        HeaderValue::from_static("fakedesk"),
    );
    h.insert(X_REQUEST_ID, request_id);
    h.insert(X_RUNTIME, runtime);
}

/// `x-runtime`: seconds with six decimals, e.g. `0.000123`. Written digit by digit:
/// `format!` and its `String` cost about four times as much, on every request.
fn runtime(elapsed: Duration) -> HeaderValue {
    let mut buf = [0u8; 27];
    let mut start = write_digits(&mut buf, u64::from(elapsed.subsec_micros()));
    // Zero-pad the microseconds to six digits.
    while buf.len() - start < 6 {
        start -= 1;
        buf[start] = b'0';
    }
    start -= 1;
    buf[start] = b'.';
    let start = write_digits(&mut buf[..start], elapsed.as_secs());
    HeaderValue::from_bytes(&buf[start..]).expect("digits and a dot are a valid header value")
}

/// `n` in decimal. `HeaderValue::from(u64)` allocates twice (a buffer, then a
/// shared handle to it); this allocates once.
fn decimal(n: u64) -> HeaderValue {
    let mut buf = [0u8; 20];
    let start = write_digits(&mut buf, n);
    HeaderValue::from_bytes(&buf[start..]).expect("digits are a valid header value")
}

/// Writes `n` in decimal at the end of `buf` (20 bytes suffice); returns where it
/// starts.
fn write_digits(buf: &mut [u8], mut n: u64) -> usize {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return start;
        }
    }
}

/// Registers routes the way Zendesk serves them: every path with and without
/// `.json` (REFERENCE 1.1). A path ending in a parameter is registered once: the
/// parameter captures the suffix and the id extractors strip it.
pub trait RouteJson {
    /// Adds `path` and `path.json`.
    fn route_json(self, path: &str, method: MethodRouter<Arc<Zendesk>>) -> Self;
}

impl RouteJson for Router<Arc<Zendesk>> {
    fn route_json(self, path: &str, method: MethodRouter<Arc<Zendesk>>) -> Self {
        if path.ends_with('}') {
            self.route(path, method)
        } else {
            self.route(path, method.clone())
                .route(&format!("{path}.json"), method)
        }
    }
}

/// The base URL of the host the client called, for absolute links.
pub fn base_url(headers: &HeaderMap) -> String {
    format!(
        "{}://{}",
        super::scheme_of(headers),
        host_name(headers.get(header::HOST))
    )
}

/// The host named by a `Host` header, `localhost` without a usable one.
fn host_name(host: Option<&HeaderValue>) -> &str {
    host.and_then(|h| h.to_str().ok()).unwrap_or("localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_token_example() {
        // REFERENCE 1.2: jdoe@example.com/token:6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv
        let header = "Basic amRvZUBleGFtcGxlLmNvbS90b2tlbjo2d2lJQldiR2tCTW8xbVJETXVWd2t3MUVQc05rZVVqOTVQSXoyYWt2";
        assert_eq!(
            Credential::parse(header),
            Some(Credential::ApiToken {
                email: "jdoe@example.com".to_owned(),
                token: "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv".to_owned()
            })
        );
    }

    #[test]
    fn parses_password_and_bearer_and_refuses_other_schemes() {
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("a@b.c:pw:with:colons")
        );
        assert_eq!(
            Credential::parse(&basic),
            Some(Credential::Password {
                email: "a@b.c".to_owned(),
                password: "pw:with:colons".to_owned()
            })
        );
        assert_eq!(
            Credential::parse("Bearer abc"),
            Some(Credential::Bearer("abc".to_owned()))
        );
        assert_eq!(Credential::parse("Digest abc"), None);
        assert_eq!(Credential::parse("Basic !!!"), None);
        assert_eq!(Credential::parse(""), None);
    }

    #[test]
    fn runtime_is_seconds_with_six_decimals() {
        let shown = |d: Duration| runtime(d).to_str().unwrap().to_owned();
        assert_eq!(shown(Duration::ZERO), "0.000000");
        assert_eq!(shown(Duration::from_micros(123)), "0.000123");
        assert_eq!(shown(Duration::from_nanos(1_234_567_890)), "1.234567");
        assert_eq!(shown(Duration::from_secs(42)), "42.000000");
        assert_eq!(
            shown(Duration::MAX),
            format!("{}.{:06}", u64::MAX, Duration::MAX.subsec_micros())
        );
    }

    #[test]
    fn decimal_values_are_plain_digits() {
        for n in [0, 7, 10, 1234, u64::MAX] {
            assert_eq!(decimal(n), HeaderValue::from(n));
        }
    }

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
