//! Property test: random sequences of Freshchat API calls (users, agents,
//! conversations, messages, assignments, resolutions, ratings, deletions, some
//! naming objects already deleted) never get a 5xx, leave no orphan reference in
//! `GET /state/freshchat`, and the API's lists agree with that state. Bounded: a
//! few cases of a few calls each, on OS-chosen ports. Mammut's graph gets the same
//! treatment on its pure store: random writes leave no dangling edge.

use std::collections::BTreeSet;
use std::sync::Arc;

use fakedesk::clock::ManualClock;
use fakedesk::config::RunConfig;
use fakedesk::server::{self, Harness};
use proptest::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use time::macros::datetime;

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.ZmFrZWRlc2stZnJlc2hjaGF0.fakedesk0freshchat0api0token";
const GROUPS: [&str; 2] = [
    "f5c4a000-0000-4000-8000-0000000000e1",
    "f5c4a000-0000-4000-8000-0000000000e2",
];

#[derive(Debug, Clone)]
enum Op {
    CreateUser(Option<u8>),
    DeleteUser(usize),
    CreateAgent(Option<usize>),
    DeleteAgent(usize),
    Converse(usize),
    Reply(usize, usize),
    Assign(usize, usize, usize),
    Resolve(usize),
    Rate(usize, u8),
}

fn op() -> impl Strategy<Value = Op> {
    let i = || 0usize..6;
    prop_oneof![
        proptest::option::of(0u8..2).prop_map(Op::CreateUser),
        i().prop_map(Op::DeleteUser),
        proptest::option::of(0usize..2).prop_map(Op::CreateAgent),
        i().prop_map(Op::DeleteAgent),
        i().prop_map(Op::Converse),
        (i(), i()).prop_map(|(c, a)| Op::Reply(c, a)),
        (i(), i(), 0usize..2).prop_map(|(c, a, g)| Op::Assign(c, a, g)),
        i().prop_map(Op::Resolve),
        (i(), 0u8..7).prop_map(|(c, r)| Op::Rate(c, r)),
    ]
}

struct Ids {
    users: Vec<String>,
    agents: Vec<String>,
    conversations: Vec<String>,
}

fn pick(list: &[String], i: usize) -> String {
    if list.is_empty() {
        "none".to_owned()
    } else {
        list[i % list.len()].clone()
    }
}

async fn call(base: &str, m: Method, p: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(m, format!("{base}/v2{p}"))
        .bearer_auth(TOKEN);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

/// The call for `op` (its method, path and body).
fn request(op: &Op, ids: &Ids, n: usize) -> (Method, String, Option<Value>) {
    let (u, a, c) = (&ids.users, &ids.agents, &ids.conversations);
    match op {
        Op::CreateUser(site) => (
            Method::POST,
            "/users".to_owned(),
            Some(
                json!({"reference_id": format!("r{n}"), "site_id": site.map(|s| format!("site{s}"))}),
            ),
        ),
        Op::DeleteUser(i) => (Method::DELETE, format!("/users/{}", pick(u, *i)), None),
        Op::CreateAgent(g) => (
            Method::POST,
            "/agents".to_owned(),
            Some(
                json!({"email": format!("a{n}@x.io"), "groups": g.map(|g| vec![GROUPS[g]]).unwrap_or_default()}),
            ),
        ),
        Op::DeleteAgent(i) => (Method::DELETE, format!("/agents/{}", pick(a, *i)), None),
        Op::Converse(i) => (
            Method::POST,
            "/conversations".to_owned(),
            Some(
                json!({"users": [{"id": pick(u, *i)}], "messages": [{"message_parts": [{"text": {"content": "hi"}}], "actor_type": "user"}]}),
            ),
        ),
        Op::Reply(ci, ai) => (
            Method::POST,
            format!("/conversations/{}/messages", pick(c, *ci)),
            Some(
                json!({"actor_type": "agent", "actor_id": pick(a, *ai), "message_parts": [{"text": {"content": "ok"}}]}),
            ),
        ),
        Op::Assign(ci, ai, g) => (
            Method::PUT,
            format!("/conversations/{}", pick(c, *ci)),
            Some(json!({"assigned_agent_id": pick(a, *ai), "assigned_group_id": GROUPS[*g]})),
        ),
        Op::Resolve(ci) => (
            Method::PUT,
            format!("/conversations/{}", pick(c, *ci)),
            Some(json!({"status": "resolved"})),
        ),
        Op::Rate(ci, r) => (
            Method::POST,
            format!("/csat/{}", pick(c, *ci)),
            Some(json!({"rating": r})),
        ),
    }
}

fn ids_of(v: &Value, key: &str, field: &str) -> BTreeSet<String> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x[field].as_str().map(str::to_owned))
        .collect()
}

