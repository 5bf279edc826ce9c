//! The record layer: wraps every vendor router, buffers each request and response
//! body once (as `Bytes`) and appends the exchange to the journal.
//!
//! It sits outermost, so what it records is exactly what the client sent and saw,
//! including rate-limit and authentication refusals. A body over the configured
//! limit never reaches the vendor: the vendor's own "too large" error answers it, and
//! the journal keeps a copy of the body's start, marked truncated (never a slice of
//! the buffered body, which would keep all of it alive). A body that pauses longer
//! than the body timeout is answered with the vendor's own error, status 408.
//!
//! It wraps the vendor's whole router (with the vendor's gate inside it), once per
//! request rather than once per route. What it records is what the client gets:
//! a `HEAD` answer without a body, a 405 with its `allow`; a `content-length` that
//! only states the body's length is framing and left out of the journal.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::body::{Body as AxumBody, HttpBody as _};
use axum::extract::Request;
use axum::http::request::Parts;
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use time::OffsetDateTime;
use tower::{Layer, Service};

use crate::clock::Clock;
use crate::fault::{Chosen, Faults, Probe, respond};
use crate::journal::{
    Body, Direction, Exchange, FaultMark, Headers, Journal, RequestRecord, ResponseRecord,
};
use crate::vendors::{Rejection, Vendor};

/// Most bytes of an oversized body the journal keeps.
const TRUNCATED_KEEP: usize = 64 * 1024;

/// What the record layer needs.
#[derive(Clone)]
pub struct Recorder {
    /// Where exchanges go.
    pub journal: Arc<Journal>,
    /// The vendor this router serves (its name, and its error for refusals).
    pub vendor: Arc<dyn Vendor>,
    /// The run's clock.
    pub clock: Arc<dyn Clock>,
    /// Largest request body accepted.
    pub max_body: usize,
    /// Longest pause while the request body arrives.
    pub body_timeout: Duration,
    /// The run's fault rules.
    pub faults: Arc<Faults>,
    /// Where served and unmatched calls are counted.
    pub coverage: Arc<super::coverage::Coverage>,
}

/// The record layer, around a vendor's gated router.
#[derive(Clone)]
pub struct RecordLayer(Arc<Recorder>);

impl RecordLayer {
    /// Records into `recorder`'s journal.
    pub fn new(recorder: Recorder) -> Self {
        Self(Arc::new(recorder))
    }
}

impl<S> Layer<S> for RecordLayer {
    type Service = Record<S>;

    fn layer(&self, inner: S) -> Record<S> {
        Record {
            inner,
            recorder: self.0.clone(),
        }
    }
}

/// The record layer around one route.
#[derive(Clone)]
pub struct Record<S> {
    inner: S,
    recorder: Arc<Recorder>,
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> Service<Request> for Record<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    // axum's route futures (and the vendors' gates around them) are `Unpin`;
    // requiring it keeps `RecordFuture` free of pin projections.
    S::Future: Send + Unpin + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = RecordFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> RecordFuture<S::Future> {
        let recorder = self.recorder.clone();
        let started = Started::now(recorder.clock.as_ref());
        if recorder.faults.inbound_active() {
            // A request without a body is matched now: when no rule applies it takes
            // the usual path below. One with a body is read first, then matched.
            let empty = req.body().size_hint().exact() == Some(0);
            let chosen = if empty {
                recorder.choose(&req, &[])
            } else {
                None
            };
            if !empty || chosen.is_some() {
                let clone = self.inner.clone();
                let inner = std::mem::replace(&mut self.inner, clone);
                let faulted = recorder.faulted(inner, req, started, chosen);
                return RecordFuture(State::Boxed(Box::pin(faulted)));
            }
        }
        if req.body().size_hint().exact() == Some(0) {
            // Nothing to read first (most GETs): call the route now, which spares
            // cloning it (a clone of a route allocates), and wait for it without
            // boxing a future.
            let (parts, _) = req.into_parts();
            let account = recorder.vendor.account_of(&parts);
            let request = request_record(&parts, Bytes::new(), false, account);
            let route = self
                .inner
                .call(Request::from_parts(parts, AxumBody::empty()));
            return RecordFuture(State::Route {
                route,
                recorder,
                request,
                started,
            });
        }
        // The body must be read before the route sees the request: call a clone
        // then, and keep the service that was polled ready (tower's usual swap).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        RecordFuture(State::Boxed(Box::pin(async move {
            let (parts, body) = req.into_parts();
            let max = recorder.max_body;
            let (body, truncated, refusal) = read_request(body, max, recorder.body_timeout).await;
            let account = recorder.vendor.account_of(&parts);
            let request = request_record(&parts, body.clone(), truncated, account);
            let response = match refusal {
                Some(why) => recorder.vendor.reject(why),
                None => {
                    inner
                        .call(Request::from_parts(parts, AxumBody::from(body)))
                        .await?
                }
            };
            Ok(recorder.finish(request, response, started).await)
        })))
    }
}

