//! The custom support endpoint check: from how one `GET` of the endpoint ended to
//! a report of what is wrong, where, and what Ferndesk would ingest. Pure: the
//! fetch happens elsewhere (`fakedesk check-endpoint`, the `ferndesk.pull` action).
//!
//! The contract is REFERENCE 7.1: a public URL answering JSON `{"conversations":
//! [...]}`; each conversation has `id`, `lastMessageAt` (ISO-8601) and `messages`;
//! each message has `id`, `role` (`user` or `agent`), `content` (plain text) and
//! `createdAt` (ISO-8601); `url` is optional. Every finding names the place with a
//! JSON Pointer (RFC 6901; the empty pointer is the whole document).
//!
//! Errors make the document not ingestible ("if the JSON format is incorrect, the
//! data will not be ingested"); warnings are worth fixing but Ferndesk would still
//! ingest (how it treats them is UNKNOWN): an unknown role (the guide's own example
//! says `support_agent` where its text says `agent`), `lastMessageAt` not the newest
//! message's time, duplicate ids, conversations older than `startDate`, a content
//! type other than JSON.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

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
struct Findings(Vec<Finding>);

impl Findings {
    fn error(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(Finding {
            severity: Severity::Error,
            pointer: pointer.into(),
            message: message.into(),
        });
    }
    fn warn(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(Finding {
            severity: Severity::Warning,
            pointer: pointer.into(),
            message: message.into(),
        });
    }
    fn errors_under(&self, prefix: &str) -> bool {
        self.0.iter().any(|f| {
            f.severity == Severity::Error
                && (f.pointer == prefix || f.pointer.starts_with(&format!("{prefix}/")))
        })
    }
}

/// The kind of a JSON value, in words.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn excerpt(bytes: &[u8], max: usize) -> String {
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

/// Parses an ISO-8601 timestamp with a time zone (RFC 3339), explaining the usual
/// mistakes and, where the intent is clear, giving the corrected value.
pub fn parse_timestamp(v: &Value) -> Result<OffsetDateTime, String> {
    let example = "write it like 2023-10-27T14:30:00Z";
    let shown = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    match v {
        Value::String(s) => {
            if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
                return Ok(t);
            }
            let with_t = s.trim().replacen(' ', "T", 1);
            let spaced = with_t != s.trim();
            if let Ok(t) = OffsetDateTime::parse(&with_t, &Rfc3339) {
                return Err(format!(
                    "`{s}` separates date and time with a space: write `{}`",
                    shown(t)
                ));
            }
            if let Ok(t) = OffsetDateTime::parse(&format!("{with_t}Z"), &Rfc3339) {
                let also = if spaced {
                    ", and uses a space instead of `T`"
                } else {
                    ""
                };
                return Err(format!(
                    "`{s}` has no time zone{also}: if it is UTC, write `{}`",
                    shown(t)
                ));
            }
            if let Ok(t) = OffsetDateTime::parse(&format!("{with_t}T00:00:00Z"), &Rfc3339) {
                return Err(format!(
                    "`{s}` is a date without a time: write a full timestamp such as `{}`",
                    shown(t)
                ));
            }
            Err(format!("`{s}` is not an ISO-8601 timestamp: {example}"))
        }
        Value::Number(n) => {
            let as_time = n.as_i64().and_then(|n| {
                let nanos = if n.abs() >= 100_000_000_000 {
                    i128::from(n) * 1_000_000
                } else {
                    i128::from(n) * 1_000_000_000
                };
                OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
            });
            Err(match as_time {
                Some(t) => format!(
                    "is the number {n}; timestamps are ISO-8601 strings: if it is epoch time, write `{}`",
                    shown(t)
                ),
                None => format!("is the number {n}; timestamps are ISO-8601 strings: {example}"),
            })
        }
        other => Err(format!(
            "is {}; timestamps are ISO-8601 strings: {example}",
            kind(other)
        )),
    }
}

/// The roles the guide's text names.
pub const ROLES: &[&str] = &["user", "agent"];

