//! The HTTP side of the engine: each declared resource's routes, built from its
//! [`Spec`], and the list of every method and path template they serve.

use crate::vendors::zendesk::accounts::Account;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Extension;
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, RawPathParams, RawQuery};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use serde_json::{Value, json};

use super::engine::{self, MAX_BULK, Who};
use super::listing::{self, Query};
use super::spec::{Parent, Spec};
use crate::fake::{bytes_reply, serialization_bug};
use crate::vendors::zendesk::error::{IdParam, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller, Origin, RouteJson};
use crate::vendors::zendesk::fake::Zendesk;
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::{CONTENT_TYPE_JSON, json_response};

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
pub fn all(specs: Vec<&'static Spec>) -> Routes {
    specs
        .into_iter()
        .fold(Routes::default(), |r, spec| of(spec, r))
}

/// One resource's routes, from its declaration.
fn of(spec: &'static Spec, r: Routes) -> Routes {
    let r = [spec.path].iter().chain(spec.aliases).fold(r, |r, path| {
        record_routes(spec, path, collection_routes(spec, path, r))
    });
    let r = bulk_routes(spec, r);
    let r = spec
        .parents
        .iter()
        .fold(r, |r, p| parent_routes(spec, *p, r));
    spec.nested.iter().fold(r, |r, n| {
        let (path, field) = (n.path, n.field);
        r.add(
            path,
            &["GET"],
            get(
                move |Account(z): Z,
                      Ids(ids, locale): Ids,
                      RawQuery(q): RawQuery,
                      BaseUrl(b): BaseUrl| async move {
                    let parent = ids.last().copied().ok_or(ZendeskError::RecordNotFound)?;
                    let q = Query::parse(q.as_deref());
                    let path = fill(path, &ids, locale.as_deref());
                    listing::nested(spec, &z.store_read(), &b, &path, field, parent, &q)
                        .map(|v| ok(&v))
                },
            ),
        )
    })
}

/// The numeric parameters of a request's path, in order, the last without its
/// `.json`, and its `{locale}` parameter if any. Anything else is a 404.
pub struct Ids(pub Vec<u64>, pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = ZendeskError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Help Center paths may carry a slug after an id (`/articles/5-title`).
        let slugged = parts.uri.path().contains("/help_center/");
        let Ok(params) = RawPathParams::from_request_parts(parts, state).await else {
            return Ok(Self(Vec::new(), None));
        };
        let locale = params
            .iter()
            .find(|(k, _)| *k == "locale")
            .map(|(_, v)| v.strip_suffix(".json").unwrap_or(v).to_ascii_lowercase());
        let ids = params
            .iter()
            .filter(|(k, _)| *k != "locale")
            .map(|(_, v)| {
                let v = v.strip_suffix(".json").unwrap_or(v);
                v.split_once('-')
                    .filter(|_| slugged)
                    .map_or(v, |(id, _)| id)
                    .parse()
                    .map_err(|_| ZendeskError::RecordNotFound)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self(ids, locale))
    }
}

/// The parent named by the last id of a path, which must exist.
fn parent_id(store: &Store, p: Parent, ids: &[u64]) -> Result<u64, ZendeskError> {
    let id = ids.last().copied().ok_or(ZendeskError::RecordNotFound)?;
    if store.exists(p.table, id) {
        Ok(id)
    } else {
        Err(ZendeskError::RecordNotFound)
    }
}

/// The record a record path names: its last id, under the parent before it
/// for a scoped resource.
fn record_id(spec: &Spec, store: &Store, ids: &[u64]) -> Result<u64, ZendeskError> {
    let (&id, rest) = ids.split_last().ok_or(ZendeskError::RecordNotFound)?;
    if let Some(p) = spec.scope {
        let parent = parent_id(store, p, rest)?;
        let rec = store
            .records
            .get(spec.table, id)
            .ok_or(ZendeskError::RecordNotFound)?;
        if rec.get(p.field).and_then(Value::as_u64) != Some(parent) {
            return Err(ZendeskError::RecordNotFound);
        }
    }
    Ok(id)
}

