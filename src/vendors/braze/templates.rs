//! Email templates (REFERENCE braze-rest 6.2): list, info, create and update; a
//! template may include only Content Blocks the workspace has.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::account::Braze;
use super::content::{iso, stamp, tags, text, unknown_blocks, window};
use super::error::{BrazeError, BrazeJson, json_response};
use super::messaging::{Reply, bad};

type B = State<Arc<Braze>>;
type Q = Query<HashMap<String, String>>;

/// An email template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmailTemplate {
    /// Its id (a UUID).
    pub email_template_id: String,
    /// Name.
    pub template_name: String,
    /// Description.
    pub description: String,
    /// Subject (Liquid).
    pub subject: String,
    /// Preheader.
    pub preheader: String,
    /// HTML body (Liquid).
    pub body: String,
    /// Plain-text body.
    pub plaintext_body: String,
    /// Whether CSS is inlined.
    pub should_inline_css: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// Created.
    #[serde(serialize_with = "iso")]
    pub created_at: OffsetDateTime,
    /// Updated.
    #[serde(serialize_with = "iso")]
    pub updated_at: OffsetDateTime,
}

fn template_fields(
    b: &Braze,
    o: &Map<String, Value>,
    t: &mut EmailTemplate,
) -> Result<(), BrazeError> {
    for (key, slot) in [
        ("template_name", &mut t.template_name),
        ("subject", &mut t.subject),
        ("body", &mut t.body),
        ("plaintext_body", &mut t.plaintext_body),
        ("preheader", &mut t.preheader),
        ("description", &mut t.description),
    ] {
        if let Some(v) = text(o, key, key)? {
            *slot = v;
        }
    }
    if let Some(v) = tags(o)? {
        t.tags = v;
    }
    match o.get("should_inline_css") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(v)) => t.should_inline_css = *v,
        Some(_) => {
            return Err(bad(
                "Invalid value for `should_inline_css`. One of `true` or `false` was expected",
            ));
        }
    }
    if t.template_name.trim().is_empty() {
        return Err(bad("Template name is required"));
    }
    let store = b.store();
    let blocks = &store.api.content_blocks;
    if unknown_blocks(&t.body, blocks) || unknown_blocks(&t.subject, blocks) {
        return Err(bad("Email must have valid Content Block names"));
    }
    Ok(())
}

/// `POST /templates/email/create`: 201 `{"email_template_id", "message"}`.
pub async fn template_create(State(b): B, BrazeJson(o): BrazeJson) -> Reply {
    let now = b.now();
    let mut t = EmailTemplate {
        email_template_id: String::new(),
        template_name: String::new(),
        description: String::new(),
        subject: String::new(),
        preheader: String::new(),
        body: String::new(),
        plaintext_body: String::new(),
        should_inline_css: false,
        tags: Vec::new(),
        created_at: now,
        updated_at: now,
    };
    template_fields(&b, &o, &mut t)?;
    if t.subject.trim().is_empty() {
        return Err(bad("Subject is required"));
    }
    if t.body.trim().is_empty() {
        return Err(bad("Body is required"));
    }
    let mut store = b.store();
    t.email_template_id = store.uuid();
    store.api.email_templates.push(t.clone());
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"email_template_id": t.email_template_id, "message": "success"}),
    ))
}

/// `POST /templates/email/update`: 200 (\[SDK\]).
pub async fn template_update(State(b): B, BrazeJson(o): BrazeJson) -> Reply {
    let id = text(&o, "email_template_id", "email_template_id")?.unwrap_or_default();
    let found = b
        .store()
        .api
        .email_templates
        .iter()
        .find(|t| t.email_template_id == id)
        .cloned();
    let Some(mut t) = found else {
        return Err(bad("Invalid email_template_id"));
    };
    if o.len() < 2 {
        return Err(bad("At least one field to update is required"));
    }
    template_fields(&b, &o, &mut t)?;
    t.updated_at = b.now();
    let mut store = b.store();
    if let Some(slot) = store
        .api
        .email_templates
        .iter_mut()
        .find(|x| x.email_template_id == id)
    {
        *slot = t;
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({"email_template_id": id, "message": "success"}),
    ))
}

/// `GET /templates/email/list`: `{"count", "templates"}` (\[DOC\]).
pub async fn template_list(State(b): B, Query(q): Q) -> Reply {
    let w = window(&q, "Template")?;
    let items: Vec<Value> = b
        .store()
        .api
        .email_templates
        .iter()
        .filter(|t| w.keeps(t.updated_at))
        .skip(w.offset)
        .take(w.limit)
        .map(|t| {
            json!({"email_template_id": t.email_template_id, "template_name": t.template_name,
                   "created_at": stamp(t.created_at), "updated_at": stamp(t.updated_at), "tags": t.tags})
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"count": items.len(), "templates": items, "message": "success"}),
    ))
}

/// `GET /templates/email/info?email_template_id=`.
pub async fn template_info(State(b): B, Query(q): Q) -> Reply {
    let id = q.get("email_template_id").cloned().unwrap_or_default();
    let store = b.store();
    let Some(t) = store
        .api
        .email_templates
        .iter()
        .find(|t| t.email_template_id == id)
    else {
        return Err(bad("Invalid email_template_id"));
    };
    let mut v = serde_json::to_value(t).unwrap_or_default();
    v["message"] = json!("success");
    Ok(json_response(StatusCode::OK, &v))
}
