//! Fixed-window request budgets, as vendors count them ("700 requests per minute").
//!
//! Pure bookkeeping: the caller passes the current time and renders the outcome as
//! its vendor's headers.

use time::OffsetDateTime;

/// A budget of `limit` requests per `window_secs`, counted in fixed windows aligned
/// to the epoch (Zendesk's `ratelimit-reset` counts down to the next minute).
#[derive(Debug, Clone)]
pub struct Window {
    limit: u32,
    window_secs: i64,
    current_window: i64,
    used: u32,
}

/// What the budget says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go ahead.
    pub allowed: bool,
    /// The budget per window.
    pub limit: u32,
    /// Requests left in this window after this one.
    pub remaining: u32,
    /// Seconds until the window resets (at least 1).
    pub reset_secs: u32,
}

impl Window {
    /// A budget of `limit` requests per window of `window_secs` seconds.
    pub fn new(limit: u32, window_secs: u32) -> Self {
        Self {
            limit,
            window_secs: i64::from(window_secs.max(1)),
            current_window: i64::MIN,
            used: 0,
        }
    }

    /// Counts one request at `now` and says whether it fits the budget.
    pub fn hit(&mut self, now: OffsetDateTime) -> Decision {
        let t = now.unix_timestamp();
        let window = t.div_euclid(self.window_secs);
        if window != self.current_window {
            self.current_window = window;
            self.used = 0;
        }
        let allowed = self.used < self.limit;
        if allowed {
            self.used += 1;
        }
        let reset = (window + 1) * self.window_secs - t;
        Decision {
            allowed,
            limit: self.limit,
            remaining: self.limit - self.used,
            reset_secs: u32::try_from(reset.max(1)).unwrap_or(u32::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn allows_exactly_the_limit_then_refuses_until_the_next_window() {
        let mut w = Window::new(3, 60);
        let t = datetime!(2024-02-08 17:44:38 UTC);
        let seen: Vec<(bool, u32)> = (0..5)
            .map(|_| {
                let d = w.hit(t);
                (d.allowed, d.remaining)
            })
            .collect();
        assert_eq!(
            seen,
            [(true, 2), (true, 1), (true, 0), (false, 0), (false, 0)]
        );
        assert_eq!(w.hit(t).reset_secs, 22);
        let next = w.hit(datetime!(2024-02-08 17:45:00 UTC));
        assert!(next.allowed);
        assert_eq!(next.remaining, 2);
        assert_eq!(next.reset_secs, 60);
    }
}
