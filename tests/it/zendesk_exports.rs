//! Incremental exports (zendesk-exports-search-orgs reference, section 1): shapes and
//! paging as captured (zenpy cassettes), the documented rules (admins only, 1,000 per
//! page, start_time at least a minute old, 10 requests a minute) and their errors.

use std::time::Duration;

use fakedesk::vendors::zendesk::SeedUser;
use fakedesk::vendors::zendesk::wire::Role;
use serde_json::{Value, json};

use crate::common::{Fake, HOST, basic, fake_with};

/// A fake with an agent and an end user besides the admin, exports unthrottled.
pub(crate) fn zendesk() -> Fake {
    fake_with(|c| {
        c.zendesk.incremental.per_minute = 10_000;
        for (name, email, role) in [
            ("Agent Smith", "agent@fakedesk.test", Role::Agent),
            ("Eve User", "eve@example.org", Role::EndUser),
        ] {
            c.zendesk.users.push(SeedUser {
                name: name.to_owned(),
                email: email.to_owned(),
                role,
                token: Some("token-of-".to_owned() + name),
                password: None,
                oauth_token: None,
                external_id: None,
            });
        }
    })
}

pub(crate) fn auth_of(email: &str, name: &str) -> String {
    basic(&format!("{email}/token:token-of-{name}"))
}

/// The path and query of an absolute link the fake returned.
pub(crate) fn path_of(url: &Value) -> String {
    let url = url.as_str().expect("a URL");
    url.strip_prefix(&format!("http://{HOST}"))
        .expect("links name the host the client called")
        .to_owned()
}

fn ids(list: &Value) -> Vec<u64> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|x| x["id"].as_u64().expect("id"))
        .collect()
}

/// The run's clock, in Unix seconds.
pub(crate) fn now(z: &Fake) -> i64 {
    use fakedesk::clock::Clock as _;
    z.clock.now().unix_timestamp()
}

/// Past the minute during which changes are not exported yet.
fn settle(z: &Fake) {
    z.clock.advance(Duration::from_secs(61));
}

#[tokio::test]
async fn cursor_export_pages_exactly_per_page_and_resumes_with_new_changes() {
    let z = zendesk();
    let a = z.ticket("first").await;
    let b = z.ticket("second").await;
    let c = z.ticket("third").await;
    settle(&z);
    let r = z
        .call(
            "GET",
            "/api/v2/incremental/tickets/cursor.json?start_time=0&per_page=2",
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Captured shape: after_url, before_url null, after_cursor, before_cursor null.
    assert_eq!(ids(&r.json["tickets"]), vec![a, b]);
    assert_eq!(r.json["before_url"], Value::Null);
    assert_eq!(r.json["before_cursor"], Value::Null);
    assert_eq!(r.json["end_of_stream"], false);
    let next = path_of(&r.json["after_url"]);
    assert!(
        next.starts_with("/api/v2/incremental/tickets/cursor.json?cursor="),
        "{next}"
    );
    assert!(
        next.ends_with("&per_page=2"),
        "the captured after_url keeps per_page: {next}"
    );
    assert!(r.json["tickets"][0]["generated_timestamp"].is_i64());
    let r = z.call("GET", &next, None).await;
    assert_eq!(ids(&r.json["tickets"]), vec![c]);
    // Captured: the last page still has an after_url to poll later.
    assert_eq!(r.json["end_of_stream"], true);
    let resume = path_of(&r.json["after_url"]);
    let empty = z.call("GET", &resume, None).await;
    assert_eq!(ids(&empty.json["tickets"]), Vec::<u64>::new());
    // A change made through the API comes back on the next page, once.
    let u = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{a}.json"),
            Some(json!({"ticket": {"priority": "high"}})),
        )
        .await;
    assert_eq!(u.status, 200);
    settle(&z);
    let r = z.call("GET", &resume, None).await;
    assert_eq!(ids(&r.json["tickets"]), vec![a]);
    assert_eq!(r.json["tickets"][0]["priority"], "high");
}

#[tokio::test]
async fn the_most_recent_minute_is_not_exported_yet() {
    let z = zendesk();
    z.clock.advance(Duration::from_secs(120));
    let t = z.ticket("fresh").await;
    let path = "/api/v2/incremental/tickets/cursor.json?start_time=0";
    let r = z.call("GET", path, None).await;
    assert_eq!(ids(&r.json["tickets"]), Vec::<u64>::new());
    z.clock.advance(Duration::from_secs(60));
    let r = z.call("GET", path, None).await;
    assert_eq!(ids(&r.json["tickets"]), vec![t]);
}

