//! Handlers of Mammut's graph paths, parsed by [`super::graph::parse`] because
//! their segments hold colons: users (the Freshchat guide's create, update and
//! read), any other vertex type, edges created and traversed, issue resolution,
//! the `fixed-vertex` and `unique-vertex` lookups, and `actions/compile` (200, or
//! 503 by a fault: a client expects either).

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{Method, Uri};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::account::Mammut;
use super::error::{MammutError, Reply, ok};
use super::graph::{self, Path, Step};
use super::wire;

type M = State<Arc<Mammut>>;

/// The id of the platform's own `mammut` user (`fixed-vertex`, \[DOC\] README
/// sample `8288`).
pub const FIXED_USER: u64 = 8288;

fn object(body: &[u8]) -> Result<Map<String, Value>, MammutError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err(MammutError::BadRequest(
            "the body must be a JSON object".to_owned(),
        )),
        Err(e) => Err(MammutError::BadRequest(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

fn written(elements: &[(u64, String, &'static str)]) -> Reply {
    let e: Vec<(u64, &str, &str)> = elements
        .iter()
        .map(|(i, n, t)| (*i, n.as_str(), *t))
        .collect();
    ok(&graph::task_result(&e))
}

/// Every graph path.
pub async fn graph(
    State(m): M,
    method: Method,
    uri: Uri,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Reply {
    let q = q.unwrap_or_default();
    match (graph::parse(&m.settings().app, uri.path())?, method) {
        (Path::Fixed, Method::GET) => fixed(&q),
        (Path::Unique, Method::GET) => unique(&m, &q),
        (Path::Compile, Method::POST) => compile(&m, &body),
        (Path::Type(_, kind), Method::POST) if kind == "user" => {
            let id = m.store().create_user(object(&body)?)?;
            ok(&wire::task_result(id))
        }
        (Path::Type(_, kind), Method::POST) => {
            written(&m.store().create_vertex(&kind, object(&body)?, None)?)
        }
        (Path::Vertex(_, kind, id, None), Method::POST) => update(&m, &kind, id, &q),
        (Path::Vertex(depth, kind, id, None), Method::GET) => {
            let v = m.store().view(&kind, id, depth.unwrap_or(1));
            let v =
                v.ok_or_else(|| MammutError::NotFound(format!("{kind}:{id} does not exist")))?;
            ok(&graph::read(&kind, vec![v]))
        }
        (Path::Vertex(_, kind, id, Some(step)), Method::POST) => {
            create_linked(&m, &kind, id, step, &body)
        }
        (Path::Vertex(depth, kind, id, Some(Step::Traverse(verb, kind2))), Method::GET) => {
            let items = m
                .store()
                .traverse(&kind, id, &verb, &kind2, depth.unwrap_or(1))?;
            ok(&graph::read(&kind2, graph::cut(items, &graph::window(&q))))
        }
        _ => Err(MammutError::MethodNotAllowed),
    }
}

/// `POST .../user:{id}?k=v` (the guide's update, `&`-separated) or
/// `POST .../{type}:{id}?k="v";k2="v2";edge@type:{"id":N}` (the client's).
fn update(m: &Mammut, kind: &str, id: u64, q: &str) -> Reply {
    if kind == "user" {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), wire::unquote(&v).to_owned()))
            .collect();
        m.store().update_user(id, pairs)?;
        return ok(&wire::task_result(id));
    }
    m.store().update_vertex(kind, id, graph::assignments(q))?;
    written(&[(id, kind.to_owned(), "Vertex")])
}

fn create_linked(m: &Mammut, kind: &str, id: u64, step: Step, body: &[u8]) -> Reply {
    let (verb, new_kind) = match step {
        Step::Create(verb, k) => (verb, k),
        Step::Implied(verb) => {
            let k = graph::implied_kind(&verb).ok_or_else(|| {
                MammutError::NotFound(format!("no such endpoint: {kind}:{id}/{verb}"))
            })?;
            (verb, k.to_owned())
        }
        Step::Traverse(..) => return Err(MammutError::MethodNotAllowed),
    };
    let made = m
        .store()
        .create_vertex(&new_kind, object(body)?, Some((&verb, kind, id)))?;
    written(&made)
}

fn param(q: &str, key: &str) -> Option<String> {
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// `GET fixed-vertex?type-name=user&config-id=mammut`: the platform's own user.
fn fixed(q: &str) -> Reply {
    if param(q, "type-name").as_deref() != Some("user")
        || param(q, "config-id").as_deref() != Some("mammut")
    {
        return Err(MammutError::Failed("no such fixed vertex".to_owned()));
    }
    let user = json!({"user-type": "machine", "name": "Mammut", "main-email": "mammut@fakedesk.test", "id": FIXED_USER});
    ok(&graph::read("user", vec![user]))
}

/// `GET unique-vertex?type-name=&property-name=&property-value=`: the vertex whose
/// property equals the value, or `status: Failed`.
fn unique(m: &Mammut, q: &str) -> Reply {
    let (Some(kind), Some(name), Some(value)) = (
        param(q, "type-name"),
        param(q, "property-name"),
        param(q, "property-value"),
    ) else {
        return Err(MammutError::BadRequest(
            "type-name, property-name and property-value are required".to_owned(),
        ));
    };
    let depth = param(q, "depth").and_then(|d| d.parse().ok()).unwrap_or(1);
    let store = m.store();
    let ids: Vec<u64> = match kind.as_str() {
        "user" => store
            .users
            .iter()
            .filter(|u| u.properties.get(&name) == Some(&json!(value)))
            .map(|u| u.id)
            .collect(),
        _ => store
            .vertices
            .iter()
            .filter(|v| v.kind == kind && v.properties.get(&name) == Some(&json!(value)))
            .map(|v| v.id)
            .collect(),
    };
    let Some(id) = ids.first() else {
        return Err(MammutError::Failed(format!(
            "no {kind} with {name} = {value}"
        )));
    };
    ok(&graph::read(
        &kind,
        store.view(&kind, *id, depth).into_iter().collect(),
    ))
}

/// `POST actions/compile` (REFERENCE 4.4): the request is kept; 200.
fn compile(m: &Mammut, body: &[u8]) -> Reply {
    let body = object(body)?;
    if !body.get("packageId").is_some_and(Value::is_string) {
        return Err(MammutError::BadRequest("packageId is required".to_owned()));
    }
    m.store().compiles.push(Value::Object(body));
    ok(&json!({"status": "Success"}))
}
