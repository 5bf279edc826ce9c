//! The engine on its own: steps planned, replies judged, the journal and a vendor's
//! state looked at, with made-up entries and instants. No socket, no file, no wait.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use time::macros::datetime;

use super::*;
use crate::journal::{Body, Direction, Entry, Exchange, Headers, RequestRecord, ResponseRecord};

fn step(v: Value) -> Step {
    serde_json::from_value(v).expect("a step")
}

fn engine() -> Engine {
    let mut scope = Scope::new();
    scope.set("t", json!({"body": {"id": 7}}));
    Engine::new(scope)
}

fn entry(seq: u64, method: &str, path: &str, status: u16) -> Arc<Entry> {
    let x = Exchange {
        vendor: "acme",
        direction: Direction::Inbound,
        request: RequestRecord {
            method: method.to_owned(),
            path: path.to_owned(),
            query: None,
            headers: Headers::default(),
            body: Body::default(),
            truncated: false,
            account: None,
        },
        response: Some(ResponseRecord {
            status,
            headers: Headers::default(),
            body: Body::default(),
        }),
        error: None,
        outbound: None,
        started_at: datetime!(2026-01-01 00:00:00 UTC),
        duration_us: 0,
        fault: None,
        unmatched: false,
    };
    Arc::new(Entry::new(seq, x))
}

fn reply(status: u16, body: Value) -> Done {
    Done::Reply(Reply {
        status,
        headers: json!({}),
        body,
    })
}

fn perform(plan: Plan) -> Action {
    match plan {
        Plan::Perform(a) => a,
        other => panic!("expected an action, got {other:?}"),
    }
}

fn watch(plan: Plan) -> Watch {
    match plan {
        Plan::Watch(w) => w,
        other => panic!("expected a watch, got {other:?}"),
    }
}

