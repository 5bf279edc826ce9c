//! The `vendors.freshchat` section of the config file: its settings, their defaults
//! and what makes them unusable.

use serde::Deserialize;

use super::webhook;
use super::wire::Property;

/// Settings of fake Freshchat (the `vendors.freshchat` section).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FreshchatSettings {
    /// Listening port (0: chosen by the OS).
    pub port: Option<u16>,
    /// Fault rules on this vendor's traffic (see the README's "Faults and time").
    pub faults: Vec<crate::fault::FaultRule>,
    /// The API token (`Authorization: Bearer <token>`).
    pub api_token: String,
    /// The account's APP ID.
    pub app_id: String,
    /// Agents; the bot is one of them.
    pub agents: Vec<AgentSeed>,
    /// The agent the bot answers as (printed as `FAKEDESK_FRESHCHAT_AGENT_ID`).
    pub bot_agent_id: String,
    /// The agent changes made through the API are reported as (UNKNOWN whom
    /// Freshchat names: the token belongs to an admin).
    pub api_actor_id: String,
    /// Customers.
    pub users: Vec<UserSeed>,
    /// Channels (topics); conversations go to the first unless told otherwise.
    pub channels: Vec<ChannelSeed>,
    /// Groups.
    pub groups: Vec<GroupSeed>,
    /// The webhook (Admin → Webhooks).
    pub webhook: WebhookSettings,
    /// The RSA private key webhooks are signed with, in PEM (PKCS#1 or PKCS#8);
    /// unset: an RSA-2048 key generated at start (once per process).
    pub private_key_pem: Option<String>,
    /// Most items per page of a list (UNVERIFIED: 100).
    pub max_items_per_page: usize,
    /// What a group's `agents` holds: `omit` (live-inferred data has no such key),
    /// `ids` or `objects` (the published schema) (UNKNOWN which is live).
    pub group_agents_mode: GroupAgentsMode,
    /// Whether `PATCH /agents/{id}` to `AVAILABLE` answers 409 for an agent who is
    /// not logged in (a real client reads 409 as "offline"; UNVERIFIED).
    pub agent_patch_offline_conflict: bool,
    /// The custom agent statuses of `GET /agents/status`.
    pub agent_statuses: Vec<NamedSeed>,
    /// The largest file `/files/upload` and `/images/upload` take (\[3P\] 25 MB).
    pub file_max_bytes: usize,
    /// The bytes of uploads kept at most; the oldest go first (their URLs then 404).
    pub uploads_max_total_bytes: usize,
    /// Whether `POST /csat/{id}` refuses a conversation that is not resolved.
    pub csat_requires_resolved: bool,
    /// The boolean's key in `GET /business-hours/within-bh` (UNKNOWN).
    pub within_bh_key: String,
    /// Business hours (UTC) of every group; unset: always within them.
    pub business_hours: Option<BusinessHours>,
    /// The status of `POST /reports/raw` (UNKNOWN: 200 or 202).
    pub reports_post_status: u16,
    /// How many polls of `GET /reports/raw/{id}` answer `PENDING` first.
    pub reports_pending_polls: u32,
    /// Extract jobs allowed per minute (\[3P\] 1); unset: no limit.
    pub extract_post_per_minute: Option<u32>,
    /// The status of `POST /outbound-messages/whatsapp` (UNKNOWN; clients take 2xx).
    pub outbound_send_status: u16,
    /// The approved WhatsApp template names; others end `Failed` (`OBM001`).
    pub whatsapp_templates: Vec<String>,
    /// The account's request budget (UNKNOWN for Freshchat); unset: no limit.
    pub rate_limit: Option<RateLimitSettings>,
    /// Where a multi-site account's `site_id` shows in API objects and webhooks
    /// (UNKNOWN: no captured payload has one).
    pub site_id_transport: SiteIdTransport,
    /// `GET /accounts/configuration`'s numbers and names.
    pub account: AccountSettings,
}

/// What a group's `agents` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupAgentsMode {
    /// No `agents` key (\[3P\] live-inferred connector schema).
    #[default]
    Omit,
    /// Agent ids.
    Ids,
    /// Agent objects (\[SCHEMA\] `group`).
    Objects,
}

/// Where `site_id` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SiteIdTransport {
    /// A `site_id` field on users, conversations and webhook messages and
    /// conversations, when the object has a site.
    #[default]
    Field,
    /// `{"name": "site_id", "value": ...}` in the user's `properties`.
    UserProperty,
    /// `properties.site_id` of the conversation (API and webhooks).
    ConversationProperty,
    /// Nowhere (as in every captured payload).
    None,
}

/// A fixed-window request budget.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Requests per window.
    pub limit: u32,
    /// The window in seconds (default 60).
    #[serde(default = "sixty")]
    pub window_secs: u32,
}

fn sixty() -> u32 {
    60
}

/// Opening hours, the same for every group.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// ISO weekdays open (1 Monday .. 7 Sunday).
    pub days: Vec<u8>,
    /// Opening hour (0..24, UTC).
    pub start_hour: u8,
    /// Closing hour (1..=24, UTC), exclusive.
    pub end_hour: u8,
}

