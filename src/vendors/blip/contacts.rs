//! The CRM extension (`postmaster@crm.msging.net`, REFERENCE extensions 5):
//! contacts, which customers of the attendance flow become on their own, and
//! their comments.

use serde_json::{Map, Value, json};

use super::call::{Call, Outcome, document, invalid, not_found, paged, req_str};
use super::odata;
use super::tickets::valid_identity;
use super::wire::Reason;

/// `application/vnd.lime.contact+json`.
pub const CONTACT_TYPE: &str = "application/vnd.lime.contact+json";
/// `application/vnd.iris.crm.comment+json`.
pub const COMMENT_TYPE: &str = "application/vnd.iris.crm.comment+json";

const STRING_FIELDS: [&str; 16] = [
    "identity",
    "name",
    "address",
    "city",
    "email",
    "phoneNumber",
    "cellPhoneNumber",
    "photoUri",
    "gender",
    "culture",
    "taxDocument",
    "group",
    "source",
    "lastMessageDate",
    "neighborhood",
    "state",
];

/// The contact as Blip keeps it: known fields checked, nulls dropped.
fn contact(o: &Map<String, Value>) -> Result<Map<String, Value>, Reason> {
    let identity = req_str(o, "identity")?;
    valid_identity(&identity)?;
    let mut out = Map::new();
    for (k, v) in o {
        match (k.as_str(), v) {
            (_, Value::Null) => continue,
            (f, Value::String(_)) if STRING_FIELDS.contains(&f) => {}
            (f, _) if STRING_FIELDS.contains(&f) => {
                return Err(invalid(format!("'{f}' must be a string")));
            }
            ("timezone", Value::Number(_)) => {}
            ("isPending" | "sharePresence" | "shareAccountInfo", Value::Bool(_)) => {}
            ("extras", Value::Object(m)) if m.values().all(Value::is_string) => {}
            ("extras", _) => return Err(invalid("'extras' must be an object of strings")),
            ("timezone" | "isPending" | "sharePresence" | "shareAccountInfo", _) => {
                return Err(invalid(format!("Invalid value for '{k}'")));
            }
            _ => {}
        }
        out.insert(k.clone(), v.clone());
    }
    Ok(out)
}

/// `set /contacts`: creates or replaces the contact (properties left out are gone).
pub fn set(c: &mut Call<'_>) -> Outcome {
    let new = contact(c.object()?)?;
    let id = new["identity"].as_str().unwrap_or_default().to_owned();
    c.b.store().book.crm.contacts.put(c.owner, &id, new);
    Ok(None)
}

/// `merge /contacts`: changes only the properties sent; creates the contact if new.
pub fn merge(c: &mut Call<'_>) -> Outcome {
    let r = c.object()?;
    let changes = contact(r)?;
    let id = changes["identity"].as_str().unwrap_or_default().to_owned();
    let mut store = c.b.store();
    let mut merged = store
        .book
        .crm
        .contacts
        .get(c.owner, &id)
        .cloned()
        .unwrap_or_default();
    for (k, v) in r {
        if v.is_null() {
            merged.remove(k);
        }
    }
    merged.extend(changes);
    store.book.crm.contacts.put(c.owner, &id, merged);
    Ok(None)
}

/// `get /contacts/{identity}`.
pub fn get(c: &mut Call<'_>) -> Outcome {
    let store = c.b.store();
    let found = store.book.crm.contacts.get(c.owner, c.param(0)).cloned();
    found.map_or_else(
        || Err(not_found()),
        |v| document(CONTACT_TYPE, Value::Object(v)),
    )
}

/// `delete /contacts/{identity}` (LIME roster semantics, UNVERIFIED for Blip):
/// the contact and its comments.
pub fn delete(c: &mut Call<'_>) -> Outcome {
    let mut store = c.b.store();
    let crm = &mut store.book.crm;
    if !crm.contacts.remove(c.owner, c.param(0)) {
        return Err(not_found());
    }
    crm.comments.remove(c.owner, c.param(0));
    Ok(None)
}

/// `get /contacts`: `$skip`, `$take` (1..30000, default 100; with `$filter`,
/// skip + take ≤ 10000); `total` counts every match.
pub fn list(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = (
        c.number("$skip", 0, usize::MAX, false)?,
        c.number("$take", 100, 30_000, true)?,
    );
    let filter = match c.q("$filter") {
        None | Some("") => None,
        Some(f) => Some(odata::parse(f).ok_or_else(|| invalid(format!("Invalid filter '{f}'")))?),
    };
    if filter.is_some() && skip.saturating_add(take) > 10_000 {
        return Err(invalid("With $filter, $skip + $take must be at most 10000"));
    }
    let store = c.b.store();
    let all: Vec<Value> = store
        .book
        .crm
        .contacts
        .of(c.owner)
        .filter(|(_, ct)| filter.as_ref().is_none_or(|f| odata::keeps(f, ct)))
        .map(|(_, ct)| Value::Object(ct.clone()))
        .collect();
    paged(CONTACT_TYPE, all, skip, take)
}

/// `set /contacts/{identity}/comments`: `{content}`; answers the comment.
pub fn add_comment(c: &mut Call<'_>) -> Outcome {
    let content = req_str(c.object()?, "content")?;
    let date = c.now_iso();
    let mut store = c.b.store();
    let contact = c.param(0);
    if !store.book.crm.knows(c.owner, contact) {
        return Err(not_found());
    }
    let comment = json!({"id": store.guid(), "storageDate": date, "content": content});
    let mut list = store
        .book
        .crm
        .comments
        .get(c.owner, contact)
        .cloned()
        .unwrap_or_default();
    list.push(json!({"id": comment["id"], "authorIdentity": c.owner, "storageDate": date, "content": comment["content"]}));
    store.book.crm.comments.put(c.owner, contact, list);
    document(COMMENT_TYPE, comment)
}

/// `get /contacts/{identity}/comments`: `$skip`, `$take` (max 100).
pub fn comments(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 100, 100)?;
    let store = c.b.store();
    if !store.book.crm.knows(c.owner, c.param(0)) {
        return Err(not_found());
    }
    let all = store
        .book
        .crm
        .comments
        .get(c.owner, c.param(0))
        .cloned()
        .unwrap_or_default();
    paged(COMMENT_TYPE, all, skip, take)
}

/// `delete /contacts/{identity}/comments/{id}`.
pub fn delete_comment(c: &mut Call<'_>) -> Outcome {
    let mut store = c.b.store();
    let Some(list) = store.book.crm.comments.get_mut(c.owner, c.param(0)) else {
        return Err(not_found());
    };
    let before = list.len();
    list.retain(|x| x["id"] != json!(c.param(1)));
    if list.len() == before {
        return Err(not_found());
    }
    Ok(None)
}
