//! Zendesk's state and lifecycle rules (REFERENCE 1.5, 1.6): users, tickets with
//! their comments and audits, deleted tickets and job statuses. Plain data, no I/O.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use bytes::Bytes;

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::ZendeskSettings;
use super::changelog::{ChangeLog, Kind, Op};
use super::error::ZendeskError;
use super::triggers::{TicketChange, Trigger, TriggerInput};
use super::webhook::{Webhook, WebhookInput};
use super::wire::{
    self, CommentInput, CustomField, Priority, RequesterInput, Role, Status, TicketInput,
    TicketType, UserInput,
};
use crate::ids::{IdGen, Sequence};

/// A user, with the fields of the captured user object (REFERENCE 1.5, users search).
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub email: Option<String>,
    #[serde(serialize_with = "wire::ts")]
    pub created_at: OffsetDateTime,
    #[serde(serialize_with = "wire::ts")]
    pub updated_at: OffsetDateTime,
    pub time_zone: String,
    pub iana_time_zone: String,
    pub phone: Option<String>,
    pub shared_phone_number: Option<bool>,
    pub photo: Option<Value>,
    pub locale_id: u64,
    pub locale: String,
    pub organization_id: Option<u64>,
    pub role: Role,
    pub verified: bool,
    pub external_id: Option<String>,
    pub tags: Vec<String>,
    pub alias: Option<String>,
    pub active: bool,
    pub shared: bool,
    pub shared_agent: bool,
    #[serde(serialize_with = "wire::opt_ts")]
    pub last_login_at: Option<OffsetDateTime>,
    pub two_factor_auth_enabled: Option<bool>,
    pub signature: Option<String>,
    pub details: Option<String>,
    pub notes: Option<String>,
    pub role_type: Option<u64>,
    pub custom_role_id: Option<u64>,
    pub moderator: bool,
    pub ticket_restriction: Option<String>,
    pub only_private_comments: bool,
    pub restricted_agent: bool,
    pub suspended: bool,
    pub chat_only: bool,
    pub default_group_id: Option<u64>,
    pub report_csv: bool,
    pub user_fields: serde_json::Map<String, Value>,
    #[serde(skip)]
    pub secrets: Secrets,
}

/// How a user may authenticate (never serialized).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    /// API token, for `email/token:TOKEN`.
    pub api_token: Option<String>,
    /// Password, for `email:password`.
    pub password: Option<String>,
    /// OAuth access token, for `Bearer`.
    pub oauth_token: Option<String>,
}

/// `via` of tickets, comments and audits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Via {
    /// `api` for everything created through the API.
    pub channel: String,
    /// `{"from":{},"to":{},"rel":null}` for the API channel.
    pub source: Value,
}

impl Via {
    /// The `via` of an API call, as captured.
    pub fn api() -> Self {
        Self::of("api")
    }

    /// The `via` of a change made through `channel` (`api`, or `web` for the agent
    /// interface).
    pub fn of(channel: &str) -> Self {
        Self {
            channel: channel.to_owned(),
            source: json!({"from": {}, "to": {}, "rel": null}),
        }
    }
}

/// A ticket comment.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct Comment {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub author_id: u64,
    pub body: String,
    pub html_body: String,
    pub plain_body: String,
    pub public: bool,
    pub attachments: Vec<Value>,
    pub audit_id: u64,
    pub via: Via,
    pub metadata: Value,
    #[serde(serialize_with = "wire::ts")]
    pub created_at: OffsetDateTime,
}

/// A ticket audit: who changed what, with its events.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct Audit {
    pub id: u64,
    pub ticket_id: u64,
    #[serde(serialize_with = "wire::ts")]
    pub created_at: OffsetDateTime,
    pub author_id: u64,
    pub metadata: Value,
    pub events: Vec<Value>,
    pub via: Via,
}

/// A ticket, with the fields of the captured ticket object (REFERENCE 1.4) in the
/// same order. `url` is added when rendering, from the host the client used.
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct Ticket {
    pub id: u64,
    pub external_id: Option<String>,
    pub via: Via,
    #[serde(serialize_with = "wire::ts")]
    pub created_at: OffsetDateTime,
    #[serde(serialize_with = "wire::ts")]
    pub updated_at: OffsetDateTime,
    #[serde(rename = "type")]
    pub kind: Option<TicketType>,
    pub subject: Option<String>,
    pub raw_subject: Option<String>,
    pub description: String,
    pub priority: Option<Priority>,
    pub status: Status,
    pub custom_status_id: u64,
    pub recipient: Option<String>,
    pub requester_id: u64,
    pub submitter_id: u64,
    pub assignee_id: Option<u64>,
    pub organization_id: Option<u64>,
    pub group_id: Option<u64>,
    pub collaborator_ids: Vec<u64>,
    pub follower_ids: Vec<u64>,
    pub email_cc_ids: Vec<u64>,
    pub forum_topic_id: Option<u64>,
    pub problem_id: Option<u64>,
    pub has_incidents: bool,
    pub is_public: bool,
    #[serde(serialize_with = "wire::opt_ts")]
    pub due_at: Option<OffsetDateTime>,
    pub tags: Vec<String>,
    pub custom_fields: Vec<CustomField>,
    pub satisfaction_rating: Option<Value>,
    pub sharing_agreement_ids: Vec<u64>,
    pub fields: Vec<CustomField>,
    pub followup_ids: Vec<u64>,
    pub ticket_form_id: u64,
    pub brand_id: u64,
    pub satisfaction_probability: Option<f64>,
    pub allow_channelback: bool,
    pub allow_attachments: bool,
    pub from_messaging_channel: bool,
    #[serde(skip)]
    pub comments: Vec<Comment>,
    #[serde(skip)]
    pub audits: Vec<Audit>,
    /// The ticket's `GET` reply, once rendered.
    #[serde(skip)]
    pub reply: RenderedReply,
}

