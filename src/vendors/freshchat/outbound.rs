//! Outbound WhatsApp (freshchat-mammut-more 9.4; \[SCHEMA\]
//! `whatsapp_message_request`, `outbound_message_send_resp`, read model):
//! `POST /v2/outbound-messages/whatsapp` takes a template message to 1 to 10
//! recipients (`^\+[0-9]+$`, `storage: none`, `language.policy: deterministic`)
//! and answers a `request_id`; `GET /v2/outbound-messages?request_id=` lists one
//! message per recipient, whose `status` moves `Accepted` → `Sent` → `Delivered`
//! on successive polls. A template not in `whatsapp_templates` ends `Failed` with
//! `failure_code: OBM001` (\[SCHEMA\] example "no template exists").

use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::api::{F, Reply, page_of, query};
use super::error::{FreshchatError, FreshchatJson, json_response};
use super::records::OutboundMessage;
use super::store::Store;

/// The most messages kept; the oldest go first.
const MAX_MESSAGES: usize = 1000;

fn invalid(m: &str) -> FreshchatError {
    FreshchatError::Invalid(m.to_owned())
}

fn phone(v: Option<&Value>, at: &str) -> Result<Value, FreshchatError> {
    let n = v
        .and_then(|p| p.get("phone_number"))
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(&format!("{at}.phone_number is required")))?;
    let digits = n.strip_prefix('+').unwrap_or_default();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(&format!(
            "{at}.phone_number `{n}` must match ^\\+[0-9]+$"
        )));
    }
    Ok(json!({"phone_number": n}))
}

/// The template's name, after checking the request's `data.message_template`.
fn template(body: &Map<String, Value>) -> Result<String, FreshchatError> {
    let t = body
        .get("data")
        .and_then(|d| d.get("message_template"))
        .ok_or_else(|| invalid("data.message_template is required"))?;
    let s = |k: &str| t.get(k).and_then(Value::as_str);
    if s("storage") != Some("none") {
        return Err(invalid("data.message_template.storage must be none"));
    }
    if t.pointer("/language/policy").and_then(Value::as_str) != Some("deterministic") {
        return Err(invalid(
            "data.message_template.language.policy must be deterministic",
        ));
    }
    if t.pointer("/language/code")
        .and_then(Value::as_str)
        .is_none()
    {
        return Err(invalid("data.message_template.language.code is required"));
    }
    s("template_name")
        .map(str::to_owned)
        .ok_or_else(|| invalid("data.message_template.template_name is required"))
}

impl Store {
    /// Accepts a send request: one message per recipient; the request id.
    pub fn send_whatsapp(
        &mut self,
        body: &Map<String, Value>,
        templates: &[String],
        created_on: i64,
    ) -> Result<String, FreshchatError> {
        if body.get("provider").and_then(Value::as_str) != Some("whatsapp") {
            return Err(invalid("provider must be whatsapp"));
        }
        let from = phone(body.get("from"), "from")?;
        let to = body
            .get("to")
            .and_then(Value::as_array)
            .filter(|t| (1..=10).contains(&t.len()))
            .ok_or_else(|| invalid("to must hold 1 to 10 recipients"))?;
        let to: Vec<Value> = to
            .iter()
            .enumerate()
            .map(|(i, r)| phone(Some(r), &format!("to[{i}]")))
            .collect::<Result<_, _>>()?;
        let known = templates.contains(&template(body)?);
        let request_id = self.uuid();
        for recipient in to {
            let message_id = self.uuid();
            self.outbound.push(OutboundMessage {
                message_id,
                request_id: request_id.clone(),
                from: from.clone(),
                to: recipient,
                provider: "whatsapp".to_owned(),
                data: body.get("data").cloned().unwrap_or(Value::Null),
                status: if known { "Accepted" } else { "Failed" },
                created_on,
                failure_code: (!known).then_some("OBM001"),
                failure_reason: (!known).then_some("no template exists"),
            });
        }
        let excess = self.outbound.len().saturating_sub(MAX_MESSAGES);
        self.outbound.drain(..excess);
        Ok(request_id)
    }

    /// The messages of `request_id` (all without one), each moved one status on.
    pub fn poll_whatsapp(&mut self, request_id: Option<&str>) -> Vec<OutboundMessage> {
        let mut out = Vec::new();
        for m in &mut self.outbound {
            if request_id.is_some_and(|r| r != m.request_id) {
                continue;
            }
            out.push(m.clone());
            m.status = match m.status {
                "Accepted" => "Sent",
                "Sent" | "Delivered" => "Delivered",
                other => other,
            };
        }
        out
    }
}

/// `POST /v2/outbound-messages/whatsapp`: `{request_id, request_process_time, link}`.
pub async fn send(State(f): F, FreshchatJson(body): FreshchatJson) -> Reply {
    let created_on = f.now().unix_timestamp();
    let templates = f.settings().whatsapp_templates.clone();
    let id = f.store().send_whatsapp(&body, &templates, created_on)?;
    let status =
        StatusCode::from_u16(f.settings().outbound_send_status).unwrap_or(StatusCode::ACCEPTED);
    Ok(json_response(
        status,
        &json!({
            "request_id": id,
            "request_process_time": "1",
            "link": {"rel": "outbound_messages", "href": format!("/outbound-messages?request_id={id}"), "type": "GET"},
        }),
    ))
}

/// `GET /v2/outbound-messages?request_id=`: paged like every list.
pub async fn list(State(f): F, uri: OriginalUri, RawQuery(raw): RawQuery) -> Reply {
    let q = query(raw.as_deref());
    let request = q
        .iter()
        .find(|(k, _)| k == "request_id")
        .map(|(_, v)| v.clone());
    let items: Vec<Value> = f
        .store()
        .poll_whatsapp(request.as_deref())
        .iter()
        .filter_map(|m| serde_json::to_value(m).ok())
        .collect();
    page_of(&f, items, "outbound_messages", &q, uri.path())
}
