//! How tickets and users meet the declared resources: a ticket's references must
//! name real records (organization, group, brand, form, custom fields), its
//! assignee must belong to its group; a user's groups; and the people a ticket
//! names (collaborators, followers, email CCs) as lists of users; problem
//! tickets and a user's related counts.

use crate::vendors::zendesk::accounts::Account;
use axum::extract::RawQuery;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::fields;
use super::groups::{GROUPS, default_group};
use super::listing::{self, Query};
use super::routes::{Reply, Routes, Z, ok};
use super::spec::Row;
use super::typed::{TICKETS, USERS};
use crate::vendors::zendesk::error::{IdParam, ZendeskError};
use crate::vendors::zendesk::extract::BaseUrl;
use crate::vendors::zendesk::store::{Store, Ticket};
use crate::vendors::zendesk::wire::TicketType;

fn invalid(field: &str, title: &str) -> ZendeskError {
    ZendeskError::invalid(field, format!("{title}: is invalid"), "InvalidValue")
}

/// Checks a ticket about to be stored against the records it names. When only
/// an assignee was given, the ticket takes the assignee's default group (UNVERIFIED,
/// reference 5.3).
pub fn check(store: &Store, t: &mut Ticket, assignee_given: bool) -> Result<(), ZendeskError> {
    if !store.settings().check_references {
        return Ok(());
    }
    if let Some(o) = t.organization_id
        && store.organization(o).is_none()
    {
        return Err(invalid("organization_id", "Organization"));
    }
    if t.brand_id != store.settings().brand_id && store.records.get("brands", t.brand_id).is_none()
    {
        return Err(invalid("brand_id", "Brand"));
    }
    if t.ticket_form_id != store.settings().ticket_form_id
        && store
            .records
            .get("ticket_forms", t.ticket_form_id)
            .is_none()
    {
        return Err(invalid("ticket_form_id", "Ticket form"));
    }
    if let Some(g) = t.group_id
        && store.group(g).is_none()
    {
        return Err(invalid("group_id", "Group"));
    }
    if let Some(a) = t.assignee_id {
        match t.group_id {
            None if assignee_given => t.group_id = default_group(store, a),
            Some(g) if !store.groups_of(a).contains(&g) => {
                // Body UNKNOWN (reference 5.3); the suggested default.
                return Err(ZendeskError::invalid(
                    "assignee_id",
                    "Assignee is not a member of the group",
                    "InvalidValue",
                ));
            }
            _ => {}
        }
    }
    let values: Vec<(u64, &Value)> = t.custom_fields.iter().map(|f| (f.id, &f.value)).collect();
    fields::check_ticket_values(store, &values)
}

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/users/{user_id}/groups",
        &["GET"],
        get(groups_of_user),
    )
    .add(
        "/api/v2/tickets/{ticket_id}/collaborators",
        &["GET"],
        get(|z: Z, id: IdParam, q: RawQuery, b: BaseUrl| {
            people(z, id, q, b, "collaborators", |t| &t.collaborator_ids)
        }),
    )
    .add(
        "/api/v2/tickets/{ticket_id}/followers",
        &["GET"],
        get(|z: Z, id: IdParam, q: RawQuery, b: BaseUrl| {
            people(z, id, q, b, "followers", |t| &t.follower_ids)
        }),
    )
    .add("/api/v2/problems", &["GET"], get(problems))
    .add(
        "/api/v2/problems/autocomplete",
        &["POST"],
        post(autocomplete_problems),
    )
    .add("/api/v2/users/{user_id}/related", &["GET"], get(user_related))
    .add(
        "/api/v2/tickets/{ticket_id}/email_ccs",
        &["GET"],
        get(|z: Z, id: IdParam, q: RawQuery, b: BaseUrl| {
            people(z, id, q, b, "email_ccs", |t| &t.email_cc_ids)
        }),
    )
}

