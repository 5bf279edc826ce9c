//! Fake Take Blip: the HTTP API (`/commands`, `/messages`, `/notifications`) with
//! LIME envelopes, the Desk's tickets, and the custom attendance channel that
//! pushes tickets and customer messages to an integrator's platform (REFERENCE
//! section 6).
//!
//! Requests pass, outermost first: the harness's record layer, then `gate` (the
//! bot's `Authorization: Key ...`), then the routes in [`api`]. Tickets live in
//! [`store`], free of I/O; what goes to the attendance channel is built in
//! [`webhook`] and sent through the harness's outbound sender. The customer's side
//! (a handoff, a customer message, the customer leaving) is driven from the
//! control API's actions (`/blip/actions/...`).

pub mod account;
pub mod api;
pub mod attendance;
pub mod command;
pub mod control;
pub mod error;
pub mod fuzz;
pub mod settings;
pub mod store;
pub mod tickets;
pub mod webhook;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use time::OffsetDateTime;

use self::account::{Blip, Caller};
use self::error::BlipError;
pub use self::settings::{AttendanceSettings, BlipSettings, Bot, ReasonSettings};
use self::store::Store;
use crate::fake::{Action, Credential, Registration, Rejection, Vendor, VendorCtx};
use crate::settings::ConfigError;

/// How the harness builds fake Blip.
pub const REGISTRATION: Registration = Registration {
    name: "blip",
    default_port: 4716,
    settings: crate::settings::SettingsSpec::of::<BlipSettings>("Fake Take Blip."),
    build,
    fuzz: fuzz::PAYLOADS,
    control_paths: Some(include_str!("control.openapi.json")),
    actions: &[
        Action {
            name: "handoff",
            summary: "the bot hands a customer to human attendance: a new Waiting ticket, pushed to the attendance channel: `customer` (identity), `text` (or `type` and `content`), optional `team`, `bot`, `wait` (default true)",
        },
        Action {
            name: "customer_message",
            summary: "the customer writes on their ticket; forwarded to the attendance channel once the ticket is assigned: `ticket` (id) or `customer`, `text` (or `type` and `content`), optional `id`, `wait` (default true)",
        },
        Action {
            name: "customer_close",
            summary: "the customer ends the attendance: `ticket` (id) or `customer`, optional `status` (ClosedClient, the default, or ClosedClientInactivity), `wait` (default true)",
        },
    ],
};

fn build(ctx: &VendorCtx) -> Result<Arc<dyn Vendor>, ConfigError> {
    Ok(Arc::new(Blip::new(ctx.clone())))
}

impl Vendor for Blip {
    fn check_signature(
        &self,
        headers: &crate::journal::Headers,
        _body: &[u8],
    ) -> Option<crate::fake::SignatureCheck> {
        const SCHEME: &str = "the channel's authentication key in its configured header";
        let s = &self.settings.attendance;
        if s.key.is_empty() {
            return None;
        }
        let check = crate::fake::SignatureCheck::new;
        Some(match headers.get(&s.key_header) {
            Some(v) if v == s.key => check(
                SCHEME,
                true,
                format!("{} carries the channel key", s.key_header),
            ),
            Some(_) => check(
                SCHEME,
                false,
                format!("{} differs from the channel key", s.key_header),
            ),
            None => check(SCHEME, false, format!("no {} header", s.key_header)),
        })
    }

