//! `/rules`, `/attendance-queues`, `/replies` and
//! `/attendance-history/send-by-email`: the Desk's setup, kept as sent.

use serde_json::{Map, Value, json};

use super::{QUEUE_TYPE, REPLY_TYPE, RULE_TYPE};
use crate::vendors::blip::book::desk::{Desk, ReplyCategory, queue_id};
use crate::vendors::blip::book::{Shelf, log};
use crate::vendors::blip::call::{
    Call, Outcome, collection, document, invalid, not_found, opt_str, paged, req_str,
};
use crate::vendors::blip::wire::COLLECTION_TYPE;

fn sorted(mut items: Vec<Value>, ascending: bool, key: &str) -> Vec<Value> {
    if ascending {
        items.sort_by(|a, b| a[key].as_str().cmp(&b[key].as_str()));
    }
    items
}

fn one(shelf: &Shelf<Value>, owner: &str, id: &str, type_: &str) -> Outcome {
    shelf
        .get(owner, id)
        .cloned()
        .map_or_else(|| Err(not_found()), |v| document(type_, v))
}

fn rule_shelf(desk: &mut Desk, priority: bool) -> &mut Shelf<Value> {
    if priority {
        &mut desk.priority_rules
    } else {
        &mut desk.rules
    }
}

fn list_rules(c: &Call<'_>, priority: bool) -> Outcome {
    let (skip, take) = c.page(false, 100, 10_000)?;
    let mut store = c.b.store();
    let shelf = rule_shelf(&mut store.book.desk, priority);
    let all: Vec<Value> = shelf.of(c.owner).map(|(_, v)| v.clone()).collect();
    let ascending = c.q("ascending") == Some("true");
    paged(RULE_TYPE, sorted(all, ascending, "title"), skip, take)
}

fn get_rule(c: &Call<'_>, priority: bool) -> Outcome {
    let mut store = c.b.store();
    one(
        rule_shelf(&mut store.book.desk, priority),
        c.owner,
        c.param(0),
        RULE_TYPE,
    )
}

/// Creates or replaces the rule `id` (generated when absent). An attendance
/// rule needs its `team`, which joins the teams.
fn put_rule(c: &Call<'_>, priority: bool) -> Outcome {
    let mut rule = c.object()?.clone();
    req_str(&rule, "title")?;
    let team = if priority {
        None
    } else {
        Some(req_str(&rule, "team")?)
    };
    let now = c.now_iso();
    let mut store = c.b.store();
    let id = match opt_str(&rule, "id")? {
        Some(id) if !id.is_empty() => id,
        _ => store.guid(),
    };
    rule.insert("id".into(), json!(id));
    rule.insert("ownerIdentity".into(), json!(c.owner));
    rule.entry("isActive").or_insert(json!(true));
    rule.entry("storageDate").or_insert(json!(now));
    let desk = &mut store.book.desk;
    if let Some(team) = team {
        desk.ensure_team(c.owner, &team);
    }
    rule_shelf(desk, priority).put(c.owner, &id, Value::Object(rule));
    Ok(None)
}

fn delete_any_rule(c: &Call<'_>, priority: bool) -> Outcome {
    let mut store = c.b.store();
    removed(rule_shelf(&mut store.book.desk, priority).remove(c.owner, c.param(0)))
}

/// `get /rules`: `skip`, `take`, `ascending` (no `$`).
pub fn rules(c: &mut Call<'_>) -> Outcome {
    list_rules(c, false)
}

/// `get /rules/{id}`.
pub fn rule(c: &mut Call<'_>) -> Outcome {
    get_rule(c, false)
}

/// `set /rules`: `title` and `team` required.
pub fn set_rule(c: &mut Call<'_>) -> Outcome {
    put_rule(c, false)
}

/// `delete /rules/{id}`.
pub fn delete_rule(c: &mut Call<'_>) -> Outcome {
    delete_any_rule(c, false)
}

/// `get /priority-rules`.
pub fn priority_rules(c: &mut Call<'_>) -> Outcome {
    list_rules(c, true)
}

/// `get /priority-rules/{id}`: answered with the rule type, as documented.
pub fn priority_rule(c: &mut Call<'_>) -> Outcome {
    get_rule(c, true)
}

/// `set /priority-rules` (type `application/vnd.iris.desk.priority-rules+json`).
pub fn set_priority_rule(c: &mut Call<'_>) -> Outcome {
    put_rule(c, true)
}

/// `delete /priority-rules/{id}`.
pub fn delete_priority_rule(c: &mut Call<'_>) -> Outcome {
    delete_any_rule(c, true)
}

fn removed(was_there: bool) -> Outcome {
    if was_there {
        Ok(None)
    } else {
        Err(not_found())
    }
}

/// `get /attendance-queues`.
pub fn queues(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 100, 10_000)?;
    let all: Vec<Value> =
        c.b.store()
            .book
            .desk
            .queues
            .of(c.owner)
            .map(|(_, v)| v.clone())
            .collect();
    paged(QUEUE_TYPE, all, skip, take)
}

