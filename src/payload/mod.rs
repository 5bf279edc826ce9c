//! What a vendor registers for fuzzing: its payloads ([`Target`]), how it signs
//! them ([`Scheme`]), and the keys a run signs with ([`Keys`]).
//!
//! These types sit below the vendors: a vendor folder's `fuzz.rs` fills them in and
//! lists its payloads in its registration; the rest of the fuzzer reads them from
//! the registry and names no vendor.
//!
//! - [`r#gen`](gen/index.html): the building blocks of every vendor's generators;
//!   `proptest` is re-exported ([`proptest`]) so the versions match.

pub use proptest;

pub mod r#gen;

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, Method, header};
use bytes::Bytes;
use proptest::strategy::BoxedStrategy;
use serde_json::Value;
use time::OffsetDateTime;

use crate::outbound::Outgoing;

/// One payload kind that `fakedesk fuzz` sends.
pub struct Target {
    /// `vendor.payload`, e.g. `acme.webhook`: the vendor's name, a dot, the payload's.
    pub name: &'static str,
    /// One line for `--list`.
    pub summary: &'static str,
    /// Valid payloads, as the vendor sends them.
    pub generate: fn() -> BoxedStrategy<Value>,
    /// How the vendor authenticates them.
    pub scheme: &'static Scheme,
    /// The `User-Agent` of an unsigned request, when the vendor sends one.
    pub user_agent: Option<&'static str>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("name", &self.name)
            .field("scheme", &self.scheme.describe)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// The vendor part of the name (`acme` of `acme.webhook`).
    pub fn vendor(&self) -> &'static str {
        self.name.split_once('.').map_or(self.name, |(v, _)| v)
    }

    /// The vendor's request carrying `body` to `url`, signed at `signed_at`.
    pub fn request(
        &self,
        keys: &Keys,
        url: &str,
        body: Bytes,
        signed_at: OffsetDateTime,
    ) -> Outgoing {
        (self.scheme.request)(&Envelope {
            url,
            body,
            signed_at,
            secret: keys
                .secret
                .as_deref()
                .or(self.scheme.default_secret)
                .unwrap_or_default(),
            private_key: keys.private_key.as_deref(),
            user_agent: self.user_agent,
        })
    }
}

/// How a vendor authenticates what it sends.
#[derive(Debug, Clone, Copy)]
pub struct Scheme {
    /// How a receiver checks it, in one line, for `--list` and reports.
    pub describe: &'static str,
    /// The header a bad-signature case spoils, when there is one (lower case).
    pub signature_header: Option<&'static str>,
    /// True when the signature covers a timestamp, so a stale one can be sent.
    pub timestamped: bool,
    /// The secret used when none is given (the vendor's documented example);
    /// `None` when the scheme uses no secret.
    pub default_secret: Option<&'static str>,
    /// The private key the scheme signs with, when it signs with one.
    pub key: Option<&'static KeyKind>,
    /// Builds the signed request.
    pub request: fn(&Envelope<'_>) -> Outgoing,
}

impl Scheme {
    /// Nothing: receivers rely on their own headers (`--header`). A JSON POST,
    /// with the payload's `User-Agent` when it has one.
    pub const UNSIGNED: Self = Self {
        describe: "unsigned (add your own headers with --header)",
        signature_header: None,
        timestamped: false,
        default_secret: None,
        key: None,
        request: json_post,
    };
}

/// What a scheme's request builder gets.
#[derive(Debug)]
pub struct Envelope<'a> {
    /// Where the request goes.
    pub url: &'a str,
    /// The exact body.
    pub body: Bytes,
    /// When it is signed.
    pub signed_at: OffsetDateTime,
    /// The secret given, else the scheme's default (empty when it has none).
    pub secret: &'a str,
    /// The private key given, if any (else the scheme signs with its bundled key).
    pub private_key: Option<&'a dyn BodySigner>,
    /// The payload's `User-Agent`, when it has one.
    pub user_agent: Option<&'static str>,
}

/// A JSON POST of the envelope's body, with its `User-Agent` when it has one.
pub fn json_post(e: &Envelope<'_>) -> Outgoing {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(ua) = e.user_agent {
        headers.insert(header::USER_AGENT, HeaderValue::from_static(ua));
    }
    Outgoing {
        method: Method::POST,
        url: e.url.to_owned(),
        headers,
        body: e.body.clone(),
    }
}

/// A private key that signs bodies.
pub trait BodySigner: std::fmt::Debug + Send + Sync {
    /// The signature of `body`, as the scheme's header carries it.
    fn sign(&self, body: &[u8]) -> String;
    /// The public half, PEM, as a receiver is configured with it.
    fn public_pem(&self) -> String;
}

/// A kind of private key a scheme signs with.
#[derive(Debug)]
pub struct KeyKind {
    /// Reads a key from PEM text; why not, when it is not one.
    pub parse: fn(&str) -> Result<Arc<dyn BodySigner>, BadKey>,
    /// The key used when none is given: a fixed key for tests only, so a receiver
    /// can be configured with its public key once.
    pub bundled: fn() -> &'static dyn BodySigner,
    /// What `--list` says before the bundled key's public half.
    pub note: &'static str,
}

/// Why PEM text is not a key a scheme can sign with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadKey(pub String);

/// The secrets and keys requests are signed with.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// The signing secret, client secret or channel key; `None`: the scheme's
    /// [`Scheme::default_secret`].
    pub secret: Option<String>,
    /// The private key; `None`: the scheme's [`KeyKind::bundled`] key.
    pub private_key: Option<Arc<dyn BodySigner>>,
}
