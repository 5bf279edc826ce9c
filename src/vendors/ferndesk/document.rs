//! The conversations document against the contract: the root, each
//! conversation, each message, and the summary of what would be ingested.

use std::collections::HashMap;

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::report::{Findings, IngestRule, Report, Severity, Summary, Verdict, kind};

/// Why a value is not an ISO-8601 timestamp with a time zone, with the
/// corrected value where the intent is clear.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimestampError {
    /// Date and time separated by a space.
    #[error("`{given}` separates date and time with a space: write `{fixed}`")]
    Spaced {
        /// The value as written.
        given: String,
        /// The value as it should be.
        fixed: String,
    },
    /// No time zone (perhaps also spaced).
    #[error("`{given}` has no time zone{}: if it is UTC, write `{fixed}`", also_spaced(.spaced))]
    NoZone {
        /// The value as written.
        given: String,
        /// Whether it also separates date and time with a space.
        spaced: bool,
        /// The value as it should be, if it is UTC.
        fixed: String,
    },
    /// A date alone.
    #[error("`{given}` is a date without a time: write a full timestamp such as `{fixed}`")]
    DateOnly {
        /// The value as written.
        given: String,
        /// The date at midnight UTC.
        fixed: String,
    },
    /// A string that is no timestamp.
    #[error("`{0}` is not an ISO-8601 timestamp: write it like 2023-10-27T14:30:00Z")]
    NotIso(String),
    /// A number that reads as epoch seconds or milliseconds.
    #[error(
        "is the number {number}; timestamps are ISO-8601 strings: if it is epoch time, write `{fixed}`"
    )]
    Epoch {
        /// The number.
        number: serde_json::Number,
        /// The time it is, as epoch time.
        fixed: String,
    },
    /// Another number.
    #[error(
        "is the number {0}; timestamps are ISO-8601 strings: write it like 2023-10-27T14:30:00Z"
    )]
    Number(serde_json::Number),
    /// Not a string at all.
    #[error("is {0}; timestamps are ISO-8601 strings: write it like 2023-10-27T14:30:00Z")]
    NotAString(&'static str),
}

fn also_spaced(spaced: &bool) -> &'static str {
    if *spaced {
        ", and uses a space instead of `T`"
    } else {
        ""
    }
}

/// Parses an ISO-8601 timestamp with a time zone (RFC 3339), explaining the usual
/// mistakes and, where the intent is clear, giving the corrected value.
pub fn parse_timestamp(v: &Value) -> Result<OffsetDateTime, TimestampError> {
    let shown = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
    match v {
        Value::String(s) => {
            if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
                return Ok(t);
            }
            let given = s.clone();
            let with_t = s.trim().replacen(' ', "T", 1);
            let spaced = with_t != s.trim();
            if let Ok(t) = OffsetDateTime::parse(&with_t, &Rfc3339) {
                let fixed = shown(t);
                return Err(TimestampError::Spaced { given, fixed });
            }
            if let Ok(t) = OffsetDateTime::parse(&format!("{with_t}Z"), &Rfc3339) {
                let fixed = shown(t);
                return Err(TimestampError::NoZone {
                    given,
                    spaced,
                    fixed,
                });
            }
            if let Ok(t) = OffsetDateTime::parse(&format!("{with_t}T00:00:00Z"), &Rfc3339) {
                let fixed = shown(t);
                return Err(TimestampError::DateOnly { given, fixed });
            }
            Err(TimestampError::NotIso(given))
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
                Some(t) => TimestampError::Epoch {
                    number: n.clone(),
                    fixed: shown(t),
                },
                None => TimestampError::Number(n.clone()),
            })
        }
        other => Err(TimestampError::NotAString(kind(other))),
    }
}

/// The roles the guide's text names.
pub const ROLES: &[&str] = &["user", "agent"];

pub(super) fn check_document(
    doc: &Value,
    start_date: Option<Date>,
    f: &mut Findings,
    report: &mut Report,
    rule: IngestRule,
) {
    let list = match conversations_of(doc, f) {
        Ok(list) => list,
        Err(nothing) => {
            report.summary.text = format!("Ferndesk would ingest nothing: {nothing}.");
            return;
        }
    };
    if list.is_empty() {
        f.warn(
            "/conversations",
            "is empty: there is nothing to ingest (is startDate later than every conversation?)",
        );
    }
    let (valid, messages) = check_each(list, start_date, f);
    let any_error = f.0.iter().any(|x| x.severity == Severity::Error);
    let take: Vec<usize> = match rule {
        IngestRule::AllOrNothing if any_error => Vec::new(),
        _ => valid.clone(),
    };
    let s = &mut report.summary;
    s.conversations = list.len();
    s.valid_conversations = valid.len();
    s.messages = messages;
    tally(list, &take, report);
    let errors = f.0.iter().filter(|x| x.severity == Severity::Error).count();
    report.summary.text = if any_error && take.is_empty() {
        nothing_text(list.len(), valid.len(), errors)
    } else {
        ingest_text(list.len(), take.len(), &report.summary)
    };
    report.verdict = if any_error {
        Verdict::Problems
    } else {
        Verdict::Ingestible
    };
}

