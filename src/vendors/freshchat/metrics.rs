//! Metrics (freshchat-mammut-more 9.3; shapes \[SCHEMA\] `historical_metrics` and
//! `instant_metrics`, names from public metric clients \[SDK\]), derived from the
//! conversations, messages, assignments and ratings the fake holds.
//!
//! `GET /v2/metrics/historical?metric=&start=&end=[&aggregator=][&interval=]
//! [&group_by=agent|group][&filter_by=agent%3D<id>|group%3D<id>]`: one series per
//! interval (one over the whole window without `interval`); every `value` is a
//! string, counts as integers and durations in seconds. `GET /v2/metrics/instant?
//! metric=` answers counts now. Unknown metric names are 400 `INVALID_VALUE`
//! (UNKNOWN what Freshchat answers).

use axum::extract::{RawQuery, State};
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::api::{F, Reply, ok, query};
use super::error::FreshchatError;
use super::store::{Conversation, Store};

/// Historical metric names.
pub const HISTORICAL: &[&str] = &[
    "conversation_metrics.created_interactions",
    "conversation_metrics.assigned_interactions",
    "conversation_metrics.resolved_interactions",
    "conversation_metrics.wait_time",
    "team_performance.responses_sent",
    "team_performance.first_response_time",
    "team_performance.response_time",
    "team_performance.resolution_time",
    "csat_metrics.satisfactory_interactions",
];

/// Instant metric names (`team_presence.online` is \[SCHEMA\]; the other two are
/// the fake's, UNVERIFIED).
pub const INSTANT: &[&str] = &[
    "team_presence.online",
    "conversation_metrics.unresolved_interactions",
    "conversation_metrics.unassigned_interactions",
];

const AGGREGATORS: &[&str] = &["min", "max", "avg", "median", "90th_percentile"];

fn invalid(m: String) -> FreshchatError {
    FreshchatError::Invalid(m)
}

fn at(t: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(t, &Rfc3339).ok()
}

fn secs(a: &str, b: &str) -> Option<f64> {
    Some((at(b)? - at(a)?).as_seconds_f64())
}

/// `1m`, `5m`, `15m`, `30m`, `1h`, `1d`, `1W`, `1M` (a month counted as 30 days).
pub fn interval(s: &str) -> Option<Duration> {
    Some(match s {
        "1m" => Duration::minutes(1),
        "5m" => Duration::minutes(5),
        "15m" => Duration::minutes(15),
        "30m" => Duration::minutes(30),
        "1h" => Duration::hours(1),
        "1d" => Duration::days(1),
        "1W" => Duration::weeks(1),
        "1M" => Duration::days(30),
        _ => return None,
    })
}

