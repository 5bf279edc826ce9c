//! `${...}` interpolation: captures of earlier steps, the fakes' URLs and seeded
//! credentials (`${fakedesk.<vendor>.url}`), the SUT (`${sut.url}`) and environment
//! variables (`${env.HOME}`).
//!
//! - A string that is exactly one `${...}` becomes the referenced value with its JSON
//!   type (so `id: ${t.body.ticket.id}` stays a number); inside a longer string the
//!   value is written as text.
//! - Paths use dots, and numbers for list items: `${t.body.tickets.0.id}`.
//! - `${name:-fallback}` uses the fallback text when the value is missing.
//! - `$${` writes a literal `${`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// The names a scenario can refer to.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    vars: BTreeMap<String, Value>,
    /// Leave `${name}` as written when `name` is not bound (vendor settings, where
    /// `${first_name}` may be a vendor's own template variable, not ours).
    pub keep_unknown: bool,
}

/// Why a `${...}` could not be filled in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InterpError {
    /// A `${` without its `}`, at this byte offset.
    #[error("`${{` at byte {0} is never closed with `}}`")]
    Unclosed(usize),
    /// `${}`.
    #[error("`${{}}` names nothing")]
    Empty,
    /// `${env.NAME}` with `NAME` not set.
    #[error("the environment variable `{0}` is not set")]
    EnvUnset(String),
    /// The root name is not bound.
    #[error("`{root}` is not defined here (defined: {defined}){hint}")]
    Undefined {
        /// The name.
        root: String,
        /// The names that are bound, comma-separated.
        defined: String,
        /// `; did you mean ...?` or nothing.
        hint: String,
    },
    /// A key or list index that the value does not have.
    #[error("`{walked}` has no `{part}`: {has}")]
    Missing {
        /// The path walked so far.
        walked: String,
        /// The missing part.
        part: String,
        /// What the value has instead.
        has: String,
    },
}

/// A piece of a string: text, or an expression between `${` and `}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Literal text (with `$${` already turned into `${`).
    Text(String),
    /// The inside of `${...}`, with its byte offset in the string.
    Expr(&'a str, usize),
}

