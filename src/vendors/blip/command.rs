//! LIME commands (REFERENCE 6.2): the method, the envelope as Blip reads it, its
//! parser, and the response Blip writes back.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::wire::{
    Malformed, Node, Reason, check_common, check_content, envelope_id, is_media_type, opt_node,
    opt_string,
};

/// A command's method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Reads a resource.
    Get,
    /// Creates or changes a resource.
    Set,
    /// Deletes a resource.
    Delete,
    /// Subscribes to a resource.
    Subscribe,
    /// Unsubscribes from a resource.
    Unsubscribe,
    /// Observes a resource.
    Observe,
    /// Merges into a resource.
    Merge,
}

impl Method {
    /// Every method, in the order of the LIME spec.
    pub const ALL: [Self; 7] = [
        Self::Get,
        Self::Set,
        Self::Delete,
        Self::Subscribe,
        Self::Unsubscribe,
        Self::Observe,
        Self::Merge,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Set => "set",
            Self::Delete => "delete",
            Self::Subscribe => "subscribe",
            Self::Unsubscribe => "unsubscribe",
            Self::Observe => "observe",
            Self::Merge => "merge",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// A command request as the client sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// The id the response echoes (absent: fire and forget).
    pub id: Option<String>,
    /// `to`, when given (absent: the bot's own postmaster).
    pub to: Option<Node>,
    /// The method.
    pub method: Method,
    /// The resource URI, with its query.
    pub uri: String,
    /// The MIME type of `resource`.
    pub type_: Option<String>,
    /// The resource document.
    pub resource: Option<Value>,
}

/// Parses a command request body.
pub fn parse_command(o: &Map<String, Value>) -> Result<Command, Malformed> {
    check_common(o)?;
    let id = envelope_id(o)?;
    if o.contains_key("status") {
        return Err("a command request has no `status`: that is a command response".to_owned());
    }
    let method = match o.get("method") {
        Some(Value::String(m)) => Method::parse(m)
            .ok_or_else(|| format!("`method` {m:?} is not a LIME command method"))?,
        Some(_) => return Err("`method` must be a string".to_owned()),
        None => return Err("a command needs a `method`".to_owned()),
    };
    let uri = match opt_string(o, "uri")? {
        Some(u) if u.starts_with('/') || u.starts_with("lime://") => u,
        Some(u) => return Err(format!("`uri` {u:?} must start with / or lime://")),
        None => return Err("a command needs a `uri`".to_owned()),
    };
    let type_ = opt_string(o, "type")?;
    if let Some(t) = &type_
        && !is_media_type(t)
    {
        return Err(format!("`type` {t:?} is not a MIME type"));
    }
    let resource = o.get("resource").filter(|v| !v.is_null()).cloned();
    if let (Some(t), Some(r)) = (&type_, &resource) {
        check_content(t, r).map_err(|e| e.replace("`content`", "`resource`"))?;
    }
    if resource.is_some() && type_.is_none() && !matches!(method, Method::Set | Method::Merge) {
        return Err("a `resource` needs its `type`".to_owned());
    }
    Ok(Command {
        id,
        to: opt_node(o, "to")?,
        method,
        uri,
        type_,
        resource,
    })
}

/// A command response: the request's `id` and `method`, `from` the server,
/// `to` the caller, `status`, and either the resource (with its `type`) or a reason.
pub fn command_response(
    cmd: &Command,
    from: &str,
    to: &str,
    outcome: &Result<Option<(String, Value)>, Reason>,
) -> Value {
    let mut r = Map::new();
    match outcome {
        Ok(Some((type_, resource))) => {
            r.insert("type".into(), json!(type_));
            r.insert("resource".into(), resource.clone());
        }
        Ok(None) => {}
        Err(reason) => {
            r.insert("reason".into(), json!(reason));
        }
    }
    r.insert("method".into(), json!(cmd.method.as_str()));
    let status = if outcome.is_ok() {
        "success"
    } else {
        "failure"
    };
    r.insert("status".into(), json!(status));
    if let Some(id) = &cmd.id {
        r.insert("id".into(), json!(id));
    }
    r.insert("from".into(), json!(from));
    r.insert("to".into(), json!(to));
    Value::Object(r)
}

/// A LIME collection: `{"total": n, "itemType": ..., "items": [...]}`.
pub fn collection(item_type: &str, total: usize, items: Vec<Value>) -> Value {
    json!({"total": total, "itemType": item_type, "items": items})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::blip::wire::DESK_POSTMASTER;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_guides_commands_parse() {
        let c = parse_command(&obj(
            json!({"id":"1","to":"postmaster@desk.msging.net","method":"set",
            "uri":"/tickets/change-status","type":"application/vnd.iris.ticket+json",
            "resource":{"id":"t","status":"Open","agentIdentity":"a"}}),
        ))
        .unwrap();
        assert_eq!(c.method, Method::Set);
        assert_eq!(c.uri, "/tickets/change-status");
        assert_eq!(c.to.unwrap().identity(), DESK_POSTMASTER);
        let c = parse_command(&obj(json!({"id":"2","to":"postmaster@desk.msging.net","method":"set",
            "uri":"/tickets/5511@wa.gw.msging.net","type":"text/plain","resource":"I need a human!"})))
        .unwrap();
        assert_eq!(c.resource, Some(json!("I need a human!")));
    }

    #[test]
    fn malformed_commands_say_why() {
        let bad = [
            json!({"id":"1","uri":"/x"}),
            json!({"id":"1","method":"fetch","uri":"/x"}),
            json!({"id":"1","method":"get"}),
            json!({"id":"1","method":"get","uri":"x"}),
            json!({"id":7,"method":"get","uri":"/x"}),
            json!({"id":"1","method":"get","uri":"/x","to":"a b"}),
            json!({"id":"1","method":"set","uri":"/x","type":"nope","resource":{}}),
            json!({"id":"1","method":"set","uri":"/x","type":"application/vnd.iris.ticket+json","resource":"s"}),
            json!({"id":"1","method":"get","uri":"/x","status":"success"}),
        ];
        for b in bad {
            assert!(parse_command(&obj(b.clone())).is_err(), "{b}");
        }
    }

    #[test]
    fn responses_echo_id_and_method() {
        let c = parse_command(&obj(json!({"id":"9","method":"get","uri":"/ticket/x"}))).unwrap();
        let failed = command_response(
            &c,
            "postmaster@desk.msging.net/#az-iris2",
            "bot@msging.net",
            &Err(Reason::new(67, "Resource not found")),
        );
        assert_eq!(
            failed,
            json!({"id":"9","method":"get","status":"failure","from":"postmaster@desk.msging.net/#az-iris2",
                   "to":"bot@msging.net","reason":{"code":67,"description":"Resource not found"}})
        );
    }
}
