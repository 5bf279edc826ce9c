//! Users: create, create or update, update, me and search.

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::common::{Reply, Z, query_pairs, root, with_warning};
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::{IdParam, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::page;
use crate::vendors::zendesk::wire::{User, UserInput, UserOut, api_warning, json_response};

pub(super) fn user_reply(
    status: StatusCode,
    base: &str,
    user: &User,
    warning: Option<String>,
) -> Response {
    with_warning(
        json_response(status, &json!({"user": UserOut::new(base, user)})),
        warning,
    )
}

pub(super) async fn create_user(
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

pub(super) async fn create_or_update_user(
    Account(z): Z,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = UserInput::parse(root(&body, "user")?, z.settings().unknown_fields)?;
    let warning = api_warning("users", "create_or_update", "user", &input.ignored);
    let now = z.now();
    z.credentials_changed();
    let mut store = z.store();
    let (id, created) = store.create_or_update_user(input, now)?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(user_reply(status, &base, store.user(id)?, warning))
}

pub(super) async fn update_user(
    Account(z): Z,
    IdParam(id): IdParam,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = UserInput::parse(root(&body, "user")?, z.settings().unknown_fields)?;
    let warning = api_warning("users", "update", "user", &input.ignored);
    let now = z.now();
    z.credentials_changed();
    let mut store = z.store();
    store.update_user(id, input, now)?;
    Ok(user_reply(StatusCode::OK, &base, store.user(id)?, warning))
}

/// `GET /api/v2/end_users/{id}` [DOC: End Users]: the user, as `GET /users/{id}`
/// shows it (`PUT` there is the users' update).
pub(super) async fn show_end_user(
    Account(z): Z,
    IdParam(id): IdParam,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let store = z.store_read();
    Ok(user_reply(StatusCode::OK, &base, store.user(id)?, None))
}

pub(super) async fn me(Account(z): Z, caller: Caller, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    Ok(user_reply(
        StatusCode::OK,
        &base,
        store.user(caller.0)?,
        None,
    ))
}

pub(super) async fn search_users(
    Account(z): Z,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
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
