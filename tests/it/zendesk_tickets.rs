//! Ticket endpoints and the status lifecycle (REFERENCE 1.4–1.6), checked against the
//! fixtures in `fixtures/vendors/zendesk/`.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::{HOST, fake};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/fixtures/vendors/zendesk/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture exists"))
        .expect("fixture is JSON")
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("object").keys().cloned().collect()
}

/// JSON type names, with null compatible with anything (optional fields).
fn same_type(a: &Value, b: &Value) -> bool {
    a.is_null() || b.is_null() || std::mem::discriminant(a) == std::mem::discriminant(b)
}

#[tokio::test]
async fn created_ticket_has_every_captured_field_with_the_captured_types() {
    let z = fake();
    let r = z
        .call(
            "POST",
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "Help", "comment": {"body": "test"}}})),
        )
        .await;
    assert_eq!(r.status, 201);
    let captured = fixture("ticket.json");
    let ticket = &r.json["ticket"];
    let missing: Vec<_> = keys(&captured).difference(&keys(ticket)).cloned().collect();
    assert!(
        missing.is_empty(),
        "fields missing from the fake's ticket: {missing:?}"
    );
    for (k, v) in captured.as_object().unwrap() {
        assert!(
            same_type(v, &ticket[k]),
            "field {k}: captured {v}, fake {}",
            ticket[k]
        );
    }
    let created_at = ticket["created_at"].as_str().unwrap();
    assert_eq!(
        created_at, "2024-02-08T17:44:38Z",
        "second-precision UTC timestamps"
    );
}

#[tokio::test]
async fn create_returns_201_with_location_and_an_audit_shaped_like_the_capture() {
    let z = fake();
    let r = z
        .call(
            "POST",
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "test", "comment": {"body": "test"}}})),
        )
        .await;
    assert_eq!(r.status, 201);
    let id = r.json["ticket"]["id"].as_u64().unwrap();
    assert_eq!(
        r.header("location"),
        Some(format!("http://{HOST}/api/v2/tickets/{id}.json").as_str())
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );

    let captured = fixture("create_ticket_audit.json");
    let audit = &r.json["audit"];
    assert_eq!(
        keys(audit).difference(&keys(&captured)).count(),
        0,
        "no fields the capture lacks"
    );
    let shape = |a: &Value| -> Vec<(String, Value)> {
        a["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["type"].as_str().unwrap().to_owned(),
                    e.get("field_name").cloned().unwrap_or(Value::Null),
                )
            })
            .collect()
    };
    assert_eq!(
        shape(audit),
        shape(&captured),
        "same events in the same order"
    );
    let admin = z.admin_id().await;
    // Create event values are strings, even ids (capture).
    assert_eq!(audit["events"][2]["value"], json!(admin.to_string()));
    assert_eq!(
        audit["events"][0]["html_body"],
        captured["events"][0]["html_body"]
    );
    assert_eq!(audit["via"], captured["via"]);
    assert_eq!(r.json["ticket"]["via"]["channel"], "api");
    // The caller is the default requester and submitter.
    assert_eq!(r.json["ticket"]["requester_id"], json!(admin));
    assert_eq!(r.json["ticket"]["submitter_id"], json!(admin));
}

#[tokio::test]
async fn ids_are_nice_ticket_ids_and_13_digit_object_ids() {
    let z = fake();
    let first = z.ticket("a").await;
    let second = z.ticket("b").await;
    assert_eq!(
        second,
        first + 1,
        "ticket ids are the account's sequential nice ids"
    );
    let admin = z.admin_id().await;
    assert!(
        (1_000_000_000_000..10_000_000_000_000).contains(&admin),
        "user id {admin} has 13 digits"
    );
}

