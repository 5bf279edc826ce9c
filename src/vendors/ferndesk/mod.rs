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
pub mod fuzz;
pub mod report;
pub mod settings;
pub mod store;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use self::account::Ferndesk;
use self::error::EndpointError;
pub use self::settings::{EndpointSettings, FerndeskSettings, PullSettings};
use self::store::Store;
use crate::fake::{Action, Credential, Registration, Rejection, Vendor, VendorCtx};
use crate::settings::ConfigError;

/// How the harness builds fake Ferndesk.
pub const REGISTRATION: Registration = Registration {
    name: "ferndesk",
    default_port: 4717,
    settings: crate::settings::SettingsSpec::of::<FerndeskSettings>("Fake Ferndesk."),
    build,
    fuzz: fuzz::PAYLOADS,
    control_paths: None,
    actions: &[Action {
        name: "pull",
        summary: "fetch a custom support endpoint as Ferndesk's audit does, check it and keep what it would ingest: `url`, optional `start_date` (YYYY-MM-DD, set as the `startDate` parameter)",
    }],
};

fn build(ctx: &VendorCtx) -> Result<Arc<dyn Vendor>, ConfigError> {
    Ok(Arc::new(Ferndesk::new(ctx.clone())))
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
                return crate::fake::request_timeout(EndpointError::BadRequest.into_response());
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
        assert_eq!(c.vendor::<FerndeskSettings>().endpoint.path, "/s.json");
        assert_eq!(
            c.vendor::<FerndeskSettings>().document(),
            json!({"conversations": []})
        );
        assert_eq!(
            c.vendor::<FerndeskSettings>().pull.ingest,
            check::IngestRule::ValidConversations
        );
        assert_eq!(
            FerndeskSettings::default().document()["conversations"][0]["id"],
            "conv_12345"
        );
    }
}
