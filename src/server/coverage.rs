//! Which calls each fake served and which it did not implement.
//!
//! The record layer reports every inbound exchange here with its path template (the
//! request path with its numeric segments collapsed to `{id}`) and whether the
//! vendor implements it. The first unmatched call of each method and template is
//! logged once as a warning; `GET /coverage` on the control port lists the calls,
//! with counts, next to the templates each vendor declares it implements.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

/// Calls seen per vendor, by method and path template.
#[derive(Debug, Default)]
pub struct Coverage {
    seen: Mutex<BTreeMap<&'static str, Seen>>,
}

/// Counts by method, then path template (two levels, so counting a known call
/// allocates nothing).
type Counts = BTreeMap<String, BTreeMap<String, u64>>;

#[derive(Debug, Default)]
struct Seen {
    matched: Counts,
    unmatched: Counts,
}

/// One method and path template with how often it was called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Call {
    /// HTTP method.
    pub method: String,
    /// Path template, e.g. `/api/v2/tickets/{id}.json`.
    pub path: String,
    /// How many calls.
    pub count: u64,
}

/// Most distinct templates kept per vendor and kind, so a client probing random
/// paths cannot grow memory without bound.
const MAX_TEMPLATES: usize = 1_000;

impl Coverage {
    /// Counts one inbound call; returns true when it is the first unmatched call of
    /// its method and template (the caller logs it).
    pub fn record(
        &self,
        vendor: &'static str,
        method: &str,
        template: &str,
        unmatched: bool,
    ) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let v = seen.entry(vendor).or_default();
        let map = if unmatched {
            &mut v.unmatched
        } else {
            &mut v.matched
        };
        if let Some(n) = map.get_mut(method).and_then(|m| m.get_mut(template)) {
            *n += 1;
            return false;
        }
        if map.values().map(BTreeMap::len).sum::<usize>() >= MAX_TEMPLATES {
            return false;
        }
        map.entry(method.to_owned())
            .or_default()
            .insert(template.to_owned(), 1);
        unmatched
    }

    /// The calls seen for `vendor`: `(matched, unmatched)`.
    pub fn calls(&self, vendor: &str) -> (Vec<Call>, Vec<Call>) {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let list = |m: &Counts| {
            m.iter()
                .flat_map(|(method, paths)| {
                    paths.iter().map(move |(path, count)| Call {
                        method: method.clone(),
                        path: path.clone(),
                        count: *count,
                    })
                })
                .collect()
        };
        seen.get(vendor)
            .map(|s| (list(&s.matched), list(&s.unmatched)))
            .unwrap_or_default()
    }

    /// Forgets every call (a reset).
    pub fn clear(&self) {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// A request path as a template: each segment that is a number (with an optional
/// `.json`-style suffix) becomes `{id}`.
pub fn template_of(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 8);
    for_each_run(path, |run| out.push_str(run));
    out
}

/// Calls `f` with [`template_of`] `path`, built on the stack when it is short (every
/// recorded request is counted, so this spares an allocation per request).
pub fn with_template<R>(path: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 256];
    let mut len = 0;
    let mut fits = true;
    for_each_run(path, |run| {
        let end = len + run.len();
        if fits && end <= buf.len() {
            buf[len..end].copy_from_slice(run.as_bytes());
            len = end;
        } else {
            fits = false;
        }
    });
    match std::str::from_utf8(&buf[..len]) {
        Ok(template) if fits => f(template),
        _ => f(&template_of(path)),
    }
}

/// The template of `path` as consecutive runs: stretches of the path that stay as
/// they are, and `{id}` for each numeric stem. One pass over the bytes.
fn for_each_run<'a>(path: &'a str, mut run: impl FnMut(&'a str)) {
    let bytes = path.as_bytes();
    // Where the current segment starts, whether its stem so far is all digits, and
    // where its stem ends (the first `.`), once seen.
    let (mut seg, mut digits, mut stem_end) = (0, true, None);
    let mut copied = 0;
    for i in 0..=bytes.len() {
        let b = bytes.get(i).copied();
        if b.is_some_and(|b| b != b'/') {
            if stem_end.is_none() {
                match b {
                    Some(b'.') => stem_end = Some(i),
                    Some(d) if d.is_ascii_digit() => {}
                    _ => digits = false,
                }
            }
            continue;
        }
        let stem = stem_end.unwrap_or(i);
        if digits && stem > seg {
            run(&path[copied..seg]);
            run("{id}");
            copied = stem;
        }
        (seg, digits, stem_end) = (i + 1, true, None);
    }
    run(&path[copied..]);
}

/// A vendor's name as its users know it: `acme` → `Acme`.
pub fn display_name(vendor: &str) -> String {
    let mut c = vendor.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_segments_collapse_to_id() {
        assert_eq!(template_of("/api/v2/foo/123.json"), "/api/v2/foo/{id}.json");
        assert_eq!(
            template_of("/api/v2/foo/12/bar/7"),
            "/api/v2/foo/{id}/bar/{id}"
        );
        assert_eq!(template_of("/api/v2/foo"), "/api/v2/foo");
        assert_eq!(template_of("/api/v2/v3x"), "/api/v2/v3x");
        assert_eq!(template_of("/a/12.x.y/"), "/a/{id}.x.y/");
        assert_eq!(template_of("7"), "{id}");
        assert_eq!(template_of("/.json/x1/1x"), "/.json/x1/1x");
        assert_eq!(template_of(""), "");
        assert_eq!(template_of("/"), "/");
        assert_eq!(template_of("/a/1./b"), "/a/{id}./b");
    }

    #[test]
    fn a_template_on_the_stack_is_the_same_as_one_allocated() {
        let long = format!("/a/{}/7", "x".repeat(300));
        for path in [
            "/api/v2/tickets/42.json",
            "/x/1/y/22/z",
            "",
            "/",
            long.as_str(),
        ] {
            assert_eq!(
                with_template(path, str::to_owned),
                template_of(path),
                "{path}"
            );
        }
        assert_eq!(
            with_template(&long, str::len),
            long.len() + 3,
            "`7` became `{{id}}`"
        );
    }

    #[test]
    fn the_first_unmatched_call_of_a_template_is_reported_once() {
        let c = Coverage::default();
        assert!(c.record("acme", "GET", "/api/v2/foo", true));
        assert!(!c.record("acme", "GET", "/api/v2/foo", true));
        assert!(!c.record("acme", "GET", "/api/v2/tickets", false));
        let (matched, unmatched) = c.calls("acme");
        assert_eq!(matched.len(), 1);
        assert_eq!(unmatched[0].count, 2);
        c.clear();
        assert!(c.calls("acme").1.is_empty());
    }
}
