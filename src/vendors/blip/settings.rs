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
    /// The Desk's seeded teams and attendants.
    pub desk: DeskSettings,
    /// Throughput limits and the command deadline.
    pub limits: LimitSettings,
    /// Choices about the extensions' answers that Blip's docs leave open.
    pub extensions: ExtensionSettings,
}

/// The Desk's teams and attendants every bot starts with.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct DeskSettings {
    /// Team names (the settings' `team` is always one).
    pub teams: Vec<String>,
    /// Attendants.
    pub attendants: Vec<AttendantSeed>,
}

/// A seeded attendant.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttendantSeed {
    /// The agent's e-mail; the identity is `name%40domain@blip.ai`.
    pub email: String,
    /// Display name.
    #[serde(default)]
    pub full_name: Option<String>,
    /// Teams (default: the settings' `team`).
    #[serde(default)]
    pub teams: Vec<String>,
    /// `Online` (default), `Pause`, `Invisible` or `Offline`.
    #[serde(default)]
    pub status: Option<String>,
}

/// Blip's throughput limits (\[DOC\] concepts2/throughput.md: commands 48/s free,
/// 200/s paid) and its 504 for a command unanswered after 60 s.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// Commands a bot may send per second (0: no limit).
    pub commands_per_second: u32,
    /// Messages per second (0: no limit).
    pub messages_per_second: u32,
    /// Notifications per second (0: no limit).
    pub notifications_per_second: u32,
    /// The status over a limit. Vendor quirk: UNKNOWN; 429 by default.
    pub over_limit_status: u16,
    /// How long a command takes to answer, in milliseconds.
    pub command_latency_ms: u64,
    /// A command not answered within this many milliseconds gets 504.
    pub command_timeout_ms: u64,
}

/// Open choices in the extensions' answers.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ExtensionSettings {
    /// The UTC offset, in hours, of report days and event-track day counters
    /// (\[DOC\] examples bucket days at `T03:00:00.000Z`: -3).
    pub report_utc_offset_hours: i8,
    /// Event-track counters' `count` as a string (`"4"`, the doc example) instead
    /// of a number (the doc table and the C# SDK).
    pub event_count_as_string: bool,
    /// Answer an empty inbox poll with 404 and no body (lime-transport-http's
    /// test server) instead of `200 []`.
    pub empty_inbox_404: bool,
}

impl Default for DeskSettings {
    fn default() -> Self {
        Self {
            teams: vec!["Default".to_owned()],
            attendants: vec![AttendantSeed {
                email: "ana@example.com".to_owned(),
                full_name: Some("Ana".to_owned()),
                teams: vec!["Default".to_owned()],
                status: Some("Online".to_owned()),
            }],
        }
    }
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            commands_per_second: 0,
            messages_per_second: 0,
            notifications_per_second: 0,
            over_limit_status: 429,
            command_latency_ms: 0,
            command_timeout_ms: 60_000,
        }
    }
}

impl Default for ExtensionSettings {
    fn default() -> Self {
        Self {
            report_utc_offset_hours: -3,
            event_count_as_string: false,
            empty_inbox_404: false,
        }
    }
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
            desk: DeskSettings::default(),
            limits: LimitSettings::default(),
            extensions: ExtensionSettings::default(),
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
        out.extend(self.extension_problems());
        if a.timeout_ms == 0 {
            out.push("vendors.blip.attendance.timeout_ms must be at least 1".to_owned());
        }
        out
    }
}

impl BlipSettings {
    fn extension_problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (i, a) in self.desk.attendants.iter().enumerate() {
            if !a.email.contains('@') || a.email.contains(char::is_whitespace) {
                out.push(format!(
                    "vendors.blip.desk.attendants[{i}].email: `{}` is not an e-mail",
                    a.email
                ));
            }
            if let Some(s) = &a.status
                && !super::book::desk::ATTENDANT_STATUSES.contains(&s.as_str())
            {
                out.push(format!(
                    "vendors.blip.desk.attendants[{i}].status: `{s}` is not Online, Pause, Invisible or Offline"
                ));
            }
        }
        if axum::http::StatusCode::from_u16(self.limits.over_limit_status).is_err() {
            out.push("vendors.blip.limits.over_limit_status is not an HTTP status".to_owned());
        }
        if self.limits.command_timeout_ms == 0 {
            out.push("vendors.blip.limits.command_timeout_ms must be at least 1".to_owned());
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
