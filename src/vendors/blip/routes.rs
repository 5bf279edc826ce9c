//! Blip's command routing: one table of `(postmaster, method, URI template)` →
//! handler. A command goes to the first route whose postmaster is its `to` (the
//! bot's own postmaster when absent), whose template matches its URI path and
//! whose method is its method. A path some route knows under another method
//! fails with 63; a path none knows, with 62 (REFERENCE extensions 11).

use super::account::Blip;
use super::attendance::Push;
use super::call::{Call, Handler, Outcome, method_not_supported, not_supported};
use super::command::{Command, Method};
use super::desk::{agents, monitoring, reports, setup};
use super::wire::{self, DESK_POSTMASTER};
use super::{broadcast, buckets, builder, contacts, schedules, threads, tickets, tracking};

pub use super::wire::{
    ANALYTICS_POSTMASTER, BOT_POSTMASTER, BROADCAST_POSTMASTER, CRM_POSTMASTER,
    SCHEDULER_POSTMASTER,
};

/// One command route.
pub struct Route {
    /// The extension's postmaster the command goes `to`.
    pub to: &'static str,
    /// The method.
    pub method: Method,
    /// The path template; `{name}` matches one segment.
    pub template: &'static str,
    /// What answers it.
    pub handler: Handler,
}

const fn r(to: &'static str, method: Method, template: &'static str, handler: Handler) -> Route {
    Route {
        to,
        method,
        template,
        handler,
    }
}

use Method::{Delete as DEL, Get as GET, Merge as MERGE, Set as SET};
const D: &str = DESK_POSTMASTER;
const C: &str = CRM_POSTMASTER;
const A: &str = ANALYTICS_POSTMASTER;
const S: &str = SCHEDULER_POSTMASTER;
const P: &str = BOT_POSTMASTER;
const L: &str = BROADCAST_POSTMASTER;