/// A reply rendered from the value that holds it, kept so that repeated reads copy
/// a `Bytes` handle instead of serializing again (showing a ticket is the hottest
/// route).
///
/// A clone starts empty. Writes never edit a stored ticket in place: they edit a
/// clone and insert it, so a changed ticket never carries a stale reply. The reply
/// names the host the client called (its links), so it is kept for the first host
/// only; other hosts are rendered every time.
#[derive(Default)]
pub struct RenderedReply(OnceLock<(Box<str>, Bytes)>);

impl RenderedReply {
    /// The reply for `host`: the kept bytes, or those `render` makes (kept when
    /// nothing is kept yet).
    pub fn get_or_render<E>(
        &self,
        host: &str,
        render: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Bytes, E> {
        if let Some((kept_host, bytes)) = self.0.get()
            && **kept_host == *host
        {
            return Ok(bytes.clone());
        }
        let bytes = render()?;
        // Another reader may have kept its rendering meanwhile: the same bytes.
        let _ = self.0.set((host.into(), bytes.clone()));
        Ok(bytes)
    }
}

impl Clone for RenderedReply {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl fmt::Debug for RenderedReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0.get() {
            Some(_) => "RenderedReply(kept)",
            None => "RenderedReply(empty)",
        })
    }
}

/// One item of a bulk job's `results`.
pub type JobResult = Value;

/// A background job (`create_many`, `update_many`, `destroy_many`). The fake does
/// the work at once; the status reads `queued` in the reply and `completed` when
/// polled, the path a client sees when Zendesk is quick (REFERENCE 1.5).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Job {
    pub id: String,
    pub job_type: &'static str,
    pub total: usize,
    pub results: Vec<JobResult>,
    pub completed_at: OffsetDateTime,
}

/// The caller of an API request, for audits and comments.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The authenticated user.
    pub user_id: u64,
    /// `User-Agent`, recorded as the audit's `metadata.system.client`.
    pub client: Option<String>,
    /// Caller address, recorded as `metadata.system.ip_address`.
    pub ip_address: String,
    /// The `via.channel` of what the actor changes: `api`, or `web` for the agent
    /// interface (scenario actions).
    pub channel: &'static str,
}

impl Actor {
    fn metadata(&self) -> Value {
        json!({"system": {"client": self.client, "ip_address": self.ip_address}, "custom": {}})
    }
}

/// Every object the fake Zendesk holds.
#[derive(Debug, Clone)]
pub struct Store {
    settings: ZendeskSettings,
    /// Users by id.
    pub users: BTreeMap<u64, User>,
    /// Live tickets by id.
    pub tickets: BTreeMap<u64, Ticket>,
    /// Deleted tickets by id.
    pub deleted_tickets: BTreeMap<u64, Ticket>,
    /// Job statuses by id.
    pub jobs: BTreeMap<String, Job>,
    /// Webhooks by id.
    pub webhooks: BTreeMap<String, Webhook>,
    /// Triggers by id.
    pub triggers: BTreeMap<u64, Trigger>,
    /// Ticket changes committed since triggers last ran (drained by the vendor).
    pub changes: Vec<TicketChange>,
    /// Every change of tickets, users and organizations, in order.
    pub log: ChangeLog,
    /// Recent ticket updates per user, for the per-ticket update limit.
    pub update_burst: super::burst::UpdateBurst,
    /// The declared resources' records (organizations, groups, fields, ...).
    pub records: super::resource::Records,
    next_ticket_id: u64,
    /// The default custom status of each status category, in [`Status::ALL`] order.
    custom_statuses: Vec<u64>,
    ids: Sequence,
    rng: IdGen,
}

/// Ticket fields that audits track, in the order of the captured `Create` events.
const TRACKED: &[&str] = &[
    "subject",
    "requester_id",
    "priority",
    "status",
    "type",
    "assignee_id",
    "group_id",
    "organization_id",
    "tags",
    "external_id",
    "due_at",
];

