//! Fake Blip's state: the Desk's tickets with their transcripts and the status
//! machine (REFERENCE 6.3), plus what came and went on the side. No I/O: every
//! operation takes the time and returns the ticket or the LIME reason it failed with.

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::book::Book;
use super::wire::{self, Reason, Ticket, TicketStatus, reason};
use crate::clock::iso_millis;
use crate::ids::IdGen;

/// The reasons whose codes Blip's docs do not give; configurable in the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reasons {
    /// A command on a ticket that does not exist (or belongs to another bot).
    pub ticket_not_found: Reason,
    /// A change to a closed ticket.
    pub ticket_closed: Reason,
}

/// One line of a ticket's conversation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// The message id.
    pub id: String,
    /// `received` from the customer, `sent` by the agent (Desk's thread words).
    pub direction: &'static str,
    /// The content's MIME type.
    #[serde(rename = "type")]
    pub type_: String,
    /// The content.
    pub content: Value,
    /// When (ISO, milliseconds).
    pub date: String,
    /// For a customer's line: whether it was forwarded to the attendance channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forwarded: Option<bool>,
}

/// A ticket and its conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketRecord {
    /// The resource.
    pub ticket: Ticket,
    /// Every message, oldest first: the customer's input first.
    pub transcript: Vec<Line>,
}

/// One push to the attendance channel and how it went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryRecord {
    /// The journal's delivery id.
    pub delivery: String,
    /// `ticket`, `message`, `notification`.
    pub kind: &'static str,
    /// The ticket it is about.
    pub ticket: String,
    /// The envelope id.
    pub envelope: String,
    /// Where it went.
    pub url: String,
    /// `in_progress`, `delivered`, `failed`.
    pub status: &'static str,
    /// Each attempt: `{attempt, status}` or `{attempt, error}`.
    pub attempts: Vec<Value>,
}

/// Everything fake Blip holds.
#[derive(Debug, Clone)]
pub struct Store {
    ids: IdGen,
    next_sequential: u64,
    /// Tickets in creation order.
    pub tickets: Vec<TicketRecord>,
    /// Messages bots sent to anyone but a ticket (their customers).
    pub sent: Vec<Value>,
    /// Notifications bots sent.
    pub notifications: Vec<Value>,
    /// What the Desk sent the bots: end-of-attendance redirects.
    pub bot_inbox: Vec<Value>,
    /// `failed` notifications of messages that could not be delivered.
    pub failed: Vec<Value>,
    /// Pushes to the attendance channel.
    pub deliveries: Vec<DeliveryRecord>,
    /// The extensions' state (Desk configuration, contacts, documents, events).
    pub book: Book,
}

/// The customer input and team of a new ticket.
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    /// The bot: `{identifier}@msging.net`.
    pub owner: String,
    /// The customer's identity.
    pub customer: String,
    /// What the customer said: `(type, content)`.
    pub input: Option<(String, Value)>,
    /// The team (default: the settings' team).
    pub team: String,
    /// An agent already chosen (the ticket starts `Assigned`).
    pub agent: Option<String>,
    /// `Webhook` when a custom attendance channel is on, else `Lime`.
    pub provider: &'static str,
    /// The ticket it was transferred from.
    pub parent: Option<u64>,
}

impl Store {
    /// The seeded state: no tickets; ids fixed by `seed`.
    pub fn seeded(seed: u64) -> Self {
        Self {
            ids: IdGen::new(seed ^ 0xB11F),
            next_sequential: 1,
            tickets: Vec::new(),
            sent: Vec::new(),
            notifications: Vec::new(),
            bot_inbox: Vec::new(),
            failed: Vec::new(),
            deliveries: Vec::new(),
            book: Book::default(),
        }
    }

    /// A GUID-shaped id, as Blip's tickets and messages have.
    pub fn guid(&mut self) -> String {
        let h = self.ids.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    }

    /// A new ticket in `Waiting` (or `Assigned` with an agent).
    pub fn create(&mut self, n: NewTicket, now: OffsetDateTime) -> Ticket {
        let id = self.guid();
        let date = iso_millis(now);
        let sequential_id = self.next_sequential;
        self.next_sequential += 1;
        let ticket = fresh_ticket(id, sequential_id, &n, &date);
        self.book.crm.seen(&n.owner, &n.customer, &date);
        let mut transcript = Vec::new();
        if let Some((type_, content)) = n.input {
            let line_id = self.guid();
            transcript.push(Line {
                id: line_id,
                direction: "received",
                type_,
                content,
                date,
                forwarded: None,
            });
        }
        self.tickets.push(TicketRecord {
            ticket: ticket.clone(),
            transcript,
        });
        ticket
    }

