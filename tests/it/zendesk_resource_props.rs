//! After random creates, updates and deletes through the API, a declared
//! resource's lists (offset and cursor pagination, in id order and sorted) and
//! `/state/zendesk` hold the same records: none missing, none twice; organizations,
//! tickets and users alike. For Help Center articles, the
//! incremental article export and article search agree with them too.

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::common::{Fake, fake};

#[derive(Debug, Clone)]
enum Op {
    Create(u8),
    Rename(usize, u8),
    Delete(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u8>().prop_map(Op::Create),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, n)| Op::Rename(i, n)),
        1 => any::<usize>().prop_map(Op::Delete),
    ]
}

/// The resources the first property walks: a JSON-record resource and the two
/// typed ones (tickets and users), all served by the resource engine.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Organizations,
    Tickets,
    Users,
}

impl Kind {
    fn plural(self) -> &'static str {
        match self {
            Self::Organizations => "organizations",
            Self::Tickets => "tickets",
            Self::Users => "users",
        }
    }

    fn one(self) -> &'static str {
        self.plural().trim_end_matches('s')
    }

    /// A new record's body; `k` makes emails and names unique.
    fn create_body(self, n: u8, k: usize) -> Value {
        match self {
            Self::Organizations => json!({"organization": {"name": format!("org {n}")}}),
            Self::Tickets => {
                json!({"ticket": {"subject": format!("t {n}"), "comment": {"body": "hi"}}})
            }
            Self::Users => {
                json!({"user": {"name": format!("user {n}"), "email": format!("u{k}@example.org")}})
            }
        }
    }

    fn rename_body(self, n: u8) -> Value {
        match self {
            Self::Organizations => json!({"organization": {"name": format!("renamed {n}")}}),
            Self::Tickets => json!({"ticket": {"subject": format!("renamed {n}")}}),
            Self::Users => json!({"user": {"name": format!("renamed {n}")}}),
        }
    }
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Organizations),
        Just(Kind::Tickets),
        Just(Kind::Users)
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn ids(page: &Value, root: &str) -> Vec<u64> {
    page[root]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_u64().unwrap())
        .collect()
}

async fn offset_walk(z: &Fake, root: &str, per_page: usize) -> Vec<u64> {
    let mut out = Vec::new();
    let mut path = format!("/api/v2/{root}.json?per_page={per_page}");
    for _ in 0..200 {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        out.extend(ids(&r.json, root));
        match r.json["next_page"].as_str() {
            Some(next) => path = next.replace("http://zendesk.test", ""),
            None => return out,
        }
    }
    panic!("the walk did not end");
}

/// Every id of a list in cursor pagination, `extra` added to the first query.
async fn cursor_walk(z: &Fake, root: &str, extra: &str, size: usize) -> Vec<u64> {
    let mut out = Vec::new();
    let mut path = format!("/api/v2/{root}.json?page[size]={size}{extra}");
    for _ in 0..200 {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        out.extend(ids(&r.json, root));
        if r.json["meta"]["has_more"] != json!(true) {
            return out;
        }
        path = r.json["links"]["next"]
            .as_str()
            .unwrap()
            .replace("http://zendesk.test", "");
    }
    panic!("the walk did not end");
}

fn state_ids(z: &Fake, root: &str) -> Vec<u64> {
    let state = z.harness.vendor("zendesk").unwrap().state();
    state[root]
        .as_array()
        .map(|a| a.iter().map(|o| o["id"].as_u64().unwrap()).collect())
        .unwrap_or_default()
}

