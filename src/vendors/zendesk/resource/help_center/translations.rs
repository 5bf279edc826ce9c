//! Article translations (rules-metrics-helpcenter reference 9.3): listed and
//! created under their article, shown and updated by locale. The source-locale
//! translation and its article share title and body.

use axum::extract::RawQuery;
use axum::routing::get;
use serde_json::json;

use super::envelope;
use super::require_ref;
use crate::vendors::zendesk::BaseUrl;
use crate::vendors::zendesk::Caller;
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::{ZendeskError, ZendeskJson};
use crate::vendors::zendesk::resource::listing::Query;
use crate::vendors::zendesk::resource::routes::{
    Ids, Peer, Reply, Routes, Z, may_change, ok, root, who,
};
use crate::vendors::zendesk::resource::{
    Ops, Parent, Record, Spec, Write, engine, merge, require_text,
};
use crate::vendors::zendesk::store::Store;

const HC: &str = "/api/v2/help_center";

/// `/api/v2/help_center/articles/{article_id}/translations` [SDK zenpy spec]:
/// listed and created here; shown and updated by locale.
pub static TRANSLATIONS: Spec = Spec {
    ops: Ops {
        show: false,
        update: false,
        destroy: false,
        ..Ops::CRUD
    },
    scope: Some(Parent {
        path: "/api/v2/help_center/articles/{article_id}/translations",
        field: "source_id",
        table: "articles",
        create: true,
    }),
    filters: &["locale"],
    url: Some(|b, r| {
        format!(
            "{b}{HC}/articles/{}/translations/{}.json",
            r["source_id"],
            r["locale"].as_str().unwrap_or_default()
        )
    }),
    envelope: Some(envelope),
    after_write: Some(translation_written),
    label: "title",
    ..Spec::new(
        "translations",
        "translation",
        "/api/v2/help_center/articles/{article_id}/translations",
        build_translation,
    )
};

fn build_translation(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({"source_id": null, "source_type": "Article", "locale": null, "title": null, "body": "", "outdated": false, "draft": false, "hidden": false});
    let mut rec = merge(
        defaults,
        w,
        &["source_id", "locale", "title", "body", "draft", "outdated"],
    );
    let article = require_ref(store, &rec, "source_id", "articles", "Article")?;
    let locale = require_text(&rec, "locale", "Locale")?.to_ascii_lowercase();
    require_text(&rec, "title", "Title")?;
    let taken = store.records.all("translations").any(|t| {
        t["id"].as_u64() != Some(w.id)
            && t["source_id"].as_u64() == Some(article)
            && t["locale"].as_str() == Some(locale.as_str())
    });
    if taken {
        return Err(ZendeskError::invalid(
            "locale",
            format!("Locale: {locale} has already been taken"),
            "DuplicateValue",
        ));
    }
    rec.insert("source_id".to_owned(), json!(article));
    rec.insert("locale".to_owned(), json!(locale));
    rec.insert("updated_by_id".to_owned(), json!(w.actor));
    if w.old.is_none() {
        rec.insert("created_by_id".to_owned(), json!(w.actor));
    }
    let html = format!(
        "https://{}.zendesk.com/hc/{locale}/articles/{article}",
        store.settings().subdomain
    );
    rec.insert("html_url".to_owned(), json!(html));
    Ok(rec)
}

/// The source-locale translation's title and body are the article's.
fn translation_written(store: &mut Store, id: u64) {
    let Some(t) = store.records.get("translations", id).cloned() else {
        return;
    };
    let Some(aid) = t["source_id"].as_u64() else {
        return;
    };
    let Some(mut a) = store.records.get("articles", aid).cloned() else {
        return;
    };
    if a["source_locale"] != t["locale"] {
        return;
    }
    for (ak, tk) in [
        ("title", "title"),
        ("name", "title"),
        ("body", "body"),
        ("updated_at", "updated_at"),
        ("edited_at", "updated_at"),
    ] {
        a.insert(ak.to_owned(), t[tk].clone());
    }
    store.records.put("articles", aid, a);
}

/// The translation of an article in a locale, or a 404.
fn by_locale(store: &Store, ids: &[u64], locale: Option<&str>) -> Result<u64, ZendeskError> {
    let article = ids.first().copied().ok_or(ZendeskError::RecordNotFound)?;
    store
        .records
        .get("articles", article)
        .ok_or(ZendeskError::RecordNotFound)?;
    store
        .records
        .all(TRANSLATIONS.table)
        .find(|t| t["source_id"].as_u64() == Some(article) && t["locale"].as_str() == locale)
        .and_then(|t| t["id"].as_u64())
        .ok_or(ZendeskError::RecordNotFound)
}

/// `GET/PUT .../articles/{article_id}/translations/{locale}` and
/// `GET .../translations/missing` \[DOC\].
pub fn routes(r: Routes) -> Routes {
    let path = "/api/v2/help_center/articles/{article_id}/translations/{locale}";
    r.add(
        "/api/v2/help_center/articles/{article_id}/translations/missing",
        &["GET"],
        get(|Account(z): Z, Ids(ids, _): Ids| async move {
            let store = z.store_read();
            let article = ids.first().copied().ok_or(ZendeskError::RecordNotFound)?;
            store.records.get("articles", article).ok_or(ZendeskError::RecordNotFound)?;
            let have: Vec<&str> = store
                .records
                .all(TRANSLATIONS.table)
                .filter(|t| t["source_id"].as_u64() == Some(article))
                .filter_map(|t| t["locale"].as_str())
                .collect();
            let missing: Vec<&str> = enabled_locales(&store)
                .into_iter()
                .filter(|l| !have.contains(l))
                .collect();
            Ok::<_, ZendeskError>(ok(&json!({"locales": missing})))
        }),
    )
    .add(
        path,
        &["GET", "PUT"],
        get(
            |Account(z): Z, Ids(ids, locale): Ids, RawQuery(q): RawQuery, BaseUrl(b): BaseUrl| async move {
                let store = z.store_read();
                let id = by_locale(&store, &ids, locale.as_deref())?;
                let q = Query::parse(q.as_deref());
                crate::vendors::zendesk::resource::listing::show(&TRANSLATIONS, &store, &b, id, &q)
                    .map(|v| ok(&v))
            },
        )
        .put(update),
    )
}

async fn update(
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    Ids(ids, locale): Ids,
    BaseUrl(base): BaseUrl,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, TRANSLATIONS.one)?;
    let now = z.now();
    let mut store = z.store();
    let id = by_locale(&store, &ids, locale.as_deref())?;
    may_change(&TRANSLATIONS, &store, caller, Some(id))?;
    engine::update(
        &TRANSLATIONS,
        &mut store,
        &who(caller, peer),
        id,
        input,
        now,
    )?;
    let rec = engine::find(&TRANSLATIONS, &store, id)?;
    Ok(ok(
        &json!({"translation": engine::render(&TRANSLATIONS, &base, &rec)}),
    ))
}

/// The help center's locales: the default and every locale in use.
fn enabled_locales(store: &Store) -> Vec<&str> {
    let mut all: Vec<&str> = vec![super::LOCALE];
    for t in store.records.all(TRANSLATIONS.table) {
        if let Some(l) = t["locale"].as_str()
            && !all.contains(&l)
        {
            all.push(l);
        }
    }
    all
}
