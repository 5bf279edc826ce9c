//! Fake Zendesk itself: one account's settings, state and rate-limit windows, and
//! who is calling it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;

use super::ZendeskSettings;
use super::credentials::{Credential, known_authorizations};
use super::error::ZendeskError;
use super::headers::{self, reply_template};
use super::store::Store;
use super::subdomain::{self, AccountMap};
use crate::fake::VendorCtx;
use crate::ratelimit::{Decision, Window};

/// Fake Zendesk: settings, state and the account's rate-limit windows.
pub struct Zendesk {
    pub(super) ctx: VendorCtx,
    pub(super) settings: ZendeskSettings,
    /// `Authorization` values of the seeded users' credentials, checked before any
    /// decoding while no credential has changed (their ids survive a reset).
    pub(super) known_auth: Vec<(HeaderValue, u64)>,
    /// Set once a user's credentials may have changed (a password, an email, a
    /// deletion): `known_auth` no longer holds, every header is checked against
    /// the store. A reset clears it.
    pub(super) credentials_changed: AtomicBool,
    /// Rate-limit header values when no budget is counted: limit, remaining, reset.
    pub(super) idle_limit_headers: (HeaderValue, HeaderValue, HeaderValue),
    /// Every header of a plain JSON answer with limits off (see `common_headers`).
    pub(super) reply_template: HeaderMap,
    pub(super) store: RwLock<Store>,
    pub(super) limiter: Mutex<Window>,
    pub(super) tickets_index: Mutex<Window>,
    pub(super) incremental: Mutex<Window>,
    pub(super) requests: AtomicU64,
    /// This account's subdomain, as journal entries carry it.
    pub(super) subdomain: Arc<str>,
    /// The other subdomains' accounts (held by the configured account only).
    pub(super) accounts: Option<AccountMap<Self>>,
    /// Webhook invocations and circuit breakers.
    pub(super) hooks: Arc<super::invocations::Hooks>,
    /// When automations run next, and what they fired on.
    pub(super) automation_runner: Mutex<super::automations::Runner>,
}

impl Zendesk {
    /// Fake Zendesk in its seeded state: the configured account, which creates the
    /// other subdomains' accounts on first use.
    pub fn new(ctx: VendorCtx) -> Self {
        let settings = ctx.config.vendor::<ZendeskSettings>().clone();
        let mut z = Self::account(ctx, settings);
        z.accounts = Some(AccountMap::default());
        z
    }

    /// One account in its seeded state, as `settings` describe it.
    pub(super) fn account(ctx: VendorCtx, settings: ZendeskSettings) -> Self {
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
            credentials_changed: AtomicBool::new(false),
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
            automation_runner: Mutex::new(super::automations::Runner::new(
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
        match (subdomain::subdomain_of(headers, extensions), &self.accounts) {
            (Some(sub), Some(map)) if sub != &*self.subdomain => self.subdomain_account(map, sub),
            _ => Some(self.clone()),
        }
    }

    pub(super) fn subdomain_account(
        self: &Arc<Self>,
        map: &AccountMap<Self>,
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

    pub(super) fn limits_on(&self) -> bool {
        self.settings.rate_limit.enabled && self.ctx.config.rate_limits
    }

    pub(super) fn hit(&self, window: &Mutex<Window>) -> Option<Decision> {
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

    /// The user an `Authorization` header signs in as, if any.
    pub(super) fn caller(&self, auth: Option<&HeaderValue>) -> Option<u64> {
        let auth = auth?;
        if !self.credentials_changed.load(Ordering::Relaxed)
            && let Some((_, id)) = self.known_auth.iter().find(|(v, _)| v == auth)
        {
            return Some(*id);
        }
        let credential = Credential::parse(auth.to_str().ok()?)?;
        self.store_read().authenticate(&credential)
    }

    /// Notes that a user's credentials may have changed, so the seeded
    /// `Authorization` values are checked against the store from now on.
    pub fn credentials_changed(&self) {
        self.credentials_changed.store(true, Ordering::Relaxed);
    }

    /// The settings in force.
    pub fn settings(&self) -> &ZendeskSettings {
        &self.settings
    }

    /// The current time, from the run's clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.ctx.clock.now()
    }

    /// Adds the headers every Zendesk answer carries (see [`headers::stamp`]).
    pub(super) fn common_headers(
        &self,
        res: Response,
        decision: Option<Decision>,
        started: Instant,
    ) -> Response {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let idle = &self.idle_limit_headers;
        headers::stamp(res, &self.reply_template, idle, n, decision, started)
    }

    /// Back to this account's seeded state.
    pub(super) fn reset_own(&self) {
        *self.store() = Store::seeded(&self.settings, self.ctx.config.seed, self.ctx.clock.now());
        self.credentials_changed.store(false, Ordering::Relaxed);
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
            super::automations::Runner::new(self.ctx.clock.now(), &self.settings.automations);
    }
}
