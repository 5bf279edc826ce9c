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

use serde_json::Value;
use time::Date;

use super::document::check_document;
pub use super::document::{ROLES, TimestampError, parse_timestamp};
pub use super::report::{
    Fetch, Finding, IngestRule, Report, Severity, Summary, Unreachable, Verdict, classify,
    render_text,
};
use super::report::{Findings, excerpt};

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
            f.error("", unreachable_message(*kind, detail));
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
    if let Some((message, why)) = answer_problem(
        status,
        www_authenticate.as_deref(),
        location.as_deref(),
        body,
    ) {
        f.error("", message);
        return stop(report, f, &why);
    }
    let doc: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            f.error("", not_json_message(body, content_type.as_deref(), &e));
            return stop(report, f, "the body is not JSON");
        }
    };
    check_content_type(content_type.as_deref(), &mut f);
    check_document(&doc, start_date, &mut f, &mut report, rule);
    report.findings = f.0;
    report.findings.sort_by_key(|x| x.severity);
    report
}

/// Why the endpoint could not be reached, with what to do about it.
fn unreachable_message(kind: Unreachable, detail: &str) -> String {
    match kind {
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
    }
}

/// An answer Ferndesk cannot ingest from at all (authentication, a redirect, a
/// status other than 2xx): the finding and, in a few words, why nothing is
/// ingested.
fn answer_problem(
    status: u16,
    www_authenticate: Option<&str>,
    location: Option<&str>,
    body: &[u8],
) -> Option<(String, String)> {
    if status == 401 || status == 403 || www_authenticate.is_some() {
        let challenge =
            www_authenticate.map_or_else(String::new, |w| format!(" (WWW-Authenticate: {w})"));
        return Some((
            format!(
                "the endpoint demands authentication: it answered {status}{challenge}. Ferndesk does not support authenticated endpoints: serve the document without authentication"
            ),
            "the endpoint demands authentication".to_owned(),
        ));
    }
    if (300..400).contains(&status) {
        let to = location.unwrap_or("nowhere (no Location header)");
        let login = ["login", "signin", "sign_in", "auth", "sso"]
            .iter()
            .any(|w| to.to_lowercase().contains(w));
        let mut message = format!(
            "the endpoint redirects ({status} to {to}): give Ferndesk the final URL, which must answer 200 itself"
        );
        if login {
            message.push_str("; the redirect looks like a login page, and Ferndesk does not support authenticated endpoints");
        }
        return Some((message, "the endpoint redirects".to_owned()));
    }
    if !(200..300).contains(&status) {
        let mut message = format!(
            "the endpoint answered {status}; it must answer 200 with the conversations document"
        );
        if !body.is_empty() {
            message.push_str(&format!(": it said `{}`", excerpt(body, 160)));
        }
        return Some((message, format!("the endpoint answered {status}")));
    }
    None
}

/// A warning unless the document is served as JSON.
fn check_content_type(content_type: Option<&str>, f: &mut Findings) {
    if !is_json_type(content_type) {
        f.warn(
            "",
            format!(
                "the Content-Type is {}; serve the document as `application/json`",
                content_type.map_or_else(|| "missing".to_owned(), |c| format!("`{c}`"))
            ),
        );
    }
}

/// True for `application/json` and `+json` types.
fn is_json_type(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|c| {
        let mime = c
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_lowercase();
        mime == "application/json" || mime.ends_with("+json")
    })
}

/// Why a body is not JSON: empty, HTML (a web or login page), or the parser's
/// words.
fn not_json_message(body: &[u8], content_type: Option<&str>, e: &serde_json::Error) -> String {
    let trimmed = String::from_utf8_lossy(body);
    let trimmed = trimmed.trim_start();
    if body.iter().all(u8::is_ascii_whitespace) {
        "the body is empty; it must be the JSON document `{\"conversations\": [...]}`".to_owned()
    } else if trimmed.starts_with('<') {
        format!(
            "the body is not JSON but looks like HTML (Content-Type: {}): `{}`; is this URL a web page or a login page rather than the endpoint?",
            content_type.unwrap_or("none"),
            excerpt(body, 80)
        )
    } else {
        format!("the body is not valid JSON: {e}")
    }
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
