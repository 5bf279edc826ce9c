//! Suspended tickets: mail Zendesk held back instead of making a ticket of it
//! [DOC: Suspended Tickets]. The API only reads, recovers and deletes them;
//! they arrive by email, which the fake plays with its `suspend` action or the
//! config's `seed_records`.

use crate::vendors::zendesk::accounts::Account;

use axum::extract::RawQuery;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, put};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::engine::{self, Who};
use super::listing::Query;
use super::routes::{Peer, Reply, Routes, Z, ok, require_staff, who};
use super::spec::{Ops, Record, Spec, Write, merge, require_text};
use crate::vendors::zendesk::error::{IdParam, ZendeskError};
use crate::vendors::zendesk::extract::{BaseUrl, Caller};
use crate::vendors::zendesk::store::{Actor, Store};
use crate::vendors::zendesk::wire::{RequesterInput, TicketInput};

/// The resources of this file.
pub const SPECS: &[&Spec] = &[&SUSPENDED_TICKETS];

/// `/api/v2/suspended_tickets` \[DOC\]: listed (cursor pages; `sort_by`
/// `cause`, `created_at`, `subject`), shown and deleted through the engine.
pub static SUSPENDED_TICKETS: Spec = Spec {
    ops: Ops {
        list: true,
        show: true,
        destroy: true,
        ..Ops::READ
    },
    sort_keys: &[
        ("created_at", "created_at"),
        ("cause", "cause"),
        ("subject", "subject"),
        ("id", "id"),
    ],
    seeded: true,
    label: "subject",
    ..Spec::new(
        "suspended_tickets",
        "suspended_ticket",
        "/api/v2/suspended_tickets",
        build_suspended,
    )
};

/// Causes Zendesk names, with their ids (DOC lists the causes; the two ids
/// here are the documented examples', others are null unless given).
fn cause_id(cause: &str) -> Value {
    match cause {
        "Detected as spam" => json!(0),
        "Automated response mail" => json!(1),
        _ => Value::Null,
    }
}

fn build_suspended(_: &Store, w: &Write<'_>) -> Result<Record, ZendeskError> {
    let defaults = json!({
        "author": null, "subject": null, "content": null, "cause": "Detected as spam",
        "cause_id": null, "message_id": null, "ticket_id": null, "recipient": null,
        "brand_id": null, "attachments": [], "error_messages": null,
        "via": {"channel": "email", "source": {"from": {}, "to": {}, "rel": null}},
    });
    let mut rec = merge(
        defaults,
        w,
        &["author", "subject", "content", "cause", "cause_id", "message_id", "recipient", "brand_id"],
    );
    require_text(&rec, "content", "Content")?;
    let author = rec.get("author").cloned().unwrap_or(Value::Null);
    let email = author.get("email").and_then(Value::as_str).unwrap_or_default();
    if !email.contains('@') {
        return Err(ZendeskError::invalid(
            "author",
            "Author: needs an email",
            "InvalidValue",
        ));
    }
    let name = author.get("name").and_then(Value::as_str).unwrap_or(email);
    rec.insert(
        "author".to_owned(),
        json!({"id": author.get("id").cloned().unwrap_or(Value::Null), "name": name, "email": email}),
    );
    if rec["cause_id"].is_null() {
        let id = cause_id(rec["cause"].as_str().unwrap_or_default());
        rec.insert("cause_id".to_owned(), id);
    }
    Ok(rec)
}

/// The routes of this file.
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/suspended_tickets/{id}/recover",
        &["PUT"],
        put(recover_one),
    )
    .add(
        "/api/v2/suspended_tickets/recover_many",
        &["PUT"],
        put(recover_many),
    )
    .add(
        "/api/v2/suspended_tickets/destroy_many",
        &["DELETE"],
        delete(destroy_many),
    )
}