/// Every command fake Blip answers.
pub const ROUTES: &[Route] = &[
    r(D, SET, "/tickets", tickets::create_for),
    r(D, GET, "/tickets", tickets::list_all),
    r(D, SET, "/tickets/change-status", tickets::change_status),
    r(
        D,
        SET,
        "/tickets/change-status-without-redirect",
        tickets::change_status_quietly,
    ),
    r(D, SET, "/tickets/{id}/close", tickets::close),
    r(D, SET, "/tickets/{id}/transfer", tickets::transfer),
    r(D, SET, "/tickets/{id}/change-tags", tickets::change_tags),
    r(D, GET, "/tickets/{id}/messages", tickets::messages),
    r(D, GET, "/tickets/{customer}/closed", tickets::list_closed),
    r(D, SET, "/tickets/{customer}", tickets::create_with_input),
    r(D, GET, "/ticket/{id}", tickets::get_one),
    r(D, GET, "/monitoring/open-tickets", tickets::list_open),
    r(D, GET, "/monitoring/waiting-tickets", tickets::list_waiting),
    r(D, GET, "/monitoring/tickets", tickets::counters),
    r(D, GET, "/monitoring/attendants", monitoring::attendants),
    r(D, GET, "/monitoring/teams", monitoring::teams),
    r(
        D,
        GET,
        "/monitoring/ticket-metrics",
        monitoring::ticket_metrics,
    ),
    r(
        D,
        GET,
        "/monitoring/tickets-per-hour",
        monitoring::tickets_per_hour,
    ),
    r(D, GET, "/attendants", agents::list),
    r(D, SET, "/attendants", agents::set),
    r(D, DEL, "/attendants/{identity}", agents::delete),
    r(D, GET, "/teams", agents::teams),
    r(D, GET, "/teams/agents-online", agents::agents_online),
    r(D, GET, "/rules", setup::rules),
    r(D, SET, "/rules", setup::set_rule),
    r(D, GET, "/rules/{id}", setup::rule),
    r(D, DEL, "/rules/{id}", setup::delete_rule),
    r(D, GET, "/priority-rules", setup::priority_rules),
    r(D, SET, "/priority-rules", setup::set_priority_rule),
    r(D, GET, "/priority-rules/{id}", setup::priority_rule),
    r(D, DEL, "/priority-rules/{id}", setup::delete_priority_rule),
    r(D, GET, "/attendance-queues", setup::queues),
    r(D, SET, "/attendance-queues", setup::set_queue),
    r(D, GET, "/attendance-queues/{id}", setup::queue),
    r(D, DEL, "/attendance-queues/{id}", setup::delete_queue),
    r(D, GET, "/replies", setup::reply_categories),
    r(D, GET, "/replies/{id}", setup::replies),
    r(D, SET, "/replies/{id}", setup::set_replies),
    r(D, DEL, "/replies/{id}", setup::delete_replies),
    r(D, GET, "/tags/active", reports::active_tags),
    r(
        D,
        SET,
        "/attendance-history/send-by-email",
        setup::history_by_email,
    ),
    r(D, GET, "/analytics/reports/attendants", reports::attendants),
    r(
        D,
        GET,
        "/analytics/reports/attendants/productivity",
        reports::productivity,
    ),
    r(
        D,
        GET,
        "/analytics/reports/attendancetime",
        reports::attendance_time,
    ),
    r(D, GET, "/analytics/reports/tags", reports::tags),
    r(D, GET, "/analytics/reports/teams", reports::teams),
    r(D, GET, "/analytics/reports/timings", reports::timings),
    r(D, GET, "/analytics/reports/tickets", reports::tickets),
    r(C, SET, "/contacts", contacts::set),
    r(C, MERGE, "/contacts", contacts::merge),
    r(C, GET, "/contacts", contacts::list),
    r(C, GET, "/contacts/{identity}", contacts::get),
    r(C, DEL, "/contacts/{identity}", contacts::delete),
    r(
        C,
        SET,
        "/contacts/{identity}/comments",
        contacts::add_comment,
    ),
    r(C, GET, "/contacts/{identity}/comments", contacts::comments),
    r(
        C,
        DEL,
        "/contacts/{identity}/comments/{id}",
        contacts::delete_comment,
    ),
    r(A, SET, "/event-track", tracking::track),
    r(A, GET, "/event-track", tracking::categories),
    r(A, GET, "/event-track/{category}", tracking::counters),
    r(A, DEL, "/event-track/{category}", tracking::delete),
    r(
        A,
        GET,
        "/event-track/{category}/{action}",
        tracking::details,
    ),
    r(S, SET, "/schedules", schedules::set),
    r(S, GET, "/schedules", schedules::list),
    r(S, GET, "/schedules/{id}", schedules::get),
    r(S, DEL, "/schedules/{id}", schedules::cancel),
    r(P, GET, "/threads", threads::list),
    r(P, GET, "/threads/{identity}", threads::messages),
    r(P, GET, "/messages", threads::logged_messages),
    r(P, GET, "/notifications", threads::logged_notifications),
    r(P, GET, "/buckets", buckets::bucket_keys),
    r(P, GET, "/buckets/{id}", buckets::bucket_get),
    r(P, SET, "/buckets/{id}", buckets::bucket_set),
    r(P, DEL, "/buckets/{id}", buckets::bucket_delete),
    r(P, GET, "/resources", buckets::resource_keys),
    r(P, GET, "/resources/{key}", buckets::resource_get),
    r(P, SET, "/resources/{key}", buckets::resource_set),
    r(P, DEL, "/resources/{key}", buckets::resource_delete),
    r(P, GET, "/contexts", builder::identities),
    r(P, GET, "/contexts/{identity}", builder::variables),
    r(P, GET, "/contexts/{identity}/{variable}", builder::variable),
    r(
        P,
        SET,
        "/contexts/{identity}/{variable}",
        builder::set_variable,
    ),
    r(
        P,
        DEL,
        "/contexts/{identity}/{variable}",
        builder::delete_variable,
    ),
    r(P, GET, "/profile", builder::profile_keys),
    r(P, GET, "/profile/{property}", builder::profile),
    r(P, SET, "/profile/{property}", builder::set_profile),
    r(P, DEL, "/profile/{property}", builder::delete_profile),
    r(L, SET, "/lists", broadcast::create),
    r(L, GET, "/lists", broadcast::lists),
    r(L, DEL, "/lists/{list}", broadcast::delete),
    r(L, SET, "/lists/{list}/recipients", broadcast::add),
    r(L, GET, "/lists/{list}/recipients", broadcast::recipients),
    r(
        L,
        DEL,
        "/lists/{list}/recipients/{identity}",
        broadcast::remove,
    ),
];

