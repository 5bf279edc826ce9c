//! Merging end users and passwords [DOC: Merge End Users; User Passwords].

use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::common::{Reply, Z, root};
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::{IdParam, ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::resource::routes::require_staff;
use crate::vendors::zendesk::store::PASSWORD_REQUIREMENTS;
use crate::vendors::zendesk::wire::{Role, UserOut, json_response};

/// `PUT /users/{id}/merge` with `{"user": {"id": target}}` (or the target's
/// `email`) \[DOC\]: 200 `{"user": target}`; the user in the path is merged away.
pub(super) async fn merge(
    Account(z): Z,
    caller: Caller,
    IdParam(from): IdParam,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let target = root(&body, "user")?;
    let now = z.now();
    z.credentials_changed();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let into = match (target.get("id"), target.get("email").and_then(Value::as_str)) {
        (Some(id), _) => crate::vendors::zendesk::resource::spec::id_of(id),
        (None, Some(email)) => store.user_by_email(email),
        (None, None) => None,
    }
    .ok_or(ZendeskError::RecordNotFound)?;
    store.merge_users(from, into, caller.0, now)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"user": UserOut::new(&base, store.user(into)?)}),
    ))
}

fn password_of(body: &Value, key: &str) -> Result<String, ZendeskError> {
    body.get(key)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ZendeskError::BadRequest(format!("param is missing or the value is empty: {key}")))
}

/// `POST /users/{id}/password` with `{"password"}` [DOC: Set a User's
/// Password]: admins only, and only while the account lets admins set
/// passwords (`admins_set_passwords`, off by default as in Zendesk; 403
/// otherwise, body UNVERIFIED); 200 with no body.
pub(super) async fn set(
    Account(z): Z,
    caller: Caller,
    IdParam(id): IdParam,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let password = password_of(&body, "password")?;
    let now = z.now();
    z.credentials_changed();
    let mut store = z.store();
    let admin = store.user(caller.0)?.role == Role::Admin;
    if !admin || !z.settings().admins_set_passwords {
        return Err(ZendeskError::Forbidden);
    }
    store.set_password(id, &password, now)?;
    Ok(StatusCode::OK.into_response())
}

/// `PUT /users/{id}/password` with `{"previous_password", "password"}` [DOC:
/// Change Your Password]: one's own only (403 otherwise); a wrong previous
/// password is a 422 (text UNVERIFIED); 200 with no body.
pub(super) async fn change(
    Account(z): Z,
    caller: Caller,
    IdParam(id): IdParam,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let (previous, password) = (password_of(&body, "previous_password")?, password_of(&body, "password")?);
    let now = z.now();
    z.credentials_changed();
    let mut store = z.store();
    if id != caller.0 {
        return Err(ZendeskError::Forbidden);
    }
    if !store.password_is(id, &previous) {
        return Err(ZendeskError::invalid(
            "previous_password",
            "Previous password: is incorrect",
            "InvalidValue",
        ));
    }
    store.set_password(id, &password, now)?;
    Ok(StatusCode::OK.into_response())
}

/// `GET /users/{id}/password/requirements` \[DOC\]: the example's requirements.
pub(super) async fn requirements(Account(z): Z, IdParam(id): IdParam) -> Reply {
    z.store_read().user(id)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "requirements": PASSWORD_REQUIREMENTS }),
    ))
}
