//! What Blip POSTs to a custom attendance channel (REFERENCE 6.4): the new-ticket
//! message, forwarded customer messages, failure notifications; the
//! end-of-attendance redirect the bot gets; and the retry rules of those pushes.
//!
//! Every payload is a LIME envelope from the ticket's node
//! `{ticket}@desk.msging.net/Webhook` and has no `to` (\[DOC\] helpcenter custom
//! provider).

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use bytes::Bytes;
use serde_json::{Value, json};

use super::AttendanceSettings;
use super::wire::{self, Reason, TICKET_TYPE, Ticket};
use crate::outbound::{Outcome, Outgoing, RetryPolicy};

/// The new-ticket message (or, with another status, a status update): a message
/// whose content is the ticket, id `Ticket:{id}:{status}`.
pub fn ticket_message(t: &Ticket) -> Value {
    json!({
        "type": TICKET_TYPE,
        "content": t.to_value(),
        "id": format!("Ticket:{}:{}", t.id, t.status.as_str()),
        "from": t.webhook_node(),
    })
}

/// A customer's message forwarded to the channel: id `fwd:fwd:{message id}`
/// (forwarded bot → Desk → channel), any LIME content.
pub fn forwarded_message(t: &Ticket, message_id: &str, type_: &str, content: &Value) -> Value {
    json!({
        "type": type_,
        "content": content,
        "id": format!("fwd:fwd:{message_id}"),
        "from": t.webhook_node(),
    })
}

/// The `failed` notification for an agent message that could not reach a
/// customer (an unknown or closed ticket).
// Vendor quirk: whether and how Blip tells a custom channel about a failed message
// is UNVERIFIED; this is LIME's notification as Blip sends it to bots.
pub fn failure_notification(ticket_node: &str, message_id: &str, reason: &Reason) -> Value {
    json!({
        "id": message_id,
        "from": ticket_node,
        "event": "failed",
        "reason": reason,
    })
}

/// The message the bot gets when an attendance ends: a redirect whose context is
/// the closed ticket (\[DOC\] desk.md "Handling the end of an attendance").
pub fn end_of_attendance(t: &Ticket, id: &str) -> Value {
    json!({
        "id": id,
        "from": format!("{}@{}", wire::encode_identity(&t.customer_identity), wire::DESK_DOMAIN),
        "to": t.owner_identity,
        "type": wire::REDIRECT_TYPE,
        "content": {"context": {"type": TICKET_TYPE, "value": t.to_value()}},
    })
}

/// The POST of one envelope to the channel's URL, with the authentication key in
/// the configured header when there is one.
pub fn request(s: &AttendanceSettings, body: &Value) -> Outgoing {
    request_bytes(&s.url, &s.key_header, &s.key, Bytes::from(body.to_string()))
}

/// The POST of these exact bytes to `url`, with `key` (when not empty) in the
/// header `key_header`.
pub fn request_bytes(url: &str, key_header: &str, key: &str, body: Bytes) -> Outgoing {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if !key.is_empty()
        && let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key_header.as_bytes()),
            HeaderValue::from_str(key),
        )
    {
        headers.insert(name, value);
    }
    Outgoing {
        method: Method::POST,
        url: url.to_owned(),
        headers,
        body,
    }
}

/// The channel's retry rules. Vendor quirk: Blip's are UNKNOWN; the fake retries
/// 408, 429, 5xx, timeouts and failed connections `max_retries` times, waiting
/// `base`, then `base × factor`, and so on; other answers are final.
#[derive(Debug, Clone)]
pub struct ChannelRetry {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first wait.
    pub base: Duration,
    /// Growth of each wait.
    pub factor: u32,
}

impl ChannelRetry {
    /// The policy the settings describe.
    pub fn from_settings(s: &AttendanceSettings) -> Self {
        Self {
            max_retries: s.max_retries,
            base: Duration::from_millis(s.retry_base_delay_ms),
            factor: s.retry_factor.max(1),
        }
    }

    fn retryable(outcome: &Outcome) -> bool {
        match outcome {
            Outcome::Answered(a) => a.status == 408 || a.status == 429 || a.status >= 500,
            Outcome::TimedOut | Outcome::Failed(_) => true,
        }
    }
}

impl RetryPolicy for ChannelRetry {
    fn next_delay(&self, attempt: u32, outcome: &Outcome) -> Option<Duration> {
        if attempt > self.max_retries || !Self::retryable(outcome) {
            return None;
        }
        let growth = self.factor.saturating_pow(attempt.saturating_sub(1));
        Some(self.base.saturating_mul(growth))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::Answer;
    use crate::vendors::blip::store::{NewTicket, Store};
    use time::macros::datetime;

    fn ticket() -> Ticket {
        Store::seeded(0).create(
            NewTicket {
                owner: "bot@msging.net".into(),
                customer: "5511@wa.gw.msging.net".into(),
                input: Some(("text/plain".into(), json!("Hello world!"))),
                team: "Default".into(),
                provider: "Webhook",
                ..NewTicket::default()
            },
            datetime!(2019-11-08 20:15:59.415 UTC),
        )
    }

    #[test]
    fn the_new_ticket_message_is_a_message_from_the_tickets_node() {
        let t = ticket();
        let m = ticket_message(&t);
        assert_eq!(m["id"], json!(format!("Ticket:{}:Waiting", t.id)));
        assert_eq!(
            m["from"],
            json!(format!("{}@desk.msging.net/Webhook", t.id))
        );
        assert_eq!(m["type"], json!("application/vnd.iris.ticket+json"));
        assert!(m.get("to").is_none());
        assert_eq!(m["content"]["provider"], json!("Webhook"));
        assert_eq!(
            m["content"]["storageDate"],
            json!("2019-11-08T20:15:59.415Z")
        );
    }

    #[test]
    fn forwarded_messages_are_prefixed_twice() {
        let t = ticket();
        let m = forwarded_message(&t, "abc", "text/plain", &json!("Hi"));
        assert_eq!(m["id"], json!("fwd:fwd:abc"));
        assert_eq!(m["from"], json!(t.webhook_node()));
    }

    #[test]
    fn the_key_goes_in_the_configured_header_only_when_set() {
        let mut s = AttendanceSettings {
            url: "http://127.0.0.1:1/blip".into(),
            ..AttendanceSettings::default()
        };
        assert!(
            request(&s, &json!({}))
                .headers
                .get("authorization")
                .is_none()
        );
        s.key = "Key abc".into();
        assert_eq!(request(&s, &json!({})).headers["authorization"], "Key abc");
        s.key_header = "X-Blip-Key".into();
        let r = request(&s, &json!({}));
        assert_eq!(r.headers["x-blip-key"], "Key abc");
        assert!(r.headers.get("authorization").is_none());
    }

    #[test]
    fn retries_grow_and_stop() {
        let p = ChannelRetry {
            max_retries: 2,
            base: Duration::from_millis(100),
            factor: 3,
        };
        let answer = |status| {
            Outcome::Answered(Answer {
                status,
                headers: HeaderMap::new(),
                body: Bytes::new(),
            })
        };
        assert_eq!(
            p.next_delay(1, &answer(503)),
            Some(Duration::from_millis(100))
        );
        assert_eq!(
            p.next_delay(2, &Outcome::TimedOut),
            Some(Duration::from_millis(300))
        );
        assert_eq!(p.next_delay(3, &answer(503)), None);
        assert_eq!(p.next_delay(1, &answer(400)), None);
        assert_eq!(p.next_delay(1, &answer(200)), None);
    }
}
