//! Tickets' and users' reads through the resource engine: both paginations with
//! `sort_by`/`sort_order` (offset) and `sort` (cursor), filters, `include=`
//! side-loads, `show_many` and `count`.
//!
//! Expected values come from the vendor facts: the list envelopes and cursor
//! encoding (REFERENCE 1.5, captured), the cursor's order spec `-field,id` (the
//! captured tags cursor `-score,id`), side-load keys (reference rules section 8),
//! the `show_many` envelope (captured for organizations) and the count shape
//! (captured for views and tags).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::common::{Fake, HOST, fake};

fn field(page: &Value, root: &str, key: &str) -> Vec<Value> {
    page[root]
        .as_array()
        .unwrap_or_else(|| panic!("no {root} in {page}"))
        .iter()
        .map(|o| o[key].clone())
        .collect()
}

fn local(url: &Value) -> String {
    url.as_str().unwrap().replace(&format!("http://{HOST}"), "")
}

/// The order spec a cursor carries (`{"o": ..., "v": ...}` in base64).
fn cursor_order(cursor: &Value) -> String {
    let raw = STANDARD.decode(cursor.as_str().unwrap()).unwrap();
    let inner: Value = serde_json::from_slice(&raw).unwrap();
    inner["o"].as_str().unwrap().to_owned()
}

/// Three tickets created a minute apart, subjects out of order: `b`, `a`, `c`.
async fn three_tickets(z: &Fake) -> Vec<u64> {
    let mut ids = Vec::new();
    for subject in ["b", "a", "c"] {
        z.clock.advance(std::time::Duration::from_secs(60));
        ids.push(z.ticket(subject).await);
    }
    ids
}

#[tokio::test]
async fn ticket_lists_sort_by_and_sort_order_with_offset_pagination() {
    let z = fake();
    let ids = three_tickets(&z).await;
    let by_subject = z
        .call("GET", "/api/v2/tickets.json?sort_by=subject", None)
        .await;
    assert_eq!(by_subject.status, 200, "{}", by_subject.text);
    assert_eq!(
        field(&by_subject.json, "tickets", "subject"),
        [json!("a"), json!("b"), json!("c")]
    );
    assert_eq!(by_subject.json["count"], json!(3));
    let newest_first = z
        .call(
            "GET",
            "/api/v2/tickets.json?sort_by=created_at&sort_order=desc",
            None,
        )
        .await;
    let mut expected: Vec<Value> = ids.iter().map(|id| json!(id)).collect();
    expected.reverse();
    assert_eq!(field(&newest_first.json, "tickets", "id"), expected);
    // Without `sort_by`, `sort_order` reverses the default order (id).
    let desc = z
        .call("GET", "/api/v2/tickets.json?sort_order=desc", None)
        .await;
    assert_eq!(field(&desc.json, "tickets", "id"), expected);
    // The sort travels in the page links, so the next page continues it.
    let first = z
        .call(
            "GET",
            "/api/v2/tickets.json?sort_by=subject&per_page=2",
            None,
        )
        .await;
    assert_eq!(
        field(&first.json, "tickets", "subject"),
        [json!("a"), json!("b")]
    );
    let next = local(&first.json["next_page"]);
    assert!(next.contains("sort_by=subject"), "{next}");
    let second = z.call("GET", &next, None).await;
    assert_eq!(field(&second.json, "tickets", "subject"), [json!("c")]);
    assert_eq!(second.json["next_page"], Value::Null);
}