/// Checks one fetch of `url` against the contract.
pub fn check(url: &str, fetch: &Fetch, start_date: Option<Date>, rule: IngestRule) -> Report {
    let mut f = Findings::default();
    let mut report = Report {
        url: url.to_owned(),
        start_date: start_date.map(|d| d.to_string()),
        verdict: Verdict::Problems,
        status: None,
        findings: Vec::new(),
        summary: Summary::default(),
        ingested: Vec::new(),
    };
    let (status, content_type, www_authenticate, location, body) = match fetch {
        Fetch::Unreachable { kind, detail } => {
            let message = match kind {
                Unreachable::Dns => format!(
                    "the host name does not resolve (DNS): check the URL; Ferndesk needs a publicly accessible URL ({detail})"
                ),
                Unreachable::Refused => format!(
                    "the connection was refused: nothing listens at this address and port; is the server running? ({detail})"
                ),
                Unreachable::Timeout => format!(
                    "the endpoint did not answer in time ({detail}): Ferndesk's audit would fail the same way"
                ),
                Unreachable::Other => format!("the request failed: {detail}"),
            };
            f.error("", message);
            report.verdict = Verdict::CouldNotCheck;
            report.findings = f.0;
            report.summary.text = "Could not check: the endpoint was not reached.".to_owned();
            return report;
        }
        Fetch::Answered {
            status,
            content_type,
            www_authenticate,
            location,
            body,
        } => (*status, content_type, www_authenticate, location, body),
    };
    report.status = Some(status);
    let stop = |mut report: Report, f: Findings, why: &str| {
        report.findings = f.0;
        report.summary.text = format!("Ferndesk would ingest nothing: {why}.");
        report
    };
    if status == 401 || status == 403 || www_authenticate.is_some() {
        let challenge = www_authenticate
            .as_ref()
            .map_or_else(String::new, |w| format!(" (WWW-Authenticate: {w})"));
        f.error("", format!("the endpoint demands authentication: it answered {status}{challenge}. Ferndesk does not support authenticated endpoints: serve the document without authentication"));
        return stop(report, f, "the endpoint demands authentication");
    }
    if (300..400).contains(&status) {
        let to = location
            .as_deref()
            .unwrap_or("nowhere (no Location header)");
        let login = ["login", "signin", "sign_in", "auth", "sso"]
            .iter()
            .any(|w| to.to_lowercase().contains(w));
        let mut message = format!(
            "the endpoint redirects ({status} to {to}): give Ferndesk the final URL, which must answer 200 itself"
        );
        if login {
            message.push_str("; the redirect looks like a login page, and Ferndesk does not support authenticated endpoints");
        }
        f.error("", message);
        return stop(report, f, "the endpoint redirects");
    }
    if !(200..300).contains(&status) {
        let mut message = format!(
            "the endpoint answered {status}; it must answer 200 with the conversations document"
        );
        if !body.is_empty() {
            message.push_str(&format!(": it said `{}`", excerpt(body, 160)));
        }
        f.error("", message);
        return stop(report, f, &format!("the endpoint answered {status}"));
    }
    let json_type = content_type.as_deref().is_some_and(|c| {
        let mime = c
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_lowercase();
        mime == "application/json" || mime.ends_with("+json")
    });
    let doc: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            let trimmed = String::from_utf8_lossy(body);
            let trimmed = trimmed.trim_start();
            let message = if body.iter().all(u8::is_ascii_whitespace) {
                "the body is empty; it must be the JSON document `{\"conversations\": [...]}`"
                    .to_owned()
            } else if trimmed.starts_with('<') {
                format!(
                    "the body is not JSON but looks like HTML (Content-Type: {}): `{}`; is this URL a web page or a login page rather than the endpoint?",
                    content_type.as_deref().unwrap_or("none"),
                    excerpt(body, 80)
                )
            } else {
                format!("the body is not valid JSON: {e}")
            };
            f.error("", message);
            return stop(report, f, "the body is not JSON");
        }
    };
    if !json_type {
        f.warn(
            "",
            format!(
                "the Content-Type is {}; serve the document as `application/json`",
                content_type
                    .as_deref()
                    .map_or_else(|| "missing".to_owned(), |c| format!("`{c}`"))
            ),
        );
    }
    check_document(&doc, start_date, &mut f, &mut report, rule);
    report.findings = f.0;
    report.findings.sort_by_key(|x| x.severity);
    report
}

