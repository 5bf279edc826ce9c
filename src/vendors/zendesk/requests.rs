//! The Requests API: an end user's view of the tickets they requested or are CC'd
//! on (\[DOC\] "A request is an end user's perspective on a ticket"), and the rule
//! that keeps end users off agent endpoints ([`end_user_may`]).
//!
//! Requests are tickets: creating or updating one runs the ticket lifecycle (an end
//! user's public comment reopens a pending or solved ticket) and its change log.

use crate::vendors::zendesk::accounts::Account;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::error::{ZendeskError, ZendeskJson};
use super::extract::{BaseUrl, Caller, RouteJson};
use super::fake::Zendesk;
use super::page;
use super::store::{Actor, Comment, Store, Ticket, Via};
use super::wire::{
    self, CustomField, Priority, Status, TicketInput, TicketType, UserInput, json_response,
};

/// Whether an end user may call `path`: the Requests API, their own profile, ticket
/// forms ("Anyone"), uploads, Help Center and community, and rating their ticket
/// (each "Allowed For: End users" in the API reference). Everything else is for
/// agents and admins (403).
pub fn end_user_may(method: &Method, path: &str) -> bool {
    const OPEN: &[&str] = &[
        "/api/v2/requests",
        "/api/v2/users/me",
        "/api/v2/ticket_forms",
        "/api/v2/uploads",
        "/api/v2/help_center",
        "/api/v2/community",
    ];
    if OPEN.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '.']))
    }) {
        return true;
    }
    let rating = path
        .strip_prefix("/api/v2/tickets/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, tail)| tail.trim_end_matches(".json") == "satisfaction_rating");
    rating && *method == Method::POST
}

impl Zendesk {
    /// Whether `id` is an end user calling an agent endpoint (403).
    pub(super) fn refused_end_user(&self, id: u64, method: &Method, path: &str) -> bool {
        let end_user = self
            .store_read()
            .users
            .get(&id)
            .is_some_and(|u| !u.role.is_staff());
        end_user && !end_user_may(method, path)
    }
}

/// The routes of the Requests API.
pub fn routes() -> Router<Arc<Zendesk>> {
    Router::new()
        .route_json("/api/v2/requests", get(list).post(create))
        .route_json("/api/v2/requests/open", get(list_open))
        .route_json("/api/v2/requests/solved", get(list_solved))
        .route_json("/api/v2/requests/ccd", get(list_ccd))
        .route_json("/api/v2/requests/{request_id}", get(show).put(update))
        .route_json("/api/v2/requests/{request_id}/comments", get(comments))
        .route(
            "/api/v2/requests/{request_id}/comments/{comment_id}",
            get(comment),
        )
}

type Z = Account;
type Reply = Result<Response, ZendeskError>;

/// A request: the ticket's fields an end user sees (field order of real replies).
#[derive(Serialize)]
struct RequestOut<'a> {
    url: String,
    id: u64,
    status: Status,
    priority: Option<Priority>,
    #[serde(rename = "type")]
    kind: Option<TicketType>,
    subject: Option<&'a str>,
    description: &'a str,
    organization_id: Option<u64>,
    via: &'a Via,
    custom_fields: &'a [CustomField],
    requester_id: u64,
    collaborator_ids: &'a [u64],
    email_cc_ids: &'a [u64],
    is_public: bool,
    #[serde(serialize_with = "wire::opt_ts")]
    due_at: Option<OffsetDateTime>,
    can_be_solved_by_me: bool,
    #[serde(serialize_with = "wire::ts")]
    created_at: OffsetDateTime,
    #[serde(serialize_with = "wire::ts")]
    updated_at: OffsetDateTime,
    recipient: Option<&'a str>,
    followup_source_id: Option<u64>,
    assignee_id: Option<u64>,
    ticket_form_id: u64,
    fields: &'a [CustomField],
    custom_status_id: u64,
    group_id: Option<u64>,
}

fn solvable_by(t: &Ticket, caller: u64) -> bool {
    t.requester_id == caller
        && t.assignee_id.is_some()
        && !matches!(t.status, Status::Solved | Status::Closed)
}

fn request_out<'a>(base: &str, t: &'a Ticket, caller: u64) -> RequestOut<'a> {
    RequestOut {
        url: format!("{base}/api/v2/requests/{}.json", t.id),
        id: t.id,
        status: t.status,
        priority: t.priority,
        kind: t.kind,
        subject: t.subject.as_deref(),
        description: &t.description,
        organization_id: t.organization_id,
        via: &t.via,
        custom_fields: &t.custom_fields,
        requester_id: t.requester_id,
        collaborator_ids: &t.collaborator_ids,
        email_cc_ids: &t.email_cc_ids,
        is_public: t.is_public,
        due_at: t.due_at,
        can_be_solved_by_me: solvable_by(t, caller),
        created_at: t.created_at,
        updated_at: t.updated_at,
        recipient: t.recipient.as_deref(),
        followup_source_id: None,
        assignee_id: t.assignee_id,
        ticket_form_id: t.ticket_form_id,
        fields: &t.fields,
        custom_status_id: t.custom_status_id,
        group_id: t.group_id,
    }
}

