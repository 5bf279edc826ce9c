//! Fake Ferndesk: the custom support endpoint check (pure, and as `fakedesk
//! check-endpoint`), the `ferndesk.pull` action, and the fake endpoint.

use axum::body::Body;
use fakedesk::fuzz::r#gen::ferndesk::{document, document_of};
use fakedesk::vendors::ferndesk::check::{Fetch, IngestRule, Severity, Verdict, check};
use proptest::prelude::*;
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{VendorFake, unused_port, vendor_with};

const GUIDE: &str = include_str!("../../fixtures/vendors/ferndesk/guide_example.json");

fn guide() -> Value {
    serde_json::from_str(GUIDE).unwrap()
}

fn ferndesk() -> VendorFake {
    vendor_with("ferndesk", |_| {})
}

#[tokio::test]
async fn the_fake_endpoint_serves_the_guides_example_and_honours_start_date() {
    let f = ferndesk();
    let r = f
        .raw("GET", "/support-endpoint.json", None, Body::empty())
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json, guide());
    // The example's only conversation's last message is 2023-10-27T14:30:00Z.
    let r = f
        .raw(
            "GET",
            "/support-endpoint.json?startDate=2023-10-27",
            None,
            Body::empty(),
        )
        .await;
    assert_eq!(r.json["conversations"].as_array().unwrap().len(), 1);
    let r = f
        .raw(
            "GET",
            "/support-endpoint.json?startDate=2023-10-28",
            None,
            Body::empty(),
        )
        .await;
    assert_eq!(r.json, json!({"conversations": []}));
    let r = f
        .raw(
            "GET",
            "/support-endpoint.json?startDate=tomorrow",
            None,
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.json["error"].as_str().unwrap().contains("tomorrow"));
    let r = f.raw("GET", "/conversations", None, Body::empty()).await;
    assert_eq!(r.status, 404);
    assert!(
        r.json["error"]
            .as_str()
            .unwrap()
            .contains("/support-endpoint.json")
    );
    let r = f
        .raw("POST", "/support-endpoint.json", None, Body::empty())
        .await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn a_configured_document_is_served_as_given() {
    let doc = json!({"conversations": [{"id": "x", "lastMessageAt": "2025-03-01T00:00:00Z", "messages": "oops"}]});
    let d = doc.clone();
    let f = vendor_with("ferndesk", move |c| {
        c.ferndesk.endpoint.path = "/api/support".to_owned();
        c.ferndesk.endpoint.document = Some(d);
    });
    let r = f
        .raw(
            "GET",
            "/api/support?startDate=2025-01-01",
            None,
            Body::empty(),
        )
        .await;
    assert_eq!(r.json, doc);
}

