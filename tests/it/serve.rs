//! `fakedesk serve` end to end: the real binary, OS-chosen ports, the env file,
//! clean shutdown on SIGTERM, and configuration errors before any socket opens.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fakedesk"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fakedesk-it-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits (bounded) for the env file and parses it.
fn wait_for_env(path: &Path, child: &mut Child) -> Vec<(String, String)> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(text) = std::fs::read_to_string(path) {
            return text
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("fakedesk exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.kill();
    panic!("no env file within 20 s");
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    panic!("fakedesk did not stop within 10 s of SIGTERM");
}

#[tokio::test]
async fn serve_writes_the_env_file_serves_zendesk_and_stops_on_sigterm() {
    let dir = temp_dir("serve");
    let env_path = dir.join("fakedesk.env");
    let mut child = bin()
        .args(["serve", "--ephemeral-ports", "--env-file"])
        .arg(&env_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let env = wait_for_env(&env_path, &mut child);
    let keys: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "FAKEDESK_CONTROL_URL",
            "FAKEDESK_ZENDESK_URL",
            "FAKEDESK_ZENDESK_EMAIL",
            "FAKEDESK_ZENDESK_TOKEN",
            "FAKEDESK_ZENDESK_PASSWORD",
            "FAKEDESK_ZENDESK_OAUTH_TOKEN",
            "FAKEDESK_BRAZE_URL",
            "FAKEDESK_BRAZE_API_KEY",
            "FAKEDESK_FRESHCHAT_URL",
            "FAKEDESK_FRESHCHAT_TOKEN",
            "FAKEDESK_FRESHCHAT_APP_ID",
            "FAKEDESK_FRESHCHAT_AGENT_ID",
            "FAKEDESK_FRESHCHAT_USER_ID",
            "FAKEDESK_FRESHCHAT_CHANNEL_ID",
            "FAKEDESK_FRESHCHAT_GROUP_ID",
            "FAKEDESK_MAMMUT_URL",
            "FAKEDESK_SMARTSUPP_URL",
            "FAKEDESK_SMARTSUPP_TOKEN",
            "FAKEDESK_SMARTSUPP_CLIENT_SECRET",
            "FAKEDESK_SMARTSUPP_APP_ID",
            "FAKEDESK_BLIP_URL",
            "FAKEDESK_BLIP_BOT",
            "FAKEDESK_BLIP_KEY",
            "FAKEDESK_FERNDESK_URL"
        ]
    );
    let var = |k: &str| env.iter().find(|(key, _)| key == k).unwrap().1.clone();
    assert!(var("FAKEDESK_ZENDESK_URL").starts_with("http://127.0.0.1:"));
    assert_eq!(var("FAKEDESK_BLIP_BOT"), "fakedeskbot");
    assert!(!var("FAKEDESK_BLIP_KEY").starts_with("Key "));
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file left beside the env file: {leftovers:?}"
    );

    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!(
            "{}/api/v2/tickets.json",
            var("FAKEDESK_ZENDESK_URL")
        ))
        .basic_auth(
            format!("{}/token", var("FAKEDESK_ZENDESK_EMAIL")),
            Some(var("FAKEDESK_ZENDESK_TOKEN")),
        )
        .json(&json!({"ticket": {"subject": "From the env file", "comment": {"body": "hi"}}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["ticket"]["subject"], "From the env file");
    let journal: Value = http
        .get(format!("{}/journal", var("FAKEDESK_CONTROL_URL")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(journal["entries"][0]["response"]["status"], 201);
    let tracked = http
        .post(format!("{}/users/track", var("FAKEDESK_BRAZE_URL")))
        .bearer_auth(var("FAKEDESK_BRAZE_API_KEY"))
        .json(&json!({"attributes": [{"external_id": "u1", "first_name": "Ana"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(tracked.status(), 201);

    let status = terminate(&mut child);
    assert!(status.success(), "clean exit on SIGTERM, got {status}");
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
    assert!(
        out.contains("zendesk")
            && out.contains(&var("FAKEDESK_ZENDESK_URL"))
            && out.contains(&var("FAKEDESK_ZENDESK_TOKEN"))
            && out.contains(&var("FAKEDESK_BRAZE_URL"))
            && out.contains(&var("FAKEDESK_BRAZE_API_KEY")),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_malformed_config_file_is_reported_with_file_line_and_column_and_nothing_listens() {
    let dir = temp_dir("badconfig");
    let config = dir.join("fakedesk.yaml");
    std::fs::write(
        &config,
        "vendors:\n  zendesk:\n    rate_limit:\n      per_minuet: 10\n",
    )
    .unwrap();
    let env_path = dir.join("env");
    let out = bin()
        .args(["serve", "--ephemeral-ports", "--config"])
        .arg(&config)
        .arg("--env-file")
        .arg(&env_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fakedesk.yaml:4:7"), "{err}");
    assert!(err.contains("per_minuet") && err.contains("hint"), "{err}");
    assert!(!env_path.exists(), "no env file when the config is invalid");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn conflicting_options_are_all_reported_before_binding() {
    let out = bin()
        .args([
            "serve",
            "--port",
            "zendsk=1",
            "--control-port",
            "4711",
            "--journal-capacity",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "unknown vendor `zendsk`",
        "port 4711 is given to both control and zendesk",
        "journal_capacity",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in {err}");
    }
}

#[test]
fn a_port_already_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = bin()
        .args([
            "serve",
            "--ephemeral-ports",
            "--port",
            &format!("zendesk={port}"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot bind zendesk listener on 127.0.0.1:{port}")),
        "{err}"
    );
    // It names the port and the vendor, and says what to do.
    for needle in [
        format!("port {port} (zendesk) is already in use"),
        "--ephemeral-ports".to_owned(),
        "--port zendesk=N".to_owned(),
    ] {
        assert!(err.contains(&needle), "missing {needle:?} in {err}");
    }
}

#[test]
fn a_non_loopback_bind_without_a_control_token_is_refused() {
    let out = bin()
        .args(["serve", "--ephemeral-ports", "--bind", "0.0.0.0"])
        .env_remove("FAKEDESK_CONTROL_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--control-token"), "{err}");
}
