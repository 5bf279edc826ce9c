//! The run's clock on the control API: `GET /clock`, `POST /clock/advance`.
//!
//! `serve` runs on the wall clock unless started with `--manual-clock`; scenarios
//! always run on a manual one. Moving a manual clock runs every vendor's
//! time-driven rules due by the new time ([`Harness::tick`]); on the wall clock a
//! background ticker does that once every [`WALL_TICK`].

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::watch;

use super::Harness;
use crate::clock::{Clock, iso_millis, parse_span};
use crate::vendors::{ControlError, control_body};

/// How often the wall clock's time-driven rules are looked at.
pub const WALL_TICK: Duration = Duration::from_secs(30);

/// `GET /clock` and `POST /clock/advance`.
pub fn routes(h: Arc<Harness>) -> Router {
    Router::new()
        .route("/clock", get(show))
        .route("/clock/advance", post(advance))
        .with_state(h)
}

/// `{"now": RFC 3339 with milliseconds, "manual": bool}`.
pub fn view(h: &Harness) -> Value {
    json!({"now": iso_millis(h.clock.now()), "manual": h.clock.manual().is_some()})
}

async fn show(State(h): State<Arc<Harness>>) -> Response {
    axum::Json(view(&h)).into_response()
}

/// Where a move of the clock goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Forward by this much.
    By(Duration),
    /// To this instant (not before now).
    To(OffsetDateTime),
}

/// Moves a manual clock and runs the rules due; the new time, or why not.
pub fn move_clock(h: &Harness, to: Move) -> Result<OffsetDateTime, ControlError> {
    let Some(clock) = h.clock.manual() else {
        return Err(ControlError::new(
            StatusCode::CONFLICT,
            "the clock is the wall clock and cannot be moved",
            json!("start fakedesk with `serve --manual-clock` (scenarios always can)"),
        ));
    };
    match to {
        Move::By(d) => clock.advance(d),
        Move::To(t) => {
            if !clock.set(t) {
                return Err(ControlError::bad(
                    format!(
                        "`to` is before the clock's now ({})",
                        iso_millis(clock.now())
                    ),
                    json!("the clock only moves forward"),
                ));
            }
        }
    }
    h.tick();
    Ok(clock.now())
}

async fn advance(State(h): State<Arc<Harness>>, body: Bytes) -> Response {
    match parse_move(&body).and_then(|m| move_clock(&h, m)) {
        Ok(_) => axum::Json(view(&h)).into_response(),
        Err(e) => e.into_response(),
    }
}

fn parse_move(body: &[u8]) -> Result<Move, ControlError> {
    let hint = || json!({"by": "3d", "or": {"to": "2030-01-01T00:00:00Z"}});
    let m = control_body(body)?;
    match (m.get("by"), m.get("to")) {
        (Some(Value::String(by)), None) => parse_span(by).map(Move::By).ok_or_else(|| {
            ControlError::bad(
                format!("`by` `{by}` is not a span such as 90s, 15m, 4h or 3d"),
                hint(),
            )
        }),
        (None, Some(Value::String(to))) => OffsetDateTime::parse(to, &Rfc3339)
            .map(Move::To)
            .map_err(|e| ControlError::bad(format!("`to` is not RFC 3339: {e}"), hint())),
        _ => Err(ControlError::bad(
            "give `by` (a span) or `to` (an RFC 3339 time), as strings",
            hint(),
        )),
    }
}

/// Runs the time-driven rules on the wall clock until `stopped`.
pub async fn wall_ticker(h: Arc<Harness>, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(WALL_TICK) => h.tick(),
            _ = stopped.wait_for(|s| *s) => return,
        }
    }
}
