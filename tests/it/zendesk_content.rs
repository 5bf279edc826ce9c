//! Account content beside tickets, against Zendesk's references and zenpy's
//! recordings: support addresses (`TestRecipientAddresses`: the brand's default
//! `support@{sub}.zendesk.com`, verified; a new external one `default: null`,
//! waiting, with a 16-hex code), dynamic content items and their variants (DOC:
//! placeholder from the name, one variant per locale), view counts in bulk and
//! macro categories (DOC).

use serde_json::{Value, json};

use crate::common::fake;

#[tokio::test]
async fn the_brand_has_its_support_address_and_new_ones_wait_for_verification() {
    let z = fake();
    let list = z
        .call("GET", "/api/v2/recipient_addresses.json", None)
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    let seeded = &list.json["recipient_addresses"][0];
    let email = seeded["email"].as_str().unwrap();
    assert!(
        email.starts_with("support@") && email.ends_with(".zendesk.com"),
        "{email}"
    );
    assert_eq!(seeded["default"], json!(true));
    for key in [
        "forwarding_status",
        "spf_status",
        "cname_status",
        "domain_verification_status",
    ] {
        assert_eq!(seeded[key], json!("verified"), "{key}");
    }
    assert_eq!(seeded["domain_verification_code"], Value::Null);

    let created = z
        .call(
            "POST",
            "/api/v2/recipient_addresses.json",
            Some(json!({"recipient_address": {"email": "help@example.com", "name": "Help"}})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let a = &created.json["recipient_address"];
    assert_eq!(a["default"], Value::Null, "null, not false (CAPTURE)");
    assert_eq!(a["forwarding_status"], json!("waiting"));
    assert_eq!(a["spf_status"], json!("failed"));
    assert_eq!(a["cname_status"], json!("unknown"));
    assert_eq!(a["domain_verification_status"], json!("failed"));
    let code = a["domain_verification_code"].as_str().unwrap();
    assert!(
        code.len() == 16 && code.chars().all(|c| c.is_ascii_hexdigit()),
        "{code}"
    );
    assert_eq!(a["brand_id"], seeded["brand_id"]);
    let id = a["id"].as_u64().unwrap();

    let verified = z
        .call(
            "PUT",
            &format!("/api/v2/recipient_addresses/{id}/verify.json"),
            Some(json!({"type": "forwarding"})),
        )
        .await;
    assert_eq!(verified.status, 200);
    // The email is set once; making it the default ends the other's.
    let updated = z
        .call(
            "PUT",
            &format!("/api/v2/recipient_addresses/{id}.json"),
            Some(json!({"recipient_address": {"email": "other@example.com", "default": true}})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let a = &updated.json["recipient_address"];
    assert_eq!(a["email"], json!("help@example.com"));
    assert_eq!(a["forwarding_status"], json!("verified"));
    assert_eq!(a["default"], json!(true));
    let seeded_id = seeded["id"].as_u64().unwrap();
    let before = z
        .call(
            "GET",
            &format!("/api/v2/recipient_addresses/{seeded_id}"),
            None,
        )
        .await;
    assert_eq!(before.json["recipient_address"]["default"], json!(false));

    let twice = z
        .call(
            "POST",
            "/api/v2/recipient_addresses.json",
            Some(json!({"recipient_address": {"email": "HELP@example.com"}})),
        )
        .await;
    assert_eq!(twice.status, 422, "{}", twice.text);
    let deleted = z
        .call("DELETE", &format!("/api/v2/recipient_addresses/{id}"), None)
        .await;
    assert_eq!(deleted.status, 204);
}

#[tokio::test]
async fn a_dynamic_content_item_keeps_one_variant_per_locale() {
    let z = fake();
    // The DOC's create example.
    let created = z
        .call(
            "POST",
            "/api/v2/dynamic_content/items.json",
            Some(json!({"item": {"name": "Snowboard Problem3", "default_locale_id": 1,
                "variants": [{"locale_id": 1, "default": true, "content": "C'est mon contenu dynamique en français"},
                             {"locale_id": 8, "default": false, "content": "Das ist mein dynamischer Inhalt"}]}})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let item = &created.json["item"];
    assert_eq!(item["placeholder"], json!("{{dc.snowboard_problem3}}"));
    assert_eq!(item["outdated"], json!(false));
    let variants = item["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    assert_eq!(variants[0]["default"], json!(true));
    assert_eq!(variants[1]["default"], json!(false));
    let id = item["id"].as_u64().unwrap();

    let path = format!("/api/v2/dynamic_content/items/{id}/variants.json");
    let listed = z.call("GET", &path, None).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let url = listed.json["variants"][0]["url"].as_str().unwrap();
    assert!(
        url.contains(&format!("/api/v2/dynamic_content/items/{id}/variants/")),
        "{url}"
    );
    let again = z
        .call(
            "POST",
            &path,
            Some(json!({"variant": {"locale_id": 8, "content": "noch einmal"}})),
        )
        .await;
    assert_eq!(again.status, 422, "one variant per locale: {}", again.text);
    let spanish = z
        .call(
            "POST",
            &path,
            Some(json!({"variant": {"locale_id": 2, "content": "Mi contenido", "default": true}})),
        )
        .await;
    assert_eq!(spanish.status, 201, "{}", spanish.text);
    let shown = z
        .call("GET", &format!("/api/v2/dynamic_content/items/{id}"), None)
        .await;
    let defaults: Vec<(u64, bool)> = shown.json["item"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["locale_id"].as_u64().unwrap(),
                v["default"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(defaults, [(1, false), (8, false), (2, true)]);
    assert_eq!(shown.json["item"]["default_locale_id"], json!(2));

    let by_key = z
        .call(
            "GET",
            "/api/v2/dynamic_content/items/show_many?identifiers=snowboard_problem3,nothing",
            None,
        )
        .await;
    assert_eq!(by_key.json["items"].as_array().unwrap().len(), 1);
    let none = z
        .call(
            "GET",
            "/api/v2/dynamic_content/items/show_many?identifiers=x",
            None,
        )
        .await;
    assert_eq!(none.json["items"], json!([]));
    assert_eq!(none.json["count"], json!(0));

    let taken = z
        .call(
            "POST",
            "/api/v2/dynamic_content/items",
            Some(
                json!({"item": {"name": "snowboard problem3", "default_locale_id": 1,
                "variants": [{"locale_id": 1, "content": "x"}]}}),
            ),
        )
        .await;
    assert_eq!(taken.status, 422, "{}", taken.text);
    let deleted = z
        .call(
            "DELETE",
            &format!("/api/v2/dynamic_content/items/{id}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    let gone = z.call("GET", &path, None).await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn views_are_counted_in_bulk_and_macros_grouped_by_category() {
    let z = fake();
    let view = z
        .call(
            "POST",
            "/api/v2/views.json",
            Some(json!({"view": {"title": "New tickets", "all": [{"field": "status", "operator": "is", "value": "new"}]}})),
        )
        .await;
    assert_eq!(view.status, 201, "{}", view.text);
    let id = view.json["view"]["id"].as_u64().unwrap();
    z.ticket("one").await;
    z.ticket("two").await;
    let counts = z
        .call(
            "GET",
            &format!("/api/v2/views/count_many.json?ids={id},1"),
            None,
        )
        .await;
    assert_eq!(counts.status, 200, "{}", counts.text);
    let c = &counts.json["view_counts"];
    assert_eq!(c.as_array().unwrap().len(), 1, "only views found");
    assert_eq!(c[0]["view_id"], json!(id));
    assert_eq!(c[0]["value"], json!(2));
    assert_eq!(c[0]["fresh"], json!(true));
    let missing = z.call("GET", "/api/v2/views/count_many.json", None).await;
    assert_eq!(missing.status, 400);

    for title in ["Triage::Escalate", "FAQ::Refunds", "Triage::Close", "Plain"] {
        let r = z
            .call(
                "POST",
                "/api/v2/macros.json",
                Some(json!({"macro": {"title": title, "actions": [{"field": "status", "value": "open"}]}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let categories = z.call("GET", "/api/v2/macros/categories.json", None).await;
    assert_eq!(categories.json, json!({"categories": ["FAQ", "Triage"]}));
}

/// Search Macros, Automations, Views and Triggers [DOC]: titles containing the
/// query in any case, `active` narrowing it; a missing query is a 400.
#[tokio::test]
async fn rules_are_found_by_words_of_their_titles() {
    let z = fake();
    let make = |path: &'static str, root: &'static str, body: Value| {
        let z = &z;
        async move {
            let r = z.call("POST", path, Some(json!({ root: body }))).await;
            assert_eq!(r.status, 201, "{path}: {}", r.text);
        }
    };
    make(
        "/api/v2/macros.json",
        "macro",
        json!({"title": "Close and redirect", "actions": [{"field": "status", "value": "solved"}]}),
    )
    .await;
    make(
        "/api/v2/macros.json",
        "macro",
        json!({"title": "Escalate", "active": false, "actions": [{"field": "priority", "value": "high"}]}),
    )
    .await;
    make(
        "/api/v2/triggers.json",
        "trigger",
        json!({"title": "Notify on Redirect", "conditions": {"all": [{"field": "status", "operator": "is", "value": "solved"}]},
            "actions": [{"field": "status", "value": "closed"}]}),
    )
    .await;
    let titles = |r: &Value, key: &str| -> Vec<String> {
        r[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} in {r}"))
            .iter()
            .map(|m| m["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let found = z
        .call("GET", "/api/v2/macros/search.json?query=REDIRECT", None)
        .await;
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(titles(&found.json, "macros"), ["Close and redirect"]);
    let inactive = z
        .call("GET", "/api/v2/macros/search?query=e&active=false", None)
        .await;
    assert_eq!(titles(&inactive.json, "macros"), ["Escalate"]);
    let triggers = z
        .call("GET", "/api/v2/triggers/search?query=redirect", None)
        .await;
    assert_eq!(triggers.status, 200, "{}", triggers.text);
    assert_eq!(titles(&triggers.json, "triggers"), ["Notify on Redirect"]);
    for path in ["/api/v2/views/search", "/api/v2/automations/search?query="] {
        let r = z.call("GET", path, None).await;
        assert_eq!(r.status, 400, "{path}");
    }
}

/// The macro editor's lists, in the shapes of Zendesk's examples: `/macros/actions`
/// (`{"actions": [{group, operators, output_key, target, title, title_for_field,
/// value, values: {list, type}}]}`) and `/macros/definitions` (`{"definitions":
/// {"actions": [{group, nullable, repeatable, subject, title, type, values}]}}`,
/// status by id: Open "1" ... Closed "4"). A macro built from the definitions
/// applies as Zendesk applies it, and `/macros/new` replicates a macro or a ticket.
#[tokio::test]
async fn macro_actions_definitions_and_replicas() {
    let z = fake();
    let r = z.call("GET", "/api/v2/macros/actions.json", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let priority = r.json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["value"] == "priority")
        .unwrap();
    let mut keys: Vec<&String> = priority.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "group",
            "operators",
            "output_key",
            "target",
            "title",
            "title_for_field",
            "value",
            "values"
        ]
    );
    assert_eq!(priority["values"]["type"], "list");
    assert_eq!(
        priority["operators"],
        json!([{"title": "Is", "value": "is"}])
    );

    let r = z.call("GET", "/api/v2/macros/definitions.json", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let actions = r.json["definitions"]["actions"].as_array().unwrap().clone();
    let status = actions.iter().find(|a| a["subject"] == "status").unwrap();
    let solved = status["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["title"] == "Solved")
        .unwrap();
    assert_eq!(solved["value"], "3", "DOC example: status values are ids");
    for a in &actions {
        let mut keys: Vec<&String> = a.as_object().unwrap().keys().collect();
        keys.retain(|k| *k != "values");
        keys.sort();
        assert_eq!(
            keys,
            [
                "group",
                "nullable",
                "repeatable",
                "subject",
                "title",
                "type"
            ]
        );
    }

    // A macro from the definitions: status by id, and tags.
    let r = z
        .call("POST", "/api/v2/macros.json", Some(json!({"macro": {"title": "Solve", "description": "Solves it", "actions": [{"field": "status", "value": solved["value"]}, {"field": "set_tags", "value": "done"}]}})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let macro_id = r.json["macro"]["id"].as_u64().unwrap();
    let r = z
        .call(
            "GET",
            &format!("/api/v2/macros/{macro_id}/apply.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["result"]["ticket"]["status"], "solved");
    assert_eq!(r.json["result"]["ticket"]["tags"], json!(["done"]));

    // Replicas: of the macro (its own fields, DOC example keys), of a ticket.
    let r = z
        .call(
            "GET",
            &format!("/api/v2/macros/new.json?macro_id={macro_id}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let m = &r.json["macro"];
    assert_eq!(m["id"], macro_id);
    assert_eq!(m["title"], "Solve");
    assert_eq!(m["description"], "Solves it");
    assert_eq!(
        m["actions"][1],
        json!({"field": "set_tags", "value": "done"})
    );
    let t = z.ticket("replicate me").await;
    z.call(
        "PUT",
        &format!("/api/v2/tickets/{t}.json"),
        Some(json!({"ticket": {"priority": "high", "tags": ["vip"]}})),
    )
    .await;
    let r = z
        .call(
            "GET",
            &format!("/api/v2/macros/new.json?ticket_id={t}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let actions = r.json["macro"]["actions"].as_array().unwrap();
    assert!(
        actions.contains(&json!({"field": "priority", "value": "high"})),
        "{actions:?}"
    );
    assert!(
        actions.contains(&json!({"field": "set_tags", "value": "vip"})),
        "{actions:?}"
    );
    assert_eq!(
        z.call("GET", "/api/v2/macros/new.json", None).await.status,
        400
    );
    assert_eq!(
        z.call("GET", "/api/v2/macros/new.json?macro_id=999999", None)
            .await
            .status,
        404
    );
}
