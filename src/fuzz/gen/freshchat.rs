//! Freshchat webhook events (REFERENCE 3.8): `message_create`,
//! `conversation_assignment`, `conversation_resolution` and `conversation_reopen`,
//! in Freshchat's envelope.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{iso_millis, object, one_of, optional, text, uuid};
use crate::vendors::freshchat::webhook::{self, Actor};

/// `actor`: who did it.
pub fn actor() -> BoxedStrategy<Actor> {
    (one_of(&["user", "agent", "system"]), uuid())
        .prop_map(|(actor_type, actor_id)| Actor {
            actor_type,
            actor_id,
        })
        .boxed()
}

/// `interaction_id`: fifteen digits, a dash, epoch milliseconds.
pub fn interaction_id() -> BoxedStrategy<String> {
    ("[1-9][0-9]{14}", 1_420_070_400_000u64..2_051_222_400_000)
        .prop_map(|(a, ms)| format!("{a}-{ms}"))
        .boxed()
}

/// One part of a message (schema `message_part`): text, image, file, URL button,
/// quick-reply button, or a collection of those.
pub fn message_part() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        text().prop_map(|t| json!({"text": {"content": t}})),
        "[a-z]{1,10}".prop_map(|n| json!({"image": {"url": format!("https://cdn.example.com/{n}.png")}})),
        (text(), 0u64..50_000_000, one_of(&["application/pdf", "text/plain", "image/jpeg"])).prop_map(
            |(name, size, ct)| json!({"file": {"name": name, "url": "https://cdn.example.com/f", "file_size_in_bytes": size, "content_type": ct}})
        ),
        (text(), one_of(&["_blank", "_self"])).prop_map(
            |(label, target)| json!({"url_button": {"url": "https://example.com/", "label": label, "target": target}})
        ),
        (text(), text()).prop_map(
            |(label, reply)| json!({"quick_reply_button": {"label": label, "custom_reply_text": reply}})
        ),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop::collection::vec(inner, 0..4)
            .prop_map(|parts| json!({"collection": {"sub_parts": parts}}))
    })
    .boxed()
}

/// The conversation as events show it.
pub fn conversation(status: &'static str) -> BoxedStrategy<Value> {
    (uuid(), uuid(), uuid(), optional(uuid()), optional(uuid()))
        .prop_map(move |(id, app, channel, group, agent)| {
            object(vec![
                ("conversation_id", Some(json!(id))),
                ("app_id", Some(json!(app))),
                ("status", Some(json!(status))),
                ("channel_id", Some(json!(channel))),
                ("skill_id", Some(json!(0))),
                ("sla_policy_id", Some(json!(0))),
                ("sla_breached", Some(json!(false))),
                ("assigned_group_id", group.map(Value::from)),
                ("assigned_agent_id", agent.map(Value::from)),
            ])
        })
        .boxed()
}

/// `message_create`: `message_parts` may be empty, `message_type`,
/// `message_source`, `org_actor_id` and `freshchat_conversation_id` may be absent.
pub fn message_create() -> BoxedStrategy<Value> {
    let ids = (uuid(), uuid(), uuid(), uuid(), uuid(), interaction_id());
    let extras = (
        optional(one_of(&["normal", "private"])),
        optional(one_of(&["web", "mobile", "api", "system"])),
        optional("[1-9][0-9]{17}"),
        optional(1u64..10_000_000_000),
    );
    (
        actor(),
        iso_millis(),
        prop::collection::vec(message_part(), 0..4),
        ids,
        extras,
        any::<(bool, bool)>(),
    )
        .prop_map(
            |(a, time, parts, (id, app, channel, conv, user, interaction), extras, flags)| {
                let (message_type, source, org_actor, numeric_conv) = extras;
                let user_id = if a.actor_type == "user" {
                    a.actor_id.clone()
                } else {
                    user
                };
                let message = object(vec![
                    ("message_parts", Some(json!(parts))),
                    ("app_id", Some(json!(app))),
                    ("actor_id", Some(json!(a.actor_id))),
                    ("org_actor_id", org_actor.map(Value::from)),
                    ("id", Some(json!(id))),
                    ("channel_id", Some(json!(channel))),
                    ("conversation_id", Some(json!(conv))),
                    ("freshchat_conversation_id", numeric_conv.map(Value::from)),
                    ("interaction_id", Some(json!(interaction))),
                    ("message_type", message_type.map(Value::from)),
                    ("message_source", source.map(Value::from)),
                    ("actor_type", Some(json!(a.actor_type))),
                    ("created_time", Some(json!(time))),
                    ("user_id", Some(json!(user_id))),
                    ("restrictResponse", Some(json!(flags.0))),
                    ("botsPrivateNote", Some(json!(flags.1))),
                ]);
                webhook::envelope("message_create", &a, &time, json!({ "message": message }))
            },
        )
        .boxed()
}

/// `conversation_assignment`: to an agent and a group, from one or from none
/// (`""`).
pub fn conversation_assignment() -> BoxedStrategy<Value> {
    let from = prop_oneof![Just(String::new()), uuid()];
    (
        actor(),
        iso_millis(),
        conversation("assigned"),
        (uuid(), uuid(), from.clone(), from),
        interaction_id(),
    )
        .prop_map(
            |(a, time, c, (to_agent, to_group, from_agent, from_group), i)| {
                let asg = webhook::Assignment {
                    from_agent_id: from_agent,
                    from_group_id: from_group,
                    to_agent_id: to_agent,
                    to_group_id: to_group,
                };
                webhook::envelope(
                    "conversation_assignment",
                    &a,
                    &time,
                    webhook::assignment_data(&a, &asg, c, &i),
                )
            },
        )
        .boxed()
}

/// `conversation_resolution`.
pub fn conversation_resolution() -> BoxedStrategy<Value> {
    (
        actor(),
        iso_millis(),
        conversation("resolved"),
        interaction_id(),
    )
        .prop_map(|(a, time, c, i)| {
            webhook::envelope(
                "conversation_resolution",
                &a,
                &time,
                webhook::resolve_data(&a, c, &i),
            )
        })
        .boxed()
}

/// `conversation_reopen`.
pub fn conversation_reopen() -> BoxedStrategy<Value> {
    (
        actor(),
        iso_millis(),
        conversation("reopened"),
        interaction_id(),
    )
        .prop_map(|(a, time, c, i)| {
            webhook::envelope(
                "conversation_reopen",
                &a,
                &time,
                webhook::reopen_data(&a, c, &i),
            )
        })
        .boxed()
}

/// Any of the four events.
pub fn webhook() -> BoxedStrategy<Value> {
    prop_oneof![
        message_create(),
        conversation_assignment(),
        conversation_resolution(),
        conversation_reopen(),
    ]
    .boxed()
}
