//! Fake Mammut: the graph API the Freshchat guide uses to connect a bot
//! (REFERENCE 4.2 and 4.3), and the bot itself: it receives Freshchat webhooks on
//! its channel endpoint (REFERENCE 4.5), answers from a knowledge base through the
//! Freshchat API as its agent, and turns what it cannot answer into a "Thought
//! Offer To Be Learned", assigning the conversation to the bot's group (4.6).
//!
//! Mammut documents no authentication, so none is asked for. The bot's rules are
//! [`store::decide`]; its calls to Freshchat are in [`api`].

pub mod account;
pub mod api;
pub mod error;
pub mod store;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use self::account::Mammut;
use self::error::MammutError;
use self::store::Store;
use super::{Credential, Registration, Rejection, Vendor, VendorCtx};
use crate::config::ConfigError;

/// How the harness builds fake Mammut.
pub const REGISTRATION: Registration = Registration {
    name: "mammut",
    default_port: 4714,
    build,
    actions: &[],
};

fn build(ctx: &VendorCtx) -> Result<Arc<dyn Vendor>, ConfigError> {
    Ok(Arc::new(Mammut::new(ctx.clone())))
}

/// Settings of fake Mammut (the `vendors.mammut` section).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MammutSettings {
    /// Listening port (0: chosen by the OS).
    pub port: Option<u16>,
    /// Fault rules on this vendor's traffic (see the README's "Faults and time").
    pub faults: Vec<crate::fault::FaultRule>,
    /// The app selector of every path (`/app:mammut-1/...`).
    pub app: String,
    /// Whether the bot checks `X-Freshchat-Signature` (401 when it fails; what the
    /// real Mammut does is UNKNOWN).
    pub verify_signatures: bool,
    /// The Freshchat public key (PEM) to verify with; unset: fake Freshchat's.
    pub freshchat_public_key_pem: Option<String>,
    /// The Freshchat API the bot calls (`https://api.freshchat.com/v2`); unset:
    /// fake Freshchat's `/v2`. A bot's own `freshchat-api-url` property wins.
    pub freshchat_api_url: Option<String>,
    /// Knowledge for every site.
    pub knowledge: Vec<Knowledge>,
    /// Sites (Freshchat multi-site), each with its own knowledge, searched first.
    pub sites: Vec<Site>,
    /// What the bot posts when it meets a Thought Offer To Be Learned (empty:
    /// nothing).
    pub fallback_answer: String,
}

/// One entry of a knowledge base.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Knowledge {
    /// Phrases; the entry answers a message containing any of them (ignoring case).
    pub when: Vec<String>,
    /// The answer posted.
    pub answer: String,
}

/// A site the bot serves, picked by the message's `app_id` and `channel_id`.
// Vendor quirk: how Freshchat's widget `siteId` reaches webhooks is UNKNOWN, so a
// site is selected by what payloads do carry: the account and the channel (topic).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// The site's name (recorded with answers and Issues).
    pub name: String,
    /// Only messages of this Freshchat account (APP ID), when set.
    #[serde(default)]
    pub app_id: Option<String>,
    /// Only messages in this channel (topic), when set.
    #[serde(default)]
    pub channel_id: Option<String>,
    /// The site's knowledge.
    #[serde(default)]
    pub knowledge: Vec<Knowledge>,
}

impl Default for MammutSettings {
    fn default() -> Self {
        Self {
            port: None,
            faults: Vec::new(),
            app: "mammut-1".to_owned(),
            verify_signatures: true,
            freshchat_public_key_pem: None,
            freshchat_api_url: None,
            knowledge: vec![
                Knowledge {
                    when: vec!["opening hours".to_owned(), "open".to_owned()],
                    answer: "We are open Monday to Friday, 9:00 to 18:00.".to_owned(),
                },
                Knowledge {
                    when: vec!["hello".to_owned(), "hola".to_owned()],
                    answer: "Hello! I am the Mammut bot. How can I help?".to_owned(),
                },
            ],
            sites: Vec::new(),
            fallback_answer: "I do not know that yet; a person from our team will help you."
                .to_owned(),
        }
    }
}

impl MammutSettings {
    /// Problems that would make the fake unusable, each as one sentence.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.app.is_empty() || self.app.contains('/') {
            out.push("vendors.mammut.app: a path segment such as mammut-1".to_owned());
        }
        let entries = self
            .knowledge
            .iter()
            .chain(self.sites.iter().flat_map(|s| &s.knowledge));
        for k in entries {
            if k.when.iter().all(|w| w.trim().is_empty()) {
                out.push(format!(
                    "vendors.mammut: the knowledge entry answering `{}` has no `when` phrase",
                    k.answer
                ));
            }
        }
        if let Some(u) = &self.freshchat_api_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            out.push(format!(
                "vendors.mammut.freshchat_api_url: `{u}` is not an http(s) URL"
            ));
        }
        out
    }
}

impl Vendor for Mammut {
    fn name(&self) -> &'static str {
        REGISTRATION.name
    }

    fn router(self: Arc<Self>) -> Router {
        api::routes().with_state(self)
    }

    fn state(&self) -> Value {
        let store = self.store();
        json!({
            "users": store.users,
            "thoughts": store.thoughts,
            "received": store.received,
        })
    }

    fn reset(&self) {
        *self.store() = Store::default();
    }

    fn error_reply(&self, status: axum::http::StatusCode) -> Response {
        error::for_status(status)
    }

    fn reject(&self, rejection: Rejection) -> Response {
        match rejection {
            Rejection::TimedOut => {
                return super::request_timeout(
                    MammutError::BadRequest(super::TIMED_OUT.to_owned()).into_response(),
                );
            }
            Rejection::BodyTooLarge(limit) => MammutError::PayloadTooLarge(limit),
            Rejection::BodyUnreadable => {
                MammutError::BadRequest("Unable to read the request body".to_owned())
            }
        }
        .into_response()
    }

    fn implemented(&self) -> Vec<(String, String)> {
        super::routes_list(&[
            ("POST", "/channels/freshchat"),
            ("POST", "/channels/freshchat/"),
            ("POST", "/channels/sms/"),
            ("POST", "/app:{app}/graph/user"),
            ("GET", "/app:{app}/graph/user:{id}"),
            ("POST", "/app:{app}/graph/user:{id}"),
        ])
    }

    fn credentials(&self) -> Vec<Credential> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Overrides, RunConfig, parse};
    use std::path::Path;

    #[test]
    fn sites_and_knowledge_come_from_the_config_section() {
        let file = parse(
            Path::new("c.yaml"),
            "vendors:\n  mammut:\n    port: 5714\n    sites:\n      - name: food\n        channel_id: c1\n        knowledge:\n          - when: [menu]\n            answer: Pizza\n",
        )
        .unwrap();
        let c = RunConfig::build(file, &Overrides::default()).unwrap();
        assert_eq!(c.ports["mammut"], 5714);
        assert_eq!(c.mammut.sites[0].knowledge[0].answer, "Pizza");
        let mut bad = MammutSettings::default();
        bad.knowledge.push(Knowledge {
            when: vec![" ".to_owned()],
            answer: "x".to_owned(),
        });
        assert_eq!(bad.problems().len(), 1);
    }
}