#[tokio::test]
async fn first_comment_becomes_the_description_and_a_requester_object_finds_or_creates_the_user() {
    let z = fake();
    let body = json!({"ticket": {"subject": "Fire", "comment": {"body": "The smoke is very colorful."}, "priority": "urgent", "requester": {"name": "The Customer", "email": "thecustomer@example.com"}}});
    let r = z
        .call("POST", "/api/v2/tickets.json", Some(body.clone()))
        .await;
    let t = &r.json["ticket"];
    assert_eq!(t["description"], "The smoke is very colorful.");
    assert_eq!(t["priority"], "urgent");
    let requester = t["requester_id"].as_u64().unwrap();
    let user = z
        .call("GET", &format!("/api/v2/users/{requester}.json"), None)
        .await;
    assert_eq!(user.json["user"]["email"], "thecustomer@example.com");
    assert_eq!(user.json["user"]["role"], "end-user");
    let again = z.call("POST", "/api/v2/tickets.json", Some(body)).await;
    assert_eq!(
        again.json["ticket"]["requester_id"],
        json!(requester),
        "same email, same user"
    );
}

#[tokio::test]
async fn a_ticket_without_a_comment_is_refused_like_zendesk() {
    let z = fake();
    let r = z
        .call(
            "POST",
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "no body"}})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json["error"], "RecordInvalid");
    assert_eq!(
        r.json["details"]["base"][0],
        json!({"description": "Description: cannot be blank", "error": "BlankValue"})
    );
}

#[tokio::test]
async fn every_path_works_with_and_without_json_suffix() {
    let z = fake();
    let id = z.ticket("x").await;
    for path in [
        format!("/api/v2/tickets/{id}"),
        format!("/api/v2/tickets/{id}.json"),
        format!("/api/v2/tickets/{id}/comments"),
        format!("/api/v2/tickets/{id}/comments.json"),
        "/api/v2/tickets".to_owned(),
        "/api/v2/tickets.json".to_owned(),
        "/api/v2/users/me".to_owned(),
        "/api/v2/users/me.json".to_owned(),
        "/api/v2/users/search?query=admin".to_owned(),
        "/api/v2/users/search.json?query=admin".to_owned(),
    ] {
        assert_eq!(z.call("GET", &path, None).await.status, 200, "GET {path}");
    }
}

#[tokio::test]
async fn show_unknown_and_non_numeric_tickets_is_the_captured_404() {
    let z = fake();
    let expected = &fixture("errors.json")["record_not_found"];
    for path in [
        "/api/v2/tickets/9223372036854775807.json",
        "/api/v2/tickets/abc.json",
    ] {
        let r = z.call("GET", path, None).await;
        assert_eq!(r.status, expected["status"].as_u64().unwrap() as u16);
        assert_eq!(r.json, expected["body"]);
    }
}

#[tokio::test]
async fn updating_with_a_comment_appends_it_and_audits_the_changes() {
    let z = fake();
    let id = z.ticket("x").await;
    let admin = z.admin_id().await;
    let r = z.call("PUT", &format!("/api/v2/tickets/{id}.json"), Some(json!({"ticket": {"status": "pending", "assignee_id": admin, "comment": {"body": "On it", "public": false}}}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let events = r.json["audit"]["events"].as_array().unwrap();
    assert_eq!(events[0]["type"], "Comment");
    assert_eq!(events[0]["public"], false);
    let status = events.iter().find(|e| e["field_name"] == "status").unwrap();
    assert_eq!(
        (
            status["type"].clone(),
            status["value"].clone(),
            status["previous_value"].clone()
        ),
        (json!("Change"), json!("pending"), json!("new"))
    );
    let comments = z
        .call("GET", &format!("/api/v2/tickets/{id}/comments.json"), None)
        .await;
    let bodies: Vec<&str> = comments.json["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["about x", "On it"]);
    assert_eq!(comments.json["count"], 2);
}

#[tokio::test]
async fn a_ticket_never_goes_back_to_new() {
    let z = fake();
    let id = z.ticket("x").await;
    let path = format!("/api/v2/tickets/{id}.json");
    assert_eq!(
        z.call("PUT", &path, Some(json!({"ticket": {"status": "open"}})))
            .await
            .status,
        200
    );
    let r = z
        .call("PUT", &path, Some(json!({"ticket": {"status": "new"}})))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json["details"]["status"][0]["error"], "InvalidValue");
}

#[tokio::test]
async fn assigning_a_new_ticket_opens_it() {
    let z = fake();
    let id = z.ticket("x").await;
    let admin = z.admin_id().await;
    let r = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"assignee_id": admin}})),
        )
        .await;
    assert_eq!(r.json["ticket"]["status"], "open");
    let created = z
        .call(
            "POST",
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"comment": {"body": "b"}, "assignee_id": admin}})),
        )
        .await;
    assert_eq!(created.json["ticket"]["status"], "open");
}