/// The answer of [`Record`]: the route's, once journaled.
pub struct RecordFuture<F>(State<F>);

enum State<F> {
    /// Waiting for the route (a request without a body).
    Route {
        route: F,
        recorder: Arc<Recorder>,
        request: RequestRecord,
        started: Started,
    },
    /// Anything else that may wait: reading the request body first, or a response
    /// body that is not complete at once.
    Boxed(BoxFuture),
    /// Answered.
    Done,
}

impl<F> Future for RecordFuture<F>
where
    F: Future<Output = Result<Response, Infallible>> + Unpin,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let state = &mut self.get_mut().0;
        let response = match state {
            State::Boxed(future) => return future.as_mut().poll(cx),
            State::Done => panic!("RecordFuture polled after completion"),
            State::Route { route, .. } => ready!(Pin::new(route).poll(cx))?,
        };
        let State::Route {
            recorder,
            request,
            started,
            ..
        } = std::mem::replace(state, State::Done)
        else {
            unreachable!("the route answered")
        };
        // As `gather`, without a future of its own when the body is complete at
        // once (every handler's is).
        let (parts, mut body) = response.into_parts();
        let rest = match Pin::new(&mut body).poll_frame(cx) {
            Poll::Ready(None | Some(Err(_))) => None,
            Poll::Ready(Some(Ok(frame))) => {
                // A frame that is not data is trailers, which are not kept.
                let first = frame.into_data().unwrap_or_default();
                if body.is_end_stream() {
                    return Poll::Ready(Ok(recorder.complete(request, parts, first, started)));
                }
                Some(Box::pin(async move {
                    match body.collect().await {
                        Ok(rest) => [first, rest.to_bytes()].concat().into(),
                        Err(_) => Bytes::new(),
                    }
                })
                    as Pin<Box<dyn Future<Output = Bytes> + Send>>)
            }
            Poll::Pending => Some(Box::pin(gather(body)) as _),
        };
        let Some(rest) = rest else {
            return Poll::Ready(Ok(recorder.complete(request, parts, Bytes::new(), started)));
        };
        *state = State::Boxed(Box::pin(async move {
            let body = rest.await;
            Ok(recorder.complete(request, parts, body, started))
        }));
        let State::Boxed(future) = state else {
            unreachable!("just boxed")
        };
        future.as_mut().poll(cx)
    }
}

/// When an exchange began, on the run's clock and on the monotonic one.
struct Started {
    at: OffsetDateTime,
    instant: Instant,
}

impl Started {
    fn now(clock: &dyn Clock) -> Self {
        Self {
            at: clock.now(),
            instant: Instant::now(),
        }
    }
}