impl Store {
    /// The seeded state: the configured users, no tickets.
    pub fn seeded(settings: &ZendeskSettings, seed: u64, now: OffsetDateTime) -> Self {
        let mut rng = IdGen::new(seed ^ 0x7a656e_6465736b);
        // Real accounts hand out 13-digit ids; captured audit and event ids step by 128.
        let start = rng.range(1_000_000_000_000, 9_000_000_000_000) & !127;
        let mut ids = Sequence::new(start, 128);
        let custom_statuses = Status::ALL.iter().map(|_| ids.next_id()).collect();
        let mut store = Self {
            custom_statuses,
            settings: settings.clone(),
            users: BTreeMap::new(),
            tickets: BTreeMap::new(),
            deleted_tickets: BTreeMap::new(),
            jobs: BTreeMap::new(),
            webhooks: BTreeMap::new(),
            triggers: BTreeMap::new(),
            changes: Vec::new(),
            log: ChangeLog::default(),
            update_burst: Default::default(),
            records: super::resource::Records::default(),
            next_ticket_id: settings.first_ticket_id,
            ids,
            rng,
        };
        for seed_user in &settings.users {
            let id = store.ids.next_id();
            let mut user = new_user(
                id,
                seed_user.name.clone(),
                Some(seed_user.email.clone()),
                seed_user.role,
                now,
            );
            user.external_id.clone_from(&seed_user.external_id);
            user.verified = true;
            user.secrets = Secrets {
                api_token: seed_user.token.clone(),
                password: seed_user.password.clone(),
                oauth_token: seed_user.oauth_token.clone(),
            };
            store.users.insert(id, user);
            store.log.record(now, Kind::User, id, Op::Created);
        }
        // `ZendeskSettings::problems` has reported what does not seed.
        let _ = store.seed_hooks(settings, now);
        let _ = super::resource::account::seed(&mut store, settings, now);
        // From here on, changes also feed event-subscription webhooks.
        store.log.set_queue(true);
        store
    }

    /// A fresh id from the account's sequence (records, audits, comments).
    pub fn next_id(&mut self) -> u64 {
        self.ids.next_id()
    }

    /// The settings the store was seeded with.
    pub fn settings(&self) -> &ZendeskSettings {
        &self.settings
    }

    /// Creates the configured webhooks and triggers, as their APIs would; returns
    /// what could not be created, one sentence each.
    pub fn seed_hooks(&mut self, settings: &ZendeskSettings, now: OffsetDateTime) -> Vec<String> {
        let mut problems = Vec::new();
        let actor = self.users.keys().next().copied().unwrap_or_default();
        let mut names: Vec<(String, String)> = Vec::new();
        for (i, raw) in settings.seed_webhooks.iter().enumerate() {
            match WebhookInput::parse(raw, true) {
                Ok(input) => {
                    let w = self.create_webhook(input, actor, now);
                    names.push((w.name.clone(), w.id.clone()));
                }
                Err(p) => problems.extend(
                    p.iter()
                        .map(|p| format!("vendors.zendesk.seed_webhooks[{i}]: {}", p.detail)),
                ),
            }
        }
        for (i, raw) in settings.seed_triggers.iter().enumerate() {
            let mut raw = raw.clone();
            // A notification_webhook action may name a seeded webhook.
            if let Some(actions) = raw.get_mut("actions").and_then(Value::as_array_mut) {
                for a in actions {
                    if let Some(first) = a.get_mut("value").and_then(|v| v.get_mut(0))
                        && let Some((_, id)) = names
                            .iter()
                            .find(|(n, _)| Some(n.as_str()) == first.as_str())
                    {
                        *first = Value::String(id.clone());
                    }
                }
            }
            let created = TriggerInput::parse(&raw, |id| self.webhooks.contains_key(id))
                .and_then(|input| self.create_trigger(input, now));
            if let Err(e) = created {
                problems.push(format!("vendors.zendesk.seed_triggers[{i}]: {e}"));
            }
        }
        problems
    }

    /// The user whose credentials these are.
    pub fn authenticate(&self, credential: &super::Credential) -> Option<u64> {
        use super::Credential as C;
        self.users
            .values()
            .find(|u| {
                u.active
                    && match credential {
                        C::ApiToken { email, token } => {
                            same_email(u, email) && u.secrets.api_token.as_deref() == Some(token)
                        }
                        C::Password { email, password } => {
                            same_email(u, email) && u.secrets.password.as_deref() == Some(password)
                        }
                        C::Bearer(t) => u.secrets.oauth_token.as_deref() == Some(t),
                    }
            })
            .map(|u| u.id)
    }

    /// A user by id.
    pub fn user(&self, id: u64) -> Result<&User, ZendeskError> {
        self.users.get(&id).ok_or(ZendeskError::RecordNotFound)
    }

    /// A live ticket by id.
    pub fn ticket(&self, id: u64) -> Result<&Ticket, ZendeskError> {
        self.tickets.get(&id).ok_or(ZendeskError::RecordNotFound)
    }

    /// The id of the user with this email (ignoring case).
    pub fn user_by_email(&self, email: &str) -> Option<u64> {
        self.users
            .values()
            .find(|u| same_email(u, email))
            .map(|u| u.id)
    }

