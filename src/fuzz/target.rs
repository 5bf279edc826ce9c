//! What can be fuzzed: every payload a fake vendor sends, with the vendor's own
//! request around it (method, headers, signature computed over the exact bytes).

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use bytes::Bytes;
use proptest::strategy::BoxedStrategy;
use serde_json::Value;
use time::OffsetDateTime;

use super::r#gen;
use crate::outbound::Outgoing;
use crate::vendors::freshchat::webhook::{self as freshchat, SigningKey};
use crate::vendors::{blip, smartsupp, zendesk};

/// How a vendor authenticates what it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Nothing: receivers rely on their own headers (`--header`).
    None,
    /// Zendesk: base64 HMAC-SHA256 of timestamp + body, with the timestamp in its
    /// own header.
    ZendeskHmac,
    /// Freshchat: base64 RSA PKCS#1 v1.5 SHA-256 signature of the body.
    FreshchatRsa,
    /// Smartsupp: hex HMAC-SHA256 of the body.
    SmartsuppHmac,
    /// Blip: the channel's key in a header.
    BlipKey,
}

impl Scheme {
    /// The header a bad-signature case spoils, when there is one.
    pub fn signature_header(self) -> Option<HeaderName> {
        match self {
            Self::None => None,
            Self::ZendeskHmac => Some(HeaderName::from_static("x-zendesk-webhook-signature")),
            Self::FreshchatRsa => Some(freshchat::SIGNATURE),
            Self::SmartsuppHmac => Some(HeaderName::from_static(smartsupp::webhook::HMAC_HEADER)),
            Self::BlipKey => Some(header::AUTHORIZATION),
        }
    }

    /// True when the signature covers a timestamp, so a stale one can be sent.
    pub fn timestamped(self) -> bool {
        self == Self::ZendeskHmac
    }

    /// The secret used when none is given: the vendor's documented example.
    pub fn default_secret(self) -> &'static str {
        match self {
            // REFERENCE 1.11: the static secret of the docs' sample receiver.
            Self::ZendeskHmac => "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ==",
            // REFERENCE 5.3: the docs' placeholder.
            Self::SmartsuppHmac => "YOUR_CLIENT_SECRET",
            Self::BlipKey => "fakedesk-channel-key",
            Self::None | Self::FreshchatRsa => "",
        }
    }

    /// How a receiver checks what this scheme sends, for `--list` and reports.
    pub fn describe(self) -> &'static str {
        match self {
            Self::None => "unsigned (add your own headers with --header)",
            Self::ZendeskHmac => {
                "x-zendesk-webhook-signature = base64(HMAC-SHA256(secret, timestamp + body))"
            }
            Self::FreshchatRsa => {
                "x-freshchat-signature = base64(RSA PKCS#1 v1.5 SHA-256 of the body)"
            }
            Self::SmartsuppHmac => "x-smartsupp-hmac = hex(HMAC-SHA256(client secret, body))",
            Self::BlipKey => "the channel's authentication key in Authorization",
        }
    }
}

/// One payload kind that `fakedesk fuzz` sends.
pub struct Target {
    /// `vendor.payload`, e.g. `freshchat.webhook`.
    pub name: &'static str,
    /// One line for `--list`.
    pub summary: &'static str,
    /// Valid payloads, as the vendor sends them.
    pub generate: fn() -> BoxedStrategy<Value>,
    /// How the vendor authenticates them.
    pub scheme: Scheme,
    /// The `User-Agent` of an unsigned request, when the vendor sends one.
    pub user_agent: Option<&'static str>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("name", &self.name)
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

/// Every payload fakedesk can fuzz with.
pub const TARGETS: &[Target] = &[
    Target {
        name: "zendesk.webhook",
        summary: "a trigger's webhook: the JSON body a notification_webhook action renders for a ticket",
        generate: r#gen::zendesk::webhook,
        scheme: Scheme::ZendeskHmac,
        user_agent: None,
    },
    Target {
        name: "zendesk.event",
        summary: "an event-subscription webhook (zen:event-type:ticket.*)",
        generate: r#gen::zendesk::event,
        scheme: Scheme::ZendeskHmac,
        user_agent: None,
    },
    Target {
        name: "braze.campaign",
        summary: "a webhook campaign's body, rendered with Liquid for a user profile",
        generate: r#gen::braze::campaign,
        scheme: Scheme::None,
        // The fake Braze's default (REFERENCE 2.4: `Braze Sender <hash>`).
        user_agent: Some("Braze Sender 5a3e1b2c9d"),
    },
    Target {
        name: "freshchat.webhook",
        summary: "any of the four webhook events",
        generate: r#gen::freshchat::webhook,
        scheme: Scheme::FreshchatRsa,
        user_agent: None,
    },
    Target {
        name: "freshchat.message_create",
        summary: "the message_create event",
        generate: r#gen::freshchat::message_create,
        scheme: Scheme::FreshchatRsa,
        user_agent: None,
    },
    Target {
        name: "freshchat.conversation_assignment",
        summary: "the conversation_assignment event",
        generate: r#gen::freshchat::conversation_assignment,
        scheme: Scheme::FreshchatRsa,
        user_agent: None,
    },
    Target {
        name: "freshchat.conversation_resolution",
        summary: "the conversation_resolution event",
        generate: r#gen::freshchat::conversation_resolution,
        scheme: Scheme::FreshchatRsa,
        user_agent: None,
    },
    Target {
        name: "freshchat.conversation_reopen",
        summary: "the conversation_reopen event",
        generate: r#gen::freshchat::conversation_reopen,
        scheme: Scheme::FreshchatRsa,
        user_agent: None,
    },
    Target {
        name: "smartsupp.hook",
        summary: "the POST hook's chat export (legacy \"Export to 3rd party system\")",
        generate: r#gen::smartsupp::hook,
        scheme: Scheme::None,
        user_agent: None,
    },
    Target {
        name: "smartsupp.webhook",
        summary: "a REST v2 webhook event (event_callback envelope)",
        generate: r#gen::smartsupp::webhook,
        scheme: Scheme::SmartsuppHmac,
        user_agent: None,
    },
    Target {
        name: "blip.ticket",
        summary: "a new ticket pushed to a custom attendance channel",
        generate: r#gen::blip::ticket,
        scheme: Scheme::BlipKey,
        user_agent: None,
    },
    Target {
        name: "blip.message",
        summary: "a customer's message forwarded to a custom attendance channel",
        generate: r#gen::blip::message,
        scheme: Scheme::BlipKey,
        user_agent: None,
    },
    Target {
        name: "ferndesk.document",
        summary: "a custom support endpoint's document, POSTed to its consumer",
        generate: r#gen::ferndesk::document,
        scheme: Scheme::None,
        user_agent: None,
    },
];

/// The target named `name`, or a message naming the closest one.
pub fn find(name: &str) -> Result<&'static Target, String> {
    if let Some(t) = TARGETS.iter().find(|t| t.name == name) {
        return Ok(t);
    }
    let names: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
    let hint = crate::scenario::diag::did_you_mean(name, names.iter().copied())
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    Err(format!(
        "unknown payload `{name}`{hint}; one of: {}",
        names.join(", ")
    ))
}

