//! Organization calls beside the engine's routes: search by external id or name,
//! create-or-update (exports-search-orgs reference 2.5 and 4.2), and a user's
//! default organization.

use crate::vendors::zendesk::accounts::Account;

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use super::engine;
use super::listing::{self, Query};
use super::orgs::{ORGANIZATION_MEMBERSHIPS, ORGANIZATIONS, set_user_organization};
use super::routes::{Ids, Peer, Reply, Routes, Z, may_change, ok, require_staff, root, who};
use super::spec::{Record, id_of};
use crate::vendors::zendesk::error::{ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::json_response;

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/organizations/search",
        &["GET"],
        get(search_organizations),
    )
    .add(
        "/api/v2/users/{user_id}/organizations/{organization_id}/make_default",
        &["PUT"],
        put(make_default),
    )
    .add(
        "/api/v2/organizations/create_or_update",
        &["POST"],
        post(create_or_update_organization),
    )
}

/// `GET /organizations/search?external_id=` or `?name=` [DOC: Search
/// Organizations]: exact matches, ignoring case, offset-paged. Neither or both
/// is a 400 (UNVERIFIED: the reference says "not both", its answer is UNKNOWN).
async fn search_organizations(
    Account(z): Z,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let q = Query::parse(q.as_deref());
    let (field, wanted) = match (q.get("external_id"), q.get("name")) {
        (Some(e), None) => ("external_id", e),
        (None, Some(n)) => ("name", n),
        (Some(_), Some(_)) => {
            return Err(ZendeskError::BadRequest(
                "Search by external_id or name, not both".to_owned(),
            ));
        }
        (None, None) => {
            return Err(ZendeskError::BadRequest(
                "param is missing or the value is empty: external_id or name".to_owned(),
            ));
        }
    };
    let store = z.store_read();
    let found: Vec<Record> = engine::records(&ORGANIZATIONS, &store)
        .into_iter()
        .filter(|o| o[field].as_str().is_some_and(|v| v.eq_ignore_ascii_case(wanted)))
        .collect();
    let path = "/api/v2/organizations/search";
    listing::page_of(&ORGANIZATIONS, &store, &base, path, found, &q).map(|v| ok(&v))
}

/// The organization a create-or-update names: by `id`, else by `external_id`
/// (never by name) \[DOC\].
fn matching(store: &Store, input: &Value) -> Option<u64> {
    if let Some(id) = input.get("id").and_then(id_of) {
        return store.organization(id).map(|_| id);
    }
    let external = input.get("external_id").and_then(Value::as_str)?;
    store
        .organizations()
        .find(|o| o["external_id"].as_str() == Some(external))
        .and_then(|o| o["id"].as_u64())
}

/// `POST /organizations/create_or_update` \[DOC\]: updates the organization the
/// input names by `id` or `external_id` (200), or creates it (201).
async fn create_or_update_organization(
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, ORGANIZATIONS.one)?;
    let now = z.now();
    let mut store = z.store();
    let found = matching(&store, input);
    may_change(&ORGANIZATIONS, &store, caller, found)?;
    let by = who(caller, peer);
    let (id, status) = match found {
        Some(id) => {
            engine::update(&ORGANIZATIONS, &mut store, &by, id, input, now)?;
            (id, StatusCode::OK)
        }
        None => {
            let mut input = input.clone();
            if let Value::Object(m) = &mut input {
                // An `id` that names no organization is not kept.
                m.remove("id");
            }
            let id = engine::create(&ORGANIZATIONS, &mut store, &by, &input, now)?;
            (id, StatusCode::CREATED)
        }
    };
    let rec = engine::find(&ORGANIZATIONS, &store, id)?;
    Ok(json_response(
        status,
        &json!({ "organization": engine::render(&ORGANIZATIONS, &base, &rec) }),
    ))
}

/// `PUT /users/{id}/organizations/{org_id}/make_default` [DOC: Set Membership
/// as Default]: the user's membership of that organization becomes its default
/// (the others not), and the user's `organization_id` follows; 200
/// `{"organization_membership": ...}` (go-zendesk reads that key). No such
/// membership: 404.
async fn make_default(Account(z): Z, caller: Caller, Ids(ids, _): Ids, BaseUrl(base): BaseUrl) -> Reply {
    let [user, org] = ids[..] else {
        return Err(ZendeskError::RecordNotFound);
    };
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    store.user(user)?;
    let mine: Vec<(u64, Record)> = store
        .records
        .all(ORGANIZATION_MEMBERSHIPS.table)
        .filter(|m| m["user_id"].as_u64() == Some(user))
        .filter_map(|m| Some((m["id"].as_u64()?, m.clone())))
        .collect();
    if !mine.iter().any(|(_, m)| m["organization_id"].as_u64() == Some(org)) {
        return Err(ZendeskError::RecordNotFound);
    }
    let mut chosen = None;
    for (id, mut m) in mine {
        let is_default = m["organization_id"].as_u64() == Some(org);
        m.insert("default".to_owned(), if is_default { json!(true) } else { Value::Null });
        if is_default {
            chosen = Some(m.clone());
        }
        store.records.put(ORGANIZATION_MEMBERSHIPS.table, id, m);
    }
    set_user_organization(&mut store, user, Some(org), now);
    let m = chosen.ok_or(ZendeskError::RecordNotFound)?;
    Ok(ok(&json!({"organization_membership": engine::render(&ORGANIZATION_MEMBERSHIPS, &base, &m)})))
}
