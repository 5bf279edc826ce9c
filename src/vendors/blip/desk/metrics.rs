//! Figures the Desk's monitoring and reports derive from tickets: counts by
//! status, queue, first-response and attendance times as .NET `TimeSpan` text
//! (REFERENCE extensions 1.7), and report days in the report time zone. Pure.

use serde_json::{Map, Value, json};
use time::{Date, Duration, OffsetDateTime, UtcOffset};

use crate::vendors::blip::wire::{Ticket, TicketStatus};

/// An ISO date as Blip writes it.
pub fn parse_iso(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// A duration as .NET prints a `TimeSpan`: `hh:mm:ss`, `d.hh:mm:ss` past a day,
/// and 7 fraction digits when there is a fraction.
pub fn timespan(d: Duration) -> String {
    let d = if d.is_negative() { Duration::ZERO } else { d };
    let secs = d.whole_seconds();
    let (days, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    let ticks = d.subsec_nanoseconds() / 100;
    let mut out = if days > 0 {
        format!("{days}.{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    };
    if ticks > 0 {
        out.push_str(&format!(".{ticks:07}"));
    }
    out
}

fn between(from: Option<&str>, to: Option<&str>) -> Option<Duration> {
    Some(parse_iso(to?)? - parse_iso(from?)?)
}

/// How long the ticket waited for an agent (storage to open).
pub fn queue_time(t: &Ticket) -> Option<Duration> {
    between(Some(&t.storage_date), t.open_date.as_deref())
}

/// How long until the agent's first answer (from opening, or from storage).
pub fn first_response_time(t: &Ticket) -> Option<Duration> {
    let from = t.open_date.as_deref().unwrap_or(&t.storage_date);
    between(Some(from), t.first_response_date.as_deref())
}

/// How long the attendance lasted (open to close).
pub fn attendance_time(t: &Ticket) -> Option<Duration> {
    between(t.open_date.as_deref(), t.close_date.as_deref())
}

fn avg(v: &[Duration]) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    let total: i128 = v.iter().map(|d| d.whole_nanoseconds()).sum();
    Duration::nanoseconds_i128(total / v.len() as i128)
}

fn collect(ts: &[&Ticket], f: fn(&Ticket) -> Option<Duration>) -> Vec<Duration> {
    ts.iter().filter_map(|t| f(t)).collect()
}

/// The average times of a set of tickets, as the summaries name them.
pub fn averages(ts: &[&Ticket]) -> Map<String, Value> {
    let mut m = Map::new();
    let q = avg(&collect(ts, queue_time));
    let r = avg(&collect(ts, first_response_time));
    m.insert(
        "averageAttendanceTime".into(),
        json!(timespan(avg(&collect(ts, attendance_time)))),
    );
    m.insert("averageResponseTime".into(), json!(timespan(r)));
    m.insert("averageFirstResponseTime".into(), json!(timespan(r)));
    m.insert("averageWaitTime".into(), json!(timespan(q)));
    m
}

/// Whether the ticket is with an agent now.
pub fn is_open(t: &Ticket) -> bool {
    matches!(t.status, TicketStatus::Open | TicketStatus::Assigned)
}

/// Whether the ticket ended (a transfer is not an end: the new ticket goes on).
pub fn is_closed(t: &Ticket) -> bool {
    t.closed && t.status != TicketStatus::Transferred
}

/// Counts by status, as `/monitoring/tickets` and the tickets report give them.
pub fn status_counts(ts: &[&Ticket]) -> Map<String, Value> {
    let count = |f: &dyn Fn(&Ticket) -> bool| ts.iter().filter(|t| f(t)).count();
    let v = json!({
        "waiting": count(&|t| t.status == TicketStatus::Waiting),
        "open": count(&is_open),
        "closed": count(&is_closed),
        "closedAttendant": count(&|t| matches!(t.status, TicketStatus::ClosedAttendant | TicketStatus::ClosedAttendantInactivity)),
        "closedClient": count(&|t| t.status.is_closed_by_client()),
        "transferred": count(&|t| t.status == TicketStatus::Transferred),
        "missed": 0,
    });
    v.as_object().cloned().unwrap_or_default()
}

/// `application/vnd.iris.desk.tickets-metrics-summary+json` of a set of tickets.
pub fn metrics(ts: &[&Ticket]) -> Value {
    let queue = collect(ts, queue_time);
    let first = collect(ts, first_response_time);
    let max = |v: &[Duration]| v.iter().copied().max().unwrap_or(Duration::ZERO);
    let with_agent: Vec<&str> = ts
        .iter()
        .filter_map(|t| t.agent_identity.as_deref())
        .collect();
    let mut agents = with_agent.clone();
    agents.sort_unstable();
    agents.dedup();
    let per_attendant = if agents.is_empty() {
        0.0
    } else {
        with_agent.len() as f64 / agents.len() as f64
    };
    json!({
        "maxQueueTime": timespan(max(&queue)),
        "maxFirstResponseTime": timespan(max(&first)),
        "avgQueueTime": timespan(avg(&queue)),
        "avgFirstResponseTime": timespan(avg(&first)),
        "avgWaitTime": timespan(avg(&queue)),
        "avgResponseTime": timespan(avg(&first)),
        "avgAttendanceTime": timespan(avg(&collect(ts, attendance_time))),
        "ticketsPerAttendant": per_attendant,
    })
}

/// The report zone.
pub fn offset(hours: i8) -> UtcOffset {
    UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// The report day of an ISO date.
pub fn local_day(iso: &str, zone: UtcOffset) -> Option<Date> {
    Some(parse_iso(iso)?.to_offset(zone).date())
}

/// The start of a report day, in UTC, as Blip writes it (`T03:00:00.000Z` at -3).
pub fn day_start(day: Date, zone: UtcOffset) -> String {
    crate::clock::iso_millis(day.midnight().assume_offset(zone).to_offset(UtcOffset::UTC))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans_print_as_dotnet_does() {
        // [DOC] desk.md report examples: "00:15:43", "00:00:18.2650000", "2.00:58:27.3058952".
        assert_eq!(timespan(Duration::seconds(943)), "00:15:43");
        assert_eq!(timespan(Duration::milliseconds(18_265)), "00:00:18.2650000");
        let d = Duration::days(2)
            + Duration::seconds(58 * 60 + 27)
            + Duration::nanoseconds(305_895_200);
        assert_eq!(timespan(d), "2.00:58:27.3058952");
        assert_eq!(timespan(Duration::seconds(-5)), "00:00:00");
    }

    #[test]
    fn report_days_start_at_local_midnight() {
        let z = offset(-3);
        let day = local_day("2019-11-02T02:59:00.000Z", z).unwrap();
        assert_eq!(day_start(day, z), "2019-11-01T03:00:00.000Z");
    }
}