/// `values` aggregated; `"0"` when there are none.
pub fn aggregate(mut values: Vec<f64>, how: &str) -> String {
    if values.is_empty() {
        return "0".to_owned();
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let v = match how {
        "min" => values[0],
        "max" => values[n - 1],
        "median" => values[(n - 1) / 2],
        "90th_percentile" => values[((n * 9).div_ceil(10)).saturating_sub(1)],
        _ => values.iter().sum::<f64>() / n as f64,
    };
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

/// The samples of `metric` for the conversations `cs` within `[s, e)`: one per
/// counted event (counts) or per duration (seconds).
fn samples(store: &Store, cs: &[&Conversation], metric: &str, s: &str, e: &str) -> Vec<f64> {
    let inside = |t: &str| t >= s && t < e;
    let mine = |id: &str| cs.iter().any(|c| c.conversation_id == id);
    let activity = |kind: &'static str| {
        store
            .activity
            .iter()
            .filter(move |a| a.kind == kind && inside(&a.time) && mine(&a.conversation_id))
    };
    let mut out = Vec::new();
    match metric {
        "conversation_metrics.created_interactions" => {
            out.extend(cs.iter().filter(|c| inside(&c.created_time)).map(|_| 1.0));
        }
        "conversation_metrics.assigned_interactions" => {
            out.extend(activity("agent_assigned").map(|_| 1.0))
        }
        "conversation_metrics.resolved_interactions" => {
            out.extend(activity("resolved").map(|_| 1.0))
        }
        "csat_metrics.satisfactory_interactions" => out.extend(
            store
                .csat
                .iter()
                .filter(|r| {
                    inside(&r.created_time)
                        && mine(&r.conversation_id)
                        && r.rating.is_some_and(|x| x >= 4)
                })
                .map(|_| 1.0),
        ),
        "team_performance.resolution_time" => out.extend(activity("resolved").filter_map(|a| {
            let c = cs.iter().find(|c| c.conversation_id == a.conversation_id)?;
            secs(&c.created_time, &a.time)
        })),
        _ => message_samples(cs, metric, &inside, &mut out),
    }
    out
}

fn message_samples(
    cs: &[&Conversation],
    metric: &str,
    inside: &dyn Fn(&str) -> bool,
    out: &mut Vec<f64>,
) {
    for c in cs {
        let ms = &c.messages;
        match metric {
            "team_performance.responses_sent" => out.extend(
                ms.iter()
                    .filter(|m| {
                        m.actor_type != "user"
                            && m.message_type == "normal"
                            && inside(&m.created_time)
                    })
                    .map(|_| 1.0),
            ),
            "team_performance.response_time" => out.extend(ms.windows(2).filter_map(|w| {
                (w[0].actor_type == "user"
                    && w[1].actor_type != "user"
                    && inside(&w[1].created_time))
                .then(|| secs(&w[0].created_time, &w[1].created_time))
                .flatten()
            })),
            _ if inside(&c.created_time) => {
                let first = ms.iter().position(|m| m.actor_type == "user");
                let reply = first.and_then(|i| ms[i..].iter().find(|m| m.actor_type != "user"));
                if let (Some(i), Some(r)) = (first, reply) {
                    out.extend(secs(&ms[i].created_time, &r.created_time));
                }
            }
            _ => {}
        }
    }
}

fn is_count(metric: &str) -> bool {
    metric.ends_with("_interactions") || metric.ends_with("responses_sent")
}

/// `filter_by=agent%3D<id>` / `group%3D<id>`, and `group_by=agent|group`: the
/// groupings and their conversations.
fn partitions<'a>(
    store: &'a Store,
    q: &Query,
) -> Result<Vec<(Value, Vec<&'a Conversation>)>, FreshchatError> {
    let key_of = |c: &Conversation, by: &str| match by {
        "agent" => c.assigned_agent_id.clone(),
        _ => c.assigned_group_id.clone(),
    };
    let mut all: Vec<&Conversation> = store.conversations.iter().collect();
    if let Some(f) = q.get("filter_by") {
        let (k, v) = f
            .split_once('=')
            .ok_or_else(|| invalid(format!("filter_by `{f}` is not key=value")))?;
        if !matches!(k, "agent" | "group") {
            return Err(invalid(format!(
                "filter_by key `{k}` is not agent or group"
            )));
        }
        all.retain(|c| key_of(c, k).as_deref() == Some(v));
    }
    match q.get("group_by") {
        None => Ok(vec![(json!([]), all)]),
        Some(by @ ("agent" | "group")) => {
            let mut keys: Vec<String> = all.iter().filter_map(|c| key_of(c, by)).collect();
            keys.sort();
            keys.dedup();
            Ok(keys
                .into_iter()
                .map(|k| {
                    let cs = all
                        .iter()
                        .copied()
                        .filter(|c| key_of(c, by).as_deref() == Some(&k))
                        .collect();
                    (json!([{"key": by, "value": k}]), cs)
                })
                .collect())
        }
        Some(other) => Err(invalid(format!("group_by `{other}` is not agent or group"))),
    }
}

struct Query(Vec<(String, String)>);

impl Query {
    fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
}

/// The series boundaries of `[start, end)` cut by `step` (at most 1000).
fn buckets(
    start: OffsetDateTime,
    end: OffsetDateTime,
    step: Option<Duration>,
) -> Result<Vec<(OffsetDateTime, OffsetDateTime)>, FreshchatError> {
    let Some(step) = step else {
        return Ok(vec![(start, end)]);
    };
    let mut out = Vec::new();
    let mut s = start;
    while s < end {
        if out.len() == 1000 {
            return Err(invalid(
                "the interval cuts the window into more than 1000 series".to_owned(),
            ));
        }
        out.push((s, (s + step).min(end)));
        s += step;
    }
    Ok(out)
}

