//! Snapshots of representative Zendesk responses, ids and times redacted to
//! numbered placeholders and maps sorted. Review changes with `cargo insta review`.

use serde_json::json;

use crate::common::{fake, redact};

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_sort_maps(true);
    s.set_prepend_module_to_snapshot(false);
    s
}

#[tokio::test]
async fn snapshot_create_ticket() {
    let z = fake();
    let r = z.call("POST", "/api/v2/tickets.json", Some(json!({"ticket": {"subject": "My printer is on fire!", "comment": {"body": "The smoke is very colorful."}, "priority": "urgent", "requester": {"name": "The Customer", "email": "thecustomer@example.com"}}}))).await;
    settings().bind(|| insta::assert_json_snapshot!("zendesk_create_ticket", redact(&r.json)));
}

#[tokio::test]
async fn snapshot_solve_then_closed_update() {
    let z = fake();
    let id = z.ticket("x").await;
    let admin = z.admin_id().await;
    let path = format!("/api/v2/tickets/{id}.json");
    let solved = z.call("PUT", &path, Some(json!({"ticket": {"status": "solved", "assignee_id": admin, "comment": {"body": "Fixed", "public": true}}}))).await;
    z.call("PUT", &path, Some(json!({"ticket": {"status": "closed"}})))
        .await;
    let refused = z
        .call("PUT", &path, Some(json!({"ticket": {"status": "open"}})))
        .await;
    let both = json!({"solve": {"status": solved.status, "body": solved.json}, "update_closed": {"status": refused.status, "body": refused.json}});
    settings()
        .bind(|| insta::assert_json_snapshot!("zendesk_solve_then_update_closed", redact(&both)));
}

#[tokio::test]
async fn snapshot_cursor_page() {
    let z = fake();
    for i in 0..3 {
        z.ticket(&format!("t{i}")).await;
    }
    let r = z
        .call("GET", "/api/v2/tickets.json?page[size]=2", None)
        .await;
    let mut page = r.json;
    page["tickets"] = json!(
        page["tickets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| json!({"id": t["id"], "subject": t["subject"]}))
            .collect::<Vec<_>>()
    );
    settings().bind(|| insta::assert_json_snapshot!("zendesk_cursor_page", page));
}

#[tokio::test]
async fn snapshot_job_status_lifecycle() {
    let z = fake();
    let r = z.call("POST", "/api/v2/tickets/create_many.json", Some(json!({"tickets": [{"comment": {"body": "a"}}, {"subject": 5, "comment": {"body": ["bad"]}}]}))).await;
    let id = r.json["job_status"]["id"].as_str().unwrap().to_owned();
    let done = z
        .call("GET", &format!("/api/v2/job_statuses/{id}.json"), None)
        .await;
    let both = json!({"queued": r.json, "completed": done.json});
    settings().bind(|| {
        insta::assert_json_snapshot!("zendesk_job_status", redact(&both), {
            ".*.job_status.id" => "[job]",
            ".*.job_status.url" => "[job-url]",
        })
    });
}
