//! Tickets and users on the resource engine: their typed stores are [`Table`]s,
//! so lists (both paginations, sorting, filters), show, `show_many`, `count` and
//! side-loads come from the declarations below, as for every other resource.
//! Their writes keep their typed domain logic (audits, triggers, webhooks) in
//! the API handlers.

use std::borrow::Cow;
use std::collections::BTreeMap;

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

use super::sideload;
use super::spec::{Ops, Parent, Record, Row, Spec, Table, Write, ts};
use crate::fake::json_bytes;
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::store::{Store, Ticket, User};
use crate::vendors::zendesk::wire::{Status, TicketOut, UserOut};

/// Tickets and users, in route order.
pub const SPECS: &[&Spec] = &[&TICKETS, &USERS];

/// What the engine serves for tickets and users: reads. The list of tickets is
/// routed with its own rate limit (`zendesk-ratelimit-tickets-index`) around
/// the engine's list.
const READS: Ops = Ops {
    list: true,
    show: true,
    show_many: true,
    create: false,
    create_many: false,
    update: false,
    update_many: false,
    destroy: false,
    destroy_many: false,
    count: true,
};

/// Tickets (REFERENCE 1.5). `sort_by` values as Zendesk's List Tickets names
/// them (DOC recollection); `assignee`, `requester` and `group` order by id.
pub static TICKETS: Spec = Spec {
    ops: Ops {
        list: false,
        ..READS
    },
    sort_keys: &[
        ("id", "id"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
        ("status", "status"),
        ("subject", "subject"),
        ("assignee", "assignee_id"),
        ("requester", "requester_id"),
        ("group", "group_id"),
    ],
    filters: &["external_id"],
    side_loads: sideload::TICKETS,
    // The other lists of Zendesk's List Tickets (DOC recollection).
    parents: &[
        under(
            "/api/v2/organizations/{id}/tickets",
            "organization_id",
            "organizations",
        ),
        under(
            "/api/v2/users/{user_id}/tickets/requested",
            "requester_id",
            "users",
        ),
        under(
            "/api/v2/users/{user_id}/tickets/assigned",
            "assignee_id",
            "users",
        ),
        under(
            "/api/v2/users/{user_id}/tickets/ccd",
            "collaborator_ids",
            "users",
        ),
        under(
            "/api/v2/users/{user_id}/tickets/followed",
            "follower_ids",
            "users",
        ),
        // List Ticket Incidents [DOC]: the incidents whose problem is the ticket.
        under(
            "/api/v2/tickets/{ticket_id}/incidents",
            "problem_id",
            "tickets",
        ),
    ],
    rows: Some(&TICKET_TABLE),
    id_param: "ticket_id",
    // Captured ticket cursors carry `{"o":"nice_id",...}` (REFERENCE 1.5).
    id_cursor: "nice_id",
    ..Spec::new("tickets", "ticket", "/api/v2/tickets", typed_write)
};

/// Users (REFERENCE 1.5's user object); filters `role` and `external_id`.
pub static USERS: Spec = Spec {
    ops: READS,
    sort_keys: &[
        ("id", "id"),
        ("name", "name"),
        ("created_at", "created_at"),
        ("updated_at", "updated_at"),
    ],
    filters: &["role", "external_id"],
    side_loads: sideload::USERS,
    parents: &[under(
        "/api/v2/organizations/{id}/users",
        "organization_id",
        "organizations",
    )],
    rows: Some(&USER_TABLE),
    id_param: "user_id",
    ..Spec::new("users", "user", "/api/v2/users", typed_write)
};

/// A list under a parent record that must exist (404 otherwise).
const fn under(path: &'static str, field: &'static str, table: &'static str) -> Parent {
    Parent {
        path,
        field,
        table,
        create: false,
    }
}

/// Tickets and users are written by their own handlers, never by the engine.
fn typed_write(_: &Store, _: &Write<'_>) -> Result<Record, ZendeskError> {
    Err(ZendeskError::InvalidEndpoint)
}

/// Rows kept in one of the store's typed maps (tickets, users), read through the
/// map it names.
struct MapTable<T: 'static>(for<'s> fn(&'s Store) -> &'s BTreeMap<u64, T>);

impl<T: Row> Table for MapTable<T> {
    fn rows<'s>(&self, store: &'s Store) -> Vec<&'s dyn Row> {
        (self.0)(store).values().map(|r| r as &dyn Row).collect()
    }

    fn get<'s>(&self, store: &'s Store, id: u64) -> Option<&'s dyn Row> {
        (self.0)(store).get(&id).map(|r| r as &dyn Row)
    }

    fn count(&self, store: &Store) -> usize {
        (self.0)(store).len()
    }
}