#[tokio::test]
async fn solving_needs_an_assignee_unless_auto_assign_is_on() {
    let z = fake();
    let id = z.ticket("x").await;
    let r = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"status": "solved"}})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json["details"]["assignee_id"][0]["error"], "BlankValue");

    let auto = crate::common::fake_with(|c| c.zendesk.auto_assign_on_solve = true);
    let id = auto.ticket("x").await;
    let r = auto
        .call(
            "PUT",
            &format!("/api/v2/tickets/{id}.json"),
            Some(json!({"ticket": {"status": "solved"}})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json["ticket"]["assignee_id"],
        json!(auto.admin_id().await)
    );
}

#[tokio::test]
async fn a_public_comment_by_the_end_user_reopens_a_pending_or_solved_ticket() {
    let z = fake();
    let admin = z.admin_id().await;
    let r = z.call("POST", "/api/v2/tickets.json", Some(json!({"ticket": {"comment": {"body": "help"}, "requester": {"name": "C", "email": "c@example.com"}}}))).await;
    let id = r.json["ticket"]["id"].as_u64().unwrap();
    let requester = r.json["ticket"]["requester_id"].as_u64().unwrap();
    let path = format!("/api/v2/tickets/{id}.json");
    for status in ["pending", "solved"] {
        z.call(
            "PUT",
            &path,
            Some(json!({"ticket": {"status": status, "assignee_id": admin}})),
        )
        .await;
        let private = z.call("PUT", &path, Some(json!({"ticket": {"comment": {"body": "note", "public": false, "author_id": requester}}}))).await;
        assert_eq!(
            private.json["ticket"]["status"], status,
            "a private comment does not reopen"
        );
        let agent = z
            .call(
                "PUT",
                &path,
                Some(json!({"ticket": {"comment": {"body": "agent says"}}})),
            )
            .await;
        assert_eq!(
            agent.json["ticket"]["status"], status,
            "an agent comment does not reopen"
        );
        let reply = z.call("PUT", &path, Some(json!({"ticket": {"comment": {"body": "still broken", "author_id": requester}}}))).await;
        assert_eq!(reply.json["ticket"]["status"], "open", "from {status}");
    }
}

#[tokio::test]
async fn closed_is_terminal_with_the_captured_422_but_can_be_deleted() {
    let z = fake();
    let id = z.ticket("x").await;
    let admin = z.admin_id().await;
    let path = format!("/api/v2/tickets/{id}.json");
    let early = z
        .call(
            "PUT",
            &path,
            Some(json!({"ticket": {"status": "closed", "assignee_id": admin}})),
        )
        .await;
    assert_eq!(early.status, 422, "only solved tickets close");
    assert_eq!(
        z.call(
            "PUT",
            &path,
            Some(json!({"ticket": {"status": "solved", "assignee_id": admin}}))
        )
        .await
        .status,
        200
    );
    assert_eq!(
        z.call("PUT", &path, Some(json!({"ticket": {"status": "closed"}})))
            .await
            .status,
        200
    );
    let expected = &fixture("errors.json")["closed_ticket"];
    for update in [
        json!({"status": "open"}),
        json!({"comment": {"body": "hello?"}}),
        json!({"subject": "new"}),
    ] {
        let r = z.call("PUT", &path, Some(json!({"ticket": update}))).await;
        assert_eq!(r.status, 422);
        assert_eq!(r.json, expected["body"]);
    }
    assert_eq!(z.call("DELETE", &path, None).await.status, 204);
    assert_eq!(z.call("GET", &path, None).await.status, 404);
}

