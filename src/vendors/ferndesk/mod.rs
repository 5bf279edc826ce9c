//! Fake Ferndesk: the puller of a custom support endpoint (REFERENCE section 7).
//!
//! Ferndesk is the client here: it `GET`s the customer's "Source URL" and ingests
//! the conversations document. fakedesk plays both sides:
//!
//! - the `ferndesk.pull` action fetches the system under test's endpoint, checks it
//!   with [`check`] (the same checks as `fakedesk check-endpoint`) and keeps the
//!   audit and what it ingested in [`store`] (`GET /state/ferndesk`);
//! - the vendor port serves a conversations document (the guide's example, or one
//!   given in the settings) at `endpoint.path`, honouring `startDate`, for people
//!   building consumers of this format.

pub mod account;
pub mod api;
pub mod check;
pub mod document;
pub mod error;
pub mod report;
pub mod store;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use self::account::Ferndesk;
use self::check::IngestRule;
use self::error::EndpointError;
use self::store::Store;
use super::{Action, Credential, Registration, Rejection, Vendor, VendorCtx};
use crate::config::ConfigError;

/// How the harness builds fake Ferndesk.
pub const REGISTRATION: Registration = Registration {
    name: "ferndesk",
    default_port: 4717,
    build,
    actions: &[Action {
        name: "pull",
        summary: "fetch a custom support endpoint as Ferndesk's audit does, check it and keep what it would ingest: `url`, optional `start_date` (YYYY-MM-DD, set as the `startDate` parameter)",
    }],
};

fn build(ctx: &VendorCtx) -> Result<Arc<dyn Vendor>, ConfigError> {
    Ok(Arc::new(Ferndesk::new(ctx.clone())))
}

/// Settings of fake Ferndesk (the `vendors.ferndesk` section of the config file).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FerndeskSettings {
    /// Listening port (0: chosen by the OS).
    pub port: Option<u16>,
    /// Fault rules on this vendor's traffic (see the README's "Faults and time").
    pub faults: Vec<crate::fault::FaultRule>,
    /// The fake custom support endpoint served on the port.
    pub endpoint: EndpointSettings,
    /// How Ferndesk pulls.
    pub pull: PullSettings,
}

/// The conversations document fakedesk serves.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EndpointSettings {
    /// Where it is served (the guide's placeholder: `/support-endpoint.json`).
    pub path: String,
    /// The document; default: the example of Ferndesk's guide. Served as given,
    /// mistakes included, with only the conversations since `startDate`.
    pub document: Option<Value>,
}

/// How fake Ferndesk pulls an endpoint.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PullSettings {
    /// Timeout of the `GET`, in milliseconds (Ferndesk's is UNKNOWN).
    pub timeout_ms: u64,
    /// What a document with errors yields (UNKNOWN): `all_or_nothing` (the guide's
    /// wording) or `valid_conversations`.
    pub ingest: IngestRule,
    /// The `User-Agent` sent (Ferndesk's is UNKNOWN; empty: none).
    pub user_agent: String,
}

impl Default for EndpointSettings {
    fn default() -> Self {
        Self {
            path: "/support-endpoint.json".to_owned(),
            document: None,
        }
    }
}

impl Default for PullSettings {
    fn default() -> Self {
        Self {
            timeout_ms: 30_000,
            ingest: IngestRule::AllOrNothing,
            user_agent: String::new(),
        }
    }
}

impl FerndeskSettings {
    /// Problems that would make the fake unusable, each as one sentence.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.endpoint.path.starts_with('/') {
            out.push(format!(
                "vendors.ferndesk.endpoint.path: `{}` must start with /",
                self.endpoint.path
            ));
        }
        if self.pull.timeout_ms == 0 {
            out.push("vendors.ferndesk.pull.timeout_ms must be at least 1".to_owned());
        }
        out
    }

    /// The document served.
    pub fn document(&self) -> Value {
        self.endpoint
            .document
            .clone()
            .unwrap_or_else(|| serde_json::from_str(wire::GUIDE_EXAMPLE).unwrap_or(Value::Null))
    }
}

impl Vendor for Ferndesk {
    fn name(&self) -> &'static str {
        REGISTRATION.name
    }

    fn router(self: Arc<Self>) -> Router {
        api::routes(&self.settings.endpoint.path).with_state(self)
    }

    fn state(&self) -> Value {
        let store = self.store();
        json!({
            "endpoint": {"path": self.settings.endpoint.path},
            "audits": store.audits,
            "ingested": store.ingested,
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
                return super::request_timeout(EndpointError::BadRequest.into_response());
            }
            Rejection::BodyTooLarge(limit) => EndpointError::PayloadTooLarge(limit),
            Rejection::BodyUnreadable => EndpointError::BadRequest,
        }
        .into_response()
    }

    fn implemented(&self) -> Vec<(String, String)> {
        vec![("GET".to_owned(), self.settings.endpoint.path.clone())]
    }

    fn credentials(&self) -> Vec<Credential> {
        Vec::new()
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
    fn ferndesk_listens_on_4717_and_reads_its_config_section() {
        let c = RunConfig::build(FileConfig::default(), &Overrides::default()).unwrap();
        assert_eq!(c.ports["ferndesk"], 4717);
        let file = parse(
            Path::new("c.yaml"),
            "vendors:\n  ferndesk:\n    endpoint:\n      path: /s.json\n      document: {conversations: []}\n    pull:\n      ingest: valid_conversations\n",
        )
        .unwrap();
        let c = RunConfig::build(file, &Overrides::default()).unwrap();
        assert_eq!(c.ferndesk.endpoint.path, "/s.json");
        assert_eq!(c.ferndesk.document(), json!({"conversations": []}));
        assert_eq!(c.ferndesk.pull.ingest, IngestRule::ValidConversations);
        assert_eq!(
            FerndeskSettings::default().document()["conversations"][0]["id"],
            "conv_12345"
        );
    }
}