/// Whether an answer says the fake does not implement the call: the vendor marked
/// it as its "no such endpoint" answer (see [`crate::vendors::unmatched`]), or it
/// is a 405. (Read from the answer, not from axum's matched route, so requests
/// need no extension map.)
fn is_unmatched(parts: &axum::http::response::Parts) -> bool {
    parts
        .extensions
        .get::<crate::vendors::Unmatched>()
        .is_some()
        || parts.status == axum::http::StatusCode::METHOD_NOT_ALLOWED
}

fn request_record(
    parts: &Parts,
    body: Bytes,
    truncated: bool,
    account: Option<std::sync::Arc<str>>,
) -> RequestRecord {
    RequestRecord {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: Headers::from_map(&parts.headers),
        body: Body(body),
        truncated,
        account,
    }
}

impl Recorder {
    /// Journals the exchange and hands the response on, its body gathered once.
    async fn finish(
        &self,
        request: RequestRecord,
        response: Response,
        started: Started,
    ) -> Response {
        let (parts, body) = response.into_parts();
        let body = gather(body).await;
        self.complete(request, parts, body, started)
    }

    /// Journals the exchange whose response body is `body`, and hands it on.
    fn complete(
        &self,
        request: RequestRecord,
        parts: axum::http::response::Parts,
        body: Bytes,
        started: Started,
    ) -> Response {
        self.journal_exchange(request, Some((&parts, body.clone())), None, None, &started);
        Response::from_parts(parts, AxumBody::from(body))
    }

    /// Appends one inbound exchange: what the client saw (`response`: the head and
    /// the body bytes it got; `None` for no reply, with `error` saying why).
    fn journal_exchange(
        &self,
        request: RequestRecord,
        response: Option<(&axum::http::response::Parts, Bytes)>,
        error: Option<&str>,
        fault: Option<FaultMark>,
        started: &Started,
    ) {
        let unmatched = response
            .as_ref()
            .is_some_and(|(parts, _)| is_unmatched(parts));
        self.count(&request, unmatched);
        self.journal.record(Exchange {
            vendor: self.vendor.name(),
            direction: Direction::Inbound,
            request,
            response: response.map(|(parts, body)| ResponseRecord {
                status: parts.status.as_u16(),
                headers: Headers::of_answer(&parts.headers, body.len()),
                body: Body(body),
            }),
            error: error.map(str::to_owned),
            outbound: None,
            started_at: started.at,
            duration_us: u64::try_from(started.instant.elapsed().as_micros()).unwrap_or(u64::MAX),
            fault,
            unmatched,
        });
    }

    /// The inbound rule for a request whose body is `body`, if one applies.
    fn choose(&self, req: &Request, body: &[u8]) -> Option<Chosen> {
        self.faults.choose_inbound(&Probe {
            vendor: self.vendor.name(),
            method: req.method().as_str(),
            path: req.uri().path(),
            headers: req.headers(),
            body,
        })
    }

    fn choose_parts(&self, parts: &Parts, body: &[u8]) -> Option<Chosen> {
        self.faults.choose_inbound(&Probe {
            vendor: self.vendor.name(),
            method: parts.method.as_str(),
            path: parts.uri.path(),
            headers: &parts.headers,
            body,
        })
    }

