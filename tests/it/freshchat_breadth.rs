//! Freshchat's operations beyond conversations (agents, roles, uploads, CSAT,
//! account, channels, business hours, extracts, metrics, outbound WhatsApp, user
//! deletion, rate limits), multi-site accounts and the legacy webhook payload, and
//! Mammut's multichannel bot, over real sockets on OS-chosen ports. Expected
//! values come from freshchat-mammut-more (the `[DOC]` agent-deletion body, the
//! `[SCHEMA]` shapes) or from the fake's state, never from the handler under test.

use std::sync::Arc;
use std::time::Duration;

use fakedesk::clock::ManualClock;
use fakedesk::config::RunConfig;
use fakedesk::server::{self, Harness, Running};
use fakedesk::vendors::freshchat::FreshchatSettings;
use fakedesk::vendors::freshchat::settings::{
    BusinessHours, GroupAgentsMode, PayloadFormat, RateLimitSettings,
};
use fakedesk::vendors::mammut::{Knowledge, Site};
use reqwest::Method;
use serde_json::{Value, json};
use time::macros::datetime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.ZmFrZWRlc2stZnJlc2hjaGF0.fakedesk0freshchat0api0token";
const USER: &str = "f5c4a000-0000-4000-8000-0000000000c1";
const ADMIN: &str = "f5c4a000-0000-4000-8000-0000000000a1";
const BOT: &str = "f5c4a000-0000-4000-8000-0000000000b0";
const GROUP: &str = "f5c4a000-0000-4000-8000-0000000000e1";
const CHANNEL: &str = "f5c4a000-0000-4000-8000-0000000000d1";
const APP: &str = "f5c4a000-0000-4000-8000-000000000001";

struct Fake {
    r: Running,
    clock: Arc<ManualClock>,
}

async fn fake(tweak: impl FnOnce(&mut FreshchatSettings)) -> Fake {
    fake_with(|c| tweak(&mut c.freshchat)).await
}

async fn fake_with(tweak: impl FnOnce(&mut RunConfig)) -> Fake {
    let mut config = RunConfig::ephemeral();
    tweak(&mut config);
    // A Thursday, 17:44 UTC.
    let clock = Arc::new(ManualClock::new(datetime!(2024-02-08 17:44:38.250 UTC)));
    let r = server::start(Harness::new(config, clock.clone()).unwrap())
        .await
        .unwrap();
    Fake { r, clock }
}

impl Fake {
    async fn call(&self, m: Method, p: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = reqwest::Client::new()
            .request(m, format!("{}{p}", self.r.url("freshchat")))
            .bearer_auth(TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        (
            res.status().as_u16(),
            res.json().await.unwrap_or(Value::Null),
        )
    }

    async fn get(&self, p: &str) -> (u16, Value) {
        self.call(Method::GET, p, None).await
    }

    async fn post(&self, p: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, p, Some(body)).await
    }

    async fn state(&self) -> Value {
        let url = format!("{}/state/freshchat", self.r.url("control"));
        reqwest::get(url).await.unwrap().json().await.unwrap()
    }

    async fn upload(
        &self,
        p: &str,
        field: &str,
        name: &str,
        ct: &str,
        bytes: &[u8],
    ) -> (u16, Value) {
        let mut body = format!(
            "--b0undary\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {ct}\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n--b0undary--\r\n");
        let res = reqwest::Client::new()
            .post(format!("{}{p}", self.r.url("freshchat")))
            .bearer_auth(TOKEN)
            .header("content-type", "multipart/form-data; boundary=b0undary")
            .body(body)
            .send()
            .await
            .unwrap();
        (
            res.status().as_u16(),
            res.json().await.unwrap_or(Value::Null),
        )
    }

    async fn conversation(&self, user: &str, text: &str) -> String {
        let (status, c) = self
            .post(
                "/v2/conversations",
                json!({"users": [{"id": user}], "messages": [{"message_parts": [{"text": {"content": text}}], "actor_type": "user", "actor_id": user}]}),
            )
            .await;
        assert_eq!(status, 200, "{c}");
        c["conversation_id"].as_str().unwrap().to_owned()
    }
}

fn error(code: u16, status: &str) -> impl Fn(&(u16, Value)) {
    let status = status.to_owned();
    move |(got, body): &(u16, Value)| {
        assert_eq!(*got, code, "{body}");
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["status"], status.as_str(), "{body}");
    }
}

