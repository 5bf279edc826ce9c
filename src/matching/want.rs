//! What an `expect` wants of the journal, and why nothing matched: shared by
//! scenarios and by the control API's `POST /expect`. Pure functions over entries.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

pub use super::glob;
use super::{Mismatch, partial};
use crate::journal::{Direction, Entry};

/// What an `expect` wants, already interpolated.
#[derive(Debug, Clone)]
pub struct Want {
    /// The fake whose traffic to look at.
    pub vendor: String,
    /// Inbound (called the fake) or outbound (the fake called out).
    pub direction: Direction,
    /// HTTP method, upper case.
    pub method: Option<String>,
    /// Path without the query; `*` matches any run of characters.
    pub path: Option<String>,
    /// Query parameters that must be present (values may use `*`).
    pub query: BTreeMap<String, String>,
    /// Request headers that must be present (names ignore case, values may use `*`).
    pub headers: BTreeMap<String, String>,
    /// Partial JSON match on the request body.
    pub body: Option<Value>,
    /// The response status.
    pub status: Option<u16>,
    /// Only calls the fake does (`false`) or does not (`true`) implement.
    pub unmatched: Option<bool>,
}

/// Where an `expect` stands against the journal at one moment.
#[derive(Debug)]
pub enum Check {
    /// Enough exchanges matched: the first `count` of them, oldest first.
    Matched(Vec<Arc<Entry>>),
    /// `count` is 0 but these matched.
    Unwanted(Vec<Arc<Entry>>),
    /// Not yet: this many matched.
    Waiting(usize),
}

impl Want {
    /// What differs between this want and an entry (empty: it matches).
    pub fn mismatches(&self, e: &Entry) -> Vec<Mismatch> {
        let x = &e.exchange;
        let mut out = Vec::new();
        let mut differ = |path: &str, expected: Value, actual: Option<Value>| {
            out.push(Mismatch {
                path: path.to_owned(),
                expected,
                actual,
            });
        };
        if x.direction != self.direction {
            differ(
                "direction",
                json!(direction_word(self.direction)),
                Some(json!(direction_word(x.direction))),
            );
        }
        if let Some(m) = &self.method
            && !m.eq_ignore_ascii_case(&x.request.method)
        {
            differ("method", json!(m), Some(json!(x.request.method)));
        }
        if let Some(p) = &self.path
            && !glob(p, &x.request.path)
        {
            differ("path", json!(p), Some(json!(x.request.path)));
        }
        for (k, v) in &self.headers {
            let got = x.request.headers.get(k);
            if !got.is_some_and(|g| glob(v, g)) {
                differ(
                    &format!("headers.{}", k.to_lowercase()),
                    json!(v),
                    got.map(|g| json!(g)),
                );
            }
        }
        if let Some(status) = self.status {
            let got = x.response.as_ref().map(|r| r.status);
            if got != Some(status) {
                differ("status", json!(status), got.map(|g| json!(g)));
            }
        }
        if let Some(u) = self.unmatched
            && u != x.unmatched
        {
            differ("unmatched", json!(u), Some(json!(x.unmatched)));
        }
        out.extend(self.query_mismatches(e));
        if let Some(pattern) = &self.body {
            let actual = x.request.body.json().or_else(|| {
                std::str::from_utf8(&x.request.body.0)
                    .ok()
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_owned()))
            });
            out.extend(partial("body", pattern, actual.as_ref()));
        }
        out
    }

    fn query_mismatches(&self, e: &Entry) -> Vec<Mismatch> {
        if self.query.is_empty() {
            return Vec::new();
        }
        let query = e.exchange.request.query.as_deref().unwrap_or_default();
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let mut out = Vec::new();
        for (k, v) in &self.query {
            let got = pairs.iter().find(|(pk, _)| pk == k).map(|(_, pv)| pv);
            if !got.is_some_and(|g| glob(v, g)) {
                out.push(Mismatch {
                    path: format!("query.{k}"),
                    expected: json!(v),
                    actual: got.map(|g| json!(g)),
                });
            }
        }
        out
    }

    /// Looks for `count` matches among `entries` (any vendor; those `taken` says
    /// were matched before are skipped).
    pub fn check(
        &self,
        entries: &[Arc<Entry>],
        count: usize,
        taken: impl Fn(u64) -> bool,
    ) -> Check {
        let matched: Vec<Arc<Entry>> = entries
            .iter()
            .filter(|e| e.exchange.vendor == self.vendor && !taken(e.seq))
            .filter(|e| self.mismatches(e).is_empty())
            .cloned()
            .collect();
        if count == 0 {
            return if matched.is_empty() {
                Check::Waiting(0)
            } else {
                Check::Unwanted(matched)
            };
        }
        if matched.len() >= count {
            Check::Matched(matched.into_iter().take(count).collect())
        } else {
            Check::Waiting(matched.len())
        }
    }

    /// Why an `expect` failed: the closest exchange with its differences, then
    /// the latest traffic (`taken` ones marked `*`).
    pub fn explain(
        &self,
        all: &[Arc<Entry>],
        count: usize,
        found: usize,
        within: Duration,
        taken: impl Fn(u64) -> bool,
    ) -> String {
        let dir = direction_word(self.direction);
        let mut out = format!(
            "no {} {dir} exchange matched within {} (wanted {count}, found {found})\n",
            self.vendor,
            human(within)
        );
        let closest = all
            .iter()
            .filter(|e| e.exchange.vendor == self.vendor && !taken(e.seq))
            .map(|e| (e, self.mismatches(e)))
            .filter(|(_, m)| !m.is_empty())
            .min_by_key(|(e, m)| (m.len(), u64::MAX - e.seq));
        match closest {
            Some((e, m)) => {
                out.push_str(&format!("closest: {}\n", summary(e)));
                for x in m {
                    out.push_str(&format!("  {x}\n"));
                }
            }
            None => out.push_str(&format!(
                "nothing {} {dir} was received\n",
                if self.direction == Direction::Inbound {
                    format!("reached fake {}", self.vendor)
                } else {
                    format!("left fake {}", self.vendor)
                }
            )),
        }
        out.push_str(&format!(
            "received ({} exchange{} in the journal, * = matched by an earlier expect):\n",
            all.len(),
            if all.len() == 1 { "" } else { "s" }
        ));
        const SHOWN: usize = 30;
        for e in all.iter().rev().take(SHOWN).rev() {
            let mark = if taken(e.seq) { "*" } else { " " };
            out.push_str(&format!(" {mark}{}\n", summary(e)));
        }
        if all.len() > SHOWN {
            out.push_str(&format!("  … and {} earlier\n", all.len() - SHOWN));
        }
        out.trim_end().to_owned()
    }
}

