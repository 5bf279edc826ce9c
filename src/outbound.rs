//! Outbound traffic: a fake vendor calling the system under test (webhooks, hooks).
//!
//! [`deliver`] runs one delivery: it builds each attempt, sends it through a
//! [`Transport`], journals it with its response or error, and asks the vendor's
//! [`RetryPolicy`] whether and when to try again. The loop is generic over the
//! transport so retry schedules are tested under paused time without sockets;
//! [`HttpTransport`] is the real one.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, Method, header};
use bytes::Bytes;

use crate::clock::Clock;
use crate::fault::{self, Chosen, Faults, Probe};
use crate::journal::{
    Body, Direction, Exchange, Headers, Journal, OutboundInfo, RequestRecord, ResponseRecord,
};

/// One request a fake sends.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// HTTP method.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Headers, signatures included.
    pub headers: HeaderMap,
    /// Body bytes (empty for none).
    pub body: Bytes,
}

/// What the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: Bytes,
}

impl Answer {
    /// The `Retry-After` header in seconds, when it is a number.
    pub fn retry_after(&self) -> Option<Duration> {
        let v = self.headers.get(header::RETRY_AFTER)?.to_str().ok()?;
        v.trim().parse::<u64>().ok().map(Duration::from_secs)
    }
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver answered (any status).
    Answered(Answer),
    /// No answer within the timeout.
    TimedOut,
    /// The connection failed (refused, reset, DNS...).
    Failed(String),
}

impl Outcome {
    /// True for a 2xx answer.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Answered(a) if (200..300).contains(&a.status))
    }

    /// The status, when there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Answered(a) => Some(a.status),
            _ => None,
        }
    }
}

/// A vendor's retry rules: after attempt `attempt` (from 1) ended with `outcome`,
/// how long to wait before the next one, or `None` to stop.
pub trait RetryPolicy: Send + Sync {
    /// The delay before the next attempt, or `None` when the delivery is over.
    fn next_delay(&self, attempt: u32, outcome: &Outcome) -> Option<Duration>;
}

/// One attempt, whatever happens (a pull, a bot's call, a replayed payload).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRetry;

impl RetryPolicy for NoRetry {
    fn next_delay(&self, _attempt: u32, _outcome: &Outcome) -> Option<Duration> {
        None
    }
}

/// Sends one request and reports how it ended.
pub trait Transport: Send + Sync {
    /// Sends `req`, giving up after `timeout`.
    fn send(&self, req: Outgoing, timeout: Duration) -> impl Future<Output = Outcome> + Send;
}

/// The real transport: HTTP/1.1 with reqwest over rustls; redirects are not
/// followed (a 30x is an answer, as the vendors treat it) and proxy variables are
/// ignored (receivers are reached directly).
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
}

impl HttpTransport {
    /// A transport trusting the system roots plus `trust`'s certificates.
    pub fn new(trust: &crate::tls::Trust) -> Self {
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_preconfigured(trust.client_config())
            .build()
            .expect("a client with a rustls configuration always builds");
        Self { client }
    }
}

impl Default for HttpTransport {
    /// Trusts the system roots only.
    fn default() -> Self {
        Self::new(&crate::tls::Trust::default())
    }
}

impl Transport for HttpTransport {
    async fn send(&self, req: Outgoing, timeout: Duration) -> Outcome {
        let sent = self
            .client
            .request(req.method, &req.url)
            .headers(req.headers)
            .body(req.body)
            .timeout(timeout)
            .send()
            .await;
        let res = match sent {
            Ok(res) => res,
            Err(e) if e.is_timeout() => return Outcome::TimedOut,
            Err(e) => return Outcome::Failed(describe(&e)),
        };
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        match res.bytes().await {
            Ok(body) => Outcome::Answered(Answer {
                status,
                headers,
                body,
            }),
            Err(e) if e.is_timeout() => Outcome::TimedOut,
            Err(e) => Outcome::Failed(describe(&e)),
        }
    }
}