#[tokio::test]
async fn delete_answers_204_with_no_body_and_a_second_delete_404() {
    let z = fake();
    let id = z.ticket("x").await;
    let path = format!("/api/v2/tickets/{id}");
    let r = z.call("DELETE", &path, None).await;
    assert_eq!((r.status, r.text.as_str()), (204, ""));
    assert_eq!(z.call("DELETE", &path, None).await.status, 404);
}

#[tokio::test]
async fn offset_pagination_counts_and_links_with_the_callers_host() {
    let z = fake();
    for i in 0..5 {
        z.ticket(&format!("t{i}")).await;
    }
    let p2 = z
        .call("GET", "/api/v2/tickets.json?page=2&per_page=2", None)
        .await;
    assert_eq!(p2.json["count"], 5);
    assert_eq!(p2.json["tickets"].as_array().unwrap().len(), 2);
    assert_eq!(
        p2.json["next_page"],
        format!("http://{HOST}/api/v2/tickets.json?page=3&per_page=2")
    );
    assert_eq!(
        p2.json["previous_page"],
        format!("http://{HOST}/api/v2/tickets.json?page=1&per_page=2")
    );
    let p3 = z
        .call("GET", "/api/v2/tickets.json?page=3&per_page=2", None)
        .await;
    assert_eq!(p3.json["next_page"], Value::Null);
    let r = z.call("GET", "/api/v2/tickets.json?page=101", None).await;
    assert_eq!(
        (r.status, r.json["error"].as_str()),
        (400, Some("InvalidPaginationParameter"))
    );
}

#[tokio::test]
async fn cursor_pagination_walks_every_ticket_once_following_absolute_links() {
    let z = fake();
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(z.ticket(&format!("t{i}")).await);
    }
    let captured = fixture("tickets_cursor_page.json");
    let mut seen = Vec::new();
    let mut path = "/api/v2/tickets.json?page[size]=2".to_owned();
    for _ in 0..10 {
        let r = z.call("GET", &path, None).await;
        assert_eq!(keys(&r.json), keys(&captured));
        assert_eq!(keys(&r.json["meta"]), keys(&captured["meta"]));
        seen.extend(
            r.json["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].as_u64().unwrap()),
        );
        if r.json["meta"]["has_more"] == false {
            break;
        }
        let next = r.json["links"]["next"].as_str().unwrap();
        let prefix = format!("http://{HOST}");
        assert!(
            next.starts_with(&format!("{prefix}/api/v2/tickets.json?page%5Bafter%5D=")),
            "{next}"
        );
        path = next.trim_start_matches(&prefix).to_owned();
    }
    assert_eq!(seen, created);
    let too_big = z
        .call("GET", "/api/v2/tickets.json?page[size]=101", None)
        .await;
    assert_eq!(too_big.status, 400);
}

#[tokio::test]
async fn cursor_links_keep_the_captured_encoding() {
    let z = fake();
    z.ticket("one").await;
    let r = z
        .call("GET", "/api/v2/tickets.json?page[size]=100", None)
        .await;
    let cursor = r.json["meta"]["after_cursor"].as_str().unwrap();
    // Same scheme as the captured cursor for nice_id 1.
    assert_eq!(cursor, "eyJvIjoibmljZV9pZCIsInYiOiJhUUVBQUFBQUFBQUEifQ==");
    let captured = fixture("tickets_cursor_page.json");
    let captured_prev = captured["links"]["prev"]
        .as_str()
        .unwrap()
        .replace("https://{sub}.zendesk.com", &format!("http://{HOST}"));
    assert_eq!(r.json["links"]["prev"], captured_prev);
}

