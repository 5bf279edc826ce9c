//! Uploads and attachments (rules-metrics reference section 4):
//! `POST /api/v2/uploads?filename=` takes the raw file and answers a token; a
//! comment's `uploads` attaches it; `content_url` is served by the fake itself.
//! Files are kept in memory up to a byte budget, oldest dropped first.

use crate::vendors::zendesk::accounts::Account;
use std::collections::{BTreeMap, VecDeque};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::listing::Query;
use super::routes::{Reply, Routes, Z, ok};
use super::ts;
use crate::vendors::zendesk::error::{IdParam, KeyParam, ZendeskError};
use crate::vendors::zendesk::extract::BaseUrl;
use crate::vendors::zendesk::wire::json_response;

/// Most bytes of uploaded files kept at once.
const BUDGET: usize = 64 * 1024 * 1024;

/// One stored file.
#[derive(Debug, Clone)]
struct File {
    attachment_id: u64,
    name: String,
    content_type: String,
    bytes: Bytes,
}

/// Uploads by token, their attachments, and the files behind them.
#[derive(Debug, Clone, Default)]
pub struct Uploads {
    /// Upload token → attachment ids not yet attached to a comment.
    pending: BTreeMap<String, Vec<u64>>,
    /// Attachment id → its object (without the host).
    attachments: BTreeMap<u64, Value>,
    /// Content token → file.
    files: BTreeMap<String, File>,
    order: VecDeque<String>,
    bytes: usize,
}

impl Uploads {
    fn keep(&mut self, token: String, file: File) {
        self.bytes += file.bytes.len();
        self.files.insert(token.clone(), file);
        self.order.push_back(token);
        while self.bytes > BUDGET {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(f) = self.files.remove(&old) {
                self.bytes -= f.bytes.len();
                self.attachments.remove(&f.attachment_id);
            }
        }
    }

    /// Adds a file to an upload; returns every attachment of the upload.
    fn add(
        &mut self,
        upload: &str,
        content_token: String,
        attachment: Value,
        file: File,
    ) -> Vec<Value> {
        let id = file.attachment_id;
        self.attachments.insert(id, attachment);
        self.pending.entry(upload.to_owned()).or_default().push(id);
        self.keep(content_token, file);
        self.pending[upload]
            .iter()
            .filter_map(|a| self.attachments.get(a).cloned())
            .collect()
    }

    /// Takes the attachments of these upload tokens (each token is used once),
    /// as a comment's attachments. Their URLs name the host the file was uploaded
    /// to, so the client can fetch them from the fake.
    pub fn attach(&mut self, tokens: &[String]) -> Vec<Value> {
        tokens
            .iter()
            .filter_map(|t| self.pending.remove(t))
            .flatten()
            .filter_map(|id| self.attachments.get(&id).cloned())
            .collect()
    }
}

fn with_host(a: &Value, base: &str) -> Value {
    let mut a = a.clone();
    for k in ["url", "content_url", "mapped_content_url"] {
        if let Some(path) = a[k].as_str() {
            a[k] = json!(format!("{base}{path}"));
        }
    }
    a
}

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add("/api/v2/uploads", &["POST"], post(upload))
        .add(
            "/api/v2/uploads/{token}",
            &["DELETE"],
            axum::routing::delete(delete_upload),
        )
        .add("/api/v2/attachments/{id}", &["GET"], get(show_attachment))
        .add("/attachments/token/{token}", &["GET"], get(content))
        .add("/attachments/token/{token}/", &["GET"], get(content))
}

/// An attachment object [CAPTURE zenpy TestAttachmentUpload], with paths for URLs.
fn attachment(id: u64, content_token: &str, name: &str, content_type: &str, size: usize) -> Value {
    let escaped: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let link = format!("/attachments/token/{content_token}/?name={escaped}");
    json!({
        "url": format!("/api/v2/attachments/{id}.json"), "id": id, "file_name": name,
        "content_url": link, "mapped_content_url": link, "content_type": content_type, "size": size,
        "width": null, "height": null, "inline": false, "deleted": false,
        "malware_access_override": false, "malware_scan_result": "not_scanned", "thumbnails": [],
    })
}

fn token(store: &mut crate::vendors::zendesk::store::Store) -> String {
    // 25 alphanumeric characters [CAPTURE].
    let mut s = String::new();
    while s.len() < 25 {
        let n = store.next_id();
        s.push_str(&format!("{:x}", n.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
    }
    s.truncate(25);
    s
}

async fn upload(
    Account(z): Z,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let q = Query::parse(q.as_deref());
    let name = q
        .get("filename")
        .filter(|f| !f.is_empty())
        .ok_or_else(|| {
            ZendeskError::BadRequest("param is missing or the value is empty: filename".to_owned())
        })?
        .to_owned();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/binary")
        .to_owned();
    let now = z.now();
    let mut store = z.store();
    let upload_token = match q.get("token") {
        Some(t) if store.records.uploads.pending.contains_key(t) => t.to_owned(),
        _ => token(&mut store),
    };
    let content_token = token(&mut store);
    let id = store.next_id();
    let attachment = attachment(id, &content_token, &name, &content_type, body.len());
    let file = File {
        attachment_id: id,
        name,
        content_type,
        bytes: body,
    };
    let all = store.records.uploads.add(
        &upload_token,
        content_token,
        with_host(&attachment, &base),
        file,
    );
    let expires = now + time::Duration::days(3);
    let mut res = json_response(
        StatusCode::CREATED,
        &json!({"upload": {
            "token": upload_token, "expires_at": ts(expires),
            "attachment": all.last(), "attachments": all,
        }}),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("{base}/api/v2/attachments/{id}.json")) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

async fn delete_upload(Account(z): Z, KeyParam(token): KeyParam) -> Reply {
    let mut store = z.store();
    store
        .records
        .uploads
        .pending
        .remove(&token)
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn show_attachment(Account(z): Z, IdParam(id): IdParam) -> Reply {
    let store = z.store_read();
    let a = store
        .records
        .uploads
        .attachments
        .get(&id)
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(ok(&json!({"attachment": a})))
}

async fn content(Account(z): Z, Path(token): Path<String>) -> Response {
    let store = z.store_read();
    let Some(f) = store.records.uploads.files.get(&token) else {
        return ZendeskError::RecordNotFound.into_response();
    };
    let mut res = Response::new(axum::body::Body::from(f.bytes.clone()));
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&f.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        f.name.replace('"', "")
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
