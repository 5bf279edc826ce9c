//! How incremental exports cut the change log into pages (pure, no I/O).
//!
//! - Cursor exports (tickets, users): a page holds exactly `per_page` records after
//!   the cursor, which names the last record returned, so a record changed after a
//!   page was read comes back on a later page, once.
//! - Time-based exports: records at or after `start_time`; a page is never cut inside
//!   one second unless that second holds more than 1,000 records (captured
//!   behaviour); `end_time` is the last second + 1 when that second is complete, the
//!   last second itself otherwise.
//!
//! Only changes at or before `cutoff` (the run's clock minus the configured lag,
//! Zendesk's "most recent minute") are visible.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use crate::vendors::zendesk::changelog::{Change, ChangeLog, Key, Kind};

/// The most records one export page holds (\[DOC\] incremental exports).
pub const MAX_PER_PAGE: usize = 1000;

/// One cursor page.
#[derive(Debug)]
pub struct CursorPage<'a> {
    /// The changes whose records the page shows, in order.
    pub items: Vec<&'a Change>,
    /// The position the next page starts after.
    pub last: Key,
    /// The last record's id (for the cursor text).
    pub last_id: u64,
    /// No visible record follows.
    pub end_of_stream: bool,
}

/// Most records of a cursor-form page (`page[size]`) [DOC: "a maximum of 100"].
pub const MAX_CURSOR_PAGE: usize = 100;

/// The page of `kind` after `after`.
pub fn cursor_page<'a>(
    log: &'a ChangeLog,
    kind: Kind,
    after: (Key, u64),
    per_page: usize,
    cutoff: OffsetDateTime,
    keep: impl Fn(&Change) -> bool,
) -> CursorPage<'a> {
    let (mut last, mut last_id) = after;
    let mut items = Vec::with_capacity(per_page.min(MAX_PER_PAGE));
    let mut visible = log.after(kind, after.0).take_while(|c| c.at <= cutoff);
    for c in visible.by_ref() {
        last = c.key();
        last_id = c.id;
        if keep(c) {
            items.push(c);
            if items.len() >= per_page {
                break;
            }
        }
    }
    let end_of_stream = !visible.any(keep);
    CursorPage {
        items,
        last,
        last_id,
        end_of_stream,
    }
}

/// One time-based page.
#[derive(Debug)]
pub struct TimePage<'a> {
    /// The changes whose records the page shows, in order.
    pub items: Vec<&'a Change>,
    /// The `start_time` of the next page.
    pub end_time: i64,
    /// No visible record follows.
    pub end_of_stream: bool,
}

/// The page of `kind` from second `start`; `now` is the run's clock.
pub fn time_page<'a>(
    log: &'a ChangeLog,
    kind: Kind,
    start: i64,
    per_page: usize,
    (cutoff, now): (OffsetDateTime, OffsetDateTime),
    keep: impl Fn(&Change) -> bool,
) -> TimePage<'a> {
    let mut items = Vec::with_capacity(per_page.min(MAX_PER_PAGE));
    let mut last: Option<Key> = None;
    let mut visible = log
        .since(kind, start)
        .take_while(|c| c.at <= cutoff)
        .peekable();
    while let Some(c) = visible.peek() {
        let ts = c.key().ts;
        let full = items.len() >= per_page.min(MAX_PER_PAGE);
        if (full && last.is_none_or(|k| k.ts != ts)) || items.len() >= MAX_PER_PAGE {
            break;
        }
        last = Some(c.key());
        if keep(c) {
            items.push(*c);
        }
        visible.next();
    }
    let end_time = match last {
        None => start,
        Some(k) => {
            // The second is complete when nothing else is (or can still be) in it.
            let next_same = log
                .after(kind, k)
                .next()
                .is_some_and(|n| n.key().ts == k.ts);
            if next_same || k.ts >= now.unix_timestamp() {
                k.ts
            } else {
                k.ts + 1
            }
        }
    };
    let end_of_stream = !visible.any(keep);
    TimePage {
        items,
        end_time,
        end_of_stream,
    }
}

/// The cursor text: base64 of `<second>.0||<id>|<sequence>`, the shape of captured
/// cursors (`1695052663.0||28|`) with the sequence number in the last field.
pub fn encode_cursor(key: Key, id: u64) -> String {
    STANDARD.encode(format!("{}.0||{id}|{}", key.ts, key.seq))
}

