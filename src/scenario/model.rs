//! The scenario file format: the types serde reads and schemars turns into the JSON
//! Schema that `fakedesk schema` prints. These types are the one source of truth for
//! both; the README documents them key by key.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::config::VendorsFile;
use crate::vendors;

/// A scenario: vendors and their settings, an optional system under test, steps,
/// and an optional traffic snapshot.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "fakedesk scenario")]
pub struct Scenario {
    /// Shown in reports; defaults to the file name without its extension.
    #[serde(default)]
    pub name: Option<String>,
    /// What the scenario shows, for readers.
    #[serde(default)]
    pub description: Option<String>,
    /// Seed for generated ids (default 0), so a run's ids repeat.
    #[serde(default)]
    pub seed: Option<u64>,
    /// Per-vendor settings, with the same keys as the `vendors:` section of the config
    /// file: seeded credentials, where each vendor pushes to (e.g. a campaign's webhook URL).
    #[serde(default)]
    pub vendors: VendorsFile,
    /// The system under test: started before the first step, stopped after the last.
    #[serde(default)]
    pub sut: Option<Sut>,
    /// What happens, in order. A failed step ends the scenario.
    pub steps: Vec<Step>,
    /// `traffic`: compare the redacted journal with the `.snap` file beside the scenario.
    #[serde(default)]
    pub snapshot: Option<SnapshotKind>,
}

/// What a snapshot records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotKind {
    /// Every exchange of the scenario, redacted.
    Traffic,
}

/// The system under test.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sut {
    /// The program to start (looked up in PATH unless it contains a `/`; relative
    /// paths are relative to `cwd`).
    pub command: String,
    /// Its arguments; `${...}` is interpolated.
    #[serde(default)]
    pub args: Vec<String>,
    /// Working directory, relative to the scenario file (default: the scenario's folder).
    #[serde(default)]
    pub cwd: Option<String>,
    /// Extra environment; `${...}` is interpolated. Every `FAKEDESK_*` variable of
    /// `serve --env-file` (vendor URLs, seeded credentials) is set too, and `PORT` when
    /// `port` is given.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// `auto`: fakedesk picks a free port for the SUT, passes it as `PORT` and exposes
    /// `${sut.port}` and `${sut.url}`. Or a fixed port number.
    #[serde(default)]
    pub port: Option<SutPort>,
    /// When the SUT is ready for the first step.
    #[serde(default)]
    pub ready: Option<Ready>,
    /// Grace between SIGTERM and SIGKILL at the end (default 5s).
    #[serde(default)]
    pub stop_timeout: Option<Dur>,
}

/// The SUT's port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SutPort {
    /// A fixed port.
    Fixed(u16),
    /// `auto`: a free port chosen by the OS.
    Auto(AutoPort),
}

/// The word `auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AutoPort {
    /// Chosen by the OS.
    Auto,
}

/// How to tell that the SUT is ready. Give `http` or `tcp`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ready {
    /// Ready when a GET of this URL answers 2xx; `${...}` is interpolated.
    #[serde(default)]
    pub http: Option<String>,
    /// Ready when a TCP connection to this `host:port` succeeds.
    #[serde(default)]
    pub tcp: Option<String>,
    /// How long to wait (default 30s).
    #[serde(default)]
    pub timeout: Option<Dur>,
}

/// One step. Each has exactly one of the keys `call`, `send`, `deliver`, `expect`,
/// `assert`, `wait`, `fault` or `advance`, which says what kind of step it is.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Step {
    /// The scenario calls a fake's API as a client would.
    Call(CallStep),
    /// A fake vendor pushes or pulls (a campaign, a ticket update in the agent UI).
    Send(SendStep),
    /// One exact payload sent as a vendor sends it (what `fakedesk fuzz` replays).
    Deliver(DeliverStep),
    /// Wait until matching traffic is journaled.
    Expect(ExpectStep),
    /// Partial match on a vendor's state.
    Assert(AssertStep),
    /// Pause.
    Wait(WaitStep),
    /// Add a fault rule from here on, or clear rules by name.
    Fault(FaultStep),
    /// Move the fakes' clock forward (time-driven vendor rules run).
    Advance(AdvanceStep),
}