    /// The ticket `id` of `owner`, or the not-found reason.
    pub fn ticket(&self, owner: &str, id: &str, r: &Reasons) -> Result<&TicketRecord, Reason> {
        self.tickets
            .iter()
            .find(|t| t.ticket.id == id && t.ticket.owner_identity == owner)
            .ok_or_else(|| r.ticket_not_found.clone())
    }

    fn ticket_mut(
        &mut self,
        owner: &str,
        id: &str,
        r: &Reasons,
    ) -> Result<&mut TicketRecord, Reason> {
        self.tickets
            .iter_mut()
            .find(|t| t.ticket.id == id && t.ticket.owner_identity == owner)
            .ok_or_else(|| r.ticket_not_found.clone())
    }

    /// A ticket by id, whoever owns it (custom-channel messages name only the ticket).
    pub fn by_id(&self, id: &str) -> Option<&TicketRecord> {
        self.tickets.iter().find(|t| t.ticket.id == id)
    }

    /// The newest ticket of `customer` that is not closed.
    pub fn active_for(&self, owner: &str, customer: &str) -> Option<&TicketRecord> {
        self.tickets.iter().rev().find(|t| {
            t.ticket.owner_identity == owner
                && t.ticket.customer_identity == customer
                && !t.ticket.closed
        })
    }

    /// `set /tickets/change-status`: the status machine. `Open` needs an agent (the
    /// given one or one already assigned); a closing status closes for good;
    /// nothing changes a closed ticket.
    pub fn change_status(
        &mut self,
        owner: &str,
        id: &str,
        to: TicketStatus,
        agent: Option<String>,
        now: OffsetDateTime,
        r: &Reasons,
    ) -> Result<Ticket, Reason> {
        let rec = self.ticket_mut(owner, id, r)?;
        let t = &mut rec.ticket;
        if t.closed {
            return Err(r.ticket_closed.clone());
        }
        let date = iso_millis(now);
        match to {
            TicketStatus::Open | TicketStatus::Assigned => {
                let Some(agent) = agent.or_else(|| t.agent_identity.clone()) else {
                    return Err(Reason::new(
                        reason::COMMAND_INVALID_ARGUMENT,
                        format!("The ticket needs an agentIdentity to be {}", to.as_str()),
                    ));
                };
                t.agent_identity = Some(agent);
                if to == TicketStatus::Open && t.open_date.is_none() {
                    t.open_date = Some(date.clone());
                }
            }
            s if s.is_closed() && s != TicketStatus::Transferred => {
                if let Some(a) = agent {
                    t.agent_identity = Some(a);
                }
                t.closed = true;
                t.close_date = Some(date.clone());
                t.closed_by = Some(if s.is_closed_by_client() {
                    t.customer_identity.clone()
                } else {
                    t.agent_identity.clone().unwrap_or_else(|| owner.to_owned())
                });
            }
            other => {
                return Err(Reason::new(
                    reason::COMMAND_INVALID_ARGUMENT,
                    format!("Invalid ticket status {}", other.as_str()),
                ));
            }
        }
        t.status = to;
        t.status_date = Some(date);
        Ok(t.clone())
    }

    /// `set /tickets/{id}/close`: closes an active ticket as the agent, or finalises
    /// one the customer closed, setting `closedBy` and `tags`.
    pub fn close(
        &mut self,
        owner: &str,
        id: &str,
        closed_by: Option<String>,
        tags: Option<Vec<String>>,
        now: OffsetDateTime,
        r: &Reasons,
    ) -> Result<Ticket, Reason> {
        let rec = self.ticket_mut(owner, id, r)?;
        let t = &mut rec.ticket;
        let finalising =
            t.status.is_closed_by_client() && t.closed_by.as_ref() == Some(&t.customer_identity);
        if t.closed && !finalising {
            return Err(r.ticket_closed.clone());
        }
        let date = iso_millis(now);
        if !t.closed {
            t.status = TicketStatus::ClosedAttendant;
            t.closed = true;
            t.close_date = Some(date.clone());
            t.status_date = Some(date);
        }
        t.closed_by = Some(closed_by.unwrap_or_else(|| owner.to_owned()));
        if tags.is_some() {
            t.tags = tags;
        }
        Ok(t.clone())
    }

