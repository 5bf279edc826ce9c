//! Search (zendesk-exports-search-orgs reference, section 2): the query subset, the
//! captured response shapes (`results` with `result_type`, `facets: null`, `count`),
//! the 1,000-result window and its 422, `/search/count` and `/search/export`.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::Fake;
use crate::zendesk_exports::{auth_of, path_of, zendesk};

async fn ticket(z: &Fake, body: Value) -> u64 {
    let r = z
        .call(
            "POST",
            "/api/v2/tickets.json",
            Some(json!({"ticket": body})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["ticket"]["id"].as_u64().unwrap()
}

async fn found(z: &Fake, query: &str) -> Vec<u64> {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("query", query)
        .append_pair("sort_by", "created_at")
        .append_pair("sort_order", "asc");
    let r = z
        .call("GET", &format!("/api/v2/search.json?{}", q.finish()), None)
        .await;
    assert_eq!(r.status, 200, "{query}: {}", r.text);
    r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_u64().unwrap())
        .collect()
}

/// Three tickets: an open urgent vip one about a printer, a pending low one, a
/// solved one assigned to the admin.
async fn three(z: &Fake) -> (u64, u64, u64) {
    let admin = z.admin_id().await;
    let a = ticket(
        z,
        json!({"subject": "Printer on fire", "comment": {"body": "The smoke is very colorful"},
        "priority": "urgent", "status": "open", "tags": ["vip", "hardware"], "type": "incident"}),
    )
    .await;
    z.clock.advance(Duration::from_secs(3600));
    let b = ticket(
        z,
        json!({"subject": "Desktop slow", "comment": {"body": "It takes ages"},
        "priority": "low", "status": "pending", "tags": ["software"]}),
    )
    .await;
    z.clock.advance(Duration::from_secs(3600));
    let c = ticket(
        z,
        json!({"subject": "Password reset", "comment": {"body": "Done already"},
        "status": "solved", "assignee_id": admin}),
    )
    .await;
    (a, b, c)
}

#[tokio::test]
async fn property_terms_compare_as_the_reference_says() {
    let z = zendesk();
    let (a, b, c) = three(&z).await;
    assert_eq!(found(&z, "type:ticket").await, vec![a, b, c]);
    assert_eq!(found(&z, "type:ticket status:open").await, vec![a]);
    // Status order new < open < pending < hold < solved < closed.
    assert_eq!(found(&z, "type:ticket status<solved").await, vec![a, b]);
    assert_eq!(found(&z, "type:ticket status>=pending").await, vec![b, c]);
    assert_eq!(found(&z, "priority>normal").await, vec![a]);
    assert_eq!(found(&z, "ticket_type:incident").await, vec![a]);
    assert_eq!(found(&z, "tags:vip").await, vec![a]);
    assert_eq!(found(&z, "type:ticket -tags:vip").await, vec![b, c]);
    assert_eq!(found(&z, "type:ticket tags:none").await, vec![c]);
    assert_eq!(found(&z, "assignee:me").await, vec![c]);
    assert_eq!(found(&z, "type:ticket assignee:none").await, vec![a, b]);
    assert_eq!(
        found(&z, "requester:admin@fakedesk.test").await,
        vec![a, b, c]
    );
    assert_eq!(found(&z, "solved>1hours").await, vec![c]);
}

#[tokio::test]
async fn free_text_phrases_and_dates() {
    let z = zendesk();
    let (a, b, c) = three(&z).await;
    // Free text reaches subject, description and comments; words match word starts.
    assert_eq!(found(&z, "printer").await, vec![a]);
    assert_eq!(found(&z, "colorful").await, vec![a]);
    assert_eq!(found(&z, "\"very colorful\"").await, vec![a]);
    assert_eq!(found(&z, "\"colorful very\"").await, Vec::<u64>::new());
    // DOC: "top" does not match "Desktop".
    assert_eq!(found(&z, "top").await, Vec::<u64>::new());
    assert_eq!(found(&z, "desk*").await, vec![b]);
    assert_eq!(found(&z, "-printer type:ticket").await, vec![b, c]);
    // Relative dates: the clock stands right after c was created.
    assert_eq!(found(&z, "type:ticket created>90minutes").await, vec![b, c]);
    assert_eq!(found(&z, "type:ticket created<30minutes").await, vec![a, b]);
    assert_eq!(
        found(&z, "type:ticket created:2024-02-08").await,
        vec![a, b, c]
    );
    assert_eq!(
        found(&z, "type:ticket created>2024-02-08").await,
        Vec::<u64>::new()
    );
}

#[tokio::test]
async fn results_carry_result_type_and_count_all_matches() {
    let z = zendesk();
    let (a, _, _) = three(&z).await;
    let org = z
        .call(
            "POST",
            "/api/v2/organizations.json",
            Some(json!({"organization": {"name": "Printer Makers"}})),
        )
        .await;
    let org_id = org.json["organization"]["id"].as_u64().unwrap();
    let r = z
        .call("GET", "/api/v2/search.json?query=printer", None)
        .await;
    // Captured (go-zendesk fixture): results, facets null, next/previous, count.
    assert_eq!(r.json["facets"], Value::Null);
    assert_eq!(r.json["count"], 2);
    let mut kinds: Vec<(String, u64)> = r.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["result_type"].as_str().unwrap().to_owned(),
                x["id"].as_u64().unwrap(),
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            ("organization".to_owned(), org_id),
            ("ticket".to_owned(), a)
        ]
    );
    assert_eq!(found(&z, "type:user role:end-user").await.len(), 1);
    assert_eq!(
        found(&z, "type:organization name:\"printer makers\"").await,
        vec![org_id]
    );
    let count = z
        .call("GET", "/api/v2/search/count.json?query=type%3Aticket", None)
        .await;
    // Captured: {"count": N}.
    assert_eq!(count.json, json!({"count": 3}));
}