    fn require_user(&self, id: u64, field: &str) -> Result<&User, ZendeskError> {
        self.users.get(&id).ok_or_else(|| {
            ZendeskError::invalid(
                field,
                format!("{}: {id} is not a valid user", field_title(field)),
                "InvalidValue",
            )
        })
    }

    fn require_agent(&self, id: u64) -> Result<(), ZendeskError> {
        let user = self.require_user(id, "assignee_id")?;
        if user.role.is_staff() {
            Ok(())
        } else {
            Err(ZendeskError::invalid(
                "assignee_id",
                "Assignee: is not an agent",
                "InvalidValue",
            ))
        }
    }

    /// Creates a user (`POST /api/v2/users`).
    pub fn create_user(
        &mut self,
        input: UserInput,
        now: OffsetDateTime,
    ) -> Result<u64, ZendeskError> {
        let Some(name) = input.name.clone().filter(|n| !n.trim().is_empty()) else {
            return Err(ZendeskError::invalid(
                "name",
                "Name: cannot be blank",
                "BlankValue",
            ));
        };
        self.check_email_free(input.email.as_deref(), None)?;
        let id = self.ids.next_id();
        let user = new_user(
            id,
            name,
            input.email.clone(),
            input.role.unwrap_or(Role::EndUser),
            now,
        );
        self.users.insert(id, user);
        self.apply_user(id, input, now);
        self.log.record(now, Kind::User, id, Op::Created);
        Ok(id)
    }

    /// Creates or updates a user matched by `external_id`, then `email`
    /// (`POST /api/v2/users/create_or_update`). Returns the id and whether it was new.
    pub fn create_or_update_user(
        &mut self,
        input: UserInput,
        now: OffsetDateTime,
    ) -> Result<(u64, bool), ZendeskError> {
        let by_external = input.external_id.clone().flatten().and_then(|x| {
            self.users
                .values()
                .find(|u| u.external_id.as_deref() == Some(x.as_str()))
                .map(|u| u.id)
        });
        let existing =
            by_external.or_else(|| input.email.as_deref().and_then(|e| self.user_by_email(e)));
        match existing {
            Some(id) => {
                self.apply_user(id, input, now);
                self.log.record(now, Kind::User, id, Op::Updated);
                Ok((id, false))
            }
            None => self.create_user(input, now).map(|id| (id, true)),
        }
    }

    /// Updates a user (`PUT /api/v2/users/{id}`).
    pub fn update_user(
        &mut self,
        id: u64,
        input: UserInput,
        now: OffsetDateTime,
    ) -> Result<(), ZendeskError> {
        self.user(id)?;
        self.check_email_free(input.email.as_deref(), Some(id))?;
        self.apply_user(id, input, now);
        self.log.record(now, Kind::User, id, Op::Updated);
        Ok(())
    }

    /// A 422 `DuplicateValue` when a user other than `owner` has this email.
    fn check_email_free(
        &self,
        email: Option<&str>,
        owner: Option<u64>,
    ) -> Result<(), ZendeskError> {
        match email.and_then(|e| self.user_by_email(e).map(|id| (e, id))) {
            Some((email, id)) if Some(id) != owner => Err(ZendeskError::invalid(
                "email",
                format!("Email: {email} is already being used by another user"),
                "DuplicateValue",
            )),
            _ => Ok(()),
        }
    }

    fn apply_user(&mut self, id: u64, input: UserInput, now: OffsetDateTime) {
        let Some(u) = self.users.get_mut(&id) else {
            return;
        };
        if let Some(name) = input.name.filter(|n| !n.trim().is_empty()) {
            u.name = name;
        }
        if input.email.is_some() {
            u.email = input.email;
        }
        if let Some(role) = input.role {
            u.role = role;
        }
        set(&mut u.external_id, input.external_id);
        set(&mut u.phone, input.phone);
        set(&mut u.organization_id, input.organization_id);
        set(&mut u.details, input.details);
        set(&mut u.notes, input.notes);
        if let Some(tags) = input.tags {
            u.tags = tags;
        }
        if let Some(tz) = input.time_zone {
            u.time_zone = tz;
        }
        if let Some(l) = input.locale_id {
            u.locale_id = l;
        }
        if let Some(v) = input.verified {
            u.verified = v;
        }
        if let Some(fields) = input.user_fields {
            u.user_fields.extend(fields);
        }
        u.updated_at = now;
    }

    /// Users matching `query` (email, name or `key:value` on email, name, external_id,
    /// role) or an exact `external_id`.
    pub fn search_users(&self, query: Option<&str>, external_id: Option<&str>) -> Vec<&User> {
        self.users
            .values()
            .filter(|u| external_id.is_none_or(|x| u.external_id.as_deref() == Some(x)))
            .filter(|u| query.is_none_or(|q| user_matches(u, q)))
            .collect()
    }

