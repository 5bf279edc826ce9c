//! Users: creating, updating, finding and signing them in.

use time::OffsetDateTime;

use super::{Store, same_email, set};
use crate::vendors::zendesk::changelog::{Kind, Op};
use crate::vendors::zendesk::credentials::Credential;
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::wire::{RequesterInput, Role, User, UserInput};

impl Store {
    /// The user whose credentials these are.
    pub fn authenticate(&self, credential: &Credential) -> Option<u64> {
        use Credential as C;
        if let C::Bearer(t) = credential
            && let Some(user) = self.oauth_token_user(t)
        {
            return Some(user);
        }
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

    pub(super) fn require_user(&self, id: u64, field: &str) -> Result<&User, ZendeskError> {
        self.users.get(&id).ok_or_else(|| {
            ZendeskError::invalid(
                field,
                format!("{}: {id} is not a valid user", field_title(field)),
                "InvalidValue",
            )
        })
    }

    pub(super) fn require_agent(&self, id: u64) -> Result<(), ZendeskError> {
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
        let user = User::new(
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

    pub(super) fn resolve_requester(
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
        let mut user = User::new(id, name, r.email.clone(), Role::EndUser, now);
        if let Some(l) = r.locale_id {
            user.locale_id = l;
        }
        self.users.insert(id, user);
        self.log.record(now, Kind::User, id, Op::Created);
        Ok(id)
    }
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
