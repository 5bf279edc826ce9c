//! Smartsupp's public REST API v2: each operation and its errors, and the
//! consistency of what the API shows with the hook and webhooks fakedesk sends
//! (same conversation, message and contact ids, same times).
//!
//! Expected shapes come from the reference: the captured 400 `not_implemented`
//! for unknown routes, the captured 422 for an `agent` block without `agent_id`
//! and for a PATCH with no accepted field, `{"agents":[...]}` for the agent list,
//! and `{total, after, items}` search pages.

use axum::body::Body;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{Resp, VendorFake, received, vendor_with};

const TOKEN: &str = "fakedesk0smartsupp0api0token0000";

fn fake(hook: &str, webhooks: &str) -> VendorFake {
    let (hook, webhooks) = (hook.to_owned(), webhooks.to_owned());
    vendor_with("smartsupp", move |c| {
        c.smartsupp.hook.url = hook;
        c.smartsupp.webhooks.url = webhooks;
        c.smartsupp.webhooks.retry_delay_ms = 1;
        c.smartsupp.api.rate_limit_per_minute = 0;
    })
}

async fn api(s: &VendorFake, method: &str, path: &str, body: Option<Value>) -> Resp {
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    s.raw(method, path, Some(&format!("Bearer {TOKEN}")), body)
        .await
}

/// Starts an open chat through the control API; returns (chat id, the action's answer).
async fn start(s: &VendorFake, args: Value) -> (String, Value) {
    let r = s
        .control("POST", "/smartsupp/actions/chat_started", Some(args))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    (r.json["chat"].to_string(), r.json)
}

async fn receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn tokens_are_required_and_unknown_routes_are_smartsupps_400() {
    let s = fake("", "");
    let r = s.raw("GET", "/v2/agents", None, Body::empty()).await;
    assert_eq!(
        (r.status, r.json["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let r = s
        .raw("GET", "/v2/agents", Some("Bearer nope"), Body::empty())
        .await;
    assert_eq!(r.status, 401);
    let r = api(&s, "GET", "/v2/visitors/1/pages", None).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json,
        json!({"code": "not_implemented", "message": "Requested url or method not implemented"})
    );
    let r = api(&s, "PUT", "/v2/agents", None).await;
    assert_eq!(
        (r.status, r.json["code"].as_str()),
        (400, Some("not_implemented"))
    );
    let r = api(&s, "GET", "/v2/conversations/999", None).await;
    assert_eq!(
        (r.status, r.json),
        (
            404,
            json!({"code": "not_found", "message": "Conversation not found"})
        )
    );
}

#[tokio::test]
async fn a_token_over_its_budget_gets_429_with_retry_after() {
    let s = vendor_with("smartsupp", |c| c.smartsupp.api.rate_limit_per_minute = 2);
    for _ in 0..2 {
        assert_eq!(api(&s, "GET", "/v2/agents", None).await.status, 200);
    }
    let r = api(&s, "GET", "/v2/agents", None).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.json["code"], "too_many_requests");
    let wait: u32 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait));
}

#[tokio::test]
async fn agents_are_listed_wrapped_and_read_one_by_one() {
    let s = fake("", "");
    let r = api(&s, "GET", "/v2/agents", None).await;
    assert_eq!(r.status, 200);
    let agents = r.json["agents"]
        .as_array()
        .expect("an object wrapping a list");
    assert!(
        agents.iter().all(|a| a["id"].is_string()),
        "ids are numeric strings"
    );
    assert_eq!(agents[0]["id"], "3");
    let r = api(&s, "GET", "/v2/agents/1257997", None).await;
    assert_eq!((r.status, &r.json["role"]), (200, &json!("agent")));
    assert_eq!(api(&s, "GET", "/v2/agents/42", None).await.status, 404);
}

