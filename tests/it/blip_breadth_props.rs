//! A property test of fake Blip's extensions: random sequences of Desk, CRM,
//! bucket, event-track and ticket commands keep the invariants: lists and
//! `GET /state/blip` agree, no comment outlives its contact, every team an
//! attendant or a rule names is listed, and the monitoring counts add up to the
//! tickets held. Bounded: few cases, short sequences.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use fakedesk::clock::ManualClock;
use fakedesk::config::RunConfig;
use fakedesk::server::Harness;
use fakedesk::vendors::Vendor;
use proptest::prelude::*;
use serde_json::{Value, json};
use time::macros::datetime;

use crate::common::oneshot;

const BOT: &str = "fakedeskbot@msging.net";
const DESK: &str = "postmaster@desk.msging.net";
const CRM: &str = "postmaster@crm.msging.net";

#[derive(Debug, Clone)]
enum Op {
    SetAttendant(usize, usize),
    DeleteAttendant(usize),
    SetRule(usize, usize),
    DeleteRule(usize),
    SetContact(usize),
    DeleteContact(usize),
    Comment(usize),
    DeleteComment(usize, usize),
    SetBucket(usize),
    DeleteBucket(usize),
    Ticket(usize),
    Status(usize, usize),
    Track(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let n = || 0usize..3;
    prop_oneof![
        (n(), n()).prop_map(|(a, t)| Op::SetAttendant(a, t)),
        n().prop_map(Op::DeleteAttendant),
        (n(), n()).prop_map(|(r, t)| Op::SetRule(r, t)),
        n().prop_map(Op::DeleteRule),
        // Contacts and their comments on two identities, so they meet often.
        (0usize..2).prop_map(Op::SetContact),
        (0usize..2).prop_map(Op::DeleteContact),
        (0usize..2).prop_map(Op::Comment),
        (0usize..2).prop_map(Op::Comment),
        (n(), n()).prop_map(|(c, i)| Op::DeleteComment(c, i)),
        n().prop_map(Op::SetBucket),
        n().prop_map(Op::DeleteBucket),
        n().prop_map(Op::Ticket),
        (0usize..6, n()).prop_map(|(t, s)| Op::Status(t, s)),
        n().prop_map(Op::Track),
    ]
}

fn agent(n: usize) -> String {
    format!("agent{n}%40x.com@blip.ai")
}

fn customer(n: usize) -> String {
    format!("55{n}@wa.gw.msging.net")
}

fn command(op: &Op, tickets: &[String], comments: &[(usize, String)]) -> Value {
    let c = |to: &str, m: &str, uri: String, t: Option<(&str, Value)>| {
        let mut v = json!({"id": "p", "to": to, "method": m, "uri": uri});
        if let Some((t, r)) = t {
            v["type"] = json!(t);
            v["resource"] = r;
        }
        v
    };
    let team = |t: usize| format!("Team{t}");
    match op {
        Op::SetAttendant(a, t) => c(
            DESK,
            "set",
            "/attendants".into(),
            Some((
                "application/vnd.iris.desk.attendant+json",
                json!({"identity": agent(*a), "teams": [team(*t)], "status": "Online"}),
            )),
        ),
        Op::DeleteAttendant(a) => c(
            DESK,
            "delete",
            format!("/attendants/{}", agent(*a).replace('%', "%25")),
            None,
        ),
        Op::SetRule(r, t) => c(
            DESK,
            "set",
            "/rules".into(),
            Some((
                "application/vnd.iris.desk.rule+json",
                json!({"id": format!("r{r}"), "title": "T", "team": team(*t)}),
            )),
        ),
        Op::DeleteRule(r) => c(DESK, "delete", format!("/rules/r{r}"), None),
        Op::SetContact(n) => c(
            CRM,
            "set",
            "/contacts".into(),
            Some((
                "application/vnd.lime.contact+json",
                json!({"identity": customer(*n), "name": "N"}),
            )),
        ),
        Op::DeleteContact(n) => c(CRM, "delete", format!("/contacts/{}", customer(*n)), None),
        Op::Comment(n) => c(
            CRM,
            "set",
            format!("/contacts/{}/comments", customer(*n)),
            Some((
                "application/vnd.iris.crm.comment+json",
                json!({"content": "x"}),
            )),
        ),
        Op::DeleteComment(n, i) => {
            let id = comments.get(*i).map_or("none", |(_, id)| id.as_str());
            c(
                CRM,
                "delete",
                format!("/contacts/{}/comments/{id}", customer(*n)),
                None,
            )
        }
        Op::SetBucket(k) => c(
            "postmaster@msging.net",
            "set",
            format!("/buckets/k{k}"),
            Some(("application/json", json!({"k": k}))),
        ),
        Op::DeleteBucket(k) => c(
            "postmaster@msging.net",
            "delete",
            format!("/buckets/k{k}"),
            None,
        ),
        Op::Ticket(n) => c(
            DESK,
            "set",
            "/tickets".into(),
            Some((
                "application/vnd.iris.ticket+json",
                json!({"customerIdentity": customer(*n)}),
            )),
        ),
        Op::Status(t, s) => {
            let id = tickets.get(*t).cloned().unwrap_or_default();
            let status = ["Open", "ClosedAttendant", "ClosedClient"][*s];
            c(
                DESK,
                "set",
                "/tickets/change-status".into(),
                Some((
                    "application/vnd.iris.ticket+json",
                    json!({"id": id, "status": status, "agentIdentity": agent(0)}),
                )),
            )
        }
        Op::Track(k) => c(
            "postmaster@analytics.msging.net",
            "set",
            "/event-track".into(),
            Some((
                "application/vnd.iris.eventTrack+json",
                json!({"category": format!("c{k}"), "action": "a"}),
            )),
        ),
    }
}

fn fake() -> (Router, Arc<dyn Vendor>, String) {
    let config = RunConfig::ephemeral();
    let key = format!("Key {}", config.blip.bots[0].key);
    let clock = Arc::new(ManualClock::new(datetime!(2024-02-08 17:44:38 UTC)));
    let harness = Harness::new(config, clock).expect("valid");
    let vendor = harness.vendor("blip").expect("blip is registered");
    (harness.vendor_app(vendor), vendor.clone(), key)
}

async fn run(router: &Router, key: &str, c: &Value) -> Value {
    let req = Request::post("/commands")
        .header("host", "http.msging.test")
        .header("authorization", key)
        .header("content-type", "application/json")
        .body(Body::from(c.to_string()))
        .expect("request");
    let r = oneshot(router, req).await;
    assert_eq!(r.status, 200, "{c} -> {}", r.text);
    r.json
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

fn listed(r: &Value, field: Option<&str>) -> BTreeSet<String> {
    r["resource"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| match field {
            Some(f) => i[f].as_str().unwrap().to_owned(),
            None => i.as_str().unwrap().to_owned(),
        })
        .collect()
}

async fn check(router: &Router, vendor: &dyn Vendor, key: &str) -> Result<(), TestCaseError> {
    let q = |to: &str, uri: &str| json!({"id": "q", "to": to, "method": "get", "uri": uri});
    let state = vendor.state();
    let ext = &state["extensions"];
    let att = run(router, key, &q(DESK, "/attendants?$take=1000")).await;
    prop_assert_eq!(
        listed(&att, Some("identity")),
        keys(&ext["desk"]["attendants"][BOT])
    );
    let teams = listed(&run(router, key, &q(DESK, "/teams")).await, Some("name"));
    for a in att["resource"]["items"].as_array().unwrap() {
        for t in a["teams"].as_array().unwrap() {
            prop_assert!(
                teams.contains(t.as_str().unwrap()),
                "{} not in {:?}",
                t,
                teams
            );
        }
    }
    for (_, rule) in ext["desk"]["rules"][BOT].as_object().into_iter().flatten() {
        prop_assert!(teams.contains(rule["team"].as_str().unwrap()));
    }
    let contacts = run(router, key, &q(CRM, "/contacts?$take=1000")).await;
    let contact_ids = listed(&contacts, Some("identity"));
    prop_assert_eq!(&contact_ids, &keys(&ext["contacts"]["contacts"][BOT]));
    for c in keys(&ext["contacts"]["comments"][BOT]) {
        prop_assert!(contact_ids.contains(&c), "comments of {} outlive it", c);
    }
    let buckets = run(router, key, &q("postmaster@msging.net", "/buckets")).await;
    prop_assert_eq!(listed(&buckets, None), keys(&ext["buckets"][BOT]));
    let counters = run(router, key, &q(DESK, "/monitoring/tickets")).await;
    let n = |k: &str| counters["resource"][k].as_u64().unwrap();
    let held = state["tickets"].as_object().unwrap().len() as u64;
    prop_assert_eq!(
        n("waiting") + n("open") + n("closed") + n("transferred"),
        held
    );
    let monitored = run(router, key, &q(DESK, "/monitoring/attendants")).await;
    let opened: u64 = monitored["resource"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["openedTickets"].as_u64().unwrap())
        .sum();
    prop_assert_eq!(opened, n("open"));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_command_sequences_keep_blips_invariants(ops in proptest::collection::vec(op(), 1..25)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let (router, vendor, key) = fake();
        let mut tickets: Vec<String> = Vec::new();
        let mut comments: Vec<(usize, String)> = Vec::new();
        for op in &ops {
            let c = command(op, &tickets, &comments);
            let r = rt.block_on(run(&router, &key, &c));
            prop_assert!(r["status"] == "success" || r["reason"]["code"].is_i64(), "{} -> {}", c, r);
            if let (Op::Ticket(_), "success") = (op, r["status"].as_str().unwrap_or("")) {
                tickets.push(r["resource"]["id"].as_str().unwrap().to_owned());
            }
            if let (Op::Comment(n), "success") = (op, r["status"].as_str().unwrap_or("")) {
                comments.push((*n, r["resource"]["id"].as_str().unwrap().to_owned()));
            }
        }
        rt.block_on(check(&router, vendor.as_ref(), &key))?;
    }
}