/// The path segments (decoded once) and query of a command URI;
/// `lime://authority` is dropped.
pub fn split_uri(uri: &str) -> (Vec<String>, Vec<(String, String)>) {
    let rest = match uri.strip_prefix("lime://") {
        Some(r) => r.find('/').map_or("", |i| &r[i..]),
        None => uri,
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let segs = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(wire::percent_decode)
        .collect();
    let query = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    (segs, query)
}

/// The segments `{...}` bound when `template` matches `segs`.
fn bind(template: &str, segs: &[String]) -> Option<Vec<String>> {
    let parts: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    if parts.len() != segs.len() {
        return None;
    }
    let mut params = Vec::new();
    for (p, s) in parts.iter().zip(segs) {
        if p.starts_with('{') {
            params.push(s.clone());
        } else if p != s {
            return None;
        }
    }
    Some(params)
}

/// What running a command gave: its outcome, what to push to the attendance
/// channel, and whether a route served it.
pub struct Ran {
    /// The answer.
    pub outcome: Outcome,
    /// Pushes to send once answered.
    pub pushes: Vec<Push>,
    /// False when no route knows the URI (62) or its method (63).
    pub routed: bool,
}

/// Runs a command for the bot `owner`.
pub fn run(b: &Blip, owner: &str, cmd: &Command) -> Ran {
    // Vendor quirk: without `to` a command goes to the bot's own postmaster, which
    // knows none of the Desk's, CRM's, analytics' or scheduler's resources.
    let to = cmd
        .to
        .as_ref()
        .map_or_else(|| BOT_POSTMASTER.to_owned(), wire::Node::identity);
    let (segs, query) = split_uri(&cmd.uri);
    let mut known_path = false;
    for route in ROUTES.iter().filter(|r| r.to.eq_ignore_ascii_case(&to)) {
        let Some(params) = bind(route.template, &segs) else {
            continue;
        };
        if route.method != cmd.method {
            known_path = true;
            continue;
        }
        let mut call = Call {
            b,
            owner,
            cmd,
            params,
            query,
            pushes: Vec::new(),
        };
        let outcome = (route.handler)(&mut call);
        return Ran {
            outcome,
            pushes: call.pushes,
            routed: true,
        };
    }
    let reason = if known_path {
        method_not_supported(cmd.method)
    } else {
        not_supported()
    };
    Ran {
        outcome: Err(reason),
        pushes: Vec::new(),
        routed: false,
    }
}

/// The routes as `GET /coverage` lists them: the LIME method and
/// `lime://{postmaster}{template}`.
pub fn implemented() -> Vec<(String, String)> {
    ROUTES
        .iter()
        .map(|r| {
            (
                r.method.as_str().to_owned(),
                format!("lime://{}{}", r.to, r.template),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_split_into_decoded_segments_and_query() {
        let (segs, q) = split_uri("/tickets/5511%40wa.gw.msging.net/closed?$skip=2&$take=5");
        assert_eq!(segs, ["tickets", "5511@wa.gw.msging.net", "closed"]);
        assert_eq!(
            q,
            [("$skip".into(), "2".into()), ("$take".into(), "5".into())]
        );
        let (segs, _) = split_uri("lime://demobot@msging.net/ticket/abc");
        assert_eq!(segs, ["ticket", "abc"]);
        assert!(split_uri("lime://x").0.is_empty());
        // [DOC] desk.md "Delete an agent": the `%` of the identity is encoded again.
        let (segs, _) = split_uri("/attendants/jonh%2540email.com@blip.ai");
        assert_eq!(segs, ["attendants", "jonh%40email.com@blip.ai"]);
    }

    #[test]
    fn templates_bind_one_segment_per_name() {
        let segs = |p: &str| split_uri(p).0;
        assert_eq!(
            bind(
                "/contacts/{identity}/comments/{id}",
                &segs("/contacts/a@b/comments/7")
            ),
            Some(vec!["a@b".to_owned(), "7".to_owned()])
        );
        assert_eq!(bind("/contacts/{identity}", &segs("/contacts")), None);
        assert_eq!(bind("/teams/agents-online", &segs("/teams/x")), None);
    }

    #[test]
    fn every_route_is_reachable_by_its_own_template() {
        for (i, route) in ROUTES.iter().enumerate() {
            let segs: Vec<String> = route
                .template
                .split('/')
                .filter(|s| !s.is_empty())
                .map(|s| {
                    if s.starts_with('{') {
                        "zzz-param".to_owned()
                    } else {
                        s.to_owned()
                    }
                })
                .collect();
            let first = ROUTES.iter().position(|o| {
                o.to == route.to && o.method == route.method && bind(o.template, &segs).is_some()
            });
            assert_eq!(
                first,
                Some(i),
                "{} {} is shadowed",
                route.method.as_str(),
                route.template
            );
        }
    }
}