/// The failure in words: a TLS failure named plainly (unknown issuer, name
/// mismatch, expired, handshake), anything else with its chain of causes.
fn describe(e: &reqwest::Error) -> String {
    if let Some(tls) = crate::tls::describe(e) {
        return tls;
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Where a delivery's attempts are recorded.
#[derive(Clone)]
pub struct Recorder {
    /// The run's journal.
    pub journal: Arc<Journal>,
    /// The run's clock (entry timestamps).
    pub clock: Arc<dyn Clock>,
    /// The run's deliveries in progress, which shutdown waits for or cancels.
    pub in_flight: InFlight,
    /// The run's fault rules (delivery chaos).
    pub faults: Arc<Faults>,
}

/// The deliveries in progress: counted, awaited and cancelled together at shutdown.
#[derive(Clone, Default)]
pub struct InFlight(Arc<InFlightInner>);

#[derive(Default)]
struct InFlightInner {
    count: std::sync::atomic::AtomicUsize,
    idle: tokio::sync::Notify,
    cancel: tokio::sync::watch::Sender<bool>,
}

/// Counts one delivery in progress until dropped.
struct InFlightGuard(InFlight);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        use std::sync::atomic::Ordering;
        if self.0.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.0.idle.notify_waiters();
        }
    }
}

/// Why a cancelled attempt has no answer.
pub const CANCELLED: &str = "cancelled: fakedesk shut down before the delivery finished";

impl InFlight {
    fn enter(&self) -> InFlightGuard {
        self.0
            .count
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        InFlightGuard(self.clone())
    }

    /// Deliveries in progress now.
    pub fn len(&self) -> usize {
        self.0.count.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Whether no delivery is in progress.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Resolves once no delivery is in progress.
    pub async fn idle(&self) {
        loop {
            let notified = self.0.idle.notified();
            if self.is_empty() {
                return;
            }
            notified.await;
        }
    }

    /// Cuts every delivery short, now and from now on: each journals its attempt
    /// in progress (or the next one) as cancelled and ends.
    pub fn cancel(&self) {
        self.0.cancel.send_replace(true);
    }

    /// Whether deliveries have been cut short.
    fn is_cancelled(&self) -> bool {
        *self.0.cancel.borrow()
    }

    async fn cancelled(&self) {
        let mut rx = self.0.cancel.subscribe();
        let _ = rx.wait_for(|c| *c).await;
    }
}

/// The real transport and the journal, as every vendor gets them.
#[derive(Clone)]
pub struct Sender {
    /// The HTTP client.
    pub transport: HttpTransport,
    /// Where attempts are journaled.
    pub recorder: Recorder,
}

impl Sender {
    /// [`deliver`] over HTTP.
    pub async fn deliver(
        &self,
        vendor: &'static str,
        delivery_id: &str,
        timeout: Duration,
        policy: &dyn RetryPolicy,
        build: impl FnMut(u32) -> Outgoing,
    ) -> Delivery {
        deliver(
            &self.transport,
            &self.recorder,
            vendor,
            delivery_id,
            timeout,
            policy,
            build,
        )
        .await
    }
}

/// How a delivery ended: every attempt's outcome, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The outcome of each attempt.
    pub attempts: Vec<Outcome>,
}

impl Delivery {
    /// True when the last attempt got a 2xx.
    pub fn delivered(&self) -> bool {
        self.attempts.last().is_some_and(Outcome::is_success)
    }
}

/// Runs one delivery to its end under `policy`, journaling each attempt as outbound
/// traffic of `vendor`. `build(n)` makes attempt `n` (from 1), so a vendor can sign
/// each attempt or count retries in a header.
pub async fn deliver<T: Transport>(
    transport: &T,
    recorder: &Recorder,
    vendor: &'static str,
    delivery_id: &str,
    timeout: Duration,
    policy: &dyn RetryPolicy,
    mut build: impl FnMut(u32) -> Outgoing,
) -> Delivery {
    let _counted = recorder.in_flight.enter();
    let mut first = Some(build(1));
    let chaos = first
        .as_ref()
        .and_then(|req| choose_chaos(&recorder.faults, vendor, req));
    if let Some(c) = &chaos {
        fault::chaos::before_first(&recorder.faults, c).await;
    }
    let mut attempts = Vec::new();
    for attempt in 1u32.. {
        let req = first.take().unwrap_or_else(|| build(attempt));
        let this = Attempt::under(chaos.as_ref(), attempt);
        let outcome = send_one(transport, recorder, vendor, delivery_id, req, timeout, this).await;
        if attempt == 1 && recorder.faults.outbound_active() {
            recorder.faults.first_attempt_sent();
        }
        if recorder.in_flight.is_cancelled() {
            attempts.push(outcome);
            break;
        }
        let delay = policy.next_delay(attempt, &outcome);
        attempts.push(outcome);
        let Some(d) = delay else { break };
        tokio::select! {
            biased;
            // The next attempt is journaled as cancelled at once.
            () = recorder.in_flight.cancelled() => {}
            () = tokio::time::sleep(d) => {}
        }
    }
    let duplicate = chaos
        .as_ref()
        .filter(|c| fault::chaos::duplicated(Some(c)) && !recorder.in_flight.is_cancelled());
    if let Some(c) = duplicate {
        // Sent again as the vendor builds a redelivery of the same events.
        let once = Attempt::duplicate(c, attempts.len());
        let req = build(once.number);
        send_one(transport, recorder, vendor, delivery_id, req, timeout, once).await;
    }
    Delivery { attempts }
}

