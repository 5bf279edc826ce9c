//! The account's change log: every create, update and delete of a ticket, user or
//! organization, and every ticket audit, gets a sequence number and a time from the
//! run's clock. Incremental exports, search and event webhooks all read it, so they
//! cannot disagree about what changed and in which order.
//!
//! Memory stays bounded by the number of records: for each record only its latest
//! change is indexed (an export shows a record once, at its latest position), and the
//! changes not yet taken by event deliveries are a queue that the vendor drains.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use time::OffsetDateTime;

/// What kind of record changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A ticket (live or deleted).
    Ticket,
    /// A user.
    User,
    /// An organization.
    Organization,
    /// A ticket audit (one ticket event); its `owner` is the ticket.
    TicketEvent,
}

impl Kind {
    const ALL: [Self; 4] = [
        Self::Ticket,
        Self::User,
        Self::Organization,
        Self::TicketEvent,
    ];

    fn slot(self) -> usize {
        match self {
            Self::Ticket => 0,
            Self::User => 1,
            Self::Organization => 2,
            Self::TicketEvent => 3,
        }
    }
}

/// What happened to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// It was created.
    Created,
    /// It was changed.
    Updated,
    /// It was deleted.
    Deleted,
}

/// One change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// Position in the account's log, from 1, strictly increasing.
    pub seq: u64,
    /// When, from the run's clock; never earlier than the change before.
    #[serde(serialize_with = "super::wire::ts")]
    pub at: OffsetDateTime,
    /// What kind of record.
    pub kind: Kind,
    /// The record's id.
    pub id: u64,
    /// The record it belongs to (a ticket event's ticket); the id itself otherwise.
    pub owner: u64,
    /// What happened.
    pub op: Op,
}

impl Change {
    /// Where the change sorts in an export: its second, then its sequence number.
    pub fn key(&self) -> Key {
        Key {
            ts: self.at.unix_timestamp(),
            seq: self.seq,
        }
    }
}

/// A position in an export: a second (Unix time) and a sequence number. Keys sort by
/// second first; since times never go back, that is also sequence order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// Unix seconds.
    pub ts: i64,
    /// Sequence number (0 stands before every change of that second).
    pub seq: u64,
}

#[derive(Debug, Clone, Default)]
struct Index {
    order: BTreeMap<Key, Change>,
    latest: HashMap<u64, Key>,
}

/// The log (see the module documentation).
#[derive(Debug, Clone)]
pub struct ChangeLog {
    next_seq: u64,
    last_at: Option<OffsetDateTime>,
    indexes: [Index; 4],
    pending: Vec<Change>,
    /// Whether changes are queued for event deliveries at all.
    queue: bool,
}

impl Default for ChangeLog {
    fn default() -> Self {
        Self {
            next_seq: 1,
            last_at: None,
            indexes: Default::default(),
            pending: Vec::new(),
            queue: false,
        }
    }
}

impl ChangeLog {
    /// Records a change at `now` (or at the previous change's time if the clock went
    /// back) and returns it.
    pub fn record(&mut self, now: OffsetDateTime, kind: Kind, id: u64, op: Op) -> Change {
        self.record_owned(now, kind, id, id, op)
    }

    /// [`Self::record`] for a record that belongs to another (a ticket event).
    pub fn record_owned(
        &mut self,
        now: OffsetDateTime,
        kind: Kind,
        id: u64,
        owner: u64,
        op: Op,
    ) -> Change {
        let at = self.last_at.map_or(now, |last| now.max(last));
        self.last_at = Some(at);
        let change = Change {
            seq: self.next_seq,
            at,
            kind,
            id,
            owner,
            op,
        };
        self.next_seq += 1;
        let index = &mut self.indexes[kind.slot()];
        if let Some(old) = index.latest.insert(id, change.key()) {
            index.order.remove(&old);
        }
        index.order.insert(change.key(), change);
        if self.queue && kind != Kind::TicketEvent {
            self.pending.push(change);
        }
        change
    }

    /// Starts (or stops) queueing changes for event deliveries.
    pub fn set_queue(&mut self, on: bool) {
        self.queue = on;
        if !on {
            self.pending.clear();
        }
    }

    /// Takes the changes queued since the last call.
    pub fn drain_pending(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.pending)
    }

    /// The latest change of each record of `kind` strictly after `after`, in order.
    pub fn after(&self, kind: Kind, after: Key) -> impl Iterator<Item = &Change> {
        self.indexes[kind.slot()]
            .order
            .range((Bound::Excluded(after), Bound::Unbounded))
            .map(|(_, c)| c)
    }

    /// The latest change of each record of `kind` at or after second `start`.
    pub fn since(&self, kind: Kind, start: i64) -> impl Iterator<Item = &Change> {
        self.indexes[kind.slot()]
            .order
            .range(Key { ts: start, seq: 0 }..)
            .map(|(_, c)| c)
    }

    /// The latest change of one record.
    pub fn latest(&self, kind: Kind, id: u64) -> Option<&Change> {
        let index = &self.indexes[kind.slot()];
        index.latest.get(&id).and_then(|k| index.order.get(k))
    }

    /// How many records of `kind` the log knows (deleted ones included).
    pub fn len(&self, kind: Kind) -> usize {
        self.indexes[kind.slot()].order.len()
    }

    /// The time of the latest change.
    pub fn last_at(&self) -> Option<OffsetDateTime> {
        self.last_at
    }

    /// The sequence number the next change gets.
    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// Every kind, for views that list the whole log.
    pub fn kinds() -> [Kind; 4] {
        Kind::ALL
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_record_sits_once_at_its_latest_change() {
        let mut log = ChangeLog::default();
        let t0 = datetime!(2024-01-01 00:00:00 UTC);
        log.record(t0, Kind::Ticket, 1, Op::Created);
        log.record(t0, Kind::Ticket, 2, Op::Created);
        log.record(
            t0 + time::Duration::seconds(5),
            Kind::Ticket,
            1,
            Op::Updated,
        );
        let ids: Vec<u64> = log
            .after(Kind::Ticket, Key { ts: 0, seq: 0 })
            .map(|c| c.id)
            .collect();
        assert_eq!(ids, vec![2, 1]);
        assert_eq!(log.len(Kind::Ticket), 2);
        assert_eq!(log.latest(Kind::Ticket, 1).map(|c| c.op), Some(Op::Updated));
        assert_eq!(log.len(Kind::User), 0);
    }

    #[test]
    fn time_never_goes_back_and_seconds_bound_the_range() {
        let mut log = ChangeLog::default();
        let t0 = datetime!(2024-01-01 00:00:10 UTC);
        log.record(t0, Kind::User, 7, Op::Created);
        let c = log.record(t0 - time::Duration::seconds(5), Kind::User, 8, Op::Created);
        assert_eq!(c.at, t0);
        assert_eq!(log.since(Kind::User, t0.unix_timestamp()).count(), 2);
        assert_eq!(log.since(Kind::User, t0.unix_timestamp() + 1).count(), 0);
    }

    #[test]
    fn pending_changes_queue_only_when_asked() {
        let mut log = ChangeLog::default();
        let t0 = datetime!(2024-01-01 00:00:00 UTC);
        log.record(t0, Kind::User, 1, Op::Created);
        assert!(log.drain_pending().is_empty());
        log.set_queue(true);
        log.record(t0, Kind::User, 1, Op::Updated);
        log.record_owned(t0, Kind::TicketEvent, 9, 1, Op::Created);
        let drained = log.drain_pending();
        assert_eq!(drained.len(), 1);
        assert_eq!(drained[0].seq, 2);
        assert!(log.drain_pending().is_empty());
    }
}
