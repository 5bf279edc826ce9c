//! `deliver`: the payload to send, filled in and decoded, and the judgement of the
//! receiver's answer.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue};
use base64::Engine as _;

use super::explain::{body_value, indent, pretty};
use super::{DeliverError, StepError};
use crate::fuzz::case::Signing;
use crate::fuzz::expect::Expect;
use crate::fuzz::target::{self, Target};
use crate::outbound::Outcome;
use crate::scenario::interp::Scope;
use crate::scenario::model::{DeliverStep, SignatureKind};

/// Default wait for a receiver's answer.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A `deliver` step, filled in: everything but the signing keys, which the adapter
/// reads from files.
pub struct Delivery {
    /// The payload kind, and how its requests are built and signed.
    pub target: &'static Target,
    /// The receiver.
    pub url: String,
    /// The exact body bytes.
    pub body: Vec<u8>,
    /// How to sign them.
    pub signing: Signing,
    /// The signing secret, when the step gives one.
    pub secret: Option<String>,
    /// The private key file, relative to the scenario, when the step gives one.
    pub private_key: Option<String>,
    /// Headers added to the vendor's own.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The statuses the receiver may answer.
    pub expect: Expect,
    /// The longest wait for the answer.
    pub timeout: Duration,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("target", &self.target.name)
            .field("url", &self.url)
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("signing", &self.signing)
            .field("expect", &self.expect)
            .finish_non_exhaustive()
    }
}

impl Delivery {
    /// The vendor whose outbound traffic the delivery is journaled as.
    pub fn vendor(&self) -> &'static str {
        let name = self.target.name;
        name.split_once('.').map_or(name, |(v, _)| v)
    }

    /// Whether the receiver answered as the step wants.
    pub fn judge(&self, outcome: &Outcome) -> Result<(), StepError> {
        crate::fuzz::run::judge(&self.expect, self.timeout, outcome).map_err(|why| {
            let body = match outcome {
                Outcome::Answered(a) => format!(
                    "\nreply body:\n{}",
                    indent(&pretty(&body_value(&a.body)), 2)
                ),
                _ => String::new(),
            };
            StepError::Deliver(DeliverError::Receiver {
                why: why.into(),
                body,
            })
        })
    }
}

/// The delivery a `deliver` step makes.
pub(super) fn plan(s: &DeliverStep, scope: &Scope) -> Result<Delivery, StepError> {
    let target = target::find(&s.deliver.0).map_err(|e| DeliverError::UnknownPayload(e.into()))?;
    let url = scope.text(&s.to)?;
    let body = match (&s.body, &s.body_base64) {
        (Some(text), None) => scope.text(text)?.into_bytes(),
        (None, Some(b64)) => base64::engine::general_purpose::STANDARD
            .decode(scope.text(b64)?.trim())
            .map_err(|e| DeliverError::NotBase64(e.to_string()))?,
        (None, None) => Vec::new(),
        (Some(_), Some(_)) => return Err(DeliverError::TwoBodies.into()),
    };
    let signing = match (s.signature, s.signed_ago) {
        (Some(SignatureKind::Bad), _) => Signing::Bad,
        (_, Some(ago)) => Signing::Stale(ago.0.as_secs()),
        _ => Signing::Valid,
    };
    let mut headers = Vec::new();
    for (k, v) in &s.headers {
        let name =
            HeaderName::try_from(k.as_str()).map_err(|_| DeliverError::HeaderName(k.clone()))?;
        let value = HeaderValue::from_str(&scope.text(v)?)
            .map_err(|_| DeliverError::HeaderValue(k.clone()))?;
        headers.push((name, value));
    }
    let expect: Expect = (s.reply.as_deref().unwrap_or("2xx"))
        .parse()
        .map_err(|e: <Expect as std::str::FromStr>::Err| DeliverError::Reply(e.into()))?;
    Ok(Delivery {
        target,
        url,
        body,
        signing,
        secret: s.secret.clone(),
        private_key: s
            .private_key
            .as_deref()
            .map(|p| scope.text(p))
            .transpose()?,
        headers,
        expect,
        timeout: s.timeout.map_or(DEFAULT_TIMEOUT, |d| d.0),
    })
}
