//! The HTTP side of the engine: each declared resource's routes, built from its
//! [`Spec`], and the list of every method and path template they serve.

use crate::vendors::zendesk::accounts::Account;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::extract::{ConnectInfo, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use serde_json::{Value, json};

use super::Spec;
use super::engine::{self, MAX_BULK, Who};
use super::listing::{self, Query};
use crate::vendors::zendesk::error::{IdParam, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller, RouteJson};
use crate::vendors::zendesk::fake::Zendesk;
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::json_response;

/// The state every handler gets.
pub type Z = Account;
/// What every handler answers.
pub type Reply = Result<Response, ZendeskError>;
/// The client's address, present on writes.
pub type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

/// Routes and the method and path templates they serve.
pub struct Routes {
    /// The routes.
    pub router: Router<Arc<Zendesk>>,
    /// `(method, path)` of each, for `GET /coverage`.
    pub served: Vec<(String, String)>,
}

impl Default for Routes {
    fn default() -> Self {
        Self {
            router: Router::new(),
            served: Vec::new(),
        }
    }
}

impl Routes {
    /// Adds `route` for `path` (and `path.json`), serving `methods`.
    #[must_use]
    pub fn add(mut self, path: &str, methods: &[&str], route: MethodRouter<Arc<Zendesk>>) -> Self {
        self.router = self.router.route_json(path, route);
        self.served
            .extend(methods.iter().map(|m| ((*m).to_owned(), path.to_owned())));
        self
    }
}

/// `200` with a JSON body.
pub fn ok(body: &Value) -> Response {
    json_response(StatusCode::OK, body)
}

/// The caller, for the audit log.
pub fn who(caller: Caller, peer: Peer) -> Who {
    Who {
        user_id: caller.0,
        ip_address: peer.map_or_else(|| "127.0.0.1".to_owned(), |p| p.0.0.ip().to_string()),
    }
}

/// End users may not change the account's records: Zendesk's 403.
pub fn require_staff(store: &Store, caller: Caller) -> Result<(), ZendeskError> {
    if store.user(caller.0)?.role.is_staff() {
        Ok(())
    } else {
        Err(ZendeskError::Forbidden)
    }
}

/// `{"<key>": {...}}` or Zendesk's 400 naming the missing root key.
pub fn root<'a>(body: &'a Value, key: &str) -> Result<&'a Value, ZendeskError> {
    body.get(key).filter(|v| !v.is_null()).ok_or_else(|| {
        ZendeskError::BadRequest(format!("param is missing or the value is empty: {key}"))
    })
}

/// Every declared resource's routes.
pub fn all() -> Routes {
    super::specs()
        .into_iter()
        .fold(Routes::default(), |r, spec| of(spec, r))
}

/// One resource's routes, from its declaration.
fn of(spec: &'static Spec, r: Routes) -> Routes {
    let r = collection_routes(spec, r);
    let r = bulk_routes(spec, r);
    let r = record_routes(spec, r);
    spec.nested.iter().fold(r, |r, n| {
        let (path, field) = (n.path, n.field);
        r.add(
            path,
            &["GET"],
            get(
                move |Account(z): Z,
                      IdParam(parent): IdParam,
                      RawQuery(q): RawQuery,
                      BaseUrl(b): BaseUrl| async move {
                    let q = Query::parse(q.as_deref());
                    let path = with_id(path, parent);
                    listing::nested(spec, &z.store_read(), &b, &path, field, parent, &q)
                        .map(|v| ok(&v))
                },
            ),
        )
    })
}

/// `GET` (list) and `POST` (create) on the collection's path.
fn collection_routes(spec: &'static Spec, r: Routes) -> Routes {
    let mut route = MethodRouter::new();
    let mut methods = Vec::new();
    if spec.ops.list {
        route = route.get(
            move |Account(z): Z, RawQuery(q): RawQuery, BaseUrl(b): BaseUrl| async move {
                listing::list(spec, &z.store_read(), &b, &Query::parse(q.as_deref()))
                    .map(|v| ok(&v))
            },
        );
        methods.push("GET");
    }
    if spec.ops.create {
        route = route.post(
            move |z: Z, c: Caller, p: Peer, b: BaseUrl, body: ZendeskJson| {
                create(spec, z, c, p, b, body)
            },
        );
        methods.push("POST");
    }
    if methods.is_empty() {
        return r;
    }
    r.add(spec.path, &methods, route)
}

