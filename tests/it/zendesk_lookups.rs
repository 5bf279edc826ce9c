//! Fake Zendesk's lookups against the vendor facts: locales (a capture of
//! Zendesk's own `/api/v2/locales/public.json`), satisfaction reasons (Zendesk's
//! Satisfaction Reasons reference: `reasons`/`reason`, custom codes from 1000),
//! organization and tag autocomplete (exports-search-orgs reference 2.3, 7.3),
//! job statuses (Zendesk's Job Statuses reference: newest first, `show_many`) and
//! the active triggers.

use serde_json::{Value, json};

use crate::common::{fake, fake_with};

#[tokio::test]
async fn locales_are_the_captured_objects_found_by_id_or_code() {
    let z = fake();
    let list = z.call("GET", "/api/v2/locales.json", None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let en = &list.json["locales"][0];
    // CAPTURE support.zendesk.com /api/v2/locales/public.json.
    assert_eq!(en["id"], json!(1));
    assert_eq!(en["locale"], json!("en-US"));
    assert_eq!(en["name"], json!("English"));
    assert_eq!(en["presentation_name"], json!("English (United States)"));
    assert_eq!(en["default"], json!(true));
    assert!(
        en["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v2/locales/en-US.json")
    );
    let public = z.call("GET", "/api/v2/locales/public.json", None).await;
    let codes: Vec<&str> = public.json["locales"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["locale"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"de") && codes.contains(&"es"), "{codes:?}");
    for path in [
        "/api/v2/locales/de.json",
        "/api/v2/locales/8",
        "/api/v2/locales/DE",
    ] {
        let de = z.call("GET", path, None).await;
        assert_eq!(de.status, 200, "{path}");
        assert_eq!(de.json["locale"]["id"], json!(8), "{path}");
        assert_eq!(
            de.json["locale"]["presentation_name"],
            json!("German - Deutsch")
        );
    }
    let missing = z.call("GET", "/api/v2/locales/xx-YY", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json["error"], json!("RecordNotFound"));
}

#[tokio::test]
async fn the_account_locales_follow_its_localization_setting() {
    let z = fake();
    let put = z
        .call(
            "PUT",
            "/api/v2/account/settings.json",
            Some(json!({"settings": {"localization": {"locale_ids": [8, 1]}}})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    let list = z.call("GET", "/api/v2/locales", None).await;
    let ids: Vec<u64> = list.json["locales"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1, 8]);
    let current = z.call("GET", "/api/v2/locales/current", None).await;
    assert_eq!(current.json["locale"]["locale"], json!("de"));
}

#[tokio::test]
async fn satisfaction_reasons_are_listed_shown_and_only_read() {
    let z = fake();
    let list = z
        .call("GET", "/api/v2/satisfaction_reasons.json", None)
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    let reasons = list.json["reasons"].as_array().unwrap();
    assert!(!reasons.is_empty());
    // DOC: the fields of a reason.
    for key in [
        "id",
        "url",
        "value",
        "raw_value",
        "reason_code",
        "created_at",
        "updated_at",
        "deleted_at",
    ] {
        assert!(reasons[0].get(key).is_some(), "{key} in {}", reasons[0]);
    }
    let id = reasons[0]["id"].as_u64().unwrap();
    let one = z
        .call(
            "GET",
            &format!("/api/v2/satisfaction_reasons/{id}.json"),
            None,
        )
        .await;
    assert_eq!(one.json["reason"]["id"], json!(id));
    // Admins add reasons in Zendesk's interface, not through the API.
    let post = z
        .call(
            "POST",
            "/api/v2/satisfaction_reasons.json",
            Some(json!({"reason": {"value": "Too slow"}})),
        )
        .await;
    assert_ne!(post.status, 201);
}

#[tokio::test]
async fn configured_reasons_replace_the_defaults_with_codes_from_1000() {
    let z = fake_with(|c| {
        c.zendesk.seed_records.insert(
            "satisfaction_reasons".to_owned(),
            vec![
                json!({"value": "Too slow"}),
                json!({"value": "Wrong answer"}),
            ],
        );
    });
    let list = z.call("GET", "/api/v2/satisfaction_reasons", None).await;
    let got: Vec<(Value, Value)> = list.json["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["value"].clone(), r["reason_code"].clone()))
        .collect();
    assert_eq!(
        got,
        [
            (json!("Too slow"), json!(1000)),
            (json!("Wrong answer"), json!(1001))
        ]
    );
}

#[tokio::test]
async fn organization_autocomplete_matches_name_prefixes_and_refuses_short_ones() {
    let z = fake();
    for name in ["Acme Corp", "acorn", "Beta Acme"] {
        let r = z
            .call(
                "POST",
                "/api/v2/organizations.json",
                Some(json!({"organization": {"name": name}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let r = z
        .call(
            "GET",
            "/api/v2/organizations/autocomplete.json?name=AC",
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut names: Vec<&str> = r.json["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    names.sort();
    // DOC: names that start with the value ("Beta Acme" does not).
    assert_eq!(names, ["Acme Corp", "acorn"]);
    assert_eq!(r.json["count"], json!(2));
    let short = z
        .call(
            "GET",
            "/api/v2/organizations/autocomplete.json?name=a",
            None,
        )
        .await;
    assert_eq!(short.status, 400, "{}", short.text);
}

#[tokio::test]
async fn tag_autocomplete_and_organization_related_count_real_records() {
    let z = fake();
    let org = z
        .call(
            "POST",
            "/api/v2/organizations.json",
            Some(json!({"organization": {"name": "Acme"}})),
        )
        .await;
    let org_id = org.json["organization"]["id"].as_u64().unwrap();
    let t = z
        .call(
            "POST",
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "s", "comment": {"body": "b"},
                "organization_id": org_id, "tags": ["billing", "bug", "other"]}})),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.text);
    let tags = z
        .call("GET", "/api/v2/autocomplete/tags.json?name=b", None)
        .await;
    let mut got: Vec<&str> = tags.json["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    got.sort();
    assert_eq!(got, ["billing", "bug"]);
    let related = z
        .call(
            "GET",
            &format!("/api/v2/organizations/{org_id}/related.json"),
            None,
        )
        .await;
    assert_eq!(related.status, 200, "{}", related.text);
    assert_eq!(
        related.json["organization_related"]["tickets_count"],
        json!(1)
    );
    let none = z
        .call("GET", "/api/v2/organizations/1/related.json", None)
        .await;
    assert_eq!(none.status, 404);
}

#[tokio::test]
async fn job_statuses_are_listed_newest_first_and_shown_many() {
    let z = fake();
    let mut ids = Vec::new();
    for subject in ["first", "second"] {
        let r = z
            .call(
                "POST",
                "/api/v2/tickets/create_many.json",
                Some(json!({"tickets": [{"subject": subject, "comment": {"body": "b"}}]})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        ids.push(r.json["job_status"]["id"].as_str().unwrap().to_owned());
    }
    let list = z.call("GET", "/api/v2/job_statuses.json", None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let listed: Vec<&str> = list.json["job_statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [ids[1].as_str(), ids[0].as_str()]);
    assert_eq!(list.json["job_statuses"][0]["status"], json!("completed"));
    let many = z
        .call(
            "GET",
            &format!(
                "/api/v2/job_statuses/show_many.json?ids={},{},V3-nope",
                ids[0], ids[1]
            ),
            None,
        )
        .await;
    assert_eq!(many.status, 200, "{}", many.text);
    assert_eq!(many.json["job_statuses"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn active_triggers_leave_out_inactive_ones() {
    let z = fake();
    for (title, active) in [("on", true), ("off", false)] {
        let r = z
            .call(
                "POST",
                "/api/v2/triggers.json",
                Some(json!({"trigger": {"title": title, "active": active,
                    "conditions": {"all": [{"field": "status", "operator": "is", "value": "new"}]},
                    "actions": [{"field": "priority", "value": "high"}]}})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let all = z.call("GET", "/api/v2/triggers.json", None).await;
    let active = z.call("GET", "/api/v2/triggers/active.json", None).await;
    assert_eq!(active.status, 200, "{}", active.text);
    let titles = |v: &Value| -> Vec<String> {
        v["triggers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(titles(&all.json).contains(&"off".to_owned()));
    assert_eq!(titles(&active.json), ["on"]);
}
