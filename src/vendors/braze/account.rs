//! Fake Braze's workspace: its settings, state and rate-limit windows, and the
//! REST API key check.

use std::sync::{Mutex, MutexGuard};

use time::OffsetDateTime;

use super::BrazeSettings;
use super::error::BrazeError;
use super::limits::{Endpoint, Limiters};
use super::store::Store;
use crate::fake::VendorCtx;
use crate::ratelimit::Decision;

/// The seeded store: the configured campaigns and Canvases.
pub(super) fn seeded(ctx: &VendorCtx) -> Store {
    let s = &ctx.config.vendor::<super::BrazeSettings>();
    let mut store = Store::seeded(ctx.config.seed, &s.campaigns);
    for c in &s.canvases {
        let mut c = c.clone();
        if c.id.is_empty() {
            c.id = store.uuid();
        }
        store.api.canvases.push(c);
    }
    store.api.groups.clone_from(&s.subscription_groups);
    for c in &s.transactional.campaigns {
        let mut c = c.clone();
        if c.id.is_empty() {
            c.id = store.uuid();
        }
        store.api.transactional.push(c);
    }
    store
}

/// Fake Braze: settings, state and the workspace's rate-limit windows.
pub struct Braze {
    pub(super) ctx: VendorCtx,
    pub(super) settings: BrazeSettings,
    pub(super) store: Mutex<Store>,
    pub(super) limiters: Mutex<Limiters>,
}

impl Braze {
    /// Fake Braze in its seeded state.
    pub fn new(ctx: VendorCtx) -> Self {
        let settings = ctx.config.vendor::<super::BrazeSettings>().clone();
        Self {
            store: Mutex::new(seeded(&ctx)),
            limiters: Mutex::new(Limiters::new(&settings.rate_limit)),
            settings,
            ctx,
        }
    }

    /// The store, locked. Never held across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The settings in force.
    pub fn settings(&self) -> &BrazeSettings {
        &self.settings
    }

    /// The current time, from the run's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.ctx.clock.now()
    }

    /// What the harness gave this vendor (templates, outbound sender).
    pub fn ctx(&self) -> &VendorCtx {
        &self.ctx
    }

    pub(super) fn limits_on(&self) -> bool {
        self.settings.rate_limit.enabled && self.ctx.config.rate_limits
    }

    pub(super) fn hit(&self, e: Endpoint, now: OffsetDateTime) -> Option<Decision> {
        if !self.limits_on() || e.unlimited() {
            return None;
        }
        let mut limiters = self.limiters.lock().unwrap_or_else(|p| p.into_inner());
        Some(limiters.window(e).hit(now))
    }

    /// Checks a key against the configured ones and the endpoint's permission.
    pub fn authorize(&self, key: Option<&str>, e: Endpoint) -> Result<(), BrazeError> {
        let sent = key.unwrap_or_default();
        let msg = &self.settings.messages;
        let Some(known) = self.settings.api_keys.iter().find(|k| k.key == sent) else {
            return Err(BrazeError::Unauthorized(
                msg.invalid_api_key.replace("{key}", sent),
            ));
        };
        match e.permission() {
            Some(p) if !known.permissions.iter().any(|x| x == p) => Err(BrazeError::Forbidden(
                msg.forbidden
                    .replace("{permission}", p)
                    .replace("{key}", sent),
            )),
            _ => Ok(()),
        }
    }
}
