//! Ticket operations beside updates: merging tickets, redacting a comment,
//! making one private, and marking a ticket as spam.

use serde_json::Value;
use time::OffsetDateTime;

use super::audit::tracked;
use super::{Actor, Store};
use crate::vendors::zendesk::changelog::{Kind, Op};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::wire::{Audit, Comment, CommentInput, Status};

/// What a merge asks for [DOC: Merge Tickets into Target Ticket]: the tickets to
/// close into the target, and the comments each side gets (private unless asked).
#[derive(Debug, Default, Clone)]
pub struct Merge {
    /// The source tickets.
    pub sources: Vec<u64>,
    /// The comment added to the target, if any.
    pub target_comment: Option<String>,
    /// The comment added to each source, if any.
    pub source_comment: Option<String>,
    /// Whether the target's comment is public.
    pub target_comment_is_public: bool,
    /// Whether the sources' comment is public.
    pub source_comment_is_public: bool,
}

/// The character a redacted one becomes [DOC: Redact String in Comment].
const REDACTED: char = '\u{2587}';

fn merge_refused(text: String) -> ZendeskError {
    ZendeskError::invalid("ids", text, "InvalidValue")
}

fn comment_of(text: Option<&String>, public: bool) -> CommentInput {
    CommentInput {
        body: text.cloned(),
        public: Some(public),
        ..CommentInput::default()
    }
}

impl Store {
    /// Closes each source into `target`, with the merge's comments; returns the
    /// ids changed (sources, then the target). Closed tickets cannot be merged,
    /// nor a ticket into itself [DOC: Zendesk's ticket merging rules]; the error
    /// texts are UNVERIFIED.
    pub fn merge_tickets(
        &mut self,
        actor: &Actor,
        target: u64,
        m: &Merge,
        now: OffsetDateTime,
    ) -> Result<Vec<u64>, ZendeskError> {
        if self.ticket(target)?.status == Status::Closed {
            return Err(ZendeskError::closed_ticket());
        }
        if m.sources.is_empty() {
            return Err(ZendeskError::invalid("ids", "Ids: is required", "BlankValue"));
        }
        for &s in &m.sources {
            if s == target {
                return Err(merge_refused(format!(
                    "Ids: ticket {s} cannot be merged into itself"
                )));
            }
            let source = self.tickets.get(&s).ok_or(ZendeskError::RecordNotFound)?;
            if source.status == Status::Closed {
                return Err(merge_refused(format!(
                    "Ids: ticket {s} is closed and cannot be merged"
                )));
            }
        }
        let mut changed = Vec::with_capacity(m.sources.len() + 1);
        for &s in &m.sources {
            let Some(mut ticket) = self.tickets.get(&s).cloned() else {
                continue;
            };
            let before = tracked(&ticket);
            ticket.status = Status::Closed;
            let comment = comment_of(m.source_comment.as_ref(), m.source_comment_is_public);
            self.commit(&mut ticket, actor, &comment, &before, now);
            self.tickets.insert(s, ticket);
            changed.push(s);
        }
        if let Some(mut ticket) = self
            .tickets
            .get(&target)
            .filter(|_| m.target_comment.is_some())
            .cloned()
        {
            let before = tracked(&ticket);
            let comment = comment_of(m.target_comment.as_ref(), m.target_comment_is_public);
            self.commit(&mut ticket, actor, &comment, &before, now);
            self.tickets.insert(target, ticket);
        }
        changed.push(target);
        Ok(changed)
    }

    /// Replaces every occurrence of `text` in a comment with as many `▇` as it
    /// has characters [DOC: Redact String in Comment]; a closed ticket's
    /// comments cannot be redacted \[DOC\] (error UNVERIFIED). The first comment is
    /// the ticket's description, which is redacted with it.
    pub fn redact_comment(
        &mut self,
        ticket: u64,
        comment: u64,
        text: &str,
    ) -> Result<Comment, ZendeskError> {
        if text.is_empty() {
            return Err(ZendeskError::invalid(
                "text",
                "Text: cannot be blank",
                "BlankValue",
            ));
        }
        let mut t = self.ticket(ticket)?.clone();
        if t.status == Status::Closed {
            return Err(ZendeskError::closed_ticket());
        }
        let at = t
            .comments
            .iter()
            .position(|c| c.id == comment)
            .ok_or(ZendeskError::RecordNotFound)?;
        let blocks: String = std::iter::repeat_n(REDACTED, text.chars().count()).collect();
        let c = &mut t.comments[at];
        for body in [&mut c.body, &mut c.html_body, &mut c.plain_body] {
            *body = body.replace(text, &blocks);
        }
        let redacted = c.clone();
        if at == 0 {
            t.description = t.description.replace(text, &blocks);
        }
        redact_events(&mut t.audits, comment, text, &blocks);
        self.tickets.insert(ticket, t);
        Ok(redacted)
    }

