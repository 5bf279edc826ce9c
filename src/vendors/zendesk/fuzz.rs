//! Zendesk: the bodies trigger webhooks send (REFERENCE 1.10), rendered by the
//! fake's own placeholder code from a ticket the fake's own store built, and the
//! event-subscription payload (REFERENCE 1.10, UNVERIFIED).
//!
//! A [`TicketCase`] is what a ticket is made of: who asked, what they wrote, its
//! status, priority, type, tags, custom fields, a later reply. [`TicketCase::build`]
//! creates it through the fake's store, so the ticket obeys the fake's lifecycle
//! rules and ids; the payloads are rendered from that ticket.

use std::sync::LazyLock;

use axum::http::Method;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::clock::iso_seconds;
use crate::outbound::Outgoing;
use crate::payload::r#gen::{big_id, email, name, object, optional, text, unix_seconds, uuid};
use crate::payload::{Envelope, Scheme, Target};
use crate::template::{Dialect, Templates};
use crate::vendors::zendesk::api::TicketOut;
use crate::vendors::zendesk::store::{Actor, Store, Ticket};
use crate::vendors::zendesk::triggers;
use crate::vendors::zendesk::wire::{
    CommentInput, CustomField, Priority, RequesterInput, Role, Status, TicketInput, TicketType,
};
use crate::vendors::zendesk::{SeedUser, ZendeskSettings};

static TEMPLATES: LazyLock<Templates> = LazyLock::new(Templates::new);

/// The event-subscription schema version (REFERENCE 1.10).
pub const EVENT_VERSION: &str = "2022-11-06";

/// Ticket event types an event-subscription webhook can subscribe to, after
/// `zen:event-type:` (UNVERIFIED: the names of Zendesk's ticket events, as its
/// integration-services list spells them, in snake case).
pub const TICKET_EVENTS: &[&str] = &[
    "ticket.created",
    "ticket.status_changed",
    "ticket.priority_changed",
    "ticket.type_changed",
    "ticket.subject_changed",
    "ticket.description_changed",
    "ticket.tags_changed",
    "ticket.agent_assignment_changed",
    "ticket.group_assignment_changed",
    "ticket.organization_changed",
    "ticket.requester_changed",
    "ticket.external_id_changed",
    "ticket.task_due_at_changed",
    "ticket.custom_status_changed",
    "ticket.comment_added",
    "ticket.marked_as_spam",
    "ticket.merged",
    "ticket.soft_deleted",
    "ticket.permanently_deleted",
    "ticket.undeleted",
];

/// Trigger webhook bodies as admins write them (JSON request format). Free text
/// goes through `json_escape`: the fake inserts placeholder values as they are, so
/// a body that quotes a subject must escape it to stay JSON.
pub const WEBHOOK_TEMPLATES: &[&str] = &[
    // REFERENCE 1.10's example, word for word.
    r#"{"ticket_id":"{{ticket.id}}","status":"{{ticket.status}}","requester":"{{ticket.requester.email}}"}"#,
    // The integration guide's Zendesk → Braze trigger: an event on /users/track.
    r#"{"events":[{"email":"{{ticket.requester.email}}","app_id":"zendesk","name":"zendesk_ticket_solved","time":"{{ticket.updated_at}}","properties":{"ticket_id":"{{ticket.id}}","status":"{{ticket.status}}","subject":"{{ticket.title | json_escape}}"}}]}"#,
    // A full ticket summary, as sent to an internal system.
    r#"{
  "id": {{ticket.id}},
  "title": "{{ticket.title | json_escape}}",
  "description": "{{ticket.description | json_escape}}",
  "url": "{{ticket.url}}",
  "link": "{{ticket.link}}",
  "status": "{{ticket.status}}",
  "priority": "{{ticket.priority}}",
  "type": "{{ticket.ticket_type}}",
  "via": "{{ticket.via}}",
  "tags": "{{ticket.tags}}",
  "external_id": "{{ticket.external_id | json_escape}}",
  "created_at": "{{ticket.created_at}}",
  "updated_at": "{{ticket.updated_at}}",
  "due_date": "{{ticket.due_date}}",
  "requester": {"id": "{{ticket.requester.id}}", "name": "{{ticket.requester.name | json_escape}}", "email": "{{ticket.requester.email}}", "external_id": "{{ticket.requester.external_id | json_escape}}"},
  "assignee": {"name": "{{ticket.assignee.name | json_escape}}", "email": "{{ticket.assignee.email}}"},
  "latest_comment": "{{ticket.latest_comment.value | json_escape}}",
  "latest_public_comment": "{{ticket.latest_public_comment.value | json_escape}}",
  "updated_by": "{{current_user.name | json_escape}}",
  "account": "{{ticket.account}}",
  "in_business_hours": {{ticket.in_business_hours}}
}"#,
];

