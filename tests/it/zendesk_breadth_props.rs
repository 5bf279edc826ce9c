//! Property test: after random creates, updates and deletes of tickets, users and
//! organizations through the API, the cursor and time exports, search and
//! `/state/zendesk` agree (same records, none twice, none missing), and the changes
//! of a second round come back exactly once when the cursor export resumes.
//! Bounded: 32 cases of at most 24 operations.

use std::collections::BTreeSet;
use std::time::Duration;

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::common::Fake;
use crate::zendesk_exports::{path_of, zendesk};

#[derive(Debug, Clone)]
enum Op {
    CreateTicket,
    UpdateTicket(usize),
    DeleteTicket(usize),
    CreateUser,
    UpdateUser(usize),
    CreateOrg,
    UpdateOrg(usize),
    DeleteOrg(usize),
    Wait(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::CreateTicket),
        2 => (0usize..8).prop_map(Op::UpdateTicket),
        1 => (0usize..8).prop_map(Op::DeleteTicket),
        2 => Just(Op::CreateUser),
        1 => (0usize..8).prop_map(Op::UpdateUser),
        2 => Just(Op::CreateOrg),
        1 => (0usize..8).prop_map(Op::UpdateOrg),
        1 => (0usize..8).prop_map(Op::DeleteOrg),
        1 => (0u64..3).prop_map(Op::Wait),
    ]
}

/// What the test made: ids in creation order, and which records changed.
#[derive(Default)]
struct Made {
    tickets: Vec<u64>,
    users: Vec<u64>,
    orgs: Vec<u64>,
    changed_tickets: BTreeSet<u64>,
    changed_users: BTreeSet<u64>,
    n: usize,
}

fn pick(ids: &[u64], i: usize) -> Option<u64> {
    (!ids.is_empty()).then(|| ids[i % ids.len()])
}

async fn apply(z: &Fake, made: &mut Made, op: &Op) {
    made.n += 1;
    let n = made.n;
    let (method, path, body) = match op {
        Op::CreateTicket => (
            "POST",
            "/api/v2/tickets.json".to_owned(),
            json!({"ticket": {"subject": format!("t{n}"), "comment": {"body": "hi"}}}),
        ),
        Op::UpdateTicket(i) => match pick(&made.tickets, *i) {
            Some(id) => (
                "PUT",
                format!("/api/v2/tickets/{id}.json"),
                json!({"ticket": {"tags": [format!("v{n}")]}}),
            ),
            None => return,
        },
        Op::DeleteTicket(i) => match pick(&made.tickets, *i) {
            Some(id) => ("DELETE", format!("/api/v2/tickets/{id}.json"), Value::Null),
            None => return,
        },
        Op::CreateUser => (
            "POST",
            "/api/v2/users.json".to_owned(),
            json!({"user": {"name": format!("u{n}"), "email": format!("u{n}@example.org")}}),
        ),
        Op::UpdateUser(i) => match pick(&made.users, *i) {
            Some(id) => (
                "PUT",
                format!("/api/v2/users/{id}.json"),
                json!({"user": {"notes": format!("n{n}")}}),
            ),
            None => return,
        },
        Op::CreateOrg => (
            "POST",
            "/api/v2/organizations.json".to_owned(),
            json!({"organization": {"name": format!("o{n}")}}),
        ),
        Op::UpdateOrg(i) => match pick(&made.orgs, *i) {
            Some(id) => (
                "PUT",
                format!("/api/v2/organizations/{id}.json"),
                json!({"organization": {"notes": format!("n{n}")}}),
            ),
            None => return,
        },
        Op::DeleteOrg(i) => match pick(&made.orgs, *i) {
            Some(id) => (
                "DELETE",
                format!("/api/v2/organizations/{id}.json"),
                Value::Null,
            ),
            None => return,
        },
        Op::Wait(s) => {
            z.clock.advance(Duration::from_secs(*s));
            return;
        }
    };
    let r = z
        .call(method, &path, (!body.is_null()).then_some(body))
        .await;
    assert!(r.status < 500, "{method} {path}: {}", r.text);
    if r.status >= 300 {
        return;
    }
    let created = |root: &str| r.json[root]["id"].as_u64();
    match op {
        Op::CreateTicket => made.tickets.extend(created("ticket")),
        Op::CreateUser => made.users.extend(created("user")),
        Op::CreateOrg => made.orgs.extend(created("organization")),
        _ => {}
    }
    match op {
        Op::CreateTicket | Op::UpdateTicket(_) | Op::DeleteTicket(_) => {
            made.changed_tickets.extend(created("ticket").or_else(|| {
                path.split('/')
                    .nth(4)
                    .and_then(|s| s.trim_end_matches(".json").parse().ok())
            }));
        }
        Op::CreateUser | Op::UpdateUser(_) => {
            made.changed_users.extend(created("user").or_else(|| {
                path.split('/')
                    .nth(4)
                    .and_then(|s| s.trim_end_matches(".json").parse().ok())
            }));
        }
        _ => {}
    }
}

