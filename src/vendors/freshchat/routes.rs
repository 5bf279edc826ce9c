//! Fake Freshchat's one route table: every REST operation (served under `/v2` and
//! `/api/v2`) is declared once below, and both the router and the list `/coverage`
//! reports are built from it. The files the fake serves itself (uploads and
//! extracts) are in [`PUBLIC`], served without a token as their signed URLs are.

use std::sync::Arc;

use axum::Router;
use axum::routing::{MethodRouter, get};

use super::account::Freshchat;
use super::{account_api, agents_api, api, csat, metrics, outbound, reports, uploads};

macro_rules! table {
    ($($path:literal => [$($method:ident $handler:path),+ $(,)?]),* $(,)?) => {
        /// Every operation: `(method, path relative to /v2)`.
        pub const OPERATIONS: &[(&str, &str)] = &[$($((stringify!($method), $path)),+),*];

        /// The REST API's router, relative to `/v2` (and `/api/v2`).
        pub fn routes() -> Router<Arc<Freshchat>> {
            Router::new()
                $(.route($path, MethodRouter::new()$(.$method($handler))+))*
                .fallback(api::no_route)
                .method_not_allowed_fallback(api::method_not_allowed)
        }
    };
}

table! {
    "/accounts/configuration" => [get account_api::configuration],
    "/agents" => [get agents_api::list, post agents_api::create],
    "/agents/status" => [get agents_api::statuses],
    "/agents/{id}" => [get api::get_agent, put agents_api::update, patch agents_api::patch, delete agents_api::delete],
    "/users" => [get api::list_users, post api::create_user],
    "/users/fetch" => [post api::fetch_users],
    "/users/lookup" => [get api::lookup_user],
    "/users/{id}" => [get api::get_user, put api::update_user, delete api::delete_user],
    "/users/{id}/conversations" => [get api::user_conversations],
    "/conversations" => [post api::create_conversation],
    "/conversations/fields" => [get super::fields::list],
    "/conversations/{id}" => [get api::get_conversation, put api::update_conversation],
    "/conversations/{id}/messages" => [get api::list_messages, post api::post_message],
    "/groups" => [get agents_api::list_groups],
    "/groups/{id}" => [get agents_api::get_group],
    "/channels" => [get account_api::list_channels],
    "/channels/{id}" => [get account_api::get_channel],
    "/roles" => [get agents_api::roles],
    "/csat/{id}" => [post csat::create],
    "/files/upload" => [post uploads::upload_file],
    "/images/upload" => [post uploads::upload_image],
    "/outbound-messages/whatsapp" => [post outbound::send],
    "/outbound-messages" => [get outbound::list],
    "/reports/raw" => [post reports::create],
    "/reports/raw/{id}" => [get reports::get],
    "/metrics/historical" => [get metrics::historical],
    "/metrics/instant" => [get metrics::instant],
    "/business-hours/within-bh" => [get account_api::within_bh],
}

/// What the fake serves outside the API: uploaded files and completed extracts.
pub const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/attachments/{hash}/{name}"),
    ("GET", "/extracts/{file}"),
];

/// Whether `path` is one of [`PUBLIC`]'s (no token asked).
pub fn is_public(path: &str) -> bool {
    path.starts_with(uploads::SERVE_PREFIX) || path.starts_with("/extracts/")
}

/// The router of [`PUBLIC`].
pub fn public() -> Router<Arc<Freshchat>> {
    Router::new()
        .route("/attachments/{hash}/{name}", get(uploads::serve))
        .route("/extracts/{file}", get(reports::download))
        .method_not_allowed_fallback(api::method_not_allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_the_documented_operations_once_each() {
        let mut seen: Vec<(&str, &str)> = OPERATIONS.to_vec();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), OPERATIONS.len());
        // The 34 rows of the official list (freshchat-mammut-more 2), by path.
        let documented = [
            ("get", "/accounts/configuration"),
            ("post", "/agents"),
            ("patch", "/agents/{id}"),
            ("delete", "/users/{id}"),
            ("post", "/users/fetch"),
            ("post", "/csat/{id}"),
            ("post", "/files/upload"),
            ("post", "/images/upload"),
            ("get", "/outbound-messages"),
            ("get", "/reports/raw/{id}"),
            ("get", "/metrics/instant"),
            ("get", "/business-hours/within-bh"),
        ];
        for op in documented {
            assert!(OPERATIONS.contains(&op), "{op:?}");
        }
    }
}