#[tokio::test]
async fn create_many_answers_a_queued_job_that_completes_with_captured_result_shapes() {
    let z = fake();
    let tickets: Vec<Value> = (0..5)
        .map(|i| json!({"subject": format!("bulk {i}"), "comment": {"body": "b"}}))
        .collect();
    let r = z
        .call(
            "POST",
            "/api/v2/tickets/create_many.json",
            Some(json!({"tickets": tickets})),
        )
        .await;
    assert_eq!(r.status, 200);
    let queued = fixture("job_status_queued.json");
    assert_eq!(keys(&r.json["job_status"]), keys(&queued["job_status"]));
    for k in [
        "status", "progress", "results", "message", "job_type", "total",
    ] {
        assert_eq!(
            r.json["job_status"][k], queued["job_status"][k],
            "queued {k}"
        );
    }
    let id = r.json["job_status"]["id"].as_str().unwrap();
    assert!(
        id.len() == 35 && id.starts_with("V3-") && id[3..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{id}"
    );
    assert_eq!(
        r.json["job_status"]["url"],
        format!("http://{HOST}/api/v2/job_statuses/{id}.json")
    );

    let done = z
        .call("GET", &format!("/api/v2/job_statuses/{id}.json"), None)
        .await;
    let completed = fixture("job_status_completed.json");
    assert_eq!(done.json["job_status"]["status"], "completed");
    assert_eq!(done.json["job_status"]["progress"], 5);
    assert_eq!(
        done.json["job_status"]["message"],
        "Completed at 2024-02-08 17:44:38 +0000"
    );
    let results = done.json["job_status"]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert_eq!(
        keys(&results[0]),
        keys(&completed["job_status"]["results"][0])
    );
    assert_eq!(
        results[0]["account_id"],
        completed["job_status"]["results"][0]["account_id"]
    );
    for r in results {
        let id = r["id"].as_u64().unwrap();
        assert_eq!(
            z.call("GET", &format!("/api/v2/tickets/{id}.json"), None)
                .await
                .status,
            200
        );
    }
}

#[tokio::test]
async fn bulk_calls_over_100_items_are_the_captured_400() {
    let z = fake();
    let tickets: Vec<Value> = (0..101)
        .map(|_| json!({"comment": {"body": "b"}}))
        .collect();
    let expected = &fixture("errors.json")["too_many_values"];
    let r = z
        .call(
            "POST",
            "/api/v2/tickets/create_many.json",
            Some(json!({"tickets": tickets})),
        )
        .await;
    assert_eq!((r.status, &r.json), (400, &expected["body"]));
    let ids: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
    let r = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/update_many.json?ids={}", ids.join(",")),
            Some(json!({"ticket": {"status": "open"}})),
        )
        .await;
    assert_eq!((r.status, &r.json), (400, &expected["body"]));
    assert_eq!(
        z.harness.vendor("zendesk").unwrap().state()["tickets"],
        json!([]),
        "nothing was created"
    );
}

#[tokio::test]
async fn update_many_accepts_both_forms_and_reports_failures_per_ticket() {
    let z = fake();
    let admin = z.admin_id().await;
    let a = z.ticket("a").await;
    let b = z.ticket("b").await;
    let r = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/update_many.json?ids={a},{b}"),
            Some(json!({"ticket": {"status": "solved", "assignee_id": admin}})),
        )
        .await;
    let job = r.json["job_status"]["id"].as_str().unwrap().to_owned();
    let done = z
        .call("GET", &format!("/api/v2/job_statuses/{job}.json"), None)
        .await;
    assert_eq!(
        done.json["job_status"]["results"][0],
        json!({"action": "update", "status": "Updated", "success": true, "id": a})
    );
    z.call(
        "PUT",
        &format!("/api/v2/tickets/{a}.json"),
        Some(json!({"ticket": {"status": "closed"}})),
    )
    .await;

    let r = z
        .call(
            "PUT",
            "/api/v2/tickets/update_many.json",
            Some(json!({"tickets": [{"id": a, "subject": "x"}, {"id": b, "subject": "y"}]})),
        )
        .await;
    let job = r.json["job_status"]["id"].as_str().unwrap().to_owned();
    let results = z
        .call("GET", &format!("/api/v2/job_statuses/{job}.json"), None)
        .await
        .json["job_status"]["results"]
        .clone();
    assert_eq!(results[0]["success"], false);
    assert_eq!(
        results[0]["details"],
        "Status: closed prevents ticket update"
    );
    assert_eq!(results[1]["success"], true);
    let shown = z
        .call("GET", &format!("/api/v2/tickets/{b}.json"), None)
        .await;
    assert_eq!(shown.json["ticket"]["subject"], "y");
}

