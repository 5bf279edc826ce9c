//! Braze's subscription groups, email lists, Content Blocks and email templates,
//! transactional email with its postback, and the analytics exports.
//!
//! Expected statuses and bodies come from the Braze reference (braze-rest 3.8, 4,
//! 5, 6): 201 `{"message":"success"}` for the list writes, the captured 400
//! `Invalid subscription group ID`, the captured lowercase `unknown`, the captured
//! `YYYY-MM-DD HH:MM:SS +0000` list timestamps, the documented transactional texts
//! and postback body, and the documented data-series shapes.

use axum::body::Body;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{BRAZE_KEY, BrazeFake, braze, braze_with, received};
use fakedesk::clock::Clock;
use fakedesk::vendors::braze::transactional::TransactionalCampaign;

const EMAIL_GROUP: &str = "5ab5c41b-e000-4000-8000-00000000e4a1";
const SMS_GROUP: &str = "5ab5c41b-e000-4000-8000-0000000005e5";

async fn get(b: &BrazeFake, path: &str) -> crate::common::Resp {
    b.raw(
        "GET",
        path,
        Some(&format!("Bearer {BRAZE_KEY}")),
        Body::empty(),
    )
    .await
}

async fn track(b: &BrazeFake, body: Value) {
    let r = b.post("/users/track", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
}

async fn state(b: &BrazeFake) -> Value {
    b.control("GET", "/state/braze", None).await.json
}

fn ok() -> Value {
    json!({"message": "success"})
}

/// Per channel, the status and abort log of every message of the last dispatch.
async fn last_outcomes(b: &BrazeFake) -> Vec<(String, String, Value)> {
    let s = state(b).await;
    let d = s["dispatches"].as_array().unwrap().last().unwrap().clone();
    d["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["channel"].as_str().unwrap().to_owned(),
                m["status"].as_str().unwrap().to_owned(),
                m["abort_log"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn subscription_status_is_set_read_and_gates_sms() {
    let b = braze();
    track(
        &b,
        json!({"attributes": [
        {"external_id": "u1", "email": "ana@example.com", "phone": "+15550001"},
        {"external_id": "u2", "phone": "+15550002"}]}),
    )
    .await;
    let path = format!(
        "/subscription/status/get?subscription_group_id={SMS_GROUP}&external_id[]=u1&external_id[]=u2"
    );
    let r = get(&b, &path).await;
    assert_eq!(
        (r.status, r.json),
        (
            200,
            json!({"status": {"u1": "unknown", "u2": "unknown"}, "message": "success"})
        )
    );
    // braze_ruby sent a plain string for external_id and got 201.
    let r = b
        .post(
            "/subscription/status/set",
            json!({"subscription_group_id": SMS_GROUP,
        "subscription_state": "subscribed", "external_id": "u1"}),
        )
        .await;
    assert_eq!((r.status, r.json), (201, ok()));
    let r = b.post("/v2/subscription/status/set", json!({"subscription_groups": [
        {"subscription_group_id": SMS_GROUP, "subscription_state": "unsubscribed", "external_ids": ["u2"]},
        {"subscription_group_id": EMAIL_GROUP, "subscription_state": "subscribed", "emails": ["ANA@example.com"]}]})).await;
    assert_eq!((r.status, r.json), (201, ok()));
    let r = get(&b, &path).await;
    assert_eq!(
        r.json["status"],
        json!({"u1": "Subscribed", "u2": "Unsubscribed"})
    );
    let r = get(&b, "/subscription/user/status?external_id[]=u1").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["total_count"], 1);
    let groups = &r.json["users"][0]["subscription_groups"];
    assert_eq!(groups.as_array().unwrap().len(), 2, "{groups}");
    assert_eq!(r.json["users"][0]["email"], "ana@example.com");
    for (body, text) in [
        (
            json!({"subscription_group_id": "nope", "subscription_state": "subscribed", "external_id": ["u1"]}),
            "Invalid subscription group ID",
        ),
        (
            json!({"subscription_group_id": SMS_GROUP, "subscription_state": "subscribed", "email": ["a@x.com"], "phone": ["+1"]}),
            "Either an email address or a phone number should be provided, but not both.",
        ),
    ] {
        let r = b.post("/subscription/status/set", body).await;
        assert_eq!((r.status, r.json), (400, json!({"message": text})));
    }
    let r = b
        .post(
            "/messages/send",
            json!({"external_user_ids": ["u1", "u2"],
        "messages": {"sms": {"subscription_group_id": SMS_GROUP, "body": "Hi"}}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let out: Vec<String> = last_outcomes(&b).await.into_iter().map(|o| o.1).collect();
    assert_eq!(
        out,
        ["sent", "skipped"],
        "only the subscribed user gets the SMS"
    );
    b.post("/users/delete", json!({"external_ids": ["u1"]}))
        .await;
    let s = state(&b).await;
    let left: Vec<&Value> = s["subscriptions"].as_array().unwrap().iter().collect();
    assert!(
        left.iter()
            .all(|x| x["braze_id"] != s["users"][0]["braze_id"]
                || s["users"].as_array().unwrap().len() == 1),
        "{s}"
    );
    assert_eq!(
        left.len(),
        1,
        "the deleted user's statuses went with her: {left:?}"
    );
}

#[tokio::test]
async fn users_track_sets_subscription_groups_as_the_attributes_object_documents() {
    let b = braze();
    track(&b, json!({"attributes": [{"external_id": "u1", "phone": "+15550001",
        "subscription_groups": [{"subscription_group_id": SMS_GROUP, "subscription_state": "subscribed"},
                                {"subscription_group_id": "unknown-group", "subscription_state": "subscribed"}]}]}))
    .await;
    let r = get(
        &b,
        &format!("/subscription/status/get?subscription_group_id={SMS_GROUP}&external_id[]=u1"),
    )
    .await;
    assert_eq!(r.json["status"], json!({"u1": "Subscribed"}));
    let s = state(&b).await;
    assert_eq!(
        s["users"][0]["custom_attributes"],
        json!({}),
        "not kept as a custom attribute"
    );
    assert_eq!(
        s["subscriptions"].as_array().unwrap().len(),
        1,
        "unknown groups are ignored"
    );
}

#[tokio::test]
async fn email_lists_change_who_gets_email() {
    let b = braze();
    track(
        &b,
        json!({"attributes": [
        {"external_id": "u1", "email": "ana@example.com"},
        {"external_id": "u2", "email": "bo@example.com"}]}),
    )
    .await;
    let r = b
        .post(
            "/email/status",
            json!({"email": "ana@example.com", "subscription_state": "unsubscribed"}),
        )
        .await;
    assert_eq!((r.status, r.json), (201, ok()));
    // The state of an address nobody has yet is kept (captured 201).
    let r = b
        .post(
            "/email/status",
            json!({"email": ["later@example.com"], "subscription_state": "unsubscribed"}),
        )
        .await;
    assert_eq!((r.status, r.json), (201, ok()));
    let r = b
        .post("/email/blocklist", json!({"email": ["bo@example.com"]}))
        .await;
    assert_eq!((r.status, r.json), (201, ok()));
    track(
        &b,
        json!({"attributes": [{"external_id": "u3", "email": "later@example.com"}]}),
    )
    .await;
    b.post(
        "/messages/send",
        json!({"external_user_ids": ["u1", "u2", "u3"],
        "messages": {"email": {"subject": "Sale", "body": "x"}}}),
    )
    .await;
    let out = last_outcomes(&b).await;
    assert!(
        out.iter()
            .all(|o| o.1 == "skipped" && o.2 == "User not emailable"),
        "{out:?}"
    );
    let day = b.clock.now().date().to_string();
    let r = get(
        &b,
        &format!("/email/unsubscribes?start_date={day}&end_date={day}"),
    )
    .await;
    assert_eq!(r.status, 200);
    let emails: Vec<&str> = r.json["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails.len(), 3, "{}", r.json);
    let at = r.json["emails"][0]["unsubscribed_at"].as_str().unwrap();
    assert!(
        at.ends_with(" +0000") && at.len() == 25,
        "the captured format: {at}"
    );
    let r = get(
        &b,
        &format!("/email/hard_bounces?start_date={day}&end_date={day}"),
    )
    .await;
    assert_eq!(r.json["emails"][0]["email"], "bo@example.com");
    let r = b
        .post("/email/bounce/remove", json!({"email": "bo@example.com"}))
        .await;
    assert_eq!((r.status, r.json), (201, ok()));
    let r = get(&b, "/email/hard_bounces?email=bo@example.com").await;
    assert_eq!(r.json, json!({"emails": [], "message": "success"}));
    let r = b
        .post(
            "/email/status",
            json!({"email": "ana@example.com", "subscription_state": "opted_in"}),
        )
        .await;
    assert_eq!(r.status, 201);
    b.post("/messages/send", json!({"external_user_ids": ["u1"], "messages": {"email": {"subject": "Sale", "body": "x"}}})).await;
    assert_eq!(last_outcomes(&b).await[0].1, "sent");
    let s = state(&b).await;
    assert_eq!(
        s["users"][0]["attributes"]["email_subscribe"], "opted_in",
        "the profile follows"
    );
    let r = get(&b, "/email/hard_bounces").await;
    assert_eq!(r.status, 400, "dates or an email are required");
    let r = b
        .post(
            "/email/status",
            json!({"email": "ana@example.com", "subscription_state": "maybe"}),
        )
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn content_blocks_and_templates_are_kept_and_blocks_render_in_liquid() {
    let b = braze();
    let r = b
        .post(
            "/content_blocks/create",
            json!({"name": "footer", "content": "Bye {{${first_name}}}"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["liquid_tag"], "{{content_blocks.${footer}}}");
    let id = r.json["content_block_id"].as_str().unwrap().to_owned();
    for (body, text) in [
        (
            json!({"name": "footer", "content": "x"}),
            "Content Block with this name already exists",
        ),
        (
            json!({"name": "bad name", "content": "x"}),
            "Content Block name can only contain alphanumeric characters",
        ),
        (
            json!({"name": "n2", "content": ""}),
            "Content cannot be blank",
        ),
        (
            json!({"name": "n3", "content": "{% if %}"}),
            "Content contains malformed liquid",
        ),
        (
            json!({"name": "n4", "content": "x", "state": "gone"}),
            "Content Block state must be either active or draft",
        ),
        (
            json!({"name": "n5", "content": "x", "tags": "t"}),
            "Tags must be an array",
        ),
    ] {
        let r = b.post("/content_blocks/create", body).await;
        assert_eq!((r.status, r.json), (400, json!({"message": text})));
    }
    let r = b
        .post(
            "/content_blocks/update",
            json!({"content_block_id": id, "name": "other"}),
        )
        .await;
    assert_eq!(
        r.json["message"],
        "Content Block name cannot be updated for active Content Blocks"
    );
    let r = b
        .post(
            "/content_blocks/update",
            json!({"content_block_id": id, "content": "Ciao {{${first_name}}}"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = get(&b, &format!("/content_blocks/info?content_block_id={id}")).await;
    assert_eq!(
        (r.json["content"].as_str(), r.json["content_type"].as_str()),
        (Some("Ciao {{${first_name}}}"), Some("text"))
    );
    let r = get(&b, "/content_blocks/info?content_block_id=nope").await;
    assert_eq!(
        (r.status, r.json),
        (
            400,
            json!({"message": "Content Block ID is invalid for this workspace"})
        )
    );
    let r = b.post("/templates/email/create", json!({"template_name": "Welcome", "subject": "Hi", "body": "{{content_blocks.${nope}}}"})).await;
    assert_eq!(
        (r.status, r.json),
        (
            400,
            json!({"message": "Email must have valid Content Block names"})
        )
    );
    let r = b.post("/templates/email/create", json!({"template_name": "Welcome", "subject": "Hi", "body": "<p>{{content_blocks.${footer}}}</p>"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let tid = r.json["email_template_id"].as_str().unwrap().to_owned();
    let r = b
        .post(
            "/templates/email/update",
            json!({"email_template_id": tid, "subject": "Hello"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json),
        (200, json!({"email_template_id": tid, "message": "success"}))
    );
    let r = get(
        &b,
        &format!("/templates/email/info?email_template_id={tid}"),
    )
    .await;
    assert_eq!(
        (r.json["subject"].as_str(), r.json["template_name"].as_str()),
        (Some("Hello"), Some("Welcome"))
    );
    let r = get(&b, "/templates/email/list").await;
    assert_eq!(r.json["count"], 1);
    let r = get(&b, "/content_blocks/list").await;
    assert_eq!(
        (
            r.json["count"].as_u64(),
            r.json["content_blocks"][0]["inclusion_count"].as_u64()
        ),
        (Some(1), Some(1))
    );
    let r = get(&b, "/content_blocks/list?limit=1001").await;
    assert_eq!(
        r.json["message"],
        "Content Block number limit exceeds maximum of 1000"
    );
    track(&b, json!({"attributes": [{"external_id": "u1", "first_name": "Ana", "email": "ana@example.com"}]})).await;
    b.post(
        "/messages/send",
        json!({"external_user_ids": ["u1"],
        "messages": {"email": {"subject": "x", "body": "Hi. {{content_blocks.${footer}}}"}}}),
    )
    .await;
    let s = state(&b).await;
    let m = &s["dispatches"][0]["messages"][0];
    assert_eq!(m["rendered"]["body"], "Hi. Ciao Ana");
}

async fn postback_receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

fn transactional(server: &MockServer) -> impl FnOnce(&mut fakedesk::config::RunConfig) {
    let url = format!("{}/postback", server.uri());
    move |c| {
        let s = &mut c.braze;
        s.transactional.postback_url = Some(url);
        s.transactional.campaigns.push(TransactionalCampaign {
            id: "tx1".to_owned(),
            name: "Receipt".to_owned(),
            subject: "Order {{event_properties.${order}}}".to_owned(),
            body: "Thanks {{${first_name}}}".to_owned(),
            from: "Shop <shop@example.com>".to_owned(),
            state: "active".to_owned(),
        });
        s.webhooks.retry_base_delay_ms = 1;
    }
}

#[tokio::test]
async fn a_transactional_send_renders_dedupes_and_posts_back() {
    let server = postback_receiver().await;
    let b = braze_with(transactional(&server));
    let body = json!({"external_send_id": "order-1", "trigger_properties": {"order": 42},
        "recipient": {"external_user_id": "u1", "attributes": {"first_name": "Ana", "email": "ana@example.com"}}});
    let r = b
        .post("/transactional/v1/campaigns/tx1/send", body.clone())
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["status"], "queued");
    assert_eq!(r.json["metadata"], json!({"external_send_id": "order-1"}));
    assert!(
        r.header("x-ratelimit-limit").is_none(),
        "no rate-limit headers (DOC)"
    );
    let dispatch = r.json["dispatch_id"].as_str().unwrap().to_owned();
    let got = received(&server, 2).await;
    let bodies: Vec<Value> = got
        .iter()
        .map(|g| serde_json::from_slice(&g.body).unwrap())
        .collect();
    assert_eq!(
        bodies
            .iter()
            .map(|x| x["status"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["sent", "delivered"]
    );
    for x in &bodies {
        assert_eq!(x["dispatch_id"], dispatch.as_str());
        assert_eq!(x["metadata"]["campaign_api_id"], "tx1");
        assert_eq!(x["metadata"]["external_send_id"], "order-1");
    }
    assert!(
        bodies[0]["metadata"]["sent_at"]
            .as_str()
            .unwrap()
            .ends_with("+00:00")
    );
    let s = state(&b).await;
    let m = &s["dispatches"][0]["messages"][0];
    assert_eq!(m["rendered"]["subject"], "Order 42");
    assert_eq!(m["rendered"]["body"], "Thanks Ana");
    // The same external_send_id within 24 hours is the same send.
    let again = b.post("/transactional/v1/campaigns/tx1/send", body).await;
    assert_eq!(again.json["dispatch_id"], dispatch.as_str());
    assert_eq!(state(&b).await["dispatches"].as_array().unwrap().len(), 1);
    // Transactional email goes to unsubscribed users (DOC), not to users without an address.
    b.post(
        "/email/status",
        json!({"email": "ana@example.com", "subscription_state": "unsubscribed"}),
    )
    .await;
    let r = b
        .post(
            "/transactional/v1/campaigns/tx1/send",
            json!({"recipient": {"external_user_id": "u1"}}),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = b
        .post(
            "/transactional/v1/campaigns/tx1/send",
            json!({"recipient": {"external_user_id": "ghost"}}),
        )
        .await;
    assert_eq!(r.status, 201, "accepted; the abort shows in the postback");
    let got = received(&server, 5).await;
    let bodies: Vec<Value> = got
        .iter()
        .map(|g| serde_json::from_slice(&g.body).unwrap())
        .collect();
    let mut statuses: Vec<&str> = bodies
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        ["aborted", "delivered", "delivered", "sent", "sent"]
    );
    let aborted = bodies.iter().find(|x| x["status"] == "aborted").unwrap();
    assert_eq!(aborted["metadata"]["reason"], "User not emailable");
    assert!(
        aborted["metadata"].get("external_send_id").is_none(),
        "only when one was given"
    );
}

#[tokio::test]
async fn transactional_errors_are_the_documented_texts() {
    let server = postback_receiver().await;
    let b = braze_with(transactional(&server));
    let r = b
        .control(
            "POST",
            "/braze/transactional_campaigns",
            Some(json!({"id": "paused1", "name": "P", "state": "paused"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = b
        .control(
            "POST",
            "/braze/campaigns",
            Some(json!({"id": "hook", "name": "H", "url": "http://127.0.0.1:9/x"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ok_body = json!({"recipient": {"external_user_id": "u1"}});
    for (path, body, text) in [
        (
            "/transactional/v1/campaigns/nope/send",
            ok_body.clone(),
            "Campaign does not exist",
        ),
        (
            "/transactional/v1/campaigns/hook/send",
            ok_body.clone(),
            "The campaign is not a transactional campaign. Only transactional campaigns may use this endpoint",
        ),
        (
            "/transactional/v1/campaigns/paused1/send",
            ok_body.clone(),
            "The campaign is paused. Resume the campaign in order for trigger requests to take effect.",
        ),
        (
            "/transactional/v1/campaigns/tx1/send",
            json!({"recipient": {}}),
            "recipient must have either external_user_id or user_alias",
        ),
        (
            "/transactional/v1/campaigns/tx1/send",
            json!({"external_send_id": "a b", "recipient": {"external_user_id": "u1"}}),
            "external_send_id must be a string of Base64-safe characters",
        ),
    ] {
        let r = b.post(path, body).await;
        assert_eq!(
            (r.status, r.json),
            (400, json!({"message": text})),
            "{path}"
        );
    }
    let b2 = braze_with(|c| {
        c.braze.api_keys.push(fakedesk::vendors::braze::ApiKey {
            key: "track-only".to_owned(),
            permissions: vec!["users.track".to_owned()],
        });
    });
    for (m, path) in [
        ("POST", "/transactional/v1/campaigns/x/send"),
        ("GET", "/email/unsubscribes"),
        ("POST", "/v2/subscription/status/set"),
        ("GET", "/kpi/new_users/data_series"),
    ] {
        let r = b2
            .raw(m, path, Some("Bearer track-only"), Body::from("{}"))
            .await;
        assert_eq!(r.status, 403, "{path}");
    }
    let r = b2.post("/subscription/status/set", json!({})).await;
    assert_eq!(
        r.header("x-ratelimit-limit"),
        Some("5000"),
        "the documented 5,000 per minute"
    );
}

#[tokio::test]
async fn data_series_count_what_the_fake_holds() {
    let server = postback_receiver().await;
    let b = braze_with(|c| {
        c.braze.webhooks.retry_base_delay_ms = 1;
    });
    track(&b, json!({
        "attributes": [{"external_id": "u1", "email": "a@example.com"}, {"external_id": "u2"}],
        "events": [
            {"external_id": "u1", "name": "opened", "time": "2024-03-01T10:00:00Z"},
            {"external_id": "u1", "name": "opened", "time": "2024-03-02T10:00:00Z"},
            {"external_id": "u2", "name": "opened", "time": "2024-03-02T11:00:00Z"}],
        "purchases": [{"external_id": "u2", "product_id": "p1", "currency": "USD", "price": 2.5, "quantity": 2, "time": "2024-03-02T12:00:00Z"}]})).await;
    let q = "length=3&ending_at=2024-03-03T00:00:00Z";
    let r = get(&b, &format!("/events/data_series?event=opened&{q}")).await;
    assert_eq!(
        r.json,
        json!({"data": [
        {"time": "2024-03-01", "count": 1}, {"time": "2024-03-02", "count": 2}, {"time": "2024-03-03", "count": 0}],
        "message": "success"})
    );
    let r = get(&b, &format!("/purchases/revenue_series?{q}")).await;
    assert_eq!(
        r.json["data"][1],
        json!({"time": "2024-03-02", "revenue": 5.0})
    );
    let r = get(&b, &format!("/purchases/quantity_series?{q}")).await;
    assert_eq!(
        r.json["data"][1],
        json!({"time": "2024-03-02", "purchase_quantity": 2})
    );
    b.post("/users/delete", json!({"external_ids": ["u2"]}))
        .await;
    let r = get(&b, &format!("/events/data_series?event=opened&{q}")).await;
    assert_eq!(
        r.json["data"][1]["count"], 1,
        "a deleted user's events leave the series"
    );
    let r = get(&b, "/events/data_series?event=opened&length=101").await;
    assert_eq!(r.status, 400);
    let c = b
        .control(
            "POST",
            "/braze/campaigns",
            Some(json!({"id": "c1", "name": "C", "url": format!("{}/h", server.uri())})),
        )
        .await;
    assert_eq!(c.status, 201);
    b.post("/campaigns/trigger/send", json!({"campaign_id": "c1", "recipients": [{"external_user_id": "u1"}, {"external_user_id": "u2"}]})).await;
    let r = get(&b, "/campaigns/data_series?campaign_id=c1&length=1").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let day = &r.json["data"][0];
    assert_eq!(
        day["messages"]["webhook"][0]["sent"], 1,
        "the deleted user got nothing: {day}"
    );
    assert_eq!(day["unique_recipients"], 1);
    let r = get(&b, "/kpi/new_users/data_series?length=1").await;
    assert_eq!(r.json["data"][0]["new_users"], 1);
    let seg = "00000000-0000-4000-8000-0000a11a5e65";
    let r = get(
        &b,
        &format!("/segments/data_series?segment_id={seg}&length=1"),
    )
    .await;
    assert_eq!(r.json["data"][0]["size"], 1);
    let r = get(&b, &format!("/segments/details?segment_id={seg}")).await;
    assert_eq!(
        (r.status, r.json["name"].as_str()),
        (200, Some("All Users"))
    );
    let r = get(&b, "/segments/details?segment_id=nope").await;
    assert_eq!(r.status, 400);
    let when = (b.clock.now() + time::Duration::days(2)).date();
    let r = b
        .post(
            "/campaigns/trigger/schedule/create",
            json!({"campaign_id": "c1", "broadcast": true,
        "schedule": {"time": format!("{when}T10:00:00Z")}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let end = (b.clock.now() + time::Duration::days(3)).date();
    let r = get(
        &b,
        &format!("/messages/scheduled_broadcasts?end_time={end}T00:00:00Z"),
    )
    .await;
    let list = r.json["scheduled_broadcasts"].as_array().unwrap();
    assert_eq!(
        (list.len(), list[0]["id"].as_str(), list[0]["type"].as_str()),
        (1, Some("c1"), Some("Campaign"))
    );
}

#[tokio::test]
async fn canvas_send_and_sdk_series_have_the_documented_shapes() {
    let server = postback_receiver().await;
    let b = braze_with(|c| {
        c.braze.webhooks.retry_base_delay_ms = 1;
    });
    track(&b, json!({"attributes": [{"external_id": "u1"}]})).await;
    let r = b
        .control(
            "POST",
            "/braze/canvases",
            Some(json!({"id": "cv1", "name": "Journey", "url": format!("{}/c", server.uri())})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    b.post(
        "/canvas/trigger/send",
        json!({"canvas_id": "cv1", "recipients": [{"external_user_id": "u1"}]}),
    )
    .await;
    let r = get(&b, "/canvas/data_series?canvas_id=cv1&length=2").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let stats = r.json["data"]["stats"].as_array().unwrap();
    assert_eq!(
        (r.json["data"]["name"].as_str(), stats.len()),
        (Some("Journey"), 2)
    );
    assert_eq!(stats[1]["total_stats"]["entries"], 1);
    assert_eq!(stats[0]["total_stats"]["entries"], 0);
    let r = get(&b, "/canvas/data_summary?canvas_id=cv1&length=2").await;
    assert_eq!(r.json["data"]["total_stats"]["entries"], 1);
    let r = get(&b, "/canvas/data_series?canvas_id=cv1&length=15").await;
    assert_eq!(r.status, 400, "Canvases take 1 to 14 days");
    let r = get(&b, "/canvas/data_series?canvas_id=nope&length=1").await;
    assert_eq!(
        r.json,
        json!({"message": "canvas_id must be a string of the Canvas api identifier"})
    );
    let r = get(
        &b,
        "/sessions/data_series?length=3&unit=hour&ending_at=2024-02-08T17:44:38Z",
    )
    .await;
    let data = r.json["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    assert_eq!(
        data[2],
        json!({"time": "2024-02-08T17:00:00.000+00:00", "sessions": 0})
    );
    for (path, key) in [
        ("/kpi/dau/data_series", "dau"),
        ("/kpi/mau/data_series", "mau"),
        ("/kpi/uninstalls/data_series", "uninstalls"),
    ] {
        let r = get(&b, &format!("{path}?length=1")).await;
        assert_eq!(r.json["data"][0][key], 0, "{path}");
    }
    let r = get(&b, "/kpi/dau/data_series?length=1&unit=week").await;
    assert_eq!(r.status, 400);
}

/// `GET /custom_attributes` and `GET /events` [DOC: Export custom attributes,
/// Export custom events]: `{"message": "success", <list>}`, 50 a page in name
/// order, further pages by the `cursor` of a `Link` header (the documented
/// example cursor `c2tpcDow` is the first page).
#[tokio::test]
async fn custom_attributes_and_events_are_exported_with_types_in_name_order() {
    let b = braze();
    track(
        &b,
        json!({"attributes": [{"external_id": "u1", "plan": "gold", "seats": 4, "vip": true,
                "renewal": "2025-01-01T00:00:00Z", "pets": ["cat"], "address": {"city": "Oslo"},
                "orders": [{"id": 1}]}],
               "events": [{"external_id": "u1", "name": "signed_up", "time": "2024-02-08T17:00:00Z"},
                          {"external_id": "u1", "name": "added_seat", "time": "2024-02-08T17:00:00Z"}]}),
    )
    .await;
    let attrs = get(&b, "/custom_attributes").await;
    assert_eq!(attrs.status, 200, "{}", attrs.text);
    assert_eq!(attrs.json["message"], json!("success"));
    let by_name: Vec<(String, String)> = attrs.json["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["status"], json!("Active"));
            assert_eq!(a["tag_names"], json!([]));
            (
                a["name"].as_str().unwrap().to_owned(),
                a["data_type"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("address", "Object"),
        ("orders", "Object Array"),
        ("pets", "Array"),
        ("plan", "String"),
        ("renewal", "Time"),
        ("seats", "Number"),
        ("vip", "Boolean"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    assert_eq!(by_name, expected);
    assert!(attrs.json["attributes"][2]["array_length"].is_u64());
    assert_eq!(attrs.json["attributes"][3]["array_length"], Value::Null);
    assert_eq!(attrs.header("link"), None, "one page, no link");

    let events = get(&b, "/events").await;
    assert_eq!(events.status, 200, "{}", events.text);
    let names: Vec<&str> = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["added_seat", "signed_up"]);
    assert_eq!(
        events.json["events"][0]["included_in_analytics_report"],
        json!(false)
    );
    let first = get(&b, "/events?cursor=c2tpcDow").await;
    assert_eq!(first.json["events"], events.json["events"]);
    assert_eq!(get(&b, "/events?cursor=%21%21").await.status, 400);
}

#[tokio::test]
async fn more_than_fifty_custom_events_page_through_the_link_header() {
    let b = braze();
    let events: Vec<Value> = (0..60)
        .map(|n| json!({"external_id": "u1", "name": format!("e{n:02}"), "time": "2024-02-08T17:00:00Z"}))
        .collect();
    track(&b, json!({"events": events})).await;
    let first = get(&b, "/events").await;
    assert_eq!(first.json["events"].as_array().unwrap().len(), 50);
    assert_eq!(first.json["events"][49]["name"], json!("e49"));
    let link = first.header("link").expect("a Link header").to_owned();
    assert!(link.ends_with("rel=\"next\""), "{link}");
    let next = &link[link.find('<').unwrap() + 1..link.find('>').unwrap()];
    let second = get(&b, next).await;
    let rest: Vec<&str> = second.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(rest, (50..60).map(|n| format!("e{n}")).collect::<Vec<_>>());
    let back = second.header("link").expect("a link back");
    assert!(
        back.contains("rel=\"prev\"") && !back.contains("rel=\"next\""),
        "{back}"
    );
}

/// Preference centers [DOC: Preference Center endpoints]: created (201 with
/// the id), listed (`name`, `preference_center_api_id`, times), shown whole
/// (the title defaults to "Preference Center"), updated (the DOC example's
/// answer), and a known user's URL generated; pages' HTML is required.
#[tokio::test]
async fn preference_centers_are_created_listed_shown_updated_and_linked() {
    let b = braze();
    let created = b
        .post(
            "/preference_center/v1",
            json!({"name": "Main", "preference_center_page_html": "<p>{{subscription_group}}</p>", "confirmation_page_html": "<p>Saved</p>", "state": "active"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["message"], json!("success"));
    let id = created.json["preference_center_api_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let listed = get(&b, "/preference_center/v1/list").await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let first = &listed.json["preference_centers"][0];
    assert_eq!(first["name"], json!("Main"));
    assert_eq!(first["preference_center_api_id"], json!(id));
    assert!(first["created_at"].as_str().unwrap().ends_with('Z'));
    let shown = get(&b, &format!("/preference_center/v1/{id}")).await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(
        shown.json["preference_center_title"],
        json!("Preference Center")
    );
    assert_eq!(shown.json["state"], json!("active"));

    let updated = b
        .raw(
            "PUT",
            &format!("/preference_center/v1/{id}"),
            Some(&format!("Bearer {BRAZE_KEY}")),
            Body::from(json!({"preference_center_title": "Your emails", "preference_center_page_html": "<p>v2</p>", "confirmation_page_html": "<p>ok</p>", "state": "draft"}).to_string()),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.json["preference_center_api_id"], json!(id));
    assert_eq!(updated.json["message"], json!("success"));
    let shown = get(&b, &format!("/preference_center/v1/{id}")).await;
    assert_eq!(shown.json["preference_center_title"], json!("Your emails"));
    assert_eq!(shown.json["state"], json!("draft"));

    track(
        &b,
        json!({"attributes": [{"external_id": "u1", "email": "u1@example.com"}]}),
    )
    .await;
    let url = get(&b, &format!("/preference_center/v1/{id}/url/u1")).await;
    assert_eq!(url.status, 200, "{}", url.text);
    assert!(
        url.json["preference_center_url"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(
        get(&b, &format!("/preference_center/v1/{id}/url/nobody"))
            .await
            .status,
        400
    );

    let missing = b
        .post("/preference_center/v1", json!({"name": "No pages"}))
        .await;
    assert_eq!(missing.status, 400, "{}", missing.text);
    let again = b
        .post(
            "/preference_center/v1",
            json!({"name": "Main", "preference_center_page_html": "x", "confirmation_page_html": "y"}),
        )
        .await;
    assert_eq!(again.status, 400, "{}", again.text);
}
