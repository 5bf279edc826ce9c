//! Fake Smartsupp's state and its conversation generator, free of I/O.
//!
//! [`generate`] turns a [`ChatSpec`] (who, what was said, how it ended) into the
//! POST hook's conversation export with every derived field computed from the
//! messages by [`stats`]: `beginAt`/`endAt`, `duration`, `firstResponse`,
//! `avgResponse`, `messagesCount`, `wordsCount` and the `is*` flags. The rules are
//! reconstructed from the documented example (REFERENCE 5.1), which they reproduce:
//!
//! - times are whole seconds, rounded down; `duration` = `endAt - beginAt`, and
//!   `beginAt`/`endAt` are the first and last messages' `sentAt`;
//! - an agent's answer is an `agent` message without `triggeredBy` (trigger
//!   messages are automatic, so they answer nothing); `firstResponse` is from the
//!   first visitor message to the first answer, and `avgResponse` the mean, over
//!   every run of visitor messages that got an answer, of the time from the run's
//!   first message to the answer (0 when nobody answered);
//! - `messagesCount` counts every message but the closing `close.*` system message;
//! - `wordsCount` counts words of two or more letters or digits in visitor and agent
//!   messages (trigger messages included, system codes not);
//! - `isChat`: the visitor and an agent both wrote; `isMissed`: the visitor wrote and
//!   no agent answered; `isTriggered`: a trigger message; `isOffline`: a visitor
//!   message left with an email; `isCompleted`: closed (`close.*`), answered and not
//!   offline; `isDropped` is never set.
//!
//! Vendor quirk: the documented example shows `isMissed: false` and
//! `isCompleted: true` although its last visitor message is unanswered, against the
//! field table's wording; these rules follow the example \[UNVERIFIED\].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::HookStyle;
use super::rest::state::{RestState, default_agents};
use super::wire::{Channel, HookPayload, Message, PathVisit, Variable, Visitor};
use crate::ids::IdGen;

/// How a chat ended, which decides the hook's flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatKind {
    /// The visitor and an agent chatted, then the chat was closed.
    Finished,
    /// The visitor wrote and no agent answered.
    Missed,
    /// The visitor left a message (with an email) while no agent was online.
    Offline,
}

/// Who wrote a line of a [`ChatSpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// The visitor.
    Visitor,
    /// The agent.
    Agent,
    /// A trigger (an automatic message shown as the agent's).
    Trigger,
}

/// One line of a chat's script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    /// `visitor`, `agent` or `trigger`.
    pub from: Author,
    /// What was written.
    pub text: String,
    /// Milliseconds after the previous message (default 5000; the first line
    /// starts the chat).
    #[serde(default)]
    pub after_ms: Option<u64>,
    /// The trigger's name, for `trigger` lines (default `Welcome trigger`).
    #[serde(default)]
    pub trigger: Option<String>,
}

/// The visitor of a generated chat; every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VisitorSpec {
    /// Display name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// The agents' note.
    pub note: Option<String>,
    /// Group.
    pub group: Option<String>,
    /// IP address.
    pub ip_address: Option<String>,
    /// City.
    pub city: Option<String>,
    /// ISO country code.
    pub country_code: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Browser user agent.
    pub user_agent: Option<String>,
    /// Browser platform.
    pub platform: Option<String>,
    /// Referring page.
    pub referer: Option<String>,
    /// Visitor variables: key → `{label, value}`.
    pub variables: BTreeMap<String, Variable>,
}

impl Default for VisitorSpec {
    fn default() -> Self {
        Self {
            name: Some("Ana Souza".to_owned()),
            email: Some("ana@example.com".to_owned()),
            note: Some(String::new()),
            group: None,
            ip_address: Some("192.0.2.10".to_owned()),
            city: Some("Brno".to_owned()),
            country_code: Some("CZ".to_owned()),
            country: Some("Czech Republic".to_owned()),
            user_agent: Some(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
                    .to_owned(),
            ),
            platform: Some("Linux x86_64".to_owned()),
            referer: Some(String::new()),
            variables: BTreeMap::new(),
        }
    }
}

/// The agent of a generated chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentSpec {
    /// The agent's id.
    pub id: u64,
    /// The agent's name.
    pub name: String,
}

impl Default for AgentSpec {
    fn default() -> Self {
        Self {
            id: 3,
            name: "John Doe".to_owned(),
        }
    }
}

/// Who closed a finished chat.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedBy {
    /// `close.visitorClose` (as in the documented example).
    #[default]
    Visitor,
    /// `close.agentClose` [UNVERIFIED code].
    Agent,
}

