//! Running scenarios: the shipped examples with their snapshots, what failures say,
//! snapshots written and compared, the SUT's lifecycle, and `fakedesk run` itself.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fakedesk::scenario::load;
use fakedesk::scenario::report::{Outcome, Paint, ScenarioReport, StepStatus, render};
use fakedesk::scenario::run::{RunOptions, run};
use tokio::sync::watch;

use crate::common::{SLACK, assert_gone};

/// A fresh folder for one test's scenario files.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fakedesk-it-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn run_file(path: &Path, update: bool) -> ScenarioReport {
    let loaded = load::load(path).unwrap_or_else(|e| panic!("{e}"));
    let (_tx, cancel) = watch::channel(false);
    run(
        &loaded,
        &RunOptions {
            update_snapshots: update,
            ..RunOptions::default()
        },
        cancel,
    )
    .await
}

async fn run_text(test: &str, yaml: &str) -> ScenarioReport {
    let dir = scratch(test);
    let path = dir.join(format!("{test}.yaml"));
    std::fs::write(&path, yaml).unwrap();
    run_file(&path, false).await
}

fn failure(r: &ScenarioReport) -> String {
    match &r.outcome {
        Outcome::Failed(m) => m.clone(),
        other => panic!(
            "expected a failure, got {other:?}\n{}",
            render(r, Paint(false))
        ),
    }
}

#[tokio::test]
async fn every_shipped_scenario_passes_and_matches_its_snapshot() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = fakedesk::scenario::collect(&[root]).unwrap();
    assert!(files.len() >= 3);
    for f in files {
        let r = run_file(&f, false).await;
        assert!(r.passed(), "{}", render(&r, Paint(false)));
        assert!(
            !f.with_extension("snap.new").exists(),
            "{} left a pending snapshot",
            f.display()
        );
    }
}