/// Makes a ticket of a suspended one and takes it off the list; `requester`
/// is the ticket's requester (the author, or the recovering agent). The record
/// returned carries the new ticket's id in `ticket_id`.
fn recover(
    store: &mut Store,
    by: &Who,
    id: u64,
    requester: Option<u64>,
    now: OffsetDateTime,
) -> Result<Record, ZendeskError> {
    let mut rec = engine::find(&SUSPENDED_TICKETS, store, id)?;
    let author = &rec["author"];
    let input = TicketInput {
        subject: rec["subject"].as_str().map(str::to_owned),
        comment: Some(crate::vendors::zendesk::wire::CommentInput {
            body: rec["content"].as_str().map(str::to_owned),
            ..Default::default()
        }),
        requester_id: requester,
        requester: requester.is_none().then(|| RequesterInput {
            name: author["name"].as_str().map(str::to_owned),
            email: author["email"].as_str().map(str::to_owned),
            ..Default::default()
        }),
        ..TicketInput::default()
    };
    let actor = Actor {
        user_id: by.user_id,
        client: None,
        ip_address: by.ip_address.clone(),
        channel: "email",
    };
    let (ticket, _) = store.create_ticket(&actor, input, now)?;
    store.records.remove(SUSPENDED_TICKETS.table, id);
    rec.insert("ticket_id".to_owned(), json!(ticket));
    Ok(rec)
}

/// `PUT /suspended_tickets/{id}/recover` \[DOC\]: the ticket's requester is the
/// recovering agent ("so the ticket is not suspended again"); the answer is the
/// documented `{"ticket": [record]}`.
async fn recover_one(
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    IdParam(id): IdParam,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let now = z.now();
    let rec = {
        let mut store = z.store();
        require_staff(&store, caller)?;
        recover(&mut store, &who(caller, peer), id, Some(caller.0), now)?
    };
    z.fire_triggers();
    let shown = engine::render(&SUSPENDED_TICKETS, &base, &rec);
    Ok(ok(&json!({ "ticket": [shown] })))
}

/// `ids=`, read as every `ids=` is (at most 100, a bad id a 400); none is a 400.
fn ids_of(q: &Query) -> Result<Vec<u64>, ZendeskError> {
    q.ids("ids")?.filter(|ids| !ids.is_empty()).ok_or_else(|| {
        ZendeskError::BadRequest("param is missing or the value is empty: ids".to_owned())
    })
}

/// `PUT /suspended_tickets/recover_many?ids=` \[DOC\]: at most 100; each ticket
/// keeps its author as requester; `{"tickets": [...]}` lists every one asked
/// for that exists, recovered or not ("suspended tickets that fail to be
/// recovered are still included").
async fn recover_many(
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    RawQuery(q): RawQuery,
    BaseUrl(base): BaseUrl,
) -> Reply {
    let ids = ids_of(&Query::parse(q.as_deref()))?;
    let now = z.now();
    let shown: Vec<Value> = {
        let mut store = z.store();
        require_staff(&store, caller)?;
        let by = who(caller, peer);
        ids.iter()
            .filter_map(|&id| {
                let kept = engine::find(&SUSPENDED_TICKETS, &store, id).ok()?;
                let rec = recover(&mut store, &by, id, None, now).unwrap_or(kept);
                Some(engine::render(&SUSPENDED_TICKETS, &base, &rec))
            })
            .collect()
    };
    z.fire_triggers();
    Ok(ok(&json!({ "tickets": shown })))
}

/// `DELETE /suspended_tickets/destroy_many?ids=` \[DOC\]: 204; unknown ids are
/// passed over.
async fn destroy_many(Account(z): Z, caller: Caller, peer: Peer, RawQuery(q): RawQuery) -> Reply {
    let ids = ids_of(&Query::parse(q.as_deref()))?;
    let now = z.now();
    let mut store = z.store();
    require_staff(&store, caller)?;
    let by = who(caller, peer);
    for id in ids {
        let _ = engine::destroy(&SUSPENDED_TICKETS, &mut store, &by, id, now);
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The `suspend` action: mail Zendesk suspends as it arrives, `{"suspended_ticket":
/// {subject, content, author: {name, email}, cause, recipient}}`; 201 with the record.
pub fn suspend(
    store: &mut Store,
    input: &Value,
    now: OffsetDateTime,
) -> Result<Record, ZendeskError> {
    let by = Who {
        user_id: 0,
        ip_address: "127.0.0.1".to_owned(),
    };
    let id = engine::create(&SUSPENDED_TICKETS, store, &by, input, now)?;
    engine::find(&SUSPENDED_TICKETS, store, id)
}
