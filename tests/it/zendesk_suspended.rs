//! Suspended tickets against Zendesk's Suspended Tickets reference: mail held
//! back (played by the `suspend` action, as scenarios send it) is listed and
//! shown with its author and cause, recovered into a ticket (one: the recovering
//! agent is the requester, the documented `{"ticket": [...]}`; many: the author
//! stays the requester, `{"tickets": [...]}`) or deleted (204).

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};

use crate::common::{Fake, fake, oneshot};

async fn suspend(z: &Fake, subject: &str, email: &str) -> u64 {
    let control = fakedesk::server::control::router(z.harness.clone());
    let body = json!({"suspended_ticket": {"subject": subject, "content": format!("{subject}, please"), "author": {"name": "Sam Sender", "email": email}}});
    let req = Request::builder()
        .method("POST")
        .uri("/zendesk/actions/suspend")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let r = oneshot(&control, req).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["suspended_ticket"]["id"].as_u64().unwrap()
}

fn ids(list: &Value) -> Vec<u64> {
    list["suspended_tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn suspended_mail_is_listed_shown_and_deleted() {
    let z = fake();
    let empty = z.call("GET", "/api/v2/suspended_tickets.json", None).await;
    assert_eq!(empty.status, 200, "{}", empty.text);
    assert_eq!(empty.json["suspended_tickets"], json!([]));
    let a = suspend(&z, "Win a prize", "lucky@example.com").await;
    let b = suspend(&z, "Auto reply", "away@example.com").await;
    let list = z.call("GET", "/api/v2/suspended_tickets.json", None).await;
    assert_eq!(ids(&list.json), [a, b]);
    let first = &list.json["suspended_tickets"][0];
    assert_eq!(first["author"]["email"], json!("lucky@example.com"));
    assert_eq!(first["author"]["name"], json!("Sam Sender"));
    assert_eq!(first["cause"], json!("Detected as spam"));
    assert_eq!(first["content"], json!("Win a prize, please"));
    assert_eq!(first["ticket_id"], Value::Null);
    assert_eq!(first["via"]["channel"], json!("email"));
    assert!(
        first["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v2/suspended_tickets/{a}.json"))
    );
    let by_subject = z
        .call(
            "GET",
            "/api/v2/suspended_tickets.json?sort_by=subject",
            None,
        )
        .await;
    assert_eq!(ids(&by_subject.json), [b, a]);
    let one = z
        .call("GET", &format!("/api/v2/suspended_tickets/{a}.json"), None)
        .await;
    assert_eq!(
        one.json["suspended_ticket"]["subject"],
        json!("Win a prize")
    );

    let gone = z
        .call(
            "DELETE",
            &format!("/api/v2/suspended_tickets/{a}.json"),
            None,
        )
        .await;
    assert_eq!(gone.status, 204);
    let again = z
        .call("GET", &format!("/api/v2/suspended_tickets/{a}.json"), None)
        .await;
    assert_eq!(again.status, 404);
    let many = z
        .call(
            "DELETE",
            &format!("/api/v2/suspended_tickets/destroy_many.json?ids={b},999999"),
            None,
        )
        .await;
    assert_eq!(many.status, 204);
    let list = z.call("GET", "/api/v2/suspended_tickets.json", None).await;
    assert_eq!(list.json["suspended_tickets"], json!([]));
}

#[tokio::test]
async fn recovering_makes_a_ticket_with_the_documented_requester() {
    let z = fake();
    let admin = z.admin_id().await;
    let one = suspend(&z, "Real question", "real@example.com").await;
    let recovered = z
        .call(
            "PUT",
            &format!("/api/v2/suspended_tickets/{one}/recover.json"),
            None,
        )
        .await;
    assert_eq!(recovered.status, 200, "{}", recovered.text);
    let ticket = recovered.json["ticket"][0]["ticket_id"].as_u64().unwrap();
    let shown = z
        .call("GET", &format!("/api/v2/tickets/{ticket}.json"), None)
        .await;
    assert_eq!(shown.json["ticket"]["subject"], json!("Real question"));
    assert_eq!(
        shown.json["ticket"]["description"],
        json!("Real question, please")
    );
    // DOC: a single recovery makes the recovering agent the requester.
    assert_eq!(shown.json["ticket"]["requester_id"], json!(admin));
    assert_eq!(shown.json["ticket"]["via"]["channel"], json!("email"));
    let left = z.call("GET", "/api/v2/suspended_tickets.json", None).await;
    assert_eq!(left.json["suspended_tickets"], json!([]));

    // Many: the author stays the requester (created as an end user).
    let a = suspend(&z, "First", "first@example.com").await;
    let b = suspend(&z, "Second", "second@example.com").await;
    let many = z
        .call(
            "PUT",
            &format!("/api/v2/suspended_tickets/recover_many.json?ids={a},{b}"),
            None,
        )
        .await;
    assert_eq!(many.status, 200, "{}", many.text);
    let tickets = many.json["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 2);
    let second = tickets[1]["ticket_id"].as_u64().unwrap();
    let shown = z
        .call("GET", &format!("/api/v2/tickets/{second}.json"), None)
        .await;
    let requester = shown.json["ticket"]["requester_id"].as_u64().unwrap();
    let user = z
        .call("GET", &format!("/api/v2/users/{requester}.json"), None)
        .await;
    assert_eq!(user.json["user"]["email"], json!("second@example.com"));
    assert_eq!(user.json["user"]["role"], json!("end-user"));

    let missing = z
        .call("PUT", "/api/v2/suspended_tickets/999999/recover.json", None)
        .await;
    assert_eq!(missing.status, 404);
    let no_ids = z
        .call("PUT", "/api/v2/suspended_tickets/recover_many.json", None)
        .await;
    assert_eq!(no_ids.status, 400);
}
