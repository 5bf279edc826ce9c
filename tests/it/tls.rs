//! https both ways: `serve --tls` ports signed by the local CA, outbound
//! deliveries to an https receiver with a private CA (`--ca-cert`), and
//! `check-endpoint` against https endpoints. Every CA lives in a temporary
//! directory.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use fakedesk::config::RunConfig;
use fakedesk::server::{self, Harness, Running};
use fakedesk::tls::accept::TlsListener;
use fakedesk::tls::ca::LocalCa;
use serde_json::json;

use crate::common::{fake_with, token_auth};

/// A fresh temporary directory for one test's CA.
pub(crate) fn tls_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fakedesk-tls-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Every fake on OS-chosen ports with its CA in `dir`, after `tweak`.
pub(crate) async fn start(dir: &Path, tweak: impl FnOnce(&mut RunConfig)) -> Running {
    let mut config = RunConfig::ephemeral();
    config.tls.dir = dir.to_owned();
    tweak(&mut config);
    let harness = Harness::new(config, Arc::new(fakedesk::clock::SystemClock)).unwrap();
    server::start(harness).await.unwrap()
}

/// A client trusting only the CA in `pem` (plus the platform's roots).
pub(crate) fn client_trusting(pem: &Path, proxy: Option<&str>) -> reqwest::Client {
    let cert = reqwest::Certificate::from_pem(&std::fs::read(pem).unwrap()).unwrap();
    let mut b = reqwest::Client::builder().add_root_certificate(cert);
    b = match proxy {
        Some(p) => b.proxy(reqwest::Proxy::all(p).unwrap()),
        None => b.no_proxy(),
    };
    b.build().unwrap()
}