/// `GET`, `PUT` and `DELETE` on one record's path.
fn record_routes(spec: &'static Spec, r: Routes) -> Routes {
    let mut route = MethodRouter::new();
    let mut methods = Vec::new();
    if spec.ops.show {
        route = route.get(
            move |Account(z): Z,
                  IdParam(id): IdParam,
                  RawQuery(q): RawQuery,
                  BaseUrl(b): BaseUrl| async move {
                let q = Query::parse(q.as_deref());
                listing::show(spec, &z.store_read(), &b, id, &q).map(|v| ok(&v))
            },
        );
        methods.push("GET");
    }
    if spec.ops.update {
        route = route.put(
            move |z: Z, c: Caller, p: Peer, id: IdParam, b: BaseUrl, body: ZendeskJson| {
                update(spec, z, c, p, id, b, body)
            },
        );
        methods.push("PUT");
    }
    if spec.ops.destroy {
        route = route.delete(
            move |Account(z): Z, c: Caller, p: Peer, IdParam(id): IdParam| async move {
                let now = z.now();
                let mut store = z.store();
                require_staff(&store, c)?;
                engine::destroy(spec, &mut store, &who(c, p), id, now)?;
                Ok::<_, ZendeskError>(StatusCode::NO_CONTENT.into_response())
            },
        );
        methods.push("DELETE");
    }
    if methods.is_empty() {
        return r;
    }
    r.add(&format!("{}/{{id}}", spec.path), &methods, route)
}

/// `show_many`, `count`, `create_many`, `update_many` and `destroy_many`.
fn bulk_routes(spec: &'static Spec, mut r: Routes) -> Routes {
    let (ops, base) = (spec.ops, spec.path);
    if ops.show_many {
        r = r.add(
            &format!("{base}/show_many"),
            &["GET"],
            get(
                move |Account(z): Z, RawQuery(q): RawQuery, BaseUrl(b): BaseUrl| async move {
                    listing::show_many(spec, &z.store_read(), &b, &Query::parse(q.as_deref()))
                        .map(|v| ok(&v))
                },
            ),
        );
    }
    if ops.count {
        r = r.add(
            &format!("{base}/count"),
            &["GET"],
            get(move |Account(z): Z| async move {
                let n = engine::records(spec, &z.store_read()).len();
                ok(&listing::count_body(n, z.now()))
            }),
        );
    }
    if ops.create_many {
        r = r.add(
            &format!("{base}/create_many"),
            &["POST"],
            post(
                move |z: Z, c: Caller, p: Peer, b: BaseUrl, body: ZendeskJson| {
                    create_many(spec, z, c, p, b, body)
                },
            ),
        );
    }
    if ops.update_many {
        r = r.add(
            &format!("{base}/update_many"),
            &["PUT"],
            put(
                move |z: Z, c: Caller, p: Peer, q: RawQuery, b: BaseUrl, body: ZendeskJson| {
                    update_many(spec, z, c, p, q, b, body)
                },
            ),
        );
    }
    if ops.destroy_many {
        r = r.add(
            &format!("{base}/destroy_many"),
            &["DELETE"],
            delete(move |z: Z, c: Caller, p: Peer, q: RawQuery, b: BaseUrl| {
                destroy_many(spec, z, c, p, q, b)
            }),
        );
    }
    r
}

async fn create_many(
    spec: &'static Spec,
    Account(z): Z,
    c: Caller,
    p: Peer,
    BaseUrl(b): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let items = bulk_items(&body, spec.plural)?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, c)?;
    let results = engine::create_many(spec, &mut store, &who(c, p), &items, now);
    let job = store.add_job(job_type("Create", spec), items.len(), results, now);
    Ok(job_reply(&b, &job))
}

