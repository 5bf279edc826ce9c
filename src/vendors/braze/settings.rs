//! The `vendors.braze` section of the config file: its settings, their defaults
//! and what makes them unusable.

use serde::Deserialize;

use super::endpoints;
use super::records::{SubscriptionGroup, TransactionalSettings, default_groups};
use super::webhook::Campaign;

/// The permissions every REST API key has unless configured otherwise.
pub const DEFAULT_PERMISSIONS: &[&str] = &["users.track", "users.export.ids"];

/// Settings of fake Braze (the `vendors.braze` section of the config file).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BrazeSettings {
    /// Listening port (0: chosen by the OS).
    pub port: Option<u16>,
    /// Fault rules on this vendor's traffic (see the README's "Faults and time").
    pub faults: Vec<crate::fault::FaultRule>,
    /// REST API keys; the first is the one `serve` prints.
    pub api_keys: Vec<ApiKey>,
    /// Request budgets per endpoint.
    pub rate_limit: RateLimitSettings,
    /// Most objects per array of `/users/track` (\[DOC\] 75).
    pub max_objects_per_array: usize,
    /// Most `external_ids` plus `user_aliases` per `/users/export/ids` (\[DOC\] 50).
    pub max_export_ids: usize,
    /// The texts of fatal errors whose exact wording is not known.
    pub messages: Messages,
    /// How campaign webhooks are delivered.
    pub webhooks: WebhookSettings,
    /// Webhook campaigns that exist from the start (API-triggered ones too).
    pub campaigns: Vec<Campaign>,
    /// API-triggered Canvases that exist from the start, each one webhook step.
    pub canvases: Vec<Campaign>,
    /// The workspace's subscription groups (default: one email, one SMS group).
    pub subscription_groups: Vec<SubscriptionGroup>,
    /// Transactional email: campaigns, the postback URL, the answer's status.
    pub transactional: TransactionalSettings,
}

/// A REST API key and what it may call.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    /// The key (Braze's are UUID-shaped).
    pub key: String,
    /// Permissions such as `users.track`, `users.export.ids`.
    #[serde(default = "default_permissions")]
    pub permissions: Vec<String>,
}

fn default_permissions() -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in DEFAULT_PERMISSIONS
        .iter()
        .copied()
        .chain(endpoints::permissions())
    {
        if !out.iter().any(|x| x == p) {
            out.push(p.to_owned());
        }
    }
    out
}

/// The budgets of Braze's rate limits (\[DOC\] api_limits.md).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    /// Off: no 429s (the headers are still sent, with the full budget).
    pub enabled: bool,
    /// `/users/track`: 3,000 per 3 s (older docs: 50,000 per minute).
    pub users_track: Budget,
    /// `/users/export/ids`: 250 per minute (workspaces since August 2024).
    pub users_export_ids: Budget,
    /// Every other path: 250,000 per hour.
    pub other: Budget,
    /// `/users/delete`, `/identify`, `/alias/*`, `/merge`: 20,000 per minute, shared.
    pub user_data: Budget,
    /// `/users/external_ids/rename` and `/remove`: 1,000 per minute.
    pub external_ids: Budget,
    /// `/users/track/sync`: 500 per minute.
    pub users_track_sync: Budget,
    /// `/events/list` and `/purchases/product_list`: 1,000 per hour, shared.
    pub events_list: Budget,
    /// `/sends/id/create`: 100 per day.
    pub sends_id_create: Budget,
    /// `/subscription/status/set` and `/v2/subscription/status/set`: 5,000 per
    /// minute, shared.
    pub subscription_set: Budget,
    /// `/campaigns/data_series`: 50,000 per minute.
    pub data_series: Budget,
    /// Catalogs and single catalog items: 50 per minute (captured).
    pub catalogs: Budget,
    /// Catalog item lists and writes of many items: 16,000 per minute (captured).
    pub catalog_items: Budget,
    /// Preference center creates and updates: 10 per minute (DOC).
    pub preference_center_writes: Budget,
    /// Preference center lists, details and URLs: 1,000 per minute (DOC).
    pub preference_center_reads: Budget,
}

/// `requests` per window of `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window's length in seconds (windows are aligned to the epoch).
    pub window_secs: u32,
}

/// Texts of fatal errors whose exact wording is UNVERIFIED. `{key}` is replaced
/// by the key the client sent and `{permission}` by the one it lacks.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Messages {
    /// The 401's message (REFERENCE 2.2: `Invalid API key: <key>`).
    pub invalid_api_key: String,
    /// The 403's message when the key lacks the endpoint's permission.
    pub forbidden: String,
    /// The 429's message.
    pub rate_limited: String,
}

