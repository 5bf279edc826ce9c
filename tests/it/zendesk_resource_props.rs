//! After random creates, updates and deletes through the API, a declared
//! resource's lists (offset and cursor pagination) and `/state/zendesk` hold the
//! same records: none missing, none twice.

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

async fn offset_walk(z: &Fake, per_page: usize) -> Vec<u64> {
    let mut out = Vec::new();
    let mut path = format!("/api/v2/organizations.json?per_page={per_page}");
    loop {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        out.extend(ids(&r.json, "organizations"));
        match r.json["next_page"].as_str() {
            Some(next) => path = next.replace("http://zendesk.test", ""),
            None => return out,
        }
    }
}

async fn cursor_walk(z: &Fake, size: usize) -> Vec<u64> {
    let mut out = Vec::new();
    let mut path = format!("/api/v2/organizations.json?page[size]={size}");
    loop {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        out.extend(ids(&r.json, "organizations"));
        if r.json["meta"]["has_more"] != json!(true) {
            return out;
        }
        path = r.json["links"]["next"]
            .as_str()
            .unwrap()
            .replace("http://zendesk.test", "");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn lists_in_both_paginations_and_the_state_agree(ops in proptest::collection::vec(op(), 1..16), size in 1usize..4) {
        let rt = runtime();
        let z = fake();
        let mut live: Vec<u64> = Vec::new();
        for op in ops {
            rt.block_on(async {
                match op {
                    Op::Create(n) => {
                        let r = z.call("POST", "/api/v2/organizations.json", Some(json!({"organization": {"name": format!("org {n}")}}))).await;
                        if r.status == 201 {
                            live.push(r.json["organization"]["id"].as_u64().unwrap());
                        } else {
                            assert_eq!(r.status, 422, "only a duplicate name fails: {}", r.text);
                        }
                    }
                    Op::Rename(i, n) if !live.is_empty() => {
                        let id = live[i % live.len()];
                        let r = z.call("PUT", &format!("/api/v2/organizations/{id}.json"), Some(json!({"organization": {"name": format!("renamed {n}")}}))).await;
                        assert!(r.status == 200 || r.status == 422, "{}", r.text);
                    }
                    Op::Delete(i) if !live.is_empty() => {
                        let id = live.remove(i % live.len());
                        let r = z.call("DELETE", &format!("/api/v2/organizations/{id}.json"), None).await;
                        assert_eq!(r.status, 204);
                    }
                    _ => {}
                }
            });
        }
        live.sort_unstable();
        let offset = rt.block_on(offset_walk(&z, size));
        let cursor = rt.block_on(cursor_walk(&z, size));
        let state = z.harness.vendor("zendesk").unwrap().state();
        let in_state: Vec<u64> = state["organizations"].as_array().map(|a| a.iter().map(|o| o["id"].as_u64().unwrap()).collect()).unwrap_or_default();
        prop_assert_eq!(&offset, &live);
        prop_assert_eq!(&cursor, &live);
        prop_assert_eq!(&in_state, &live);
        let count = rt.block_on(z.call("GET", "/api/v2/organizations/count.json", None));
        prop_assert_eq!(count.json["count"]["value"].as_u64(), Some(live.len() as u64));
    }
}
