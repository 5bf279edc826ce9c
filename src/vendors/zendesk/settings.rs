//! The `vendors.zendesk` section of the config file: its settings, their defaults
//! and what makes them unusable.

pub use super::hook_delivery::WebhookSettings;
use serde::Deserialize;

use super::store::Store;
use super::wire::{self, Role, UnknownFields};
use super::{burst, export, resource};

/// Settings of fake Zendesk (the `vendors.zendesk` section of the config file).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ZendeskSettings {
    /// Listening port (0: chosen by the OS).
    pub port: Option<u16>,
    /// The account's subdomain, used where Zendesk names its own host.
    pub subdomain: String,
    /// The account id (`x-zendesk-account-id`, job results).
    pub account_id: u64,
    /// The brand every ticket gets.
    pub brand_id: u64,
    /// The ticket form every ticket gets.
    pub ticket_form_id: u64,
    /// The first ticket id (ticket ids are the account's sequential "nice ids").
    pub first_ticket_id: u64,
    /// The account's per-minute request budget.
    pub rate_limit: RateLimitSettings,
    /// What to do with ticket and user keys Zendesk does not know.
    pub unknown_fields: UnknownFields,
    /// Zendesk's "auto assign tickets upon solve" admin setting.
    pub auto_assign_on_solve: bool,
    /// Zendesk's "admins can set passwords" security setting (Settings >
    /// Security > Global), off by default: `POST /users/{id}/password` is
    /// refused while it is off.
    pub admins_set_passwords: bool,
    /// Whether a ticket's `organization_id`, `group_id`, `brand_id`,
    /// `ticket_form_id` and `custom_fields` must name real records, and its assignee
    /// belong to its group (422 otherwise), as Zendesk enforces. Off: any ids pass.
    pub check_references: bool,
    /// Seeded users; the first is the default caller shown at start.
    pub users: Vec<SeedUser>,
    /// How webhook deliveries behave.
    pub webhooks: WebhookSettings,
    /// How automations run on the clock.
    pub automations: super::automations::AutomationSettings,
    /// Hours after which the default automation closes a solved ticket (Zendesk: 96,
    /// that is 4 days; 0 turns the automation off).
    pub close_solved_after_hours: u64,
    /// Fault rules on this vendor's traffic (see the README's "Faults and time").
    pub faults: Vec<crate::fault::FaultRule>,
    /// Webhooks that exist from the start, each as the Webhooks API's `webhook`
    /// object (`name`, `endpoint`, `http_method`, `request_format`, `subscriptions`,
    /// `authentication`, and `signing_secret: {secret: ...}` to fix the secret): where
    /// Zendesk pushes to, without API calls.
    #[schemars(with = "Vec<serde_json::Map<String, serde_json::Value>>")]
    pub seed_webhooks: Vec<serde_json::Value>,
    /// Triggers that exist from the start, each as the Triggers API's `trigger`
    /// object; a `notification_webhook` action may name a seeded webhook by its name.
    #[schemars(with = "Vec<serde_json::Map<String, serde_json::Value>>")]
    pub seed_triggers: Vec<serde_json::Value>,
    /// How the incremental exports behave.
    pub incremental: export::IncrementalSettings,
    /// The per-ticket update limits (429 beyond them).
    pub ticket_update_limits: burst::UpdateLimits,
    /// Records that exist from the start, by resource (`organizations`,
    /// `organization_memberships`, `groups`, `group_memberships`, `ticket_fields`,
    /// `brands`, `macros`, `views`, ...), each as that API's object: created as
    /// through the API, resource by resource in the order the README lists them.
    #[schemars(
        with = "std::collections::BTreeMap<String, Vec<serde_json::Map<String, serde_json::Value>>>"
    )]
    pub seed_records: std::collections::BTreeMap<String, Vec<serde_json::Value>>,
    /// Account settings to change from the defaults, as the `settings` object of
    /// `GET /api/v2/account/settings` (merged key by key).
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub account_settings: serde_json::Map<String, serde_json::Value>,
}

/// A per-minute request budget.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    /// Off: no 429s (the headers are still sent, with the full budget).
    pub enabled: bool,
    /// Requests per minute (Zendesk Enterprise: 700).
    pub per_minute: u32,
    /// The list-tickets endpoint's own budget per minute (captured: 100).
    pub tickets_index_per_minute: u32,
}

