//! Fake Smartsupp: the POST hook against the documented example, the generator's
//! consistency, and the signed webhooks with their redelivery, with wiremock as the
//! receiver.

use axum::body::Body;
use fakedesk::vendors::smartsupp::store::stats;
use fakedesk::vendors::smartsupp::wire::HookPayload;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::{VendorFake, received, unused_port, vendor_with};

const DOCS: &str = include_str!("../../fixtures/vendors/smartsupp/hook_example.json");
const HELP_CENTER: &str =
    include_str!("../../fixtures/vendors/smartsupp/hook_example.help_center.json");

/// JSON text without the whitespace between tokens (strings kept as written).
fn minify(text: &str) -> String {
    let mut out = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

fn smartsupp(hook: &str, webhooks: &str) -> VendorFake {
    let (hook, webhooks) = (hook.to_owned(), webhooks.to_owned());
    vendor_with("smartsupp", move |c| {
        c.smartsupp.hook.url = hook;
        c.smartsupp.webhooks.url = webhooks;
        c.smartsupp.webhooks.retry_delay_ms = 1;
    })
}

#[test]
fn both_documented_examples_round_trip_in_their_field_order() {
    for text in [DOCS, HELP_CENTER] {
        let payload: HookPayload = serde_json::from_str(text).expect("the example parses");
        assert_eq!(
            serde_json::to_string(&payload).unwrap(),
            minify(text),
            "serializing gives the example back, byte for byte"
        );
    }
}

#[test]
fn the_statistics_rules_reproduce_both_documented_examples() {
    for text in [DOCS, HELP_CENTER] {
        let doc: Value = serde_json::from_str(text).unwrap();
        let payload: HookPayload = serde_json::from_value(doc.clone()).unwrap();
        let s = stats(&payload.messages);
        let c = &doc["channel"];
        assert_eq!(json!(s.begin_at), doc["beginAt"]);
        assert_eq!(json!(s.end_at), doc["endAt"]);
        assert_eq!(json!(s.duration), c["duration"]);
        assert_eq!(json!(s.first_response), c["firstResponse"]);
        assert_eq!(json!(s.avg_response), c["avgResponse"]);
        assert_eq!(json!(s.messages_count), c["messagesCount"]);
        assert_eq!(json!(s.words_count), c["wordsCount"]);
        assert_eq!(json!(s.is_chat), c["isChat"]);
        assert_eq!(json!(s.is_missed), c["isMissed"]);
        assert_eq!(json!(s.is_triggered), c["isTriggered"]);
        assert_eq!(json!(s.is_offline), c["isOffline"]);
        assert_eq!(json!(s.is_completed), c["isCompleted"]);
    }
}

async fn receiver(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn the_hook_action_posts_the_documented_payload_exactly() {
    let server = receiver(200).await;
    let s = smartsupp(&format!("{}/smartsupp", server.uri()), "");
    let payload: Value = serde_json::from_str(DOCS).unwrap();
    let r = s
        .control(
            "POST",
            "/smartsupp/actions/hook",
            Some(json!({"payload": payload})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["delivered"], true);
    let got = received(&server, 1).await;
    assert_eq!(got[0].url.path(), "/smartsupp");
    assert_eq!(String::from_utf8_lossy(&got[0].body), minify(DOCS));
    assert_eq!(got[0].headers["content-type"], "application/json");
    assert!(
        got[0].headers.get("x-smartsupp-hmac").is_none(),
        "the hook is unsigned"
    );
}

#[tokio::test]
async fn a_finished_chat_is_consistent_and_kept_in_state() {
    let server = receiver(200).await;
    let s = smartsupp(&format!("{}/hook", server.uri()), "");
    let r = s
        .control(
            "POST",
            "/smartsupp/actions/chat_finished",
            Some(json!({
                "visitor": {"name": "Bo Chen", "email": "bo@example.com",
                            "variables": {"plan": {"label": "Plan", "value": "pro"}}},
                "messages": [
                    {"from": "visitor", "text": "Hello"},
                    {"from": "trigger", "text": "An agent will be with you", "after_ms": 1000, "trigger": "Greeting"},
                    {"from": "agent", "text": "Hi Bo, how can I help?", "after_ms": 20000},
                    {"from": "visitor", "text": "Just checking, thanks", "after_ms": 5000}
                ],
                "rating": 5
            })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let got = received(&server, 1).await;
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    let ch = &body["channel"];
    // Read off the script: the agent answered 21 s after "Hello".
    assert_eq!(ch["firstResponse"], 21);
    assert_eq!(ch["avgResponse"], 21);
    assert_eq!(ch["isTriggered"], true);
    assert_eq!(ch["isCompleted"], true);
    assert_eq!(ch["rating"], 5);
    assert_eq!(ch["ratingDesc"], "");
    let kinds: Vec<&str> = body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(kinds[3], "Hi Bo, how can I help?");
    assert_eq!(kinds[2], "agent.join");
    assert_eq!(*kinds.last().unwrap(), "close.visitorClose");
    assert_eq!(body["visitor"]["variables"]["plan"]["value"], "pro");
    let state = s.control("GET", "/state/smartsupp", None).await;
    assert_eq!(state.json["chats"][0], body);
    assert_eq!(state.json["hooks"][0]["status"], "delivered");
}

#[tokio::test]
async fn a_chat_that_contradicts_its_kind_is_refused_with_reasons() {
    let s = smartsupp(&format!("http://127.0.0.1:{}/hook", unused_port()), "");
    let r = s
        .control(
            "POST",
            "/smartsupp/actions/chat_missed",
            Some(json!({"messages": [{"from": "agent", "text": "hi"}]})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("no agent lines"), "{}", r.text);
    let r = s
        .control(
            "POST",
            "/smartsupp/actions/chat_finished",
            Some(json!({"mesages": []})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("mesages"), "{}", r.text);
    let no_url = vendor_with("smartsupp", |_| {});
    let r = no_url
        .control("POST", "/smartsupp/actions/chat_finished", None)
        .await;
    assert_eq!(r.status, 400);
    assert!(r.text.contains("hook.url"), "{}", r.text);
}

fn hex_hmac(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test]
async fn webhooks_carry_the_envelope_and_a_hex_hmac_of_the_raw_body() {
    let server = receiver(200).await;
    let s = smartsupp("", &format!("{}/webhooks", server.uri()));
    let r = s
        .control(
            "POST",
            "/smartsupp/actions/webhook",
            Some(json!({"event": "conversation.closed", "data": {"conversation": {"tags": ["vip"]}}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let got = received(&server, 1).await;
    let sig = got[0].headers["x-smartsupp-hmac"].to_str().unwrap();
    assert_eq!(
        sig,
        hex_hmac("fakedesk0smartsupp0client0secret", &got[0].body)
    );
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["type"], "event_callback");
    assert_eq!(body["event"], "conversation.closed");
    assert_eq!(
        body["account_id"], "208",
        "a string, unlike the hook's number"
    );
    assert_eq!(body["app_id"], "fakedesk0");
    assert_eq!(body["data"]["conversation"]["tags"], json!(["vip"]));
    assert_eq!(body["data"]["close_type"], "agent_close");
    assert!(
        body["timestamp"].as_str().unwrap().ends_with('Z')
            && body["timestamp"].as_str().unwrap().contains('.'),
        "ISO with milliseconds: {}",
        body["timestamp"]
    );
}

#[tokio::test]
async fn a_reply_other_than_200_is_redelivered() {
    let server = MockServer::start().await;
    Mock::given(path("/webhooks"))
        .respond_with(ResponseTemplate::new(204))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/webhooks"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let s = smartsupp("", &format!("{}/webhooks", server.uri()));
    let r = s
        .control(
            "POST",
            "/smartsupp/actions/webhook",
            Some(json!({"event": "conversation.opened"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json["attempts"],
        json!([{"attempt": 1, "status": 204}, {"attempt": 2, "status": 200}])
    );
    let got = received(&server, 2).await;
    assert_eq!(got[0].body, got[1].body, "the same event is sent again");
    let journal = s.control("GET", "/journal?vendor=smartsupp", None).await;
    let attempts: Vec<&Value> = journal.json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["attempt"])
        .collect();
    assert_eq!(attempts, [&json!(1), &json!(2)]);
}

#[tokio::test]
async fn unknown_and_unsubscribed_events_are_not_sent() {
    let server = receiver(200).await;
    let url = format!("{}/webhooks", server.uri());
    let s = vendor_with("smartsupp", move |c| {
        c.smartsupp.webhooks.url = url;
        c.smartsupp.webhooks.events = vec!["conversation.closed".to_owned()];
    });
    let r = s
        .control(
            "POST",
            "/smartsupp/actions/webhook",
            Some(json!({"event": "conversation.exploded"})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.text.contains("conversation.agent_replied"),
        "lists the known events"
    );
    let r = s
        .control(
            "POST",
            "/smartsupp/actions/webhook",
            Some(json!({"event": "conversation.opened"})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["delivered"], false);
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_vendor_port_answers_with_smartsupps_error_envelope() {
    let s = smartsupp("", "");
    let r = s.raw("GET", "/v2/conversations", None, Body::empty()).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json["code"], "unauthorized");
    assert!(r.json["message"].is_string());
}

// ---- properties -------------------------------------------------------------

mod properties {
    use fakedesk::fuzz::r#gen::smartsupp::kind_and_spec;
    use fakedesk::vendors::smartsupp::HookStyle;
    use fakedesk::vendors::smartsupp::store::{ChatIds, ChatKind, generate, spec_problems};
    use fakedesk::vendors::smartsupp::webhook::{HMAC_HEADER, webhook_request};
    use fakedesk::vendors::smartsupp::wire::{DOCUMENTED_EVENTS, EventCallback};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::hex_hmac;

    fn words(s: &str) -> u64 {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() > 1)
            .count() as u64
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn generated_conversations_are_internally_consistent(
            (kind, spec) in kind_and_spec(),
            begin in 1_400_000_000_000i64..1_900_000_000_000,
            help_center in any::<bool>(),
        ) {
            prop_assert!(spec_problems(kind, &spec).is_empty());
            let style = if help_center { HookStyle::HelpCenter } else { HookStyle::Developers };
            let ids = ChatIds { chat: 9, visitor: 8, visitor_key: "abc".to_owned() };
            let p = generate(kind, &spec, 208, &ids, begin, style);
            let doc: Value = serde_json::to_value(&p).unwrap();
            let msgs = doc["messages"].as_array().unwrap();
            let c = &doc["channel"];
            let at = |m: &Value| m["sentAt"].as_i64().unwrap();
            // Times: ordered, bounded by beginAt and endAt, duration in whole seconds.
            prop_assert!(msgs.windows(2).all(|w| at(&w[0]) <= at(&w[1])));
            prop_assert_eq!(doc["beginAt"].as_i64(), Some(at(&msgs[0])));
            prop_assert_eq!(doc["endAt"].as_i64(), Some(at(msgs.last().unwrap())));
            prop_assert_eq!(c["duration"].as_i64().unwrap(), (at(msgs.last().unwrap()) - at(&msgs[0])) / 1000);
            // Counts.
            let closing = |m: &Value| m["type"] == "system" && m["content"].as_str().unwrap().starts_with("close.");
            prop_assert_eq!(c["messagesCount"].as_u64().unwrap(), msgs.iter().filter(|m| !closing(m)).count() as u64);
            let w: u64 = msgs.iter().filter(|m| m["type"] != "system").map(|m| words(m["content"].as_str().unwrap())).sum();
            prop_assert_eq!(c["wordsCount"].as_u64().unwrap(), w);
            // Answers and flags.
            let answer = |m: &Value| m["type"] == "agent" && m["triggeredBy"].is_null();
            let answered = msgs.iter().any(answer);
            let first_visitor = msgs.iter().find(|m| m["type"] == "visitor").map(at).unwrap();
            let first_answer = msgs.iter().find(|m| answer(m)).map(at);
            prop_assert_eq!(c["firstResponse"].as_i64().unwrap(), first_answer.map_or(0, |a| (a - first_visitor) / 1000));
            prop_assert!(c["avgResponse"].as_i64().unwrap() >= 0);
            prop_assert_eq!(c["isMissed"].as_bool().unwrap(), !answered);
            prop_assert_eq!(c["isChat"].as_bool().unwrap(), answered);
            prop_assert_eq!(c["isTriggered"].as_bool().unwrap(), msgs.iter().any(|m| !m["triggeredBy"].is_null()));
            prop_assert_eq!(c["isOffline"].as_bool().unwrap(), kind == ChatKind::Offline);
            prop_assert_eq!(c["isCompleted"].as_bool().unwrap(), kind == ChatKind::Finished);
            prop_assert_eq!(c["ratingDesc"].is_null(), c["rating"].is_null());
            // System messages: one join before the first answer; a finished chat ends closed.
            let joins: Vec<usize> = msgs.iter().enumerate().filter(|(_, m)| m["content"] == "agent.join" && m["type"] == "system").map(|(i, _)| i).collect();
            let first_answer_at = msgs.iter().position(answer);
            match first_answer_at {
                Some(i) => prop_assert_eq!(joins, vec![i - 1]),
                None => prop_assert!(joins.is_empty()),
            }
            prop_assert_eq!(closing(msgs.last().unwrap()), kind == ChatKind::Finished);
            // Senders: the same visitor key on every visitor message.
            let visitor_from: Vec<&Value> = msgs.iter().filter(|m| m["type"] == "visitor").map(|m| &m["from"]).collect();
            let want = if help_center { json!("visitor:abc") } else { json!("abc") };
            prop_assert!(visitor_from.iter().all(|f| **f == want));
        }

        #[test]
        fn webhook_events_are_signed_over_the_exact_body(
            event in proptest::sample::select(DOCUMENTED_EVENTS),
            data in crate::common::json_with(".{0,12}".prop_map(|s: String| s), "[a-z_]{1,8}"),
            secret in "[!-~]{1,40}",
        ) {
            let ev = EventCallback {
                kind: "event_callback".to_owned(),
                event: event.to_owned(),
                timestamp: "2020-08-08T07:53:18.825Z".to_owned(),
                account_id: "881987".to_owned(),
                app_id: "ap40qUkYi".to_owned(),
                data,
            };
            let req = webhook_request("http://127.0.0.1:1/h", &ev, &secret, "");
            prop_assert_eq!(req.headers[HMAC_HEADER].to_str().unwrap(), hex_hmac(&secret, &req.body));
            let back: EventCallback = serde_json::from_slice(&req.body).unwrap();
            prop_assert_eq!((&back.kind, &back.event, &back.account_id, &back.app_id), (&ev.kind, &ev.event, &ev.account_id, &ev.app_id));
            // `data` as given, verbatim (comparing parsed floats would test serde_json's rounding).
            let text = String::from_utf8_lossy(&req.body).into_owned();
            let data_text = format!(",\"data\":{}}}", serde_json::to_string(&ev.data).unwrap());
            prop_assert!(text.ends_with(&data_text), "{}", text);
        }
    }
}
