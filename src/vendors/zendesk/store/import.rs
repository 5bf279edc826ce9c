//! Ticket imports: a ticket made with its history as it happened elsewhere,
//! under no lifecycle rule and without running triggers [DOC: Ticket Import].

use time::OffsetDateTime;

use super::audit::tracked;
use super::{Actor, Store};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::wire::{Ticket, TicketImport};

/// Dates the last comment and audit of `t`.
fn date_last(t: &mut Ticket, at: OffsetDateTime) {
    if let Some(c) = t.comments.last_mut() {
        c.created_at = at;
    }
    if let Some(a) = t.audits.last_mut() {
        a.created_at = at;
    }
}

impl Store {
    /// Imports a ticket; returns its id. The first comment is its description (an
    /// import without one is Zendesk's blank-description 422); any status is
    /// taken as given, `closed` included; comments and the ticket keep the times
    /// they carry. Triggers do not run on imports \[DOC\].
    pub fn import_ticket(
        &mut self,
        actor: &Actor,
        import: TicketImport,
        now: OffsetDateTime,
    ) -> Result<u64, ZendeskError> {
        let TicketImport {
            mut ticket,
            comments,
            created_at,
            updated_at,
            solved_at: _,
        } = import;
        let status = ticket.status.take();
        let mut comments = comments.into_iter();
        let first = comments.next();
        if let Some(f) = &first {
            ticket.comment = Some(f.comment.clone());
        }
        let queued = self.changes.len();
        let (id, _) = self.create_ticket(actor, ticket, now)?;
        let mut t = self.tickets[&id].clone();
        let created = created_at
            .or_else(|| first.as_ref().and_then(|f| f.created_at))
            .unwrap_or(now);
        date_last(&mut t, first.and_then(|f| f.created_at).unwrap_or(created));
        t.created_at = created;
        let mut last = created;
        for c in comments {
            let before = tracked(&t);
            self.commit(&mut t, actor, &c.comment, &before, now);
            let at = c.created_at.unwrap_or(now);
            date_last(&mut t, at);
            last = last.max(at);
        }
        if let Some(s) = status {
            t.status = s;
            t.custom_status_id = self.default_custom_status(s);
        }
        t.is_public = t.comments.iter().any(|c| c.public);
        t.updated_at = updated_at.unwrap_or(last);
        self.tickets.insert(id, t);
        self.changes.truncate(queued);
        Ok(id)
    }
}
