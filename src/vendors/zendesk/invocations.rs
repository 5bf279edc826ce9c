//! Webhook invocations and their attempts (rules-metrics reference 7.2), as the
//! fake really made them: every delivery of a webhook (trigger, automation or event
//! subscription) is one invocation; each request it sent, retries included, is one
//! attempt with the request and the answer. The circuit breaker of each webhook
//! lives here too, since it counts the same attempts.
//!
//! The log is per account, bounded per webhook, and only touched under its own lock
//! (never across an `.await`). Its routes are in `invocations_api`.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use axum::http::HeaderMap;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::breaker::{Admit, Breaker, BreakerSettings};
use crate::outbound::{Outcome, Outgoing};

/// How many invocations each webhook keeps (the oldest go first).
pub const KEEP_PER_WEBHOOK: usize = 500;
/// How much of a request or response body an attempt keeps.
const KEEP_PAYLOAD_BYTES: usize = 8 * 1024;

/// The statuses an invocation or attempt can have, as Zendesk spells them.
pub const STATUSES: &[&str] = &[
    "scheduled",
    "retrying",
    "success",
    "failed",
    "timeout",
    "terminated",
    "circuit broken",
    "throttled",
];

/// A request or response as an attempt shows it: headers as `{key, value}` pairs,
/// the body as a string.
#[derive(Debug, Clone)]
struct Message {
    headers: Vec<(String, String)>,
    payload: String,
}

impl Message {
    fn new(headers: &HeaderMap, body: &[u8]) -> Self {
        let end = body.len().min(KEEP_PAYLOAD_BYTES);
        Self {
            headers: headers
                .iter()
                .map(|(k, v)| (title_case(k.as_str()), v.to_str().unwrap_or("").to_owned()))
                .collect(),
            payload: String::from_utf8_lossy(&body[..end]).into_owned(),
        }
    }

    fn json(&self) -> Value {
        let headers: Vec<Value> = self
            .headers
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect();
        json!({"headers": headers, "payload": self.payload})
    }
}

/// `x-zendesk-webhook-id` → `X-Zendesk-Webhook-Id`, as the captured attempts show.
fn title_case(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// One attempt.
#[derive(Debug, Clone)]
struct Attempt {
    status: &'static str,
    status_code: Option<u16>,
    request: Option<Message>,
    response: Option<Message>,
    completed_at: Option<OffsetDateTime>,
}

/// One invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The invocation id (`x-zendesk-webhook-invocation-id`).
    pub id: String,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// Its place among the webhook's invocations (ties on the clock sort by it).
    pub seq: u64,
    /// Its status.
    pub status: &'static str,
    status_code: Option<u16>,
    latest_completed_at: Option<OffsetDateTime>,
    attempts: Vec<Attempt>,
}

impl Invocation {
    /// The time it sorts and filters by: its latest completion, or its creation.
    pub fn at(&self) -> OffsetDateTime {
        self.latest_completed_at.unwrap_or(self.created_at)
    }

    /// As `GET .../invocations` lists it.
    pub fn json(&self) -> Value {
        let mut v = json!({"id": self.id, "status": self.status});
        if let Some(code) = self.status_code {
            v["status_code"] = json!(code);
        }
        if let Some(t) = self.latest_completed_at {
            v["latest_completed_at"] = json!(crate::clock::iso_seconds(t));
        }
        v
    }

    /// As `GET .../attempts` lists them: newest first. Vendor quirk: each
    /// attempt's `id` is the webhook's id (captured).
    pub fn attempts_json(&self, webhook_id: &str) -> Vec<Value> {
        self.attempts
            .iter()
            .rev()
            .map(|a| {
                let mut v = json!({"id": webhook_id, "invocation_id": self.id, "status": a.status});
                if let Some(code) = a.status_code {
                    v["status_code"] = json!(code);
                }
                if let Some(r) = &a.request {
                    v["request"] = r.json();
                }
                if let Some(r) = &a.response {
                    v["response"] = r.json();
                }
                if let Some(t) = a.completed_at {
                    v["completed_at"] = json!(crate::clock::iso_seconds(t));
                }
                v
            })
            .collect()
    }
}