#[tokio::test]
async fn unknown_job_status_is_404() {
    let z = fake();
    let r = z
        .call(
            "GET",
            "/api/v2/job_statuses/V3-00000000000000000000000000000000.json",
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.json["error"].as_str()),
        (404, Some("RecordNotFound"))
    );
}

#[tokio::test]
async fn destroy_many_deletes_each_listed_ticket_and_reports_unknown_ones() {
    let z = fake();
    let a = z.ticket("a").await;
    let b = z.ticket("b").await;
    let r = z
        .call(
            "DELETE",
            &format!("/api/v2/tickets/destroy_many.json?ids={a},{b},999"),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json["job_status"]["job_type"], "Bulk Update Ticket",
        "as captured for destroy_many"
    );
    let job = r.json["job_status"]["id"].as_str().unwrap().to_owned();
    let results = z
        .call("GET", &format!("/api/v2/job_statuses/{job}.json"), None)
        .await
        .json["job_status"]["results"]
        .clone();
    let success: Vec<bool> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["success"].as_bool().unwrap())
        .collect();
    assert_eq!(success, [true, true, false]);
    for id in [a, b] {
        assert_eq!(
            z.call("GET", &format!("/api/v2/tickets/{id}.json"), None)
                .await
                .status,
            404
        );
    }
    let missing_ids = z
        .call("DELETE", "/api/v2/tickets/destroy_many.json", None)
        .await;
    assert_eq!(missing_ids.status, 400);
}

#[tokio::test]
async fn an_update_with_a_requester_object_changes_the_requester() {
    let z = fake();
    let id = z.ticket("x").await;
    let r = z.call("PUT", &format!("/api/v2/tickets/{id}.json"), Some(json!({"ticket": {"requester": {"name": "New Person", "email": "new@example.com"}}}))).await;
    let requester = r.json["ticket"]["requester_id"].as_u64().unwrap();
    assert_ne!(requester, z.admin_id().await);
    let user = z
        .call("GET", &format!("/api/v2/users/{requester}.json"), None)
        .await;
    assert_eq!(user.json["user"]["email"], "new@example.com");
}

#[tokio::test]
async fn showing_a_ticket_reflects_every_write_and_the_host_called() {
    let z = fake();
    let id = z.ticket("before").await;
    let path = format!("/api/v2/tickets/{id}.json");
    let first = z.call("GET", &path, None).await;
    assert_eq!(first.json["ticket"]["subject"], "before");
    assert_eq!(z.call("GET", &path, None).await.text, first.text);

    let r = z
        .call("PUT", &path, Some(json!({"ticket": {"subject": "after"}})))
        .await;
    assert_eq!(r.status, 200);
    let shown = z.call("GET", &path, None).await;
    assert_eq!(shown.json["ticket"], r.json["ticket"]);
    assert_eq!(shown.json["ticket"]["subject"], "after");

    let other_host = axum::http::Request::builder()
        .uri(&path)
        .header("host", "elsewhere.test:8080")
        .header("authorization", crate::common::token_auth())
        .body(axum::body::Body::empty())
        .unwrap();
    let elsewhere = crate::common::oneshot(&z.zendesk, other_host).await;
    assert_eq!(
        elsewhere.json["ticket"]["url"],
        format!("http://elsewhere.test:8080/api/v2/tickets/{id}.json")
    );
    assert_eq!(z.call("GET", &path, None).await.text, shown.text);

    assert_eq!(z.call("DELETE", &path, None).await.status, 204);
    assert_eq!(z.call("GET", &path, None).await.status, 404);
}
