//! After random creates, upserts by external id and deletes of custom object
//! records, the records' cursor walk, their count and the external-id filter
//! agree with a model of what was written: none missing, none twice, in
//! creation order, each external id on one record.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::common::{Fake, fake};

#[derive(Debug, Clone)]
enum Op {
    Create(u8),
    Upsert(u8),
    Delete(usize),
    DeleteByExternal(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..6).prop_map(Op::Create),
        2 => (0u8..6).prop_map(Op::Upsert),
        1 => any::<usize>().prop_map(Op::Delete),
        1 => (0u8..6).prop_map(Op::DeleteByExternal),
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

const RECORDS: &str = "/api/v2/custom_objects/car/records";

/// The model: record ids in creation order, with their external ids.
type Model = Vec<(String, Option<String>)>;

async fn apply(z: &Fake, op: Op, model: &mut Model) {
    match op {
        Op::Create(n) => {
            let ext = format!("x{n}");
            let r = z
                .call(
                    "POST",
                    RECORDS,
                    Some(json!({"custom_object_record": {"name": "car", "external_id": ext}})),
                )
                .await;
            if model
                .iter()
                .any(|(_, e)| e.as_deref() == Some(ext.as_str()))
            {
                assert_eq!(r.status, 422, "a taken external id: {}", r.text);
            } else {
                assert_eq!(r.status, 201, "{}", r.text);
                let id = r.json["custom_object_record"]["id"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                model.push((id, Some(ext)));
            }
        }
        Op::Upsert(n) => {
            let ext = format!("x{n}");
            let r = z
                .call(
                    "PATCH",
                    &format!("{RECORDS}?external_id={ext}"),
                    Some(json!({"custom_object_record": {"name": format!("car {n}")}})),
                )
                .await;
            let id = r.json["custom_object_record"]["id"]
                .as_str()
                .unwrap()
                .to_owned();
            match model
                .iter()
                .find(|(_, e)| e.as_deref() == Some(ext.as_str()))
            {
                Some((known, _)) => {
                    assert_eq!(r.status, 200, "{}", r.text);
                    assert_eq!(&id, known);
                }
                None => {
                    assert_eq!(r.status, 201, "{}", r.text);
                    model.push((id, Some(ext)));
                }
            }
        }
        Op::Delete(i) if !model.is_empty() => {
            let (id, _) = model.remove(i % model.len());
            let r = z.call("DELETE", &format!("{RECORDS}/{id}"), None).await;
            assert_eq!(r.status, 204, "{}", r.text);
        }
        Op::DeleteByExternal(n) => {
            let ext = format!("x{n}");
            let r = z
                .call("DELETE", &format!("{RECORDS}?external_id={ext}"), None)
                .await;
            match model
                .iter()
                .position(|(_, e)| e.as_deref() == Some(ext.as_str()))
            {
                Some(at) => {
                    assert_eq!(r.status, 204, "{}", r.text);
                    model.remove(at);
                }
                None => assert_eq!(r.status, 404, "{}", r.text),
            }
        }
        Op::Delete(_) => {}
    }
}

async fn walk(z: &Fake, size: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let mut path = format!("{RECORDS}?page[size]={size}");
    for _ in 0..100 {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        out.extend(
            r.json["custom_object_records"]
                .as_array()
                .unwrap()
                .iter()
                .cloned(),
        );
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn records_walk_count_and_filters_agree_with_what_was_written(ops in proptest::collection::vec(op(), 1..14), size in 1usize..4) {
        let rt = runtime();
        let z = fake();
        let made = rt.block_on(z.call("POST", "/api/v2/custom_objects", Some(json!({"custom_object": {"key": "car", "title": "Car", "title_pluralized": "Cars"}}))));
        prop_assert_eq!(made.status, 201);
        let mut model = Model::new();
        for op in ops {
            rt.block_on(apply(&z, op, &mut model));
        }
        let walked = rt.block_on(walk(&z, size));
        let ids: Vec<&str> = walked.iter().map(|r| r["id"].as_str().unwrap()).collect();
        let expected: Vec<&str> = model.iter().map(|(id, _)| id.as_str()).collect();
        prop_assert_eq!(&ids, &expected);
        let count = rt.block_on(z.call("GET", &format!("{RECORDS}/count"), None));
        prop_assert_eq!(&count.json["count"]["value"], &json!(model.len()));
        let by_external: BTreeMap<String, String> = model
            .iter()
            .filter_map(|(id, e)| e.clone().map(|e| (e, id.clone())))
            .collect();
        for (ext, id) in &by_external {
            let found = rt.block_on(z.call("GET", &format!("{RECORDS}?filter[external_ids]={ext}"), None));
            let list = found.json["custom_object_records"].as_array().unwrap();
            prop_assert_eq!(list.len(), 1);
            prop_assert_eq!(list[0]["id"].as_str().unwrap(), id.as_str());
        }
    }
}
