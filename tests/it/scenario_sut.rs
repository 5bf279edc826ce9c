//! The system-under-test lifecycle: start, readiness, output capture, stop.
//!
//! The programs are `sh -c` scripts; every wait is bounded and only generous upper
//! bounds on time are asserted. "Gone" means no such process, or a zombie (dead,
//! waiting for a parent that is not us to reap it).

#![cfg(unix)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use fakedesk::scenario::sut::{Ready, Sut, SutError, SutSpec};

use crate::common::{SLACK, assert_gone, unused_port};

fn script(text: &str) -> SutSpec {
    SutSpec {
        command: "sh".to_owned(),
        args: vec!["-c".to_owned(), text.to_owned()],
        cwd: None,
        env: Vec::new(),
        ready: None,
        ready_timeout: Duration::from_secs(5),
        stop_timeout: Duration::from_secs(2),
    }
}

/// The number after `prefix` at the start of a line of `text`.
fn number_after(text: &str, prefix: &str) -> Option<i32> {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .and_then(|n| n.trim().parse().ok())
}

/// Waits (at most a few seconds) for a line `prefix N` in the output; returns N.
async fn wait_for_number(sut: &Sut, prefix: &str) -> i32 {
    let deadline = Instant::now() + SLACK;
    loop {
        if let Some(n) = number_after(&sut.output(), prefix) {
            return n;
        }
        assert!(
            Instant::now() < deadline,
            "no `{prefix}` line; output: {}",
            sut.output()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_sut_that_never_gets_ready_fails_at_the_timeout_and_is_stopped() {
    let url = format!("http://127.0.0.1:{}/health", unused_port());
    let spec = SutSpec {
        ready: Some(Ready::Http(url.clone())),
        ready_timeout: Duration::from_millis(500),
        ..script("echo pid $$; exec sleep 30")
    };
    let started = Instant::now();
    let err = Sut::start(&spec).await.expect_err("nobody answers");
    assert!(started.elapsed() < spec.ready_timeout + spec.stop_timeout + SLACK);
    let message = err.to_string();
    assert!(message.contains(&url), "{message}");
    assert!(message.contains("refused"), "{message}");
    assert!(message.contains("not ready within 500ms"), "{message}");
    let SutError::NotReady { exit, output, .. } = err else {
        panic!("not NotReady: {message}");
    };
    assert_eq!(exit, None);
    let pid = number_after(&output, "pid ").expect("the script printed its pid");
    assert_gone(pid, "the program").await;
}

#[tokio::test]
async fn a_sut_that_exits_before_it_is_ready_fails_fast_with_its_output() {
    let spec = SutSpec {
        ready: Some(Ready::Http(format!(
            "http://127.0.0.1:{}/health",
            unused_port()
        ))),
        ready_timeout: Duration::from_secs(30),
        ..script("echo starting; echo 'boom: no config' >&2; exit 3")
    };
    let started = Instant::now();
    let err = Sut::start(&spec).await.expect_err("it exits");
    assert!(started.elapsed() < Duration::from_secs(10), "not fast");
    let message = err.to_string();
    assert!(message.contains("exited before it was ready"), "{message}");
    assert!(message.contains("exit status: 3"), "{message}");
    assert!(message.contains("boom: no config"), "{message}");
    let SutError::NotReady { exit, output, .. } = err else {
        panic!("not NotReady: {message}");
    };
    assert_eq!(exit.and_then(|s| s.code()), Some(3));
    assert!(output.contains("starting\n"), "{output}");
    assert!(output.contains("boom: no config\n"), "{output}");
}

#[tokio::test]
async fn stop_ends_the_program_and_its_children() {
    let sut = Sut::start(&script("sleep 1000 & echo child $!; exec sleep 1000"))
        .await
        .expect("starts");
    let child = wait_for_number(&sut, "child ").await;
    let pid = i32::try_from(sut.id().expect("running")).expect("pid");
    let started = Instant::now();
    let output = sut.stop().await;
    assert!(started.elapsed() < Duration::from_secs(2) + SLACK);
    assert!(output.contains(&format!("child {child}\n")), "{output}");
    assert_gone(pid, "the program").await;
    assert_gone(child, "its background child").await;
}

#[tokio::test]
async fn dropping_a_sut_kills_the_program_and_its_children() {
    let sut = Sut::start(&script("sleep 1000 & echo child $!; exec sleep 1000"))
        .await
        .expect("starts");
    let child = wait_for_number(&sut, "child ").await;
    let pid = i32::try_from(sut.id().expect("running")).expect("pid");
    drop(sut);
    assert_gone(pid, "the program").await;
    assert_gone(child, "its background child").await;
}

#[tokio::test]
async fn a_sut_that_ignores_sigterm_is_killed_after_the_stop_timeout() {
    let spec = SutSpec {
        stop_timeout: Duration::from_millis(300),
        ..script("trap '' TERM; echo trapped 1; exec sleep 1000")
    };
    let sut = Sut::start(&spec).await.expect("starts");
    wait_for_number(&sut, "trapped ").await;
    let pid = i32::try_from(sut.id().expect("running")).expect("pid");
    let started = Instant::now();
    sut.stop().await;
    let took = started.elapsed();
    assert!(
        took >= spec.stop_timeout,
        "SIGKILL before the grace: {took:?}"
    );
    assert!(took < spec.stop_timeout + SLACK, "stop hung: {took:?}");
    assert_gone(pid, "the program").await;
}

#[tokio::test]
async fn tcp_readiness_waits_for_a_listener() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let spec = SutSpec {
        ready: Some(Ready::Tcp(addr)),
        ..script("exec sleep 1000")
    };
    let sut = Sut::start(&spec).await.expect("the listener accepts");
    sut.stop().await;
}

#[tokio::test]
async fn http_readiness_needs_a_2xx() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/health", listener.local_addr().expect("addr"));
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().route(
        "/health",
        get(move || {
            // Starting up for the first two probes.
            let status = if counter.fetch_add(1, Ordering::SeqCst) < 2 {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::OK
            };
            async move { status }
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let spec = SutSpec {
        ready: Some(Ready::Http(url)),
        ..script("exec sleep 1000")
    };
    let sut = Sut::start(&spec).await.expect("ready on the third probe");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    sut.stop().await;
    server.abort();
}

#[tokio::test]
async fn env_and_cwd_are_passed_and_exit_is_observed() {
    let dir = std::env::temp_dir();
    let spec = SutSpec {
        cwd: Some(dir.clone()),
        env: vec![("FAKEDESK_SUT_GREETING".to_owned(), "hello".to_owned())],
        ..script("echo \"greeting $FAKEDESK_SUT_GREETING\"; pwd")
    };
    let mut sut = Sut::start(&spec).await.expect("starts");
    let deadline = Instant::now() + SLACK;
    while sut.try_exit_status().is_none() {
        assert!(Instant::now() < deadline, "sh -c did not exit");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let output = sut.stop().await;
    let mut lines = output.lines();
    assert_eq!(lines.next(), Some("greeting hello"), "{output}");
    let pwd = lines.next().expect("pwd printed");
    assert_eq!(
        std::fs::canonicalize(pwd).ok(),
        std::fs::canonicalize(&dir).ok()
    );
}

#[tokio::test]
async fn a_missing_program_is_a_spawn_error_with_a_hint() {
    let spec = SutSpec {
        command: "fakedesk-test-no-such-program".to_owned(),
        ..script("")
    };
    let err = Sut::start(&spec).await.expect_err("not on PATH");
    let message = err.to_string();
    assert!(matches!(err, SutError::Spawn { .. }), "{message}");
    assert!(
        message.contains("`fakedesk-test-no-such-program`"),
        "{message}"
    );
    assert!(
        message.contains("hint:") && message.contains("PATH"),
        "{message}"
    );

    let spec = SutSpec {
        command: "./target/no-such-program".to_owned(),
        cwd: Some(std::env::temp_dir()),
        ..script("")
    };
    let message = Sut::start(&spec)
        .await
        .expect_err("no such file")
        .to_string();
    assert!(message.contains("check the path"), "{message}");
}
