//! Fake Blip's contract: its settings, state and the bots that authenticate
//! against it.

use std::sync::{Arc, Mutex, MutexGuard};

use time::OffsetDateTime;

use super::error::BlipError;
use super::store::{Reasons, Store};
use super::{BlipSettings, Bot};
use crate::fake::VendorCtx;

/// The bot a request authenticated as, put in request extensions by its gate.
#[derive(Debug, Clone)]
pub struct Caller(pub Arc<Bot>);

/// Fake Blip: settings and state.
pub struct Blip {
    pub(super) ctx: VendorCtx,
    pub(super) settings: BlipSettings,
    pub(super) reasons: Reasons,
    pub(super) store: Mutex<Store>,
}

impl Blip {
    /// Fake Blip in its seeded state.
    pub fn new(ctx: VendorCtx) -> Self {
        let settings = ctx.config.vendor::<super::BlipSettings>().clone();
        Self {
            store: Mutex::new(Store::seeded(ctx.config.seed)),
            reasons: Reasons {
                ticket_not_found: settings.reasons.ticket_not_found.clone(),
                ticket_closed: settings.reasons.ticket_closed.clone(),
            },
            settings,
            ctx,
        }
    }

    /// The store, locked. Never held across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The settings in force.
    pub fn settings(&self) -> &BlipSettings {
        &self.settings
    }

    /// The reasons of failures with configurable codes.
    pub fn reasons(&self) -> &Reasons {
        &self.reasons
    }

    /// The current time, from the run's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.ctx.clock.now()
    }

    /// What the harness gave this vendor (outbound sender).
    pub fn ctx(&self) -> &VendorCtx {
        &self.ctx
    }

    /// The bot whose key this is (`Authorization: Key <key>`, scheme in any case).
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Bot, BlipError> {
        let text = authorization.unwrap_or_default().trim();
        let key = match text.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("key") => rest.trim(),
            _ => return Err(BlipError::Unauthorized),
        };
        self.settings
            .bots
            .iter()
            .find(|b| b.key == key)
            .cloned()
            .ok_or(BlipError::Unauthorized)
    }

    /// The bot named `identifier`, or the first.
    pub fn bot(&self, identifier: Option<&str>) -> Option<&Bot> {
        match identifier {
            Some(id) => self.settings.bots.iter().find(|b| b.identifier == id),
            None => self.settings.bots.first(),
        }
    }
}
