//! Organizations, with the fields of the captured organization object (create,
//! show, update, delete), so that their incremental export and search have records
//! to read. Each change goes to the change log.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::changelog::{Kind, Op};
use super::error::{IdParam, ZendeskError, ZendeskJson};
use super::store::Store;
use super::wire::{self, json_response};
use super::{BaseUrl, RouteJson, Zendesk};

/// An organization (zenpy cassette, create organization, 2023-09-18).
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct Organization {
    pub id: u64,
    pub name: String,
    pub shared_tickets: bool,
    pub shared_comments: bool,
    pub external_id: Option<String>,
    #[serde(serialize_with = "wire::ts")]
    pub created_at: OffsetDateTime,
    #[serde(serialize_with = "wire::ts")]
    pub updated_at: OffsetDateTime,
    pub domain_names: Vec<String>,
    pub details: Option<String>,
    pub notes: Option<String>,
    pub group_id: Option<u64>,
    pub tags: Vec<String>,
    pub organization_fields: Map<String, Value>,
}

/// An organization as the API returns it: its `url`, then its fields.
#[derive(Debug, Serialize)]
pub struct OrgOut<'a> {
    url: String,
    #[serde(flatten)]
    org: &'a Organization,
}

impl<'a> OrgOut<'a> {
    /// The organization with its absolute URL on `base`.
    pub fn new(base: &str, org: &'a Organization) -> Self {
        Self {
            url: format!("{base}/api/v2/organizations/{}.json", org.id),
            org,
        }
    }
}

/// The routes of organizations.
pub fn routes() -> Router<Arc<Zendesk>> {
    Router::new()
        .route_json("/api/v2/organizations", post(create))
        .route_json(
            "/api/v2/organizations/{organization_id}",
            get(show).put(update).delete(destroy),
        )
}

