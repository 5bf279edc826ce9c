//! Evaluates a parsed query against tickets, users and organizations. A query is
//! compiled once ([`Compiled`]: user and organization names resolved to ids), then
//! checked against each record, structured terms before free text.

use time::OffsetDateTime;

use super::query::{Cmp, Query, TermKind, When, compare_rank, compare_time, parse_when};
use crate::vendors::zendesk::org;
use crate::vendors::zendesk::resource::Record as OrgRecord;
use crate::vendors::zendesk::store::{Store, Ticket, User};
use crate::vendors::zendesk::wire::{Priority, Status, TicketType};

/// A record search can return.
#[derive(Debug, Clone, Copy)]
pub enum Record<'a> {
    /// A live ticket.
    Ticket(&'a Ticket),
    /// A user.
    User(&'a User),
    /// An organization.
    Org(&'a OrgRecord),
}

impl Record<'_> {
    /// `result_type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Ticket(_) => "ticket",
            Self::User(_) => "user",
            Self::Org(_) => "organization",
        }
    }

    /// The record's id.
    pub fn id(&self) -> u64 {
        match self {
            Self::Ticket(t) => t.id,
            Self::User(u) => u.id,
            Self::Org(o) => org::id(o),
        }
    }

    /// `created_at`.
    pub fn created(&self) -> OffsetDateTime {
        match self {
            Self::Ticket(t) => t.created_at,
            Self::User(u) => u.created_at,
            Self::Org(o) => org::time(o, "created_at"),
        }
    }

    /// `updated_at`.
    pub fn updated(&self) -> OffsetDateTime {
        match self {
            Self::Ticket(t) => t.updated_at,
            Self::User(u) => u.updated_at,
            Self::Org(o) => org::time(o, "updated_at"),
        }
    }

    fn tags(&self) -> Vec<&str> {
        match self {
            Self::Ticket(t) => t.tags.iter().map(String::as_str).collect(),
            Self::User(u) => u.tags.iter().map(String::as_str).collect(),
            Self::Org(o) => org::strings(o, "tags"),
        }
    }
}

/// A ticket's priority in search order (`priority>normal` is high and urgent).
pub fn priority_rank(p: Priority) -> usize {
    match p {
        Priority::Low => 1,
        Priority::Normal => 2,
        Priority::High => 3,
        Priority::Urgent => 4,
    }
}

