//! Ticket operations and organization calls against Zendesk's API reference:
//! merging tickets (Merge Tickets into Target Ticket: a job status; sources
//! closed; comments private unless asked), redacting a string in a comment (its
//! characters become `▇`), making a comment private, marking a ticket as spam
//! (requester suspended, ticket deleted), a ticket's related counts, and
//! organizations' search and create-or-update (exports-search-orgs reference 2.5
//! and 4.2).

use serde_json::{Value, json};

use crate::common::{Fake, fake};

async fn comments(z: &Fake, ticket: u64) -> Vec<Value> {
    let r = z
        .call(
            "GET",
            &format!("/api/v2/tickets/{ticket}/comments.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["comments"].as_array().unwrap().clone()
}

async fn status_of(z: &Fake, ticket: u64) -> Value {
    z.call("GET", &format!("/api/v2/tickets/{ticket}.json"), None)
        .await
        .json["ticket"]["status"]
        .clone()
}

#[tokio::test]
async fn merging_closes_the_sources_into_the_target_with_private_comments() {
    let z = fake();
    let (target, a, b) = (
        z.ticket("Printer").await,
        z.ticket("Printer again").await,
        z.ticket("Printer 3").await,
    );
    let merged = z
        .call(
            "POST",
            &format!("/api/v2/tickets/{target}/merge.json"),
            Some(json!({"ids": [a, b.to_string()], "target_comment": "Merged two duplicates", "source_comment": "Closed as a duplicate"})),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.text);
    let job = &merged.json["job_status"];
    assert_eq!(job["status"], json!("queued"));
    let url = job["url"].as_str().unwrap();
    let path = &url[url.find("/api/").unwrap()..];
    let done = z.call("GET", path, None).await;
    assert_eq!(done.json["job_status"]["status"], json!("completed"));
    let updated: Vec<u64> = done.json["job_status"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["action"], json!("update"));
            assert_eq!(r["success"], json!(true));
            r["id"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(updated, [a, b, target]);

    assert_eq!(status_of(&z, a).await, json!("closed"));
    assert_eq!(status_of(&z, b).await, json!("closed"));
    assert_eq!(status_of(&z, target).await, json!("new"));
    // Comments default to private [DOC].
    let source = comments(&z, a).await;
    assert_eq!(source.len(), 2);
    assert_eq!(source[1]["body"], json!("Closed as a duplicate"));
    assert_eq!(source[1]["public"], json!(false));
    let target_comments = comments(&z, target).await;
    assert_eq!(target_comments.len(), 2);
    assert_eq!(target_comments[1]["body"], json!("Merged two duplicates"));
    assert_eq!(target_comments[1]["public"], json!(false));

    // A closed ticket cannot be merged again, nor into a closed one.
    let again = z
        .call(
            "POST",
            &format!("/api/v2/tickets/{target}/merge.json"),
            Some(json!({"ids": [a]})),
        )
        .await;
    assert_eq!(again.status, 422, "{}", again.text);
    let into_closed = z
        .call(
            "POST",
            &format!("/api/v2/tickets/{a}/merge.json"),
            Some(json!({"ids": [target]})),
        )
        .await;
    assert_eq!(into_closed.status, 422, "{}", into_closed.text);
    let into_itself = z
        .call(
            "POST",
            &format!("/api/v2/tickets/{target}/merge.json"),
            Some(json!({"ids": [target]})),
        )
        .await;
    assert_eq!(into_itself.status, 422, "{}", into_itself.text);
    let missing = z
        .call(
            "POST",
            "/api/v2/tickets/999999/merge.json",
            Some(json!({"ids": [target]})),
        )
        .await;
    assert_eq!(missing.status, 404);
    let no_ids = z
        .call(
            "POST",
            &format!("/api/v2/tickets/{target}/merge.json"),
            Some(json!({})),
        )
        .await;
    assert_eq!(no_ids.status, 400);
}

#[tokio::test]
async fn public_merge_comments_are_public() {
    let z = fake();
    let (target, source) = (z.ticket("One").await, z.ticket("Two").await);
    let merged = z
        .call(
            "POST",
            &format!("/api/v2/tickets/{target}/merge.json"),
            Some(json!({"ids": [source], "target_comment": "in", "source_comment": "out", "target_comment_is_public": true, "source_comment_is_public": true})),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.text);
    assert_eq!(comments(&z, source).await[1]["public"], json!(true));
    assert_eq!(comments(&z, target).await[1]["public"], json!(true));
}

#[tokio::test]
async fn a_redacted_string_becomes_blocks_everywhere_the_comment_shows() {
    let z = fake();
    let r = z
        .call(
            "POST",
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "Card", "comment": {"body": "My card is 4111 1111, thanks"}}})),
        )
        .await;
    let ticket = r.json["ticket"]["id"].as_u64().unwrap();
    let comment = comments(&z, ticket).await[0]["id"].as_u64().unwrap();
    let redacted = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{ticket}/comments/{comment}/redact.json"),
            Some(json!({"text": "4111 1111"})),
        )
        .await;
    assert_eq!(redacted.status, 200, "{}", redacted.text);
    // Nine characters, nine blocks [DOC].
    let expected = "My card is ▇▇▇▇▇▇▇▇▇, thanks";
    assert_eq!(redacted.json["comment"]["id"], json!(comment));
    assert_eq!(redacted.json["comment"]["plain_body"], json!(expected));
    assert_eq!(comments(&z, ticket).await[0]["body"], json!(expected));
    let shown = z
        .call("GET", &format!("/api/v2/tickets/{ticket}.json"), None)
        .await;
    assert_eq!(shown.json["ticket"]["description"], json!(expected));
    let audits = z
        .call(
            "GET",
            &format!("/api/v2/tickets/{ticket}/audits.json"),
            None,
        )
        .await;
    assert!(!audits.text.contains("4111"), "{}", audits.text);

    let unknown = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{ticket}/comments/999999/redact.json"),
            Some(json!({"text": "card"})),
        )
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn a_comment_made_private_makes_an_all_private_ticket_private() {
    let z = fake();
    let ticket = z.ticket("Secret").await;
    let comment = comments(&z, ticket).await[0]["id"].as_u64().unwrap();
    let shown = z
        .call("GET", &format!("/api/v2/tickets/{ticket}.json"), None)
        .await;
    assert_eq!(shown.json["ticket"]["is_public"], json!(true));
    let hidden = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{ticket}/comments/{comment}/make_private.json"),
            None,
        )
        .await;
    assert_eq!(hidden.status, 200, "{}", hidden.text);
    assert_eq!(comments(&z, ticket).await[0]["public"], json!(false));
    let shown = z
        .call("GET", &format!("/api/v2/tickets/{ticket}.json"), None)
        .await;
    assert_eq!(shown.json["ticket"]["is_public"], json!(false));
}

