//! Braze's analytics exports (REFERENCE braze-rest 5.4, 5.7 and the export pages):
//! data series for campaigns, sends, Canvases, segments, custom events,
//! purchases, sessions and KPIs, segment details, and the scheduled broadcasts.
//!
//! Every count comes from what the fake holds: sends from the dispatch records,
//! events, purchases and new users from the profiles (a deleted user takes hers
//! with her). The fake has no SDK, so sessions, active users and uninstalls are 0.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime, Time};

use super::account::Braze;
use super::content::stamp;
use super::error::{BrazeError, json_response};
use super::messaging::{ALL_USERS_SEGMENT, Reply, bad};
use super::state::Dispatch;
use super::store::Store;
use super::wire::parse_time;

type B = State<Arc<Braze>>;
type Q = Query<HashMap<String, String>>;

/// The buckets of a series: `length` days (or hours) ending at `ending_at`.
struct Buckets {
    hourly: bool,
    starts: Vec<OffsetDateTime>,
}

impl Buckets {
    fn of(b: &Braze, q: &HashMap<String, String>, max_len: u32) -> Result<Self, BrazeError> {
        let hourly = match q.get("unit").map(String::as_str) {
            None | Some("day") => false,
            Some("hour") => true,
            Some(_) => return Err(bad("unit must be either day or hour")),
        };
        let end = match q.get("ending_at") {
            None => b.now(),
            Some(v) => parse_time(v).ok_or_else(|| bad("ending_at must be an ISO-8601 time"))?,
        };
        let step = if hourly {
            Duration::HOUR
        } else {
            Duration::DAY
        };
        let len = match (q.get("length"), q.get("starting_at")) {
            (Some(v), _) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=max_len).contains(n))
                .ok_or_else(|| bad(&format!("length must be between 1 and {max_len}")))?,
            (None, Some(s)) => {
                let start =
                    parse_time(s).ok_or_else(|| bad("starting_at must be an ISO-8601 time"))?;
                let days = ((end - start).whole_seconds() / step.whole_seconds())
                    .clamp(0, i64::from(max_len) - 1);
                u32::try_from(days).unwrap_or(0) + 1
            }
            (None, None) => return Err(bad("length is required")),
        };
        let last = if hourly {
            end.replace_time(Time::from_hms(end.hour(), 0, 0).unwrap_or(Time::MIDNIGHT))
        } else {
            end.replace_time(Time::MIDNIGHT)
        };
        let starts = (0..len)
            .rev()
            .map(|i| last - step * i32::try_from(i).unwrap_or(0))
            .collect();
        Ok(Self { hourly, starts })
    }

    fn label(&self, t: OffsetDateTime) -> String {
        if self.hourly {
            stamp(t)
        } else {
            t.date().to_string()
        }
    }

    fn step(&self) -> Duration {
        if self.hourly {
            Duration::HOUR
        } else {
            Duration::DAY
        }
    }

    /// One point per bucket: `{"time": ..., <fill(start, end)>}`.
    fn series(
        &self,
        fill: impl Fn(OffsetDateTime, OffsetDateTime) -> Map<String, Value>,
    ) -> Vec<Value> {
        self.starts
            .iter()
            .map(|&s| {
                let mut m = Map::new();
                m.insert("time".to_owned(), json!(self.label(s)));
                m.extend(fill(s, s + self.step()));
                Value::Object(m)
            })
            .collect()
    }
}

fn one(key: &str, v: Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert(key.to_owned(), v);
    m
}

fn data(points: Vec<Value>) -> Reply {
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": points, "message": "success"}),
    ))
}

