//! `fakedesk fuzz` against live receivers on 127.0.0.1: the example receiver with
//! planted bugs (found and shrunk to the minimal payload), the same receiver fixed
//! (bounded runs pass), a hanging receiver (the bounds hold), the replay scenario
//! (fails while the bug is there, passes once fixed), the binary, and the requests
//! themselves checked against the vendors' documented signing.
//! Every run is bounded in cases and time.

use std::net::SocketAddr;
use std::time::Duration;

use base64::Engine as _;
use fakedesk::fuzz::case::Mutation;
use fakedesk::fuzz::run::{self, Mode, Options, Report};
use fakedesk::fuzz::target::{self, Keys, TARGETS};
use fakedesk::outbound::Outcome;
use hmac::{Hmac, KeyInit, Mac};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::common::SLACK;

#[path = "../../examples/webhook_receiver.rs"]
#[allow(dead_code)]
mod receiver;

/// Serves `router` on 127.0.0.1, port chosen by the OS.
async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

async fn receiver(fixed: bool) -> SocketAddr {
    serve(receiver::router(receiver::Settings::from_env(fixed))).await
}

fn options(payload: &str, url: String, mode: Mode, seed: u64, cases: u32) -> Options {
    Options {
        target: target::find(payload).unwrap(),
        url,
        mode,
        expect: None,
        seed,
        cases,
        timeout: Duration::from_secs(5),
        max_time: Duration::from_secs(60),
        max_shrink_iters: 2000,
        keys: Keys::default(),
        headers: Vec::new(),
        trust: Default::default(),
    }
}

/// Runs the fuzzing off the async executor, as the binary does.
async fn fuzz(opts: Options) -> Report {
    tokio::task::spawn_blocking(move || run::run(&opts, &mut |_| {}).unwrap())
        .await
        .unwrap()
}