/// The `conversations` array of the document, or (with the finding made) why
/// there is none, as the summary says it.
fn conversations_of<'a>(doc: &'a Value, f: &mut Findings) -> Result<&'a Vec<Value>, &'static str> {
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
        return Err("the document is not an object");
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
        return Err("there is no `conversations` array");
    };
    let Some(list) = list.as_array() else {
        f.error(
            "/conversations",
            format!("is {}; it must be an array of conversations", kind(list)),
        );
        return Err("`conversations` is not an array");
    };
    Ok(list)
}

/// Checks every conversation and their ids' uniqueness: the indexes of the valid
/// ones and how many messages there are in all.
fn check_each(list: &[Value], start_date: Option<Date>, f: &mut Findings) -> (Vec<usize>, usize) {
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
    (valid, messages)
}

/// Counts what the conversations `take` bring in (messages, roles, the span of
/// their last messages) and keeps them as ingested.
fn tally(list: &[Value], take: &[usize], report: &mut Report) {
    let s = &mut report.summary;
    let mut times: Vec<(OffsetDateTime, String)> = Vec::new();
    for &i in take {
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
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The summary when errors leave nothing to ingest.
fn nothing_text(total: usize, valid: usize, errors: usize) -> String {
    format!(
        "Ferndesk would ingest nothing: {} of {} {} errors, and a document in the wrong format is not ingested. Fix the {} above.",
        total - valid,
        plural(total, "conversation", "conversations"),
        if total - valid == 1 { "has" } else { "have" },
        plural(errors, "error", "errors"),
    )
}

/// The summary of what would be ingested: conversations, messages by role, the
/// span of their last messages, and how many were skipped.
fn ingest_text(total: usize, taken: usize, s: &Summary) -> String {
    let roles: Vec<String> = s.roles.iter().map(|(r, n)| format!("{n} {r}")).collect();
    let span = match (&s.first_last_message_at, &s.last_last_message_at) {
        (Some(a), Some(b)) if a != b => format!(", last messages from {a} to {b}"),
        (Some(a), _) => format!(", last message at {a}"),
        _ => String::new(),
    };
    let skipped = total - taken;
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
        plural(taken, "conversation", "conversations"),
        plural(s.ingested_messages, "message", "messages"),
        if roles.is_empty() {
            String::new()
        } else {
            format!(" ({})", roles.join(", "))
        },
    )
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
            f.error(p, why.to_string());
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
    check_url(obj, p, f);
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
        match check_message(m, p, j, &mut ids, f) {
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

/// The optional `url` of a conversation: an absolute http(s) URL when present.
fn check_url(obj: &serde_json::Map<String, Value>, p: &str, f: &mut Findings) {
    if let Some(u) = obj.get("url") {
        match u {
            Value::String(s) if s.starts_with("http://") || s.starts_with("https://") => {}
            Value::String(s) => f.warn(format!("{p}/url"), format!("`{s}` is not an absolute http(s) URL; links from Ferndesk to the conversation will not work")),
            Value::Null => {}
            other => f.warn(format!("{p}/url"), format!("is {}; the optional `url` is a string", kind(other))),
        }
    }
}

/// Checks message `j` of the conversation at `p` (`ids` holds the message ids
/// seen so far); returns its `createdAt` when the message has a valid one.
fn check_message(
    m: &Value,
    p: &str,
    j: usize,
    ids: &mut HashMap<String, usize>,
    f: &mut Findings,
) -> Option<OffsetDateTime> {
    let q = format!("{p}/messages/{j}");
    let Some(mo) = m.as_object() else {
        f.error(&q, format!("is {}; each message must be an object with `id`, `role`, `content` and `createdAt`", kind(m)));
        return None;
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
    check_content(mo, &q, f);
    timestamp(mo, "createdAt", &q, "message", f)
}

/// A message's `content`: present, plain text, not empty.
fn check_content(mo: &serde_json::Map<String, Value>, q: &str, f: &mut Findings) {
    match mo.get("content") {
        None => f.error(
            format!("{q}/content"),
            "missing: every message needs `content`, its plain text",
        ),
        Some(Value::String(s)) if s.trim().is_empty() => f.warn(format!("{q}/content"), "is empty"),
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
}

fn looks_like_html(s: &str) -> bool {
    let lower = s.to_lowercase();
    ["<p>", "<br", "<div", "</", "<span", "<a href"]
        .iter()
        .any(|t| lower.contains(t))
}