/// A list (and create, if declared) under a parent record that must exist.
fn parent_routes(spec: &'static Spec, p: Parent, r: Routes) -> Routes {
    let mut route = get(
        move |Account(z): Z, Ids(ids, locale): Ids, RawQuery(q): RawQuery, BaseUrl(b): BaseUrl| async move {
            let store = z.store_read();
            let parent = parent_id(&store, p, &ids)?;
            let q = Query::parse(q.as_deref());
            let path = fill(p.path, &ids, locale.as_deref());
            listing::nested(spec, &store, &b, &path, p.field, parent, &q).map(|v| ok(&v))
        },
    );
    let mut methods = vec!["GET"];
    if p.create {
        route = route.post(
            move |z: Z, c: Caller, peer: Peer, ids: Ids, b: BaseUrl, body: ZendeskJson| {
                create(spec, Some(p), ids, z, c, peer, b, body)
            },
        );
        methods.push("POST");
    }
    r.add(p.path, &methods, route)
}

/// `GET` (list) and `POST` (create) on the collection's path.
fn collection_routes(spec: &'static Spec, path: &'static str, r: Routes) -> Routes {
    let mut route = MethodRouter::new();
    let mut methods = Vec::new();
    if spec.ops.list {
        route = route.get(
            move |Account(z): Z,
                  Ids(ids, locale): Ids,
                  RawQuery(q): RawQuery,
                  BaseUrl(b): BaseUrl| async move {
                let q = Query::parse(q.as_deref());
                let store = z.store_read();
                match spec.scope {
                    Some(p) => {
                        let parent = parent_id(&store, p, &ids)?;
                        let path = fill(path, &ids, locale.as_deref());
                        listing::nested(spec, &store, &b, &path, p.field, parent, &q)
                    }
                    None => listing::list(spec, &store, &b, &q),
                }
                .map(|v| ok(&v))
            },
        );
        methods.push("GET");
    }
    if spec.ops.create || spec.scope.is_some() {
        route = route.post(
            move |z: Z, c: Caller, p: Peer, ids: Ids, b: BaseUrl, body: ZendeskJson| {
                create(spec, spec.scope, ids, z, c, p, b, body)
            },
        );
        methods.push("POST");
    }
    if methods.is_empty() {
        return r;
    }
    r.add(path, &methods, route)
}

/// `GET`, `PUT` and `DELETE` on one record's path.
fn record_routes(spec: &'static Spec, path: &'static str, r: Routes) -> Routes {
    let mut route = MethodRouter::new();
    let mut methods = Vec::new();
    if spec.ops.show {
        route = if path.contains('{') || spec.scope.is_some() {
            route.get(move |z: Z, ids: Ids, q: RawQuery, o: Origin| show(spec, z, ids, q, o))
        } else {
            // One id in the path, read in place (the busiest route: a ticket).
            route.get(
                move |Account(z): Z, IdParam(id): IdParam, q: RawQuery, o: Origin| async move {
                    show_found(spec, &z.store_read(), id, q, o)
                },
            )
        };
        methods.push("GET");
    }
    if spec.ops.update {
        route = route.put(
            move |z: Z, c: Caller, p: Peer, ids: Ids, b: BaseUrl, body: ZendeskJson| {
                update(spec, z, c, p, ids, b, body)
            },
        );
        methods.push("PUT");
    }
    if spec.ops.destroy {
        route = route.delete(
            move |Account(z): Z, c: Caller, p: Peer, Ids(ids, _): Ids| async move {
                let now = z.now();
                let mut store = z.store();
                let id = record_id(spec, &store, &ids)?;
                may_change(spec, &store, c, Some(id))?;
                engine::destroy(spec, &mut store, &who(c, p), id, now)?;
                Ok::<_, ZendeskError>(StatusCode::NO_CONTENT.into_response())
            },
        );
        methods.push("DELETE");
    }
    if methods.is_empty() {
        return r;
    }
    r.add(&format!("{path}/{{{}}}", spec.id_param), &methods, route)
}

