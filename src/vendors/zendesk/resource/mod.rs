//! One mechanism for Zendesk's collection-shaped resources.
//!
//! A resource is declared once, as a [`Spec`]: its names and path, which operations
//! it supports, its sort keys, filters and side-loads, and the function that turns a
//! request object into a stored record (validation included). The engine
//! ([`engine`]) builds its routes, both paginations, sorting, Zendesk's errors,
//! bulk jobs, counts and audit-log entries from that declaration. Records are plain
//! JSON objects kept in [`Records`], inside the account's store; the other files of
//! this folder declare one family of resources each.

pub mod account;
pub mod addresses;
pub mod catalog;
pub mod conditions;
pub mod custom_object_records;
pub mod custom_objects;
pub mod derived;
pub mod derived_routes;
pub mod field_options;
pub mod dynamic_content;
pub mod engine;
pub mod fields;
pub mod groups;
pub mod help_center;
pub mod identities;
pub mod identity;
pub mod listing;
pub mod lookups;
pub mod narrowed;
pub mod oauth;
pub mod org_calls;
pub mod orgs;
pub mod ratings;
pub mod routes;
pub mod macro_tools;
pub mod rules;
pub mod side_conversations;
pub mod sideload;
pub mod spec;
pub mod statuses;
pub mod suspended;
pub mod tags;
pub mod tickets;
pub mod trigger_categories;
pub mod typed;
pub mod uploads;

use time::OffsetDateTime;

use super::ZendeskSettings;
use super::store::Store;
pub use super::store::{Record, Records};
pub use spec::{
    Build, Nested, Ops, Parent, Spec, Write, check_kind, id_of, merge, next_position, require_text,
    ts,
};

/// Every declared resource, in the order routes are registered.
pub fn specs() -> Vec<&'static Spec> {
    let mut all: Vec<&'static Spec> = Vec::new();
    all.extend(typed::SPECS);
    all.extend(orgs::SPECS);
    all.extend(groups::SPECS);
    all.extend(fields::SPECS);
    all.extend(catalog::SPECS);
    all.extend(rules::SPECS);
    all.extend(ratings::SPECS);
    all.extend(derived::SPECS);
    all.extend(help_center::SPECS);
    all.extend(lookups::SPECS);
    all.extend(statuses::SPECS);
    all.extend(addresses::SPECS);
    all.extend(dynamic_content::SPECS);
    all.extend(suspended::SPECS);
    all.extend(oauth::SPECS);
    all
}

impl Store {
    /// The seeded account: the store's users and hooks, then the records every
    /// account starts with and the config's seed records, with tickets checked
    /// against those records.
    pub fn seeded(settings: &ZendeskSettings, seed: u64, now: OffsetDateTime) -> Self {
        let mut store = Self::with_users(settings, seed, now);
        store.ticket_check = tickets::check;
        // `ZendeskSettings::problems` has reported what does not seed.
        let _ = account::seed(&mut store, settings, now, &specs());
        // From here on, changes also feed event-subscription webhooks.
        store.log.set_queue(true);
        store
    }
}

/// What in the config's seeds and settings would not seed, one sentence each.
pub fn seed_problems(settings: &ZendeskSettings) -> Vec<String> {
    account::seed_problems(settings, &specs())
}

/// Lookups other parts of fake Zendesk use (exports, search, webhooks).
impl Store {
    /// An organization by id.
    pub fn organization(&self, id: u64) -> Option<&Record> {
        self.records.get("organizations", id)
    }

    /// Every organization, in id order.
    pub fn organizations(&self) -> impl Iterator<Item = &Record> {
        self.records.all("organizations")
    }

    /// A group by id.
    pub fn group(&self, id: u64) -> Option<&Record> {
        self.records.get("groups", id)
    }

    /// Every group, in id order.
    pub fn groups(&self) -> impl Iterator<Item = &Record> {
        self.records.all("groups")
    }

    /// The ids of the groups a user is a member of.
    pub fn groups_of(&self, user_id: u64) -> Vec<u64> {
        self.records
            .all("group_memberships")
            .filter(|m| m["user_id"].as_u64() == Some(user_id))
            .filter_map(|m| m["group_id"].as_u64())
            .collect()
    }
}

/// The routes of every declared resource and of the endpoints built on them.
pub fn router() -> routes::Routes {
    use axum::routing::get;
    let r = routes::all(specs());
    let r = account::routes(r);
    let r = tags::routes(r);
    let r = rules::routes(r);
    let r = macro_tools::routes(r);
    let r = ratings::routes(r);
    let r = derived_routes::routes(r);
    let r = tickets::routes(r);
    let r = uploads::routes(r);
    let r = help_center::routes(r);
    let r = lookups::routes(r);
    let r = org_calls::routes(r);
    let r = statuses::routes(r);
    let r = identities::routes(r);
    let r = addresses::routes(r);
    let r = dynamic_content::routes(r);
    let r = trigger_categories::routes(r);
    let r = suspended::routes(r);
    let r = side_conversations::routes(r);
    let r = custom_objects::routes(r);
    let r = custom_object_records::routes(r);
    let r = narrowed::routes(r);
    let r = field_options::routes(r);
    let r = oauth::routes(r);
    r.add(
        "/api/v2/routing/attributes/definitions",
        &["GET"],
        get(|| async { routes::ok(&catalog::routing_definitions()) }),
    )
}