fn check_document(
    doc: &Value,
    start_date: Option<Date>,
    f: &mut Findings,
    report: &mut Report,
    rule: IngestRule,
) {
    let Some(root) = doc.as_object() else {
        let hint = if doc.is_array() {
            ": wrap the array as {\"conversations\": [...]}"
        } else {
            ""
        };
        f.error(
            "",
            format!(
                "the document is {}; it must be an object with a `conversations` array{hint}",
                kind(doc)
            ),
        );
        report.summary.text =
            "Ferndesk would ingest nothing: the document is not an object.".to_owned();
        return;
    };
    let Some(list) = root.get("conversations") else {
        let keys: Vec<&str> = root.keys().map(String::as_str).collect();
        let seen = if keys.is_empty() {
            "the object is empty".to_owned()
        } else {
            format!(
                "the object has {}",
                keys.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        f.error(
            "/conversations",
            format!("missing: the document needs a `conversations` array ({seen})"),
        );
        report.summary.text =
            "Ferndesk would ingest nothing: there is no `conversations` array.".to_owned();
        return;
    };
    let Some(list) = list.as_array() else {
        f.error(
            "/conversations",
            format!("is {}; it must be an array of conversations", kind(list)),
        );
        report.summary.text =
            "Ferndesk would ingest nothing: `conversations` is not an array.".to_owned();
        return;
    };
    if list.is_empty() {
        f.warn(
            "/conversations",
            "is empty: there is nothing to ingest (is startDate later than every conversation?)",
        );
    }
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut valid: Vec<usize> = Vec::new();
    let mut messages = 0;
    for (i, conv) in list.iter().enumerate() {
        let p = format!("/conversations/{i}");
        messages += check_conversation(conv, &p, start_date, f);
        if let Some(id) = conv.get("id").and_then(Value::as_str) {
            if let Some(first) = seen_ids.get(id) {
                f.warn(format!("{p}/id"), format!("`{id}` is also the id of /conversations/{first}; ids must be unique, or one conversation may replace the other"));
            } else {
                seen_ids.insert(id.to_owned(), i);
            }
        }
        if !f.errors_under(&p) {
            valid.push(i);
        }
    }
    let any_error = f.0.iter().any(|x| x.severity == Severity::Error);
    let take: Vec<usize> = match rule {
        IngestRule::AllOrNothing if any_error => Vec::new(),
        _ => valid.clone(),
    };
    let s = &mut report.summary;
    s.conversations = list.len();
    s.valid_conversations = valid.len();
    s.messages = messages;
    let mut times: Vec<(OffsetDateTime, String)> = Vec::new();
    for &i in &take {
        let conv = &list[i];
        let msgs = conv["messages"].as_array().map_or(&[][..], Vec::as_slice);
        s.ingested_messages += msgs.len();
        for m in msgs {
            if let Some(r) = m["role"].as_str() {
                *s.roles.entry(r.to_owned()).or_default() += 1;
            }
        }
        if let Some(t) = conv["lastMessageAt"].as_str()
            && let Ok(parsed) = OffsetDateTime::parse(t, &Rfc3339)
        {
            times.push((parsed, t.to_owned()));
        }
        report.ingested.push(conv.clone());
    }
    times.sort();
    s.first_last_message_at = times.first().map(|t| t.1.clone());
    s.last_last_message_at = times.last().map(|t| t.1.clone());
    s.ingested_conversations = take.len();
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let errors = f.0.iter().filter(|x| x.severity == Severity::Error).count();
    s.text = if any_error && take.is_empty() {
        format!(
            "Ferndesk would ingest nothing: {} of {} {} errors, and a document in the wrong format is not ingested. Fix the {} above.",
            list.len() - valid.len(),
            plural(list.len(), "conversation", "conversations"),
            if list.len() - valid.len() == 1 {
                "has"
            } else {
                "have"
            },
            plural(errors, "error", "errors"),
        )
    } else {
        let roles: Vec<String> = s.roles.iter().map(|(r, n)| format!("{n} {r}")).collect();
        let span = match (&s.first_last_message_at, &s.last_last_message_at) {
            (Some(a), Some(b)) if a != b => format!(", last messages from {a} to {b}"),
            (Some(a), _) => format!(", last message at {a}"),
            _ => String::new(),
        };
        let skipped = list.len() - take.len();
        let skipped = if skipped > 0 {
            format!(
                "; {} skipped for errors",
                plural(skipped, "conversation", "conversations")
            )
        } else {
            String::new()
        };
        format!(
            "Ferndesk would ingest {} with {}{}{span}{skipped}.",
            plural(take.len(), "conversation", "conversations"),
            plural(s.ingested_messages, "message", "messages"),
            if roles.is_empty() {
                String::new()
            } else {
                format!(" ({})", roles.join(", "))
            },
        )
    };
    report.verdict = if any_error {
        Verdict::Problems
    } else {
        Verdict::Ingestible
    };
}

/// A required string field: present, a string, not empty.
fn required_string<'a>(
    obj: &'a serde_json::Map<String, Value>,
    key: &str,
    at: &str,
    what: &str,
    f: &mut Findings,
) -> Option<&'a str> {
    let p = format!("{at}/{key}");
    match obj.get(key) {
        None => {
            f.error(p, format!("missing: every {what} needs `{key}`"));
            None
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            f.error(p, "is empty");
            None
        }
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) if key == "id" => {
            f.error(
                p,
                format!("is the number {n}; ids are strings: write \"{n}\""),
            );
            None
        }
        Some(other) => {
            f.error(p, format!("is {}; it must be a string", kind(other)));
            None
        }
    }
}

