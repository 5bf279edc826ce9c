//! The REST endpoints beyond `/users/track` and `/users/export/ids`: the permission
//! each needs and the rate-limit pool it counts against (\[DOC\] api_limits.md,
//! rate_limits.md; the permission names are the endpoint pages' "Prerequisites").

/// A rate-limit pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pool {
    /// `/users/delete`, `/users/alias/new`, `/users/alias/update`,
    /// `/users/identify`, `/users/merge`: 20,000 per minute, shared.
    UserData,
    /// `/users/external_ids/rename` and `/remove`: 1,000 per minute.
    ExternalIds,
    /// `/users/track/sync`: 500 per minute.
    TrackSync,
    /// `/events/list`, `/purchases/product_list`: 1,000 per hour, shared.
    EventsList,
    /// `/sends/id/create`: 100 per day.
    SendIds,
    /// `/subscription/status/set` and `/v2/subscription/status/set`: 5,000 per
    /// minute, shared.
    SubscriptionSet,
    /// `/campaigns/data_series`: 50,000 per minute.
    DataSeries,
    /// `/transactional/v1/campaigns/{campaign_id}/send`: never answered 429
    /// (calls over the volume still send, outside the SLA).
    Unlimited,
    /// The catalog endpoints answered at once (catalogs, one item): 50 per
    /// minute (captured `X-Ratelimit-Limit: 50`).
    Catalogs,
    /// The asynchronous catalog item writes and item lists: 16,000 per minute
    /// (captured `X-Ratelimit-Limit: 16000`).
    CatalogItems,
    /// Preference center creates and updates: 10 per minute \[DOC\].
    PreferenceCenterWrites,
    /// Preference center lists, details and URLs: 1,000 per minute \[DOC\].
    PreferenceCenterReads,
    /// Everything else: 250,000 per hour, one shared pool.
    Hourly,
}

/// One endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// `GET`, `POST`, or another method.
    pub method: &'static str,
    /// The path; a `{name}` segment matches any one segment.
    pub path: &'static str,
    /// The API key permission it needs.
    pub permission: &'static str,
    /// Its pool.
    pub pool: Pool,
}

const fn r(path: &'static str, permission: &'static str, pool: Pool) -> Route {
    Route {
        method: "POST",
        path,
        permission,
        pool,
    }
}

const fn m(
    method: &'static str,
    path: &'static str,
    permission: &'static str,
    pool: Pool,
) -> Route {
    Route {
        method,
        path,
        permission,
        pool,
    }
}

const fn g(path: &'static str, permission: &'static str, pool: Pool) -> Route {
    Route {
        method: "GET",
        path,
        permission,
        pool,
    }
}

