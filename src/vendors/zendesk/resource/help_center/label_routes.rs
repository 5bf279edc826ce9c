//! The routes of article labels: an article's labels listed, added and removed,
//! each through the article (its `label_names`).

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use serde_json::json;

use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::{ZendeskError, ZendeskJson};
use crate::vendors::zendesk::resource::listing::{self, Query};
use crate::vendors::zendesk::resource::routes::{
    Ids, Peer, Reply, Routes, Z, may_change, ok, root, who,
};
use crate::vendors::zendesk::resource::{Record, engine, require_text};
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::json_response;
use crate::vendors::zendesk::{BaseUrl, Caller};

/// `/api/v2/help_center/articles/labels` \[DOC\]: listed, shown and deleted here;
/// created on an article.
use super::guide;
use super::labels::{LABELS, label_id, names};

/// `GET/POST /api/v2/help_center/articles/{article_id}/labels` and
/// `DELETE .../labels/{label_id}` \[DOC\].
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/help_center/articles/{article_id}/labels",
        &["GET", "POST"],
        get(
            |Account(z): Z, Ids(ids, _): Ids, RawQuery(q): RawQuery, BaseUrl(b): BaseUrl| async move {
                let store = z.store_read();
                let article = article(&store, &ids)?;
                let mine = names(&article);
                let records: Vec<Record> = store
                    .records
                    .all(LABELS.table)
                    .filter(|l| mine.iter().any(|n| Some(n.as_str()) == l["name"].as_str()))
                    .cloned()
                    .collect();
                let q = Query::parse(q.as_deref());
                let path = format!("/api/v2/help_center/articles/{}/labels", article["id"]);
                listing::page_of(&LABELS, &store, &b, &path, records, &q).map(|v| ok(&v))
            },
        )
        .post(add),
    )
    .add(
        "/api/v2/help_center/articles/{article_id}/labels/{label_id}",
        &["DELETE"],
        delete(|Account(z): Z, c: Caller, p: Peer, Ids(ids, _): Ids| async move {
            let now = z.now();
            let mut store = z.store();
            let mut a = article(&store, &ids)?;
            let label = ids.get(1).and_then(|id| store.records.get(LABELS.table, *id));
            let name = label.ok_or(ZendeskError::RecordNotFound)?["name"].clone();
            let kept: Vec<String> = names(&a).into_iter().filter(|n| Some(n.as_str()) != name.as_str()).collect();
            a.insert("label_names".to_owned(), json!(kept));
            let id = a["id"].as_u64().unwrap_or_default();
            may_change(&guide::ARTICLES, &store, c, Some(id))?;
            let input = json!({"label_names": kept});
            engine::update(&guide::ARTICLES, &mut store, &who(c, p), id, &input, now)?;
            Ok::<_, ZendeskError>(StatusCode::NO_CONTENT.into_response())
        }),
    )
}

fn article(store: &Store, ids: &[u64]) -> Result<Record, ZendeskError> {
    ids.first()
        .and_then(|id| store.records.get("articles", *id))
        .cloned()
        .ok_or(ZendeskError::RecordNotFound)
}

/// Adds a label (created if new) to an article: 201 with the label.
async fn add(
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    Ids(ids, _): Ids,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, LABELS.one)?;
    let name = input
        .as_object()
        .map(|m| require_text(m, "name", "Name"))
        .ok_or_else(|| ZendeskError::BadRequest("the record must be a JSON object".to_owned()))??;
    let now = z.now();
    let mut store = z.store();
    let a = article(&store, &ids)?;
    let id = a["id"].as_u64().unwrap_or_default();
    may_change(&guide::ARTICLES, &store, caller, Some(id))?;
    let mut all = names(&a);
    if !all.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
        all.push(name.clone());
    }
    let input = json!({"label_names": all});
    engine::update(
        &guide::ARTICLES,
        &mut store,
        &who(caller, peer),
        id,
        &input,
        now,
    )?;
    let label = label_id(&store, &name)
        .and_then(|l| store.records.get(LABELS.table, l))
        .cloned()
        .ok_or(ZendeskError::RecordNotFound)?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"label": engine::render(&LABELS, &base, &label)}),
    ))
}