/// `get /attendance-queues/{id}`: the queue (the doc example shows a collection;
/// UNVERIFIED).
pub fn queue(c: &mut Call<'_>) -> Outcome {
    one(
        &c.b.store().book.desk.queues,
        c.owner,
        c.param(0),
        QUEUE_TYPE,
    )
}

/// `set /attendance-queues`: `{name, isActive, Priority}`; answers the stored
/// queue with its `id` and `storageDate`.
pub fn set_queue(c: &mut Call<'_>) -> Outcome {
    let r = c.object()?;
    let name = req_str(r, "name")?;
    // [DOC] the Postman body sends `Priority` as the string "0".
    let priority = match r.get("Priority").or_else(|| r.get("priority")) {
        None | Some(Value::Null) => 0,
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| invalid("Invalid Priority"))?,
        Some(Value::String(s)) => s.parse().map_err(|_| invalid("Invalid Priority"))?,
        Some(_) => return Err(invalid("Invalid Priority")),
    };
    let id = opt_str(r, "id")?
        .filter(|i| !i.is_empty())
        .unwrap_or_else(|| queue_id(&name));
    let queue = json!({
        "id": id, "ownerIdentity": c.owner, "name": name,
        "isActive": r.get("isActive").and_then(Value::as_bool).unwrap_or(true),
        "storageDate": c.now_iso(), "Priority": priority,
    });
    let mut store = c.b.store();
    store.book.desk.ensure_team(c.owner, &name);
    store.book.desk.queues.put(c.owner, &id, queue.clone());
    document(QUEUE_TYPE, queue)
}

/// `delete /attendance-queues/{id}`.
pub fn delete_queue(c: &mut Call<'_>) -> Outcome {
    removed(c.b.store().book.desk.queues.remove(c.owner, c.param(0)))
}

/// `get /replies`: the categories, as stubs.
pub fn reply_categories(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 100, 10_000)?;
    let all: Vec<Value> =
        c.b.store()
            .book
            .desk
            .replies
            .of(c.owner)
            .map(|(id, r)| json!({"id": id, "category": r.category, "isDynamicContent": false}))
            .collect();
    paged(
        REPLY_TYPE,
        sorted(all, c.q("$ascending") == Some("true"), "category"),
        skip,
        take,
    )
}

/// `get /replies/{id}`: the category's replies.
pub fn replies(c: &mut Call<'_>) -> Outcome {
    let store = c.b.store();
    let r = store
        .book
        .desk
        .replies
        .get(c.owner, c.param(0))
        .ok_or_else(not_found)?;
    collection(REPLY_TYPE, r.items.len(), r.items.clone())
}

fn reply(
    item: &Value,
    category: &str,
    n: usize,
    id_of: &str,
) -> Result<Value, crate::vendors::blip::wire::Reason> {
    let o: &Map<String, Value> = item
        .as_object()
        .ok_or_else(|| invalid("Each item must be a custom reply"))?;
    let mut out = o.clone();
    out.entry("id")
        .or_insert_with(|| json!(format!("{id_of}-{n}")));
    out.entry("category").or_insert(json!(category));
    out.entry("type").or_insert(json!("text/plain"));
    out.entry("isDynamicContent").or_insert(json!(false));
    if out.get("document").is_none_or(Value::is_null) {
        return Err(invalid("Each custom reply needs its document"));
    }
    Ok(Value::Object(out))
}

/// `set /replies/{id}`: a collection of replies; replaces the category
/// (UNVERIFIED whether Blip appends).
pub fn set_replies(c: &mut Call<'_>) -> Outcome {
    if c.cmd.type_.as_deref() != Some(COLLECTION_TYPE) {
        return Err(invalid("The replies must be a collection"));
    }
    let r = c.object()?;
    let items = r
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("The collection needs items"))?;
    let id = c.param(0).to_owned();
    let category = items
        .first()
        .and_then(|i| i.get("category"))
        .and_then(Value::as_str)
        .map_or_else(|| id.clone(), str::to_owned);
    let replies = items
        .iter()
        .enumerate()
        .map(|(n, i)| reply(i, &category, n, &id))
        .collect::<Result<Vec<_>, _>>()?;
    let cat = ReplyCategory {
        category,
        items: replies,
    };
    c.b.store().book.desk.replies.put(c.owner, &id, cat);
    Ok(None)
}

/// `delete /replies/{id}`.
pub fn delete_replies(c: &mut Call<'_>) -> Outcome {
    removed(c.b.store().book.desk.replies.remove(c.owner, c.param(0)))
}

/// `set /attendance-history/send-by-email`: `{email, filter}`; recorded (Blip
/// mails a .zip).
pub fn history_by_email(c: &mut Call<'_>) -> Outcome {
    let r = c.object()?;
    let email = req_str(r, "email")?;
    if !email.contains('@') {
        return Err(invalid(format!("'{email}' is not an e-mail")));
    }
    let filter = opt_str(r, "filter")?.unwrap_or_default();
    let at = c.now_iso();
    let request = json!({"bot": c.owner, "email": email, "filter": filter, "date": at});
    log(&mut c.b.store().book.history_requests, request);
    Ok(None)
}
