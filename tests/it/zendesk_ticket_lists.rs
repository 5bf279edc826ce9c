//! Lists around tickets against Zendesk's Tickets and Tags references and zenpy's
//! recordings (`TestDeletedTickets`): deleted tickets (listed with who deleted
//! them, restored with `{}`, deleted for good through a job), the users a ticket
//! names, a problem's incidents, and tags on users and organizations (POST sets
//! with 201, PUT adds, DELETE removes).

use serde_json::{Value, json};

use crate::common::fake;

fn ids_of(list: &Value, key: &str) -> Vec<u64> {
    list[key]
        .as_array()
        .unwrap_or_else(|| panic!("a {key} list in {list}"))
        .iter()
        .map(|r| r["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_deleted_ticket_is_listed_restored_or_deleted_for_good() {
    let z = fake();
    let admin = z.admin_id().await;
    let (a, b) = (z.ticket("Wombat Party").await, z.ticket("Another").await);
    let gone = z
        .call("DELETE", &format!("/api/v2/tickets/{a}.json"), None)
        .await;
    assert_eq!(gone.status, 204);
    let gone = z
        .call(
            "DELETE",
            &format!("/api/v2/tickets/destroy_many.json?ids={b}"),
            None,
        )
        .await;
    assert_eq!(gone.status, 200, "{}", gone.text);
    let list = z.call("GET", "/api/v2/deleted_tickets.json", None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(ids_of(&list.json, "deleted_tickets"), [a, b]);
    assert_eq!(list.json["count"], json!(2));
    let first = &list.json["deleted_tickets"][0];
    // The documented fields: id, subject, actor {id, name}, deleted_at, previous_state.
    assert_eq!(first["subject"], json!("Wombat Party"));
    assert_eq!(first["actor"]["id"], json!(admin));
    assert!(first["actor"]["name"].is_string());
    assert_eq!(first["previous_state"], json!("new"));
    assert!(first["deleted_at"].as_str().unwrap().ends_with('Z'));
    let by_subject = z
        .call(
            "GET",
            "/api/v2/deleted_tickets?sort_by=subject&sort_order=desc",
            None,
        )
        .await;
    assert_eq!(ids_of(&by_subject.json, "deleted_tickets"), [a, b]);
    let by_subject = z
        .call("GET", "/api/v2/deleted_tickets?sort_by=subject", None)
        .await;
    assert_eq!(ids_of(&by_subject.json, "deleted_tickets"), [b, a]);

    // Restored: 200 with `{}`, and the ticket reads as before under its id.
    let restored = z
        .call(
            "PUT",
            &format!("/api/v2/deleted_tickets/{a}/restore.json"),
            None,
        )
        .await;
    assert_eq!(restored.status, 200);
    assert_eq!(restored.json, json!({}));
    let back = z
        .call("GET", &format!("/api/v2/tickets/{a}.json"), None)
        .await;
    assert_eq!(back.status, 200);
    assert_eq!(back.json["ticket"]["subject"], json!("Wombat Party"));

    // Deleted for good: a 200 job status, queued; then a restore is a 404.
    let purged = z
        .call("DELETE", &format!("/api/v2/deleted_tickets/{b}.json"), None)
        .await;
    assert_eq!(purged.status, 200, "{}", purged.text);
    assert_eq!(purged.json["job_status"]["status"], json!("queued"));
    let job = purged.json["job_status"]["id"].as_str().unwrap().to_owned();
    let done = z
        .call("GET", &format!("/api/v2/job_statuses/{job}.json"), None)
        .await;
    assert_eq!(done.json["job_status"]["results"], json!({"success": true}));
    let again = z
        .call(
            "PUT",
            &format!("/api/v2/deleted_tickets/{b}/restore.json"),
            None,
        )
        .await;
    assert_eq!(again.status, 404);
    assert_eq!(again.json["error"], json!("RecordNotFound"));
    let list = z.call("GET", "/api/v2/deleted_tickets.json", None).await;
    assert_eq!(list.json["deleted_tickets"], json!([]));
    let ids = z
        .call("PUT", "/api/v2/deleted_tickets/restore_many.json", None)
        .await;
    assert_eq!(ids.status, 400, "the ids are required");
}

#[tokio::test]
async fn a_ticket_lists_the_users_it_names_and_a_problem_its_incidents() {
    let z = fake();
    let admin = z.admin_id().await;
    let problem = z
        .call(
            "POST",
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "printer", "type": "problem", "comment": {"body": "on fire"}}})),
        )
        .await
        .json["ticket"]["id"]
        .as_u64()
        .unwrap();
    let incident = z
        .call(
            "POST",
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "mine too", "type": "incident", "problem_id": problem,
                "comment": {"body": "smoke"}, "collaborator_ids": [admin], "follower_ids": [admin]}})),
        )
        .await;
    assert_eq!(incident.status, 201, "{}", incident.text);
    let incident = incident.json["ticket"]["id"].as_u64().unwrap();
    let incidents = z
        .call(
            "GET",
            &format!("/api/v2/tickets/{problem}/incidents.json"),
            None,
        )
        .await;
    assert_eq!(incidents.status, 200, "{}", incidents.text);
    assert_eq!(ids_of(&incidents.json, "tickets"), [incident]);
    // `has_incidents` is true while an incident is linked [DOC].
    let shown = z
        .call("GET", &format!("/api/v2/tickets/{problem}.json"), None)
        .await;
    assert_eq!(shown.json["ticket"]["has_incidents"], json!(true));
    z.call(
        "PUT",
        &format!("/api/v2/tickets/{incident}.json"),
        Some(json!({"ticket": {"problem_id": null}})),
    )
    .await;
    let shown = z
        .call("GET", &format!("/api/v2/tickets/{problem}.json"), None)
        .await;
    assert_eq!(shown.json["ticket"]["has_incidents"], json!(false));

    for (list, expected) in [
        ("collaborators", vec![admin]),
        ("followers", vec![admin]),
        ("email_ccs", vec![]),
    ] {
        let r = z
            .call(
                "GET",
                &format!("/api/v2/tickets/{incident}/{list}.json"),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{list}: {}", r.text);
        assert_eq!(ids_of(&r.json, "users"), expected, "{list}");
    }
    let missing = z
        .call("GET", "/api/v2/tickets/999999/collaborators", None)
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn users_and_organizations_have_tags_set_added_and_removed() {
    let z = fake();
    let admin = z.admin_id().await;
    let org = z
        .call(
            "POST",
            "/api/v2/organizations.json",
            Some(json!({"organization": {"name": "Acme"}})),
        )
        .await
        .json["organization"]["id"]
        .as_u64()
        .unwrap();
    for path in [
        format!("/api/v2/users/{admin}/tags.json"),
        format!("/api/v2/organizations/{org}/tags.json"),
    ] {
        // The sequence zendesk_api_client_rb's live tag spec runs.
        let set = z
            .call("POST", &path, Some(json!({"tags": ["tag2", "tag3"]})))
            .await;
        assert_eq!(set.status, 201, "{path}: {}", set.text);
        assert_eq!(set.json["tags"], json!(["tag2", "tag3"]));
        let added = z.call("PUT", &path, Some(json!({"tags": ["tag4"]}))).await;
        assert_eq!(added.status, 200);
        assert_eq!(added.json["tags"], json!(["tag2", "tag3", "tag4"]));
        let removed = z
            .call("DELETE", &path, Some(json!({"tags": ["tag2"]})))
            .await;
        assert_eq!(removed.status, 200);
        assert_eq!(removed.json["tags"], json!(["tag3", "tag4"]));
        let shown = z.call("GET", &path, None).await;
        assert_eq!(shown.json["tags"], json!(["tag3", "tag4"]), "{path}");
    }
    // The owners carry them, and the account's tag list counts them.
    let user = z
        .call("GET", &format!("/api/v2/users/{admin}.json"), None)
        .await;
    assert_eq!(user.json["user"]["tags"], json!(["tag3", "tag4"]));
    let tags = z.call("GET", "/api/v2/tags.json", None).await;
    assert_eq!(
        tags.json["tags"][0],
        json!({"name": "tag3", "count": 2}),
        "{}",
        tags.text
    );
    let missing = z.call("GET", "/api/v2/organizations/999/tags", None).await;
    assert_eq!(missing.status, 404);
}