/// One webhook's invocations and breaker.
#[derive(Debug, Default)]
struct HookLog {
    invocations: VecDeque<Invocation>,
    breaker: Breaker,
    /// The clock's current minute and the invocations made in it.
    minute: (i64, u32),
}

impl HookLog {
    fn find(&mut self, id: &str) -> Option<&mut Invocation> {
        self.invocations.iter_mut().rev().find(|i| i.id == id)
    }
}

/// The account's invocation log.
#[derive(Debug, Default)]
pub struct Hooks {
    logs: Mutex<HashMap<String, HookLog>>,
    made: std::sync::atomic::AtomicU64,
}

/// How an attempt ended, in the words of an attempt's status.
fn attempt_status(outcome: &Outcome, last: bool) -> &'static str {
    match outcome {
        o if o.is_success() => "success",
        Outcome::TimedOut => "timeout",
        Outcome::Answered(_) if last => "terminated",
        _ => "failed",
    }
}

impl Hooks {
    fn with<R>(&self, f: impl FnOnce(&mut HashMap<String, HookLog>) -> R) -> R {
        f(&mut self.logs.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Forgets everything (a reset).
    pub fn clear(&self) {
        self.with(HashMap::clear);
    }

    /// Forgets a deleted webhook's invocations and breaker.
    pub fn forget(&self, webhook: &str) {
        self.with(|logs| logs.remove(webhook));
    }

    /// Records a new invocation of `webhook` made at `now` and says whether to send
    /// it: not beyond `per_minute` invocations of the webhook in a minute of the
    /// clock (0: no limit; logged `throttled`), nor while its breaker holds
    /// invocations back (logged `circuit broken`).
    pub fn begin(
        &self,
        webhook: &str,
        id: &str,
        now: OffsetDateTime,
        (s, per_minute): (&BreakerSettings, u32),
    ) -> bool {
        self.with(|logs| {
            let log = logs.entry(webhook.to_owned()).or_default();
            let minute = now.unix_timestamp().div_euclid(60);
            if log.minute.0 != minute {
                log.minute = (minute, 0);
            }
            let held = if per_minute > 0 && log.minute.1 >= per_minute {
                Some("throttled")
            } else {
                log.minute.1 += 1;
                (log.breaker.admit(now, s) == Admit::Broken).then_some("circuit broken")
            };
            let attempts = held
                .map(|status| Attempt {
                    status,
                    status_code: None,
                    request: None,
                    response: None,
                    completed_at: Some(now),
                })
                .into_iter()
                .collect();
            log.invocations.push_back(Invocation {
                id: id.to_owned(),
                created_at: now,
                seq: self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                status: held.unwrap_or("scheduled"),
                status_code: None,
                latest_completed_at: held.map(|_| now),
                attempts,
            });
            while log.invocations.len() > KEEP_PER_WEBHOOK {
                log.invocations.pop_front();
            }
            held.is_none()
        })
    }

    /// An attempt of invocation `id` is about to be sent as `req`.
    pub fn sending(&self, webhook: &str, id: &str, req: &Outgoing) {
        self.with(|logs| {
            if let Some(inv) = logs.get_mut(webhook).and_then(|l| l.find(id)) {
                inv.attempts.push(Attempt {
                    status: "scheduled",
                    status_code: None,
                    request: Some(Message::new(&req.headers, &req.body)),
                    response: None,
                    completed_at: None,
                });
            }
        });
    }

    /// The attempt in progress of invocation `id` ended at `now` with `outcome`;
    /// `retry` says whether the retry rules want another. Counts it in the breaker
    /// and returns whether the retry may go (not once the breaker has tripped).
    pub fn finished(
        &self,
        webhook: &str,
        id: &str,
        outcome: &Outcome,
        retry: bool,
        now: OffsetDateTime,
        s: &BreakerSettings,
    ) -> bool {
        self.with(|logs| {
            let Some(log) = logs.get_mut(webhook) else {
                return retry;
            };
            log.breaker.record(now, !outcome.is_success(), s);
            let go = retry && !log.breaker.is_open();
            let Some(inv) = log.find(id) else {
                return go;
            };
            let status = attempt_status(outcome, !retry);
            if let Some(a) = inv.attempts.last_mut() {
                a.status = status;
                a.status_code = outcome.status();
                a.completed_at = Some(now);
                if let Outcome::Answered(ans) = outcome {
                    a.response = Some(Message::new(&ans.headers, &ans.body));
                }
            }
            inv.status_code = outcome.status();
            inv.latest_completed_at = Some(now);
            inv.status = match (go, retry) {
                (true, _) => "retrying",
                (false, true) => "circuit broken",
                (false, false) => status,
            };
            go
        })
    }

    /// Invocations of `webhook`, oldest first, cloned.
    pub fn invocations(&self, webhook: &str) -> Vec<Invocation> {
        self.with(|logs| {
            logs.get(webhook)
                .map(|l| l.invocations.iter().cloned().collect())
                .unwrap_or_default()
        })
    }

    /// The invocation `id` of `webhook`, cloned.
    pub fn invocation(&self, webhook: &str, id: &str) -> Option<Invocation> {
        self.with(|logs| logs.get_mut(webhook).and_then(|l| l.find(id)).cloned())
    }

    /// Each webhook's breaker and invocations, for `/state/zendesk`.
    pub fn state(&self, now: OffsetDateTime, s: &BreakerSettings) -> Value {
        self.with(|logs| {
            let mut out = serde_json::Map::new();
            let mut ids: Vec<&String> = logs.keys().collect();
            ids.sort();
            for id in ids {
                let log = &logs[id];
                let invocations: Vec<Value> = log
                    .invocations
                    .iter()
                    .map(|i| {
                        let mut v = i.json();
                        v["attempts"] = json!(i.attempts.len());
                        v
                    })
                    .collect();
                out.insert(
                    id.clone(),
                    json!({"circuit_breaker": log.breaker.view(now, s), "invocations": invocations}),
                );
            }
            Value::Object(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::Answer;
    use axum::http::{HeaderValue, Method};
    use bytes::Bytes;
    use std::time::Duration;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2024-02-08 17:00:00 UTC);

    fn req() -> Outgoing {
        let mut headers = HeaderMap::new();
        headers.insert("x-zendesk-webhook-id", HeaderValue::from_static("W1"));
        Outgoing {
            method: Method::POST,
            url: "http://127.0.0.1:9/hook".to_owned(),
            headers,
            body: Bytes::from_static(b"{\"a\":1}"),
        }
    }

    fn answer(status: u16) -> Outcome {
        Outcome::Answered(Answer {
            status,
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"no"),
        })
    }

    #[test]
    fn a_retried_invocation_keeps_every_attempt_newest_first() {
        let hooks = Hooks::default();
        let s = BreakerSettings::default();
        assert!(hooks.begin("W1", "I1", T0, (&s, 0)));
        assert_eq!(hooks.invocation("W1", "I1").unwrap().status, "scheduled");
        hooks.sending("W1", "I1", &req());
        assert!(hooks.finished("W1", "I1", &Outcome::TimedOut, true, T0, &s));
        assert_eq!(hooks.invocation("W1", "I1").unwrap().status, "retrying");
        hooks.sending("W1", "I1", &req());
        assert!(!hooks.finished("W1", "I1", &answer(403), false, T0, &s));
        let inv = hooks.invocation("W1", "I1").unwrap();
        assert_eq!(
            inv.json(),
            json!({"id": "I1", "status": "terminated", "status_code": 403, "latest_completed_at": "2024-02-08T17:00:00Z"})
        );
        let attempts = inv.attempts_json("W1");
        assert_eq!(attempts[0]["status"], "terminated");
        assert_eq!(attempts[0]["response"]["payload"], "no");
        assert_eq!(attempts[1]["status"], "timeout");
        assert!(attempts[1].get("status_code").is_none());
        assert_eq!(
            attempts[1]["request"]["headers"][0],
            json!({"key": "X-Zendesk-Webhook-Id", "value": "W1"})
        );
        assert_eq!(attempts[1]["request"]["payload"], "{\"a\":1}");
    }

    #[test]
    fn a_tripped_breaker_stops_retries_and_holds_new_invocations_back() {
        let hooks = Hooks::default();
        let s = BreakerSettings {
            min_requests: 1,
            ..BreakerSettings::default()
        };
        hooks.begin("W1", "I1", T0, (&s, 0));
        hooks.sending("W1", "I1", &req());
        assert!(
            !hooks.finished("W1", "I1", &answer(500), true, T0, &s),
            "no retry once tripped"
        );
        assert_eq!(
            hooks.invocation("W1", "I1").unwrap().status,
            "circuit broken"
        );
        assert!(!hooks.begin("W1", "I2", T0, (&s, 0)));
        let inv = hooks.invocation("W1", "I2").unwrap();
        assert_eq!(inv.status, "circuit broken");
        assert_eq!(
            inv.attempts_json("W1"),
            [
                json!({"id": "W1", "invocation_id": "I2", "status": "circuit broken", "completed_at": "2024-02-08T17:00:00Z"})
            ]
        );
    }

    #[test]
    fn beyond_the_per_minute_limit_invocations_are_throttled_until_the_next_minute() {
        let hooks = Hooks::default();
        let s = BreakerSettings::default();
        assert!(hooks.begin("W1", "I1", T0, (&s, 2)));
        assert!(hooks.begin("W1", "I2", T0, (&s, 2)));
        assert!(!hooks.begin("W1", "I3", T0 + Duration::from_secs(59), (&s, 2)));
        assert!(
            hooks.begin("W2", "J1", T0, (&s, 2)),
            "each webhook counts its own"
        );
        let inv = hooks.invocation("W1", "I3").unwrap();
        assert_eq!(
            inv.attempts_json("W1"),
            [
                json!({"id": "W1", "invocation_id": "I3", "status": "throttled", "completed_at": "2024-02-08T17:00:59Z"})
            ]
        );
        assert!(hooks.begin("W1", "I4", T0 + Duration::from_secs(60), (&s, 2)));
    }

    #[test]
    fn payloads_are_kept_up_to_8_kib_and_a_deleted_webhook_is_forgotten() {
        let hooks = Hooks::default();
        let s = BreakerSettings::default();
        hooks.begin("W1", "I1", T0, (&s, 0));
        let big = Outgoing {
            body: Bytes::from(vec![b'x'; 20_000]),
            ..req()
        };
        hooks.sending("W1", "I1", &big);
        let attempts = hooks.invocation("W1", "I1").unwrap().attempts_json("W1");
        assert_eq!(
            attempts[0]["request"]["payload"].as_str().unwrap().len(),
            8 * 1024
        );
        hooks.forget("W1");
        assert!(hooks.invocations("W1").is_empty());
    }

    #[test]
    fn each_webhook_keeps_a_bounded_number_of_invocations() {
        let hooks = Hooks::default();
        let s = BreakerSettings::default();
        for i in 0..KEEP_PER_WEBHOOK + 5 {
            hooks.begin("W1", &format!("I{i}"), T0, (&s, 0));
        }
        let all = hooks.invocations("W1");
        assert_eq!(all.len(), KEEP_PER_WEBHOOK);
        assert_eq!(all[0].id, "I5");
    }
}
