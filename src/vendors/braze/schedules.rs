//! Scheduled sends (REFERENCE braze-rest 3.5): `/messages/schedule/*`,
//! `/campaigns/trigger/schedule/*` and `/canvas/trigger/schedule/*`.
//!
//! A schedule is kept with its send body and sent, as the dispatch its create
//! answered with, once the run's clock reaches its `time`: due schedules go out
//! before any later request to the Braze port is handled (with `--manual-clock` or
//! in scenarios, advance the clock, then call). `in_local_time` and
//! `at_optimal_time` times are read as UTC, since the fake knows no user's time
//! zone. Update and delete answer 201 `{"message": "success"}` and an unknown
//! `schedule_id` 400 `{"message": "Invalid schedule_id"}` (both UNKNOWN).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

use super::account::Braze;
use super::error::{BrazeError, BrazeJson, json_response};
use super::messaging::send_messages;
use super::state::{Dispatch, Schedule};
use super::triggers::{trigger_campaign, trigger_canvas};
use super::wire;

type B = State<Arc<Braze>>;
type Reply = Result<Response, BrazeError>;

fn bad(message: &str) -> BrazeError {
    BrazeError::BadRequest(message.to_owned())
}

/// Which send a schedule stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `/messages/send`.
    Messages,
    /// `/campaigns/trigger/send`.
    Campaign,
    /// `/canvas/trigger/send`.
    Canvas,
}

impl Kind {
    fn endpoint(self) -> &'static str {
        match self {
            Self::Messages => "/messages/send",
            Self::Campaign => "/campaigns/trigger/send",
            Self::Canvas => "/canvas/trigger/send",
        }
    }

    fn id_key(self) -> Option<&'static str> {
        match self {
            Self::Messages => None,
            Self::Campaign => Some("campaign_id"),
            Self::Canvas => Some("canvas_id"),
        }
    }
}

/// The due time of a `schedule` object.
fn due(schedule: Option<&Value>, now: OffsetDateTime) -> Result<OffsetDateTime, BrazeError> {
    let o = schedule
        .and_then(Value::as_object)
        .ok_or_else(|| bad("'schedule' with a 'time' is required"))?;
    let text = o
        .get("time")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("'schedule' with a 'time' is required"))?;
    let local = o.get("in_local_time").and_then(Value::as_bool) == Some(true);
    let optimal = o.get("at_optimal_time").and_then(Value::as_bool) == Some(true);
    let t = wire::parse_time(text)
        .or_else(|| wire::parse_time(&format!("{text}Z")))
        .ok_or_else(|| bad("Invalid schedule time"))?;
    // Local time: the last zone to reach `time` is UTC-12.
    if local && t + Duration::hours(12) < now {
        return Err(bad("The scheduled time has passed in every time zone"));
    }
    Ok(if optimal {
        t.replace_time(time::Time::MIDNIGHT)
    } else {
        t
    })
}

fn check_target(b: &Braze, kind: Kind, body: &Map<String, Value>) -> Result<(), BrazeError> {
    let store = b.store();
    let known = match kind {
        Kind::Messages => body
            .get("messages")
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty()),
        Kind::Campaign => body
            .get("campaign_id")
            .and_then(Value::as_str)
            .is_some_and(|c| store.campaign(c).is_some()),
        Kind::Canvas => body
            .get("canvas_id")
            .and_then(Value::as_str)
            .is_some_and(|c| store.api.canvases.iter().any(|x| x.id == c)),
    };
    match (known, kind) {
        (true, _) => Ok(()),
        (false, Kind::Messages) => Err(bad("No message to send")),
        (false, Kind::Campaign) => Err(bad("Invalid Campaign ID")),
        (false, Kind::Canvas) => Err(bad(
            "canvas_id must be a string of the Canvas api identifier",
        )),
    }
}

