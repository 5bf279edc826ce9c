//! Handlers of the admin objects: the Webhooks API (JSON:API-style errors) and the
//! Triggers API (classic Zendesk errors).

use std::sync::Arc;

use axum::Router;
use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use serde_json::{Value, json};

use super::accounts::Account;
use super::error::{IdParam, KeyParam, ZendeskError, ZendeskJson};
use super::extract::{BaseUrl, Caller, RouteJson};
use super::fake::Zendesk;
use super::page::{self, Link, PageRequest};
use super::resource::listing::Query;
use super::resource::rules::rule_search;
use super::rule_definitions::{Choices, trigger_definitions as definitions};
use super::triggers::{Trigger, TriggerInput};
use super::webhook::{ApiProblem, WebhookInput, WebhookOut};
use super::wire::json_response;

type Z = Account;
type Reply = Result<Response, ZendeskError>;

/// Routes of the Webhooks and Triggers APIs.
pub fn routes() -> Router<Arc<Zendesk>> {
    Router::new()
        .route_json("/api/v2/webhooks", get(list_webhooks).post(create_webhook))
        .route_json(
            "/api/v2/webhooks/{webhook_id}",
            get(show_webhook)
                .put(update_webhook)
                .patch(patch_webhook)
                .delete(delete_webhook),
        )
        .route_json(
            "/api/v2/webhooks/{webhook_id}/signing_secret",
            get(show_secret).post(reset_secret),
        )
        .route_json("/api/v2/triggers", get(list_triggers).post(create_trigger))
        .route_json("/api/v2/triggers/active", get(list_active_triggers))
        .route_json("/api/v2/triggers/search", get(search_triggers))
        .route_json("/api/v2/triggers/definitions", get(trigger_definitions))
        .route_json(
            "/api/v2/triggers/{trigger_id}",
            get(show_trigger).put(update_trigger).delete(delete_trigger),
        )
}

pub(super) fn problem(status: u16, code: &str, title: &str, detail: String) -> ZendeskError {
    ZendeskError::Problems {
        status,
        problems: vec![ApiProblem {
            code: code.to_owned(),
            title: title.to_owned(),
            detail,
        }],
    }
}

pub(super) fn webhook_not_found(id: &str) -> ZendeskError {
    problem(
        404,
        "WebhookNotFound",
        "Webhook not found",
        format!("Webhook {id} not found"),
    )
}

/// `{"webhook": {...}}` in the Webhooks API's error shape.
fn webhook_root(body: &Value) -> Result<&Value, ZendeskError> {
    body.get("webhook")
        .filter(|v| v.is_object())
        .ok_or_else(|| {
            problem(
                400,
                "InvalidInput",
                "Invalid input",
                "webhook object is required".to_owned(),
            )
        })
}

fn parse_webhook(body: &Value, full: bool) -> Result<WebhookInput, ZendeskError> {
    WebhookInput::parse(webhook_root(body)?, full).map_err(|problems| ZendeskError::Problems {
        status: 400,
        problems,
    })
}

async fn create_webhook(
    Account(z): Z,
    caller: Caller,
    body: Result<ZendeskJson, ZendeskError>,
) -> Reply {
    let ZendeskJson(body) =
        body.map_err(|e| problem(400, "InvalidInput", "Invalid input", e.to_string()))?;
    let input = parse_webhook(&body, true)?;
    let now = z.now();
    let mut store = z.store();
    let hook = store.create_webhook(input, caller.0, now);
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"webhook": WebhookOut::from(hook)}),
    ))
}

async fn list_webhooks(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let store = z.store_read();
    // The Webhooks API pages by cursor only.
    let size = pairs
        .iter()
        .find(|(k, _)| k == "page[size]")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(page::MAX_PAGE_SIZE);
    let request = PageRequest::from_query(&pairs).map(|r| match r {
        PageRequest::Offset { .. } => PageRequest::Cursor {
            size,
            after: None,
            before: None,
        },
        cursor => cursor,
    })?;
    let items: Vec<(u64, WebhookOut<'_>)> = store
        .webhooks
        .values()
        .enumerate()
        .map(|(i, w)| (i as u64, WebhookOut::from(w)))
        .collect();
    let link = Link {
        base: &base,
        path: "/api/v2/webhooks",
        keep: Vec::new(),
    };
    let mut page = page::render("webhooks", &items, &request, &link, "id");
    // The Webhooks API links have no `.json` suffix.
    for key in ["prev", "next"] {
        if let Some(url) = page["links"][key]
            .as_str()
            .map(|u| u.replace("/api/v2/webhooks.json", "/api/v2/webhooks"))
        {
            page["links"][key] = json!(url);
        }
    }
    Ok(json_response(StatusCode::OK, &page))
}

async fn show_webhook(Account(z): Z, KeyParam(id): KeyParam) -> Reply {
    let store = z.store_read();
    let hook = store
        .webhooks
        .get(&id)
        .ok_or_else(|| webhook_not_found(&id))?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"webhook": WebhookOut::from(hook)}),
    ))
}