/// What one ticket is made of, before the fake's store builds it.
#[derive(Debug, Clone)]
pub struct TicketCase {
    /// The account's subdomain.
    pub subdomain: String,
    /// The account id.
    pub account_id: u64,
    /// The ticket's id (the account's next "nice id").
    pub ticket_id: u64,
    /// Seeds the store's other ids (users, comments, audits).
    pub seed: u64,
    /// The agent or admin who creates and updates the ticket: name, email, role,
    /// external id.
    pub agent: (String, String, Role, Option<String>),
    /// Through which channel they work (`api`, or `web` for the agent interface).
    pub channel: &'static str,
    /// The requester, when not the agent: name and perhaps an email.
    pub requester: Option<(String, Option<String>)>,
    /// Subject.
    pub subject: Option<String>,
    /// The first comment (never blank: Zendesk requires it).
    pub description: String,
    /// Whether the first comment is public.
    pub public: bool,
    /// The status asked for (`closed` goes through `solved`; `new` with an assignee
    /// becomes `open`, as in Zendesk).
    pub status: Status,
    /// Priority.
    pub priority: Option<Priority>,
    /// Type.
    pub kind: Option<TicketType>,
    /// Whether the agent takes it.
    pub assigned: bool,
    /// Group.
    pub group_id: Option<u64>,
    /// Organization.
    pub organization_id: Option<u64>,
    /// The integrator's id.
    pub external_id: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Custom fields.
    pub custom_fields: Vec<(u64, Value)>,
    /// Due date (tasks only), as Unix seconds.
    pub due_at: Option<i64>,
    /// Creation time, as Unix seconds.
    pub created_at: i64,
    /// A later update by the agent: comment, public, seconds after creation.
    pub reply: Option<(String, bool, u32)>,
}

/// A custom field value as Zendesk holds them: text, number, checkbox, multiselect,
/// or none.
pub fn custom_field_value() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        text().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        prop::collection::vec("[a-z0-9_]{1,12}", 0..4).prop_map(Value::from),
    ]
    .boxed()
}

/// A ticket tag: lowercase, no spaces (Zendesk splits and lowercases tags).
pub fn tag() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-z0-9_]{1,12}",
        1 => "[\\p{Ll}\\p{Lo}][\\p{Ll}\\p{Lo}0-9_:-]{0,20}",
    ]
    .boxed()
}

/// The account a case's ticket is in: subdomain, account id, first ticket id, the
/// store's seed, the agent (name, e-mail, role, external id) and the channel.
#[allow(clippy::type_complexity)]
fn case_account() -> BoxedStrategy<(
    String,
    u64,
    u64,
    u64,
    (String, String, Role, Option<String>),
    &'static str,
)> {
    (
        "[a-z][a-z0-9]{0,15}",
        big_id(),
        big_id(),
        any::<u64>(),
        (
            name(),
            email(),
            select(&[Role::Admin, Role::Agent][..]),
            optional(text()),
        ),
        select(&["api", "web"][..]),
    )
        .boxed()
}