/// Every endpoint of this table, in the order of the reference.
pub const ROUTES: &[Route] = &[
    g(
        "/preference_center/v1/list",
        "preference_center.list",
        Pool::PreferenceCenterReads,
    ),
    r(
        "/preference_center/v1",
        "preference_center.update",
        Pool::PreferenceCenterWrites,
    ),
    g(
        "/preference_center/v1/{id}/url/{user_id}",
        "preference_center.user.get",
        Pool::PreferenceCenterReads,
    ),
    g(
        "/preference_center/v1/{id}",
        "preference_center.get",
        Pool::PreferenceCenterReads,
    ),
    m(
        "PUT",
        "/preference_center/v1/{id}",
        "preference_center.update",
        Pool::PreferenceCenterWrites,
    ),
    g("/catalogs", "catalogs.get", Pool::Catalogs),
    r("/catalogs", "catalogs.create", Pool::Catalogs),
    m(
        "DELETE",
        "/catalogs/{name}",
        "catalogs.delete",
        Pool::Catalogs,
    ),
    g(
        "/catalogs/{name}/items",
        "catalogs.get_items",
        Pool::CatalogItems,
    ),
    r(
        "/catalogs/{name}/items",
        "catalogs.add_items",
        Pool::CatalogItems,
    ),
    m(
        "PATCH",
        "/catalogs/{name}/items",
        "catalogs.update_items",
        Pool::CatalogItems,
    ),
    m(
        "PUT",
        "/catalogs/{name}/items",
        "catalogs.replace_items",
        Pool::CatalogItems,
    ),
    m(
        "DELETE",
        "/catalogs/{name}/items",
        "catalogs.delete_items",
        Pool::CatalogItems,
    ),
    g(
        "/catalogs/{name}/items/{id}",
        "catalogs.get_item",
        Pool::Catalogs,
    ),
    m(
        "DELETE",
        "/catalogs/{name}/items/{id}",
        "catalogs.delete_item",
        Pool::Catalogs,
    ),
    r("/users/delete", "users.delete", Pool::UserData),
    r("/users/identify", "users.identify", Pool::UserData),
    r("/users/alias/new", "users.alias.new", Pool::UserData),
    r("/users/alias/update", "users.alias.update", Pool::UserData),
    r("/users/merge", "users.merge", Pool::UserData),
    r(
        "/users/external_ids/rename",
        "users.external_ids.rename",
        Pool::ExternalIds,
    ),
    r(
        "/users/external_ids/remove",
        "users.external_ids.remove",
        Pool::ExternalIds,
    ),
    r("/users/track/sync", "users.track.sync", Pool::TrackSync),
    r("/messages/send", "messages.send", Pool::Hourly),
    r(
        "/campaigns/trigger/send",
        "campaigns.trigger.send",
        Pool::Hourly,
    ),
    r("/canvas/trigger/send", "canvas.trigger.send", Pool::Hourly),
    r("/sends/id/create", "sends.id.create", Pool::SendIds),
    r(
        "/messages/schedule/create",
        "messages.schedule.create",
        Pool::Hourly,
    ),
    r(
        "/messages/schedule/update",
        "messages.schedule.update",
        Pool::Hourly,
    ),
    r(
        "/messages/schedule/delete",
        "messages.schedule.delete",
        Pool::Hourly,
    ),
    r(
        "/campaigns/trigger/schedule/create",
        "campaigns.trigger.schedule.create",
        Pool::Hourly,
    ),
    r(
        "/campaigns/trigger/schedule/update",
        "campaigns.trigger.schedule.update",
        Pool::Hourly,
    ),
    r(
        "/campaigns/trigger/schedule/delete",
        "campaigns.trigger.schedule.delete",
        Pool::Hourly,
    ),
    r(
        "/canvas/trigger/schedule/create",
        "canvas.trigger.schedule.create",
        Pool::Hourly,
    ),
    r(
        "/canvas/trigger/schedule/update",
        "canvas.trigger.schedule.update",
        Pool::Hourly,
    ),
    r(
        "/canvas/trigger/schedule/delete",
        "canvas.trigger.schedule.delete",
        Pool::Hourly,
    ),
    g("/campaigns/list", "campaigns.list", Pool::Hourly),
    g("/campaigns/details", "campaigns.details", Pool::Hourly),
    g("/canvas/list", "canvas.list", Pool::Hourly),
    g("/canvas/details", "canvas.details", Pool::Hourly),
    g("/segments/list", "segments.list", Pool::Hourly),
    g("/events/list", "events.list", Pool::EventsList),
    g("/events", "events.get", Pool::EventsList),
    g(
        "/custom_attributes",
        "custom_attributes.get",
        Pool::EventsList,
    ),
    g(
        "/purchases/product_list",
        "purchases.product_list",
        Pool::EventsList,
    ),
    g(
        "/messages/scheduled_broadcasts",
        "messages.schedule_broadcasts",
        Pool::Hourly,
    ),
    r(
        "/transactional/v1/campaigns/{campaign_id}/send",
        "transactional.send",
        Pool::Unlimited,
    ),
    g(
        "/subscription/status/get",
        "subscription.status.get",
        Pool::Hourly,
    ),
    g(
        "/subscription/user/status",
        "subscription.groups.get",
        Pool::Hourly,
    ),
    r(
        "/subscription/status/set",
        "subscription.status.set",
        Pool::SubscriptionSet,
    ),
    r(
        "/v2/subscription/status/set",
        "subscription.status.set",
        Pool::SubscriptionSet,
    ),
    g("/email/hard_bounces", "email.hard_bounces", Pool::Hourly),
    g("/email/unsubscribes", "email.unsubscribe", Pool::Hourly),
    r("/email/status", "email.status", Pool::Hourly),
    r("/email/bounce/remove", "email.bounce.remove", Pool::Hourly),
    r("/email/spam/remove", "email.spam.remove", Pool::Hourly),
    r("/email/blocklist", "email.blacklist", Pool::Hourly),
    r("/email/blacklist", "email.blacklist", Pool::Hourly),
    g("/content_blocks/list", "content_blocks.list", Pool::Hourly),
    g("/content_blocks/info", "content_blocks.info", Pool::Hourly),
    r(
        "/content_blocks/create",
        "content_blocks.create",
        Pool::Hourly,
    ),
    r(
        "/content_blocks/update",
        "content_blocks.update",
        Pool::Hourly,
    ),
    g(
        "/templates/email/list",
        "templates.email.list",
        Pool::Hourly,
    ),
    g(
        "/templates/email/info",
        "templates.email.info",
        Pool::Hourly,
    ),
    r(
        "/templates/email/create",
        "templates.email.create",
        Pool::Hourly,
    ),
    r(
        "/templates/email/update",
        "templates.email.update",
        Pool::Hourly,
    ),
    g("/segments/details", "segments.details", Pool::Hourly),
    g(
        "/segments/data_series",
        "segments.data_series",
        Pool::Hourly,
    ),
    g(
        "/campaigns/data_series",
        "campaigns.data_series",
        Pool::DataSeries,
    ),
    g("/sends/data_series", "sends.data_series", Pool::Hourly),
    g("/canvas/data_series", "canvas.data_series", Pool::Hourly),
    g("/canvas/data_summary", "canvas.data_summary", Pool::Hourly),
    g("/events/data_series", "events.data_series", Pool::Hourly),
    g(
        "/purchases/quantity_series",
        "purchases.quantity_series",
        Pool::Hourly,
    ),
    g(
        "/purchases/revenue_series",
        "purchases.revenue_series",
        Pool::Hourly,
    ),
    g(
        "/sessions/data_series",
        "sessions.data_series",
        Pool::Hourly,
    ),
    g(
        "/kpi/new_users/data_series",
        "kpi.new_users.data_series",
        Pool::Hourly,
    ),
    g("/kpi/dau/data_series", "kpi.dau.data_series", Pool::Hourly),
    g("/kpi/mau/data_series", "kpi.mau.data_series", Pool::Hourly),
    g(
        "/kpi/uninstalls/data_series",
        "kpi.uninstalls.data_series",
        Pool::Hourly,
    ),
];