#[tokio::test]
async fn spam_suspends_the_requester_and_deletes_the_ticket() {
    let z = fake();
    let r = z
        .call(
            "POST",
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "Cheap pills", "comment": {"body": "buy"}, "requester": {"name": "Spammer", "email": "spam@example.com"}}})),
        )
        .await;
    let ticket = r.json["ticket"]["id"].as_u64().unwrap();
    let requester = r.json["ticket"]["requester_id"].as_u64().unwrap();
    let spam = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{ticket}/mark_as_spam.json"),
            None,
        )
        .await;
    assert_eq!(spam.status, 200, "{}", spam.text);
    let gone = z
        .call("GET", &format!("/api/v2/tickets/{ticket}.json"), None)
        .await;
    assert_eq!(gone.status, 404);
    let user = z
        .call("GET", &format!("/api/v2/users/{requester}.json"), None)
        .await;
    assert_eq!(user.json["user"]["suspended"], json!(true));

    // In bulk: a job with one result per ticket, a missing one failed.
    let other = z.ticket("More spam").await;
    let bulk = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/mark_many_as_spam.json?ids={other},999999"),
            None,
        )
        .await;
    assert_eq!(bulk.status, 200, "{}", bulk.text);
    let url = bulk.json["job_status"]["url"].as_str().unwrap();
    let done = z
        .call("GET", &url[url.find("/api/").unwrap()..], None)
        .await;
    let results = &done.json["job_status"]["results"];
    assert_eq!(results[0]["id"], json!(other));
    assert_eq!(results[0]["success"], json!(true));
    assert_eq!(results[1]["success"], json!(false));
    // The seeded admin sent `other`: staff are not suspended.
    let me = z.call("GET", "/api/v2/users/me.json", None).await;
    assert_eq!(me.json["user"]["suspended"], json!(false));
}