/// `GET` one record, by the ids of a path with several parameters.
async fn show(
    spec: &'static Spec,
    Account(z): Z,
    Ids(ids, _): Ids,
    q: RawQuery,
    o: Origin,
) -> Reply {
    let store = z.store_read();
    let id = record_id(spec, &store, &ids)?;
    show_found(spec, &store, id, q, o)
}

/// One record's reply: the row's kept reply when it keeps one and nothing is
/// side-loaded, else rendered with the side-loads asked for.
fn show_found(spec: &Spec, store: &Store, id: u64, RawQuery(q): RawQuery, o: Origin) -> Reply {
    let one = listing::find(spec, store, id)?;
    let q = Query::parse(q.as_deref());
    if q.get("include").is_none()
        && let Some(kept) = one.row().kept_reply(o.scheme, o.host.as_str())
    {
        return Ok(match kept {
            Ok(bytes) => bytes_reply(StatusCode::OK, CONTENT_TYPE_JSON, bytes),
            Err(e) => serialization_bug(&e),
        });
    }
    Ok(ok(&listing::shown(spec, store, &o.base(), one.row(), &q)))
}

/// Staff may change any record; end users only create, and change their own
/// records, in resources open to them (Help Center comments, posts, votes).
pub fn may_change(
    spec: &Spec,
    store: &Store,
    caller: Caller,
    id: Option<u64>,
) -> Result<(), ZendeskError> {
    if store.user(caller.0)?.role.is_staff() {
        return Ok(());
    }
    if !spec.end_user_writes {
        return Err(ZendeskError::Forbidden);
    }
    let Some(id) = id else {
        return Ok(());
    };
    let rec = store
        .records
        .get(spec.table, id)
        .ok_or(ZendeskError::RecordNotFound)?;
    let owner = rec
        .get("author_id")
        .or_else(|| rec.get("user_id"))
        .and_then(Value::as_u64);
    if owner == Some(caller.0) {
        Ok(())
    } else {
        Err(ZendeskError::Forbidden)
    }
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
                let n = listing::count(spec, &z.store_read());
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
            .map(|v| (super::spec::id_of(&v["id"]), v))
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

/// `path` with its parameters filled: `{locale}` with the locale (`en-us` by
/// default), the others with `ids` in order.
pub fn fill(path: &str, ids: &[u64], locale: Option<&str>) -> String {
    let mut ids = ids.iter();
    path.split('/')
        .map(|seg| match seg {
            "{locale}" => locale.unwrap_or("en-us").to_owned(),
            s if s.starts_with('{') => ids.next().map_or_else(|| s.to_owned(), u64::to_string),
            s => s.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
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

#[allow(clippy::too_many_arguments)]
async fn create(
    spec: &'static Spec,
    under: Option<Parent>,
    Ids(ids, _): Ids,
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let mut input = root(&body, spec.one)?.clone();
    let now = z.now();
    let mut store = z.store();
    if let Some(p) = under {
        let parent = parent_id(&store, p, &ids)?;
        if let Value::Object(m) = &mut input {
            m.insert(p.field.to_owned(), json!(parent));
        }
    }
    may_change(spec, &store, caller, None)?;
    let id = engine::create(spec, &mut store, &who(caller, peer), &input, now)?;
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
    Ids(ids, _): Ids,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, spec.one)?;
    let now = z.now();
    let mut store = z.store();
    let id = record_id(spec, &store, &ids)?;
    may_change(spec, &store, caller, Some(id))?;
    engine::update(spec, &mut store, &who(caller, peer), id, input, now)?;
    let rec = engine::find(spec, &store, id)?;
    Ok(ok(&json!({ spec.one: engine::render(spec, &base, &rec) })))
}