fn ccd(t: &Ticket, caller: u64) -> bool {
    t.collaborator_ids.contains(&caller) || t.email_cc_ids.contains(&caller)
}

/// A request the caller may see (requester or CC), or 404 as for a missing one.
fn visible(store: &Store, id: u64, caller: u64) -> Result<&Ticket, ZendeskError> {
    store
        .tickets
        .get(&id)
        .filter(|t| t.requester_id == caller || ccd(t, caller))
        .ok_or(ZendeskError::RecordNotFound)
}

fn listing(
    z: &Zendesk,
    caller: Caller,
    q: Option<&str>,
    base: &str,
    path: &str,
    keep: impl Fn(&Ticket) -> bool,
) -> Reply {
    let query: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let statuses: Option<Vec<String>> = query
        .iter()
        .find(|(k, _)| k == "status")
        .map(|(_, v)| v.split(',').map(|s| s.trim().to_owned()).collect());
    let store = z.store_read();
    let items: Vec<(u64, RequestOut<'_>)> = store
        .tickets
        .values()
        .filter(|t| keep(t))
        .filter(|t| {
            statuses
                .as_ref()
                .is_none_or(|s| s.iter().any(|x| x == t.status.as_str()))
        })
        .map(|t| (t.id, request_out(base, t, caller.0)))
        .collect();
    let body = page::list("requests", path, "id", &items, &query, base, &["status"])?;
    Ok(json_response(StatusCode::OK, &body))
}

async fn list(
    Account(z): Z,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let me = caller.0;
    listing(&z, caller, q.as_deref(), &base, "/api/v2/requests", |t| {
        t.requester_id == me
    })
}

async fn list_open(
    Account(z): Z,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let me = caller.0;
    listing(
        &z,
        caller,
        q.as_deref(),
        &base,
        "/api/v2/requests/open",
        |t| t.requester_id == me && !matches!(t.status, Status::Solved | Status::Closed),
    )
}

async fn list_solved(
    Account(z): Z,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let me = caller.0;
    listing(
        &z,
        caller,
        q.as_deref(),
        &base,
        "/api/v2/requests/solved",
        |t| t.requester_id == me && matches!(t.status, Status::Solved | Status::Closed),
    )
}

async fn list_ccd(
    Account(z): Z,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let me = caller.0;
    listing(
        &z,
        caller,
        q.as_deref(),
        &base,
        "/api/v2/requests/ccd",
        |t| ccd(t, me),
    )
}

async fn show(
    Account(z): Z,
    caller: Caller,
    Path(raw): Path<String>,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let id = parse_id(&raw)?;
    let store = z.store_read();
    let t = visible(&store, id, caller.0)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"request": request_out(&base, t, caller.0)}),
    ))
}

fn parse_id(raw: &str) -> Result<u64, ZendeskError> {
    raw.trim_end_matches(".json")
        .parse()
        .map_err(|_| ZendeskError::RecordNotFound)
}

/// The users named by `collaborators` (ids, emails, or `{name, email}`) or
/// `email_ccs` (`{user_id}` or `{user_email, user_name}`); unknown emails become
/// end users, as Zendesk creates them.
fn resolve_ccs(
    store: &mut Store,
    body: &Value,
    now: OffsetDateTime,
) -> Result<Option<Vec<u64>>, ZendeskError> {
    let mut named = Vec::new();
    for key in ["collaborators", "email_ccs"] {
        let Some(items) = body.get(key) else { continue };
        let items = items.as_array().ok_or_else(|| {
            ZendeskError::invalid(key, format!("{key}: must be an array"), "InvalidValue")
        })?;
        for item in items {
            let id = item.as_u64().or_else(|| item["user_id"].as_u64());
            let email = item
                .as_str()
                .or_else(|| item["email"].as_str())
                .or_else(|| item["user_email"].as_str());
            let name = item["name"].as_str().or_else(|| item["user_name"].as_str());
            named.push((id, email.map(str::to_owned), name.map(str::to_owned)));
        }
    }
    if named.is_empty() {
        return Ok(None);
    }
    let mut ids = Vec::new();
    for (id, email, name) in named {
        let id = match (id, email) {
            (Some(id), _) => store.user(id)?.id,
            (None, Some(email)) => match store.user_by_email(&email) {
                Some(id) => id,
                None => {
                    let name = name
                        .unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_owned());
                    let input = UserInput::parse(
                        &json!({"name": name, "email": email}),
                        Default::default(),
                    )?;
                    store.create_user(input, now)?
                }
            },
            (None, None) => {
                return Err(ZendeskError::invalid(
                    "collaborators",
                    "Collaborators: each needs an id or an email",
                    "InvalidValue",
                ));
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(Some(ids))
}

fn request_root(body: &Value) -> Result<&Value, ZendeskError> {
    body.get("request")
        .filter(|v| v.is_object())
        .ok_or_else(|| {
            ZendeskError::BadRequest("param is missing or the value is empty: request".to_owned())
        })
}

/// The ticket fields a request body may set (an end user sets no status, assignee
/// or tags); the comment is always public (end users cannot post internal notes).
fn ticket_body(r: &Value, caller: u64) -> Value {
    let mut t = Map::new();
    for key in [
        "subject",
        "priority",
        "type",
        "custom_fields",
        "due_at",
        "ticket_form_id",
        "recipient",
    ] {
        if let Some(v) = r.get(key) {
            t.insert(key.to_owned(), v.clone());
        }
    }
    if let Some(c) = r.get("comment").filter(|c| c.is_object()) {
        let mut c = c.clone();
        c["public"] = json!(true);
        c["author_id"] = json!(caller);
        if let Some(map) = c.as_object_mut() {
            map.remove("uploads");
        }
        t.insert("comment".to_owned(), c);
    }
    Value::Object(t)
}

fn actor(caller: Caller) -> Actor {
    Actor {
        user_id: caller.0,
        client: None,
        ip_address: "127.0.0.1".to_owned(),
        channel: "api",
    }
}

async fn create(
    Account(z): Z,
    caller: Caller,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let r = request_root(&body)?;
    let mut input = TicketInput::parse(&ticket_body(r, caller.0), z.settings().unknown_fields)?;
    let now = z.now();
    let mut store = z.store();
    if let Some(ccs) = resolve_ccs(&mut store, r, now)? {
        input.email_cc_ids = Some(ccs.clone());
        input.collaborator_ids = Some(ccs);
    }
    let (id, _) = store.create_ticket(&actor(caller), input, now)?;
    let t = store.ticket(id)?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"request": request_out(&base, t, caller.0)}),
    ))
}

