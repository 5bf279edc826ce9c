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
pub mod fuzz;
pub mod graph;
pub mod graph_api;
pub mod graph_store;
pub mod settings;
pub mod store;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use self::account::Mammut;
use self::error::MammutError;
pub use self::settings::{Knowledge, MammutSettings, Site};
use self::store::Store;
use crate::fake::{Credential, Registration, Rejection, Vendor, VendorCtx};
use crate::settings::ConfigError;

/// How the harness builds fake Mammut.
pub const REGISTRATION: Registration = Registration {
    name: "mammut",
    default_port: 4714,
    settings: crate::settings::SettingsSpec::of::<MammutSettings>("Fake Mammut."),
    build,
    fuzz: fuzz::PAYLOADS,
    control_paths: None,
    actions: &[],
};

fn build(ctx: &VendorCtx) -> Result<Arc<dyn Vendor>, ConfigError> {
    Ok(Arc::new(Mammut::new(ctx.clone())))
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
            "vertices": store.vertices,
            "edges": store.edges,
            "learned": store.learned,
            "compiles": store.compiles,
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
                return crate::fake::request_timeout(
                    MammutError::BadRequest(crate::fake::TIMED_OUT.to_owned()).into_response(),
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
        crate::fake::routes_list(&[
            ("POST", "/channels/freshchat"),
            ("POST", "/channels/freshchat/"),
            ("POST", "/channels/sms/"),
            ("POST", "/app:{app}/graph/user"),
            ("GET", "/app:{app}/graph/user:{id}"),
            ("POST", "/app:{app}/graph/user:{id}"),
            ("POST", "/app:{app}/graph/{type}"),
            ("GET", "/app:{app}/graph:{depth}/{type}:{id}"),
            ("POST", "/app:{app}/graph/{type}:{id}"),
            ("POST", "/app:{app}/graph/{type}:{id}/{verb}:={type}"),
            ("POST", "/app:{app}/graph/user:{id}/create"),
            ("POST", "/app:{app}/graph/user:{id}/can"),
            ("GET", "/app:{app}/graph:{depth}/{type}:{id}/{verb}::{type}"),
            ("GET", "/app:{app}/fixed-vertex"),
            ("GET", "/app:{app}/unique-vertex"),
            ("POST", "/app:{app}/actions/compile"),
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
        assert_eq!(
            c.vendor::<MammutSettings>().sites[0].knowledge[0].answer,
            "Pizza"
        );
        let mut bad = MammutSettings::default();
        bad.knowledge.push(Knowledge {
            when: vec![" ".to_owned()],
            answer: "x".to_owned(),
        });
        assert_eq!(bad.problems().len(), 1);
    }
}
