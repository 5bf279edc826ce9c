//! Custom objects against Zendesk's Custom Objects, Custom Object Fields and
//! Custom Object Records references: an object by key, its typed fields, and
//! records with ULID ids, every field shown, values checked against their
//! fields, cursor pages and filters, upsert and delete by external id, count,
//! search and autocomplete.

use serde_json::{Value, json};

use crate::common::{Fake, fake};

async fn car_object(z: &Fake) {
    let r = z
        .call("POST", "/api/v2/custom_objects", Some(json!({"custom_object": {"key": "car", "title": "Car", "title_pluralized": "Cars"}})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    for field in [
        json!({"type": "text", "key": "make", "title": "Make"}),
        json!({"type": "integer", "key": "year", "title": "Year"}),
        json!({"type": "dropdown", "key": "fuel", "title": "Fuel", "custom_field_options": [{"name": "Petrol", "value": "petrol"}, {"name": "Electric", "value": "electric"}]}),
    ] {
        let f = z
            .call(
                "POST",
                "/api/v2/custom_objects/car/fields",
                Some(json!({"custom_object_field": field})),
            )
            .await;
        assert_eq!(f.status, 201, "{}", f.text);
    }
}

async fn record(z: &Fake, body: Value) -> Value {
    let r = z
        .call(
            "POST",
            "/api/v2/custom_objects/car/records",
            Some(json!({"custom_object_record": body})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["custom_object_record"].clone()
}

#[tokio::test]
async fn a_custom_object_has_fields_and_records_shown_with_every_field() {
    let z = fake();
    car_object(&z).await;
    let obj = z.call("GET", "/api/v2/custom_objects/car", None).await;
    assert_eq!(obj.json["custom_object"]["title_pluralized"], json!("Cars"));
    assert_eq!(obj.json["custom_object"]["raw_title"], json!("Car"));
    assert!(obj.json["custom_object"]["created_by_user_id"].is_string());
    let list = z.call("GET", "/api/v2/custom_objects", None).await;
    assert_eq!(list.json["custom_objects"].as_array().unwrap().len(), 1);
    let fields = z
        .call("GET", "/api/v2/custom_objects/car/fields", None)
        .await;
    let keys: Vec<&str> = fields.json["custom_object_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["make", "year", "fuel"]);

    let r = record(&z, json!({"name": "Family car", "external_id": "vin-1", "custom_object_fields": {"make": "Volvo", "year": 2019}})).await;
    let id = r["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 26, "a ULID: {id}");
    assert_eq!(r["custom_object_key"], json!("car"));
    assert_eq!(
        r["custom_object_fields"],
        json!({"make": "Volvo", "year": 2019, "fuel": null})
    );
    assert!(
        r["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v2/custom_objects/car/records/{id}.json"))
    );

    // A value its field does not take, an unknown field, a blank name, a taken
    // external id: 422.
    for bad in [
        json!({"name": "X", "custom_object_fields": {"fuel": "diesel"}}),
        json!({"name": "X", "custom_object_fields": {"colour": "red"}}),
        json!({"name": " "}),
        json!({"name": "X", "external_id": "vin-1"}),
    ] {
        let r = z
            .call(
                "POST",
                "/api/v2/custom_objects/car/records",
                Some(json!({"custom_object_record": bad})),
            )
            .await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
    }
    // A PATCH merges field values.
    let changed = z
        .call(
            "PATCH",
            &format!("/api/v2/custom_objects/car/records/{id}"),
            Some(json!({"custom_object_record": {"custom_object_fields": {"fuel": "electric"}}})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(
        changed.json["custom_object_record"]["custom_object_fields"],
        json!({"make": "Volvo", "year": 2019, "fuel": "electric"})
    );
    let gone = z
        .call(
            "DELETE",
            &format!("/api/v2/custom_objects/car/records/{id}"),
            None,
        )
        .await;
    assert_eq!(gone.status, 204);
    let again = z
        .call(
            "GET",
            &format!("/api/v2/custom_objects/car/records/{id}"),
            None,
        )
        .await;
    assert_eq!(again.status, 404);
    let unknown = z
        .call("GET", "/api/v2/custom_objects/boat/records", None)
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn records_page_filter_upsert_count_and_search() {
    let z = fake();
    car_object(&z).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let r = record(&z, json!({"name": format!("Car {n}"), "external_id": format!("vin-{n}"), "custom_object_fields": {"make": if n % 2 == 0 { "Saab" } else { "Volvo" }}})).await;
        ids.push(r["id"].as_str().unwrap().to_owned());
    }
    let first = z
        .call(
            "GET",
            "/api/v2/custom_objects/car/records?page[size]=2",
            None,
        )
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(
        first.json["custom_object_records"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(first.json["meta"]["has_more"], json!(true));
    let next = first.json["links"]["next"].as_str().unwrap();
    let second = z
        .call("GET", &next[next.find("/api/").unwrap()..], None)
        .await;
    assert_eq!(second.json["custom_object_records"][0]["id"], json!(ids[2]));

    let filtered = z
        .call(
            "GET",
            "/api/v2/custom_objects/car/records?filter[external_ids]=vin-1,vin-3",
            None,
        )
        .await;
    let names: Vec<&str> = filtered.json["custom_object_records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Car 1", "Car 3"]);

    // Upsert by external id: an update (200), then a creation (201).
    let updated = z
        .call(
            "PATCH",
            "/api/v2/custom_objects/car/records?external_id=vin-4",
            Some(json!({"custom_object_record": {"name": "Car four"}})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.json["custom_object_record"]["id"], json!(ids[4]));
    let created = z
        .call(
            "PATCH",
            "/api/v2/custom_objects/car/records?external_id=vin-9",
            Some(json!({"custom_object_record": {"name": "Car nine"}})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        created.json["custom_object_record"]["external_id"],
        json!("vin-9")
    );
    let count = z
        .call("GET", "/api/v2/custom_objects/car/records/count", None)
        .await;
    assert_eq!(count.json["count"]["value"], json!(6));
    let deleted = z
        .call(
            "DELETE",
            "/api/v2/custom_objects/car/records?external_id=vin-9",
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    let count = z
        .call("GET", "/api/v2/custom_objects/car/records/count", None)
        .await;
    assert_eq!(count.json["count"]["value"], json!(5));

    let found = z
        .call(
            "GET",
            "/api/v2/custom_objects/car/records/search?query=saab",
            None,
        )
        .await;
    assert_eq!(
        found.json["custom_object_records"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let auto = z
        .call(
            "GET",
            "/api/v2/custom_objects/car/records/autocomplete?name=car%20f",
            None,
        )
        .await;
    assert_eq!(
        auto.json["custom_object_records"][0]["name"],
        json!("Car four")
    );
    assert_eq!(
        auto.json["custom_object_records"].as_array().unwrap().len(),
        1
    );

    // Deleting the object takes its records with it.
    let dropped = z.call("DELETE", "/api/v2/custom_objects/car", None).await;
    assert_eq!(dropped.status, 204);
    let none = z
        .call("GET", "/api/v2/custom_objects/car/records", None)
        .await;
    assert_eq!(none.status, 404);
}

#[tokio::test]
async fn custom_object_keys_are_checked() {
    let z = fake();
    car_object(&z).await;
    for bad in [
        json!({"key": "car", "title": "Car", "title_pluralized": "Cars"}),
        json!({"key": "Bad Key", "title": "B", "title_pluralized": "Bs"}),
        json!({"key": "boat", "title_pluralized": "Boats"}),
    ] {
        let r = z
            .call(
                "POST",
                "/api/v2/custom_objects",
                Some(json!({"custom_object": bad})),
            )
            .await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
    }
    let dup = z
        .call(
            "POST",
            "/api/v2/custom_objects/car/fields",
            Some(json!({"custom_object_field": {"type": "text", "key": "make", "title": "Again"}})),
        )
        .await;
    assert_eq!(dup.status, 422, "{}", dup.text);
}