    /// The path of a request while fault rules shape inbound traffic, unless it has
    /// no body and no rule applies: the body is read first, then the rule already
    /// `chosen` or the first that matches (if any) decides what happens.
    async fn faulted<S>(
        self: Arc<Self>,
        mut inner: S,
        req: Request,
        started: Started,
        chosen: Option<Chosen>,
    ) -> Result<Response, Infallible>
    where
        S: Service<Request, Response = Response, Error = Infallible>,
    {
        let (parts, body) = req.into_parts();
        let (body, truncated, refusal) = read_request(body, self.max_body, self.body_timeout).await;
        let account = self.vendor.account_of(&parts);
        let request = request_record(&parts, body.clone(), truncated, account);
        if let Some(why) = refusal {
            return Ok(self.finish(request, self.vendor.reject(why), started).await);
        }
        let chosen = chosen.or_else(|| self.choose_parts(&parts, &body));
        let Some(chosen) = chosen else {
            let res = inner
                .call(Request::from_parts(parts, AxumBody::from(body)))
                .await?;
            return Ok(self.finish(request, res, started).await);
        };
        let mark = Some(chosen.mark());
        let response = match respond::plan(&chosen, |status| self.vendor.error_reply(status)) {
            respond::Plan::NoReply { wait, kill, error } => {
                self.journal_exchange(request, None, Some(error), mark, &started);
                tokio::time::sleep(wait).await;
                return Ok(respond::no_reply(kill));
            }
            respond::Plan::Answer(res) => (res, respond::Shape::Whole),
            respond::Plan::Call { latency, shape } => {
                tokio::time::sleep(latency).await;
                let res = inner
                    .call(Request::from_parts(parts, AxumBody::from(body)))
                    .await?;
                (res, shape)
            }
        };
        let (res, shape) = response;
        let (head, body) = res.into_parts();
        let body = gather(body).await;
        let (head, seen, wire) = respond::shape(shape, head, body);
        self.journal_exchange(request, Some((&head, seen)), None, mark, &started);
        Ok(wire)
    }
}

impl Recorder {
    /// Counts the call for `/coverage`; the first unmatched call of a method and
    /// template is logged.
    fn count(&self, request: &RequestRecord, unmatched: bool) {
        let name = self.vendor.name();
        super::coverage::with_template(&request.path, |template| {
            self.warn_first(name, request, template, unmatched);
        });
    }

    /// Counts the call under `template`; the first unmatched one of each is logged.
    fn warn_first(
        &self,
        name: &'static str,
        request: &RequestRecord,
        template: &str,
        unmatched: bool,
    ) {
        if self
            .coverage
            .record(name, &request.method, template, unmatched)
            && unmatched
        {
            tracing::warn!(
                "fake {} does not implement {} {template}",
                super::coverage::display_name(name),
                request.method
            );
        }
    }
}

/// A request's body as stored (whole, or the start of it), whether it was cut, and
/// why the request is refused, if it is.
async fn read_request(
    body: AxumBody,
    max: usize,
    idle: Duration,
) -> (Bytes, bool, Option<Rejection>) {
    match read_limited(body, max, idle).await {
        Read::Whole(b) => (b, false, None),
        Read::TooLarge(b) => (b, true, Some(Rejection::BodyTooLarge(max))),
        Read::Broken(b) => (b, false, Some(Rejection::BodyUnreadable)),
        Read::Stalled(b) => (b, true, Some(Rejection::TimedOut)),
    }
}

/// How reading a request body ended.
pub(crate) enum Read {
    /// All of it.
    Whole(Bytes),
    /// Over the limit: a copy of the start.
    TooLarge(Bytes),
    /// The client hung up mid-body: what had arrived.
    Broken(Bytes),
    /// Paused longer than the body timeout: what had arrived.
    Stalled(Bytes),
}

/// Reads `body` whole, at most `limit` bytes, waiting at most `idle` for each piece.
pub(crate) async fn read_limited(body: AxumBody, limit: usize, idle: Duration) -> Read {
    if body.size_hint().exact() == Some(0) {
        return Read::Whole(Bytes::new());
    }
    let mut body = body;
    // A declared length sizes the buffer exactly, so what is kept is what is stored.
    let hint = usize::try_from(body.size_hint().lower()).unwrap_or(usize::MAX);
    let mut buf = BytesMut::with_capacity(hint.min(limit));
    loop {
        let frame = match tokio::time::timeout(idle, body.frame()).await {
            Err(_) => return Read::Stalled(buf.freeze()),
            Ok(None) => return Read::Whole(buf.freeze()),
            Ok(Some(frame)) => frame,
        };
        let Ok(frame) = frame else {
            return Read::Broken(buf.freeze());
        };
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                // A copy, so the buffer read so far (up to the limit) is freed.
                let keep = TRUNCATED_KEEP.min(buf.len());
                let mut start = BytesMut::with_capacity(TRUNCATED_KEEP);
                start.extend_from_slice(&buf[..keep]);
                let more = (TRUNCATED_KEEP - keep).min(data.len());
                start.extend_from_slice(&data[..more]);
                return Read::TooLarge(start.freeze());
            }
            buf.extend_from_slice(&data);
        }
    }
}

