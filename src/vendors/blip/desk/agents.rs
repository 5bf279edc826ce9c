//! `/attendants`, `/teams` and `/teams/agents-online`.

use serde_json::{Map, Value, json};

use super::{ATTENDANT_TYPE, TEAM_TYPE};
use crate::vendors::blip::book::desk::{ATTENDANT_STATUSES, Attendant, agent_identity};
use crate::vendors::blip::call::{
    Call, Outcome, collection, invalid, not_found, opt_str, opt_strings, paged,
};
use crate::vendors::blip::wire::COLLECTION_TYPE;

/// `get /attendants`: `$skip`, `$take` (default 20), `$ascending` by identity.
pub fn list(c: &mut Call<'_>) -> Outcome {
    let (skip, take) = c.page(true, 20, 10_000)?;
    let mut all: Vec<Attendant> = {
        let store = c.b.store();
        store
            .book
            .desk
            .attendants
            .of(c.owner)
            .map(|(_, a)| a.clone())
            .collect()
    };
    if c.q("$ascending") == Some("true") {
        all.sort_by(|a, b| a.identity.cmp(&b.identity));
    }
    let items = all.iter().map(|a| json!(a)).collect();
    paged(ATTENDANT_TYPE, items, skip, take)
}

/// One attendant from a resource: `identity` (or `email`) and at least one team.
fn attendant(
    o: &Map<String, Value>,
    previous: Option<&Attendant>,
) -> Result<Attendant, crate::vendors::blip::wire::Reason> {
    let email = opt_str(o, "email")?;
    let identity = match (opt_str(o, "identity")?, &email) {
        (Some(i), _) if !i.is_empty() => i,
        (_, Some(e)) if e.contains('@') => agent_identity(e),
        _ => return Err(invalid("The attendant needs an identity")),
    };
    let teams = opt_strings(o, "teams")?.unwrap_or_default();
    if teams.is_empty() {
        return Err(invalid("The attendant needs at least one team"));
    }
    // [3P] an older capture spells it `fullname`.
    let full_name = match opt_str(o, "fullName")? {
        Some(n) => Some(n),
        None => opt_str(o, "fullname")?,
    };
    let status = match o.get("status") {
        None | Some(Value::Null) => {
            previous.map_or_else(|| "Offline".to_owned(), |p| p.status.clone())
        }
        Some(Value::String(s)) if ATTENDANT_STATUSES.contains(&s.as_str()) => s.clone(),
        // The docs' table numbers them 0..3.
        Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n < 4) => {
            ATTENDANT_STATUSES[n.as_u64().unwrap_or(0) as usize].to_owned()
        }
        Some(other) => return Err(invalid(format!("Invalid attendant status {other}"))),
    };
    Ok(Attendant {
        identity,
        full_name: full_name.or_else(|| previous.and_then(|p| p.full_name.clone())),
        email: email.or_else(|| previous.and_then(|p| p.email.clone())),
        teams,
        status,
        last_service_date: previous.and_then(|p| p.last_service_date.clone()),
        agent_slots: o.get("agentSlots").and_then(Value::as_u64),
        is_enabled: true,
    })
}

/// `set /attendants`: one attendant, or a collection of them. Success has no
/// resource.
pub fn set(c: &mut Call<'_>) -> Outcome {
    let r = c.object()?;
    let docs: Vec<&Map<String, Value>> = if c.cmd.type_.as_deref() == Some(COLLECTION_TYPE) {
        let items = r
            .get("items")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("The collection needs items"))?;
        items
            .iter()
            .map(|i| {
                i.as_object()
                    .ok_or_else(|| invalid("Each item must be an attendant"))
            })
            .collect::<Result<_, _>>()?
    } else {
        vec![r]
    };
    let mut store = c.b.store();
    let desk = &mut store.book.desk;
    let mut parsed = Vec::new();
    for d in docs {
        let id = opt_str(d, "identity")?.unwrap_or_default();
        parsed.push(attendant(d, desk.attendants.get(c.owner, &id))?);
    }
    for a in parsed {
        desk.put_attendant(c.owner, a);
    }
    Ok(None)
}

/// `delete /attendants/{identity}` (the identity's `%` encoded again).
pub fn delete(c: &mut Call<'_>) -> Outcome {
    let mut store = c.b.store();
    if store.book.desk.attendants.remove(c.owner, c.param(0)) {
        Ok(None)
    } else {
        Err(not_found())
    }
}

fn team_items(c: &Call<'_>, online_only: bool) -> Vec<Value> {
    let store = c.b.store();
    let desk = &store.book.desk;
    desk.team_names(c.owner)
        .into_iter()
        .map(|name| {
            let online = desk
                .attendants
                .of(c.owner)
                .filter(|(_, a)| a.status == "Online" && a.teams.contains(&name))
                .count();
            json!({"name": name, "agentsOnline": online})
        })
        .filter(|t| !online_only || t["agentsOnline"] != json!(0))
        .collect()
}

/// `get /teams`: every team with its online agents.
pub fn teams(c: &mut Call<'_>) -> Outcome {
    let items = team_items(c, false);
    collection(TEAM_TYPE, items.len(), items)
}

/// `get /teams/agents-online`: the teams with an agent `Online`.
pub fn agents_online(c: &mut Call<'_>) -> Outcome {
    let items = team_items(c, true);
    collection(TEAM_TYPE, items.len(), items)
}
