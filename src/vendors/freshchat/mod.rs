//! Fake Freshchat: the REST API v2 (REFERENCE 3.1 to 3.7) and RSA-signed webhooks
//! (REFERENCE 3.8).
//!
//! Requests pass, outermost first: the harness's record layer, then `gate` (the
//! bearer API token), then the routes in [`api`], served under both `/v2` and
//! `/api/v2`. State lives in [`store`], free of I/O; every change there produces
//! webhook events, which [`Freshchat::flush`] signs and queues. One worker per
//! account sends the queue in order, with [`webhook::FreshchatRetry`].

pub mod account;
pub mod account_api;
pub mod agents_api;
pub mod api;
pub mod conversation;
pub mod csat;
pub mod error;
pub mod fields;
pub mod for_mammut;
pub mod fuzz;
pub mod legacy;
pub mod metrics;
pub mod outbound;
pub mod records;
pub mod reports;
pub mod routes;
pub mod settings;
pub mod store;
pub mod uploads;
pub mod webhook;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use self::account::Freshchat;
use self::error::FreshchatError;
use self::for_mammut::PUBLIC_KEY_PEER;
pub use self::settings::{
    AgentSeed, ChannelSeed, FreshchatSettings, GroupSeed, UserSeed, WebhookSettings,
};
use self::store::Store;
use self::webhook::SigningKey;
use crate::fake::{Action, Credential, Registration, Rejection, Vendor, VendorCtx};
use crate::settings::ConfigError;

/// How the harness builds fake Freshchat.
pub const REGISTRATION: Registration = Registration {
    name: "freshchat",
    default_port: 4713,
    settings: crate::settings::SettingsSpec::of::<FreshchatSettings>("Fake Freshchat."),
    build,
    fuzz: fuzz::PAYLOADS,
    control_paths: Some(include_str!("control.openapi.json")),
    actions: &[
        Action {
            name: "user_message",
            summary: "a customer writes: `text` (or `message_parts`), optional `conversation_id` (default: a new conversation), `user_id`, `channel_id`; fires `message_create` (and `conversation_reopen` on a resolved one) and waits for the webhooks unless `wait: false`",
        },
        Action {
            name: "agent_message",
            summary: "an agent writes from the inbox: `conversation_id`, `text` (or `message_parts`), optional `agent_id`, `private`; fires `message_create`",
        },
        Action {
            name: "assign",
            summary: "an agent assigns a conversation: `conversation_id`, `agent_id` and/or `group_id` (or `group` by name), optional `by` (the assigning agent); fires `conversation_assignment`",
        },
        Action {
            name: "resolve",
            summary: "an agent resolves a conversation: `conversation_id`, optional `by`; fires `conversation_resolution`",
        },
        Action {
            name: "reopen",
            summary: "an agent reopens a conversation: `conversation_id`, optional `by`; fires `conversation_reopen`",
        },
        Action {
            name: "webhook",
            summary: "Admin → Webhooks: `url` (the account's one webhook URL) and/or `enabled`",
        },
    ],
};

fn build(ctx: &VendorCtx) -> Result<Arc<dyn Vendor>, ConfigError> {
    let s = &ctx.config.vendor::<FreshchatSettings>();
    let key = match &s.private_key_pem {
        Some(pem) => {
            let key = SigningKey::from_pem(pem).map_err(|e| {
                ConfigError::Invalid(vec![format!("vendors.freshchat.private_key_pem: {e}")])
            })?;
            ctx.peers.publish(PUBLIC_KEY_PEER, key.public_pem());
            Some(key)
        }
        None => {
            // Generating an RSA key takes tens of milliseconds: do it beside binding
            // and serving, so start-up stays fast; whoever needs the key first waits.
            let peers = ctx.peers.clone();
            std::thread::spawn(move || {
                peers.publish(PUBLIC_KEY_PEER, SigningKey::shared().public_pem());
            });
            None
        }
    };
    Ok(Arc::new(Freshchat::new(ctx.clone(), key)))
}

/// The path of fake Mammut's Freshchat channel, where webhooks go by default.
pub const MAMMUT_CHANNEL_PATH: &str = "/channels/freshchat/";

impl Vendor for Freshchat {
    fn check_signature(
        &self,
        headers: &crate::journal::Headers,
        body: &[u8],
    ) -> Option<crate::fake::SignatureCheck> {
        const SCHEME: &str = "x-freshchat-signature = base64(RSA PKCS#1 v1.5 SHA-256 of the body)";
        let check = crate::fake::SignatureCheck::new;
        Some(match headers.get(webhook::SIGNATURE.as_str()) {
            None => check(SCHEME, false, "no x-freshchat-signature header"),
            Some(sig) if webhook::verify(&self.key().public_pem(), body, sig) => check(
                SCHEME,
                true,
                "verifies with the fake's public key (GET /freshchat/public-key)",
            ),
            Some(_) => check(SCHEME, false, "does not verify with the fake's public key"),
        })
    }

