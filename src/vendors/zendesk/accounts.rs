//! Zendesk accounts by subdomain: each subdomain is an account of its own, with its
//! own state, created from the configured account (the template, credentials
//! included) on first use. Parallel test workers pick different subdomains against
//! one server and never see each other's tickets.
//!
//! The subdomain of a request: the one the proxy's host map named
//! ([`crate::fake::HostAccount`]), else the `Host` header's (`{sub}.zendesk.com` or
//! `{sub}.localhost`), else the configured one. The gate finds the account once
//! per request; handlers take it with the [`Account`] extractor.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::fake::Zendesk;
pub use super::subdomain::{AccountMap, MAX_ACCOUNTS, subdomain_of, valid_subdomain};

/// The account a request was for, as the gate found it; requests for the
/// configured subdomain carry nothing (reads stay free of extensions).
#[derive(Clone)]
pub(super) struct Found(pub(super) Arc<Zendesk>);

/// The account a handler works on: `Account(z): Z` in place of `State(z)`.
pub struct Account(pub Arc<Zendesk>);

impl FromRequestParts<Arc<Zendesk>> for Account {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        z: &Arc<Zendesk>,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(match parts.extensions.get::<Found>() {
            Some(Found(a)) => a.clone(),
            None => z.clone(),
        }))
    }
}
