//! Fake Smartsupp's deliveries: the hook and webhook requests a chat's events
//! send, their retries and their journaled attempts, shared by the control actions
//! and the REST API.

use std::sync::Arc;
use std::time::Duration;

use super::account::Smartsupp;
use super::rest::convo;
use super::store::DeliveryRecord;
use super::webhook::{self, Redeliver};
use super::wire::{EventCallback, HookPayload};
use crate::clock::iso_millis;
use crate::fake::{Control, ControlError};
use crate::outbound::{Outcome, Outgoing};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Value, json};

pub(crate) fn attempt_json(n: usize, outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Answered(a) => json!({"attempt": n + 1, "status": a.status}),
        Outcome::TimedOut => json!({"attempt": n + 1, "error": "timed out"}),
        Outcome::Failed(why) => json!({"attempt": n + 1, "error": why}),
    }
}

#[derive(Clone, Copy)]
pub(crate) enum Channel {
    Hook,
    Webhook,
}

/// Records the delivery, runs it (in its own task, so a client that hangs up does
/// not cut it short), and answers with every attempt, or at once with 202.
pub(crate) async fn dispatch(
    s: Arc<Smartsupp>,
    channel: Channel,
    record: DeliveryRecord,
    request: Outgoing,
    wait: bool,
    sent: Value,
) -> Control {
    let delivery = record.delivery.clone();
    let url = record.url.clone();
    match channel {
        Channel::Hook => s.store().hooks.push(record),
        Channel::Webhook => s.store().webhooks.push(record),
    }
    let (policy, timeout) = policy_of(&s, channel);
    let task = tokio::spawn(run_delivery(
        s.clone(),
        channel,
        delivery.clone(),
        request,
        policy,
        timeout,
    ));
    if !wait {
        return Ok((
            StatusCode::ACCEPTED,
            axum::Json(json!({"delivery": delivery, "url": url, "sent": sent})),
        )
            .into_response());
    }
    match task.await {
        Ok((delivered, attempts)) => Ok(axum::Json(json!({
            "delivery": delivery,
            "url": url,
            "delivered": delivered,
            "attempts": attempts,
            "sent": sent,
        }))
        .into_response()),
        Err(e) => Err(ControlError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the delivery task failed: {e}"),
            Value::Null,
        )),
    }
}

/// The retry policy and timeout of a channel, from the settings.
fn policy_of(s: &Smartsupp, channel: Channel) -> (Redeliver, u64) {
    let st = s.settings();
    match channel {
        Channel::Hook => (
            Redeliver {
                max_retries: st.hook.max_retries,
                base: Duration::from_millis(st.hook.retry_delay_ms),
                factor: 1,
                only_200: false,
            },
            st.hook.timeout_ms,
        ),
        Channel::Webhook => (
            Redeliver {
                max_retries: st.webhooks.max_retries,
                base: Duration::from_millis(st.webhooks.retry_delay_ms),
                factor: st.webhooks.retry_factor,
                only_200: true,
            },
            st.webhooks.timeout_ms,
        ),
    }
}

/// Runs delivery `id` to its end and records how it went on the channel's
/// list: whether it was delivered, and each attempt.
async fn run_delivery(
    s: Arc<Smartsupp>,
    channel: Channel,
    id: String,
    request: Outgoing,
    policy: Redeliver,
    timeout_ms: u64,
) -> (bool, Vec<Value>) {
    let d = s
        .ctx()
        .sender
        .deliver(
            "smartsupp",
            &id,
            Duration::from_millis(timeout_ms),
            &policy,
            |_| request.clone(),
        )
        .await;
    let delivered = d.attempts.last().is_some_and(|o| policy.accepted(o));
    let attempts: Vec<Value> = d
        .attempts
        .iter()
        .enumerate()
        .map(|(n, o)| attempt_json(n, o))
        .collect();
    let mut store = s.store();
    let list = match channel {
        Channel::Hook => &mut store.hooks,
        Channel::Webhook => &mut store.webhooks,
    };
    if let Some(rec) = list.iter_mut().find(|r| r.delivery == id) {
        rec.status = if delivered { "delivered" } else { "failed" };
        rec.attempts.clone_from(&attempts);
    }
    (delivered, attempts)
}

/// The delivery of one event about `chat`: its record, request and body. A
/// conversation the REST API knows is described as the API shows it now.
pub(crate) fn event_delivery(
    s: &Smartsupp,
    event: String,
    chat: &HookPayload,
    patch: Option<&Value>,
    url: String,
) -> (DeliveryRecord, Outgoing, Value) {
    let mut data = {
        let store = s.store();
        match store.rest.convs.get(&chat.channel.id) {
            Some(conv) => webhook::event_data_with(
                &event,
                chat,
                convo::conversation(chat, conv),
                &webhook::iso_ms,
            ),
            None => webhook::event_data(&event, chat, &webhook::iso_ms),
        }
    };
    if let Some(p) = patch {
        webhook::merge(&mut data, p);
    }
    let st = s.settings();
    let envelope = EventCallback {
        kind: "event_callback".to_owned(),
        event: event.clone(),
        timestamp: iso_millis(s.now()),
        account_id: st.account_id.to_string(),
        app_id: st.webhooks.app_id.clone(),
        data,
    };
    let request = webhook::webhook_request(
        &url,
        &envelope,
        &st.webhooks.client_secret,
        &st.webhooks.user_agent,
    );
    let record = DeliveryRecord {
        delivery: s.store().delivery_id(),
        event,
        chat_id: Some(json!(chat.channel.id)),
        url,
        status: "in_progress",
        attempts: Vec::new(),
    };
    let sent = serde_json::to_value(&envelope).unwrap_or(Value::Null);
    (record, request, sent)
}

/// What a change made through the REST API sends by itself: the event about the
/// chat to the webhook URL (when one is set and the event subscribed), and, for a
/// chat that ended, its export to the hook URL (when one is set). Not awaited.
pub(crate) async fn emit(s: Arc<Smartsupp>, chat_id: u64, event: &str, patch: Option<Value>) {
    let Some(chat) = s.store().chat(chat_id).cloned() else {
        return;
    };
    let (hook_url, webhook_url, subscribed) = {
        let st = s.settings();
        let events = &st.webhooks.events;
        (
            st.hook.url.clone(),
            st.webhooks.url.clone(),
            events.is_empty() || events.iter().any(|e| e == event),
        )
    };
    if event == "conversation.closed" && !hook_url.is_empty() {
        let request = webhook::hook_request(&hook_url, &chat, &s.settings().hook.user_agent);
        let record = DeliveryRecord {
            delivery: s.store().delivery_id(),
            event: "hook".to_owned(),
            chat_id: Some(json!(chat.channel.id)),
            url: hook_url,
            status: "in_progress",
            attempts: Vec::new(),
        };
        let sent = serde_json::to_value(&chat).unwrap_or(Value::Null);
        let _ = dispatch(s.clone(), Channel::Hook, record, request, false, sent).await;
    }
    if !webhook_url.is_empty() && subscribed {
        let (record, request, sent) =
            event_delivery(&s, event.to_owned(), &chat, patch.as_ref(), webhook_url);
        let _ = dispatch(s, Channel::Webhook, record, request, false, sent).await;
    }
}
