//! Handlers of fake Zendesk's routes. Paths are written as in Zendesk's API
//! reference, without `.json` (the gate strips it, REFERENCE 1.1).

use std::sync::Arc;

use axum::Router;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Extension, extract::ConnectInfo};
use serde::Serialize;
use serde_json::{Value, json};
use std::net::SocketAddr;

use super::accounts::Account;
use super::error::{IdParam, KeyParam, ZendeskError, ZendeskJson};
use super::page;
use super::resource::sideload;
use super::store::{Actor, Audit, Comment, Job, Store, Ticket, User};
use super::wire::{CONTENT_TYPE_JSON, TicketInput, UserInput, api_warning, json_response};
use super::{BaseUrl, Caller, Host, RouteJson, Zendesk, base_url};
use crate::clock::iso_seconds;
use crate::vendors::{bytes_reply, json_bytes, serialization_bug};

type Z = Account;
type Reply = Result<Response, ZendeskError>;

/// The most items a bulk call accepts.
const MAX_BULK: usize = 100;

/// The Support API routes: tickets, users, job statuses.
pub fn routes() -> Router<Arc<Zendesk>> {
    Router::new()
        .route_json("/api/v2/tickets", get(list_tickets).post(create_ticket))
        .route_json("/api/v2/tickets/create_many", post(create_many))
        .route_json("/api/v2/tickets/update_many", put(update_many))
        .route_json(
            "/api/v2/tickets/destroy_many",
            axum::routing::delete(destroy_many),
        )
        .route_json(
            "/api/v2/tickets/{ticket_id}",
            get(show_ticket).put(update_ticket).delete(delete_ticket),
        )
        .route_json("/api/v2/tickets/{ticket_id}/comments", get(list_comments))
        .route_json("/api/v2/job_statuses/{job_status_id}", get(show_job))
        .route_json("/api/v2/users", get(list_users).post(create_user))
        .route_json("/api/v2/users/me", get(me))
        .route_json("/api/v2/users/search", get(search_users))
        .route_json(
            "/api/v2/users/create_or_update",
            post(create_or_update_user),
        )
        .route_json("/api/v2/users/{user_id}", get(show_user).put(update_user))
}

/// The answer to any path or method fake Zendesk does not serve.
pub async fn invalid_endpoint() -> Response {
    crate::vendors::unmatched(ZendeskError::InvalidEndpoint)
}

/// A ticket as the API returns it: the stored fields plus its `url`.
#[derive(Debug, Serialize)]
pub struct TicketOut<'a> {
    url: ApiUrl<'a>,
    #[serde(flatten)]
    ticket: &'a Ticket,
}

impl<'a> TicketOut<'a> {
    /// The ticket with its absolute URL on `base`.
    pub fn new(base: &'a str, ticket: &'a Ticket) -> Self {
        Self {
            url: ApiUrl {
                base,
                collection: "tickets",
                id: ticket.id,
            },
            ticket,
        }
    }
}

/// `{base}/api/v2/{collection}/{id}.json`, written straight into the reply.
#[derive(Debug)]
struct ApiUrl<'a> {
    base: &'a str,
    collection: &'static str,
    id: u64,
}

impl Serialize for ApiUrl<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!(
            "{}/api/v2/{}/{}.json",
            self.base, self.collection, self.id
        ))
    }
}

/// A ticket with its comments and audits, for the control API's state view.
#[derive(Debug, Serialize)]
pub struct TicketState<'a> {
    #[serde(flatten)]
    ticket: TicketOut<'a>,
    comments: &'a [Comment],
    audits: &'a [Audit],
}

impl<'a> TicketState<'a> {
    /// The ticket with everything attached to it.
    pub fn new(base: &'a str, ticket: &'a Ticket) -> Self {
        Self {
            ticket: TicketOut::new(base, ticket),
            comments: &ticket.comments,
            audits: &ticket.audits,
        }
    }
}

