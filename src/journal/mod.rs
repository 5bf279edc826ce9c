//! The journal: every exchange on every vendor port, in one ordered timeline.
//!
//! It is bounded twice: by entries and by the bytes its entries store (headers,
//! bodies, paths). Past either bound the oldest entries are evicted and counted by
//! reason, so a reader always learns how much it missed and why. A body longer than
//! the per-entry cap is stored as a copy of its start with its original length, so
//! an entry never keeps a larger buffer alive than what it stores. Entries are shared
//! behind `Arc` and their bodies are `Bytes`, so reading the journal copies no bodies.
//!
//! The journal performs no I/O; the record layer in `server::record` feeds it.

mod entry;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use serde::Serialize;

pub use entry::{
    Body, Direction, Entry, Exchange, FaultMark, Headers, OutboundInfo, RequestRecord,
    ResponseRecord,
};

/// Default number of entries kept before the oldest are evicted.
pub const DEFAULT_CAPACITY: usize = 10_000;
/// Default bound on the bytes the entries store (64 MiB).
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024 * 1024;
/// Default longest body an entry stores whole (256 KiB); longer ones keep their start.
pub const DEFAULT_MAX_ENTRY_BODY: usize = 256 * 1024;

/// The journal's bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most entries kept.
    pub capacity: usize,
    /// Most bytes the entries store together.
    pub max_bytes: usize,
    /// Longest request or response body stored whole.
    pub max_entry_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            capacity: DEFAULT_CAPACITY,
            max_bytes: DEFAULT_MAX_BYTES,
            max_entry_body: DEFAULT_MAX_ENTRY_BODY,
        }
    }
}

/// The bounded, append-only record of a run's traffic.
#[derive(Debug)]
pub struct Journal {
    limits: Limits,
    inner: Mutex<Inner>,
    /// The sequence number of the latest entry (0 after a clear): live readers wait
    /// on it instead of polling.
    latest: tokio::sync::watch::Sender<u64>,
}

#[derive(Debug, Default)]
struct Inner {
    entries: VecDeque<Arc<Entry>>,
    next_seq: u64,
    bytes: usize,
    evicted: Evictions,
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

/// How many entries one bound evicted, and the bytes they stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Evicted {
    /// Entries evicted.
    pub count: u64,
    /// Bytes those entries stored.
    pub bytes: u64,
}

/// Evictions by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Evictions {
    /// Because the entry bound (`capacity`) was reached.
    pub capacity: Evicted,
    /// Because the byte budget (`max_bytes`) was reached.
    pub bytes: Evicted,
}

/// Counters that tell a reader what the journal holds and what it dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Entries held now.
    pub len: usize,
    /// The bound on entries held.
    pub capacity: usize,
    /// Entries dropped for either bound, since the last clear.
    pub evicted: u64,
    /// The sequence number the next entry will get.
    pub next_seq: u64,
    /// Bytes the held entries store.
    pub bytes: usize,
    /// The bound on `bytes`.
    pub max_bytes: usize,
    /// Longest body an entry stores whole.
    pub max_entry_body: usize,
    /// Evictions by reason, since the last clear.
    pub evicted_by: Evictions,
}

/// One page of entries for a reader.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The entries, oldest first.
    pub entries: Vec<Arc<Entry>>,
    /// Whether more entries match after this page.
    pub more: bool,
    /// The `since` that reads the next page.
    pub next_since: u64,
}

/// A body no longer than `max`: the same bytes, or a copy of the start (so the
/// original buffer can be freed) with the original length.
fn clip(body: &mut Body, max: usize) -> Option<u64> {
    if body.0.len() <= max {
        return None;
    }
    let len = body.0.len() as u64;
    body.0 = Bytes::copy_from_slice(&body.0[..max]);
    Some(len)
}

impl Journal {
    /// An empty journal keeping at most `capacity` entries (at least one), with
    /// the default byte bounds.
    pub fn new(capacity: usize) -> Self {
        Self::with_limits(Limits {
            capacity,
            ..Limits::default()
        })
    }

