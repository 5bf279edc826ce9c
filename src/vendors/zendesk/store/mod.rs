//! Zendesk's state and lifecycle rules (REFERENCE 1.5, 1.6): users, tickets with
//! their comments and audits, deleted tickets and job statuses. Plain data, no I/O.
//! One file per concern: `users`, `tickets` and their `audit` trail, and the
//! webhooks and triggers in `hooks`.

mod audit;
mod hooks;
mod import;
mod oauth;
mod records;
mod ticket_ops;
mod tickets;
mod user_deletion;
mod user_ops;
pub mod uploads;
mod users;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::ZendeskSettings;
use super::changelog::{ChangeLog, Kind, Op};
use super::error::ZendeskError;
use super::triggers::{TicketChange, Trigger};
use super::webhook::{Webhook, WebhookOut};
pub use self::oauth::OAUTH_TOKENS;
pub use self::ticket_ops::Merge;
pub use self::user_ops::PASSWORD_REQUIREMENTS;
pub use super::wire::{Audit, Comment, RenderedReply, Ticket, User, Via};
use super::wire::{Secrets, Status, TicketState, UserOut};
use crate::ids::{IdGen, Sequence};
pub use records::{Record, Records};

/// A background job (`create_many`, `update_many`, `destroy_many`). The fake does
/// the work at once; the status reads `queued` in the reply and `completed` when
/// polled, the path a client sees when Zendesk is quick (REFERENCE 1.5).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Job {
    pub id: String,
    pub job_type: &'static str,
    pub total: usize,
    /// Its results: one per item for bulk calls; an object for some jobs
    /// (a permanent ticket deletion's `{"success": true}`).
    pub results: Value,
    pub completed_at: OffsetDateTime,
    /// The job's number in the account, from 1 (the order jobs were created).
    pub seq: u64,
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
    /// When and by whom each deleted ticket was deleted.
    pub deletions: BTreeMap<u64, Deletion>,
    /// Deleted users by id, `active: false`; permanently deleted ones scrubbed.
    pub deleted_users: BTreeMap<u64, User>,
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
    pub records: Records,
    /// Checks what a ticket refers to once its fields are applied (the declared
    /// resources install theirs; a bare store checks nothing).
    pub ticket_check: TicketCheck,
    next_ticket_id: u64,
    /// The default custom status of each status category, in [`Status::ALL`] order.
    custom_statuses: Vec<u64>,
    ids: Sequence,
    rng: IdGen,
}

/// How a ticket came to be deleted: what `GET /api/v2/deleted_tickets` shows
/// beside its id and subject.
#[derive(Debug, Clone, Copy)]
pub struct Deletion {
    /// When it was deleted.
    pub at: OffsetDateTime,
    /// Who deleted it.
    pub actor: u64,
    /// Its status before.
    pub previous_state: Status,
}

/// The status category a ticket status belongs to: itself, or `solved` for
/// `closed`.
pub fn category_of(status: Status) -> Status {
    match status {
        Status::Closed => Status::Solved,
        other => other,
    }
}

/// Checks a ticket's references against the account's records; may fill in what
/// they imply (the assignee's default group). The flag says whether the write
/// named an assignee.
pub type TicketCheck = fn(&Store, &mut Ticket, bool) -> Result<(), ZendeskError>;

fn no_check(_: &Store, _: &mut Ticket, _: bool) -> Result<(), ZendeskError> {
    Ok(())
}

