//! Mammut's state: graph users (the bots among them), the "Thought Offer To Be
//! Learned" issues its bots raise, and the Freshchat webhooks received. Plus the
//! bot's rule set, [`decide`]. Plain data, no I/O.

use serde::Serialize;
use serde_json::{Map, Value};

use super::error::GraphError;
use super::graph::{Edge, Vertex};
use super::wire::{FRESHCHAT_FIELDS, GROUP_FIELD, SITE_IDS_FIELD};
use super::{Knowledge, Site};
use crate::ids::Sequence;
use crate::vendors::freshchat::for_mammut;

/// A graph user vertex: its id and kebab-case properties.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphUser {
    /// The vertex id.
    pub id: u64,
    /// `user-type`, `name`, `freshchat-*`, ...
    pub properties: Map<String, Value>,
}

/// What a bot needs to talk to a Freshchat account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FreshchatLink {
    /// The bot's Freshchat agent id.
    pub actor_id: String,
    /// The Freshchat API token.
    pub access_token: String,
    /// The account's APP ID.
    pub app_id: String,
    /// The group Issues are assigned to, if any.
    pub group_name: Option<String>,
    /// Where the account's API is, if not the fake Freshchat of this run.
    pub api_url: Option<String>,
    /// The Freshchat site ids the bot was told (`freshchat-site-ids`: a list, or a
    /// comma-separated string); `None`: every configured site.
    pub site_ids: Option<Vec<String>>,
}

impl GraphUser {
    fn prop(&self, key: &str) -> Option<String> {
        self.properties
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }

    /// The Freshchat channel of a machine user, when it has one.
    pub fn freshchat(&self) -> Option<FreshchatLink> {
        if self.prop("user-type").as_deref() != Some("machine") {
            return None;
        }
        Some(FreshchatLink {
            actor_id: self.prop("freshchat-actor-id")?,
            access_token: self.prop("freshchat-access-token")?,
            app_id: self.prop("freshchat-app-id")?,
            group_name: self.prop(GROUP_FIELD),
            api_url: self.prop("freshchat-api-url"),
            site_ids: self.site_ids(),
        })
    }

    fn site_ids(&self) -> Option<Vec<String>> {
        let ids: Vec<String> = match self.properties.get(SITE_IDS_FIELD)? {
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Value::String(s) => s
                .trim_matches(|c| matches!(c, '[' | ']' | '(' | ')' | '"'))
                .split(',')
                .map(|p| p.trim().trim_matches('"').to_owned())
                .filter(|p| !p.is_empty())
                .collect(),
            _ => return None,
        };
        Some(ids)
    }
}

/// An Issue: a message the bot could not answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Thought {
    /// The vertex id.
    pub id: u64,
    /// Always `thought-offer-to-be-learned`.
    pub thought_type: &'static str,
    /// The bot that met it.
    pub bot_id: u64,
    /// The Freshchat conversation.
    pub conversation_id: String,
    /// What the customer wrote.
    pub text: String,
    /// The site whose knowledge was searched, if one matched.
    pub site: Option<String>,
    /// The Freshchat group the conversation was assigned to, if any.
    pub assigned_group_id: Option<String>,
    /// When (`+00:00` offset, as Mammut writes times).
    pub creation_date: String,
    /// `open`, or `close` once a supervisor resolved it.
    pub issue_state: String,
    /// The answer the supervisor taught.
    pub resolution_text: Option<String>,
    /// The supervisor who resolved it.
    pub resolved_by: Option<u64>,
}

/// One Freshchat webhook received, and what the bot did with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Received {
    /// The event (`action`).
    pub action: String,
    /// The conversation, when the payload names one.
    pub conversation_id: Option<String>,
    /// The site (multichannel context) whose knowledge was searched, if one.
    pub site: Option<String>,
    /// `answered`, `learning` or why it was ignored.
    pub outcome: String,
}

/// Everything fake Mammut holds.
#[derive(Debug, Clone)]
pub struct Store {
    ids: Sequence,
    /// Graph users, in creation order.
    pub users: Vec<GraphUser>,
    /// Issues, in the order met.
    pub thoughts: Vec<Thought>,
    /// Freshchat webhooks received.
    pub received: Vec<Received>,
    /// Graph vertices other than users and issues (rooms, thoughts, verbs, ...).
    pub vertices: Vec<Vertex>,
    /// Graph edges.
    pub edges: Vec<Edge>,
    /// Answers taught by resolving issues: the bot uses them after its knowledge.
    pub learned: Vec<Knowledge>,
    /// `actions/compile` requests, in order.
    pub compiles: Vec<Value>,
}

