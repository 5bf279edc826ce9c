//! One LIME command on its way through the routing table: who sent it, the
//! path parameters its URI template bound, its query, and the helpers every
//! handler reads its arguments with.

use serde_json::{Map, Value};

use super::account::Blip;
use super::attendance::Push;
use super::command::{self, Command, Method};
use super::wire::{COLLECTION_TYPE, Reason, reason};

/// What a handler answers: a resource with its type, nothing, or a reason.
pub type Outcome = Result<Option<(String, Value)>, Reason>;

/// A handler of one URI template and method.
pub type Handler = fn(&mut Call<'_>) -> Outcome;

/// A command matched to a route.
pub struct Call<'a> {
    /// The fake.
    pub b: &'a Blip,
    /// The bot that sent it (`{identifier}@msging.net`).
    pub owner: &'a str,
    /// The command as sent.
    pub cmd: &'a Command,
    /// The URI's `{...}` segments, decoded once, in order.
    pub params: Vec<String>,
    /// The URI's query, decoded.
    pub query: Vec<(String, String)>,
    /// What to push to the attendance channel once the command is answered.
    pub pushes: Vec<Push>,
}

impl Call<'_> {
    /// The `n`th path parameter.
    pub fn param(&self, n: usize) -> &str {
        self.params.get(n).map_or("", String::as_str)
    }

    /// A query parameter, when given.
    pub fn q(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A numeric query parameter (`default` when absent), at most `max`; a value
    /// that is not a number, or over `max` when `strict`, is invalid.
    pub fn number(
        &self,
        key: &str,
        default: usize,
        max: usize,
        strict: bool,
    ) -> Result<usize, Reason> {
        match self.q(key) {
            None | Some("") => Ok(default.min(max)),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n > max && strict => {
                    Err(invalid(format!("The value of {key} must be at most {max}")))
                }
                Ok(n) => Ok(n.min(max)),
                Err(_) => Err(invalid(format!("Invalid value '{v}' for {key}"))),
            },
        }
    }

    /// `$skip` and `$take` (or `skip`, `take` when `dollar` is false).
    pub fn page(&self, dollar: bool, default: usize, max: usize) -> Result<(usize, usize), Reason> {
        let (s, t) = if dollar {
            ("$skip", "$take")
        } else {
            ("skip", "take")
        };
        Ok((
            self.number(s, 0, usize::MAX, false)?,
            self.number(t, default, max, false)?,
        ))
    }

    /// The resource, which must be a JSON object.
    pub fn object(&self) -> Result<&Map<String, Value>, Reason> {
        self.cmd
            .resource
            .as_ref()
            .and_then(Value::as_object)
            .ok_or_else(|| invalid("The command needs a resource document"))
    }

    /// The settings of the run.
    pub fn now_iso(&self) -> String {
        crate::clock::iso_millis(self.b.now())
    }
}

/// A collection answer: `application/vnd.lime.collection+json`.
pub fn collection(item_type: &str, total: usize, items: Vec<Value>) -> Outcome {
    Ok(Some((
        COLLECTION_TYPE.to_owned(),
        command::collection(item_type, total, items),
    )))
}

/// One page of `all` as a collection whose `total` counts every item.
pub fn paged(item_type: &str, all: Vec<Value>, skip: usize, take: usize) -> Outcome {
    let total = all.len();
    let items = all.into_iter().skip(skip).take(take).collect();
    collection(item_type, total, items)
}

/// A single document answer.
pub fn document(type_: &str, v: Value) -> Outcome {
    Ok(Some((type_.to_owned(), v)))
}

/// Code 64: a bad argument.
pub fn invalid(description: impl Into<String>) -> Reason {
    Reason::new(reason::COMMAND_INVALID_ARGUMENT, description)
}

/// Code 67: what the command names does not exist.
pub fn not_found() -> Reason {
    Reason::new(reason::COMMAND_RESOURCE_NOT_FOUND, "Resource not found")
}

/// Code 62: no extension serves the URI.
pub fn not_supported() -> Reason {
    Reason::new(
        reason::COMMAND_RESOURCE_NOT_SUPPORTED,
        "There's no resource processor available to handle the received command",
    )
}

/// Code 63: the URI exists but not for this method.
pub fn method_not_supported(m: Method) -> Reason {
    Reason::new(
        reason::COMMAND_METHOD_NOT_SUPPORTED,
        format!(
            "The method '{}' is not supported for this resource",
            m.as_str()
        ),
    )
}

/// An optional string field.
pub fn opt_str(o: &Map<String, Value>, key: &str) -> Result<Option<String>, Reason> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("'{key}' must be a string"))),
    }
}

/// A required string field.
pub fn req_str(o: &Map<String, Value>, key: &str) -> Result<String, Reason> {
    match opt_str(o, key)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(invalid(format!("The field '{key}' is required"))),
    }
}

/// An optional list of strings.
pub fn opt_strings(o: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, Reason> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| invalid(format!("'{key}' must be a list of strings")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(invalid(format!("'{key}' must be a list of strings"))),
    }
}