#[tokio::test]
async fn an_open_chat_reads_as_the_hook_will_export_it() {
    let s = fake("", "");
    let (id, started) = start(
        &s,
        json!({"visitor": {"name": "Bo Chen", "email": "bo@example.com"}}),
    )
    .await;
    let sent = &started["sent"];
    let r = api(&s, "GET", &format!("/v2/conversations/{id}"), None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let c = &r.json;
    assert_eq!(c["id"], id.as_str());
    assert_eq!(c["status"], "open");
    assert!(c["finished_at"].is_null());
    assert_eq!(c["contact_id"], sent["visitor"]["id"].to_string());
    let r = api(
        &s,
        "GET",
        &format!("/v2/conversations/{id}/messages?order=asc"),
        None,
    )
    .await;
    assert_eq!(r.json["total"], 1);
    let m = &r.json["items"][0];
    assert_eq!(m["sub_type"], "contact");
    assert_eq!(m["content"]["text"], sent["messages"][0]["content"]);
    assert_eq!(m["id"], format!("{id}-{}", sent["messages"][0]["sentAt"]));
    let contact = api(
        &s,
        "GET",
        &format!("/v2/contacts/{}", c["contact_id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(contact.status, 200);
    assert_eq!(contact.json["email"], "bo@example.com");
    let visitor = api(
        &s,
        "GET",
        &format!("/v2/visitors/{}", c["visitor_id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(
        (visitor.status, &visitor.json["status"]),
        (200, &json!("online"))
    );
}

#[tokio::test]
async fn sending_checks_its_body_as_smartsupp_does() {
    let s = fake("", "");
    let (id, _) = start(&s, json!({})).await;
    let path = format!("/v2/conversations/{id}/messages");
    let r = api(
        &s,
        "POST",
        &path,
        Some(json!({"content": {"type": "text", "text": "hi"}, "agent": {"name": "x"}})),
    )
    .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json,
        json!({"code": "invalid_parameters", "message": "Property agent_id is required when sub_type is \"agent\""})
    );
    let r = api(
        &s,
        "POST",
        &path,
        Some(json!({"content": {"type": "text", "text": ""}})),
    )
    .await;
    assert_eq!(
        (r.status, r.json["code"].as_str()),
        (422, Some("invalid_parameters"))
    );
    let r = api(
        &s,
        "POST",
        &path,
        Some(json!({"content": {"type": "text", "text": "x"}, "agent_id": "42"})),
    )
    .await;
    assert_eq!(r.status, 422);
    let r = s
        .raw(
            "POST",
            &path,
            Some(&format!("Bearer {TOKEN}")),
            Body::from("{not json"),
        )
        .await;
    assert_eq!(
        (r.status, r.json["code"].as_str()),
        (400, Some("bad_request"))
    );
    let r = api(
        &s,
        "PATCH",
        &format!("/v2/conversations/{id}"),
        Some(json!({"status": "closed"})),
    )
    .await;
    assert_eq!(
        (r.status, r.json),
        (
            422,
            json!({"code": "invalid_parameters", "message": "Not provided any valid data"})
        )
    );
}

#[tokio::test]
async fn an_agent_reply_and_close_reach_the_hook_and_webhooks_with_the_same_ids() {
    let server = receiver().await;
    let hook = format!("{}/hook", server.uri());
    let events = format!("{}/events", server.uri());
    let s = fake(&hook, &events);
    let (id, _) = start(&s, json!({})).await;
    received(&server, 1).await; // conversation.opened
    let r = api(&s, "POST", &format!("/v2/conversations/{id}/messages"),
        Some(json!({"content": {"type": "text", "text": "Hello, how can I help?"}, "agent_id": "1257997"}))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let message = r.json.clone();
    assert_eq!(
        (message["sub_type"].as_str(), message["agent_id"].as_str()),
        (Some("agent"), Some("1257997"))
    );
    let r = api(&s, "PATCH", &format!("/v2/conversations/{id}/close"), None).await;
    assert_eq!(r.status, 200);
    let closed = r.json.clone();
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["finished_at"], closed["updated_at"]);
    assert_eq!(
        api(&s, "PATCH", &format!("/v2/conversations/{id}/close"), None)
            .await
            .status,
        200,
        "closing is idempotent"
    );
    let got = received(&server, 4).await;
    let bodies: Vec<(String, Value)> = got
        .iter()
        .map(|r| {
            (
                r.url.path().to_owned(),
                serde_json::from_slice(&r.body).unwrap(),
            )
        })
        .collect();
    let replied = bodies
        .iter()
        .find(|(_, b)| b["event"] == "conversation.agent_replied")
        .expect("agent_replied sent");
    assert_eq!(replied.1["data"]["message"]["id"], message["id"]);
    assert_eq!(
        replied.1["data"]["message"]["created_at"],
        message["created_at"]
    );
    let hook = bodies
        .iter()
        .find(|(p, _)| p == "/hook")
        .expect("the export went to the hook");
    assert_eq!(hook.1["channel"]["id"].to_string(), id);
    let line = hook.1["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["content"] == "Hello, how can I help?")
        .expect("the API message is in the export");
    assert_eq!(line["from"], 1_257_997);
    assert_eq!(
        format!("{id}-{}", line["sentAt"]),
        message["id"]
            .as_str()
            .unwrap()
            .split('-')
            .take(2)
            .collect::<Vec<_>>()
            .join("-")
    );
    assert_eq!(hook.1["channel"]["isChat"], true);
    assert_eq!(
        hook.1["messages"].as_array().unwrap().last().unwrap()["content"],
        "close.agentClose"
    );
    let close = bodies
        .iter()
        .find(|(_, b)| b["event"] == "conversation.closed")
        .expect("closed sent");
    assert_eq!(close.1["data"]["conversation"]["id"], closed["id"]);
    assert_eq!(
        close.1["data"]["conversation"]["finished_at"],
        closed["finished_at"]
    );
    let r = api(
        &s,
        "POST",
        &format!("/v2/conversations/{id}/messages"),
        Some(json!({"content": {"type": "text", "text": "late"}})),
    )
    .await;
    assert_eq!(r.status, 422, "a closed conversation takes no messages");
}

#[tokio::test]
async fn assignment_follows_the_agents_and_shows_in_state() {
    let s = fake("", "");
    let (id, _) = start(&s, json!({})).await;
    let assign = format!("/v2/conversations/{id}/assign");
    assert_eq!(
        api(&s, "PATCH", &assign, Some(json!({"id": "77"})))
            .await
            .status,
        422
    );
    assert_eq!(api(&s, "PATCH", &assign, Some(json!({}))).await.status, 422);
    let r = api(&s, "PATCH", &assign, Some(json!({"id": "1257997"}))).await;
    assert_eq!(
        (r.status, &r.json["assigned_ids"]),
        (200, &json!(["1257997"]))
    );
    assert_eq!(r.json["status"], "served");
    let r = api(
        &s,
        "PATCH",
        &format!("/v2/conversations/{id}/unassign"),
        Some(json!({"id": "1257997"})),
    )
    .await;
    assert_eq!(r.json["assigned_ids"], json!([]));
    let r = api(&s, "PATCH", &format!("/v2/conversations/{id}/read"), None).await;
    assert_eq!(r.json["unread"], false);
    let r = api(
        &s,
        "PATCH",
        &format!("/v2/conversations/{id}"),
        Some(json!({"group_id": "g1", "tags": ["vip"]})),
    )
    .await;
    assert_eq!(
        (r.status, &r.json["group_id"], &r.json["tags"]),
        (200, &json!("g1"), &json!(["vip"]))
    );
    let state = s.control("GET", "/state/smartsupp", None).await;
    assert_eq!(
        state.json["rest"]["conversations"][id.as_str()]["group_id"],
        "g1"
    );
    assert_eq!(
        api(&s, "DELETE", &format!("/v2/conversations/{id}"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        api(&s, "GET", &format!("/v2/conversations/{id}"), None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn search_filters_sorts_and_pages_with_its_cursor() {
    let s = fake("", "");
    let mut ids = Vec::new();
    for i in 0..5 {
        s.clock.advance(std::time::Duration::from_secs(60));
        let (id, _) = start(
            &s,
            json!({"visitor": {"email": format!("v{i}@example.com")}}),
        )
        .await;
        ids.push(id);
    }
    let server = receiver().await;
    let done = s
        .control(
            "POST",
            "/smartsupp/actions/chat_finished",
            Some(json!({"url": server.uri()})),
        )
        .await;
    assert_eq!(done.status, 200);
    let search = |body: Value| api(&s, "POST", "/v2/conversations/search", Some(body));
    let all = search(json!({})).await;
    assert_eq!(all.json["total"], 6);
    let open = search(json!({"query": [{"field": "status", "value": ["open", "served"]}], "sort": [{"createdAt": "asc"}], "size": 2})).await;
    assert_eq!(open.json["total"], 5);
    let mut seen: Vec<String> = Vec::new();
    let mut page = open.json.clone();
    loop {
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        if page["after"].is_null() {
            break;
        }
        page = search(json!({"query": [{"field": "status", "value": ["open", "served"]}], "sort": [{"created_at": "asc"}], "size": 2, "after": page["after"]})).await.json;
    }
    assert_eq!(seen, ids, "every open conversation once, oldest first");
    let closed =
        search(json!({"query": [{"field": "status", "value": "open", "op": "must_not"}]})).await;
    assert_eq!(closed.json["total"], 1);
    let bad = search(json!({"query": [{"field": "colour", "value": "red"}]})).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json["errors"][0]["path"], "query[0].field");
    assert_eq!(search(json!({"size": 251})).await.status, 422);
    let r = api(
        &s,
        "POST",
        "/v2/conversations/search?allowExtraSize=true",
        Some(json!({"size": 500})),
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn contacts_are_created_found_by_email_or_external_id_and_updated() {
    let s = fake("", "");
    let r = api(
        &s,
        "POST",
        "/v2/contacts",
        Some(json!({"name": "Jana", "email": "jana@example.com", "external_id": "crm-7"})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        api(&s, "POST", "/v2/contacts", Some(json!({})))
            .await
            .status,
        422
    );
    assert_eq!(
        api(&s, "POST", "/v2/contacts", Some(json!({"email": "nope"})))
            .await
            .status,
        422
    );
    let by_email = api(
        &s,
        "POST",
        "/v2/contacts/search",
        Some(json!({"query": [{"field": "email", "value": "jana@example.com"}]})),
    )
    .await;
    assert_eq!(
        (
            by_email.json["total"].as_u64(),
            by_email.json["items"][0]["id"].as_str()
        ),
        (Some(1), Some(id.as_str()))
    );
    let by_ext = api(
        &s,
        "POST",
        "/v2/contacts/search",
        Some(json!({"query": [{"field": "identityId", "value": "crm-7"}]})),
    )
    .await;
    assert_eq!(by_ext.json["items"][0]["id"], id.as_str());
    let r = api(
        &s,
        "PATCH",
        &format!("/v2/contacts/{id}"),
        Some(json!({"phone": "+420123456789", "note": null})),
    )
    .await;
    assert_eq!((r.status, &r.json["phone"]), (200, &json!("+420123456789")));
    assert_eq!(
        api(
            &s,
            "PATCH",
            &format!("/v2/contacts/{id}"),
            Some(json!({"colour": 1}))
        )
        .await
        .status,
        422
    );
    let r = api(&s, "PATCH", &format!("/v2/contacts/{id}/ban"), None).await;
    assert!(r.json["banned_at"].is_string());
    let r = api(&s, "PATCH", &format!("/v2/contacts/{id}/unban"), None).await;
    assert!(r.json["banned_at"].is_null());
    assert_eq!(api(&s, "GET", "/v2/contacts/123", None).await.status, 404);
    let (_, started) = start(&s, json!({"visitor": {"email": "walk-in@example.com"}})).await;
    let found = api(
        &s,
        "POST",
        "/v2/contacts/search",
        Some(json!({"query": [{"field": "email", "value": "walk-in@example.com"}]})),
    )
    .await;
    assert_eq!(
        found.json["items"][0]["id"],
        started["sent"]["visitor"]["id"].to_string(),
        "a chat's visitor is a contact"
    );
}

#[tokio::test]
async fn notes_are_listed_but_never_exported() {
    let s = fake("", "");
    let (id, _) = start(&s, json!({})).await;
    let r = api(
        &s,
        "POST",
        &format!("/v2/conversations/{id}/messages"),
        Some(json!({"type": "note", "content": {"type": "text", "text": "VIP customer"}})),
    )
    .await;
    assert_eq!((r.status, &r.json["type"]), (201, &json!("note")));
    let list = api(&s, "GET", &format!("/v2/conversations/{id}/messages"), None).await;
    assert_eq!(list.json["total"], 2);
    assert_eq!(
        list.json["items"][0]["type"], "note",
        "newest first by default"
    );
    let state = s.control("GET", "/state/smartsupp", None).await;
    let chat = &state.json["chats"][0];
    assert_eq!(chat["messages"].as_array().unwrap().len(), 1);
}

// ---- property: random API sequences keep the conversations consistent ----

mod properties {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Start,
        Send(usize, bool),
        Close(usize),
        Assign(usize, bool),
        Unassign(usize),
        Contact(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            Just(Op::Start),
            (0..4usize, any::<bool>()).prop_map(|(i, n)| Op::Send(i, n)),
            (0..4usize).prop_map(Op::Close),
            (0..4usize, any::<bool>()).prop_map(|(i, a)| Op::Assign(i, a)),
            (0..4usize).prop_map(Op::Unassign),
            any::<u8>().prop_map(Op::Contact),
        ]
    }

    async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
        let s = fake("", "");
        let mut ids: Vec<String> = Vec::new();
        let pick = |ids: &Vec<String>, i: usize| {
            ids.get(i % ids.len().max(1))
                .cloned()
                .unwrap_or_else(|| "1".to_owned())
        };
        for op in ops {
            let r = match op {
                Op::Start => {
                    ids.push(start(&s, json!({})).await.0);
                    continue;
                }
                Op::Send(i, note) => {
                    let kind = if note { "note" } else { "message" };
                    api(
                        &s,
                        "POST",
                        &format!("/v2/conversations/{}/messages", pick(&ids, i)),
                        Some(json!({"type": kind, "content": {"type": "text", "text": "hi"}})),
                    )
                    .await
                }
                Op::Close(i) => {
                    api(
                        &s,
                        "PATCH",
                        &format!("/v2/conversations/{}/close", pick(&ids, i)),
                        None,
                    )
                    .await
                }
                Op::Assign(i, known) => {
                    let agent = if known { "1257997" } else { "9" };
                    api(
                        &s,
                        "PATCH",
                        &format!("/v2/conversations/{}/assign", pick(&ids, i)),
                        Some(json!({"id": agent})),
                    )
                    .await
                }
                Op::Unassign(i) => {
                    api(
                        &s,
                        "PATCH",
                        &format!("/v2/conversations/{}/unassign", pick(&ids, i)),
                        Some(json!({"id": "1257997"})),
                    )
                    .await
                }
                Op::Contact(n) => {
                    api(
                        &s,
                        "POST",
                        "/v2/contacts",
                        Some(json!({"email": format!("c{n}@example.com")})),
                    )
                    .await
                }
            };
            prop_assert!(r.status < 500, "{}", r.text);
            prop_assert!(r.json["code"].is_string() || r.status < 400, "{}", r.text);
        }
        let state = s.control("GET", "/state/smartsupp", None).await.json;
        let all = api(
            &s,
            "POST",
            "/v2/conversations/search",
            Some(json!({"size": 250})),
        )
        .await
        .json;
        prop_assert_eq!(
            all["total"].as_u64(),
            Some(state["chats"].as_array().unwrap().len() as u64)
        );
        let agents: Vec<Value> = api(&s, "GET", "/v2/agents", None).await.json["agents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].clone())
            .collect();
        for c in all["items"].as_array().unwrap() {
            let contact = api(
                &s,
                "GET",
                &format!("/v2/contacts/{}", c["contact_id"].as_str().unwrap()),
                None,
            )
            .await;
            prop_assert_eq!(contact.status, 200, "no orphan contact");
            for a in c["assigned_ids"].as_array().unwrap() {
                prop_assert!(agents.contains(a), "assignee {} is an agent", a);
            }
            prop_assert_eq!(c["status"] == "closed", c["finished_at"].is_string());
            let id = c["id"].as_str().unwrap();
            let msgs = api(
                &s,
                "GET",
                &format!("/v2/conversations/{id}/messages?order=asc&size=250"),
                None,
            )
            .await
            .json;
            let chat = state["chats"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| {
                    x["channel"]["id"]
                        .as_u64()
                        .map(|n| n.to_string())
                        .as_deref()
                        == Some(id)
                })
                .unwrap();
            let notes = state["rest"]["conversations"][id]["notes"]
                .as_array()
                .map_or(0, Vec::len);
            prop_assert_eq!(
                msgs["total"].as_u64(),
                Some((chat["messages"].as_array().unwrap().len() + notes) as u64)
            );
            let times: Vec<&str> = msgs["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["created_at"].as_str().unwrap())
                .collect();
            prop_assert!(
                times.windows(2).all(|w| w[0] <= w[1]),
                "messages in time order"
            );
            if notes == 0 {
                prop_assert_eq!(
                    c["updated_at"].as_str(),
                    times.last().copied(),
                    "updated with its last message"
                );
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn random_api_sequences_keep_conversations_consistent(ops in proptest::collection::vec(op(), 1..12)) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(run(ops))?;
        }
    }
}