/// The live tickets.
static TICKET_TABLE: MapTable<Ticket> = MapTable(|s| &s.tickets);
/// The users.
static USER_TABLE: MapTable<User> = MapTable(|s| &s.users);

fn owned(v: impl Into<Value>) -> Option<Cow<'static, Value>> {
    Some(Cow::Owned(v.into()))
}

fn opt<T: Into<Value>>(v: Option<T>) -> Option<Cow<'static, Value>> {
    owned(v.map_or(Value::Null, Into::into))
}

impl Row for Ticket {
    fn id(&self) -> u64 {
        self.id
    }

    fn field(&self, name: &str) -> Option<Cow<'_, Value>> {
        match name {
            "id" => owned(self.id),
            "external_id" => opt(self.external_id.clone()),
            "created_at" => owned(ts(self.created_at)),
            "updated_at" => owned(ts(self.updated_at)),
            "subject" => opt(self.subject.clone()),
            // Statuses order by the lifecycle, as search compares them
            // (new < open < pending < hold < solved < closed); UNVERIFIED for lists.
            "status" => owned(Status::ALL.iter().position(|s| *s == self.status)),
            "type" => opt(self.kind.map(|k| k.as_str())),
            "priority" => opt(self.priority.map(|p| p.as_str())),
            "requester_id" => owned(self.requester_id),
            "submitter_id" => owned(self.submitter_id),
            "assignee_id" => opt(self.assignee_id),
            "collaborator_ids" => owned(self.collaborator_ids.clone()),
            "follower_ids" => owned(self.follower_ids.clone()),
            "email_cc_ids" => owned(self.email_cc_ids.clone()),
            "problem_id" => opt(self.problem_id),
            "organization_id" => opt(self.organization_id),
            "group_id" => opt(self.group_id),
            "brand_id" => owned(self.brand_id),
            "ticket_form_id" => owned(self.ticket_form_id),
            _ => None,
        }
    }

    fn render(&self, _: &Spec, base: &str) -> Value {
        serde_json::to_value(TicketOut::new(base, self)).unwrap_or_default()
    }

    fn kept_reply(
        &self,
        scheme: &'static str,
        host: &str,
    ) -> Option<Result<Bytes, serde_json::Error>> {
        #[derive(Serialize)]
        struct One<'a> {
            ticket: TicketOut<'a>,
        }
        Some(self.reply.get_or_render(scheme, host, || {
            let base = format!("{scheme}://{host}");
            json_bytes(&One {
                ticket: TicketOut::new(&base, self),
            })
        }))
    }
}

impl Row for User {
    fn id(&self) -> u64 {
        self.id
    }

    fn field(&self, name: &str) -> Option<Cow<'_, Value>> {
        match name {
            "id" => owned(self.id),
            "name" => owned(self.name.clone()),
            "email" => opt(self.email.clone()),
            "created_at" => owned(ts(self.created_at)),
            "updated_at" => owned(ts(self.updated_at)),
            "role" => owned(self.role.as_str()),
            "external_id" => opt(self.external_id.clone()),
            "organization_id" => opt(self.organization_id),
            "active" => owned(self.active),
            _ => None,
        }
    }

    fn render(&self, _: &Spec, base: &str) -> Value {
        serde_json::to_value(UserOut::new(base, self)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::zendesk::wire::Role;
    use time::OffsetDateTime;

    /// Every declared sort key and filter names a field the typed row has:
    /// a field the row did not know would sort and filter as absent.
    #[test]
    fn declared_sort_keys_and_filters_are_fields_of_the_row() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let ticket = Ticket::new(1, "api", now);
        let user = User::new(2, "Ann".to_owned(), None, Role::EndUser, now);
        for (spec, row) in [(&TICKETS, &ticket as &dyn Row), (&USERS, &user as &dyn Row)] {
            for (_, field) in spec.sort_keys {
                assert!(row.field(field).is_some(), "{}: {field}", spec.plural);
            }
            for field in spec.filters {
                assert!(row.field(field).is_some(), "{}: {field}", spec.plural);
            }
        }
    }

    #[test]
    fn statuses_sort_by_the_lifecycle() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let mut open = Ticket::new(1, "api", now);
        open.status = Status::Open;
        let mut hold = Ticket::new(2, "api", now);
        hold.status = Status::Hold;
        let rank = |t: &Ticket| t.field("status").and_then(|v| v.as_u64());
        assert!(
            rank(&open) < rank(&hold),
            "open before hold, not alphabetical"
        );
    }
}