/// Applies one write to `kind` through the API, keeping `live` (its ids) in step.
async fn apply(z: &Fake, kind: Kind, op: Op, live: &mut Vec<u64>, k: usize) {
    let path = format!("/api/v2/{}", kind.plural());
    match op {
        Op::Create(n) => {
            let r = z
                .call(
                    "POST",
                    &format!("{path}.json"),
                    Some(kind.create_body(n, k)),
                )
                .await;
            if r.status == 201 {
                live.push(r.json[kind.one()]["id"].as_u64().unwrap());
            } else {
                assert_eq!(r.status, 422, "only a duplicate name fails: {}", r.text);
            }
        }
        Op::Rename(i, n) if !live.is_empty() => {
            let id = live[i % live.len()];
            let r = z
                .call(
                    "PUT",
                    &format!("{path}/{id}.json"),
                    Some(kind.rename_body(n)),
                )
                .await;
            assert!(r.status == 200 || r.status == 422, "{}", r.text);
        }
        // Users are left out: a deleted user moves to the deleted users (see
        // `zendesk_users`), which this walk does not follow.
        Op::Delete(i) if !live.is_empty() && !matches!(kind, Kind::Users) => {
            let id = live.remove(i % live.len());
            let r = z.call("DELETE", &format!("{path}/{id}.json"), None).await;
            assert_eq!(r.status, 204);
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn lists_in_both_paginations_and_the_state_agree(kind in kind(), ops in proptest::collection::vec(op(), 1..16), size in 1usize..4) {
        let rt = runtime();
        let z = fake();
        let root = kind.plural();
        // Users start with the seeded ones.
        let mut live = state_ids(&z, root);
        for (k, op) in ops.into_iter().enumerate() {
            z.clock.advance(std::time::Duration::from_secs(1));
            rt.block_on(apply(&z, kind, op, &mut live, k));
        }
        live.sort_unstable();
        let offset = rt.block_on(offset_walk(&z, root, size));
        let cursor = rt.block_on(cursor_walk(&z, root, "", size));
        let newest_first = rt.block_on(cursor_walk(&z, root, "&sort=-updated_at", size));
        prop_assert_eq!(&offset, &live);
        prop_assert_eq!(&cursor, &live);
        prop_assert_eq!(newest_first.len(), live.len(), "no duplicates in the sorted walk");
        let mut sorted = newest_first;
        sorted.sort_unstable();
        prop_assert_eq!(&sorted, &live);
        prop_assert_eq!(&state_ids(&z, root), &live);
        let count = rt.block_on(z.call("GET", &format!("/api/v2/{root}/count.json"), None));
        prop_assert_eq!(count.json["count"]["value"].as_u64(), Some(live.len() as u64));
    }
}

/// Every id of a Help Center list, following `links.next` while `has_more`.
async fn hc_cursor_walk(z: &Fake, path: &str, root: &str, size: usize) -> Vec<u64> {
    let mut out = Vec::new();
    let mut path = format!("{path}?page[size]={size}");
    for _ in 0..200 {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        out.extend(ids(&r.json, root));
        if r.json["meta"]["has_more"] != json!(true) {
            return out;
        }
        path = r.json["links"]["next"]
            .as_str()
            .unwrap()
            .replace("http://zendesk.test", "");
    }
    panic!("the walk did not end");
}

/// Every article of the incremental export from the start, `per_page` at a time.
async fn export_walk(z: &Fake, per_page: usize) -> Vec<u64> {
    let mut out = Vec::new();
    let mut path =
        format!("/api/v2/help_center/incremental/articles.json?start_time=0&per_page={per_page}");
    for _ in 0..200 {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        out.extend(ids(&r.json, "articles"));
        match r.json["next_page"].as_str() {
            Some(next) => {
                path = format!(
                    "{}&per_page={per_page}",
                    next.replace("http://zendesk.test", "")
                )
            }
            None => return out,
        }
    }
    panic!("the export did not end");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn help_center_lists_export_search_and_state_agree(ops in proptest::collection::vec(op(), 1..12), size in 1usize..4) {
        let rt = runtime();
        let z = fake();
        let state = z.harness.vendor("zendesk").unwrap().state();
        let section = state["sections"][0]["id"].as_u64().unwrap();
        let mut live: Vec<u64> = state["articles"].as_array().unwrap().iter().map(|a| a["id"].as_u64().unwrap()).collect();
        for op in ops {
            rt.block_on(async {
                z.clock.advance(std::time::Duration::from_secs(1));
                match op {
                    Op::Create(n) => {
                        let r = z.call("POST", &format!("/api/v2/help_center/sections/{section}/articles.json"), Some(json!({"article": {"title": format!("Guide {n}"), "body": "<p>steps</p>", "permission_group_id": 1, "position": n % 4}}))).await;
                        assert_eq!(r.status, 201, "{}", r.text);
                        live.push(r.json["article"]["id"].as_u64().unwrap());
                    }
                    Op::Rename(i, n) if !live.is_empty() => {
                        let id = live[i % live.len()];
                        let r = z.call("PUT", &format!("/api/v2/help_center/articles/{id}.json"), Some(json!({"article": {"title": format!("Steps {n}"), "position": n % 3}}))).await;
                        assert_eq!(r.status, 200, "{}", r.text);
                    }
                    Op::Delete(i) if !live.is_empty() => {
                        let id = live.remove(i % live.len());
                        let r = z.call("DELETE", &format!("/api/v2/help_center/articles/{id}.json"), None).await;
                        assert_eq!(r.status, 204);
                    }
                    _ => {}
                }
            });
        }
        live.sort_unstable();
        let sorted = |mut v: Vec<u64>| { v.sort_unstable(); v };
        let cursor = rt.block_on(hc_cursor_walk(&z, "/api/v2/help_center/articles.json", "articles", size));
        let in_section = rt.block_on(hc_cursor_walk(&z, &format!("/api/v2/help_center/sections/{section}/articles.json"), "articles", size));
        let exported = rt.block_on(export_walk(&z, size));
        let state = z.harness.vendor("zendesk").unwrap().state();
        let in_state: Vec<u64> = state["articles"].as_array().unwrap().iter().map(|a| a["id"].as_u64().unwrap()).collect();
        let search = rt.block_on(z.call("GET", &format!("/api/v2/help_center/articles/search.json?section={section}&per_page=100"), None));
        prop_assert_eq!(cursor.len(), live.len(), "no duplicates in the cursor walk");
        prop_assert_eq!(sorted(cursor), live.clone());
        prop_assert_eq!(sorted(in_section), live.clone());
        prop_assert_eq!(exported.len(), live.len(), "each change exported once");
        prop_assert_eq!(sorted(exported), live.clone());
        prop_assert_eq!(in_state, live.clone());
        prop_assert_eq!(search.json["count"].as_u64(), Some(live.len() as u64));
    }
}
