//! The legacy (2018) webhook payload (freshchat-mammut-more 12; \[DOC\] the older
//! revision of "Chat webhooks payload structure and authentication"), chosen by
//! `webhook.payload_format: legacy2018`: the same envelope, headers and events,
//! with `msg_parts: [{part_type, properties}]` for `message_parts`, no
//! `interaction_id`, `message_source`, `org_actor_id`, and an embedded conversation
//! of `conversation_id`, `app_id`, `status` (`reopen`, not `reopened`) and the
//! assignees only. Conversation ids stay the API's UUIDs (the sample's composite
//! `<app>_<user>_feedback` ids are not reproduced, so replies still reach them).

use serde_json::{Map, Value, json};

/// One current part as a legacy `msg_parts` item.
fn part(p: &Value) -> Value {
    let Some((kind, body)) = p.as_object().and_then(|o| o.iter().next()) else {
        return p.clone();
    };
    let properties = match (kind.as_str(), body.get("content")) {
        ("text", Some(text)) => json!({"text": text}),
        _ => body.clone(),
    };
    json!({"properties": properties, "part_type": kind})
}

fn conversation(c: &Value) -> Value {
    let mut out = Map::new();
    for key in [
        "conversation_id",
        "app_id",
        "status",
        "assigned_agent_id",
        "assigned_group_id",
        "site_id",
    ] {
        if let Some(v) = c.get(key) {
            out.insert(key.to_owned(), v.clone());
        }
    }
    if out.get("status").and_then(Value::as_str) == Some("reopened") {
        out.insert("status".to_owned(), json!("reopen"));
    }
    Value::Object(out)
}

/// `payload` (a current-format event) in the legacy format.
pub fn convert(payload: &Value) -> Value {
    let mut out = payload.clone();
    let Some(data) = out.get_mut("data").and_then(Value::as_object_mut) else {
        return out;
    };
    for (key, inner) in data.iter_mut() {
        let Some(inner) = inner.as_object_mut() else {
            continue;
        };
        for drop in [
            "interaction_id",
            "message_source",
            "org_actor_id",
            "restrictResponse",
            "botsPrivateNote",
        ] {
            inner.remove(drop);
        }
        if key == "message"
            && let Some(parts) = inner.remove("message_parts")
        {
            let legacy: Vec<Value> = parts.as_array().into_iter().flatten().map(part).collect();
            inner.insert("msg_parts".to_owned(), Value::Array(legacy));
        }
        if let Some(c) = inner.get("conversation") {
            let c = conversation(c);
            inner.insert("conversation".to_owned(), c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_use_msg_parts_as_the_2018_sample() {
        let current = json!({"actor": {"actor_type": "user", "actor_id": "u"}, "action": "message_create", "action_time": "t",
            "data": {"message": {"message_parts": [{"text": {"content": "USER MESSAGE"}}], "app_id": "a", "interaction_id": "1-2", "message_type": "normal"}}});
        let legacy = convert(&current);
        assert_eq!(
            legacy["data"]["message"],
            json!({"msg_parts": [{"properties": {"text": "USER MESSAGE"}, "part_type": "text"}], "app_id": "a", "message_type": "normal"})
        );
        assert_eq!(legacy["actor"], current["actor"]);
    }

    #[test]
    fn a_reopened_conversation_is_status_reopen_without_channel() {
        let current = json!({"action": "conversation_reopen", "data": {"reopen": {"reopener": "agent", "reopener_id": "x", "interaction_id": "1-2",
            "conversation": {"conversation_id": "c", "app_id": "a", "status": "reopened", "channel_id": "ch", "skill_id": 0, "assigned_agent_id": "x"}}}});
        let legacy = convert(&current);
        assert_eq!(
            legacy["data"]["reopen"],
            json!({"reopener": "agent", "reopener_id": "x", "conversation": {"conversation_id": "c", "app_id": "a", "status": "reopen", "assigned_agent_id": "x"}})
        );
    }
}