    fn resolve_requester(
        &mut self,
        r: &RequesterInput,
        now: OffsetDateTime,
    ) -> Result<u64, ZendeskError> {
        if let Some(id) = r.email.as_deref().and_then(|e| self.user_by_email(e)) {
            return Ok(id);
        }
        let name = r.name.clone().or_else(|| {
            r.email
                .as_ref()
                .map(|e| e.split('@').next().unwrap_or(e).to_owned())
        });
        let Some(name) = name else {
            return Err(ZendeskError::invalid(
                "requester",
                "Requester: Name: is too short (minimum one character)",
                "InvalidValue",
            ));
        };
        let id = self.ids.next_id();
        let mut user = new_user(id, name, r.email.clone(), Role::EndUser, now);
        if let Some(l) = r.locale_id {
            user.locale_id = l;
        }
        self.users.insert(id, user);
        self.log.record(now, Kind::User, id, Op::Created);
        Ok(id)
    }

    /// Creates a ticket; returns its id and the id of its first audit.
    pub fn create_ticket(
        &mut self,
        actor: &Actor,
        input: TicketInput,
        now: OffsetDateTime,
    ) -> Result<(u64, u64), ZendeskError> {
        let Some(comment) = input.comment.clone().filter(|c| c.text().is_some()) else {
            // Vendor quirk: Zendesk reports a missing first comment on `base`.
            return Err(ZendeskError::invalid(
                "base",
                "Description: cannot be blank",
                "BlankValue",
            ));
        };
        if input.status == Some(Status::Closed) {
            return Err(ZendeskError::invalid(
                "status",
                "Status: closed is not valid for a new ticket",
                "InvalidValue",
            ));
        }
        let requester_id = match (&input.requester_id, &input.requester) {
            (Some(id), _) => self.require_user(*id, "requester_id")?.id,
            (None, Some(r)) => self.resolve_requester(r, now)?,
            (None, None) => actor.user_id,
        };
        let id = self.next_ticket_id;
        let mut ticket = Ticket {
            id,
            external_id: None,
            via: Via::of(actor.channel),
            created_at: now,
            updated_at: now,
            kind: None,
            subject: None,
            raw_subject: None,
            description: comment.text().unwrap_or_default(),
            priority: None,
            status: Status::New,
            custom_status_id: 0,
            recipient: None,
            requester_id,
            submitter_id: input.submitter_id.unwrap_or(actor.user_id),
            assignee_id: None,
            organization_id: self
                .users
                .get(&requester_id)
                .and_then(|u| u.organization_id),
            group_id: None,
            collaborator_ids: Vec::new(),
            follower_ids: Vec::new(),
            email_cc_ids: Vec::new(),
            forum_topic_id: None,
            problem_id: None,
            has_incidents: false,
            is_public: comment.public.unwrap_or(true),
            due_at: None,
            tags: Vec::new(),
            custom_fields: Vec::new(),
            satisfaction_rating: None,
            sharing_agreement_ids: Vec::new(),
            fields: Vec::new(),
            followup_ids: Vec::new(),
            ticket_form_id: self.settings.ticket_form_id,
            brand_id: self.settings.brand_id,
            satisfaction_probability: None,
            allow_channelback: false,
            allow_attachments: true,
            from_messaging_channel: false,
            comments: Vec::new(),
            audits: Vec::new(),
            reply: RenderedReply::default(),
        };
        let before = Value::Null;
        self.apply_fields(&mut ticket, &input)?;
        if ticket.status == Status::New && ticket.assignee_id.is_some() {
            ticket.status = Status::Open;
        }
        self.check_solved_has_assignee(&mut ticket, actor)?;
        let audit_id = self.commit(&mut ticket, actor, &comment, &before, now);
        self.next_ticket_id += 1;
        self.tickets.insert(id, ticket);
        Ok((id, audit_id))
    }

    /// Updates a ticket under the lifecycle rules; returns the new audit's id.
    pub fn update_ticket(
        &mut self,
        actor: &Actor,
        id: u64,
        input: TicketInput,
        now: OffsetDateTime,
    ) -> Result<u64, ZendeskError> {
        let current = self.tickets.get(&id).ok_or(ZendeskError::RecordNotFound)?;
        if current.status == Status::Closed {
            return Err(ZendeskError::closed_ticket());
        }
        let mut ticket = current.clone();
        let before = tracked(&ticket);
        match input.status {
            Some(Status::New) if ticket.status != Status::New => {
                return Err(ZendeskError::invalid(
                    "status",
                    "Status: new is not valid once a ticket has left new",
                    "InvalidValue",
                ));
            }
            Some(Status::Closed) if ticket.status != Status::Solved => {
                return Err(ZendeskError::invalid(
                    "status",
                    "Status: closed is only valid for solved tickets",
                    "InvalidValue",
                ));
            }
            _ => {}
        }
        if input.priority == Some(None) && ticket.priority.is_some() {
            return Err(ZendeskError::invalid(
                "priority",
                "Priority: cannot be blank once set",
                "BlankValue",
            ));
        }
        if let (None, Some(r)) = (input.requester_id, &input.requester) {
            ticket.requester_id = self.resolve_requester(r, now)?;
        }
        self.apply_fields(&mut ticket, &input)?;
        if input.status.is_none() {
            if ticket.status == Status::New && ticket.assignee_id.is_some() {
                ticket.status = Status::Open;
            }
            let author = input
                .comment
                .as_ref()
                .and_then(|c| c.author_id)
                .unwrap_or(actor.user_id);
            let public = input
                .comment
                .as_ref()
                .is_some_and(|c| c.text().is_some() && c.public.unwrap_or(true));
            let by_end_user = self.users.get(&author).is_some_and(|u| !u.role.is_staff());
            if public
                && by_end_user
                && matches!(
                    ticket.status,
                    Status::Pending | Status::Hold | Status::Solved
                )
            {
                ticket.status = Status::Open;
            }
        }
        self.check_solved_has_assignee(&mut ticket, actor)?;
        let comment = input.comment.clone().unwrap_or_default();
        let audit_id = self.commit(&mut ticket, actor, &comment, &before, now);
        self.tickets.insert(id, ticket);
        Ok(audit_id)
    }

