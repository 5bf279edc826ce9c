//! The inspector's data over real sockets: the live journal stream, one entry, the
//! signature check, HAR export (validated against the HAR 1.2 schema), the OpenAPI
//! document against the routes served, `fakedesk tail` and `fakedesk run --har`.

use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::time::Duration;

use fakedesk::clock::SystemClock;
use fakedesk::config::RunConfig;
use fakedesk::server::{self, Harness, Running};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn running(tweak: impl FnOnce(&mut RunConfig)) -> Running {
    let mut config = RunConfig::ephemeral();
    tweak(&mut config);
    let harness = Harness::new(config, Arc::new(SystemClock)).unwrap();
    server::start(harness).await.unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

async fn create_ticket(r: &Running, subject: &str) {
    let resp = client()
        .post(format!("{}/api/v2/tickets.json", r.url("zendesk")))
        .basic_auth(
            "admin@fakedesk.test/token",
            Some("fakedesk0zendesk0api0token0000000000000"),
        )
        .json(&json!({"ticket": {"subject": subject, "comment": {"body": "x"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
}

async fn get(url: String) -> (u16, Value) {
    let r = client().get(url).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

/// Reads server-sent events from a response until `n` data events arrived.
async fn events(resp: &mut reqwest::Response, n: usize) -> Vec<fakedesk::tail::Event> {
    let mut parser = fakedesk::tail::Parser::default();
    let mut out = Vec::new();
    while out.len() < n {
        let chunk = tokio::time::timeout(Duration::from_secs(10), resp.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("the stream stays open");
        out.extend(parser.feed(&chunk));
    }
    out
}

async fn stream(r: &Running, query: &str, last_id: Option<u64>) -> reqwest::Response {
    let mut req = client().get(format!("{}/journal/stream{query}", r.url("control")));
    if let Some(id) = last_id {
        req = req.header("last-event-id", id.to_string());
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    resp
}

#[tokio::test]
async fn the_stream_sends_each_entry_as_it_happens_and_resumes_after_last_event_id() {
    let r = running(|_| {}).await;
    create_ticket(&r, "before").await;
    let mut live = stream(&r, "", None).await;
    let first = events(&mut live, 1).await;
    assert_eq!(
        first[0].id,
        Some(1),
        "the journal's current entries come first"
    );
    // An entry recorded after connecting arrives without asking again.
    create_ticket(&r, "after").await;
    let second = events(&mut live, 1).await;
    assert_eq!(second[0].id, Some(2));
    let e: Value = serde_json::from_str(&second[0].data).unwrap();
    assert_eq!(
        (
            &e["vendor"],
            &e["direction"],
            &e["method"],
            &e["path"],
            &e["status"]
        ),
        (
            &json!("zendesk"),
            &json!("inbound"),
            &json!("POST"),
            &json!("/api/v2/tickets.json"),
            &json!(201)
        )
    );
    drop(live);
    create_ticket(&r, "while away").await;
    let mut resumed = stream(&r, "", Some(2)).await;
    let again = events(&mut resumed, 1).await;
    assert_eq!(again[0].id, Some(3), "resumes after Last-Event-ID");
    // A clear is announced, and numbering restarts.
    client()
        .delete(format!("{}/journal", r.url("control")))
        .send()
        .await
        .unwrap();
    create_ticket(&r, "after clear").await;
    let evs = events(&mut resumed, 2).await;
    assert_eq!(evs[0].kind, "clear");
    assert_eq!(evs[1].id, Some(1));
    r.shutdown().await;
}

#[tokio::test]
async fn full_entries_and_a_vendor_filter_are_honoured() {
    let r = running(|_| {}).await;
    let mut only_braze = stream(&r, "?vendor=braze", None).await;
    let mut full = stream(&r, "?full=true", None).await;
    create_ticket(&r, "Full please").await;
    let e = events(&mut full, 1).await;
    let entry: Value = serde_json::from_str(&e[0].data).unwrap();
    assert_eq!(
        entry["response"]["body"]["ticket"]["subject"],
        "Full please"
    );
    let braze = client()
        .post(format!("{}/users/track", r.url("braze")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(braze.status().is_client_error());
    let b = events(&mut only_braze, 1).await;
    assert_eq!(b[0].id, Some(2), "the Zendesk entry was left out");
    let (status, _) = get(format!("{}/journal/stream?vendor=nobody", r.url("control"))).await;
    assert_eq!(status, 404);
    r.shutdown().await;
}

#[tokio::test]
async fn a_faulted_exchange_shows_its_fault_in_the_stream() {
    let r = running(|_| {}).await;
    let rule = client()
        .post(format!("{}/faults", r.url("control")))
        .json(&json!({"vendor": "zendesk", "method": "POST", "path": "/api/v2/tickets*", "action": "status", "status": 503, "name": "down"}))
        .send()
        .await
        .unwrap();
    assert_eq!(rule.status(), 201);
    let id = rule.json::<Value>().await.unwrap()["id"].clone();
    let res = client()
        .post(format!("{}/api/v2/tickets.json", r.url("zendesk")))
        .basic_auth(
            "admin@fakedesk.test/token",
            Some("fakedesk0zendesk0api0token0000000000000"),
        )
        .json(&json!({"ticket": {"subject": "x", "comment": {"body": "y"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let mut live = stream(&r, "", None).await;
    let e: Value = serde_json::from_str(&events(&mut live, 1).await[0].data).unwrap();
    assert_eq!(e["status"], 503);
    assert_eq!(e["fault"], json!({"id": id, "action": "status"}));
    r.shutdown().await;
}

#[tokio::test]
async fn one_entry_by_number_and_a_clear_404_past_the_end() {
    let r = running(|_| {}).await;
    create_ticket(&r, "One").await;
    let (status, e) = get(format!("{}/journal/1", r.url("control"))).await;
    assert_eq!(status, 200);
    assert_eq!(e["seq"], 1);
    assert_eq!(e["request"]["body"]["ticket"]["subject"], "One");
    let (status, e) = get(format!("{}/journal/2", r.url("control"))).await;
    assert_eq!(status, 404);
    assert_eq!(e["hint"]["next_seq"], 2);
    let (status, _) = get(format!("{}/journal/x/signature", r.url("control"))).await;
    assert_eq!(status, 404);
    r.shutdown().await;
}

async fn receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

/// A signed Smartsupp webhook delivered to a receiver: the fake is the client.
async fn smartsupp_delivery() -> (Running, MockServer) {
    let server = receiver().await;
    let url = format!("{}/webhooks", server.uri());
    let r = running(move |c| c.smartsupp.webhooks.url = url).await;
    let resp = client()
        .post(format!("{}/smartsupp/actions/webhook", r.url("control")))
        .json(&json!({"event": "conversation.closed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    (r, server)
}

#[tokio::test]
async fn an_outbound_delivery_verifies_with_the_vendors_scheme_and_an_inbound_call_is_not_signed() {
    let (r, _server) = smartsupp_delivery().await;
    let (_, journal) = get(format!("{}/journal?vendor=smartsupp", r.url("control"))).await;
    let seq = journal["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["direction"] == "outbound")
        .expect("the delivery is journaled")["seq"]
        .clone();
    let (status, check) = get(format!("{}/journal/{seq}/signature", r.url("control"))).await;
    assert_eq!(status, 200);
    assert_eq!(check["signed"], true);
    assert_eq!(check["verified"], true, "{check}");
    assert_eq!(
        check["scheme"],
        "x-smartsupp-hmac = hex(HMAC-SHA256(client secret, body))"
    );
    create_ticket(&r, "inbound").await;
    let next = seq.as_u64().unwrap() + 1;
    let (_, inbound) = get(format!("{}/journal/{next}/signature", r.url("control"))).await;
    assert_eq!(
        (&inbound["signed"], &inbound["verified"]),
        (&json!(false), &Value::Null)
    );
    r.shutdown().await;
}

#[test]
fn a_changed_body_or_secret_does_not_verify() {
    use fakedesk::journal::Headers;
    use fakedesk::vendors::zendesk::webhook::{check_signature, signature};
    let sig = signature("s3cret", "2024-01-01T00:00:00Z", b"{}");
    let mut map = axum::http::HeaderMap::new();
    map.insert("x-zendesk-webhook-signature", sig.parse().unwrap());
    map.insert(
        "x-zendesk-webhook-signature-timestamp",
        "2024-01-01T00:00:00Z".parse().unwrap(),
    );
    let h = Headers::from_map(&map);
    assert!(check_signature(&h, b"{}", "w1", Some("s3cret")).verified);
    assert!(!check_signature(&h, b"{ }", "w1", Some("s3cret")).verified);
    assert!(!check_signature(&h, b"{}", "w1", Some("other")).verified);
    assert!(!check_signature(&h, b"{}", "w1", None).verified);
}

// ------------------------------------------------------------------ HAR 1.2

/// A validator for the keywords the HAR schema uses: type, required, properties,
/// items, $ref (to another file of the schema), pattern, oneOf, format (ipv4, ipv6)
/// and the schema's own `min` (a lower bound).
struct HarSchema {
    files: serde_json::Map<String, Value>,
}

impl HarSchema {
    fn load() -> (Self, String) {
        let text = include_str!("../../fixtures/har/har-1.2-schema.json");
        let doc: Value = serde_json::from_str(text).unwrap();
        let files = doc["schemas"].as_object().unwrap().clone();
        (Self { files }, doc["root"].as_str().unwrap().to_owned())
    }

    fn check(&self, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
        if let Some(r) = schema["$ref"].as_str() {
            let file = r.trim_end_matches('#');
            let target = self.files.get(file).unwrap_or_else(|| panic!("no {file}"));
            return self.check(target, v, at, errors);
        }
        if let Some(t) = schema.get("type") {
            let types: Vec<&str> = match t {
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                other => vec![other.as_str().unwrap()],
            };
            if !types.iter().any(|t| is_type(v, t)) {
                errors.push(format!("{at}: expected {types:?}, got {v}"));
                return;
            }
        }
        // As in JSON Schema, `required` and `properties` constrain objects only.
        let object = v.is_object();
        for key in schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|_| object)
        {
            if v.get(key.as_str().unwrap()).is_none() {
                errors.push(format!("{at}: missing `{key}`"));
            }
        }
        for (k, sub) in schema["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .filter(|_| object)
        {
            if let Some(child) = v.get(k) {
                self.check(sub, child, &format!("{at}.{k}"), errors);
            }
        }
        if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
            for (i, item) in arr.iter().enumerate() {
                self.check(items, item, &format!("{at}[{i}]"), errors);
            }
        }
        if let (Some(p), Some(s)) = (schema["pattern"].as_str(), v.as_str())
            && !regex::Regex::new(p).unwrap().is_match(s)
        {
            errors.push(format!("{at}: `{s}` does not match {p}"));
        }
        if let (Some(min), Some(n)) = (schema["min"].as_f64(), v.as_f64())
            && n < min
        {
            errors.push(format!("{at}: {n} < {min}"));
        }
        if let (Some(f), Some(s)) = (schema["format"].as_str(), v.as_str()) {
            let ok = match f {
                "ipv4" => s.parse::<std::net::Ipv4Addr>().is_ok(),
                "ipv6" => s.parse::<std::net::Ipv6Addr>().is_ok(),
                "uri" => reqwest::Url::parse(s).is_ok(),
                _ => true,
            };
            if !ok {
                errors.push(format!("{at}: `{s}` is not {f}"));
            }
        }
        if let Some(one) = schema["oneOf"].as_array() {
            let passing = one
                .iter()
                .filter(|s| {
                    let mut e = Vec::new();
                    self.check(s, v, at, &mut e);
                    e.is_empty()
                })
                .count();
            if passing != 1 {
                errors.push(format!("{at}: {passing} of oneOf match"));
            }
        }
    }
}

fn is_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => panic!("type {t}"),
    }
}

fn assert_valid_har(doc: &Value) {
    let (schema, root) = HarSchema::load();
    let mut errors = Vec::new();
    schema.check(&schema.files[&root], doc, "$", &mut errors);
    assert!(errors.is_empty(), "not HAR 1.2: {errors:#?}");
}

#[test]
fn the_validator_rejects_what_the_har_schema_forbids() {
    let bad = json!({"log": {"version": "1.2", "creator": {"name": "x"},
        "entries": [{"startedDateTime": "yesterday", "time": -5, "request": {}, "response": {},
                     "cache": {}, "timings": {"send": 0, "wait": 0}}]}});
    let (schema, root) = HarSchema::load();
    let mut errors = Vec::new();
    schema.check(&schema.files[&root], &bad, "$", &mut errors);
    let text = errors.join("\n");
    for expected in [
        "creator: missing `\"version\"`",
        "does not match",
        "-5 < 0",
        "request: missing `\"method\"`",
        "timings: missing `\"receive\"`",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
}

#[tokio::test]
async fn the_journal_as_har_is_valid_har_1_2_with_the_fake_as_client_of_deliveries() {
    let (r, server) = smartsupp_delivery().await;
    create_ticket(&r, "In the archive").await;
    let resp = client()
        .get(format!("{}/journal.har", r.url("control")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let doc: Value = resp.json().await.unwrap();
    assert_valid_har(&doc);
    let entries = doc["log"]["entries"].as_array().unwrap();
    let out = entries
        .iter()
        .find(|e| e["_direction"] == "outbound")
        .unwrap();
    assert_eq!(out["_client"], "fake smartsupp");
    assert_eq!(out["request"]["url"], format!("{}/webhooks", server.uri()));
    assert!(
        out["request"]["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["name"] == "x-smartsupp-hmac")
    );
    let inbound = entries.iter().find(|e| e["_vendor"] == "zendesk").unwrap();
    assert_eq!(inbound["_client"], "the system under test");
    assert_eq!(
        inbound["request"]["url"],
        format!("{}/api/v2/tickets.json", r.url("zendesk"))
    );
    assert_eq!(inbound["response"]["status"], 201);
    assert!(
        inbound["response"]["content"]["text"]
            .as_str()
            .unwrap()
            .contains("In the archive")
    );
    // The same filters as /journal.
    let (_, only) = get(format!("{}/journal.har?vendor=zendesk", r.url("control"))).await;
    assert_eq!(only["log"]["entries"].as_array().unwrap().len(), 1);
    let (status, _) = get(format!("{}/journal.har?bogus=1", r.url("control"))).await;
    assert_eq!(status, 400);
    r.shutdown().await;
}

#[test]
fn run_with_har_writes_one_valid_file_per_scenario() {
    let dir = std::env::temp_dir().join(format!("fakedesk-it-{}-har", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let steps = "steps:\n  - call: zendesk\n    path: /api/v2/users/me.json\n";
    std::fs::write(dir.join("first.yaml"), format!("name: First one\n{steps}")).unwrap();
    std::fs::write(dir.join("second.yaml"), steps).unwrap();
    let out_dir = dir.join("har");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fakedesk"))
        .args(["run", dir.join("first.yaml").to_str().unwrap()])
        .arg(dir.join("second.yaml"))
        .arg("--har")
        .arg(&out_dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let mut files: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files[0].starts_with("first-first-one"), "{files:?}");
    for f in &files {
        let doc: Value = serde_json::from_slice(&std::fs::read(out_dir.join(f)).unwrap()).unwrap();
        assert_valid_har(&doc);
        let e = &doc["log"]["entries"][0];
        assert_eq!(e["request"]["method"], "GET");
        assert!(
            e["request"]["url"]
                .as_str()
                .unwrap()
                .ends_with("/api/v2/users/me.json")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ------------------------------------------------------------------ OpenAPI

/// A concrete path for a described template: known vendors, entry 1, any id.
fn concrete(template: &str) -> String {
    template
        .replace("{vendor}", "zendesk")
        .replace("{seq}", "1")
        .replace("{file}", "app.js")
        .replace("{id}", "nope")
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_every_described_route_is_served() {
    let r = running(|_| {}).await;
    let (status, doc) = get(format!("{}/openapi.json", r.url("control"))).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let described = fakedesk::server::openapi::operations(&doc);
    // Every route the control router registers is described.
    let undescribed: Vec<String> = fakedesk::server::control::routes()
        .list()
        .iter()
        .map(|(m, p)| (m.as_str().to_owned(), (*p).to_owned()))
        .filter(|op| !described.contains(op))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        undescribed.is_empty(),
        "routes missing from the OpenAPI document: {undescribed:?}"
    );
    // Every described operation is served: neither the fallback's 404 nor a 405.
    create_ticket(&r, "so /journal/1 exists").await;
    let mut unserved = Vec::new();
    for (m, template) in &described {
        let url = format!("{}{}", r.url("control"), concrete(template));
        let mut req = client().request(m.parse().unwrap(), &url);
        if m == "POST" {
            req = req.json(&json!({}));
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        // The stream never ends: its status line is enough.
        let body = if template == "/journal/stream" {
            String::new()
        } else {
            resp.text().await.unwrap_or_default()
        };
        if status == 405
            || (status == 404 && (body.is_empty() || body.contains("no such control endpoint")))
        {
            unserved.push(format!("{m} {template} -> {status} {body}"));
        }
    }
    assert!(
        unserved.is_empty(),
        "described but not served: {unserved:#?}"
    );
    // And something not described is not served.
    let (status, e) = get(format!("{}/no/such/route", r.url("control"))).await;
    assert_eq!(
        (status, e["error"].as_str()),
        (404, Some("no such control endpoint"))
    );
    r.shutdown().await;
}

#[test]
fn every_vendor_action_is_in_the_document() {
    let doc = fakedesk::server::openapi::spec();
    for reg in fakedesk::vendors::REGISTRY {
        for a in reg.actions {
            let path = format!("/{}/actions/{}", reg.name, a.name);
            assert!(doc["paths"][&path]["post"].is_object(), "{path}");
        }
    }
}

// ------------------------------------------------------------------ tail

/// `fakedesk tail` reading from `r`; its stdout lines arrive on the channel.
fn tail(r: &Running, args: &[&str]) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fakedesk"))
        .arg("tail")
        .args(args)
        .env("FAKEDESK_CONTROL_URL", r.url("control"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

async fn next_line(rx: &std::sync::mpsc::Receiver<String>) -> String {
    for _ in 0..100 {
        if let Ok(l) = rx.try_recv() {
            return l;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no line from tail within 10 s");
}

#[tokio::test]
async fn tail_prints_one_line_per_exchange_as_it_happens() {
    let r = running(|_| {}).await;
    create_ticket(&r, "old").await;
    let (mut plain, plain_rx) = tail(&r, &[]);
    let (mut js, js_rx) = tail(&r, &["--json", "--vendor", "zendesk"]);
    let (mut braze, braze_rx) = tail(&r, &["--vendor", "braze"]);
    // Give each a moment to connect: tail starts with new exchanges only.
    tokio::time::sleep(Duration::from_millis(700)).await;
    create_ticket(&r, "Tail me").await;
    let line = next_line(&plain_rx).await;
    assert!(
        line.contains("    2 zendesk   <- POST   /api/v2/tickets.json 201"),
        "{line}"
    );
    let j: Value = serde_json::from_str(&next_line(&js_rx).await).unwrap();
    assert_eq!(j["seq"], 2);
    assert_eq!(j["response"]["body"]["ticket"]["subject"], "Tail me");
    assert!(
        braze_rx.try_recv().is_err(),
        "the Zendesk call is not Braze's"
    );
    for c in [&mut plain, &mut js, &mut braze] {
        let _ = c.kill();
        let _ = c.wait();
    }
    r.shutdown().await;
}
