//! The `vendors.smartsupp` section of the config file: its settings, their defaults
//! and what makes them unusable.

use serde::Deserialize;

use super::{rest, wire};

/// Which edition of the documented hook payload the generator follows.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HookStyle {
    /// The developer documentation's example: `visitor.groupKey`, `from` is the
    /// visitor's key, the agent's numeric id or null, and messages carry `email`.
    #[default]
    Developers,
    /// The help-center article's example: `visitor.group`, `from` is
    /// `visitor:<key>`, `agent:<id>` or `system`, and messages have no `email`.
    HelpCenter,
}

/// Settings of fake Smartsupp (the `vendors.smartsupp` section of the config file).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SmartsuppSettings {
    /// Listening port (0: chosen by the OS).
    pub port: Option<u16>,
    /// Fault rules on this vendor's traffic (see the README's "Faults and time").
    pub faults: Vec<crate::fault::FaultRule>,
    /// The account's id (`accountId` in hooks, `account_id` as a string in webhooks).
    pub account_id: u64,
    /// The POST hook ("export to a 3rd-party system").
    pub hook: HookSettings,
    /// The REST webhooks.
    pub webhooks: WebhookSettings,
    /// The public REST API v2: tokens, rate limit, agents.
    pub api: rest::ApiSettings,
}

/// Where and how conversation exports are posted.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HookSettings {
    /// The URL Smartsupp posts to (set by Smartsupp's support on request); empty:
    /// every action must give `url`.
    pub url: String,
    /// Which documented edition of the payload to follow.
    pub style: HookStyle,
    /// Per-attempt timeout in milliseconds.
    pub timeout_ms: u64,
    /// Retries after a non-2xx or no answer: Smartsupp documents none (UNKNOWN).
    pub max_retries: u32,
    /// The wait before each retry, in milliseconds.
    pub retry_delay_ms: u64,
    /// The `User-Agent` sent (empty: none; Smartsupp's is UNKNOWN).
    pub user_agent: String,
}

/// Where and how webhook events are sent.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// The single URL every event goes to; empty: every action must give `url`.
    pub url: String,
    /// The app's client secret, the key of `X-Smartsupp-Hmac`.
    pub client_secret: String,
    /// The integration's `app_id` (9 letters and digits).
    pub app_id: String,
    /// The events subscribed to; empty: all.
    pub events: Vec<String>,
    /// Per-attempt timeout in milliseconds.
    pub timeout_ms: u64,
    /// Redeliveries after a reply other than 200 (count UNKNOWN).
    pub max_retries: u32,
    /// The wait before the first redelivery, in milliseconds (UNKNOWN).
    pub retry_delay_ms: u64,
    /// How much each wait grows.
    pub retry_factor: u32,
    /// The `User-Agent` sent (empty: none; Smartsupp's is UNKNOWN).
    pub user_agent: String,
}

impl Default for SmartsuppSettings {
    fn default() -> Self {
        Self {
            port: None,
            faults: Vec::new(),
            account_id: 208,
            hook: HookSettings::default(),
            webhooks: WebhookSettings::default(),
            api: rest::ApiSettings::default(),
        }
    }
}

impl Default for HookSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            style: HookStyle::Developers,
            timeout_ms: 10_000,
            max_retries: 0,
            retry_delay_ms: 60_000,
            user_agent: String::new(),
        }
    }
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            client_secret: "fakedesk0smartsupp0client0secret".to_owned(),
            app_id: "fakedesk0".to_owned(),
            events: Vec::new(),
            timeout_ms: 10_000,
            max_retries: 5,
            retry_delay_ms: 60_000,
            retry_factor: 2,
            user_agent: String::new(),
        }
    }
}

impl SmartsuppSettings {
    /// Problems that would make the fake unusable, each as one sentence.
    pub fn problems(&self) -> Vec<String> {
        let mut out = self.api.problems();
        if self.webhooks.client_secret.is_empty() {
            out.push("vendors.smartsupp.webhooks.client_secret: give a secret, webhooks are signed with it".to_owned());
        }
        if self.hook.timeout_ms == 0 || self.webhooks.timeout_ms == 0 {
            out.push(
                "vendors.smartsupp: hook.timeout_ms and webhooks.timeout_ms must be at least 1"
                    .to_owned(),
            );
        }
        for (i, e) in self.webhooks.events.iter().enumerate() {
            if !wire::DOCUMENTED_EVENTS.contains(&e.as_str())
                && !wire::THIRD_PARTY_EVENTS.contains(&e.as_str())
            {
                out.push(format!(
                    "vendors.smartsupp.webhooks.events[{i}]: unknown event `{e}` (known: {})",
                    wire::DOCUMENTED_EVENTS.join(", ")
                ));
            }
        }
        for (name, url) in [
            ("hook.url", &self.hook.url),
            ("webhooks.url", &self.webhooks.url),
        ] {
            // Scenario files are checked before `${sut.url}` and the like are filled in.
            let templated = url.starts_with("${");
            if !url.is_empty()
                && !templated
                && !url.starts_with("http://")
                && !url.starts_with("https://")
            {
                out.push(format!(
                    "vendors.smartsupp.{name}: `{url}` is not an http(s) URL"
                ));
            }
        }
        out
    }
}

impl crate::settings::VendorSettings for SmartsuppSettings {
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