    /// Closes every solved ticket last changed at or before `cutoff`, as Zendesk's
    /// default automation does (by the system, via `rule`); returns their ids.
    pub fn close_solved_before(&mut self, cutoff: OffsetDateTime, now: OffsetDateTime) -> Vec<u64> {
        let due: Vec<(u64, u64)> = self
            .tickets
            .values()
            .filter(|t| t.status == Status::Solved && t.updated_at <= cutoff)
            .map(|t| (t.id, t.assignee_id.unwrap_or(t.submitter_id)))
            .collect();
        let mut closed = Vec::new();
        for (id, user_id) in due {
            let actor = Actor {
                user_id,
                client: None,
                ip_address: String::new(),
                channel: "rule",
            };
            let input = TicketInput {
                status: Some(Status::Closed),
                ..TicketInput::default()
            };
            if self.update_ticket(&actor, id, input, now).is_ok() {
                closed.push(id);
            }
        }
        closed
    }

    /// Deletes a ticket (closed ones too); it moves to the deleted tickets.
    pub fn delete_ticket(&mut self, id: u64, now: OffsetDateTime) -> Result<(), ZendeskError> {
        let ticket = self
            .tickets
            .remove(&id)
            .ok_or(ZendeskError::RecordNotFound)?;
        self.deleted_tickets.insert(id, ticket);
        self.update_burst.forget(id);
        self.log.record(now, Kind::Ticket, id, Op::Deleted);
        Ok(())
    }

    /// `n` random hex digits from the account's seeded generator.
    pub fn random_hex(&mut self, n: usize) -> String {
        self.rng.hex(n)
    }

    /// Records a finished bulk job and returns its id (`V3-` and 32 hex digits).
    pub fn add_job(
        &mut self,
        job_type: &'static str,
        total: usize,
        results: Vec<JobResult>,
        now: OffsetDateTime,
    ) -> String {
        let id = format!("V3-{}", self.rng.hex(32));
        self.jobs.insert(
            id.clone(),
            Job {
                id: id.clone(),
                job_type,
                total,
                results,
                completed_at: now,
            },
        );
        id
    }

    /// Creates a webhook from a full input.
    pub fn create_webhook(
        &mut self,
        input: WebhookInput,
        actor: u64,
        now: OffsetDateTime,
    ) -> &Webhook {
        let w = Webhook::create(input, &mut self.rng, actor, now);
        let id = w.id.clone();
        self.webhooks.entry(id).or_insert(w)
    }

    /// Gives a webhook a new signing secret.
    pub fn reset_signing_secret(&mut self, id: &str) -> Option<&Webhook> {
        let secret = super::webhook::new_secret(&mut self.rng);
        let w = self.webhooks.get_mut(id)?;
        w.secret = secret;
        Some(w)
    }

    /// Creates a trigger (position defaults to after the last one).
    pub fn create_trigger(
        &mut self,
        input: TriggerInput,
        now: OffsetDateTime,
    ) -> Result<u64, ZendeskError> {
        let Some(title) = input.title.clone() else {
            return Err(ZendeskError::invalid(
                "title",
                "Title: cannot be blank",
                "BlankValue",
            ));
        };
        let has_conditions = input
            .conditions
            .as_ref()
            .is_some_and(|c| !c.all.is_empty() || !c.any.is_empty());
        if !has_conditions {
            return Err(ZendeskError::invalid(
                "conditions",
                "Conditions: a trigger needs at least one condition",
                "BlankValue",
            ));
        }
        if input.actions.as_ref().is_none_or(Vec::is_empty) {
            return Err(ZendeskError::invalid(
                "actions",
                "Actions: a trigger needs at least one action",
                "BlankValue",
            ));
        }
        let id = self.ids.next_id();
        let position = self
            .triggers
            .values()
            .map(|t| t.position)
            .max()
            .unwrap_or(0)
            + 1;
        let mut t = Trigger {
            id,
            raw_title: title.clone(),
            title,
            description: None,
            active: true,
            position,
            conditions: Default::default(),
            actions: Vec::new(),
            category_id: None,
            default: false,
            created_at: now,
            updated_at: now,
        };
        t.apply(input, now);
        self.triggers.insert(id, t);
        Ok(id)
    }

