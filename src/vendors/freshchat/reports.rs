//! Extract reports (freshchat-mammut-more 9.1; \[DOC\] "Extract API"): `POST
//! /v2/reports/raw` with `start`, `end`, `event` and `format` (`csv`, the only one
//! documented) answers a job id; `GET /v2/reports/raw/{id}` is `PENDING` for
//! `reports_pending_polls` polls, then `COMPLETED` with one link to a CSV the fake
//! serves at `/extracts/{id}.csv`. The CSV is cut from what the fake holds when
//! the job completes, so it agrees with `GET /state/freshchat`. Its columns are
//! UNKNOWN; each event's header row is below.

use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::api::{F, Reply, base_url, ok};
use super::error::{FreshchatError, FreshchatJson, IdPath, json_response};
use super::records::ReportJob;
use super::store::{Store, not_found};
use super::wire::{opt_str, text_of};
use crate::clock::iso_millis;

/// The `event` values (\[DOC\]/\[SCHEMA\]) and their CSV header rows.
pub const EVENTS: &[(&str, &str)] = &[
    (
        "Conversation-Created",
        "conversation_id,created_time,user_id,channel_id,status,site_id",
    ),
    (
        "Conversation-Agent-Assigned",
        "conversation_id,assigned_time,agent_id",
    ),
    (
        "Conversation-Group-Assigned",
        "conversation_id,assigned_time,group_id",
    ),
    (
        "Message-Sent",
        "message_id,conversation_id,created_time,actor_type,actor_id,message_type,text",
    ),
    (
        "First-Response-Time",
        "conversation_id,created_time,first_response_time_seconds",
    ),
    (
        "Response-Time",
        "conversation_id,message_id,created_time,response_time_seconds",
    ),
    (
        "Resolution-Time",
        "conversation_id,created_time,resolution_time_seconds",
    ),
    (
        "Conversation-Resolution-Label",
        "conversation_id,resolved_time,label",
    ),
    (
        "Conversation-Resolved",
        "conversation_id,resolved_time,resolved_by",
    ),
    ("Agent-Activity", "agent_id,activity_time,activity"),
    (
        "Agent-Intelliassign-Activity",
        "agent_id,activity_time,activity",
    ),
    (
        "CSAT-Score",
        "conversation_id,rating,issue_resolved,feedback,created_time",
    ),
];

/// The most jobs kept; the oldest go first.
const MAX_JOBS: usize = 200;

