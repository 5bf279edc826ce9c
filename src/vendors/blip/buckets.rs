//! Bot storage (REFERENCE extensions 8, 9): `/buckets/{id}` documents (with an
//! optional `expiration` in milliseconds, on the run's clock) and
//! `/resources/{key}`. Both keep the type and document as sent.

use serde_json::{Value, json};

use super::book::{Shelf, Stored};
use super::call::{Call, Outcome, document, invalid, not_found, paged};

fn shelf(store: &mut super::store::Store, resources: bool) -> &mut Shelf<Stored> {
    if resources {
        &mut store.book.resources
    } else {
        &mut store.book.buckets
    }
}

fn put(c: &mut Call<'_>, resources: bool) -> Outcome {
    let Some(resource) = c.cmd.resource.clone() else {
        return Err(invalid("The command needs a resource document"));
    };
    let type_ = c
        .cmd
        .type_
        .clone()
        .unwrap_or_else(|| "application/json".to_owned());
    let now = c.b.now();
    let expires_at = match c.q("expiration") {
        Some(ms) if !resources && !ms.is_empty() => {
            let ms: u64 = ms
                .parse()
                .map_err(|_| invalid(format!("Invalid value '{ms}' for expiration")))?;
            Some(now + std::time::Duration::from_millis(ms))
        }
        _ => None,
    };
    let stored = Stored {
        type_,
        resource,
        expires: expires_at.map(crate::clock::iso_millis),
        expires_at,
    };
    let mut store = c.b.store();
    shelf(&mut store, resources).put(c.owner, c.param(0), stored);
    Ok(None)
}

/// Drops what expired before `now`.
fn purge(shelf: &mut Shelf<Stored>, now: time::OffsetDateTime) {
    shelf.retain(|s| !s.expired(now));
}

fn get(c: &mut Call<'_>, resources: bool) -> Outcome {
    let now = c.b.now();
    let mut store = c.b.store();
    let shelf = shelf(&mut store, resources);
    purge(shelf, now);
    let found = shelf.get(c.owner, c.param(0)).cloned();
    found.map_or_else(|| Err(not_found()), |s| document(&s.type_, s.resource))
}

fn keys(c: &mut Call<'_>, resources: bool) -> Outcome {
    // [DOC] buckets take `$skip`/`$take`, resources `skip`/`take`.
    let (skip, take) = c.page(!resources, 100, 10_000)?;
    let now = c.b.now();
    let mut store = c.b.store();
    let shelf = shelf(&mut store, resources);
    purge(shelf, now);
    let all: Vec<Value> = shelf.of(c.owner).map(|(k, _)| json!(k)).collect();
    paged("text/plain", all, skip, take)
}

fn delete(c: &mut Call<'_>, resources: bool) -> Outcome {
    let now = c.b.now();
    let mut store = c.b.store();
    let shelf = shelf(&mut store, resources);
    purge(shelf, now);
    if shelf.remove(c.owner, c.param(0)) {
        Ok(None)
    } else {
        Err(not_found())
    }
}

/// `set /buckets/{id}[?expiration=ms]`.
pub fn bucket_set(c: &mut Call<'_>) -> Outcome {
    put(c, false)
}
/// `get /buckets/{id}`: 67 when absent or expired (the C# SDK reads 67 as null).
pub fn bucket_get(c: &mut Call<'_>) -> Outcome {
    get(c, false)
}
/// `get /buckets`: the keys, decoded.
pub fn bucket_keys(c: &mut Call<'_>) -> Outcome {
    keys(c, false)
}
/// `delete /buckets/{id}`.
pub fn bucket_delete(c: &mut Call<'_>) -> Outcome {
    delete(c, false)
}
/// `set /resources/{key}`.
pub fn resource_set(c: &mut Call<'_>) -> Outcome {
    put(c, true)
}
/// `get /resources/{key}`.
pub fn resource_get(c: &mut Call<'_>) -> Outcome {
    get(c, true)
}
/// `get /resources`: the keys (`skip`, `take`).
pub fn resource_keys(c: &mut Call<'_>) -> Outcome {
    keys(c, true)
}
/// `delete /resources/{key}`.
pub fn resource_delete(c: &mut Call<'_>) -> Outcome {
    delete(c, true)
}
