//! Macros, automations and views (rules-metrics reference section 1), with a
//! macro's preview on a ticket and a view's tickets, count and execution.

use crate::vendors::zendesk::accounts::Account;
use axum::extract::{Path, RawQuery};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::conditions::holds;
use super::engine;
use super::listing::{self, Query};
use super::routes::{Reply, Routes, Z, ok};
use super::spec::{Ops, Record, Spec, Write, merge, next_position, require_text};
use crate::vendors::zendesk::error::{IdParam, ZendeskError};
use crate::vendors::zendesk::extract::BaseUrl;
use crate::vendors::zendesk::rule_definitions::STATUS_IDS;
use crate::vendors::zendesk::store::{Store, Ticket};
use crate::vendors::zendesk::wire::TicketOut;

/// The resources of this file.
pub const SPECS: &[&Spec] = &[&MACROS, &AUTOMATIONS, &VIEWS];

const RULE_SORTS: &[(&str, &str)] = &[
    ("alphabetical", "title"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
    ("position", "position"),
    ("id", "id"),
];

/// `/api/v2/macros` [CAPTURE zenpy].
pub static MACROS: Spec = Spec {
    ops: Ops {
        destroy_many: true,
        count: false,
        ..Ops::CRUD
    },
    sort_keys: RULE_SORTS,
    default_order: "position",
    filters: &["active"],
    audited: Some("rule"),
    label: "title",
    job_name: "Macro",
    ..Spec::new("macros", "macro", "/api/v2/macros", build_macro)
};

/// `/api/v2/automations` [CAPTURE zenpy].
pub static AUTOMATIONS: Spec = Spec {
    ops: Ops {
        destroy_many: true,
        ..Ops::CRUD
    },
    sort_keys: RULE_SORTS,
    default_order: "position",
    filters: &["active"],
    audited: Some("rule"),
    label: "title",
    job_name: "Automation",
    ..Spec::new(
        "automations",
        "automation",
        "/api/v2/automations",
        build_automation,
    )
};

/// `/api/v2/views` [CAPTURE zenpy].
pub static VIEWS: Spec = Spec {
    ops: Ops {
        destroy_many: true,
        count: true,
        show_many: true,
        ..Ops::CRUD
    },
    sort_keys: RULE_SORTS,
    default_order: "position",
    filters: &["active"],
    audited: Some("rule"),
    label: "title",
    job_name: "View",
    ..Spec::new("views", "view", "/api/v2/views", build_view)
};

fn rule_base(
    store: &Store,
    plural: &str,
    w: &Write<'_>,
    extra: &[&str],
) -> Result<Record, ZendeskError> {
    let defaults = json!({"title": null, "raw_title": null, "active": true, "default": false, "position": next_position(store, plural, 10_000), "description": null});
    let mut writable = vec!["title", "active", "position", "description"];
    writable.extend_from_slice(extra);
    let mut rec = merge(defaults, w, &writable);
    let title = require_text(&rec, "title", "Title")?;
    rec.insert("raw_title".to_owned(), json!(title));
    Ok(rec)
}

/// `conditions`, from `conditions` or the top-level `all`/`any` a create may send.
fn conditions(w: &Write<'_>, old: Option<&Value>) -> Value {
    let from = w.input.get("conditions").unwrap_or(&Value::Null);
    let pick = |k: &str| {
        w.input
            .get(k)
            .or_else(|| from.get(k))
            .cloned()
            .or_else(|| old.and_then(|o| o.get(k)).cloned())
            .unwrap_or(json!([]))
    };
    json!({"all": pick("all"), "any": pick("any")})
}

fn actions(rec: &Record) -> Result<(), ZendeskError> {
    let ok = rec["actions"].as_array().is_some_and(|a| {
        !a.is_empty()
            && a.iter()
                .all(|x| x["field"].is_string() && !x["value"].is_null())
    });
    if ok {
        Ok(())
    } else {
        Err(ZendeskError::invalid(
            "actions",
            "Actions: cannot be blank",
            "BlankValue",
        ))
    }
}

fn build_macro(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let mut rec = rule_base(store, "macros", w, &["actions", "restriction"])?;
    rec.entry("restriction").or_insert(Value::Null);
    actions(&rec)?;
    Ok(rec)
}

fn build_automation(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let mut rec = rule_base(store, "automations", w, &["actions"])?;
    rec.remove("description");
    let c = conditions(w, w.old.and_then(|o| o.get("conditions")));
    // An automation needs a time-based condition (hours since a status or event).
    let timed = c["all"]
        .as_array()
        .into_iter()
        .chain(c["any"].as_array())
        .flatten()
        .any(|x| {
            x["field"].as_str().is_some_and(|f| {
                f.chars().all(|ch| ch.is_ascii_uppercase())
                    || f.ends_with("_at")
                    || f.contains("due_date")
            })
        });
    if !timed {
        return Err(ZendeskError::invalid(
            "conditions",
            "Conditions: an automation needs a time-based condition",
            "InvalidValue",
        ));
    }
    rec.insert("conditions".to_owned(), c);
    actions(&rec)?;
    Ok(rec)
}

const DEFAULT_COLUMNS: &[(&str, &str, bool, bool)] = &[
    ("subject", "Subject", false, false),
    ("requester", "Requester", true, true),
    ("created", "Requested", false, true),
    ("updated", "Updated", true, true),
    ("group", "Group", true, true),
    ("assignee", "Assignee", true, true),
];

fn build_view(store: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let mut rec = rule_base(store, "views", w, &["restriction"])?;
    rec.entry("restriction").or_insert(Value::Null);
    let c = conditions(w, w.old.and_then(|o| o.get("conditions")));
    let anchored = c["all"].as_array().is_some_and(|a| {
        a.iter().any(|x| {
            x["field"].as_str().is_some_and(|f| {
                ["status", "type", "group_id", "assignee_id", "requester_id"].contains(&f)
            })
        })
    });
    if !anchored {
        return Err(ZendeskError::invalid(
            "conditions",
            "Conditions: all must include a condition on status, type, group_id, assignee_id or requester_id",
            "InvalidValue",
        ));
    }
    rec.insert("conditions".to_owned(), c);
    if w.old.is_none() || w.input.contains_key("output") {
        let out = w.input.get("output").unwrap_or(&Value::Null);
        let columns: Vec<Value> = match out["columns"].as_array() {
            Some(ids) => ids
                .iter()
                .map(|id| json!({"id": id, "title": id, "filterable": true, "sortable": true}))
                .collect(),
            None => DEFAULT_COLUMNS
                .iter()
                .map(|(id, t, f, s)| json!({"id": id, "title": t, "filterable": f, "sortable": s}))
                .collect(),
        };
        rec.insert("execution".to_owned(), json!({
            "group_by": out["group_by"], "group_order": out["group_order"].as_str().unwrap_or("desc"),
            "sort_by": out["sort_by"], "sort_order": out["sort_order"].as_str().unwrap_or("desc"),
            "group": null, "sort": null, "columns": columns, "fields": columns, "custom_fields": [],
        }));
    }
    Ok(rec)
}

fn view_matches(view: &Record, t: &Value) -> bool {
    let c = &view["conditions"];
    let all = c["all"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|x| holds(x, t));
    let any = c["any"].as_array().is_none_or(Vec::is_empty)
        || c["any"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|x| holds(x, t));
    all && any
}

fn view_tickets(store: &Store, base: &str, view: &Record) -> Vec<Value> {
    store
        .tickets
        .values()
        .filter_map(|t| serde_json::to_value(TicketOut::new(base, t)).ok())
        .filter(|t| view_matches(view, t))
        .collect()
}

/// The rules' extra routes: macro previews, view tickets, counts and executions.
pub fn routes(r: Routes) -> Routes {
    r.add("/api/v2/macros/{id}/apply", &["GET"], get(apply_macro))
        .add(
            "/api/v2/tickets/{ticket_id}/macros/{macro_id}/apply",
            &["GET"],
            get(apply_to_ticket),
        )
        .add("/api/v2/views/{id}/tickets", &["GET"], get(tickets_of_view))
        .add("/api/v2/views/{id}/count", &["GET"], get(count_of_view))
        .add("/api/v2/views/count_many", &["GET"], get(count_views))
        .add("/api/v2/macros/categories", &["GET"], get(macro_categories))
        .add(
            "/api/v2/macros/search",
            &["GET"],
            get(|z: Z, q: RawQuery, b: BaseUrl| search(&MACROS, z, q, b)),
        )
        .add(
            "/api/v2/automations/search",
            &["GET"],
            get(|z: Z, q: RawQuery, b: BaseUrl| search(&AUTOMATIONS, z, q, b)),
        )
        .add(
            "/api/v2/views/search",
            &["GET"],
            get(|z: Z, q: RawQuery, b: BaseUrl| search(&VIEWS, z, q, b)),
        )
        .add("/api/v2/views/{id}/execute", &["GET"], get(execute_view))
        .add(
            "/api/v2/macros/active",
            &["GET"],
            get(|z: Z, q: RawQuery, b: BaseUrl| active(&MACROS, z, q, b)),
        )
        .add(
            "/api/v2/automations/active",
            &["GET"],
            get(|z: Z, q: RawQuery, b: BaseUrl| active(&AUTOMATIONS, z, q, b)),
        )
        .add(
            "/api/v2/views/active",
            &["GET"],
            get(|z: Z, q: RawQuery, b: BaseUrl| active(&VIEWS, z, q, b)),
        )
}

/// `GET /api/v2/{macros,automations,views}/search?query=` [DOC: Search Macros,
/// Search Automations, Search Views]: the rules whose title contains the query
/// (any case), optionally only `active=true|false` ones, offset-paged like their
/// lists; no query is a 400 (text UNVERIFIED).
async fn search(
    spec: &'static Spec,
    Account(z): Z,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let q = Query::parse(q.as_deref());
    let wanted = rule_search(&q)?;
    let store = z.store_read();
    let found = engine::records(spec, &store)
        .into_iter()
        .filter(|r| {
            wanted(
                r["title"].as_str().unwrap_or_default(),
                r["active"].as_bool(),
            )
        })
        .collect();
    let path = format!("{}/search", spec.path);
    listing::page_of(spec, &store, &base, &path, found, &q).map(|v| ok(&v))
}

/// What a rules search keeps, from its `query` (required) and `active`
/// parameters: a test of a rule's title and whether it is active.
pub fn rule_search(q: &Query) -> Result<impl Fn(&str, Option<bool>) -> bool + use<>, ZendeskError> {
    let query = q
        .get("query")
        .map(|v| v.trim().to_lowercase())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ZendeskError::BadRequest("param is missing or the value is empty: query".to_owned())
        })?;
    let active = q.get("active").and_then(|a| a.parse::<bool>().ok());
    Ok(move |title: &str, is_active: Option<bool>| {
        title.to_lowercase().contains(&query) && active.is_none_or(|a| is_active == Some(a))
    })
}