async fn change_webhook(
    z: &Zendesk,
    caller: Caller,
    id: &str,
    body: Result<ZendeskJson, ZendeskError>,
    full: bool,
) -> Reply {
    let ZendeskJson(body) =
        body.map_err(|e| problem(400, "InvalidInput", "Invalid input", e.to_string()))?;
    let input = parse_webhook(&body, full)?;
    let now = z.now();
    let mut store = z.store();
    let hook = store
        .webhooks
        .get_mut(id)
        .ok_or_else(|| webhook_not_found(id))?;
    hook.apply(input, caller.0, now);
    // The Webhooks API answers updates with 204 and no body.
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn update_webhook(
    Account(z): Z,
    caller: Caller,
    KeyParam(id): KeyParam,
    body: Result<ZendeskJson, ZendeskError>,
) -> Reply {
    change_webhook(&z, caller, &id, body, true).await
}

async fn patch_webhook(
    Account(z): Z,
    caller: Caller,
    KeyParam(id): KeyParam,
    body: Result<ZendeskJson, ZendeskError>,
) -> Reply {
    change_webhook(&z, caller, &id, body, false).await
}

async fn delete_webhook(Account(z): Z, KeyParam(id): KeyParam) -> Reply {
    let mut store = z.store();
    store
        .webhooks
        .remove(&id)
        .ok_or_else(|| webhook_not_found(&id))?;
    z.hooks.forget(&id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn secret_reply(secret: &str) -> Response {
    json_response(
        StatusCode::OK,
        &json!({"signing_secret": {"algorithm": "SHA256", "secret": secret}}),
    )
}

async fn show_secret(Account(z): Z, KeyParam(id): KeyParam) -> Reply {
    let store = z.store_read();
    let hook = store
        .webhooks
        .get(&id)
        .ok_or_else(|| webhook_not_found(&id))?;
    Ok(secret_reply(&hook.secret))
}

async fn reset_secret(Account(z): Z, KeyParam(id): KeyParam) -> Reply {
    let mut store = z.store();
    let hook = store
        .reset_signing_secret(&id)
        .ok_or_else(|| webhook_not_found(&id))?;
    Ok(secret_reply(&hook.secret))
}

/// A trigger as the API returns it: the stored fields plus its `url`.
#[derive(Debug, Serialize)]
struct TriggerOut<'a> {
    url: String,
    #[serde(flatten)]
    trigger: &'a Trigger,
}

impl<'a> TriggerOut<'a> {
    fn new(base: &str, trigger: &'a Trigger) -> Self {
        Self {
            url: format!("{base}/api/v2/triggers/{}.json", trigger.id),
            trigger,
        }
    }
}

fn trigger_input(z: &Zendesk, body: &Value) -> Result<TriggerInput, ZendeskError> {
    let root = body
        .get("trigger")
        .filter(|v| !v.is_null())
        .ok_or_else(|| {
            ZendeskError::BadRequest("param is missing or the value is empty: trigger".to_owned())
        })?;
    let store = z.store_read();
    TriggerInput::parse(root, |id| store.webhooks.contains_key(id))
}

async fn create_trigger(
    Account(z): Z,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = trigger_input(&z, &body)?;
    let now = z.now();
    let mut store = z.store();
    let id = store.create_trigger(input, now)?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"trigger": TriggerOut::new(&base, &store.triggers[&id])}),
    ))
}

async fn list_triggers(z: Z, q: RawQuery, b: BaseUrl) -> Reply {
    triggers_page(z, q, b, "/api/v2/triggers", |_| true)
}

/// `GET /triggers/active` \[DOC\]: the active triggers, in the same order and pages.
async fn list_active_triggers(z: Z, q: RawQuery, b: BaseUrl) -> Reply {
    triggers_page(z, q, b, "/api/v2/triggers/active", |t| t.active)
}

/// `GET /triggers/definitions`: what a trigger may name, with the account's agents,
/// groups, organizations and active webhooks as values (see [`super::rule_definitions`]).
async fn trigger_definitions(Account(z): Z) -> Reply {
    let choices = Choices::of(&z.store_read());
    Ok(json_response(StatusCode::OK, &definitions(&choices)))
}

/// `GET /triggers/search?query=` [DOC: Search Triggers]: the triggers whose
/// title contains the query, optionally only `active=true|false` ones.
async fn search_triggers(z: Z, RawQuery(q): RawQuery, b: BaseUrl) -> Reply {
    let wanted = rule_search(&Query::parse(q.as_deref()))?;
    triggers_page(z, RawQuery(q), b, "/api/v2/triggers/search", move |t| {
        wanted(&t.title, Some(t.active))
    })
}

fn triggers_page(
    Account(z): Z,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
    path: &str,
    keep: impl Fn(&Trigger) -> bool,
) -> Reply {
    let query: Vec<(String, String)> = form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let store = z.store_read();
    let mut triggers: Vec<&Trigger> = store.triggers.values().filter(|t| keep(t)).collect();
    triggers.sort_by_key(|t| (t.position, t.id));
    let items: Vec<(u64, TriggerOut<'_>)> = triggers
        .into_iter()
        .enumerate()
        .map(|(i, t)| (i as u64, TriggerOut::new(&base, t)))
        .collect();
    let page = page::list("triggers", path, "position", &items, &query, &base, &[])?;
    Ok(json_response(StatusCode::OK, &page))
}

async fn show_trigger(Account(z): Z, IdParam(id): IdParam, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let t = store
        .triggers
        .get(&id)
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"trigger": TriggerOut::new(&base, t)}),
    ))
}

async fn update_trigger(
    Account(z): Z,
    IdParam(id): IdParam,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = trigger_input(&z, &body)?;
    let now = z.now();
    let mut store = z.store();
    let t = store
        .triggers
        .get_mut(&id)
        .ok_or(ZendeskError::RecordNotFound)?;
    t.apply(input, now);
    Ok(json_response(
        StatusCode::OK,
        &json!({"trigger": TriggerOut::new(&base, t)}),
    ))
}

async fn delete_trigger(Account(z): Z, IdParam(id): IdParam) -> Reply {
    z.store()
        .triggers
        .remove(&id)
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
