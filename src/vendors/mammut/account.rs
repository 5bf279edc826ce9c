//! Fake Mammut's workspace: its settings and state.

use std::sync::{Mutex, MutexGuard};

use super::MammutSettings;
use super::store::Store;
use crate::fake::VendorCtx;

/// Fake Mammut: settings and state.
pub struct Mammut {
    pub(super) ctx: VendorCtx,
    pub(super) settings: MammutSettings,
    pub(super) store: Mutex<Store>,
}

impl Mammut {
    /// Fake Mammut, with no users yet.
    pub fn new(ctx: VendorCtx) -> Self {
        Self {
            settings: ctx.config.vendor::<super::MammutSettings>().clone(),
            store: Mutex::new(Store::default()),
            ctx,
        }
    }

    /// The store, locked. Never held across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The settings in force.
    pub fn settings(&self) -> &MammutSettings {
        &self.settings
    }

    /// What the harness gave this vendor.
    pub fn ctx(&self) -> &VendorCtx {
        &self.ctx
    }
}
