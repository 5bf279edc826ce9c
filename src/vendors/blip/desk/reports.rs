//! `/analytics/reports/...` and `/tags/active`: the Desk's reports over the
//! tickets created between `beginDate` and `endDate` (report days in the
//! configured zone; both default to today).

use serde_json::{Value, json};
use time::{Date, UtcOffset};

use super::metrics::{self, averages, is_closed};
use super::monitoring::{agents_with_status, attendant_line, team_line, team_names, tickets_of};
use crate::vendors::blip::call::{Call, Outcome, collection, document, invalid};
use crate::vendors::blip::wire::{Reason, Ticket};

const ATTENDANT_SUMMARY: &str = "application/vnd.iris.desk.attendantticketssummary+json";
const TEAM_SUMMARY: &str = "application/vnd.iris.desk.teamticketssummary+json";
const TAG_SUMMARY: &str = "application/vnd.iris.desk.tag-tickets-summary+json";
const TICKETS_SUMMARY: &str = "application/vnd.iris.desk.ticketssummary+json";
const METRICS: &str = "application/vnd.iris.desk.tickets-metrics-summary+json";
const PRODUCTIVITY: &str = "application/vnd.iris.desk.agentproductivitysummary+json";
const ATTENDANCE_TIME: &str = "application/vnd.iris.desk.attendancetimesummary+json";

/// The longest range a report covers, in days (keeps answers bounded).
const MAX_DAYS: i64 = 366;

/// A report date: `YYYY-MM-DD`, or the C# SDK's `yyyy-MM-ddTHH:mm:ss`.
pub fn parse_day(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.get(..10)?, &fmt).ok()
}

/// The report's zone and its `[begin, end]` days.
pub fn range(
    c: &Call<'_>,
    begin_key: &str,
    end_key: &str,
) -> Result<(UtcOffset, Date, Date), Reason> {
    let zone = metrics::offset(c.b.settings().extensions.report_utc_offset_hours);
    let today = c.b.now().to_offset(zone).date();
    let day = |k: &str| match c.q(k) {
        None | Some("") => Ok(today),
        Some(v) => parse_day(v).ok_or_else(|| invalid(format!("Invalid value '{v}' for {k}"))),
    };
    let (begin, end) = (day(begin_key)?, day(end_key)?);
    if end < begin || (end - begin).whole_days() >= MAX_DAYS {
        return Err(invalid(format!(
            "{begin_key} must be before {end_key}, within {MAX_DAYS} days"
        )));
    }
    Ok((zone, begin, end))
}

fn in_range(c: &Call<'_>) -> Result<Vec<Ticket>, Reason> {
    let (zone, begin, end) = range(c, "beginDate", "endDate")?;
    Ok(tickets_of(c)
        .into_iter()
        .filter(|t| {
            metrics::local_day(&t.storage_date, zone).is_some_and(|d| d >= begin && d <= end)
        })
        .collect())
}

/// `get /analytics/reports/attendants`.
pub fn attendants(c: &mut Call<'_>) -> Outcome {
    let ts = in_range(c)?;
    let items: Vec<Value> = agents_with_status(c, &ts)
        .iter()
        .map(|(id, s)| attendant_line(id, s, &ts))
        .collect();
    collection(ATTENDANT_SUMMARY, items.len(), items)
}

/// `get /analytics/reports/attendants/productivity`. Vendor quirk: the fake
/// does not track how long agents spend in each status; every time is zero.
pub fn productivity(c: &mut Call<'_>) -> Outcome {
    let ts = in_range(c)?;
    let zero = metrics::timespan(time::Duration::ZERO);
    let items: Vec<Value> = agents_with_status(c, &ts)
        .iter()
        .map(|(id, _)| json!({"identity": id, "online": zero, "paused": zero, "invisible": zero, "offline": zero, "total": zero}))
        .collect();
    collection(PRODUCTIVITY, items.len(), items)
}

/// `get /analytics/reports/attendancetime`: the average attendance time.
pub fn attendance_time(c: &mut Call<'_>) -> Outcome {
    let ts = in_range(c)?;
    let refs: Vec<&Ticket> = ts.iter().collect();
    let avg = averages(&refs);
    document(
        ATTENDANCE_TIME,
        json!({"attendanceTime": avg["averageAttendanceTime"]}),
    )
}

fn tag_lines(ts: &[Ticket], with_count: bool) -> Vec<Value> {
    let mut names: Vec<&str> = ts
        .iter()
        .flat_map(|t| t.tags.iter().flatten().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|n| {
            let tagged: Vec<&Ticket> = ts
                .iter()
                .filter(|t| t.tags.iter().flatten().any(|x| x == n))
                .collect();
            let closed = tagged.iter().filter(|t| is_closed(t)).count();
            let mut v = json!({"name": n, "closedTickets": closed});
            if with_count {
                v["ticketsCount"] = json!(tagged.len());
            }
            v
        })
        .collect()
}

/// `get /analytics/reports/tags`.
pub fn tags(c: &mut Call<'_>) -> Outcome {
    let items = tag_lines(&in_range(c)?, false);
    collection(TAG_SUMMARY, items.len(), items)
}

/// `get /tags/active`: every tag on the bot's tickets.
pub fn active_tags(c: &mut Call<'_>) -> Outcome {
    let items = tag_lines(&tickets_of(c), true);
    collection(TAG_SUMMARY, items.len(), items)
}

/// `get /analytics/reports/teams`.
pub fn teams(c: &mut Call<'_>) -> Outcome {
    let ts = in_range(c)?;
    let items: Vec<Value> = team_names(c, &ts)
        .iter()
        .map(|n| team_line(n, &ts))
        .collect();
    collection(TEAM_SUMMARY, items.len(), items)
}

/// `get /analytics/reports/timings`.
pub fn timings(c: &mut Call<'_>) -> Outcome {
    let ts = in_range(c)?;
    let refs: Vec<&Ticket> = ts.iter().collect();
    document(METRICS, metrics::metrics(&refs))
}

/// `get /analytics/reports/tickets`: one line per day of the range.
pub fn tickets(c: &mut Call<'_>) -> Outcome {
    let (zone, begin, end) = range(c, "beginDate", "endDate")?;
    let ts = tickets_of(c);
    let mut items = Vec::new();
    let mut day = begin;
    while day <= end {
        let that_day: Vec<&Ticket> = ts
            .iter()
            .filter(|t| metrics::local_day(&t.storage_date, zone) == Some(day))
            .collect();
        let mut line = metrics::status_counts(&that_day);
        line.insert("date".into(), json!(metrics::day_start(day, zone)));
        items.push(Value::Object(line));
        let Some(next) = day.next_day() else { break };
        day = next;
    }
    collection(TICKETS_SUMMARY, items.len(), items)
}
