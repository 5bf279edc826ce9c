//! OAuth clients and tokens [DOC: OAuth Clients, OAuth Tokens], and the token
//! endpoint clients use (`POST /oauth/tokens`): tokens issued here sign in as
//! their user with `Authorization: Bearer`.

use crate::vendors::zendesk::accounts::Account;

use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::engine;
use super::listing::Query;
use super::routes::{Reply, Routes, Z, ok, require_staff, root};
use super::spec::{Ops, Record, Spec, Write, id_of, merge, record, require_text, ts};
use crate::vendors::zendesk::credentials::Credential;
use crate::vendors::zendesk::error::{IdParam, KeyParam, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::store::{OAUTH_TOKENS, Store};
use crate::vendors::zendesk::wire::json_response;

/// The resources of this file.
pub const SPECS: &[&Spec] = &[&OAUTH_CLIENTS];

/// `/api/v2/oauth/clients` \[DOC\]: `identifier` unique, a secret made on create.
pub static OAUTH_CLIENTS: Spec = Spec {
    ops: Ops::CRUD,
    after_write: Some(give_secret),
    ..Spec::new("clients", "client", "/api/v2/oauth/clients", build_client)
};

fn build_client(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({
        "name": null, "identifier": null, "company": null, "description": null,
        "redirect_uri": [], "logo_url": null, "kind": "confidential", "user_id": w.actor,
        "secret": null, "global": false,
    });
    let writable = ["name", "identifier", "company", "description", "redirect_uri", "logo_url", "kind"];
    let rec = merge(defaults, w, &writable);
    require_text(&rec, "name", "Name")?;
    let identifier = require_text(&rec, "identifier", "Identifier")?;
    if super::spec::taken(store, "clients", w.id, "identifier", &identifier) {
        return Err(ZendeskError::invalid(
            "identifier",
            format!("Identifier: {identifier} has already been taken"),
            "DuplicateValue",
        ));
    }
    super::spec::check_kind(&rec, "redirect_uri", "Redirect uri", Value::is_array)?;
    Ok(rec)
}

/// A new client gets its secret (64 hex characters, UNVERIFIED length).
fn give_secret(store: &mut Store, id: u64) {
    if store.records.get("clients", id).is_some_and(|c| c["secret"].is_null()) {
        new_secret(store, id);
    }
}

fn new_secret(store: &mut Store, id: u64) -> Option<Record> {
    let secret = store.random_hex(64);
    let mut c = store.records.get("clients", id)?.clone();
    c.insert("secret".to_owned(), json!(secret));
    store.records.put("clients", id, c.clone());
    Some(c)
}

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/oauth/clients/{id}/generate_secret",
        &["PUT"],
        put(generate_secret),
    )
    .add(
        "/api/v2/oauth/tokens",
        &["GET", "POST"],
        get(list_tokens).post(create_token),
    )
    .add(
        "/api/v2/oauth/tokens/{token_id}",
        &["GET", "DELETE"],
        get(show_token).delete(revoke_token),
    )
    .add("/oauth/tokens", &["POST"], post(token_endpoint))
}

/// `PUT /oauth/clients/{id}/generate_secret` \[DOC\]: a new secret.
async fn generate_secret(Account(z): Z, caller: Caller, IdParam(id): IdParam, BaseUrl(base): BaseUrl) -> Reply {
    let mut store = z.store();
    require_staff(&store, caller)?;
    engine::find(&OAUTH_CLIENTS, &store, id)?;
    let c = new_secret(&mut store, id).ok_or(ZendeskError::RecordNotFound)?;
    Ok(ok(&json!({"client": engine::render(&OAUTH_CLIENTS, &base, &c)})))
}

/// Issues a token for `user` through client `client`: `full_token` is the
/// access token, `token` its first 10 characters \[DOC\].
fn issue(store: &mut Store, user: u64, client: u64, scopes: Value, now: time::OffsetDateTime) -> Record {
    let id = store.next_id();
    let full = store.random_hex(64);
    let t = record(json!({
        "id": id, "user_id": user, "client_id": client, "token": &full[..10], "full_token": full,
        "scopes": scopes, "created_at": ts(now), "expires_at": null, "used_at": null,
        "refresh_token": null,
    }));
    store.records.put(OAUTH_TOKENS, id, t.clone());
    t
}

fn token_json(base: &str, t: &Record, full: bool) -> Value {
    let mut v = t.clone();
    if !full {
        v.remove("full_token");
    }
    v.insert("url".to_owned(), json!(format!("{base}/api/v2/oauth/tokens/{}.json", t["id"])));
    Value::Object(v)
}