impl Default for Store {
    fn default() -> Self {
        Self {
            ids: Sequence::new(4136, 1),
            users: Vec::new(),
            thoughts: Vec::new(),
            received: Vec::new(),
            vertices: Vec::new(),
            edges: Vec::new(),
            learned: Vec::new(),
            compiles: Vec::new(),
        }
    }
}

impl Store {
    /// The next vertex id.
    pub fn next_id(&mut self) -> u64 {
        self.ids.next_id()
    }

    /// `POST /app:mammut-1/graph/user`: `user-type` is required (`machine` or
    /// `normal`); the three `freshchat-*` fields go together.
    pub fn create_user(&mut self, body: Map<String, Value>) -> Result<u64, GraphError> {
        match body.get("user-type").and_then(Value::as_str) {
            Some("machine" | "normal") => {}
            Some(other) => return Err(GraphError::BadUserType(other.to_owned())),
            None => return Err(GraphError::NoUserType),
        }
        check_freshchat(&body)?;
        let id = self.next_id();
        self.users.push(GraphUser {
            id,
            properties: body,
        });
        Ok(id)
    }

    /// `POST /app:mammut-1/graph/user:{id}?k=v...`: sets the properties given.
    pub fn update_user(&mut self, id: u64, pairs: Vec<(String, String)>) -> Result<(), GraphError> {
        let user = self
            .users
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or(GraphError::NoSuchUser(id))?;
        let mut next = user.properties.clone();
        for (k, v) in pairs {
            // Vendor quirk: the docs' field table says `freshchat-group-name`, their
            // example query `group-name`; both are accepted.
            let k = if k == "group-name" {
                GROUP_FIELD.to_owned()
            } else {
                k
            };
            next.insert(k, Value::String(v));
        }
        check_freshchat(&next)?;
        user.properties = next;
        Ok(())
    }

    /// The bot that serves the Freshchat account `app_id`.
    pub fn bot_for(&self, app_id: &str) -> Option<(u64, FreshchatLink)> {
        self.users
            .iter()
            .filter_map(|u| u.freshchat().map(|l| (u.id, l)))
            .find(|(_, l)| l.app_id == app_id)
    }
}

fn check_freshchat(p: &Map<String, Value>) -> Result<(), GraphError> {
    let given: Vec<&str> = FRESHCHAT_FIELDS
        .iter()
        .copied()
        .filter(|f| p.contains_key(*f))
        .collect();
    if !given.is_empty() && given.len() < FRESHCHAT_FIELDS.len() {
        let missing: Vec<&str> = FRESHCHAT_FIELDS
            .iter()
            .copied()
            .filter(|f| !given.contains(f))
            .collect();
        return Err(GraphError::MissingFreshchatFields(missing));
    }
    for f in given.iter().copied().chain([GROUP_FIELD]) {
        if p.get(f).is_some_and(|v| !v.is_string()) {
            return Err(GraphError::NotAString(f));
        }
    }
    Ok(())
}

/// What the bot does with one Freshchat webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing: not a customer's message (the reason).
    Ignore(&'static str),
    /// Post `answer` to the conversation.
    Answer {
        /// The text to post.
        answer: String,
        /// The site whose knowledge answered.
        site: Option<String>,
    },
    /// A "Thought Offer To Be Learned".
    Learn {
        /// The site whose knowledge was searched.
        site: Option<String>,
        /// What the customer wrote.
        text: String,
    },
}