/// Lists the exchanges that should not have happened.
pub fn explain_unwanted(matched: &[Arc<Entry>]) -> String {
    format!(
        "expected no matching exchange, but got:\n{}",
        matched
            .iter()
            .map(|e| format!("  {}", summary(e)))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// `inbound` or `outbound`.
pub fn direction_word(d: Direction) -> &'static str {
    match d {
        Direction::Inbound => "inbound",
        Direction::Outbound => "outbound",
    }
}

/// `#4 outbound POST http://127.0.0.1:5000/hooks → 200 (attempt 1)`.
pub fn summary(e: &Entry) -> String {
    let x = &e.exchange;
    let target = match &x.outbound {
        Some(o) => o.url.clone(),
        None => match &x.request.query {
            Some(q) => format!("{}?{q}", x.request.path),
            None => x.request.path.clone(),
        },
    };
    let result = match (&x.response, &x.error) {
        (Some(r), _) => r.status.to_string(),
        (None, Some(err)) => format!("no reply: {err}"),
        (None, None) => "no reply".to_owned(),
    };
    let attempt = x
        .outbound
        .as_ref()
        .filter(|o| o.attempt > 1)
        .map_or_else(String::new, |o| format!(" (attempt {})", o.attempt));
    format!(
        "#{} {} {} {} {target} → {result}{attempt}",
        e.seq,
        x.vendor,
        direction_word(x.direction),
        x.request.method
    )
}

/// What an `expect` captures: the request that arrived, and the reply it got.
pub fn capture(e: &Entry) -> Value {
    let x = &e.exchange;
    let query: Map<String, Value> =
        form_urlencoded::parse(x.request.query.as_deref().unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
    json!({
        "seq": e.seq,
        "vendor": x.vendor,
        "direction": direction_word(x.direction),
        "method": x.request.method,
        "path": x.request.path,
        "url": x.outbound.as_ref().map(|o| o.url.clone()),
        "query": query,
        "headers": serde_json::to_value(&x.request.headers).unwrap_or_default(),
        "body": serde_json::to_value(&x.request.body).unwrap_or_default(),
        "status": x.response.as_ref().map(|r| r.status),
        "response": x.response.as_ref().map(|r| json!({
            "headers": serde_json::to_value(&r.headers).unwrap_or_default(),
            "body": serde_json::to_value(&r.body).unwrap_or_default(),
        })),
    })
}

/// `5s`, `250ms`.
pub fn human(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_any_run_of_characters() {
        assert!(glob("/api/v2/tickets/*.json", "/api/v2/tickets/123.json"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "a-b-c"));
        assert!(!glob("a*b*c", "a-c-b"));
        assert!(glob("/x", "/x"));
        assert!(!glob("/x", "/xy"));
        assert!(!glob("ab*ba", "aba"));
    }
}
