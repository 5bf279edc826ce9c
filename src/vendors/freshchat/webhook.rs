//! Freshchat webhooks: what Freshchat SENDS (REFERENCE 3.8).
//!
//! One URL per account. Every event is a JSON envelope `{"actor", "action",
//! "action_time", "data"}` POSTed with `X-Freshchat-Signature` (base64 RSASSA-PKCS1-v1_5
//! with SHA-256 over the exact body bytes, signed with the account's private key),
//! `X-Freshchat-Payload-Version` and `X-Retry-Count` (`0` on the first attempt).
//! Failed deliveries are retried; the policy is UNKNOWN and configurable.

use std::sync::OnceLock;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use base64::Engine as _;
use bytes::Bytes;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
use rsa::sha2::Sha256;
use rsa::{PrivateKey, PublicKey};
use serde_json::{Value, json};

use super::WebhookSettings;
use super::wire::Message;
use crate::outbound::{Outcome, Outgoing, RetryPolicy};

/// The four events Freshchat sends (`action`).
pub const EVENTS: &[&str] = &[
    "message_create",
    "conversation_assignment",
    "conversation_resolution",
    "conversation_reopen",
];

/// `X-Freshchat-Signature`.
pub const SIGNATURE: HeaderName = HeaderName::from_static("x-freshchat-signature");
/// `X-Freshchat-Payload-Version`.
pub const PAYLOAD_VERSION: HeaderName = HeaderName::from_static("x-freshchat-payload-version");
/// `X-Retry-Count`.
pub const RETRY_COUNT: HeaderName = HeaderName::from_static("x-retry-count");

/// Who did what an event reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `user`, `agent`, `bot` or `system`.
    pub actor_type: String,
    /// The actor's id.
    pub actor_id: String,
}

/// The envelope of one event: `data` holds one key (`message`, `assignment`,
/// `resolve`, `reopen`).
pub fn envelope(action: &str, actor: &Actor, action_time: &str, data: Value) -> Value {
    json!({
        "actor": {"actor_type": actor.actor_type, "actor_id": actor.actor_id},
        "action": action,
        "action_time": action_time,
        "data": data,
    })
}

/// `data` of `message_create` (\[DOC\] 2022 sample, plus `message_type`).
pub fn message_data(m: &Message) -> Value {
    let mut v = json!({"message": {
        "message_parts": m.message_parts,
        "app_id": m.app_id,
        "actor_id": m.actor_id,
        "id": m.id,
        "channel_id": m.channel_id,
        "conversation_id": m.conversation_id,
        "interaction_id": m.interaction_id,
        "message_type": m.message_type,
        "actor_type": m.actor_type,
        "created_time": m.created_time,
        "user_id": m.user_id,
        "restrictResponse": false,
        "botsPrivateNote": false,
    }});
    if let Some(site) = &m.site_id {
        v["message"]["site_id"] = json!(site);
    }
    v
}

/// `data` of `conversation_resolution`.
pub fn resolve_data(actor: &Actor, conversation: Value, interaction_id: &str) -> Value {
    json!({"resolve": {
        "resolver": actor.actor_type,
        "resolver_id": actor.actor_id,
        "conversation": conversation,
        "interaction_id": interaction_id,
    }})
}

/// `data` of `conversation_reopen`.
pub fn reopen_data(actor: &Actor, conversation: Value, interaction_id: &str) -> Value {
    json!({"reopen": {
        "reopener": actor.actor_type,
        "reopener_id": actor.actor_id,
        "conversation": conversation,
        "interaction_id": interaction_id,
    }})
}

/// What an assignment changed: from and to, agent and group (`""` when none).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignment {
    /// The agent before.
    pub from_agent_id: String,
    /// The group before.
    pub from_group_id: String,
    /// The agent after.
    pub to_agent_id: String,
    /// The group after.
    pub to_group_id: String,
}

/// `data` of `conversation_assignment`.
// Vendor quirk: empty strings for "none" are UNVERIFIED (REFERENCE 3.8).
pub fn assignment_data(
    actor: &Actor,
    a: &Assignment,
    conversation: Value,
    interaction_id: &str,
) -> Value {
    json!({"assignment": {
        "assignor": actor.actor_type,
        "assignor_id": actor.actor_id,
        "to_agent_id": a.to_agent_id,
        "to_group_id": a.to_group_id,
        "from_agent_id": a.from_agent_id,
        "from_group_id": a.from_group_id,
        "conversation": conversation,
        "interaction_id": interaction_id,
    }})
}

/// The account's signing key: loaded from configuration, or generated.
#[derive(Debug, Clone)]
pub struct SigningKey {
    private: PrivateKey,
}

/// Why a configured key cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("not an RSA private key in PEM (PKCS#1 `RSA PRIVATE KEY` or PKCS#8 `PRIVATE KEY`)")]
pub struct BadKey;

impl SigningKey {
    /// A key from PEM text (PKCS#1 or PKCS#8).
    pub fn from_pem(pem: &str) -> Result<Self, BadKey> {
        let pem = pem.trim();
        PrivateKey::from_pkcs1_pem(pem)
            .or_else(|_| PrivateKey::from_pkcs8_pem(pem))
            .map(|private| Self { private })
            .map_err(|_| BadKey)
    }