/// The endpoint at `path`.
pub fn find(path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| matches(r.path, path))
}

/// The endpoint a call names: the row of its method and path, else the first
/// row of its path (a method the path does not take is answered 404 after).
pub fn find_call(method: &str, path: &str) -> Option<&'static Route> {
    ROUTES
        .iter()
        .find(|r| r.method == method && matches(r.path, path))
        .or_else(|| find(path))
}

/// Whether `path` fits `template`, whose `{name}` segments match any one segment.
fn matches(template: &str, path: &str) -> bool {
    let (mut t, mut p) = (template.split('/'), path.split('/'));
    loop {
        match (t.next(), p.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b || (a.starts_with('{') && !b.is_empty()) => {}
            _ => return false,
        }
    }
}

/// Every permission of the table (with repeats).
pub fn permissions() -> impl Iterator<Item = &'static str> {
    ROUTES.iter().map(|r| r.permission)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_segment_matches_one_segment_only() {
        let r = find("/transactional/v1/campaigns/abc/send").map(|r| r.permission);
        assert_eq!(r, Some("transactional.send"));
        assert!(find("/transactional/v1/campaigns//send").is_none());
        assert!(find("/transactional/v1/campaigns/a/b/send").is_none());
        assert_eq!(
            find("/email/blacklist").map(|r| r.permission),
            Some("email.blacklist")
        );
    }
}