/// The routes of tickets', users', jobs', webhooks' and triggers' own handlers
/// (their writes, search, comments), for `GET /coverage`; the engine lists its own.
pub const CORE_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v2/tickets"),
    ("POST", "/api/v2/tickets"),
    ("POST", "/api/v2/tickets/create_many"),
    ("PUT", "/api/v2/tickets/update_many"),
    ("DELETE", "/api/v2/tickets/destroy_many"),
    ("PUT", "/api/v2/tickets/{ticket_id}"),
    ("DELETE", "/api/v2/tickets/{ticket_id}"),
    ("GET", "/api/v2/tickets/{ticket_id}/comments"),
    ("POST", "/api/v2/tickets/{ticket_id}/merge"),
    ("POST", "/api/v2/imports/tickets"),
    ("POST", "/api/v2/imports/tickets/create_many"),
    ("GET", "/api/v2/tickets/{ticket_id}/related"),
    ("PUT", "/api/v2/tickets/{ticket_id}/mark_as_spam"),
    ("PUT", "/api/v2/tickets/mark_many_as_spam"),
    ("PUT", "/api/v2/tickets/{ticket_id}/comments/{comment_id}/redact"),
    ("PUT", "/api/v2/tickets/{ticket_id}/comments/{comment_id}/make_private"),
    ("PUT", "/api/v2/tickets/{ticket_id}/comments/{comment_id}/attachments/{attachment_id}/redact"),
    ("PUT", "/api/v2/comment_redactions/{comment_id}"),
    ("DELETE", "/api/v2/users/{user_id}"),
    ("POST", "/api/v2/users/create_many"),
    ("POST", "/api/v2/users/create_or_update_many"),
    ("PUT", "/api/v2/users/update_many"),
    ("DELETE", "/api/v2/users/destroy_many"),
    ("PUT", "/api/v2/users/{user_id}/merge"),
    ("POST", "/api/v2/webhooks/test"),
    ("POST", "/api/v2/users/{user_id}/password"),
    ("PUT", "/api/v2/users/{user_id}/password"),
    ("GET", "/api/v2/users/{user_id}/password/requirements"),
    ("GET", "/api/v2/deleted_users"),
    ("GET", "/api/v2/deleted_users/count"),
    ("GET", "/api/v2/deleted_users/{user_id}"),
    ("DELETE", "/api/v2/deleted_users/{user_id}"),
    ("GET", "/api/v2/deleted_tickets"),
    ("PUT", "/api/v2/deleted_tickets/restore_many"),
    ("DELETE", "/api/v2/deleted_tickets/destroy_many"),
    ("DELETE", "/api/v2/deleted_tickets/{ticket_id}"),
    ("PUT", "/api/v2/deleted_tickets/{ticket_id}/restore"),
    ("GET", "/api/v2/job_statuses"),
    ("GET", "/api/v2/job_statuses/show_many"),
    ("GET", "/api/v2/job_statuses/{job_status_id}"),
    ("POST", "/api/v2/users"),
    ("GET", "/api/v2/users/me"),
    ("GET", "/api/v2/users/search"),
    ("POST", "/api/v2/users/create_or_update"),
    ("PUT", "/api/v2/users/{user_id}"),
    ("GET", "/api/v2/end_users/{user_id}"),
    ("PUT", "/api/v2/end_users/{user_id}"),
    ("GET", "/api/v2/webhooks"),
    ("POST", "/api/v2/webhooks"),
    ("GET", "/api/v2/webhooks/{webhook_id}"),
    ("PUT", "/api/v2/webhooks/{webhook_id}"),
    ("PATCH", "/api/v2/webhooks/{webhook_id}"),
    ("DELETE", "/api/v2/webhooks/{webhook_id}"),
    ("GET", "/api/v2/webhooks/{webhook_id}/signing_secret"),
    ("POST", "/api/v2/webhooks/{webhook_id}/signing_secret"),
    ("GET", "/api/v2/triggers"),
    ("GET", "/api/v2/triggers/active"),
    ("GET", "/api/v2/triggers/definitions"),
    ("GET", "/api/v2/triggers/search"),
    ("POST", "/api/v2/triggers"),
    ("GET", "/api/v2/triggers/{trigger_id}"),
    ("PUT", "/api/v2/triggers/{trigger_id}"),
    ("DELETE", "/api/v2/triggers/{trigger_id}"),
];
