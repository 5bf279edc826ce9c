//! Asynchronous ticket creation and the per-ticket update limit (DOC: "improving
//! performance by creating tickets asynchronously"; rate limits: 30 updates of one
//! ticket by one user per 10 minutes).

use std::time::Duration;

use serde_json::json;

use crate::common::fake;

#[tokio::test]
async fn async_creation_answers_with_the_id_and_a_job() {
    let z = fake();
    let r = z
        .call(
            "POST",
            "/api/v2/tickets.json?async=true",
            Some(json!({"ticket": {"subject": "later", "comment": {"body": "x"}}})),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    // DOC: only the ticket's id, and a job_status object.
    let id = r.json["ticket"]["id"].as_u64().expect("the ticket id");
    assert_eq!(r.json["ticket"].as_object().unwrap().len(), 1);
    assert_eq!(r.json["job_status"]["status"], "queued");
    let url = r.json["job_status"]["url"].as_str().unwrap();
    let path = url.split_once("zendesk.test").unwrap().1;
    let job = z.call("GET", path, None).await;
    assert_eq!(job.json["job_status"]["status"], "completed");
    assert_eq!(job.json["job_status"]["results"][0]["id"], id);
    assert_eq!(
        z.call("GET", &format!("/api/v2/tickets/{id}.json"), None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn the_31st_update_of_a_ticket_in_ten_minutes_is_429() {
    let z = fake();
    let id = z.ticket("busy").await;
    let path = format!("/api/v2/tickets/{id}.json");
    for i in 0..30 {
        z.clock.advance(Duration::from_secs(2));
        let r = z
            .call(
                "PUT",
                &path,
                Some(json!({"ticket": {"tags": [format!("t{i}")]}})),
            )
            .await;
        assert_eq!(r.status, 200, "update {i}: {}", r.text);
    }
    let r = z
        .call("PUT", &path, Some(json!({"ticket": {"tags": ["over"]}})))
        .await;
    assert_eq!(r.status, 429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 600, "{retry}");
    z.clock.advance(Duration::from_secs(retry));
    let r = z
        .call("PUT", &path, Some(json!({"ticket": {"tags": ["again"]}})))
        .await;
    assert_eq!(r.status, 200);
}
