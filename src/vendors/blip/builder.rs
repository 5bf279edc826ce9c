//! The Builder's context variables (`/contexts/{identity}/{variable}`, the
//! user's flow state in `stateid@0`) and the chatbot profile (`/profile/{property}`):
//! documents kept with their type, as the Postman collection sends them
//! (Extensions / Builder, ChatbotProfile). 67 when absent, as the C# SDK's
//! context helpers expect.

use serde_json::{Value, json};

use super::book::Stored;
use super::call::{Call, Outcome, document, invalid, not_found, paged};

fn stored(c: &Call<'_>) -> Result<Stored, super::wire::Reason> {
    let resource = c
        .cmd
        .resource
        .clone()
        .ok_or_else(|| invalid("The command needs a resource document"))?;
    Ok(Stored {
        type_: c
            .cmd
            .type_
            .clone()
            .unwrap_or_else(|| "text/plain".to_owned()),
        resource,
        expires: None,
        expires_at: None,
    })
}

fn context_key(identity: &str, variable: &str) -> String {
    format!("{identity}/{}", variable.to_lowercase())
}

/// `set /contexts/{identity}/{variable}`.
pub fn set_variable(c: &mut Call<'_>) -> Outcome {
    let s = stored(c)?;
    let key = context_key(c.param(0), c.param(1));
    c.b.store().book.contexts.put(c.owner, &key, s);
    Ok(None)
}

/// `get /contexts/{identity}/{variable}`.
pub fn variable(c: &mut Call<'_>) -> Outcome {
    let key = context_key(c.param(0), c.param(1));
    let found = c.b.store().book.contexts.get(c.owner, &key).cloned();
    found.map_or_else(|| Err(not_found()), |s| document(&s.type_, s.resource))
}

/// `delete /contexts/{identity}/{variable}`.
pub fn delete_variable(c: &mut Call<'_>) -> Outcome {
    let key = context_key(c.param(0), c.param(1));
    if c.b.store().book.contexts.remove(c.owner, &key) {
        Ok(None)
    } else {
        Err(not_found())
    }
}

/// `get /contexts/{identity}`: the user's variable names (UNVERIFIED shape).
pub fn variables(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 100, 10_000)?;
    let prefix = format!("{}/", c.param(0));
    let all: Vec<Value> =
        c.b.store()
            .book
            .contexts
            .of(c.owner)
            .filter_map(|(k, _)| k.strip_prefix(&prefix).map(|v| json!(v)))
            .collect();
    paged("text/plain", all, skip, take)
}

/// `get /contexts`: the identities that have variables (UNVERIFIED shape).
pub fn identities(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 100, 10_000)?;
    let mut all: Vec<Value> = Vec::new();
    for (k, _) in c.b.store().book.contexts.of(c.owner) {
        let id = json!(k.rsplit_once('/').map_or(k, |(i, _)| i));
        if !all.contains(&id) {
            all.push(id);
        }
    }
    paged("text/plain", all, skip, take)
}

/// `set /profile/{property}` (`get-started`, `greeting`, `persistent-menu`, ...).
pub fn set_profile(c: &mut Call<'_>) -> Outcome {
    let s = stored(c)?;
    c.b.store().book.profile.put(c.owner, c.param(0), s);
    Ok(None)
}

/// `get /profile/{property}`.
pub fn profile(c: &mut Call<'_>) -> Outcome {
    let found = c.b.store().book.profile.get(c.owner, c.param(0)).cloned();
    found.map_or_else(|| Err(not_found()), |s| document(&s.type_, s.resource))
}

/// `get /profile`: the properties set (UNVERIFIED shape).
pub fn profile_keys(c: &mut Call<'_>) -> Outcome {
    let all: Vec<Value> =
        c.b.store()
            .book
            .profile
            .of(c.owner)
            .map(|(k, _)| json!(k))
            .collect();
    let n = all.len();
    paged("text/plain", all, 0, n)
}

/// `delete /profile/{property}`.
pub fn delete_profile(c: &mut Call<'_>) -> Outcome {
    if c.b.store().book.profile.remove(c.owner, c.param(0)) {
        Ok(None)
    } else {
        Err(not_found())
    }
}