fn timestamp(
    obj: &serde_json::Map<String, Value>,
    key: &str,
    at: &str,
    what: &str,
    f: &mut Findings,
) -> Option<OffsetDateTime> {
    let p = format!("{at}/{key}");
    let Some(v) = obj.get(key) else {
        f.error(
            p,
            format!("missing: every {what} needs `{key}`, an ISO-8601 timestamp"),
        );
        return None;
    };
    match parse_timestamp(v) {
        Ok(t) => {
            if !t.offset().is_utc() {
                f.warn(
                    p,
                    format!(
                        "`{}` is not in UTC; Ferndesk expects UTC timestamps ending in Z",
                        v.as_str().unwrap_or_default()
                    ),
                );
            }
            Some(t)
        }
        Err(why) => {
            f.error(p, why);
            None
        }
    }
}

/// Checks one conversation; returns how many messages it has.
fn check_conversation(conv: &Value, p: &str, start_date: Option<Date>, f: &mut Findings) -> usize {
    let Some(obj) = conv.as_object() else {
        f.error(p, format!("is {}; each conversation must be an object with `id`, `lastMessageAt` and `messages`", kind(conv)));
        return 0;
    };
    required_string(obj, "id", p, "conversation", f);
    let last = timestamp(obj, "lastMessageAt", p, "conversation", f);
    if let Some(u) = obj.get("url") {
        match u {
            Value::String(s) if s.starts_with("http://") || s.starts_with("https://") => {}
            Value::String(s) => f.warn(format!("{p}/url"), format!("`{s}` is not an absolute http(s) URL; links from Ferndesk to the conversation will not work")),
            Value::Null => {}
            other => f.warn(format!("{p}/url"), format!("is {}; the optional `url` is a string", kind(other))),
        }
    }
    if let (Some(last), Some(day)) = (last, start_date)
        && last < day.midnight().assume_utc()
    {
        f.warn(format!("{p}/lastMessageAt"), format!("is before startDate {day}: the endpoint should leave this conversation out (does it read the startDate parameter?)"));
    }
    let msgs = match obj.get("messages") {
        None => {
            f.error(
                format!("{p}/messages"),
                "missing: every conversation needs a `messages` array",
            );
            return 0;
        }
        Some(Value::Array(a)) => a,
        Some(other) => {
            f.error(
                format!("{p}/messages"),
                format!("is {}; it must be an array of messages", kind(other)),
            );
            return 0;
        }
    };
    if msgs.is_empty() {
        f.warn(
            format!("{p}/messages"),
            "is empty: a conversation without messages teaches Ferndesk nothing",
        );
    }
    let mut newest: Option<(OffsetDateTime, usize)> = None;
    let mut all_times = true;
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (j, m) in msgs.iter().enumerate() {
        let q = format!("{p}/messages/{j}");
        let Some(mo) = m.as_object() else {
            f.error(&q, format!("is {}; each message must be an object with `id`, `role`, `content` and `createdAt`", kind(m)));
            all_times = false;
            continue;
        };
        if let Some(id) = required_string(mo, "id", &q, "message", f) {
            if let Some(first) = ids.get(id) {
                f.warn(
                    format!("{q}/id"),
                    format!(
                        "`{id}` is also the id of {p}/messages/{first}; message ids must be unique"
                    ),
                );
            } else {
                ids.insert(id.to_owned(), j);
            }
        }
        if let Some(role) = required_string(mo, "role", &q, "message", f)
            && !ROLES.contains(&role)
        {
            let hint = if role == "support_agent" {
                " (the guide's example uses `support_agent`, its text says `agent`; how Ferndesk treats it is unknown, so prefer `agent`)"
            } else {
                ": use `user` for the customer's messages and `agent` for your team's; how Ferndesk treats other roles is unknown"
            };
            f.warn(
                format!("{q}/role"),
                format!("`{role}` is neither `user` nor `agent`{hint}"),
            );
        }
        match mo.get("content") {
            None => f.error(
                format!("{q}/content"),
                "missing: every message needs `content`, its plain text",
            ),
            Some(Value::String(s)) if s.trim().is_empty() => {
                f.warn(format!("{q}/content"), "is empty")
            }
            Some(Value::String(s)) if looks_like_html(s) => f.warn(
                format!("{q}/content"),
                "looks like HTML; `content` is plain text, so strip the tags",
            ),
            Some(Value::String(_)) => {}
            Some(other) => f.error(
                format!("{q}/content"),
                format!("is {}; it must be a string of plain text", kind(other)),
            ),
        }
        match timestamp(mo, "createdAt", &q, "message", f) {
            Some(t) => {
                if newest.is_none_or(|(n, _)| t > n) {
                    newest = Some((t, j));
                }
            }
            None => all_times = false,
        }
    }
    if let (Some(last), Some((n, j)), true) = (last, newest, all_times)
        && last != n
    {
        let shown = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        f.warn(format!("{p}/lastMessageAt"), format!("is {} but the newest message ({p}/messages/{j}) was created at {}; they should be equal", shown(last), shown(n)));
    }
    msgs.len()
}