    /// `set /tickets/{id}/transfer`: the ticket becomes `Transferred` and a new one
    /// waits for `team`, with `parentSequentialId`.
    pub fn transfer(
        &mut self,
        owner: &str,
        id: &str,
        team: String,
        agent: Option<String>,
        now: OffsetDateTime,
        r: &Reasons,
    ) -> Result<Ticket, Reason> {
        let rec = self.ticket_mut(owner, id, r)?;
        let t = &mut rec.ticket;
        if t.closed {
            return Err(r.ticket_closed.clone());
        }
        let date = iso_millis(now);
        t.status = TicketStatus::Transferred;
        t.closed = true;
        t.close_date = Some(date.clone());
        t.status_date = Some(date);
        t.closed_by = Some(owner.to_owned());
        let input = match &t.customer_input {
            Value::Object(o) => match (o.get("type").and_then(Value::as_str), o.get("value")) {
                (Some(ty), Some(v)) => Some((ty.to_owned(), v.clone())),
                _ => None,
            },
            _ => None,
        };
        let new = NewTicket {
            owner: owner.to_owned(),
            customer: t.customer_identity.clone(),
            input,
            team,
            agent,
            provider: if t.provider == "Webhook" {
                "Webhook"
            } else {
                "Lime"
            },
            parent: Some(t.sequential_id),
        };
        Ok(self.create(new, now))
    }

    /// `set /tickets/{id}/change-tags`.
    pub fn change_tags(
        &mut self,
        owner: &str,
        id: &str,
        tags: Vec<String>,
        r: &Reasons,
    ) -> Result<Ticket, Reason> {
        let rec = self.ticket_mut(owner, id, r)?;
        if rec.ticket.closed {
            return Err(r.ticket_closed.clone());
        }
        rec.ticket.tags = Some(tags);
        Ok(rec.ticket.clone())
    }

    /// `(owner, id)` of every active ticket whose last message (or, without one,
    /// its last status change) is at or before `cutoff`.
    pub fn inactive_since(&self, cutoff: OffsetDateTime) -> Vec<(String, String)> {
        let parse =
            |d: &str| OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).ok();
        self.tickets
            .iter()
            .filter(|r| !r.ticket.closed)
            .filter(|r| {
                let t = &r.ticket;
                let last = r
                    .transcript
                    .last()
                    .map(|l| l.date.as_str())
                    .or(t.status_date.as_deref())
                    .unwrap_or(&t.storage_date);
                parse(last).is_some_and(|at| at <= cutoff)
            })
            .map(|r| (r.ticket.owner_identity.clone(), r.ticket.id.clone()))
            .collect()
    }

    /// A customer's message on an active ticket. Unread by the agent until answered.
    pub fn customer_line(&mut self, ticket: &str, line: Line) {
        if let Some(rec) = self.tickets.iter_mut().find(|t| t.ticket.id == ticket) {
            let t = &rec.ticket;
            self.book
                .crm
                .seen(&t.owner_identity, &t.customer_identity, &line.date);
            rec.ticket.unread_messages += 1;
            rec.transcript.push(line);
        }
    }

    /// An agent's message, delivered to the customer: the ticket must exist and be
    /// active. The first one sets `firstResponseDate`.
    pub fn agent_line(&mut self, ticket: &str, line: Line, r: &Reasons) -> Result<(), Reason> {
        let Some(rec) = self.tickets.iter_mut().find(|t| t.ticket.id == ticket) else {
            return Err(Reason::new(
                reason::ROUTING_DESTINATION_NOT_FOUND,
                "Destination not found",
            ));
        };
        if rec.ticket.closed {
            return Err(r.ticket_closed.clone());
        }
        if rec.ticket.first_response_date.is_none() {
            rec.ticket.first_response_date = Some(line.date.clone());
        }
        rec.ticket.unread_messages = 0;
        rec.transcript.push(line);
        Ok(())
    }

    /// The tickets of `owner`, newest first.
    pub fn owned<'a>(&'a self, owner: &'a str) -> impl Iterator<Item = &'a Ticket> + 'a {
        self.tickets
            .iter()
            .rev()
            .map(|t| &t.ticket)
            .filter(move |t| t.owner_identity == owner)
    }

    /// Counts of `owner`'s tickets by status, for `/monitoring/tickets`.
    pub fn counters(&self, owner: &str) -> Value {
        let count = |f: &dyn Fn(&Ticket) -> bool| self.owned(owner).filter(|t| f(t)).count();
        json!({
            "waiting": count(&|t| t.status == TicketStatus::Waiting),
            "open": count(&|t| matches!(t.status, TicketStatus::Open | TicketStatus::Assigned)),
            "closed": count(&|t| t.closed && t.status != TicketStatus::Transferred),
            "closedAttendant": count(&|t| matches!(t.status, TicketStatus::ClosedAttendant | TicketStatus::ClosedAttendantInactivity)),
            "closedClient": count(&|t| t.status.is_closed_by_client()),
            "transferred": count(&|t| t.status == TicketStatus::Transferred),
            "missed": 0,
        })
    }

    /// The tickets and their transcripts, keyed by id, for `GET /state/blip`.
    pub fn tickets_state(&self) -> Value {
        let mut m = serde_json::Map::new();
        for rec in &self.tickets {
            let mut v = rec.ticket.to_value();
            if let Value::Object(o) = &mut v {
                o.insert("transcript".into(), json!(rec.transcript));
            }
            m.insert(rec.ticket.id.clone(), v);
        }
        Value::Object(m)
    }
}