    fn name(&self) -> &'static str {
        REGISTRATION.name
    }

    fn router(self: Arc<Self>) -> Router {
        api::routes()
            .with_state(self.clone())
            .layer(axum::middleware::from_fn_with_state(self, gate))
    }

    fn state(&self) -> Value {
        let store = self.store();
        json!({
            "bots": self.settings.bots.iter().map(|b| json!({"identifier": b.identifier, "identity": b.identity()})).collect::<Vec<_>>(),
            "attendance": {"url": self.settings.attendance.url},
            "tickets": store.tickets_state(),
            "deliveries": store.deliveries,
            "bot_inbox": store.bot_inbox,
            "sent": store.sent,
            "notifications": store.notifications,
            "failed": store.failed,
        })
    }

    fn reset(&self) {
        *self.store() = Store::seeded(self.ctx.config.seed);
    }

    fn error_reply(&self, status: axum::http::StatusCode) -> Response {
        error::for_status(status)
    }

    fn on_clock(self: Arc<Self>, now: OffsetDateTime) {
        attendance::close_inactive(&self, now);
    }

    fn reject(&self, rejection: Rejection) -> Response {
        match rejection {
            Rejection::TimedOut => {
                return crate::fake::request_timeout(
                    BlipError::malformed(None, crate::fake::TIMED_OUT).into_response(),
                );
            }
            Rejection::BodyTooLarge(limit) => BlipError::PayloadTooLarge(limit),
            Rejection::BodyUnreadable => BlipError::malformed(None, "Unable to read the body"),
        }
        .into_response()
    }

    fn implemented(&self) -> Vec<(String, String)> {
        crate::fake::routes_list(&[
            ("POST", "/commands"),
            ("POST", "/messages"),
            ("POST", "/notifications"),
        ])
    }

    fn credentials(&self) -> Vec<Credential> {
        let Some(bot) = self.settings.bots.first() else {
            return Vec::new();
        };
        vec![
            Credential {
                key: "BOT",
                value: bot.identifier.clone(),
            },
            Credential {
                key: "KEY",
                value: bot.key.clone(),
            },
        ]
    }

    fn control(self: Arc<Self>) -> Option<Router> {
        Some(control::control_routes().with_state(self))
    }

    fn seeded_authorization(&self) -> Option<String> {
        let bot = self.settings.bots.first()?;
        Some(format!("Key {}", bot.key))
    }
}

/// Every request: the bot's key (401 before anything else).
async fn gate(State(b): State<Arc<Blip>>, mut req: Request, next: Next) -> Response {
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned());
    match b.authenticate(auth.as_deref()) {
        Ok(bot) => {
            req.extensions_mut().insert(Caller(Arc::new(bot)));
            next.run(req).await
        }
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FileConfig, Overrides, RunConfig, parse};
    use base64::Engine as _;
    use std::path::Path;

    #[test]
    fn default_settings_have_no_problems_and_bad_ones_are_named() {
        assert!(BlipSettings::default().problems().is_empty());
        let mut s = BlipSettings::default();
        s.bots.push(s.bots[0].clone());
        s.attendance.url = "ftp://x".into();
        s.attendance.key_header = "bad header".into();
        let problems = s.problems();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].contains("bots[1].key"));
        assert!(problems[1].contains("attendance.url"));
        assert!(problems[2].contains("key_header"));
    }

    #[test]
    fn the_seeded_key_is_base64_of_identifier_and_access_key() {
        let s = BlipSettings::default();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&s.bots[0].key)
            .unwrap();
        assert!(
            String::from_utf8(decoded)
                .unwrap()
                .starts_with("fakedeskbot:")
        );
    }

    #[test]
    fn blip_listens_on_4716_by_default_and_reads_its_config_section() {
        let c = RunConfig::build(FileConfig::default(), &Overrides::default()).unwrap();
        assert_eq!(c.ports["blip"], 4716);
        let file = parse(
            Path::new("c.yaml"),
            "vendors:\n  blip:\n    port: 5716\n    bots:\n      - identifier: demobot\n        key: a2V5\n    attendance:\n      url: http://127.0.0.1:1/blip\n      key_header: X-Key\n",
        )
        .unwrap();
        let c = RunConfig::build(file, &Overrides::default()).unwrap();
        assert_eq!(c.ports["blip"], 5716);
        assert_eq!(
            c.vendor::<BlipSettings>().bots[0].identity(),
            "demobot@msging.net"
        );
        assert_eq!(c.vendor::<BlipSettings>().attendance.key_header, "X-Key");
        assert_eq!(c.vendor::<BlipSettings>().attendance.max_retries, 2);
    }
}
