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
pub mod delivery;
pub mod error;
pub mod fuzz;
pub mod rest;
pub mod settings;
pub mod store;
pub mod webhook;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use self::account::Smartsupp;
use self::error::SmartsuppError;
pub use self::settings::{HookSettings, HookStyle, SmartsuppSettings, WebhookSettings};
use crate::fake::{Action, Credential, Registration, Rejection, Vendor, VendorCtx};
use crate::settings::ConfigError;

/// How the harness builds fake Smartsupp.
pub const REGISTRATION: Registration = Registration {
    name: "smartsupp",
    default_port: 4715,
    settings: crate::settings::SettingsSpec::of::<SmartsuppSettings>("Fake Smartsupp."),
    build,
    fuzz: fuzz::PAYLOADS,
    control_paths: None,
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

impl Vendor for Smartsupp {
    fn check_signature(
        &self,
        headers: &crate::journal::Headers,
        body: &[u8],
    ) -> Option<crate::fake::SignatureCheck> {
        const SCHEME: &str = "x-smartsupp-hmac = hex(HMAC-SHA256(client secret, body))";
        let check = crate::fake::SignatureCheck::new;
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
        crate::fake::routes_list(&[
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
                return crate::fake::request_timeout(
                    SmartsuppError::BadRequest(crate::fake::TIMED_OUT.to_owned()).into_response(),
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
        assert_eq!(c.vendor::<SmartsuppSettings>().account_id, 9);
        assert_eq!(
            c.vendor::<SmartsuppSettings>().hook.style,
            HookStyle::HelpCenter
        );
        assert_eq!(c.vendor::<SmartsuppSettings>().webhooks.max_retries, 5);
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
