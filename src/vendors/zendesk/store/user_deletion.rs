//! Deleting users: a deleted user leaves the users, keeps its id and tickets,
//! and can then be deleted for good, its personal data scrubbed [DOC: Delete
//! User, Deleted Users].

use time::OffsetDateTime;

use super::Store;
use crate::vendors::zendesk::changelog::{Kind, Op};
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::wire::{Secrets, User};

/// The name a permanently deleted user is listed under \[DOC\].
const SCRUBBED_NAME: &str = "Permanently Deleted User";

impl Store {
    /// Deletes a user on behalf of `caller`: it becomes `active: false`, loses
    /// its email (as the DOC's deleted-user example shows, UNVERIFIED for a
    /// fresh deletion), its identities' credentials and its memberships, and
    /// moves to the deleted users. A user cannot delete itself (422, text
    /// UNVERIFIED).
    pub fn delete_user(&mut self, id: u64, caller: u64, now: OffsetDateTime) -> Result<&User, ZendeskError> {
        if id == caller && self.users.contains_key(&id) {
            return Err(ZendeskError::invalid("base", "You cannot delete yourself", "InvalidValue"));
        }
        let mut user = self.users.remove(&id).ok_or(ZendeskError::RecordNotFound)?;
        user.active = false;
        user.email = None;
        user.secrets = Secrets::default();
        user.updated_at = now;
        for table in ["organization_memberships", "group_memberships", "identities"] {
            self.records.remove_where(table, |m| m["user_id"].as_u64() == Some(id));
        }
        self.deleted_users.insert(id, user);
        self.log.record(now, Kind::User, id, Op::Deleted);
        self.deleted_users.get(&id).ok_or(ZendeskError::RecordNotFound)
    }

    /// A deleted user not yet deleted for good.
    pub fn deleted_user(&self, id: u64) -> Result<&User, ZendeskError> {
        self.deleted_users
            .get(&id)
            .filter(|u| u.name != SCRUBBED_NAME)
            .ok_or(ZendeskError::RecordNotFound)
    }

    /// Deletes a deleted user for good: its personal data is scrubbed and it is
    /// listed as "Permanently Deleted User" \[DOC\]; a user not deleted first, or
    /// already scrubbed, is a 404.
    pub fn purge_user(&mut self, id: u64, now: OffsetDateTime) -> Result<User, ZendeskError> {
        self.deleted_user(id)?;
        let user = self.deleted_users.get_mut(&id).ok_or(ZendeskError::RecordNotFound)?;
        let before = user.clone();
        user.name = SCRUBBED_NAME.to_owned();
        user.email = None;
        user.phone = None;
        user.photo = None;
        user.external_id = None;
        user.details = None;
        user.notes = None;
        user.user_fields.clear();
        user.updated_at = now;
        Ok(before)
    }

    /// A user, deleted or not, for exports and events that report deletions.
    pub fn any_user(&self, id: u64) -> Option<&User> {
        self.users.get(&id).or_else(|| self.deleted_users.get(&id))
    }
}
