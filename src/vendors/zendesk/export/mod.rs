//! Incremental exports (`/api/v2/incremental/...`): cursor-based tickets and users,
//! time-based tickets, users, organizations, ticket events and ticket metric events.
//! Every page is cut from the account's change log ([`paging`]); the records are
//! their current state.

pub mod events;
pub mod paging;

use crate::vendors::zendesk::accounts::Account;
use std::sync::Arc;

use axum::Router;
use axum::extract::RawQuery;
use axum::http::HeaderValue;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Value, json};
use time::OffsetDateTime;

use self::paging::{MAX_PER_PAGE, cursor_page, decode_cursor, encode_cursor, time_page};
use super::changelog::{Change, Key, Kind, Op};
use super::error::{ZendeskError, json_page};
use super::extract::{BaseUrl, Caller, RouteJson};
use super::fake::Zendesk;
use super::org::org_out;
use super::store::{Store, Ticket};
use super::wire::Role;
use super::wire::{TicketOut, UserOut};
use crate::ratelimit::Decision;

/// How the incremental exports behave (the `vendors.zendesk.incremental` section).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct IncrementalSettings {
    /// Export requests per minute (\[DOC\] 10; 30 with the High Volume add-on).
    pub per_minute: u32,
    /// Changes younger than this many seconds are not exported yet (\[DOC\]: the most
    /// recent minute is not provided).
    pub lag_secs: u64,
    /// A `start_time` younger than this many seconds is refused (\[DOC\]: at least
    /// one minute in the past).
    pub min_start_age_secs: u64,
    /// Status of the too-recent `start_time` error (422 captured historically by a
    /// third party; some clients see 400).
    pub too_recent_status: u16,
}

impl Default for IncrementalSettings {
    fn default() -> Self {
        Self {
            per_minute: 10,
            lag_secs: 60,
            min_start_age_secs: 60,
            too_recent_status: 422,
        }
    }
}

/// The export routes.
pub fn routes() -> Router<Arc<Zendesk>> {
    Router::new()
        .route_json("/api/v2/incremental/tickets/cursor", get(tickets_cursor))
        .route_json("/api/v2/incremental/users/cursor", get(users_cursor))
        .route_json("/api/v2/incremental/tickets", get(tickets_time))
        .route_json("/api/v2/incremental/users", get(users_time))
        .route_json("/api/v2/incremental/organizations", get(orgs_time))
        .route_json(
            "/api/v2/incremental/ticket_events",
            get(events::ticket_events),
        )
        .route_json(
            "/api/v2/incremental/ticket_metric_events",
            get(events::ticket_metric_events),
        )
}

type Z = Account;
type Reply = Result<Response, ZendeskError>;

/// The query of an export request.
#[derive(Debug, Default)]
pub(crate) struct Params {
    start_time: Option<i64>,
    cursor: Option<(Key, u64)>,
    per_page: Option<usize>,
    include: Vec<String>,
    exclude_deleted: bool,
    /// `page[size]`: the cursor form some exports offer (ticket metric events).
    cursor_size: Option<usize>,
    /// `page[after]`, in that form.
    page_after: Option<(Key, u64)>,
}

fn invalid(description: impl Into<String>) -> ZendeskError {
    ZendeskError::Plain {
        status: 422,
        error: "InvalidValue",
        description: description.into(),
    }
}