/// Follows an export from `first` until `end_of_stream`; returns every id in order
/// and the last link (to resume from).
async fn drain(z: &Fake, first: String, root: &str, link: &str) -> (Vec<u64>, String) {
    let mut path = first;
    let mut out = Vec::new();
    for _ in 0..200 {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        out.extend(
            r.json[root]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_u64().unwrap()),
        );
        path = path_of(&r.json[link]);
        if r.json["end_of_stream"] == true {
            return (out, path);
        }
    }
    panic!("{root}: no end_of_stream after 200 pages");
}

fn unique(ids: &[u64], what: &str) -> BTreeSet<u64> {
    let set: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(set.len(), ids.len(), "{what}: a record came twice: {ids:?}");
    set
}

/// The ids under `key` in the state; a resource without records has no key.
fn state_ids(state: &Value, key: &str) -> BTreeSet<u64> {
    state
        .get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|x| x["id"].as_u64().unwrap()).collect())
        .unwrap_or_default()
}

async fn search_ids(z: &Fake, kind: &str, size: usize) -> Vec<u64> {
    let first =
        format!("/api/v2/search/export.json?query=&filter%5Btype%5D={kind}&page%5Bsize%5D={size}");
    let mut path = first;
    let mut out = Vec::new();
    for _ in 0..200 {
        let r = z.call("GET", &path, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        out.extend(
            r.json["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["id"].as_u64().unwrap()),
        );
        if r.json["meta"]["has_more"] == false {
            return out;
        }
        path = path_of(&r.json["links"]["next"]);
    }
    panic!("search export: no end after 200 pages");
}

async fn check(z: &Fake, ops: &[Op], more: &[Op], size: usize) {
    let mut made = Made::default();
    for op in ops {
        apply(z, &mut made, op).await;
    }
    z.clock.advance(Duration::from_secs(61));
    let state = z.harness.vendor("zendesk").unwrap().state();
    let live = state_ids(&state, "tickets");
    let deleted: BTreeSet<u64> = state["deleted_tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    let all_tickets: BTreeSet<u64> = live.union(&deleted).copied().collect();
    let (tickets, resume) = drain(
        z,
        format!("/api/v2/incremental/tickets/cursor.json?start_time=0&per_page={size}"),
        "tickets",
        "after_url",
    )
    .await;
    assert_eq!(unique(&tickets, "cursor tickets"), all_tickets);
    let (users, user_resume) = drain(
        z,
        format!("/api/v2/incremental/users/cursor.json?start_time=0&per_page={size}"),
        "users",
        "after_url",
    )
    .await;
    assert_eq!(unique(&users, "cursor users"), state_ids(&state, "users"));
    let (timed, _) = drain(
        z,
        format!("/api/v2/incremental/tickets.json?start_time=0&per_page={size}"),
        "tickets",
        "next_page",
    )
    .await;
    assert_eq!(unique(&timed, "time tickets"), all_tickets);
    let (orgs, _) = drain(
        z,
        format!("/api/v2/incremental/organizations.json?start_time=0&per_page={size}"),
        "organizations",
        "next_page",
    )
    .await;
    assert_eq!(
        unique(&orgs, "time organizations"),
        state_ids(&state, "organizations")
    );
    assert_eq!(
        unique(&search_ids(z, "ticket", size).await, "search tickets"),
        live
    );
    assert_eq!(
        unique(&search_ids(z, "user", size).await, "search users"),
        state_ids(&state, "users")
    );
    assert_eq!(
        unique(&search_ids(z, "organization", size).await, "search orgs"),
        state_ids(&state, "organizations")
    );
    // A second round: exactly its changes come back when the exports resume.
    let mut round = Made {
        tickets: made.tickets.clone(),
        users: made.users.clone(),
        orgs: made.orgs.clone(),
        n: made.n,
        ..Made::default()
    };
    for op in more {
        apply(z, &mut round, op).await;
    }
    z.clock.advance(Duration::from_secs(61));
    let (again, _) = drain(z, resume, "tickets", "after_url").await;
    assert_eq!(unique(&again, "resumed tickets"), round.changed_tickets);
    let (again, _) = drain(z, user_resume, "users", "after_url").await;
    assert_eq!(unique(&again, "resumed users"), round.changed_users);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn exports_search_and_state_agree(
        ops in proptest::collection::vec(op(), 0..16),
        more in proptest::collection::vec(op(), 0..8),
        size in 1usize..4,
    ) {
        let rt = runtime();
        let z = zendesk();
        rt.block_on(check(&z, &ops, &more, size));
    }
}