/// How campaign webhooks are delivered (\[DOC\] REFERENCE 2.4).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Per-attempt timeout in milliseconds (Braze: 90 s).
    pub timeout_ms: u64,
    /// Retries after the first attempt (Braze: up to 5).
    pub max_retries: u32,
    /// The wait before the first retry, in milliseconds.
    pub retry_base_delay_ms: u64,
    /// How much each wait grows (60 s doubling: 5 retries within about 31 minutes).
    pub retry_factor: u32,
    /// The `User-Agent` Braze adds (empty: none).
    pub user_agent: String,
}

impl Default for BrazeSettings {
    fn default() -> Self {
        Self {
            port: None,
            faults: Vec::new(),
            api_keys: vec![ApiKey {
                key: "fa4ede5c-b4a2-e000-0000-000000000000".to_owned(),
                permissions: default_permissions(),
            }],
            rate_limit: RateLimitSettings::default(),
            max_objects_per_array: 75,
            max_export_ids: 50,
            messages: Messages::default(),
            webhooks: WebhookSettings::default(),
            campaigns: Vec::new(),
            canvases: Vec::new(),
            subscription_groups: default_groups(),
            transactional: TransactionalSettings::default(),
        }
    }
}

/// `requests` per `window_secs`.
const fn budget(requests: u32, window_secs: u32) -> Budget {
    Budget {
        requests,
        window_secs,
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            users_track: budget(3_000, 3),
            users_export_ids: budget(250, 60),
            other: budget(250_000, 3_600),
            user_data: budget(20_000, 60),
            external_ids: budget(1_000, 60),
            users_track_sync: budget(500, 60),
            events_list: budget(1_000, 3_600),
            sends_id_create: budget(100, 86_400),
            subscription_set: budget(5_000, 60),
            data_series: budget(50_000, 60),
            catalogs: budget(50, 60),
            catalog_items: budget(16_000, 60),
            preference_center_writes: budget(10, 60),
            preference_center_reads: budget(1_000, 60),
        }
    }
}

impl Default for Messages {
    fn default() -> Self {
        Self {
            invalid_api_key: "Invalid API key: {key}".to_owned(),
            forbidden: "Forbidden: the API key does not have the '{permission}' permission"
                .to_owned(),
            rate_limited: "Rate Limit Exceeded".to_owned(),
        }
    }
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout_ms: 90_000,
            max_retries: 5,
            retry_base_delay_ms: 60_000,
            retry_factor: 2,
            user_agent: "Braze Sender 5a3e1b2c9d".to_owned(),
        }
    }
}

impl RateLimitSettings {
    /// Budgets that allow nothing.
    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let budgets = [
            ("users_track", self.users_track),
            ("users_export_ids", self.users_export_ids),
            ("other", self.other),
            ("user_data", self.user_data),
            ("external_ids", self.external_ids),
            ("users_track_sync", self.users_track_sync),
            ("events_list", self.events_list),
            ("sends_id_create", self.sends_id_create),
            ("subscription_set", self.subscription_set),
            ("data_series", self.data_series),
        ];
        for (name, b) in budgets {
            if b.requests == 0 || b.window_secs == 0 {
                out.push(format!("vendors.braze.rate_limit.{name}: requests and window_secs must be at least 1 (set enabled: false to switch limits off)"));
            }
        }
        out
    }
}

impl BrazeSettings {
    /// Problems that would make the fake unusable, each as one sentence. (Campaign
    /// templates are checked when the vendor is built, with the shared parser.)
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.api_keys.is_empty() {
            out.push(
                "vendors.braze.api_keys: give at least one key so clients can call the API"
                    .to_owned(),
            );
        }
        for (i, k) in self.api_keys.iter().enumerate() {
            if k.key.trim().is_empty() || k.key.contains(char::is_whitespace) {
                out.push(format!(
                    "vendors.braze.api_keys[{i}].key: `{}` is empty or has spaces",
                    k.key
                ));
            }
            if self.api_keys[..i].iter().any(|o| o.key == k.key) {
                out.push(format!(
                    "vendors.braze.api_keys[{i}].key: `{}` is listed twice",
                    k.key
                ));
            }
        }
        out.extend(self.rate_limit.problems());
        if self.max_objects_per_array == 0 || self.max_export_ids == 0 {
            out.push(
                "vendors.braze: max_objects_per_array and max_export_ids must be at least 1"
                    .to_owned(),
            );
        }
        if self.webhooks.timeout_ms == 0 {
            out.push("vendors.braze.webhooks.timeout_ms must be at least 1".to_owned());
        }
        let mut ids: Vec<&str> = Vec::new();
        for (i, c) in self.campaigns.iter().enumerate() {
            if !c.id.is_empty() {
                if ids.contains(&c.id.as_str()) {
                    out.push(format!(
                        "vendors.braze.campaigns[{i}].id: `{}` is used twice",
                        c.id
                    ));
                }
                ids.push(&c.id);
            }
        }
        out
    }
}

impl crate::settings::VendorSettings for BrazeSettings {
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
