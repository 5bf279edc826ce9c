//! The Requests API and end users' access (DOC ticket-requests reference: "A request
//! is an end user's perspective on a ticket"; "Admins and agents are treated as end
//! users when using the Requests endpoint"), and end users' 403 elsewhere.

use axum::body::Body;
use serde_json::{Value, json};

use crate::common::Fake;
use crate::zendesk_exports::{auth_of, zendesk};

fn eve() -> String {
    auth_of("eve@example.org", "Eve User")
}

async fn as_eve(z: &Fake, method: &str, path: &str, body: Option<Value>) -> crate::common::Resp {
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    z.raw(method, path, Some(&eve()), body).await
}

#[tokio::test]
async fn an_end_user_creates_and_lists_requests_but_not_tickets() {
    let z = zendesk();
    let r = as_eve(
        &z,
        "POST",
        "/api/v2/requests.json",
        Some(
            json!({"request": {"subject": "Help!", "comment": {"body": "My printer is on fire!"}}}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let req = &r.json["request"];
    // Fields of a real create reply (third-party mock of a live answer).
    for key in [
        "url",
        "id",
        "status",
        "priority",
        "type",
        "subject",
        "description",
        "organization_id",
        "via",
        "custom_fields",
        "requester_id",
        "collaborator_ids",
        "email_cc_ids",
        "is_public",
        "due_at",
        "can_be_solved_by_me",
        "created_at",
        "updated_at",
        "recipient",
        "followup_source_id",
        "assignee_id",
        "fields",
    ] {
        assert!(req.get(key).is_some(), "missing {key}");
    }
    assert_eq!(req["status"], "new");
    assert_eq!(req["description"], "My printer is on fire!");
    assert_eq!(req["can_be_solved_by_me"], false);
    let me = as_eve(&z, "GET", "/api/v2/users/me.json", None).await;
    assert_eq!(req["requester_id"], me.json["user"]["id"]);
    let list = as_eve(&z, "GET", "/api/v2/requests.json", None).await;
    assert_eq!(list.json["requests"][0]["id"], req["id"]);
    assert_eq!(list.json["count"], 1);
    for path in [
        "/api/v2/tickets.json",
        "/api/v2/users.json",
        "/api/v2/incremental/tickets.json?start_time=0",
    ] {
        let r = as_eve(&z, "GET", path, None).await;
        assert_eq!(r.status, 403, "{path}");
        assert_eq!(r.json["error"], "Forbidden");
    }
    // Agents and admins see only their own requests here.
    let admin = z
        .call("GET", &format!("/api/v2/requests/{}.json", req["id"]), None)
        .await;
    assert_eq!(admin.status, 404);
    let ticket = z
        .call("GET", &format!("/api/v2/tickets/{}.json", req["id"]), None)
        .await;
    assert_eq!(ticket.json["ticket"]["via"]["channel"], "api");
}

#[tokio::test]
async fn ccs_are_resolved_or_created_and_see_the_request() {
    let z = zendesk();
    let r = as_eve(
        &z,
        "POST",
        "/api/v2/requests.json",
        Some(
            json!({"request": {"subject": "cc", "comment": {"body": "hi"},
        "email_ccs": [{"user_email": "friend@example.org", "user_name": "Friend"}]}}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let ccs = r.json["request"]["email_cc_ids"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(ccs.len(), 1);
    let friend = z
        .call("GET", &format!("/api/v2/users/{}.json", ccs[0]), None)
        .await;
    assert_eq!(friend.json["user"]["email"], "friend@example.org");
    assert_eq!(friend.json["user"]["role"], "end-user");
    assert_eq!(r.json["request"]["collaborator_ids"], json!(ccs));
}

#[tokio::test]
async fn comments_are_public_only_and_replies_reopen() {
    let z = zendesk();
    let r = as_eve(
        &z,
        "POST",
        "/api/v2/requests.json",
        Some(json!({"request": {"subject": "s", "comment": {"body": "first"}}})),
    )
    .await;
    let id = r.json["request"]["id"].as_u64().unwrap();
    let admin = z.admin_id().await;
    let u = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"comment": {"body": "internal", "public": false}}})),
        )
        .await;
    assert_eq!(u.status, 200);
    let u = z
        .call("PUT", &format!("/api/v2/tickets/{id}.json"), Some(json!({"ticket": {"status": "pending", "assignee_id": admin, "comment": {"body": "Try turning it off"}}})))
        .await;
    assert_eq!(u.status, 200, "{}", u.text);
    let c = as_eve(
        &z,
        "GET",
        &format!("/api/v2/requests/{id}/comments.json"),
        None,
    )
    .await;
    let bodies: Vec<&str> = c.json["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, vec!["first", "Try turning it off"]);
    assert!(
        c.json["comments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["request_id"] == id)
    );
    let shown = as_eve(&z, "GET", &format!("/api/v2/requests/{id}.json"), None).await;
    assert_eq!(shown.json["request"]["can_be_solved_by_me"], true);
    // An end user's public reply reopens a pending ticket (lifecycle, REFERENCE 1.6).
    let reply = as_eve(
        &z,
        "PUT",
        &format!("/api/v2/requests/{id}.json"),
        Some(json!({"request": {"comment": {"body": "Still hot", "public": false}}})),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["request"]["status"], "open");
    let c = as_eve(
        &z,
        "GET",
        &format!("/api/v2/requests/{id}/comments.json"),
        None,
    )
    .await;
    assert_eq!(
        c.json["comments"][2]["public"], true,
        "end users cannot post internal notes"
    );
    let solved = as_eve(
        &z,
        "PUT",
        &format!("/api/v2/requests/{id}.json"),
        Some(json!({"request": {"solved": true}})),
    )
    .await;
    assert_eq!(solved.json["request"]["status"], "solved");
    let one = c.json["comments"][0]["id"].as_u64().unwrap();
    let shown = as_eve(
        &z,
        "GET",
        &format!("/api/v2/requests/{id}/comments/{one}.json"),
        None,
    )
    .await;
    assert_eq!(shown.json["comment"]["body"], "first");
}