#[tokio::test]
async fn ticket_lists_sort_with_cursor_pagination_and_carry_the_order_in_cursors() {
    let z = fake();
    let ids = three_tickets(&z).await;
    // Touch the first ticket: it becomes the most recently updated.
    z.clock.advance(std::time::Duration::from_secs(60));
    let put = z
        .call(
            "PUT",
            &format!("/api/v2/tickets/{}.json", ids[0]),
            Some(json!({"ticket": {"priority": "high"}})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    let first = z
        .call(
            "GET",
            "/api/v2/tickets.json?page[size]=2&sort=-updated_at",
            None,
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(
        field(&first.json, "tickets", "id"),
        [json!(ids[0]), json!(ids[2])]
    );
    assert_eq!(first.json["meta"]["has_more"], json!(true));
    assert_eq!(
        cursor_order(&first.json["meta"]["after_cursor"]),
        "-updated_at,id"
    );
    let next = local(&first.json["links"]["next"]);
    assert!(next.contains("sort=-updated_at"), "{next}");
    let second = z.call("GET", &next, None).await;
    assert_eq!(field(&second.json, "tickets", "id"), [json!(ids[1])]);
    assert_eq!(second.json["meta"]["has_more"], json!(false));
    // In id order the cursor names the captured `nice_id`.
    let by_id = z
        .call("GET", "/api/v2/tickets.json?page[size]=1", None)
        .await;
    assert_eq!(cursor_order(&by_id.json["meta"]["after_cursor"]), "nice_id");
}

#[tokio::test]
async fn an_unknown_sort_key_is_a_400_naming_the_parameter() {
    let z = fake();
    for path in [
        "/api/v2/tickets.json?sort_by=colour",
        "/api/v2/tickets.json?page[size]=2&sort=colour",
        "/api/v2/users.json?sort_by=colour",
        "/api/v2/users.json?sort_order=sideways",
    ] {
        let r = z.call("GET", path, None).await;
        assert_eq!(r.status, 400, "{path}: {}", r.text);
        assert!(r.json["error"].is_string(), "{path}: {}", r.text);
    }
}

async fn user(z: &Fake, name: &str, external_id: &str, role: &str) -> u64 {
    let r = z
        .call(
            "POST",
            "/api/v2/users.json",
            Some(json!({"user": {"name": name, "email": format!("{}@example.org", name.to_lowercase()), "external_id": external_id, "role": role}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["user"]["id"].as_u64().unwrap()
}

#[tokio::test]
async fn user_lists_filter_by_role_and_sort_in_both_paginations() {
    let z = fake();
    let zed = user(&z, "Zed", "crm-1", "end-user").await;
    let amy = user(&z, "Amy", "crm-2", "end-user").await;
    let agent = user(&z, "Bob", "crm-3", "agent").await;
    let end_users = z
        .call("GET", "/api/v2/users.json?role=end-user&sort_by=name", None)
        .await;
    assert_eq!(end_users.status, 200, "{}", end_users.text);
    assert_eq!(
        field(&end_users.json, "users", "id"),
        [json!(amy), json!(zed)]
    );
    assert_eq!(end_users.json["count"], json!(2));
    let agents = z.call("GET", "/api/v2/users.json?role=agent", None).await;
    assert_eq!(field(&agents.json, "users", "id"), [json!(agent)]);
    // Cursor pagination by name, descending, one at a time, filter kept.
    let mut path = "/api/v2/users.json?role=end-user&sort=-name&page[size]=1".to_owned();
    let mut names = Vec::new();
    for _ in 0..5 {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        names.extend(field(&r.json, "users", "name"));
        if r.json["meta"]["has_more"] != json!(true) {
            break;
        }
        path = local(&r.json["links"]["next"]);
        assert!(path.contains("role=end-user"), "{path}");
    }
    assert_eq!(names, [json!("Zed"), json!("Amy")]);
    let by_external = z
        .call("GET", "/api/v2/users.json?external_id=crm-3", None)
        .await;
    assert_eq!(field(&by_external.json, "users", "id"), [json!(agent)]);
}

#[tokio::test]
async fn show_many_finds_by_ids_and_external_ids_with_side_loads() {
    let z = fake();
    let ids = three_tickets(&z).await;
    let many = z
        .call(
            "GET",
            &format!(
                "/api/v2/tickets/show_many.json?ids={},{},999&include=users",
                ids[2], ids[0]
            ),
            None,
        )
        .await;
    assert_eq!(many.status, 200, "{}", many.text);
    let mut found: Vec<u64> = field(&many.json, "tickets", "id")
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    found.sort_unstable();
    assert_eq!(found, [ids[0], ids[2]]);
    assert_eq!(many.json["count"], json!(2));
    assert_eq!(many.json["next_page"], Value::Null);
    assert_eq!(many.json["previous_page"], Value::Null);
    // The requester (the caller) side-loaded once, though on both tickets.
    let admin = z.admin_id().await;
    assert_eq!(field(&many.json, "users", "id"), [json!(admin)]);
    let amy = user(&z, "Amy", "crm-2", "end-user").await;
    let users = z
        .call(
            "GET",
            "/api/v2/users/show_many.json?external_ids=crm-2&include=identities",
            None,
        )
        .await;
    assert_eq!(field(&users.json, "users", "id"), [json!(amy)]);
    assert_eq!(
        field(&users.json, "identities", "value"),
        [json!("amy@example.org")]
    );
    let none = z.call("GET", "/api/v2/users/show_many.json", None).await;
    assert_eq!(none.status, 400, "{}", none.text);
    let too_many: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
    let over = z
        .call(
            "GET",
            &format!("/api/v2/tickets/show_many.json?ids={}", too_many.join(",")),
            None,
        )
        .await;
    assert_eq!(over.status, 400, "{}", over.text);
    assert_eq!(over.json["error"], json!("TooManyValues"));
}

#[tokio::test]
async fn lists_and_shows_side_load_through_the_same_declaration() {
    let z = fake();
    let t = z.ticket("side").await;
    let admin = z.admin_id().await;
    let page = z
        .call(
            "GET",
            "/api/v2/tickets.json?page[size]=5&include=users,last_audits",
            None,
        )
        .await;
    assert_eq!(field(&page.json, "users", "id"), [json!(admin)]);
    assert_eq!(field(&page.json, "audits", "ticket_id"), [json!(t)]);
    let next = local(&page.json["links"]["next"]);
    assert!(next.contains("include=users%2Clast_audits"), "{next}");
    let me = z
        .call(
            "GET",
            &format!("/api/v2/users/{admin}.json?include=open_ticket_count"),
            None,
        )
        .await;
    assert_eq!(me.json["open_ticket_count"][admin.to_string()], json!(1));
    let users = z
        .call("GET", "/api/v2/users.json?include=identities", None)
        .await;
    assert_eq!(
        field(&users.json, "identities", "value"),
        [json!("admin@fakedesk.test")]
    );
}

#[tokio::test]
async fn counts_follow_creates_and_deletes() {
    let z = fake();
    let ids = three_tickets(&z).await;
    let del = z
        .call("DELETE", &format!("/api/v2/tickets/{}.json", ids[1]), None)
        .await;
    assert_eq!(del.status, 204);
    let tickets = z.call("GET", "/api/v2/tickets/count.json", None).await;
    assert_eq!(tickets.json["count"]["value"], json!(2));
    assert!(tickets.json["count"]["refreshed_at"].is_string());
    user(&z, "Amy", "crm-2", "end-user").await;
    let users = z.call("GET", "/api/v2/users/count.json", None).await;
    assert_eq!(users.json["count"]["value"], json!(2), "the admin and Amy");
}

#[tokio::test]
async fn tickets_list_under_their_organization_requester_assignee_ccs_and_followers() {
    let z = fake();
    let admin = z.admin_id().await;
    let amy = user(&z, "Amy", "crm-2", "end-user").await;
    let org = z
        .call(
            "POST",
            "/api/v2/organizations.json",
            Some(json!({"organization": {"name": "Acme"}})),
        )
        .await;
    let org = org.json["organization"]["id"].as_u64().unwrap();
    let mine = z.ticket("mine").await;
    let hers = z
        .call(
            "POST",
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "hers", "comment": {"body": "help"}, "requester_id": amy, "organization_id": org, "assignee_id": admin, "collaborator_ids": [admin], "follower_ids": [admin]}})),
        )
        .await;
    assert_eq!(hers.status, 201, "{}", hers.text);
    let hers = hers.json["ticket"]["id"].as_u64().unwrap();
    let list = |path: String| {
        let z = &z;
        async move {
            let r = z.call("GET", &path, None).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            field(&r.json, "tickets", "id")
        }
    };
    assert_eq!(
        list(format!("/api/v2/organizations/{org}/tickets.json")).await,
        [json!(hers)]
    );
    assert_eq!(
        list(format!("/api/v2/users/{amy}/tickets/requested.json")).await,
        [json!(hers)]
    );
    assert_eq!(
        list(format!("/api/v2/users/{admin}/tickets/requested")).await,
        [json!(mine)]
    );
    for kind in ["assigned", "ccd", "followed"] {
        assert_eq!(
            list(format!("/api/v2/users/{admin}/tickets/{kind}.json")).await,
            [json!(hers)],
            "{kind}"
        );
    }
    // A nested list pages like the others, its links on its own path.
    let page = z
        .call(
            "GET",
            &format!("/api/v2/users/{admin}/tickets/ccd.json?page[size]=1"),
            None,
        )
        .await;
    assert!(
        local(&page.json["links"]["next"])
            .starts_with(&format!("/api/v2/users/{admin}/tickets/ccd.json?"))
    );
    let users = z
        .call(
            "GET",
            &format!("/api/v2/organizations/{org}/users.json"),
            None,
        )
        .await;
    assert_eq!(users.status, 200, "{}", users.text);
    assert_eq!(users.json["users"], json!([]), "no member yet");
    // A first membership makes Acme Amy's organization (its `organization_id`).
    let member = z
        .call(
            "POST",
            "/api/v2/organization_memberships.json",
            Some(json!({"organization_membership": {"user_id": amy, "organization_id": org}})),
        )
        .await;
    assert_eq!(member.status, 201, "{}", member.text);
    let users = z
        .call(
            "GET",
            &format!("/api/v2/organizations/{org}/users.json"),
            None,
        )
        .await;
    assert_eq!(field(&users.json, "users", "id"), [json!(amy)]);
    for path in [
        "/api/v2/users/999/tickets/requested.json",
        "/api/v2/organizations/999/tickets.json",
        "/api/v2/organizations/999/users.json",
    ] {
        let r = z.call("GET", path, None).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
        assert_eq!(r.json["error"], json!("RecordNotFound"), "{path}");
    }
}

#[tokio::test]
async fn several_roles_filter_with_the_bracket_form() {
    let z = fake();
    let admin = z.admin_id().await;
    let agent = user(&z, "Bob", "crm-3", "agent").await;
    user(&z, "Amy", "crm-2", "end-user").await;
    let staff = z
        .call(
            "GET",
            "/api/v2/users.json?role[]=agent&role[]=admin&per_page=1",
            None,
        )
        .await;
    assert_eq!(field(&staff.json, "users", "id"), [json!(admin)]);
    assert_eq!(staff.json["count"], json!(2));
    let next = local(&staff.json["next_page"]);
    assert!(next.contains("role%5B%5D=agent"), "{next}");
    let rest = z.call("GET", &next, None).await;
    assert_eq!(field(&rest.json, "users", "id"), [json!(agent)]);
}

#[tokio::test]
async fn organizations_show_many_by_external_ids_through_the_same_engine() {
    let z = fake();
    let acme = z
        .call(
            "POST",
            "/api/v2/organizations.json",
            Some(json!({"organization": {"name": "Acme", "external_id": "erp-1"}})),
        )
        .await;
    assert_eq!(acme.status, 201, "{}", acme.text);
    z.call(
        "POST",
        "/api/v2/organizations.json",
        Some(json!({"organization": {"name": "Other", "external_id": "erp-2"}})),
    )
    .await;
    // The reference: `show_many.json?ids=a,b` (or `external_ids=`).
    let r = z
        .call(
            "GET",
            "/api/v2/organizations/show_many.json?external_ids=erp-1",
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        field(&r.json, "organizations", "id"),
        [acme.json["organization"]["id"].clone()]
    );
    assert_eq!(r.json["count"], json!(1));
}