/// `call: VENDOR`: a request to a fake's API, authenticated as the seeded account
/// unless `auth: none` or an `authorization` header is given.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallStep {
    /// The fake to call.
    pub call: VendorName,
    /// A label for reports.
    #[serde(default)]
    pub name: Option<String>,
    /// HTTP method (default GET, or POST when there is a body).
    #[serde(default)]
    pub method: Option<String>,
    /// Path and query, e.g. `/api/v2/tickets.json?page[size]=2`.
    pub path: String,
    /// Request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `seeded` (default): the vendor's seeded credentials; `none`: no authorization.
    #[serde(default)]
    pub auth: Option<CallAuth>,
    /// The body: JSON, or a string sent as written (`text/plain` unless a
    /// `content-type` header says otherwise).
    #[serde(default)]
    pub body: Option<Value>,
    /// The status the call must answer (default: any 2xx).
    #[serde(default)]
    pub status: Option<u16>,
    /// Capture the response as `{status, headers, body}` under this name.
    #[serde(default, rename = "as")]
    pub capture: Option<String>,
}

/// How a `call` step authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallAuth {
    /// The vendor's seeded credentials.
    Seeded,
    /// No authorization header.
    None,
}

/// `send: VENDOR.ACTION`: a fake vendor acts on its own (see the README for each
/// action's `with` keys).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendStep {
    /// The action, as `vendor.action` (the README lists each vendor's actions).
    pub send: ActionName,
    /// A label for reports.
    #[serde(default)]
    pub name: Option<String>,
    /// The action's arguments.
    #[serde(default)]
    pub with: Option<Value>,
    /// Capture what the action returns under this name.
    #[serde(default, rename = "as")]
    pub capture: Option<String>,
}

/// `deliver: VENDOR.PAYLOAD`: send these exact body bytes to a URL the way the
/// vendor sends that payload (its headers, its signature computed now over the
/// bytes), journal the exchange as the vendor's outbound traffic, and check the reply.
/// `fakedesk fuzz` writes its shrunk failures as such steps.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliverStep {
    /// The payload kind, as `fakedesk fuzz --list` names it.
    pub deliver: PayloadName,
    /// A label for reports.
    #[serde(default)]
    pub name: Option<String>,
    /// The receiver's URL, e.g. `${sut.url}/webhooks/<vendor>`.
    pub to: String,
    /// The body, byte for byte once `${...}` is filled in (`$${` for a literal `${`).
    #[serde(default)]
    pub body: Option<String>,
    /// The body in base64, for bodies that are not UTF-8.
    #[serde(default)]
    pub body_base64: Option<String>,
    /// `valid` (default): signed as the vendor signs; `bad`: a signature that does
    /// not verify.
    #[serde(default)]
    pub signature: Option<SignatureKind>,
    /// Sign with a timestamp this long ago (a stale signature, for vendors that sign
    /// a timestamp).
    #[serde(default)]
    pub signed_ago: Option<Dur>,
    /// The signing secret or channel key, for vendors that sign with one; default the
    /// one `fakedesk fuzz` uses.
    #[serde(default)]
    pub secret: Option<String>,
    /// The RSA private key, a PEM file relative to the scenario, for vendors that sign
    /// with one; default the
    /// bundled test key.
    #[serde(default)]
    pub private_key: Option<String>,
    /// Headers added to the vendor's own (interpolated).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// What the reply's status must be: `2xx` (default), `4xx`, `not 5xx`, `200`,
    /// or several joined with `or`.
    #[serde(default)]
    pub reply: Option<String>,
    /// Longest wait for the reply (default 10s).
    #[serde(default)]
    pub timeout: Option<Dur>,
}