/// `GET /v2/metrics/historical`.
pub async fn historical(State(f): F, RawQuery(raw): RawQuery) -> Reply {
    let q = Query(query(raw.as_deref()));
    let metric = q
        .get("metric")
        .ok_or_else(|| invalid("metric is required".to_owned()))?;
    if !HISTORICAL.contains(&metric) {
        return Err(invalid(format!(
            "metric `{metric}` is not a historical metric"
        )));
    }
    let time_of = |k: &str| {
        let v = q
            .get(k)
            .ok_or_else(|| invalid(format!("{k} is required")))?;
        at(v).ok_or_else(|| invalid(format!("{k} `{v}` is not an ISO-8601 time")))
    };
    let (start, end) = (time_of("start")?, time_of("end")?);
    if start >= end {
        return Err(invalid("start must be before end".to_owned()));
    }
    let aggregator = q.get("aggregator").unwrap_or("avg");
    if !AGGREGATORS.contains(&aggregator) {
        return Err(invalid(format!(
            "aggregator `{aggregator}` is not one of {}",
            AGGREGATORS.join(", ")
        )));
    }
    let step = match q.get("interval") {
        None => None,
        Some(i) => Some(
            interval(i)
                .ok_or_else(|| invalid(format!("interval `{i}` is not a known interval")))?,
        ),
    };
    let iso = crate::clock::iso_millis;
    let cuts = buckets(start, end, step)?;
    let store = f.store();
    let data: Vec<Value> = partitions(&store, &q)?
        .into_iter()
        .map(|(groupings, cs)| {
            let series: Vec<Value> = cuts.iter().map(|(s, e)| {
                let v = samples(&store, &cs, metric, &iso(*s), &iso(*e));
                let value = if is_count(metric) { v.len().to_string() } else { aggregate(v, aggregator) };
                json!({"start": iso(*s), "end": iso(*e), "values": [{"key": metric, "value": value}]})
            }).collect();
            json!({"groupings": groupings, "series": series})
        })
        .collect();
    ok(&json!({
        "metric": [metric], "start": iso(start), "end": iso(end),
        "filters": {"metric_filters": filters(&q)}, "aggregator": aggregator,
        "interval": q.get("interval").unwrap_or(""), "data": data,
    }))
}

fn filters(q: &Query) -> Vec<Value> {
    q.get("filter_by")
        .and_then(|f| f.split_once('='))
        .map(|(k, v)| json!({"key": k, "value": v}))
        .into_iter()
        .collect()
}

/// `GET /v2/metrics/instant`.
pub async fn instant(State(f): F, RawQuery(raw): RawQuery) -> Reply {
    let q = Query(query(raw.as_deref()));
    let metric = q
        .get("metric")
        .ok_or_else(|| invalid("metric is required".to_owned()))?;
    if !INSTANT.contains(&metric) {
        return Err(invalid(format!(
            "metric `{metric}` is not an instant metric"
        )));
    }
    let group = q.get("filter_by").and_then(|f| f.strip_prefix("group="));
    let store = f.store();
    let (key, ids): (&str, Vec<&str>) = match metric {
        "team_presence.online" => (
            "team_member.online",
            store
                .agents
                .iter()
                .filter(|a| {
                    a.availability_status == "AVAILABLE"
                        && group.is_none_or(|g| a.groups.iter().any(|x| x == g))
                })
                .map(|a| a.id.as_str())
                .collect(),
        ),
        _ => {
            let unassigned = metric.ends_with("unassigned_interactions");
            (
                metric,
                store
                    .conversations
                    .iter()
                    .filter(|c| {
                        c.status != "resolved" && (!unassigned || c.assigned_agent_id.is_none())
                    })
                    .filter(|c| group.is_none_or(|g| c.assigned_group_id.as_deref() == Some(g)))
                    .map(|c| c.conversation_id.as_str())
                    .collect(),
            )
        }
    };
    let resources: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
    ok(&json!({
        "metric": metric,
        "filters": {"metric_filters": filters(&q)},
        "data": [{"groupings": [], "values": [{"key": key, "count": ids.len(), "resources": resources}]}],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregators_pick_from_sorted_samples() {
        let v = vec![30.0, 10.0, 20.0, 40.0];
        assert_eq!(aggregate(v.clone(), "min"), "10");
        assert_eq!(aggregate(v.clone(), "max"), "40");
        assert_eq!(aggregate(v.clone(), "avg"), "25");
        assert_eq!(aggregate(v.clone(), "median"), "20");
        assert_eq!(aggregate(v, "90th_percentile"), "40");
        assert_eq!(aggregate(Vec::new(), "avg"), "0");
    }

    #[test]
    fn intervals_cut_the_window_and_refuse_too_many_series() {
        let s = time::macros::datetime!(2024-02-08 00:00 UTC);
        let cuts = buckets(s, s + Duration::minutes(150), interval("1h")).unwrap();
        assert_eq!(cuts.len(), 3);
        assert_eq!(cuts[2].1, s + Duration::minutes(150));
        assert!(buckets(s, s + Duration::days(2), interval("1m")).is_err());
        assert!(interval("2h").is_none());
    }
}