/// A user as the API returns it: the stored fields plus its `url`.
#[derive(Debug, Serialize)]
pub struct UserOut<'a> {
    url: ApiUrl<'a>,
    #[serde(flatten)]
    user: &'a User,
}

impl<'a> UserOut<'a> {
    /// The user with its absolute URL on `base`.
    pub fn new(base: &'a str, user: &'a User) -> Self {
        Self {
            url: ApiUrl {
                base,
                collection: "users",
                id: user.id,
            },
            user,
        }
    }
}

fn actor(caller: Caller, headers: &HeaderMap, peer: Option<SocketAddr>) -> Actor {
    Actor {
        user_id: caller.0,
        client: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        ip_address: peer.map_or_else(|| "127.0.0.1".to_owned(), |p| p.ip().to_string()),
        channel: "api",
    }
}

fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// `{"ticket":{...}}` or Zendesk's 400 naming the missing root key.
fn root<'a>(body: &'a Value, key: &str) -> Result<&'a Value, ZendeskError> {
    body.get(key).filter(|v| !v.is_null()).ok_or_else(|| {
        ZendeskError::BadRequest(format!("param is missing or the value is empty: {key}"))
    })
}

fn with_warning(mut res: Response, warning: Option<String>) -> Response {
    if let Some(v) = warning.and_then(|w| HeaderValue::from_str(&w).ok()) {
        res.headers_mut().insert("x-zendesk-api-warn", v);
    }
    res
}

/// `{"ticket": ..., "audit": ...}`, the reply of a create or update.
#[derive(Serialize)]
struct TicketAndAudit<'a> {
    ticket: TicketOut<'a>,
    audit: Option<&'a Audit>,
}

fn ticket_and_audit<'a>(
    store: &'a Store,
    base: &'a str,
    id: u64,
    audit_id: u64,
) -> Result<TicketAndAudit<'a>, ZendeskError> {
    let ticket = store.ticket(id)?;
    let audit = ticket.audits.iter().find(|a| a.id == audit_id);
    Ok(TicketAndAudit {
        ticket: TicketOut::new(base, ticket),
        audit,
    })
}

async fn create_ticket(
    Account(z): Z,
    caller: Caller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = TicketInput::parse(root(&body, "ticket")?, z.settings().unknown_fields)?;
    let warning = api_warning("tickets", "create", "ticket", &input.ignored);
    let base = base_url(&headers);
    let now = z.now();
    let mut store = z.store();
    let (id, audit_id) =
        store.create_ticket(&actor(caller, &headers, peer.map(|c| c.0.0)), input, now)?;
    if query_pairs(q.as_deref())
        .iter()
        .any(|(k, v)| k == "async" && v == "true")
    {
        return Ok(with_warning(
            async_created(&mut store, &base, id, now),
            warning,
        ));
    }
    let mut res = json_response(
        StatusCode::CREATED,
        &ticket_and_audit(&store, &base, id, audit_id)?,
    );
    if let Ok(loc) = HeaderValue::from_str(&format!("{base}/api/v2/tickets/{id}.json")) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(with_warning(res, warning))
}

async fn show_ticket(
    Account(z): Z,
    IdParam(id): IdParam,
    host: Host,
    RawQuery(q): RawQuery,
) -> Reply {
    let store = z.store_read();
    let ticket = store.ticket(id)?;
    if let Some(q) = q.as_deref().filter(|q| q.contains("include=")) {
        let base = format!("http://{}", host.as_str());
        let mut one = json!({"ticket": TicketOut::new(&base, ticket)});
        let query = sideload::Query::parse(Some(q));
        sideload::attach(&store, &base, sideload::TICKETS, "ticket", &query, &mut one);
        return Ok(json_response(StatusCode::OK, &one));
    }
    #[derive(Serialize)]
    struct One<'a> {
        ticket: TicketOut<'a>,
    }
    let reply = ticket.reply.get_or_render(host.as_str(), || {
        let base = format!("http://{}", host.as_str());
        json_bytes(&One {
            ticket: TicketOut::new(&base, ticket),
        })
    });
    Ok(match reply {
        Ok(bytes) => bytes_reply(StatusCode::OK, CONTENT_TYPE_JSON, bytes),
        Err(e) => serialization_bug(&e),
    })
}

