//! What Smartsupp SENDS: the POST hook (REFERENCE 5.1) and the REST webhooks
//! (REFERENCE 5.3), their signature and their retry rules. No I/O.
//!
//! - The hook is one unsigned `POST` of the conversation export, `Content-Type:
//!   application/json` \[UNVERIFIED\]; no retry is documented, so by default there is
//!   none (`hook.max_retries` adds some) \[UNKNOWN\].
//! - A webhook is a `POST` of the `event_callback` envelope with `X-Smartsupp-Hmac`,
//!   the hex HMAC-SHA256 of the raw body keyed with the app's client secret. "When
//!   reply is not 200 OK Smartsupp will try to re-deliver the webhook again later":
//!   any status but 200 (a 201 or 204 too) and any failure to answer is retried; how
//!   often and how late is UNKNOWN and configurable.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Map, Value, json};

use super::wire::{EventCallback, HookPayload};
use crate::outbound::{Outcome, Outgoing, RetryPolicy};

/// The signature header (\[DOC\]).
pub const HMAC_HEADER: &str = "x-smartsupp-hmac";

/// `hex(HMAC-SHA256(client_secret, raw_body))` (\[DOC\] REFERENCE 5.3).
pub fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn json_headers(user_agent: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if !user_agent.is_empty()
        && let Ok(v) = HeaderValue::from_str(user_agent)
    {
        h.insert(header::USER_AGENT, v);
    }
    h
}

/// The hook request for one conversation: the export as JSON, unsigned.
pub fn hook_request(url: &str, payload: &HookPayload, user_agent: &str) -> Outgoing {
    let body = Bytes::from(serde_json::to_vec(payload).unwrap_or_default());
    hook_request_bytes(url, body, user_agent)
}

/// The webhook request for one event, signed over exactly the bytes sent.
pub fn webhook_request(
    url: &str,
    event: &EventCallback,
    secret: &str,
    user_agent: &str,
) -> Outgoing {
    let body = Bytes::from(serde_json::to_vec(event).unwrap_or_default());
    signed_request(url, body, secret, user_agent)
}

/// A webhook request with these exact body bytes, signed over them.
pub fn signed_request(url: &str, body: Bytes, secret: &str, user_agent: &str) -> Outgoing {
    let mut headers = json_headers(user_agent);
    if let Ok(v) = HeaderValue::from_str(&hmac_hex(secret, &body)) {
        headers.insert(HeaderName::from_static(HMAC_HEADER), v);
    }
    Outgoing {
        method: Method::POST,
        url: url.to_owned(),
        headers,
        body,
    }
}

/// A hook request with these exact body bytes (unsigned, as the hook is).
pub fn hook_request_bytes(url: &str, body: Bytes, user_agent: &str) -> Outgoing {
    Outgoing {
        method: Method::POST,
        url: url.to_owned(),
        headers: json_headers(user_agent),
        body,
    }
}

/// Retries with a growing delay while the outcome is not a success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Redeliver {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The wait before the first retry.
    pub base: Duration,
    /// How much each wait grows.
    pub factor: u32,
    /// Only `200` counts as delivered (webhooks); otherwise any 2xx (hook).
    pub only_200: bool,
}

impl Redeliver {
    /// Whether this outcome ends the delivery as delivered.
    pub fn accepted(&self, outcome: &Outcome) -> bool {
        match outcome.status() {
            Some(s) if self.only_200 => s == 200,
            Some(s) => (200..300).contains(&s),
            None => false,
        }
    }
}

impl RetryPolicy for Redeliver {
    fn next_delay(&self, attempt: u32, outcome: &Outcome) -> Option<Duration> {
        if self.accepted(outcome) || attempt > self.max_retries {
            return None;
        }
        let growth = self.factor.max(1).saturating_pow(attempt.saturating_sub(1));
        Some(self.base.saturating_mul(growth))
    }
}

