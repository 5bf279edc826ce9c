//! Fake Smartsupp's account: its settings and state.

use std::sync::{Mutex, MutexGuard};

use time::OffsetDateTime;

use super::SmartsuppSettings;
use super::store::Store;
use crate::fake::VendorCtx;

/// The seeded store, with the configured agents.
pub(super) fn seeded(ctx: &VendorCtx) -> Store {
    let mut store = Store::seeded(ctx.config.seed);
    store
        .rest
        .agents
        .clone_from(&ctx.config.vendor::<super::SmartsuppSettings>().api.agents);
    store
}

/// Fake Smartsupp: settings and state.
pub struct Smartsupp {
    pub(super) ctx: VendorCtx,
    pub(super) settings: SmartsuppSettings,
    pub(super) store: Mutex<Store>,
}

impl Smartsupp {
    /// Fake Smartsupp in its seeded state.
    pub fn new(ctx: VendorCtx) -> Self {
        Self {
            settings: ctx.config.vendor::<super::SmartsuppSettings>().clone(),
            store: Mutex::new(seeded(&ctx)),
            ctx,
        }
    }

    /// The store, locked. Never held across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The settings in force.
    pub fn settings(&self) -> &SmartsuppSettings {
        &self.settings
    }

    /// The current time, from the run's clock.
    pub fn now(&self) -> OffsetDateTime {
        self.ctx.clock.now()
    }

    /// What the harness gave this vendor.
    pub fn ctx(&self) -> &VendorCtx {
        &self.ctx
    }
}