/// What a chat is made of: the arguments of the `chat_*` actions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChatSpec {
    /// The visitor.
    pub visitor: VisitorSpec,
    /// The agent who answers.
    pub agent: AgentSpec,
    /// The script; a default one fits the kind when absent.
    pub messages: Option<Vec<Line>>,
    /// The visitor's rating (1 to 5); none: not rated.
    pub rating: Option<i64>,
    /// The rating's comment (default `""` when rated).
    pub rating_desc: Option<String>,
    /// Pages the visitor saw (default: one page).
    pub paths: Option<Vec<PathVisit>>,
    /// Who closed a finished chat.
    pub closed_by: ClosedBy,
}

/// Why a spec cannot make a chat of its kind.
pub fn spec_problems(kind: ChatKind, spec: &ChatSpec) -> Vec<String> {
    let mut out = Vec::new();
    let Some(lines) = &spec.messages else {
        return out;
    };
    if !lines.iter().any(|l| l.from == Author::Visitor) {
        out.push("messages: a chat needs at least one visitor line".to_owned());
    }
    match kind {
        ChatKind::Finished => {
            if !lines.iter().any(|l| l.from == Author::Agent) {
                out.push("messages: a finished chat needs an agent line (without one it is `chat_missed`)".to_owned());
            }
        }
        ChatKind::Missed | ChatKind::Offline => {
            if lines.iter().any(|l| l.from == Author::Agent) {
                out.push(format!(
                    "messages: a {} chat has no agent lines",
                    if kind == ChatKind::Missed {
                        "missed"
                    } else {
                        "offline"
                    }
                ));
            }
        }
    }
    if let Some(r) = spec.rating
        && !(1..=5).contains(&r)
    {
        out.push(format!("rating: {r} is not between 1 and 5"));
    }
    out
}

fn default_script(kind: ChatKind) -> Vec<Line> {
    let line = |from, text: &str| Line {
        from,
        text: text.to_owned(),
        after_ms: None,
        trigger: None,
    };
    match kind {
        ChatKind::Finished => vec![
            line(Author::Visitor, "Hello, my order has not arrived yet."),
            line(
                Author::Agent,
                "Hi, I am sorry to hear that. What is the order number?",
            ),
            line(Author::Visitor, "It is 1042."),
            line(
                Author::Agent,
                "It left our warehouse today, you will have it tomorrow.",
            ),
            line(Author::Visitor, "Thanks!"),
        ],
        ChatKind::Missed => vec![line(Author::Visitor, "Hello, is anybody there?")],
        ChatKind::Offline => vec![line(
            Author::Visitor,
            "Please call me back about my invoice.",
        )],
    }
}

const DEFAULT_GAP_MS: u64 = 5_000;
const JOIN_BEFORE_MS: i64 = 2_000;
const CLOSE_AFTER_MS: i64 = 3_000;

/// Ids a generated chat gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatIds {
    /// The chat's id.
    pub chat: u64,
    /// The visitor's numeric id.
    pub visitor: u64,
    /// The visitor's key, the `from` of visitor messages.
    pub visitor_key: String,
}

