//! `serve --proxy-port`: clients that build the vendors' real URLs reach the fakes
//! through the proxy, with only the proxy and the CA configured; other hosts get a
//! journaled 502 and nothing leaves the machine.

use fakedesk::journal::Entry;
use serde_json::Value;

use crate::common::token_auth;
use crate::tls::{client_trusting, start, tls_dir};

fn last_vendor(entries: &[std::sync::Arc<Entry>]) -> &'static str {
    entries.last().map_or("", |e| e.exchange.vendor)
}

#[tokio::test]
async fn the_vendors_hostnames_reach_their_fakes_through_the_proxy() {
    let dir = tls_dir("proxy");
    let running = start(&dir, |c| c.tls.proxy_port = Some(0)).await;
    let proxy = running.url("proxy");
    assert!(proxy.starts_with("http://127.0.0.1:"), "{proxy}");
    let env = running.harness.env_lines().join("\n");
    assert!(
        env.contains(&format!("FAKEDESK_PROXY_URL={proxy}")),
        "{env}"
    );
    let ca = dir.join(fakedesk::tls::ca::CA_CERT_FILE);
    assert!(
        env.contains(&format!("FAKEDESK_CA_CERT={}", ca.display())),
        "{env}"
    );
    let http = client_trusting(&ca, Some(&proxy));

    let res = http
        .get("https://acme.zendesk.com/api/v2/tickets.json")
        .header("authorization", token_auth())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body["tickets"].is_array(), "{body}");

    // Each documented host, over https and over plain http (absolute-form), is
    // answered and journaled by its own fake.
    let cases = [
        ("acme.zendesk.com", "/api/v2/users/me.json", "zendesk"),
        ("rest.iad-01.braze.com", "/users/track", "braze"),
        ("rest.fra-02.braze.eu", "/users/track", "braze"),
        ("api.freshchat.com", "/v2/agents", "freshchat"),
        ("acme.freshchat.com", "/v2/agents", "freshchat"),
        ("api.eu.freshchat.com", "/v2/agents", "freshchat"),
        ("msging.net", "/commands", "blip"),
        ("http.msging.net", "/commands", "blip"),
        ("mybot.http.msging.net", "/messages", "blip"),
        ("api.smartsupp.com", "/v2/conversations/search", "smartsupp"),
        ("api.mammut.io", "/app:mammut-1/graph/user", "mammut"),
    ];
    for scheme in ["https", "http"] {
        for (host, path, vendor) in cases {
            let res = http
                .post(format!("{scheme}://{host}{path}"))
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap_or_else(|e| panic!("{scheme}://{host}{path}: {e}"));
            assert_ne!(res.status(), 502, "{host}");
            let entries = running.harness.journal.entries(&Default::default());
            assert_eq!(last_vendor(&entries), vendor, "{scheme}://{host}{path}");
            let e = entries.last().unwrap();
            assert_eq!(e.exchange.request.path, path, "origin-form path journaled");
        }
    }
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_host_fakedesk_does_not_fake_gets_a_journaled_502_and_is_never_forwarded() {
    let dir = tls_dir("proxy-foreign");
    let running = start(&dir, |c| c.tls.proxy_port = Some(0)).await;
    let proxy = running.url("proxy");
    let ca = dir.join(fakedesk::tls::ca::CA_CERT_FILE);
    let http = client_trusting(&ca, Some(&proxy));

    let res = http
        .get("http://example.com/some/path?q=1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 502);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["host"], "example.com");
    let text = body["description"].as_str().unwrap();
    assert!(text.contains("does not fake"), "{text}");
    assert!(text.contains("never forwards"), "{text}");

    // CONNECT to a foreign host is refused before any tunnel exists.
    let err = http.get("https://example.org/").send().await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");

    let refused: Vec<(String, String, u16)> = running
        .harness
        .journal
        .entries(&Default::default())
        .iter()
        .filter(|e| e.exchange.vendor == "proxy")
        .map(|e| {
            (
                e.exchange.request.method.clone(),
                e.exchange.request.path.clone(),
                e.exchange.response.as_ref().map_or(0, |r| r.status),
            )
        })
        .collect();
    assert_eq!(
        refused,
        [
            ("GET".to_owned(), "/some/path".to_owned(), 502),
            ("CONNECT".to_owned(), "example.org:443".to_owned(), 502)
        ]
    );
    running.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
