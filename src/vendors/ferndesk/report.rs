//! The endpoint check's report: how the fetch ended, each finding with its
//! severity and JSON Pointer, the summary of what would be ingested, and the
//! report as text for people.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::outbound::Outcome;

/// Why the endpoint could not be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unreachable {
    /// The host name does not resolve.
    Dns,
    /// Nothing listens there.
    Refused,
    /// No answer in time.
    Timeout,
    /// Anything else (TLS, reset, a malformed URL...).
    Other,
}

/// How the `GET` ended: the checker's only input besides the options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    /// No HTTP answer.
    Unreachable {
        /// Why.
        kind: Unreachable,
        /// The transport's words.
        detail: String,
    },
    /// An HTTP answer.
    Answered {
        /// Status code.
        status: u16,
        /// `Content-Type`, if any.
        content_type: Option<String>,
        /// `WWW-Authenticate`, if any.
        www_authenticate: Option<String>,
        /// `Location`, if any.
        location: Option<String>,
        /// The body.
        body: Vec<u8>,
    },
}

impl Fetch {
    /// The checker's view of an outbound attempt.
    pub fn from_outcome(outcome: &Outcome, timeout_secs: u64) -> Self {
        match outcome {
            Outcome::Answered(a) => {
                let h = |name: &str| {
                    a.headers
                        .get(name)
                        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                };
                Self::Answered {
                    status: a.status,
                    content_type: h("content-type"),
                    www_authenticate: h("www-authenticate"),
                    location: h("location"),
                    body: a.body.to_vec(),
                }
            }
            Outcome::TimedOut => Self::Unreachable {
                kind: Unreachable::Timeout,
                detail: format!("no answer within {timeout_secs} s"),
            },
            Outcome::Failed(why) => Self::Unreachable {
                kind: classify(why),
                detail: why.clone(),
            },
        }
    }
}

/// Which failure a transport error message describes.
pub fn classify(detail: &str) -> Unreachable {
    let d = detail.to_lowercase();
    if d.contains("dns")
        || d.contains("lookup")
        || d.contains("name or service not known")
        || d.contains("no address")
    {
        Unreachable::Dns
    } else if d.contains("refused") {
        Unreachable::Refused
    } else if d.contains("timed out") || d.contains("timeout") {
        Unreachable::Timeout
    } else {
        Unreachable::Other
    }
}

/// How Ferndesk treats a document with errors (UNKNOWN; the guide says an
/// incorrectly formatted document is not ingested).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum IngestRule {
    /// Any error: nothing is ingested (the guide's wording).
    #[default]
    AllOrNothing,
    /// Conversations without errors are ingested, the others skipped.
    ValidConversations,
}

/// The check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Ferndesk would ingest the document (warnings allowed). Exit code 0.
    Ingestible,
    /// The endpoint answered, and something is wrong. Exit code 1.
    Problems,
    /// The endpoint could not be reached. Exit code 2.
    CouldNotCheck,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The document is not ingestible.
    Error,
    /// Ingestible, but probably not what you meant.
    Warning,
}

/// One problem, where it is, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `error` or `warning`.
    pub severity: Severity,
    /// JSON Pointer into the document (`""`: the whole answer).
    pub pointer: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// What Ferndesk would make of the document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Conversations in the document.
    pub conversations: usize,
    /// Conversations without errors.
    pub valid_conversations: usize,
    /// Messages in the document.
    pub messages: usize,
    /// Conversations Ferndesk would ingest.
    pub ingested_conversations: usize,
    /// Messages in those.
    pub ingested_messages: usize,
    /// Messages per role, over the ingested conversations.
    pub roles: BTreeMap<String, usize>,
    /// The oldest and newest `lastMessageAt` ingested.
    pub first_last_message_at: Option<String>,
    /// The newest `lastMessageAt` ingested.
    pub last_last_message_at: Option<String>,
    /// One sentence.
    pub text: String,
}

/// Everything the check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The URL fetched.
    pub url: String,
    /// The `startDate` the conversations were checked against.
    pub start_date: Option<String>,
    /// Ingestible, problems, or could not check.
    pub verdict: Verdict,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// Errors first, then warnings, each in document order.
    pub findings: Vec<Finding>,
    /// What would be ingested.
    pub summary: Summary,
    /// The conversations Ferndesk would ingest, as served.
    #[serde(skip)]
    pub ingested: Vec<Value>,
}

impl Report {
    /// 0 ingestible, 1 problems, 2 could not check.
    pub fn exit_code(&self) -> i32 {
        match self.verdict {
            Verdict::Ingestible => 0,
            Verdict::Problems => 1,
            Verdict::CouldNotCheck => 2,
        }
    }

    /// The findings of one severity.
    pub fn count(&self, s: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == s).count()
    }
}

#[derive(Default)]
pub(super) struct Findings(pub(super) Vec<Finding>);

impl Findings {
    pub(super) fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(Finding {
            severity: Severity::Error,
            pointer: pointer.into(),
            message: message.into(),
        });
    }
    pub(super) fn warn(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(Finding {
            severity: Severity::Warning,
            pointer: pointer.into(),
            message: message.into(),
        });
    }
    pub(super) fn errors_under(&self, prefix: &str) -> bool {
        self.0.iter().any(|f| {
            f.severity == Severity::Error
                && (f.pointer == prefix || f.pointer.starts_with(&format!("{prefix}/")))
        })
    }
}

/// The kind of a JSON value, in words.
pub(super) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(super) fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let cut: String = text.chars().take(max).collect();
    let cut = cut.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > max {
        format!("{cut}…")
    } else {
        cut
    }
}

/// The report for people: what was fetched, each finding with its pointer, the
/// summary.
pub fn render_text(r: &Report) -> String {
    let mut out = format!("Checking {}\n", r.url);
    if let Some(d) = &r.start_date {
        out.push_str(&format!("  startDate {d}\n"));
    }
    if let Some(s) = r.status {
        out.push_str(&format!("  GET answered {s}\n"));
    }
    out.push('\n');
    if r.findings.is_empty() {
        out.push_str("No problems found.\n");
    }
    for f in &r.findings {
        let mark = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let at = if f.pointer.is_empty() && r.status.is_none() {
            "(the request)".to_owned()
        } else if f.pointer.is_empty() {
            "(the response)".to_owned()
        } else {
            f.pointer.clone()
        };
        out.push_str(&format!("{mark:<7}  {at}: {}\n", f.message));
    }
    out.push('\n');
    let verdict = match r.verdict {
        Verdict::Ingestible => "INGESTIBLE",
        Verdict::Problems => "PROBLEMS",
        Verdict::CouldNotCheck => "COULD NOT CHECK",
    };
    out.push_str(&format!(
        "{verdict}: {} error(s), {} warning(s). {}\n",
        r.count(Severity::Error),
        r.count(Severity::Warning),
        r.summary.text
    ));
    out
}