/// Builds a consistent conversation export: messages timed from `begin_ms`, system
/// messages where Smartsupp adds them, and the statistics [`stats`] derives.
pub fn generate(
    kind: ChatKind,
    spec: &ChatSpec,
    account_id: u64,
    ids: &ChatIds,
    begin_ms: i64,
    style: HookStyle,
) -> HookPayload {
    let lines = spec
        .messages
        .clone()
        .unwrap_or_else(|| default_script(kind));
    let v = &spec.visitor;
    let agent = &spec.agent;
    let visitor_from = match style {
        HookStyle::Developers => json!(ids.visitor_key),
        HookStyle::HelpCenter => json!(format!("visitor:{}", ids.visitor_key)),
    };
    let agent_from = match style {
        HookStyle::Developers => json!(agent.id),
        HookStyle::HelpCenter => json!(format!("agent:{}", agent.id)),
    };
    let system_from = match style {
        HookStyle::Developers => Value::Null,
        HookStyle::HelpCenter => json!("system"),
    };
    let email = |e: Option<String>| match style {
        HookStyle::Developers => Some(e),
        HookStyle::HelpCenter => None,
    };
    let mut messages = Vec::new();
    let mut t = begin_ms;
    let mut joined = false;
    for (i, l) in lines.iter().enumerate() {
        let gap = if i == 0 {
            0
        } else {
            i64::try_from(l.after_ms.unwrap_or(DEFAULT_GAP_MS)).unwrap_or(i64::MAX / 4)
        };
        t = t.saturating_add(gap);
        match l.from {
            Author::Visitor => {
                let offline = kind == ChatKind::Offline;
                messages.push(Message {
                    kind: "visitor".to_owned(),
                    name: v.name.clone(),
                    from: visitor_from.clone(),
                    content: l.text.clone(),
                    sent_at: t,
                    triggered_by: None,
                    email: email(if offline { v.email.clone() } else { None }),
                });
            }
            Author::Agent => {
                if !joined {
                    joined = true;
                    let prev = messages.last().map_or(t, |m: &Message| m.sent_at);
                    let at = (t - JOIN_BEFORE_MS).max(prev);
                    messages.push(Message {
                        kind: "system".to_owned(),
                        name: Some(agent.name.clone()),
                        from: agent_from.clone(),
                        content: "agent.join".to_owned(),
                        sent_at: at,
                        triggered_by: None,
                        email: email(None),
                    });
                }
                messages.push(Message {
                    kind: "agent".to_owned(),
                    name: Some(agent.name.clone()),
                    from: agent_from.clone(),
                    content: l.text.clone(),
                    sent_at: t,
                    triggered_by: None,
                    email: email(None),
                });
            }
            Author::Trigger => messages.push(Message {
                kind: "agent".to_owned(),
                name: Some(String::new()),
                from: system_from.clone(),
                content: l.text.clone(),
                sent_at: t,
                triggered_by: Some(
                    l.trigger
                        .clone()
                        .unwrap_or_else(|| "Welcome trigger".to_owned()),
                ),
                email: email(None),
            }),
        }
    }
    if kind == ChatKind::Finished {
        t = t.saturating_add(CLOSE_AFTER_MS);
        let (name, from, code) = match spec.closed_by {
            ClosedBy::Visitor => (v.name.clone(), system_from, "close.visitorClose"),
            ClosedBy::Agent => (Some(agent.name.clone()), agent_from, "close.agentClose"),
        };
        messages.push(Message {
            kind: "system".to_owned(),
            name: name.or_else(|| Some(String::new())),
            from,
            content: code.to_owned(),
            sent_at: t,
            triggered_by: None,
            email: email(None),
        });
    }
    let s = stats(&messages);
    let rated = spec.rating.is_some();
    let group = v.group.clone();
    HookPayload {
        account_id,
        begin_at: s.begin_at,
        end_at: s.end_at,
        channel: Channel {
            id: ids.chat,
            is_chat: s.is_chat,
            is_missed: s.is_missed,
            is_triggered: s.is_triggered,
            is_offline: s.is_offline || kind == ChatKind::Offline,
            is_completed: s.is_completed && kind == ChatKind::Finished,
            is_dropped: false,
            duration: s.duration,
            avg_response: s.avg_response,
            first_response: s.first_response,
            messages_count: s.messages_count,
            words_count: s.words_count,
            rating: spec.rating,
            rating_desc: if rated {
                Some(spec.rating_desc.clone().unwrap_or_default())
            } else {
                None
            },
        },
        visitor: Visitor {
            id: ids.visitor,
            name: v.name.clone(),
            email: v.email.clone(),
            note: v.note.clone(),
            group_key: (style == HookStyle::Developers).then(|| group.clone()),
            group: (style == HookStyle::HelpCenter).then_some(group),
            ip_address: v.ip_address.clone(),
            city: v.city.clone(),
            country_code: v.country_code.clone(),
            country: v.country.clone(),
            user_agent: v.user_agent.clone(),
            platform: v.platform.clone(),
            referer: v.referer.clone(),
            variables: v.variables.clone(),
        },
        paths: spec.paths.clone().unwrap_or_else(|| {
            vec![PathVisit {
                url: "https://shop.example.com/orders".to_owned(),
                title: "My orders · Example Shop".to_owned(),
            }]
        }),
        messages,
    }
}

/// What the hook derives from a chat's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// The first message's `sentAt` (0 without messages).
    pub begin_at: i64,
    /// The last message's `sentAt`.
    pub end_at: i64,
    /// Whole seconds from first to last message.
    pub duration: i64,
    /// Whole seconds to the first answer.
    pub first_response: i64,
    /// Mean whole seconds to an answer.
    pub avg_response: i64,
    /// Messages but the closing one.
    pub messages_count: u64,
    /// Words of two or more letters or digits in visitor and agent messages.
    pub words_count: u64,
    /// Visitor and agent both wrote.
    pub is_chat: bool,
    /// The visitor wrote and nobody answered.
    pub is_missed: bool,
    /// A trigger message.
    pub is_triggered: bool,
    /// A visitor message with an email.
    pub is_offline: bool,
    /// Closed and answered, not offline.
    pub is_completed: bool,
}

