//! What rule editors read about macros: the actions a macro may take
//! (`/macros/actions`, `/macros/definitions`, see
//! [`crate::vendors::zendesk::rule_definitions`]) and a macro replica
//! (`/macros/new?macro_id=` or `?ticket_id=` \[DOC\]: an unpersisted macro
//! derived from a macro or a ticket).

use axum::extract::RawQuery;
use axum::routing::get;
use serde_json::{Value, json};

use super::engine;
use super::listing::Query;
use super::routes::{Reply, Routes, Z, ok};
use super::rules::MACROS;
use crate::vendors::zendesk::accounts::Account;
use crate::vendors::zendesk::error::ZendeskError;
use crate::vendors::zendesk::rule_definitions::{Choices, macro_actions, macro_definitions};
use crate::vendors::zendesk::store::Ticket;

/// Routes of the macro editor's lists and the macro replica.
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/macros/actions",
        &["GET"],
        get(|Account(z): Z| async move {
            Ok::<_, ZendeskError>(ok(&macro_actions(&Choices::of(&z.store_read()))))
        }),
    )
    .add(
        "/api/v2/macros/definitions",
        &["GET"],
        get(|Account(z): Z| async move {
            Ok::<_, ZendeskError>(ok(&macro_definitions(&Choices::of(&z.store_read()))))
        }),
    )
    .add("/api/v2/macros/new", &["GET"], get(replica))
}

/// `GET /macros/new` \[DOC\]: `macro_id` wins over `ticket_id`. From a macro, its
/// `actions`, `active`, `description`, `id`, `position`, `restriction` and `title`
/// (the DOC example's keys); from a ticket, an active untitled macro whose actions
/// set the ticket's status, priority, type, group, assignee and tags
/// \[UNVERIFIED\]. Neither is a 400 (text UNVERIFIED); an unknown id a 404.
async fn replica(Account(z): Z, RawQuery(q): RawQuery) -> Reply {
    let q = Query::parse(q.as_deref());
    let id = |key: &str| -> Result<Option<u64>, ZendeskError> {
        q.get(key)
            .map(|v| v.parse().map_err(|_| ZendeskError::RecordNotFound))
            .transpose()
    };
    let store = z.store_read();
    let replica = match (id("macro_id")?, id("ticket_id")?) {
        (Some(macro_id), _) => {
            let m = engine::find(&MACROS, &store, macro_id)?;
            let keys = ["actions", "active", "description", "id", "position", "restriction", "title"];
            Value::Object(
                keys.iter()
                    .map(|k| ((*k).to_owned(), m.get(*k).cloned().unwrap_or(Value::Null)))
                    .collect(),
            )
        }
        (None, Some(ticket_id)) => from_ticket(store.ticket(ticket_id)?),
        (None, None) => {
            return Err(ZendeskError::BadRequest(
                "macro_id or ticket_id is required".to_owned(),
            ));
        }
    };
    Ok(ok(&json!({ "macro": replica })))
}

/// A macro that would set a ticket's fields as they are now.
fn from_ticket(t: &Ticket) -> Value {
    let mut actions = vec![json!({"field": "status", "value": t.status.as_str()})];
    let optional = [
        ("priority", t.priority.map(|p| json!(p.as_str()))),
        ("type", t.kind.map(|k| json!(k.as_str()))),
        ("group_id", t.group_id.map(|g| json!(g))),
        ("assignee_id", t.assignee_id.map(|a| json!(a))),
    ];
    actions.extend(
        optional
            .into_iter()
            .filter_map(|(field, v)| v.map(|v| json!({"field": field, "value": v}))),
    );
    if !t.tags.is_empty() {
        actions.push(json!({"field": "set_tags", "value": t.tags.join(" ")}));
    }
    json!({
        "actions": actions,
        "active": true,
        "description": null,
        "restriction": null,
        "title": "",
    })
}
