//! Time as an injected source, so a run can be replayed with the same timestamps.
//!
//! Vendors and the journal never call `SystemTime::now()` themselves: they ask a
//! [`Clock`]. Production uses [`SystemClock`]; tests use [`ManualClock`] and move it
//! by hand.

use std::sync::Mutex;
use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A source of wall-clock time.
pub trait Clock: Send + Sync + 'static {
    /// The current instant in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that only moves when told to, for deterministic tests.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
}

impl ManualClock {
    /// A clock stopped at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().expect("clock mutex is never poisoned");
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().expect("clock mutex is never poisoned")
    }
}

/// Formats an instant as ISO-8601 UTC with second precision: `2023-09-18T23:25:58Z`.
pub fn iso_seconds(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// Formats an instant as ISO-8601 UTC with milliseconds: `2022-11-22T10:55:23.126Z`.
pub fn iso_millis(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let millis = t.millisecond();
    let t = t.replace_nanosecond(0).unwrap_or(t);
    let base = iso_seconds(t);
    format!("{}.{millis:03}Z", base.trim_end_matches('Z'))
}

/// Parses a duration written as `250ms`, `5s`, `1.5s` or `2m` (under a day).
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit_ms) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000.0)
    } else {
        return None;
    };
    let n: f64 = number.trim().parse().ok()?;
    (n.is_finite() && n >= 0.0 && n * unit_ms < 86_400_000.0)
        .then(|| Duration::from_micros((n * unit_ms * 1000.0).round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn iso_seconds_matches_the_zendesk_capture_format() {
        assert_eq!(
            iso_seconds(datetime!(2023-09-18 23:25:58.987 UTC)),
            "2023-09-18T23:25:58Z"
        );
    }

    #[test]
    fn iso_millis_keeps_three_digits() {
        assert_eq!(
            iso_millis(datetime!(2022-11-22 10:55:23.126 UTC)),
            "2022-11-22T10:55:23.126Z"
        );
        assert_eq!(
            iso_millis(datetime!(2022-11-22 10:55:23 UTC)),
            "2022-11-22T10:55:23.000Z"
        );
    }

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::new(datetime!(2024-01-01 00:00:00 UTC));
        assert_eq!(clock.now(), datetime!(2024-01-01 00:00:00 UTC));
        clock.advance(Duration::from_secs(61));
        assert_eq!(clock.now(), datetime!(2024-01-01 00:01:01 UTC));
    }
}