/// What a case's ticket says: requester, subject, description (never blank), whether
/// the comment is public, external id and tags.
#[allow(clippy::type_complexity)]
fn case_content() -> BoxedStrategy<(
    Option<(String, Option<String>)>,
    Option<String>,
    String,
    bool,
    Option<String>,
    Vec<String>,
)> {
    (
        optional((name(), optional(email()))),
        optional(text()),
        text().prop_map(|t| {
            if t.trim().is_empty() {
                format!("-{t}")
            } else {
                t
            }
        }),
        any::<bool>().prop_map(|private| !private),
        optional(text()),
        prop::collection::btree_set(tag(), 0..5).prop_map(|t| t.into_iter().collect::<Vec<_>>()),
    )
        .boxed()
}

/// A case's ticket's fields: status, priority, type, assigned or not, group,
/// organization, custom fields and due time.
#[allow(clippy::type_complexity)]
fn case_state() -> BoxedStrategy<(
    Status,
    Option<Priority>,
    Option<TicketType>,
    bool,
    Option<u64>,
    Option<u64>,
    Vec<(u64, Value)>,
    Option<i64>,
)> {
    (
        select(Status::ALL),
        optional(select(Priority::ALL)),
        optional(select(TicketType::ALL)),
        any::<bool>(),
        optional(big_id()),
        optional(big_id()),
        prop::collection::vec((big_id(), custom_field_value()), 0..3),
        optional(unix_seconds()),
    )
        .boxed()
}

/// When a case's ticket is created, and its later reply (body, public, seconds
/// later), if any.
#[allow(clippy::type_complexity)]
fn case_times() -> BoxedStrategy<(i64, Option<(String, bool, u32)>)> {
    (
        unix_seconds(),
        optional((text(), any::<bool>().prop_map(|p| !p), 1u32..10_000_000)),
    )
        .boxed()
}

/// Any [`TicketCase`]; shrinks to a ticket with no subject, priority, type,
/// assignee, tags, requester of its own nor reply, and a one-character comment.
pub fn ticket_case() -> BoxedStrategy<TicketCase> {
    (case_account(), case_content(), case_state(), case_times())
        .prop_map(
            |(
                (subdomain, account_id, ticket_id, seed, agent, channel),
                (requester, subject, description, public, external_id, tags),
                (status, priority, kind, assigned, group_id, organization_id, fields, due),
                (created_at, reply),
            )| TicketCase {
                subdomain,
                account_id,
                ticket_id,
                seed,
                agent,
                channel,
                requester,
                subject,
                description,
                public,
                status,
                priority,
                kind,
                assigned,
                group_id,
                organization_id,
                external_id,
                tags,
                custom_fields: fields,
                due_at: due.filter(|_| kind == Some(TicketType::Task)),
                created_at,
                reply,
            },
        )
        .boxed()
}

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A ticket built by the fake's store, with the agent who made it.
#[derive(Debug, Clone)]
pub struct Built {
    /// The store holding the ticket and its users.
    pub store: Store,
    /// The ticket's id.
    pub ticket_id: u64,
    /// The agent's user id (`current_user`).
    pub actor: u64,
    /// The settings the store was seeded with.
    pub settings: ZendeskSettings,
}

impl Built {
    /// The ticket.
    pub fn ticket(&self) -> &Ticket {
        &self.store.tickets[&self.ticket_id]
    }
}

impl TicketCase {
    /// Creates the ticket (and its later update) through the fake's store, as an
    /// API client would.
    pub fn build(&self) -> Built {
        let settings = self.settings();
        let created = at(self.created_at);
        let mut store = Store::seeded(&settings, self.seed, created);
        let agent = store.users.keys().next().copied().unwrap_or_default();
        let actor = Actor {
            user_id: agent,
            client: None,
            ip_address: "203.0.113.7".to_owned(),
            channel: self.channel,
        };
        let (ticket_id, _) = store
            .create_ticket(&actor, self.input(agent), created)
            .expect("a generated ticket is one Zendesk accepts");
        self.reply(&mut store, &actor, ticket_id);
        Built {
            store,
            ticket_id,
            actor: agent,
            settings,
        }
    }

