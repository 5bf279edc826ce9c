//! The `vendors.ferndesk` section of the config file: its settings, their defaults
//! and what makes them unusable.

use serde::Deserialize;
use serde_json::Value;

use super::check::IngestRule;
use super::wire;

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

impl crate::settings::VendorSettings for FerndeskSettings {
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
