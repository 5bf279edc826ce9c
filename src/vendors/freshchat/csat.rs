//! `POST /v2/csat/{conversation_id}` (freshchat-mammut-more 7.4; \[3P\] APIEV
//! `createCsatRating`, 201): a customer's rating of a resolved conversation.
//! Sources disagree on the body, so the fake takes `rating` (1 to 5),
//! `issue_resolved`, `comment` or `feedback`, and `reopen` (which reopens the
//! conversation, with its webhook). No source shows CSAT on the conversation, so
//! ratings are kept beside it and appear in the `CSAT-Score` extract and the
//! `csat_metrics.*` metrics.

use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::api::{F, Reply};
use super::error::{FreshchatError, FreshchatJson, IdPath, json_response};
use super::records::Csat;
use super::store::Store;
use super::webhook::Actor;
use super::wire::opt_str;
use crate::clock::iso_millis;

impl Store {
    /// Records a rating of conversation `id`.
    pub fn rate(
        &mut self,
        id: &str,
        body: &Map<String, Value>,
        requires_resolved: bool,
        now: OffsetDateTime,
    ) -> Result<(Csat, bool), FreshchatError> {
        let i = self.conversation_index(id)?;
        let invalid = |m: &str| FreshchatError::Invalid(m.to_owned());
        if requires_resolved && self.conversations[i].status != "resolved" {
            return Err(invalid("CSAT can only be given on a resolved conversation"));
        }
        let rating = match body.get("rating") {
            None => None,
            Some(v) => Some(
                v.as_u64()
                    .filter(|r| (1..=5).contains(r))
                    .and_then(|r| u8::try_from(r).ok())
                    .ok_or_else(|| invalid("rating must be an integer from 1 to 5"))?,
            ),
        };
        let flag = |k: &str| match body.get(k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid(&format!("{k} must be a boolean"))),
        };
        let issue_resolved = flag("issue_resolved")?;
        let reopen = flag("reopen")?.unwrap_or(false);
        if rating.is_none() && issue_resolved != Some(false) {
            return Err(invalid("rating is required"));
        }
        let feedback = match opt_str(body, "feedback")? {
            Some(f) => Some(f),
            None => opt_str(body, "comment")?,
        };
        let c = Csat {
            conversation_id: id.to_owned(),
            rating,
            issue_resolved,
            feedback,
            created_time: iso_millis(now),
        };
        self.csat.push(c.clone());
        Ok((c, reopen))
    }
}

/// `POST /v2/csat/{conversation_id}`: 201 echoing the rating (UNKNOWN body).
pub async fn create(State(f): F, IdPath(id): IdPath, FreshchatJson(body): FreshchatJson) -> Reply {
    let now = f.now();
    let requires = f.settings().csat_requires_resolved;
    let c = {
        let mut store = f.store();
        let (c, reopen) = store.rate(&id, &body, requires, now)?;
        if reopen {
            let user = store.conversation(&id)?.user_id.clone();
            let actor = Actor {
                actor_type: "user".to_owned(),
                actor_id: user,
            };
            let update = json!({"status": "reopened"});
            store.update_conversation(&id, update.as_object().expect("an object"), &actor, now)?;
        }
        c
    };
    f.flush();
    Ok(json_response(StatusCode::CREATED, &c))
}