/// Reads a cursor written by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> Option<(Key, u64)> {
    let text = String::from_utf8(STANDARD.decode(cursor.trim()).ok()?).ok()?;
    let (ts, rest) = text.split_once("||")?;
    let ts = ts.strip_suffix(".0").unwrap_or(ts).parse().ok()?;
    let (id, seq) = rest.split_once('|')?;
    let seq = if seq.is_empty() { 0 } else { seq.parse().ok()? };
    Some((Key { ts, seq }, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::zendesk::changelog::Op;
    use time::Duration;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2024-01-01 00:00:00 UTC);

    fn log_of(seconds: &[i64]) -> ChangeLog {
        let mut log = ChangeLog::default();
        for (i, s) in seconds.iter().enumerate() {
            log.record(
                T0 + Duration::seconds(*s),
                Kind::Ticket,
                i as u64 + 1,
                Op::Created,
            );
        }
        log
    }

    fn ids(items: &[&Change]) -> Vec<u64> {
        items.iter().map(|c| c.id).collect()
    }

    #[test]
    fn cursor_pages_hold_exactly_per_page_even_inside_a_second() {
        let log = log_of(&[0, 0, 0, 1]);
        let late = T0 + Duration::seconds(100);
        let start = (Key { ts: 0, seq: 0 }, 0);
        let p1 = cursor_page(&log, Kind::Ticket, start, 2, late, |_| true);
        assert_eq!(ids(&p1.items), vec![1, 2]);
        assert!(!p1.end_of_stream);
        let p2 = cursor_page(&log, Kind::Ticket, (p1.last, p1.last_id), 2, late, |_| true);
        assert_eq!(ids(&p2.items), vec![3, 4]);
        assert!(p2.end_of_stream);
    }

    #[test]
    fn changes_after_the_cutoff_are_not_visible_yet() {
        let log = log_of(&[0, 50]);
        let start = (Key { ts: 0, seq: 0 }, 0);
        let p = cursor_page(
            &log,
            Kind::Ticket,
            start,
            10,
            T0 + Duration::seconds(10),
            |_| true,
        );
        assert_eq!(ids(&p.items), vec![1]);
        assert!(p.end_of_stream);
    }

    #[test]
    fn time_pages_finish_the_last_second_and_step_past_it() {
        // Captured: per_page=1 with 7 tickets in one second returns all 7, end_time ts+1.
        let log = log_of(&[5, 5, 5, 9]);
        let late = T0 + Duration::seconds(100);
        let p = time_page(
            &log,
            Kind::Ticket,
            T0.unix_timestamp(),
            1,
            (late, late),
            |_| true,
        );
        assert_eq!(ids(&p.items), vec![1, 2, 3]);
        assert_eq!(p.end_time, T0.unix_timestamp() + 6);
        assert!(!p.end_of_stream);
        let p = time_page(&log, Kind::Ticket, p.end_time, 1, (late, late), |_| true);
        assert_eq!(ids(&p.items), vec![4]);
        assert!(p.end_of_stream);
    }

    #[test]
    fn a_second_still_open_is_not_stepped_past() {
        let log = log_of(&[5]);
        let now = T0 + Duration::seconds(5);
        let p = time_page(&log, Kind::Ticket, 0, 10, (now, now), |_| true);
        assert_eq!(p.end_time, now.unix_timestamp());
        let later = now.unix_timestamp() + 1;
        let empty = time_page(&log, Kind::Ticket, later, 10, (now, now), |_| true);
        assert_eq!((empty.items.len(), empty.end_time), (0, later));
    }

    #[test]
    fn cursors_round_trip_and_decode_the_captured_shape() {
        let key = Key {
            ts: 1695052663,
            seq: 12,
        };
        assert_eq!(decode_cursor(&encode_cursor(key, 28)), Some((key, 28)));
        // Captured: MTY5NTA1MjY2My4wfHwyOHw= is `1695052663.0||28|`.
        assert_eq!(
            decode_cursor("MTY5NTA1MjY2My4wfHwyOHw="),
            Some((
                Key {
                    ts: 1695052663,
                    seq: 0
                },
                28
            ))
        );
        assert_eq!(decode_cursor("not a cursor"), None);
    }
}
