//! The control API, on its own port: health, journal, vendor state, reset,
//! `POST /expect` (in `server/expect.rs`), and the inspector page.
//!
//! Every reply is JSON, errors included. [`app`] is what the port serves: the
//! routes of [`router`] (add new ones there) behind the guard (`Host`, `Origin`,
//! token, JSON bodies, body size and timeout), which covers every route.
//! The inspector's files and the journal's event stream are the exceptions.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use serde_json::{Value, json};

use super::Harness;
use super::guard::{self, Policy};
use super::journal_body::JournalBody;
pub use super::reply::DEFAULT_JOURNAL_LIMIT;
use super::reply::{H, error, parse_filter, unknown_vendor};
use super::stall::{ControlStall, wire_bytes};

/// The control port's app: every route of [`router`] behind the guard.
pub fn app(h: Arc<Harness>) -> Router {
    let policy = Arc::new(Policy {
        bound: h.config.bind,
        token: h.config.control_token.clone(),
        max_body: h.config.max_body_bytes,
        body_timeout: h.config.timeouts.body,
    });
    router(h).layer(axum::middleware::from_fn_with_state(policy, guard::guard))
}

/// The control port's 408 for a request whose header stalls.
pub fn stall_reply() -> ControlStall {
    let response = error(
        StatusCode::REQUEST_TIMEOUT,
        "request header not complete within the header timeout".to_owned(),
        json!("see --header-timeout"),
    );
    ControlStall(wire_bytes(response).0)
}

/// The control API's routes.
pub fn router(h: Arc<Harness>) -> Router {
    let mut vendor_routes = Router::new();
    for v in &h.vendors {
        if let Some(r) = v.clone().control() {
            vendor_routes = vendor_routes.nest(&format!("/{}", v.name()), r);
        }
    }
    routes()
        .into_router()
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(h.clone())
        .merge(super::faults_api::routes(h.clone()))
        .merge(super::clock_api::routes(h))
        .merge(vendor_routes)
}

/// The harness's own control routes, each registered once through [`Routes`] so the
/// OpenAPI document can be checked against exactly what is served.
pub fn routes() -> Routes {
    Routes::default()
        .get("/", super::inspector::page)
        .get("/inspector/{file}", super::inspector::asset)
        .get("/openapi.json", super::openapi::document)
        .get("/health", health)
        .get("/journal", journal)
        .delete("/journal", clear_journal)
        .get("/journal.har", super::har::journal_har)
        .get("/journal/stream", super::live::stream)
        .get("/journal/{seq}", super::live::entry)
        .get("/journal/{seq}/signature", super::signature::check)
        .get("/state/{vendor}", state)
        .post("/reset", reset)
        .post("/expect", super::expect::expect)
        .get("/coverage", coverage)
}

/// The control routes being registered, with each one's method and path kept.
#[derive(Default)]
pub struct Routes {
    by_path: Vec<(&'static str, MethodRouter<Arc<Harness>>)>,
    list: Vec<(Method, &'static str)>,
}

impl Routes {
    fn add<T: 'static, F: Handler<T, Arc<Harness>>>(
        mut self,
        method: Method,
        path: &'static str,
        handler: F,
    ) -> Self {
        let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
        match self.by_path.iter_mut().find(|(p, _)| *p == path) {
            Some((_, mr)) => *mr = std::mem::take(mr).on(filter, handler),
            None => self.by_path.push((path, on(filter, handler))),
        }
        self.list.push((method, path));
        self
    }

    /// Registers `GET path` (HEAD answered too, as axum does).
    pub fn get<T: 'static, F: Handler<T, Arc<Harness>>>(self, path: &'static str, h: F) -> Self {
        self.add(Method::GET, path, h)
    }