#[test]
fn a_call_is_planned_filled_in_with_its_body_type_and_seeded_auth() {
    let e = engine();
    let s =
        step(json!({"call": "acme", "path": "/items/${t.body.id}", "body": {"n": "${t.body.id}"}}));
    let Action::Call(c) = perform(e.plan(&s, Instant::now()).unwrap()) else {
        panic!("not a call");
    };
    assert_eq!(
        c,
        HttpCall {
            vendor: "acme".into(),
            method: "POST".into(),
            path: "/items/7".into(),
            headers: vec![("content-type".into(), "application/json".into())],
            seeded_auth: true,
            body: Some(r#"{"n":7}"#.into()),
        }
    );
    let s = step(
        json!({"call": "acme", "path": "/x", "method": "put", "body": "a=1",
        "headers": {"Authorization": "Bearer x", "Content-Type": "text/xml"}}),
    );
    let Action::Call(c) = perform(e.plan(&s, Instant::now()).unwrap()) else {
        panic!("not a call");
    };
    assert_eq!((c.method.as_str(), c.seeded_auth), ("PUT", false));
    assert_eq!(
        c.headers.len(),
        2,
        "no second content type: {:?}",
        c.headers
    );
    assert_eq!(c.body.as_deref(), Some("a=1"));
}

#[test]
fn bad_methods_and_unknown_names_fail_before_anything_is_sent() {
    let e = engine();
    let s = step(json!({"call": "acme", "path": "/x", "method": "GE T"}));
    assert!(matches!(e.plan(&s, Instant::now()), Err(StepError::NotAMethod(m)) if m == "GE T"));
    let s = step(json!({"call": "acme", "path": "/${nope.id}"}));
    let err = e.plan(&s, Instant::now()).unwrap_err();
    assert!(matches!(err, StepError::Interp(_)), "{err:?}");
}

#[test]
fn a_call_reply_is_captured_and_judged_by_its_status() {
    let mut e = engine();
    let s = step(json!({"call": "acme", "path": "/x", "status": 201, "as": "r"}));
    let a = perform(e.plan(&s, Instant::now()).unwrap());
    e.settle(&s, &a, reply(201, json!({"id": 9}))).unwrap();
    assert_eq!(e.scope().lookup("r.body.id").unwrap(), json!(9));
    let err = e
        .settle(&s, &a, reply(422, json!({"error": "no"})))
        .unwrap_err();
    assert!(matches!(err, StepError::Status { got: 422, .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("expected status 201, got 422\nreply body:\n  {")
    );
    // The failed reply is captured too, for the steps a reader looks at next.
    assert_eq!(e.scope().lookup("r.status").unwrap(), json!(422));
    let any = step(json!({"call": "acme", "path": "/x"}));
    let err = e.settle(&any, &a, reply(500, Value::Null)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected a 2xx status, got 500\nreply body:\n  null"
    );
}

#[test]
fn a_send_runs_the_vendor_action_and_a_refusal_names_it() {
    let mut e = engine();
    let s = step(json!({"send": "acme.ping", "with": {"id": "${t.body.id}"}, "as": "p"}));
    let a = perform(e.plan(&s, Instant::now()).unwrap());
    let Action::Send(call) = &a else {
        panic!("not a send")
    };
    assert_eq!(
        call,
        &ActionCall {
            vendor: "acme".into(),
            action: "ping".into(),
            args: json!({"id": 7})
        }
    );
    e.settle(&s, &a, reply(200, json!({"ok": true}))).unwrap();
    assert_eq!(e.scope().lookup("p.ok").unwrap(), json!(true));
    let err = e
        .settle(&s, &a, reply(400, json!({"error": "bad"})))
        .unwrap_err();
    assert!(
        err.to_string().starts_with("acme refused `ping` (400):\n"),
        "{err}"
    );
}

#[test]
fn an_expect_waits_until_its_exchange_is_journaled_then_takes_it() {
    let mut e = engine();
    let t0 = Instant::now();
    let s = step(json!({"expect": "acme", "method": "POST", "path": "/items", "as": "x"}));
    let w = watch(e.plan(&s, t0).unwrap());
    assert_eq!(w.deadline(), t0 + DEFAULT_WITHIN);
    let early = [entry(1, "GET", "/items", 200)];
    assert!(matches!(
        e.look(&w, View::Journal(&early), t0),
        Look::Waiting
    ));
    let later = [
        entry(1, "GET", "/items", 200),
        entry(2, "POST", "/items", 201),
    ];
    assert!(matches!(
        e.look(&w, View::Journal(&later), t0),
        Look::Passed
    ));
    assert_eq!(e.scope().lookup("x.status").unwrap(), json!(201));
    assert_eq!(e.scope().lookup("x.seq").unwrap(), json!(2));
    // Each exchange is matched once: the same expect again finds nothing new.
    let again = watch(e.plan(&s, t0).unwrap());
    let late = t0 + DEFAULT_WITHIN;
    let Look::Failed(err) = e.look(&again, View::Journal(&later), late) else {
        panic!("an exchange matched twice");
    };
    assert!(matches!(err, StepError::Expectation(_)), "{err:?}");
}

#[test]
fn expecting_none_passes_at_the_deadline_and_fails_on_the_first_match() {
    let mut e = engine();
    let t0 = Instant::now();
    let s = step(json!({"expect": "acme", "path": "/boom", "count": 0, "within": "1s"}));
    let w = watch(e.plan(&s, t0).unwrap());
    let none: [Arc<Entry>; 0] = [];
    assert!(matches!(
        e.look(&w, View::Journal(&none), t0),
        Look::Waiting
    ));
    let at = t0 + Duration::from_secs(1);
    assert!(matches!(e.look(&w, View::Journal(&none), at), Look::Passed));
    let boom = [entry(1, "GET", "/boom", 500)];
    assert!(matches!(
        e.look(&w, View::Journal(&boom), t0),
        Look::Failed(StepError::Expectation(_))
    ));
}

#[test]
fn an_assert_looks_once_without_within_and_explains_the_difference() {
    let mut e = engine();
    let t0 = Instant::now();
    let s = step(
        json!({"assert": "acme", "match": {"items": [{"id": "${t.body.id}", "status": "open"}]}}),
    );
    let w = watch(e.plan(&s, t0).unwrap());
    assert_eq!(w.state_of(), Some("acme"));
    let open = json!({"items": [{"id": 7, "status": "open"}]});
    assert!(matches!(e.look(&w, View::State(&open), t0), Look::Passed));
    let closed = json!({"items": [{"id": 7, "status": "closed"}]});
    let Look::Failed(err) = e.look(&w, View::State(&closed), t0) else {
        panic!("a mismatch passed");
    };
    let text = err.to_string();
    assert!(text.starts_with("acme's state does not match:\n"), "{text}");
    assert!(text.contains("\"status\": \"closed\""), "{text}");
    let patient = step(json!({"assert": "acme", "match": {"n": 1}, "within": "2s"}));
    let w = watch(e.plan(&patient, t0).unwrap());
    let zero = json!({"n": 0});
    assert!(matches!(e.look(&w, View::State(&zero), t0), Look::Waiting));
}

#[test]
fn waits_clock_moves_and_fault_clears_are_actions_and_a_missing_rule_fails() {
    let mut e = engine();
    let now = Instant::now();
    let wait = step(json!({"wait": "250ms"}));
    assert!(
        matches!(perform(e.plan(&wait, now).unwrap()), Action::Sleep(d) if d == Duration::from_millis(250))
    );
    let advance = step(json!({"advance": "2h"}));
    assert!(
        matches!(perform(e.plan(&advance, now).unwrap()), Action::Advance(d) if d == Duration::from_secs(7200))
    );
    let clear = step(json!({"fault": {"clear": "slow"}}));
    let a = perform(e.plan(&clear, now).unwrap());
    assert!(matches!(
        e.settle(&clear, &a, Done::Removed(0)),
        Err(StepError::NoSuchFault(n)) if n == "slow"
    ));
    assert!(e.settle(&clear, &a, Done::Removed(2)).is_ok());
    let all = step(json!({"fault": {"clear": "*"}}));
    let a = perform(e.plan(&all, now).unwrap());
    assert!(e.settle(&all, &a, Done::Removed(0)).is_ok());
}

#[test]
fn labels_name_the_step_with_its_names_filled_in() {
    let e = engine();
    let s = step(json!({"call": "acme", "path": "/items/${t.body.id}", "body": {}}));
    assert_eq!(e.label(&s), "call acme POST /items/7");
    let s =
        step(json!({"expect": "acme", "direction": "outbound", "method": "post", "name": "hook"}));
    assert_eq!(e.label(&s), "hook (expect acme outbound POST)");
}
