//! Unmatched calls: the vendor's own 404, an `unmatched` journal entry, and
//! `GET /coverage` listing implemented templates and unmatched calls with counts.

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};

use crate::common::{oneshot, token_auth, vendor_with};

fn get(path: &str, auth: Option<&str>) -> Request<Body> {
    let mut r = Request::builder()
        .method("GET")
        .uri(path)
        .header("host", "zendesk.test");
    if let Some(a) = auth {
        r = r.header("authorization", a);
    }
    r.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn an_unknown_zendesk_path_is_its_404_journaled_as_unmatched_and_counted() {
    let f = vendor_with("zendesk", |_| {});
    let auth = token_auth();
    for _ in 0..2 {
        let r = oneshot(&f.api, get("/api/v2/foo/123.json", Some(&auth))).await;
        // REFERENCE 1.3: Zendesk's answer to a path it does not serve.
        assert_eq!(r.status, 404);
        assert_eq!(
            r.json,
            json!({"error": "InvalidEndpoint", "description": "Not found"})
        );
    }
    let ok = oneshot(&f.api, get("/api/v2/tickets.json", Some(&auth))).await;
    assert_eq!(ok.status, 200);
    let journal = oneshot(
        &f.control,
        Request::get("/journal").body(Body::empty()).unwrap(),
    )
    .await;
    let entries = journal.json["entries"].as_array().unwrap();
    assert_eq!(entries[0]["unmatched"], json!(true));
    assert!(
        entries[2].get("unmatched").is_none(),
        "served calls carry no flag"
    );
    let cov = oneshot(
        &f.control,
        Request::get("/coverage").body(Body::empty()).unwrap(),
    )
    .await;
    let z = &cov.json["vendors"]["zendesk"];
    assert_eq!(
        z["unmatched"],
        json!([{"method": "GET", "path": "/api/v2/foo/{id}.json", "count": 2}])
    );
    assert_eq!(z["served"][0]["path"], json!("/api/v2/tickets.json"));
    let implemented = z["implemented"].as_array().unwrap();
    assert!(implemented.contains(&json!({"method": "GET", "path": "/api/v2/account/settings"})));
    assert!(implemented.contains(&json!({"method": "POST", "path": "/api/v2/tickets"})));
    let reset = oneshot(
        &f.control,
        Request::post("/reset").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(reset.status, 200);
    let cov = oneshot(
        &f.control,
        Request::get("/coverage").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(cov.json["vendors"]["zendesk"]["unmatched"], json!([]));
}

#[tokio::test]
async fn a_wrong_method_and_other_vendors_unknown_paths_are_unmatched_too() {
    let f = vendor_with("zendesk", |_| {});
    let req = Request::builder()
        .method("PATCH")
        .uri("/api/v2/tickets.json")
        .header("host", "zendesk.test")
        .header("authorization", token_auth())
        .body(Body::empty())
        .unwrap();
    let r = oneshot(&f.api, req).await;
    assert_eq!(r.status, 404);
    let braze = vendor_with("braze", |_| {});
    let r = braze.post("/users/nothing", json!({})).await;
    assert_eq!(r.status, 404);
    let cov = oneshot(
        &braze.control,
        Request::get("/coverage").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        cov.json["vendors"]["braze"]["unmatched"],
        json!([{"method": "POST", "path": "/users/nothing", "count": 1}])
    );
    let cov = oneshot(
        &f.control,
        Request::get("/coverage").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        cov.json["vendors"]["zendesk"]["unmatched"][0]["method"],
        json!("PATCH")
    );
}

#[tokio::test]
async fn every_implemented_zendesk_template_is_served_not_unmatched() {
    let f = vendor_with("zendesk", |_| {});
    let auth = token_auth();
    let cov = oneshot(
        &f.control,
        Request::get("/coverage").body(Body::empty()).unwrap(),
    )
    .await;
    let implemented: Vec<Value> = cov.json["vendors"]["zendesk"]["implemented"]
        .as_array()
        .unwrap()
        .clone();
    assert!(implemented.len() > 100, "{}", implemented.len());
    for i in &implemented {
        let method = i["method"].as_str().unwrap();
        let template = i["path"].as_str().unwrap();
        // Any id: a missing record is a served 404, not an unmatched call.
        let path: String = template
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let req = Request::builder()
            .method(method)
            .uri(&path)
            .header("host", "zendesk.test")
            .header("authorization", &auth)
            .body(Body::from("{}"))
            .unwrap();
        let _ = oneshot(&f.api, req).await;
    }
    let cov = oneshot(
        &f.control,
        Request::get("/coverage").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        cov.json["vendors"]["zendesk"]["unmatched"],
        json!([]),
        "declared but not routed"
    );
}

#[tokio::test]
async fn every_vendor_declares_routes_it_serves() {
    for name in ["braze", "freshchat", "blip", "ferndesk", "smartsupp"] {
        let f = vendor_with(name, |_| {});
        let cov = oneshot(
            &f.control,
            Request::get("/coverage").body(Body::empty()).unwrap(),
        )
        .await;
        let implemented = cov.json["vendors"][name]["implemented"]
            .as_array()
            .unwrap()
            .clone();
        assert!(!implemented.is_empty(), "{name} declares its routes");
        for i in &implemented {
            let path: String = i["path"]
                .as_str()
                .unwrap()
                .split('/')
                .map(|s| if s.starts_with('{') { "1" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let req = Request::builder()
                .method(i["method"].as_str().unwrap())
                .uri(&path)
                .body(Body::from("{}"))
                .unwrap();
            let _ = oneshot(&f.api, req).await;
        }
        let cov = oneshot(
            &f.control,
            Request::get("/coverage").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(
            cov.json["vendors"][name]["unmatched"],
            json!([]),
            "{name}: declared but not routed"
        );
    }
}

#[tokio::test]
async fn the_journal_keeps_the_answer_the_client_got() {
    // A HEAD answer has no body but says how long the GET answer is; a GET's own
    // length is framing and left out.
    let f = vendor_with("zendesk", |_| {});
    let auth = token_auth();
    let mut head = get("/api/v2/tickets.json", Some(&auth));
    *head.method_mut() = axum::http::Method::HEAD;
    let h = oneshot(&f.api, head).await;
    assert_eq!(h.status, 200);
    assert!(h.text.is_empty(), "a HEAD answer has no body");
    let g = oneshot(&f.api, get("/api/v2/tickets.json", Some(&auth))).await;
    assert_eq!(g.status, 200);
    let journal = oneshot(
        &f.control,
        Request::get("/journal").body(Body::empty()).unwrap(),
    )
    .await;
    let entries = journal.json["entries"].as_array().unwrap();
    let (head, get) = (&entries[0], &entries[1]);
    assert_eq!(head["method"], "HEAD");
    assert_eq!(head["response"]["body"], Value::Null, "{head}");
    assert_eq!(head["response"]["headers"]["x-zendesk-api-version"], "v2");
    // The length of the body a GET would get is what the HEAD answer said.
    let length = head["response"]["headers"]["content-length"].as_str();
    assert_eq!(length, Some(g.text.len().to_string().as_str()), "{head}");
    assert_eq!(get["response"]["body"], g.json);
    assert!(
        get["response"]["headers"].get("content-length").is_none(),
        "a length that only frames the body is not journaled: {get}"
    );
}