    fn name(&self) -> &'static str {
        REGISTRATION.name
    }

    fn router(self: Arc<Self>) -> Router {
        Router::new()
            .nest("/v2", routes::routes())
            .nest("/api/v2", routes::routes())
            .merge(routes::public())
            .fallback(api::no_route)
            .with_state(self.clone())
            .layer(axum::middleware::from_fn_with_state(self, gate))
    }

    fn state(&self) -> Value {
        let store = self.store();
        json!({
            "app_id": store.app_id,
            "users": store.users,
            "agents": store.agents,
            "groups": store.groups,
            "channels": store.channels,
            "conversations": store.conversations,
            "webhook": {"url": store.webhook_url, "enabled": store.webhook_enabled},
            "deliveries": store.deliveries,
            "uploads": store.uploads,
            "csat": store.csat,
            "reports": store.reports,
            "outbound_messages": store.outbound,
            "activity": store.activity,
        })
    }

    fn reset(&self) {
        *self.store() = Store::seeded(&self.settings, self.ctx.config.seed);
    }

    fn error_reply(&self, status: axum::http::StatusCode) -> Response {
        error::for_status(status)
    }

    fn reject(&self, rejection: Rejection) -> Response {
        match rejection {
            Rejection::TimedOut => {
                return crate::fake::request_timeout(
                    FreshchatError::BadRequest(crate::fake::TIMED_OUT.to_owned()).into_response(),
                );
            }
            Rejection::BodyTooLarge(limit) => FreshchatError::PayloadTooLarge(limit),
            Rejection::BodyUnreadable => {
                FreshchatError::BadRequest("Unable to read the request body".to_owned())
            }
        }
        .into_response()
    }

    fn implemented(&self) -> Vec<(String, String)> {
        // The REST API is served under `/v2` and `/api/v2`.
        let api = ["/v2", "/api/v2"].iter().flat_map(|prefix| {
            routes::OPERATIONS
                .iter()
                .map(move |(m, p)| (m.to_uppercase(), format!("{prefix}{p}")))
        });
        let public = routes::PUBLIC
            .iter()
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()));
        api.chain(public).collect()
    }

    fn credentials(&self) -> Vec<Credential> {
        let s = &self.settings;
        let first = |v: Option<&String>| v.cloned().unwrap_or_default();
        vec![
            Credential {
                key: "TOKEN",
                value: s.api_token.clone(),
            },
            Credential {
                key: "APP_ID",
                value: s.app_id.clone(),
            },
            Credential {
                key: "AGENT_ID",
                value: s.bot_agent_id.clone(),
            },
            Credential {
                key: "USER_ID",
                value: first(s.users.first().map(|u| &u.id)),
            },
            Credential {
                key: "CHANNEL_ID",
                value: first(s.channels.first().map(|c| &c.id)),
            },
            Credential {
                key: "GROUP_ID",
                value: first(s.groups.first().map(|g| &g.id)),
            },
        ]
    }

    fn control(self: Arc<Self>) -> Option<Router> {
        Some(api::control_routes().with_state(self))
    }

    fn seeded_authorization(&self) -> Option<String> {
        Some(format!("Bearer {}", self.settings.api_token))
    }

    fn notes(&self) -> Vec<String> {
        vec![format!(
            "freshchat webhook public key (also GET /freshchat/public-key on the control port):\n{}",
            self.key().public_pem().trim_end()
        )]
    }
}

/// The API token: `Authorization: Bearer <token>` (\[DOC\]), else 401; then the
/// account's request budget, when one is set (429 with `Retry-After` and
/// `X-RateLimit-*`, UNVERIFIED names). Uploaded files and extracts need no token.
async fn gate(State(f): State<Arc<Freshchat>>, req: Request, next: Next) -> Response {
    if routes::is_public(req.uri().path()) {
        return next.run(req).await;
    }
    let ok = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.trim().split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("bearer") && token.trim() == f.settings.api_token
        });
    if !ok {
        return FreshchatError::Unauthorized.into_response();
    }
    let decision = f
        .budget
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .as_mut()
        .map(|w| w.hit(f.now()));
    let Some(d) = decision else {
        return next.run(req).await;
    };
    let mut res = if d.allowed {
        next.run(req).await
    } else {
        FreshchatError::TooManyRequests.into_response()
    };
    let h = res.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", d.limit),
        ("x-ratelimit-remaining", d.remaining),
        ("x-ratelimit-reset", d.reset_secs),
    ] {
        h.insert(name, axum::http::HeaderValue::from(value));
    }
    if !d.allowed {
        h.insert(
            header::RETRY_AFTER,
            axum::http::HeaderValue::from(d.reset_secs),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FileConfig, Overrides, RunConfig, parse};
    use std::path::Path;

    #[test]
    fn default_settings_have_no_problems_and_bad_ones_are_named() {
        assert!(FreshchatSettings::default().problems().is_empty());
        let mut s = FreshchatSettings {
            bot_agent_id: "nobody".to_owned(),
            ..FreshchatSettings::default()
        };
        s.webhook.events.push("ticket_created".to_owned());
        let problems = s.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("bot_agent_id"));
        assert!(problems[1].contains("ticket_created"));
    }

    #[test]
    fn freshchat_listens_on_4713_by_default_and_reads_its_config_section() {
        let c = RunConfig::build(FileConfig::default(), &Overrides::default()).unwrap();
        assert_eq!((c.ports["freshchat"], c.ports["mammut"]), (4713, 4714));
        let file = parse(
            Path::new("c.yaml"),
            "vendors:\n  freshchat:\n    port: 5713\n    api_token: t1\n    webhook:\n      url: http://127.0.0.1:1/hook\n      max_retries: 0\n",
        )
        .unwrap();
        let c = RunConfig::build(file, &Overrides::default()).unwrap();
        assert_eq!(c.ports["freshchat"], 5713);
        assert_eq!(c.vendor::<FreshchatSettings>().api_token, "t1");
        assert_eq!(c.vendor::<FreshchatSettings>().webhook.max_retries, 0);
        assert_eq!(c.vendor::<FreshchatSettings>().webhook.events.len(), 4);
    }
}
