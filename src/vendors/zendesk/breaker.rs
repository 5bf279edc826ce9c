//! The webhook circuit breaker (rules-metrics reference 7.3): per webhook, the
//! requests of a sliding window on the run's clock; too many errors trip it, it
//! pauses, then one probe decides whether deliveries resume.
//!
//! Pure: callers pass the time. The thresholds are Zendesk's documented ones (an
//! error rate of 70% or more than 1,000 errors within 5 minutes); the pause and the
//! probe are not documented precisely, so every figure is configurable.

use std::collections::VecDeque;
use std::time::Duration;

use serde::Serialize;
use time::OffsetDateTime;

/// Circuit breaker settings (`vendors.zendesk.webhooks.circuit_breaker`).
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BreakerSettings {
    /// Off: every invocation is sent.
    pub enabled: bool,
    /// The window errors are counted over, in seconds (Zendesk: 5 minutes).
    pub window_seconds: u64,
    /// Trips when at least this percentage of the window's requests failed
    /// (Zendesk: 70).
    pub error_rate_percent: u32,
    /// ... counted only once the window holds this many requests (undocumented).
    pub min_requests: u32,
    /// Trips when the window holds more errors than this (Zendesk: 1,000).
    pub max_errors: u32,
    /// How long a tripped breaker holds invocations back before one probe is sent,
    /// in seconds (5 minutes, unverified).
    pub pause_seconds: u64,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            window_seconds: 300,
            error_rate_percent: 70,
            min_requests: 10,
            max_errors: 1_000,
            pause_seconds: 300,
        }
    }
}

/// What the breaker says about a new invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Send it.
    Send,
    /// Send it as the probe of a tripped breaker: its outcome decides.
    Probe,
    /// Do not send it: status `circuit broken`.
    Broken,
}

/// Where a breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum State {
    /// Deliveries flow.
    Closed,
    /// Tripped: nothing is sent until `until`.
    Open {
        /// When the probe may go.
        #[serde(serialize_with = "super::wire::ts")]
        until: OffsetDateTime,
    },
    /// The probe is on its way.
    HalfOpen,
}

/// One webhook's breaker.
#[derive(Debug, Clone)]
pub struct Breaker {
    state: State,
    /// (when, failed) of each request in the window, oldest first.
    window: VecDeque<(OffsetDateTime, bool)>,
    trips: u32,
    opened_at: Option<OffsetDateTime>,
}

impl Default for Breaker {
    fn default() -> Self {
        Self {
            state: State::Closed,
            window: VecDeque::new(),
            trips: 0,
            opened_at: None,
        }
    }
}

/// The breaker as `/state/zendesk` shows it.
#[derive(Debug, Serialize)]
pub struct BreakerView {
    #[serde(flatten)]
    state: State,
    requests_in_window: usize,
    errors_in_window: usize,
    trips: u32,
    #[serde(serialize_with = "super::wire::opt_ts")]
    opened_at: Option<OffsetDateTime>,
}

impl Breaker {
    /// Whether an invocation made at `now` may be sent.
    pub fn admit(&mut self, now: OffsetDateTime, s: &BreakerSettings) -> Admit {
        if !s.enabled {
            return Admit::Send;
        }
        match self.state {
            State::Closed => Admit::Send,
            State::Open { until } if now >= until => {
                self.state = State::HalfOpen;
                Admit::Probe
            }
            State::Open { .. } | State::HalfOpen => Admit::Broken,
        }
    }

    /// Whether retries may still be sent (the breaker has not tripped).
    pub fn is_open(&self) -> bool {
        matches!(self.state, State::Open { .. })
    }

    /// Counts one request that ended at `now`; `failed` for anything but a 2xx.
    pub fn record(&mut self, now: OffsetDateTime, failed: bool, s: &BreakerSettings) {
        if !s.enabled {
            return;
        }
        match self.state {
            State::HalfOpen if failed => self.trip(now, s),
            State::HalfOpen => {
                self.state = State::Closed;
                self.window.clear();
            }
            // A retry that was already under way when the breaker tripped.
            State::Open { .. } => {}
            State::Closed => {
                self.window.push_back((now, failed));
                self.prune(now, s);
                if self.tripped(s) {
                    self.trip(now, s);
                }
            }
        }
    }

    fn prune(&mut self, now: OffsetDateTime, s: &BreakerSettings) {
        let from = now - Duration::from_secs(s.window_seconds);
        while self.window.front().is_some_and(|(t, _)| *t <= from) {
            self.window.pop_front();
        }
        // Bounded: beyond the error ceiling the oldest requests no longer matter.
        let cap = (s.max_errors as usize).saturating_mul(4).max(1_000);
        while self.window.len() > cap {
            self.window.pop_front();
        }
    }