#[tokio::test]
async fn tls_ports_speak_https_with_a_certificate_from_the_local_ca() {
    let dir = tls_dir("serve");
    let running = start(&dir, |c| c.tls.serve = true).await;
    let ca = dir.join(fakedesk::tls::ca::CA_CERT_FILE);
    assert!(ca.is_file(), "the CA is created on first use");
    let url = running.url("zendesk");
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let env = running.harness.env_lines().join("\n");
    assert!(
        env.contains(&format!("FAKEDESK_ZENDESK_URL={url}")),
        "{env}"
    );
    assert!(
        env.contains(&format!("FAKEDESK_CA_CERT={}", ca.display())),
        "{env}"
    );
    assert!(env.contains("FAKEDESK_CONTROL_URL=http://"), "{env}");

    let res = client_trusting(&ca, None)
        .get(format!("{url}/api/v2/tickets.json"))
        .header("authorization", token_auth())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Absolute links name the scheme the client used.
    let created: serde_json::Value = client_trusting(&ca, None)
        .post(format!("{url}/api/v2/tickets.json"))
        .header("authorization", token_auth())
        .json(&json!({"ticket": {"subject": "s", "comment": {"body": "b"}}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = created["ticket"]["url"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{url}/api/v2/tickets/")),
        "{link}"
    );
    // By name too: the leaf for `localhost` is signed on demand.
    let by_name = url.replace("127.0.0.1", "localhost");
    let res = client_trusting(&ca, None)
        .get(format!("{by_name}/api/v2/tickets.json"))
        .header("authorization", token_auth())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Plain http to an https port gets no HTTP answer.
    let plain = url.replace("https://", "http://");
    assert!(
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .get(format!("{plain}/api/v2/tickets.json"))
            .send()
            .await
            .is_err()
    );
    // The CA is reused, not replaced, by the next run.
    let pem = std::fs::read(&ca).unwrap();
    let again = start(&dir, |c| c.tls.serve = true).await;
    assert_eq!(std::fs::read(&ca).unwrap(), pem);
    again.shutdown().await;
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the https receiver got: (headers, body) per request.
type Seen = Arc<Mutex<Vec<(axum::http::HeaderMap, bytes::Bytes)>>>;

/// An https receiver whose certificate is signed by a CA of its own (in `dir`).
async fn https_receiver(dir: &Path) -> (String, PathBuf, Seen) {
    let ca = Arc::new(LocalCa::load_or_create(dir).unwrap());
    let leaf = ca.local_leaf(&[]).unwrap();
    let config = fakedesk::tls::server_config(Arc::new(fakedesk::tls::LeafResolver::new(
        ca.clone(),
        Some(Arc::new(leaf)),
    )));
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let app = Router::new().route(
        "/hook",
        post(
            move |headers: axum::http::HeaderMap, body: bytes::Bytes| async move {
                log.lock().unwrap().push((headers, body));
                "ok"
            },
        ),
    );
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(TlsListener::new(tcp, config), app)
            .await
            .unwrap();
    });
    (
        format!("https://127.0.0.1:{}/hook", addr.port()),
        ca.cert_path().to_owned(),
        seen,
    )
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn webhook_on_create(z: &crate::common::Fake, endpoint: &str) -> String {
    let r = z
        .call("POST", "/api/v2/webhooks", Some(json!({"webhook": {"name": "https SUT", "endpoint": endpoint, "http_method": "POST", "request_format": "json", "status": "active", "subscriptions": ["conditional_ticket_events"]}})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["webhook"]["id"].as_str().unwrap().to_owned();
    let r = z
        .call("POST", "/api/v2/triggers.json", Some(json!({"trigger": {"title": "notify", "conditions": {"all": [{"field": "update_type", "operator": "is", "value": "Create"}]}, "actions": [{"field": "notification_webhook", "value": [id, "{\"id\": \"{{ticket.id}}\"}"]}]}})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    z.call(
        "GET",
        &format!("/api/v2/webhooks/{id}/signing_secret"),
        None,
    )
    .await
    .json["signing_secret"]["secret"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_signed_zendesk_webhook_reaches_an_https_receiver_trusted_with_ca_cert() {
    use base64::Engine as _;
    use hmac::{Hmac, KeyInit, Mac};
    let receiver_dir = tls_dir("receiver");
    let (endpoint, receiver_ca, seen) = https_receiver(&receiver_dir).await;
    let own_dir = tls_dir("webhook-own");
    let z = fake_with(|c| {
        c.tls.dir = own_dir.clone();
        c.tls.ca_certs = vec![receiver_ca.clone()];
    });
    let secret = webhook_on_create(&z, &endpoint).await;
    let id = z.ticket("over https").await;
    wait_until("the delivery", || !seen.lock().unwrap().is_empty()).await;
    let (headers, body) = seen.lock().unwrap()[0].clone();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&body).unwrap()["id"],
        id.to_string()
    );
    // Signed as Zendesk documents: base64(HMAC-SHA256(secret, timestamp + body)).
    let h = |k: &str| headers.get(k).unwrap().to_str().unwrap().to_owned();
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(h("x-zendesk-webhook-signature-timestamp").as_bytes());
    mac.update(&body);
    assert_eq!(
        h("x-zendesk-webhook-signature"),
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );

    // Without --ca-cert the receiver's certificate is refused, and the journal says why.
    let untrusting = fake_with(|c| c.tls.dir = own_dir.clone());
    webhook_on_create(&untrusting, &endpoint).await;
    untrusting.ticket("refused").await;
    let journal = untrusting.harness.journal.clone();
    let error = || {
        journal
            .entries(&Default::default())
            .iter()
            .find_map(|e| e.exchange.error.clone())
    };
    wait_until("a failed attempt", || error().is_some()).await;
    let why = error().unwrap();
    assert!(why.contains("unknown issuer"), "{why}");
    assert!(why.contains("--ca-cert"), "{why}");
    let _ = std::fs::remove_dir_all(&receiver_dir);
    let _ = std::fs::remove_dir_all(&own_dir);
}

async fn check_endpoint(args: &[&str]) -> (i32, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_fakedesk"))
        .arg("check-endpoint")
        .args(args)
        .output()
        .await
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn check_endpoint_fetches_https_and_names_an_untrusted_certificate() {
    // fake Ferndesk's sample endpoint, served over https by a CA the checker does
    // not know yet.
    let dir = tls_dir("check");
    let running = start(&dir, |c| c.tls.serve = true).await;
    let url = format!("{}/support-endpoint.json", running.url("ferndesk"));
    let empty = tls_dir("check-empty");
    let empty_dir = empty.to_str().unwrap();
    let (code, text) = check_endpoint(&[&url, "--tls-dir", empty_dir]).await;
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("unknown issuer"), "{text}");
    assert!(text.contains("--ca-cert"), "{text}");
    let ca = dir.join(fakedesk::tls::ca::CA_CERT_FILE);
    let (code, text) = check_endpoint(&[
        &url,
        "--tls-dir",
        empty_dir,
        "--ca-cert",
        ca.to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("INGESTIBLE"), "{text}");
    // fakedesk's own CA (in --tls-dir) is trusted without --ca-cert.
    let (code, text) = check_endpoint(&[&url, "--tls-dir", dir.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{text}");
    // An https URL to a plain http port: the handshake failure is named.
    let plain = start(&tls_dir("check-plain"), |_| {}).await;
    let url = format!(
        "{}/support-endpoint.json",
        plain.url("ferndesk").replace("http://", "https://")
    );
    let (code, text) = check_endpoint(&[&url, "--tls-dir", empty_dir]).await;
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("TLS handshake failed"), "{text}");
    plain.shutdown().await;
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn fuzz(args: &[&str]) -> (i32, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_fakedesk"))
        .arg("fuzz")
        .args(args)
        .output()
        .await
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test]
async fn fuzz_sends_to_https_receivers_and_names_an_untrusted_certificate() {
    let receiver_dir = tls_dir("fuzz-receiver");
    let (endpoint, receiver_ca, seen) = https_receiver(&receiver_dir).await;
    let empty = tls_dir("fuzz-empty");
    let common = [
        "zendesk.webhook",
        "--target",
        &endpoint,
        "--cases",
        "3",
        "--seed",
        "1",
        "--tls-dir",
        empty.to_str().unwrap(),
    ];
    let (code, text) = fuzz(&common).await;
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("unknown issuer"), "{text}");
    assert!(seen.lock().unwrap().is_empty());
    let mut trusted = common.to_vec();
    trusted.extend(["--ca-cert", receiver_ca.to_str().unwrap()]);
    let (code, text) = fuzz(&trusted).await;
    assert_eq!(code, 0, "{text}");
    assert_eq!(seen.lock().unwrap().len(), 3, "{text}");
    let _ = std::fs::remove_dir_all(&receiver_dir);
}