impl Params {
    fn parse(raw: Option<&str>) -> Result<Self, ZendeskError> {
        let mut p = Self::default();
        for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
            match &*k {
                "start_time" => {
                    let t = v.trim().parse::<i64>().map_err(|_| {
                        invalid(format!(
                            "start_time must be an integer (Unix seconds), got {v}"
                        ))
                    })?;
                    p.start_time = Some(t.max(0));
                }
                "cursor" => {
                    p.cursor = Some(decode_cursor(&v).ok_or_else(|| invalid("Invalid cursor"))?);
                }
                "per_page" => {
                    let n = v
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| {
                            ZendeskError::InvalidPagination(
                                "per_page must be a positive integer".to_owned(),
                            )
                        })?;
                    p.per_page = Some(n.min(MAX_PER_PAGE));
                }
                "page[size]" => {
                    let n = v.trim().parse::<usize>().ok().filter(|n| *n > 0);
                    let n = n.ok_or_else(|| {
                        ZendeskError::InvalidPagination(
                            "page[size] must be a positive integer".to_owned(),
                        )
                    })?;
                    p.cursor_size = Some(n.min(paging::MAX_CURSOR_PAGE));
                }
                "page[after]" if !v.is_empty() => {
                    p.page_after =
                        Some(decode_cursor(&v).ok_or_else(|| invalid("Invalid cursor"))?);
                }
                "include" => p.include = v.split(',').map(|s| s.trim().to_owned()).collect(),
                "exclude_deleted" => p.exclude_deleted = v == "true",
                _ => {}
            }
        }
        Ok(p)
    }

    fn includes(&self, name: &str) -> bool {
        self.include.iter().any(|i| i == name)
    }

    fn page_size(&self) -> usize {
        self.per_page.unwrap_or(MAX_PER_PAGE)
    }

    /// The query string carried into the next page's link (after its position).
    fn carried(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(n) = self.per_page {
            q.append_pair("per_page", &n.to_string());
        }
        if !self.include.is_empty() {
            q.append_pair("include", &self.include.join(","));
        }
        if self.exclude_deleted {
            q.append_pair("exclude_deleted", "true");
        }
        q.finish()
    }
}

/// What every export request checks first: an admin caller (\[DOC\] "Allowed For:
/// Admins"), then the exports' own rate limit.
pub(crate) fn begin(z: &Zendesk, caller: Caller) -> Result<Option<Decision>, ZendeskError> {
    let admin = z
        .store_read()
        .users
        .get(&caller.0)
        .is_some_and(|u| u.role == Role::Admin);
    if !admin {
        return Err(ZendeskError::Forbidden);
    }
    let decision = z.hit_incremental();
    match decision {
        Some(d) if !d.allowed => Err(ZendeskError::RateLimited(d.reset_secs)),
        d => Ok(d),
    }
}

/// The visibility cutoff and the clock's time.
pub(crate) fn window(z: &Zendesk) -> (OffsetDateTime, OffsetDateTime) {
    let now = z.now();
    let lag = i64::try_from(z.settings().incremental.lag_secs).unwrap_or(i64::MAX);
    (now - time::Duration::seconds(lag), now)
}

/// The `start_time` of a time-based request, refused when missing or too recent.
pub(crate) fn start_time(z: &Zendesk, p: &Params) -> Result<i64, ZendeskError> {
    let start = p
        .start_time
        .ok_or_else(|| invalid("start_time is required"))?;
    let s = &z.settings().incremental;
    let age = i64::try_from(s.min_start_age_secs).unwrap_or(i64::MAX);
    if start > z.now().unix_timestamp().saturating_sub(age) {
        // Third-party capture (embulk-input-zendesk): clients match the prefix
        // "Too recent start_time."; the minute count follows today's docs.
        return Err(ZendeskError::Plain {
            status: s.too_recent_status,
            error: "InvalidValue",
            description: "Too recent start_time. Use a start_time older than 1 minute".to_owned(),
        });
    }
    Ok(start)
}

/// A reply with the exports' rate-limit header (name UNKNOWN, in the style of the
/// captured `zendesk-ratelimit-tickets-index`).
pub(crate) fn reply<T: Serialize>(body: &Envelope<T>, decision: Option<Decision>) -> Response {
    let mut res = json_page(body, body.items.len());
    if let Some(d) = decision {
        let v = format!(
            "total={}; remaining={}; resets={}",
            d.limit, d.remaining, d.reset_secs
        );
        if let Ok(v) = HeaderValue::from_str(&v) {
            res.headers_mut()
                .insert("zendesk-ratelimit-incremental-exports", v);
        }
    }
    res
}

