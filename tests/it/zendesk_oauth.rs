//! OAuth against Zendesk's OAuth Clients and OAuth Tokens references and the
//! token endpoint (RFC 6749): a client with a secret, tokens issued through the
//! API (`full_token` shown once) or the token endpoint, each signing in with
//! `Authorization: Bearer` until revoked.

use axum::body::Body;
use serde_json::json;

use crate::common::{Fake, fake};

async fn me_with(z: &Fake, token: &str) -> crate::common::Resp {
    z.raw(
        "GET",
        "/api/v2/users/me.json",
        Some(&format!("Bearer {token}")),
        Body::empty(),
    )
    .await
}

async fn client(z: &Fake) -> (u64, String) {
    let r = z
        .call("POST", "/api/v2/oauth/clients.json", Some(json!({"client": {"name": "Sync", "identifier": "sync_app", "redirect_uri": ["https://example.com/cb"]}})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = r.json["client"]["secret"].as_str().unwrap().to_owned();
    (r.json["client"]["id"].as_u64().unwrap(), secret)
}

#[tokio::test]
async fn an_api_token_signs_in_until_revoked() {
    let z = fake();
    let me = z.admin_id().await;
    let (client, _) = client(&z).await;
    let dup = z
        .call(
            "POST",
            "/api/v2/oauth/clients.json",
            Some(json!({"client": {"name": "Again", "identifier": "sync_app"}})),
        )
        .await;
    assert_eq!(dup.status, 422, "{}", dup.text);
    let issued = z
        .call(
            "POST",
            "/api/v2/oauth/tokens.json",
            Some(json!({"token": {"client_id": client, "scopes": ["read"]}})),
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.text);
    let t = &issued.json["token"];
    let full = t["full_token"].as_str().unwrap().to_owned();
    assert_eq!(t["token"].as_str().unwrap(), &full[..10]);
    assert_eq!(t["user_id"], json!(me));
    assert_eq!(t["scopes"], json!(["read"]));
    let signed_in = me_with(&z, &full).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text);
    assert_eq!(signed_in.json["user"]["id"], json!(me));
    let listed = z.call("GET", "/api/v2/oauth/tokens.json", None).await;
    assert_eq!(listed.json["tokens"][0]["token"], t["token"]);
    assert!(listed.json["tokens"][0].get("full_token").is_none());

    let revoked = z
        .raw(
            "DELETE",
            "/api/v2/oauth/tokens/current.json",
            Some(&format!("Bearer {full}")),
            Body::empty(),
        )
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    assert_eq!(me_with(&z, &full).await.status, 401);
}

#[tokio::test]
async fn the_token_endpoint_grants_client_credentials_and_passwords() {
    let z = fake();
    let me = z.admin_id().await;
    let (_, secret) = client(&z).await;
    let form = format!(
        "grant_type=client_credentials&client_id=sync_app&client_secret={secret}&scope=read%20write"
    );
    let granted = z.raw("POST", "/oauth/tokens", None, Body::from(form)).await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    assert_eq!(granted.json["token_type"], json!("bearer"));
    assert_eq!(granted.json["scope"], json!("read write"));
    let token = granted.json["access_token"].as_str().unwrap().to_owned();
    assert_eq!(me_with(&z, &token).await.json["user"]["id"], json!(me));

    let by_password = z
        .raw(
            "POST",
            "/oauth/tokens",
            None,
            Body::from(json!({"grant_type": "password", "client_id": "sync_app", "client_secret": secret, "username": "admin@fakedesk.test", "password": "fakedesk-password"}).to_string()),
        )
        .await;
    assert_eq!(by_password.status, 200, "{}", by_password.text);

    let wrong_secret = z
        .raw(
            "POST",
            "/oauth/tokens",
            None,
            Body::from("grant_type=client_credentials&client_id=sync_app&client_secret=nope"),
        )
        .await;
    assert_eq!(wrong_secret.status, 401);
    assert_eq!(wrong_secret.json["error"], json!("invalid_client"));
    let code =
        format!("grant_type=authorization_code&client_id=sync_app&client_secret={secret}&code=x");
    let unsupported = z.raw("POST", "/oauth/tokens", None, Body::from(code)).await;
    assert_eq!(unsupported.status, 400);
    assert_eq!(unsupported.json["error"], json!("unsupported_grant_type"));
    let bad_password = z
        .raw(
            "POST",
            "/oauth/tokens",
            None,
            Body::from(format!("grant_type=password&client_id=sync_app&client_secret={secret}&username=admin@fakedesk.test&password=wrong")),
        )
        .await;
    assert_eq!(bad_password.status, 400);
    assert_eq!(bad_password.json["error"], json!("invalid_grant"));
}