    /// An empty journal with these bounds (each at least one).
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits: Limits {
                capacity: limits.capacity.max(1),
                max_bytes: limits.max_bytes.max(1),
                max_entry_body: limits.max_entry_body,
            },
            inner: Mutex::new(Inner {
                next_seq: 1,
                ..Inner::default()
            }),
            latest: tokio::sync::watch::Sender::new(0),
        }
    }

    /// The bounds.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Wakes on every new entry and on a clear; the value is the latest sequence
    /// number (0 after a clear). Notifications coalesce: read [`Journal::entries`]
    /// from the last sequence number seen.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.latest.subscribe()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the deque half-updated in a way
        // that matters to readers, so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends an exchange and returns its sequence number.
    pub fn record(&self, mut exchange: Exchange) -> u64 {
        let max_body = self.limits.max_entry_body;
        let request_len = clip(&mut exchange.request.body, max_body);
        let response_len = exchange
            .response
            .as_mut()
            .and_then(|r| clip(&mut r.body, max_body));
        let mut entry = Entry::new(0, exchange);
        entry.request_body_len = request_len;
        entry.response_body_len = response_len;
        let size = entry.stored_bytes();
        let mut inner = self.lock();
        let seq = inner.next_seq;
        inner.next_seq += 1;
        entry.seq = seq;
        // Evicted entries (their bodies) are freed outside the lock.
        let mut first = None;
        let mut rest = Vec::new();
        while let Some(reason) = self.over(&inner, size) {
            let Some(old) = inner.entries.pop_front() else {
                break;
            };
            let old_size = old.stored_bytes();
            inner.bytes -= old_size;
            let counter = match reason {
                Bound::Capacity => &mut inner.evicted.capacity,
                Bound::Bytes => &mut inner.evicted.bytes,
            };
            counter.count += 1;
            counter.bytes += old_size as u64;
            match first {
                None => first = Some(old),
                Some(_) => rest.push(old),
            }
        }
        inner.bytes += size;
        inner.entries.push_back(Arc::new(entry));
        drop(inner);
        drop((first, rest));
        // Nobody follows the journal most of the time: then skip the notification.
        if self.latest.receiver_count() > 0 {
            self.latest.send_replace(seq);
        }
        seq
    }

    /// Which bound adding an entry of `size` bytes would pass, if any.
    fn over(&self, inner: &Inner, size: usize) -> Option<Bound> {
        if inner.entries.len() >= self.limits.capacity {
            Some(Bound::Capacity)
        } else if !inner.entries.is_empty() && inner.bytes + size > self.limits.max_bytes {
            Some(Bound::Bytes)
        } else {
            None
        }
    }

    /// The entries that pass `filter`, oldest first.
    pub fn entries(&self, filter: &Filter) -> Vec<Arc<Entry>> {
        self.page(filter).entries
    }

    /// The entries that pass `filter`, oldest first, and where the next page starts.
    pub fn page(&self, filter: &Filter) -> Page {
        let inner = self.lock();
        let since = filter.since.unwrap_or(0);
        // Sequence numbers are contiguous, so skip straight to `since`.
        let first = inner.entries.front().map_or(0, |e| e.seq);
        let skip = usize::try_from(since.saturating_sub(first)).unwrap_or(usize::MAX);
        let limit = filter.limit.unwrap_or(usize::MAX);
        let mut matching = inner.entries.iter().skip(skip).filter(|e| {
            filter
                .vendor
                .as_deref()
                .is_none_or(|v| e.exchange.vendor == v)
        });
        let entries: Vec<Arc<Entry>> = matching.by_ref().take(limit).cloned().collect();
        let more = matching.next().is_some();
        // Without more, every entry up to now has been looked at.
        let next_since = match entries.last() {
            Some(e) if more => e.seq + 1,
            _ => inner.next_seq.max(since),
        };
        drop(inner);
        Page {
            entries,
            more,
            next_since,
        }
    }

    /// Counters for the control API.
    pub fn stats(&self) -> Stats {
        let inner = self.lock();
        Stats {
            len: inner.entries.len(),
            capacity: self.limits.capacity,
            evicted: inner.evicted.capacity.count + inner.evicted.bytes.count,
            next_seq: inner.next_seq,
            bytes: inner.bytes,
            max_bytes: self.limits.max_bytes,
            max_entry_body: self.limits.max_entry_body,
            evicted_by: inner.evicted,
        }
    }

    /// Drops every entry and starts numbering again from 1.
    pub fn clear(&self) {
        let mut inner = self.lock();
        let old = std::mem::replace(
            &mut *inner,
            Inner {
                next_seq: 1,
                ..Inner::default()
            },
        );
        drop(inner);
        drop(old);
        self.latest.send_replace(0);
    }
}

/// Waits until the journal `changes` follows has changed since it was last looked
/// at (a new entry or a clear), or until `deadline`: whichever comes first. A
/// journal that is gone never changes again, so then it waits for the deadline.
pub async fn changed_before(
    changes: &mut tokio::sync::watch::Receiver<u64>,
    deadline: std::time::Instant,
) {
    let deadline = tokio::time::Instant::from_std(deadline);
    match tokio::time::timeout_at(deadline, changes.changed()).await {
        Ok(Ok(())) | Err(_) => {}
        Ok(Err(_)) => tokio::time::sleep_until(deadline).await,
    }
}

