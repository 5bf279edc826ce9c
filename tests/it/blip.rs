//! Fake Take Blip over real sockets: the custom attendance channel's flow with
//! wiremock as the attendance platform, the guide's own envelopes
//! (fixtures/vendors/blip) checked against what the fake sends and accepts, and
//! the HTTP-level errors (REFERENCE section 6).

use std::sync::Arc;
use std::time::Duration;

use fakedesk::clock::SystemClock;
use fakedesk::config::RunConfig;
use fakedesk::server::{self, Harness, Running};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY_SENT_TO_PLATFORM: &str = "Key c2VjcmV0";

fn fixture(name: &str) -> Value {
    let p = format!(
        "{}/fixtures/vendors/blip/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&p).expect(&p)).expect("fixture is JSON")
}

/// A fixture with its `{PLACEHOLDERS}` filled in.
fn filled(name: &str, values: &[(&str, &str)]) -> Value {
    let mut text = fixture(name).to_string();
    for (k, v) in values {
        text = text.replace(&format!("{{{k}}}"), v);
    }
    serde_json::from_str(&text).expect("still JSON")
}

pub(crate) struct Blip {
    pub(crate) running: Running,
    pub(crate) http: reqwest::Client,
    pub(crate) key: String,
}

pub(crate) async fn blip(
    platform: Option<&MockServer>,
    tweak: impl FnOnce(&mut RunConfig),
) -> Blip {
    let mut config = RunConfig::ephemeral();
    if let Some(p) = platform {
        config.blip.attendance.url = format!("{}/blip", p.uri());
        config.blip.attendance.key = KEY_SENT_TO_PLATFORM.to_owned();
    }
    config.blip.attendance.retry_base_delay_ms = 1;
    tweak(&mut config);
    let key = config.blip.bots[0].key.clone();
    let harness = Harness::new(config, Arc::new(SystemClock)).unwrap();
    Blip {
        running: server::start(harness).await.unwrap(),
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        key,
    }
}

pub(crate) async fn platform() -> MockServer {
    let p = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/blip"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&p)
        .await;
    p
}

impl Blip {
    pub(crate) async fn post(&self, path: &str, auth: Option<&str>, body: &str) -> (u16, Value) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.running.url("blip")))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub(crate) async fn send(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post(path, Some(&format!("Key {}", self.key)), &body.to_string())
            .await
    }

    pub(crate) async fn action(&self, name: &str, body: Value) -> (u16, Value) {
        let res = self
            .http
            .post(format!(
                "{}/blip/actions/{name}",
                self.running.url("control")
            ))
            .json(&body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    pub(crate) async fn state(&self) -> Value {
        let url = format!("{}/state/blip", self.running.url("control"));
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// The bodies the platform received, in order; waits (bounded) for `n` of them.
pub(crate) async fn received(p: &MockServer, n: usize) -> Vec<Value> {
    for _ in 0..200 {
        let got = p.received_requests().await.unwrap_or_default();
        if got.len() >= n {
            return got.iter().map(|r| r.body_json().unwrap()).collect();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the platform did not receive {n} pushes");
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[tokio::test]
async fn the_new_ticket_push_has_the_guides_envelope_and_carries_the_key() {
    let p = platform().await;
    let b = blip(Some(&p), |_| {}).await;
    let (status, handoff) = b
        .action(
            "handoff",
            json!({"customer": "2627641447@messenger.gw.msging.net", "text": "Hello world!"}),
        )
        .await;
    assert_eq!(status, 200, "{handoff}");
    assert_eq!(handoff["delivery"]["delivered"], true);
    let req = &p.received_requests().await.unwrap()[0];
    assert_eq!(req.headers["authorization"], KEY_SENT_TO_PLATFORM);
    let got: Value = req.body_json().unwrap();
    let id = got["content"]["id"].as_str().unwrap().to_owned();
    let seq = got["content"]["sequentialId"].to_string();
    let guide = filled(
        "new_ticket_message.json",
        &[
            ("TICKET_ID", &id),
            ("BOT_ID", "fakedeskbot@msging.net"),
            ("CUSTOMER_ID", "2627641447@messenger.gw.msging.net"),
            ("CUSTOMER_DOMAIN", "messenger.gw.msging.net"),
        ],
    );
    // The envelope: exactly the guide's keys and values (no `to`).
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&got), keys(&guide));
    for k in ["type", "id", "from"] {
        assert_eq!(got[k], guide[k], "{k}");
    }
    // The ticket: every field the guide shows, same value where it is not a
    // placeholder or a date. `sequentialId` is a placeholder string in the guide and
    // a number in the Desk docs (create_ticket_response.json).
    for (k, v) in guide["content"].as_object().unwrap() {
        match k.as_str() {
            "storageDate" => assert_eq!(
                got["content"][k].as_str().unwrap().len(),
                v.as_str().unwrap().len()
            ),
            "sequentialId" => assert_eq!(
                kind(&got["content"][k]),
                kind(&fixture("create_ticket_response.json")["resource"][k]),
                "{seq}"
            ),
            _ => assert_eq!(&got["content"][k], v, "{k}"),
        }
    }
}

#[tokio::test]
async fn the_ticket_resource_has_the_docs_fields_and_types() {
    let b = blip(None, |_| {}).await;
    let docs = fixture("create_ticket_response.json");
    let (status, res) = b
        .send(
            "/commands",
            &json!({"id": "5bdf8386", "to": "postmaster@desk.msging.net", "method": "set", "uri": "/tickets",
                    "type": "application/vnd.iris.ticket+json", "resource": {"customerIdentity": "2627641447@messenger.gw.msging.net"}}),
        )
        .await;
    assert_eq!(status, 200);
    let keys = |v: &Value| {
        let mut k = v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        k.sort();
        k
    };
    assert_eq!(keys(&res), keys(&docs));
    assert_eq!(res["id"], "5bdf8386");
    for k in ["type", "method", "status", "from"] {
        assert_eq!(res[k], docs[k], "{k}");
    }
    assert_eq!(res["to"], "fakedeskbot@msging.net");
    for (k, v) in docs["resource"].as_object().unwrap() {
        // sequentialSuffix is set per bot in the portal; the seeded bot has none.
        if k == "sequentialSuffix" {
            assert!(res["resource"].get(k).is_none());
            continue;
        }
        assert_eq!(kind(&res["resource"][k]), kind(v), "{k}");
    }
    for k in [
        "provider",
        "status",
        "team",
        "customerDomain",
        "customerInput",
        "rating",
        "closed",
    ] {
        assert_eq!(res["resource"][k], docs["resource"][k], "{k}");
    }
    let storage = res["resource"]["storageDate"].as_str().unwrap();
    assert_eq!(storage.len(), "2019-12-04T13:45:25.664Z".len());
    assert!(storage.ends_with('Z') && storage.as_bytes()[19] == b'.');
}

#[tokio::test]
async fn the_guides_flow_runs_end_to_end_and_a_closed_ticket_stays_closed() {
    let p = platform().await;
    let b = blip(Some(&p), |_| {}).await;
    // 1. A new ticket reaches the platform.
    let (_, handoff) = b
        .action(
            "handoff",
            json!({"customer": "5511@wa.gw.msging.net", "text": "I need a human"}),
        )
        .await;
    let id = handoff["ticket"]["id"].as_str().unwrap().to_owned();
    received(&p, 1).await;
    // Before an agent takes it, customer messages are kept but not forwarded.
    let (_, early) = b
        .action("customer_message", json!({"ticket": id, "text": "hello?"}))
        .await;
    assert_eq!(early["forwarded"], false);
    // 2. The platform assigns an agent, with the guide's command.
    let ids = [
        ("TICKET_ID", id.as_str()),
        ("AGENT_ID", "ana%40example.com@blip.ai"),
        ("COMMAND_ID", "c1"),
    ];
    let (status, res) = b
        .send("/commands", &filled("assign_command.json", &ids))
        .await;
    assert_eq!(
        (status, &res["status"], &res["id"], &res["method"]),
        (200, &json!("success"), &json!("c1"), &json!("set"))
    );
    assert!(res.get("resource").is_none());
    // 3. A customer message is forwarded as the guide shows.
    let (_, said) = b
        .action(
            "customer_message",
            json!({"ticket": id, "type": "application/vnd.lime.media-link+json",
            "content": {"type": "image/jpeg", "uri": "https://example.com/a.jpg"}}),
        )
        .await;
    let msg_id = said["id"].as_str().unwrap();
    let pushes = received(&p, 2).await;
    let guide = filled(
        "customer_message.json",
        &[("TICKET_ID", &id), ("MESSAGE_ID", msg_id)],
    );
    assert_eq!(pushes[1]["id"], guide["id"]);
    assert_eq!(pushes[1]["from"], guide["from"]);
    assert_eq!(pushes[1]["type"], "application/vnd.lime.media-link+json");
    assert_eq!(pushes[1]["content"]["uri"], "https://example.com/a.jpg");
    // 4. The agent answers with the guide's message: 202, and the customer has it.
    let answer = filled(
        "agent_message.json",
        &[("TICKET_ID", &id), ("MESSAGE_ID", "m1")],
    );
    assert_eq!(b.send("/messages", &answer).await.0, 202);
    let state = b.state().await;
    let transcript = &state["tickets"][&id]["transcript"];
    assert_eq!(transcript.as_array().unwrap().len(), 4);
    assert_eq!(transcript[3]["direction"], "sent");
    assert_eq!(transcript[3]["content"], answer["content"]);
    // The Desk lists the messages too.
    let (_, msgs) = b
        .send("/commands", &json!({"id": "l1", "to": "postmaster@desk.msging.net", "method": "get", "uri": format!("/tickets/{id}/messages")}))
        .await;
    assert_eq!(msgs["resource"]["total"], 4);
    // 5. The platform closes; nothing changes the ticket after that.
    let ids = [("TICKET_ID", id.as_str()), ("COMMAND_ID", "c2")];
    let (_, res) = b
        .send("/commands", &filled("close_command.json", &ids))
        .await;
    assert_eq!(res["status"], "success");
    let ids = [
        ("TICKET_ID", id.as_str()),
        ("AGENT_ID", "bob@blip.ai"),
        ("COMMAND_ID", "c3"),
    ];
    let (status, res) = b
        .send("/commands", &filled("assign_command.json", &ids))
        .await;
    assert_eq!(
        (status, &res["status"], &res["reason"]["code"]),
        (200, &json!("failure"), &json!(66))
    );
    let (_, res) = b
        .send("/commands", &json!({"id": "g", "to": "postmaster@desk.msging.net", "method": "get", "uri": format!("/ticket/{id}")}))
        .await;
    assert_eq!(res["resource"]["status"], "ClosedAttendant");
    assert_eq!(res["resource"]["closed"], true);
    assert_eq!(
        res["resource"]["agentIdentity"],
        "ana%40example.com@blip.ai"
    );
    // A message on the closed ticket and one on an unknown ticket: 202, then a
    // failed notification to the platform.
    let late = filled(
        "agent_message.json",
        &[("TICKET_ID", &id), ("MESSAGE_ID", "m2")],
    );
    assert_eq!(b.send("/messages", &late).await.0, 202);
    let ghost = filled(
        "agent_message.json",
        &[("TICKET_ID", "no-such-ticket"), ("MESSAGE_ID", "m3")],
    );
    assert_eq!(b.send("/messages", &ghost).await.0, 202);
    let pushes = received(&p, 4).await;
    let failed: Vec<(&Value, &Value)> = pushes[2..]
        .iter()
        .map(|n| (&n["id"], &n["reason"]["code"]))
        .collect();
    assert!(failed.contains(&(&json!("m2"), &json!(66))), "{failed:?}");
    assert!(failed.contains(&(&json!("m3"), &json!(42))), "{failed:?}");
    assert!(pushes[2..].iter().all(|n| n["event"] == "failed"));
    // The bot got the end of attendance.
    let state = b.state().await;
    assert_eq!(
        state["bot_inbox"][0]["type"],
        "application/vnd.lime.redirect+json"
    );
    assert_eq!(
        state["bot_inbox"][0]["content"]["context"]["value"]["id"],
        json!(id)
    );
    // The state lists the failed notifications too.
    let listed: Vec<(&Value, &Value)> = state["failed"]
        .as_array()
        .expect("failed is a list")
        .iter()
        .map(|n| (&n["id"], &n["reason"]["code"]))
        .collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.contains(&(&json!("m2"), &json!(66))), "{listed:?}");
    assert!(listed.contains(&(&json!("m3"), &json!(42))), "{listed:?}");
    // And the customer cannot write on it any more.
    let (status, _) = b
        .action("customer_message", json!({"ticket": id, "text": "?"}))
        .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn a_customer_close_is_pushed_as_a_status_message_and_transfers_make_a_new_ticket() {
    let p = platform().await;
    let b = blip(Some(&p), |_| {}).await;
    let (_, h) = b
        .action(
            "handoff",
            json!({"customer": "1@wa.gw.msging.net", "text": "hi"}),
        )
        .await;
    let first = h["ticket"]["id"].as_str().unwrap().to_owned();
    let (_, t) = b
        .send("/commands", &json!({"id": "t", "to": "postmaster@desk.msging.net", "method": "set",
            "uri": format!("/tickets/{first}/transfer"), "type": "application/vnd.iris.ticket+json", "resource": {"team": "Sales"}}))
        .await;
    assert_eq!(t["resource"]["status"], "Waiting");
    assert_eq!(
        t["resource"]["parentSequentialId"],
        h["ticket"]["sequentialId"]
    );
    let second = t["resource"]["id"].as_str().unwrap().to_owned();
    let (status, closed) = b
        .action("customer_close", json!({"customer": "1@wa.gw.msging.net"}))
        .await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["ticket"]["id"], json!(second));
    let pushes = received(&p, 3).await;
    assert_eq!(pushes[1]["id"], json!(format!("Ticket:{second}:Waiting")));
    assert_eq!(
        pushes[2]["id"],
        json!(format!("Ticket:{second}:ClosedClient"))
    );
    assert_eq!(pushes[2]["content"]["closedBy"], "1@wa.gw.msging.net");
}

#[tokio::test]
async fn a_platform_that_fails_is_retried_and_every_attempt_is_recorded() {
    let p = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&p)
        .await;
    let b = blip(Some(&p), |c| c.blip.attendance.max_retries = 2).await;
    let (status, h) = b.action("handoff", json!({"text": "hi"})).await;
    assert_eq!(status, 200);
    assert_eq!(h["delivery"]["delivered"], false);
    assert_eq!(h["delivery"]["attempts"].as_array().unwrap().len(), 3);
    assert_eq!(p.received_requests().await.unwrap().len(), 3);
    let state = b.state().await;
    assert_eq!(state["deliveries"][0]["status"], "failed");
    let journal: Value = b
        .http
        .get(format!("{}/journal?vendor=blip", b.running.url("control")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let attempts: Vec<&Value> = journal["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["attempt"])
        .collect();
    assert_eq!(attempts, [&json!(1), &json!(2), &json!(3)]);
}

#[tokio::test]
async fn the_key_header_is_configurable_and_an_empty_key_sends_none() {
    let p = platform().await;
    let b = blip(Some(&p), |c| {
        c.blip.attendance.key_header = "X-Blip-Key".into()
    })
    .await;
    b.action("handoff", json!({"text": "hi"})).await;
    let req = &p.received_requests().await.unwrap()[0];
    assert_eq!(req.headers["x-blip-key"], KEY_SENT_TO_PLATFORM);
    assert!(req.headers.get("authorization").is_none());
    let p2 = platform().await;
    let b = blip(Some(&p2), |c| c.blip.attendance.key = String::new()).await;
    b.action("handoff", json!({"text": "hi"})).await;
    assert!(
        p2.received_requests().await.unwrap()[0]
            .headers
            .get("authorization")
            .is_none()
    );
}

#[tokio::test]
async fn bad_keys_get_401_and_malformed_envelopes_get_lime_failures_not_500s() {
    let b = blip(None, |_| {}).await;
    let cmd = r#"{"id":"1","to":"postmaster@desk.msging.net","method":"get","uri":"/tickets"}"#;
    for auth in [
        None,
        Some("Key nope"),
        Some("Bearer x"),
        Some(&*format!("Basic {}", b.key)),
    ] {
        let (status, body) = b.post("/commands", auth, cmd).await;
        assert_eq!(status, 401, "{auth:?}");
        assert_eq!(body["status"], "failure");
    }
    let key = format!("key {}", b.key);
    assert_eq!(
        b.post("/commands", Some(&key), cmd).await.0,
        200,
        "the scheme ignores case"
    );
    let key = format!("Key {}", b.key);
    for (path, body) in [
        ("/commands", "{"),
        ("/commands", "[1]"),
        ("/commands", ""),
        (
            "/commands",
            r#"{"id":"7","method":"fetch","uri":"/tickets"}"#,
        ),
        ("/commands", r#"{"id":"7","method":"get"}"#),
        (
            "/messages",
            r#"{"id":"7","type":"text/plain","content":"hi"}"#,
        ),
        (
            "/messages",
            r#"{"id":"7","to":"a@b.c","type":"text/plain","content":{"x":1}}"#,
        ),
        ("/notifications", r#"{"id":"7","event":"seen"}"#),
    ] {
        let (status, res) = b.post(path, Some(&key), body).await;
        assert_eq!(status, 400, "{path} {body}");
        assert_eq!(res["status"], "failure");
        assert_eq!(res["reason"]["code"], 21, "{path} {body}");
    }
    let (_, res) = b
        .post(
            "/commands",
            Some(&key),
            r#"{"id":"7","method":"fetch","uri":"/tickets"}"#,
        )
        .await;
    assert_eq!(res["id"], "7", "a 400 echoes the id it could read");
    let desk = |method: &str, uri: &str| json!({"id": "x", "to": "postmaster@desk.msging.net", "method": method, "uri": uri});
    for (cmd, code) in [
        (desk("get", "/no-such-thing"), 62),
        (desk("delete", "/tickets"), 63),
        (desk("get", "/ticket/nope"), 67),
        (desk("get", "/tickets?$take=abc"), 64),
        (json!({"id": "x", "method": "get", "uri": "/tickets"}), 62),
    ] {
        let (status, res) = b.send("/commands", &cmd).await;
        assert_eq!(status, 200, "{cmd}");
        assert_eq!(
            (&res["status"], &res["reason"]["code"]),
            (&json!("failure"), &json!(code)),
            "{cmd}"
        );
        assert_eq!(res["id"], "x");
    }
    assert_eq!(b.post("/other", Some(&key), "{}").await.0, 404);
    let res = b
        .http
        .get(format!("{}/commands", b.running.url("blip")))
        .header("authorization", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(
        b.send("/notifications", &json!({"id": "m", "event": "consumed"}))
            .await
            .0,
        202
    );
    assert_eq!(b.state().await["notifications"][0]["event"], "consumed");
}

#[tokio::test]
async fn replies_honour_connection_close() {
    let b = blip(None, |_| {}).await;
    let res = b
        .http
        .post(format!("{}/commands", b.running.url("blip")))
        .header("authorization", format!("Key {}", b.key))
        .header("connection", "close")
        .body(r#"{"id":"1","to":"postmaster@desk.msging.net","method":"get","uri":"/tickets"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["connection"], "close");
    assert_eq!(res.headers()["content-type"], "application/json");
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["resource"]["itemType"],
        "application/vnd.iris.ticket+json"
    );
}
