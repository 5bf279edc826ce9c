//! Freshchat's REST API v2, its signed webhooks, and fake Mammut (the graph API and
//! the bot), over real sockets on OS-chosen ports.

use std::collections::BTreeSet;
use std::time::Duration;

use base64::Engine as _;
use fakedesk::clock::ManualClock;
use fakedesk::config::RunConfig;
use fakedesk::server::{self, Harness, Running};
use serde_json::{Value, json};
use time::macros::datetime;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.ZmFrZWRlc2stZnJlc2hjaGF0.fakedesk0freshchat0api0token";
const USER: &str = "f5c4a000-0000-4000-8000-0000000000c1";
const BOT: &str = "f5c4a000-0000-4000-8000-0000000000b0";

async fn running(tweak: impl FnOnce(&mut RunConfig)) -> Running {
    let mut config = RunConfig::ephemeral();
    tweak(&mut config);
    let clock = std::sync::Arc::new(ManualClock::new(datetime!(2024-02-08 17:44:38.250 UTC)));
    server::start(Harness::new(config, clock).unwrap())
        .await
        .unwrap()
}

fn fixture(path: &str) -> Value {
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/vendors/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every key path of a JSON value (`data.message.app_id`), list items as `[]`.
fn key_paths(v: &Value, at: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}.{k}");
                out.insert(p.clone());
                key_paths(x, &p, out);
            }
        }
        Value::Array(items) => {
            for x in items {
                key_paths(x, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    key_paths(v, "", &mut out);
    out
}

async fn call(
    method: reqwest::Method,
    url: String,
    auth: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(t) = auth {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn fc(r: &Running, m: reqwest::Method, p: &str, body: Option<Value>) -> (u16, Value) {
    call(m, format!("{}{p}", r.url("freshchat")), Some(TOKEN), body).await
}

/// Waits (bounded) until the receiver has `n` requests.
async fn received(hook: &MockServer, n: usize) -> Vec<wiremock::Request> {
    for _ in 0..200 {
        let got = hook.received_requests().await.unwrap_or_default();
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the receiver did not get {n} requests");
}

async fn receiver(status: u16) -> MockServer {
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&hook)
        .await;
    hook
}

async fn conversation(r: &Running, text: &str) -> String {
    let (status, c) = fc(
        r,
        reqwest::Method::POST,
        "/v2/conversations",
        Some(json!({"app_id": null, "users": [{"id": USER}], "properties": null,
            "messages": [{"message_parts": [{"text": {"content": text}}], "actor_type": "user", "actor_id": USER, "message_type": "normal", "user_id": null}]})),
    )
    .await;
    assert_eq!(status, 200, "{c}");
    c["conversation_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_api_needs_the_bearer_token_and_errors_have_the_documented_envelope() {
    let r = running(|_| {}).await;
    let (status, body) = call(
        reqwest::Method::GET,
        format!("{}/v2/agents", r.url("freshchat")),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, &body["code"], &body["status"]),
        (401, &json!(401), &json!("UNAUTHORIZED"))
    );
    let (status, body) = call(
        reqwest::Method::GET,
        format!("{}/v2/agents", r.url("freshchat")),
        Some("wrong"),
        None,
    )
    .await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = fc(&r, reqwest::Method::GET, "/v2/agents/nobody", None).await;
    assert_eq!(status, 404);
    assert_eq!(body, fixture("freshchat/error_agent_not_found.json"));
    let (status, body) = fc(&r, reqwest::Method::DELETE, "/v2/agents", None).await;
    assert_eq!((status, &body["code"]), (405, &json!(405)));
    let (status, body) = fc(
        &r,
        reqwest::Method::POST,
        "/v2/conversations",
        Some(json!({"users": [{"id": USER}], "messages": [{"message_parts": [{"text": {}}], "actor_type": "user"}]})),
    )
    .await;
    assert_eq!(
        (status, &body["status"]),
        (400, &json!("BAD_REQUEST")),
        "{body}"
    );
    r.shutdown().await;
}

#[tokio::test]
async fn users_agents_groups_and_paged_messages_follow_the_reference() {
    let r = running(|c| c.freshchat.webhook.enabled = false).await;
    let (status, u) = fc(
        &r,
        reqwest::Method::POST,
        "/v2/users",
        Some(json!({"first_name": "Bo", "last_name": null, "email": "bo@example.com", "reference_id": "ext-9", "phone": null, "properties": [{"name": "plan", "value": "pro"}]})),
    )
    .await;
    assert_eq!(status, 200, "{u}");
    let uuid =
        regex::Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
            .unwrap();
    assert!(uuid.is_match(u["id"].as_str().unwrap()), "{u}");
    assert_eq!(u["created_time"], "2024-02-08T17:44:38.250Z");
    let (_, found) = fc(
        &r,
        reqwest::Method::GET,
        "/v2/users?email=bo@example.com",
        None,
    )
    .await;
    assert_eq!(found["users"][0]["id"], u["id"]);
    let (_, looked) = fc(
        &r,
        reqwest::Method::GET,
        "/v2/users/lookup?reference_id=ext-9",
        None,
    )
    .await;
    assert_eq!(looked["id"], u["id"]);
    let (_, agents) = fc(
        &r,
        reqwest::Method::GET,
        "/api/v2/agents?items_per_page=1&page=2",
        None,
    )
    .await;
    assert_eq!(agents["agents"][0]["id"], BOT);
    assert_eq!(
        agents["pagination"],
        json!({"total_items": 2, "total_pages": 2, "current_page": 2, "items_per_page": 1})
    );
    assert_eq!(
        agents["links"]["previous_page"]["href"],
        "/api/v2/agents?page=1&items_per_page=1"
    );
    let (_, groups) = fc(&r, reqwest::Method::GET, "/v2/groups?name=Sales", None).await;
    assert_eq!(groups["groups"].as_array().unwrap().len(), 1);
    let id = conversation(&r, "one").await;
    for text in ["two", "three"] {
        let (status, m) = fc(
            &r,
            reqwest::Method::POST,
            &format!("/v2/conversations/{id}/messages"),
            Some(json!({"message_parts": [{"text": {"content": text}}], "actor_type": "agent", "actor_id": BOT, "user_id": null})),
        )
        .await;
        assert_eq!((status, &m["conversation_id"]), (200, &json!(id)), "{m}");
    }
    let (_, page) = fc(
        &r,
        reqwest::Method::GET,
        &format!("/v2/conversations/{id}/messages?items_per_page=2"),
        None,
    )
    .await;
    assert_eq!(page["pagination"]["total_items"], 3);
    assert!(
        page["link"]["next_page"]["href"]
            .as_str()
            .unwrap()
            .contains("page=2")
    );
    let (status, past) = fc(
        &r,
        reqwest::Method::GET,
        &format!("/v2/conversations/{id}/messages?page=9"),
        None,
    )
    .await;
    assert_eq!((status, &past["status"]), (400, &json!("WRONG_PAGE")));
    let (status, c) = fc(
        &r,
        reqwest::Method::PUT,
        &format!("/v2/conversations/{id}"),
        Some(json!({"status": "resolved", "assigned_agent_id": BOT})),
    )
    .await;
    assert_eq!(
        (status, &c["status"], &c["assigned_agent_id"]),
        (200, &json!("resolved"), &json!(BOT)),
        "{c}"
    );
    r.shutdown().await;
}

/// Checks `signature` over `body` with the `openssl` tool and the PEM the control
/// API serves: a verifier that shares no code with fakedesk. `None` when the tool
/// is missing.
fn openssl_verifies(pem: &str, body: &[u8], signature: &str) -> Option<bool> {
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("fakedesk-fc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sig = base64::engine::general_purpose::STANDARD
        .decode(signature)
        .unwrap();
    std::fs::write(dir.join("pub.pem"), pem).unwrap();
    std::fs::write(dir.join("body"), body).unwrap();
    std::fs::write(dir.join("sig"), sig).unwrap();
    let out = std::process::Command::new("openssl")
        .args([
            "dgst",
            "-sha256",
            "-verify",
            "pub.pem",
            "-signature",
            "sig",
            "body",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Some(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Verified OK"))
}

#[tokio::test]
async fn a_delivery_is_signed_over_its_exact_bytes_and_verifies_outside_fakedesk() {
    let hook = receiver(200).await;
    let url = format!("{}/hook", hook.uri());
    let r = running(|c| c.freshchat.webhook.url = Some(url)).await;
    conversation(&r, "hello").await;
    let got = received(&hook, 1).await;
    let req = &got[0];
    let header = |n: &str| req.headers.get(n).unwrap().to_str().unwrap().to_owned();
    assert_eq!(header("x-retry-count"), "0");
    assert_eq!(header("x-freshchat-payload-version"), "1");
    let spki = reqwest::get(format!(
        "{}/freshchat/public-key?format=spki",
        r.url("control")
    ))
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(spki.starts_with("-----BEGIN PUBLIC KEY-----"), "{spki}");
    let sig = header("x-freshchat-signature");
    match openssl_verifies(&spki, &req.body, &sig) {
        Some(ok) => assert!(ok, "openssl does not verify the signature"),
        None => eprintln!(
            "SKIPPED: the openssl tool is not installed; the signature was not verified independently"
        ),
    }
    let mut tampered = req.body.clone();
    tampered.push(b' ');
    if let Some(ok) = openssl_verifies(&spki, &tampered, &sig) {
        assert!(!ok, "a changed body must not verify");
    }
    // Faithfulness: the documented sample's keys, plus `message_type` (2021 sample).
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    let ours = keys(&body);
    let documented = keys(&fixture("freshchat/message_create.json"));
    assert_eq!(
        ours.difference(&documented).collect::<Vec<_>>(),
        [".data.message.message_type"]
    );
    assert!(documented.is_subset(&ours));
    assert_eq!(body["data"]["message"]["actor_type"], "user");
    r.shutdown().await;
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_a_growing_retry_count_and_each_is_journaled() {
    let hook = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&hook)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&hook)
        .await;
    let url = format!("{}/hook", hook.uri());
    let r = running(|c| {
        c.freshchat.webhook.url = Some(url);
        c.freshchat.webhook.retry_base_delay_ms = 1;
    })
    .await;
    conversation(&r, "hello").await;
    let got = received(&hook, 3).await;
    let counts: Vec<&str> = got
        .iter()
        .map(|q| q.headers.get("x-retry-count").unwrap().to_str().unwrap())
        .collect();
    assert_eq!(counts, ["0", "1", "2"]);
    let sigs: BTreeSet<&str> = got
        .iter()
        .map(|q| {
            q.headers
                .get("x-freshchat-signature")
                .unwrap()
                .to_str()
                .unwrap()
        })
        .collect();
    assert_eq!(sigs.len(), 1, "the same bytes, the same signature");
    // An attempt is journaled once its answer is back, which can be just after the
    // receiver has it: wait (bounded) for the third.
    let attempts = || -> Vec<u32> {
        r.harness
            .journal
            .entries(&Default::default())
            .iter()
            .filter_map(|e| e.exchange.outbound.as_ref().map(|o| o.attempt))
            .collect()
    };
    let mut wake = r.harness.journal.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while attempts().len() < 3
        && matches!(
            tokio::time::timeout_at(deadline, wake.changed()).await,
            Ok(Ok(()))
        )
    {}
    assert_eq!(attempts(), [1, 2, 3]);
    r.shutdown().await;
}

#[tokio::test]
async fn a_user_writing_in_a_resolved_conversation_reopens_it_as_documented() {
    let hook = receiver(200).await;
    let url = format!("{}/hook", hook.uri());
    let r = running(|c| c.freshchat.webhook.url = Some(url)).await;
    let id = conversation(&r, "hello").await;
    let (status, _) = fc(
        &r,
        reqwest::Method::PUT,
        &format!("/v2/conversations/{id}"),
        Some(json!({"status": "resolved"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = fc(
        &r,
        reqwest::Method::POST,
        &format!("/v2/conversations/{id}/messages"),
        Some(json!({"message_parts": [{"text": {"content": "again"}}], "actor_type": "user", "actor_id": USER})),
    )
    .await;
    assert_eq!(status, 200);
    let got = received(&hook, 4).await;
    let bodies: Vec<Value> = got
        .iter()
        .map(|q| serde_json::from_slice(&q.body).unwrap())
        .collect();
    let actions: Vec<&str> = bodies
        .iter()
        .map(|b| b["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "message_create",
            "conversation_resolution",
            "conversation_reopen",
            "message_create"
        ]
    );
    assert_eq!(
        keys(&bodies[2]),
        keys(&fixture("freshchat/conversation_reopen.json"))
    );
    r.shutdown().await;
}

#[tokio::test]
async fn mammut_creates_updates_and_reads_bots_and_names_missing_fields() {
    let r = running(|_| {}).await;
    let base = format!("{}/app:mammut-1/graph/user", r.url("mammut"));
    let (status, created) = call(
        reqwest::Method::POST,
        base.clone(),
        None,
        Some(fixture("mammut/create_machine_user.json")),
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let documented = fixture("mammut/task_result.json");
    assert_eq!(created["status"], documented["status"]);
    let first = |v: &Value| keys(&v["taskResult"][0]);
    assert_eq!(first(&created), first(&documented));
    let id = created["taskResult"][0]["affectedElementId"]
        .as_u64()
        .unwrap();
    let (status, _) = call(
        reqwest::Method::POST,
        format!("{base}:{id}?freshchat-actor-id=%22a2%22&group-name=Sales"),
        None,
        Some(json!({"user-type": "", "main-email": "", "name": "", "mattermost-user-id": null})),
    )
    .await;
    assert_eq!(status, 200);
    let (_, read) = call(reqwest::Method::GET, format!("{base}:{id}"), None, None).await;
    assert_eq!(read["data"]["user"][0]["freshchat-actor-id"], "a2");
    assert_eq!(read["data"]["user"][0]["freshchat-group-name"], "Sales");
    let (status, err) = call(
        reqwest::Method::POST,
        base.clone(),
        None,
        Some(json!({"user-type": "machine", "freshchat-app-id": "x"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("freshchat-actor-id"),
        "{err}"
    );
    let (status, _) = call(reqwest::Method::GET, format!("{base}:999999"), None, None).await;
    assert_eq!(status, 404);
    r.shutdown().await;
}

#[tokio::test]
async fn the_bot_refuses_a_webhook_whose_signature_does_not_verify() {
    let r = running(|_| {}).await;
    let res = reqwest::Client::new()
        .post(format!("{}/channels/freshchat/", r.url("mammut")))
        .header("x-freshchat-signature", "AAAA")
        .body(fixture("freshchat/message_create.json").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    r.shutdown().await;
}

#[tokio::test]
async fn conversation_fields_are_listed_not_taken_for_a_conversation_id() {
    let r = running(|_| {}).await;
    for base in ["/v2", "/api/v2"] {
        let (status, body) = fc(
            &r,
            reqwest::Method::GET,
            &format!("{base}/conversations/fields"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let fields = body
            .as_array()
            .expect("a top-level array, as Freshchat answers");
        let priority = fields
            .iter()
            .find(|f| f["name"] == "priority")
            .expect("the built-in priority");
        let values: Vec<&Value> = priority["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["value"])
            .collect();
        assert_eq!(values, ["Low", "Medium", "High", "Urgent"]);
        assert_eq!(priority["custom"], false);
    }
    let (status, body) = fc(&r, reqwest::Method::GET, "/v2/conversations/nope", None).await;
    assert_eq!(
        (status, &body["status"]),
        (404, &serde_json::json!("CONVERSATION_NOT_FOUND")),
        "{body}"
    );
}