/// The bot's rules, in order:
///
/// 1. Only `message_create` from a `user`, of type `normal`, is read; anything
///    else (the bot's own answers, agents, notes, other events) is ignored.
/// 2. The site is the first of `sites` whose `app_id`, `channel_id` and `site_id`
///    (each when set) equal the message's (multichannel: one bot, each site's
///    customers answered from that site's knowledge).
/// 3. The answer is that of the first entry, the site's before the common
///    `knowledge`, one of whose `when` phrases occurs in the message's text,
///    ignoring case.
/// 4. No entry matches (or the text is empty): a Thought Offer To Be Learned.
pub fn decide(payload: &Value, sites: &[Site], knowledge: &[Knowledge]) -> Decision {
    if payload.get("action").and_then(Value::as_str) != Some("message_create") {
        return Decision::Ignore("not a message");
    }
    let Some(m) = payload.pointer("/data/message") else {
        return Decision::Ignore("no message");
    };
    let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default();
    if s("actor_type") != "user" {
        return Decision::Ignore("not from a customer");
    }
    if s("message_type") == "private" {
        return Decision::Ignore("a private note");
    }
    let text = match (m.get("message_parts"), m.get("msg_parts")) {
        (Some(Value::Array(parts)), _) => for_mammut::text_of(parts),
        // The legacy (2018) payload: `msg_parts: [{part_type, properties: {text}}]`.
        (None, Some(Value::Array(parts))) => parts
            .iter()
            .filter_map(|p| p.pointer("/properties/text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    };
    let site = sites.iter().find(|site| {
        site.app_id.as_deref().is_none_or(|a| a == s("app_id"))
            && site
                .channel_id
                .as_deref()
                .is_none_or(|c| c == s("channel_id"))
            && site.site_id.as_deref().is_none_or(|id| id == s("site_id"))
    });
    let lower = text.to_lowercase();
    let entries = site
        .map(|s| s.knowledge.as_slice())
        .unwrap_or_default()
        .iter()
        .chain(knowledge);
    for k in entries {
        if !lower.trim().is_empty()
            && k.when
                .iter()
                .any(|w| !w.trim().is_empty() && lower.contains(&w.to_lowercase()))
        {
            return Decision::Answer {
                answer: k.answer.clone(),
                site: site.map(|s| s.name.clone()),
            };
        }
    }
    Decision::Learn {
        site: site.map(|s| s.name.clone()),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn k(when: &[&str], answer: &str) -> Knowledge {
        Knowledge {
            when: when.iter().map(|w| (*w).to_owned()).collect(),
            answer: answer.to_owned(),
        }
    }

    fn msg(text: &str, actor: &str, channel: &str) -> Value {
        json!({"action": "message_create", "data": {"message": {
            "message_parts": [{"text": {"content": text}}], "actor_type": actor,
            "app_id": "app", "channel_id": channel, "message_type": "normal"}}})
    }

    #[test]
    fn site_knowledge_comes_before_common_knowledge_and_unknowns_are_learned() {
        let sites = vec![Site {
            name: "food".to_owned(),
            app_id: None,
            channel_id: Some("c-food".to_owned()),
            site_id: None,
            knowledge: vec![k(&["opening hours"], "9 to 5 (food)")],
        }];
        let common = vec![
            k(&["OPENING HOURS", "open"], "9 to 6"),
            k(&["price"], "cheap"),
        ];
        assert_eq!(
            decide(
                &msg("What are your opening hours?", "user", "c-food"),
                &sites,
                &common
            ),
            Decision::Answer {
                answer: "9 to 5 (food)".to_owned(),
                site: Some("food".to_owned())
            }
        );
        assert_eq!(
            decide(
                &msg("What are your Opening Hours?", "user", "other"),
                &sites,
                &common
            ),
            Decision::Answer {
                answer: "9 to 6".to_owned(),
                site: None
            }
        );
        assert_eq!(
            decide(
                &msg("Can I pay in bitcoin?", "user", "c-food"),
                &sites,
                &common
            ),
            Decision::Learn {
                site: Some("food".to_owned()),
                text: "Can I pay in bitcoin?".to_owned()
            }
        );
        assert_eq!(
            decide(&msg("price?", "agent", "c-food"), &sites, &common),
            Decision::Ignore("not from a customer")
        );
    }

    #[test]
    fn freshchat_fields_go_together_and_user_type_is_required() {
        let mut s = Store::default();
        let body = |v: Value| v.as_object().cloned().unwrap();
        assert!(
            s.create_user(body(json!({"name": "x"})))
                .unwrap_err()
                .to_string()
                .contains("user-type")
        );
        let e = s
            .create_user(body(
                json!({"user-type": "machine", "freshchat-app-id": "a"}),
            ))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("freshchat-actor-id, freshchat-access-token"),
            "{e}"
        );
        let id = s
            .create_user(body(json!({"user-type": "machine", "name": "bot"})))
            .unwrap();
        assert_eq!(id, 4136);
        s.update_user(
            id,
            vec![
                ("freshchat-actor-id".to_owned(), "ag".to_owned()),
                ("freshchat-access-token".to_owned(), "tok".to_owned()),
                ("freshchat-app-id".to_owned(), "app".to_owned()),
                ("group-name".to_owned(), "Support".to_owned()),
            ],
        )
        .unwrap();
        let (bot, link) = s.bot_for("app").unwrap();
        assert_eq!((bot, link.group_name.as_deref()), (4136, Some("Support")));
        assert!(s.update_user(9, vec![]).is_err());
    }
}