/// How a `deliver` step signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    /// As the vendor signs.
    Valid,
    /// A well-formed signature that does not verify.
    Bad,
}

/// `expect: VENDOR`: wait until enough matching exchanges are journaled. Each
/// exchange satisfies one `expect` only: later steps look at the ones not yet matched.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectStep {
    /// The fake whose traffic to look at.
    pub expect: VendorName,
    /// A label for reports.
    #[serde(default)]
    pub name: Option<String>,
    /// `inbound` (default): the SUT called the fake; `outbound`: the fake called out.
    #[serde(default)]
    pub direction: Option<DirectionName>,
    /// HTTP method.
    #[serde(default)]
    pub method: Option<String>,
    /// Exact path (without the query), e.g. `/api/v2/tickets/${t.body.ticket.id}.json`.
    #[serde(default)]
    pub path: Option<String>,
    /// Query parameters that must be present with these values.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Request headers that must be present with these values (names ignore case).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Partial JSON match on the request body.
    #[serde(default)]
    pub body: Option<Value>,
    /// The response status.
    #[serde(default)]
    pub status: Option<u16>,
    /// `true`: only calls the fake does not implement (journaled as `unmatched`);
    /// `false`: only calls it implements. With `count: 0`, `unmatched: true` requires
    /// that no call so far reached a path or method the fake does not implement.
    #[serde(default)]
    pub unmatched: Option<bool>,
    /// How many matching exchanges to wait for (default 1).
    #[serde(default)]
    pub count: Option<u32>,
    /// Deadline (default 5s).
    #[serde(default)]
    pub within: Option<Dur>,
    /// Capture the (first) matched exchange under this name.
    #[serde(default, rename = "as")]
    pub capture: Option<String>,
}

/// Who called whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectionName {
    /// The SUT (or a `call` step) called the fake.
    Inbound,
    /// The fake called out (webhook, hook, pull).
    Outbound,
}

/// `assert: VENDOR`: the vendor's state (as `GET /state/VENDOR` shows it) matches.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssertStep {
    /// The fake whose state to check.
    pub assert: VendorName,
    /// A label for reports.
    #[serde(default)]
    pub name: Option<String>,
    /// Partial match: objects need the given keys, lists need an element matching each
    /// given element.
    #[serde(rename = "match")]
    pub pattern: Value,
    /// Keep checking until this deadline (default: check once).
    #[serde(default)]
    pub within: Option<Dur>,
}

/// `wait: DURATION`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaitStep {
    /// How long, e.g. `500ms`, `2s`.
    pub wait: Dur,
    /// A label for reports.
    #[serde(default)]
    pub name: Option<String>,
}

/// `fault: RULE`: a fault rule (with its `vendor`) in force from this step on; or
/// `fault: {clear: NAME}` to remove the rules called NAME (`*`: every rule).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultStep {
    /// The rule, or what to clear.
    pub fault: FaultSpec,
    /// A label for reports.
    #[serde(default)]
    pub name: Option<String>,
}

/// A rule to add, or rules to clear.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum FaultSpec {
    /// Remove rules by name.
    Clear(ClearFault),
    /// Add this rule.
    Rule(Box<crate::fault::FaultRule>),
}

/// `{clear: NAME}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClearFault {
    /// The rules' name, or `*` for every rule.
    pub clear: String,
}

/// `advance: SPAN`: the fakes' clock moves forward by SPAN (`90s`, `4h`, `3d`), and
/// the vendors' time-driven rules due by then run (e.g. solved tickets close).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceStep {
    /// How far.
    pub advance: Span,
    /// A label for reports.
    #[serde(default)]
    pub name: Option<String>,
}

/// A span of clock time: `250ms`, `90s`, `15m`, `4h`, `3d`, `2w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span(pub Duration);

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        crate::clock::parse_span(&text).map(Self).ok_or_else(|| {
            serde::de::Error::custom(format!("`{text}` is not a span such as 90s, 4h or 3d"))
        })
    }
}

