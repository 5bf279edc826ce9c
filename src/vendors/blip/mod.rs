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
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use self::account::{Blip, Caller};
use self::error::BlipError;
use self::store::Store;
use self::wire::{Reason, reason};
use super::{Action, Credential, Registration, Rejection, Vendor, VendorCtx};
use crate::config::ConfigError;

/// How the harness builds fake Blip.
pub const REGISTRATION: Registration = Registration {
    name: "blip",
    default_port: 4716,
    build,
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

/// Settings of fake Blip (the `vendors.blip` section of the config file).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BlipSettings {
    /// Listening port (0: chosen by the OS).
    pub port: Option<u16>,
    /// Fault rules on this vendor's traffic (see the README's "Faults and time").
    pub faults: Vec<crate::fault::FaultRule>,
    /// The bots and their keys; the first is the one `serve` prints.
    pub bots: Vec<Bot>,
    /// The team new tickets go to when none is named.
    pub team: String,
    /// The custom attendance channel (provider `Webhook`).
    pub attendance: AttendanceSettings,
    /// Reason codes Blip's docs do not give.
    pub reasons: ReasonSettings,
}

/// A bot: its identifier (`{identifier}@msging.net`) and the key of its HTTP
/// endpoint, sent as `Authorization: Key <key>`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bot {
    /// The bot's identifier.
    pub identifier: String,
    /// The key, without `Key ` (Blip's are base64 of `identifier:accessKey`; any
    /// text works).
    pub key: String,
}

impl Bot {
    /// `{identifier}@msging.net`.
    pub fn identity(&self) -> String {
        format!("{}@{}", self.identifier, wire::BOT_DOMAIN)
    }
}

/// The custom attendance channel: where Blip POSTs tickets and customer messages.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AttendanceSettings {
    /// The URL of the integrator's platform; empty: no custom channel (tickets are
    /// Blip Desk's, provider `Lime`, and nothing is pushed).
    pub url: String,
    /// The optional authentication key sent with every push (empty: none).
    pub key: String,
    /// The header the key goes in. Vendor quirk: UNKNOWN in Blip's docs.
    pub key_header: String,
    /// Forward customer messages while the ticket waits for an agent. Vendor quirk:
    /// the guide forwards them "after the ticket is assigned"; before that is UNKNOWN.
    pub forward_while_waiting: bool,
    /// Push `Ticket:{id}:{status}` when the customer closes a ticket. Vendor quirk:
    /// UNVERIFIED (the id pattern suggests one message per status).
    pub status_updates: bool,
    /// Push a `failed` notification when an agent message cannot be delivered.
    /// Vendor quirk: UNVERIFIED.
    pub failure_notifications: bool,
    /// Per-attempt timeout in milliseconds.
    pub timeout_ms: u64,
    /// Retries after the first attempt (Blip's policy is UNKNOWN).
    pub max_retries: u32,
    /// The wait before the first retry, in milliseconds.
    pub retry_base_delay_ms: u64,
    /// How much each wait grows.
    pub retry_factor: u32,
    /// Minutes without a message after which an active ticket is closed as
    /// `ClosedClientInactivity`, on the run's clock (0, the default: never). Vendor
    /// quirk: the status is UNVERIFIED and Blip documents no delay.
    pub close_inactive_after_minutes: u64,
}

/// Reasons of failures whose codes Blip's docs do not give.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReasonSettings {
    /// A command on an unknown ticket (REFERENCE 6.2 suggests 67).
    pub ticket_not_found: Reason,
    /// A change to, or a message on, a closed ticket (UNKNOWN; 66 by default).
    pub ticket_closed: Reason,
}

impl Default for BlipSettings {
    fn default() -> Self {
        let identifier = "fakedeskbot".to_owned();
        let key = base64::engine::general_purpose::STANDARD
            .encode(format!("{identifier}:ZmFrZWRlc2stYWNjZXNzLWtleQ=="));
        Self {
            port: None,
            faults: Vec::new(),
            bots: vec![Bot { identifier, key }],
            team: "Default".to_owned(),
            attendance: AttendanceSettings::default(),
            reasons: ReasonSettings::default(),
        }
    }
}