    /// The account's settings: the case's ids and its one agent.
    fn settings(&self) -> ZendeskSettings {
        let (agent_name, agent_email, role, agent_external) = self.agent.clone();
        ZendeskSettings {
            subdomain: self.subdomain.clone(),
            account_id: self.account_id,
            first_ticket_id: self.ticket_id,
            auto_assign_on_solve: true,
            // Payloads describe tickets of any account: their ids name no records here.
            check_references: false,
            users: vec![SeedUser {
                name: agent_name,
                email: agent_email,
                role,
                token: Some("fakedesk0zendesk0api0token0000000000000".to_owned()),
                password: None,
                oauth_token: None,
                external_id: agent_external,
            }],
            ..ZendeskSettings::default()
        }
    }

    /// The create request, by `agent`: a closed ticket is created solved and closed
    /// by the reply.
    fn input(&self, agent: u64) -> TicketInput {
        let first_status = if self.status == Status::Closed {
            Status::Solved
        } else {
            self.status
        };
        TicketInput {
            subject: self.subject.clone(),
            comment: Some(CommentInput {
                body: Some(self.description.clone()),
                public: Some(self.public),
                ..CommentInput::default()
            }),
            status: Some(first_status),
            priority: self.priority.map(Some),
            kind: self.kind.map(Some),
            requester: self.requester.clone().map(|(name, email)| RequesterInput {
                name: Some(name),
                email,
                locale_id: None,
            }),
            assignee_id: self.assigned.then_some(Some(agent)),
            group_id: self.group_id.map(Some),
            organization_id: self.organization_id.map(Some),
            external_id: self.external_id.clone().map(Some),
            tags: Some(self.tags.clone()),
            custom_fields: Some(
                self.custom_fields
                    .iter()
                    .map(|(id, value)| CustomField {
                        id: *id,
                        value: value.clone(),
                    })
                    .collect(),
            ),
            due_at: self.due_at.map(|s| Some(at(s))),
            ..TicketInput::default()
        }
    }

    /// The later update: the reply, and the close of a closed ticket.
    fn reply(&self, store: &mut Store, actor: &Actor, ticket_id: u64) {
        if self.reply.is_none() && self.status != Status::Closed {
            return;
        }
        let (body, public, later) = self.reply.clone().unwrap_or((String::new(), true, 60));
        let update = TicketInput {
            status: (self.status == Status::Closed).then_some(Status::Closed),
            comment: Some(CommentInput {
                body: Some(body),
                public: Some(public),
                ..CommentInput::default()
            }),
            ..TicketInput::default()
        };
        store
            .update_ticket(
                actor,
                ticket_id,
                update,
                at(self.created_at + i64::from(later)),
            )
            .expect("a generated update is one Zendesk accepts");
    }

    /// The body the fake sends when a trigger with `template` fires for this ticket,
    /// parsed; a body that is not JSON comes back as a string.
    pub fn render_webhook(&self, template: &str) -> Value {
        let built = self.build();
        let globals = triggers::placeholders(
            &built.store.users,
            built.ticket(),
            built.actor,
            &self.subdomain,
        );
        let body = TEMPLATES
            .render(Dialect::Zendesk, template, &globals)
            .unwrap_or_else(|e| format!("Liquid error: {e}"));
        serde_json::from_str(&body).unwrap_or(Value::String(body))
    }
}

/// A trigger's webhook body: one of [`WEBHOOK_TEMPLATES`] rendered for a ticket.
pub fn webhook() -> BoxedStrategy<Value> {
    (select(WEBHOOK_TEMPLATES), ticket_case())
        .prop_map(|(template, case)| case.render_webhook(template))
        .boxed()
}