async fn update_many(
    spec: &'static Spec,
    Account(z): Z,
    c: Caller,
    p: Peer,
    RawQuery(q): RawQuery,
    BaseUrl(b): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let q = Query::parse(q.as_deref());
    // Two forms: `?ids=` with one object, or a list of objects with their ids.
    let items: Vec<(Option<u64>, Value)> = match q.ids("ids")? {
        Some(ids) => {
            let one = root(&body, spec.one)?;
            ids.into_iter().map(|id| (Some(id), one.clone())).collect()
        }
        None => bulk_items(&body, spec.plural)?
            .into_iter()
            .map(|v| (super::id_of(&v["id"]), v))
            .collect(),
    };
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, c)?;
    let results = engine::update_many(spec, &mut store, &who(c, p), &items, now);
    let job = store.add_job(job_type("Update", spec), items.len(), results, now);
    Ok(job_reply(&b, &job))
}

async fn destroy_many(
    spec: &'static Spec,
    Account(z): Z,
    c: Caller,
    p: Peer,
    RawQuery(q): RawQuery,
    BaseUrl(b): BaseUrl,
) -> Reply {
    let ids = Query::parse(q.as_deref()).ids("ids")?.ok_or_else(|| {
        ZendeskError::BadRequest("param is missing or the value is empty: ids".to_owned())
    })?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, c)?;
    let results = engine::destroy_many(spec, &mut store, &who(c, p), &ids, now);
    let job = store.add_job(job_type("Delete", spec), ids.len(), results, now);
    Ok(job_reply(&b, &job))
}

/// `Bulk Create Organization` and the like (captured for organizations).
fn job_type(verb: &str, spec: &Spec) -> &'static str {
    // A job's type is a `&'static str`; the few names (three per resource) are
    // leaked once each and reused.
    static NAMES: std::sync::Mutex<std::collections::BTreeSet<&'static str>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let name = format!("Bulk {verb} {}", spec.job_name);
    let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(known) = names.get(name.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.into_boxed_str());
    names.insert(leaked);
    leaked
}

/// `path` with its `{param}` segment replaced by `id`.
fn with_id(path: &str, id: u64) -> String {
    match (path.find('{'), path.find('}')) {
        (Some(a), Some(b)) if a < b => format!("{}{id}{}", &path[..a], &path[b + 1..]),
        _ => path.to_owned(),
    }
}

fn bulk_items(body: &Value, key: &str) -> Result<Vec<Value>, ZendeskError> {
    let items = root(body, key)?
        .as_array()
        .ok_or_else(|| ZendeskError::BadRequest(format!("{key} must be an array")))?;
    if items.len() > MAX_BULK {
        return Err(ZendeskError::TooManyValues);
    }
    Ok(items.clone())
}

/// A bulk call's job status, `queued` as Zendesk first answers.
fn job_reply(base: &str, id: &str) -> Response {
    let url = format!("{base}/api/v2/job_statuses/{id}.json");
    ok(
        &json!({"job_status": {"id": id, "url": url, "status": "queued", "progress": null, "total": null, "message": null, "results": null}}),
    )
}

async fn create(
    spec: &'static Spec,
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, spec.one)?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let id = engine::create(spec, &mut store, &who(caller, peer), input, now)?;
    let rec = engine::find(spec, &store, id)?;
    let status = StatusCode::from_u16(spec.create_status).unwrap_or(StatusCode::CREATED);
    Ok(json_response(
        status,
        &json!({ spec.one: engine::render(spec, &base, &rec) }),
    ))
}

async fn update(
    spec: &'static Spec,
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    IdParam(id): IdParam,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, spec.one)?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    engine::update(spec, &mut store, &who(caller, peer), id, input, now)?;
    let rec = engine::find(spec, &store, id)?;
    Ok(ok(&json!({ spec.one: engine::render(spec, &base, &rec) })))
}
