//! Zendesk's per-ticket update limit (\[DOC\] rate limits: 30 updates to one ticket by
//! one user per 10 minutes, 100 per hour; 429 beyond). Pure bookkeeping on the
//! run's clock; memory is bounded by the hour's updates of each ticket and user.

use std::collections::{HashMap, VecDeque};

use serde::Deserialize;
use time::OffsetDateTime;

/// The limits (the `vendors.zendesk.ticket_update_limits` section).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct UpdateLimits {
    /// Updates of one ticket by one user per 10 minutes (\[DOC\] 30).
    pub per_10_minutes: u32,
    /// Updates of one ticket by one user per hour (\[DOC\] 100).
    pub per_hour: u32,
}

impl Default for UpdateLimits {
    fn default() -> Self {
        Self {
            per_10_minutes: 30,
            per_hour: 100,
        }
    }
}

/// Recent updates per (ticket, user).
#[derive(Debug, Clone, Default)]
pub struct UpdateBurst {
    seen: HashMap<(u64, u64), VecDeque<i64>>,
}

const HOUR: i64 = 3600;

impl UpdateBurst {
    /// Counts an update of `ticket` by `user` at `now`, or says in how many seconds
    /// one would be allowed again.
    pub fn hit(
        &mut self,
        ticket: u64,
        user: u64,
        now: OffsetDateTime,
        limits: &UpdateLimits,
    ) -> Result<(), u32> {
        let t = now.unix_timestamp();
        let times = self.seen.entry((ticket, user)).or_default();
        while times.front().is_some_and(|x| *x <= t - HOUR) {
            times.pop_front();
        }
        for (limit, window) in [(limits.per_10_minutes, 600), (limits.per_hour, HOUR)] {
            let inside: Vec<i64> = times.iter().copied().filter(|x| *x > t - window).collect();
            if inside.len() >= limit as usize {
                let oldest = inside.first().copied().unwrap_or(t);
                return Err(u32::try_from((oldest + window - t).max(1)).unwrap_or(u32::MAX));
            }
        }
        times.push_back(t);
        Ok(())
    }

    /// Forgets a ticket (deleted).
    pub fn forget(&mut self, ticket: u64) {
        self.seen.retain(|(t, _), _| *t != ticket);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    #[test]
    fn thirty_per_ten_minutes_then_a_hundred_per_hour() {
        let mut b = UpdateBurst::default();
        let limits = UpdateLimits::default();
        let t0 = datetime!(2024-01-01 00:00:00 UTC);
        for _ in 0..30 {
            assert_eq!(b.hit(1, 9, t0, &limits), Ok(()));
        }
        assert_eq!(b.hit(1, 9, t0, &limits), Err(600));
        // Another user, or another ticket, has its own budget.
        assert_eq!(b.hit(1, 8, t0, &limits), Ok(()));
        assert_eq!(b.hit(2, 9, t0, &limits), Ok(()));
        let mut now = t0;
        let mut allowed = 30;
        for _ in 0..20 {
            now += Duration::minutes(10);
            while b.hit(1, 9, now, &limits).is_ok() {
                allowed += 1;
            }
            if now - t0 < Duration::hours(1) {
                assert!(allowed <= 100, "{allowed} in the first hour");
            }
        }
        assert!(allowed > 100);
    }
}