/// `POST /api/v2/oauth/tokens` with `{"token": {"client_id", "scopes"}}`
/// \[DOC\]: 201 with the token, `full_token` shown this once.
async fn create_token(Account(z): Z, caller: Caller, BaseUrl(base): BaseUrl, ZendeskJson(body): ZendeskJson) -> Reply {
    let input = root(&body, "token")?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let client = input
        .get("client_id")
        .and_then(id_of)
        .filter(|c| store.records.get("clients", *c).is_some())
        .ok_or_else(|| ZendeskError::invalid("client_id", "Client: is invalid", "InvalidValue"))?;
    let scopes = input.get("scopes").cloned().unwrap_or_else(|| json!(["read", "write"]));
    let t = issue(&mut store, caller.0, client, scopes, now);
    Ok(json_response(StatusCode::CREATED, &json!({"token": token_json(&base, &t, true)})))
}

/// `GET /api/v2/oauth/tokens` \[DOC\]: the caller's tokens; an admin's `all=true`
/// lists every token. `full_token` is never shown again.
async fn list_tokens(Account(z): Z, caller: Caller, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let all = Query::parse(q.as_deref()).get("all") == Some("true") && store.user(caller.0)?.role.is_staff();
    let tokens: Vec<Value> = store
        .records
        .all(OAUTH_TOKENS)
        .filter(|t| all || t["user_id"].as_u64() == Some(caller.0))
        .map(|t| token_json(&base, t, false))
        .collect();
    let count = tokens.len();
    Ok(ok(&json!({"tokens": tokens, "next_page": null, "previous_page": null, "count": count})))
}

/// The token `key` names: an id, or `current` (the one this request signed in
/// with).
fn token_of(store: &Store, key: &str, headers: &HeaderMap) -> Result<(u64, Record), ZendeskError> {
    let key = key.trim_end_matches(".json");
    let found = if key == "current" {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(Credential::parse);
        let Some(Credential::Bearer(t)) = bearer else {
            return Err(ZendeskError::RecordNotFound);
        };
        store.records.all(OAUTH_TOKENS).find(|r| r["full_token"].as_str() == Some(t.as_str()))
    } else {
        let id = key.parse::<u64>().map_err(|_| ZendeskError::RecordNotFound)?;
        store.records.get(OAUTH_TOKENS, id)
    };
    let t = found.ok_or(ZendeskError::RecordNotFound)?;
    Ok((t["id"].as_u64().unwrap_or_default(), t.clone()))
}

async fn show_token(Account(z): Z, KeyParam(key): KeyParam, headers: HeaderMap, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let (_, t) = token_of(&store, &key, &headers)?;
    Ok(ok(&json!({"token": token_json(&base, &t, false)})))
}

/// `DELETE /api/v2/oauth/tokens/{id or current}` \[DOC\]: 204; the token no
/// longer signs in.
async fn revoke_token(Account(z): Z, caller: Caller, KeyParam(key): KeyParam, headers: HeaderMap) -> Reply {
    let mut store = z.store();
    let (id, t) = token_of(&store, &key, &headers)?;
    if t["user_id"].as_u64() != Some(caller.0) {
        require_staff(&store, caller)?;
    }
    store.records.remove(OAUTH_TOKENS, id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An OAuth error as the token endpoint answers it [RFC 6749 5.2].
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(status, &json!({"error": error, "error_description": description}))
}

/// The token request's parameters: a form (as OAuth clients send) or JSON.
fn params(body: &Bytes) -> Map<String, Value> {
    if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) {
        return m;
    }
    form_urlencoded::parse(body)
        .into_owned()
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

/// `POST /oauth/tokens` [DOC: Zendesk's OAuth token endpoint; RFC 6749]:
/// `grant_type` `client_credentials` (a token for the client's owner) or
/// `password` (for `username`/`password`), the client named by its
/// `identifier` and `client_secret`. Answers 200 `{access_token, token_type:
/// "bearer", scope}`; other grants (`authorization_code` needs Zendesk's sign-in
/// page) are `unsupported_grant_type`.
async fn token_endpoint(Account(z): Z, body: Bytes) -> Response {
    let p = params(&body);
    let get = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let now = z.now();
    let mut store = z.store();
    let client = store
        .records
        .all("clients")
        .find(|c| c["identifier"].as_str() == Some(get("client_id").as_str()) && c["secret"].as_str() == Some(get("client_secret").as_str()))
        .cloned();
    let Some(client) = client else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client authentication failed.");
    };
    let user = match get("grant_type").as_str() {
        "client_credentials" => client["user_id"].as_u64(),
        "password" => store.authenticate(&Credential::Password { email: get("username"), password: get("password") }),
        _ => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "The authorization grant type is not supported."),
    };
    let Some(user) = user else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "The provided authorization grant is invalid.");
    };
    let scope = Some(get("scope")).filter(|s| !s.is_empty()).unwrap_or_else(|| "read write".to_owned());
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let t = issue(&mut store, user, client["id"].as_u64().unwrap_or_default(), json!(scopes), now);
    json_response(
        StatusCode::OK,
        &json!({"access_token": t["full_token"], "token_type": "bearer", "scope": scope}),
    )
}
