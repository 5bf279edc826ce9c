//! The rate-limit windows of a workspace: which budget and permission each
//! endpoint falls under, and one window per endpoint or pool.

use std::collections::BTreeMap;

use super::endpoints::{self, Pool};
use super::{Budget, RateLimitSettings};
use crate::ratelimit::Window;

/// Which budget and permission a path falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /users/track`.
    UsersTrack,
    /// `POST /users/export/ids`.
    UsersExportIds,
    /// An endpoint of [`endpoints::ROUTES`].
    Listed(&'static endpoints::Route),
    /// Anything else (answered 404).
    Other,
}

impl Endpoint {
    /// The endpoint a request path names.
    pub fn of(path: &str) -> Self {
        Self::of_call("", path)
    }

    /// The endpoint a request names by its method and path.
    pub fn of_call(method: &str, path: &str) -> Self {
        match path {
            "/users/track" => Self::UsersTrack,
            "/users/export/ids" => Self::UsersExportIds,
            p => endpoints::find_call(method, p).map_or(Self::Other, Self::Listed),
        }
    }

    /// The permission the key needs (\[DOC\]).
    pub fn permission(self) -> Option<&'static str> {
        match self {
            Self::UsersTrack => Some("users.track"),
            Self::UsersExportIds => Some("users.export.ids"),
            Self::Listed(r) => Some(r.permission),
            Self::Other => None,
        }
    }

    /// Whether the endpoint is never answered 429.
    pub(super) fn unlimited(self) -> bool {
        matches!(self, Self::Listed(r) if r.pool == Pool::Unlimited)
    }

    pub(super) fn budget(self, r: &RateLimitSettings) -> Budget {
        match self {
            Self::UsersTrack => r.users_track,
            Self::UsersExportIds => r.users_export_ids,
            Self::Listed(route) => match route.pool {
                Pool::UserData => r.user_data,
                Pool::ExternalIds => r.external_ids,
                Pool::TrackSync => r.users_track_sync,
                Pool::EventsList => r.events_list,
                Pool::SendIds => r.sends_id_create,
                Pool::SubscriptionSet => r.subscription_set,
                Pool::DataSeries => r.data_series,
                Pool::Catalogs => r.catalogs,
                Pool::CatalogItems => r.catalog_items,
                Pool::PreferenceCenterWrites => r.preference_center_writes,
                Pool::PreferenceCenterReads => r.preference_center_reads,
                Pool::Hourly | Pool::Unlimited => r.other,
            },
            Self::Other => r.other,
        }
    }
}

/// One rate-limit window per endpoint.
#[derive(Debug, Clone)]
pub(super) struct Limiters {
    users_track: Window,
    users_export_ids: Window,
    other: Window,
    pools: BTreeMap<Pool, Window>,
    settings: RateLimitSettings,
}

impl Limiters {
    pub(super) fn new(r: &RateLimitSettings) -> Self {
        let w = |b: Budget| Window::new(b.requests, b.window_secs);
        Self {
            users_track: w(r.users_track),
            users_export_ids: w(r.users_export_ids),
            other: w(r.other),
            pools: BTreeMap::new(),
            settings: r.clone(),
        }
    }

    pub(super) fn window(&mut self, e: Endpoint) -> &mut Window {
        match e {
            Endpoint::UsersTrack => &mut self.users_track,
            Endpoint::UsersExportIds => &mut self.users_export_ids,
            Endpoint::Listed(r) if r.pool != Pool::Hourly => {
                let b = e.budget(&self.settings);
                self.pools
                    .entry(r.pool)
                    .or_insert_with(|| Window::new(b.requests, b.window_secs))
            }
            Endpoint::Listed(_) | Endpoint::Other => &mut self.other,
        }
    }
}