async fn update_ticket(
    Account(z): Z,
    caller: Caller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    IdParam(id): IdParam,
    headers: HeaderMap,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = TicketInput::parse(root(&body, "ticket")?, z.settings().unknown_fields)?;
    let warning = api_warning("tickets", "update", "ticket", &input.ignored);
    let base = base_url(&headers);
    let now = z.now();
    let mut store = z.store();
    z.hit_ticket_update(&mut store, id, caller.0)?;
    let audit_id = store.update_ticket(
        &actor(caller, &headers, peer.map(|c| c.0.0)),
        id,
        input,
        now,
    )?;
    let res = json_response(
        StatusCode::OK,
        &ticket_and_audit(&store, &base, id, audit_id)?,
    );
    Ok(with_warning(res, warning))
}

async fn delete_ticket(Account(z): Z, IdParam(id): IdParam) -> Reply {
    let now = z.now();
    z.store().delete_ticket(id, now)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn list_tickets(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let index = z.hit_tickets_index();
    if let Some(d) = index.filter(|d| !d.allowed) {
        return Err(ZendeskError::RateLimited(d.reset_secs));
    }
    let query = query_pairs(q.as_deref());
    let store = z.store_read();
    let items: Vec<(u64, TicketOut<'_>)> = store
        .tickets
        .values()
        .map(|t| (t.id, TicketOut::new(&base, t)))
        .collect();
    let mut page = page::list(
        "tickets",
        "/api/v2/tickets",
        "nice_id",
        &items,
        &query,
        &base,
        &["include"],
    )?;
    let query = sideload::Query(query);
    sideload::attach(
        &store,
        &base,
        sideload::TICKETS,
        "tickets",
        &query,
        &mut page,
    );
    let mut res = json_response(StatusCode::OK, &page);
    if let Some(d) = index {
        let v = format!(
            "total={}; remaining={}; resets={}",
            d.limit, d.remaining, d.reset_secs
        );
        if let Ok(v) = HeaderValue::from_str(&v) {
            res.headers_mut()
                .insert("zendesk-ratelimit-tickets-index", v);
        }
    }
    Ok(res)
}

async fn list_comments(
    Account(z): Z,
    IdParam(id): IdParam,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let query = query_pairs(q.as_deref());
    let store = z.store_read();
    let items: Vec<(u64, &Comment)> = store
        .ticket(id)?
        .comments
        .iter()
        .map(|c| (c.id, c))
        .collect();
    let path = format!("/api/v2/tickets/{id}/comments");
    let page = page::list("comments", &path, "id", &items, &query, &base, &[])?;
    Ok(json_response(StatusCode::OK, &page))
}

/// Reads `{"tickets":[...]}` of a bulk call, refusing more than 100 items.
fn bulk_items(body: &Value) -> Result<&Vec<Value>, ZendeskError> {
    let items = root(body, "tickets")?
        .as_array()
        .ok_or_else(|| ZendeskError::BadRequest("tickets must be an array".to_owned()))?;
    if items.len() > MAX_BULK {
        return Err(ZendeskError::TooManyValues);
    }
    Ok(items)
}

fn ids_param(q: Option<&str>) -> Result<Option<Vec<u64>>, ZendeskError> {
    let Some((_, raw)) = query_pairs(q).into_iter().find(|(k, _)| k == "ids") else {
        return Ok(None);
    };
    let ids: Vec<u64> = raw
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| ZendeskError::BadRequest(format!("ids: `{s}` is not an id")))
        })
        .collect::<Result<_, _>>()?;
    if ids.len() > MAX_BULK {
        return Err(ZendeskError::TooManyValues);
    }
    Ok(Some(ids))
}