fn is_answer(m: &Message) -> bool {
    m.kind == "agent" && m.triggered_by.is_none()
}

fn is_close(m: &Message) -> bool {
    m.kind == "system" && m.content.starts_with("close.")
}

/// Words of two or more letters or digits (the documented example counts `Hi,` but
/// not `i` or `?`).
pub fn words(text: &str) -> u64 {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .count() as u64
}

/// The statistics of a chat, by the rules in the module's documentation.
pub fn stats(messages: &[Message]) -> Stats {
    let begin_at = messages.first().map_or(0, |m| m.sent_at);
    let end_at = messages.last().map_or(begin_at, |m| m.sent_at);
    let secs = |ms: i64| ms.max(0) / 1000;
    let mut waiting_since: Option<i64> = None;
    let mut delays: Vec<i64> = Vec::new();
    for m in messages {
        if m.kind == "visitor" {
            waiting_since.get_or_insert(m.sent_at);
        } else if is_answer(m)
            && let Some(since) = waiting_since.take()
        {
            delays.push(m.sent_at - since);
        }
    }
    let first_response = delays.first().map_or(0, |d| secs(*d));
    let avg_response = if delays.is_empty() {
        0
    } else {
        secs(delays.iter().sum::<i64>() / delays.len() as i64)
    };
    let visitor_wrote = messages.iter().any(|m| m.kind == "visitor");
    let answered = messages.iter().any(is_answer);
    let is_offline = messages
        .iter()
        .any(|m| m.kind == "visitor" && matches!(&m.email, Some(Some(_))));
    Stats {
        begin_at,
        end_at,
        duration: secs(end_at - begin_at),
        first_response,
        avg_response,
        messages_count: messages.iter().filter(|m| !is_close(m)).count() as u64,
        words_count: messages
            .iter()
            .filter(|m| m.kind != "system")
            .map(|m| words(&m.content))
            .sum(),
        is_chat: visitor_wrote && answered,
        is_missed: visitor_wrote && !answered,
        is_triggered: messages.iter().any(|m| m.triggered_by.is_some()),
        is_offline,
        is_completed: messages.iter().any(is_close) && answered && !is_offline,
    }
}

/// One delivery and how it went.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    /// The delivery's id (shared by its journaled attempts).
    pub delivery: String,
    /// `hook` or the webhook event's name.
    pub event: String,
    /// The chat's id, for hooks and conversation events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<Value>,
    /// Where it went.
    pub url: String,
    /// `in_progress`, `delivered` or `failed`.
    pub status: &'static str,
    /// Each attempt's status or error.
    pub attempts: Vec<Value>,
}

/// Everything fake Smartsupp holds.
#[derive(Debug, Clone)]
pub struct Store {
    ids: IdGen,
    next_chat: u64,
    next_visitor: u64,
    /// The conversations sent by the hook, oldest first.
    pub chats: Vec<HookPayload>,
    /// Hook deliveries.
    pub hooks: Vec<DeliveryRecord>,
    /// Webhook deliveries.
    pub webhooks: Vec<DeliveryRecord>,
    /// What the public REST API adds: statuses, contacts, agents, notes.
    pub rest: RestState,
}

impl Store {
    /// The seeded state: no chats yet.
    pub fn seeded(seed: u64) -> Self {
        Self {
            ids: IdGen::new(seed ^ 0x05A7_5005),
            next_chat: 55_039,
            next_visitor: 27_671,
            chats: Vec::new(),
            hooks: Vec::new(),
            webhooks: Vec::new(),
            rest: RestState::seeded(default_agents()),
        }
    }

    /// A new contact's id, from the visitors' sequence (a visitor's contact shares
    /// its id).
    pub fn contact_id(&mut self) -> u64 {
        let id = self.next_visitor;
        self.next_visitor += 1;
        id
    }

    /// The chat with this id, to change it.
    pub fn chat_mut(&mut self, id: u64) -> Option<&mut HookPayload> {
        self.chats.iter_mut().find(|c| c.channel.id == id)
    }

    /// Ids for a new chat.
    pub fn chat_ids(&mut self) -> ChatIds {
        const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let chat = self.next_chat;
        self.next_chat += 1;
        let visitor = self.next_visitor;
        self.next_visitor += 1;
        // Shaped as the documented key: 35 letters and digits, then 13 digits.
        let mut key: String = (0..35)
            .map(|_| ALNUM[(self.ids.next_u64() % ALNUM.len() as u64) as usize] as char)
            .collect();
        key.push_str(
            &self
                .ids
                .range(1_000_000_000_000, 2_000_000_000_000)
                .to_string(),
        );
        ChatIds {
            chat,
            visitor,
            visitor_key: key,
        }
    }

