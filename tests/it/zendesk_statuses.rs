//! Custom ticket statuses against Zendesk's Custom Ticket Statuses reference and
//! zenpy's recordings of live calls (`CustomStatusesCreateUpdateDelete`): five
//! system statuses, one default per category; 201 on create with null texts
//! left out; an update that ignores `status_category`; a list without
//! pagination; and tickets whose `status` is their custom status's category.

use serde_json::{Value, json};

use crate::common::fake;

fn ids(list: &Value) -> Vec<u64> {
    list["custom_statuses"]
        .as_array()
        .expect("a custom_statuses list")
        .iter()
        .map(|s| s["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn every_account_has_one_default_system_status_per_category() {
    let z = fake();
    let list = z.call("GET", "/api/v2/custom_statuses.json", None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let all = list.json["custom_statuses"].as_array().unwrap();
    let categories: Vec<&str> = all
        .iter()
        .map(|s| s["status_category"].as_str().unwrap())
        .collect();
    assert_eq!(categories, ["new", "open", "pending", "hold", "solved"]);
    for s in all {
        assert_eq!(s["default"], json!(true), "{s}");
        assert_eq!(s["active"], json!(true), "{s}");
    }
    // The captured open status: its labels and Zendesk's placeholders.
    let open = &all[1];
    assert_eq!(open["agent_label"], json!("Open"));
    assert_eq!(open["raw_agent_label"], json!("{{zd.status_open}}"));
    assert_eq!(
        open["raw_end_user_description"],
        json!("{{zd.status_end_user_open_description}}")
    );
    // "No pagination is provided" [DOC].
    assert!(list.json.get("next_page").is_none() && list.json.get("count").is_none());
    // A new ticket carries the `new` default.
    let t = z.ticket("fresh").await;
    let shown = z
        .call("GET", &format!("/api/v2/tickets/{t}.json"), None)
        .await;
    assert_eq!(shown.json["ticket"]["custom_status_id"], all[0]["id"]);
}

#[tokio::test]
async fn a_created_status_answers_201_and_an_update_keeps_its_category() {
    let z = fake();
    // The request zenpy recorded.
    let created = z
        .call(
            "POST",
            "/api/v2/custom_statuses.json",
            Some(json!({"custom_status": {"agent_label": "agent", "end_user_label": "end", "status_category": "open"}})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let s = &created.json["custom_status"];
    assert_eq!(s["status_category"], json!("open"));
    assert_eq!(s["active"], json!(true));
    assert_eq!(s["default"], json!(false));
    assert_eq!(s["description"], Value::Null);
    assert_eq!(s["raw_description"], Value::Null);
    assert_eq!(s["raw_agent_label"], json!("agent"));
    let id = s["id"].as_u64().unwrap();
    assert!(
        s["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v2/custom_statuses/{id}.json"))
    );
    let updated = z
        .call(
            "PUT",
            &format!("/api/v2/custom_statuses/{id}.json"),
            Some(
                json!({"custom_status": {"agent_label": "renamed", "status_category": "open5fc7"}}),
            ),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(
        updated.json["custom_status"]["agent_label"],
        json!("renamed")
    );
    assert_eq!(
        updated.json["custom_status"]["status_category"],
        json!("open")
    );
    let missing = z
        .call(
            "PUT",
            "/api/v2/custom_statuses/1.json",
            Some(json!({"custom_status": {"agent_label": "x"}})),
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json["error"], json!("RecordNotFound"));
    // No DELETE is documented: a status is deactivated instead. Zendesk answers
    // a method it does not route as an unknown endpoint.
    let delete = z
        .call(
            "DELETE",
            &format!("/api/v2/custom_statuses/{id}.json"),
            None,
        )
        .await;
    assert_eq!(delete.status, 404);
    assert_eq!(delete.json["error"], json!("InvalidEndpoint"));
}

#[tokio::test]
async fn the_list_filters_by_category_activity_and_default() {
    let z = fake();
    let add = |label: &'static str, category: &'static str, active: bool| json!({"custom_status": {"agent_label": label, "status_category": category, "active": active}});
    let quick = z
        .call(
            "POST",
            "/api/v2/custom_statuses",
            Some(add("Quick", "open", true)),
        )
        .await;
    let parked = z
        .call(
            "POST",
            "/api/v2/custom_statuses",
            Some(add("Parked", "hold", false)),
        )
        .await;
    let (quick, parked) = (
        quick.json["custom_status"]["id"].as_u64().unwrap(),
        parked.json["custom_status"]["id"].as_u64().unwrap(),
    );
    let list = |q: &'static str| {
        let z = &z;
        async move {
            ids(&z
                .call("GET", &format!("/api/v2/custom_statuses.json?{q}"), None)
                .await
                .json)
        }
    };
    let open_and_hold = list("status_categories=open,hold").await;
    assert_eq!(open_and_hold.len(), 4, "{open_and_hold:?}");
    assert!(open_and_hold.contains(&quick) && open_and_hold.contains(&parked));
    assert!(!list("active=true").await.contains(&parked));
    assert_eq!(list("active=false").await, [parked]);
    assert_eq!(list("default=true").await.len(), 5);
    // The new category has only its system status [DOC].
    let refused = z
        .call(
            "POST",
            "/api/v2/custom_statuses",
            Some(add("Newer", "new", true)),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.json["error"], json!("RecordInvalid"));
}

#[tokio::test]
async fn a_ticket_status_follows_its_custom_status_and_the_other_way_round() {
    let z = fake();
    let quick = z
        .call(
            "POST",
            "/api/v2/custom_statuses",
            Some(json!({"custom_status": {"agent_label": "Responding quickly", "status_category": "open"}})),
        )
        .await
        .json["custom_status"]["id"]
        .as_u64()
        .unwrap();
    let defaults = ids(&z
        .call("GET", "/api/v2/custom_statuses?default=true", None)
        .await
        .json);
    let t = z.ticket("custom").await;
    let put = |body: Value| {
        let z = &z;
        async move {
            z.call(
                "PUT",
                &format!("/api/v2/tickets/{t}.json"),
                Some(json!({"ticket": body})),
            )
            .await
        }
    };
    // A custom status sets the status to its category.
    let r = put(json!({"custom_status_id": quick})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["ticket"]["status"], json!("open"));
    assert_eq!(r.json["ticket"]["custom_status_id"], json!(quick));
    assert!(
        r.header("x-zendesk-api-warn").is_none(),
        "custom_status_id is writable"
    );
    // A status alone takes its category's default.
    let r = put(json!({"status": "pending"})).await;
    assert_eq!(r.json["ticket"]["custom_status_id"], json!(defaults[2]));
    // A client sending the whole ticket back with a new status keeps the status.
    let r = put(json!({"status": "hold", "custom_status_id": defaults[2]})).await;
    assert_eq!(r.json["ticket"]["status"], json!("hold"));
    assert_eq!(r.json["ticket"]["custom_status_id"], json!(defaults[3]));
    // After a new default for open, a status of open takes it.
    let made = z
        .call(
            "PUT",
            "/api/v2/custom_status/default.json",
            Some(json!({"ids": quick.to_string()})),
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.text);
    assert_eq!(made.json, json!({}));
    let r = put(json!({"status": "open"})).await;
    assert_eq!(r.json["ticket"]["custom_status_id"], json!(quick));
    let now_default = ids(&z
        .call(
            "GET",
            "/api/v2/custom_statuses?status_categories=open&default=true",
            None,
        )
        .await
        .json);
    assert_eq!(now_default, [quick]);
    // A default cannot be deactivated; an unknown status is refused.
    let off = z
        .call(
            "PUT",
            &format!("/api/v2/custom_statuses/{quick}"),
            Some(json!({"custom_status": {"active": false}})),
        )
        .await;
    assert_eq!(off.status, 422, "{}", off.text);
    let r = put(json!({"custom_status_id": 12345})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        r.json["details"]["custom_status_id"][0]["error"],
        json!("InvalidValue")
    );
}