/// `event` of an event-subscription payload for `kind` (one of [`TICKET_EVENTS`]),
/// about `ticket`: `current`/`previous` for changes, the comment for
/// `comment_added`, nothing for the others (UNVERIFIED).
fn event_body(kind: &str, ticket: &Ticket, previous: usize) -> Value {
    let other = |all: &[&str], now: &str| {
        let i = all.iter().position(|x| *x == now).unwrap_or(0);
        json!(all[(i + 1 + previous % (all.len() - 1)) % all.len()])
    };
    let change =
        |current: Value, previous: Value| json!({"current": current, "previous": previous});
    let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    let priorities: Vec<&str> = Priority::ALL.iter().map(|s| s.as_str()).collect();
    let kinds: Vec<&str> = TicketType::ALL.iter().map(|s| s.as_str()).collect();
    match kind {
        "ticket.status_changed" => {
            let now = ticket.status.as_str();
            change(json!(now), other(&statuses, now))
        }
        "ticket.priority_changed" => match ticket.priority {
            Some(p) => change(json!(p.as_str()), other(&priorities, p.as_str())),
            None => change(Value::Null, json!(priorities[previous % priorities.len()])),
        },
        "ticket.type_changed" => match ticket.kind {
            Some(k) => change(json!(k.as_str()), other(&kinds, k.as_str())),
            None => change(Value::Null, json!(kinds[previous % kinds.len()])),
        },
        "ticket.subject_changed" => change(json!(ticket.subject), Value::Null),
        "ticket.description_changed" => change(json!(ticket.description), Value::Null),
        "ticket.tags_changed" => json!({"tags_added": ticket.tags, "tags_removed": []}),
        "ticket.agent_assignment_changed" => change(json!(ticket.assignee_id), Value::Null),
        "ticket.group_assignment_changed" => change(json!(ticket.group_id), Value::Null),
        "ticket.organization_changed" => change(json!(ticket.organization_id), Value::Null),
        "ticket.requester_changed" => {
            change(json!(ticket.requester_id), json!(ticket.submitter_id))
        }
        "ticket.external_id_changed" => change(json!(ticket.external_id), Value::Null),
        "ticket.task_due_at_changed" => change(json!(ticket.due_at.map(iso_seconds)), Value::Null),
        "ticket.custom_status_changed" => change(json!(ticket.custom_status_id), Value::Null),
        "ticket.comment_added" => {
            let c = ticket.comments.last();
            json!({"comment": c.map(|c| json!({"id": c.id, "body": c.body, "is_public": c.public, "author": {"id": c.author_id}}))})
        }
        _ => json!({}),
    }
}

/// An event-subscription payload (REFERENCE 1.10, UNVERIFIED): `account_id`,
/// `detail` (the ticket as the API shows it), `event`, `id`, `subject`
/// (`zen:ticket:<id>`), `time`, `type` (`zen:event-type:ticket.*`) and
/// `zendesk_event_version`.
pub fn event() -> BoxedStrategy<Value> {
    (select(TICKET_EVENTS), ticket_case(), uuid(), any::<usize>())
        .prop_map(|(kind, case, id, previous)| {
            let built = case.build();
            let ticket = built.ticket();
            let base = format!("https://{}.zendesk.com", case.subdomain);
            let detail = serde_json::to_value(TicketOut::new(&base, ticket)).unwrap_or_default();
            object(vec![
                ("account_id", Some(json!(case.account_id))),
                ("detail", Some(detail)),
                ("event", Some(event_body(kind, ticket, previous))),
                ("id", Some(json!(id))),
                ("subject", Some(json!(format!("zen:ticket:{}", ticket.id)))),
                ("time", Some(json!(iso_seconds(ticket.updated_at)))),
                ("type", Some(json!(format!("zen:event-type:{kind}")))),
                ("zendesk_event_version", Some(json!(EVENT_VERSION))),
            ])
        })
        .boxed()
}