#[tokio::test]
async fn start_time_must_be_given_and_at_least_a_minute_old() {
    let z = zendesk();
    let now = now(&z);
    for path in [
        "/api/v2/incremental/tickets.json",
        "/api/v2/incremental/users/cursor.json",
    ] {
        let r = z.call("GET", path, None).await;
        assert_eq!(r.status, 422, "{path}");
        assert_eq!(r.json["error"], "InvalidValue");
    }
    let r = z
        .call(
            "GET",
            &format!("/api/v2/incremental/tickets.json?start_time={}", now - 30),
            None,
        )
        .await;
    // Third-party capture: 422 InvalidValue "Too recent start_time. ..."; clients
    // match the prefix.
    assert_eq!(r.status, 422);
    assert_eq!(r.json["error"], "InvalidValue");
    assert!(
        r.json["description"]
            .as_str()
            .unwrap()
            .starts_with("Too recent start_time.")
    );
    let ok = z
        .call(
            "GET",
            &format!("/api/v2/incremental/tickets.json?start_time={}", now - 60),
            None,
        )
        .await;
    assert_eq!(ok.status, 200);
    let bad = z
        .call(
            "GET",
            "/api/v2/incremental/tickets/cursor.json?cursor=garbage",
            None,
        )
        .await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn time_export_never_cuts_a_second_and_steps_past_it() {
    // Captured: per_page=1 with 7 tickets in one second returned all 7 with
    // end_time = that second + 1.
    let z = zendesk();
    let created: Vec<u64> = [
        z.ticket("a").await,
        z.ticket("b").await,
        z.ticket("c").await,
    ]
    .into();
    let second = now(&z);
    settle(&z);
    let r = z
        .call(
            "GET",
            "/api/v2/incremental/tickets.json?start_time=0&per_page=1",
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(ids(&r.json["tickets"]), created);
    assert_eq!(r.json["count"], 3);
    assert_eq!(r.json["end_time"], second + 1);
    assert_eq!(r.json["end_of_stream"], true);
    assert_eq!(
        path_of(&r.json["next_page"]),
        format!(
            "/api/v2/incremental/tickets.json?per_page=1&start_time={}",
            second + 1
        )
    );
}

#[tokio::test]
async fn users_and_organizations_have_time_exports() {
    let z = zendesk();
    let org = z
        .call(
            "POST",
            "/api/v2/organizations.json",
            Some(json!({"organization": {"name": "Acme", "tags": ["vip"]}})),
        )
        .await;
    assert_eq!(org.status, 201, "{}", org.text);
    let org_id = org.json["organization"]["id"].as_u64().unwrap();
    settle(&z);
    let r = z
        .call(
            "GET",
            "/api/v2/incremental/organizations.json?start_time=0",
            None,
        )
        .await;
    assert_eq!(ids(&r.json["organizations"]), vec![org_id]);
    assert_eq!(r.json["organizations"][0]["name"], "Acme");
    let users = z
        .call("GET", "/api/v2/incremental/users.json?start_time=0", None)
        .await;
    // The three seeded users.
    assert_eq!(users.json["count"], 3);
    let cursor = z
        .call(
            "GET",
            "/api/v2/incremental/users/cursor.json?start_time=0",
            None,
        )
        .await;
    assert_eq!(cursor.json["users"].as_array().unwrap().len(), 3);
    assert_eq!(cursor.json["end_of_stream"], true);
}

#[tokio::test]
async fn deleted_tickets_show_as_deleted_unless_excluded() {
    let z = zendesk();
    let keep = z.ticket("keep").await;
    let gone = z.ticket("gone").await;
    assert_eq!(
        z.call("DELETE", &format!("/api/v2/tickets/{gone}.json"), None)
            .await
            .status,
        204
    );
    settle(&z);
    let r = z
        .call(
            "GET",
            "/api/v2/incremental/tickets/cursor.json?start_time=0",
            None,
        )
        .await;
    assert_eq!(ids(&r.json["tickets"]), vec![keep, gone]);
    assert_eq!(r.json["tickets"][1]["status"], "deleted");
    let r = z
        .call(
            "GET",
            "/api/v2/incremental/tickets/cursor.json?start_time=0&exclude_deleted=true",
            None,
        )
        .await;
    assert_eq!(ids(&r.json["tickets"]), vec![keep]);
}

#[tokio::test]
async fn ticket_events_show_comments_only_when_asked() {
    let z = zendesk();
    let t = z.ticket("events").await;
    settle(&z);
    let r = z
        .call(
            "GET",
            "/api/v2/incremental/ticket_events.json?start_time=0",
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let event = &r.json["ticket_events"][0];
    assert_eq!(event["ticket_id"], t);
    // The parent's via is a string (connector schema), children carry the booleans.
    assert_eq!(event["via"], "API");
    let children = event["child_events"].as_array().unwrap();
    assert!(children.iter().all(|c| c["comment_present"] == true));
    assert!(!children.iter().any(|c| c["event_type"] == "Comment"));
    let r = z
        .call(
            "GET",
            "/api/v2/incremental/ticket_events.json?start_time=0&include=comment_events",
            None,
        )
        .await;
    let children = r.json["ticket_events"][0]["child_events"]
        .as_array()
        .unwrap()
        .clone();
    let comment = children
        .iter()
        .find(|c| c["event_type"] == "Comment")
        .expect("a comment event");
    assert_eq!(comment["body"], "about events");
    assert!(
        comment["via"].is_object(),
        "the child's via is an object (DOC example)"
    );
    let m = z
        .call(
            "GET",
            "/api/v2/incremental/ticket_metric_events.json?start_time=0",
            None,
        )
        .await;
    let metrics: Vec<&str> = m.json["ticket_metric_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["metric"].as_str().unwrap())
        .collect();
    assert!(metrics.contains(&"reply_time"), "{metrics:?}");
    assert!(
        m.json["ticket_metric_events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"] == "activate")
    );
}

#[tokio::test]
async fn side_loads_come_with_the_page() {
    let z = zendesk();
    z.ticket("with people").await;
    settle(&z);
    let r = z
        .call(
            "GET",
            "/api/v2/incremental/tickets.json?start_time=0&include=users,comment_count",
            None,
        )
        .await;
    assert_eq!(r.json["users"].as_array().unwrap().len(), 1);
    assert_eq!(r.json["users"][0]["email"], "admin@fakedesk.test");
    assert_eq!(r.json["tickets"][0]["comment_count"], 1);
}

#[tokio::test]
async fn exports_are_for_admins_and_have_their_own_budget() {
    let z = zendesk();
    let agent = auth_of("agent@fakedesk.test", "Agent Smith");
    let r = z
        .raw(
            "GET",
            "/api/v2/incremental/tickets.json?start_time=0",
            Some(&agent),
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(r.status, 403);
    // DOC: 10 requests a minute by default.
    let limited = fake_with(|_| {});
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let r = limited
            .call("GET", "/api/v2/incremental/users.json?start_time=0", None)
            .await;
        statuses.push(r.status);
        if r.status == 429 {
            assert!(r.header("retry-after").is_some());
        }
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 10);
    assert_eq!(statuses[10], 429);
}

/// The metric events export in its cursor form (`page[size]`), as the Zendesk
/// data connector pages it: its paginator follows `links.next` while
/// `meta.has_more` holds (CAPTURE: the connector's manifest). Every event comes
/// exactly once across the pages, in the time form's order.
#[tokio::test]
async fn metric_events_page_by_cursor_when_a_page_size_is_given() {
    let z = zendesk();
    for i in 0..4 {
        z.ticket(&format!("metrics {i}")).await;
    }
    settle(&z);
    let all = z
        .call(
            "GET",
            "/api/v2/incremental/ticket_metric_events.json?start_time=0",
            None,
        )
        .await;
    let want: Vec<Value> = all.json["ticket_metric_events"].as_array().unwrap().clone();
    assert!(want.len() > 4, "several events: {}", want.len());
    let mut got: Vec<Value> = Vec::new();
    let mut path =
        "/api/v2/incremental/ticket_metric_events.json?start_time=0&page[size]=3".to_owned();
    for _ in 0..50 {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(
            r.json.get("end_of_stream").is_none(),
            "the cursor form: {}",
            r.text
        );
        got.extend(
            r.json["ticket_metric_events"]
                .as_array()
                .unwrap()
                .iter()
                .cloned(),
        );
        if r.json["meta"]["has_more"] != json!(true) {
            assert!(r.json["links"]["next"].is_null());
            break;
        }
        let next = r.json["links"]["next"].as_str().unwrap();
        path = next[next.find("/api/v2/").unwrap()..].to_owned();
    }
    assert_eq!(got, want);
}

/// The satisfaction ratings list takes `sort=created_at`, as the Zendesk data
/// connector sends it (CAPTURE: its requests).
#[tokio::test]
async fn satisfaction_ratings_take_the_connectors_sort() {
    let z = zendesk();
    let r = z
        .call(
            "GET",
            "/api/v2/satisfaction_ratings?sort=created_at&page[size]=100&start_time=0",
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["meta"]["has_more"], json!(false));
}
