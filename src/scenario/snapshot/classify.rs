//! What a value is, judged by its key, its header name or its shape: the rules of
//! the module documentation as tables and patterns.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Number;

use crate::journal::Headers;

/// Headers left out of snapshots: they vary run to run and mean nothing to a reviewer.
pub(super) const DROPPED_HEADERS: &[&str] = &[
    "content-length",
    "user-agent",
    "connection",
    "accept-encoding",
    "x-runtime",
    "date",
];

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    Id,
    Time,
    Signature,
    Token,
    Port,
}

impl Kind {
    pub(super) const ALL: usize = 5;

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Time => "time",
            Self::Signature => "signature",
            Self::Token => "token",
            Self::Port => "port",
        }
    }
}

/// What a key (JSON key, header name or query parameter) says about its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyClass {
    Id,
    Time,
    Signature,
    Token,
    Plain,
}

pub(super) fn classify_key(key: &str) -> KeyClass {
    let lower = key.to_ascii_lowercase().replace('-', "_");
    let camel = |suffix: &str| key.len() > suffix.len() && key.ends_with(suffix);
    if lower == "id"
        || lower == "ids"
        || lower.ends_with("_id")
        || lower.ends_with("_ids")
        || camel("Id")
        || camel("Ids")
    {
        return KeyClass::Id;
    }
    const TIME_NAMES: &[&str] = &[
        "time",
        "timestamp",
        "date",
        "datetime",
        "created",
        "updated",
        "deleted",
        "modified",
        "expires",
        "expiry",
        "reset",
    ];
    if TIME_NAMES.contains(&lower.as_str())
        || ["_at", "_time", "_timestamp", "_date", "_reset"]
            .iter()
            .any(|s| lower.ends_with(s))
        || ["At", "Time", "Timestamp", "Date"].iter().any(|s| camel(s))
    {
        return KeyClass::Time;
    }
    if lower.contains("signature") || lower.contains("hmac") {
        return KeyClass::Signature;
    }
    const TOKEN_NAMES: &[&str] = &["token", "secret", "password", "key", "api_key", "apikey"];
    if TOKEN_NAMES.contains(&lower.as_str())
        || ["_token", "_secret", "_password", "_key"]
            .iter()
            .any(|s| lower.ends_with(s))
        || ["Token", "Secret", "Password", "Key"]
            .iter()
            .any(|s| camel(s))
    {
        return KeyClass::Token;
    }
    KeyClass::Plain
}

/// What a header's name says about its value. fakedesk's `x-request-id` is a
/// per-response counter, not the id of anything: as an id it would share placeholders
/// with unrelated small ids (a vendor's UUID request ids are still caught by shape).
pub(super) fn header_class(name: &str) -> KeyClass {
    if name.eq_ignore_ascii_case("x-request-id") {
        KeyClass::Plain
    } else {
        classify_key(name)
    }
}

/// Volatile values found by scanning text; the first alternative that matches at a
/// position wins.
pub(super) static PATTERNS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<host>\b127\.0\.0\.1|\b0\.0\.0\.0|\blocalhost|\[::1\]):(?P<port>[0-9]{1,5})\b
        | (?P<time>\b[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T|\x20)[0-9]{2}:[0-9]{2}
            (?::[0-9]{2}(?:[.,][0-9]+)?)?
            (?:Z|\x20?[+-][0-9]{2}(?::?[0-9]{2})?)?)
        | (?P<httpdate>\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\x20[0-9]{2}\x20
            (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\x20[0-9]{4}\x20
            [0-9]{2}:[0-9]{2}:[0-9]{2}\x20GMT)
        | (?P<uuid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)
        | (?P<ulid>\b[0-7][0-9A-HJKMNP-TV-Z]{25}\b)
        | (?P<digits>\b[0-9]{10,}\b)
        ",
    )
    .expect("the snapshot patterns are valid")
});

pub(super) static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[(?:id|time|signature|token|port):[0-9]+\]$").expect("valid pattern")
});

pub(super) fn is_placeholder(s: &str) -> bool {
    s.starts_with('[') && PLACEHOLDER.is_match(s)
}

pub(super) fn is_form(headers: &Headers) -> bool {
    headers
        .get("content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
}

/// Which placeholder a number under a key of class `class` gets, if any.
pub(super) fn number_kind(n: &Number, class: KeyClass) -> Option<Kind> {
    let long_integer = n.as_u64().is_some_and(|u| u >= 1_000_000_000)
        || n.as_i64().is_some_and(|i| i <= -1_000_000_000);
    match class {
        KeyClass::Id => Some(Kind::Id),
        KeyClass::Time if n.as_f64().is_some_and(|f| f.abs() >= 1e8) => Some(Kind::Time),
        KeyClass::Signature => Some(Kind::Signature),
        KeyClass::Token => Some(Kind::Token),
        _ if long_integer => Some(Kind::Id),
        _ => None,
    }
}

/// Epoch seconds or milliseconds written as a string.
pub(super) fn is_epoch_str(s: &str) -> bool {
    let digits = s.split_once('.').map_or(s, |(int, _)| int);
    digits.len() >= 9
        && digits.bytes().all(|b| b.is_ascii_digit())
        && s.bytes().filter(|b| *b == b'.').count() <= 1
        && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// `s` with `needle` replaced, except where it runs on into more digits (so
/// `127.0.0.1:4123` does not match inside `127.0.0.1:41234`) or is preceded by a
/// digit or a dot.
pub(super) fn replace_bounded(s: &str, needle: &str, replacement: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(needle) {
        let end = i + needle.len();
        let before = rest[..i].chars().last().or_else(|| out.chars().last());
        let glued_before = before.is_some_and(|c| c.is_ascii_digit() || c == '.');
        let glued_after = rest[end..].starts_with(|c: char| c.is_ascii_digit());
        out.push_str(&rest[..i]);
        if glued_before || glued_after {
            out.push_str(needle);
        } else {
            out.push_str(replacement);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
