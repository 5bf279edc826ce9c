//! Fake Smartsupp: the POST hook that exports every finished chat, missed chat and
//! offline message, and the REST webhooks with `X-Smartsupp-Hmac` (REFERENCE
//! section 5), both pushed to the system under test; and the public REST API v2
//! ([`rest`]) that reads and changes the same conversations.
//!
//! Conversations come from the generator in [`store`], which derives every
//! statistic and flag from the messages; deliveries are built and signed by
//! [`webhook`] and sent from the control API's actions in [`api`].

pub mod account;
pub mod api;
pub mod chat;
pub mod error;
pub mod rest;
pub mod store;
pub mod webhook;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use self::account::Smartsupp;
use self::error::SmartsuppError;
use super::{Action, Credential, Registration, Rejection, Vendor, VendorCtx};
use crate::config::ConfigError;

/// How the harness builds fake Smartsupp.
pub const REGISTRATION: Registration = Registration {
    name: "smartsupp",
    default_port: 4715,
    build,
    actions: &[
        Action {
            name: "chat_finished",
            summary: "a chat ends: POST its conversation export to the hook URL; optional `visitor`, `agent`, `messages` (lines `{from: visitor|agent|trigger, text, after_ms, trigger}`), `rating`, `rating_desc`, `paths`, `closed_by`, `url`, `wait` (default true)",
        },
        Action {
            name: "chat_started",
            summary: "a visitor starts a chat that stays open for the REST API (arguments as `chat_finished`; agent lines make it served); its export goes to the hook when it is closed",
        },
        Action {
            name: "chat_missed",
            summary: "a visitor wrote and no agent answered: POST the export to the hook URL (arguments as `chat_finished`, no agent lines)",
        },
        Action {
            name: "offline_message",
            summary: "a visitor left an offline message: POST the export to the hook URL (arguments as `chat_finished`, no agent lines)",
        },
        Action {
            name: "hook",
            summary: "POST a given conversation export as it is: `payload` (the hook's JSON), optional `url`, `wait`",
        },
        Action {
            name: "webhook",
            summary: "send a signed `event_callback`: `event` (e.g. `conversation.closed`), optional `chat` (the id of a chat sent before; default the latest), `data` (merged over the generated data), `url`, `wait` (default true)",
        },
    ],
};

fn build(ctx: &VendorCtx) -> Result<Arc<dyn Vendor>, ConfigError> {
    Ok(Arc::new(Smartsupp::new(ctx.clone())))
}

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

impl Vendor for Smartsupp {
    fn check_signature(
        &self,
        headers: &crate::journal::Headers,
        body: &[u8],
    ) -> Option<super::SignatureCheck> {
        const SCHEME: &str = "x-smartsupp-hmac = hex(HMAC-SHA256(client secret, body))";
        let check = super::SignatureCheck::new;
        let expected = webhook::hmac_hex(&self.settings.webhooks.client_secret, body);
        Some(match headers.get(webhook::HMAC_HEADER) {
            // The hook (legacy export) is unsigned by design.
            None => check(
                SCHEME,
                false,
                "unsigned: Smartsupp signs webhooks, not the legacy hook",
            ),
            Some(sig) if sig.eq_ignore_ascii_case(&expected) => {
                check(SCHEME, true, "matches the configured client secret")
            }
            Some(_) => check(SCHEME, false, "does not match the configured client secret"),
        })
    }