/// `GET /events/data_series?event=&length=`: occurrences per unit.
pub async fn events(State(b): B, Query(q): Q) -> Reply {
    let Some(name) = q.get("event").cloned() else {
        return Err(bad("event is required"));
    };
    let k = Buckets::of(&b, &q, 100)?;
    let store = b.store();
    let times: Vec<OffsetDateTime> = store
        .profiles
        .iter()
        .flat_map(|p| p.events.iter().filter(|e| e.name == name).map(|e| e.time))
        .collect();
    data(k.series(|s, e| {
        one(
            "count",
            json!(times.iter().filter(|t| **t >= s && **t < e).count()),
        )
    }))
}

fn purchases(b: &Braze, q: &HashMap<String, String>, revenue: bool) -> Reply {
    let k = Buckets::of(b, q, 100)?;
    let product = q.get("product");
    let store = b.store();
    let list: Vec<(OffsetDateTime, u32, f64)> = store
        .profiles
        .iter()
        .flat_map(|p| p.purchases.iter())
        .filter(|p| product.is_none_or(|x| &p.product_id == x))
        .map(|p| (p.time, p.quantity, p.price))
        .collect();
    data(k.series(|s, e| {
        let inside = list.iter().filter(|(t, _, _)| *t >= s && *t < e);
        if revenue {
            one(
                "revenue",
                json!(inside.map(|(_, n, p)| f64::from(*n) * p).sum::<f64>()),
            )
        } else {
            one(
                "purchase_quantity",
                json!(inside.map(|(_, n, _)| u64::from(*n)).sum::<u64>()),
            )
        }
    }))
}

/// `GET /purchases/quantity_series`.
pub async fn purchase_quantity(State(b): B, Query(q): Q) -> Reply {
    purchases(&b, &q, false)
}

/// `GET /purchases/revenue_series`.
pub async fn purchase_revenue(State(b): B, Query(q): Q) -> Reply {
    purchases(&b, &q, true)
}

/// `GET /kpi/new_users/data_series`: users created per day.
pub async fn new_users(State(b): B, Query(q): Q) -> Reply {
    let k = Buckets::of(&b, &q, 100)?;
    let store = b.store();
    data(k.series(|s, e| {
        let n = store
            .profiles
            .iter()
            .filter(|p| p.created_at >= s && p.created_at < e)
            .count();
        one("new_users", json!(n))
    }))
}

/// A KPI the fake has no data for (no SDK): `dau`, `mau`, `uninstalls`, `sessions`.
fn zeros(b: &Braze, q: &HashMap<String, String>, key: &str) -> Reply {
    let k = Buckets::of(b, q, 100)?;
    data(k.series(|_, _| one(key, json!(0))))
}

/// `GET /kpi/dau/data_series`.
pub async fn dau(State(b): B, Query(q): Q) -> Reply {
    zeros(&b, &q, "dau")
}

/// `GET /kpi/mau/data_series`.
pub async fn mau(State(b): B, Query(q): Q) -> Reply {
    zeros(&b, &q, "mau")
}

/// `GET /kpi/uninstalls/data_series`.
pub async fn uninstalls(State(b): B, Query(q): Q) -> Reply {
    zeros(&b, &q, "uninstalls")
}

/// `GET /sessions/data_series`.
pub async fn sessions(State(b): B, Query(q): Q) -> Reply {
    zeros(&b, &q, "sessions")
}

fn segment(q: &HashMap<String, String>) -> Result<(), BrazeError> {
    match q.get("segment_id").map(String::as_str) {
        Some(ALL_USERS_SEGMENT) => Ok(()),
        _ => Err(bad(
            "segment_id must be a string of the segment api identifier",
        )),
    }
}

/// `GET /segments/data_series`: the size of the fake's one segment (every user
/// created by the end of the unit, of those that still exist).
pub async fn segment_sizes(State(b): B, Query(q): Q) -> Reply {
    segment(&q)?;
    let k = Buckets::of(&b, &q, 100)?;
    let store = b.store();
    data(k.series(|_, e| {
        one(
            "size",
            json!(store.profiles.iter().filter(|p| p.created_at < e).count()),
        )
    }))
}