/// No orphan references in the state, and the API's lists say what it says.
async fn check(base: &str, control: &str) -> Result<(), TestCaseError> {
    let state: Value = reqwest::get(format!("{control}/state/freshchat"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let users = ids_of(&state, "users", "id");
    let agents = ids_of(&state, "agents", "id");
    let groups = ids_of(&state, "groups", "id");
    let conversations = ids_of(&state, "conversations", "conversation_id");
    for c in state["conversations"].as_array().unwrap() {
        prop_assert!(
            users.contains(c["user_id"].as_str().unwrap()),
            "orphan user in {c}"
        );
        if let Some(a) = c["assigned_agent_id"].as_str() {
            prop_assert!(agents.contains(a), "orphan agent in {c}");
        }
        if let Some(g) = c["assigned_group_id"].as_str() {
            prop_assert!(groups.contains(g), "orphan group in {c}");
        }
    }
    for a in state["agents"].as_array().unwrap() {
        for g in a["groups"].as_array().unwrap() {
            prop_assert!(groups.contains(g.as_str().unwrap()));
        }
    }
    for r in state["csat"].as_array().unwrap() {
        prop_assert!(conversations.contains(r["conversation_id"].as_str().unwrap()));
    }
    let (_, listed) = call(base, Method::GET, "/agents?items_per_page=100", None).await;
    prop_assert_eq!(ids_of(&listed, "agents", "id"), agents);
    let (_, listed) = call(
        base,
        Method::GET,
        "/users?items_per_page=100&created_to=2999-01-01T00:00:00.000Z",
        None,
    )
    .await;
    prop_assert_eq!(ids_of(&listed, "users", "id"), users.clone());
    for u in &users {
        let (_, mine) = call(
            base,
            Method::GET,
            &format!("/users/{u}/conversations"),
            None,
        )
        .await;
        let expected: BTreeSet<String> = state["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["user_id"] == u.as_str())
            .map(|c| c["conversation_id"].as_str().unwrap().to_owned())
            .collect();
        prop_assert_eq!(ids_of(&mine, "conversations", "id"), expected);
    }
    Ok(())
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let clock = Arc::new(ManualClock::new(datetime!(2024-02-08 17:44:38.250 UTC)));
    let r = server::start(Harness::new(RunConfig::ephemeral(), clock).unwrap())
        .await
        .unwrap();
    let (base, control) = (r.url("freshchat"), r.url("control"));
    let state: Value = reqwest::get(format!("{control}/state/freshchat"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut ids = Ids {
        users: ids_of(&state, "users", "id").into_iter().collect(),
        agents: ids_of(&state, "agents", "id").into_iter().collect(),
        conversations: Vec::new(),
    };
    for (n, op) in ops.iter().enumerate() {
        let (m, p, body) = request(op, &ids, n);
        let (status, reply) = call(&base, m, &p, body).await;
        prop_assert!(status < 500, "{op:?} -> {status} {reply}");
        let id = |k: &str| reply[k].as_str().map(str::to_owned);
        match (op, status) {
            (Op::CreateUser(_), 200) => ids.users.extend(id("id")),
            (Op::CreateAgent(_), 201) => ids.agents.extend(id("id")),
            (Op::Converse(_), 200) => ids.conversations.extend(id("conversation_id")),
            _ => {}
        }
    }
    check(&base, &control).await
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, max_shrink_iters: 40, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_api_calls_keep_references_whole_and_lists_in_agreement(ops in proptest::collection::vec(op(), 1..14)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(run(ops))?;
    }
}

/// One write to Mammut's graph: create a vertex of a kind linked from another
/// vertex (maybe missing), or update one with a link (maybe to a missing vertex).
#[derive(Debug, Clone)]
enum GraphOp {
    User,
    Create(usize, u8, Option<usize>),
    Link(usize, usize),
}

fn graph_op() -> impl Strategy<Value = GraphOp> {
    prop_oneof![
        Just(GraphOp::User),
        (0usize..8, 0u8..3, proptest::option::of(0usize..8))
            .prop_map(|(f, k, l)| GraphOp::Create(f, k, l)),
        (0usize..8, 0usize..8).prop_map(|(a, b)| GraphOp::Link(a, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random graph writes, failed ones included, never leave an edge to a vertex
    /// that does not exist, and every traversal agrees with the edges.
    #[test]
    fn random_graph_writes_leave_no_dangling_edge(ops in proptest::collection::vec(graph_op(), 1..24)) {
        use fakedesk::vendors::mammut::store::Store;
        const KINDS: [&str; 3] = ["room", "thought", "video"];
        let mut s = Store::default();
        let mut known: Vec<(String, u64)> = Vec::new();
        let at = |known: &[(String, u64)], i: usize| known.get(i % known.len().max(1)).cloned().unwrap_or(("room".to_owned(), 1));
        for op in ops {
            match op {
                GraphOp::User => {
                    let id = s.create_user(json!({"user-type": "normal"}).as_object().cloned().unwrap()).unwrap();
                    known.push(("user".to_owned(), id));
                }
                GraphOp::Create(from, kind, link) => {
                    let (fk, fi) = at(&known, from);
                    let mut body = serde_json::Map::new();
                    if let Some(l) = link {
                        let (lk, li) = at(&known, l);
                        body.insert(format!("in@{lk}"), json!({"id": li}));
                    }
                    if let Ok(made) = s.create_vertex(KINDS[usize::from(kind)], body, Some(("own", &fk, fi))) {
                        known.push((KINDS[usize::from(kind)].to_owned(), made[0].0));
                    }
                }
                GraphOp::Link(a, b) => {
                    let ((ak, ai), (bk, bi)) = (at(&known, a), at(&known, b));
                    let _ = s.update_vertex(&ak, ai, vec![(format!("with@{bk}"), json!({"id": bi}))]);
                }
            }
        }
        for e in &s.edges {
            prop_assert!(s.properties(&e.from.0, e.from.1).is_some(), "dangling {e:?}");
            prop_assert!(s.properties(&e.to.0, e.to.1).is_some(), "dangling {e:?}");
        }
        for (k, i) in &known {
            for kind in KINDS {
                let got = s.traverse(k, *i, "own", kind, 1).unwrap().len();
                let expected = s.edges.iter().filter(|e| e.verb == "own" && e.from == (k.clone(), *i) && e.to.0 == kind).count();
                prop_assert_eq!(got, expected);
            }
        }
    }
}
