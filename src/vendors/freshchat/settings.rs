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
            agents: vec![
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
            ],
            bot_agent_id: BOT_ID.to_owned(),
            api_actor_id: ADMIN_ID.to_owned(),
            users: vec![UserSeed {
                id: "f5c4a000-0000-4000-8000-0000000000c1".to_owned(),
                email: Some("ana@example.com".to_owned()),
                first_name: Some("Ana".to_owned()),
                last_name: Some("Souza".to_owned()),
                reference_id: Some("ext-1".to_owned()),
                properties: Vec::new(),
            }],
            channels: vec![ChannelSeed {
                id: "f5c4a000-0000-4000-8000-0000000000d1".to_owned(),
                name: "Inbox".to_owned(),
            }],
            groups: vec![
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
            ],
            webhook: WebhookSettings::default(),
            private_key_pem: None,
            max_items_per_page: 100,
        }
    }
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