/// Sends every schedule whose time has come, as its own dispatch.
pub fn run_due(b: &Arc<Braze>) {
    let now = b.now();
    let due: Vec<Schedule> = {
        let mut store = b.store();
        let mut out = Vec::new();
        for s in store
            .api
            .schedules
            .iter_mut()
            .filter(|s| s.status == "scheduled" && s.time <= now)
        {
            s.status = "sent";
            out.push(s.clone());
        }
        out
    };
    for s in due {
        let sent = match s.endpoint {
            "/messages/send" => send_messages(b, &s.body, s.dispatch_id.clone(), s.endpoint),
            "/campaigns/trigger/send" => {
                trigger_campaign(b, &s.body, s.dispatch_id.clone(), s.endpoint)
            }
            _ => trigger_canvas(b, &s.body, s.dispatch_id.clone(), s.endpoint),
        };
        if let Err(e) = sent {
            b.store().api.dispatches.push(Dispatch {
                dispatch_id: s.dispatch_id,
                endpoint: s.endpoint,
                campaign_id: None,
                canvas_id: None,
                send_id: None,
                time: b.now(),
                messages: Vec::new(),
                error: Some(e.to_string()),
            });
        }
    }
}

async fn create(b: Arc<Braze>, kind: Kind, mut body: Map<String, Value>) -> Reply {
    let time = due(body.get("schedule"), b.now())?;
    body.remove("schedule");
    check_target(&b, kind, &body)?;
    let (schedule_id, dispatch_id) = {
        let mut store = b.store();
        let ids = (store.uuid(), store.hex_id(32));
        store.api.schedules.push(Schedule {
            schedule_id: ids.0.clone(),
            dispatch_id: ids.1.clone(),
            endpoint: kind.endpoint(),
            body,
            time,
            status: "scheduled",
        });
        ids
    };
    run_due(&b);
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"dispatch_id": dispatch_id, "schedule_id": schedule_id, "message": "success"}),
    ))
}

/// Finds a pending schedule of this kind (and campaign or Canvas) to change.
fn change(
    b: &Braze,
    kind: Kind,
    body: &Map<String, Value>,
    f: impl FnOnce(&mut Schedule) -> Result<(), BrazeError>,
) -> Reply {
    let id = body
        .get("schedule_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut store = b.store();
    let s = store
        .api
        .schedules
        .iter_mut()
        .find(|s| s.schedule_id == id && s.endpoint == kind.endpoint() && s.status == "scheduled")
        .filter(|s| kind.id_key().is_none_or(|k| s.body.get(k) == body.get(k)))
        .ok_or_else(|| bad("Invalid schedule_id"))?;
    f(s)?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"message": "success"}),
    ))
}

async fn update(b: Arc<Braze>, kind: Kind, body: Map<String, Value>) -> Reply {
    let now = b.now();
    let time = body
        .get("schedule")
        .map(|s| due(Some(s), now))
        .transpose()?;
    let messages = body.get("messages").cloned();
    if time.is_none() && messages.is_none() {
        return Err(bad("'schedule' or 'messages' is required"));
    }
    let r = change(&b, kind, &body, |s| {
        if let Some(t) = time {
            s.time = t;
        }
        if let (Some(m), Kind::Messages) = (messages, kind) {
            s.body.insert("messages".to_owned(), m);
        }
        Ok(())
    })?;
    run_due(&b);
    Ok(r)
}

async fn delete(b: Arc<Braze>, kind: Kind, body: Map<String, Value>) -> Reply {
    change(&b, kind, &body, |s| {
        s.status = "deleted";
        Ok(())
    })
}

/// `POST /messages/schedule/create`.
pub async fn messages_create(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    create(b, Kind::Messages, body).await
}
/// `POST /messages/schedule/update`.
pub async fn messages_update(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    update(b, Kind::Messages, body).await
}
/// `POST /messages/schedule/delete`.
pub async fn messages_delete(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    delete(b, Kind::Messages, body).await
}
/// `POST /campaigns/trigger/schedule/create`.
pub async fn campaign_create(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    create(b, Kind::Campaign, body).await
}
/// `POST /campaigns/trigger/schedule/update`.
pub async fn campaign_update(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    update(b, Kind::Campaign, body).await
}
/// `POST /campaigns/trigger/schedule/delete`.
pub async fn campaign_delete(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    delete(b, Kind::Campaign, body).await
}
/// `POST /canvas/trigger/schedule/create`.
pub async fn canvas_create(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    create(b, Kind::Canvas, body).await
}
/// `POST /canvas/trigger/schedule/update`.
pub async fn canvas_update(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    update(b, Kind::Canvas, body).await
}
/// `POST /canvas/trigger/schedule/delete`.
pub async fn canvas_delete(State(b): B, BrazeJson(body): BrazeJson) -> Reply {
    delete(b, Kind::Canvas, body).await
}
