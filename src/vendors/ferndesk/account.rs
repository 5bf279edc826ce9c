//! Fake Ferndesk's help center: its settings, the document its fake endpoint
//! serves, and the audits of pulls.

use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

use super::FerndeskSettings;
use super::store::Store;
use crate::fake::VendorCtx;

/// Fake Ferndesk: settings and audits.
pub struct Ferndesk {
    pub(super) ctx: VendorCtx,
    pub(super) settings: FerndeskSettings,
    pub(super) document: Value,
    pub(super) store: Mutex<Store>,
}

impl Ferndesk {
    /// Fake Ferndesk with no audits yet.
    pub fn new(ctx: VendorCtx) -> Self {
        let settings = ctx.config.vendor::<super::FerndeskSettings>().clone();
        Self {
            document: settings.document(),
            settings,
            store: Mutex::new(Store::default()),
            ctx,
        }
    }

    /// The store, locked. Never held across an `.await`.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The settings in force.
    pub fn settings(&self) -> &FerndeskSettings {
        &self.settings
    }

    /// The document the fake endpoint serves.
    pub fn document(&self) -> &Value {
        &self.document
    }

    /// What the harness gave this vendor.
    pub fn ctx(&self) -> &VendorCtx {
        &self.ctx
    }
}