/// Zendesk's signing (REFERENCE 1.11): base64 HMAC-SHA256 of timestamp + body, with
/// the timestamp in its own header.
pub const SCHEME: Scheme = Scheme {
    describe: "x-zendesk-webhook-signature = base64(HMAC-SHA256(secret, timestamp + body))",
    signature_header: Some("x-zendesk-webhook-signature"),
    timestamped: true,
    // REFERENCE 1.11: the static secret of the docs' sample receiver.
    default_secret: Some("dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="),
    key: None,
    request,
};

/// The payloads `fakedesk fuzz` sends as Zendesk.
pub const PAYLOADS: &[Target] = &[
    Target {
        name: "zendesk.webhook",
        summary: "a trigger's webhook: the JSON body a notification_webhook action renders for a ticket",
        generate: webhook,
        scheme: &SCHEME,
        user_agent: None,
    },
    Target {
        name: "zendesk.event",
        summary: "an event-subscription webhook (zen:event-type:ticket.*)",
        generate: event,
        scheme: &SCHEME,
        user_agent: None,
    },
];

/// Fixed identifiers in Zendesk's headers (a fuzz run is one webhook).
const ACCOUNT: u64 = 1_234_567;
const WEBHOOK: &str = "01HZX3V5K2M4N6P8Q9R0S1T2W3";

/// A webhook invocation carrying the envelope's body, with every header Zendesk
/// sends; the invocation id (a ULID) derived from the body and the signing time.
fn request(e: &Envelope<'_>) -> Outgoing {
    let timestamp = iso_seconds(e.signed_at);
    // A ULID, as Zendesk's deliveries carry (captured), the same for the same body.
    let invocation = super::webhook::ulid(e.signed_at, &mut crate::ids::IdGen::new(fnv(&e.body)));
    let headers = super::webhook::invocation_headers(
        &super::webhook::Signed {
            account_id: ACCOUNT,
            webhook_id: WEBHOOK,
            invocation_id: &invocation,
            secret: e.secret,
            timestamp: &timestamp,
        },
        &e.body,
        "application/json",
    );
    Outgoing {
        method: Method::POST,
        url: e.url.to_owned(),
        headers,
        body: e.body.clone(),
    }
}

