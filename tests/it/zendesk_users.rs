//! User endpoints (REFERENCE 1.5, users).

use serde_json::{Value, json};

use crate::common::{HOST, fake};

#[tokio::test]
async fn user_objects_carry_every_captured_field() {
    let z = fake();
    let r = z.call("GET", "/api/v2/users/me.json", None).await;
    let path = format!(
        "{}/fixtures/vendors/zendesk/user_fields.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let fields: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let user = r.json["user"].as_object().unwrap();
    let missing: Vec<&String> = fields.iter().filter(|f| !user.contains_key(*f)).collect();
    assert!(missing.is_empty(), "missing user fields: {missing:?}");
    assert_eq!(user["email"], "admin@fakedesk.test");
    assert_eq!(user["role"], "admin");
    assert_eq!(
        user["url"],
        format!("http://{HOST}/api/v2/users/{}.json", user["id"])
    );
}

#[tokio::test]
async fn create_user_is_201_and_a_duplicate_email_is_422() {
    let z = fake();
    let body = json!({"user": {"name": "Roger Wilco", "email": "roge@example.org", "external_id": "crm-7"}});
    let r = z
        .call("POST", "/api/v2/users.json", Some(body.clone()))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.json["user"]["role"], "end-user");
    let dup = z.call("POST", "/api/v2/users.json", Some(body)).await;
    assert_eq!(dup.status, 422);
    assert_eq!(dup.json["details"]["email"][0]["error"], "DuplicateValue");
    let blank = z
        .call(
            "POST",
            "/api/v2/users.json",
            Some(json!({"user": {"email": "x@example.org"}})),
        )
        .await;
    assert_eq!(blank.json["details"]["name"][0]["error"], "BlankValue");
}

#[tokio::test]
async fn create_or_update_creates_then_updates_the_same_user() {
    let z = fake();
    let first = z
        .call(
            "POST",
            "/api/v2/users/create_or_update.json",
            Some(json!({"user": {"name": "A", "email": "a@example.org"}})),
        )
        .await;
    assert_eq!(first.status, 201);
    let second = z
        .call(
            "POST",
            "/api/v2/users/create_or_update.json",
            Some(json!({"user": {"name": "A B", "email": "a@example.org", "external_id": "x-1"}})),
        )
        .await;
    assert_eq!(second.status, 200);
    assert_eq!(second.json["user"]["id"], first.json["user"]["id"]);
    assert_eq!(second.json["user"]["name"], "A B");
    let by_external = z
        .call(
            "POST",
            "/api/v2/users/create_or_update.json",
            Some(json!({"user": {"name": "Renamed", "external_id": "x-1"}})),
        )
        .await;
    assert_eq!(
        (by_external.status, &by_external.json["user"]["id"]),
        (200, &first.json["user"]["id"])
    );
}