async fn update(
    Account(z): Z,
    caller: Caller,
    Path(raw): Path<String>,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let id = parse_id(&raw)?;
    let r = request_root(&body)?;
    let mut t = Map::new();
    if let Some(Value::Object(c)) = ticket_body(r, caller.0).get("comment") {
        t.insert("comment".to_owned(), Value::Object(c.clone()));
    }
    let mut input = TicketInput::parse(&Value::Object(t), z.settings().unknown_fields)?;
    let now = z.now();
    let mut store = z.store();
    let ticket = visible(&store, id, caller.0)?;
    let solvable = solvable_by(ticket, caller.0);
    z.hit_ticket_update(&mut store, id, caller.0)?;
    // DOC: `solved` only takes when `can_be_solved_by_me`; otherwise nothing changes.
    if r.get("solved") == Some(&json!(true)) && solvable {
        input.status = Some(Status::Solved);
    }
    if let Some(ccs) = resolve_ccs(&mut store, r, now)? {
        let t = store.ticket(id)?;
        let mut all = t.collaborator_ids.clone();
        all.extend(ccs.into_iter().filter(|c| !t.collaborator_ids.contains(c)));
        input.email_cc_ids = Some(all.clone());
        input.collaborator_ids = Some(all);
    }
    store.update_ticket(&actor(caller), id, input, now)?;
    let t = store.ticket(id)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"request": request_out(&base, t, caller.0)}),
    ))
}

/// A request comment: public only, with its `request_id`.
#[derive(Serialize)]
struct CommentOut<'a> {
    #[serde(flatten)]
    comment: &'a Comment,
    request_id: u64,
}

async fn comments(
    Account(z): Z,
    caller: Caller,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let id = parse_id(&raw)?;
    let query: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let store = z.store_read();
    let t = visible(&store, id, caller.0)?;
    let items: Vec<(u64, CommentOut<'_>)> = t
        .comments
        .iter()
        .filter(|c| c.public)
        .map(|c| {
            (
                c.id,
                CommentOut {
                    comment: c,
                    request_id: id,
                },
            )
        })
        .collect();
    let path = format!("/api/v2/requests/{id}/comments");
    let body = page::list("comments", &path, "id", &items, &query, &base, &[])?;
    Ok(json_response(StatusCode::OK, &body))
}

async fn comment(
    Account(z): Z,
    caller: Caller,
    Path((raw, comment)): Path<(String, String)>,
) -> Reply {
    let id = parse_id(&raw)?;
    let comment_id = parse_id(&comment)?;
    let store = z.store_read();
    let t = visible(&store, id, caller.0)?;
    let c = t
        .comments
        .iter()
        .find(|c| c.id == comment_id && c.public)
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"comment": CommentOut { comment: c, request_id: id }}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_users_reach_only_their_endpoints() {
        let get = Method::GET;
        assert!(end_user_may(&get, "/api/v2/requests.json"));
        assert!(end_user_may(&get, "/api/v2/requests/5/comments"));
        assert!(end_user_may(&get, "/api/v2/users/me.json"));
        assert!(end_user_may(
            &Method::POST,
            "/api/v2/tickets/7/satisfaction_rating.json"
        ));
        assert!(!end_user_may(
            &get,
            "/api/v2/tickets/7/satisfaction_rating.json"
        ));
        assert!(!end_user_may(&get, "/api/v2/tickets.json"));
        assert!(!end_user_may(&get, "/api/v2/requestsfoo"));
        assert!(!end_user_may(&get, "/api/v2/users/1.json"));
        assert!(!end_user_may(&get, "/api/v2/search.json"));
    }
}
