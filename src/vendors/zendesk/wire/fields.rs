//! The field-by-field reader behind every request body: it collects every problem
//! before failing, as Zendesk's 422 `RecordInvalid` names each field.

use std::collections::BTreeSet;
use std::str::FromStr;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::parts::{CommentInput, CustomField, RequesterInput, UnknownFields};
use super::values::looks_like_email;
use crate::vendors::zendesk::error::{Details, FieldError, ZendeskError};

/// Field-by-field reader that collects every problem before failing.
pub(super) struct Fields<'a> {
    obj: &'a Map<String, Value>,
    seen: BTreeSet<&'static str>,
    errors: Details,
}

impl<'a> Fields<'a> {
    pub(super) fn new(obj: &'a Map<String, Value>) -> Self {
        Self {
            obj,
            seen: BTreeSet::new(),
            errors: Details::new(),
        }
    }

    pub(super) fn get(&mut self, key: &'static str) -> Option<&'a Value> {
        self.seen.insert(key);
        self.obj.get(key)
    }

    pub(super) fn fail(&mut self, key: &str, description: String, code: &str) {
        self.errors
            .entry(key.to_owned())
            .or_default()
            .push(FieldError {
                description,
                error: code.to_owned(),
            });
    }

    pub(super) fn wrong(&mut self, key: &str, v: &Value) {
        self.fail(
            key,
            format!("{}: {} is not a valid value", title(key), v),
            "InvalidValue",
        );
    }

    /// A string; numbers and booleans are coerced as Rails does; null is absent.
    pub(super) fn string(&mut self, key: &'static str) -> Option<String> {
        self.nullable_string(key).flatten()
    }

    pub(super) fn nullable_string(&mut self, key: &'static str) -> Option<Option<String>> {
        match self.get(key)? {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s.clone())),
            v @ (Value::Number(_) | Value::Bool(_)) => Some(Some(v.to_string())),
            v => {
                self.wrong(key, v);
                None
            }
        }
    }

    pub(super) fn boolean(&mut self, key: &'static str) -> Option<bool> {
        match self.get(key)? {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" || s == "false" => Some(s == "true"),
            v => {
                self.wrong(key, v);
                None
            }
        }
    }

    /// An id: a positive integer or its decimal string; null allowed.
    pub(super) fn id(&mut self, key: &'static str) -> Option<Option<u64>> {
        let v = self.get(key)?;
        match parse_id(v) {
            Ok(id) => Some(id),
            Err(()) => {
                self.wrong(key, v);
                None
            }
        }
    }

    pub(super) fn ids(&mut self, key: &'static str) -> Option<Vec<u64>> {
        let v = self.get(key)?;
        let parsed = match v {
            Value::Null => Some(Vec::new()),
            Value::Array(items) => items
                .iter()
                .map(|i| parse_id(i).ok().flatten())
                .collect::<Option<Vec<u64>>>(),
            _ => None,
        };
        if parsed.is_none() {
            self.wrong(key, v);
        }
        parsed
    }

    pub(super) fn enumerated<T: FromStr>(&mut self, key: &'static str) -> Option<Option<T>> {
        let v = self.get(key)?;
        match v {
            Value::Null => Some(None),
            Value::String(s) => match s.to_ascii_lowercase().parse() {
                Ok(t) => Some(Some(t)),
                Err(_) => {
                    self.wrong(key, v);
                    None
                }
            },
            _ => {
                self.wrong(key, v);
                None
            }
        }
    }

    /// Tags: an array of strings, or one space-separated string; stored lowercase.
    pub(super) fn tags(&mut self, key: &'static str) -> Option<Vec<String>> {
        let v = self.get(key)?;
        let raw: Option<Vec<&str>> = match v {
            Value::Null => Some(Vec::new()),
            Value::String(s) => Some(s.split_whitespace().collect()),
            Value::Array(items) => items.iter().map(Value::as_str).collect(),
            _ => None,
        };
        match raw {
            Some(tags) => {
                let mut out: Vec<String> = Vec::new();
                for t in tags.iter().flat_map(|t| t.split_whitespace()) {
                    let t = t.to_lowercase();
                    if !out.contains(&t) {
                        out.push(t);
                    }
                }
                Some(out)
            }
            None => {
                self.wrong(key, v);
                None
            }
        }
    }

    pub(super) fn timestamp(&mut self, key: &'static str) -> Option<Option<OffsetDateTime>> {
        let v = self.get(key)?;
        match v {
            Value::Null => Some(None),
            Value::String(s) => {
                match OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
                    Ok(t) => Some(Some(t)),
                    Err(_) => {
                        self.wrong(key, v);
                        None
                    }
                }
            }
            _ => {
                self.wrong(key, v);
                None
            }
        }
    }

    pub(super) fn object(&mut self, key: &'static str) -> Option<Map<String, Value>> {
        match self.get(key)? {
            Value::Null => None,
            Value::Object(m) => Some(m.clone()),
            v => {
                self.wrong(key, v);
                None
            }
        }
    }

    pub(super) fn custom_fields(&mut self, key: &'static str) -> Option<Vec<CustomField>> {
        let v = self.get(key)?;
        let parsed = match v {
            Value::Null => Some(Vec::new()),
            Value::Array(items) => items
                .iter()
                .map(|i| {
                    let id = parse_id(i.get("id")?).ok().flatten()?;
                    let value = i.get("value").cloned().unwrap_or(Value::Null);
                    Some(CustomField { id, value })
                })
                .collect(),
            _ => None,
        };
        if parsed.is_none() {
            self.wrong(key, v);
        }
        parsed
    }

    pub(super) fn comment(&mut self, key: &'static str) -> Option<CommentInput> {
        let v = self.get(key)?;
        let obj = match v {
            Value::Null => return None,
            Value::String(s) => {
                return Some(CommentInput {
                    body: Some(s.clone()),
                    ..CommentInput::default()
                });
            }
            Value::Object(o) => o,
            _ => {
                self.wrong(key, v);
                return None;
            }
        };
        let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
        let bad = ["body", "html_body"]
            .iter()
            .any(|k| obj.get(*k).is_some_and(|x| !x.is_string() && !x.is_null()))
            || obj
                .get("public")
                .is_some_and(|x| !x.is_boolean() && !x.is_null())
            || obj.get("author_id").is_some_and(|x| parse_id(x).is_err());
        if bad {
            self.wrong(key, v);
            return None;
        }
        Some(CommentInput {
            body: text("body"),
            html_body: text("html_body"),
            public: obj.get("public").and_then(Value::as_bool),
            author_id: obj
                .get("author_id")
                .and_then(|x| parse_id(x).ok().flatten()),
            uploads: match obj.get("uploads") {
                Some(Value::String(t)) => vec![t.clone()],
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ => Vec::new(),
            },
        })
    }

    pub(super) fn requester(&mut self, key: &'static str) -> Option<RequesterInput> {
        let v = self.get(key)?;
        let obj = match v {
            Value::Null => return None,
            Value::Object(o) => o,
            _ => {
                self.wrong(key, v);
                return None;
            }
        };
        let email = obj.get("email").and_then(Value::as_str).map(str::to_owned);
        if let Some(e) = &email
            && !looks_like_email(e)
        {
            self.fail(
                "requester",
                format!("Requester: Email: {e} is not properly formatted"),
                "InvalidValue",
            );
            return None;
        }
        Some(RequesterInput {
            name: obj.get("name").and_then(Value::as_str).map(str::to_owned),
            email,
            locale_id: obj
                .get("locale_id")
                .and_then(|x| parse_id(x).ok().flatten()),
        })
    }

    /// Fails with every collected problem, or returns the ignored read-only keys.
    pub(super) fn finish(
        mut self,
        read_only: &[&str],
        unknown: UnknownFields,
        _root: &str,
    ) -> Result<Vec<String>, ZendeskError> {
        let mut ignored = Vec::new();
        for key in self.obj.keys() {
            if self.seen.contains(key.as_str()) {
                continue;
            }
            if read_only.contains(&key.as_str()) || unknown == UnknownFields::Warn {
                ignored.push(key.clone());
            } else {
                self.fail(
                    key,
                    format!("{}: is not a recognised attribute", title(key)),
                    "InvalidValue",
                );
            }
        }
        if self.errors.is_empty() {
            Ok(ignored)
        } else {
            Err(ZendeskError::RecordInvalid(self.errors))
        }
    }
}

fn parse_id(v: &Value) -> Result<Option<u64>, ()> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_u64().filter(|id| *id > 0).map(Some).ok_or(()),
        Value::String(s) => s
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Some)
            .ok_or(()),
        _ => Err(()),
    }
}

/// `assignee_id` → `Assignee`, as Zendesk names fields in error descriptions.
fn title(key: &str) -> String {
    let base = key.strip_suffix("_id").unwrap_or(key).replace('_', " ");
    let mut chars = base.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_accept_numbers_and_numeric_strings_but_not_zero() {
        assert_eq!(parse_id(&json!(12)), Ok(Some(12)));
        assert_eq!(parse_id(&json!("12")), Ok(Some(12)));
        assert_eq!(parse_id(&json!(null)), Ok(None));
        assert!(parse_id(&json!(0)).is_err());
        assert!(parse_id(&json!(-3)).is_err());
        assert!(parse_id(&json!(1.5)).is_err());
    }
}
