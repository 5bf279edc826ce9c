//! An integrator's ticket sync, as a scenario would test it against a throttled
//! Zendesk: does it honour `Retry-After`?
//!
//! At start it lists the account's tickets (`GET /api/v2/tickets.json`) once. On a
//! 429 it waits as long as the answer's `Retry-After` header says (seconds) and
//! tries again, up to five attempts. With `SYNC_IGNORES_RETRY_AFTER=1` it is the
//! careless version: it retries after 100 ms whatever the header says, which a
//! real Zendesk punishes with more 429s and the scenario catches.
//!
//! - `GET /health` answers 200 `ok` (a readiness probe).
//! - `GET /status` answers `{"done": bool, "tickets": n, "attempts": n}`.
//!
//! Configuration, from the environment: `PORT` (required), and `ZENDESK_URL`,
//! `ZENDESK_EMAIL`, `ZENDESK_TOKEN` (or their `FAKEDESK_` forms, as `fakedesk serve
//! --env-file` writes them). The scenario `scenarios/zendesk-retry-after.yaml` runs
//! it with `cargo run --quiet --example zendesk_sync`.

mod support;

use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// The most attempts of the listing.
const ATTEMPTS: u32 = 5;

#[derive(Debug, Default, Clone, Copy)]
struct Progress {
    done: bool,
    tickets: usize,
    attempts: u32,
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name)
        .or_else(|_| std::env::var(format!("FAKEDESK_{name}")))
        .map_err(|_| format!("set {name} (or FAKEDESK_{name})"))
}

/// How long to wait before the next attempt after a 429 carrying `retry_after`.
fn backoff(retry_after: Option<&str>, careless: bool) -> Duration {
    if careless {
        return Duration::from_millis(100);
    }
    let secs = retry_after
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

/// Lists the tickets, retrying 429s, and records the progress.
async fn sync(progress: Arc<Mutex<Progress>>, careless: bool) -> Result<(), String> {
    let url = format!(
        "{}/api/v2/tickets.json",
        env("ZENDESK_URL")?.trim_end_matches('/')
    );
    let (email, token) = (env("ZENDESK_EMAIL")?, env("ZENDESK_TOKEN")?);
    let http = reqwest::Client::new();
    for attempt in 1..=ATTEMPTS {
        progress
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .attempts = attempt;
        let res = http
            .get(&url)
            .basic_auth(format!("{email}/token"), Some(&token))
            .send()
            .await
            .map_err(|e| format!("Zendesk unreachable: {e}"))?;
        if res.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
            let header = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok());
            let wait = backoff(header, careless);
            println!("429: retrying in {} ms", wait.as_millis());
            tokio::time::sleep(wait).await;
            continue;
        }
        let body: Value = res.json().await.map_err(|e| format!("not JSON: {e}"))?;
        let tickets = body["tickets"].as_array().map_or(0, Vec::len);
        let mut p = progress.lock().unwrap_or_else(PoisonError::into_inner);
        p.done = true;
        p.tickets = tickets;
        println!("synced {tickets} tickets in {attempt} attempts");
        return Ok(());
    }
    Err(format!("still throttled after {ATTEMPTS} attempts"))
}

async fn status(State(p): State<Arc<Mutex<Progress>>>) -> Json<Value> {
    let p = *p.lock().unwrap_or_else(PoisonError::into_inner);
    Json(json!({"done": p.done, "tickets": p.tickets, "attempts": p.attempts}))
}

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(Ok(port)) = std::env::var("PORT").map(|p| p.parse::<u16>()) else {
        eprintln!("zendesk_sync: set PORT to a port number");
        return ExitCode::from(2);
    };
    let careless = std::env::var("SYNC_IGNORES_RETRY_AFTER").is_ok_and(|v| v == "1");
    let progress = Arc::new(Mutex::new(Progress::default()));
    let worker = progress.clone();
    tokio::spawn(async move {
        if let Err(e) = sync(worker, careless).await {
            eprintln!("zendesk_sync: {e}");
        }
    });
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/status", get(status))
        .with_state(progress);
    support::serve("zendesk_sync", port, app).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_careful_sync_waits_what_retry_after_says() {
        assert_eq!(backoff(Some("2"), false), Duration::from_secs(2));
        assert_eq!(backoff(None, false), Duration::from_secs(60));
        assert_eq!(backoff(Some("2"), true), Duration::from_millis(100));
    }
}
