//! Fake Blip's contract: its settings, state and the bots that authenticate
//! against it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use super::book::desk::{Attendant, agent_identity};

use super::error::BlipError;
use super::store::{Reasons, Store};
use super::{BlipSettings, Bot};
use crate::fake::VendorCtx;

/// The bot a request authenticated as, put in request extensions by its gate.
#[derive(Debug, Clone)]
pub struct Caller(pub Arc<Bot>);

/// A throughput window's key: the bot and the kind of call.
type WindowKey = (String, &'static str);

/// Fake Blip: settings and state.
pub struct Blip {
    pub(super) ctx: VendorCtx,
    pub(super) settings: BlipSettings,
    pub(super) reasons: Reasons,
    pub(super) store: Mutex<Store>,
    /// Per bot and kind (`commands`, `messages`, `notifications`): the start of
    /// the current one-second window and the calls in it.
    pub(super) windows: Mutex<HashMap<WindowKey, (Instant, u32)>>,
}

/// The seeded state: no tickets; every bot's Desk holds the configured teams and
/// attendants.
pub fn seeded_store(settings: &BlipSettings, seed: u64) -> Store {
    let mut store = Store::seeded(seed);
    let desk = &mut store.book.desk;
    for bot in &settings.bots {
        let owner = bot.identity();
        desk.ensure_team(&owner, &settings.team);
        for t in &settings.desk.teams {
            desk.ensure_team(&owner, t);
        }
        for a in &settings.desk.attendants {
            let teams = if a.teams.is_empty() {
                vec![settings.team.clone()]
            } else {
                a.teams.clone()
            };
            desk.put_attendant(
                &owner,
                Attendant {
                    identity: agent_identity(&a.email),
                    full_name: a.full_name.clone(),
                    email: Some(a.email.clone()),
                    teams,
                    status: a.status.clone().unwrap_or_else(|| "Online".to_owned()),
                    last_service_date: None,
                    agent_slots: None,
                    is_enabled: true,
                },
            );
        }
    }
    store
}

impl Blip {
    /// Fake Blip in its seeded state.
    pub fn new(ctx: VendorCtx) -> Self {
        let settings = ctx.config.vendor::<super::BlipSettings>().clone();
        Self {
            store: Mutex::new(seeded_store(&settings, ctx.config.seed)),
            windows: Mutex::new(HashMap::new()),
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

    /// The answer to a call over the bot's throughput limit for `kind` in the
    /// current second, if it is over.
    pub fn over_limit(&self, bot: &str, kind: &'static str) -> Option<Response> {
        let l = &self.settings.limits;
        let limit = match kind {
            "commands" => l.commands_per_second,
            "messages" => l.messages_per_second,
            _ => l.notifications_per_second,
        };
        if limit == 0 {
            return None;
        }
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let w = windows.entry((bot.to_owned(), kind)).or_insert((now, 0));
        if now.duration_since(w.0).as_secs() >= 1 {
            *w = (now, 0);
        }
        w.1 += 1;
        if w.1 <= limit {
            return None;
        }
        let status =
            StatusCode::from_u16(l.over_limit_status).unwrap_or(StatusCode::TOO_MANY_REQUESTS);
        Some(status.into_response())
    }

    /// The bot named `identifier`, or the first.
    pub fn bot(&self, identifier: Option<&str>) -> Option<&Bot> {
        match identifier {
            Some(id) => self.settings.bots.iter().find(|b| b.identifier == id),
            None => self.settings.bots.first(),
        }
    }
}
