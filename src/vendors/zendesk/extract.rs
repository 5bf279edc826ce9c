//! What handlers take from a request (the caller, the host it called) and how
//! routes are registered (with and without `.json`).

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;

use super::accounts;
use super::error::ZendeskError;
use super::fake::Zendesk;

/// `http://HOST` of the host the client called, for absolute links.
#[derive(Debug, Clone)]
pub struct BaseUrl(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BaseUrl {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(base_url(&parts.headers)))
    }
}

/// The host the client called, as [`BaseUrl`] names it, without building the URL.
#[derive(Debug, Clone)]
pub struct Host(Option<HeaderValue>);

impl Host {
    /// The host name (`localhost` when the request names none).
    pub fn as_str(&self) -> &str {
        host_name(self.0.as_ref())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Host {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.headers.get(header::HOST).cloned()))
    }
}

/// The scheme and host the client called, the base URL built only when needed
/// (a kept reply needs none).
#[derive(Debug, Clone)]
pub struct Origin {
    /// `http`, or `https` for a request that arrived over TLS.
    pub scheme: &'static str,
    /// The host.
    pub host: Host,
}

impl Origin {
    /// `scheme://host`, as [`BaseUrl`] holds it.
    pub fn base(&self) -> String {
        format!("{}://{}", self.scheme, self.host.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            scheme: crate::fake::scheme_of(&parts.headers),
            host: Host(parts.headers.get(header::HOST).cloned()),
        })
    }
}

/// The authenticated caller, for the handlers that need it. The gate
/// (`GateLayer`) has already refused requests without valid credentials; this reads
/// them again rather than passing them in request extensions, which would cost every
/// request an allocation (most need no caller).
#[derive(Debug, Clone, Copy)]
pub struct Caller(pub u64);

impl FromRequestParts<Arc<Zendesk>> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, z: &Arc<Zendesk>) -> Result<Self, Response> {
        let z = match parts.extensions.get::<accounts::Found>() {
            Some(accounts::Found(a)) => a,
            None => z,
        };
        z.caller(parts.headers.get(header::AUTHORIZATION))
            .map(Self)
            .ok_or_else(|| ZendeskError::Unauthorized.into_response())
    }
}

/// Registers routes the way Zendesk serves them: every path with and without
/// `.json` (REFERENCE 1.1). A path ending in a parameter is registered once: the
/// parameter captures the suffix and the id extractors strip it.
pub trait RouteJson {
    /// Adds `path` and `path.json`.
    fn route_json(self, path: &str, method: MethodRouter<Arc<Zendesk>>) -> Self;
}

impl RouteJson for Router<Arc<Zendesk>> {
    fn route_json(self, path: &str, method: MethodRouter<Arc<Zendesk>>) -> Self {
        if path.ends_with('}') {
            self.route(path, method)
        } else {
            self.route(path, method.clone())
                .route(&format!("{path}.json"), method)
        }
    }
}

/// The base URL of the host the client called, for absolute links.
pub fn base_url(headers: &HeaderMap) -> String {
    format!(
        "{}://{}",
        crate::fake::scheme_of(headers),
        host_name(headers.get(header::HOST))
    )
}

/// The host named by a `Host` header, `localhost` without a usable one.
fn host_name(host: Option<&HeaderValue>) -> &str {
    host.and_then(|h| h.to_str().ok()).unwrap_or("localhost")
}
