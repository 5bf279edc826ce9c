//! Handlers of fake Zendesk's routes. Paths are written as in Zendesk's API
//! reference, without `.json` (the gate strips it, REFERENCE 1.1).
//!
//! One file per resource: `tickets`, `deleted` tickets, `users`, the bulk
//! calls' `jobs`, and the vendor's `actions`.

mod actions;
mod common;
mod deleted;
mod deleted_users;
mod jobs;
mod ticket_ops;
mod tickets;
mod user_jobs;
mod user_ops;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::response::Response;
use axum::routing::{get, post, put};

pub use self::actions::control_routes;
use self::jobs::{create_many, destroy_many, list_jobs, show_job, show_many_jobs, update_many};
use self::tickets::{create_ticket, delete_ticket, list_comments, list_tickets, update_ticket};
use self::users::{
    create_or_update_user, create_user, me, search_users, show_end_user, update_user,
};
use super::error::ZendeskError;
use super::extract::RouteJson;
use super::fake::Zendesk;
pub use super::wire::TicketOut;

/// The Support API's writes of tickets and users, the list of tickets (with its
/// own rate limit), comments, user search and job statuses; the resource engine
/// serves the other reads of tickets and users.
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
            put(update_ticket).delete(delete_ticket),
        )
        .route_json("/api/v2/tickets/{ticket_id}/comments", get(list_comments))
        .route_json("/api/v2/deleted_tickets", get(deleted::list))
        .route_json(
            "/api/v2/deleted_tickets/restore_many",
            put(deleted::restore_many),
        )
        .route_json(
            "/api/v2/deleted_tickets/destroy_many",
            axum::routing::delete(deleted::purge_many),
        )
        .route_json(
            "/api/v2/deleted_tickets/{ticket_id}",
            axum::routing::delete(deleted::purge),
        )
        .route_json(
            "/api/v2/deleted_tickets/{ticket_id}/restore",
            put(deleted::restore),
        )
        .merge(ticket_ops::routes())
        .route_json("/api/v2/job_statuses", get(list_jobs))
        .route_json("/api/v2/job_statuses/show_many", get(show_many_jobs))
        .route_json("/api/v2/job_statuses/{job_status_id}", get(show_job))
        .merge(user_routes())
}

/// The users' own routes: writes, bulk jobs, deletion and the deleted users.
fn user_routes() -> Router<Arc<Zendesk>> {
    Router::new()
        .route_json("/api/v2/users", post(create_user))
        .route_json("/api/v2/users/me", get(me))
        .route_json("/api/v2/users/create_many", post(user_jobs::create_many))
        .route_json(
            "/api/v2/users/create_or_update_many",
            post(user_jobs::create_or_update_many),
        )
        .route_json("/api/v2/users/update_many", put(user_jobs::update_many))
        .route_json(
            "/api/v2/users/destroy_many",
            axum::routing::delete(user_jobs::destroy_many),
        )
        .route_json("/api/v2/users/search", get(search_users))
        .route_json(
            "/api/v2/users/create_or_update",
            post(create_or_update_user),
        )
        .route_json(
            "/api/v2/users/{user_id}",
            put(update_user).delete(deleted_users::delete_user),
        )
        .route_json("/api/v2/deleted_users", get(deleted_users::list))
        .route_json("/api/v2/deleted_users/count", get(deleted_users::count))
        .route_json(
            "/api/v2/deleted_users/{user_id}",
            get(deleted_users::show).delete(deleted_users::purge),
        )
        .route_json("/api/v2/users/{user_id}/merge", put(user_ops::merge))
        .route_json(
            "/api/v2/users/{user_id}/password",
            post(user_ops::set).put(user_ops::change),
        )
        .route_json(
            "/api/v2/users/{user_id}/password/requirements",
            get(user_ops::requirements),
        )
        .route_json(
            "/api/v2/end_users/{user_id}",
            get(show_end_user).put(update_user),
        )
}

/// The answer to any path or method fake Zendesk does not serve.
pub async fn invalid_endpoint() -> Response {
    crate::fake::unmatched(ZendeskError::InvalidEndpoint)
}

pub use super::wire::{TicketState, UserOut};