/// FNV-1a: a stable, dependency-free hash for derived ids.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::r#gen::keys;
    use proptest::test_runner::TestRunner;

    const STATUSES: [&str; 6] = ["new", "open", "pending", "hold", "solved", "closed"];

    /// `YYYY-MM-DDTHH:MM:SSZ`, Zendesk's timestamps (REFERENCE 1.4).
    fn is_zendesk_time(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 20
            && b.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                10 => *c == b'T',
                13 | 16 => *c == b':',
                19 => *c == b'Z',
                _ => c.is_ascii_digit(),
            })
    }

    /// An int64 id of 1 to 14 digits (REFERENCE 1.4).
    fn is_zendesk_id(v: &Value) -> bool {
        v.as_u64()
            .is_some_and(|n| (1..100_000_000_000_000).contains(&n))
    }

    /// The status Zendesk ends at: closed through solved, new with an assignee open.
    fn expected_status(case: &TicketCase) -> &'static str {
        match case.status {
            Status::New if case.assigned => "open",
            s => s.as_str(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn the_reference_body_names_the_ticket_its_status_and_requester(case in ticket_case()) {
            let v = case.render_webhook(WEBHOOK_TEMPLATES[0]);
            prop_assert_eq!(keys(&v), ["requester", "status", "ticket_id"], "{}", v);
            let id = v["ticket_id"].as_str().unwrap_or_default();
            prop_assert!(!id.is_empty() && id.len() <= 14 && id.bytes().all(|c| c.is_ascii_digit()), "{}", id);
            prop_assert_eq!(id, case.ticket_id.to_string());
            let status = v["status"].as_str().unwrap_or_default().to_lowercase();
            prop_assert!(STATUSES.contains(&status.as_str()), "{}", status);
            prop_assert_eq!(status, expected_status(&case));
            let requester = match &case.requester {
                None => Some(case.agent.1.clone()),
                Some((_, email)) if email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(&case.agent.1)) => Some(case.agent.1.clone()),
                Some((_, email)) => email.clone(),
            };
            prop_assert_eq!(&v["requester"], &json!(requester.unwrap_or_default()));
        }

        #[test]
        fn the_braze_body_is_a_users_track_event_for_the_ticket(case in ticket_case()) {
            let v = case.render_webhook(WEBHOOK_TEMPLATES[1]);
            prop_assert_eq!(keys(&v), ["events"], "{}", v);
            let event = &v["events"][0];
            prop_assert_eq!(keys(event), ["app_id", "email", "name", "properties", "time"]);
            prop_assert!(is_zendesk_time(event["time"].as_str().unwrap_or_default()), "{}", event["time"]);
            prop_assert_eq!(&event["properties"]["subject"], &json!(case.subject.clone().unwrap_or_default()));
            prop_assert_eq!(&event["properties"]["ticket_id"], &json!(case.ticket_id.to_string()));
        }

        #[test]
        fn the_summary_body_carries_the_ticket_text_exactly(case in ticket_case()) {
            let v = case.render_webhook(WEBHOOK_TEMPLATES[2]);
            prop_assert_eq!(keys(&v), ["account", "assignee", "created_at", "description", "due_date", "external_id", "id", "in_business_hours", "latest_comment", "latest_public_comment", "link", "priority", "requester", "status", "tags", "title", "type", "updated_at", "updated_by", "url", "via"], "{}", v);
            prop_assert!(is_zendesk_id(&v["id"]));
            prop_assert_eq!(&v["title"], &json!(case.subject.clone().unwrap_or_default()));
            prop_assert_eq!(&v["description"], &json!(case.description));
            prop_assert_eq!(&v["external_id"], &json!(case.external_id.clone().unwrap_or_default()));
            prop_assert_eq!(&v["tags"], &json!(case.tags.join(" ")));
            prop_assert_eq!(&v["updated_by"], &json!(case.agent.0));
            prop_assert_eq!(&v["account"], &json!(case.subdomain));
            prop_assert_eq!(&v["link"], &json!(format!("https://{}.zendesk.com/agent/tickets/{}", case.subdomain, case.ticket_id)));
            prop_assert_eq!(&v["created_at"], &json!(iso_seconds(at(case.created_at))));
            prop_assert!(is_zendesk_time(v["updated_at"].as_str().unwrap_or_default()));
            let priority = v["priority"].as_str().unwrap_or_default().to_lowercase();
            prop_assert_eq!(priority, case.priority.map_or("", Priority::as_str));
            let kind = v["type"].as_str().unwrap_or_default().to_lowercase();
            prop_assert_eq!(kind, case.kind.map_or("", TicketType::as_str));
            let status = v["status"].as_str().unwrap_or_default().to_lowercase();
            prop_assert_eq!(status, expected_status(&case));
            // Comments: the description, then the reply when it has text.
            let mut comments = vec![(case.description.clone(), case.public)];
            if let Some((body, public, _)) = &case.reply && !body.trim().is_empty() {
                comments.push((body.clone(), *public));
            }
            let last = comments.last().map(|c| c.0.clone()).unwrap_or_default();
            let last_public = comments.iter().rev().find(|c| c.1).map(|c| c.0.clone()).unwrap_or_default();
            prop_assert_eq!(&v["latest_comment"], &json!(last));
            prop_assert_eq!(&v["latest_public_comment"], &json!(last_public));
            // Solved and closed tickets always have an assignee (REFERENCE 1.6).
            if matches!(case.status, Status::Solved | Status::Closed) || case.assigned {
                prop_assert_eq!(&v["assignee"]["name"], &json!(case.agent.0));
            } else {
                prop_assert_eq!(v["assignee"]["name"].as_str(), Some(""));
            }
        }

        #[test]
        fn events_keep_to_the_documented_envelope(v in event()) {
            prop_assert_eq!(keys(&v), ["account_id", "detail", "event", "id", "subject", "time", "type", "zendesk_event_version"], "{}", v);
            prop_assert!(is_zendesk_id(&v["account_id"]));
            let kind = v["type"].as_str().unwrap_or_default();
            let short = kind.strip_prefix("zen:event-type:").unwrap_or_default();
            prop_assert!(short.starts_with("ticket.") && TICKET_EVENTS.contains(&short), "{}", kind);
            let detail = &v["detail"];
            prop_assert!(is_zendesk_id(&detail["id"]));
            for k in ["requester_id", "submitter_id", "brand_id", "ticket_form_id"] {
                prop_assert!(is_zendesk_id(&detail[k]), "{} = {}", k, detail[k]);
            }
            prop_assert_eq!(&v["subject"], &json!(format!("zen:ticket:{}", detail["id"])));
            prop_assert!(is_zendesk_time(v["time"].as_str().unwrap_or_default()), "{}", v["time"]);
            prop_assert_eq!(&v["time"], &detail["updated_at"]);
            prop_assert!(is_zendesk_time(detail["created_at"].as_str().unwrap_or_default()));
            prop_assert_eq!(v["zendesk_event_version"].as_str(), Some("2022-11-06"));
            let id = v["id"].as_str().unwrap_or_default();
            prop_assert!(id.len() == 36 && id.as_bytes()[14] == b'4', "{}", id);
            prop_assert!(STATUSES.contains(&detail["status"].as_str().unwrap_or_default()));
            prop_assert!(detail["priority"].is_null() || ["urgent", "high", "normal", "low"].contains(&detail["priority"].as_str().unwrap_or_default()));
            prop_assert!(detail["type"].is_null() || ["problem", "incident", "question", "task"].contains(&detail["type"].as_str().unwrap_or_default()));
            if short == "ticket.status_changed" {
                let (now, before) = (&v["event"]["current"], &v["event"]["previous"]);
                prop_assert_eq!(now, &detail["status"]);
                prop_assert!(now != before && STATUSES.contains(&before.as_str().unwrap_or_default()));
            }
        }
    }

    #[test]
    fn every_enum_value_is_generated() {
        let mut runner = TestRunner::deterministic();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..400 {
            let case = ticket_case().new_tree(&mut runner).unwrap().current();
            seen.insert(format!("status:{}", case.status));
            if let Some(p) = case.priority {
                seen.insert(format!("priority:{p}"));
            }
            if let Some(k) = case.kind {
                seen.insert(format!("type:{k}"));
            }
        }
        let expected = STATUSES.len() + Priority::ALL.len() + TicketType::ALL.len();
        assert_eq!(seen.len(), expected, "{seen:?}");
    }

    #[test]
    fn webhooks_shrink_to_the_reference_body_of_a_bare_ticket() {
        let v = crate::payload::r#gen::minimal(&webhook());
        assert_eq!(keys(&v), ["requester", "status", "ticket_id"], "{v}");
        assert_eq!(v["ticket_id"], "1", "{v}");
        assert_eq!(
            v["status"].as_str().map(str::to_lowercase).as_deref(),
            Some("new"),
            "{v}"
        );
        assert_eq!(v["requester"], "a@example.com", "{v}");
    }

    #[test]
    fn events_shrink_to_a_created_event_of_a_bare_ticket() {
        let v = crate::payload::r#gen::minimal(&event());
        assert_eq!(v["type"], "zen:event-type:ticket.created", "{v}");
        assert_eq!(v["event"], json!({}), "{v}");
        let d = &v["detail"];
        assert_eq!(d["id"], 1, "{v}");
        for k in [
            "subject",
            "priority",
            "type",
            "assignee_id",
            "group_id",
            "organization_id",
            "external_id",
            "due_at",
        ] {
            assert!(d[k].is_null(), "{k}: {v}");
        }
        assert_eq!(d["tags"], json!([]), "{v}");
        assert_eq!(d["custom_fields"], json!([]), "{v}");
        assert_eq!(d["description"], "-", "{v}");
        assert_eq!(d["status"], "new", "{v}");
    }
}
