//! Side conversations against Zendesk's Side Conversations and Side
//! Conversation Events references: created from a ticket with a message to
//! outside recipients (201 with the conversation and its `create` event, UUID
//! ids, the agent and the recipients as participants), replied to, closed and
//! reopened, listed per ticket, with every message an event.

use serde_json::{Value, json};

use crate::common::{Fake, fake};

async fn start(z: &Fake, ticket: u64) -> Value {
    let r = z
        .call(
            "POST",
            &format!("/api/v2/tickets/{ticket}/side_conversations"),
            Some(json!({"message": {"subject": "Stock check", "body": "Do you have part 42 in stock?", "to": [{"email": "supplier@example.com", "name": "Supplier"}]}, "external_ids": {"erp": "po-7"}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json
}

#[tokio::test]
async fn a_side_conversation_is_started_replied_to_closed_and_listed() {
    let z = fake();
    let admin = z.admin_id().await;
    let ticket = z.ticket("Broken part").await;
    let started = start(&z, ticket).await;
    let sc = &started["side_conversation"];
    let id = sc["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(id.matches('-').count(), 4);
    assert_eq!(sc["ticket_id"], json!(ticket));
    assert_eq!(sc["state"], json!("open"));
    assert_eq!(sc["subject"], json!("Stock check"));
    assert_eq!(sc["preview_text"], json!("Do you have part 42 in stock?"));
    assert_eq!(sc["external_ids"], json!({"erp": "po-7"}));
    assert!(sc["created_at"].as_str().unwrap().ends_with("+00:00"));
    assert!(
        sc["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v2/tickets/{ticket}/side_conversations/{id}"))
    );
    let participants = sc["participants"].as_array().unwrap();
    assert_eq!(participants[0]["user_id"], json!(admin));
    assert_eq!(
        participants[1],
        json!({"user_id": null, "name": "Supplier", "email": "supplier@example.com"})
    );
    let event = &started["event"];
    assert_eq!(event["type"], json!("create"));
    assert_eq!(event["side_conversation_id"], json!(id));
    assert_eq!(
        event["message"]["to"][0]["email"],
        json!("supplier@example.com")
    );
    assert_eq!(event["message"]["from"]["user_id"], json!(admin));

    let path = format!("/api/v2/tickets/{ticket}/side_conversations/{id}");
    let closed = z
        .call(
            "PUT",
            &path,
            Some(json!({"side_conversation": {"state": "closed"}})),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    assert_eq!(closed.json["side_conversation"]["state"], json!("closed"));
    let bad = z
        .call(
            "PUT",
            &path,
            Some(json!({"side_conversation": {"state": "archived"}})),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);

    // A reply goes to the others by default and opens the conversation again.
    let replied = z
        .call(
            "POST",
            &format!("{path}/reply"),
            Some(json!({"message": {"body": "Any news?"}})),
        )
        .await;
    assert_eq!(replied.status, 201, "{}", replied.text);
    assert_eq!(replied.json["event"]["type"], json!("reply"));
    assert_eq!(
        replied.json["event"]["message"]["to"][0]["email"],
        json!("supplier@example.com")
    );
    assert_eq!(replied.json["side_conversation"]["state"], json!("open"));
    assert_eq!(
        replied.json["side_conversation"]["preview_text"],
        json!("Any news?")
    );

    let events = z.call("GET", &format!("{path}/events"), None).await;
    assert_eq!(events.status, 200, "{}", events.text);
    let kinds: Vec<&str> = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["create", "update", "reply"]);
    assert_eq!(
        events.json["events"][1]["updates"],
        json!({"state": "closed"})
    );

    let shown = z.call("GET", &format!("{path}?include=events"), None).await;
    assert_eq!(shown.json["side_conversation"]["id"], json!(id));
    assert_eq!(shown.json["events"].as_array().unwrap().len(), 3);

    let other = z.ticket("Other").await;
    start(&z, other).await;
    let list = z
        .call(
            "GET",
            &format!("/api/v2/tickets/{ticket}/side_conversations"),
            None,
        )
        .await;
    assert_eq!(list.json["count"], json!(1));
    assert_eq!(list.json["side_conversations"][0]["id"], json!(id));
    // Under another ticket, the conversation is not found.
    let elsewhere = z
        .call(
            "GET",
            &format!("/api/v2/tickets/{other}/side_conversations/{id}"),
            None,
        )
        .await;
    assert_eq!(elsewhere.status, 404);
}

#[tokio::test]
async fn a_side_conversation_needs_a_recipient_and_a_body_on_a_real_ticket() {
    let z = fake();
    let ticket = z.ticket("Needs help").await;
    let path = format!("/api/v2/tickets/{ticket}/side_conversations");
    let nobody = z
        .call(
            "POST",
            &path,
            Some(json!({"message": {"subject": "x", "body": "y"}})),
        )
        .await;
    assert_eq!(nobody.status, 422, "{}", nobody.text);
    let empty = z
        .call(
            "POST",
            &path,
            Some(json!({"message": {"subject": "x", "to": [{"email": "a@example.com"}]}})),
        )
        .await;
    assert_eq!(empty.status, 422, "{}", empty.text);
    let no_ticket = z
        .call(
            "POST",
            "/api/v2/tickets/999999/side_conversations",
            Some(json!({"message": {"body": "y", "to": [{"email": "a@example.com"}]}})),
        )
        .await;
    assert_eq!(no_ticket.status, 404);
    let no_message = z.call("POST", &path, Some(json!({}))).await;
    assert_eq!(no_message.status, 400);
}
