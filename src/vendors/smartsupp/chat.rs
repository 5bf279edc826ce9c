//! Fake Smartsupp's conversation generator, free of I/O.
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
use super::wire::{Channel, HookPayload, Message, PathVisit, Variable, Visitor};

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

/// How the hook writes senders in one style: the `from` of visitor, agent and
/// system messages, and whether messages carry `email`.
struct Senders {
    visitor: Value,
    agent: Value,
    system: Value,
    style: HookStyle,
}

impl Senders {
    fn of(style: HookStyle, ids: &ChatIds, agent: &AgentSpec) -> Self {
        match style {
            HookStyle::Developers => Self {
                visitor: json!(ids.visitor_key),
                agent: json!(agent.id),
                system: Value::Null,
                style,
            },
            HookStyle::HelpCenter => Self {
                visitor: json!(format!("visitor:{}", ids.visitor_key)),
                agent: json!(format!("agent:{}", agent.id)),
                system: json!("system"),
                style,
            },
        }
    }

    /// A message's `email` field: present (maybe null) only in the developers'
    /// style.
    fn email(&self, email: Option<String>) -> Option<Option<String>> {
        match self.style {
            HookStyle::Developers => Some(email),
            HookStyle::HelpCenter => None,
        }
    }
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
    let senders = Senders::of(style, ids, &spec.agent);
    let (mut messages, last_ms) = script_messages(kind, spec, &lines, &senders, begin_ms);
    if kind == ChatKind::Finished {
        messages.push(close_message(
            spec,
            &senders,
            last_ms.saturating_add(CLOSE_AFTER_MS),
        ));
    }
    let s = stats(&messages);
    HookPayload {
        account_id,
        begin_at: s.begin_at,
        end_at: s.end_at,
        channel: channel_of(kind, spec, ids, &s),
        visitor: visitor_of(&spec.visitor, ids, style),
        paths: spec.paths.clone().unwrap_or_else(|| {
            vec![PathVisit {
                url: "https://shop.example.com/orders".to_owned(),
                title: "My orders · Example Shop".to_owned(),
            }]
        }),
        messages,
    }
}

/// The script's lines as messages, each `after_ms` (default 5 s) after the one
/// before, with `agent.join` just before the agent's first line. Returns them and
/// the time of the last line.
fn script_messages(
    kind: ChatKind,
    spec: &ChatSpec,
    lines: &[Line],
    senders: &Senders,
    begin_ms: i64,
) -> (Vec<Message>, i64) {
    let mut messages = Vec::new();
    let mut at_ms = begin_ms;
    let mut joined = false;
    for (n, line) in lines.iter().enumerate() {
        let gap = if n == 0 {
            0
        } else {
            i64::try_from(line.after_ms.unwrap_or(DEFAULT_GAP_MS)).unwrap_or(i64::MAX / 4)
        };
        at_ms = at_ms.saturating_add(gap);
        if line.from == Author::Agent && !joined {
            joined = true;
            let prev = messages.last().map_or(at_ms, |m: &Message| m.sent_at);
            let mut join = line_message(
                kind,
                spec,
                line,
                senders,
                (at_ms - JOIN_BEFORE_MS).max(prev),
            );
            join.kind = "system".to_owned();
            join.content = "agent.join".to_owned();
            messages.push(join);
        }
        messages.push(line_message(kind, spec, line, senders, at_ms));
    }
    (messages, at_ms)
}

/// One line of the script as the message it becomes at `at_ms`.
fn line_message(
    kind: ChatKind,
    spec: &ChatSpec,
    line: &Line,
    senders: &Senders,
    at_ms: i64,
) -> Message {
    let (kind, name, from, email, triggered_by) = match line.from {
        Author::Visitor => {
            let offline = kind == ChatKind::Offline;
            let email = if offline {
                spec.visitor.email.clone()
            } else {
                None
            };
            (
                "visitor",
                spec.visitor.name.clone(),
                &senders.visitor,
                email,
                None,
            )
        }
        Author::Agent => (
            "agent",
            Some(spec.agent.name.clone()),
            &senders.agent,
            None,
            None,
        ),
        Author::Trigger => (
            "agent",
            Some(String::new()),
            &senders.system,
            None,
            Some(
                line.trigger
                    .clone()
                    .unwrap_or_else(|| "Welcome trigger".to_owned()),
            ),
        ),
    };
    Message {
        kind: kind.to_owned(),
        name,
        from: from.clone(),
        content: line.text.clone(),
        sent_at: at_ms,
        triggered_by,
        email: senders.email(email),
    }
}

/// The system message that closes a finished chat, from whoever closed it.
fn close_message(spec: &ChatSpec, senders: &Senders, at_ms: i64) -> Message {
    let (name, from, code) = match spec.closed_by {
        ClosedBy::Visitor => (
            spec.visitor.name.clone(),
            senders.system.clone(),
            "close.visitorClose",
        ),
        ClosedBy::Agent => (
            Some(spec.agent.name.clone()),
            senders.agent.clone(),
            "close.agentClose",
        ),
    };
    Message {
        kind: "system".to_owned(),
        name: name.or_else(|| Some(String::new())),
        from,
        content: code.to_owned(),
        sent_at: at_ms,
        triggered_by: None,
        email: senders.email(None),
    }
}

/// The hook's `channel`: the chat's flags and statistics, and its rating.
fn channel_of(kind: ChatKind, spec: &ChatSpec, ids: &ChatIds, s: &Stats) -> Channel {
    Channel {
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
        rating_desc: spec
            .rating
            .map(|_| spec.rating_desc.clone().unwrap_or_default()),
    }
}

/// The hook's `visitor`; the group is `groupKey` in the developers' style and
/// `group` in the help center's.
fn visitor_of(v: &VisitorSpec, ids: &ChatIds, style: HookStyle) -> Visitor {
    let group = v.group.clone();
    Visitor {
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
