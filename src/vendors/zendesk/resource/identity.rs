//! What a user identity is, below the routes that serve identities: the
//! primary email identity derived from the user, the stored ones in step with
//! the user, and their wire form (also side-loaded with `include=identities`).

use serde_json::{Value, json};

use super::spec::ts;
use crate::vendors::zendesk::store::{Record, Store, User};

/// The table of stored identities.
pub const TABLE: &str = "identities";

/// The id of a user's first email identity (derived from the user's id, so it
/// is the same before and after the identities are first written).
pub fn primary_id(user: &User) -> u64 {
    user.id + 1
}

/// The primary email identity as the user shows it.
pub fn derived(user: &User) -> Option<Record> {
    let email = user.email.as_ref()?;
    let rec = json!({
        "id": primary_id(user), "user_id": user.id, "type": "email", "value": email,
        "verified": user.verified, "primary": true,
        "created_at": ts(user.created_at), "updated_at": ts(user.updated_at),
        "undeliverable_count": 0, "deliverable_state": "deliverable",
    });
    match rec {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// A user's identities, in id order: the primary email one in step with the user.
pub fn of_user(store: &Store, user: &User) -> Vec<Record> {
    let stored: Vec<Record> = store
        .records
        .all(TABLE)
        .filter(|r| r["user_id"].as_u64() == Some(user.id))
        .map(|r| {
            let mut r = r.clone();
            if r["primary"] == json!(true) && r["type"] == json!("email") {
                r.insert("value".to_owned(), json!(user.email));
                r.insert("verified".to_owned(), json!(user.verified));
            }
            r
        })
        .collect();
    if stored.is_empty() {
        derived(user).into_iter().collect()
    } else {
        stored
    }
}

/// An identity as the API shows it, with its `url` on `base`.
pub fn render(base: &str, rec: &Record) -> Value {
    let mut out = rec.clone();
    let url = format!(
        "{base}/api/v2/users/{}/identities/{}.json",
        rec["user_id"], rec["id"]
    );
    out.insert("url".to_owned(), json!(url));
    Value::Object(out)
}

/// The identities of the users `ids` names, in id order (`include=identities`).
pub fn of_users(store: &Store, base: &str, ids: impl IntoIterator<Item = u64>) -> Vec<Value> {
    ids.into_iter()
        .filter_map(|id| store.users.get(&id))
        .flat_map(|u| of_user(store, u))
        .map(|r| render(base, &r))
        .collect()
}
