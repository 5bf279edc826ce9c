//! Fake Zendesk's Help Center and Community against the vendor reference
//! (rules-metrics-helpcenter section 9): categories, sections, articles, their
//! comments, translations, votes and subscriptions; topics, posts and post
//! comments; the incremental article export and article search; the seeded help
//! center in `/state/zendesk` and `GET /coverage`. Expected values cite the
//! reference's captures and docs per test.

use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};

use crate::common::{Fake, Resp, oneshot, token_auth, vendor_with};
use crate::zendesk_exports::{auth_of, path_of, zendesk};

fn eve() -> String {
    auth_of("eve@example.org", "Eve User")
}

async fn as_eve(z: &Fake, method: &str, path: &str, body: Option<Value>) -> Resp {
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    z.raw(method, path, Some(&eve()), body).await
}

fn list<'a>(r: &'a Resp, key: &str) -> &'a Vec<Value> {
    r.json[key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {}", r.text))
}

fn ids(items: &[Value]) -> Vec<u64> {
    items.iter().map(|v| v["id"].as_u64().unwrap()).collect()
}

async fn first_id(z: &Fake, path: &str, key: &str) -> u64 {
    let r = z.call("GET", path, None).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    list(&r, key)[0]["id"].as_u64().expect("an id")
}

async fn post(z: &Fake, path: &str, body: Value) -> Resp {
    z.call("POST", path, Some(body)).await
}

#[tokio::test]
async fn the_seeded_help_center_has_the_captured_shapes() {
    let z = zendesk();
    let r = z
        .call("GET", "/api/v2/help_center/articles.json", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let articles = list(&r, "articles");
    assert_eq!(
        articles.len(),
        2,
        "the default help center has two articles"
    );
    let a = &articles[0];
    // CAPTURE zenpy TestHelpCenterCreateArticle 2024-09-06: the article's keys.
    for key in [
        "id",
        "url",
        "html_url",
        "author_id",
        "comments_disabled",
        "content_tag_ids",
        "label_names",
        "draft",
        "promoted",
        "position",
        "vote_sum",
        "vote_count",
        "section_id",
        "created_at",
        "updated_at",
        "edited_at",
        "name",
        "title",
        "body",
        "source_locale",
        "locale",
        "outdated",
        "outdated_locales",
        "permission_group_id",
        "user_segment_id",
        "user_segment_ids",
    ] {
        assert!(a.get(key).is_some(), "article lacks {key}");
    }
    let id = a["id"].as_u64().unwrap();
    // CAPTURE: the url holds the locale and the slug; html_url the /hc/ path.
    let url = a["url"].as_str().unwrap();
    assert!(
        url.contains(&format!(
            "/api/v2/help_center/en-us/articles/{id}-How-do-I-reset-my-password.json"
        )),
        "{url}"
    );
    assert!(
        a["html_url"].as_str().unwrap().ends_with(&format!(
            "/hc/en-us/articles/{id}-How-do-I-reset-my-password"
        )),
        "{}",
        a["html_url"]
    );
    // The url is followable, slug and all.
    let again = z.call("GET", &path_of(&a["url"]), None).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json["article"]["id"], json!(id));

    let c = z.call("GET", "/api/v2/help_center/categories", None).await;
    let cat = &list(&c, "categories")[0];
    // CAPTURE create 2023-09-18: category keys and its locale-holding url.
    for key in [
        "id",
        "url",
        "html_url",
        "position",
        "created_at",
        "updated_at",
        "name",
        "description",
        "locale",
        "source_locale",
        "outdated",
    ] {
        assert!(cat.get(key).is_some(), "category lacks {key}");
    }
    assert!(cat["url"].as_str().unwrap().ends_with(&format!(
        "/api/v2/help_center/en-us/categories/{}.json",
        cat["id"]
    )));
    // CAPTURE: topics are served under both prefixes; their url points to help_center.
    for path in [
        "/api/v2/community/topics.json",
        "/api/v2/help_center/community/topics.json",
    ] {
        let t = z.call("GET", path, None).await;
        assert_eq!(t.status, 200, "{path}");
        let topic = &list(&t, "topics")[0];
        for key in [
            "id",
            "url",
            "html_url",
            "name",
            "description",
            "position",
            "follower_count",
            "community_id",
            "created_at",
            "updated_at",
            "manageable_by",
            "user_segment_id",
        ] {
            assert!(topic.get(key).is_some(), "topic lacks {key}");
        }
        assert!(
            topic["url"]
                .as_str()
                .unwrap()
                .contains("/api/v2/help_center/community/topics/")
        );
    }
    let p = z.call("GET", "/api/v2/community/posts.json", None).await;
    let post = &list(&p, "posts")[0];
    // SDK zenpy spec post.json: the post's keys.
    for key in [
        "id",
        "url",
        "html_url",
        "title",
        "details",
        "author_id",
        "vote_sum",
        "vote_count",
        "comment_count",
        "follower_count",
        "topic_id",
        "created_at",
        "updated_at",
        "featured",
        "pinned",
        "closed",
        "status",
    ] {
        assert!(post.get(key).is_some(), "post lacks {key}");
    }
    assert_eq!(post["status"], json!("none"));
}