/// `GET /accounts/configuration` values (formats UNKNOWN).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AccountSettings {
    /// `account_id` (a 16-digit number in captured URLs).
    pub account_id: u64,
    /// `account_domain`.
    pub account_domain: String,
    /// `organisation_id`.
    pub organisation_id: u64,
    /// `organisation_domain`.
    pub organisation_domain: String,
    /// `datacenter` (US, EUC, IND, AUS, ...).
    pub datacenter: String,
    /// `plan_type`.
    pub plan_type: String,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            account_id: 1_019_183_040_122_821,
            account_domain: "fakedesk.freshchat.com".to_owned(),
            organisation_id: 860_999_941_381_430_793,
            organisation_domain: "fakedesk.myfreshworks.com".to_owned(),
            datacenter: "US".to_owned(),
            plan_type: "PRO".to_owned(),
        }
    }
}

/// An id and a name (agent statuses).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedSeed {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
}

/// A seeded agent.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentSeed {
    /// UUID.
    pub id: String,
    /// Email.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
}

/// A seeded customer.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserSeed {
    /// UUID.
    pub id: String,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// The integrator's id.
    #[serde(default)]
    pub reference_id: Option<String>,
    /// `[{name, value}]`.
    #[serde(default)]
    pub properties: Vec<Property>,
    /// The site (Freshchat multi-site `siteId`) the customer came from.
    #[serde(default)]
    pub site_id: Option<String>,
}

/// A seeded channel (topic).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelSeed {
    /// UUID.
    pub id: String,
    /// Name.
    pub name: String,
}

/// A seeded group.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupSeed {
    /// UUID.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Agent ids.
    #[serde(default)]
    pub agents: Vec<String>,
}

/// How webhooks are sent (REFERENCE 3.8; the retry policy is UNKNOWN).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Whether webhooks are sent.
    pub enabled: bool,
    /// The account's one webhook URL; unset: fake Mammut's Freshchat channel
    /// (`${fakedesk.mammut.url}/channels/freshchat/`).
    pub url: Option<String>,
    /// The events sent (default all four).
    pub events: Vec<String>,
    /// `X-Freshchat-Payload-Version` (UNVERIFIED: `1`).
    pub payload_version: String,
    /// Per-attempt timeout in milliseconds.
    pub timeout_ms: u64,
    /// Retries after the first attempt (UNKNOWN).
    pub max_retries: u32,
    /// The wait before the first retry, in milliseconds (UNKNOWN).
    pub retry_base_delay_ms: u64,
    /// How much each wait grows (UNKNOWN).
    pub retry_factor: u32,
    /// `current` (the 2021/2022 samples) or `legacy2018` (`msg_parts`, \[DOC\]
    /// older revision of the payload article).
    pub payload_format: PayloadFormat,
}

/// The webhook payload format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PayloadFormat {
    /// `message_parts`, `interaction_id`, `status: reopened`.
    #[default]
    Current,
    /// `msg_parts`, no `interaction_id`, `status: reopen`.
    #[serde(rename = "legacy2018")]
    Legacy2018,
}

const ADMIN_ID: &str = "f5c4a000-0000-4000-8000-0000000000a1";
const BOT_ID: &str = "f5c4a000-0000-4000-8000-0000000000b0";

impl Default for FreshchatSettings {
    fn default() -> Self {
        Self {
            port: None,
            faults: Vec::new(),
            api_token: "eyJhbGciOiJSUzI1NiJ9.ZmFrZWRlc2stZnJlc2hjaGF0.fakedesk0freshchat0api0token"
                .to_owned(),
            app_id: "f5c4a000-0000-4000-8000-000000000001".to_owned(),
            agents: seed_agents(),
            bot_agent_id: BOT_ID.to_owned(),
            api_actor_id: ADMIN_ID.to_owned(),
            users: vec![UserSeed {
                id: "f5c4a000-0000-4000-8000-0000000000c1".to_owned(),
                email: Some("ana@example.com".to_owned()),
                first_name: Some("Ana".to_owned()),
                last_name: Some("Souza".to_owned()),
                reference_id: Some("ext-1".to_owned()),
                properties: Vec::new(),
                site_id: None,
            }],
            channels: vec![ChannelSeed {
                id: "f5c4a000-0000-4000-8000-0000000000d1".to_owned(),
                name: "Inbox".to_owned(),
            }],
            groups: seed_groups(),
            webhook: WebhookSettings::default(),
            private_key_pem: None,
            max_items_per_page: 100,
            group_agents_mode: GroupAgentsMode::Omit,
            agent_patch_offline_conflict: true,
            agent_statuses: seed_statuses(),
            file_max_bytes: 25 * 1024 * 1024,
            uploads_max_total_bytes: 64 * 1024 * 1024,
            csat_requires_resolved: true,
            within_bh_key: "within_business_hours".to_owned(),
            business_hours: None,
            reports_post_status: 202,
            reports_pending_polls: 1,
            extract_post_per_minute: None,
            outbound_send_status: 202,
            whatsapp_templates: vec!["hello_world".to_owned()],
            rate_limit: None,
            site_id_transport: SiteIdTransport::Field,
            account: AccountSettings::default(),
        }
    }
}

