//! A fuzz run against a live receiver: generate cases, send each as the vendor
//! would, check the reply, and on the first failure let proptest shrink the case,
//! sending every candidate to the receiver, down to a minimal one that still fails.
//!
//! The run is bounded: `cases` cases at most, each request within `timeout`, and the
//! whole run (shrinking included) within `max_time`.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use axum::http::{HeaderName, HeaderValue};
use bytes::Bytes;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use time::OffsetDateTime;

use super::case::{self, Case, Rendered, Signing};
use super::expect::Expect;
use super::payload::{Keys, Target};
use crate::outbound::{HttpTransport, Outcome, Outgoing, Transport};

/// Which payloads to send (`fakedesk fuzz --mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Only what the vendor can really send.
    Valid,
    /// Nine payloads in ten with one mutation a parser must survive.
    Hostile,
}

impl Mode {
    /// `valid` or `hostile`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Hostile => "hostile",
        }
    }
}

/// What the reply to `rendered` must be: `given` when set; else a 2xx for what the
/// vendor really sends; for a hostile case, a 4xx when no receiver may accept the
/// request (a bad or stale signature, a cut body), and otherwise at least no 5xx,
/// since a receiver may rightly ignore a field it does not read, take the last of
/// duplicate keys, decode bytes leniently or accept deep nesting.
pub fn expectation(given: Option<&Expect>, rendered: &Rendered) -> Expect {
    if let Some(e) = given {
        return e.clone();
    }
    if rendered.mutation.is_empty() {
        Expect::success()
    } else if rendered.must_reject {
        Expect::rejection()
    } else {
        Expect::survival()
    }
}

/// The expectation as the run's first line states it.
pub fn expectation_summary(given: Option<&Expect>, mode: Mode) -> String {
    match (given, mode) {
        (Some(e), _) => e.to_string(),
        (None, Mode::Valid) => Expect::success().to_string(),
        (None, Mode::Hostile) => {
            "4xx for a bad or stale signature or a cut body, not 5xx for the rest".to_owned()
        }
    }
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct Options {
    /// What to send.
    pub target: &'static Target,
    /// The receiver's URL.
    pub url: String,
    /// Valid or hostile payloads.
    pub mode: Mode,
    /// What every reply must be; `None`: as [`expectation`] says for each case.
    pub expect: Option<Expect>,
    /// The seed of the case generator: the same seed sends the same cases.
    pub seed: u64,
    /// Most cases to send (shrinking not counted).
    pub cases: u32,
    /// Longest wait for one reply.
    pub timeout: Duration,
    /// Longest the whole run may take, shrinking included.
    pub max_time: Duration,
    /// Most shrinking steps tried.
    pub max_shrink_iters: u32,
    /// Secrets and keys to sign with.
    pub keys: Keys,
    /// Headers added to every request (e.g. the receiver's own API key).
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// What an https receiver's certificate must chain to.
    pub trust: crate::tls::Trust,
}

/// One request sent and how it ended.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The case.
    pub case: Case,
    /// Its body and signing.
    pub rendered: Rendered,
    /// When it was signed (a scheme may sign the time to the second).
    pub signed_at: OffsetDateTime,
    /// The request exactly as sent.
    pub request: Outgoing,
    /// What came back.
    pub outcome: Outcome,
}

/// The first failing case and the minimal one shrinking found.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The case that failed first.
    pub first: Attempt,
    /// The smallest case that still failed.
    pub minimal: Attempt,
    /// How many smaller failing cases shrinking went through.
    pub shrinks: u32,
    /// Set when the receiver stopped accepting connections while shrinking (it
    /// crashed?), which ended shrinking early.
    pub receiver_down: bool,
}

/// How a run went.
#[derive(Debug, Clone)]
pub struct Report {
    /// Cases sent before shrinking began (or all of them when none failed).
    pub cases_run: u32,
    /// Requests sent, shrinking included.
    pub requests: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// The failure, when one was found.
    pub failure: Option<Failure>,
    /// Set when `max_time` ended the run before `cases` cases ran.
    pub out_of_time: bool,
    /// Set when proptest gave up for a reason of its own.
    pub aborted: Option<String>,
}

