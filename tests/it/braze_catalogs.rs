//! Braze catalogs against braze_ruby's recorded traffic (2024-10): the listed
//! catalog's shape (field tokens from `-1`, `source: "Braze"`, `num_items`), the
//! structured `catalog-name-already-exists` error, 202 `{"message":"success"}`
//! for item writes, and the captured pools (`X-Ratelimit-Limit` 50 for catalogs,
//! 16000 for item writes).

use axum::body::Body;
use serde_json::{Value, json};

use crate::common::{BRAZE_KEY, BrazeFake, Resp, braze};

async fn call(b: &BrazeFake, method: &str, path: &str, body: Option<Value>) -> Resp {
    let body = body.map_or_else(Body::empty, |v| Body::from(v.to_string()));
    b.raw(method, path, Some(&format!("Bearer {BRAZE_KEY}")), body)
        .await
}

/// The captured create request.
fn restaurants() -> Value {
    json!({"catalogs": [{"name": "restaurants", "description": "My Restaurants", "fields": [
        {"name": "id", "type": "string"}, {"name": "Name", "type": "string"},
        {"name": "City", "type": "string"}, {"name": "Cuisine", "type": "string"},
        {"name": "Rating", "type": "number"}, {"name": "Loyalty_Program", "type": "boolean"},
        {"name": "Location", "type": "object"}, {"name": "Created_At", "type": "time"}]}]})
}

#[tokio::test]
async fn a_catalog_is_created_listed_and_refused_twice() {
    let b = braze();
    let created = call(&b, "POST", "/catalogs", Some(restaurants())).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.header("x-ratelimit-limit"), Some("50"));
    let listed = call(&b, "GET", "/catalogs", None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json["message"], json!("success"));
    let c = &listed.json["catalogs"][0];
    assert_eq!(c["name"], json!("restaurants"));
    assert_eq!(c["description"], json!("My Restaurants"));
    assert_eq!(c["source"], json!("Braze"));
    assert_eq!(c["num_items"], json!(0));
    assert_eq!(c["selections"], json!([]));
    assert_eq!(
        c["fields"][0],
        json!({"name": "id", "token": "-1", "type": "string"})
    );
    assert_eq!(
        c["fields"][7],
        json!({"name": "Created_At", "token": "6", "type": "time"})
    );
    let again = call(&b, "POST", "/catalogs", Some(restaurants())).await;
    assert_eq!(again.status, 400);
    assert_eq!(
        again.json,
        json!({"errors": [{"id": "catalog-name-already-exists",
            "message": "A catalog with that name already exists",
            "parameters": ["name"], "parameter_values": ["restaurants"]}],
            "message": "Invalid Request"})
    );
    let no_id = call(
        &b,
        "POST",
        "/catalogs",
        Some(json!({"catalogs": [{"name": "x", "fields": [{"name": "Name", "type": "string"}]}]})),
    )
    .await;
    assert_eq!(no_id.status, 400);
    assert_eq!(no_id.json["errors"][0]["id"], json!("id-not-first-column"));
}

#[tokio::test]
async fn items_are_written_in_batches_and_read_back() {
    let b = braze();
    call(&b, "POST", "/catalogs", Some(restaurants())).await;
    // The captured item.
    let item = json!({"id": "restaurant1", "Name": "Restaurant1", "City": "New York",
        "Cuisine": "American", "Rating": 5, "Loyalty_Program": true,
        "Location": {"Latitude": 33.6112, "Longitude": -117.8711},
        "Created_At": "2022-11-01T09:03:19.967+00:00"});
    let added = call(
        &b,
        "POST",
        "/catalogs/restaurants/items",
        Some(json!({"items": [item]})),
    )
    .await;
    assert_eq!(added.status, 202, "{}", added.text);
    assert_eq!(added.json, json!({"message": "success"}));
    assert_eq!(added.header("x-ratelimit-limit"), Some("16000"));
    let edited = call(
        &b,
        "PATCH",
        "/catalogs/restaurants/items",
        Some(json!({"items": [{"id": "restaurant1", "Name": "NewNameForRestaurant1"}]})),
    )
    .await;
    assert_eq!(edited.status, 202);
    let shown = call(&b, "GET", "/catalogs/restaurants/items/restaurant1", None).await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    let mut expected = item.clone();
    expected["Name"] = json!("NewNameForRestaurant1");
    assert_eq!(shown.json["items"], json!([expected]));
    let listed = call(&b, "GET", "/catalogs", None).await;
    assert_eq!(listed.json["catalogs"][0]["num_items"], json!(1));

    let too_many: Vec<Value> = (0..51).map(|i| json!({"id": format!("r{i}")})).collect();
    let refused = call(
        &b,
        "PUT",
        "/catalogs/restaurants/items",
        Some(json!({"items": too_many})),
    )
    .await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json["errors"][0]["id"],
        json!("request-includes-too-many-items")
    );
    let deleted = call(
        &b,
        "DELETE",
        "/catalogs/restaurants/items",
        Some(json!({"items": [{"id": "restaurant1"}]})),
    )
    .await;
    assert_eq!(deleted.status, 202);
    let gone = call(&b, "GET", "/catalogs/restaurants/items/restaurant1", None).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json["errors"][0]["id"], json!("item-not-found"));
    let missing = call(&b, "GET", "/catalogs/nope/items", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json["errors"][0]["id"], json!("catalog-not-found"));
    let dropped = call(&b, "DELETE", "/catalogs/restaurants", None).await;
    assert_eq!(dropped.status, 200);
}

#[tokio::test]
async fn an_item_list_pages_by_fifty_with_a_link_header() {
    let b = braze();
    call(&b, "POST", "/catalogs", Some(restaurants())).await;
    for batch in 0..2 {
        let items: Vec<Value> = (0..40)
            .map(|i| json!({"id": format!("r{:03}", batch * 40 + i), "Name": "n"}))
            .collect();
        let r = call(
            &b,
            "POST",
            "/catalogs/restaurants/items",
            Some(json!({"items": items})),
        )
        .await;
        assert_eq!(r.status, 202);
    }
    let first = call(&b, "GET", "/catalogs/restaurants/items", None).await;
    assert_eq!(first.json["items"].as_array().unwrap().len(), 50);
    let link = first.header("link").expect("a next link").to_owned();
    assert!(link.ends_with("rel=\"next\""), "{link}");
    let next = link
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .to_owned();
    let second = call(&b, "GET", &next, None).await;
    let ids: Vec<&str> = second.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 30);
    assert_eq!(ids[0], "r050");
    assert!(second.header("link").is_none());
}