/// A user that exists from the start, with its credentials.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    /// Display name.
    pub name: String,
    /// Email (the login).
    pub email: String,
    /// `end-user`, `agent` or `admin`.
    #[serde(default = "admin")]
    pub role: Role,
    /// API token (`email/token:TOKEN`).
    pub token: Option<String>,
    /// Password (`email:password`).
    pub password: Option<String>,
    /// OAuth access token (`Bearer`).
    pub oauth_token: Option<String>,
    /// External id.
    pub external_id: Option<String>,
}

fn admin() -> Role {
    Role::Admin
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            per_minute: 700,
            tickets_index_per_minute: 100,
        }
    }
}

impl Default for ZendeskSettings {
    fn default() -> Self {
        Self {
            port: None,
            subdomain: "fakedesk".to_owned(),
            account_id: 18_525_119,
            brand_id: 360_002_256_672,
            ticket_form_id: 360_000_389_592,
            first_ticket_id: 1,
            rate_limit: RateLimitSettings::default(),
            unknown_fields: UnknownFields::default(),
            auto_assign_on_solve: false,
            admins_set_passwords: false,
            check_references: true,
            webhooks: WebhookSettings::default(),
            automations: super::automations::AutomationSettings::default(),
            close_solved_after_hours: 96,
            faults: Vec::new(),
            seed_webhooks: Vec::new(),
            seed_triggers: Vec::new(),
            incremental: export::IncrementalSettings::default(),
            ticket_update_limits: burst::UpdateLimits::default(),
            seed_records: Default::default(),
            account_settings: Default::default(),
            users: vec![SeedUser {
                name: "Fakedesk Admin".to_owned(),
                email: "admin@fakedesk.test".to_owned(),
                role: Role::Admin,
                token: Some("fakedesk0zendesk0api0token0000000000000".to_owned()),
                password: Some("fakedesk-password".to_owned()),
                oauth_token: Some("fakedesk-zendesk-oauth-token".to_owned()),
                external_id: None,
            }],
        }
    }
}

impl ZendeskSettings {
    /// Problems that would make the fake unusable, each as one sentence.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let first_works = self
            .users
            .first()
            .is_some_and(|u| u.token.is_some() || u.password.is_some() || u.oauth_token.is_some());
        if !first_works {
            out.push("vendors.zendesk.users: the first user needs a token, password or oauth_token so clients can sign in".to_owned());
        }
        for (i, u) in self.users.iter().enumerate() {
            if !wire::looks_like_email(&u.email) {
                out.push(format!(
                    "vendors.zendesk.users[{i}].email: `{}` is not an email address",
                    u.email
                ));
            }
            if self.users[..i]
                .iter()
                .any(|o| o.email.eq_ignore_ascii_case(&u.email))
            {
                out.push(format!(
                    "vendors.zendesk.users[{i}].email: `{}` is used twice",
                    u.email
                ));
            }
        }
        if self.rate_limit.per_minute == 0 || self.rate_limit.tickets_index_per_minute == 0 {
            out.push("vendors.zendesk.rate_limit: budgets must be at least 1 (set enabled: false to switch limits off)".to_owned());
        }
        if self.incremental.per_minute == 0 {
            out.push("vendors.zendesk.incremental.per_minute must be at least 1".to_owned());
        }
        if axum::http::StatusCode::from_u16(self.incremental.too_recent_status).is_err() {
            out.push(
                "vendors.zendesk.incremental.too_recent_status is not an HTTP status".to_owned(),
            );
        }
        if self.webhooks.timeout_ms == 0 {
            out.push("vendors.zendesk.webhooks.timeout_ms must be at least 1".to_owned());
        }
        if self.first_ticket_id == 0 {
            out.push("vendors.zendesk.first_ticket_id: ticket ids start at 1 or more".to_owned());
        }
        if !self.seed_webhooks.is_empty() || !self.seed_triggers.is_empty() {
            let bare = Self {
                seed_webhooks: Vec::new(),
                seed_triggers: Vec::new(),
                ..self.clone()
            };
            let now = time::OffsetDateTime::UNIX_EPOCH;
            out.extend(Store::seeded(&bare, 0, now).seed_hooks(self, now));
        }
        if !self.seed_records.is_empty() {
            out.extend(resource::seed_problems(self));
        }
        out
    }
}

impl crate::settings::VendorSettings for ZendeskSettings {
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
