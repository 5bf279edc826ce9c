//! Agents beyond reading them, roles and groups (freshchat-mammut-more 4, 8.1,
//! 8.4): `POST /agents` (email required), `PUT /agents/{id}`, `PATCH /agents/{id}`
//! (availability or a custom status), `DELETE /agents/{id}` (\[DOC\] 202
//! `Agent deletion request accepted`), `GET /agents/status`, `GET /roles`, and the
//! group view whose `agents` follows `group_agents_mode`.
//!
//! Membership has one source: each agent's `groups` (ids); a group's `agents` is
//! derived from it, so the two cannot disagree.

use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::api::{F, Reply, ok, page_of, query, to_values};
use super::error::{FreshchatError, FreshchatJson, IdPath, json_response};
use super::records::{AGENT_ROLE, ROLES, role_name};
use super::settings::GroupAgentsMode;
use super::store::{Store, not_found};
use super::wire::{Agent, Group, opt_str};
use crate::clock::iso_millis;

/// A group as the API shows it, `agents` per `mode`.
pub fn group_view(store: &Store, g: &Group, mode: GroupAgentsMode) -> Value {
    let mut v = json!({"id": g.id, "name": g.name, "description": g.description, "routing_type": g.routing_type});
    let members = store.agents.iter().filter(|a| a.groups.contains(&g.id));
    match mode {
        GroupAgentsMode::Omit => {}
        GroupAgentsMode::Ids => v["agents"] = json!(members.map(|a| &a.id).collect::<Vec<_>>()),
        GroupAgentsMode::Objects => v["agents"] = json!(members.collect::<Vec<_>>()),
    }
    v
}

fn bool_of(body: &Map<String, Value>, key: &str) -> Result<Option<bool>, FreshchatError> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(FreshchatError::Invalid(format!("{key} must be a boolean"))),
    }
}

impl Store {
    fn groups_of(&self, body: &Map<String, Value>) -> Result<Option<Vec<String>>, FreshchatError> {
        let Some(v) = body.get("groups") else {
            return Ok(None);
        };
        let ids: Option<Vec<String>> = v
            .as_array()
            .and_then(|a| a.iter().map(|g| g.as_str().map(str::to_owned)).collect());
        let ids = ids.ok_or_else(|| {
            FreshchatError::Invalid("groups must be an array of group ids".to_owned())
        })?;
        for g in &ids {
            self.group(g)?;
        }
        Ok(Some(ids))
    }

    /// Applies the writable fields of `body` to a copy of `a`, checking each.
    fn agent_with(&self, a: &Agent, body: &Map<String, Value>) -> Result<Agent, FreshchatError> {
        let mut a = a.clone();
        let texts: [(&str, &mut String); 5] = [
            ("email", &mut a.email),
            ("first_name", &mut a.first_name),
            ("last_name", &mut a.last_name),
            ("locale", &mut a.locale),
            ("timezone", &mut a.timezone),
        ];
        for (key, slot) in texts {
            if let Some(v) = opt_str(body, key)? {
                *slot = v;
            }
        }
        for (key, slot) in [("phone", &mut a.phone), ("biography", &mut a.biography)] {
            if let Some(v) = opt_str(body, key)? {
                *slot = Some(v);
            }
        }
        if let Some(r) = opt_str(body, "role_id")? {
            if role_name(&r).is_empty() {
                return Err(FreshchatError::Invalid(format!(
                    "role_id `{r}` is not a role"
                )));
            }
            a.role_name = role_name(&r).to_owned();
            a.role_id = r;
        }
        if let Some(g) = self.groups_of(body)? {
            a.groups = g;
        }
        if let Some(d) = bool_of(body, "is_deactivated")? {
            a.is_deactivated = d;
        }
        if let Some(av) = body.get("avatar") {
            a.avatar = av.clone();
        }
        if !a.email.contains('@') {
            return Err(FreshchatError::Invalid(
                "email is not an email address".to_owned(),
            ));
        }
        if self
            .agents
            .iter()
            .any(|o| o.id != a.id && o.email.eq_ignore_ascii_case(&a.email))
        {
            return Err(FreshchatError::Conflict("Agent already exists".to_owned()));
        }
        Ok(a)
    }