#[tokio::test]
async fn agents_are_created_updated_made_available_and_deleted() {
    let f = fake(|_| {}).await;
    let body = json!({"email": "new@example.com", "first_name": "Nia", "groups": [GROUP]});
    let (status, a) = f.post("/v2/agents", body.clone()).await;
    assert_eq!(status, 201, "{a}");
    let id = a["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (
            a["availability_status"].as_str(),
            a["is_deactivated"].as_bool()
        ),
        (Some("UNAVAILABLE"), Some(false))
    );
    assert_eq!(a["groups"], json!([GROUP]));
    error(409, "CONFLICT")(&f.post("/v2/agents", body).await);
    error(400, "INVALID_VALUE")(&f.post("/v2/agents", json!({"first_name": "x"})).await);
    error(404, "GROUP_NOT_FOUND")(
        &f.post("/v2/agents", json!({"email": "g@x.io", "groups": ["nope"]}))
            .await,
    );
    let (status, a) = f
        .call(
            Method::PUT,
            &format!("/v2/agents/{id}"),
            Some(json!({"last_name": "Lee", "role_id": "nope"})),
        )
        .await;
    assert_eq!((status, a["status"].as_str()), (400, Some("INVALID_VALUE")));
    let (status, a) = f
        .call(
            Method::PUT,
            &format!("/v2/agents/{id}"),
            Some(json!({"last_name": "Lee"})),
        )
        .await;
    assert_eq!((status, a["last_name"].as_str()), (200, Some("Lee")));
    // A real client reads 409 on PATCH AVAILABLE as "the agent is offline".
    error(409, "CONFLICT")(
        &f.call(
            Method::PATCH,
            &format!("/v2/agents/{id}"),
            Some(json!({"availability_status": "AVAILABLE"})),
        )
        .await,
    );
    let (_, statuses) = f.get("/v2/agents/status").await;
    assert_eq!(statuses["statuses"], statuses["states"]);
    let status_id = statuses["statuses"][0]["id"].clone();
    let (status, p) = f
        .call(
            Method::PATCH,
            &format!("/v2/agents/{id}"),
            Some(json!({"agent_status": {"id": status_id}})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(p["agent_status"], statuses["statuses"][0]);
    let (_, members) = f.get(&format!("/v2/agents?groups={GROUP}")).await;
    let ids: Vec<&str> = members["agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(ids, [ADMIN, id.as_str()]);
    let (status, gone) = f
        .call(Method::DELETE, &format!("/v2/agents/{id}"), None)
        .await;
    assert_eq!(status, 202);
    assert_eq!(
        gone,
        json!({"code": 202, "status": "ACCEPTED", "message": "Agent deletion request accepted"})
    );
    error(404, "AGENT_NOT_FOUND")(&f.get(&format!("/v2/agents/{id}")).await);
    error(404, "AGENT_NOT_FOUND")(
        &f.call(Method::DELETE, &format!("/v2/agents/{id}"), None)
            .await,
    );
    let state = f.state().await;
    assert!(
        state["agents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id.as_str())
    );
    let (_, roles) = f.get("/v2/roles").await;
    assert_eq!(
        roles["roles"][0]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["description", "id", "is_custom_role", "name"]
    );
    assert_eq!(roles["pagination"]["total_items"], 4);
}

#[tokio::test]
async fn a_groups_agents_follow_the_configured_mode() {
    let omit = fake(|_| {}).await;
    let (_, g) = omit.get(&format!("/v2/groups/{GROUP}")).await;
    assert!(g.get("agents").is_none(), "{g}");
    let ids = fake(|s| s.group_agents_mode = GroupAgentsMode::Ids).await;
    assert_eq!(
        ids.get(&format!("/v2/groups/{GROUP}")).await.1["agents"],
        json!([ADMIN])
    );
    let objects = fake(|s| s.group_agents_mode = GroupAgentsMode::Objects).await;
    let (_, list) = objects.get("/v2/groups").await;
    assert_eq!(
        list["groups"][0]["agents"][0]["email"],
        "admin@fakedesk.test"
    );
}

#[tokio::test]
async fn a_deleted_user_disappears_from_lists_lookups_and_takes_their_conversations() {
    let f = fake(|_| {}).await;
    let (_, u) = f
        .post(
            "/v2/users",
            json!({"reference_id": "gone-1", "email": "gone@example.com"}),
        )
        .await;
    let id = u["id"].as_str().unwrap().to_owned();
    let cid = f.conversation(&id, "hello").await;
    let (status, body) = f
        .call(Method::DELETE, &format!("/v2/users/{id}"), None)
        .await;
    assert_eq!((status, body["status"].as_str()), (202, Some("ACCEPTED")));
    error(404, "USER_NOT_FOUND")(&f.get(&format!("/v2/users/{id}")).await);
    error(404, "USER_NOT_FOUND")(&f.get("/v2/users/lookup?reference_id=gone-1").await);
    error(404, "CONVERSATION_NOT_FOUND")(&f.get(&format!("/v2/conversations/{cid}")).await);
    error(404, "USER_NOT_FOUND")(
        &f.call(Method::DELETE, &format!("/v2/users/{id}"), None)
            .await,
    );
    let (_, list) = f.get("/v2/users?email=gone@example.com").await;
    assert_eq!(list["users"], json!([]));
    let (_, fetched) = f.post("/v2/users/fetch", json!({"ids": [id, USER]})).await;
    assert_eq!(fetched["users"].as_array().unwrap().len(), 1);
    let state = f.state().await;
    assert!(
        !state.to_string().contains(&id),
        "the state still names the user"
    );
    let too_many: Vec<String> = (0..101).map(|i| format!("u{i}")).collect();
    error(400, "INVALID_VALUE")(&f.post("/v2/users/fetch", json!({"ids": too_many})).await);
}

#[tokio::test]
async fn an_uploaded_file_is_served_and_usable_in_message_parts() {
    let f = fake(|s| s.file_max_bytes = 64).await;
    let (status, up) = f
        .upload(
            "/v2/files/upload",
            "file",
            "report.txt",
            "text/plain",
            b"quarterly numbers",
        )
        .await;
    assert_eq!(status, 200, "{up}");
    assert_eq!(up["file_size_in_bytes"], 17);
    assert_eq!(up["file_content_type"], "text/plain");
    let hash = up["file_hash"].as_str().unwrap();
    assert!(
        hash.len() == 10
            && hash
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{hash}"
    );
    let served = reqwest::get(up["file_url"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(served.headers()["content-type"], "text/plain");
    assert_eq!(served.bytes().await.unwrap().as_ref(), b"quarterly numbers");
    let cid = f.conversation(USER, "here is a file").await;
    let (status, m) = f.post(&format!("/v2/conversations/{cid}/messages"), json!({"actor_type": "agent", "actor_id": BOT, "message_parts": [{"file": {"file_hash": hash}}]})).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["message_parts"][0]["file"]["url"], up["file_url"]);
    assert_eq!(m["message_parts"][0]["file"]["name"], "report.txt");
    let png = [
        &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"[..],
        &[0, 0, 0, 40, 0, 0, 0, 30],
    ]
    .concat();
    let (status, img) = f
        .upload("/v2/images/upload", "image", "a.png", "image/png", &png)
        .await;
    assert_eq!(
        (status, img["width"].as_u64(), img["height"].as_u64()),
        (200, Some(40), Some(30)),
        "{img}"
    );
    let (status, m) = f.post(&format!("/v2/conversations/{cid}/messages"), json!({"actor_type": "agent", "actor_id": BOT, "message_parts": [{"image": {"url": img["url"]}}]})).await;
    assert_eq!(status, 200, "{m}");
    let missing = img["url"]
        .as_str()
        .unwrap()
        .replace("/attachments/", "/attachments/zz");
    let bad = f.post(&format!("/v2/conversations/{cid}/messages"), json!({"actor_type": "agent", "actor_id": BOT, "message_parts": [{"image": {"url": missing}}]})).await;
    assert_eq!(
        bad.1,
        json!({"code": 400, "status": "INVALID_VALUE", "message": "IMAGE_EMPTY_CONTENT"})
    );
    let big = f
        .upload(
            "/v2/files/upload",
            "file",
            "big.bin",
            "application/octet-stream",
            &[7; 65],
        )
        .await;
    assert_eq!(big.1["message"], "FILE_SIZE_EXCEEDED");
    error(400, "INVALID_VALUE")(&f.post("/v2/files/upload", json!({})).await);
    error(400, "INVALID_VALUE")(
        &f.upload(
            "/v2/images/upload",
            "image",
            "x.txt",
            "text/plain",
            b"not an image",
        )
        .await,
    );
    let state = f.state().await;
    assert_eq!(state["uploads"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn csat_is_given_on_resolved_conversations_and_checked() {
    let f = fake(|_| {}).await;
    let cid = f.conversation(USER, "help").await;
    let rating = json!({"issue_resolved": true, "rating": 5, "feedback": "Quick answer, thanks"});
    error(400, "INVALID_VALUE")(&f.post(&format!("/v2/csat/{cid}"), rating.clone()).await);
    let (status, _) = f
        .call(
            Method::PUT,
            &format!("/v2/conversations/{cid}"),
            Some(json!({"status": "resolved"})),
        )
        .await;
    assert_eq!(status, 200);
    let (status, c) = f.post(&format!("/v2/csat/{cid}"), rating).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(
        (c["conversation_id"].as_str(), c["rating"].as_u64()),
        (Some(cid.as_str()), Some(5))
    );
    error(400, "INVALID_VALUE")(
        &f.post(&format!("/v2/csat/{cid}"), json!({"rating": 9}))
            .await,
    );
    error(404, "CONVERSATION_NOT_FOUND")(&f.post("/v2/csat/nope", json!({"rating": 3})).await);
    assert_eq!(
        f.state().await["csat"][0]["feedback"],
        "Quick answer, thanks"
    );
}

#[tokio::test]
async fn account_configuration_channels_and_business_hours() {
    let f = fake(|s| {
        s.business_hours = Some(BusinessHours {
            days: vec![1, 2, 3, 4, 5],
            start_hour: 9,
            end_hour: 17,
        });
        s.within_bh_key = "is_within_bh".to_owned();
    })
    .await;
    let (status, cfg) = f.get("/v2/accounts/configuration").await;
    assert_eq!((status, cfg["app_id"].as_str()), (200, Some(APP)));
    assert!(cfg["account_id"].is_u64());
    let anon = reqwest::get(format!(
        "{}/v2/accounts/configuration",
        f.r.url("freshchat")
    ))
    .await
    .unwrap();
    assert_eq!(anon.status(), 401);
    let (_, list) = f.get("/v2/channels").await;
    let (status, one) = f.get(&format!("/v2/channels/{CHANNEL}")).await;
    assert_eq!((status, &one), (200, &list["channels"][0]));
    error(404, "CHANNEL_NOT_FOUND")(&f.get("/v2/channels/nope").await);
    // 17:44 on a Thursday is past the 17:00 closing.
    let (_, bh) = f
        .get(&format!("/v2/business-hours/within-bh?group_id={GROUP}"))
        .await;
    assert_eq!(bh, json!({"group_id": GROUP, "is_within_bh": false}));
    f.clock.set(datetime!(2024-02-09 10:00 UTC));
    let (_, bh) = f
        .get(&format!("/v2/business-hours/within-bh?group_id={GROUP}"))
        .await;
    assert_eq!(bh["is_within_bh"], true);
    error(400, "INVALID_VALUE")(&f.get("/v2/business-hours/within-bh").await);
    error(404, "GROUP_NOT_FOUND")(&f.get("/v2/business-hours/within-bh?group_id=nope").await);
}

fn csv_rows(csv: &str) -> Vec<Vec<String>> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[tokio::test]
async fn extract_jobs_complete_and_their_csv_equals_the_state() {
    let f = fake(|s| s.extract_post_per_minute = Some(2)).await;
    let first = f.conversation(USER, "one").await;
    f.conversation(USER, "two").await;
    f.call(
        Method::PUT,
        &format!("/v2/conversations/{first}"),
        Some(json!({"status": "resolved"})),
    )
    .await;
    let window = json!({"start": "2024-02-08T00:00:00.000Z", "end": "2024-02-08T23:59:00.000Z", "event": "Conversation-Created", "format": "csv"});
    let (status, job) = f.post("/v2/reports/raw", window.clone()).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().unwrap();
    assert_eq!(
        job["link"],
        json!({"rel": "extracts", "href": format!("/reports/raw/{id}")})
    );
    let (_, pending) = f.get(&format!("/v2/reports/raw/{id}")).await;
    assert_eq!(
        (pending["status"].as_str(), &pending["links"]),
        (Some("PENDING"), &json!([]))
    );
    let (_, done) = f.get(&format!("/v2/reports/raw/{id}")).await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(
        done["interval"],
        "2024-02-08 00:00:00.000_2024-02-08 23:59:00.000"
    );
    let csv = reqwest::get(done["links"][0]["link"]["href"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let state = f.state().await;
    let from_state: Vec<Vec<String>> = state["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            [
                "conversation_id",
                "created_time",
                "user_id",
                "channel_id",
                "status",
            ]
            .iter()
            .map(|k| c[*k].as_str().unwrap().to_owned())
            .chain([String::new()])
            .collect()
        })
        .collect();
    assert_eq!(csv_rows(&csv), from_state);
    let mut messages = json!(window);
    messages["event"] = json!("Message-Sent");
    let (_, job) = f.post("/v2/reports/raw", messages).await;
    let mid = job["id"].as_str().unwrap().to_owned();
    f.get(&format!("/v2/reports/raw/{mid}")).await;
    let (_, done) = f.get(&format!("/v2/reports/raw/{mid}")).await;
    let csv = reqwest::get(done["links"][0]["link"]["href"].as_str().unwrap())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let held: usize = state["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["messages"].as_array().unwrap().len())
        .sum();
    assert_eq!(csv_rows(&csv).len(), held);
    error(429, "TOO_MANY_REQUESTS")(&f.post("/v2/reports/raw", window.clone()).await);
    f.clock.advance(Duration::from_secs(61));
    let mut bad = window.clone();
    bad["event"] = json!("Everything");
    error(400, "INVALID_VALUE")(&f.post("/v2/reports/raw", bad).await);
    let mut bad = window;
    bad["format"] = json!("json");
    error(400, "INVALID_VALUE")(&f.post("/v2/reports/raw", bad).await);
    error(404, "REPORT_NOT_FOUND")(&f.get("/v2/reports/raw/nope").await);
}

#[tokio::test]
async fn metrics_are_derived_from_the_conversations() {
    let f = fake(|_| {}).await;
    let cid = f.conversation(USER, "hi").await;
    f.conversation(USER, "again").await;
    f.clock.advance(Duration::from_secs(90));
    f.post(&format!("/v2/conversations/{cid}/messages"), json!({"actor_type": "agent", "actor_id": BOT, "message_parts": [{"text": {"content": "hello"}}]})).await;
    let window = "start=2024-02-08T00:00:00.000Z&end=2024-02-09T00:00:00.000Z";
    let value = |v: &Value| v["data"][0]["series"][0]["values"][0].clone();
    let (status, m) = f
        .get(&format!(
            "/v2/metrics/historical?metric=conversation_metrics.created_interactions&{window}"
        ))
        .await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(
        value(&m),
        json!({"key": "conversation_metrics.created_interactions", "value": "2"})
    );
    let (_, m) = f.get(&format!("/v2/metrics/historical?metric=team_performance.first_response_time&aggregator=max&{window}")).await;
    assert_eq!(value(&m)["value"], "90");
    let (_, m) = f.get(&format!("/v2/metrics/historical?metric=conversation_metrics.created_interactions&interval=1h&{window}")).await;
    assert_eq!(m["data"][0]["series"].as_array().unwrap().len(), 24);
    assert_eq!(m["data"][0]["series"][17]["values"][0]["value"], "2");
    error(400, "INVALID_VALUE")(
        &f.get(&format!("/v2/metrics/historical?metric=nope&{window}"))
            .await,
    );
    error(400, "INVALID_VALUE")(
        &f.get(&format!(
            "/v2/metrics/historical?metric=team_performance.response_time&aggregator=mode&{window}"
        ))
        .await,
    );
    error(400, "INVALID_VALUE")(
        &f.get("/v2/metrics/historical?metric=team_performance.response_time")
            .await,
    );
    let (_, online) = f
        .get("/v2/metrics/instant?metric=team_presence.online")
        .await;
    let available = f.state().await["agents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["availability_status"] == "AVAILABLE")
        .count();
    assert_eq!(online["data"][0]["values"][0]["count"], available);
    assert_eq!(online["data"][0]["values"][0]["key"], "team_member.online");
}

#[tokio::test]
async fn outbound_whatsapp_moves_on_and_unknown_templates_fail() {
    let f = fake(|_| {}).await;
    let send = |template: &str| {
        json!({"from": {"phone_number": "+919999999999"}, "provider": "whatsapp", "to": [{"phone_number": "+919876543210"}],
        "data": {"message_template": {"storage": "none", "namespace": "ns", "template_name": template, "language": {"policy": "deterministic", "code": "en"}}}})
    };
    let (status, sent) = f
        .post("/v2/outbound-messages/whatsapp", send("hello_world"))
        .await;
    assert_eq!(status, 202, "{sent}");
    let id = sent["request_id"].as_str().unwrap();
    assert_eq!(
        sent["link"]["href"],
        format!("/outbound-messages?request_id={id}")
    );
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (_, list) = f
            .get(&format!("/v2/outbound-messages?request_id={id}"))
            .await;
        seen.push(
            list["outbound_messages"][0]["status"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        assert!(list["outbound_messages"][0]["created_on"].is_i64());
    }
    assert_eq!(seen, ["Accepted", "Sent", "Delivered"]);
    let (_, failed) = f.post("/v2/outbound-messages/whatsapp", send("nope")).await;
    let (_, list) = f
        .get(&format!(
            "/v2/outbound-messages?request_id={}",
            failed["request_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (
            list["outbound_messages"][0]["status"].as_str(),
            list["outbound_messages"][0]["failure_code"].as_str()
        ),
        (Some("Failed"), Some("OBM001"))
    );
    let mut bad = send("hello_world");
    bad["to"][0]["phone_number"] = json!("919876543210");
    error(400, "INVALID_VALUE")(&f.post("/v2/outbound-messages/whatsapp", bad).await);
    let mut bad = send("hello_world");
    bad["to"] = json!([]);
    error(400, "INVALID_VALUE")(&f.post("/v2/outbound-messages/whatsapp", bad).await);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_its_headers() {
    let f = fake(|s| {
        s.rate_limit = Some(RateLimitSettings {
            limit: 2,
            window_secs: 60,
        })
    })
    .await;
    let client = reqwest::Client::new();
    let mut last = None;
    for _ in 0..3 {
        last = Some(
            client
                .get(format!("{}/v2/agents", f.r.url("freshchat")))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap(),
        );
    }
    let res = last.unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["x-ratelimit-remaining"], "0");
    assert!(res.headers().contains_key("retry-after"));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "TOO_MANY_REQUESTS");
    f.clock.advance(Duration::from_secs(60));
    let res = client
        .get(format!("{}/v2/agents", f.r.url("freshchat")))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

async fn receiver() -> MockServer {
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    hook
}

async fn bodies(hook: &MockServer, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let got = hook.received_requests().await.unwrap_or_default();
        if got.len() >= n {
            return got
                .iter()
                .map(|r| serde_json::from_slice(&r.body).unwrap())
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the receiver did not get {n} requests");
}

#[tokio::test]
async fn a_multi_site_conversation_and_its_webhook_carry_the_site_id() {
    let hook = receiver().await;
    let f = fake(|s| s.webhook.url = Some(format!("{}/hook", hook.uri()))).await;
    let (_, food) = f
        .post(
            "/v2/users",
            json!({"reference_id": "r1", "site_id": "food"}),
        )
        .await;
    let (_, pans) = f
        .post(
            "/v2/users",
            json!({"reference_id": "r1", "site_id": "pans"}),
        )
        .await;
    assert_ne!(food["id"], pans["id"]);
    let (_, one) = f.get("/v2/users/lookup?reference_id=r1&site_id=pans").await;
    assert_eq!(one["id"], pans["id"]);
    let cid = f.conversation(food["id"].as_str().unwrap(), "hi").await;
    assert_eq!(
        f.get(&format!("/v2/conversations/{cid}")).await.1["site_id"],
        "food"
    );
    let sent = bodies(&hook, 1).await;
    assert_eq!(sent[0]["data"]["message"]["site_id"], "food");
    f.call(
        Method::PUT,
        &format!("/v2/conversations/{cid}"),
        Some(json!({"status": "resolved"})),
    )
    .await;
    let sent = bodies(&hook, 2).await;
    assert_eq!(
        sent[1]["data"]["resolve"]["conversation"]["site_id"],
        "food"
    );
}

#[tokio::test]
async fn the_legacy_payload_uses_msg_parts_and_status_reopen() {
    let hook = receiver().await;
    let f = fake(|s| {
        s.webhook.url = Some(format!("{}/hook", hook.uri()));
        s.webhook.payload_format = PayloadFormat::Legacy2018;
    })
    .await;
    let cid = f.conversation(USER, "USER MESSAGE").await;
    f.call(
        Method::PUT,
        &format!("/v2/conversations/{cid}"),
        Some(json!({"status": "resolved"})),
    )
    .await;
    f.call(
        Method::PUT,
        &format!("/v2/conversations/{cid}"),
        Some(json!({"status": "reopened"})),
    )
    .await;
    let sent = bodies(&hook, 3).await;
    assert_eq!(
        sent[0]["data"]["message"]["msg_parts"],
        json!([{"properties": {"text": "USER MESSAGE"}, "part_type": "text"}])
    );
    assert!(sent[0]["data"]["message"].get("message_parts").is_none());
    assert!(sent[0]["data"]["message"].get("interaction_id").is_none());
    assert_eq!(sent[2]["action"], "conversation_reopen");
    assert_eq!(
        sent[2]["data"]["reopen"]["conversation"]["status"],
        "reopen"
    );
    assert!(
        sent[2]["data"]["reopen"]["conversation"]
            .get("channel_id")
            .is_none()
    );
}

#[tokio::test]
async fn every_new_operation_is_listed_in_coverage() {
    let f = fake(|_| {}).await;
    let cov: Value = reqwest::get(format!("{}/coverage", f.r.url("control")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = cov["vendors"]["freshchat"].to_string();
    for p in [
        "/v2/files/upload",
        "/v2/reports/raw/{id}",
        "/v2/metrics/historical",
        "/v2/outbound-messages/whatsapp",
        "/v2/csat/{id}",
        "/v2/business-hours/within-bh",
        "/attachments/{hash}/{name}",
    ] {
        assert!(text.contains(p), "{p} is not in {text}");
    }
}

/// A bot told two site ids answers each site's customers from that site's
/// knowledge (Mammut's Freshchat guide, "Soporte multicanal").
#[tokio::test]
async fn one_mammut_bot_answers_each_site_from_its_own_knowledge() {
    let site = |id: &str, answer: &str| Site {
        name: id.to_owned(),
        app_id: None,
        channel_id: None,
        site_id: Some(id.to_owned()),
        knowledge: vec![Knowledge {
            when: vec!["menu".to_owned()],
            answer: answer.to_owned(),
        }],
    };
    let f = fake_with(|c| {
        c.mammut.sites = vec![
            site("food", "Pizza and pasta"),
            site("pans", "Pots and pans"),
        ];
    })
    .await;
    let bot = json!({"user-type": "machine", "name": "freshbot", "freshchat-actor-id": BOT, "freshchat-access-token": TOKEN,
        "freshchat-app-id": APP, "freshchat-site-ids": "food,pans"});
    let res = reqwest::Client::new()
        .post(format!("{}/app:mammut-1/graph/user", f.r.url("mammut")))
        .json(&bot)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut answers = Vec::new();
    for s in ["food", "pans"] {
        let (_, u) = f
            .post("/v2/users", json!({"reference_id": "same", "site_id": s}))
            .await;
        let user = u["id"].as_str().unwrap().to_owned();
        let action = reqwest::Client::new()
            .post(format!(
                "{}/freshchat/actions/user_message",
                f.r.url("control")
            ))
            .json(&json!({"user_id": user, "text": "What is on the menu?"}))
            .send()
            .await
            .unwrap();
        assert_eq!(action.status(), 200);
        let cid = action.json::<Value>().await.unwrap()["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, c) = f.get(&format!("/v2/conversations/{cid}/messages")).await;
        answers.push(c["messages"][0]["message_parts"][0]["text"]["content"].clone());
    }
    assert_eq!(answers, [json!("Pizza and pasta"), json!("Pots and pans")]);
    let mammut: Value = reqwest::get(format!("{}/state/mammut", f.r.url("control")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sites: Vec<&Value> = mammut["received"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "answered")
        .map(|r| &r["site"])
        .collect();
    assert_eq!(sites, [&json!("food"), &json!("pans")]);
}

async fn mammut(f: &Fake, m: Method, p: &str, body: Option<Value>) -> (u16, Value) {
    let mut req =
        reqwest::Client::new().request(m, format!("{}/app:mammut-1{p}", f.r.url("mammut")));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

/// The graph beyond `user` as the Mammut client calls it (freshchat-mammut-more
/// 14): rooms, thoughts sent into them and read back newest-last, lookups, compile.
#[tokio::test]
async fn mammut_rooms_and_thoughts_are_written_and_traversed_as_the_client_does() {
    let f = fake(|_| {}).await;
    let (_, u) = mammut(
        &f,
        Method::POST,
        "/graph/user",
        Some(json!({"user-type": "normal", "name": "Ana", "main-email": "ana@example.com"})),
    )
    .await;
    let user = u["taskResult"][0]["affectedElementId"].as_u64().unwrap();
    let (status, room) = mammut(&f, Method::POST, &format!("/graph/user:{user}/create"), Some(json!({"room-type": "private", "title": "Support", "creation-date": "2019-12-07T22:00:00+00:00"}))).await;
    assert_eq!(status, 200, "{room}");
    assert_eq!(room["taskResult"][0]["affectedElementName"], "room");
    let room = room["taskResult"][0]["affectedElementId"].as_u64().unwrap();
    for (i, text) in ["one", "two", "three"].iter().enumerate() {
        let body = json!({"text": text, "creation-date": format!("2019-12-07T22:03:1{i}+00:00"), "in@room": {"id": room}});
        let (status, t) = mammut(
            &f,
            Method::POST,
            &format!("/graph/user:{user}/send:=thought"),
            Some(body),
        )
        .await;
        assert_eq!(
            (status, t["status"].as_str()),
            (200, Some("Success")),
            "{t}"
        );
    }
    let (_, last) = mammut(
        &f,
        Method::GET,
        &format!("/graph:2/room:{room}/with::thought?creation-date.last(2)"),
        None,
    )
    .await;
    assert_eq!(last["count"], 2);
    let texts: Vec<&str> = last["data"]["thought"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["text"].as_str())
        .collect();
    assert_eq!(texts, ["two", "three"]);
    let (_, mine) = mammut(
        &f,
        Method::GET,
        &format!("/graph:2/user:{user}/send::thought?creation-date.last(1)"),
        None,
    )
    .await;
    assert_eq!(mine["data"]["thought"][0]["text"], "three");
    let (_, r) = mammut(&f, Method::GET, &format!("/graph:2/room:{room}"), None).await;
    assert_eq!(r["data"]["room"][0]["create-by"]["user"][0]["name"], "Ana");
    let (_, found) = mammut(&f, Method::GET, "/unique-vertex?type-name=user&property-name=main-email&property-value=ana@example.com&depth=2", None).await;
    assert_eq!(found["data"]["user"][0]["id"], user);
    let (status, none) = mammut(
        &f,
        Method::GET,
        "/unique-vertex?type-name=user&property-name=main-email&property-value=no@example.com",
        None,
    )
    .await;
    assert_eq!((status, none["status"].as_str()), (200, Some("Failed")));
    let (_, fixed) = mammut(
        &f,
        Method::GET,
        "/fixed-vertex?type-name=user&config-id=mammut&depth=1",
        None,
    )
    .await;
    assert_eq!(fixed["data"]["user"][0]["user-type"], "machine");
    let (status, bad) = mammut(
        &f,
        Method::POST,
        &format!("/graph/user:{user}/send:=thought"),
        Some(json!({"text": "x", "in@room": {"id": 1}})),
    )
    .await;
    assert_eq!((status, bad["status"].as_str()), (200, Some("Failed")));
    let (status, _) = mammut(
        &f,
        Method::POST,
        "/actions/compile",
        Some(json!({"packageId": "slides-1", "mammutId": user})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        mammut(&f, Method::GET, "/graph:2/room:999", None).await.0,
        404
    );
}

/// An issue a supervisor resolves through the graph teaches the bot: the same
/// question is then answered (Mammut's Freshchat guide; freshchat-mammut-more 14.3).
#[tokio::test]
async fn resolving_an_issue_teaches_the_bot_its_answer() {
    let f = fake(|_| {}).await;
    let bot = json!({"user-type": "machine", "name": "freshbot", "freshchat-actor-id": BOT, "freshchat-access-token": TOKEN, "freshchat-app-id": APP});
    assert_eq!(
        mammut(&f, Method::POST, "/graph/user", Some(bot)).await.0,
        200
    );
    let ask = || async {
        let res = reqwest::Client::new()
            .post(format!(
                "{}/freshchat/actions/user_message",
                f.r.url("control")
            ))
            .json(&json!({"text": "Do you ship to Chile?"}))
            .send()
            .await
            .unwrap();
        res.json::<Value>().await.unwrap()["conversation_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    ask().await;
    let state: Value = reqwest::get(format!("{}/state/mammut", f.r.url("control")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let issue = state["thoughts"][0]["id"].as_u64().unwrap();
    let (_, read) = mammut(&f, Method::GET, &format!("/graph:1/issue:{issue}"), None).await;
    assert_eq!(read["data"]["issue"][0]["issue-state"], "open");
    let resolve = format!(
        "/graph/issue:{issue}?resolution-text=%22Yes%2C%20in%203%20days%22;issue-state=%22close%22;resolved-by@user:%7B%22id%22:8288%7D"
    );
    // The platform's fixed user is not a vertex of this graph: nothing changes.
    let (status, failed) = mammut(&f, Method::POST, &resolve, Some(json!({}))).await;
    assert_eq!((status, failed["status"].as_str()), (200, Some("Failed")));
    let (_, read) = mammut(&f, Method::GET, &format!("/graph:1/issue:{issue}"), None).await;
    assert_eq!(read["data"]["issue"][0]["issue-state"], "open");
    let (_, sup) = mammut(
        &f,
        Method::POST,
        "/graph/user",
        Some(json!({"user-type": "normal", "name": "Sup"})),
    )
    .await;
    let sup = sup["taskResult"][0]["affectedElementId"].as_u64().unwrap();
    let resolve = resolve.replace("8288", &sup.to_string());
    let (status, body) = mammut(&f, Method::POST, &resolve, Some(json!({}))).await;
    assert_eq!(status, 200, "{body}");
    let (_, read) = mammut(&f, Method::GET, &format!("/graph:1/issue:{issue}"), None).await;
    assert_eq!(
        read["data"]["issue"][0]["resolution-text"],
        "Yes, in 3 days"
    );
    assert_eq!(
        read["data"]["issue"][0]["resolved-by"]["user"][0]["id"],
        sup
    );
    let cid = ask().await;
    let (_, messages) = f.get(&format!("/v2/conversations/{cid}/messages")).await;
    assert_eq!(
        messages["messages"][0]["message_parts"][0]["text"]["content"],
        "Yes, in 3 days"
    );
}
