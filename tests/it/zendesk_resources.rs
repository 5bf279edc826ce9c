//! Fake Zendesk's declared resources against the vendor facts: account settings,
//! organizations, groups and memberships, fields and forms, brands, tags, rules,
//! ratings, metrics, audits, audit logs, uploads, side-loads and counts.
//! Expected values come from the reference's captures and docs, cited per test.

use serde_json::{Value, json};

use crate::common::{Fake, basic, fake, fake_with};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}

fn sorted(list: &[&str]) -> Vec<String> {
    let mut k: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
    k.sort();
    k
}

impl Fake {
    async fn create(&self, path: &str, root: &str, body: Value) -> Value {
        let r = self.call("POST", path, Some(json!({ root: body }))).await;
        assert!(
            r.status == 201 || r.status == 200,
            "{path}: {} {}",
            r.status,
            r.text
        );
        r.json[root].clone()
    }
}

#[tokio::test]
async fn account_settings_answer_the_documented_groups_with_and_without_json() {
    let z = fake();
    for path in ["/api/v2/account/settings.json", "/api/v2/account/settings"] {
        let r = z.call("GET", path, None).await;
        assert_eq!(r.status, 200, "{path}");
        let s = &r.json["settings"];
        // DOC exports-search-orgs 3: booleans in active_features, strings in api.
        assert_eq!(s["active_features"]["ticket_forms"], json!(true));
        assert!(s["active_features"]["organization_access_enabled"].is_boolean());
        assert_eq!(s["api"]["api_token_access"], json!("true"));
        assert!(s["user"]["multiple_organizations"].is_boolean());
        assert!(s["tickets"]["status_hold"].is_boolean());
    }
    let r = z
        .call(
            "PUT",
            "/api/v2/account/settings.json",
            Some(json!({"settings": {"tickets": {"status_hold": false}}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["settings"]["tickets"]["status_hold"], json!(false));
    assert_eq!(
        r.json["settings"]["tickets"]["tagging"],
        json!(true),
        "other keys stay"
    );
    let logs = z
        .call(
            "GET",
            "/api/v2/audit_logs.json?filter[source_type]=account_setting",
            None,
        )
        .await;
    assert_eq!(
        logs.json["audit_logs"].as_array().unwrap().len(),
        1,
        "{}",
        logs.text
    );
}

#[tokio::test]
async fn organizations_have_the_captured_shape_and_lifecycle() {
    let z = fake();
    let org = z
        .create(
            "/api/v2/organizations.json",
            "organization",
            json!({"name": "testOrganizationNone"}),
        )
        .await;
    // CAPTURE zenpy TestOrganizationCreateUpdateDelete: the key set of a new organization.
    assert_eq!(
        keys(&org),
        sorted(&[
            "url",
            "id",
            "name",
            "shared_tickets",
            "shared_comments",
            "external_id",
            "created_at",
            "updated_at",
            "domain_names",
            "details",
            "notes",
            "group_id",
            "tags",
            "organization_fields"
        ])
    );
    assert_eq!(org["details"], Value::Null);
    let id = org["id"].as_u64().unwrap();
    assert_eq!(
        org["url"],
        json!(format!(
            "http://zendesk.test/api/v2/organizations/{id}.json"
        ))
    );
    let dup = z
        .call(
            "POST",
            "/api/v2/organizations.json",
            Some(json!({"organization": {"name": " testOrganizationNone "}})),
        )
        .await;
    assert_eq!(dup.status, 422);
    assert_eq!(
        dup.json["details"]["name"][0]["description"],
        json!("Name:  testOrganizationNone has already been taken")
    );
    let up = z
        .call(
            "PUT",
            &format!("/api/v2/organizations/{id}.json"),
            Some(json!({"organization": {"domain_names": ["a.test"]}})),
        )
        .await;
    assert_eq!(up.json["organization"]["domain_names"], json!(["a.test"]));
    let del = z
        .call("DELETE", &format!("/api/v2/organizations/{id}.json"), None)
        .await;
    assert_eq!((del.status, del.text.as_str()), (204, ""));
    let gone = z
        .call(
            "PUT",
            &format!("/api/v2/organizations/{id}.json"),
            Some(json!({"organization": {"name": "x"}})),
        )
        .await;
    assert_eq!(gone.status, 404);
    assert_eq!(
        gone.json,
        json!({"error": "RecordNotFound", "description": "Not found"})
    );
}

#[tokio::test]
async fn bulk_show_many_and_count_follow_the_captured_forms() {
    let z = fake();
    let names: Vec<Value> = (0..3)
        .map(|i| json!({"name": format!("org {i}")}))
        .collect();
    let r = z
        .call(
            "POST",
            "/api/v2/organizations/create_many.json",
            Some(json!({"organizations": names})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let job = z
        .call(
            "GET",
            &format!(
                "/api/v2/job_statuses/{}.json",
                r.json["job_status"]["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(
        job.json["job_status"]["job_type"],
        json!("Bulk Create Organization")
    );
    let results = job.json["job_status"]["results"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(results[0]["status"], json!("Created"));
    let ids: Vec<String> = results.iter().map(|r| r["id"].to_string()).collect();
    let many = z
        .call(
            "GET",
            &format!("/api/v2/organizations/show_many.json?ids={}", ids.join(",")),
            None,
        )
        .await;
    assert_eq!(many.json["count"], json!(3));
    assert_eq!(many.json["next_page"], Value::Null);
    let count = z
        .call("GET", "/api/v2/organizations/count.json", None)
        .await;
    assert_eq!(count.json["count"]["value"], json!(3));
    assert!(count.json["count"]["refreshed_at"].is_string());
    let too_many: Vec<Value> = (0..101).map(|i| json!({"name": format!("o{i}")})).collect();
    let r = z
        .call(
            "POST",
            "/api/v2/organizations/create_many.json",
            Some(json!({"organizations": too_many})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json["error"], json!("TooManyValues"));
}

#[tokio::test]
async fn lists_page_by_cursor_and_offset_and_sort() {
    let z = fake();
    for n in ["c", "a", "b"] {
        z.create(
            "/api/v2/organizations.json",
            "organization",
            json!({"name": n}),
        )
        .await;
    }
    let first = z
        .call("GET", "/api/v2/organizations.json?page[size]=2", None)
        .await;
    assert_eq!(first.json["organizations"].as_array().unwrap().len(), 2);
    assert_eq!(first.json["meta"]["has_more"], json!(true));
    assert!(first.json.get("count").is_none(), "no count with cursors");
    let next = first.json["links"]["next"]
        .as_str()
        .unwrap()
        .replace("http://zendesk.test", "");
    let second = z.call("GET", &next, None).await;
    assert_eq!(second.json["organizations"].as_array().unwrap().len(), 1);
    assert_eq!(second.json["meta"]["has_more"], json!(false));
    let offset = z
        .call(
            "GET",
            "/api/v2/organizations.json?sort_by=name&sort_order=desc",
            None,
        )
        .await;
    let names: Vec<&str> = offset.json["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c", "b", "a"]);
    assert_eq!(offset.json["count"], json!(3));
    let bad = z
        .call("GET", "/api/v2/organizations.json?sort_by=colour", None)
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn memberships_set_defaults_and_refuse_duplicates() {
    let z = fake();
    let admin = z.admin_id().await;
    let org = z
        .create(
            "/api/v2/organizations.json",
            "organization",
            json!({"name": "Rebel Alliance"}),
        )
        .await;
    let m = z
        .create(
            "/api/v2/organization_memberships.json",
            "organization_membership",
            json!({"user_id": admin, "organization_id": org["id"]}),
        )
        .await;
    assert_eq!(m["default"], json!(true));
    assert_eq!(m["organization_name"], json!("Rebel Alliance"));
    let me = z.call("GET", "/api/v2/users/me.json", None).await;
    assert_eq!(me.json["user"]["organization_id"], org["id"]);
    let dup = z.call("POST", "/api/v2/organization_memberships.json", Some(json!({"organization_membership": {"user_id": admin, "organization_id": org["id"]}}))).await;
    assert_eq!(dup.status, 422);
    let nested = z
        .call(
            "GET",
            &format!("/api/v2/users/{admin}/organization_memberships.json"),
            None,
        )
        .await;
    assert_eq!(
        nested.json["organization_memberships"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let group = z
        .create("/api/v2/groups.json", "group", json!({"name": "Support"}))
        .await;
    // CAPTURE zenpy TestGroupCreateUpdateDelete: the group's key set.
    assert_eq!(
        keys(&group),
        sorted(&[
            "url",
            "id",
            "is_public",
            "name",
            "description",
            "default",
            "deleted",
            "created_at",
            "updated_at"
        ])
    );
    let gm = z
        .create(
            "/api/v2/group_memberships.json",
            "group_membership",
            json!({"user_id": admin, "group_id": group["id"]}),
        )
        .await;
    assert_eq!(
        keys(&gm),
        sorted(&[
            "url",
            "id",
            "user_id",
            "group_id",
            "default",
            "created_at",
            "updated_at"
        ])
    );
    let groups = z
        .call("GET", &format!("/api/v2/users/{admin}/groups.json"), None)
        .await;
    assert_eq!(groups.json["groups"][0]["id"], group["id"]);
}

#[tokio::test]
async fn a_tickets_assignee_must_belong_to_its_group() {
    let z = fake();
    let admin = z.admin_id().await;
    let support = z
        .create("/api/v2/groups.json", "group", json!({"name": "Support"}))
        .await;
    let billing = z
        .create("/api/v2/groups.json", "group", json!({"name": "Billing"}))
        .await;
    z.create(
        "/api/v2/group_memberships.json",
        "group_membership",
        json!({"user_id": admin, "group_id": support["id"]}),
    )
    .await;
    let t = z.ticket("help").await;
    let path = format!("/api/v2/tickets/{t}.json");
    let wrong = z
        .call(
            "PUT",
            &path,
            Some(json!({"ticket": {"group_id": billing["id"], "assignee_id": admin}})),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.text);
    assert_eq!(
        wrong.json["details"]["assignee_id"][0]["error"],
        json!("InvalidValue")
    );
    let only_assignee = z
        .call(
            "PUT",
            &path,
            Some(json!({"ticket": {"assignee_id": admin}})),
        )
        .await;
    assert_eq!(only_assignee.status, 200);
    assert_eq!(
        only_assignee.json["ticket"]["group_id"], support["id"],
        "the agent's default group"
    );
    let bad_group = z
        .call("PUT", &path, Some(json!({"ticket": {"group_id": 1}})))
        .await;
    assert_eq!(bad_group.status, 422);
    let bad_org = z
        .call(
            "PUT",
            &path,
            Some(json!({"ticket": {"organization_id": 1}})),
        )
        .await;
    assert_eq!(bad_org.status, 422);
}

#[tokio::test]
async fn ticket_fields_validate_custom_field_values() {
    let z = fake();
    let list = z.call("GET", "/api/v2/ticket_fields.json", None).await;
    let types: Vec<&str> = list.json["ticket_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    // CAPTURE go-zendesk GET /ticket_fields: the system fields.
    for t in [
        "subject",
        "description",
        "status",
        "tickettype",
        "priority",
        "group",
        "assignee",
    ] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
    let text = z
        .create(
            "/api/v2/ticket_fields.json",
            "ticket_field",
            json!({"title": "I AM A TEST"}),
        )
        .await;
    // CAPTURE zenpy: type defaults to text, position 9999, description = title.
    assert_eq!(
        (
            text["type"].clone(),
            text["position"].clone(),
            text["description"].clone()
        ),
        (json!("text"), json!(9999), json!("I AM A TEST"))
    );
    let check = z
        .create(
            "/api/v2/ticket_fields.json",
            "ticket_field",
            json!({"title": "VIP", "type": "checkbox"}),
        )
        .await;
    let tagger = z.create("/api/v2/ticket_fields.json", "ticket_field", json!({"title": "Plan", "type": "tagger", "custom_field_options": [{"name": "Gold", "value": "gold"}]})).await;
    let t = z.ticket("fields").await;
    let path = format!("/api/v2/tickets/{t}.json");
    let ok = z.call("PUT", &path, Some(json!({"ticket": {"custom_fields": [{"id": check["id"], "value": true}, {"id": tagger["id"], "value": "gold"}]}}))).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(
        ok.json["ticket"]["custom_fields"].as_array().unwrap().len(),
        2
    );
    for (id, value) in [
        (check["id"].clone(), json!("yes")),
        (tagger["id"].clone(), json!("silver")),
        (json!(42), json!("x")),
    ] {
        let r = z
            .call(
                "PUT",
                &path,
                Some(json!({"ticket": {"custom_fields": [{"id": id, "value": value}]}})),
            )
            .await;
        assert_eq!(r.status, 422, "{id} {value}: {}", r.text);
        assert_eq!(r.json["error"], json!("RecordInvalid"));
    }
    let forms = z.call("GET", "/api/v2/ticket_forms.json", None).await;
    assert_eq!(
        forms.json["ticket_forms"][0]["id"],
        json!(360_000_389_592u64)
    );
    assert_eq!(forms.json["ticket_forms"][0]["default"], json!(true));
    let uf = z
        .create(
            "/api/v2/user_fields.json",
            "user_field",
            json!({"title": "Plan", "key": "plan"}),
        )
        .await;
    assert_eq!(
        (uf["system"].clone(), uf["position"].clone()),
        (json!(false), json!(9999))
    );
}

#[tokio::test]
async fn ticket_tags_are_set_added_and_removed_and_counted_account_wide() {
    let z = fake();
    let t = z.ticket("tags").await;
    let path = format!("/api/v2/tickets/{t}/tags.json");
    let set = z
        .call("POST", &path, Some(json!({"tags": ["a", "b"]})))
        .await;
    // DOC tags: POST sets (201), PUT adds, DELETE removes; each answers the list.
    assert_eq!(
        (set.status, set.json["tags"].clone()),
        (201, json!(["a", "b"]))
    );
    let add = z.call("PUT", &path, Some(json!({"tags": ["c"]}))).await;
    assert_eq!(add.json["tags"], json!(["a", "b", "c"]));
    let rm = z.call("DELETE", &path, Some(json!({"tags": ["a"]}))).await;
    assert_eq!(
        (rm.status, rm.json["tags"].clone()),
        (200, json!(["b", "c"]))
    );
    let t2 = z.ticket("more").await;
    z.call(
        "POST",
        &format!("/api/v2/tickets/{t2}/tags.json"),
        Some(json!({"tags": ["c"]})),
    )
    .await;
    let all = z.call("GET", "/api/v2/tags.json", None).await;
    assert_eq!(all.json["tags"][0], json!({"name": "c", "count": 2}));
    let count = z.call("GET", "/api/v2/tags/count.json", None).await;
    assert_eq!(count.json["count"]["value"], json!(2));
}

#[tokio::test]
async fn rules_get_positions_and_views_select_tickets() {
    let z = fake();
    let m = z
        .create(
            "/api/v2/macros.json",
            "macro",
            json!({"title": "TestMacro", "actions": [{"field": "status", "value": "solved"}]}),
        )
        .await;
    // CAPTURE zenpy 2024-02-08: the macro's key set, position 10000.
    assert_eq!(
        keys(&m),
        sorted(&[
            "url",
            "id",
            "title",
            "active",
            "updated_at",
            "created_at",
            "default",
            "position",
            "description",
            "actions",
            "restriction",
            "raw_title"
        ])
    );
    assert_eq!(m["position"], json!(10000));
    let no_time = z.call("POST", "/api/v2/automations.json", Some(json!({"automation": {"title": "x", "all": [{"field": "status", "operator": "is", "value": "pending"}], "actions": [{"field": "status", "value": "open"}]}}))).await;
    assert_eq!(no_time.status, 422);
    let a = z.create("/api/v2/automations.json", "automation", json!({"title": "testAutomationNone", "all": [{"field": "status", "operator": "is", "value": "pending"}, {"field": "PENDING", "operator": "greater_than", "value": "24"}], "actions": [{"field": "status", "value": "open"}]})).await;
    assert_eq!(
        a["conditions"]["any"],
        json!([]),
        "CAPTURE: top-level all nested under conditions"
    );
    let v = z.create("/api/v2/views.json", "view", json!({"title": "open", "all": [{"field": "status", "operator": "less_than", "value": "solved"}]})).await;
    assert_eq!(v["execution"]["columns"][0]["id"], json!("subject"));
    let t = z.ticket("in view").await;
    let vid = v["id"].as_u64().unwrap();
    let tickets = z
        .call("GET", &format!("/api/v2/views/{vid}/tickets.json"), None)
        .await;
    assert_eq!(tickets.json["tickets"][0]["id"], json!(t));
    let count = z
        .call("GET", &format!("/api/v2/views/{vid}/count.json"), None)
        .await;
    assert_eq!(count.json["view_count"]["value"], json!(1));
    let exec = z
        .call("GET", &format!("/api/v2/views/{vid}/execute.json"), None)
        .await;
    assert_eq!(exec.json["rows"][0]["ticket_id"], json!(t));
    let preview = z
        .call(
            "GET",
            &format!("/api/v2/tickets/{t}/macros/{}/apply.json", m["id"]),
            None,
        )
        .await;
    assert_eq!(preview.json["result"]["ticket"]["status"], json!("solved"));
    let still = z
        .call("GET", &format!("/api/v2/tickets/{t}.json"), None)
        .await;
    assert_eq!(
        still.json["ticket"]["status"],
        json!("new"),
        "DOC: applying a macro is a preview"
    );
}

#[tokio::test]
async fn the_requester_rates_a_solved_ticket_and_metrics_follow_the_lifecycle() {
    let z = fake_with(|c| {
        c.zendesk.users.push(fakedesk::vendors::zendesk::SeedUser {
            name: "End User".to_owned(),
            email: "end@user.test".to_owned(),
            role: fakedesk::vendors::zendesk::wire::Role::EndUser,
            token: Some("enduser-token".to_owned()),
            password: None,
            oauth_token: None,
            external_id: None,
        });
    });
    let end_auth = basic("end@user.test/token:enduser-token");
    let admin = z.admin_id().await;
    // End users open tickets through the Requests API (DOC: "Allowed For: End users").
    let r = z
        .raw(
            "POST",
            "/api/v2/requests.json",
            Some(&end_auth),
            axum::body::Body::from(
                json!({"request": {"subject": "hi", "comment": {"body": "help"}}}).to_string(),
            ),
        )
        .await;
    let t = r.json["request"]["id"].as_u64().unwrap();
    let path = format!("/api/v2/tickets/{t}.json");
    z.call(
        "PUT",
        &path,
        Some(json!({"ticket": {"assignee_id": admin, "comment": {"body": "on it"}}})),
    )
    .await;
    z.call("PUT", &path, Some(json!({"ticket": {"status": "solved"}})))
        .await;
    let rate = format!("/api/v2/tickets/{t}/satisfaction_rating.json");
    let by_agent = z
        .call(
            "POST",
            &rate,
            Some(json!({"satisfaction_rating": {"score": "good"}})),
        )
        .await;
    assert_eq!(by_agent.status, 403, "DOC: only the requester rates");
    let rated = z
        .raw(
            "POST",
            &rate,
            Some(&end_auth),
            axum::body::Body::from(
                json!({"satisfaction_rating": {"score": "good", "comment": "thanks"}}).to_string(),
            ),
        )
        .await;
    assert_eq!(rated.status, 200, "{}", rated.text);
    assert_eq!(rated.json["satisfaction_rating"]["score"], json!("good"));
    let list = z
        .call(
            "GET",
            "/api/v2/satisfaction_ratings.json?score=good_with_comment",
            None,
        )
        .await;
    assert_eq!(
        list.json["satisfaction_ratings"].as_array().unwrap().len(),
        1
    );
    let none = z
        .call("GET", "/api/v2/satisfaction_ratings.json?score=bad", None)
        .await;
    assert_eq!(none.json["satisfaction_ratings"], json!([]));
    // Reopened by the requester, solved again: one reopen, one agent reply.
    let again = z
        .raw(
            "PUT",
            &format!("/api/v2/requests/{t}.json"),
            Some(&end_auth),
            axum::body::Body::from(json!({"request": {"comment": {"body": "again"}}}).to_string()),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    z.call("PUT", &path, Some(json!({"ticket": {"status": "solved"}})))
        .await;
    let m = z
        .call("GET", &format!("/api/v2/tickets/{t}/metrics.json"), None)
        .await;
    let m = &m.json["ticket_metric"];
    assert_eq!(
        (
            m["reopens"].clone(),
            m["replies"].clone(),
            m["assignee_stations"].clone()
        ),
        (json!(1), json!(1), json!(1)),
        "{m}"
    );
    assert!(m["solved_at"].is_string());
    assert_eq!(m["reply_time_in_minutes"]["calendar"], json!(0));
    let all = z.call("GET", "/api/v2/ticket_metrics.json", None).await;
    assert_eq!(all.json["ticket_metrics"][0]["ticket_id"], json!(t));
}

#[tokio::test]
async fn audits_account_wide_and_audit_logs_of_admin_changes() {
    let z = fake();
    let a = z.ticket("one").await;
    z.ticket("two").await;
    z.call(
        "PUT",
        &format!("/api/v2/tickets/{a}.json"),
        Some(json!({"ticket": {"status": "open"}})),
    )
    .await;
    let legacy = z
        .call("GET", "/api/v2/ticket_audits.json?limit=2", None)
        .await;
    assert_eq!(legacy.json["audits"].as_array().unwrap().len(), 2);
    assert!(legacy.json["before_url"].is_string(), "{}", legacy.text);
    let older = z
        .call(
            "GET",
            &legacy.json["before_url"]
                .as_str()
                .unwrap()
                .replace("http://zendesk.test", ""),
            None,
        )
        .await;
    assert_eq!(older.json["audits"].as_array().unwrap().len(), 1);
    assert_eq!(older.json["before_url"], Value::Null);
    let cursor = z
        .call("GET", "/api/v2/ticket_audits.json?page[size]=100", None)
        .await;
    assert_eq!(cursor.json["audits"].as_array().unwrap().len(), 3);
    assert_eq!(cursor.json["meta"]["has_more"], json!(false));
    let per_ticket = z
        .call("GET", &format!("/api/v2/tickets/{a}/audits.json"), None)
        .await;
    assert_eq!(per_ticket.json["count"], json!(2));
    z.create(
        "/api/v2/macros.json",
        "macro",
        json!({"title": "m", "actions": [{"field": "status", "value": "open"}]}),
    )
    .await;
    let logs = z.call("GET", "/api/v2/audit_logs.json", None).await;
    let log = &logs.json["audit_logs"][0];
    // DOC audit_logs: the object's keys.
    assert_eq!(
        keys(log),
        sorted(&[
            "url",
            "id",
            "action",
            "action_label",
            "actor_id",
            "actor_name",
            "change_description",
            "created_at",
            "ip_address",
            "source_id",
            "source_label",
            "source_type"
        ])
    );
    assert_eq!(
        (log["action"].clone(), log["source_type"].clone()),
        (json!("create"), json!("rule"))
    );
}

#[tokio::test]
async fn side_loads_show_many_and_counts_on_tickets_and_users() {
    let z = fake();
    let admin = z.admin_id().await;
    let org = z
        .create(
            "/api/v2/organizations.json",
            "organization",
            json!({"name": "Acme"}),
        )
        .await;
    let t = z.ticket("side").await;
    z.call(
        "PUT",
        &format!("/api/v2/tickets/{t}.json"),
        Some(json!({"ticket": {"organization_id": org["id"]}})),
    )
    .await;
    let list = z
        .call(
            "GET",
            "/api/v2/tickets.json?include=users,organizations,brands,comment_count",
            None,
        )
        .await;
    assert_eq!(list.json["users"][0]["id"], json!(admin));
    assert_eq!(list.json["organizations"][0]["id"], org["id"]);
    assert_eq!(list.json["brands"][0]["id"], json!(360_002_256_672u64));
    assert_eq!(list.json["tickets"][0]["comment_count"], json!(1));
    let one = z
        .call(
            "GET",
            &format!("/api/v2/tickets/{t}.json?include=users"),
            None,
        )
        .await;
    assert_eq!(one.json["users"].as_array().unwrap().len(), 1);
    let plain = z
        .call("GET", &format!("/api/v2/tickets/{t}.json"), None)
        .await;
    assert!(plain.json.get("users").is_none());
    let many = z
        .call(
            "GET",
            &format!("/api/v2/tickets/show_many.json?ids={t},999"),
            None,
        )
        .await;
    assert_eq!(many.json["count"], json!(1));
    let count = z.call("GET", "/api/v2/tickets/count.json", None).await;
    assert_eq!(count.json["count"]["value"], json!(1));
    let users = z
        .call(
            "GET",
            &format!("/api/v2/users/show_many.json?ids={admin}"),
            None,
        )
        .await;
    assert_eq!(users.json["users"][0]["id"], json!(admin));
    let users_count = z.call("GET", "/api/v2/users/count.json", None).await;
    assert_eq!(users_count.json["count"]["value"], json!(1));
}

#[tokio::test]
async fn an_upload_token_answers_a_content_url_the_fake_serves() {
    let z = fake();
    let r = z
        .raw(
            "POST",
            "/api/v2/uploads.json?filename=README.md",
            Some(&crate::common::token_auth()),
            axum::body::Body::from("# hello"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let up = &r.json["upload"];
    // CAPTURE zenpy TestAttachmentUpload: 25-character token, attachment fields.
    assert_eq!(up["token"].as_str().unwrap().len(), 25);
    assert_eq!(up["attachment"]["file_name"], json!("README.md"));
    assert_eq!(up["attachment"]["size"], json!(7));
    let url = up["attachment"]["content_url"]
        .as_str()
        .unwrap()
        .replace("http://zendesk.test", "");
    let file = z.call("GET", &url, None).await;
    assert_eq!((file.status, file.text.as_str()), (200, "# hello"));
    let token = up["token"].as_str().unwrap();
    let t = z
        .call("POST", "/api/v2/tickets.json", Some(json!({"ticket": {"subject": "file", "comment": {"body": "see file", "uploads": token}}})))
        .await;
    // CAPTURE 2024-09-06: a bare token string attaches; the comment carries the upload's attachment.
    let id = t.json["ticket"]["id"].as_u64().unwrap();
    let comments = z
        .call("GET", &format!("/api/v2/tickets/{id}/comments.json"), None)
        .await;
    assert_eq!(
        comments.json["comments"][0]["attachments"][0]["id"],
        up["attachment"]["id"]
    );
    let again = z
        .call("POST", "/api/v2/tickets.json", Some(json!({"ticket": {"subject": "file", "comment": {"body": "again", "uploads": [token]}}})))
        .await;
    let id = again.json["ticket"]["id"].as_u64().unwrap();
    let comments = z
        .call("GET", &format!("/api/v2/tickets/{id}/comments.json"), None)
        .await;
    assert_eq!(
        comments.json["comments"][0]["attachments"],
        json!([]),
        "a token is used once"
    );
    let no_name = z
        .call("POST", "/api/v2/uploads.json", Some(json!({})))
        .await;
    assert_eq!(no_name.status, 400);
}

#[tokio::test]
async fn seeded_records_exist_from_the_start_and_bad_seeds_are_configuration_errors() {
    let z = fake_with(|c| {
        c.zendesk.seed_records.insert(
            "organizations".to_owned(),
            vec![json!({"name": "Seeded Org"})],
        );
        c.zendesk
            .seed_records
            .insert("groups".to_owned(), vec![json!({"name": "Tier 1"})]);
    });
    let orgs = z.call("GET", "/api/v2/organizations.json", None).await;
    assert_eq!(orgs.json["organizations"][0]["name"], json!("Seeded Org"));
    let state = z.harness.vendor("zendesk").unwrap().state();
    assert_eq!(state["groups"][0]["name"], json!("Tier 1"));
    let mut bad = fakedesk::vendors::zendesk::ZendeskSettings::default();
    bad.seed_records.insert(
        "organizations".to_owned(),
        vec![json!({"details": "no name"})],
    );
    bad.seed_records
        .insert("widgets".to_owned(), vec![json!({})]);
    let problems = bad.problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[tokio::test]
async fn end_users_get_403_on_account_records() {
    let z = fake_with(|c| {
        c.zendesk.users.push(fakedesk::vendors::zendesk::SeedUser {
            name: "End User".to_owned(),
            email: "end@user.test".to_owned(),
            role: fakedesk::vendors::zendesk::wire::Role::EndUser,
            token: Some("enduser-token".to_owned()),
            password: None,
            oauth_token: None,
            external_id: None,
        });
    });
    let end_auth = basic("end@user.test/token:enduser-token");
    let body = json!({"organization": {"name": "Mine"}}).to_string();
    let r = z
        .raw(
            "POST",
            "/api/v2/organizations.json",
            Some(&end_auth),
            axum::body::Body::from(body),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text);
    let body = json!({"settings": {"user": {"tagging": false}}}).to_string();
    let r = z
        .raw(
            "PUT",
            "/api/v2/account/settings.json",
            Some(&end_auth),
            axum::body::Body::from(body),
        )
        .await;
    assert_eq!(r.status, 403);
    let state = z.harness.vendor("zendesk").unwrap().state();
    assert!(state.get("organizations").is_none(), "nothing was created");
}

/// A drop-down field's options under their own path [DOC: Ticket Fields and
/// User Fields, "... Field Options"]: listed, created (201) or updated (200)
/// by `POST`, shown and deleted (204); the field itself shows the change, and a
/// text field has no options (422).
#[tokio::test]
async fn field_options_are_listed_created_updated_and_deleted() {
    let z = fake();
    // Ticket fields call a drop-down `tagger`, user fields `dropdown` [DOC].
    for (path, one, kind) in [
        ("/api/v2/ticket_fields", "ticket_field", "tagger"),
        ("/api/v2/user_fields", "user_field", "dropdown"),
    ] {
        let created = z
            .call("POST", &format!("{path}.json"), Some(json!({ one: {"type": kind, "title": "Plan", "key": "plan", "custom_field_options": [{"name": "Free", "value": "free"}]} })))
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let field = created.json[one]["id"].as_u64().unwrap();
        let options = format!("{path}/{field}/options");
        let listed = z.call("GET", &format!("{options}.json"), None).await;
        assert_eq!(listed.status, 200, "{}", listed.text);
        assert_eq!(listed.json["count"], json!(1));
        assert_eq!(
            listed.json["custom_field_options"][0]["value"],
            json!("free")
        );

        let added = z
            .call(
                "POST",
                &format!("{options}.json"),
                Some(json!({"custom_field_option": {"name": "Pro", "value": "pro"}})),
            )
            .await;
        assert_eq!(added.status, 201, "{}", added.text);
        let pro = added.json["custom_field_option"]["id"].as_u64().unwrap();
        assert_eq!(added.json["custom_field_option"]["name"], json!("Pro"));
        let renamed = z
            .call(
                "POST",
                &format!("{options}.json"),
                Some(json!({"custom_field_option": {"id": pro, "name": "Professional"}})),
            )
            .await;
        assert_eq!(renamed.status, 200, "{}", renamed.text);
        let shown = z.call("GET", &format!("{options}/{pro}.json"), None).await;
        assert_eq!(
            shown.json["custom_field_option"]["name"],
            json!("Professional")
        );
        let field_now = z.call("GET", &format!("{path}/{field}.json"), None).await;
        assert_eq!(
            field_now.json[one]["custom_field_options"]
                .as_array()
                .unwrap()
                .len(),
            2
        );

        let gone = z
            .call("DELETE", &format!("{options}/{pro}.json"), None)
            .await;
        assert_eq!(gone.status, 204);
        let listed = z.call("GET", &format!("{options}.json"), None).await;
        assert_eq!(listed.json["count"], json!(1));
        let again = z
            .call("DELETE", &format!("{options}/{pro}.json"), None)
            .await;
        assert_eq!(again.status, 404);
    }
    let text = z
        .call(
            "POST",
            "/api/v2/ticket_fields.json",
            Some(json!({"ticket_field": {"type": "text", "title": "Note"}})),
        )
        .await;
    let text = text.json["ticket_field"]["id"].as_u64().unwrap();
    let refused = z
        .call(
            "POST",
            &format!("/api/v2/ticket_fields/{text}/options.json"),
            Some(json!({"custom_field_option": {"name": "X", "value": "x"}})),
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text);
}