impl Report {
    /// Requests per second over the whole run.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.requests as f64 / secs
        } else {
            0.0
        }
    }
}

/// Something the run tells as it goes.
#[derive(Debug)]
pub enum Event<'a> {
    /// A case failed for the first time; shrinking starts.
    Failed(&'a Attempt),
    /// Shrinking found a smaller failing case.
    Shrunk(u32),
    /// At most once a second: how far the run is.
    Progress {
        /// Cases sent so far (shrinking not counted).
        cases_run: u32,
        /// Failing cases so far (the first and the smaller ones shrinking found).
        failures: u32,
        /// Requests sent so far, shrinking included.
        requests: u64,
        /// Time since the run began.
        elapsed: Duration,
    },
}

/// How often [`Event::Progress`] is sent.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// How a receiver's reply missed what it had to be, worded to follow "the
/// receiver".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Miss {
    /// It answered with another status.
    #[error("answered {status} (expected {expected})")]
    Status {
        /// The status it answered.
        status: u16,
        /// What it had to answer.
        expected: Expect,
    },
    /// It did not answer in time.
    #[error("did not answer within {} ms", .0.as_millis())]
    TimedOut(Duration),
    /// The request failed (the connection was refused or reset).
    #[error("did not answer ({0})")]
    Failed(String),
}

/// Whether `outcome` satisfies `expect`; how it missed when it does not.
pub fn judge(expect: &Expect, timeout: Duration, outcome: &Outcome) -> Result<(), Miss> {
    match outcome {
        Outcome::Answered(a) if expect.holds(a.status) => Ok(()),
        Outcome::Answered(a) => Err(Miss::Status {
            status: a.status,
            expected: expect.clone(),
        }),
        Outcome::TimedOut => Err(Miss::TimedOut(timeout)),
        Outcome::Failed(e) => Err(Miss::Failed(e.clone())),
    }
}

/// The seed's RNG: the same seed gives the same cases.
pub fn rng(seed: u64) -> TestRng {
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(8) {
        chunk.copy_from_slice(&seed.to_le_bytes());
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

/// The cases of `target` in `mode`.
pub fn cases(target: &Target, mode: Mode) -> BoxedStrategy<Case> {
    match mode {
        Mode::Valid => case::valid((target.generate)()),
        Mode::Hostile => case::hostile((target.generate)(), target.scheme),
    }
}

/// The request of one rendered case, signed as `rendered.signing` says, at
/// `now` (or earlier for a stale case).
pub fn request(
    target: &Target,
    keys: &Keys,
    url: &str,
    extra: &[(HeaderName, HeaderValue)],
    rendered: &Rendered,
    now: OffsetDateTime,
) -> (Outgoing, OffsetDateTime) {
    let signed_at = match rendered.signing {
        Signing::Stale(age) => now - Duration::from_secs(age),
        _ => now,
    };
    let mut req = target.request(keys, url, Bytes::from(rendered.body.clone()), signed_at);
    if rendered.signing == Signing::Bad
        && let Some(name) = target
            .scheme
            .signature_header
            .and_then(|n| HeaderName::from_bytes(n.as_bytes()).ok())
    {
        let spoiled = req
            .headers
            .get(&name)
            .and_then(|v| v.to_str().ok())
            .map(spoil)
            .unwrap_or_else(|| "invalid".to_owned());
        if let Ok(v) = HeaderValue::from_str(&spoiled) {
            req.headers.insert(name, v);
        }
    }
    for (k, v) in extra {
        req.headers.insert(k.clone(), v.clone());
    }
    (req, signed_at)
}

/// The same signature with its first character changed: well-formed, wrong.
fn spoil(s: &str) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if let Some(c) = chars.first_mut() {
        *c = if *c == 'A' || *c == '0' {
            'B'
        } else if c.is_ascii_digit() {
            '0'
        } else {
            'A'
        };
    } else {
        chars.push('A');
    }
    chars.into_iter().collect()
}

#[derive(Default)]
struct State {
    cases_run: u32,
    requests: u64,
    first: Option<Attempt>,
    last_failed: Option<Attempt>,
    shrinks: u32,
    receiver_down: bool,
    out_of_time: bool,
    last_progress: Option<Instant>,
}

impl State {
    /// The progress event, when one is due.
    fn progress(&mut self, started: Instant) -> Option<Event<'static>> {
        let now = Instant::now();
        let last = self.last_progress.unwrap_or(started);
        if now.duration_since(last) < PROGRESS_EVERY {
            return None;
        }
        self.last_progress = Some(now);
        Some(Event::Progress {
            cases_run: self.cases_run,
            failures: u32::from(self.first.is_some()) + self.shrinks,
            requests: self.requests,
            elapsed: now.duration_since(started),
        })
    }
}