/// A status in search order: new < open < pending < hold < solved < closed.
pub fn status_rank(s: Status) -> usize {
    Status::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

#[derive(Debug, Clone, Copy)]
enum TimeField {
    Created,
    Updated,
    Solved,
}

#[derive(Debug, Clone, Copy)]
enum Role3 {
    Assignee,
    Requester,
    Submitter,
}

#[derive(Debug)]
enum Pred {
    Type(String),
    Status(Cmp, usize),
    Priority(Cmp, Option<usize>),
    TicketType(Option<TicketType>),
    Tags(Option<String>),
    UserRef(Role3, Option<Vec<u64>>),
    Org(Option<Vec<u64>>),
    Group(Option<u64>),
    Time(TimeField, Cmp, When),
    /// Free text: the needle, and whether it is a phrase (otherwise a word prefix).
    Text(Option<&'static str>, String),
    Attr(&'static str, String),
    Custom(u64, String),
    Never,
}

/// A query ready to be checked against records.
#[derive(Debug)]
pub struct Compiled {
    fields: Vec<(bool, Pred)>,
    text: Vec<(bool, Pred)>,
}

fn user_ids(store: &Store, value: &str, caller: u64) -> Option<Vec<u64>> {
    let v = value.to_lowercase();
    Some(match v.as_str() {
        "none" => return None,
        "me" => vec![caller],
        _ => match v.parse::<u64>() {
            Ok(id) => vec![id],
            Err(_) => store
                .users
                .values()
                .filter(|u| {
                    u.name.to_lowercase() == v
                        || u.email.as_deref().is_some_and(|e| e.to_lowercase() == v)
                })
                .map(|u| u.id)
                .collect(),
        },
    })
}

fn org_ids(store: &Store, value: &str) -> Option<Vec<u64>> {
    let v = value.to_lowercase();
    if v == "none" {
        return None;
    }
    Some(match v.parse::<u64>() {
        Ok(id) => vec![id],
        Err(_) => store
            .organizations()
            .filter(|o| org::text(o, "name").is_some_and(|n| n.to_lowercase() == v))
            .map(org::id)
            .collect(),
    })
}

fn compile_field(
    store: &Store,
    now: OffsetDateTime,
    caller: u64,
    key: &str,
    cmp: Cmp,
    value: &str,
) -> Pred {
    let lower = value.to_lowercase();
    let time = |f| parse_when(value, now).map_or(Pred::Never, |w| Pred::Time(f, cmp, w));
    match key {
        "type" => Pred::Type(lower),
        "status" => lower
            .parse::<Status>()
            .map_or(Pred::Never, |s| Pred::Status(cmp, status_rank(s))),
        "priority" if lower == "none" => Pred::Priority(cmp, None),
        "priority" => lower
            .parse::<Priority>()
            .map_or(Pred::Never, |p| Pred::Priority(cmp, Some(priority_rank(p)))),
        "ticket_type" if lower == "none" => Pred::TicketType(None),
        "ticket_type" => lower
            .parse()
            .map_or(Pred::Never, |t| Pred::TicketType(Some(t))),
        "tags" | "tag" => Pred::Tags((lower != "none").then_some(lower)),
        "assignee" => Pred::UserRef(Role3::Assignee, user_ids(store, value, caller)),
        "requester" => Pred::UserRef(Role3::Requester, user_ids(store, value, caller)),
        "submitter" => Pred::UserRef(Role3::Submitter, user_ids(store, value, caller)),
        "organization" => Pred::Org(org_ids(store, value)),
        "group" if lower == "none" => Pred::Group(None),
        "group" => lower.parse().map_or(Pred::Never, |g| Pred::Group(Some(g))),
        "created" | "created_at" => time(TimeField::Created),
        "updated" | "updated_at" => time(TimeField::Updated),
        "solved" => time(TimeField::Solved),
        "subject" => Pred::Text(Some("subject"), lower),
        "description" => Pred::Text(Some("description"), lower),
        "comment" => Pred::Text(Some("comment"), lower),
        "name" => Pred::Attr("name", lower),
        "email" => Pred::Attr("email", lower),
        "role" => Pred::Attr("role", lower),
        "external_id" => Pred::Attr("external_id", value.to_owned()),
        _ => match key
            .strip_prefix("custom_field_")
            .and_then(|id| id.parse().ok())
        {
            Some(id) => Pred::Custom(id, value.to_owned()),
            None => Pred::Never,
        },
    }
}

impl Compiled {
    /// Compiles `q` for one search by `caller` at `now`.
    pub fn new(q: &Query, store: &Store, now: OffsetDateTime, caller: u64) -> Self {
        let mut fields = Vec::new();
        let mut text = Vec::new();
        for t in &q.terms {
            match &t.kind {
                TermKind::Word(w) | TermKind::Phrase(w) => {
                    text.push((t.negated, Pred::Text(None, w.clone())))
                }
                TermKind::Field { key, cmp, value } => {
                    let p = compile_field(store, now, caller, key, *cmp, value);
                    let slot = if matches!(p, Pred::Text(..)) {
                        &mut text
                    } else {
                        &mut fields
                    };
                    slot.push((t.negated, p));
                }
            }
        }
        Self { fields, text }
    }

    /// Whether `r` matches every term.
    pub fn matches(&self, r: Record<'_>) -> bool {
        self.fields
            .iter()
            .chain(&self.text)
            .all(|(neg, p)| holds(r, p) != *neg)
    }
}

fn solved_at(t: &Ticket) -> Option<OffsetDateTime> {
    t.audits
        .iter()
        .rev()
        .find(|a| {
            a.events
                .iter()
                .any(|e| e["field_name"] == "status" && e["value"] == "solved")
        })
        .map(|a| a.created_at)
}

fn holds(r: Record<'_>, p: &Pred) -> bool {
    let ticket = match r {
        Record::Ticket(t) => Some(t),
        _ => None,
    };
    match p {
        Pred::Never => false,
        Pred::Type(t) => r.type_name() == t,
        Pred::Status(cmp, want) => {
            ticket.is_some_and(|t| compare_rank(status_rank(t.status), *cmp, *want))
        }
        Pred::Priority(cmp, want) => ticket.is_some_and(|t| match (t.priority, want) {
            (Some(p), Some(w)) => compare_rank(priority_rank(p), *cmp, *w),
            (None, None) => true,
            _ => false,
        }),
        Pred::TicketType(want) => ticket.is_some_and(|t| t.kind == *want),
        Pred::Tags(None) => r.tags().is_empty(),
        Pred::Tags(Some(tag)) => r.tags().iter().any(|t| t.eq_ignore_ascii_case(tag)),
        Pred::UserRef(role, ids) => ticket.is_some_and(|t| {
            let v = match role {
                Role3::Assignee => t.assignee_id,
                Role3::Requester => Some(t.requester_id),
                Role3::Submitter => Some(t.submitter_id),
            };
            refers(v, ids.as_deref())
        }),
        Pred::Org(ids) => match r {
            Record::Ticket(t) => refers(t.organization_id, ids.as_deref()),
            Record::User(u) => refers(u.organization_id, ids.as_deref()),
            Record::Org(_) => false,
        },
        Pred::Group(g) => ticket.is_some_and(|t| t.group_id == *g),
        Pred::Time(field, cmp, when) => {
            let t = match field {
                TimeField::Created => Some(r.created()),
                TimeField::Updated => Some(r.updated()),
                TimeField::Solved => ticket.and_then(solved_at),
            };
            t.is_some_and(|t| compare_time(t, *cmp, *when))
        }
        Pred::Text(field, needle) => text_holds(r, *field, needle),
        Pred::Attr(name, value) => attr_holds(r, name, value),
        Pred::Custom(id, value) => ticket.is_some_and(|t| custom_holds(t, *id, value)),
    }
}

/// A reference (`None`: the property is empty) against the wanted ids (`None`: the
/// query said `none`).
fn refers(v: Option<u64>, ids: Option<&[u64]>) -> bool {
    match (v, ids) {
        (None, None) => true,
        (Some(v), Some(ids)) => ids.contains(&v),
        _ => false,
    }
}

fn custom_holds(t: &Ticket, id: u64, value: &str) -> bool {
    t.custom_fields.iter().any(|f| {
        f.id == id
            && match &f.value {
                serde_json::Value::String(s) => s.eq_ignore_ascii_case(value),
                other => {
                    serde_json::from_str::<serde_json::Value>(value).is_ok_and(|v| v == *other)
                }
            }
    })
}

fn attr_holds(r: Record<'_>, name: &str, value: &str) -> bool {
    match (r, name) {
        (Record::User(u), "name") => u.name.to_lowercase() == value,
        (Record::Org(o), "name") => org::text(o, "name").is_some_and(|n| n.to_lowercase() == value),
        (Record::User(u), "email") => u
            .email
            .as_deref()
            .is_some_and(|e| e.to_lowercase() == value),
        (Record::User(u), "role") => u.role.as_str() == value,
        (Record::User(u), "external_id") => u.external_id.as_deref() == Some(value),
        (Record::Org(o), "external_id") => org::text(o, "external_id") == Some(value),
        (Record::Ticket(t), "external_id") => t.external_id.as_deref() == Some(value),
        _ => false,
    }
}

/// Whether `needle` (lower case; a trailing `*` allowed) starts a word of `hay`.
/// Words match whole words or word prefixes, not infixes (\[DOC\] "top" matches
/// "Top Ten", not "Desktop").
pub fn word_in(hay: &str, needle: &str) -> bool {
    let needle = needle.trim_end_matches('*');
    if needle.is_empty() {
        return true;
    }
    if !hay.is_ascii() || !needle.is_ascii() {
        let hay = hay.to_lowercase();
        return hay.match_indices(needle).any(|(i, _)| {
            hay[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
        });
    }
    // ASCII (nearly every record): compare in place, without a lower-cased copy.
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    (0..h.len().saturating_sub(n.len() - 1)).any(|i| {
        (i == 0 || !h[i - 1].is_ascii_alphanumeric()) && h[i..i + n.len()].eq_ignore_ascii_case(n)
    })
}

fn text_holds(r: Record<'_>, field: Option<&str>, needle: &str) -> bool {
    match r {
        Record::Ticket(t) => {
            let subject = || t.subject.as_deref().is_some_and(|s| word_in(s, needle));
            let description = || word_in(&t.description, needle);
            let comments = || t.comments.iter().any(|c| word_in(&c.body, needle));
            match field {
                Some("subject") => subject(),
                Some("description") => description(),
                Some(_) => comments(),
                None => subject() || description() || comments(),
            }
        }
        Record::User(u) => {
            field.is_none()
                && (word_in(&u.name, needle)
                    || u.email.as_deref().is_some_and(|e| word_in(e, needle))
                    || u.notes.as_deref().is_some_and(|n| word_in(n, needle))
                    || u.details.as_deref().is_some_and(|d| word_in(d, needle)))
        }
        Record::Org(o) => {
            field.is_none()
                && (["name", "details", "notes"]
                    .iter()
                    .any(|k| org::text(o, k).is_some_and(|t| word_in(t, needle)))
                    || org::strings(o, "domain_names")
                        .iter()
                        .any(|d| word_in(d, needle)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_at_word_starts_only() {
        // DOC search reference: "top" matches "Top Ten", not "Desktop".
        assert!(word_in("Top Ten", "top"));
        assert!(!word_in("Desktop", "top"));
        assert!(word_in("printer on fire", "print*"));
        assert!(word_in("the printer is on fire", "printer is"));
        assert!(!word_in("printer", "fire"));
        assert!(word_in("PRINTER", "printer"));
        assert!(!word_in("pr", "printer"));
        assert!(word_in("Ünïcode Drucker", "drucker"));
    }

    #[test]
    fn search_orders_follow_the_reference() {
        assert!(status_rank(Status::Open) < status_rank(Status::Solved));
        assert!(priority_rank(Priority::High) > priority_rank(Priority::Normal));
    }
}