    fn errors(&self) -> usize {
        self.window.iter().filter(|(_, f)| *f).count()
    }

    fn tripped(&self, s: &BreakerSettings) -> bool {
        let (total, errors) = (self.window.len(), self.errors());
        let rate = total >= s.min_requests.max(1) as usize
            && errors * 100 >= total * s.error_rate_percent as usize;
        rate || errors > s.max_errors as usize
    }

    fn trip(&mut self, now: OffsetDateTime, s: &BreakerSettings) {
        self.state = State::Open {
            until: now + Duration::from_secs(s.pause_seconds),
        };
        self.window.clear();
        self.trips += 1;
        self.opened_at = Some(now);
    }

    /// The breaker as the state shows it, its window as of `now`.
    pub fn view(&self, now: OffsetDateTime, s: &BreakerSettings) -> BreakerView {
        let from = now - Duration::from_secs(s.window_seconds);
        let live = self.window.iter().filter(|(t, _)| *t > from);
        BreakerView {
            state: self.state,
            requests_in_window: live.clone().count(),
            errors_in_window: live.filter(|(_, f)| *f).count(),
            trips: self.trips,
            opened_at: self.opened_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2024-02-08 17:00:00 UTC);

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn seventy_percent_errors_in_the_window_trip_it_and_the_pause_ends_with_one_probe() {
        let s = BreakerSettings::default();
        let mut b = Breaker::default();
        // 3 successes and 6 failures: 9 requests, below the minimum of 10.
        for i in 0..9 {
            assert_eq!(b.admit(T0 + secs(i), &s), Admit::Send);
            b.record(T0 + secs(i), i >= 3, &s);
        }
        assert!(!b.is_open());
        // The 10th fails: 7 of 10 = 70%, the documented threshold.
        b.record(T0 + secs(10), true, &s);
        assert!(b.is_open());
        assert_eq!(b.admit(T0 + secs(11), &s), Admit::Broken);
        assert_eq!(b.admit(T0 + secs(10 + 299), &s), Admit::Broken);
        assert_eq!(b.admit(T0 + secs(10 + 300), &s), Admit::Probe);
        assert_eq!(
            b.admit(T0 + secs(311), &s),
            Admit::Broken,
            "one probe at a time"
        );
        b.record(T0 + secs(312), false, &s);
        assert_eq!(b.admit(T0 + secs(313), &s), Admit::Send);
    }

    #[test]
    fn a_failed_probe_pauses_again() {
        let s = BreakerSettings {
            min_requests: 1,
            ..BreakerSettings::default()
        };
        let mut b = Breaker::default();
        b.record(T0, true, &s);
        assert_eq!(b.admit(T0 + secs(300), &s), Admit::Probe);
        b.record(T0 + secs(301), true, &s);
        assert_eq!(b.admit(T0 + secs(302), &s), Admit::Broken);
        assert_eq!(b.admit(T0 + secs(601), &s), Admit::Probe);
        assert_eq!(b.view(T0 + secs(601), &s).trips, 2);
    }

    #[test]
    fn errors_older_than_the_window_do_not_count() {
        let s = BreakerSettings::default();
        let mut b = Breaker::default();
        for i in 0..6 {
            b.record(T0 + secs(i), true, &s);
        }
        // Five minutes after the last of them, those six have left the window.
        for i in 0..4 {
            b.record(T0 + secs(305 + i), false, &s);
        }
        assert!(!b.is_open());
        let v = b.view(T0 + secs(308), &s);
        assert_eq!((v.requests_in_window, v.errors_in_window), (4, 0));
    }

    #[test]
    fn more_than_the_error_ceiling_trips_it_whatever_the_rate() {
        let s = BreakerSettings {
            max_errors: 5,
            ..BreakerSettings::default()
        };
        let mut b = Breaker::default();
        for i in 0..20 {
            b.record(T0 + secs(i), false, &s);
        }
        for i in 0..5 {
            b.record(T0 + secs(20 + i), true, &s);
        }
        assert!(!b.is_open(), "5 errors of 25 is neither rule");
        b.record(T0 + secs(30), true, &s);
        assert!(b.is_open(), "6 errors > 5");
    }

    #[test]
    fn disabled_it_never_trips() {
        let s = BreakerSettings {
            enabled: false,
            min_requests: 1,
            ..BreakerSettings::default()
        };
        let mut b = Breaker::default();
        b.record(T0, true, &s);
        assert_eq!(b.admit(T0, &s), Admit::Send);
    }
}