    /// `POST /v2/agents`: a new agent, not logged in, `UNAVAILABLE`.
    pub fn create_agent(
        &mut self,
        body: &Map<String, Value>,
        now: OffsetDateTime,
    ) -> Result<Agent, FreshchatError> {
        if opt_str(body, "email")?.is_none() {
            return Err(FreshchatError::Invalid("email is required".to_owned()));
        }
        let blank = Agent {
            id: self.uuid(),
            email: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            avatar: json!({"url": ""}),
            availability_status: "UNAVAILABLE".to_owned(),
            routing_type: "INTELLIASSIGN".to_owned(),
            groups: Vec::new(),
            is_deactivated: false,
            locale: "en".to_owned(),
            timezone: "UTC".to_owned(),
            social_profiles: Vec::new(),
            role_id: AGENT_ROLE.to_owned(),
            role_name: role_name(AGENT_ROLE).to_owned(),
            phone: None,
            biography: None,
            agent_status: None,
            login_status: false,
            created_time: iso_millis(now),
        };
        let a = self.agent_with(&blank, body)?;
        self.agents.push(a.clone());
        Ok(a)
    }

    /// `PUT /v2/agents/{id}`.
    pub fn update_agent(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
    ) -> Result<Agent, FreshchatError> {
        let i = self.agent_index(id)?;
        let a = self.agent_with(&self.agents[i], body)?;
        self.agents[i] = a.clone();
        Ok(a)
    }

    /// `PATCH /v2/agents/{id}`: `availability_status` and/or `agent_status{id}`
    /// (which wins, \[SCHEMA\] `patch_agent_model`).
    pub fn patch_agent(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
        offline_conflict: bool,
    ) -> Result<Value, FreshchatError> {
        let i = self.agent_index(id)?;
        let status = match body.get("agent_status") {
            None => None,
            Some(s) => {
                let sid = s.get("id").and_then(Value::as_str).ok_or_else(|| {
                    FreshchatError::Invalid("agent_status must be {\"id\": ...}".to_owned())
                })?;
                let found = self.statuses.iter().find(|x| x.id == sid).ok_or_else(|| {
                    FreshchatError::Invalid(format!("agent_status `{sid}` is not a status"))
                })?;
                Some(json!(found))
            }
        };
        let availability = opt_str(body, "availability_status")?;
        if let Some(v) = &availability
            && !matches!(v.as_str(), "AVAILABLE" | "UNAVAILABLE")
        {
            return Err(FreshchatError::Invalid(format!(
                "availability_status `{v}` is not AVAILABLE or UNAVAILABLE"
            )));
        }
        if status.is_none() && availability.is_none() {
            return Err(FreshchatError::Invalid(
                "give availability_status or agent_status".to_owned(),
            ));
        }
        let a = &mut self.agents[i];
        if let Some(s) = status {
            a.agent_status = Some(s);
            a.availability_status = "UNAVAILABLE".to_owned();
        } else if let Some(v) = availability {
            if v == "AVAILABLE" && offline_conflict && !a.login_status {
                return Err(FreshchatError::Conflict(
                    "The agent is offline and cannot be made available".to_owned(),
                ));
            }
            a.agent_status = None;
            a.availability_status = v;
        }
        Ok(json!({"availability_status": a.availability_status, "agent_status": a.agent_status}))
    }

    /// `DELETE /v2/agents/{id}`: the agent goes; conversations assigned to them are
    /// left without an agent (no orphan ids).
    pub fn delete_agent(&mut self, id: &str, owner: &str) -> Result<(), FreshchatError> {
        let i = self.agent_index(id)?;
        if id == owner {
            return Err(FreshchatError::Invalid(
                "The account owner cannot be deleted".to_owned(),
            ));
        }
        self.agents.remove(i);
        for c in &mut self.conversations {
            if c.assigned_agent_id.as_deref() == Some(id) {
                c.assigned_agent_id = None;
            }
        }
        Ok(())
    }

