//! A vendor's gate: what every request of a vendor goes through before its route
//! (an account's rate limit, authentication) and what every answer gets after it
//! (the vendor's common headers). A vendor supplies a [`Gatekeeper`] through
//! [`super::Vendor::gate`]; the harness puts a [`Gate`] around the vendor's whole
//! router, inside its record layer (one gate per request, not one per route).
//!
//! Hand-written rather than `axum::middleware::from_fn`, which boxes a future and
//! clones the route per request: the gate's checks are synchronous, so
//! [`GateFuture`] only waits for the route.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use axum::extract::Request;
use axum::response::Response;
use tower::{Layer, Service};

use crate::ratelimit::Decision;

/// What a request let through (or refused) carries to [`Gatekeeper::finish`].
pub struct Pass {
    /// Who finishes the answer: the vendor, or the account the request is for.
    pub keeper: Arc<dyn Gatekeeper>,
    /// The rate limit's decision, when limits apply.
    pub decision: Option<Decision>,
    /// When the request reached the gate.
    pub started: Instant,
    /// Whether the request may change state (a write).
    pub writes: bool,
}

/// A vendor's checks before its routes and its touches after them.
pub trait Gatekeeper: Send + Sync + 'static {
    /// Looks at a request before its route: the pass for [`Gatekeeper::finish`], and
    /// the vendor's own refusal when the request may not reach its route. May add
    /// extensions for the route.
    fn admit(self: Arc<Self>, req: &mut Request) -> (Pass, Option<Response>);
    /// The answer as sent: the route's (or the refusal) with what the vendor adds.
    fn finish(&self, res: Response, pass: &Pass) -> Response;
}

/// A vendor's gate as [`super::Vendor::gate`] returns it (also a `tower` layer).
#[derive(Clone)]
pub struct GateLayer(Arc<dyn Gatekeeper>);

impl GateLayer {
    /// The gate of `keeper`.
    pub fn new(keeper: Arc<dyn Gatekeeper>) -> Self {
        Self(keeper)
    }
}

impl<S> Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Gate<S> {
        Gate {
            keeper: Some(self.0.clone()),
            inner,
        }
    }
}

/// A vendor's gate around a service (its router); without a keeper, the service
/// as it is.
#[derive(Clone)]
pub struct Gate<S> {
    keeper: Option<Arc<dyn Gatekeeper>>,
    inner: S,
}

impl<S> Gate<S> {
    /// `inner` behind `gate`'s keeper, or open when the vendor has no gate.
    pub fn new(gate: Option<GateLayer>, inner: S) -> Self {
        Self {
            keeper: gate.map(|g| g.0),
            inner,
        }
    }
}

impl<S> Service<Request> for Gate<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    // axum's route futures are `Unpin`; requiring it keeps `GateFuture` simple.
    S::Future: Unpin,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GateFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let Some(keeper) = &self.keeper else {
            return GateFuture {
                pass: None,
                answer: Answer::Route(self.inner.call(req)),
            };
        };
        let (pass, refusal) = keeper.clone().admit(&mut req);
        let answer = match refusal {
            Some(res) => Answer::Refused(Some(res)),
            None => Answer::Route(self.inner.call(req)),
        };
        GateFuture {
            pass: Some(pass),
            answer,
        }
    }
}

/// The answer of [`Gate`]: the route's or the refusal, finished by the keeper.
pub struct GateFuture<F> {
    pass: Option<Pass>,
    answer: Answer<F>,
}

enum Answer<F> {
    /// Refused before the route (taken when the future completes).
    Refused(Option<Response>),
    /// Waiting for the route.
    Route(F),
}

impl<F> Future for GateFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let res = match &mut this.answer {
            Answer::Refused(res) => res.take().expect("GateFuture polled after completion"),
            Answer::Route(future) => ready!(Pin::new(future).poll(cx))?,
        };
        Poll::Ready(Ok(match &this.pass {
            Some(pass) => pass.keeper.finish(res, pass),
            None => res,
        }))
    }
}