    /// A fresh webhook invocation id: a ULID, as the captured deliveries and
    /// invocations show, timed by the account's latest change.
    pub fn next_invocation_id(&mut self) -> String {
        let at = self.log.last_at().unwrap_or(OffsetDateTime::UNIX_EPOCH);
        super::webhook::ulid(at, &mut self.rng)
    }

    /// The account id shown in job results.
    pub fn account_id(&self) -> u64 {
        self.settings.account_id
    }

    fn check_solved_has_assignee(
        &self,
        ticket: &mut Ticket,
        actor: &Actor,
    ) -> Result<(), ZendeskError> {
        if matches!(ticket.status, Status::Solved | Status::Closed) && ticket.assignee_id.is_none()
        {
            let actor_is_agent = self
                .users
                .get(&actor.user_id)
                .is_some_and(|u| u.role.is_staff());
            if self.settings.auto_assign_on_solve && actor_is_agent {
                ticket.assignee_id = Some(actor.user_id);
            } else {
                // Detail text UNVERIFIED (REFERENCE 1.6): Zendesk refuses to solve an
                // unassigned ticket unless "auto assign upon solve" is on.
                return Err(ZendeskError::invalid(
                    "assignee_id",
                    "Assignee: is required when solving a ticket",
                    "BlankValue",
                ));
            }
        }
        Ok(())
    }

    fn apply_fields(&mut self, t: &mut Ticket, input: &TicketInput) -> Result<(), ZendeskError> {
        if let Some(s) = &input.subject {
            t.subject = Some(s.clone());
            t.raw_subject = Some(s.clone());
        }
        if let Some(status) = input.status {
            t.status = status;
        }
        if let Some(p) = input.priority {
            t.priority = p;
        }
        if let Some(k) = input.kind {
            t.kind = k;
        }
        if let Some(id) = input.requester_id {
            t.requester_id = self.require_user(id, "requester_id")?.id;
        }
        if let Some(email) = &input.assignee_email {
            let id = self.user_by_email(email).ok_or_else(|| {
                ZendeskError::invalid(
                    "assignee_email",
                    format!("Assignee: {email} is not a known agent"),
                    "InvalidValue",
                )
            })?;
            self.require_agent(id)?;
            t.assignee_id = Some(id);
        }
        if let Some(a) = input.assignee_id {
            if let Some(id) = a {
                self.require_agent(id)?;
            }
            t.assignee_id = a;
        }
        set(&mut t.group_id, input.group_id);
        set(&mut t.organization_id, input.organization_id);
        set(&mut t.external_id, input.external_id.clone());
        set(&mut t.due_at, input.due_at);
        set(&mut t.problem_id, input.problem_id);
        set(&mut t.recipient, input.recipient.clone());
        if let Some(tags) = &input.tags {
            t.tags.clone_from(tags);
        }
        for tag in input.additional_tags.iter().flatten() {
            if !t.tags.contains(tag) {
                t.tags.push(tag.clone());
            }
        }
        if let Some(remove) = &input.remove_tags {
            t.tags.retain(|x| !remove.contains(x));
        }
        if let Some(fields) = &input.custom_fields {
            for f in fields {
                match t.custom_fields.iter_mut().find(|c| c.id == f.id) {
                    Some(existing) => existing.value = f.value.clone(),
                    None => t.custom_fields.push(f.clone()),
                }
            }
            t.fields.clone_from(&t.custom_fields);
        }
        if let Some(v) = &input.collaborator_ids {
            t.collaborator_ids.clone_from(v);
        }
        if let Some(v) = &input.follower_ids {
            t.follower_ids.clone_from(v);
        }
        if let Some(v) = &input.email_cc_ids {
            t.email_cc_ids.clone_from(v);
        }
        if let Some(b) = input.brand_id {
            t.brand_id = b;
        }
        if let Some(f) = input.ticket_form_id {
            t.ticket_form_id = f;
        }
        super::resource::tickets::check(self, t, input.assignee_id.is_some())
    }