fn minimal_payload(r: &Report) -> Value {
    let f = r.failure.as_ref().expect("a failure");
    serde_json::from_slice(&f.minimal.rendered.body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planted_parser_bug_is_found_and_shrunk_to_an_empty_message_parts() {
    let addr = receiver(false).await;
    let url = format!("http://{addr}/freshchat");
    let report = fuzz(options(
        "freshchat.message_create",
        url.clone(),
        Mode::Valid,
        11,
        256,
    ))
    .await;
    let f = report.failure.as_ref().expect("the planted bug is found");
    assert!(report.cases_run <= 256);
    // The handler panicked: the connection dropped without an answer.
    assert!(
        matches!(&f.minimal.outcome, Outcome::Failed(_)),
        "{:?}",
        f.minimal.outcome
    );
    let m = minimal_payload(&report);
    let message = &m["data"]["message"];
    assert_eq!(message["message_parts"], json!([]), "{m:#}");
    // Minimal: every field the vendor may leave out is gone, ids and times are the
    // smallest the generators make.
    for optional in [
        "org_actor_id",
        "message_type",
        "message_source",
        "freshchat_conversation_id",
    ] {
        assert!(message.get(optional).is_none(), "{optional} left in {m:#}");
    }
    assert_eq!(message["id"], "00000000-0000-4000-8000-000000000000");
    assert_eq!(m["action_time"], "2015-01-01T00:00:00.000Z");
    // It is still a payload Freshchat could send: the receiver's own fixed version
    // accepts it.
    let fixed = receiver(true).await;
    let res = reqwest::Client::new()
        .post(format!("http://{fixed}/freshchat"))
        .headers(f.minimal.request.headers.clone())
        .body(f.minimal.rendered.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // The same seed finds the same minimal case.
    let again = fuzz(options(
        "freshchat.message_create",
        url,
        Mode::Valid,
        11,
        256,
    ))
    .await;
    assert_eq!(
        again.failure.unwrap().minimal.rendered.body,
        f.minimal.rendered.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_hostile_mode_a_bug_of_the_plain_payload_is_reported_without_a_mutation() {
    // The buggy Freshchat handler also fails on some mutated payloads, but the
    // mutation has nothing to do with it: shrinking drops it.
    let addr = receiver(false).await;
    let report = fuzz(options(
        "freshchat.message_create",
        format!("http://{addr}/freshchat"),
        Mode::Hostile,
        21,
        256,
    ))
    .await;
    let f = report.failure.as_ref().expect("the planted bug is found");
    assert_eq!(f.minimal.case.mutation, None);
    assert_eq!(
        minimal_payload(&report)["data"]["message"]["message_parts"],
        json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_mode_finds_a_receiver_that_takes_stale_signatures() {
    let addr = receiver(false).await;
    let report = fuzz(options(
        "zendesk.webhook",
        format!("http://{addr}/zendesk"),
        Mode::Hostile,
        5,
        256,
    ))
    .await;
    let f = report
        .failure
        .as_ref()
        .expect("the stale signature is found");
    // Shrunk to the youngest stale signature and the smallest payload.
    assert_eq!(
        f.minimal.case.mutation,
        Some(Mutation::StaleTimestamp { age_secs: 301 })
    );
    let Outcome::Answered(a) = &f.minimal.outcome else {
        panic!("{:?}", f.minimal.outcome)
    };
    assert_eq!(a.status, 200);
    let sent = f.minimal.request.headers["x-zendesk-webhook-signature-timestamp"]
        .to_str()
        .unwrap();
    let age = time::OffsetDateTime::now_utc()
        - time::OffsetDateTime::parse(sent, &time::format_description::well_known::Rfc3339)
            .unwrap();
    assert!(age.whole_seconds() >= 301, "{sent}");
}

/// Where the example receiver takes each payload.
fn route(payload: &str) -> &'static str {
    match payload {
        "smartsupp.hook" => "smartsupp/hook",
        "smartsupp.webhook" => "smartsupp/webhook",
        p => match p.split('.').next().unwrap() {
            "zendesk" => "zendesk",
            "freshchat" => "freshchat",
            "blip" => "blip",
            "braze" => "braze",
            "ferndesk" => "ferndesk",
            other => panic!("no route for {other}"),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_receiver_passes_bounded_runs_of_every_payload_in_both_modes() {
    let addr = receiver(true).await;
    for t in TARGETS {
        for mode in [Mode::Valid, Mode::Hostile] {
            let url = format!("http://{addr}/{}", route(t.name));
            let report = fuzz(options(t.name, url, mode, 3, 24)).await;
            assert!(
                report.failure.is_none(),
                "{} {mode:?}: {:?}",
                t.name,
                report
                    .failure
                    .map(|f| (f.minimal.rendered.mutation, f.minimal.outcome))
            );
            assert_eq!(
                (report.cases_run, report.requests),
                (24, 24),
                "{} {mode:?}",
                t.name
            );
            assert!(!report.out_of_time);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_null_the_vendor_really_sends_is_found_and_the_rest_shrunk_away() {
    let addr = receiver(false).await;
    let report = fuzz(options(
        "smartsupp.hook",
        format!("http://{addr}/smartsupp/hook"),
        Mode::Valid,
        8,
        256,
    ))
    .await;
    let m = minimal_payload(&report);
    assert_eq!(m["visitor"]["email"], Value::Null, "{m:#}");
    // Everything else shrunk away: no pages, every typed message empty, the
    // smallest ids and times.
    assert_eq!(m["paths"], json!([]), "{m:#}");
    for msg in m["messages"].as_array().unwrap() {
        if msg["type"] != "system" {
            assert_eq!(msg["content"], "", "{m:#}");
        }
    }
    assert_eq!(
        (&m["accountId"], &m["beginAt"]),
        (&json!(1), &json!(1_420_070_400_000u64)),
        "{m:#}"
    );
    // A visitor who gave an e-mail address is fine, even with the buggy receiver.
    let mut with_email = m.clone();
    with_email["visitor"]["email"] = json!("a@example.com");
    let res = reqwest::Client::new()
        .post(format!("http://{addr}/smartsupp/hook"))
        .json(&with_email)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_receiver_is_a_failure_and_the_run_keeps_to_its_bounds() {
    use axum::routing::post;
    let hang = axum::Router::new().route(
        "/",
        post(|| async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            "late"
        }),
    );
    let addr = serve(hang).await;
    let mut opts = options(
        "freshchat.webhook",
        format!("http://{addr}/"),
        Mode::Valid,
        1,
        256,
    );
    opts.timeout = Duration::from_millis(300);
    opts.max_time = Duration::from_secs(2);
    let started = std::time::Instant::now();
    let report = fuzz(opts).await;
    let took = started.elapsed();
    let f = report.failure.as_ref().expect("a hang fails");
    assert_eq!(f.first.outcome, Outcome::TimedOut);
    // Every shrinking step waits for the timeout too, so max-time ends the run.
    assert!(report.out_of_time);
    assert!(took < Duration::from_secs(2) + SLACK, "{took:?}");
    assert!(report.requests <= 2_000 / 300 + 2, "{}", report.requests);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replay_scenario_fails_while_the_bug_is_there_and_passes_once_fixed() {
    use fakedesk::fuzz::replay::{ReplayInfo, scenario};
    use fakedesk::scenario::load;
    use fakedesk::scenario::report::Outcome as Verdict;
    use fakedesk::scenario::run::{RunOptions, run as run_scenario};

    let buggy = receiver(false).await;
    let fixed = receiver(true).await;
    let report = fuzz(options(
        "freshchat.webhook",
        format!("http://{buggy}/freshchat"),
        Mode::Valid,
        2,
        256,
    ))
    .await;
    let f = report.failure.expect("the planted bug is found");
    let text = scenario(
        &ReplayInfo {
            target: "freshchat.webhook",
            mode: Mode::Valid,
            seed: 2,
            expect: "2xx",
            why: "did not answer",
            secret: None,
            secret_from_env: false,
            private_key: None,
            headers: &[],
            timeout_ms: 5000,
        },
        &f.minimal,
    );
    let dir = std::env::temp_dir().join(format!("fakedesk-fuzz-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let outcome = |yaml: String, name: &str| {
        let path = dir.join(name);
        std::fs::write(&path, yaml).unwrap();
        let loaded = load::load(&path).unwrap_or_else(|e| panic!("{e}"));
        async move {
            let (_tx, cancel) = watch::channel(false);
            let r = run_scenario(
                &loaded,
                &RunOptions {
                    update_snapshots: false,
                    ..RunOptions::default()
                },
                cancel,
            )
            .await;
            let shown =
                fakedesk::scenario::report::render(&r, fakedesk::scenario::report::Paint(false));
            (r.outcome, shown)
        }
    };
    let (verdict, shown) = outcome(text.clone(), "buggy.yaml").await;
    assert!(matches!(verdict, Verdict::Failed(_)), "{shown}");
    assert!(shown.contains("did not answer"), "{shown}");
    let (verdict, shown) = outcome(
        text.replace(&buggy.to_string(), &fixed.to_string()),
        "fixed.yaml",
    )
    .await;
    assert_eq!(verdict, Verdict::Passed, "{shown}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// HMAC-SHA256, computed here with the `hmac` crate directly.
fn hmac(secret: &str, parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

#[test]
fn every_payload_goes_out_signed_as_its_vendor_documents() {
    let mut runner = TestRunner::deterministic();
    let now = time::macros::datetime!(2021-07-25 10:00:00 UTC);
    for t in TARGETS {
        for _ in 0..8 {
            let payload = (t.generate)().new_tree(&mut runner).unwrap().current();
            let body = bytes::Bytes::from(serde_json::to_vec(&payload).unwrap());
            let req = t.request(&Keys::default(), "http://127.0.0.1:1/h", body.clone(), now);
            let h = |name: &str| {
                req.headers
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_owned())
                    .unwrap_or_else(|| panic!("{}: no {name}", t.name))
            };
            assert_eq!(req.method, "POST", "{}", t.name);
            assert_eq!(req.body, body, "{}", t.name);
            assert_eq!(h("content-type"), "application/json", "{}", t.name);
            let vendor = t.name.split('.').next().unwrap();
            match vendor {
                // REFERENCE 1.11: base64(HMAC-SHA256(secret, timestamp + body)) with the
                // docs' test secret; the headers every invocation carries.
                "zendesk" => {
                    assert_eq!(
                        h("x-zendesk-webhook-signature-timestamp"),
                        "2021-07-25T10:00:00Z"
                    );
                    let want = base64::engine::general_purpose::STANDARD.encode(hmac(
                        "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==",
                        &[b"2021-07-25T10:00:00Z", &body],
                    ));
                    assert_eq!(h("x-zendesk-webhook-signature"), want);
                    assert_eq!(h("user-agent"), "Zendesk Webhook");
                    assert!(h("x-zendesk-account-id").parse::<u64>().is_ok());
                    assert_eq!(h("x-zendesk-webhook-id").len(), 26);
                    assert_eq!(h("x-zendesk-webhook-invocation-id").len(), 26);
                }
                // REFERENCE 3.8: RSA PKCS#1 v1.5 SHA-256 over the body, verified here
                // with the `openssl`-compatible public PEM the README hands out.
                "freshchat" => {
                    let pem = target::test_public_key_pem();
                    assert!(pem.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
                    assert!(fakedesk::vendors::freshchat::webhook::verify(
                        &pem,
                        &body,
                        &h("x-freshchat-signature")
                    ));
                    assert_eq!(h("x-retry-count"), "0");
                    assert_eq!(h("x-freshchat-payload-version"), "1");
                }
                // REFERENCE 5.3: hex HMAC-SHA256 of the body; the POST hook is unsigned.
                "smartsupp" if t.name == "smartsupp.webhook" => {
                    let want: String = hmac("YOUR_CLIENT_SECRET", &[&body])
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect();
                    assert_eq!(h("x-smartsupp-hmac"), want);
                }
                // REFERENCE 6.4: the channel's key in Authorization (name configurable).
                "blip" => assert_eq!(h("authorization"), "fakedesk-channel-key"),
                // REFERENCE 2.4: Braze does not sign; it adds its User-Agent.
                "braze" => {
                    assert!(h("user-agent").starts_with("Braze Sender "));
                    assert!(req.headers.len() == 2, "{:?}", req.headers);
                }
                _ => assert_eq!(req.headers.len(), 1, "{}: {:?}", t.name, req.headers),
            }
        }
    }
}

#[test]
fn the_bundled_test_key_verifies_with_the_openssl_command_line() {
    // Independent of the crate's RSA code: openssl checks a signature made with the
    // test key against the public key `fakedesk fuzz --list` prints.
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        eprintln!("openssl not installed; skipped");
        return;
    }
    let dir = std::env::temp_dir().join(format!("fakedesk-fuzz-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = br#"{"action":"message_create"}"#;
    let sig = base64::engine::general_purpose::STANDARD
        .decode(target::test_key().sign(body))
        .unwrap();
    std::fs::write(dir.join("pub.pem"), target::test_public_key_pem()).unwrap();
    std::fs::write(dir.join("body"), body).unwrap();
    std::fs::write(dir.join("sig"), sig).unwrap();
    let out = std::process::Command::new("openssl")
        .current_dir(&dir)
        .args(["dgst", "-sha256", "-verify"])
        .arg("pub.pem")
        .args(["-signature", "sig", "body"])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Verified OK"),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reports_shrinks_writes_the_replay_and_uses_its_exit_codes() {
    let buggy = receiver(false).await;
    let dir = std::env::temp_dir().join(format!("fakedesk-fuzz-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = env!("CARGO_BIN_EXE_fakedesk");
    let run = |args: Vec<String>| {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(bin)
                .current_dir(dir)
                .args(args)
                .output()
                .unwrap()
        })
    };
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();

    let list = run(s(&["fuzz", "--list"])).await.unwrap();
    assert!(list.status.success());
    let text = String::from_utf8_lossy(&list.stdout);
    for t in TARGETS {
        assert!(text.contains(t.name), "{} missing from --list", t.name);
    }
    assert!(text.contains(&target::test_public_key_pem()));

    let url = format!("http://{buggy}/freshchat");
    let out = run(s(&[
        "fuzz",
        "freshchat.message_create",
        "--target",
        &url,
        "--seed",
        "4",
        "--cases",
        "200",
        "--max-time",
        "60s",
        "--replay",
        "found.yaml",
    ]))
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAILED: freshchat.message_create"),
        "{stdout}"
    );
    assert!(stdout.contains("\"message_parts\": []"), "{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.contains("1 failure, seed 4,") && last.contains("req/s"),
        "{last}"
    );
    assert!(dir.join("found.yaml").exists());
    let replay = run(s(&["run", "found.yaml"])).await.unwrap();
    assert_eq!(
        replay.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&replay.stdout)
    );

    // A fixed receiver: exit 0, and the summary counts the cases.
    let fixed = receiver(true).await;
    let url = format!("http://{fixed}/freshchat");
    let out = run(s(&[
        "fuzz",
        "freshchat.webhook",
        "--target",
        &url,
        "--seed",
        "4",
        "--cases",
        "20",
    ]))
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("20 cases run, 0 failures, seed 4"),
        "{stdout}"
    );

    // Nothing listening, or a payload that does not exist: exit 2, with a reason.
    let closed = crate::common::unused_port();
    let out = run(s(&[
        "fuzz",
        "freshchat.webhook",
        "--target",
        &format!("http://127.0.0.1:{closed}/"),
    ]))
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the target"));
    let out = run(s(&[
        "fuzz",
        "freshchat.webhook",
        "--target",
        "ftp://127.0.0.1:1/",
    ]))
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an http:// or https:// URL"));
    let out = run(s(&["fuzz", "freshchat.webhok", "--target", &url]))
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `freshchat.webhook`"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_time_ends_a_long_run_promptly_and_says_so() {
    let addr = receiver(true).await;
    let mut opts = options(
        "zendesk.webhook",
        format!("http://{addr}/zendesk"),
        Mode::Valid,
        5,
        1_000_000,
    );
    opts.max_time = Duration::from_millis(2200);
    let started = std::time::Instant::now();
    let (report, opts, progress) = tokio::task::spawn_blocking(move || {
        let mut progress = 0;
        let report = run::run(&opts, &mut |e| {
            if matches!(e, run::Event::Progress { .. }) {
                progress += 1;
            }
        })
        .unwrap();
        (report, opts, progress)
    })
    .await
    .unwrap();
    let took = started.elapsed();
    // Generation stops at the deadline instead of drawing every remaining case.
    assert!(took < Duration::from_millis(3200), "{took:?}");
    // A progress report at most once a second.
    assert!((1..=2).contains(&progress), "{progress}");
    assert!(report.out_of_time && report.aborted.is_none() && report.failure.is_none());
    assert!(report.cases_run > 0 && report.cases_run < 1_000_000);
    let summary = fakedesk::fuzz::command::summary(&opts, &report);
    assert!(summary.contains("stopped by --max-time"), "{summary}");
}

/// A vendor's generators through the fuzzer's cases: Freshchat's events, signed
/// with its bundled key.
mod freshchat_cases {
    use fakedesk::fuzz::case::{Signing, hostile};
    use fakedesk::vendors::freshchat::fuzz::{SCHEME, test_key, webhook};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the mutation of a Freshchat event, rendering never panics, every
        /// mutation but a signature one changes the bytes, and the signature ones
        /// leave them as they are.
        #[test]
        fn rendering_any_mutation_of_an_event_is_total(c in hostile(webhook(), &SCHEME)) {
            let r = c.render();
            let plain = serde_json::to_vec(&c.payload).unwrap();
            match (&c.mutation, r.signing) {
                (None, _) => prop_assert_eq!(r.body, plain),
                (Some(_), Signing::Valid) => prop_assert_ne!(r.body, plain),
                (Some(_), _) => prop_assert_eq!(r.body, plain),
            }
            prop_assert_eq!(r.mutation.is_empty(), c.mutation.is_none());
        }
    }

    #[test]
    fn the_bundled_key_is_the_one_fuzzing_lists() {
        let listed = fakedesk::fuzz::target::test_public_key_pem();
        assert_eq!(listed, test_key().public_pem());
        assert!(listed.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
    }
}