/// Why an entry is evicted.
enum Bound {
    Capacity,
    Bytes,
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
                account: None,
            },
            response: None,
            error: None,
            outbound: None,
            started_at: datetime!(2024-01-01 00:00:00 UTC),
            duration_us: 0,
            fault: None,
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
        let stats = j.stats();
        assert_eq!(
            (stats.len, stats.capacity, stats.evicted, stats.next_seq),
            (3, 3, 2, 6)
        );
        assert_eq!(stats.evicted_by.capacity.count, 2);
        assert_eq!(stats.evicted_by.bytes, Evicted::default());
    }

    fn with_body(len: usize) -> Exchange {
        let mut x = exchange("zendesk", "/big");
        x.request.body = Body(Bytes::from(vec![b'a'; len]));
        x
    }

    #[test]
    fn the_byte_budget_evicts_the_oldest_and_counts_count_and_bytes() {
        let j = Journal::with_limits(Limits {
            capacity: 1000,
            max_bytes: 10_000,
            max_entry_body: 100_000,
        });
        for _ in 0..5 {
            j.record(with_body(4_000));
        }
        let one = j.entries(&Filter::default())[0].stored_bytes();
        assert!(one > 4_000, "the body counts: {one}");
        let stats = j.stats();
        // Three entries of a little over 4000 bytes each do not fit in 10 000.
        assert_eq!(stats.len, 2);
        assert!(stats.bytes <= 10_000 && stats.bytes == 2 * one);
        assert_eq!(
            stats.evicted_by.bytes,
            Evicted {
                count: 3,
                bytes: 3 * one as u64
            }
        );
        assert_eq!(stats.evicted_by.capacity.count, 0);
        assert_eq!(stats.evicted, 3);
        let seqs: Vec<u64> = j
            .entries(&Filter::default())
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(seqs, [4, 5]);
    }

    #[test]
    fn an_entry_larger_than_the_budget_replaces_everything_but_is_kept() {
        let j = Journal::with_limits(Limits {
            capacity: 10,
            max_bytes: 1_000,
            max_entry_body: 100_000,
        });
        j.record(with_body(10));
        j.record(with_body(5_000));
        assert_eq!(j.stats().len, 1);
        assert_eq!(j.entries(&Filter::default())[0].seq, 2);
    }

    #[test]
    fn a_body_over_the_entry_cap_is_stored_as_a_copy_of_its_start_with_its_length() {
        let j = Journal::with_limits(Limits {
            capacity: 10,
            max_bytes: 1 << 30,
            max_entry_body: 1024,
        });
        // A small view into a large buffer, as a server's read buffer would be.
        let big = Bytes::from(vec![b'b'; 1_000_000]);
        let mut x = exchange("zendesk", "/big");
        x.request.body = Body(big.slice(..200_000));
        x.response = Some(ResponseRecord {
            status: 200,
            headers: Headers::default(),
            body: Body(Bytes::from_static(b"ok")),
        });
        j.record(x);
        drop(big);
        let e = j.entries(&Filter::default()).remove(0);
        assert_eq!(e.request_body_len, Some(200_000));
        assert_eq!(e.response_body_len, None);
        assert_eq!(e.exchange.request.body.0.len(), 1024);
        assert!(e.stored_bytes() < 1024 + 512, "{}", e.stored_bytes());
        // The stored bytes are their own allocation, not a view of the megabyte.
        let stored = e.exchange.request.body.0.clone();
        drop(e);
        j.clear();
        let owned = stored.try_into_mut().expect("the journal let go of it");
        assert!(owned.capacity() <= 1024, "{}", owned.capacity());
        let v = serde_json::to_value(&*Arc::new(Entry {
            request_body_len: Some(200_000),
            ..Entry::new(1, with_body(3))
        }))
        .unwrap();
        assert_eq!(v["request"]["truncated"], true);
        assert_eq!(v["request"]["original_length"], 200_000);
    }

    #[test]
    fn a_page_says_whether_more_entries_follow_and_where_they_start() {
        let j = Journal::new(100);
        for i in 0..5 {
            j.record(exchange("zendesk", &format!("/{i}")));
        }
        let page = j.page(&Filter {
            limit: Some(2),
            ..Filter::default()
        });
        assert_eq!(
            (page.entries.len(), page.more, page.next_since),
            (2, true, 3)
        );
        let rest = j.page(&Filter {
            since: Some(page.next_since),
            limit: Some(10),
            ..Filter::default()
        });
        let seqs: Vec<u64> = rest.entries.iter().map(|e| e.seq).collect();
        assert_eq!(
            (seqs, rest.more, rest.next_since),
            (vec![3, 4, 5], false, 6)
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
    fn followers_are_woken_by_new_entries_and_by_a_clear() {
        let j = Journal::new(10);
        let mut rx = j.subscribe();
        assert!(!rx.has_changed().unwrap());
        j.record(exchange("zendesk", "/a"));
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), 1);
        j.clear();
        assert!(rx.has_changed().unwrap());
        assert_eq!(*rx.borrow_and_update(), 0);
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
