//! The `vendors.blip` section of the config file: its settings, their defaults
//! and what makes them unusable.

use base64::Engine as _;
use serde::Deserialize;

use super::wire::{self, Reason, reason};

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

impl crate::settings::VendorSettings for BlipSettings {
    fn problems(&self) -> Vec<String> {
        Self::problems(self)
    }
    fn port(&self) -> Option<u16> {
        self.port
    }
    fn faults(&self) -> &[crate::fault::FaultRule] {
        &self.faults
    }
}
