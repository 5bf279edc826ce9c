//! Fake Take Blip's other extensions over real sockets: contacts filled in by
//! the attendance flow, chat history holding exactly the messages exchanged,
//! event tracking, bucket and resources, the scheduler, the inboxes
//! lime-transport-http polls, throughput limits and the command deadline.
//! Expected shapes come from REFERENCE extensions §§ 3–10.

use std::time::Duration;

use serde_json::{Value, json};

use crate::blip::{Blip, blip, platform};

const CRM: &str = "postmaster@crm.msging.net";
const ANALYTICS: &str = "postmaster@analytics.msging.net";
const SCHEDULER: &str = "postmaster@scheduler.msging.net";
const CONTACT: &str = "application/vnd.lime.contact+json";

fn ok(r: &Value) -> &Value {
    assert_eq!(r["status"], "success", "{r}");
    &r["resource"]
}

fn code(r: &Value) -> i64 {
    assert_eq!(r["status"], "failure", "{r}");
    r["reason"]["code"].as_i64().unwrap()
}

async fn tick() {
    // Distinct millisecond dates, so thread order is by time alone.
    tokio::time::sleep(Duration::from_millis(3)).await;
}

async fn journal(b: &Blip) -> Vec<Value> {
    let url = format!("{}/journal?vendor=blip", b.running.url("control"));
    let j: Value = b.http.get(url).send().await.unwrap().json().await.unwrap();
    j["entries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn contacts_appear_with_the_attendance_and_take_set_merge_and_comments() {
    let p = platform().await;
    let b = blip(Some(&p), |_| {}).await;
    let customer = "1180740631991418@messenger.gw.msging.net";
    b.action("handoff", json!({"customer": customer, "text": "hi"}))
        .await;
    let got = b
        .cmd(Some(CRM), "get", &format!("/contacts/{customer}"), None)
        .await;
    assert_eq!(got["type"], CONTACT);
    assert_eq!(ok(&got)["identity"], customer);
    // [DOC] contacts.md: `source` names the channel, e.g. "Facebook Messenger".
    assert_eq!(ok(&got)["source"], "Facebook Messenger");
    assert!(ok(&got)["lastMessageDate"].is_string());

    let who = "x@0mn.io";
    let c = json!({"identity": who, "name": "John Doe", "extras": {"plan": "Gold"}});
    ok(&b
        .cmd(Some(CRM), "set", "/contacts", Some((CONTACT, c)))
        .await);
    ok(&b
        .cmd(
            Some(CRM),
            "merge",
            "/contacts",
            Some((CONTACT, json!({"identity": who, "city": "BH"}))),
        )
        .await);
    let merged = b
        .cmd(Some(CRM), "get", &format!("/contacts/{who}"), None)
        .await;
    assert_eq!(
        (ok(&merged)["name"].as_str(), ok(&merged)["city"].as_str()),
        (Some("John Doe"), Some("BH"))
    );
    // [DOC] set replaces: properties left out are deleted.
    ok(&b
        .cmd(
            Some(CRM),
            "set",
            "/contacts",
            Some((CONTACT, json!({"identity": who, "email": "j@d.com"}))),
        )
        .await);
    let replaced = b
        .cmd(Some(CRM), "get", &format!("/contacts/{who}"), None)
        .await;
    assert!(ok(&replaced).get("name").is_none(), "{replaced}");
    let page = b
        .cmd(Some(CRM), "get", "/contacts?$skip=0&$take=1", None)
        .await;
    assert_eq!(
        (
            ok(&page)["total"].as_u64(),
            ok(&page)["items"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    let filtered = b
        .cmd(
            Some(CRM),
            "get",
            "/contacts?$filter=email%20eq%20'j%40d.com'",
            None,
        )
        .await;
    assert_eq!(ok(&filtered)["items"][0]["identity"], who);
    assert_eq!(
        code(&b.cmd(Some(CRM), "get", "/contacts?$take=30001", None).await),
        64
    );
    let bad = json!({"identity": who, "extras": {"n": 1}});
    assert_eq!(
        code(
            &b.cmd(Some(CRM), "set", "/contacts", Some((CONTACT, bad)))
                .await
        ),
        64
    );
    assert_eq!(
        code(
            &b.cmd(Some(CRM), "get", "/contacts/nobody@0mn.io", None)
                .await
        ),
        67
    );

    let comment_type = "application/vnd.iris.crm.comment+json";
    let added = b
        .cmd(
            Some(CRM),
            "set",
            &format!("/contacts/{who}/comments"),
            Some((comment_type, json!({"content": "VIP"}))),
        )
        .await;
    assert_eq!(added["type"], comment_type);
    let id = ok(&added)["id"].as_str().unwrap().to_owned();
    assert!(ok(&added)["storageDate"].is_string());
    let list = b
        .cmd(Some(CRM), "get", &format!("/contacts/{who}/comments"), None)
        .await;
    assert_eq!(ok(&list)["items"][0]["content"], "VIP");
    ok(&b
        .cmd(
            Some(CRM),
            "delete",
            &format!("/contacts/{who}/comments/{id}"),
            None,
        )
        .await);
    assert_eq!(
        code(
            &b.cmd(
                Some(CRM),
                "delete",
                &format!("/contacts/{who}/comments/{id}"),
                None
            )
            .await
        ),
        67
    );
    let orphan = b
        .cmd(
            Some(CRM),
            "set",
            "/contacts/nobody@0mn.io/comments",
            Some((comment_type, json!({"content": "x"}))),
        )
        .await;
    assert_eq!(code(&orphan), 67);
}

#[tokio::test]
async fn a_thread_holds_exactly_the_messages_of_the_attendance_flow() {
    let p = platform().await;
    let b = blip(Some(&p), |_| {}).await;
    let customer = "5511999999999@wa.gw.msging.net";
    let (_, h) = b
        .action(
            "handoff",
            json!({"customer": customer, "text": "I need a human"}),
        )
        .await;
    let ticket = h["ticket"]["id"].as_str().unwrap().to_owned();
    tick().await;
    let open =
        json!({"id": ticket, "status": "Open", "agentIdentity": "ana%40example.com@blip.ai"});
    b.desk(
        "set",
        "/tickets/change-status",
        Some(("application/vnd.iris.ticket+json", open)),
    )
    .await;
    b.action(
        "customer_message",
        json!({"ticket": ticket, "text": "Are you there?", "id": "m-customer"}),
    )
    .await;
    tick().await;
    let agent = json!({"id": "m-agent", "to": format!("{ticket}@desk.msging.net/Webhook"), "type": "text/plain", "content": "Yes!"});
    assert_eq!(b.send("/messages", &agent).await.0, 202);
    tick().await;
    let bot = json!({"id": "m-bot", "to": customer, "type": "text/plain", "content": "Bye"});
    assert_eq!(b.send("/messages", &bot).await.0, 202);

    let thread = b
        .cmd(None, "get", &format!("/threads/{customer}"), None)
        .await;
    let r = ok(&thread);
    assert_eq!(r["itemType"], "application/vnd.iris.thread-message+json");
    let items = r["items"].as_array().unwrap();
    // Newest first ([DOC] chat-history example).
    let ids: Vec<&str> = items.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(&ids[..3], ["m-bot", "m-agent", "m-customer"]);
    let dirs: Vec<&str> = items
        .iter()
        .map(|m| m["direction"].as_str().unwrap())
        .collect();
    assert_eq!(dirs, ["sent", "sent", "received", "received"]);
    // The ticket's transcript and the thread hold the same lines.
    let state = b.state().await;
    let transcript = state["tickets"][&ticket]["transcript"].as_array().unwrap();
    assert_eq!(transcript.len() + 1, items.len());
    for line in transcript {
        assert!(
            items
                .iter()
                .any(|m| m["id"] == line["id"] && m["content"] == line["content"]),
            "{line}"
        );
    }
    let threads = b.cmd(None, "get", "/threads", None).await;
    assert_eq!(ok(&threads)["items"][0]["identity"], customer);
    assert_eq!(ok(&threads)["items"][0]["lastMessage"]["id"], "m-bot");
    let page = b
        .cmd(None, "get", &format!("/threads/{customer}?$take=2"), None)
        .await;
    assert_eq!(
        (
            ok(&page)["total"].as_u64(),
            ok(&page)["items"].as_array().unwrap().len()
        ),
        (Some(4), 2)
    );
    let date = items[2]["date"].as_str().unwrap();
    let after = b
        .cmd(
            None,
            "get",
            &format!("/threads/{customer}?storageDate={date}&direction=asc"),
            None,
        )
        .await;
    let after: Vec<&str> = ok(&after)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(after, ["m-agent", "m-bot"]);
    let bad = b
        .cmd(
            None,
            "get",
            &format!("/threads/{customer}?direction=up"),
            None,
        )
        .await;
    assert_eq!(code(&bad), 64);
}

#[tokio::test]
async fn a_message_to_a_destination_the_fake_does_not_model_is_journaled_as_such() {
    let b = blip(None, |_| {}).await;
    let msg = json!({"id": "u1", "to": "someone@unknown.gw.msging.net", "type": "text/plain", "content": "hi"});
    assert_eq!(b.send("/messages", &msg).await.0, 202);
    let entries = journal(&b).await;
    assert_eq!(entries.last().unwrap()["unmatched"], true);
    let state = b.state().await;
    assert_eq!(state["extensions"]["unmodeled"][0]["envelope"]["id"], "u1");
}

#[tokio::test]
async fn events_are_tracked_counted_per_action_and_deleted() {
    let b = blip(None, |_| {}).await;
    let t = "application/vnd.iris.eventTrack+json";
    for (action, contact) in [
        ("success-order", None),
        ("success-order", None),
        ("failure", Some("123@messenger.gw.msging.net")),
    ] {
        let mut e = json!({"category": "payments", "action": action, "extras": {"amount": "10"}});
        if let Some(c) = contact {
            e["contact"] = json!({"identity": c});
        }
        ok(&b
            .cmd(Some(ANALYTICS), "set", "/event-track", Some((t, e)))
            .await);
    }
    let cats = b.cmd(Some(ANALYTICS), "get", "/event-track", None).await;
    assert_eq!(ok(&cats)["items"], json!([{"category": "payments"}]));
    let counts = b
        .cmd(Some(ANALYTICS), "get", "/event-track/payments", None)
        .await;
    let items = ok(&counts)["items"].as_array().unwrap().clone();
    let count = |a: &str| {
        items
            .iter()
            .find(|i| i["action"] == a)
            .map(|i| i["count"].clone())
    };
    assert_eq!(
        (count("success-order"), count("failure")),
        (Some(json!(2)), Some(json!(1)))
    );
    let details = b
        .cmd(
            Some(ANALYTICS),
            "get",
            "/event-track/payments/failure?$take=10",
            None,
        )
        .await;
    assert_eq!(ok(&details)["total"], 1);
    assert_eq!(
        ok(&details)["items"][0]["contact"]["identity"],
        "123@messenger.gw.msging.net"
    );
    assert_eq!(
        code(
            &b.cmd(
                Some(ANALYTICS),
                "get",
                "/event-track/payments/failure?$take=501",
                None
            )
            .await
        ),
        64
    );
    let missing = json!({"category": "payments"});
    assert_eq!(
        code(
            &b.cmd(Some(ANALYTICS), "set", "/event-track", Some((t, missing)))
                .await
        ),
        64
    );
    ok(&b
        .cmd(Some(ANALYTICS), "delete", "/event-track/payments", None)
        .await);
    assert_eq!(
        ok(&b.cmd(Some(ANALYTICS), "get", "/event-track", None).await)["total"],
        0
    );
    assert_eq!(
        code(
            &b.cmd(Some(ANALYTICS), "delete", "/event-track/payments", None)
                .await
        ),
        67
    );
}

#[tokio::test]
async fn buckets_and_resources_keep_type_and_document_and_expire() {
    let b = blip(None, |_| {}).await;
    // [DOC] bucket.md: keys are URI-encoded; the list shows them decoded.
    let doc = json!({"key1": "value1", "key2": 2});
    ok(&b
        .cmd(
            None,
            "set",
            "/buckets/abcd%c3%a9%201234",
            Some(("application/x-my-type+json", doc.clone())),
        )
        .await);
    let got = b.cmd(None, "get", "/buckets/abcd%c3%a9%201234", None).await;
    assert_eq!(
        (got["type"].as_str(), &got["resource"]),
        (Some("application/x-my-type+json"), &doc)
    );
    let keys = b
        .cmd(Some("postmaster@msging.net"), "get", "/buckets", None)
        .await;
    assert_eq!(ok(&keys)["itemType"], "text/plain");
    assert_eq!(ok(&keys)["items"], json!(["abcd\u{e9} 1234"]));
    ok(&b
        .cmd(
            None,
            "set",
            "/buckets/short?expiration=1",
            Some(("application/json", json!({"a": 1}))),
        )
        .await);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(code(&b.cmd(None, "get", "/buckets/short", None).await), 67);
    ok(&b
        .cmd(None, "delete", "/buckets/abcd%c3%a9%201234", None)
        .await);
    assert_eq!(
        code(&b.cmd(None, "get", "/buckets/abcd%c3%a9%201234", None).await),
        67
    );

    ok(&b
        .cmd(
            None,
            "set",
            "/resources/welcome-message",
            Some(("text/plain", json!("Hello ${contact.name}"))),
        )
        .await);
    let r = b.cmd(None, "get", "/resources/welcome-message", None).await;
    assert_eq!(
        (r["type"].as_str(), r["resource"].as_str()),
        (Some("text/plain"), Some("Hello ${contact.name}"))
    );
    let keys = b.cmd(None, "get", "/resources?skip=0&take=5", None).await;
    assert_eq!(ok(&keys)["items"], json!(["welcome-message"]));
    ok(&b
        .cmd(None, "delete", "/resources/welcome-message", None)
        .await);
    assert_eq!(
        code(&b.cmd(None, "get", "/resources/welcome-message", None).await),
        67
    );
}

#[tokio::test]
async fn schedules_wait_for_their_time_and_can_be_canceled() {
    let b = blip(None, |_| {}).await;
    let t = "application/vnd.iris.schedule+json";
    let later = json!({"message": {"id": "s-later", "to": "destination@0mn.io", "type": "text/plain", "content": "Scheduling test."},
        "when": "2099-07-25T17:50:00.000Z", "name": "New Schedule"});
    ok(&b
        .cmd(Some(SCHEDULER), "set", "/schedules", Some((t, later)))
        .await);
    let got = b
        .cmd(Some(SCHEDULER), "get", "/schedules/s-later", None)
        .await;
    assert_eq!(got["type"], t);
    assert_eq!(ok(&got)["status"], "scheduled");
    // [DOC] scheduler.md: US-format `#scheduler.when`, `pp` through the scheduler.
    assert_eq!(
        ok(&got)["message"]["metadata"]["#scheduler.when"],
        "07/25/2099 17:50:00"
    );
    assert_eq!(ok(&got)["message"]["from"], "fakedeskbot@msging.net");
    ok(&b
        .cmd(Some(SCHEDULER), "delete", "/schedules/s-later", None)
        .await);
    let canceled = b
        .cmd(Some(SCHEDULER), "get", "/schedules/s-later", None)
        .await;
    assert_eq!(ok(&canceled)["status"], "canceled");

    let due = json!({"message": {"id": "s-now", "to": "destination@0mn.io", "type": "text/plain", "content": "Now"},
        "when": "2020-01-01T00:00:00.000Z"});
    ok(&b
        .cmd(Some(SCHEDULER), "set", "/schedules", Some((t, due)))
        .await);
    let done = b
        .cmd(Some(SCHEDULER), "get", "/schedules/s-now", None)
        .await;
    assert_eq!(ok(&done)["status"], "executed");
    let state = b.state().await;
    assert!(
        state["sent"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == "s-now")
    );
    assert_eq!(
        code(
            &b.cmd(Some(SCHEDULER), "delete", "/schedules/s-now", None)
                .await
        ),
        66
    );
    assert_eq!(
        code(&b.cmd(Some(SCHEDULER), "get", "/schedules/none", None).await),
        67
    );
    assert_eq!(
        ok(&b.cmd(Some(SCHEDULER), "get", "/schedules", None).await)["total"],
        2
    );
    let bad = json!({"message": {"to": "d@0mn.io", "type": "text/plain", "content": "x"}, "when": "soon"});
    assert_eq!(
        code(
            &b.cmd(Some(SCHEDULER), "set", "/schedules", Some((t, bad)))
                .await
        ),
        64
    );
}

async fn poll(b: &Blip, path: &str, auth: bool) -> (u16, Value) {
    let mut req = b.http.get(format!("{}{path}", b.running.url("blip")));
    if auth {
        req = req.header("authorization", format!("Key {}", b.key));
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (
        status,
        serde_json::from_str(&res.text().await.unwrap()).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_inboxes_lime_transport_http_polls_drain_unless_told_to_keep() {
    let p = platform().await;
    let b = blip(Some(&p), |_| {}).await;
    let (_, h) = b
        .action(
            "handoff",
            json!({"customer": "1@wa.gw.msging.net", "text": "hi"}),
        )
        .await;
    let ticket = h["ticket"]["id"].as_str().unwrap().to_owned();
    b.action("customer_close", json!({"ticket": ticket})).await;
    let (s, kept) = poll(&b, "/messages/inbox?keepStorage=true", true).await;
    assert_eq!(s, 200);
    assert_eq!(kept.as_array().unwrap().len(), 1);
    assert_eq!(kept[0]["type"], "application/vnd.lime.redirect+json");
    let (_, drained) = poll(&b, "/messages/inbox?keepStored=false", true).await;
    assert_eq!(drained, kept);
    assert_eq!(
        poll(&b, "/messages/inbox?keepStored=false", true).await,
        (200, json!([]))
    );
    assert_eq!(poll(&b, "/messages/inbox", false).await.0, 401);
    // The bot forwarding a customer who has no ticket: the failure is the bot's.
    let fwd = json!({"id": "f1", "to": "nobody%40wa.gw.msging.net@desk.msging.net", "type": "text/plain", "content": "x"});
    assert_eq!(b.send("/messages", &fwd).await.0, 202);
    let (_, notes) = poll(&b, "/notifications/inbox", true).await;
    assert_eq!(notes[0]["id"], "f1");
    assert_eq!(notes[0]["event"], "failed");
    // blip-sdk 10.0.1 acknowledges a polled message with a null metadata value.
    let ack = json!({"id": kept[0]["id"], "to": kept[0]["from"], "event": "consumed", "metadata": {"#message.uniqueId": null}});
    assert_eq!(b.send("/notifications", &ack).await.0, 202);
}

#[tokio::test]
async fn commands_over_the_limit_get_429_and_slow_ones_504() {
    let b = blip(None, |c| {
        c.blip.limits.commands_per_second = 2;
    })
    .await;
    let c = json!({"id": "1", "method": "get", "uri": "/buckets"});
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(b.send("/commands", &c).await.0);
    }
    assert_eq!(statuses, [200, 200, 429]);
    let slow = blip(None, |c| {
        let l = &mut c.blip.limits;
        l.command_latency_ms = 40;
        l.command_timeout_ms = 20;
    })
    .await;
    assert_eq!(slow.send("/commands", &c).await.0, 504);
}

#[tokio::test]
async fn coverage_lists_the_lime_routes_and_unrouted_commands_are_unmatched() {
    let b = blip(None, |_| {}).await;
    let unknown =
        json!({"id": "1", "to": "postmaster@ai.msging.net", "method": "get", "uri": "/intentions"});
    let (_, r) = b.send("/commands", &unknown).await;
    assert_eq!(code(&r), 62);
    let cov: Value = b
        .http
        .get(format!("{}/coverage", b.running.url("control")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let blip = &cov["vendors"]["blip"];
    let implemented = blip["implemented"].as_array().unwrap();
    assert!(implemented.contains(
        &json!({"method": "get", "path": "lime://postmaster@desk.msging.net/attendants"})
    ));
    assert!(implemented.contains(&json!({"method": "GET", "path": "/messages/inbox"})));
    assert_eq!(blip["unmatched"][0]["path"], "/commands");
}

#[tokio::test]
async fn context_variables_and_the_profile_keep_type_and_document() {
    let b = blip(None, |_| {}).await;
    let user = "5511@wa.gw.msging.net";
    let bot = Some("postmaster@msging.net");
    // Postman "Extensions / Builder": the flow state lives in `stateid@0`.
    ok(&b
        .cmd(
            bot,
            "set",
            &format!("/contexts/{user}/stateid%400"),
            Some(("text/plain", json!("onboarding"))),
        )
        .await);
    ok(&b
        .cmd(
            bot,
            "set",
            &format!("/contexts/{user}/plan"),
            Some(("application/json", json!({"tier": "gold"}))),
        )
        .await);
    let state = b
        .cmd(bot, "get", &format!("/contexts/{user}/stateid%400"), None)
        .await;
    assert_eq!(
        (state["type"].as_str(), state["resource"].as_str()),
        (Some("text/plain"), Some("onboarding"))
    );
    let vars = b.cmd(bot, "get", &format!("/contexts/{user}"), None).await;
    assert_eq!(ok(&vars)["items"], json!(["stateid@0", "plan"]));
    assert_eq!(
        ok(&b.cmd(bot, "get", "/contexts/", None).await)["items"],
        json!([user])
    );
    ok(&b
        .cmd(
            None,
            "delete",
            &format!("/contexts/{user}/stateid%400"),
            None,
        )
        .await);
    // The C# SDK reads 67 as "no such variable".
    assert_eq!(
        code(
            &b.cmd(bot, "get", &format!("/contexts/{user}/stateid%400"), None)
                .await
        ),
        67
    );

    ok(&b
        .cmd(
            None,
            "set",
            "/profile/greeting",
            Some(("text/plain", json!("Hello and welcome to our service!"))),
        )
        .await);
    let g = b.cmd(bot, "get", "/profile/greeting", None).await;
    assert_eq!(g["resource"], "Hello and welcome to our service!");
    assert_eq!(
        ok(&b.cmd(bot, "get", "/profile", None).await)["items"],
        json!(["greeting"])
    );
    ok(&b.cmd(bot, "delete", "/profile/greeting", None).await);
    assert_eq!(
        code(&b.cmd(bot, "get", "/profile/greeting", None).await),
        67
    );
}

#[tokio::test]
async fn a_broadcast_reaches_every_recipient_of_its_list() {
    let b = blip(None, |_| {}).await;
    let bc = Some("postmaster@broadcast.msging.net");
    let list_type = "application/vnd.iris.distribution-list+json";
    ok(&b
        .cmd(
            bc,
            "set",
            "/lists",
            Some((list_type, json!({"identity": "news@broadcast.msging.net"}))),
        )
        .await);
    for who in ["a@0mn.io", "b@0mn.io"] {
        ok(&b
            .cmd(
                bc,
                "set",
                "/lists/news@broadcast.msging.net/recipients",
                Some(("application/vnd.lime.identity", json!(who))),
            )
            .await);
    }
    let members = b
        .cmd(
            bc,
            "get",
            "/lists/news@broadcast.msging.net/recipients?$skip=0&$take=5",
            None,
        )
        .await;
    assert_eq!(ok(&members)["items"], json!(["a@0mn.io", "b@0mn.io"]));
    assert_eq!(
        ok(&b.cmd(bc, "get", "/lists", None).await)["items"],
        json!([{"identity": "news@broadcast.msging.net"}])
    );
    let msg = json!({"id": "bc1", "to": "news@broadcast.msging.net", "type": "text/plain", "content": "Hello participants of this list!"});
    assert_eq!(b.send("/messages", &msg).await.0, 202);
    assert_ne!(journal(&b).await.last().unwrap()["unmatched"], true);
    for who in ["a@0mn.io", "b@0mn.io"] {
        let t = b.cmd(None, "get", &format!("/threads/{who}"), None).await;
        assert_eq!(ok(&t)["items"][0]["id"], "bc1", "{who}");
    }
    ok(&b
        .cmd(
            bc,
            "delete",
            "/lists/news@broadcast.msging.net/recipients/a@0mn.io",
            None,
        )
        .await);
    assert_eq!(
        code(
            &b.cmd(
                bc,
                "delete",
                "/lists/news@broadcast.msging.net/recipients/a@0mn.io",
                None
            )
            .await
        ),
        67
    );
    ok(&b
        .cmd(bc, "delete", "/lists/news@broadcast.msging.net", None)
        .await);
    // [DOC] concepts2/commands.md: an unknown list fails with 60.
    let gone = b
        .cmd(
            bc,
            "set",
            "/lists/news@broadcast.msging.net/recipients",
            Some(("application/vnd.lime.identity", json!("a@0mn.io"))),
        )
        .await;
    assert_eq!(code(&gone), 60);
}