fn failure_text(e: &ZendeskError) -> String {
    match e {
        ZendeskError::RecordInvalid(d) => d
            .values()
            .flatten()
            .map(|f| f.description.clone())
            .collect::<Vec<_>>()
            .join(", "),
        other => other.status_and_body().1["description"]
            .as_str()
            .unwrap_or("failed")
            .to_owned(),
    }
}

async fn create_many(
    Account(z): Z,
    caller: Caller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let items = bulk_items(&body)?;
    let who = actor(caller, &headers, peer.map(|c| c.0.0));
    let now = z.now();
    let mut store = z.store();
    let account_id = store.account_id();
    let results = items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let created = TicketInput::parse(item, z.settings().unknown_fields).and_then(|i| store.create_ticket(&who, i, now));
            match created {
                Ok((id, _)) => json!({"index": index, "id": id, "account_id": account_id}),
                Err(e) => json!({"index": index, "error": "TicketCreateFailed", "details": failure_text(&e)}),
            }
        })
        .collect();
    let id = store.add_job("Bulk Create Ticket", items.len(), results, now);
    Ok(job_reply(&base_url(&headers), &store.jobs[&id], false))
}

async fn update_many(
    Account(z): Z,
    caller: Caller,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    // Two forms: `?ids=1,2` with one `{"ticket":{...}}`, or `{"tickets":[{id,...}]}`.
    let updates: Vec<(Option<u64>, &Value)> = match ids_param(q.as_deref())? {
        Some(ids) => {
            let one = root(&body, "ticket")?;
            ids.into_iter().map(|id| (Some(id), one)).collect()
        }
        None => bulk_items(&body)?
            .iter()
            .map(|t| (t.get("id").and_then(Value::as_u64), t))
            .collect(),
    };
    let who = actor(caller, &headers, peer.map(|c| c.0.0));
    let now = z.now();
    let mut store = z.store();
    let results = updates
        .iter()
        .map(|(id, item)| {
            let outcome = id
                .ok_or(ZendeskError::RecordNotFound)
                .and_then(|id| TicketInput::parse(item, z.settings().unknown_fields).map(|i| (id, i)))
                .and_then(|(id, i)| store.update_ticket(&who, id, i, now));
            match outcome {
                Ok(_) => json!({"action": "update", "status": "Updated", "success": true, "id": id}),
                Err(e) => json!({"action": "update", "status": "Failed", "success": false, "id": id, "error": "TicketUpdateFailed", "details": failure_text(&e)}),
            }
        })
        .collect();
    let id = store.add_job("Bulk Update Ticket", updates.len(), results, now);
    Ok(job_reply(&base_url(&headers), &store.jobs[&id], false))
}

async fn destroy_many(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let ids = ids_param(q.as_deref())?.ok_or_else(|| {
        ZendeskError::BadRequest("param is missing or the value is empty: ids".to_owned())
    })?;
    let now = z.now();
    let mut store = z.store();
    let results = ids
        .iter()
        .map(|&id| match store.delete_ticket(id, now) {
            Ok(()) => json!({"action": "destroy", "status": "Deleted", "success": true, "id": id}),
            Err(e) => json!({"action": "destroy", "status": "Failed", "success": false, "id": id, "error": "TicketDeleteFailed", "details": failure_text(&e)}),
        })
        .collect();
    // Vendor quirk: destroy_many reports job_type "Bulk Update Ticket" (capture).
    let id = store.add_job("Bulk Update Ticket", ids.len(), results, now);
    Ok(job_reply(&base, &store.jobs[&id], false))
}

async fn show_job(Account(z): Z, KeyParam(id): KeyParam, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let job = store.jobs.get(&id).ok_or(ZendeskError::RecordNotFound)?;
    Ok(job_reply(&base, job, true))
}

