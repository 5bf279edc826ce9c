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
    /// The clock as a [`ManualClock`], when it only moves when told to.
    fn manual(&self) -> Option<&ManualClock> {
        None
    }
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

    /// Moves the clock to `to`, which must not be before now; returns false (and
    /// leaves the clock) when it is.
    pub fn set(&self, to: OffsetDateTime) -> bool {
        let mut now = self.now.lock().expect("clock mutex is never poisoned");
        if to < *now {
            return false;
        }
        *now = to;
        true
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().expect("clock mutex is never poisoned")
    }

    fn manual(&self) -> Option<&ManualClock> {
        Some(self)
    }
}

/// Parses a span of time as people write it: `250ms`, `90s`, `15m`, `4h`, `3d`,
/// `2w` (a whole or decimal number and one unit). At most 10 years.
pub fn parse_span(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (number, unit) = text.split_at(split);
    let seconds = match unit.trim() {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3_600.0,
        "d" => 86_400.0,
        "w" => 604_800.0,
        _ => return None,
    };
    let n: f64 = number.parse().ok()?;
    let total = n * seconds;
    (total.is_finite() && (0.0..=10.0 * 365.0 * 86_400.0).contains(&total))
        .then(|| Duration::from_secs_f64(total))
}

/// A span in its largest whole unit, as [`parse_span`] reads it: `3d`, `4h`, `90s`.
pub fn span_text(d: Duration) -> String {
    let ms = d.as_millis();
    for (unit, size) in [
        ("w", 604_800_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
    ] {
        if ms >= size && ms.is_multiple_of(size) {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
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
    fn spans_read_as_people_write_them() {
        assert_eq!(parse_span("3d"), Some(Duration::from_secs(3 * 86_400)));
        assert_eq!(parse_span("1.5h"), Some(Duration::from_secs(5_400)));
        assert_eq!(parse_span("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_span("2w"), Some(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_span("3"), None);
        assert_eq!(parse_span("-1d"), None);
        assert_eq!(parse_span("3 days"), None);
        for text in ["3d", "4h", "90s", "2w", "250ms", "15m"] {
            assert_eq!(span_text(parse_span(text).unwrap()), text);
        }
    }

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::new(datetime!(2024-01-01 00:00:00 UTC));
        assert_eq!(clock.now(), datetime!(2024-01-01 00:00:00 UTC));
        clock.advance(Duration::from_secs(61));
        assert_eq!(clock.now(), datetime!(2024-01-01 00:01:01 UTC));
    }
}