impl Store {
    /// The configured users and hooks, no tickets and no records; its change log
    /// does not yet feed event webhooks (`Store::seeded` builds the whole account).
    pub fn with_users(settings: &ZendeskSettings, seed: u64, now: OffsetDateTime) -> Self {
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
            deletions: BTreeMap::new(),
            deleted_users: BTreeMap::new(),
            jobs: BTreeMap::new(),
            webhooks: BTreeMap::new(),
            triggers: BTreeMap::new(),
            changes: Vec::new(),
            log: ChangeLog::default(),
            update_burst: Default::default(),
            records: Records::default(),
            ticket_check: no_check,
            next_ticket_id: settings.first_ticket_id,
            ids,
            rng,
        };
        for seed_user in &settings.users {
            let id = store.ids.next_id();
            let mut user = User::new(
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

    /// A user by id.
    pub fn user(&self, id: u64) -> Result<&User, ZendeskError> {
        self.users.get(&id).ok_or(ZendeskError::RecordNotFound)
    }

    /// Whether the account holds record `id` of `table`: a user, a live
    /// ticket, or a declared resource's record.
    pub fn exists(&self, table: &str, id: u64) -> bool {
        match table {
            "users" => self.users.contains_key(&id),
            "tickets" => self.tickets.contains_key(&id),
            other => self.records.get(other, id).is_some(),
        }
    }

    /// The system custom statuses' ids, one per status category (`new`, `open`,
    /// `pending`, `hold`, `solved`), as the account seeds them.
    pub fn system_custom_statuses(&self) -> &[u64] {
        &self.custom_statuses[..5]
    }

    /// The status category of a custom status: its record's, or the system
    /// status's when the account keeps no records (a bare store).
    pub fn category_of(&self, custom_status: u64) -> Option<Status> {
        match self.records.get("custom_statuses", custom_status) {
            Some(r) => r.get("status_category")?.as_str()?.parse().ok(),
            None => self
                .system_custom_statuses()
                .iter()
                .position(|id| *id == custom_status)
                .map(|i| Status::ALL[i]),
        }
    }

    /// The default custom status of `status`'s category (closed tickets are in
    /// the solved category [DOC: Custom ticket statuses]).
    pub fn default_custom_status(&self, status: Status) -> u64 {
        let category = category_of(status);
        self.records
            .all("custom_statuses")
            .find(|r| {
                r.get("default") == Some(&Value::Bool(true))
                    && r.get("status_category").and_then(|c| c.as_str()) == Some(category.as_str())
            })
            .and_then(|r| r.get("id")?.as_u64())
            .unwrap_or_else(|| {
                let i = Status::ALL.iter().position(|s| *s == category).unwrap_or(0);
                self.custom_statuses[i]
            })
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

    /// `n` random hex digits from the account's seeded generator.
    pub fn random_hex(&mut self, n: usize) -> String {
        self.rng.hex(n)
    }

    /// A job's result for a record it updated, as the captured update jobs read.
    pub fn updated_result(id: impl serde::Serialize) -> Value {
        json!({"action": "update", "id": id, "status": "Updated", "success": true})
    }

    /// Records a finished bulk job and returns its id (`V3-` and 32 hex digits).
    pub fn add_job(
        &mut self,
        job_type: &'static str,
        total: usize,
        results: impl Into<Value>,
        now: OffsetDateTime,
    ) -> String {
        let id = format!("V3-{}", self.rng.hex(32));
        let seq = self.jobs.values().map(|j| j.seq).max().unwrap_or(0) + 1;
        self.jobs.insert(
            id.clone(),
            Job {
                id: id.clone(),
                job_type,
                total,
                results: results.into(),
                completed_at: now,
                seq,
            },
        );
        id
    }

    /// Everything the store holds, as the control API shows it (`GET /state/zendesk`);
    /// links point at `base`.
    pub fn state(&self, base: &str) -> Value {
        let mut state = json!({
            "users": self.users.values().map(|u| UserOut::new(base, u)).collect::<Vec<_>>(),
            "tickets": self.tickets.values().map(|t| TicketState::new(base, t)).collect::<Vec<_>>(),
            "deleted_tickets": self.deleted_tickets.keys().collect::<Vec<_>>(),
            "job_statuses": self.jobs.keys().collect::<Vec<_>>(),
            "webhooks": self.webhooks.values().map(WebhookOut::from).collect::<Vec<_>>(),
            "triggers": self.triggers.values().collect::<Vec<_>>(),
            "account_settings": self.records.account_settings,
        });
        // Each declared resource's records under its own name (`organizations`, ...).
        if let (Some(out), Value::Object(tables)) = (state.as_object_mut(), self.records.state()) {
            out.extend(tables);
        }
        state
    }

    /// A fresh ULID timed at `at` (custom object records' ids are ULIDs \[DOC\]).
    pub fn ulid_at(&mut self, at: OffsetDateTime) -> String {
        super::webhook::ulid(at, &mut self.rng)
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