/// `GET /segments/details?segment_id=`.
pub async fn segment_details(State(b): B, Query(q): Q) -> Reply {
    segment(&q)?;
    let created = b
        .store()
        .profiles
        .iter()
        .map(|p| p.created_at)
        .min()
        .unwrap_or_else(|| b.now());
    Ok(json_response(
        StatusCode::OK,
        &json!({"message": "success", "created_at": stamp(created), "updated_at": stamp(created),
                "name": "All Users", "description": "All users", "text_description": "", "tags": [], "teams": []}),
    ))
}

/// Per channel of `dispatches` inside `[s, e)`: `[{variation_api_id, sent, ...}]`.
fn channel_stats(
    list: &[&Dispatch],
    s: OffsetDateTime,
    e: OffsetDateTime,
) -> (Map<String, Value>, usize) {
    let mut sent: HashMap<String, usize> = HashMap::new();
    let mut people: Vec<&Value> = Vec::new();
    for d in list.iter().filter(|d| d.time >= s && d.time < e) {
        for m in d.messages.iter().filter(|m| m.status == "sent") {
            *sent.entry(m.channel.clone()).or_default() += 1;
            if !people.contains(&&m.user) {
                people.push(&m.user);
            }
        }
    }
    let mut out = Map::new();
    let mut channels: Vec<_> = sent.into_iter().collect();
    channels.sort();
    for (channel, n) in channels {
        let mut row = json!({"variation_name": "Variant 1", "sent": n, "errors": 0});
        if channel == "email" {
            for k in [
                "opens",
                "unique_opens",
                "clicks",
                "unique_clicks",
                "unsubscribes",
                "bounces",
                "reported_spam",
            ] {
                row[k] = json!(0);
            }
            row["delivered"] = json!(n);
        }
        out.insert(channel, json!([row]));
    }
    (out, people.len())
}

fn dispatches_of(store: &Store, f: impl Fn(&Dispatch) -> bool) -> Vec<&Dispatch> {
    store.api.dispatches.iter().filter(|d| f(d)).collect()
}

fn known_campaign(store: &Store, id: &str) -> bool {
    store.campaign(id).is_some() || store.api.transactional.iter().any(|c| c.id == id)
}

/// `GET /campaigns/data_series?campaign_id=&length=`: sends per day by channel.
pub async fn campaign_series(State(b): B, Query(q): Q) -> Reply {
    let id = q.get("campaign_id").cloned().unwrap_or_default();
    let k = Buckets::of(&b, &q, 100)?;
    let store = b.store();
    if !known_campaign(&store, &id) {
        return Err(bad(
            "campaign_id must be a string of the campaign api identifier",
        ));
    }
    let list = dispatches_of(&store, |d| d.campaign_id.as_deref() == Some(&id));
    data(k.series(|s, e| {
        let (messages, people) = channel_stats(&list, s, e);
        let mut m = one("messages", Value::Object(messages));
        m.insert("unique_recipients".to_owned(), json!(people));
        m.insert("conversions".to_owned(), json!(0));
        m.insert("revenue".to_owned(), json!(0.0));
        m
    }))
}

/// `GET /sends/data_series?campaign_id=&send_id=&length=`.
pub async fn send_series(State(b): B, Query(q): Q) -> Reply {
    let id = q.get("campaign_id").cloned().unwrap_or_default();
    let send = q.get("send_id").cloned().unwrap_or_default();
    let k = Buckets::of(&b, &q, 100)?;
    let store = b.store();
    if !known_campaign(&store, &id) {
        return Err(bad(
            "campaign_id must be a string of the campaign api identifier",
        ));
    }
    let list = dispatches_of(&store, |d| {
        d.campaign_id.as_deref() == Some(&id) && d.send_id.as_deref() == Some(&send)
    });
    data(k.series(|s, e| {
        let (messages, people) = channel_stats(&list, s, e);
        let mut m = one("messages", Value::Object(messages));
        m.insert("unique_recipients".to_owned(), json!(people));
        m.insert("conversions".to_owned(), json!(0));
        m.insert("revenue".to_owned(), json!(0.0));
        m
    }))
}