impl Attempt {
    /// Attempt `number` of a delivery under the chaos rule `chaos`, if any.
    fn under(chaos: Option<&Chosen>, number: u32) -> Self {
        Self {
            number,
            dropped: fault::chaos::dropped(chaos, number),
            mark: chaos
                .filter(|c| fault::chaos::marks(c, number))
                .map(Chosen::mark),
        }
    }

    /// The duplicate the chaos rule `c` adds after `made` attempts.
    fn duplicate(c: &Chosen, made: usize) -> Self {
        Self {
            number: u32::try_from(made).unwrap_or(u32::MAX).saturating_add(1),
            dropped: false,
            mark: Some(c.mark()),
        }
    }
}

/// The outbound rule for a delivery whose first attempt is `req`, if any.
fn choose_chaos(faults: &Faults, vendor: &str, req: &Outgoing) -> Option<Chosen> {
    if !faults.outbound_active() {
        return None;
    }
    let (path, _) = split_url(&req.url);
    faults.choose_outbound(&Probe {
        vendor,
        method: req.method.as_str(),
        path: &path,
        headers: &req.headers,
        body: &req.body,
    })
}

/// One attempt as delivery chaos shapes it.
struct Attempt {
    /// From 1.
    number: u32,
    /// Not sent: counted a timeout.
    dropped: bool,
    /// The journal's `fault`, if a fault touched it.
    mark: Option<crate::journal::FaultMark>,
}

/// Sends one attempt (or, dropped, counts it a timeout unsent) and journals it.
async fn send_one<T: Transport>(
    transport: &T,
    recorder: &Recorder,
    vendor: &'static str,
    delivery_id: &str,
    req: Outgoing,
    timeout: Duration,
    attempt: Attempt,
) -> Outcome {
    let Attempt {
        number: attempt,
        dropped,
        mark,
    } = attempt;
    let started_at = recorder.clock.now();
    let t0 = Instant::now();
    let outcome = if dropped {
        Outcome::TimedOut
    } else if recorder.in_flight.is_cancelled() {
        Outcome::Failed(CANCELLED.to_owned())
    } else {
        tokio::select! {
            biased;
            () = recorder.in_flight.cancelled() => Outcome::Failed(CANCELLED.to_owned()),
            outcome = transport.send(req.clone(), timeout) => outcome,
        }
    };
    let mut x = exchange(
        vendor,
        delivery_id,
        attempt,
        req,
        &outcome,
        started_at,
        t0.elapsed(),
    );
    if dropped {
        x.error = Some(fault::chaos::DROPPED.to_owned());
    }
    x.fault = mark;
    recorder.journal.record(x);
    outcome
}

fn exchange(
    vendor: &'static str,
    delivery: &str,
    attempt: u32,
    req: Outgoing,
    outcome: &Outcome,
    started_at: time::OffsetDateTime,
    took: Duration,
) -> Exchange {
    let (path, query) = split_url(&req.url);
    let (response, error) = match outcome {
        Outcome::Answered(a) => (
            Some(ResponseRecord {
                status: a.status,
                headers: Headers::from_map(&a.headers),
                body: Body(a.body.clone()),
            }),
            None,
        ),
        Outcome::TimedOut => (None, Some("timed out".to_owned())),
        Outcome::Failed(why) => (None, Some(why.clone())),
    };
    let mut headers = req.headers;
    if !req.body.is_empty() && !headers.contains_key(header::CONTENT_LENGTH) {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(req.body.len()));
    }
    Exchange {
        vendor,
        direction: Direction::Outbound,
        request: RequestRecord {
            method: req.method.to_string(),
            path,
            query,
            headers: Headers::from_map(&headers),
            body: Body(req.body),
            truncated: false,
            account: None,
        },
        response,
        error,
        outbound: Some(OutboundInfo {
            url: req.url,
            attempt,
            delivery: delivery.to_owned(),
        }),
        started_at,
        duration_us: u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
        fault: None,
        unmatched: false,
    }
}