fn cell(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

fn seconds_between(a: &str, b: &str) -> String {
    match (
        OffsetDateTime::parse(a, &Rfc3339),
        OffsetDateTime::parse(b, &Rfc3339),
    ) {
        (Ok(a), Ok(b)) => format!("{:.3}", (b - a).as_seconds_f64()),
        _ => String::new(),
    }
}

impl Store {
    /// The data rows of `event` whose time falls in `[start, end]`.
    pub fn extract_rows(&self, event: &str, start: &str, end: &str) -> Vec<Vec<String>> {
        let within = |t: &str| t >= start && t <= end;
        let mut rows = Vec::new();
        for c in &self.conversations {
            let first_user = c.messages.iter().find(|m| m.actor_type == "user");
            let first_reply = first_user.and_then(|u| {
                c.messages
                    .iter()
                    .find(|m| m.actor_type != "user" && m.created_time >= u.created_time)
            });
            match event {
                "Conversation-Created" if within(&c.created_time) => rows.push(vec![
                    c.conversation_id.clone(),
                    c.created_time.clone(),
                    c.user_id.clone(),
                    c.channel_id.clone(),
                    c.status.clone(),
                    c.site_id.clone().unwrap_or_default(),
                ]),
                "Message-Sent" => rows.extend(
                    c.messages
                        .iter()
                        .filter(|m| within(&m.created_time))
                        .map(|m| {
                            vec![
                                m.id.clone(),
                                m.conversation_id.clone(),
                                m.created_time.clone(),
                                m.actor_type.clone(),
                                m.actor_id.clone(),
                                m.message_type.clone(),
                                text_of(&m.message_parts),
                            ]
                        }),
                ),
                "First-Response-Time" if within(&c.created_time) => {
                    if let (Some(u), Some(r)) = (first_user, first_reply) {
                        rows.push(vec![
                            c.conversation_id.clone(),
                            c.created_time.clone(),
                            seconds_between(&u.created_time, &r.created_time),
                        ]);
                    }
                }
                _ => {}
            }
        }
        self.activity_rows(event, &within, &mut rows);
        rows
    }

    fn activity_rows(
        &self,
        event: &str,
        within: &dyn Fn(&str) -> bool,
        rows: &mut Vec<Vec<String>>,
    ) {
        let kind = match event {
            "Conversation-Agent-Assigned" => "agent_assigned",
            "Conversation-Group-Assigned" => "group_assigned",
            "Conversation-Resolved" | "Resolution-Time" => "resolved",
            "CSAT-Score" => {
                rows.extend(
                    self.csat
                        .iter()
                        .filter(|c| within(&c.created_time))
                        .map(|c| {
                            vec![
                                c.conversation_id.clone(),
                                c.rating.map(|r| r.to_string()).unwrap_or_default(),
                                c.issue_resolved.map(|r| r.to_string()).unwrap_or_default(),
                                c.feedback.clone().unwrap_or_default(),
                                c.created_time.clone(),
                            ]
                        }),
                );
                return;
            }
            _ => return,
        };
        for a in self
            .activity
            .iter()
            .filter(|a| a.kind == kind && within(&a.time))
        {
            let Ok(c) = self.conversation(&a.conversation_id) else {
                continue;
            };
            let third = if event == "Resolution-Time" {
                rows.push(vec![
                    a.conversation_id.clone(),
                    c.created_time.clone(),
                    seconds_between(&c.created_time, &a.time),
                ]);
                continue;
            } else {
                a.target.clone()
            };
            rows.push(vec![a.conversation_id.clone(), a.time.clone(), third]);
        }
    }

    /// The CSV of `event` over `[start, end]`: the header row, then the data rows.
    pub fn extract_csv(&self, event: &str, start: &str, end: &str) -> (String, usize) {
        let header = EVENTS
            .iter()
            .find(|(e, _)| *e == event)
            .map_or("", |(_, h)| h);
        let rows = self.extract_rows(event, start, end);
        let mut out = format!("{header}\n");
        for r in &rows {
            let line: Vec<String> = r.iter().map(|v| cell(v)).collect();
            out.push_str(&line.join(","));
            out.push('\n');
        }
        (out, rows.len())
    }
}

fn instant(body: &Map<String, Value>, key: &str) -> Result<String, FreshchatError> {
    let v =
        opt_str(body, key)?.ok_or_else(|| FreshchatError::Invalid(format!("{key} is required")))?;
    OffsetDateTime::parse(&v, &Rfc3339)
        .map(iso_millis)
        .map_err(|_| FreshchatError::Invalid(format!("{key} `{v}` is not an ISO-8601 time")))
}

/// `POST /v2/reports/raw`: `{"id", "link": {"rel": "extracts", "href"}}`.
pub async fn create(State(f): F, FreshchatJson(body): FreshchatJson) -> Reply {
    let (start, end) = (instant(&body, "start")?, instant(&body, "end")?);
    if start >= end {
        return Err(FreshchatError::Invalid(
            "start must be before end".to_owned(),
        ));
    }
    let event = opt_str(&body, "event")?.unwrap_or_default();
    if !EVENTS.iter().any(|(e, _)| *e == event) {
        return Err(FreshchatError::Invalid(format!(
            "event `{event}` is not an extract event"
        )));
    }
    let format = opt_str(&body, "format")?.unwrap_or_default();
    if format != "csv" {
        return Err(FreshchatError::Invalid("format must be csv".to_owned()));
    }
    let now = f.now();
    let mut store = f.store();
    if let Some(per_minute) = f.settings().extract_post_per_minute {
        let recent = store
            .reports
            .iter()
            .filter(|j| {
                j.created
                    .is_some_and(|t| now - t < time::Duration::minutes(1))
            })
            .count();
        if recent >= usize::try_from(per_minute).unwrap_or(usize::MAX) {
            return Err(FreshchatError::TooManyRequests);
        }
    }
    let id = store.uuid();
    store.reports.push(ReportJob {
        id: id.clone(),
        event,
        start,
        end,
        status: "PENDING",
        polls: 0,
        rows: 0,
        created: Some(now),
        csv: None,
    });
    if store.reports.len() > MAX_JOBS {
        store.reports.remove(0);
    }
    let status =
        StatusCode::from_u16(f.settings().reports_post_status).unwrap_or(StatusCode::ACCEPTED);
    Ok(json_response(
        status,
        &json!({"id": id, "link": {"rel": "extracts", "href": format!("/reports/raw/{id}")}}),
    ))
}

fn interval(t: &str) -> String {
    t.replacen('T', " ", 1).trim_end_matches('Z').to_owned()
}

/// `GET /v2/reports/raw/{id}`: the job's status and, once completed, its links.
pub async fn get(State(f): F, headers: HeaderMap, IdPath(id): IdPath) -> Reply {
    let pending = f.settings().reports_pending_polls;
    let mut store = f.store();
    let i = store
        .reports
        .iter()
        .position(|j| j.id == id)
        .ok_or_else(|| not_found("REPORT"))?;
    if store.reports[i].polls < pending {
        store.reports[i].polls += 1;
    } else if store.reports[i].csv.is_none() {
        let j = &store.reports[i];
        let (csv, rows) = store.extract_csv(&j.event, &j.start, &j.end);
        let j = &mut store.reports[i];
        (j.csv, j.rows, j.status) = (Some(csv), rows, "COMPLETED");
    }
    let j = &store.reports[i];
    let links = if j.status == "COMPLETED" {
        json!([{
            "link": {"rel": "extract", "href": format!("{}/extracts/{}.csv", base_url(&headers), j.id), "type": "GET"},
            "from": j.start, "to": j.end, "status": "COMPLETED",
        }])
    } else {
        json!([])
    };
    ok(&json!({
        "id": j.id,
        "status": j.status,
        "interval": format!("{}_{}", interval(&j.start), interval(&j.end)),
        "links": links,
    }))
}

/// `GET /extracts/{id}.csv`: the completed extract.
pub async fn download(State(f): F, uri: OriginalUri) -> Response {
    let id = uri
        .path()
        .rsplit('/')
        .next()
        .and_then(|n| n.strip_suffix(".csv"))
        .unwrap_or_default();
    let store = f.store();
    match store
        .reports
        .iter()
        .find(|j| j.id == id)
        .and_then(|j| j.csv.clone())
    {
        Some(csv) => ([(header::CONTENT_TYPE, "text/csv")], csv).into_response(),
        None => not_found("REPORT").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_with_commas_quotes_or_newlines_are_quoted() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\"\n"), "\"say \"\"hi\"\"\n\"");
    }

    #[test]
    fn seconds_between_two_iso_times() {
        assert_eq!(
            seconds_between("2024-02-08T17:44:38.250Z", "2024-02-08T17:45:40.000Z"),
            "61.750"
        );
        assert_eq!(seconds_between("x", "2024-02-08T17:45:40.000Z"), "");
    }
}
