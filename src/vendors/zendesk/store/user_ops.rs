//! Changing users beside their updates: merging an end user into another, and
//! passwords [DOC: Merge End Users; User Passwords].

use time::OffsetDateTime;

use super::Store;
use crate::vendors::zendesk::changelog::{Kind, Op};
use crate::vendors::zendesk::error::ZendeskError;

/// What Zendesk asks of a new password [DOC: the requirements example].
pub const PASSWORD_REQUIREMENTS: &[&str] = &[
    "must be at least 5 characters",
    "must be different from email address",
];

impl Store {
    /// Merges end user `from` into end user `into`: `from`'s tickets (as
    /// requester, submitter, CC or follower) become `into`'s, and `from` is
    /// deleted [DOC: Merge End Users; which data moves is Zendesk's help's
    /// account, UNVERIFIED in detail]. Agents and admins cannot be merged (422,
    /// text UNVERIFIED).
    pub fn merge_users(&mut self, from: u64, into: u64, caller: u64, now: OffsetDateTime) -> Result<(), ZendeskError> {
        let refuse = |text: &str| ZendeskError::invalid("base", text, "InvalidValue");
        if from == into {
            return Err(refuse("A user cannot be merged into itself"));
        }
        let (source, target) = (self.user(from)?, self.user(into)?);
        if source.role.is_staff() || target.role.is_staff() {
            return Err(refuse("Agents and admins cannot be merged"));
        }
        for t in self.tickets.values_mut() {
            let mut touched = false;
            for id in [&mut t.requester_id, &mut t.submitter_id] {
                if *id == from {
                    *id = into;
                    touched = true;
                }
            }
            for list in [&mut t.collaborator_ids, &mut t.follower_ids, &mut t.email_cc_ids] {
                if list.contains(&from) {
                    list.retain(|u| *u != from);
                    if !list.contains(&into) {
                        list.push(into);
                    }
                    touched = true;
                }
            }
            if touched {
                t.updated_at = now;
                t.reply = Default::default();
            }
        }
        self.delete_user(from, caller, now)?;
        self.log.record(now, Kind::User, into, Op::Updated);
        Ok(())
    }

    /// Sets a user's password (the caller's own, or any as an admin): it must
    /// meet [`PASSWORD_REQUIREMENTS`] (422 otherwise, text UNVERIFIED).
    pub fn set_password(&mut self, id: u64, password: &str, now: OffsetDateTime) -> Result<(), ZendeskError> {
        let user = self.user(id)?;
        let too_short = password.chars().count() < 5;
        let is_email = user.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(password));
        if too_short || is_email {
            let text = format!("Password: {}", PASSWORD_REQUIREMENTS.join(", "));
            return Err(ZendeskError::invalid("password", text, "InvalidValue"));
        }
        let Some(user) = self.users.get_mut(&id) else {
            return Err(ZendeskError::RecordNotFound);
        };
        user.secrets.password = Some(password.to_owned());
        user.updated_at = now;
        Ok(())
    }

    /// Whether `password` is the user's current one.
    pub fn password_is(&self, id: u64, password: &str) -> bool {
        self.users
            .get(&id)
            .is_some_and(|u| u.secrets.password.as_deref() == Some(password))
    }
}
