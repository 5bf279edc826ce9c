//! Braze's REST API beyond `/users/track`: the user endpoints, the send endpoints
//! (webhooks delivered to a wiremock receiver, other channels recorded), the list
//! and details exports, `{% abort_message %}`, permissions and rate-limit pools.
//!
//! Expected statuses and bodies come from the Braze reference: 201 for writes and
//! sends, 202 for `/users/merge`, `{"deleted": <ids sent>}` as captured, the
//! capture's rename shape, the documented merge 400 texts, the captured 400 for an
//! unknown Canvas.

use axum::body::Body;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{BrazeFake, braze, braze_with, received};

fn fast(c: &mut fakedesk::config::RunConfig) {
    c.braze.webhooks.retry_base_delay_ms = 1;
    c.braze.webhooks.timeout_ms = 2_000;
}

async fn track(b: &BrazeFake, body: Value) {
    let r = b.post("/users/track", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn state(b: &BrazeFake) -> Value {
    b.control("GET", "/state/braze", None).await.json
}

async fn export(b: &BrazeFake, ids: &[&str]) -> Value {
    let r = b
        .post("/users/export/ids", json!({"external_ids": ids}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json
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
async fn delete_counts_the_ids_sent_and_the_user_leaves_exports() {
    let b = braze();
    track(&b, json!({"attributes": [{"external_id": "u1", "first_name": "Ana"}, {"external_id": "u2"}],
                     "events": [{"external_id": "u1", "name": "gone", "time": "2024-02-08T17:00:00Z"}]})).await;
    let r = b
        .post("/users/delete", json!({"external_ids": ["u1", "nobody"]}))
        .await;
    assert_eq!(
        (r.status, r.json),
        (201, json!({"deleted": 2, "message": "success"}))
    );
    let e = export(&b, &["u1", "u2"]).await;
    assert_eq!(e["users"].as_array().unwrap().len(), 1);
    assert_eq!(e["invalid_user_ids"], json!(["u1"]));
    let events = b
        .raw(
            "GET",
            "/events/list",
            Some(&format!("Bearer {}", crate::common::BRAZE_KEY)),
            Body::empty(),
        )
        .await;
    assert_eq!(events.json["events"], json!([]), "its events went with it");
    let too_many: Vec<String> = (0..51).map(|i| format!("x{i}")).collect();
    let r = b
        .post("/users/delete", json!({"external_ids": too_many}))
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json["message"].as_str().unwrap().contains("max number"));
}

#[tokio::test]
async fn email_deletes_follow_prioritization_and_ambiguity_deletes_nobody() {
    let b = braze();
    track(&b, json!({"attributes": [
        {"external_id": "known", "email": "same@example.com"},
        {"user_alias": {"alias_name": "anon", "alias_label": "web"}, "email": "same@example.com", "_update_existing_only": false}]})).await;
    assert_eq!(
        state(&b).await["users"].as_array().unwrap().len(),
        2,
        "{}",
        state(&b).await
    );
    let r = b
        .post(
            "/users/delete",
            json!({"email_addresses": [{"email": "same@example.com", "prioritization": []}]}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        state(&b).await["users"].as_array().unwrap().len(),
        2,
        "two matches: nobody"
    );
    let r = b.post("/users/delete", json!({"email_addresses": [{"email": "same@example.com", "prioritization": ["unidentified"]}]})).await;
    assert_eq!(r.status, 201);
    let users = state(&b).await["users"].clone();
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert_eq!(users[0]["external_id"], "known");
}

#[tokio::test]
async fn aliases_are_created_renamed_and_identified_into_users() {
    let b = braze();
    let r = b
        .post(
            "/users/alias/new",
            json!({"user_aliases": [{"alias_name": "v1", "alias_label": "web"}]}),
        )
        .await;
    assert_eq!(
        (r.status, r.json),
        (201, json!({"aliases_processed": 1, "message": "success"}))
    );
    track(&b, json!({"events": [{"user_alias": {"alias_name": "v1", "alias_label": "web"}, "name": "browsed", "time": "2024-02-08T17:00:00Z"}]})).await;
    let r = b.post("/users/alias/update", json!({"alias_updates": [{"alias_label": "web", "old_alias_name": "v1", "new_alias_name": "v2"}]})).await;
    assert_eq!(r.status, 201);
    track(
        &b,
        json!({"attributes": [{"external_id": "u9", "first_name": "Bo"}]}),
    )
    .await;
    let r = b.post("/users/identify", json!({"aliases_to_identify": [{"external_id": "u9", "user_alias": {"alias_name": "v2", "alias_label": "web"}}]})).await;
    assert_eq!(
        (r.status, r.json),
        (201, json!({"aliases_processed": 1, "message": "success"}))
    );
    let users = state(&b).await["users"].clone();
    assert_eq!(
        users.as_array().unwrap().len(),
        1,
        "the anonymous profile merged away"
    );
    assert_eq!(
        users[0]["user_aliases"],
        json!([{"alias_name": "v2", "alias_label": "web"}])
    );
    assert_eq!(users[0]["events"][0]["name"], "browsed");
}

#[tokio::test]
async fn merge_answers_202_and_refuses_with_the_documented_texts() {
    let b = braze();
    track(&b, json!({"attributes": [{"external_id": "old", "plan": "gold"}, {"external_id": "new", "first_name": "Ana"}]})).await;
    let r = b.post("/users/merge", json!({"merge_updates": [{"identifier_to_merge": {"external_id": "old"}, "identifier_to_keep": {"external_id": "new"}}]})).await;
    assert_eq!((r.status, r.json), (202, json!({"message": "success"})));
    let e = export(&b, &["old", "new"]).await;
    assert_eq!(e["users"][0]["custom_attributes"]["plan"], "gold");
    assert_eq!(e["invalid_user_ids"], json!(["old"]));
    for (body, text) in [
        (
            json!({"merge_updates": "x"}),
            "'merge_updates' must be an array of objects",
        ),
        (
            json!({"merge_updates": [{"identifier_to_merge": {}, "identifier_to_keep": {}, "x": 1}]}),
            "'merge_updates' must only have 'identifier_to_merge' and 'identifier_to_keep'",
        ),
        (
            json!({"merge_updates": [{"identifier_to_merge": {"external_id": 5}, "identifier_to_keep": {"external_id": "new"}}]}),
            "identifiers must be objects with an 'external_id' property that is a string, 'user_alias' property that is an object, 'email' property that is a string, or 'phone' property that is a string",
        ),
    ] {
        let r = b.post("/users/merge", body).await;
        assert_eq!((r.status, r.json), (400, json!({"message": text})));
    }
}

#[tokio::test]
async fn renamed_ids_still_resolve_until_removed() {
    let b = braze();
    track(
        &b,
        json!({"attributes": [{"external_id": "abc"}, {"external_id": "taken"}]}),
    )
    .await;
    let r = b
        .post(
            "/users/external_ids/rename",
            json!({"external_id_renames": [
        {"current_external_id": "abc", "new_external_id": "foo"},
        {"current_external_id": "nobody", "new_external_id": "x"},
        {"current_external_id": "taken", "new_external_id": "foo"}]}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        r.json["external_ids"],
        json!([{"current_external_id": "abc", "new_external_id": "foo"}])
    );
    assert_eq!(
        r.json["rename_errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e[0].clone())
            .collect::<Vec<_>>(),
        [json!(1), json!(2)]
    );
    assert_eq!(
        export(&b, &["abc"]).await["users"][0]["external_id"],
        "foo",
        "a deprecated id still resolves"
    );
    let r = b
        .post(
            "/users/external_ids/remove",
            json!({"external_ids": ["abc", "foo"]}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json["removed_ids"], json!(["abc"]));
    assert_eq!(
        r.json["removal_errors"][0][0], 1,
        "a primary id cannot be removed"
    );
    assert_eq!(
        export(&b, &["abc"]).await["invalid_user_ids"],
        json!(["abc"])
    );
}

#[tokio::test]
async fn track_sync_answers_with_only_what_it_touched() {
    let b = braze();
    let r = b.post("/users/track/sync", json!({"attributes": [{"external_id": "xyz123", "string_attribute": "fruit", "integer_attribute": 25}]})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.json,
        json!({"users": [{"external_id": "xyz123", "custom_attributes": {"string_attribute": "fruit", "integer_attribute": 25}}], "message": "success"})
    );
    let r = b.post("/users/track/sync", json!({"events": [{"external_id": "xyz123", "name": "e", "time": "2024-02-08T17:00:00Z"}, {"external_id": "xyz123", "name": "e", "time": "2024-02-08T17:00:00Z"}]})).await;
    assert_eq!(r.status, 400, "one object only");
    let r = b
        .post(
            "/users/track/sync",
            json!({"attributes": [{"external_id": "new", "_update_existing_only": true, "a": 1}]}),
        )
        .await;
    assert_eq!(r.json["users"], json!([]));
}

#[tokio::test]
async fn messages_send_delivers_webhooks_and_records_other_channels() {
    let server = receiver().await;
    let b = braze_with(fast);
    track(&b, json!({"attributes": [{"external_id": "u1", "first_name": "Ana", "email": "ana@example.com"}]})).await;
    let r = b.post("/messages/send", json!({"external_user_ids": ["u1", "ghost"], "messages": {
        "webhook": {"url": format!("{}/hook", server.uri()), "request_method": "POST",
                    "request_headers": {"Content-Type": "application/json"},
                    "body": "{\"hello\":\"{{${first_name}}}\"}"},
        "email": {"app_id": "a", "from": "Shop <s@example.com>", "subject": "Hi {{${first_name}}}", "body": "x"}}})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let dispatch = r.json["dispatch_id"].as_str().unwrap().to_owned();
    assert_eq!(dispatch.len(), 32);
    let got = received(&server, 1).await;
    assert_eq!(String::from_utf8_lossy(&got[0].body), "{\"hello\":\"Ana\"}");
    let s = state(&b).await;
    let d = &s["dispatches"][0];
    assert_eq!(d["dispatch_id"], dispatch.as_str());
    let outcome: Vec<(String, String)> = d["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["channel"].as_str().unwrap().to_owned(),
                m["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(outcome.contains(&("email".to_owned(), "sent".to_owned())));
    assert!(
        outcome.contains(&("webhook".to_owned(), "skipped".to_owned())),
        "ghost gets nothing"
    );
    let email = d["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["channel"] == "email")
        .unwrap();
    assert_eq!(email["rendered"]["subject"], "Hi Ana");
    for (body, text) in [
        (
            json!({"messages": {"webhook": {"url": "http://x"}}}),
            "No Recipients",
        ),
        (json!({"external_user_ids": ["u1"]}), "No message to send"),
        (
            json!({"external_user_ids": ["u1"], "campaign_id": "nope", "messages": {"webhook": {"url": "http://x"}}}),
            "Invalid Campaign ID",
        ),
    ] {
        let r = b.post("/messages/send", body).await;
        assert_eq!((r.status, r.json), (400, json!({"message": text})));
    }
}

#[tokio::test]
async fn a_triggered_campaign_renders_trigger_properties_and_skips_deleted_users() {
    let server = receiver().await;
    let b = braze_with(fast);
    let r = b.control("POST", "/braze/campaigns", Some(json!({
        "name": "Order shipped", "url": format!("{}/shipped", server.uri()),
        "body": "{% if api_trigger_properties.${order} == blank %}{% abort_message('no order') %}{% endif %}{{${user_id}}} {{api_trigger_properties.${order}}} {{api_trigger_properties.${carrier}}}"}))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let campaign = r.json["campaign"]["id"].as_str().unwrap().to_owned();
    track(
        &b,
        json!({"attributes": [{"external_id": "u1"}, {"external_id": "u2"}]}),
    )
    .await;
    let r = b
        .post(
            "/campaigns/trigger/send",
            json!({"campaign_id": campaign,
        "trigger_properties": {"carrier": "DHL", "order": "A1"},
        "recipients": [{"external_user_id": "u1", "trigger_properties": {"order": "B2"}},
                       {"external_user_id": "u1"},
                       {"external_user_id": "u2", "trigger_properties": {"order": ""}}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let got = received(&server, 1).await;
    assert_eq!(
        String::from_utf8_lossy(&got[0].body),
        "u1 B2 DHL",
        "per-recipient properties win"
    );
    let s = state(&b).await;
    let messages = s["dispatches"][0]["messages"].as_array().unwrap().clone();
    assert_eq!(
        messages.len(),
        2,
        "the duplicate recipient gets one message"
    );
    assert_eq!(messages[1]["status"], "aborted");
    assert_eq!(messages[1]["abort_type"], "liquid_abort_message");
    assert_eq!(messages[1]["abort_log"], "no order");
    assert_eq!(
        b.post("/users/delete", json!({"external_ids": ["u1"]}))
            .await
            .status,
        201
    );
    let r = b.post("/campaigns/trigger/send", json!({"campaign_id": campaign, "trigger_properties": {"order": "C3"}, "recipients": [{"external_user_id": "u1"}]})).await;
    assert_eq!(
        r.status, 201,
        "an unknown user is still accepted, as in Braze"
    );
    let s = state(&b).await;
    assert_eq!(
        s["dispatches"][1]["messages"][0]["status"], "skipped",
        "a deleted user receives nothing"
    );
    assert_eq!(received(&server, 2).await.len(), 1);
    let r = b
        .post(
            "/campaigns/trigger/send",
            json!({"campaign_id": "nope", "recipients": [{"external_user_id": "u2"}]}),
        )
        .await;
    assert_eq!(
        (r.status, r.json),
        (400, json!({"message": "Invalid Campaign ID"}))
    );
}

#[tokio::test]
async fn a_canvas_reads_context_and_canvas_entry_properties_and_creates_users() {
    let server = receiver().await;
    let b = braze_with(fast);
    let r = b
        .control(
            "POST",
            "/braze/canvases",
            Some(
                json!({"name": "Onboarding", "url": format!("{}/canvas", server.uri()),
        "body": "{{context.${step}}}/{{canvas_entry_properties.${step}}}/{{${first_name}}}"}),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let canvas = r.json["canvas"]["id"].as_str().unwrap().to_owned();
    let r = b.post("/canvas/trigger/send", json!({"canvas_id": canvas, "recipients": [
        {"external_user_id": "new1", "send_to_existing_only": false, "attributes": {"first_name": "Cy"},
         "canvas_entry_properties": {"step": "welcome"}}]})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let got = received(&server, 1).await;
    assert_eq!(String::from_utf8_lossy(&got[0].body), "welcome/welcome/Cy");
    let r = b
        .raw(
            "GET",
            &format!("/canvas/details?canvas_id={canvas}"),
            Some(&format!("Bearer {}", crate::common::BRAZE_KEY)),
            Body::empty(),
        )
        .await;
    assert_eq!((r.status, &r.json["name"]), (200, &json!("Onboarding")));
    let r = b
        .raw(
            "GET",
            "/canvas/details?canvas_id=non-existing",
            Some(&format!("Bearer {}", crate::common::BRAZE_KEY)),
            Body::empty(),
        )
        .await;
    assert_eq!(
        (r.status, r.json),
        (
            400,
            json!({"message": "canvas_id must be a string of the Canvas api identifier"})
        )
    );
}

#[tokio::test]
async fn exports_list_what_the_fake_holds() {
    let b = braze();
    let key = format!("Bearer {}", crate::common::BRAZE_KEY);
    let r = b
        .control(
            "POST",
            "/braze/campaigns",
            Some(json!({"name": "Welcome", "url": "http://127.0.0.1:1/x"})),
        )
        .await;
    let id = r.json["campaign"]["id"].as_str().unwrap().to_owned();
    track(&b, json!({"events": [{"external_id": "u1", "name": "b", "time": "2024-02-08T17:00:00Z"}, {"external_id": "u1", "name": "a", "time": "2024-02-08T17:00:00Z"}],
                     "purchases": [{"external_id": "u1", "product_id": "shoe", "currency": "USD", "price": 1, "time": "2024-02-08T17:00:00Z"}]})).await;
    let get = |p: String| {
        let key = key.clone();
        let b = &b;
        async move { b.raw("GET", &p, Some(&key), Body::empty()).await }
    };
    let list = get("/campaigns/list".to_owned()).await;
    assert_eq!(list.json["campaigns"][0]["id"], id.as_str());
    assert_eq!(list.json["campaigns"][0]["is_api_campaign"], true);
    let details = get(format!("/campaigns/details?campaign_id={id}")).await;
    assert_eq!(details.json["channels"], json!(["webhook"]));
    assert_eq!(
        get("/campaigns/details?campaign_id=x".to_owned())
            .await
            .status,
        400
    );
    assert_eq!(
        get("/events/list".to_owned()).await.json["events"],
        json!(["a", "b"])
    );
    assert_eq!(
        get("/purchases/product_list".to_owned()).await.json["products"],
        json!(["shoe"])
    );
    assert_eq!(
        get("/segments/list".to_owned()).await.json["segments"][0]["name"],
        "All Users"
    );
    let r = b
        .post(
            "/sends/id/create",
            json!({"campaign_id": id, "send_id": "s1"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json),
        (201, json!({"message": "success", "send_id": "s1"}))
    );
}

#[tokio::test]
async fn new_endpoints_need_their_permission_and_count_in_their_pool() {
    let b = braze_with(|c| {
        c.braze.api_keys.push(fakedesk::vendors::braze::ApiKey {
            key: "track-only".to_owned(),
            permissions: vec!["users.track".to_owned()],
        });
        c.braze.rate_limit.user_data.requests = 2;
    });
    let r = b
        .raw(
            "POST",
            "/users/delete",
            Some("Bearer track-only"),
            Body::from(json!({"external_ids": ["a"]}).to_string()),
        )
        .await;
    assert_eq!(r.status, 403);
    assert!(r.json["message"].as_str().unwrap().contains("users.delete"));
    let delete = || b.post("/users/delete", json!({"external_ids": ["a"]}));
    delete().await;
    let r = delete().await;
    assert_eq!(r.header("x-ratelimit-limit"), Some("2"));
    let r = b
        .post("/users/alias/new", json!({"user_aliases": []}))
        .await;
    assert_eq!(r.status, 429, "the user-data pool is shared");
    let r = b
        .post("/users/export/ids", json!({"external_ids": ["a"]}))
        .await;
    assert_eq!(r.status, 201, "other pools are untouched");
}

#[tokio::test]
async fn scheduled_sends_go_out_when_the_clock_reaches_them() {
    let server = receiver().await;
    let b = braze_with(fast);
    track(
        &b,
        json!({"attributes": [{"external_id": "u1", "first_name": "Ana"}]}),
    )
    .await;
    let hook =
        json!({"webhook": {"url": format!("{}/later", server.uri()), "body": "{{${first_name}}}"}});
    let r = b
        .post(
            "/messages/schedule/create",
            json!({"external_user_ids": ["u1"], "messages": hook,
        "schedule": {"time": "2024-02-08T18:44:38Z"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let schedule = r.json["schedule_id"].as_str().unwrap().to_owned();
    assert_eq!(schedule.len(), 36, "a UUID");
    assert_eq!(r.json["dispatch_id"].as_str().unwrap().len(), 32);
    let dropped = b
        .post(
            "/messages/schedule/create",
            json!({"external_user_ids": ["u1"], "messages": hook,
        "schedule": {"time": "2024-02-08T18:00:00Z"}}),
        )
        .await;
    let dropped_id = dropped.json["schedule_id"].as_str().unwrap().to_owned();
    let r = b
        .post(
            "/messages/schedule/delete",
            json!({"schedule_id": dropped_id}),
        )
        .await;
    assert_eq!((r.status, r.json), (201, json!({"message": "success"})));
    let r = b
        .post(
            "/messages/schedule/update",
            json!({"schedule_id": "nope", "schedule": {"time": "2024-02-08T19:00:00Z"}}),
        )
        .await;
    assert_eq!(
        (r.status, r.json),
        (400, json!({"message": "Invalid schedule_id"}))
    );
    let r = b
        .post(
            "/messages/schedule/create",
            json!({"external_user_ids": ["u1"], "messages": hook, "schedule": {"time": "soon"}}),
        )
        .await;
    assert_eq!(r.status, 400);
    b.clock.advance(std::time::Duration::from_secs(30 * 60));
    assert_eq!(
        b.post("/users/export/ids", json!({"external_ids": ["u1"]}))
            .await
            .status,
        201
    );
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "not due yet; the deleted one never"
    );
    b.clock.advance(std::time::Duration::from_secs(40 * 60));
    assert_eq!(
        b.post("/users/export/ids", json!({"external_ids": ["u1"]}))
            .await
            .status,
        201
    );
    let got = received(&server, 1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(String::from_utf8_lossy(&got[0].body), "Ana");
    let s = state(&b).await;
    let statuses: Vec<&str> = s["schedules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["sent", "deleted"]);
    assert_eq!(
        s["dispatches"][0]["dispatch_id"], s["schedules"][0]["dispatch_id"],
        "sent as the dispatch create answered"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Track(u8),
        Delete(u8),
        Alias(u8),
        Identify(u8, u8),
        Merge(u8, u8),
        Rename(u8, u8),
        Remove(u8),
        Subscribe(u8, bool),
    }

    fn op() -> impl Strategy<Value = Op> {
        let id = 0..4u8;
        prop_oneof![
            id.clone().prop_map(Op::Track),
            id.clone().prop_map(Op::Delete),
            id.clone().prop_map(Op::Alias),
            (id.clone(), id.clone()).prop_map(|(a, b)| Op::Identify(a, b)),
            (id.clone(), id.clone()).prop_map(|(a, b)| Op::Merge(a, b)),
            (id.clone(), id.clone()).prop_map(|(a, b)| Op::Rename(a, b)),
            id.clone().prop_map(Op::Remove),
            (id, any::<bool>()).prop_map(|(n, on)| Op::Subscribe(n, on)),
        ]
    }

    async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
        let b = braze();
        let u = |n: u8| format!("u{n}");
        for op in ops {
            let (path, body) = match op {
                Op::Track(n) => (
                    "/users/track",
                    json!({"events": [{"external_id": u(n), "name": "e", "time": "2024-02-08T17:00:00Z"}]}),
                ),
                Op::Delete(n) => ("/users/delete", json!({"external_ids": [u(n)]})),
                Op::Alias(n) => (
                    "/users/alias/new",
                    json!({"user_aliases": [{"alias_name": format!("a{n}"), "alias_label": "l"}]}),
                ),
                Op::Identify(a, n) => (
                    "/users/identify",
                    json!({"aliases_to_identify": [{"external_id": u(n), "user_alias": {"alias_name": format!("a{a}"), "alias_label": "l"}}]}),
                ),
                Op::Merge(a, c) => (
                    "/users/merge",
                    json!({"merge_updates": [{"identifier_to_merge": {"external_id": u(a)}, "identifier_to_keep": {"external_id": u(c)}}]}),
                ),
                Op::Rename(a, c) => (
                    "/users/external_ids/rename",
                    json!({"external_id_renames": [{"current_external_id": u(a), "new_external_id": u(c)}]}),
                ),
                Op::Remove(n) => (
                    "/users/external_ids/remove",
                    json!({"external_ids": [u(n)]}),
                ),
                Op::Subscribe(n, on) => (
                    "/subscription/status/set",
                    json!({"subscription_group_id": GROUP, "external_id": [u(n)],
                           "subscription_state": if on { "subscribed" } else { "unsubscribed" }}),
                ),
            };
            let r = b.post(path, body).await;
            prop_assert!(
                r.status < 500 && r.json["message"].is_string(),
                "{} {}",
                path,
                r.text
            );
        }
        let s = state(&b).await;
        let users = s["users"].as_array().unwrap();
        let braze_ids: Vec<&Value> = users.iter().map(|p| &p["braze_id"]).collect();
        for (_, target) in s["deprecated_external_ids"].as_object().unwrap() {
            prop_assert!(
                braze_ids.contains(&target),
                "a renamed id points at a live user"
            );
        }
        subscriptions_agree(&b, &s, &braze_ids).await?;
        let mut external: Vec<&str> = users
            .iter()
            .filter_map(|p| p["external_id"].as_str())
            .collect();
        let n = external.len();
        external.sort_unstable();
        external.dedup();
        prop_assert_eq!(external.len(), n, "external ids are unique");
        let mut labels: Vec<String> = users
            .iter()
            .flat_map(|p| {
                p["user_aliases"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.to_string())
            })
            .collect();
        let n = labels.len();
        labels.sort();
        labels.dedup();
        prop_assert_eq!(labels.len(), n, "an alias names one user");
        let ids: Vec<String> = (0..4).map(|i| format!("u{i}")).collect();
        let e = b
            .post("/users/export/ids", json!({"external_ids": ids}))
            .await
            .json;
        let exported = e["users"].as_array().map_or(0, Vec::len);
        let live = users
            .iter()
            .filter(|p| {
                p["external_id"]
                    .as_str()
                    .is_some_and(|x| ids.iter().any(|i| i == x))
            })
            .count();
        prop_assert!(exported >= live, "every live user exports");
        Ok(())
    }

    /// The default email subscription group.
    const GROUP: &str = "5ab5c41b-e000-4000-8000-00000000e4a1";

    /// Every subscription status belongs to a live user and a group, and
    /// `/subscription/status/get` answers what `/state` holds.
    async fn subscriptions_agree(
        b: &BrazeFake,
        s: &Value,
        braze_ids: &[&Value],
    ) -> Result<(), TestCaseError> {
        let subs = s["subscriptions"].as_array().unwrap();
        for sub in subs {
            prop_assert!(
                braze_ids.contains(&&sub["braze_id"]),
                "no orphan status: {}",
                sub
            );
            prop_assert_eq!(sub["subscription_group_id"].as_str(), Some(GROUP));
        }
        for p in s["users"].as_array().unwrap() {
            let Some(id) = p["external_id"].as_str() else {
                continue;
            };
            let held = subs
                .iter()
                .find(|x| x["braze_id"] == p["braze_id"])
                .map_or("unknown", |x| x["status"].as_str().unwrap());
            let path = format!(
                "/subscription/status/get?subscription_group_id={GROUP}&external_id[]={id}"
            );
            let auth = format!("Bearer {}", crate::common::BRAZE_KEY);
            let r = b.raw("GET", &path, Some(&auth), Body::empty()).await;
            prop_assert_eq!(r.json["status"][id].as_str(), Some(held));
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn random_user_operations_keep_ids_unique_and_references_live(ops in proptest::collection::vec(op(), 1..14)) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(run(ops))?;
        }
    }
}