#[tokio::test]
async fn paging_stops_at_the_result_window_with_the_real_422() {
    let z = zendesk();
    three(&z).await;
    let r = z
        .call(
            "GET",
            "/api/v2/search.json?query=type%3Aticket&per_page=1",
            None,
        )
        .await;
    assert_eq!(r.json["results"].as_array().unwrap().len(), 1);
    let next = path_of(&r.json["next_page"]);
    assert!(next.contains("page=2"), "{next}");
    let r = z.call("GET", &next, None).await;
    assert_eq!(r.json["results"].as_array().unwrap().len(), 1);
    assert!(r.json["previous_page"].is_string());
    let ok = z
        .call(
            "GET",
            "/api/v2/search.json?query=x&page=10&per_page=100",
            None,
        )
        .await;
    assert_eq!(ok.status, 200);
    // DOC: page=11 at 100 per page is past the 1,000 results; body from a real
    // traceback (zenpy #371).
    let r = z
        .call(
            "GET",
            "/api/v2/search.json?query=x&page=11&per_page=100",
            None,
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json,
        json!({"error": "invalid", "description": "Invalid search: Requested response size was greater than Search Response Limits"})
    );
    let missing = z.call("GET", "/api/v2/search.json", None).await;
    assert_eq!(missing.status, 400);
    let bad_sort = z
        .call("GET", "/api/v2/search.json?query=x&sort_by=color", None)
        .await;
    assert_eq!(bad_sort.status, 400);
}

#[tokio::test]
async fn export_pages_by_cursor_without_a_count() {
    let z = zendesk();
    let (a, b, c) = three(&z).await;
    let mut path =
        "/api/v2/search/export.json?query=created%3E2020-01-01&filter%5Btype%5D=ticket&page%5Bsize%5D=1"
            .to_owned();
    let mut seen = Vec::new();
    for _ in 0..5 {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        // Captured: links.prev and meta.before_cursor null, no count.
        assert_eq!(r.json["links"]["prev"], Value::Null);
        assert_eq!(r.json["meta"]["before_cursor"], Value::Null);
        assert!(r.json.get("count").is_none());
        seen.extend(
            r.json["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_u64().unwrap()),
        );
        if r.json["meta"]["has_more"] == false {
            break;
        }
        path = path_of(&r.json["links"]["next"]);
    }
    // Newest first (the captured cursor says desc).
    assert_eq!(seen, vec![c, b, a]);
    let no_type = z
        .call("GET", "/api/v2/search/export.json?query=x", None)
        .await;
    assert_eq!(no_type.status, 400);
    let conflict = z
        .call(
            "GET",
            "/api/v2/search/export.json?query=type%3Auser&filter%5Btype%5D=ticket",
            None,
        )
        .await;
    assert_eq!(conflict.status, 400);
    let agreeing = z
        .call(
            "GET",
            "/api/v2/search/export.json?query=type%3Aticket&filter%5Btype%5D=ticket",
            None,
        )
        .await;
    assert_eq!(
        agreeing.status, 200,
        "zenpy sends a matching type: and gets 200"
    );
    let big = z
        .call(
            "GET",
            "/api/v2/search/export.json?query=x&filter%5Btype%5D=ticket&page%5Bsize%5D=1001",
            None,
        )
        .await;
    assert_eq!(big.status, 400);
}

#[tokio::test]
async fn end_users_cannot_search() {
    let z = zendesk();
    let eve = auth_of("eve@example.org", "Eve User");
    for path in [
        "/api/v2/search.json?query=x",
        "/api/v2/search/count.json?query=x",
    ] {
        let r = z
            .raw("GET", path, Some(&eve), axum::body::Body::empty())
            .await;
        assert_eq!(r.status, 403, "{path}");
    }
}