async fn endpoint(template: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn the_pull_action_checks_the_endpoint_and_keeps_what_it_ingested() {
    let server = endpoint(ResponseTemplate::new(200).set_body_json(guide())).await;
    let f = ferndesk();
    let url = format!("{}/support-endpoint.json", server.uri());
    let r = f
        .control(
            "POST",
            "/ferndesk/actions/pull",
            Some(json!({"url": url, "start_date": "2023-01-01"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["report"]["verdict"], "ingestible");
    assert_eq!(r.json["exit_code"], 0);
    let got = server.received_requests().await.unwrap();
    assert_eq!(got[0].url.query(), Some("startDate=2023-01-01"));
    let state = f.control("GET", "/state/ferndesk", None).await;
    assert_eq!(state.json["ingested"], guide()["conversations"]);
    assert_eq!(state.json["audits"][0]["summary"]["ingested_messages"], 2);
    let journal = f.control("GET", "/journal?vendor=ferndesk", None).await;
    let e = &journal.json["entries"][0];
    assert_eq!(
        (e["direction"].as_str(), e["method"].as_str()),
        (Some("outbound"), Some("GET"))
    );
}

#[tokio::test]
async fn a_broken_endpoint_is_audited_with_its_problems_and_nothing_ingested() {
    let server = endpoint(
        ResponseTemplate::new(200)
            .set_body_json(json!({"conversations": [{"id": "c1", "messages": []}]})),
    )
    .await;
    let f = ferndesk();
    let r = f
        .control(
            "POST",
            "/ferndesk/actions/pull",
            Some(json!({"url": server.uri()})),
        )
        .await;
    assert_eq!(r.json["report"]["verdict"], "problems");
    assert_eq!(
        r.json["report"]["findings"][0]["pointer"],
        "/conversations/0/lastMessageAt"
    );
    let state = f.control("GET", "/state/ferndesk", None).await;
    assert_eq!(state.json["ingested"], json!([]));
    let r = f
        .control(
            "POST",
            "/ferndesk/actions/pull",
            Some(json!({"url": format!("http://127.0.0.1:{}/", unused_port())})),
        )
        .await;
    assert_eq!(r.json["report"]["verdict"], "could_not_check");
    let r = f
        .control(
            "POST",
            "/ferndesk/actions/pull",
            Some(json!({"start_date": "2025-01-01"})),
        )
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn the_pull_reaches_the_fake_endpoint_over_real_sockets() {
    let f = ferndesk();
    let running = fakedesk::server::start(f.harness.clone()).await.unwrap();
    let url = format!("{}/support-endpoint.json", running.url("ferndesk"));
    let r = f
        .control("POST", "/ferndesk/actions/pull", Some(json!({"url": url})))
        .await;
    assert_eq!(r.json["report"]["verdict"], "ingestible", "{}", r.text);
    running.shutdown().await;
}

/// Runs `fakedesk check-endpoint` with `args`; returns its exit code and stdout.
async fn check_endpoint(args: &[&str]) -> (i32, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_fakedesk"))
        .arg("check-endpoint")
        .args(args)
        .output()
        .await
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn check_endpoint_exits_0_1_or_2_and_names_each_problem() {
    let good = endpoint(ResponseTemplate::new(200).set_body_json(guide())).await;
    let (code, text) = check_endpoint(&[&good.uri(), "--start-date", "2023-01-01"]).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("INGESTIBLE"), "{text}");
    assert!(text.contains("/conversations/0/messages/1/role"), "{text}");
    assert!(
        text.contains("Ferndesk would ingest 1 conversation with 2 messages"),
        "{text}"
    );

    let locked =
        endpoint(ResponseTemplate::new(401).insert_header("www-authenticate", "Bearer")).await;
    let (code, text) = check_endpoint(&[&locked.uri()]).await;
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("does not support authenticated endpoints"),
        "{text}"
    );

    let broken = endpoint(ResponseTemplate::new(200).set_body_json(
        json!({"conversations": [{"id": "c", "lastMessageAt": "soon", "messages": []}]}),
    ))
    .await;
    let (code, text) = check_endpoint(&[&broken.uri(), "--json"]).await;
    assert_eq!(code, 1, "{text}");
    let report: Value = serde_json::from_str(&text).expect("--json prints JSON");
    assert_eq!(report["verdict"], "problems");
    assert_eq!(
        report["findings"][0]["pointer"],
        "/conversations/0/lastMessageAt"
    );

    let (code, text) =
        check_endpoint(&[&format!("http://127.0.0.1:{}/s.json", unused_port())]).await;
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("refused"), "{text}");
    let (code, _) = check_endpoint(&["not a url"]).await;
    assert_eq!(code, 2);
}

// ---- properties -------------------------------------------------------------

fn ok(doc: &Value) -> Fetch {
    Fetch::Answered {
        status: 200,
        content_type: Some("application/json; charset=utf-8".to_owned()),
        www_authenticate: None,
        location: None,
        body: doc.to_string().into_bytes(),
    }
}

/// One mistake: where it is and what it does.
#[derive(Debug, Clone)]
enum Mutation {
    Remove,
    WrongType,
    BadTimestamp,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_valid_document_is_ingestible_without_errors(doc in document()) {
        let r = check("u", &ok(&doc), None, IngestRule::AllOrNothing);
        let n = doc["conversations"].as_array().unwrap().len();
        prop_assert_eq!(r.verdict, Verdict::Ingestible);
        prop_assert_eq!(r.count(Severity::Error), 0, "{:?}", r.findings);
        prop_assert_eq!(r.summary.ingested_conversations, n);
        // Warnings only where the contract is silent: the guide example's role,
        // empty or markup-like text, empty lists.
        for f in &r.findings {
            let open = f.pointer.ends_with("/role")
                || f.pointer.ends_with("/content")
                || f.pointer.ends_with("/messages")
                || f.pointer == "/conversations";
            prop_assert!(open, "{:?}", f);
        }
        prop_assert_eq!(r.exit_code(), 0);
    }

    #[test]
    fn every_single_mutation_is_reported_at_its_pointer(
        doc in document_of(1..5, 1..6),
        pick in any::<prop::sample::Index>(),
        pick_msg in any::<prop::sample::Index>(),
        on_message in any::<bool>(),
        field in any::<prop::sample::Index>(),
        mutation in prop_oneof![Just(Mutation::Remove), Just(Mutation::WrongType), Just(Mutation::BadTimestamp)],
    ) {
        let mut doc = doc;
        let convs = doc["conversations"].as_array_mut().unwrap();
        let i = pick.index(convs.len());
        let (target, at, fields): (&mut Value, String, &[&str]) = if on_message {
            let msgs = convs[i]["messages"].as_array_mut().unwrap();
            let j = pick_msg.index(msgs.len());
            (&mut msgs[j], format!("/conversations/{i}/messages/{j}"), &["id", "role", "content", "createdAt"])
        } else {
            (&mut convs[i], format!("/conversations/{i}"), &["id", "lastMessageAt", "messages"])
        };
        let key = match mutation {
            Mutation::BadTimestamp => if on_message { "createdAt" } else { "lastMessageAt" },
            _ => fields[field.index(fields.len())],
        };
        let obj = target.as_object_mut().unwrap();
        match mutation {
            Mutation::Remove => { obj.remove(key); }
            Mutation::WrongType => { obj.insert(key.to_owned(), json!(true)); }
            Mutation::BadTimestamp => { obj.insert(key.to_owned(), json!("27/10/2023 14:30")); }
        }
        let pointer = format!("{at}/{key}");
        let r = check("u", &ok(&doc), None, IngestRule::AllOrNothing);
        prop_assert_eq!(r.verdict, Verdict::Problems);
        let errors: Vec<&str> = r.findings.iter().filter(|f| f.severity == Severity::Error).map(|f| f.pointer.as_str()).collect();
        prop_assert_eq!(errors, vec![pointer.as_str()], "{:?}", r.findings);
    }

    #[test]
    fn the_checker_never_panics_on_arbitrary_answers(
        status in prop_oneof![Just(200u16), Just(201), Just(302), Just(401), Just(404), Just(500), 100u16..600],
        content_type in proptest::option::of(prop_oneof![Just("application/json".to_owned()), Just("text/html".to_owned()), ".{0,20}"]),
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..256),
            crate::common::json_with(".{0,12}".prop_map(|s: String| s), prop_oneof![Just("conversations".to_owned()), Just("messages".to_owned()), Just("id".to_owned()), Just("role".to_owned()), Just("createdAt".to_owned()), Just("lastMessageAt".to_owned()), "[a-z]{1,6}"]).prop_map(|v| v.to_string().into_bytes()),
            crate::common::json_with(".{0,12}".prop_map(|s: String| s), "[a-z]{1,6}").prop_map(|v| json!({"conversations": [v]}).to_string().into_bytes()),
        ],
        start in proptest::option::of(0i32..3000),
    ) {
        let fetch = Fetch::Answered { status, content_type, www_authenticate: None, location: None, body };
        let day = start.map(|d| time::Date::from_ordinal_date(2000 + d % 100, 1 + (d % 365) as u16).unwrap());
        let r = check("u", &fetch, day, IngestRule::ValidConversations);
        prop_assert!(r.exit_code() <= 2);
        prop_assert!(r.verdict != Verdict::Ingestible || r.count(Severity::Error) == 0);
        prop_assert!(!r.summary.text.is_empty());
    }
}