/// `http://h:1/a/b?c=d` → (`/a/b`, `Some("c=d")`).
fn split_url(url: &str) -> (String, Option<String>) {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path_and_query = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    match path_and_query.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (path_and_query.to_owned(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use time::macros::datetime;

    /// Answers from a script, one per attempt.
    struct Scripted(Mutex<Vec<Outcome>>);

    impl Transport for Scripted {
        async fn send(&self, _req: Outgoing, _timeout: Duration) -> Outcome {
            self.0.lock().unwrap().remove(0)
        }
    }

    struct UpToThree;
    impl RetryPolicy for UpToThree {
        fn next_delay(&self, attempt: u32, outcome: &Outcome) -> Option<Duration> {
            (!outcome.is_success() && attempt < 3)
                .then(|| Duration::from_secs(10 * u64::from(attempt)))
        }
    }

    fn answer(status: u16) -> Outcome {
        Outcome::Answered(Answer {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        })
    }

    fn recorder() -> Recorder {
        Recorder {
            journal: Arc::new(Journal::new(100)),
            clock: Arc::new(crate::clock::ManualClock::new(
                datetime!(2024-01-01 00:00:00 UTC),
            )),
            in_flight: InFlight::default(),
            faults: Arc::new(Faults::new(0)),
        }
    }

    /// Never answers.
    struct Silent;

    impl Transport for Silent {
        async fn send(&self, _req: Outgoing, _timeout: Duration) -> Outcome {
            std::future::pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_delivery_journals_its_attempt_as_cancelled_and_ends() {
        let rec = recorder();
        let in_flight = rec.in_flight.clone();
        let task = tokio::spawn({
            let rec = rec.clone();
            async move {
                deliver(
                    &Silent,
                    &rec,
                    "test",
                    "d1",
                    Duration::from_secs(3600),
                    &UpToThree,
                    |_| Outgoing {
                        method: Method::POST,
                        url: "http://127.0.0.1:9/hook".to_owned(),
                        headers: HeaderMap::new(),
                        body: Bytes::new(),
                    },
                )
                .await
            }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(in_flight.len(), 1);
        in_flight.cancel();
        let delivery = task.await.unwrap();
        assert_eq!(delivery.attempts, [Outcome::Failed(CANCELLED.to_owned())]);
        in_flight.idle().await;
        let entries = rec.journal.entries(&Default::default());
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].exchange.error.as_deref(), Some(CANCELLED));
    }

    #[tokio::test(start_paused = true)]
    async fn retries_follow_the_policy_in_virtual_time_and_journal_every_attempt() {
        let transport = Scripted(Mutex::new(vec![
            answer(503),
            Outcome::TimedOut,
            answer(200),
        ]));
        let rec = recorder();
        let start = tokio::time::Instant::now();
        let delivery = deliver(
            &transport,
            &rec,
            "test",
            "d1",
            Duration::from_secs(5),
            &UpToThree,
            |n| Outgoing {
                method: Method::POST,
                url: format!("http://127.0.0.1:9/hook?try={n}"),
                headers: HeaderMap::new(),
                body: Bytes::from_static(b"{}"),
            },
        )
        .await;
        assert!(delivery.delivered());
        assert_eq!(delivery.attempts.len(), 3);
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(30),
            "waited 10 s then 20 s"
        );
        let entries = rec.journal.entries(&Default::default());
        let seen: Vec<(u32, Option<u16>, Option<String>)> = entries
            .iter()
            .map(|e| {
                (
                    e.exchange.outbound.as_ref().unwrap().attempt,
                    e.exchange.response.as_ref().map(|r| r.status),
                    e.exchange.error.clone(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                (1, Some(503), None),
                (2, None, Some("timed out".to_owned())),
                (3, Some(200), None)
            ]
        );
        assert_eq!(entries[0].exchange.direction, Direction::Outbound);
        assert_eq!(entries[2].exchange.request.query.as_deref(), Some("try=3"));
    }

    #[test]
    fn urls_split_into_path_and_query() {
        assert_eq!(
            split_url("http://h:1/a/b?c=d"),
            ("/a/b".to_owned(), Some("c=d".to_owned()))
        );
        assert_eq!(split_url("http://h:1"), ("/".to_owned(), None));
    }
}