    /// A delivery id.
    pub fn delivery_id(&mut self) -> String {
        self.ids.hex(24)
    }

    /// The chat with this id.
    pub fn chat(&self, id: u64) -> Option<&HookPayload> {
        self.chats.iter().find(|c| c.channel.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(from: Author, text: &str, after_ms: u64) -> Line {
        Line {
            from,
            text: text.to_owned(),
            after_ms: Some(after_ms),
            trigger: None,
        }
    }

    fn ids() -> ChatIds {
        ChatIds {
            chat: 1,
            visitor: 2,
            visitor_key: "k".to_owned(),
        }
    }

    #[test]
    fn words_are_runs_of_two_or_more_letters_or_digits() {
        assert_eq!(words("Hi, how can i help you ?"), 5);
        assert_eq!(words("order 1042."), 2);
        assert_eq!(words(""), 0);
    }

    #[test]
    fn a_finished_chat_joins_before_the_first_answer_and_closes_last() {
        let spec = ChatSpec {
            messages: Some(vec![
                line(Author::Visitor, "Hello there", 0),
                line(Author::Trigger, "We answer fast", 1_000),
                line(Author::Agent, "Hi!", 9_500),
                line(Author::Visitor, "ok", 4_000),
            ]),
            rating: Some(4),
            ..ChatSpec::default()
        };
        let p = generate(
            ChatKind::Finished,
            &spec,
            7,
            &ids(),
            1_000_000,
            HookStyle::Developers,
        );
        let kinds: Vec<(&str, &str)> = p
            .messages
            .iter()
            .map(|m| (m.kind.as_str(), m.content.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("visitor", "Hello there"),
                ("agent", "We answer fast"),
                ("system", "agent.join"),
                ("agent", "Hi!"),
                ("visitor", "ok"),
                ("system", "close.visitorClose"),
            ]
        );
        let c = &p.channel;
        assert_eq!((p.begin_at, p.end_at), (1_000_000, 1_000_000 + 17_500));
        assert_eq!((c.duration, c.first_response, c.avg_response), (17, 10, 10));
        assert_eq!((c.messages_count, c.words_count), (5, 7));
        assert!(c.is_chat && c.is_triggered && c.is_completed);
        assert!(!c.is_missed && !c.is_offline && !c.is_dropped);
        assert_eq!((c.rating, c.rating_desc.as_deref()), (Some(4), Some("")));
        assert_eq!(p.messages[2].sent_at, p.messages[3].sent_at - 2_000);
    }

    #[test]
    fn missed_and_offline_chats_have_no_answer() {
        let missed = generate(
            ChatKind::Missed,
            &ChatSpec::default(),
            7,
            &ids(),
            0,
            HookStyle::Developers,
        );
        assert!(missed.channel.is_missed && !missed.channel.is_chat);
        assert!(!missed.channel.is_completed);
        assert_eq!(missed.channel.rating_desc, None);
        let offline = generate(
            ChatKind::Offline,
            &ChatSpec::default(),
            7,
            &ids(),
            0,
            HookStyle::Developers,
        );
        assert!(offline.channel.is_offline);
        assert_eq!(
            offline.messages[0].email,
            Some(Some("ana@example.com".to_owned()))
        );
    }

    #[test]
    fn specs_that_contradict_their_kind_are_named() {
        let spec = ChatSpec {
            messages: Some(vec![line(Author::Agent, "hi", 0)]),
            rating: Some(9),
            ..ChatSpec::default()
        };
        assert_eq!(spec_problems(ChatKind::Missed, &spec).len(), 3);
        assert!(spec_problems(ChatKind::Finished, &ChatSpec::default()).is_empty());
    }

    #[test]
    fn the_help_center_style_prefixes_senders_and_drops_email() {
        let p = generate(
            ChatKind::Finished,
            &ChatSpec::default(),
            7,
            &ids(),
            0,
            HookStyle::HelpCenter,
        );
        assert_eq!(p.messages[0].from, json!("visitor:k"));
        assert_eq!(p.messages[1].from, json!("agent:3"));
        assert!(p.messages.iter().all(|m| m.email.is_none()));
        assert_eq!(
            (p.visitor.group_key.clone(), p.visitor.group),
            (None, Some(None))
        );
    }
}