async fn active(
    spec: &'static Spec,
    Account(z): Z,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let store = z.store_read();
    let recs = engine::records(spec, &store)
        .into_iter()
        .filter(|r| r["active"] == json!(true))
        .collect();
    let path = format!("{}/active", spec.path);
    listing::page_of(
        spec,
        &store,
        &base,
        &path,
        recs,
        &Query::parse(q.as_deref()),
    )
    .map(|v| ok(&v))
}

/// The ticket fields a macro's actions change, as `result.ticket` shows them.
fn macro_changes(m: &Record, current_tags: &[String]) -> Map<String, Value> {
    let mut t = Map::new();
    let mut tags: Vec<String> = current_tags.to_vec();
    let mut comment = Map::new();
    for a in m["actions"].as_array().into_iter().flatten() {
        let field = a["field"].as_str().unwrap_or_default();
        let text = a["value"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| a["value"].to_string());
        let words = || {
            text.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        match field {
            "status" => {
                let status = STATUS_IDS.iter().find(|(id, _)| *id == text);
                let name = status.map_or(text.as_str(), |(_, s)| s.as_str());
                t.insert(field.to_owned(), json!(name));
            }
            "priority" | "type" | "subject" => {
                t.insert(field.to_owned(), json!(text));
            }
            "assignee_id" | "group_id" => {
                t.insert(
                    field.to_owned(),
                    text.parse::<u64>().map_or(json!(text), |n| json!(n)),
                );
            }
            "set_tags" => {
                tags = words();
                t.insert("tags".to_owned(), json!(tags));
            }
            "current_tags" => {
                tags.extend(words());
                tags.dedup();
                t.insert("tags".to_owned(), json!(tags));
            }
            "remove_tags" => {
                let rm = words();
                tags.retain(|x| !rm.contains(x));
                t.insert("tags".to_owned(), json!(tags));
            }
            "comment_value" | "comment_value_html" => {
                comment.insert("body".to_owned(), json!(text));
                comment.insert("scoped_body".to_owned(), json!([["channel:all", text]]));
            }
            "comment_mode_is_public" => {
                comment.insert("public".to_owned(), json!(text == "true"));
            }
            _ => {}
        }
    }
    if !comment.is_empty() {
        t.insert("comment".to_owned(), Value::Object(comment));
    }
    t
}

async fn apply_macro(Account(z): Z, IdParam(id): IdParam) -> Reply {
    let store = z.store_read();
    let m = engine::find(&MACROS, &store, id)?;
    Ok(ok(&json!({"result": {"ticket": macro_changes(&m, &[])}})))
}

fn path_ids(raw: &[(String, String)]) -> Result<Vec<u64>, ZendeskError> {
    raw.iter()
        .map(|(_, v)| {
            v.strip_suffix(".json")
                .unwrap_or(v)
                .parse()
                .map_err(|_| ZendeskError::RecordNotFound)
        })
        .collect()
}

async fn apply_to_ticket(
    Account(z): Z,
    Path(raw): Path<Vec<(String, String)>>,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let ids = path_ids(&raw)?;
    let (ticket_id, macro_id) = (ids[0], ids[1]);
    let store = z.store_read();
    let ticket: &Ticket = store.ticket(ticket_id)?;
    let m = engine::find(&MACROS, &store, macro_id)?;
    let mut shown = serde_json::to_value(TicketOut::new(&base, ticket)).unwrap_or(Value::Null);
    for (k, v) in macro_changes(&m, &ticket.tags) {
        shown[k] = v;
    }
    Ok(ok(&json!({"result": {"ticket": shown}})))
}

async fn tickets_of_view(
    Account(z): Z,
    IdParam(id): IdParam,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let store = z.store_read();
    let view = engine::find(&VIEWS, &store, id)?;
    let items: Vec<(u64, Value)> = view_tickets(&store, &base, &view)
        .into_iter()
        .map(|t| (t["id"].as_u64().unwrap_or_default(), t))
        .collect();
    let q = Query::parse(q.as_deref());
    let path = format!("/api/v2/views/{id}/tickets");
    let mut page =
        crate::vendors::zendesk::page::list("tickets", &path, "nice_id", &items, &q.0, &base, &[])?;
    super::sideload::attach(
        &store,
        &base,
        super::sideload::TICKETS,
        "tickets",
        &q,
        &mut page,
    );
    Ok(ok(&page))
}

async fn count_of_view(Account(z): Z, IdParam(id): IdParam, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let view = engine::find(&VIEWS, &store, id)?;
    Ok(ok(
        &json!({"view_count": view_count(&store, &base, id, &view)}),
    ))
}

/// A view's count: `{view_id, url, value, pretty, fresh}` [DOC: Views].
fn view_count(store: &Store, base: &str, id: u64, view: &Record) -> Value {
    let n = view_tickets(store, base, view).len();
    let url = format!("{base}/api/v2/views/{id}/count.json");
    json!({"url": url, "view_id": id, "value": n, "pretty": n.to_string(), "fresh": true})
}

/// The most views `count_many` counts at once \[DOC\].
const MAX_COUNTED_VIEWS: usize = 20;

/// `GET /api/v2/views/count_many?ids=1,2` \[DOC\]: `{"view_counts": [...]}` for the
/// views found, in the order asked (ids required, at most 20; texts UNVERIFIED).
async fn count_views(Account(z): Z, RawQuery(q): RawQuery, BaseUrl(base): BaseUrl) -> Reply {
    let q = Query::parse(q.as_deref());
    let ids = q.ids("ids")?.filter(|ids| !ids.is_empty()).ok_or_else(|| {
        ZendeskError::BadRequest("param is missing or the value is empty: ids".to_owned())
    })?;
    if ids.len() > MAX_COUNTED_VIEWS {
        return Err(ZendeskError::BadRequest(format!(
            "Too many ids: at most {MAX_COUNTED_VIEWS} views can be counted at once"
        )));
    }
    let store = z.store_read();
    let counts: Vec<Value> = ids
        .iter()
        .filter_map(|id| {
            Some(view_count(
                &store,
                &base,
                *id,
                &engine::find(&VIEWS, &store, *id).ok()?,
            ))
        })
        .collect();
    Ok(ok(&json!({"view_counts": counts})))
}

/// `GET /api/v2/macros/categories` \[DOC\]: the distinct first parts of the
/// macros' titles before `::` (Zendesk's category separator), sorted (UNVERIFIED
/// order), as `{"categories": [...]}` strings.
async fn macro_categories(Account(z): Z) -> Reply {
    let store = z.store_read();
    let mut categories: Vec<String> = engine::records(&MACROS, &store)
        .iter()
        .filter_map(|m| {
            m["title"]
                .as_str()?
                .split_once("::")
                .map(|(c, _)| c.trim().to_owned())
        })
        .filter(|c| !c.is_empty())
        .collect();
    categories.sort();
    categories.dedup();
    Ok(ok(&json!({"categories": categories})))
}

async fn execute_view(Account(z): Z, IdParam(id): IdParam, BaseUrl(base): BaseUrl) -> Reply {
    let store = z.store_read();
    let view = engine::find(&VIEWS, &store, id)?;
    let tickets = view_tickets(&store, &base, &view);
    let columns = view["execution"]["columns"].clone();
    let rows: Vec<Value> = tickets
        .iter()
        .map(|t| json!({
            "ticket": {"id": t["id"], "subject": t["subject"], "description": t["description"], "status": t["status"], "type": t["type"], "priority": t["priority"], "url": t["url"]},
            "ticket_id": t["id"], "subject": t["subject"], "requester_id": t["requester_id"],
            "created": t["created_at"], "updated": t["updated_at"], "group_id": t["group_id"],
            "assignee_id": t["assignee_id"],
        }))
        .collect();
    let n = rows.len();
    Ok(ok(
        &json!({"view": engine::render(&VIEWS, &base, &view), "rows": rows, "columns": columns, "groups": [], "next_page": null, "previous_page": null, "count": n}),
    ))
}