    /// A fresh RSA-2048 key from the operating system's randomness, generated once
    /// per process (big-integer work is slow, and a fake needs no fresh key per run).
    pub fn generated() -> Self {
        Self::shared().clone()
    }

    /// The process's generated key; the first caller generates it (tens of
    /// milliseconds in a release build) and concurrent callers wait for it.
    pub fn shared() -> &'static Self {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| {
            let mut rng = getrandom::SysRng;
            let private = PrivateKey::new(&mut rng, 2048)
                .expect("the operating system provides randomness for an RSA key");
            Self { private }
        })
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        self.private.to_public_key()
    }

    /// The public key as Freshchat's admin page shows it: PKCS#1
    /// (`-----BEGIN RSA PUBLIC KEY-----`).
    pub fn public_pem(&self) -> String {
        self.public_key()
            .to_pkcs1_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// The public key as SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`), which
    /// some verifiers want (`openssl dgst -verify`).
    pub fn public_spki_pem(&self) -> String {
        self.public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// base64(RSASSA-PKCS1-v1_5(SHA-256(body))).
    pub fn sign(&self, body: &[u8]) -> String {
        let sig = self
            .private
            .pkcs1v15_sign::<Sha256>(body)
            .unwrap_or_default();
        base64::engine::general_purpose::STANDARD.encode(sig)
    }
}

/// Checks `signature` (base64) over `body` with a PEM public key (PKCS#1 or SPKI),
/// as a receiver does.
pub fn verify(public_pem: &str, body: &[u8], signature: &str) -> bool {
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    let pem = public_pem.trim();
    let Ok(key) = PublicKey::from_pkcs1_pem(pem).or_else(|_| PublicKey::from_public_key_pem(pem))
    else {
        return false;
    };
    let Ok(sig) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    key.pkcs1v15_verify::<Sha256>(body, &sig).is_ok()
}

/// One signed delivery attempt. `attempt` counts from 1; `X-Retry-Count` from 0.
pub fn request(
    url: &str,
    body: &Bytes,
    signature: &str,
    payload_version: &str,
    attempt: u32,
) -> Outgoing {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set(&mut headers, SIGNATURE, signature);
    set(&mut headers, PAYLOAD_VERSION, payload_version);
    set(&mut headers, RETRY_COUNT, &(attempt - 1).to_string());
    Outgoing {
        method: Method::POST,
        url: url.to_owned(),
        headers,
        body: body.clone(),
    }
}

/// Freshchat's retries (policy UNKNOWN, so configurable): any answer but a 2xx, a
/// timeout or a failed connection is retried up to `max_retries` times, waiting
/// `retry_base_delay_ms` times `retry_factor` to the power of the retry number.
#[derive(Debug, Clone, Copy)]
pub struct FreshchatRetry {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first wait.
    pub base: Duration,
    /// How much each wait grows.
    pub factor: u32,
}

impl FreshchatRetry {
    /// The policy of the settings.
    pub fn from_settings(s: &WebhookSettings) -> Self {
        Self {
            max_retries: s.max_retries,
            base: Duration::from_millis(s.retry_base_delay_ms),
            factor: s.retry_factor.max(1),
        }
    }
}

impl RetryPolicy for FreshchatRetry {
    fn next_delay(&self, attempt: u32, outcome: &Outcome) -> Option<Duration> {
        if outcome.is_success() || attempt > self.max_retries {
            return None;
        }
        let grow = self.factor.saturating_pow(attempt - 1);
        Some(self.base.saturating_mul(grow))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_over_the_exact_bytes_only() {
        let key = SigningKey::generated();
        let body = br#"{"action":"message_create"}"#;
        let sig = key.sign(body);
        assert!(verify(&key.public_pem(), body, &sig));
        assert!(verify(&key.public_spki_pem(), body, &sig));
        assert!(!verify(
            &key.public_pem(),
            br#"{"action": "message_create"}"#,
            &sig
        ));
        assert!(
            key.public_pem()
                .starts_with("-----BEGIN RSA PUBLIC KEY-----")
        );
    }

    #[test]
    fn retries_grow_and_stop() {
        let p = FreshchatRetry {
            max_retries: 2,
            base: Duration::from_millis(10),
            factor: 3,
        };
        assert_eq!(
            p.next_delay(1, &Outcome::TimedOut),
            Some(Duration::from_millis(10))
        );
        assert_eq!(
            p.next_delay(2, &Outcome::TimedOut),
            Some(Duration::from_millis(30))
        );
        assert_eq!(p.next_delay(3, &Outcome::TimedOut), None);
    }

    #[test]
    fn retry_count_starts_at_zero() {
        let r = request(
            "http://127.0.0.1:1/h",
            &Bytes::from_static(b"{}"),
            "s",
            "1",
            1,
        );
        assert_eq!(r.headers[RETRY_COUNT], "0");
        let r = request(
            "http://127.0.0.1:1/h",
            &Bytes::from_static(b"{}"),
            "s",
            "1",
            3,
        );
        assert_eq!(r.headers[RETRY_COUNT], "2");
    }
}
