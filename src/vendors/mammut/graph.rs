//! Mammut's graph beyond `user` (freshchat-mammut-more 14; \[SDK\] a Mammut Python
//! client, \[DOC\] the Mattermost plugin's README): the URL grammar and the vertices
//! and edges it reads and writes. Pure: no I/O.
//!
//! Paths hang off `/app:{app}/`: `graph/...` writes, `graph:N/...` reads to depth
//! N. A vertex is `{type}:{id}`; `/{vertex}/{verb}:={type}` creates a vertex linked
//! by that edge, `/{vertex}/{verb}::{type}` traverses, `/user:{id}/create` makes a
//! room and `/user:{id}/can` a verb (button). Body keys `"<edge>@<type>": {"id"}`
//! link to existing vertices. Issues (Thought Offers To Be Learned) are `issue`
//! vertices; closing one with a `resolution-text` teaches the bot that answer.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::error::MammutError;

/// One step of a graph path after the first vertex or type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `{verb}:={type}`: create a `type` vertex linked by `verb`.
    Create(String, String),
    /// `{verb}::{type}`: the `type` vertices linked by `verb`.
    Traverse(String, String),
    /// `{verb}` alone: create the vertex type the verb implies (`create`: room,
    /// `can`: verb).
    Implied(String),
}

/// A path under `/app:{app}/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Path {
    /// `graph[:depth]/{type}`.
    Type(Option<u32>, String),
    /// `graph[:depth]/{type}:{id}[/{step}]`.
    Vertex(Option<u32>, String, u64, Option<Step>),
    /// `fixed-vertex`.
    Fixed,
    /// `unique-vertex`.
    Unique,
    /// `actions/compile`.
    Compile,
}

fn nope(path: &str) -> MammutError {
    MammutError::NotFound(format!("no such endpoint: {path}"))
}

/// Reads `path` (the whole request path) for app `app`.
pub fn parse(app: &str, path: &str) -> Result<Path, MammutError> {
    let rest = path
        .strip_prefix("/app:")
        .and_then(|r| r.strip_prefix(app))
        .and_then(|r| r.strip_prefix('/'))
        .ok_or_else(|| nope(path))?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    match rest {
        "fixed-vertex" => return Ok(Path::Fixed),
        "unique-vertex" => return Ok(Path::Unique),
        "actions/compile" => return Ok(Path::Compile),
        _ => {}
    }
    let mut segments = rest.split('/');
    let depth = match segments.next().ok_or_else(|| nope(path))? {
        "graph" => None,
        g => Some(
            g.strip_prefix("graph:")
                .and_then(|d| d.parse().ok())
                .ok_or_else(|| nope(path))?,
        ),
    };
    let first = segments
        .next()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| nope(path))?;
    let step = segments.next().map(step_of);
    if segments.next().is_some() {
        return Err(nope(path));
    }
    match first.split_once(':') {
        None if step.is_none() => Ok(Path::Type(depth, first.to_owned())),
        None => Err(nope(path)),
        Some((kind, id)) => {
            let id = id.parse().map_err(|_| {
                MammutError::BadRequest(format!("`{id}` is not a vertex id (an integer)"))
            })?;
            Ok(Path::Vertex(depth, kind.to_owned(), id, step))
        }
    }
}

fn step_of(s: &str) -> Step {
    if let Some((verb, kind)) = s.split_once(":=") {
        Step::Create(verb.to_owned(), kind.to_owned())
    } else if let Some((verb, kind)) = s.split_once("::") {
        Step::Traverse(verb.to_owned(), kind.to_owned())
    } else {
        Step::Implied(s.to_owned())
    }
}

/// The vertex type a bare verb creates (`user:{id}/create` → room, `/can` → verb).
pub fn implied_kind(verb: &str) -> Option<&'static str> {
    match verb {
        "create" => Some("room"),
        "can" => Some("verb"),
        _ => None,
    }
}

/// A vertex other than a user or an issue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Vertex {
    /// The vertex id.
    pub id: u64,
    /// `room`, `thought`, `verb`, `video`, `calendar`, ...
    pub kind: String,
    /// Kebab-case properties.
    pub properties: Map<String, Value>,
}

/// An edge: `from` --verb--> `to`, each `(type, id)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edge {
    /// The edge id.
    pub id: u64,
    /// `create`, `send`, `in`, `belong-to`, ...
    pub verb: String,
    /// The source vertex.
    pub from: (String, u64),
    /// The target vertex.
    pub to: (String, u64),
}

/// The `"<edge>@<type>": {"id": N}` members of a body: `(edge, type, id)`.
pub fn links(body: &Map<String, Value>) -> Result<Vec<(String, String, u64)>, MammutError> {
    body.iter()
        .filter_map(|(k, v)| k.split_once('@').map(|(e, t)| (e, t, v)))
        .map(|(edge, kind, v)| {
            let id = v.get("id").and_then(Value::as_u64).ok_or_else(|| {
                MammutError::BadRequest(format!("{edge}@{kind} must be {{\"id\": <vertex id>}}"))
            })?;
            Ok((edge.to_owned(), kind.to_owned(), id))
        })
        .collect()
}