fn strings(v: &Value, field: &str) -> Result<Option<Vec<String>>, ZendeskError> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str().map(str::to_owned).ok_or_else(|| {
                    ZendeskError::invalid(
                        field,
                        format!("{field}: must be strings"),
                        "InvalidValue",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(ZendeskError::invalid(
            field,
            format!("{field}: must be an array"),
            "InvalidValue",
        )),
    }
}

fn opt_string(v: &Value, field: &str) -> Option<Option<String>> {
    v.get(field)
        .map(|x| x.as_str().map(str::to_owned).filter(|s| !s.is_empty()))
}

impl Store {
    /// Sets the name from `body`: required on create, never blank, unique
    /// (ignoring case).
    fn check_name(
        &self,
        org: &mut Organization,
        body: &Value,
        created: bool,
    ) -> Result<(), ZendeskError> {
        if let Some(name) = body.get("name") {
            let name = name.as_str().map(str::trim).unwrap_or_default();
            if name.is_empty() {
                return Err(ZendeskError::invalid(
                    "name",
                    "Name: cannot be blank",
                    "BlankValue",
                ));
            }
            org.name = name.to_owned();
        } else if created {
            return Err(ZendeskError::invalid(
                "name",
                "Name: cannot be blank",
                "BlankValue",
            ));
        }
        let taken = self
            .organizations
            .values()
            .any(|o| o.id != org.id && o.name.eq_ignore_ascii_case(&org.name));
        if taken {
            return Err(ZendeskError::invalid(
                "name",
                "Name: has already been taken",
                "DuplicateValue",
            ));
        }
        Ok(())
    }

    /// Applies the fields of an `organization` body; `created` says whether the
    /// organization is new (the name is then required).
    fn apply_org(
        &self,
        org: &mut Organization,
        body: &Value,
        created: bool,
    ) -> Result<(), ZendeskError> {
        if !body.is_object() {
            return Err(ZendeskError::BadRequest(
                "organization must be an object".to_owned(),
            ));
        }
        self.check_name(org, body, created)?;
        if let Some(x) = opt_string(body, "external_id") {
            org.external_id = x;
        }
        if let Some(x) = opt_string(body, "details") {
            org.details = x;
        }
        if let Some(x) = opt_string(body, "notes") {
            org.notes = x;
        }
        if let Some(tags) = strings(body, "tags")? {
            org.tags = tags;
        }
        if let Some(d) = strings(body, "domain_names")? {
            org.domain_names = d;
        }
        if let Some(b) = body.get("shared_tickets").and_then(Value::as_bool) {
            org.shared_tickets = b;
        }
        if let Some(b) = body.get("shared_comments").and_then(Value::as_bool) {
            org.shared_comments = b;
        }
        if let Some(g) = body.get("group_id") {
            org.group_id = g.as_u64();
        }
        if let Some(Value::Object(f)) = body.get("organization_fields") {
            org.organization_fields
                .extend(f.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Ok(())
    }

    /// Creates an organization from an `organization` body.
    pub fn create_org(&mut self, body: &Value, now: OffsetDateTime) -> Result<u64, ZendeskError> {
        let mut org = Organization {
            id: 0,
            name: String::new(),
            shared_tickets: false,
            shared_comments: false,
            external_id: None,
            created_at: now,
            updated_at: now,
            domain_names: Vec::new(),
            details: None,
            notes: None,
            group_id: None,
            tags: Vec::new(),
            organization_fields: Map::new(),
        };
        self.apply_org(&mut org, body, true)?;
        org.id = self.next_id();
        let id = org.id;
        self.organizations.insert(id, org);
        self.log.record(now, Kind::Organization, id, Op::Created);
        Ok(id)
    }

    /// Updates an organization from an `organization` body.
    pub fn update_org(
        &mut self,
        id: u64,
        body: &Value,
        now: OffsetDateTime,
    ) -> Result<(), ZendeskError> {
        let mut org = self
            .organizations
            .get(&id)
            .cloned()
            .ok_or(ZendeskError::RecordNotFound)?;
        self.apply_org(&mut org, body, false)?;
        org.updated_at = now;
        self.organizations.insert(id, org);
        self.log.record(now, Kind::Organization, id, Op::Updated);
        Ok(())
    }

    /// Deletes an organization.
    pub fn delete_org(&mut self, id: u64, now: OffsetDateTime) -> Result<(), ZendeskError> {
        self.organizations
            .remove(&id)
            .ok_or(ZendeskError::RecordNotFound)?;
        self.log.record(now, Kind::Organization, id, Op::Deleted);
        Ok(())
    }
}

type Z = State<Arc<Zendesk>>;

fn body_root(body: &Value) -> Result<&Value, ZendeskError> {
    body.get("organization")
        .filter(|v| !v.is_null())
        .ok_or_else(|| {
            ZendeskError::BadRequest(
                "param is missing or the value is empty: organization".to_owned(),
            )
        })
}

fn reply(status: StatusCode, base: &str, store: &Store, id: u64) -> Result<Response, ZendeskError> {
    let org = store
        .organizations
        .get(&id)
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(json_response(
        status,
        &json!({"organization": OrgOut::new(base, org)}),
    ))
}

async fn create(
    State(z): Z,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Result<Response, ZendeskError> {
    let now = z.now();
    let mut store = z.store();
    let id = store.create_org(body_root(&body)?, now)?;
    reply(StatusCode::CREATED, &base, &store, id)
}

async fn show(
    State(z): Z,
    IdParam(id): IdParam,
    BaseUrl(base): BaseUrl,
) -> Result<Response, ZendeskError> {
    reply(StatusCode::OK, &base, &z.store_read(), id)
}

async fn update(
    State(z): Z,
    IdParam(id): IdParam,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Result<Response, ZendeskError> {
    let now = z.now();
    let mut store = z.store();
    store.update_org(id, body_root(&body)?, now)?;
    reply(StatusCode::OK, &base, &store, id)
}

async fn destroy(State(z): Z, IdParam(id): IdParam) -> Result<Response, ZendeskError> {
    let now = z.now();
    z.store().delete_org(id, now)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
