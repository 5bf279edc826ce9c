//! The broadcast extension (`postmaster@broadcast.msging.net`): distribution
//! lists and their recipients. A message to `{list}@broadcast.msging.net` goes
//! to every recipient (see `api`). An unknown list fails with 60 "Invalid list
//! identifier" (\[DOC\] concepts2/commands.md's failure example).

use serde_json::{Value, json};

use super::call::{Call, Outcome, invalid, not_found, opt_str, paged};
use super::wire::{self, Reason};

/// `application/vnd.iris.distribution-list+json`.
pub const LIST_TYPE: &str = "application/vnd.iris.distribution-list+json";
/// The domain of lists.
pub const BROADCAST_DOMAIN: &str = "broadcast.msging.net";

fn invalid_list() -> Reason {
    Reason::new(60, "Invalid list identifier")
}

fn list_identity(s: &str) -> Result<String, Reason> {
    match wire::Node::parse(s) {
        Some(n) if !n.name.is_empty() && n.domain.eq_ignore_ascii_case(BROADCAST_DOMAIN) => {
            Ok(format!("{}@{BROADCAST_DOMAIN}", n.name))
        }
        _ => Err(invalid_list()),
    }
}

/// `set /lists`: `{identity: "{name}@broadcast.msging.net"}`.
pub fn create(c: &mut Call<'_>) -> Outcome {
    let id =
        opt_str(c.object()?, "identity")?.ok_or_else(|| invalid("The list needs its identity"))?;
    let id = list_identity(&id)?;
    let mut store = c.b.store();
    if store.book.lists.get(c.owner, &id).is_none() {
        store.book.lists.put(c.owner, &id, Vec::new());
    }
    Ok(None)
}

/// `get /lists`.
pub fn lists(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 100, 10_000)?;
    let all: Vec<Value> =
        c.b.store()
            .book
            .lists
            .of(c.owner)
            .map(|(k, _)| json!({"identity": k}))
            .collect();
    paged(LIST_TYPE, all, skip, take)
}

/// `delete /lists/{list}`.
pub fn delete(c: &mut Call<'_>) -> Outcome {
    let id = list_identity(c.param(0))?;
    if c.b.store().book.lists.remove(c.owner, &id) {
        Ok(None)
    } else {
        Err(invalid_list())
    }
}

/// `set /lists/{list}/recipients`: resource = the identity (`application/vnd.lime.identity`).
pub fn add(c: &mut Call<'_>) -> Outcome {
    let id = list_identity(c.param(0))?;
    let who = c
        .cmd
        .resource
        .as_ref()
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("The recipient must be an identity"))?;
    super::tickets::valid_identity(who)?;
    let mut store = c.b.store();
    let list = store
        .book
        .lists
        .get_mut(c.owner, &id)
        .ok_or_else(invalid_list)?;
    if !list.iter().any(|r| r == who) {
        list.push(who.to_owned());
    }
    Ok(None)
}

/// `get /lists/{list}/recipients`.
pub fn recipients(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 100, 10_000)?;
    let id = list_identity(c.param(0))?;
    let all: Vec<Value> =
        c.b.store()
            .book
            .lists
            .get(c.owner, &id)
            .ok_or_else(invalid_list)?
            .iter()
            .map(|r| json!(r))
            .collect();
    paged("application/vnd.lime.identity", all, skip, take)
}

/// `delete /lists/{list}/recipients/{identity}`.
pub fn remove(c: &mut Call<'_>) -> Outcome {
    let id = list_identity(c.param(0))?;
    let mut store = c.b.store();
    let list = store
        .book
        .lists
        .get_mut(c.owner, &id)
        .ok_or_else(invalid_list)?;
    let before = list.len();
    list.retain(|r| r != c.param(1));
    if list.len() == before {
        return Err(not_found());
    }
    Ok(None)
}