/// The public API's conversation object for a hook conversation (snake_case;
/// shape \[3P/UNVERIFIED\], REFERENCE 5.3).
pub fn conversation_object(chat: &HookPayload, iso: &dyn Fn(i64) -> String) -> Value {
    let agent_ids: Vec<Value> = {
        let mut ids: Vec<Value> = Vec::new();
        for m in chat.messages.iter().filter(|m| m.kind == "agent") {
            let id = match &m.from {
                Value::String(s) => s
                    .strip_prefix("agent:")
                    .map_or_else(|| json!(s), |n| json!(n)),
                other => other.clone(),
            };
            if !id.is_null() && !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids.into_iter()
            .map(|v| match v {
                Value::Number(n) => json!(n.to_string()),
                other => other,
            })
            .collect()
    };
    let closed = chat.channel.is_completed || chat.channel.is_missed || chat.channel.is_offline;
    json!({
        "id": chat.channel.id.to_string(),
        "status": if closed { "closed" } else { "open" },
        "channel": {"type": "default", "id": null},
        "contact_id": chat.visitor.id.to_string(),
        "visitor_id": chat.visitor.id.to_string(),
        "assigned_ids": agent_ids,
        "agent_ids": agent_ids,
        "group_id": null,
        "created_at": iso(chat.begin_at),
        "updated_at": iso(chat.end_at),
        "finished_at": if closed { json!(iso(chat.end_at)) } else { Value::Null },
        "rating": chat.channel.rating,
        "tags": [],
        "variables": chat.visitor.variables.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect::<Map<String, Value>>(),
    })
}

/// The id of message `i` of a chat: `<chat>-<sentAt>`, with `-<n>` added when `n`
/// earlier messages share the millisecond. The REST API lists messages under the
/// same ids.
pub fn message_id(chat: &HookPayload, i: usize) -> String {
    let at = chat.messages[i].sent_at;
    let twins = chat.messages[..i]
        .iter()
        .filter(|m| m.sent_at == at)
        .count();
    if twins == 0 {
        format!("{}-{at}", chat.channel.id)
    } else {
        format!("{}-{at}-{twins}", chat.channel.id)
    }
}

/// The event-specific part of `data` for a conversation event, beside
/// `conversation` (\[3P/UNVERIFIED\]).
pub fn event_extras(event: &str, chat: &HookPayload, iso: &dyn Fn(i64) -> String) -> Value {
    let agent_id = chat
        .messages
        .iter()
        .find(|m| m.kind == "agent" && m.triggered_by.is_none())
        .map(|m| match &m.from {
            Value::Number(n) => json!(n.to_string()),
            Value::String(s) => json!(s.strip_prefix("agent:").unwrap_or(s)),
            other => other.clone(),
        })
        .unwrap_or(Value::Null);
    let message = |sub_type: &str| {
        let m = chat
            .messages
            .iter()
            .enumerate()
            .rev()
            .find(|(_, m)| match sub_type {
                "agent" => m.kind == "agent" && m.triggered_by.is_none(),
                "contact" => m.kind == "visitor",
                _ => m.kind == "agent" && m.triggered_by.is_some(),
            });
        m.map_or(Value::Null, |(i, m)| {
            json!({
                "id": message_id(chat, i),
                "type": "message",
                "sub_type": sub_type,
                "content": {"type": "text", "text": m.content},
                "created_at": iso(m.sent_at),
            })
        })
    };
    match event {
        "conversation.closed" => json!({"close_type": "agent_close"}),
        "conversation.closed_by_contact" => json!({"close_type": "contact_close"}),
        "conversation.agent_assigned"
        | "conversation.agent_unassigned"
        | "conversation.agent_joined"
        | "conversation.agent_left" => json!({"agent_id": agent_id}),
        "conversation.rated" => json!({
            "rating_value": chat.channel.rating,
            "rating_text": chat.channel.rating_desc,
        }),
        "conversation.agent_replied" => json!({"message": message("agent")}),
        "conversation.contact_replied" => json!({"message": message("contact")}),
        "conversation.bot_replied" => json!({"message": message("trigger")}),
        _ => json!({}),
    }
}

/// `data` of an event about `chat`: for a conversation event the conversation
/// object with the event's extras, otherwise the contact or visitor it names.
pub fn event_data(event: &str, chat: &HookPayload, iso: &dyn Fn(i64) -> String) -> Value {
    let mut conversation = conversation_object(chat, iso);
    // Only closing and rating happen to a finished conversation; the other
    // events happen while it is open.
    if !CLOSED_EVENTS.contains(&event) {
        conversation["status"] = json!("open");
        conversation["finished_at"] = Value::Null;
    }
    event_data_with(event, chat, conversation, iso)
}

/// [`event_data`] with the conversation object given (as the REST API shows it
/// now, for a conversation the API has changed).
pub fn event_data_with(
    event: &str,
    chat: &HookPayload,
    conversation: Value,
    iso: &dyn Fn(i64) -> String,
) -> Value {
    if event.starts_with("conversation.") {
        let mut d = json!({ "conversation": conversation });
        merge(&mut d, &event_extras(event, chat, iso));
        d
    } else {
        let key = event.split('.').next().unwrap_or("contact");
        json!({ key: {
            "id": chat.visitor.id.to_string(),
            "name": chat.visitor.name,
            "email": chat.visitor.email,
        }})
    }
}

/// The conversation events that find it finished (the rest find it open).
pub const CLOSED_EVENTS: &[&str] = &[
    "conversation.closed",
    "conversation.closed_by_contact",
    "conversation.rated",
];

/// Epoch milliseconds as the webhooks write times: ISO-8601 UTC with milliseconds.
pub fn iso_ms(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    crate::clock::iso_millis(t)
}

/// Merges `patch` into `base`: objects key by key, anything else replaced.
pub fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, p) => *b = p.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::Answer;

    fn answer(status: u16) -> Outcome {
        Outcome::Answered(Answer {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        })
    }

    #[test]
    fn the_signature_matches_the_reference_test_vector() {
        // REFERENCE 5.3: createHmac('sha256', secret).update(rawBody).digest('hex').
        assert_eq!(
            hmac_hex("YOUR_CLIENT_SECRET", br#"{"type":"event_callback"}"#),
            "c25937a8e4c6e97900a4aa42a51c1adbff46311e513415e02388717ecac50e5e"
        );
    }

    #[test]
    fn webhooks_are_redelivered_unless_the_reply_is_200() {
        let p = Redeliver {
            max_retries: 2,
            base: Duration::from_secs(10),
            factor: 3,
            only_200: true,
        };
        assert_eq!(p.next_delay(1, &answer(200)), None);
        assert_eq!(p.next_delay(1, &answer(204)), Some(Duration::from_secs(10)));
        assert_eq!(
            p.next_delay(2, &Outcome::TimedOut),
            Some(Duration::from_secs(30))
        );
        assert_eq!(p.next_delay(3, &answer(500)), None, "retries spent");
        let hook = Redeliver {
            only_200: false,
            ..p
        };
        assert_eq!(hook.next_delay(1, &answer(204)), None);
    }

    #[test]
    fn the_signature_covers_the_bytes_sent() {
        let ev = EventCallback {
            kind: "event_callback".to_owned(),
            event: "conversation.opened".to_owned(),
            timestamp: "2020-08-08T07:53:18.825Z".to_owned(),
            account_id: "881987".to_owned(),
            app_id: "ap40qUkYi".to_owned(),
            data: json!({}),
        };
        let req = webhook_request("http://127.0.0.1:1/h", &ev, "s3cret", "");
        assert_eq!(
            req.headers[HMAC_HEADER].to_str().unwrap(),
            hmac_hex("s3cret", &req.body)
        );
        assert!(
            req.body
                .starts_with(br#"{"type":"event_callback","event":"#)
        );
    }

    #[test]
    fn merge_patches_objects_and_replaces_the_rest() {
        let mut base = json!({"a": {"b": 1, "c": 2}, "d": [1]});
        merge(&mut base, &json!({"a": {"c": 3}, "d": [2], "e": null}));
        assert_eq!(base, json!({"a": {"b": 1, "c": 3}, "d": [2], "e": null}));
    }
}