/// Runs the fuzzing described by `opts`. Blocking: it drives its own
/// single-threaded runtime, so call it off any async executor (e.g. from
/// `tokio::task::spawn_blocking`).
pub fn run(opts: &Options, on_event: &mut dyn FnMut(Event<'_>)) -> std::io::Result<Report> {
    let started = Instant::now();
    let live = Live {
        opts,
        rt: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
        transport: HttpTransport::new(&opts.trust),
        started,
        deadline: started + opts.max_time,
        state: RefCell::new(State::default()),
        events: RefCell::new(on_event),
    };
    let mut runner = TestRunner::new_with_rng(config(opts), rng(opts.seed));
    let strategy = cases(opts.target, opts.mode);
    let result = runner.run(&strategy, |c| live.test(c));
    Ok(report(&result, live.state.into_inner(), started))
}

/// proptest's configuration for a run.
fn config(opts: &Options) -> Config {
    Config {
        cases: opts.cases,
        max_shrink_iters: opts.max_shrink_iters,
        max_shrink_time: u32::try_from(opts.max_time.as_millis()).unwrap_or(u32::MAX),
        // The test rejects a case only when the time is up: that ends the run at
        // once instead of generating every remaining case for nothing.
        max_global_rejects: 0,
        failure_persistence: None,
        source_file: None,
        ..Config::default()
    }
}

/// A run in progress: what the property sends each case with, and what it saw.
struct Live<'a, 'e> {
    opts: &'a Options,
    rt: tokio::runtime::Runtime,
    transport: HttpTransport,
    started: Instant,
    deadline: Instant,
    state: RefCell<State>,
    events: RefCell<&'e mut dyn FnMut(Event<'_>)>,
}

