//! Article attachments (rules-metrics-helpcenter reference 9.3): a multipart
//! `POST /api/v2/help_center/articles/{id}/attachments` (`file`, `inline`) keeps
//! the file in the account's upload store, whose byte budget bounds memory; the
//! record's `content_url` is served by the fake at `/hc/article_attachments/...`.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::envelope;
use crate::multipart::parts;
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::resource::listing::{self, Query};
use crate::vendors::zendesk::resource::routes::{Ids, Peer, Reply, Routes, Z, may_change, ok, who};
use crate::vendors::zendesk::resource::uploads::serve;
use crate::vendors::zendesk::resource::{Ops, Parent, Record, Spec, Write, engine, merge};
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::json_response;
use crate::vendors::zendesk::{BaseUrl, Caller};

/// `/api/v2/help_center/articles/attachments/{id}` (show, delete) and
/// `/articles/{id}/attachments` (list) [DOC; SDK zenpy object].
pub static ARTICLE_ATTACHMENTS: Spec = Spec {
    ops: Ops {
        list: false,
        create: false,
        update: false,
        ..Ops::CRUD
    },
    parents: &[Parent {
        path: "/api/v2/help_center/articles/{id}/attachments",
        field: "article_id",
        table: "articles",
        create: false,
    }],
    envelope: Some(envelope),
    label: "file_name",
    ..Spec::new(
        "article_attachments",
        "article_attachment",
        "/api/v2/help_center/articles/attachments",
        build,
    )
};

/// The record of an upload: the handler passes the file's facts and the host
/// (`content_base`) its `content_url` is served on.
fn build(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let mut rec = merge(
        json!({"article_id": null, "display_file_name": null, "file_name": null, "content_type": null, "size": 0, "inline": false, "legacy": true}),
        w,
        &[
            "article_id",
            "display_file_name",
            "file_name",
            "content_type",
            "size",
            "inline",
        ],
    );
    let article = rec.get("article_id").and_then(Value::as_u64);
    if article.is_none_or(|a| store.records.get("articles", a).is_none()) {
        return Err(ZendeskError::RecordNotFound);
    }
    let name = rec["file_name"].as_str().unwrap_or_default();
    let escaped: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let relative = format!("/hc/article_attachments/{}/{escaped}", w.id);
    let host = w
        .input
        .get("content_base")
        .and_then(Value::as_str)
        .unwrap_or_default();
    rec.insert("content_url".to_owned(), json!(format!("{host}{relative}")));
    rec.insert("relative_path".to_owned(), json!(relative));
    Ok(rec)
}

fn file_token(id: u64) -> String {
    format!("hc-article-attachment-{id}")
}

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    let inline_list = |inline: bool| {
        get(
            move |Account(z): Z, Ids(ids, _): Ids, RawQuery(q): RawQuery, BaseUrl(b): BaseUrl| async move {
                let store = z.store_read();
                let article = ids.first().copied().ok_or(ZendeskError::RecordNotFound)?;
                store
                    .records
                    .get("articles", article)
                    .ok_or(ZendeskError::RecordNotFound)?;
                let records: Vec<Record> = store
                    .records
                    .all(ARTICLE_ATTACHMENTS.table)
                    .filter(|a| {
                        a["article_id"].as_u64() == Some(article) && a["inline"] == json!(inline)
                    })
                    .cloned()
                    .collect();
                let kind = if inline { "inline" } else { "block" };
                let path = format!("/api/v2/help_center/articles/{article}/attachments/{kind}");
                let q = Query::parse(q.as_deref());
                listing::page_of(&ARTICLE_ATTACHMENTS, &store, &b, &path, records, &q)
                    .map(|v| ok(&v))
            },
        )
    };
    r.add(
        "/api/v2/help_center/articles/{id}/attachments",
        &["POST"],
        post(create),
    )
    .add(
        "/api/v2/help_center/articles/{article_id}/attachments/inline",
        &["GET"],
        inline_list(true),
    )
    .add(
        "/api/v2/help_center/articles/{article_id}/attachments/block",
        &["GET"],
        inline_list(false),
    )
    .add(
        "/hc/article_attachments/{id}/{name}",
        &["GET"],
        get(
            |Account(z): Z, Path((id, _)): Path<(u64, String)>| async move {
                let store = z.store_read();
                if store.records.get(ARTICLE_ATTACHMENTS.table, id).is_none() {
                    return ZendeskError::RecordNotFound.into_response();
                }
                serve(&store.records.uploads, &file_token(id))
            },
        ),
    )
}

/// `POST .../articles/{id}/attachments`: 201 with `article_attachment`.
async fn create(
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    Ids(ids, _): Ids,
    BaseUrl(base): BaseUrl,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let bad = |d: &str| ZendeskError::BadRequest(d.to_owned());
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let parts =
        parts(content_type, &body).ok_or_else(|| bad("expected a multipart/form-data body"))?;
    let file = parts
        .iter()
        .find(|p| p.name == "file" && p.file_name.is_some())
        .ok_or_else(|| bad("param is missing or the value is empty: file"))?;
    let inline = parts
        .iter()
        .find(|p| p.name == "inline")
        .is_some_and(|p| p.body == b"true");
    let name = file.file_name.clone().unwrap_or_default();
    let mime = file
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    let bytes = Bytes::copy_from_slice(file.body);
    let now = z.now();
    let mut store = z.store();
    let article = ids.first().copied().ok_or(ZendeskError::RecordNotFound)?;
    store
        .records
        .get("articles", article)
        .ok_or(ZendeskError::RecordNotFound)?;
    may_change(&ARTICLE_ATTACHMENTS, &store, caller, None)?;
    let input = json!({"article_id": article, "display_file_name": name, "file_name": name, "content_type": mime, "size": bytes.len(), "inline": inline, "content_base": base});
    let id = engine::create(
        &ARTICLE_ATTACHMENTS,
        &mut store,
        &who(caller, peer),
        &input,
        now,
    )?;
    store
        .records
        .uploads
        .keep_file(file_token(id), name, mime, bytes);
    let rec = engine::find(&ARTICLE_ATTACHMENTS, &store, id)?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"article_attachment": engine::render(&ARTICLE_ATTACHMENTS, &base, &rec)}),
    ))
}