    fn agent_index(&self, id: &str) -> Result<usize, FreshchatError> {
        self.agents
            .iter()
            .position(|a| a.id == id)
            .ok_or_else(|| not_found("AGENT"))
    }
}

// ---- handlers -----------------------------------------------------------------------

/// `GET /v2/agents`: filters `groups`, `is_deactivated`, `availability_status`,
/// `created_from` (freshchat-mammut-more 4.1, 3).
pub async fn list(State(f): F, uri: OriginalUri, RawQuery(raw): RawQuery) -> Reply {
    let q = query(raw.as_deref());
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let agents = to_values(f.store().agents.iter().filter(|a| {
        get("groups").is_none_or(|g| a.groups.iter().any(|x| x == g))
            && get("is_deactivated").is_none_or(|d| d == a.is_deactivated.to_string())
            && get("availability_status").is_none_or(|s| s == a.availability_status)
            && get("created_from").is_none_or(|t| a.created_time.as_str() >= t)
    }));
    page_of(&f, agents, "agents", &q, uri.path())
}

/// `POST /v2/agents`: 201 with the agent (UNKNOWN status; the fake's default).
pub async fn create(State(f): F, FreshchatJson(body): FreshchatJson) -> Reply {
    let now = f.now();
    let agent = f.store().create_agent(&body, now)?;
    Ok(json_response(StatusCode::CREATED, &agent))
}

/// `PUT /v2/agents/{id}`: 200 with the agent (UNVERIFIED).
pub async fn update(State(f): F, IdPath(id): IdPath, FreshchatJson(body): FreshchatJson) -> Reply {
    ok(&f.store().update_agent(&id, &body)?)
}

/// `PATCH /v2/agents/{id}`: `{availability_status, agent_status}`.
pub async fn patch(State(f): F, IdPath(id): IdPath, FreshchatJson(body): FreshchatJson) -> Reply {
    let conflict = f.settings().agent_patch_offline_conflict;
    ok(&f.store().patch_agent(&id, &body, conflict)?)
}

/// `DELETE /v2/agents/{id}`: \[DOC\] 202 `{"code":202,"status":"ACCEPTED",...}`.
pub async fn delete(State(f): F, IdPath(id): IdPath) -> Reply {
    let owner = f.settings().api_actor_id.clone();
    f.store().delete_agent(&id, &owner)?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &json!({"code": 202, "status": "ACCEPTED", "message": "Agent deletion request accepted"}),
    ))
}

/// `GET /v2/agents/status`: the list under both `statuses` and `states` (which key
/// is live is UNKNOWN).
pub async fn statuses(State(f): F) -> Reply {
    let list = f.store().statuses.clone();
    ok(&json!({"statuses": list, "states": list}))
}

/// `GET /v2/roles` (\[SCHEMA\] `roles`).
pub async fn roles(State(f): F, uri: OriginalUri, RawQuery(raw): RawQuery) -> Reply {
    let q = query(raw.as_deref());
    let roles: Vec<Value> = ROLES
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name, "is_custom_role": false, "description": format!("{name} role")}))
        .collect();
    page_of(&f, roles, "roles", &q, uri.path())
}

/// `GET /v2/groups`, optionally `?name=` (exact, case-insensitive).
pub async fn list_groups(State(f): F, uri: OriginalUri, RawQuery(raw): RawQuery) -> Reply {
    let q = query(raw.as_deref());
    let name = q.iter().find(|(k, _)| k == "name").map(|(_, v)| v.clone());
    let mode = f.settings().group_agents_mode;
    let groups: Vec<Value> = {
        let store = f.store();
        store
            .groups
            .iter()
            .filter(|g| name.as_ref().is_none_or(|n| g.name.eq_ignore_ascii_case(n)))
            .map(|g| group_view(&store, g, mode))
            .collect()
    };
    page_of(&f, groups, "groups", &q, uri.path())
}

/// `GET /v2/groups/{id}`: the list item (not in the official list; harmless).
pub async fn get_group(State(f): F, IdPath(id): IdPath) -> Reply {
    let mode = f.settings().group_agents_mode;
    let store = f.store();
    ok(&group_view(&store, store.group(&id)?, mode))
}