impl Live<'_, '_> {
    /// The property: the case sent to the receiver, whose reply must be as expected.
    fn test(&self, c: Case) -> Result<(), TestCaseError> {
        let shrinking = self.state.borrow().first.is_some();
        if shrinking && self.state.borrow().receiver_down {
            // Nothing more can be learned from a receiver that is gone.
            return Ok(());
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left < Duration::from_millis(20) {
            self.state.borrow_mut().out_of_time = true;
            return if shrinking {
                Ok(())
            } else {
                Err(TestCaseError::reject("out of time"))
            };
        }
        let due = self.state.borrow_mut().progress(self.started);
        if let Some(event) = due {
            (self.events.borrow_mut())(event);
        }
        let wait = self.opts.timeout.min(left);
        let attempt = self.send(c, wait);
        {
            let mut st = self.state.borrow_mut();
            st.requests += 1;
            if !shrinking {
                st.cases_run += 1;
            }
            if attempt.outcome == Outcome::TimedOut && wait < self.opts.timeout {
                // Cut short by max_time, not by the receiver: no verdict.
                st.out_of_time = true;
                return Ok(());
            }
            if shrinking && matches!(&attempt.outcome, Outcome::Failed(e) if e.contains("refused"))
            {
                st.receiver_down = true;
                return Ok(());
            }
        }
        let verdict = judge(
            &expectation(self.opts.expect.as_ref(), &attempt.rendered),
            self.opts.timeout,
            &attempt.outcome,
        );
        match verdict {
            Ok(()) => Ok(()),
            Err(why) => {
                self.failed(attempt);
                Err(TestCaseError::fail(why.to_string()))
            }
        }
    }

    /// Sends case `c`, waiting at most `wait` for the reply.
    fn send(&self, c: Case, wait: Duration) -> Attempt {
        let opts = self.opts;
        let rendered = c.render();
        let (req, signed_at) = request(
            opts.target,
            &opts.keys,
            &opts.url,
            &opts.headers,
            &rendered,
            OffsetDateTime::now_utc(),
        );
        let outcome = self.rt.block_on(self.transport.send(req.clone(), wait));
        Attempt {
            case: c,
            rendered,
            signed_at,
            request: req,
            outcome,
        }
    }

    /// Records a failing attempt: the first, or a smaller one shrinking found.
    fn failed(&self, attempt: Attempt) {
        let mut st = self.state.borrow_mut();
        if st.first.is_none() {
            st.first = Some(attempt.clone());
            drop(st);
            (self.events.borrow_mut())(Event::Failed(&attempt));
        } else {
            st.shrinks += 1;
            let n = st.shrinks;
            drop(st);
            (self.events.borrow_mut())(Event::Shrunk(n));
        }
        self.state.borrow_mut().last_failed = Some(attempt);
    }
}

/// The report of a finished run.
fn report(result: &Result<(), TestError<Case>>, st: State, started: Instant) -> Report {
    let aborted = match result {
        Err(TestError::Abort(_)) if st.out_of_time => None,
        Err(TestError::Abort(why)) => Some(why.to_string()),
        _ => None,
    };
    let failure = match (st.first, st.last_failed) {
        (Some(first), Some(minimal)) => Some(Failure {
            first,
            minimal,
            shrinks: st.shrinks,
            receiver_down: st.receiver_down,
        }),
        _ => None,
    };
    Report {
        cases_run: st.cases_run,
        requests: st.requests,
        elapsed: started.elapsed(),
        failure,
        out_of_time: st.out_of_time,
        aborted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::target;
    use proptest::strategy::{Strategy, ValueTree};

    #[test]
    fn the_same_seed_gives_the_same_cases_and_another_seed_others() {
        // Every registered payload, in hostile mode (which draws more per case).
        for t in target::TARGETS {
            let draw = |seed| {
                let mut runner = TestRunner::new_with_rng(Config::default(), rng(seed));
                let s = cases(t, Mode::Hostile);
                (0..5)
                    .map(|_| s.new_tree(&mut runner).unwrap().current())
                    .collect::<Vec<_>>()
            };
            assert_eq!(draw(7), draw(7), "{}", t.name);
            assert_ne!(draw(7), draw(8), "{}", t.name);
        }
    }

    #[test]
    fn a_bad_signature_is_well_formed_but_different() {
        assert_eq!(spoil("Abc="), "Bbc=");
        assert_eq!(spoil("9f00"), "0f00");
        assert_eq!(spoil("c259"), "A259");
        assert_eq!(spoil(""), "A");
    }

    #[test]
    fn judging_needs_an_answer_of_the_expected_status() {
        let e = Expect::success();
        let t = Duration::from_millis(1500);
        let answered = |status| {
            Outcome::Answered(crate::outbound::Answer {
                status,
                headers: Default::default(),
                body: Bytes::new(),
            })
        };
        assert!(judge(&e, t, &answered(204)).is_ok());
        assert_eq!(
            judge(&e, t, &answered(500)).unwrap_err().to_string(),
            "answered 500 (expected 2xx)"
        );
        assert_eq!(
            judge(&e, t, &Outcome::TimedOut).unwrap_err().to_string(),
            "did not answer within 1500 ms"
        );
        assert!(
            judge(&e, t, &Outcome::Failed("reset".into()))
                .unwrap_err()
                .to_string()
                .contains("reset")
        );
    }
}