impl JsonSchema for Span {
    fn schema_name() -> Cow<'static, str> {
        "Span".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A span of clock time such as 90s, 15m, 4h, 3d or 2w.",
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d|w)$",
        })
    }
}

/// A registered vendor's name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct VendorName(pub String);

impl JsonSchema for VendorName {
    fn schema_name() -> Cow<'static, str> {
        "Vendor".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A fake vendor.",
            "type": "string",
            "enum": vendors::names(),
        })
    }
}

/// `vendor.action`, as listed by the vendors.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ActionName(pub String);

impl ActionName {
    /// The vendor and action parts.
    pub fn split(&self) -> (&str, &str) {
        self.0.split_once('.').unwrap_or((&self.0, ""))
    }
}

impl JsonSchema for ActionName {
    fn schema_name() -> Cow<'static, str> {
        "Action".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "What a fake vendor does on its own, as vendor.action.",
            "type": "string",
            "enum": vendors::action_names(),
        })
    }
}

/// `vendor.payload`, as `fakedesk fuzz --list` names it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct PayloadName(pub String);

impl JsonSchema for PayloadName {
    fn schema_name() -> Cow<'static, str> {
        "Payload".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = crate::fuzz::target::TARGETS
            .iter()
            .map(|t| t.name)
            .collect();
        json_schema!({
            "description": "A payload a fake vendor sends, as vendor.payload.",
            "type": "string",
            "enum": names,
        })
    }
}

/// A duration: `250ms`, `5s`, `2m`, or a number of milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

impl Dur {
    /// Parses `250ms`, `5s`, `1.5s`, `2m`.
    pub fn parse(text: &str) -> Option<Self> {
        crate::clock::parse_duration(text).map(Self)
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) if n.as_u64().is_some() => {
                Ok(Self(Duration::from_millis(n.as_u64().unwrap_or(0))))
            }
            Value::String(s) => Self::parse(&s).ok_or_else(|| {
                serde::de::Error::custom(format!("`{s}` is not a duration such as 500ms, 5s or 2m"))
            }),
            other => Err(serde::de::Error::custom(format!(
                "{other} is not a duration such as 500ms, 5s or 2m"
            ))),
        }
    }
}

impl JsonSchema for Dur {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration such as 500ms, 5s, 1.5s or 2m, or a number of milliseconds.",
            "type": ["string", "integer"],
            "pattern": "^[0-9]+(\\.[0-9]+)?(ms|s|m)$",
            "minimum": 0,
            "format": "duration",
        })
    }
}

/// The scenario format's JSON Schema (draft 2020-12), for editors.
pub fn schema() -> Value {
    schemars::schema_for!(Scenario).to_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(Dur::parse("250ms"), Some(Dur(Duration::from_millis(250))));
        assert_eq!(Dur::parse("5s"), Some(Dur(Duration::from_secs(5))));
        assert_eq!(Dur::parse("1.5s"), Some(Dur(Duration::from_millis(1500))));
        assert_eq!(Dur::parse("2m"), Some(Dur(Duration::from_secs(120))));
        assert_eq!(Dur::parse("5"), None);
        assert_eq!(Dur::parse("-1s"), None);
        assert_eq!(Dur::parse("soon"), None);
    }

    #[test]
    fn the_schema_lists_every_step_kind_and_vendor() {
        let s = schema().to_string();
        let steps = ["call", "send", "deliver", "expect", "assert", "wait"];
        let payloads = crate::fuzz::target::TARGETS.iter().map(|t| t.name);
        let words = steps
            .into_iter()
            .chain(crate::vendors::names())
            .chain(payloads);
        for word in words {
            let quoted = format!("\"{word}\"");
            assert!(s.contains(&quoted), "{quoted} missing from the schema");
        }
    }
}