    /// Registers `POST path`.
    pub fn post<T: 'static, F: Handler<T, Arc<Harness>>>(self, path: &'static str, h: F) -> Self {
        self.add(Method::POST, path, h)
    }

    /// Registers `DELETE path`.
    pub fn delete<T: 'static, F: Handler<T, Arc<Harness>>>(self, path: &'static str, h: F) -> Self {
        self.add(Method::DELETE, path, h)
    }

    /// Every registered `(method, path)`, in registration order.
    pub fn list(&self) -> &[(Method, &'static str)] {
        &self.list
    }

    fn into_router(self) -> Router<Arc<Harness>> {
        self.by_path
            .into_iter()
            .fold(Router::new(), |r, (path, mr)| r.route(path, mr))
    }
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such control endpoint".to_owned(),
        json!("GET /openapi.json lists every control endpoint"),
    )
}

async fn method_not_allowed() -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this control endpoint".to_owned(),
        Value::Null,
    )
}

async fn health(State(h): H) -> Response {
    let vendors: Vec<Value> = h
        .vendors
        .iter()
        .map(|v| json!({"name": v.name(), "url": h.url(v.name())}))
        .collect();
    axum::Json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION"), "vendors": vendors, "journal": h.journal.stats()})).into_response()
}

async fn journal(State(h): H, RawQuery(q): RawQuery) -> Response {
    let filter = match parse_filter(q.as_deref()) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, e, Value::Null),
    };
    if let Some(v) = filter.vendor.as_deref().filter(|v| h.vendor(v).is_none()) {
        return unknown_vendor(&h, v);
    }
    let page = h.journal.page(&filter);
    let body = JournalBody::new(page, &h.journal.stats());
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        axum::body::Body::new(body),
    )
        .into_response()
}

async fn clear_journal(State(h): H) -> Response {
    h.journal.clear();
    StatusCode::NO_CONTENT.into_response()
}

/// `?subdomain=NAME`: one account of a vendor with accounts rather than the whole vendor.
fn subdomain_param(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == "subdomain")
        .map(|(_, v)| v.into_owned())
}

async fn state(State(h): H, Path(vendor): Path<String>, RawQuery(q): RawQuery) -> Response {
    let Some(v) = h.vendor(&vendor) else {
        return unknown_vendor(&h, &vendor);
    };
    match subdomain_param(q.as_deref()) {
        None => axum::Json(v.state()).into_response(),
        Some(sub) => match v.clone().account_state(&sub) {
            Some(state) => axum::Json(state).into_response(),
            None => error(
                StatusCode::BAD_REQUEST,
                format!(
                    "`{vendor}` has no account `{sub}` (subdomains are letters, digits and hyphens, and only a vendor with accounts has them)"
                ),
                json!({}),
            ),
        },
    }
}

/// `POST /reset`: every vendor (every account) and the journal;
/// `?subdomain=NAME`: that account only, the journal kept.
async fn reset(State(h): H, RawQuery(q): RawQuery) -> Response {
    if let Some(sub) = subdomain_param(q.as_deref()) {
        let reset: Vec<&str> = h
            .vendors
            .iter()
            .filter(|v| v.reset_account(&sub))
            .map(|v| v.name())
            .collect();
        return axum::Json(json!({"reset": reset, "subdomain": sub})).into_response();
    }
    for v in &h.vendors {
        v.reset();
    }
    h.faults.clear();
    h.journal.clear();
    h.coverage.clear();
    let names: Vec<&str> = h.vendors.iter().map(|v| v.name()).collect();
    axum::Json(json!({"reset": names})).into_response()
}

/// Per vendor: the method and path templates it implements, the calls it served,
/// and every call it does not implement, with counts.
async fn coverage(State(h): H) -> Response {
    let vendors: serde_json::Map<String, Value> = h
        .vendors
        .iter()
        .map(|v| {
            let (served, unmatched) = h.coverage.calls(v.name());
            let implemented: Vec<Value> = v
                .implemented()
                .into_iter()
                .map(|(method, path)| json!({"method": method, "path": path}))
                .collect();
            (
                v.name().to_owned(),
                json!({"implemented": implemented, "served": served, "unmatched": unmatched}),
            )
        })
        .collect();
    axum::Json(json!({ "vendors": vendors })).into_response()
}