/// `GET /api/v2/tickets/{id}/collaborators` (and followers, email CCs): the
/// users the ticket names in that field, as a page of `users` [DOC: List
/// Collaborators, List Followers, List Email CCs for a Ticket]. A deleted or
/// unknown ticket is a 404.
async fn people(
    Account(z): Z,
    IdParam(id): IdParam,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
    list: &'static str,
    ids_of: fn(&Ticket) -> &Vec<u64>,
) -> Reply {
    let store = z.store_read();
    let ids = ids_of(store.ticket(id)?);
    let rows: Vec<&dyn Row> = ids
        .iter()
        .filter_map(|u| store.users.get(u).map(|u| u as &dyn Row))
        .collect();
    let path = format!("/api/v2/tickets/{id}/{list}");
    let q = Query::parse(q.as_deref());
    listing::page_rows(&USERS, &store, &base, &path, rows, &q).map(|v| ok(&v))
}

async fn groups_of_user(
    Account(z): Z,
    IdParam(id): IdParam,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let store = z.store_read();
    store.user(id)?;
    let mine = store.groups_of(id);
    let recs = store
        .groups()
        .filter(|g| g["id"].as_u64().is_some_and(|g| mine.contains(&g)))
        .cloned()
        .collect();
    let path = format!("/api/v2/users/{id}/groups");
    listing::page_of(
        &GROUPS,
        &store,
        &base,
        &path,
        recs,
        &Query::parse(q.as_deref()),
    )
    .map(|v| ok(&v))
}

fn is_problem(t: &Ticket) -> bool {
    t.kind == Some(TicketType::Problem)
}

/// `GET /api/v2/problems` [DOC: List Ticket Problems]: the tickets of type
/// `problem`, paged as ticket lists.
async fn problems(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let rows: Vec<&dyn Row> = store
        .tickets
        .values()
        .filter(|t| is_problem(t))
        .map(|t| t as &dyn Row)
        .collect();
    let q = Query::parse(q.as_deref());
    listing::page_rows(&TICKETS, &store, &base, "/api/v2/problems", rows, &q).map(|v| ok(&v))
}

/// `POST /api/v2/problems/autocomplete?text=` (or `{"text": ...}`) [DOC: Autocomplete
/// Problems]: `{"tickets": [...]}`, the problems whose subject contains the text,
/// any case. A missing text is a 400 (body UNVERIFIED).
async fn autocomplete_problems(
    Account(z): Z,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
    body: axum::body::Bytes,
) -> Reply {
    let q = Query::parse(q.as_deref());
    let from_body = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|b| b["text"].as_str().map(str::to_owned));
    let text = q
        .get("text")
        .map(str::to_owned)
        .or(from_body)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ZendeskError::BadRequest("param is missing or the value is empty: text".to_owned())
        })?
        .to_lowercase();
    let store = z.store_read();
    let found: Vec<Value> = store
        .tickets
        .values()
        .filter(|t| is_problem(t)
                && t
                    .subject
                    .as_deref()
                    .is_some_and(|s| s.to_lowercase().contains(&text)))
        .map(|t| t.render(&TICKETS, &base))
        .collect();
    Ok(ok(&json!({ "tickets": found })))
}

/// `GET /api/v2/users/{id}/related` [DOC: Show User Related Information]:
/// how many tickets the user is assigned, requested and CC'd on, counted from the
/// tickets; `organization_subscriptions` is 0 (the fake keeps none). The key set
/// is the DOC example's as recalled (UNVERIFIED).
async fn user_related(Account(z): Z, IdParam(id): IdParam) -> Reply {
    let store = z.store_read();
    store.user(id)?;
    let count = |hit: &dyn Fn(&Ticket) -> bool| store.tickets.values().filter(|t| hit(t)).count();
    Ok(ok(&json!({"user_related": {
        "assigned_tickets": count(&|t| t.assignee_id == Some(id)),
        "requested_tickets": count(&|t| t.requester_id == id),
        "ccd_tickets": count(&|t| t.collaborator_ids.contains(&id)),
        "organization_subscriptions": 0,
    }})))
}
