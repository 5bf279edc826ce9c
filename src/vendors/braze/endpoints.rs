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
    /// Everything else: 250,000 per hour, one shared pool.
    Hourly,
}

/// One endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The path.
    pub path: &'static str,
    /// The API key permission it needs.
    pub permission: &'static str,
    /// Its pool.
    pub pool: Pool,
}

const fn r(path: &'static str, permission: &'static str, pool: Pool) -> Route {
    Route {
        path,
        permission,
        pool,
    }
}

/// Every endpoint of this table, in the order of the reference.
pub const ROUTES: &[Route] = &[
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
    r("/campaigns/list", "campaigns.list", Pool::Hourly),
    r("/campaigns/details", "campaigns.details", Pool::Hourly),
    r("/canvas/list", "canvas.list", Pool::Hourly),
    r("/canvas/details", "canvas.details", Pool::Hourly),
    r("/segments/list", "segments.list", Pool::Hourly),
    r("/events/list", "events.list", Pool::EventsList),
    r(
        "/purchases/product_list",
        "purchases.product_list",
        Pool::EventsList,
    ),
];

/// The endpoint at `path`.
pub fn find(path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.path == path)
}

/// Every permission of the table.
pub fn permissions() -> impl Iterator<Item = &'static str> {
    ROUTES.iter().map(|r| r.permission)
}