/// A page body: the records under their root key, side-loads, then the paging fields.
pub(crate) struct Envelope<T> {
    pub root: &'static str,
    pub items: Vec<T>,
    pub extra: Vec<(&'static str, Value)>,
}

impl<T: Serialize> Serialize for Envelope<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1 + self.extra.len()))?;
        m.serialize_entry(self.root, &self.items)?;
        for (k, v) in &self.extra {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// A ticket as exports show it: with `generated_timestamp` (the second of its latest
/// change) and, when asked, `comment_count`.
#[derive(serde::Serialize)]
struct ExportTicket<'a> {
    #[serde(flatten)]
    ticket: TicketOut<'a>,
    generated_timestamp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment_count: Option<usize>,
}

#[derive(serde::Serialize)]
#[serde(untagged)]
enum ExportItem<'a> {
    Ticket(ExportTicket<'a>),
    User(UserOut<'a>),
    Org(Value),
    /// A deleted ticket, with `status: "deleted"` (UNVERIFIED shape).
    Deleted(Value),
}

fn ticket_of<'a>(store: &'a Store, c: &Change) -> Option<&'a Ticket> {
    match c.op {
        Op::Deleted => store.deleted_tickets.get(&c.id),
        _ => store.tickets.get(&c.id),
    }
}

fn render<'a>(store: &'a Store, base: &'a str, c: &Change, p: &Params) -> Option<ExportItem<'a>> {
    match c.kind {
        Kind::Ticket => {
            let t = ticket_of(store, c)?;
            let item = ExportTicket {
                ticket: TicketOut::new(base, t),
                generated_timestamp: c.key().ts,
                comment_count: p.includes("comment_count").then_some(t.comments.len()),
            };
            if c.op == Op::Deleted {
                let mut v = serde_json::to_value(&item).ok()?;
                v["status"] = json!("deleted");
                return Some(ExportItem::Deleted(v));
            }
            Some(ExportItem::Ticket(item))
        }
        Kind::User => store
            .any_user(c.id)
            .map(|u| ExportItem::User(UserOut::new(base, u))),
        Kind::Organization => store
            .organization(c.id)
            .map(|o| ExportItem::Org(org_out(base, o))),
        Kind::TicketEvent => None,
    }
}

/// `include=users,organizations` side-loads of the records on a page.
fn sideloads(
    store: &Store,
    base: &str,
    items: &[&Change],
    p: &Params,
) -> Vec<(&'static str, Value)> {
    let mut users = std::collections::BTreeSet::new();
    let mut orgs = std::collections::BTreeSet::new();
    for c in items {
        if let Some(t) = (c.kind == Kind::Ticket)
            .then(|| ticket_of(store, c))
            .flatten()
        {
            users.extend(
                [Some(t.requester_id), Some(t.submitter_id), t.assignee_id]
                    .into_iter()
                    .flatten(),
            );
            orgs.extend(t.organization_id);
        }
        if let Some(u) = (c.kind == Kind::User)
            .then(|| store.users.get(&c.id))
            .flatten()
        {
            orgs.extend(u.organization_id);
        }
    }
    let mut out = Vec::new();
    if p.includes("users") && items.iter().any(|c| c.kind == Kind::Ticket) {
        let list: Vec<_> = users
            .iter()
            .filter_map(|id| store.users.get(id))
            .map(|u| UserOut::new(base, u))
            .collect();
        out.push(("users", json!(list)));
    }
    if p.includes("organizations") {
        let list: Vec<_> = orgs
            .iter()
            .filter_map(|id| store.organization(*id))
            .map(|o| org_out(base, o))
            .collect();
        out.push(("organizations", json!(list)));
    }
    out
}

/// Which changes a page shows: deleted tickets unless `exclude_deleted=true`; deleted
/// users and organizations never (their records are gone).
fn keep(p: &Params) -> impl Fn(&Change) -> bool + use<> {
    let exclude = p.exclude_deleted;
    move |c: &Change| c.op != Op::Deleted || (c.kind == Kind::Ticket && !exclude)
}