    /// Redacts an attachment of a comment [DOC: Redact Comment Attachment;
    /// reference 4.4]: its file becomes an empty `redacted.txt` in the comment,
    /// its audit event and `/attachments/{id}`. Returns the attachment.
    pub fn redact_attachment(
        &mut self,
        ticket: u64,
        comment: u64,
        attachment: u64,
    ) -> Result<Value, ZendeskError> {
        let mut t = self.ticket(ticket)?.clone();
        let c = t
            .comments
            .iter_mut()
            .find(|c| c.id == comment)
            .ok_or(ZendeskError::RecordNotFound)?;
        let a = c
            .attachments
            .iter_mut()
            .find(|a| a["id"].as_u64() == Some(attachment))
            .ok_or(ZendeskError::RecordNotFound)?;
        super::uploads::redacted(a);
        let shown = a.clone();
        for e in t.audits.iter_mut().flat_map(|a| a.events.iter_mut()) {
            if e["type"] == "Comment" && e["id"].as_u64() == Some(comment) {
                for a in e["attachments"].as_array_mut().into_iter().flatten() {
                    if a["id"].as_u64() == Some(attachment) {
                        super::uploads::redacted(a);
                    }
                }
            }
        }
        self.records.uploads.redact(attachment);
        self.tickets.insert(ticket, t);
        Ok(shown)
    }

    /// Makes a comment private [DOC: Make Comment Private]; the ticket stays
    /// public while any comment is (`is_public` [DOC: Tickets]).
    pub fn make_comment_private(&mut self, ticket: u64, comment: u64) -> Result<(), ZendeskError> {
        let mut t = self.ticket(ticket)?.clone();
        let c = t
            .comments
            .iter_mut()
            .find(|c| c.id == comment)
            .ok_or(ZendeskError::RecordNotFound)?;
        c.public = false;
        t.is_public = t.comments.iter().any(|c| c.public);
        for a in &mut t.audits {
            for e in &mut a.events {
                if e["type"] == "Comment" && e["id"].as_u64() == Some(comment) {
                    e["public"] = Value::Bool(false);
                }
            }
        }
        self.tickets.insert(ticket, t);
        Ok(())
    }

    /// Marks a ticket as spam [DOC: Mark Ticket as Spam and Suspend Requester]:
    /// its requester is suspended (an end user only: staff stay as they are,
    /// UNVERIFIED) and the ticket is deleted.
    pub fn mark_as_spam(
        &mut self,
        id: u64,
        actor: u64,
        now: OffsetDateTime,
    ) -> Result<(), ZendeskError> {
        let requester = self.ticket(id)?.requester_id;
        if let Some(u) = self.users.get(&requester).filter(|u| !u.role.is_staff()) {
            let mut u = u.clone();
            u.suspended = true;
            u.updated_at = now;
            self.users.insert(requester, u);
            self.log.record(now, Kind::User, requester, Op::Updated);
        }
        self.delete_ticket(id, actor, now)
    }
}

/// Redacts the comment's event in the audits too, so `/audits` shows no more
/// than `/comments` does.
fn redact_events(
    audits: &mut [Audit],
    comment: u64,
    text: &str,
    blocks: &str,
) {
    for a in audits {
        for e in &mut a.events {
            if e["type"] != "Comment" || e["id"].as_u64() != Some(comment) {
                continue;
            }
            for key in ["body", "html_body", "plain_body"] {
                if let Some(s) = e[key].as_str() {
                    e[key] = Value::String(s.replace(text, blocks));
                }
            }
        }
    }
}
