//! Lists Zendesk serves beside a resource's own, narrowed or under another
//! name: assignable groups and memberships, a ticket's audit count, compact views, a user's organizations, recent
//! tickets, sessions, and the account's sharing agreements.

use crate::vendors::zendesk::accounts::Account;

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde_json::json;

use super::groups::{GROUP_MEMBERSHIPS, GROUPS};
use super::listing::{self, Query};
use super::orgs::ORGANIZATIONS;
use super::routes::{Reply, Routes, Z, ok};
use super::rules::VIEWS;
use super::spec::Record;
use super::typed::TICKETS;
use crate::vendors::zendesk::error::{IdParam, ZendeskError};
use crate::vendors::zendesk::extract::BaseUrl;

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add("/api/v2/groups/assignable", &["GET"], get(assignable_groups))
        .add(
            "/api/v2/group_memberships/assignable",
            &["GET"],
            get(assignable_memberships),
        )
        .add(
            "/api/v2/tickets/{ticket_id}/audits/count",
            &["GET"],
            get(audit_count),
        )
        .add("/api/v2/views/compact", &["GET"], get(compact_views))
        .add(
            "/api/v2/users/{user_id}/organizations",
            &["GET"],
            get(organizations_of_user),
        )
        .add("/api/v2/tickets/recent", &["GET"], get(recent_tickets))
        .add("/api/v2/sessions", &["GET"], get(no_sessions))
        .add(
            "/api/v2/users/{user_id}/sessions",
            &["GET"],
            get(|Account(z): Z, IdParam(id): IdParam| async move {
                z.store_read().user(id)?;
                Ok::<_, ZendeskError>(no_sessions().await)
            }),
        )
        .add(
            "/api/v2/users/me/session",
            &["GET"],
            get(|| async { Err::<Response, _>(ZendeskError::RecordNotFound) }),
        )
        .add(
            "/api/v2/users/me/logout",
            &["DELETE"],
            delete(|| async { StatusCode::NO_CONTENT.into_response() }),
        )
        .add(
            "/api/v2/sharing_agreements",
            &["GET"],
            get(|| async { ok(&json!({"sharing_agreements": []})) }),
        )
}

/// `GET /groups/assignable` [DOC: List Assignable Groups]: the groups tickets
/// can be assigned to, every group of the account here (Zendesk leaves out
/// groups an agent cannot see, UNVERIFIED for admins), paged as `/groups`.
async fn assignable_groups(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let groups: Vec<Record> = store
        .groups()
        .filter(|g| g["deleted"].as_bool() != Some(true))
        .cloned()
        .collect();
    let q = Query::parse(q.as_deref());
    listing::page_of(&GROUPS, &store, &base, "/api/v2/groups/assignable", groups, &q).map(|v| ok(&v))
}

/// `GET /views/compact` [DOC: List Views - Compact]: the views as `/views`
/// lists them (Zendesk's compact form leaves some fields out, UNVERIFIED which).
async fn compact_views(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let q = Query::parse(q.as_deref());
    listing::list(&VIEWS, &store, &base, &q).map(|v| ok(&v))
}

/// `GET /users/{id}/organizations` [DOC: List Organizations, "users/{user_id}/
/// organizations"]: the organizations the user is a member of, paged as
/// `/organizations`.
async fn organizations_of_user(
    Account(z): Z,
    IdParam(id): IdParam,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let store = z.store_read();
    let user = store.user(id)?;
    let mine: Vec<u64> = store
        .records
        .all("organization_memberships")
        .filter(|m| m["user_id"].as_u64() == Some(id))
        .filter_map(|m| m["organization_id"].as_u64())
        .chain(user.organization_id)
        .collect();
    let orgs: Vec<Record> = store
        .organizations()
        .filter(|o| o["id"].as_u64().is_some_and(|o| mine.contains(&o)))
        .cloned()
        .collect();
    let path = format!("/api/v2/users/{id}/organizations");
    let q = Query::parse(q.as_deref());
    listing::page_of(&ORGANIZATIONS, &store, &base, &path, orgs, &q).map(|v| ok(&v))
}

/// `GET /tickets/recent` [DOC: List Recent Tickets]: the tickets the caller
/// viewed in Zendesk's agent interface; API reads are not such views, so the
/// fake has none to list (a page of no tickets).
async fn recent_tickets(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let q = Query::parse(q.as_deref());
    let none = Vec::new();
    listing::page_rows(&TICKETS, &store, &base, "/api/v2/tickets/recent", none, &q).map(|v| ok(&v))
}

/// `GET /sessions`, `/users/{id}/sessions` [DOC: Sessions]: the browser sessions
/// of Zendesk's web interface; API calls open none, so none are listed, and
/// `/users/me/session` (the caller's) is a 404 and `/users/me/logout` a 204.
async fn no_sessions() -> Response {
    ok(&json!({"sessions": [], "next_page": null, "previous_page": null, "count": 0}))
}

/// `GET /group_memberships/assignable` [DOC: List Assignable Memberships]: the
/// memberships of the groups tickets can be assigned to (every group not
/// deleted), paged as `/group_memberships`.
async fn assignable_memberships(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let live: Vec<u64> = store
        .groups()
        .filter(|g| g["deleted"].as_bool() != Some(true))
        .filter_map(|g| g["id"].as_u64())
        .collect();
    let memberships: Vec<Record> = store
        .records
        .all(GROUP_MEMBERSHIPS.table)
        .filter(|m| m["group_id"].as_u64().is_some_and(|g| live.contains(&g)))
        .cloned()
        .collect();
    let q = Query::parse(q.as_deref());
    let path = "/api/v2/group_memberships/assignable";
    listing::page_of(&GROUP_MEMBERSHIPS, &store, &base, path, memberships, &q).map(|v| ok(&v))
}

/// `GET /tickets/{id}/audits/count` [DOC: Count Audits for a Ticket].
async fn audit_count(Account(z): Z, IdParam(id): IdParam) -> Reply {
    let store = z.store_read();
    let n = store.ticket(id)?.audits.len();
    let at = crate::clock::iso_seconds(z.now());
    Ok(ok(&json!({"count": {"value": n, "refreshed_at": at}})))
}