fn seed_agents() -> Vec<AgentSeed> {
    vec![
        AgentSeed {
            id: ADMIN_ID.to_owned(),
            email: "admin@fakedesk.test".to_owned(),
            first_name: "Ada".to_owned(),
            last_name: "Admin".to_owned(),
        },
        AgentSeed {
            id: BOT_ID.to_owned(),
            email: "bot@fakedesk.test".to_owned(),
            first_name: "Mammut".to_owned(),
            last_name: "Bot".to_owned(),
        },
    ]
}

fn seed_groups() -> Vec<GroupSeed> {
    vec![
        GroupSeed {
            id: "f5c4a000-0000-4000-8000-0000000000e1".to_owned(),
            name: "Mammut Bot Support team".to_owned(),
            description: "Conversations the bot could not answer".to_owned(),
            agents: vec![ADMIN_ID.to_owned()],
        },
        GroupSeed {
            id: "f5c4a000-0000-4000-8000-0000000000e2".to_owned(),
            name: "Sales".to_owned(),
            description: String::new(),
            agents: Vec::new(),
        },
    ]
}

fn seed_statuses() -> Vec<NamedSeed> {
    vec![
        NamedSeed {
            id: "8e75d1c0-0000-4000-8000-0000000000f1".to_owned(),
            name: "Tea break".to_owned(),
        },
        NamedSeed {
            id: "8e75d1c0-0000-4000-8000-0000000000f2".to_owned(),
            name: "In a meeting".to_owned(),
        },
    ]
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            url: None,
            events: webhook::EVENTS.iter().map(|e| (*e).to_owned()).collect(),
            payload_version: "1".to_owned(),
            timeout_ms: 10_000,
            max_retries: 3,
            retry_base_delay_ms: 1_000,
            retry_factor: 2,
            payload_format: PayloadFormat::Current,
        }
    }
}

impl FreshchatSettings {
    /// Problems that would make the fake unusable, each as one sentence.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let at = "vendors.freshchat";
        if self.api_token.trim().is_empty() || self.api_token.contains(char::is_whitespace) {
            out.push(format!("{at}.api_token: empty or has spaces"));
        }
        if !self.agents.iter().any(|a| a.id == self.bot_agent_id) {
            out.push(format!(
                "{at}.bot_agent_id: `{}` is not one of the agents",
                self.bot_agent_id
            ));
        }
        if !self.agents.iter().any(|a| a.id == self.api_actor_id) {
            out.push(format!(
                "{at}.api_actor_id: `{}` is not one of the agents",
                self.api_actor_id
            ));
        }
        if self.channels.is_empty() {
            out.push(format!("{at}.channels: give at least one channel"));
        }
        for e in &self.webhook.events {
            if !webhook::EVENTS.contains(&e.as_str()) {
                out.push(format!(
                    "{at}.webhook.events: unknown event `{e}` (known: {})",
                    webhook::EVENTS.join(", ")
                ));
            }
        }
        if self.webhook.timeout_ms == 0 {
            out.push(format!("{at}.webhook.timeout_ms must be at least 1"));
        }
        self.breadth_problems(at, &mut out);
        if self.max_items_per_page == 0 {
            out.push(format!("{at}.max_items_per_page must be at least 1"));
        }
        let mut ids: Vec<&str> = Vec::new();
        let all = self
            .agents
            .iter()
            .map(|a| &a.id)
            .chain(self.users.iter().map(|u| &u.id))
            .chain(self.channels.iter().map(|c| &c.id))
            .chain(self.groups.iter().map(|g| &g.id));
        for id in all {
            if ids.contains(&id.as_str()) {
                out.push(format!("{at}: id `{id}` is used twice"));
            }
            ids.push(id);
        }
        out
    }
}

impl FreshchatSettings {
    fn breadth_problems(&self, at: &str, out: &mut Vec<String>) {
        for (key, code) in [
            ("reports_post_status", self.reports_post_status),
            ("outbound_send_status", self.outbound_send_status),
        ] {
            if !(200..300).contains(&code) {
                out.push(format!("{at}.{key}: {code} is not a 2xx status"));
            }
        }
        if let Some(h) = &self.business_hours
            && (h.start_hour >= h.end_hour
                || h.end_hour > 24
                || h.days.iter().any(|d| !(1..=7).contains(d)))
        {
            out.push(format!(
                "{at}.business_hours: start_hour < end_hour <= 24 and days in 1..=7"
            ));
        }
        if self.rate_limit.as_ref().is_some_and(|r| r.limit == 0) {
            out.push(format!("{at}.rate_limit.limit must be at least 1"));
        }
    }
}

impl crate::settings::VendorSettings for FreshchatSettings {
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