async fn tickets_cursor(
    Account(z): Z,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    cursor_export(&z, caller, q.as_deref(), &base, Kind::Ticket)
}

async fn users_cursor(
    Account(z): Z,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    cursor_export(&z, caller, q.as_deref(), &base, Kind::User)
}

fn root_and_path(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Ticket => ("tickets", "tickets"),
        Kind::User => ("users", "users"),
        Kind::Organization => ("organizations", "organizations"),
        Kind::TicketEvent => ("ticket_events", "ticket_events"),
    }
}

fn cursor_export(z: &Zendesk, caller: Caller, q: Option<&str>, base: &str, kind: Kind) -> Reply {
    let decision = begin(z, caller)?;
    let p = Params::parse(q)?;
    let after = match p.cursor {
        Some(c) => c,
        None => (
            Key {
                ts: start_time(z, &p)?,
                seq: 0,
            },
            0,
        ),
    };
    let (cutoff, _) = window(z);
    let store = z.store_read();
    let page = cursor_page(&store.log, kind, after, p.page_size(), cutoff, keep(&p));
    let cursor = encode_cursor(page.last, page.last_id);
    let (root, path) = root_and_path(kind);
    let mut link = form_urlencoded::Serializer::new(String::new());
    link.append_pair("cursor", &cursor);
    let carried = p.carried();
    let after_url = format!(
        "{base}/api/v2/incremental/{path}/cursor.json?{}{}{carried}",
        link.finish(),
        if carried.is_empty() { "" } else { "&" }
    );
    let mut extra = sideloads(&store, base, &page.items, &p);
    extra.extend([
        ("after_url", json!(after_url)),
        ("before_url", Value::Null),
        ("after_cursor", json!(cursor)),
        ("before_cursor", Value::Null),
        ("end_of_stream", json!(page.end_of_stream)),
    ]);
    let items = page
        .items
        .iter()
        .filter_map(|c| render(&store, base, c, &p))
        .collect();
    Ok(reply(&Envelope { root, items, extra }, decision))
}

async fn tickets_time(
    Account(z): Z,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    time_export(&z, caller, q.as_deref(), &base, Kind::Ticket)
}

async fn users_time(
    Account(z): Z,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    time_export(&z, caller, q.as_deref(), &base, Kind::User)
}

async fn orgs_time(
    Account(z): Z,
    caller: Caller,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    time_export(&z, caller, q.as_deref(), &base, Kind::Organization)
}

/// `next_page`: the same export from `end_time`, keeping `per_page` first as
/// captured (`?per_page=1&start_time=...`).
pub(crate) fn next_page(base: &str, path: &str, p: &Params, end_time: i64) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    if let Some(n) = p.per_page {
        q.append_pair("per_page", &n.to_string());
    }
    q.append_pair("start_time", &end_time.to_string());
    if !p.include.is_empty() {
        q.append_pair("include", &p.include.join(","));
    }
    if p.exclude_deleted {
        q.append_pair("exclude_deleted", "true");
    }
    format!("{base}/api/v2/incremental/{path}.json?{}", q.finish())
}

fn time_export(z: &Zendesk, caller: Caller, q: Option<&str>, base: &str, kind: Kind) -> Reply {
    let decision = begin(z, caller)?;
    let p = Params::parse(q)?;
    let start = start_time(z, &p)?;
    let store = z.store_read();
    let page = time_page(&store.log, kind, start, p.page_size(), window(z), keep(&p));
    let (root, path) = root_and_path(kind);
    let items: Vec<_> = page
        .items
        .iter()
        .filter_map(|c| render(&store, base, c, &p))
        .collect();
    let mut extra = sideloads(&store, base, &page.items, &p);
    extra.extend([
        ("next_page", json!(next_page(base, path, &p, page.end_time))),
        ("count", json!(items.len())),
        ("end_of_stream", json!(page.end_of_stream)),
        ("end_time", json!(page.end_time)),
    ]);
    Ok(reply(&Envelope { root, items, extra }, decision))
}