    fn implemented(&self) -> Vec<(String, String)> {
        // The routes of `rest::routes`, in its order.
        super::routes_list(&[
            ("POST", "/v2/conversations/search"),
            ("GET", "/v2/conversations/{id}"),
            ("PATCH", "/v2/conversations/{id}"),
            ("DELETE", "/v2/conversations/{id}"),
            ("GET", "/v2/conversations/{id}/messages"),
            ("POST", "/v2/conversations/{id}/messages"),
            ("PATCH", "/v2/conversations/{id}/close"),
            ("PATCH", "/v2/conversations/{id}/assign"),
            ("PATCH", "/v2/conversations/{id}/unassign"),
            ("PATCH", "/v2/conversations/{id}/join"),
            ("PATCH", "/v2/conversations/{id}/leave"),
            ("PATCH", "/v2/conversations/{id}/read"),
            ("POST", "/v2/contacts"),
            ("POST", "/v2/contacts/search"),
            ("GET", "/v2/contacts/{id}"),
            ("PATCH", "/v2/contacts/{id}"),
            ("PATCH", "/v2/contacts/{id}/ban"),
            ("PATCH", "/v2/contacts/{id}/unban"),
            ("GET", "/v2/agents"),
            ("GET", "/v2/agents/{id}"),
            ("GET", "/v2/visitors/{id}"),
        ])
    }

    fn name(&self) -> &'static str {
        REGISTRATION.name
    }

    fn router(self: Arc<Self>) -> Router {
        api::routes()
            .with_state(self.clone())
            .layer(axum::middleware::from_fn_with_state(self, rest::gate))
    }

    fn state(&self) -> Value {
        let store = self.store();
        json!({
            "account_id": self.settings.account_id,
            "chats": store.chats,
            "hooks": store.hooks,
            "webhooks": store.webhooks,
            "rest": store.rest.to_json(),
        })
    }

    fn reset(&self) {
        *self.store() = account::seeded(&self.ctx);
    }

    fn error_reply(&self, status: axum::http::StatusCode) -> Response {
        error::for_status(status)
    }

    fn reject(&self, rejection: Rejection) -> Response {
        match rejection {
            Rejection::TimedOut => {
                return super::request_timeout(
                    SmartsuppError::BadRequest(super::TIMED_OUT.to_owned()).into_response(),
                );
            }
            Rejection::BodyTooLarge(limit) => SmartsuppError::PayloadTooLarge(limit),
            Rejection::BodyUnreadable => {
                SmartsuppError::BadRequest("Unable to read request body".to_owned())
            }
        }
        .into_response()
    }

    fn seeded_authorization(&self) -> Option<String> {
        self.settings
            .api
            .tokens
            .first()
            .map(|t| format!("Bearer {t}"))
    }

    fn credentials(&self) -> Vec<Credential> {
        vec![
            Credential {
                key: "TOKEN",
                value: self
                    .settings
                    .api
                    .tokens
                    .first()
                    .cloned()
                    .unwrap_or_default(),
            },
            Credential {
                key: "CLIENT_SECRET",
                value: self.settings.webhooks.client_secret.clone(),
            },
            Credential {
                key: "APP_ID",
                value: self.settings.webhooks.app_id.clone(),
            },
        ]
    }

    fn control(self: Arc<Self>) -> Option<Router> {
        Some(api::control_routes().with_state(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FileConfig, Overrides, RunConfig, parse};
    use std::path::Path;

    #[test]
    fn smartsupp_listens_on_4715_and_reads_its_config_section() {
        let c = RunConfig::build(FileConfig::default(), &Overrides::default()).unwrap();
        assert_eq!(c.ports["smartsupp"], 4715);
        let file = parse(
            Path::new("c.yaml"),
            "vendors:\n  smartsupp:\n    account_id: 9\n    hook:\n      url: http://127.0.0.1:1/h\n      style: help_center\n    webhooks:\n      client_secret: s\n      events: [conversation.closed]\n",
        )
        .unwrap();
        let c = RunConfig::build(file, &Overrides::default()).unwrap();
        assert_eq!(c.smartsupp.account_id, 9);
        assert_eq!(c.smartsupp.hook.style, HookStyle::HelpCenter);
        assert_eq!(c.smartsupp.webhooks.max_retries, 5);
    }

    #[test]
    fn bad_settings_are_named() {
        assert!(SmartsuppSettings::default().problems().is_empty());
        let mut s = SmartsuppSettings::default();
        s.webhooks.events.push("conversation.exploded".to_owned());
        s.hook.url = "127.0.0.1:8080/hook".to_owned();
        let p = s.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("conversation.exploded"));
        assert!(p[1].contains("hook.url"));
    }
}