#[tokio::test]
async fn categories_sections_and_articles_have_a_real_lifecycle() {
    let z = zendesk();
    let r = post(
        &z,
        "/api/v2/help_center/categories.json",
        json!({"category": {"name": "Billing", "description": "Money", "locale": "EN-US"}}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // Locales are lower-case in Help Center objects [CAPTURE].
    assert_eq!(r.json["category"]["locale"], json!("en-us"));
    let cat = r.json["category"]["id"].as_u64().unwrap();
    let r = post(
        &z,
        &format!("/api/v2/help_center/categories/{cat}/sections.json"),
        json!({"section": {"name": "Invoices"}}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["section"]["category_id"], json!(cat));
    let section = r.json["section"]["id"].as_u64().unwrap();
    // An article needs a title and a permission group [DOC].
    let path = format!("/api/v2/help_center/sections/{section}/articles.json");
    let r = post(
        &z,
        &path,
        json!({"article": {"body": "x", "permission_group_id": 1}}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(r.json["error"], json!("RecordInvalid"));
    assert!(r.json["details"]["title"].is_array(), "{}", r.text);
    let r = post(&z, &path, json!({"article": {"title": "T"}})).await;
    assert_eq!(r.status, 422);
    assert!(
        r.json["details"]["permission_group_id"].is_array(),
        "{}",
        r.text
    );
    // `notify_subscribers` sits next to `article` [CAPTURE].
    let r = post(&z, &path, json!({"article": {"title": "Refunds", "body": "<p>Within 30 days</p>", "permission_group_id": 7, "label_names": ["money"]}, "notify_subscribers": false})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let art = &r.json["article"];
    let id = art["id"].as_u64().unwrap();
    assert_eq!(art["section_id"], json!(section));
    assert_eq!(
        art["author_id"],
        json!(z.admin_id().await),
        "the caller by default [DOC]"
    );
    assert_eq!(art["name"], art["title"]);
    // References are real: an unknown section is a 404, an unknown author a 422.
    let r = post(
        &z,
        "/api/v2/help_center/sections/999/articles.json",
        json!({"article": {"title": "T", "permission_group_id": 1}}),
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json,
        json!({"error": "RecordNotFound", "description": "Not found"})
    );
    let r = post(
        &z,
        &path,
        json!({"article": {"title": "T", "permission_group_id": 1, "author_id": 424242}}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    // Nested and locale-prefixed lists.
    for p in [
        format!("/api/v2/help_center/sections/{section}/articles.json"),
        format!("/api/v2/help_center/en-us/sections/{section}/articles"),
        format!("/api/v2/help_center/categories/{cat}/articles.json"),
        "/api/v2/help_center/articles.json?label_names=money".to_owned(),
    ] {
        let r = z.call("GET", &p, None).await;
        assert_eq!(r.status, 200, "{p}: {}", r.text);
        assert_eq!(ids(list(&r, "articles")), vec![id], "{p}");
    }
    let r = z
        .call(
            "GET",
            &format!("/api/v2/help_center/en-us/articles/{id}.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = z
        .call(
            "PUT",
            &format!("/api/v2/help_center/articles/{id}.json"),
            Some(json!({"article": {"promoted": true}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["article"]["promoted"], json!(true));
    // Deleting the category takes its sections and their articles [DOC].
    let r = z
        .call(
            "DELETE",
            &format!("/api/v2/help_center/categories/{cat}.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    for p in [
        format!("/api/v2/help_center/sections/{section}.json"),
        format!("/api/v2/help_center/articles/{id}.json"),
    ] {
        assert_eq!(z.call("GET", &p, None).await.status, 404, "{p}");
    }
    // End users cannot write articles' structure (DOC: Guide managers and agents).
    let r = as_eve(
        &z,
        "POST",
        "/api/v2/help_center/categories.json",
        Some(json!({"category": {"name": "x"}})),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
}

#[tokio::test]
async fn help_center_lists_answer_its_cursor_and_offset_envelopes() {
    let z = zendesk();
    let r = z
        .call(
            "GET",
            "/api/v2/help_center/articles.json?page[size]=1",
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(list(&r, "articles").len(), 1);
    assert_eq!(r.json["meta"]["has_more"], json!(true));
    let links = &r.json["links"];
    // CAPTURE zenpy CategoryTest: first/last/next, `.json` dropped, last is `last_page`.
    let first = links["first"].as_str().unwrap();
    assert!(
        first.ends_with("/api/v2/help_center/articles?page%5Bsize%5D=1"),
        "{first}"
    );
    assert!(
        links["last"]
            .as_str()
            .unwrap()
            .ends_with("?page%5Bbefore%5D=bGFzdF9wYWdl&page%5Bsize%5D=1")
    );
    assert!(
        links.get("prev").is_none(),
        "no prev on the first page: {links}"
    );
    let next = links["next"].as_str().unwrap();
    assert!(!next.contains(".json"), "{next}");
    let second = z.call("GET", &path_of(&links["next"]), None).await;
    assert_eq!(second.status, 200, "{}", second.text);
    assert_eq!(second.json["meta"]["has_more"], json!(false));
    assert!(
        second.json["links"].get("next").is_none(),
        "next only while has_more"
    );
    assert!(second.json["links"]["prev"].is_string());
    let all: Vec<u64> = ids(list(&r, "articles"))
        .into_iter()
        .chain(ids(list(&second, "articles")))
        .collect();
    let last = z.call("GET", &path_of(&links["last"]), None).await;
    assert_eq!(last.status, 200, "{}", last.text);
    assert_eq!(ids(list(&last, "articles")), vec![all[1]], "the last page");
    // Offset: the Help Center envelope (UNVERIFIED recollection, reference 9.1).
    let r = z
        .call("GET", "/api/v2/help_center/articles.json?per_page=1", None)
        .await;
    for (k, v) in [
        ("page", json!(1)),
        ("per_page", json!(1)),
        ("page_count", json!(2)),
        ("count", json!(2)),
        ("sort_by", json!("position")),
        ("sort_order", json!("asc")),
    ] {
        assert_eq!(r.json[k], v, "{k}: {}", r.text);
    }
    assert!(r.json["next_page"].is_string());
    // Bad paging is Zendesk's 400, not a crash.
    let r = z
        .call(
            "GET",
            "/api/v2/help_center/articles.json?page[size]=1000",
            None,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = z
        .call(
            "GET",
            "/api/v2/help_center/articles.json?sort_by=nope",
            None,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
}

#[tokio::test]
async fn votes_count_once_per_user_and_change_their_item() {
    let z = zendesk();
    let article = first_id(&z, "/api/v2/help_center/articles.json", "articles").await;
    let up = format!("/api/v2/help_center/articles/{article}/up.json");
    let r = z.call("POST", &up, None).await;
    // DOC: a vote; SDK zenpy vote.json: its keys; 201 when new (UNVERIFIED).
    assert_eq!(r.status, 201, "{}", r.text);
    let v = &r.json["vote"];
    assert_eq!(
        (
            v["value"].clone(),
            v["item_type"].clone(),
            v["item_id"].clone()
        ),
        (json!(1), json!("Article"), json!(article))
    );
    let vote_id = v["id"].as_u64().unwrap();
    assert!(
        v["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/api/v2/help_center/votes/{vote_id}.json"))
    );
    let r = as_eve(&z, "POST", &up, None).await;
    assert_eq!(r.status, 201, "end users vote: {}", r.text);
    let r = z
        .call(
            "POST",
            &format!("/api/v2/help_center/articles/{article}/down.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "changing one's vote: {}", r.text);
    assert_eq!(r.json["vote"]["id"], json!(vote_id));
    let a = z
        .call(
            "GET",
            &format!("/api/v2/help_center/articles/{article}.json"),
            None,
        )
        .await;
    // Voting updates vote_sum (the values' sum) and vote_count [DOC].
    assert_eq!(
        (
            a.json["article"]["vote_sum"].clone(),
            a.json["article"]["vote_count"].clone()
        ),
        (json!(0), json!(2))
    );
    let votes = z
        .call(
            "GET",
            &format!("/api/v2/help_center/articles/{article}/votes.json"),
            None,
        )
        .await;
    assert_eq!(list(&votes, "votes").len(), 2);
    let r = as_eve(
        &z,
        "DELETE",
        &format!("/api/v2/help_center/votes/{vote_id}.json"),
        None,
    )
    .await;
    assert_eq!(r.status, 403, "not eve's vote");
    let r = z
        .call(
            "DELETE",
            &format!("/api/v2/help_center/votes/{vote_id}.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let a = z
        .call(
            "GET",
            &format!("/api/v2/help_center/articles/{article}.json"),
            None,
        )
        .await;
    assert_eq!(
        (
            a.json["article"]["vote_sum"].clone(),
            a.json["article"]["vote_count"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(
        z.call("POST", "/api/v2/help_center/articles/999/up.json", None)
            .await
            .status,
        404
    );
    // Post comments: the vote's item type, and the comment must be the post's.
    let post_id = first_id(&z, "/api/v2/community/posts.json", "posts").await;
    let c = post(
        &z,
        &format!("/api/v2/community/posts/{post_id}/comments.json"),
        json!({"comment": {"body": "+1"}}),
    )
    .await;
    assert_eq!(c.status, 201, "{}", c.text);
    let cid = c.json["comment"]["id"].as_u64().unwrap();
    let r = z
        .call(
            "POST",
            &format!("/api/v2/community/posts/{post_id}/comments/{cid}/up.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["vote"]["item_type"], json!("PostComment"));
    let r = z
        .call(
            "POST",
            &format!("/api/v2/community/posts/{article}/comments/{cid}/up.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "a comment under another parent");
    let votes = z
        .call(
            "GET",
            &format!("/api/v2/community/posts/{post_id}/comments/{cid}/votes.json"),
            None,
        )
        .await;
    assert_eq!(votes.status, 200, "{}", votes.text);
    assert_eq!(list(&votes, "votes").len(), 1);
}

#[tokio::test]
async fn article_comments_belong_to_their_article_and_author() {
    let z = zendesk();
    let article = first_id(&z, "/api/v2/help_center/articles.json", "articles").await;
    let path = format!("/api/v2/help_center/articles/{article}/comments.json");
    let r = as_eve(
        &z,
        "POST",
        &path,
        Some(json!({"comment": {"body": "Thanks!"}})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let c = &r.json["comment"];
    // DOC recollection: source_id/source_type name the article.
    assert_eq!(
        (c["source_id"].clone(), c["source_type"].clone()),
        (json!(article), json!("Article"))
    );
    let eve_id = c["author_id"].as_u64().unwrap();
    let cid = c["id"].as_u64().unwrap();
    assert!(c["url"].as_str().unwrap().ends_with(&format!(
        "/api/v2/help_center/articles/{article}/comments/{cid}.json"
    )));
    let admin_comment = post(&z, &path, json!({"comment": {"body": "Glad it helped"}})).await;
    let admin_cid = admin_comment.json["comment"]["id"].as_u64().unwrap();
    let r = as_eve(
        &z,
        "PUT",
        &format!("/api/v2/help_center/articles/{article}/comments/{admin_cid}.json"),
        Some(json!({"comment": {"body": "hacked"}})),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = z
        .call(
            "GET",
            &format!("/api/v2/help_center/users/{eve_id}/comments.json"),
            None,
        )
        .await;
    assert_eq!(ids(list(&r, "comments")), vec![cid]);
    let r = post(&z, &path, json!({"comment": {"body": "  "}})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = post(
        &z,
        "/api/v2/help_center/articles/999/comments.json",
        json!({"comment": {"body": "x"}}),
    )
    .await;
    assert_eq!(r.status, 404);
    let other = first_id(
        &z,
        "/api/v2/help_center/articles.json?sort_by=title&sort_order=desc",
        "articles",
    )
    .await;
    assert_ne!(other, article);
    let r = z
        .call(
            "GET",
            &format!("/api/v2/help_center/articles/{other}/comments/{cid}.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "a comment is only found under its article");
    let r = as_eve(
        &z,
        "DELETE",
        &format!("/api/v2/help_center/articles/{article}/comments/{cid}.json"),
        None,
    )
    .await;
    assert_eq!(r.status, 204, "authors delete their comments");
}

#[tokio::test]
async fn posts_and_post_comments_keep_their_counts() {
    let z = zendesk();
    let topic = first_id(&z, "/api/v2/community/topics.json", "topics").await;
    let r = as_eve(&z, "POST", "/api/v2/community/posts.json", Some(json!({"post": {"title": "Export to CSV", "details": "<p>please</p>", "topic_id": topic}, "notify_subscribers": false}))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let p = r.json["post"]["id"].as_u64().unwrap();
    let r = post(
        &z,
        "/api/v2/community/posts.json",
        json!({"post": {"title": "x", "topic_id": 999}}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = z
        .call(
            "PUT",
            &format!("/api/v2/community/posts/{p}.json"),
            Some(json!({"post": {"status": "someday"}})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = z
        .call(
            "PUT",
            &format!("/api/v2/community/posts/{p}.json"),
            Some(json!({"post": {"status": "planned"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = z
        .call(
            "GET",
            "/api/v2/community/posts.json?filter_by=planned",
            None,
        )
        .await;
    assert_eq!(ids(list(&r, "posts")), vec![p]);
    let r = z
        .call(
            "GET",
            &format!("/api/v2/community/topics/{topic}/posts.json"),
            None,
        )
        .await;
    assert_eq!(list(&r, "posts").len(), 2);
    for body in ["one", "two"] {
        let r = post(
            &z,
            &format!("/api/v2/community/posts/{p}/comments.json"),
            json!({"comment": {"body": body, "official": true}}),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.json["comment"]["post_id"], json!(p));
    }
    let r = z
        .call("GET", &format!("/api/v2/community/posts/{p}.json"), None)
        .await;
    assert_eq!(r.json["post"]["comment_count"], json!(2));
    let r = z
        .call(
            "GET",
            "/api/v2/community/posts.json?sort_by=comments&sort_order=desc",
            None,
        )
        .await;
    assert_eq!(list(&r, "posts")[0]["id"], json!(p));
    let r = z
        .call(
            "DELETE",
            &format!("/api/v2/community/topics/{topic}.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = z
        .call(
            "GET",
            &format!("/api/v2/community/posts/{p}/comments.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 404, "the topic's posts went with it");
}

#[tokio::test]
async fn subscriptions_are_one_per_user_and_count_followers() {
    let z = zendesk();
    let p = first_id(&z, "/api/v2/community/posts.json", "posts").await;
    let path = format!("/api/v2/community/posts/{p}/subscriptions.json");
    let r = as_eve(&z, "POST", &path, Some(json!({"subscription": {}}))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["subscription"]["content_type"], json!("Post"));
    let r = as_eve(&z, "POST", &path, Some(json!({"subscription": {}}))).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = z
        .call("GET", &format!("/api/v2/community/posts/{p}.json"), None)
        .await;
    assert_eq!(r.json["post"]["follower_count"], json!(1));
    let article = first_id(&z, "/api/v2/help_center/articles.json", "articles").await;
    let r = post(
        &z,
        &format!("/api/v2/help_center/articles/{article}/subscriptions.json"),
        json!({"subscription": {"source_locale": "en-us"}}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let sid = r.json["subscription"]["id"].as_u64().unwrap();
    let r = z
        .call(
            "GET",
            &format!("/api/v2/help_center/articles/{article}/subscriptions.json"),
            None,
        )
        .await;
    assert_eq!(ids(list(&r, "subscriptions")), vec![sid]);
    let r = z
        .call(
            "DELETE",
            &format!("/api/v2/help_center/articles/{article}/subscriptions/{sid}.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
}

#[tokio::test]
async fn translations_carry_the_article_title_and_body() {
    let z = zendesk();
    let article = first_id(&z, "/api/v2/help_center/articles.json", "articles").await;
    let path = format!("/api/v2/help_center/articles/{article}/translations.json");
    let r = z.call("GET", &path, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let t = &list(&r, "translations")[0];
    // SDK zenpy spec: the translation's keys; its url ends with the locale.
    for key in [
        "id",
        "url",
        "html_url",
        "source_id",
        "source_type",
        "locale",
        "title",
        "body",
        "outdated",
        "draft",
        "hidden",
        "created_at",
        "updated_at",
        "updated_by_id",
        "created_by_id",
    ] {
        assert!(t.get(key).is_some(), "translation lacks {key}");
    }
    assert!(
        t["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/articles/{article}/translations/en-us.json"))
    );
    let r = post(
        &z,
        &path,
        json!({"translation": {"locale": "de", "title": "Passwort", "body": "<p>Hallo</p>"}}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = post(
        &z,
        &path,
        json!({"translation": {"locale": "de", "title": "again"}}),
    )
    .await;
    assert_eq!(r.status, 422, "one translation per locale: {}", r.text);
    let r = z
        .call(
            "GET",
            &format!("/api/v2/help_center/articles/{article}/translations/de.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["translation"]["title"], json!("Passwort"));
    // Title and body are updated through the source translation [DOC].
    let r = z
        .call(
            "PUT",
            &format!("/api/v2/help_center/articles/{article}/translations/en-us.json"),
            Some(json!({"translation": {"title": "Resetting a password"}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let a = z
        .call(
            "GET",
            &format!("/api/v2/help_center/articles/{article}.json"),
            None,
        )
        .await;
    assert_eq!(a.json["article"]["title"], json!("Resetting a password"));
    let missing = z
        .call(
            "GET",
            &format!("/api/v2/help_center/articles/{article}/translations/fr.json"),
            None,
        )
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn the_incremental_article_export_pages_every_change_once() {
    let z = zendesk();
    let r = z
        .call("GET", "/api/v2/help_center/incremental/articles.json", None)
        .await;
    assert_eq!(r.status, 400, "start_time is required: {}", r.text);
    let r = as_eve(
        &z,
        "GET",
        "/api/v2/help_center/incremental/articles.json?start_time=0",
        None,
    )
    .await;
    assert_eq!(r.status, 403, "agents or admins only [DOC]");
    // Spread the articles over distinct seconds, then page one at a time.
    let all = z
        .call("GET", "/api/v2/help_center/articles.json", None)
        .await;
    let article_ids = ids(list(&all, "articles"));
    for id in &article_ids {
        z.clock.advance(std::time::Duration::from_secs(5));
        let r = z
            .call(
                "PUT",
                &format!("/api/v2/help_center/articles/{id}.json"),
                Some(json!({"article": {"position": 3}})),
            )
            .await;
        assert_eq!(r.status, 200);
    }
    z.clock.advance(std::time::Duration::from_secs(5));
    let mut seen = Vec::new();
    let mut path =
        "/api/v2/help_center/incremental/articles.json?start_time=0&per_page=1".to_owned();
    for _ in 0..10 {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        // DOC: articles, next_page, end_time, count.
        assert_eq!(r.json["count"], json!(list(&r, "articles").len()));
        assert!(r.json["end_time"].is_i64());
        seen.extend(ids(list(&r, "articles")));
        match r.json["next_page"].as_str() {
            Some(_) => path = path_of(&r.json["next_page"]) + "&per_page=1",
            None => break,
        }
    }
    assert_eq!(seen, article_ids, "in change order, each once");
}

#[tokio::test]
async fn article_search_matches_terms_and_filters() {
    let z = zendesk();
    let r = z
        .call(
            "GET",
            "/api/v2/help_center/articles/search.json?query=PASSWORD",
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let results = list(&r, "results");
    assert_eq!(results.len(), 1);
    // Reference 9.5 (UNVERIFIED): snippet with <em>, result_type, offset fields.
    assert_eq!(results[0]["result_type"], json!("article"));
    assert!(
        results[0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<em>password</em>"),
        "{}",
        results[0]["snippet"]
    );
    for k in [
        "page",
        "per_page",
        "page_count",
        "count",
        "next_page",
        "previous_page",
    ] {
        assert!(r.json.get(k).is_some(), "{k}");
    }
    assert_eq!(r.json["per_page"], json!(25));
    let r = z
        .call(
            "GET",
            "/api/v2/help_center/articles/search.json?label_names=billing",
            None,
        )
        .await;
    assert_eq!(list(&r, "results").len(), 1);
    assert!(
        r.json["results"][0]["title"]
            .as_str()
            .unwrap()
            .contains("invoices")
    );
    let r = z
        .call(
            "GET",
            "/api/v2/help_center/articles/search.json?query=nothing-like-this",
            None,
        )
        .await;
    assert_eq!(list(&r, "results").len(), 0);
    // Neither query nor filter: a 400 (UNVERIFIED), never a 500.
    let r = z
        .call("GET", "/api/v2/help_center/articles/search.json", None)
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = z
        .call(
            "GET",
            "/api/v2/help_center/articles/search.json?query=a&created_after=yesterday",
            None,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text);
}

#[tokio::test]
async fn the_help_center_is_in_state_coverage_and_seeds_from_config() {
    let f = vendor_with("zendesk", |c| {
        c.zendesk.seed_records.insert(
            "categories".to_owned(),
            vec![json!({"name": "From config"})],
        );
    });
    let state = oneshot(
        &f.control,
        Request::get("/state/zendesk").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(state.status, 200);
    let names: Vec<&str> = state.json["categories"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(names, vec!["General", "From config"]);
    for table in ["sections", "articles", "translations", "topics", "posts"] {
        assert!(!state.json[table].as_array().unwrap().is_empty(), "{table}");
    }
    let cov = oneshot(
        &f.control,
        Request::get("/coverage").body(Body::empty()).unwrap(),
    )
    .await;
    let implemented = cov.json["vendors"]["zendesk"]["implemented"]
        .as_array()
        .unwrap()
        .clone();
    for (m, p) in [
        ("GET", "/api/v2/help_center/incremental/articles"),
        ("GET", "/api/v2/help_center/articles/search"),
        ("POST", "/api/v2/help_center/sections/{id}/articles"),
        ("GET", "/api/v2/help_center/{locale}/articles"),
        ("POST", "/api/v2/community/posts/{post_id}/comments/{id}/up"),
        ("GET", "/api/v2/community/topics"),
        ("GET", "/api/v2/help_center/community/topics"),
    ] {
        assert!(
            implemented.contains(&json!({"method": m, "path": p})),
            "{m} {p}"
        );
    }
    let auth = token_auth();
    let r = oneshot(
        &f.api,
        Request::get("/api/v2/help_center/categories.json")
            .header("host", "zendesk.test")
            .header("authorization", auth)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    let journal = oneshot(
        &f.control,
        Request::get("/journal").body(Body::empty()).unwrap(),
    )
    .await;
    let entries = journal.json["entries"].as_array().unwrap();
    assert!(
        entries.iter().any(|e| e
            .to_string()
            .contains("/api/v2/help_center/categories.json")),
        "journaled"
    );
}

#[tokio::test]
async fn labels_are_the_articles_label_names() {
    let z = zendesk();
    // The seeded articles carry `password`, `account` and `billing`.
    let r = z
        .call("GET", "/api/v2/help_center/articles/labels.json", None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut names: Vec<&str> = list(&r, "labels")
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(names, vec!["account", "billing", "password"]);
    // DOC Article Labels: id, url, name, created_at, updated_at.
    let l = &list(&r, "labels")[0];
    for key in ["id", "url", "name", "created_at", "updated_at"] {
        assert!(l.get(key).is_some(), "label lacks {key}");
    }
    let article = first_id(
        &z,
        "/api/v2/help_center/articles.json?label_names=billing",
        "articles",
    )
    .await;
    let path = format!("/api/v2/help_center/articles/{article}/labels.json");
    let r = post(&z, &path, json!({"label": {"name": "invoices"}})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let label = r.json["label"]["id"].as_u64().unwrap();
    let a = z
        .call(
            "GET",
            &format!("/api/v2/help_center/articles/{article}.json"),
            None,
        )
        .await;
    assert_eq!(
        a.json["article"]["label_names"],
        json!(["billing", "invoices"])
    );
    let r = z.call("GET", &path, None).await;
    assert_eq!(list(&r, "labels").len(), 2);
    let r = z
        .call(
            "DELETE",
            &format!("/api/v2/help_center/articles/{article}/labels/{label}.json"),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let a = z
        .call(
            "GET",
            &format!("/api/v2/help_center/articles/{article}.json"),
            None,
        )
        .await;
    assert_eq!(a.json["article"]["label_names"], json!(["billing"]));
    let r = post(
        &z,
        "/api/v2/help_center/articles/999/labels.json",
        json!({"label": {"name": "x"}}),
    )
    .await;
    assert_eq!(r.status, 404);
    let r = post(&z, &path, json!({"label": {"name": ""}})).await;
    assert_eq!(r.status, 422, "{}", r.text);
}

#[tokio::test]
async fn article_attachments_take_a_multipart_file_and_serve_it() {
    let z = zendesk();
    let article = first_id(&z, "/api/v2/help_center/articles.json", "articles").await;
    let boundary = "fakedeskBoundary42";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"inline\"\r\n\r\ntrue\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"drawing.png\"\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n--{boundary}--\r\n"
    );
    let req = Request::builder()
        .method("POST")
        .uri(format!(
            "/api/v2/help_center/articles/{article}/attachments.json"
        ))
        .header("host", "zendesk.test")
        .header("authorization", token_auth())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let r = oneshot(&z.zendesk, req).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let a = &r.json["article_attachment"];
    // SDK zenpy spec: the attachment's keys; content_url under /hc/article_attachments/.
    for key in [
        "id",
        "url",
        "article_id",
        "display_file_name",
        "file_name",
        "content_url",
        "relative_path",
        "content_type",
        "size",
        "inline",
        "created_at",
        "updated_at",
    ] {
        assert!(a.get(key).is_some(), "attachment lacks {key}");
    }
    let id = a["id"].as_u64().unwrap();
    assert_eq!(
        (
            a["file_name"].clone(),
            a["content_type"].clone(),
            a["size"].clone(),
            a["inline"].clone()
        ),
        (
            json!("drawing.png"),
            json!("image/png"),
            json!(7),
            json!(true)
        )
    );
    assert_eq!(
        a["relative_path"],
        json!(format!("/hc/article_attachments/{id}/drawing.png"))
    );
    let file = z.call("GET", &path_of(&a["content_url"]), None).await;
    assert_eq!(file.status, 200);
    assert_eq!(file.text, "PNGDATA");
    for (p, n) in [
        ("attachments", 1),
        ("attachments/inline", 1),
        ("attachments/block", 0),
    ] {
        let r = z
            .call(
                "GET",
                &format!("/api/v2/help_center/articles/{article}/{p}.json"),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{p}: {}", r.text);
        assert_eq!(list(&r, "article_attachments").len(), n, "{p}");
    }
    let show = format!("/api/v2/help_center/articles/attachments/{id}.json");
    assert_eq!(z.call("GET", &show, None).await.status, 200);
    // Not multipart: a 400, never a 500.
    let r = post(
        &z,
        &format!("/api/v2/help_center/articles/{article}/attachments.json"),
        json!({"file": "x"}),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(z.call("DELETE", &show, None).await.status, 204);
    assert_eq!(
        z.call("GET", &path_of(&a["content_url"]), None)
            .await
            .status,
        404
    );
}

/// User segments and permission groups [DOC: User Segments API, Permission
/// Groups API]: the built-in segments "Signed-in users" and "Agents and
/// managers" [DOC: Guide user permissions], a built-in permission group, both
/// creatable, built-in ones unchangeable; an article can name the group.
#[tokio::test]
async fn user_segments_and_permission_groups_are_listed_and_created() {
    let z = zendesk();
    let segments = z
        .call("GET", "/api/v2/help_center/user_segments.json", None)
        .await;
    assert_eq!(segments.status, 200, "{}", segments.text);
    let names: Vec<&str> = list(&segments, "user_segments")
        .iter()
        .map(|s| {
            assert_eq!(s["built_in"], json!(true));
            s["name"].as_str().unwrap()
        })
        .collect();
    assert_eq!(names, ["Signed-in users", "Agents and managers"]);
    let staff = list(&segments, "user_segments")[1]["id"].as_u64().unwrap();
    let groups = z
        .call("GET", "/api/v2/guide/permission_groups.json", None)
        .await;
    assert_eq!(groups.status, 200, "{}", groups.text);
    let built_in = &list(&groups, "permission_groups")[0];
    assert_eq!(built_in["built_in"], json!(true));
    assert_eq!(built_in["publish"], json!([staff]));
    let built_in_id = built_in["id"].as_u64().unwrap();
    let refused = z
        .call(
            "PUT",
            &format!("/api/v2/guide/permission_groups/{built_in_id}.json"),
            Some(json!({"permission_group": {"name": "Renamed"}})),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.text);

    let vip = post(
        &z,
        "/api/v2/help_center/user_segments.json",
        json!({"user_segment": {"name": "VIP", "user_type": "signed_in_users", "tags": ["vip"]}}),
    )
    .await;
    assert_eq!(vip.status, 201, "{}", vip.text);
    assert_eq!(vip.json["user_segment"]["built_in"], json!(false));
    let bad = post(
        &z,
        "/api/v2/help_center/user_segments.json",
        json!({"user_segment": {"name": "X", "user_type": "everyone"}}),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let experts = post(
        &z,
        "/api/v2/guide/permission_groups.json",
        json!({"permission_group": {"name": "Printer Experts", "publish": [staff]}}),
    )
    .await;
    assert_eq!(experts.status, 201, "{}", experts.text);
    let group = experts.json["permission_group"]["id"].as_u64().unwrap();
    let section = first_id(&z, "/api/v2/help_center/sections.json", "sections").await;
    let article = post(
        &z,
        &format!("/api/v2/help_center/sections/{section}/articles.json"),
        json!({"article": {"title": "Toner", "body": "<p>Shake it.</p>", "permission_group_id": group}}),
    )
    .await;
    assert_eq!(article.status, 201, "{}", article.text);
    assert_eq!(article.json["article"]["permission_group_id"], json!(group));
}