/// A response body as one `Bytes`. Handlers answer with complete bodies, so this
/// only gathers what is there; a body of one chunk (every handler's) is kept as it
/// is, without copying or collecting. A body that fails is recorded and sent as
/// empty.
async fn gather(mut body: AxumBody) -> Bytes {
    let first = match body.frame().await {
        None | Some(Err(_)) => return Bytes::new(),
        // A frame that is not data is trailers, which are not kept.
        Some(Ok(frame)) => frame.into_data().unwrap_or_default(),
    };
    if body.is_end_stream() {
        return first;
    }
    match body.collect().await {
        Ok(rest) => [first, rest.to_bytes()].concat().into(),
        Err(_) => Bytes::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;
    use http_body_util::Full;

    #[tokio::test]
    async fn a_one_chunk_body_is_kept_without_a_copy() {
        let bytes = Bytes::from(vec![b'x'; 1000]);
        let gathered = gather(AxumBody::from(bytes.clone())).await;
        assert_eq!(gathered, bytes);
        assert_eq!(gathered.as_ptr(), bytes.as_ptr());
        assert!(gather(AxumBody::empty()).await.is_empty());
    }

    #[tokio::test]
    async fn an_oversized_body_keeps_a_copy_of_its_start_not_the_buffer() {
        let body = AxumBody::new(Scripted {
            chunks: (0..40).map(|_| Bytes::from(vec![b'x'; 100_000])).collect(),
            then_stall: false,
        });
        let Read::TooLarge(kept) = read_limited(body, 2_000_000, Duration::from_secs(5)).await
        else {
            panic!("expected TooLarge")
        };
        assert_eq!(kept.len(), TRUNCATED_KEEP);
        // The kept bytes are not a view into the larger buffer read so far: the
        // allocation they keep alive is no bigger than what they hold.
        let owned = kept.try_into_mut().expect("nothing else shares the copy");
        assert!(owned.capacity() <= TRUNCATED_KEEP, "{}", owned.capacity());
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_pauses_past_the_timeout_is_stalled() {
        let body = AxumBody::new(Scripted {
            chunks: [Bytes::from_static(b"{\"half\":")].into(),
            then_stall: true,
        });
        let started = tokio::time::Instant::now();
        let Read::Stalled(kept) = read_limited(body, 1024, Duration::from_secs(10)).await else {
            panic!("expected Stalled")
        };
        assert_eq!(&kept[..], b"{\"half\":");
        assert_eq!(started.elapsed(), Duration::from_secs(10));
    }

    /// A body of these chunks, then the end or a pause that never ends.
    struct Scripted {
        chunks: std::collections::VecDeque<Bytes>,
        then_stall: bool,
    }

    impl axum::body::HttpBody for Scripted {
        type Data = Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
            match self.chunks.pop_front() {
                Some(c) => Poll::Ready(Some(Ok(http_body::Frame::data(c)))),
                None if self.then_stall => Poll::Pending,
                None => Poll::Ready(None),
            }
        }
    }

    #[tokio::test]
    async fn trailers_after_the_data_are_dropped() {
        let body = Full::new(Bytes::from_static(b"data"))
            .with_trailers(async { Some(Ok(HeaderMap::new())) });
        assert_eq!(&gather(AxumBody::new(body)).await[..], b"data");
    }
}