/// A new ticket as Blip writes it: `Assigned` when it names an agent, else
/// `Waiting`; the rest empty or zero.
fn fresh_ticket(id: String, sequential_id: u64, n: &NewTicket, date: &str) -> Ticket {
    let status = if n.agent.is_some() {
        TicketStatus::Assigned
    } else {
        TicketStatus::Waiting
    };
    Ticket {
        external_id: Some(id.clone()),
        id,
        sequential_id,
        sequential_suffix: None,
        routing_owner_identity: None,
        owner_identity: n.owner.clone(),
        customer_domain: wire::domain_of(&n.customer),
        customer_identity: n.customer.clone(),
        agent_identity: n.agent.clone(),
        provider: n.provider.to_owned(),
        status,
        storage_date: date.to_owned(),
        expiration_date: None,
        open_date: None,
        close_date: None,
        status_date: Some(date.to_owned()),
        first_response_date: None,
        rating: 0,
        team: Some(n.team.clone()),
        unread_messages: 0,
        queue_position: None,
        closed: false,
        closed_by: None,
        tags: None,
        average_agent_response_time: None,
        parent_sequential_id: n.parent,
        customer_input: n
            .input
            .as_ref()
            .map_or_else(|| json!({}), |(t, v)| wire::document_container(t, v)),
        priority: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const BOT: &str = "bot@msging.net";
    const NOW: OffsetDateTime = datetime!(2024-02-08 17:44:38.125 UTC);

    fn reasons() -> Reasons {
        Reasons {
            ticket_not_found: Reason::new(67, "Resource not found"),
            ticket_closed: Reason::new(66, "closed"),
        }
    }

    fn new_ticket(store: &mut Store) -> Ticket {
        store.create(
            NewTicket {
                owner: BOT.to_owned(),
                customer: "5511999999999@wa.gw.msging.net".to_owned(),
                input: Some(("text/plain".to_owned(), json!("I need a human"))),
                team: "Default".to_owned(),
                agent: None,
                provider: "Webhook",
                parent: None,
            },
            NOW,
        )
    }

    #[test]
    fn a_new_ticket_waits_with_the_customers_input() {
        let mut s = Store::seeded(0);
        let t = new_ticket(&mut s);
        assert_eq!(t.status, TicketStatus::Waiting);
        assert_eq!(t.sequential_id, 1);
        assert_eq!(t.customer_domain, "wa.gw.msging.net");
        assert_eq!(t.storage_date, "2024-02-08T17:44:38.125Z");
        assert_eq!(
            t.customer_input,
            json!({"type":"text/plain","value":"I need a human"})
        );
        assert_eq!(t.id.len(), 36);
        assert_eq!(s.tickets[0].transcript.len(), 1);
        assert_eq!(new_ticket(&mut s).sequential_id, 2);
    }

    #[test]
    fn open_needs_an_agent_and_closed_is_terminal() {
        let r = reasons();
        let mut s = Store::seeded(0);
        let id = new_ticket(&mut s).id;
        let e = s
            .change_status(BOT, &id, TicketStatus::Open, None, NOW, &r)
            .unwrap_err();
        assert_eq!(e.code, reason::COMMAND_INVALID_ARGUMENT);
        let t = s
            .change_status(
                BOT,
                &id,
                TicketStatus::Open,
                Some("a%40x.com@blip.ai".into()),
                NOW,
                &r,
            )
            .unwrap();
        assert_eq!(t.open_date.as_deref(), Some("2024-02-08T17:44:38.125Z"));
        let t = s
            .change_status(BOT, &id, TicketStatus::ClosedAttendant, None, NOW, &r)
            .unwrap();
        assert!(t.closed);
        assert_eq!(t.closed_by.as_deref(), Some("a%40x.com@blip.ai"));
        for to in TicketStatus::ALL {
            assert_eq!(
                s.change_status(BOT, &id, to, Some("b@blip.ai".into()), NOW, &r),
                Err(r.ticket_closed.clone()),
                "{to:?}"
            );
        }
        assert_eq!(
            s.change_tags(BOT, &id, vec![], &r),
            Err(r.ticket_closed.clone())
        );
        assert_eq!(
            s.transfer(BOT, &id, "T".into(), None, NOW, &r)
                .map(|t| t.id),
            Err(r.ticket_closed.clone())
        );
        assert_eq!(
            s.close(BOT, &id, None, None, NOW, &r).map(|t| t.id),
            Err(r.ticket_closed.clone())
        );
    }

    #[test]
    fn unknown_and_foreign_tickets_are_not_found() {
        let r = reasons();
        let mut s = Store::seeded(0);
        let id = new_ticket(&mut s).id;
        assert_eq!(
            s.change_status("other@msging.net", &id, TicketStatus::Open, None, NOW, &r),
            Err(r.ticket_not_found.clone())
        );
        assert!(s.ticket(BOT, "nope", &r).is_err());
    }

    #[test]
    fn waiting_and_transferred_are_not_targets_of_change_status() {
        let r = reasons();
        let mut s = Store::seeded(0);
        let id = new_ticket(&mut s).id;
        for to in [
            TicketStatus::Waiting,
            TicketStatus::Transferred,
            TicketStatus::None,
        ] {
            let e = s.change_status(BOT, &id, to, None, NOW, &r).unwrap_err();
            assert_eq!(e.code, reason::COMMAND_INVALID_ARGUMENT);
        }
    }

    #[test]
    fn transfer_makes_a_new_waiting_ticket_with_its_parent() {
        let r = reasons();
        let mut s = Store::seeded(0);
        let old = new_ticket(&mut s);
        let new = s
            .transfer(BOT, &old.id, "Sales".into(), None, NOW, &r)
            .unwrap();
        assert_eq!(new.status, TicketStatus::Waiting);
        assert_eq!(new.parent_sequential_id, Some(old.sequential_id));
        assert_eq!(new.team.as_deref(), Some("Sales"));
        let old = &s.ticket(BOT, &old.id, &r).unwrap().ticket;
        assert_eq!(old.status, TicketStatus::Transferred);
        assert!(old.closed);
    }

    #[test]
    fn a_ticket_the_customer_closed_can_be_finalised_once() {
        let r = reasons();
        let mut s = Store::seeded(0);
        let id = new_ticket(&mut s).id;
        let t = s
            .change_status(BOT, &id, TicketStatus::ClosedClient, None, NOW, &r)
            .unwrap();
        assert_eq!(
            t.closed_by.as_deref(),
            Some("5511999999999@wa.gw.msging.net")
        );
        let t = s
            .close(
                BOT,
                &id,
                Some("agent%40email.net@blip.ai".into()),
                Some(vec!["TestTag".into()]),
                NOW,
                &r,
            )
            .unwrap();
        assert_eq!(t.status, TicketStatus::ClosedClient);
        assert_eq!(t.tags, Some(vec!["TestTag".to_owned()]));
        assert!(s.close(BOT, &id, None, None, NOW, &r).is_err());
    }

    #[test]
    fn agent_lines_need_an_active_ticket() {
        let r = reasons();
        let mut s = Store::seeded(0);
        let id = new_ticket(&mut s).id;
        let line = |d: &str| Line {
            id: "m".into(),
            direction: "sent",
            type_: "text/plain".into(),
            content: json!("hi"),
            date: d.into(),
            forwarded: None,
        };
        assert_eq!(
            s.agent_line("nope", line("x"), &r).unwrap_err().code,
            reason::ROUTING_DESTINATION_NOT_FOUND
        );
        s.agent_line(&id, line("2024-01-01T00:00:00.000Z"), &r)
            .unwrap();
        s.agent_line(&id, line("2024-01-02T00:00:00.000Z"), &r)
            .unwrap();
        let rec = s.ticket(BOT, &id, &r).unwrap();
        assert_eq!(rec.transcript.len(), 3);
        assert_eq!(
            rec.ticket.first_response_date.as_deref(),
            Some("2024-01-01T00:00:00.000Z")
        );
        s.change_status(BOT, &id, TicketStatus::ClosedClient, None, NOW, &r)
            .unwrap();
        assert_eq!(s.agent_line(&id, line("x"), &r), Err(r.ticket_closed));
    }

    #[test]
    fn the_same_seed_gives_the_same_ids() {
        let (mut a, mut b) = (Store::seeded(3), Store::seeded(3));
        assert_eq!(new_ticket(&mut a).id, new_ticket(&mut b).id);
        assert_ne!(new_ticket(&mut a).id, new_ticket(&mut Store::seeded(4)).id);
    }
}
