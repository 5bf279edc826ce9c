//! Partial JSON matching, with the differences spelled out for failure messages.
//!
//! - An object pattern needs each of its keys, matching; other keys are ignored.
//! - A list pattern needs, for each of its items, a different item of the list that
//!   matches it, in any order; other items are ignored.
//! - Scalars must be equal; a number and its decimal text match each other (vendors
//!   send ids as strings in some places and numbers in others).
//! - `null` matches null or a missing key.
//!
//! [`want`] applies it to journal entries (what an `expect` looks for), [`names`]
//! finds the name a typo meant.

pub mod names;
pub mod want;

use serde_json::Value;

/// One difference between a pattern and a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Where, e.g. `body.ticket.status` or `tickets[0]`.
    pub path: String,
    /// What the pattern wanted.
    pub expected: Value,
    /// What was there (`None`: nothing).
    pub actual: Option<Value>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Value| {
            let s = v.to_string();
            if s.chars().count() > 200 {
                format!("{}…", s.chars().take(200).collect::<String>())
            } else {
                s
            }
        };
        match &self.actual {
            Some(a) => write!(
                f,
                "{}: expected {}, got {}",
                self.path,
                show(&self.expected),
                show(a)
            ),
            None => write!(
                f,
                "{}: expected {}, missing",
                self.path,
                show(&self.expected)
            ),
        }
    }
}

/// Every difference between `pattern` and `actual`, with paths under `at`.
pub fn partial(at: &str, pattern: &Value, actual: Option<&Value>) -> Vec<Mismatch> {
    let mut out = Vec::new();
    walk(at, pattern, actual, &mut out, 0);
    out
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

fn scalar_eq(p: &Value, a: &Value) -> bool {
    match (p, a) {
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
            n.to_string() == *s
        }
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => p == a,
    }
}

const MAX_DEPTH: usize = 64;

fn walk(at: &str, pattern: &Value, actual: Option<&Value>, out: &mut Vec<Mismatch>, depth: usize) {
    let mismatch = |out: &mut Vec<Mismatch>| {
        out.push(Mismatch {
            path: at.to_owned(),
            expected: pattern.clone(),
            actual: actual.cloned(),
        });
    };
    if depth > MAX_DEPTH {
        if actual != Some(pattern) {
            mismatch(out);
        }
        return;
    }
    match (pattern, actual) {
        (Value::Null, None | Some(Value::Null)) => {}
        (_, None) => mismatch(out),
        (Value::Object(p), Some(Value::Object(a))) => {
            for (k, pv) in p {
                walk(&join(at, k), pv, a.get(k), out, depth + 1);
            }
        }
        (Value::Array(p), Some(Value::Array(a))) => {
            let mut used = vec![false; a.len()];
            for (i, pv) in p.iter().enumerate() {
                let mut best: Option<(usize, Vec<Mismatch>)> = None;
                for (j, av) in a.iter().enumerate() {
                    if used[j] {
                        continue;
                    }
                    let mut sub = Vec::new();
                    walk(&format!("{at}[{j}]"), pv, Some(av), &mut sub, depth + 1);
                    if sub.is_empty() {
                        best = Some((j, sub));
                        break;
                    }
                    if best.as_ref().is_none_or(|(_, b)| sub.len() < b.len()) {
                        best = Some((j, sub));
                    }
                }
                match best {
                    Some((j, sub)) if sub.is_empty() => used[j] = true,
                    // Pattern items that are objects report the closest item's
                    // differences; others say which item had no match.
                    Some((_, sub)) if pv.is_object() => out.extend(sub),
                    _ => out.push(Mismatch {
                        path: format!("{at}[{i}]"),
                        expected: pv.clone(),
                        actual: Some(Value::Array(a.clone())),
                    }),
                }
            }
        }
        (p, Some(a)) if !p.is_object() && !p.is_array() && scalar_eq(p, a) => {}
        _ => mismatch(out),
    }
}

/// `*` matches any run of characters; everything else literally.
pub fn glob(pattern: &str, text: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == text;
    }
    let parts: Vec<&str> = pattern.split('*').collect();
    glob_parts(&parts, text)
}

/// A [`glob`] pattern split once, to match many texts without splitting it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    parts: Vec<String>,
}

impl Glob {
    /// The pattern, split at its `*`s.
    pub fn new(pattern: &str) -> Self {
        Self {
            parts: pattern.split('*').map(str::to_owned).collect(),
        }
    }

    /// Whether `text` matches, as [`glob`] says.
    pub fn matches(&self, text: &str) -> bool {
        glob_parts(&self.parts, text)
    }
}

fn glob_parts<S: AsRef<str>>(parts: &[S], text: &str) -> bool {
    let [first, .., last] = parts else {
        return parts.first().is_some_and(|p| p.as_ref() == text);
    };
    let (first, last) = (first.as_ref(), last.as_ref());
    if text.len() < first.len() + last.len()
        || !text.starts_with(first)
        || !text[first.len()..].ends_with(last)
    {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid.as_ref()) {
            Some(i) => rest = &rest[i + mid.as_ref().len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn objects_need_only_the_given_keys() {
        let a = json!({"ticket": {"id": 1, "status": "open", "tags": []}});
        assert!(partial("body", &json!({"ticket": {"status": "open"}}), Some(&a)).is_empty());
        let m = partial(
            "body",
            &json!({"ticket": {"status": "solved", "x": 1}}),
            Some(&a),
        );
        assert_eq!(
            m.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "body.ticket.status: expected \"solved\", got \"open\"",
                "body.ticket.x: expected 1, missing"
            ]
        );
    }

    #[test]
    fn lists_need_a_distinct_match_for_each_item_in_any_order() {
        let a = json!([{"id": 1, "s": "a"}, {"id": 2, "s": "b"}]);
        assert!(partial("t", &json!([{"id": 2}, {"id": 1}]), Some(&a)).is_empty());
        assert!(!partial("t", &json!([{"id": 1}, {"id": 1}]), Some(&a)).is_empty());
        let m = partial("t", &json!([{"id": 2, "s": "c"}]), Some(&a));
        assert_eq!(m[0].to_string(), "t[1].s: expected \"c\", got \"b\"");
        assert!(partial("tags", &json!(["x"]), Some(&json!(["y", "x"]))).is_empty());
    }

    #[test]
    fn numbers_match_their_text_and_null_matches_missing() {
        assert!(partial("", &json!({"id": 42}), Some(&json!({"id": "42"}))).is_empty());
        assert!(partial("", &json!({"id": "42"}), Some(&json!({"id": 42}))).is_empty());
        assert!(partial("", &json!({"x": null}), Some(&json!({}))).is_empty());
        assert!(!partial("", &json!({"id": 4}), Some(&json!({"id": "42"}))).is_empty());
    }
}