#[tokio::test]
async fn related_counts_the_incidents_of_a_problem() {
    let z = fake();
    let problem = z.ticket("Outage").await;
    for n in 0..2 {
        let r = z
            .call(
                "POST",
                "/api/v2/tickets.json",
                Some(json!({"ticket": {"subject": format!("Down {n}"), "type": "incident", "problem_id": problem, "comment": {"body": "down"}}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let related = z
        .call(
            "GET",
            &format!("/api/v2/tickets/{problem}/related.json"),
            None,
        )
        .await;
    assert_eq!(related.status, 200, "{}", related.text);
    assert_eq!(related.json["ticket_related"]["incidents"], json!(2));
    assert_eq!(related.json["ticket_related"]["from_archive"], json!(false));
    let missing = z
        .call("GET", "/api/v2/tickets/999999/related.json", None)
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn organizations_are_found_by_external_id_or_name_and_created_or_updated() {
    let z = fake();
    let created = z
        .call(
            "POST",
            "/api/v2/organizations/create_or_update.json",
            Some(json!({"organization": {"name": "Acme", "external_id": "crm-7"}})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["organization"]["id"].as_u64().unwrap();
    // Matched by external_id, not by name [DOC]: the same record, renamed.
    let updated = z
        .call(
            "POST",
            "/api/v2/organizations/create_or_update.json",
            Some(json!({"organization": {"name": "Acme Ltd", "external_id": "crm-7"}})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.json["organization"]["id"], json!(id));
    assert_eq!(updated.json["organization"]["name"], json!("Acme Ltd"));
    // By id.
    let by_id = z
        .call(
            "POST",
            "/api/v2/organizations/create_or_update.json",
            Some(json!({"organization": {"id": id, "notes": "key account"}})),
        )
        .await;
    assert_eq!(by_id.status, 200, "{}", by_id.text);
    assert_eq!(by_id.json["organization"]["notes"], json!("key account"));
    // A same-named organization without the external id is a new one, and its
    // name is taken.
    let clash = z
        .call(
            "POST",
            "/api/v2/organizations/create_or_update.json",
            Some(json!({"organization": {"name": "Acme Ltd"}})),
        )
        .await;
    assert_eq!(clash.status, 422, "{}", clash.text);

    // Search: exact, any case.
    let found = z
        .call(
            "GET",
            "/api/v2/organizations/search.json?external_id=CRM-7",
            None,
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(found.json["count"], json!(1));
    assert_eq!(found.json["organizations"][0]["id"], json!(id));
    let by_name = z
        .call(
            "GET",
            "/api/v2/organizations/search.json?name=acme%20ltd",
            None,
        )
        .await;
    assert_eq!(by_name.json["organizations"][0]["id"], json!(id));
    let prefix = z
        .call("GET", "/api/v2/organizations/search.json?name=acme", None)
        .await;
    assert_eq!(prefix.json["count"], json!(0));
    assert_eq!(prefix.json["organizations"], json!([]));
    let neither = z
        .call("GET", "/api/v2/organizations/search.json", None)
        .await;
    assert_eq!(neither.status, 400);
}

#[tokio::test]
async fn problems_are_listed_and_autocompleted_by_subject() {
    let z = fake();
    let mut problems = Vec::new();
    for subject in ["Mail server down", "VPN flapping"] {
        let r = z
            .call(
                "POST",
                "/api/v2/tickets.json",
                Some(json!({"ticket": {"subject": subject, "type": "problem", "comment": {"body": "x"}}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        problems.push(r.json["ticket"]["id"].as_u64().unwrap());
    }
    z.ticket("Mail question").await;
    let list = z.call("GET", "/api/v2/problems.json", None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let ids: Vec<u64> = list.json["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, problems);
    assert_eq!(list.json["count"], json!(2));

    let found = z
        .call("POST", "/api/v2/problems/autocomplete.json?text=MAIL", None)
        .await;
    assert_eq!(found.status, 200, "{}", found.text);
    let subjects: Vec<&str> = found.json["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["Mail server down"]);
    let in_body = z
        .call(
            "POST",
            "/api/v2/problems/autocomplete.json",
            Some(json!({"text": "vpn"})),
        )
        .await;
    assert_eq!(in_body.json["tickets"][0]["id"], json!(problems[1]));
    let none = z
        .call("POST", "/api/v2/problems/autocomplete.json", None)
        .await;
    assert_eq!(none.status, 400);
}

#[tokio::test]
async fn a_users_related_counts_come_from_the_tickets() {
    let z = fake();
    let admin = z.admin_id().await;
    let customer = z.user("Cora", "cora@example.com").await;
    for n in 0..2 {
        let r = z
            .call(
                "POST",
                "/api/v2/tickets.json",
                Some(json!({"ticket": {"subject": format!("Q{n}"), "requester_id": customer, "assignee_id": admin, "comment": {"body": "q"}}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let related = z
        .call(
            "GET",
            &format!("/api/v2/users/{customer}/related.json"),
            None,
        )
        .await;
    assert_eq!(related.status, 200, "{}", related.text);
    assert_eq!(related.json["user_related"]["requested_tickets"], json!(2));
    assert_eq!(related.json["user_related"]["assigned_tickets"], json!(0));
    let mine = z
        .call("GET", &format!("/api/v2/users/{admin}/related.json"), None)
        .await;
    assert_eq!(mine.json["user_related"]["assigned_tickets"], json!(2));
    let missing = z
        .call("GET", "/api/v2/users/999999/related.json", None)
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn an_imported_ticket_keeps_its_history_status_and_times_and_runs_no_trigger() {
    let z = fake();
    let admin = z.admin_id().await;
    let customer = z.user("Ida", "ida@example.com").await;
    // A trigger that notifies a webhook of every new ticket: imports do not run
    // it [DOC]. The endpoint refuses connections; invocations are logged anyway.
    let hook = z
        .call("POST", "/api/v2/webhooks", Some(json!({"webhook": {"name": "Sink", "endpoint": "http://127.0.0.1:9/", "http_method": "POST", "request_format": "json", "status": "active", "subscriptions": ["conditional_ticket_events"]}})))
        .await;
    assert_eq!(hook.status, 201, "{}", hook.text);
    let hook = hook.json["webhook"]["id"].as_str().unwrap().to_owned();
    let trigger = z
        .call("POST", "/api/v2/triggers.json", Some(json!({"trigger": {"title": "Tell", "conditions": {"all": [{"field": "update_type", "operator": "is", "value": "Create"}]}, "actions": [{"field": "notification_webhook", "value": [hook, "{\"id\": \"{{ticket.id}}\"}"]}]}})))
        .await;
    assert_eq!(trigger.status, 201, "{}", trigger.text);
    let imported = z
        .call(
            "POST",
            "/api/v2/imports/tickets.json",
            Some(json!({"ticket": {
                "subject": "Old printer case",
                "requester_id": customer,
                "assignee_id": admin,
                "status": "closed",
                "tags": ["legacy"],
                "created_at": "2019-03-01T10:00:00Z",
                "updated_at": "2019-03-05T16:30:00Z",
                "comments": [
                    {"author_id": customer, "value": "The printer jams", "created_at": "2019-03-01T10:00:00Z"},
                    {"author_id": admin, "body": "Replaced the roller", "public": false, "created_at": "2019-03-04T09:15:00Z"}
                ]
            }})),
        )
        .await;
    assert_eq!(imported.status, 201, "{}", imported.text);
    let t = &imported.json["ticket"];
    let id = t["id"].as_u64().unwrap();
    assert_eq!(t["status"], json!("closed"));
    assert_eq!(t["created_at"], json!("2019-03-01T10:00:00Z"));
    assert_eq!(t["updated_at"], json!("2019-03-05T16:30:00Z"));
    assert_eq!(t["description"], json!("The printer jams"));
    assert_eq!(t["tags"], json!(["legacy"]));
    let listed = comments(&z, id).await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["author_id"], json!(customer));
    assert_eq!(listed[0]["created_at"], json!("2019-03-01T10:00:00Z"));
    assert_eq!(listed[1]["body"], json!("Replaced the roller"));
    assert_eq!(listed[1]["public"], json!(false));
    assert_eq!(listed[1]["created_at"], json!("2019-03-04T09:15:00Z"));

    // A ticket created the usual way fires the trigger: one invocation in all.
    z.ticket("New case").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let invocations = loop {
        let page = z
            .call("GET", &format!("/api/v2/webhooks/{hook}/invocations"), None)
            .await;
        let all = page.json["invocations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !all.is_empty() || std::time::Instant::now() > deadline {
            break all;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    assert_eq!(invocations.len(), 1, "{invocations:?}");

    // No comment and no description: Zendesk's blank-description 422.
    let blank = z
        .call(
            "POST",
            "/api/v2/imports/tickets.json",
            Some(json!({"ticket": {"subject": "Nothing", "requester_id": customer}})),
        )
        .await;
    assert_eq!(blank.status, 422, "{}", blank.text);
}

#[tokio::test]
async fn tickets_are_imported_in_bulk_by_admins_only() {
    let z = fake();
    let customer = z.user("Bo", "bo@example.com").await;
    let bulk = z
        .call(
            "POST",
            "/api/v2/imports/tickets/create_many.json",
            Some(json!({"tickets": [
                {"subject": "One", "requester_id": customer, "description": "first"},
                {"subject": "Two", "requester_id": customer}
            ]})),
        )
        .await;
    assert_eq!(bulk.status, 200, "{}", bulk.text);
    let url = bulk.json["job_status"]["url"].as_str().unwrap();
    let done = z
        .call("GET", &url[url.find("/api/").unwrap()..], None)
        .await;
    let results = &done.json["job_status"]["results"];
    assert_eq!(results[0]["index"], json!(0));
    assert!(results[0]["id"].is_u64(), "{results}");
    assert_eq!(results[1]["error"], json!("TicketCreateFailed"));
}

#[tokio::test]
async fn narrowed_lists_answer_under_their_own_paths() {
    let z = fake();
    let admin = z.admin_id().await;
    let group = z
        .call(
            "POST",
            "/api/v2/groups.json",
            Some(json!({"group": {"name": "Tier 1"}})),
        )
        .await;
    assert_eq!(group.status, 201, "{}", group.text);
    let gid = group.json["group"]["id"].as_u64().unwrap();
    let membership = z
        .call(
            "POST",
            "/api/v2/group_memberships.json",
            Some(json!({"group_membership": {"user_id": admin, "group_id": gid}})),
        )
        .await;
    assert_eq!(membership.status, 201, "{}", membership.text);
    let memberships = z
        .call("GET", "/api/v2/group_memberships/assignable.json", None)
        .await;
    assert_eq!(memberships.status, 200, "{}", memberships.text);
    assert!(
        memberships.json["group_memberships"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["group_id"] == json!(gid))
    );
    let groups = z.call("GET", "/api/v2/groups.json", None).await;
    let assignable = z.call("GET", "/api/v2/groups/assignable.json", None).await;
    assert_eq!(assignable.status, 200, "{}", assignable.text);
    assert_eq!(assignable.json["groups"], groups.json["groups"]);
    assert!(!assignable.json["groups"].as_array().unwrap().is_empty());

    let view = z
        .call("POST", "/api/v2/views.json", Some(json!({"view": {"title": "Open", "all": [{"field": "status", "operator": "is", "value": "open"}]}})))
        .await;
    assert_eq!(view.status, 201, "{}", view.text);
    let compact = z.call("GET", "/api/v2/views/compact.json", None).await;
    assert_eq!(compact.status, 200, "{}", compact.text);
    assert!(
        compact.json["views"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["title"] == json!("Open"))
    );

    let org = z
        .call(
            "POST",
            "/api/v2/organizations.json",
            Some(json!({"organization": {"name": "Initech"}})),
        )
        .await;
    let org = org.json["organization"]["id"].as_u64().unwrap();
    let member = z
        .call(
            "POST",
            "/api/v2/organization_memberships.json",
            Some(json!({"organization_membership": {"user_id": admin, "organization_id": org}})),
        )
        .await;
    assert_eq!(member.status, 201, "{}", member.text);
    let mine = z
        .call(
            "GET",
            &format!("/api/v2/users/{admin}/organizations.json"),
            None,
        )
        .await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_eq!(mine.json["organizations"][0]["id"], json!(org));
    assert_eq!(mine.json["count"], json!(1));

    // Recent tickets are those viewed in the agent interface: API reads are not.
    let t = z.ticket("Seen through the API").await;
    z.call("GET", &format!("/api/v2/tickets/{t}.json"), None)
        .await;
    let audits = z
        .call(
            "GET",
            &format!("/api/v2/tickets/{t}/audits/count.json"),
            None,
        )
        .await;
    assert_eq!(audits.json["count"]["value"], json!(1));
    let recent = z.call("GET", "/api/v2/tickets/recent.json", None).await;
    assert_eq!(recent.status, 200, "{}", recent.text);
    assert_eq!(recent.json["tickets"], json!([]));
    // Sessions are the web interface's: API calls open none.
    let sessions = z.call("GET", "/api/v2/sessions.json", None).await;
    assert_eq!(sessions.status, 200, "{}", sessions.text);
    assert_eq!(sessions.json["sessions"], json!([]));
    let mine = z
        .call("GET", &format!("/api/v2/users/{admin}/sessions.json"), None)
        .await;
    assert_eq!(mine.json["count"], json!(0));
    let current = z.call("GET", "/api/v2/users/me/session.json", None).await;
    assert_eq!(current.status, 404);
    let logout = z.call("DELETE", "/api/v2/users/me/logout.json", None).await;
    assert_eq!(logout.status, 204);
    let sharing = z.call("GET", "/api/v2/sharing_agreements.json", None).await;
    assert_eq!(sharing.json, json!({"sharing_agreements": []}));
}

/// `PUT .../attachments/{id}/redact` [DOC: Redact Comment Attachment; reference
/// 4.4: 200 `{"attachment"}`, the file becomes `redacted.txt`, UNVERIFIED name]
/// and `PUT /comment_redactions/{id}` [DOC: the text in `<redact>` tags].
#[tokio::test]
async fn attachments_and_marked_text_are_redacted() {
    let z = fake();
    let up = z
        .raw(
            "POST",
            "/api/v2/uploads.json?filename=passport.png",
            Some(&crate::common::token_auth()),
            axum::body::Body::from("secret scan"),
        )
        .await;
    assert_eq!(up.status, 201, "{}", up.text);
    let token = up.json["upload"]["token"].as_str().unwrap().to_owned();
    let attachment = up.json["upload"]["attachment"]["id"].as_u64().unwrap();
    let url = up.json["upload"]["attachment"]["content_url"]
        .as_str()
        .unwrap()
        .replace("http://zendesk.test", "");
    let t = z
        .call("POST", "/api/v2/tickets.json", Some(json!({"ticket": {"subject": "ID", "comment": {"body": "my card 4111, see scan", "uploads": [token]}}})))
        .await;
    let ticket = t.json["ticket"]["id"].as_u64().unwrap();
    let comment = comments(&z, ticket).await[0]["id"].as_u64().unwrap();
    let redacted = z
        .call(
            "PUT",
            &format!(
                "/api/v2/tickets/{ticket}/comments/{comment}/attachments/{attachment}/redact.json"
            ),
            Some(json!({})),
        )
        .await;
    assert_eq!(redacted.status, 200, "{}", redacted.text);
    assert_eq!(redacted.json["attachment"]["id"], json!(attachment));
    assert_eq!(
        redacted.json["attachment"]["file_name"],
        json!("redacted.txt")
    );
    let listed = comments(&z, ticket).await;
    assert_eq!(
        listed[0]["attachments"][0]["file_name"],
        json!("redacted.txt")
    );
    let file = z.call("GET", &url, None).await;
    assert!(!file.text.contains("secret scan"), "{}", file.text);
    let missing = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{ticket}/comments/{comment}/attachments/999999/redact.json"),
            Some(json!({})),
        )
        .await;
    assert_eq!(missing.status, 404);

    let marked = z
        .call(
            "PUT",
            &format!("/api/v2/comment_redactions/{comment}.json"),
            Some(json!({"ticket_id": ticket, "html_body": "<p>my card <redact>4111</redact>, see scan</p>"})),
        )
        .await;
    assert_eq!(marked.status, 200, "{}", marked.text);
    assert_eq!(
        marked.json["comment"]["plain_body"],
        json!("my card ▇▇▇▇, see scan")
    );
    assert_eq!(
        comments(&z, ticket).await[0]["body"],
        json!("my card ▇▇▇▇, see scan")
    );
    let no_ticket = z
        .call(
            "PUT",
            &format!("/api/v2/comment_redactions/{comment}.json"),
            Some(json!({"html_body": "x"})),
        )
        .await;
    assert_eq!(no_ticket.status, 400);
}

/// `PUT /users/{id}/organizations/{org}/make_default` [DOC: Set Membership as
/// Default]: `{"organization_membership"}` with `default: true`, the user's
/// `organization_id` follows.
#[tokio::test]
async fn a_membership_is_made_the_default() {
    let z = fake();
    let user = z.user("Mia", "mia@example.com").await;
    let mut orgs = Vec::new();
    for name in ["First Org", "Second Org"] {
        let o = z
            .call(
                "POST",
                "/api/v2/organizations.json",
                Some(json!({"organization": {"name": name}})),
            )
            .await;
        let o = o.json["organization"]["id"].as_u64().unwrap();
        let m = z
            .call(
                "POST",
                "/api/v2/organization_memberships.json",
                Some(json!({"organization_membership": {"user_id": user, "organization_id": o}})),
            )
            .await;
        assert_eq!(m.status, 201, "{}", m.text);
        orgs.push(o);
    }
    let shown = z
        .call("GET", &format!("/api/v2/users/{user}.json"), None)
        .await;
    assert_eq!(shown.json["user"]["organization_id"], json!(orgs[0]));
    let made = z
        .call(
            "PUT",
            &format!(
                "/api/v2/users/{user}/organizations/{}/make_default.json",
                orgs[1]
            ),
            None,
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.text);
    assert_eq!(
        made.json["organization_membership"]["organization_id"],
        json!(orgs[1])
    );
    assert_eq!(made.json["organization_membership"]["default"], json!(true));
    let shown = z
        .call("GET", &format!("/api/v2/users/{user}.json"), None)
        .await;
    assert_eq!(shown.json["user"]["organization_id"], json!(orgs[1]));
    let not_member = z
        .call(
            "PUT",
            &format!("/api/v2/users/{user}/organizations/999999/make_default.json"),
            None,
        )
        .await;
    assert_eq!(not_member.status, 404);
}