/// `POST /tickets?async=true`: \[DOC\] "the quicker response will contain the id of
/// the ticket to be created as well as a job_status object ... no other ticket
/// information". The fake creates the ticket at once; the job reads `queued`, then
/// `completed` when polled. Status 202 and the job type are UNVERIFIED.
fn async_created(store: &mut Store, base: &str, id: u64, now: time::OffsetDateTime) -> Response {
    let account_id = store.account_id();
    let results = vec![json!({"index": 0, "id": id, "account_id": account_id})];
    let job = store.add_job("Create Ticket", 1, results, now);
    let body =
        json!({"ticket": {"id": id}, "job_status": job_status(base, &store.jobs[&job], false)});
    json_response(StatusCode::ACCEPTED, &body)
}

/// A job status: `queued` right after the bulk call, `completed` when polled.
fn job_reply(base: &str, job: &Job, polled: bool) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"job_status": job_status(base, job, polled)}),
    )
}

fn job_status(base: &str, job: &Job, polled: bool) -> Value {
    let url = format!("{base}/api/v2/job_statuses/{}.json", job.id);
    if polled {
        let at = iso_seconds(job.completed_at)
            .replace('T', " ")
            .replace('Z', " +0000");
        json!({"id": job.id, "job_type": job.job_type, "url": url, "total": job.total, "progress": job.total, "status": "completed", "message": format!("Completed at {at}"), "results": job.results})
    } else {
        json!({"id": job.id, "job_type": job.job_type, "url": url, "total": job.total, "progress": null, "status": "queued", "message": null, "results": null})
    }
}

fn user_reply(status: StatusCode, base: &str, user: &User, warning: Option<String>) -> Response {
    with_warning(
        json_response(status, &json!({"user": UserOut::new(base, user)})),
        warning,
    )
}

async fn create_user(
    Account(z): Z,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = UserInput::parse(root(&body, "user")?, z.settings().unknown_fields)?;
    let warning = api_warning("users", "create", "user", &input.ignored);
    let now = z.now();
    let mut store = z.store();
    let id = store.create_user(input, now)?;
    Ok(user_reply(
        StatusCode::CREATED,
        &base,
        store.user(id)?,
        warning,
    ))
}

async fn create_or_update_user(
    Account(z): Z,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = UserInput::parse(root(&body, "user")?, z.settings().unknown_fields)?;
    let warning = api_warning("users", "create_or_update", "user", &input.ignored);
    let now = z.now();
    let mut store = z.store();
    let (id, created) = store.create_or_update_user(input, now)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(user_reply(status, &base, store.user(id)?, warning))
}

async fn update_user(
    Account(z): Z,
    IdParam(id): IdParam,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = UserInput::parse(root(&body, "user")?, z.settings().unknown_fields)?;
    let warning = api_warning("users", "update", "user", &input.ignored);
    let now = z.now();
    let mut store = z.store();
    store.update_user(id, input, now)?;
    Ok(user_reply(StatusCode::OK, &base, store.user(id)?, warning))
}

async fn show_user(
    Account(z): Z,
    IdParam(id): IdParam,
    BaseUrl(base): BaseUrl,
    RawQuery(q): RawQuery,
) -> Reply {
    let store = z.store_read();
    let mut one = json!({"user": UserOut::new(&base, store.user(id)?)});
    let query = sideload::Query::parse(q.as_deref());
    sideload::attach(&store, &base, sideload::USERS, "user", &query, &mut one);
    Ok(json_response(StatusCode::OK, &one))
}

async fn me(Account(z): Z, caller: Caller, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    Ok(user_reply(
        StatusCode::OK,
        &base,
        store.user(caller.0)?,
        None,
    ))
}

