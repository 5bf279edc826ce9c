//! The attendance channel: the envelopes Blip pushes to the integrator's
//! platform, their delivery with the channel's retries, and what reaches the bot
//! when an attendance ends.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::account::Blip;
use super::store::{DeliveryRecord, Line};
use super::webhook::{self, ChannelRetry};
use super::wire::{Ticket, TicketStatus};
use crate::clock::iso_millis;
use crate::outbound::Outcome;

/// An envelope Blip pushes to the attendance channel.
#[derive(Debug, Clone)]
pub struct Push {
    /// `ticket`, `message`, `notification`.
    pub kind: &'static str,
    /// The ticket it is about.
    pub ticket: String,
    /// The envelope.
    pub envelope: Value,
}

pub(super) fn channel_on(b: &Blip) -> bool {
    !b.settings().attendance.url.is_empty()
}

fn attempt_json(n: usize, outcome: &Outcome) -> Value {
    match outcome {
        Outcome::Answered(a) => json!({"attempt": n + 1, "status": a.status}),
        Outcome::TimedOut => json!({"attempt": n + 1, "error": "timed out"}),
        Outcome::Failed(why) => json!({"attempt": n + 1, "error": why}),
    }
}

/// Runs one push to its end (with the channel's retries), records how it went and
/// says so: `{delivery, delivered, attempts}`.
pub async fn deliver(b: Arc<Blip>, p: Push) -> Value {
    let s = &b.settings().attendance;
    let id = {
        let mut store = b.store();
        let id = store.guid();
        store.deliveries.push(DeliveryRecord {
            delivery: id.clone(),
            kind: p.kind,
            ticket: p.ticket.clone(),
            envelope: p.envelope["id"].as_str().unwrap_or_default().to_owned(),
            url: s.url.clone(),
            status: "in_progress",
            attempts: Vec::new(),
        });
        id
    };
    let request = webhook::request(s, &p.envelope);
    let policy = ChannelRetry::from_settings(s);
    let delivery = b
        .ctx()
        .sender
        .deliver(
            "blip",
            &id,
            Duration::from_millis(s.timeout_ms),
            &policy,
            |_| request.clone(),
        )
        .await;
    let attempts: Vec<Value> = delivery
        .attempts
        .iter()
        .enumerate()
        .map(|(n, o)| attempt_json(n, o))
        .collect();
    if let Some(rec) = b.store().deliveries.iter_mut().find(|r| r.delivery == id) {
        rec.status = if delivery.delivered() {
            "delivered"
        } else {
            "failed"
        };
        rec.attempts.clone_from(&attempts);
    }
    json!({"delivery": id, "delivered": delivery.delivered(), "attempts": attempts})
}

pub(super) fn spawn_all(b: &Arc<Blip>, pushes: Vec<Push>) {
    for p in pushes {
        tokio::spawn(deliver(b.clone(), p));
    }
}

/// The bot learns that an attendance ended (a redirect back to it).
pub(super) fn end_of_attendance(b: &Blip, t: &Ticket) {
    let mut store = b.store();
    let id = store.guid();
    store.bot_inbox.push(webhook::end_of_attendance(t, &id));
}

/// A customer's message on an active ticket: kept in the transcript and, when the
/// ticket is assigned (or the settings say so), forwarded to the channel. Returns
/// the forwarded envelope and its push.
pub(super) fn customer_says(
    b: &Blip,
    ticket: &str,
    msg_id: &str,
    type_: &str,
    content: &Value,
) -> (Option<Value>, Option<Push>) {
    let now = iso_millis(b.now());
    let mut store = b.store();
    let Some(t) = store.by_id(ticket).map(|r| r.ticket.clone()) else {
        return (None, None);
    };
    let s = &b.settings().attendance;
    let assigned = matches!(t.status, TicketStatus::Open | TicketStatus::Assigned);
    let forward = channel_on(b) && (assigned || s.forward_while_waiting);
    store.customer_line(
        ticket,
        Line {
            id: msg_id.to_owned(),
            direction: "received",
            type_: type_.to_owned(),
            content: content.clone(),
            date: now,
            forwarded: Some(forward),
        },
    );
    if !forward {
        return (None, None);
    }
    let envelope = webhook::forwarded_message(&t, msg_id, type_, content);
    let push = Push {
        kind: "message",
        ticket: t.id,
        envelope: envelope.clone(),
    };
    (Some(envelope), Some(push))
}

/// Closes every active ticket idle for `close_inactive_after_minutes` as
/// `ClosedClientInactivity`, as the customer closing it would: the bot gets the end
/// of attendance, the channel `Ticket:{id}:ClosedClientInactivity` (with
/// `status_updates`), sent in the background.
pub(super) fn close_inactive(b: &Arc<Blip>, now: time::OffsetDateTime) {
    let minutes = b.settings().attendance.close_inactive_after_minutes;
    if minutes == 0 {
        return;
    }
    let cutoff = now - std::time::Duration::from_secs(minutes.saturating_mul(60));
    let due = b.store().inactive_since(cutoff);
    let mut pushes = Vec::new();
    for (owner, id) in due {
        let closed = b.store().change_status(
            &owner,
            &id,
            TicketStatus::ClosedClientInactivity,
            None,
            now,
            b.reasons(),
        );
        let Ok(closed) = closed else { continue };
        end_of_attendance(b, &closed);
        if channel_on(b) && b.settings().attendance.status_updates && closed.provider == "Webhook" {
            pushes.push(Push {
                kind: "ticket",
                ticket: closed.id.clone(),
                envelope: webhook::ticket_message(&closed),
            });
        }
    }
    spawn_all(b, pushes);
}