fn canvas_entries(
    b: &Braze,
    q: &HashMap<String, String>,
) -> Result<(String, Vec<OffsetDateTime>, Buckets), BrazeError> {
    let id = q.get("canvas_id").cloned().unwrap_or_default();
    let k = Buckets::of(b, q, 14)?;
    let store = b.store();
    let Some(c) = store.api.canvases.iter().find(|c| c.id == id) else {
        return Err(bad(
            "canvas_id must be a string of the Canvas api identifier",
        ));
    };
    let entries = dispatches_of(&store, |d| d.canvas_id.as_deref() == Some(&id))
        .iter()
        .flat_map(|d| d.messages.iter().map(|_| d.time))
        .collect();
    Ok((c.name.clone(), entries, k))
}

/// `GET /canvas/data_series?canvas_id=&ending_at=&length=`: entries per day.
pub async fn canvas_series(State(b): B, Query(q): Q) -> Reply {
    let (name, entries, k) = canvas_entries(&b, &q)?;
    let stats = k.series(|s, e| {
        let n = entries.iter().filter(|t| **t >= s && **t < e).count();
        one(
            "total_stats",
            json!({"revenue": 0.0, "conversions": 0, "conversions_by_entry_time": 0, "entries": n}),
        )
    });
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": {"name": name, "stats": stats}, "message": "success"}),
    ))
}

/// `GET /canvas/data_summary`: the same window rolled up.
pub async fn canvas_summary(State(b): B, Query(q): Q) -> Reply {
    let (name, entries, k) = canvas_entries(&b, &q)?;
    let from = k
        .starts
        .first()
        .copied()
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let to = k.starts.last().map_or(from, |t| *t + k.step());
    let n = entries.iter().filter(|t| **t >= from && **t < to).count();
    Ok(json_response(
        StatusCode::OK,
        &json!({"data": {"name": name, "total_stats": {"revenue": 0.0, "conversions": 0, "conversions_by_entry_time": 0, "entries": n}}, "message": "success"}),
    ))
}

/// `GET /messages/scheduled_broadcasts?end_time=`: the campaigns and Canvases
/// with a schedule due between now and `end_time` (the fake's are the API ones).
pub async fn scheduled_broadcasts(State(b): B, Query(q): Q) -> Reply {
    let Some(end) = q.get("end_time").and_then(|v| parse_time(v)) else {
        return Err(bad("end_time must be an ISO-8601 time"));
    };
    let now = b.now();
    let store = b.store();
    let mut items: Vec<(OffsetDateTime, Value)> = Vec::new();
    let mut due: Vec<_> = store
        .api
        .schedules
        .iter()
        .filter(|s| s.status == "scheduled" && s.time >= now && s.time <= end)
        .collect();
    due.sort_by_key(|s| s.time);
    for s in due {
        let (kind, id) = if let Some(id) = s.body.get("campaign_id").and_then(Value::as_str) {
            ("Campaign", id)
        } else if let Some(id) = s.body.get("canvas_id").and_then(Value::as_str) {
            ("Canvas", id)
        } else {
            continue;
        };
        let name = if kind == "Campaign" {
            store.campaign(id).map(|c| c.name.clone())
        } else {
            store
                .api
                .canvases
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.name.clone())
        };
        if items.iter().any(|(_, v)| v["id"] == id) {
            continue; // a recurring message appears once, with its next time
        }
        items.push((
            s.time,
            json!({"name": name.unwrap_or_default(), "id": id, "type": kind, "tags": [],
            "next_send_time": stamp(s.time), "schedule_type": "UTC"}),
        ));
    }
    items.sort_by_key(|(t, _)| *t);
    let list: Vec<Value> = items.into_iter().map(|(_, v)| v).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"scheduled_broadcasts": list, "message": "success"}),
    ))
}
