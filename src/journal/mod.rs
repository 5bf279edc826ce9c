//! The journal: every exchange on every vendor port, in one ordered timeline.
//!
//! It is bounded: past its capacity the oldest entries are evicted and counted, so a
//! reader always learns how much it missed. Entries are shared behind `Arc` and their
//! bodies are `Bytes`, so reading the journal copies no bodies.
//!
//! The journal performs no I/O; the record layer in `server::record` feeds it.

mod entry;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::Serialize;

pub use entry::{
    Body, Direction, Entry, Exchange, Headers, OutboundInfo, RequestRecord, ResponseRecord,
};

/// Default number of entries kept before the oldest are evicted.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// The bounded, append-only record of a run's traffic.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: VecDeque<Arc<Entry>>,
    next_seq: u64,
    evicted: u64,
}

/// Which entries a reader wants.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this vendor's entries.
    pub vendor: Option<String>,
    /// Only entries whose sequence number is at least this.
    pub since: Option<u64>,
    /// At most this many entries (the oldest that match).
    pub limit: Option<usize>,
}

/// Counters that tell a reader what the journal holds and what it dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Entries held now.
    pub len: usize,
    /// The bound on entries held.
    pub capacity: usize,
    /// Entries dropped because the bound was reached, since the last clear.
    pub evicted: u64,
    /// The sequence number the next entry will get.
    pub next_seq: u64,
}

impl Journal {
    /// An empty journal keeping at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner {
                next_seq: 1,
                ..Inner::default()
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the deque half-updated in a way
        // that matters to readers, so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends an exchange and returns its sequence number.
    pub fn record(&self, exchange: Exchange) -> u64 {
        let mut inner = self.lock();
        let seq = inner.next_seq;
        inner.next_seq += 1;
        let evicted = if inner.entries.len() == self.capacity {
            inner.evicted += 1;
            inner.entries.pop_front()
        } else {
            None
        };
        inner.entries.push_back(Arc::new(Entry { seq, exchange }));
        drop(inner);
        // Freeing an evicted entry (its bodies) happens outside the lock.
        drop(evicted);
        seq
    }

    /// The entries that pass `filter`, oldest first.
    pub fn entries(&self, filter: &Filter) -> Vec<Arc<Entry>> {
        let inner = self.lock();
        let since = filter.since.unwrap_or(0);
        // Sequence numbers are contiguous, so skip straight to `since`.
        let first = inner.entries.front().map_or(0, |e| e.seq);
        let skip = usize::try_from(since.saturating_sub(first)).unwrap_or(usize::MAX);
        inner
            .entries
            .iter()
            .skip(skip)
            .filter(|e| {
                filter
                    .vendor
                    .as_deref()
                    .is_none_or(|v| e.exchange.vendor == v)
            })
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    /// Counters for the control API.
    pub fn stats(&self) -> Stats {
        let inner = self.lock();
        Stats {
            len: inner.entries.len(),
            capacity: self.capacity,
            evicted: inner.evicted,
            next_seq: inner.next_seq,
        }
    }

    /// Drops every entry and starts numbering again from 1.
    pub fn clear(&self) {
        let mut inner = self.lock();
        *inner = Inner {
            next_seq: 1,
            ..Inner::default()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn exchange(vendor: &'static str, path: &str) -> Exchange {
        Exchange {
            vendor,
            direction: Direction::Inbound,
            request: RequestRecord {
                method: "GET".to_owned(),
                path: path.to_owned(),
                query: None,
                headers: Headers::default(),
                body: Body::default(),
                truncated: false,
            },
            response: None,
            error: None,
            outbound: None,
            started_at: datetime!(2024-01-01 00:00:00 UTC),
            duration_us: 0,
            unmatched: false,
        }
    }

    #[test]
    fn keeps_order_and_numbers_from_one() {
        let j = Journal::new(10);
        assert_eq!(j.record(exchange("zendesk", "/a")), 1);
        assert_eq!(j.record(exchange("braze", "/b")), 2);
        let paths: Vec<_> = j
            .entries(&Filter::default())
            .iter()
            .map(|e| (e.seq, e.exchange.request.path.clone()))
            .collect();
        assert_eq!(paths, [(1, "/a".to_owned()), (2, "/b".to_owned())]);
    }

    #[test]
    fn evicts_the_oldest_past_capacity_and_counts_them() {
        let j = Journal::new(3);
        for i in 0..5 {
            j.record(exchange("zendesk", &format!("/{i}")));
        }
        let seqs: Vec<u64> = j
            .entries(&Filter::default())
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, [3, 4, 5]);
        assert_eq!(
            j.stats(),
            Stats {
                len: 3,
                capacity: 3,
                evicted: 2,
                next_seq: 6
            }
        );
    }

    #[test]
    fn filters_by_vendor_since_and_limit() {
        let j = Journal::new(100);
        for i in 0..6 {
            let v = if i % 2 == 0 { "zendesk" } else { "braze" };
            j.record(exchange(v, &format!("/{i}")));
        }
        let f = Filter {
            vendor: Some("zendesk".to_owned()),
            since: Some(2),
            limit: Some(1),
        };
        let seqs: Vec<u64> = j.entries(&f).iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [3]);
        let after_eviction = Filter {
            since: Some(1),
            ..Filter::default()
        };
        assert_eq!(j.entries(&after_eviction).len(), 6);
    }

    #[test]
    fn clear_forgets_everything_and_restarts_numbering() {
        let j = Journal::new(1);
        j.record(exchange("zendesk", "/a"));
        j.record(exchange("zendesk", "/b"));
        j.clear();
        assert_eq!(j.stats().evicted, 0);
        assert_eq!(j.record(exchange("zendesk", "/c")), 1);
    }
}