/// A query-string update as Mammut writes it: `k="v";k2="v2";edge@type:{"id":N}`
/// (`&` separates too). Values lose one pair of surrounding quotes.
pub fn assignments(query: &str) -> Vec<(String, Value)> {
    let decoded: String = form_urlencoded::parse(query.replace(';', "&").as_bytes())
        .map(|(k, v)| {
            if v.is_empty() {
                k.into_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("\u{0}");
    decoded
        .split('\u{0}')
        .filter(|p| !p.is_empty())
        .filter_map(|pair| match pair.split_once('=') {
            Some((k, v)) => Some((k.to_owned(), json!(super::wire::unquote(v)))),
            None => {
                let (k, v) = pair.split_once(':')?;
                Some((k.to_owned(), serde_json::from_str(v).ok()?))
            }
        })
        .collect()
}

/// A traversal's filter: `creation-date.last(N)` or `creation-date.since("...")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Window {
    /// Everything.
    All,
    /// The N newest.
    Last(usize),
    /// Created at or after.
    Since(String),
}

/// The filter of a traversal's raw query.
pub fn window(query: &str) -> Window {
    let q: String = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            if v.is_empty() {
                k.into_owned()
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    let inner = |name: &str| {
        let at = q.find(name)? + name.len();
        let end = q[at..].find(')')?;
        Some(q[at..at + end].trim_matches('"').to_owned())
    };
    if let Some(n) = inner("creation-date.last(").and_then(|n| n.parse().ok()) {
        Window::Last(n)
    } else if let Some(t) = inner("creation-date.since(") {
        Window::Since(t)
    } else {
        Window::All
    }
}

/// `items` (each with a `creation-date`) cut by `w`, oldest first.
pub fn cut(mut items: Vec<Value>, w: &Window) -> Vec<Value> {
    let date = |v: &Value| v["creation-date"].as_str().unwrap_or_default().to_owned();
    items.sort_by_key(date);
    match w {
        Window::All => items,
        Window::Last(n) => {
            let skip = items.len().saturating_sub(*n);
            items.into_iter().skip(skip).collect()
        }
        Window::Since(t) => items.into_iter().filter(|v| date(v) >= *t).collect(),
    }
}

/// A read envelope: `{"count", "data": {"<type>": [...]}, "status": "Success"}`.
pub fn read(kind: &str, items: Vec<Value>) -> Value {
    json!({"count": items.len(), "data": {kind: items}, "status": "Success"})
}

/// A write's `TaskResult`, one element per `(id, name, Vertex|Edge)`.
pub fn task_result(elements: &[(u64, &str, &str)]) -> Value {
    let list: Vec<Value> = elements
        .iter()
        .map(|(id, name, t)| json!({"affectedElementId": id, "affectedElementName": name, "affectedElementType": t}))
        .collect();
    json!({"status": "Success", "taskResult": list})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_as_the_client_writes_them() {
        let p = |s: &str| parse("mammut-1", s).unwrap();
        assert_eq!(
            p("/app:mammut-1/graph/user"),
            Path::Type(None, "user".to_owned())
        );
        assert_eq!(
            p("/app:mammut-1/graph:2/room:4272"),
            Path::Vertex(Some(2), "room".to_owned(), 4272, None)
        );
        assert_eq!(
            p("/app:mammut-1/graph/user:7/send:=thought"),
            Path::Vertex(
                None,
                "user".to_owned(),
                7,
                Some(Step::Create("send".to_owned(), "thought".to_owned()))
            )
        );
        assert_eq!(
            p("/app:mammut-1/graph:1/room:9/with::thought"),
            Path::Vertex(
                Some(1),
                "room".to_owned(),
                9,
                Some(Step::Traverse("with".to_owned(), "thought".to_owned()))
            )
        );
        assert_eq!(p("/app:mammut-1/fixed-vertex"), Path::Fixed);
        assert_eq!(p("/app:mammut-1/actions/compile"), Path::Compile);
        assert!(matches!(
            parse("mammut-1", "/app:mammut-1/graph/user:abc"),
            Err(MammutError::BadRequest(_))
        ));
        assert!(matches!(
            parse("mammut-1", "/app:mammut-2/graph/user"),
            Err(MammutError::NotFound(_))
        ));
        assert!(parse("mammut-1", "/app:mammut-1/graph/a:1/b/c").is_err());
    }

    #[test]
    fn query_updates_and_windows_follow_the_client() {
        let a = assignments(
            "resolution-text=\"Open 9 to 5\";issue-state=\"close\";resolved-by@user:{\"id\":8}",
        );
        assert_eq!(a[0], ("resolution-text".to_owned(), json!("Open 9 to 5")));
        assert_eq!(a[1], ("issue-state".to_owned(), json!("close")));
        assert_eq!(a[2], ("resolved-by@user".to_owned(), json!({"id": 8})));
        assert_eq!(window("creation-date.last(10)"), Window::Last(10));
        assert_eq!(
            window("creation-date.since(%222019-12-07T22:03:12%2B00:00%22)"),
            Window::Since("2019-12-07T22:03:12+00:00".to_owned())
        );
        let items = vec![
            json!({"creation-date": "b"}),
            json!({"creation-date": "a"}),
            json!({"creation-date": "c"}),
        ];
        assert_eq!(
            cut(items.clone(), &Window::Last(2)),
            vec![json!({"creation-date": "b"}), json!({"creation-date": "c"})]
        );
        assert_eq!(cut(items, &Window::Since("b".to_owned())).len(), 2);
    }
}