impl Default for AttendanceSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            key: String::new(),
            key_header: "Authorization".to_owned(),
            forward_while_waiting: false,
            status_updates: true,
            failure_notifications: true,
            timeout_ms: 10_000,
            max_retries: 2,
            retry_base_delay_ms: 1_000,
            retry_factor: 2,
            close_inactive_after_minutes: 0,
        }
    }
}

impl Default for ReasonSettings {
    fn default() -> Self {
        Self {
            ticket_not_found: Reason::new(reason::COMMAND_RESOURCE_NOT_FOUND, "Resource not found"),
            ticket_closed: Reason::new(
                reason::COMMAND_NOT_ALLOWED,
                "The ticket is closed and cannot be changed",
            ),
        }
    }
}

impl BlipSettings {
    /// Problems that would make the fake unusable, each as one sentence.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.bots.is_empty() {
            out.push(
                "vendors.blip.bots: give at least one bot so clients can call the API".to_owned(),
            );
        }
        for (i, b) in self.bots.iter().enumerate() {
            if b.identifier.is_empty() || wire::Node::parse(&b.identity()).is_none() {
                out.push(format!(
                    "vendors.blip.bots[{i}].identifier: `{}` is not a bot identifier",
                    b.identifier
                ));
            }
            if b.key.trim().is_empty() || b.key.contains(char::is_whitespace) {
                out.push(format!(
                    "vendors.blip.bots[{i}].key: `{}` is empty or has spaces",
                    b.key
                ));
            }
            if self.bots[..i].iter().any(|o| o.key == b.key) {
                out.push(format!(
                    "vendors.blip.bots[{i}].key: `{}` is listed twice",
                    b.key
                ));
            }
        }
        let a = &self.attendance;
        // A scenario's `${fakedesk...}` is filled in only after this check.
        let templated = a.url.contains("${");
        if !(a.url.is_empty()
            || templated
            || a.url.starts_with("http://")
            || a.url.starts_with("https://"))
        {
            out.push(format!(
                "vendors.blip.attendance.url: `{}` is not an http(s) URL",
                a.url
            ));
        }
        if axum::http::HeaderName::from_bytes(a.key_header.as_bytes()).is_err() {
            out.push(format!(
                "vendors.blip.attendance.key_header: `{}` is not a header name",
                a.key_header
            ));
        }
        if axum::http::HeaderValue::from_str(&a.key).is_err() {
            out.push("vendors.blip.attendance.key: not a valid header value".to_owned());
        }
        if a.timeout_ms == 0 {
            out.push("vendors.blip.attendance.timeout_ms must be at least 1".to_owned());
        }
        out
    }
}

impl Vendor for Blip {
    fn check_signature(
        &self,
        headers: &crate::journal::Headers,
        _body: &[u8],
    ) -> Option<super::SignatureCheck> {
        const SCHEME: &str = "the channel's authentication key in its configured header";
        let s = &self.settings.attendance;
        if s.key.is_empty() {
            return None;
        }
        let check = super::SignatureCheck::new;
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
                return super::request_timeout(
                    BlipError::malformed(None, super::TIMED_OUT).into_response(),
                );
            }
            Rejection::BodyTooLarge(limit) => BlipError::PayloadTooLarge(limit),
            Rejection::BodyUnreadable => BlipError::malformed(None, "Unable to read the body"),
        }
        .into_response()
    }

    fn implemented(&self) -> Vec<(String, String)> {
        super::routes_list(&[
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
        assert_eq!(c.blip.bots[0].identity(), "demobot@msging.net");
        assert_eq!(c.blip.attendance.key_header, "X-Key");
        assert_eq!(c.blip.attendance.max_retries, 2);
    }
}