#[tokio::test]
async fn search_finds_users_by_query_and_by_external_id() {
    let z = fake();
    z.call("POST", "/api/v2/users.json", Some(json!({"user": {"name": "Jane Roe", "email": "jane@example.org", "external_id": "crm-42"}}))).await;
    let names = |r: &Value| -> Vec<String> {
        r["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = z
        .call("GET", "/api/v2/users/search.json?query=jane", None)
        .await;
    assert_eq!(names(&r.json), ["Jane Roe"]);
    assert_eq!(
        (r.json["count"].clone(), r.json["next_page"].clone()),
        (json!(1), Value::Null)
    );
    let r = z
        .call(
            "GET",
            "/api/v2/users/search.json?query=email:jane@example.org",
            None,
        )
        .await;
    assert_eq!(names(&r.json), ["Jane Roe"]);
    let r = z
        .call("GET", "/api/v2/users/search.json?external_id=crm-42", None)
        .await;
    assert_eq!(names(&r.json), ["Jane Roe"]);
    let r = z
        .call("GET", "/api/v2/users/search.json?external_id=nobody", None)
        .await;
    assert_eq!(names(&r.json), Vec::<String>::new());
    assert_eq!(
        z.call("GET", "/api/v2/users/search.json", None)
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn show_and_update_a_user_and_404_for_an_unknown_one() {
    let z = fake();
    let r = z
        .call(
            "POST",
            "/api/v2/users.json",
            Some(json!({"user": {"name": "Old", "email": "o@example.org"}})),
        )
        .await;
    let id = r.json["user"]["id"].as_u64().unwrap();
    let u = z
        .call(
            "PUT",
            &format!("/api/v2/users/{id}.json"),
            Some(json!({"user": {"name": "New", "phone": "+1 555"}})),
        )
        .await;
    assert_eq!(
        (
            u.status,
            u.json["user"]["name"].as_str(),
            u.json["user"]["phone"].as_str()
        ),
        (200, Some("New"), Some("+1 555"))
    );
    assert_eq!(
        z.call("GET", &format!("/api/v2/users/{id}"), None)
            .await
            .json["user"]["name"],
        "New"
    );
    assert_eq!(
        z.call("GET", "/api/v2/users/1.json", None).await.status,
        404
    );
}

#[tokio::test]
async fn list_users_pages_like_the_other_lists() {
    let z = fake();
    for i in 0..3 {
        z.call(
            "POST",
            "/api/v2/users.json",
            Some(json!({"user": {"name": format!("U{i}"), "email": format!("u{i}@example.org")}})),
        )
        .await;
    }
    let r = z.call("GET", "/api/v2/users.json?per_page=2", None).await;
    assert_eq!(
        (
            r.json["count"].clone(),
            r.json["users"].as_array().unwrap().len()
        ),
        (json!(4), 2)
    );
    assert_eq!(
        r.json["next_page"],
        format!("http://{HOST}/api/v2/users.json?page=2&per_page=2")
    );
    let cursor = z.call("GET", "/api/v2/users.json?page[size]=3", None).await;
    assert_eq!(cursor.json["meta"]["has_more"], true);
}

/// User identities against the live record zenpy and a pasted response show
/// (`url, id, user_id, type, value, verified, primary, created_at, updated_at,
/// undeliverable_count, deliverable_state`) and the offset envelope a plain list
/// gets: the user's email as its primary identity, listed and shown.
#[tokio::test]
async fn a_users_email_is_its_primary_identity() {
    let z = fake();
    let admin = z.admin_id().await;
    let list = z
        .call(
            "GET",
            &format!("/api/v2/users/{admin}/identities.json"),
            None,
        )
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["count"], json!(1));
    assert!(list.json["next_page"].is_null());
    let identity = &list.json["identities"][0];
    let mut keys: Vec<&str> = identity
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "created_at",
            "deliverable_state",
            "id",
            "primary",
            "type",
            "undeliverable_count",
            "updated_at",
            "url",
            "user_id",
            "value",
            "verified"
        ]
    );
    assert_eq!(identity["type"], json!("email"));
    assert_eq!(identity["value"], json!("admin@fakedesk.test"));
    assert_eq!(identity["primary"], json!(true));
    assert_eq!(identity["user_id"], json!(admin));
    let id = identity["id"].as_u64().unwrap();
    let url = identity["url"].as_str().unwrap();
    assert!(
        url.ends_with(&format!("/api/v2/users/{admin}/identities/{id}.json")),
        "{url}"
    );
    let shown = z
        .call(
            "GET",
            &format!("/api/v2/users/{admin}/identities/{id}"),
            None,
        )
        .await;
    assert_eq!(shown.json["identity"], *identity);
    let side = z
        .call(
            "GET",
            &format!("/api/v2/users/{admin}.json?include=identities"),
            None,
        )
        .await;
    assert_eq!(side.json["identities"][0], *identity);
    for missing in [
        format!("/api/v2/users/{admin}/identities/{}", id + 1),
        "/api/v2/users/1/identities".to_owned(),
    ] {
        let r = z.call("GET", &missing, None).await;
        assert_eq!(r.status, 404, "{missing}");
        assert_eq!(r.json["error"], json!("RecordNotFound"));
    }
}

/// `GET` and `PUT /api/v2/end_users/{id}` [DOC: End Users]: `{"user": ...}` as the
/// users' own show and update answer it.
#[tokio::test]
async fn end_users_are_shown_and_updated_under_their_own_path() {
    let z = fake();
    let created = z
        .call(
            "POST",
            "/api/v2/users.json",
            Some(json!({"user": {"name": "Roger Wilco", "email": "roger@example.com"}})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["user"]["id"].as_u64().unwrap();
    let shown = z
        .call("GET", &format!("/api/v2/end_users/{id}.json"), None)
        .await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert_eq!(shown.json["user"], created.json["user"]);
    let updated = z
        .call(
            "PUT",
            &format!("/api/v2/end_users/{id}.json"),
            Some(json!({"user": {"phone": "+15551234567"}})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.json["user"]["phone"], json!("+15551234567"));
    let missing = z.call("GET", "/api/v2/end_users/1", None).await;
    assert_eq!(missing.status, 404);
}

/// Autocomplete Users [DOC]: names starting with the value, at least 2 characters.
#[tokio::test]
async fn users_are_autocompleted_by_the_start_of_their_name() {
    let z = fake();
    for name in ["Roger Wilco", "Rosella Daventry", "Graham"] {
        z.user(name, &format!("{}@example.com", name.len())).await;
    }
    let found = z
        .call("GET", "/api/v2/users/autocomplete.json?name=RO", None)
        .await;
    assert_eq!(found.status, 200, "{}", found.text);
    let names: Vec<&str> = found.json["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"Roger Wilco") && names.contains(&"Rosella Daventry"));
    let short = z
        .call("GET", "/api/v2/users/autocomplete?name=r", None)
        .await;
    assert_eq!(short.status, 400);
}

/// Writing identities [DOC: User Identities]: create (201), make primary (200 and
/// the whole list; the user's email follows), verify, delete (204), and the
/// primary email kept.
#[tokio::test]
async fn identities_are_added_made_primary_verified_and_deleted() {
    let z = fake();
    let user = z.user("Roger Wilco", "roger@example.com").await;
    let path = format!("/api/v2/users/{user}/identities");
    let first = z.call("GET", &path, None).await.json["identities"][0]["id"]
        .as_u64()
        .unwrap();
    let added = z
        .call(
            "POST",
            &path,
            Some(json!({"identity": {"type": "email", "value": "wilco@example.com"}})),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text);
    assert_eq!(added.json["identity"]["primary"], json!(false));
    assert_eq!(added.json["identity"]["verified"], json!(false));
    let second = added.json["identity"]["id"].as_u64().unwrap();
    let phone = z
        .call(
            "POST",
            &path,
            Some(json!({"identity": {"type": "phone_number", "value": "+15551234567"}})),
        )
        .await;
    assert_eq!(phone.status, 201, "{}", phone.text);
    assert!(phone.json["identity"].get("deliverable_state").is_none());
    let taken = z
        .call(
            "POST",
            &path,
            Some(json!({"identity": {"type": "email", "value": "ROGER@example.com"}})),
        )
        .await;
    assert_eq!(taken.status, 422, "{}", taken.text);
    let bad = z
        .call(
            "POST",
            &path,
            Some(json!({"identity": {"type": "pigeon", "value": "x"}})),
        )
        .await;
    assert_eq!(bad.status, 422);

    let made = z
        .call("PUT", &format!("{path}/{second}/make_primary.json"), None)
        .await;
    assert_eq!(made.status, 200, "{}", made.text);
    let primaries: Vec<(u64, bool)> = made.json["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_u64().unwrap(), i["primary"].as_bool().unwrap()))
        .collect();
    assert_eq!(primaries.len(), 3);
    assert!(primaries.contains(&(second, true)) && primaries.contains(&(first, false)));
    let shown = z
        .call("GET", &format!("/api/v2/users/{user}.json"), None)
        .await;
    assert_eq!(shown.json["user"]["email"], json!("wilco@example.com"));
    let old = z.call("GET", &format!("{path}/{first}"), None).await;
    assert_eq!(old.json["identity"]["value"], json!("roger@example.com"));

    let verified = z
        .call("PUT", &format!("{path}/{second}/verify"), None)
        .await;
    assert_eq!(verified.json["identity"]["verified"], json!(true));
    let kept = z.call("DELETE", &format!("{path}/{second}"), None).await;
    assert_eq!(kept.status, 422, "the primary email stays");
    let gone = z.call("DELETE", &format!("{path}/{first}"), None).await;
    assert_eq!(gone.status, 204);
    let left: Vec<u64> = z.call("GET", &path, None).await.json["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_u64().unwrap())
        .collect();
    assert!(!left.contains(&first) && left.contains(&second), "{left:?}");
}

/// `DELETE /users/{id}` [DOC: Delete User]: 200 with `active: false`; the user
/// is then a deleted user [DOC: Deleted Users] until deleted for good, when it
/// is listed scrubbed as "Permanently Deleted User" and no longer shown.
#[tokio::test]
async fn a_deleted_user_is_listed_then_deleted_for_good() {
    let z = fake();
    let me = z.admin_id().await;
    let id = z.user("Dora Leaving", "dora@example.com").await;
    let deleted = z
        .call("DELETE", &format!("/api/v2/users/{id}.json"), None)
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.text);
    assert_eq!(deleted.json["user"]["id"], json!(id));
    assert_eq!(deleted.json["user"]["active"], json!(false));
    let gone = z
        .call("GET", &format!("/api/v2/users/{id}.json"), None)
        .await;
    assert_eq!(gone.status, 404);
    // Its email is free again.
    z.user("Dora Again", "dora@example.com").await;

    let list = z.call("GET", "/api/v2/deleted_users.json", None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["deleted_users"][0]["id"], json!(id));
    assert_eq!(list.json["deleted_users"][0]["name"], json!("Dora Leaving"));
    assert_eq!(list.json["deleted_users"][0]["active"], json!(false));
    let one = z
        .call("GET", &format!("/api/v2/deleted_users/{id}.json"), None)
        .await;
    assert_eq!(one.json["deleted_user"]["role"], json!("end-user"));
    let count = z
        .call("GET", "/api/v2/deleted_users/count.json", None)
        .await;
    assert_eq!(count.json["count"]["value"], json!(1));

    let purged = z
        .call("DELETE", &format!("/api/v2/deleted_users/{id}.json"), None)
        .await;
    assert_eq!(purged.status, 200, "{}", purged.text);
    assert_eq!(purged.json["deleted_user"]["id"], json!(id));
    let list = z.call("GET", "/api/v2/deleted_users.json", None).await;
    assert_eq!(
        list.json["deleted_users"][0]["name"],
        json!("Permanently Deleted User")
    );
    assert_eq!(list.json["deleted_users"][0]["email"], Value::Null);
    let again = z
        .call("DELETE", &format!("/api/v2/deleted_users/{id}.json"), None)
        .await;
    assert_eq!(again.status, 404);
    let shown = z
        .call("GET", &format!("/api/v2/deleted_users/{id}.json"), None)
        .await;
    assert_eq!(shown.status, 404);
    // Only deleted users can be deleted for good; nobody deletes themself.
    let live = z.user("Still Here", "here@example.com").await;
    let not_deleted = z
        .call(
            "DELETE",
            &format!("/api/v2/deleted_users/{live}.json"),
            None,
        )
        .await;
    assert_eq!(not_deleted.status, 404);
    let myself = z
        .call("DELETE", &format!("/api/v2/users/{me}.json"), None)
        .await;
    assert_eq!(myself.status, 422, "{}", myself.text);
}

/// Users in bulk, as zenpy's recordings (`TestUserCreateUpdateDelete`) show
/// them: a queued job, then results `{"id", "status": "Created"}` for
/// `create_many` and `{"id", "action": "update", "status": "Updated",
/// "success": true}` for `update_many`; over 100 users is a 400.
#[tokio::test]
async fn users_are_created_updated_and_deleted_in_bulk() {
    let z = fake();
    let poll = |r: &crate::common::Resp| {
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.json["job_status"]["status"], json!("queued"));
        let url = r.json["job_status"]["url"].as_str().unwrap();
        url[url.find("/api/").unwrap()..].to_owned()
    };
    let created = z
        .call(
            "POST",
            "/api/v2/users/create_many.json",
            Some(json!({"users": [{"id": "", "name": "testUser"}, {"name": "Other", "email": "other@example.com"}, {"name": ""}]})),
        )
        .await;
    let done = z.call("GET", &poll(&created), None).await;
    let results = done.json["job_status"]["results"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(results[0]["status"], json!("Created"));
    assert_eq!(results[1]["status"], json!("Created"));
    assert_eq!(results[2]["error"], json!("UserCreateFailed"));
    let (a, b) = (
        results[0]["id"].as_u64().unwrap(),
        results[1]["id"].as_u64().unwrap(),
    );

    let updated = z
        .call(
            "PUT",
            "/api/v2/users/update_many.json",
            Some(json!({"users": [{"id": a, "name": "Renamed"}, {"id": b, "notes": "vip"}]})),
        )
        .await;
    let done = z.call("GET", &poll(&updated), None).await;
    assert_eq!(
        done.json["job_status"]["results"][0],
        json!({"id": a, "action": "update", "status": "Updated", "success": true})
    );
    let shown = z
        .call("GET", &format!("/api/v2/users/{a}.json"), None)
        .await;
    assert_eq!(shown.json["user"]["name"], json!("Renamed"));
    let by_ids = z
        .call(
            "PUT",
            &format!("/api/v2/users/update_many.json?ids={a},{b}"),
            Some(json!({"user": {"details": "bulk"}})),
        )
        .await;
    z.call("GET", &poll(&by_ids), None).await;
    let shown = z
        .call("GET", &format!("/api/v2/users/{b}.json"), None)
        .await;
    assert_eq!(shown.json["user"]["details"], json!("bulk"));

    let upserted = z
        .call(
            "POST",
            "/api/v2/users/create_or_update_many.json",
            Some(json!({"users": [{"name": "Other Again", "email": "other@example.com"}, {"name": "New", "email": "new@example.com"}]})),
        )
        .await;
    let done = z.call("GET", &poll(&upserted), None).await;
    assert_eq!(
        done.json["job_status"]["results"][0],
        json!({"id": b, "status": "Updated"})
    );
    assert_eq!(
        done.json["job_status"]["results"][1]["status"],
        json!("Created")
    );

    let destroyed = z
        .call(
            "DELETE",
            &format!("/api/v2/users/destroy_many.json?ids={a},{b}"),
            None,
        )
        .await;
    z.call("GET", &poll(&destroyed), None).await;
    let gone = z
        .call("GET", &format!("/api/v2/users/{a}.json"), None)
        .await;
    assert_eq!(gone.status, 404);
    let deleted = z.call("GET", "/api/v2/deleted_users.json", None).await;
    assert_eq!(deleted.json["deleted_users"].as_array().unwrap().len(), 2);

    let too_many: Vec<Value> = (0..101).map(|n| json!({"name": format!("u{n}")})).collect();
    let refused = z
        .call(
            "POST",
            "/api/v2/users/create_many.json",
            Some(json!({"users": too_many})),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.text);
}

/// `PUT /users/{id}/merge` [DOC: Merge End Users]: the end user in the path is
/// merged into the one in the body, its tickets move, it is deleted; agents
/// cannot be merged.
#[tokio::test]
async fn an_end_user_is_merged_into_another_with_its_tickets() {
    let z = fake();
    let me = z.admin_id().await;
    let dup = z.user("Sam Dup", "sam.dup@example.com").await;
    let keep = z.user("Sam", "sam@example.com").await;
    let t = z
        .call(
            "POST",
            "/api/v2/tickets.json",
            Some(json!({"ticket": {"subject": "From the duplicate", "requester_id": dup, "comment": {"body": "hi"}}})),
        )
        .await;
    let ticket = t.json["ticket"]["id"].as_u64().unwrap();
    let merged = z
        .call(
            "PUT",
            &format!("/api/v2/users/{dup}/merge.json"),
            Some(json!({"user": {"id": keep}})),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.text);
    assert_eq!(merged.json["user"]["id"], json!(keep));
    let shown = z
        .call("GET", &format!("/api/v2/tickets/{ticket}.json"), None)
        .await;
    assert_eq!(shown.json["ticket"]["requester_id"], json!(keep));
    let gone = z
        .call("GET", &format!("/api/v2/users/{dup}.json"), None)
        .await;
    assert_eq!(gone.status, 404);
    let agent = z
        .call(
            "PUT",
            &format!("/api/v2/users/{me}/merge.json"),
            Some(json!({"user": {"id": keep}})),
        )
        .await;
    assert_eq!(agent.status, 422, "{}", agent.text);
}

/// User passwords [DOC: User Passwords]: one's own is changed with the
/// previous one, and then signs in; an admin sets another's only while the
/// account allows it; the requirements are the DOC example's.
#[tokio::test]
async fn passwords_are_changed_and_set_as_zendesk_allows() {
    let z = fake();
    let me = z.admin_id().await;
    let path = format!("/api/v2/users/{me}/password.json");
    let wrong = z
        .call(
            "PUT",
            &path,
            Some(json!({"previous_password": "nope", "password": "fresh-secret-1"})),
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.text);
    let changed = z
        .call(
            "PUT",
            &path,
            Some(json!({"previous_password": "fakedesk-password", "password": "fresh-secret-1"})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let new_auth = crate::common::basic("admin@fakedesk.test:fresh-secret-1");
    let old_auth = crate::common::basic("admin@fakedesk.test:fakedesk-password");
    let with_new = z
        .raw(
            "GET",
            "/api/v2/users/me.json",
            Some(&new_auth),
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(with_new.status, 200, "{}", with_new.text);
    let with_old = z
        .raw(
            "GET",
            "/api/v2/users/me.json",
            Some(&old_auth),
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(with_old.status, 401);

    let other = z.user("Pat", "pat@example.com").await;
    let set = z
        .call(
            "POST",
            &format!("/api/v2/users/{other}/password.json"),
            Some(json!({"password": "set-by-admin"})),
        )
        .await;
    assert_eq!(set.status, 403, "off by default: {}", set.text);
    let requirements = z
        .call(
            "GET",
            &format!("/api/v2/users/{other}/password/requirements.json"),
            None,
        )
        .await;
    assert_eq!(
        requirements.json,
        json!({"requirements": ["must be at least 5 characters", "must be different from email address"]})
    );

    let z = crate::common::fake_with(|c| {
        c.zendesk.admins_set_passwords = true;
    });
    let other = z.user("Pat", "pat@example.com").await;
    let short = z
        .call(
            "POST",
            &format!("/api/v2/users/{other}/password.json"),
            Some(json!({"password": "abc"})),
        )
        .await;
    assert_eq!(short.status, 422, "{}", short.text);
    let set = z
        .call(
            "POST",
            &format!("/api/v2/users/{other}/password.json"),
            Some(json!({"password": "set-by-admin"})),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
}

/// Credentials follow the user's changes: once the seeded admin's email
/// changes, its API token signs in under the new email only.
#[tokio::test]
async fn a_changed_email_changes_how_the_token_signs_in() {
    let z = fake();
    let me = z.admin_id().await;
    let changed = z
        .call(
            "PUT",
            &format!("/api/v2/users/{me}.json"),
            Some(json!({"user": {"email": "boss@fakedesk.test"}})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let old = z.call("GET", "/api/v2/users/me.json", None).await;
    assert_eq!(old.status, 401, "{}", old.text);
    let new =
        crate::common::basic("boss@fakedesk.test/token:fakedesk0zendesk0api0token0000000000000");
    let now = z
        .raw(
            "GET",
            "/api/v2/users/me.json",
            Some(&new),
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(now.status, 200, "{}", now.text);
}