#[tokio::test]
async fn an_unmet_expect_shows_the_closest_exchange_and_what_arrived() {
    let r = run_text(
        "unmet-expect",
        r#"
steps:
  - call: zendesk
    path: /api/v2/tickets.json
    body: { ticket: { subject: Hello, comment: { body: Hi } } }
    status: 201
  - expect: zendesk
    method: POST
    path: /api/v2/tickets.json
    body: { ticket: { subject: Goodbye } }
    within: 200ms
  - wait: 1ms
"#,
    )
    .await;
    let m = failure(&r);
    assert!(
        m.contains("no zendesk inbound exchange matched within 200ms (wanted 1, found 0)"),
        "{m}"
    );
    assert!(
        m.contains("closest: #1 zendesk inbound POST /api/v2/tickets.json → 201"),
        "{m}"
    );
    assert!(
        m.contains(r#"body.ticket.subject: expected "Goodbye", got "Hello""#),
        "{m}"
    );
    assert!(m.contains("received (1 exchange in the journal"), "{m}");
    assert_eq!(
        r.steps[1].status,
        StepStatus::Failed(m.lines().skip(1).collect::<Vec<_>>().join("\n"))
    );
    assert_eq!(r.steps[2].status, StepStatus::Skipped);
}

#[tokio::test]
async fn a_failed_assert_lists_the_differences_and_shows_the_state() {
    let r = run_text(
        "failed-assert",
        r#"
steps:
  - call: zendesk
    path: /api/v2/tickets.json
    body: { ticket: { subject: Hello, comment: { body: Hi } } }
    as: t
  - assert: zendesk
    match: { tickets: [{ id: "${t.body.ticket.id}", status: solved }] }
"#,
    )
    .await;
    let m = failure(&r);
    assert!(m.contains("zendesk's state does not match"), "{m}");
    assert!(
        m.contains(r#"tickets[0].status: expected "solved", got "new""#),
        "{m}"
    );
    assert!(m.contains("the state, where the pattern looks"), "{m}");
    assert!(m.contains("\"status\": \"new\""), "{m}");
    assert!(!m.contains("audits"), "only the named keys are shown: {m}");
}

#[tokio::test]
async fn a_call_with_an_unexpected_status_shows_the_reply() {
    let r = run_text(
        "failed-call",
        "steps:\n  - call: zendesk\n    path: /api/v2/tickets/424242.json\n",
    )
    .await;
    let m = failure(&r);
    assert!(m.contains("expected a 2xx status, got 404"), "{m}");
    assert!(m.contains("RecordNotFound"), "{m}");
}

#[tokio::test]
async fn captures_flow_into_later_steps_and_an_unknown_path_is_explained() {
    let r = run_text(
        "captures",
        r#"
steps:
  - call: zendesk
    path: /api/v2/users/me.json
    as: me
  - call: zendesk
    path: /api/v2/users/${me.body.user.id}.json
    as: again
  - call: zendesk
    path: /api/v2/users/${again.body.user.nickname_that_does_not_exist}.json
"#,
    )
    .await;
    let m = failure(&r);
    assert!(m.starts_with("step 3"), "{m}");
    assert!(
        m.contains("`again.body.user` has no `nickname_that_does_not_exist`"),
        "{m}"
    );
    assert_eq!(r.steps[1].status, StepStatus::Passed);
}

#[tokio::test]
async fn a_snapshot_is_written_compared_and_a_change_is_shown_as_a_diff() {
    let dir = scratch("snapshot");
    let path = dir.join("snap.yaml");
    let scenario = |subject: &str| {
        format!(
            "steps:\n  - call: zendesk\n    path: /api/v2/tickets.json\n    body: {{ ticket: {{ subject: {subject}, comment: {{ body: Hi }} }} }}\nsnapshot: traffic\n"
        )
    };
    std::fs::write(&path, scenario("First")).unwrap();
    let snap = dir.join("snap.snap");
    let pending = dir.join("snap.snap.new");

    let r = run_file(&path, false).await;
    assert!(failure(&r).contains("no traffic snapshot yet"));
    assert!(pending.exists() && !snap.exists());

    let r = run_file(&path, true).await;
    assert!(r.passed(), "{}", render(&r, Paint(false)));
    let stored = std::fs::read_to_string(&snap).unwrap();
    assert!(
        stored.starts_with("---\nsource: snap.yaml\nexpression: traffic\n---\n"),
        "{stored}"
    );
    assert!(stored.contains("\"subject\": \"First\""));
    assert!(stored.contains("\"authorization\": \"Basic [token:1]\""));
    assert!(!pending.exists(), "accepting removes the pending file");

    let r = run_file(&path, false).await;
    assert!(r.passed(), "{}", render(&r, Paint(false)));

    std::fs::write(&path, scenario("Second")).unwrap();
    let r = run_file(&path, false).await;
    let m = failure(&r);
    assert!(m.contains("the traffic differs from"), "{m}");
    let changed = |sign: char, text: &str| {
        m.lines()
            .any(|l| l.starts_with(sign) && l.trim_start_matches(sign).trim() == text)
    };
    assert!(changed('-', "\"subject\": \"First\""), "{m}");
    assert!(changed('+', "\"subject\": \"Second\""), "{m}");
    assert!(pending.exists());
    assert_eq!(
        std::fs::read_to_string(&snap).unwrap(),
        stored,
        "the stored snapshot is kept"
    );
}

fn pid_in(file: &Path) -> Option<i32> {
    std::fs::read_to_string(file).ok()?.trim().parse().ok()
}

#[tokio::test]
async fn a_sut_that_never_gets_ready_fails_in_time_with_its_output_and_is_stopped() {
    let dir = scratch("never-ready");
    let pidfile = dir.join("pid");
    let path = dir.join("s.yaml");
    std::fs::write(
        &path,
        format!(
            r#"
sut:
  command: sh
  args: [-c, "echo $$ > {}; echo booting but never listening; exec sleep 60"]
  port: auto
  ready: {{ http: "${{sut.url}}/health", timeout: 1s }}
steps:
  - wait: 1ms
"#,
            pidfile.display()
        ),
    )
    .unwrap();
    let started = Instant::now();
    let r = run_file(&path, false).await;
    assert!(started.elapsed() < Duration::from_secs(1) + SLACK);
    let m = failure(&r);
    assert!(m.contains("was not ready within 1s"), "{m}");
    assert!(m.contains("/health"), "{m}");
    assert!(m.contains("booting but never listening"), "{m}");
    assert!(r.steps.is_empty(), "no step runs without a ready SUT");
    assert_gone(pid_in(&pidfile).expect("the SUT wrote its pid"), "the SUT").await;
}

#[tokio::test]
async fn a_sut_that_crashes_mid_run_is_named_in_the_failure_with_its_output() {
    let r = run_text(
        "crash",
        r#"
sut:
  command: sh
  args: [-c, "echo about to crash; sleep 0.2; echo bye >&2; exit 7"]
steps:
  - wait: 600ms
  - expect: zendesk
    path: /api/v2/tickets.json
    within: 100ms
"#,
    )
    .await;
    let m = failure(&r);
    assert!(
        m.contains("the SUT is no longer running: it exited with exit status: 7"),
        "{m}"
    );
    assert!(r.sut_output.contains("about to crash"), "{}", r.sut_output);
    assert!(r.sut_output.contains("bye"), "{}", r.sut_output);
    let shown = render(&r, Paint(false));
    assert!(
        shown.contains("SUT output:\n    | about to crash"),
        "{shown}"
    );
}

/// `fakedesk run` as a user runs it.
fn fakedesk_run(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fakedesk"))
        .arg("run")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

const PASSING: &str = "steps:\n  - call: zendesk\n    path: /api/v2/users/me.json\n";
const FAILING: &str = "steps:\n  - call: zendesk\n    path: /api/v2/tickets/1.json\n";

#[test]
fn run_exits_0_1_or_2_and_writes_junit() {
    let dir = scratch("binary");
    let good = dir.join("good");
    std::fs::create_dir_all(&good).unwrap();
    std::fs::write(good.join("a.yaml"), PASSING).unwrap();
    std::fs::write(good.join("b.yml"), PASSING).unwrap();
    let junit = dir.join("report.xml");
    let out = fakedesk_run(&[
        good.to_str().unwrap(),
        "--jobs",
        "2",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("2 passed, 0 failed (2 scenarios)"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
    assert!(xml.contains("failures=\"0\""), "{xml}");

    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, FAILING).unwrap();
    let out = fakedesk_run(&[bad.to_str().unwrap(), "--junit", junit.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL bad"));
    assert!(
        std::fs::read_to_string(&junit)
            .unwrap()
            .contains("<failure ")
    );

    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, "steps:\n  - cal: zendesk\n").unwrap();
    let out = fakedesk_run(&[broken.to_str().unwrap(), good.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("broken.yaml:2:5"), "{stderr}");
    assert!(stderr.contains("did you mean `call`?"), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).is_empty(),
        "nothing runs"
    );

    let out = fakedesk_run(&[dir.join("missing").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file or folder"));
}

#[tokio::test]
async fn an_interrupted_run_stops_its_sut_and_exits_2() {
    let dir = scratch("interrupt");
    let pidfile = dir.join("pid");
    let path = dir.join("s.yaml");
    std::fs::write(
        &path,
        format!(
            "sut:\n  command: sh\n  args: [-c, \"echo $$ > {}; exec sleep 60\"]\n  stop_timeout: 1s\nsteps:\n  - wait: 60s\n",
            pidfile.display()
        ),
    )
    .unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_fakedesk"))
        .arg("run")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + SLACK;
    let sut = loop {
        if let Some(pid) = pid_in(&pidfile) {
            break pid;
        }
        assert!(Instant::now() < deadline, "the SUT never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let pid = nix::unistd::Pid::from_raw(child.id().unwrap() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let status = tokio::time::timeout(SLACK, child.wait())
        .await
        .expect("fakedesk run stops after SIGINT")
        .unwrap();
    assert_eq!(status.code(), Some(2));
    assert_gone(sut, "the SUT").await;
}

#[tokio::test]
async fn a_string_body_is_sent_as_written() {
    let r = run_text(
        "raw-body",
        r#"
steps:
  - call: zendesk
    method: POST
    path: /api/v2/tickets.json
    headers: { content-type: application/json }
    body: '{"ticket": {"subject": '
    status: 400
    as: refused
  - expect: zendesk
    path: /api/v2/tickets.json
    headers: { content-type: application/json }
    body: '{"ticket": {"subject": '
    status: 400
"#,
    )
    .await;
    assert!(r.passed(), "{}", render(&r, Paint(false)));
}

#[tokio::test]
async fn an_expect_can_require_that_no_call_was_unmatched() {
    let none = "steps:\n  - call: zendesk\n    path: /api/v2/organizations.json\n  - expect: zendesk\n    unmatched: true\n    count: 0\n    within: 0s\n";
    let r = run_text("no-unmatched", none).await;
    assert!(r.passed(), "{}", render(&r, Paint(false)));
    let one = "steps:\n  - call: zendesk\n    path: /api/v2/nothing_here.json\n    status: 404\n  - expect: zendesk\n    unmatched: true\n    count: 0\n    within: 0s\n";
    let m = failure(&run_text("one-unmatched", one).await);
    assert!(m.contains("expected no matching exchange"), "{m}");
    assert!(m.contains("/api/v2/nothing_here.json"), "{m}");
}

/// With `port: auto`, a SUT that finds its port taken (another process bound it
/// between fakedesk's pick and the SUT's start, and the SUT says "already in
/// use") is started again on a new free port, and `${sut.port}` follows.
#[tokio::test]
async fn a_sut_whose_auto_port_was_taken_is_started_again_on_a_new_one() {
    let bin = env!("CARGO_BIN_EXE_fakedesk");
    let yaml = format!(
        r#"name: port-taken
sut:
  command: sh
  args: [-c, "if [ ! -e taken.mark ]; then : > taken.mark; echo \"cannot listen on 127.0.0.1:$PORT: Address already in use\" >&2; exit 1; fi; exec {bin} serve --ephemeral-ports --control-port $PORT"]
  port: auto
  ready:
    http: ${{sut.url}}/health
    timeout: 20s
steps:
  - wait: 10ms
"#
    );
    let dir = scratch("port-taken");
    let path = dir.join("port-taken.yaml");
    std::fs::write(&path, yaml).unwrap();
    let r = run_file(&path, false).await;
    assert!(r.passed(), "{}", render(&r, Paint(false)));
    assert!(
        dir.join("taken.mark").exists(),
        "the first start was refused"
    );
}