async fn list_users(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let query = query_pairs(q.as_deref());
    let store = z.store_read();
    let items: Vec<(u64, UserOut<'_>)> = store
        .users
        .values()
        .map(|u| (u.id, UserOut::new(&base, u)))
        .collect();
    let mut page = page::list(
        "users",
        "/api/v2/users",
        "id",
        &items,
        &query,
        &base,
        &["include"],
    )?;
    let query = sideload::Query(query);
    sideload::attach(&store, &base, sideload::USERS, "users", &query, &mut page);
    Ok(json_response(StatusCode::OK, &page))
}

async fn search_users(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let query = query_pairs(q.as_deref());
    let get = |k: &str| {
        query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let (text, external_id) = (get("query"), get("external_id"));
    if text.is_none() && external_id.is_none() {
        return Err(ZendeskError::BadRequest(
            "Search requires a query or external_id parameter".to_owned(),
        ));
    }
    let store = z.store_read();
    let items: Vec<(u64, UserOut<'_>)> = store
        .search_users(text, external_id)
        .into_iter()
        .map(|u| (u.id, UserOut::new(&base, u)))
        .collect();
    let page = page::list(
        "users",
        "/api/v2/users/search",
        "id",
        &items,
        &query,
        &base,
        &["query", "external_id"],
    )?;
    Ok(json_response(StatusCode::OK, &page))
}

/// The vendor's control routes: its actions, changes made in Zendesk itself rather
/// than through the API (an end user writing in, an agent in the agent interface).
/// They run the same lifecycle rules and fire triggers as API changes do.
pub fn control_routes() -> Router<Arc<Zendesk>> {
    Router::new()
        .route("/actions/ticket_create", post(ticket_create_action))
        .route("/actions/ticket_update", post(ticket_update_action))
}

/// The author of a change made in Zendesk: `author` (an email) or the seeded agent.
fn ui_actor(z: &Zendesk, store: &Store, body: &Value) -> Result<Actor, ZendeskError> {
    let user_id = match body.get("author").and_then(Value::as_str) {
        Some(email) => store.user_by_email(email).ok_or_else(|| {
            ZendeskError::invalid(
                "author",
                format!("Author: no user has the email {email}"),
                "InvalidValue",
            )
        })?,
        None => z
            .settings()
            .users
            .first()
            .and_then(|u| store.user_by_email(&u.email))
            .ok_or(ZendeskError::RecordNotFound)?,
    };
    Ok(Actor {
        user_id,
        client: Some("Zendesk agent interface".to_owned()),
        ip_address: "127.0.0.1".to_owned(),
        channel: "web",
    })
}

/// The account's own URL, where the ticket's `url` points for UI changes.
fn account_base(z: &Zendesk) -> String {
    format!("https://{}.zendesk.com", z.settings().subdomain)
}

async fn ticket_create_action(Account(z): Z, ZendeskJson(body): ZendeskJson) -> Reply {
    let input = TicketInput::parse(root(&body, "ticket")?, z.settings().unknown_fields)?;
    let base = account_base(&z);
    let res = {
        let mut store = z.store();
        let actor = ui_actor(&z, &store, &body)?;
        let (id, audit_id) = store.create_ticket(&actor, input, z.now())?;
        json_response(
            StatusCode::CREATED,
            &ticket_and_audit(&store, &base, id, audit_id)?,
        )
    };
    z.fire_triggers();
    Ok(res)
}

async fn ticket_update_action(Account(z): Z, ZendeskJson(body): ZendeskJson) -> Reply {
    let id = match body.get("id") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        ZendeskError::BadRequest("param is missing or the value is empty: id".to_owned())
    })?;
    let input = TicketInput::parse(root(&body, "ticket")?, z.settings().unknown_fields)?;
    let base = account_base(&z);
    let res = {
        let mut store = z.store();
        let actor = ui_actor(&z, &store, &body)?;
        let audit_id = store.update_ticket(&actor, id, input, z.now())?;
        json_response(
            StatusCode::OK,
            &ticket_and_audit(&store, &base, id, audit_id)?,
        )
    };
    z.fire_triggers();
    Ok(res)
}