/// The secrets and keys requests are signed with.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// Zendesk's signing secret, Smartsupp's client secret or Blip's channel key;
    /// `None`: the scheme's [`Scheme::default_secret`].
    pub secret: Option<String>,
    /// Freshchat's private key; `None`: [`test_key`].
    pub freshchat: Option<SigningKey>,
}

impl Keys {
    fn secret(&self, scheme: Scheme) -> &str {
        self.secret
            .as_deref()
            .unwrap_or_else(|| scheme.default_secret())
    }

    fn freshchat(&self) -> &SigningKey {
        self.freshchat.as_ref().unwrap_or_else(|| test_key())
    }
}

const TEST_KEY_PEM: &str = include_str!("freshchat_test_key.pem");

/// The RSA key fuzzing signs Freshchat payloads with unless given another: a fixed
/// key for tests only, so a receiver can be configured with its public key
/// ([`test_public_key_pem`]) once.
pub fn test_key() -> &'static SigningKey {
    static KEY: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_pem(TEST_KEY_PEM).expect("the bundled test key parses"))
}

/// The public half of [`test_key`], PEM (`RSA PUBLIC KEY`, as Freshchat shows it).
pub fn test_public_key_pem() -> String {
    test_key().public_pem()
}

/// Fixed identifiers in Zendesk's headers (a fuzz run is one webhook).
const ZENDESK_ACCOUNT: u64 = 1_234_567;
const ZENDESK_WEBHOOK: &str = "01HZX3V5K2M4N6P8Q9R0S1T2W3";

impl Target {
    /// The vendor's request carrying `body` to `url`, signed at `signed_at`.
    pub fn request(
        &self,
        keys: &Keys,
        url: &str,
        body: Bytes,
        signed_at: OffsetDateTime,
    ) -> Outgoing {
        let json = || {
            let mut h = HeaderMap::new();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            h
        };
        let post = |headers: HeaderMap, body: Bytes| Outgoing {
            method: Method::POST,
            url: url.to_owned(),
            headers,
            body,
        };
        match self.scheme {
            Scheme::ZendeskHmac => {
                let timestamp = crate::clock::iso_seconds(signed_at);
                // A ULID, as Zendesk's deliveries carry (captured), the same for the same body.
                let invocation =
                    zendesk::webhook::ulid(signed_at, &mut crate::ids::IdGen::new(fnv(&body)));
                let headers = zendesk::webhook::invocation_headers(
                    &zendesk::webhook::Signed {
                        account_id: ZENDESK_ACCOUNT,
                        webhook_id: ZENDESK_WEBHOOK,
                        invocation_id: &invocation,
                        secret: keys.secret(self.scheme),
                        timestamp: &timestamp,
                    },
                    &body,
                    "application/json",
                );
                post(headers, body)
            }
            Scheme::FreshchatRsa => {
                let signature = keys.freshchat().sign(&body);
                freshchat::request(url, &body, &signature, "1", 1)
            }
            Scheme::SmartsuppHmac => {
                smartsupp::webhook::signed_request(url, body, keys.secret(self.scheme), "")
            }
            Scheme::BlipKey => blip::webhook::request_bytes(
                url,
                header::AUTHORIZATION.as_str(),
                keys.secret(self.scheme),
                body,
            ),
            Scheme::None => {
                let mut h = json();
                if let Some(ua) = self.user_agent {
                    h.insert(header::USER_AGENT, HeaderValue::from_static(ua));
                }
                post(h, body)
            }
        }
    }
}

/// FNV-1a: a stable, dependency-free hash for derived ids.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}
