//! Uploaded files and the attachments they become, kept in memory up to a byte
//! budget, oldest dropped first. Plain data; the upload routes live with the
//! declared resources.

use std::collections::{BTreeMap, VecDeque};

use axum::body::Bytes;
use serde_json::Value;

/// Most bytes of uploaded files kept at once.
const BUDGET: usize = 64 * 1024 * 1024;

/// One stored file.
#[derive(Debug, Clone)]
pub struct File {
    /// The attachment the file belongs to.
    pub attachment_id: u64,
    /// Its file name.
    pub name: String,
    /// Its content type.
    pub content_type: String,
    /// Its content.
    pub bytes: Bytes,
}

/// Uploads by token, their attachments, and the files behind them.
#[derive(Debug, Clone, Default)]
pub struct Uploads {
    /// Upload token → attachment ids not yet attached to a comment.
    pub pending: BTreeMap<String, Vec<u64>>,
    /// Attachment id → its object (without the host).
    pub attachments: BTreeMap<u64, Value>,
    /// Content token → file.
    pub files: BTreeMap<String, File>,
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

    /// Keeps a file under `token` outside any upload (Help Center article
    /// attachments), within the same byte budget.
    pub fn keep_file(&mut self, token: String, name: String, content_type: String, bytes: Bytes) {
        let file = File {
            attachment_id: 0,
            name,
            content_type,
            bytes,
        };
        self.keep(token, file);
    }

    /// Adds a file to an upload; returns every attachment of the upload.
    pub fn add(
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

    /// Redacts an attachment: its file becomes an empty `redacted.txt` (UNVERIFIED
    /// name), wherever the attachment object is shown. Returns the object.
    pub fn redact(&mut self, attachment_id: u64) -> Option<Value> {
        let a = self.attachments.get_mut(&attachment_id)?;
        redacted(a);
        let shown = a.clone();
        for f in self.files.values_mut().filter(|f| f.attachment_id == attachment_id) {
            self.bytes -= f.bytes.len();
            f.bytes = Bytes::new();
            f.name = REDACTED_NAME.to_owned();
            f.content_type = "text/plain".to_owned();
        }
        Some(shown)
    }
}

/// The name a redacted attachment's file takes (reference 4.4, UNVERIFIED).
const REDACTED_NAME: &str = "redacted.txt";

/// An attachment object as it reads once redacted.
pub fn redacted(a: &mut Value) {
    a["file_name"] = Value::String(REDACTED_NAME.to_owned());
    a["content_type"] = Value::String("text/plain".to_owned());
    a["size"] = Value::from(0);
    a["thumbnails"] = Value::Array(Vec::new());
}