    /// Appends the comment (if any) and an audit whose events describe the change
    /// from `before` (`Null` for a create) to the ticket's new state.
    fn commit(
        &mut self,
        t: &mut Ticket,
        actor: &Actor,
        comment: &CommentInput,
        before: &Value,
        now: OffsetDateTime,
    ) -> u64 {
        let audit_id = self.ids.next_id();
        let mut events = Vec::new();
        if let Some(text) = comment.text() {
            let c = Comment {
                id: self.ids.next_id(),
                kind: "Comment",
                author_id: comment.author_id.unwrap_or(actor.user_id),
                html_body: comment.html(),
                plain_body: text.clone(),
                body: text,
                public: comment.public.unwrap_or(true),
                attachments: self.records.uploads.attach(&comment.uploads),
                audit_id,
                via: Via::of(actor.channel),
                metadata: actor.metadata(),
                created_at: now,
            };
            events.push(json!({
                "id": c.id, "type": "Comment", "author_id": c.author_id, "body": c.body,
                "html_body": c.html_body, "plain_body": c.plain_body, "public": c.public,
                "attachments": c.attachments, "audit_id": audit_id,
            }));
            t.comments.push(c);
        }
        let after = tracked(t);
        self.changes.push(TicketChange {
            ticket_id: t.id,
            before: (!before.is_null()).then(|| before.clone()),
            after: after.clone(),
            actor: actor.user_id,
            comment: comment
                .text()
                .map(|text| (text, comment.public.unwrap_or(true))),
        });
        for field in TRACKED {
            let new = &after[field];
            if before.is_null() {
                let always = matches!(*field, "subject" | "requester_id" | "priority" | "status");
                let empty = new.is_null() || new.as_array().is_some_and(Vec::is_empty);
                if always || !empty {
                    events.push(json!({"id": self.ids.next_id(), "type": "Create", "value": new, "field_name": field}));
                }
            } else if &before[field] != new {
                events.push(json!({"id": self.ids.next_id(), "type": "Change", "value": new, "field_name": field, "previous_value": before[field]}));
            }
        }
        t.updated_at = now;
        let category = Status::ALL.iter().position(|s| *s == t.status).unwrap_or(0);
        t.custom_status_id = self.custom_statuses[category];
        t.audits.push(Audit {
            id: audit_id,
            ticket_id: t.id,
            created_at: now,
            author_id: actor.user_id,
            metadata: actor.metadata(),
            events,
            via: Via::of(actor.channel),
        });
        let op = if before.is_null() {
            Op::Created
        } else {
            Op::Updated
        };
        self.log.record(now, Kind::Ticket, t.id, op);
        self.log
            .record_owned(now, Kind::TicketEvent, audit_id, t.id, Op::Created);
        audit_id
    }
}

/// The tracked fields as audit event values: strings, even for ids (REFERENCE 1.5).
fn tracked(t: &Ticket) -> Value {
    let s = |v: Option<String>| v.map_or(Value::Null, Value::String);
    json!({
        "subject": s(t.subject.clone()),
        "requester_id": t.requester_id.to_string(),
        "priority": s(t.priority.map(|p| p.to_string())),
        "status": t.status.as_str(),
        "type": s(t.kind.map(|k| k.to_string())),
        "assignee_id": s(t.assignee_id.map(|a| a.to_string())),
        "group_id": s(t.group_id.map(|g| g.to_string())),
        "organization_id": s(t.organization_id.map(|o| o.to_string())),
        "tags": t.tags,
        "external_id": s(t.external_id.clone()),
        "due_at": s(t.due_at.map(crate::clock::iso_seconds)),
    })
}

fn set<T>(slot: &mut Option<T>, value: Option<Option<T>>) {
    if let Some(v) = value {
        *slot = v;
    }
}

fn same_email(u: &User, email: &str) -> bool {
    u.email
        .as_deref()
        .is_some_and(|e| e.eq_ignore_ascii_case(email))
}

fn field_title(field: &str) -> String {
    let base = field.strip_suffix("_id").unwrap_or(field);
    let mut c = base.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn user_matches(u: &User, query: &str) -> bool {
    let q = query.trim().trim_matches('"');
    if let Some((key, value)) = q.split_once(':') {
        let value = value.trim_matches('"');
        return match key {
            "email" => same_email(u, value),
            "name" => u.name.eq_ignore_ascii_case(value),
            "external_id" => u.external_id.as_deref() == Some(value),
            "role" => u.role.as_str() == value,
            _ => false,
        };
    }
    let q = q.to_lowercase();
    u.name.to_lowercase().contains(&q)
        || u.email
            .as_deref()
            .is_some_and(|e| e.to_lowercase().contains(&q))
}

fn new_user(id: u64, name: String, email: Option<String>, role: Role, now: OffsetDateTime) -> User {
    User {
        id,
        name,
        email,
        created_at: now,
        updated_at: now,
        time_zone: "Etc/UTC".to_owned(),
        iana_time_zone: "Etc/UTC".to_owned(),
        phone: None,
        shared_phone_number: None,
        photo: None,
        locale_id: 1,
        locale: "en-US".to_owned(),
        organization_id: None,
        role,
        verified: false,
        external_id: None,
        tags: Vec::new(),
        alias: None,
        active: true,
        shared: false,
        shared_agent: false,
        last_login_at: None,
        two_factor_auth_enabled: None,
        signature: None,
        details: None,
        notes: None,
        role_type: None,
        custom_role_id: None,
        moderator: role.is_staff(),
        ticket_restriction: (!role.is_staff()).then(|| "requested".to_owned()),
        only_private_comments: false,
        restricted_agent: !matches!(role, Role::Admin),
        suspended: false,
        chat_only: false,
        default_group_id: None,
        report_csv: matches!(role, Role::Admin),
        user_fields: serde_json::Map::new(),
        secrets: Secrets::default(),
    }
}