fn looks_like_html(s: &str) -> bool {
    let lower = s.to_lowercase();
    ["<p>", "<br", "<div", "</", "<span", "<a href"]
        .iter()
        .any(|t| lower.contains(t))
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(body: &Value) -> Fetch {
        Fetch::Answered {
            status: 200,
            content_type: Some("application/json".to_owned()),
            www_authenticate: None,
            location: None,
            body: body.to_string().into_bytes(),
        }
    }

    fn guide_example() -> Value {
        serde_json::from_str(include_str!(
            "../../../fixtures/vendors/ferndesk/guide_example.json"
        ))
        .unwrap()
    }

    fn pointers(r: &Report, s: Severity) -> Vec<&str> {
        r.findings
            .iter()
            .filter(|f| f.severity == s)
            .map(|f| f.pointer.as_str())
            .collect()
    }

    #[test]
    fn the_guides_example_is_ingestible_with_a_warning_for_its_role() {
        let r = check("u", &ok(&guide_example()), None, IngestRule::AllOrNothing);
        assert_eq!(r.verdict, Verdict::Ingestible, "{r:#?}");
        assert_eq!(
            pointers(&r, Severity::Warning),
            ["/conversations/0/messages/1/role"]
        );
        assert!(r.findings[0].message.contains("support_agent"));
        assert_eq!(
            (
                r.summary.ingested_conversations,
                r.summary.ingested_messages
            ),
            (1, 2)
        );
        assert_eq!(r.exit_code(), 0);
    }

    #[test]
    fn contract_violations_are_errors_at_their_pointer() {
        let doc = json!({"conversations": [
            {"id": 12, "lastMessageAt": "2023-10-27", "messages": [
                {"id": "m1", "role": "user", "createdAt": "2023-10-27T14:25:00Z"},
                {"id": "m2", "role": "agent", "content": "hi", "createdAt": 1698416700}
            ]},
            {"lastMessageAt": "2023-10-27T14:30:00", "messages": {}},
            "oops"
        ]});
        let r = check("u", &ok(&doc), None, IngestRule::AllOrNothing);
        assert_eq!(r.verdict, Verdict::Problems);
        assert_eq!(
            pointers(&r, Severity::Error),
            [
                "/conversations/0/id",
                "/conversations/0/lastMessageAt",
                "/conversations/0/messages/0/content",
                "/conversations/0/messages/1/createdAt",
                "/conversations/1/id",
                "/conversations/1/lastMessageAt",
                "/conversations/1/messages",
                "/conversations/2",
            ]
        );
        assert!(r.findings[1].message.contains("date without a time"));
        assert!(r.findings[5].message.contains("no time zone"));
        assert!(
            r.findings[5].message.contains("`2023-10-27T14:30:00Z`"),
            "gives the fixed value"
        );
        assert!(
            r.findings[3].message.contains("`2023-10-27T14:25:00Z`"),
            "epoch seconds shown as ISO: {}",
            r.findings[3].message
        );
        assert_eq!(r.summary.ingested_conversations, 0);
        assert_eq!(r.exit_code(), 1);
    }

    #[test]
    fn warnings_name_stale_dates_duplicates_and_old_conversations() {
        let doc = json!({"conversations": [
            {"id": "c1", "lastMessageAt": "2024-01-01T00:00:00Z", "messages": [
                {"id": "m1", "role": "user", "content": "a", "createdAt": "2024-01-02T00:00:00Z"}]},
            {"id": "c1", "lastMessageAt": "2025-02-01T00:00:00Z", "messages": [
                {"id": "m1", "role": "user", "content": "b", "createdAt": "2025-02-01T00:00:00Z"}]}
        ]});
        let day = Date::from_calendar_date(2025, time::Month::January, 1).unwrap();
        let r = check("u", &ok(&doc), Some(day), IngestRule::AllOrNothing);
        assert_eq!(r.verdict, Verdict::Ingestible);
        assert_eq!(
            pointers(&r, Severity::Warning),
            [
                "/conversations/0/lastMessageAt",
                "/conversations/0/lastMessageAt",
                "/conversations/1/id"
            ]
        );
    }

    #[test]
    fn transport_and_http_failures_are_explained() {
        let unreachable = Fetch::Unreachable {
            kind: classify(
                "error sending request: tcp connect error: Connection refused (os error 111)",
            ),
            detail: "refused".to_owned(),
        };
        let r = check("u", &unreachable, None, IngestRule::AllOrNothing);
        assert_eq!((r.verdict, r.exit_code()), (Verdict::CouldNotCheck, 2));
        assert!(r.findings[0].message.contains("refused"));
        let auth = Fetch::Answered {
            status: 401,
            content_type: None,
            www_authenticate: Some("Basic realm=\"x\"".to_owned()),
            location: None,
            body: Vec::new(),
        };
        let r = check("u", &auth, None, IngestRule::AllOrNothing);
        assert!(
            r.findings[0]
                .message
                .contains("does not support authenticated")
        );
        let html = Fetch::Answered {
            status: 200,
            content_type: Some("text/html".to_owned()),
            www_authenticate: None,
            location: None,
            body: b"<!doctype html><title>Sign in</title>".to_vec(),
        };
        let r = check("u", &html, None, IngestRule::AllOrNothing);
        assert!(r.findings[0].message.contains("looks like HTML"), "{r:?}");
        assert_eq!(
            classify("dns error: failed to lookup address"),
            Unreachable::Dns
        );
    }

    #[test]
    fn the_ingest_rule_decides_whether_valid_conversations_survive_errors() {
        let mut doc = guide_example();
        doc["conversations"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "bad"}));
        let strict = check("u", &ok(&doc), None, IngestRule::AllOrNothing);
        let lenient = check("u", &ok(&doc), None, IngestRule::ValidConversations);
        assert_eq!(strict.summary.ingested_conversations, 0);
        assert_eq!(lenient.summary.ingested_conversations, 1);
        assert_eq!(lenient.verdict, Verdict::Problems);
    }
}