/// Splits `s` into text and expressions; an unclosed `${` is an error.
pub fn pieces(s: &str) -> Result<Vec<Piece<'_>>, InterpError> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut rest = s;
    let mut offset = 0;
    while let Some(i) = rest.find('$') {
        let after = &rest[i + 1..];
        if let Some(escaped) = after.strip_prefix("${") {
            text.push_str(&rest[..i]);
            text.push_str("${");
            rest = escaped;
            offset += i + 3;
        } else if let Some(body) = after.strip_prefix('{') {
            text.push_str(&rest[..i]);
            let Some(end) = body.find('}') else {
                return Err(InterpError::Unclosed(offset + i));
            };
            if !text.is_empty() {
                out.push(Piece::Text(std::mem::take(&mut text)));
            }
            out.push(Piece::Expr(&body[..end], offset + i));
            rest = &body[end + 1..];
            offset += i + 2 + end + 1;
        } else {
            text.push_str(&rest[..=i]);
            rest = after;
            offset += i + 1;
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

/// The root name of an expression: `t` for `t.body.id`, `env` for `env.HOME:-x`.
pub fn root_name(expr: &str) -> &str {
    let expr = expr.split(":-").next().unwrap_or(expr).trim();
    expr.split('.').next().unwrap_or(expr)
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds `name` (a capture, `fakedesk`, `sut`).
    pub fn set(&mut self, name: &str, value: Value) {
        self.vars.insert(name.to_owned(), value);
    }

    /// Whether `root` is bound (`env` always is).
    pub fn binds(&self, root: &str) -> bool {
        root == "env" || self.vars.contains_key(root)
    }

    /// The names bound, for hints.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.keys().map(String::as_str)
    }

    /// The value of one expression.
    pub fn lookup(&self, expr: &str) -> Result<Value, InterpError> {
        let (path, fallback) = match expr.split_once(":-") {
            Some((p, f)) => (p.trim(), Some(f)),
            None => (expr.trim(), None),
        };
        let found = self.resolve(path);
        match (found, fallback) {
            (Ok(v), _) => Ok(v),
            (Err(_), Some(f)) => Ok(Value::String(f.to_owned())),
            (Err(e), None) => Err(e),
        }
    }

    fn resolve(&self, path: &str) -> Result<Value, InterpError> {
        let mut parts = path.split('.');
        let root = parts.next().unwrap_or_default();
        if root.is_empty() {
            return Err(InterpError::Empty);
        }
        if root == "env" {
            let name: Vec<&str> = parts.collect();
            let name = name.join(".");
            return std::env::var(&name)
                .map(Value::String)
                .map_err(|_| InterpError::EnvUnset(name));
        }
        let Some(mut cur) = self.vars.get(root) else {
            let known: Vec<&str> = self.names().chain(["env"]).collect();
            let hint = super::diag::did_you_mean(root, known.iter().copied())
                .map_or_else(String::new, |m| format!("; did you mean `{m}`?"));
            return Err(InterpError::Undefined {
                root: root.to_owned(),
                defined: known.join(", "),
                hint,
            });
        };
        let mut walked = root.to_owned();
        for part in parts {
            let next = match cur {
                Value::Object(m) => m.get(part),
                Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            };
            let Some(next) = next else {
                let keys = match cur {
                    Value::Object(m) => {
                        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
                        let hint = super::diag::did_you_mean(part, keys.iter().copied())
                            .map_or_else(String::new, |m| format!("; did you mean `{m}`?"));
                        format!("it has {}{hint}", keys.join(", "))
                    }
                    Value::Array(a) => format!("it is a list of {}", a.len()),
                    other => format!("it is {other}"),
                };
                return Err(InterpError::Missing {
                    walked,
                    part: part.to_owned(),
                    has: keys,
                });
            };
            walked.push('.');
            walked.push_str(part);
            cur = next;
        }
        Ok(cur.clone())
    }

    /// Interpolates one string.
    pub fn string(&self, s: &str) -> Result<Value, InterpError> {
        let pieces = pieces(s)?;
        if let [Piece::Expr(e, _)] = pieces.as_slice()
            && (!self.keep_unknown || self.binds(root_name(e)))
        {
            return self.lookup(e);
        }
        let mut out = String::new();
        for p in pieces {
            match p {
                Piece::Text(t) => out.push_str(&t),
                Piece::Expr(e, _) if self.keep_unknown && !self.binds(root_name(e)) => {
                    out.push_str("${");
                    out.push_str(e);
                    out.push('}');
                }
                Piece::Expr(e, _) => match self.lookup(e)? {
                    Value::String(v) => out.push_str(&v),
                    Value::Null => {}
                    other => out.push_str(&other.to_string()),
                },
            }
        }
        Ok(Value::String(out))
    }

    /// Interpolates one string and requires text (numbers are written as text).
    pub fn text(&self, s: &str) -> Result<String, InterpError> {
        Ok(match self.string(s)? {
            Value::String(v) => v,
            Value::Null => String::new(),
            other => other.to_string(),
        })
    }

    /// Interpolates every string (and object key) in `v`.
    pub fn value(&self, v: &Value) -> Result<Value, InterpError> {
        Ok(match v {
            Value::String(s) => self.string(s)?,
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| self.value(i))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    out.insert(self.text(k)?, self.value(v)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope() -> Scope {
        let mut s = Scope::new();
        s.set(
            "t",
            json!({"body": {"ticket": {"id": 42, "tags": ["a", "b"]}}}),
        );
        s.set("fakedesk", json!({"acme": {"url": "http://127.0.0.1:1"}}));
        s
    }

    #[test]
    fn a_whole_expression_keeps_its_type_and_embedded_ones_become_text() {
        let s = scope();
        assert_eq!(s.string("${t.body.ticket.id}").unwrap(), json!(42));
        assert_eq!(
            s.string("/api/v2/tickets/${t.body.ticket.id}.json")
                .unwrap(),
            json!("/api/v2/tickets/42.json")
        );
        assert_eq!(s.string("${t.body.ticket.tags.1}").unwrap(), json!("b"));
        assert_eq!(
            s.string("${fakedesk.acme.url}/x").unwrap(),
            json!("http://127.0.0.1:1/x")
        );
    }

    #[test]
    fn escapes_fallbacks_and_plain_dollars() {
        let s = scope();
        assert_eq!(s.string("$${t} costs $5").unwrap(), json!("${t} costs $5"));
        assert_eq!(s.string("${nope.x:-dflt}").unwrap(), json!("dflt"));
        assert_eq!(
            s.string("${env.FAKEDESK_SURELY_UNSET_VAR:-}").unwrap(),
            json!("")
        );
    }

    #[test]
    fn errors_say_what_is_missing_and_suggest() {
        let s = scope();
        let e = s.string("${tt.body}").unwrap_err().to_string();
        assert!(
            e.contains("`tt` is not defined") && e.contains("did you mean `t`?"),
            "{e}"
        );
        let e = s.string("${t.body.tickt}").unwrap_err().to_string();
        assert!(
            e.contains("`t.body` has no `tickt`") && e.contains("did you mean `ticket`?"),
            "{e}"
        );
        assert_eq!(s.string("${t.body").unwrap_err(), InterpError::Unclosed(0));
        assert!(
            s.string("${t.body")
                .unwrap_err()
                .to_string()
                .contains("never closed")
        );
    }

    #[test]
    fn unknown_names_can_be_left_for_the_vendor_template_language() {
        let mut s = scope();
        s.keep_unknown = true;
        assert_eq!(
            s.string("{{${first_name}}} at ${fakedesk.acme.url}")
                .unwrap(),
            json!("{{${first_name}}} at http://127.0.0.1:1")
        );
        assert_eq!(s.string("${first_name}").unwrap(), json!("${first_name}"));
    }

    #[test]
    fn keys_are_interpolated_too() {
        let s = scope();
        let v = s
            .value(&json!({"${t.body.ticket.id}": {"n": "${t.body.ticket.id}"}}))
            .unwrap();
        assert_eq!(v, json!({"42": {"n": 42}}));
    }
}
