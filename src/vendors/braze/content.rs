//! Content Blocks (REFERENCE braze-rest 6.1): list, info, create and update, and
//! `{{content_blocks.${name}}}` in Liquid, which includes a block's content (its
//! own Liquid rendered with the message's).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::account::Braze;
use super::error::{BrazeError, BrazeJson, json_response};
use super::messaging::{Reply, bad};
use super::store::Store;
use super::webhook::Campaign;

type B = State<Arc<Braze>>;
type Q = Query<HashMap<String, String>>;

/// Largest content (\[DOC\] "smaller than 50kb").
const MAX_CONTENT: usize = 50 * 1024;
/// How deep blocks may include blocks.
const MAX_DEPTH: usize = 4;
/// The most a message may grow to by including blocks.
const MAX_EXPANDED: usize = 1024 * 1024;

/// A Content Block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentBlock {
    /// Its id (a UUID).
    pub content_block_id: String,
    /// Its name, used in the Liquid tag.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Its content (Liquid).
    pub content: String,
    /// `active` or `draft`.
    pub state: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Created.
    #[serde(serialize_with = "iso")]
    pub created_at: OffsetDateTime,
    /// Last edited.
    #[serde(serialize_with = "iso")]
    pub last_edited: OffsetDateTime,
}

pub(super) fn iso<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&stamp(*t))
}

/// Braze's export timestamps: ISO-8601 with milliseconds and `+00:00`.
pub fn stamp(t: OffsetDateTime) -> String {
    format!(
        "{}+00:00",
        crate::clock::iso_millis(t).trim_end_matches('Z')
    )
}

/// The Liquid tag that includes block `name`.
pub fn liquid_tag(name: &str) -> String {
    format!("{{{{content_blocks.${{{name}}}}}}}")
}

/// `source` with every `{{content_blocks.${name}}}` of an active block replaced
/// by its content, blocks within blocks included up to a few levels deep.
pub fn expand(source: &str, blocks: &[ContentBlock]) -> String {
    let mut out = source.to_owned();
    for _ in 0..MAX_DEPTH {
        if !out.contains("content_blocks.") {
            break;
        }
        let before = out.clone();
        for cb in blocks.iter().filter(|c| c.state == "active") {
            for tag in [
                liquid_tag(&cb.name),
                format!("{{{{ content_blocks.${{{}}} }}}}", cb.name),
            ] {
                // Blocks that include blocks many times could grow without end:
                // past the cap the tag stays as it is.
                let grown = out.matches(&tag).count().saturating_mul(cb.content.len());
                if out.len().saturating_add(grown) <= MAX_EXPANDED {
                    out = out.replace(&tag, &cb.content);
                }
            }
        }
        if out == before {
            break;
        }
    }
    out
}

/// A campaign with every Content Block tag of its URL, headers and body expanded.
pub fn expand_campaign(c: &Campaign, blocks: &[ContentBlock]) -> Campaign {
    if blocks.is_empty() {
        return c.clone();
    }
    let mut out = c.clone();
    out.url = expand(&c.url, blocks);
    out.body = expand(&c.body, blocks);
    for v in out.headers.values_mut().chain(out.pairs.values_mut()) {
        *v = expand(v, blocks);
    }
    out
}

/// Content Block names a text includes that the workspace does not have.
pub(super) fn unknown_blocks(text: &str, blocks: &[ContentBlock]) -> bool {
    text.match_indices("content_blocks.${").any(|(i, m)| {
        let rest = &text[i + m.len()..];
        let name = rest.split('}').next().unwrap_or_default();
        !blocks.iter().any(|c| c.name == name)
    })
}

pub(super) fn text(
    o: &Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<Option<String>, BrazeError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(&format!("{what} must be a string"))),
    }
}

pub(super) fn tags(o: &Map<String, Value>) -> Result<Option<Vec<String>>, BrazeError> {
    match o.get("tags") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| bad("All tags must be strings")),
        Some(_) => Err(bad("Tags must be an array")),
    }
}

fn check_content(b: &Braze, content: &str, name: &str) -> Result<(), BrazeError> {
    if content.trim().is_empty() {
        return Err(bad("Content cannot be blank"));
    }
    if content.len() >= MAX_CONTENT {
        return Err(bad("Content must be smaller than 50kb"));
    }
    if content.contains(&liquid_tag(name)) {
        return Err(bad("Content Block cannot be referenced within itself"));
    }
    let source = super::abort::rewrite(content);
    if let Err(crate::template::TemplateError::Parse(_)) =
        b.ctx()
            .templates
            .render(crate::template::Dialect::Braze, &source, &json!({}))
    {
        return Err(bad("Content contains malformed liquid"));
    }
    Ok(())
}

fn check_name(store: &Store, name: &str, own: Option<&str>) -> Result<(), BrazeError> {
    if name.trim().is_empty() {
        return Err(bad("Content Block name cannot be blank"));
    }
    if name.chars().count() >= 100 {
        return Err(bad(
            "Content Block name must be shorter than 100 characters",
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(bad(
            "Content Block name can only contain alphanumeric characters",
        ));
    }
    let taken = store
        .api
        .content_blocks
        .iter()
        .any(|c| c.name == name && Some(c.content_block_id.as_str()) != own);
    if taken {
        return Err(bad("Content Block with this name already exists"));
    }
    Ok(())
}

fn block_state(o: &Map<String, Value>) -> Result<Option<String>, BrazeError> {
    match text(o, "state", "state")? {
        None => Ok(None),
        Some(s) if s == "active" || s == "draft" => Ok(Some(s)),
        Some(_) => Err(bad("Content Block state must be either active or draft")),
    }
}

fn block_reply(status: StatusCode, c: &ContentBlock) -> Reply {
    Ok(json_response(
        status,
        &json!({"content_block_id": c.content_block_id, "liquid_tag": liquid_tag(&c.name),
                "created_at": stamp(c.created_at), "message": "success"}),
    ))
}

/// `POST /content_blocks/create`: 201 (\[SDK\]).
pub async fn block_create(State(b): B, BrazeJson(o): BrazeJson) -> Reply {
    let name = text(&o, "name", "Content Block name")?.unwrap_or_default();
    let content = text(&o, "content", "Content")?.unwrap_or_default();
    let description = text(&o, "description", "description")?.unwrap_or_default();
    if description.chars().count() >= 250 {
        return Err(bad(
            "Content Block description must be shorter than 250 characters",
        ));
    }
    check_name(&b.store(), &name, None)?;
    check_content(&b, &content, &name)?;
    let state = block_state(&o)?.unwrap_or_else(|| "active".to_owned());
    let tags = tags(&o)?.unwrap_or_default();
    let now = b.now();
    let mut store = b.store();
    let c = ContentBlock {
        content_block_id: store.uuid(),
        name,
        description,
        content,
        state,
        tags,
        created_at: now,
        last_edited: now,
    };
    store.api.content_blocks.push(c.clone());
    block_reply(StatusCode::CREATED, &c)
}

/// `POST /content_blocks/update`: 200 (\[SDK\] lists 200 and 201). An active
/// block keeps its name and may not go back to draft (\[DOC\]).
pub async fn block_update(State(b): B, BrazeJson(o): BrazeJson) -> Reply {
    let id = text(&o, "content_block_id", "content_block_id")?.unwrap_or_default();
    if id.is_empty() {
        return Err(bad("Content Block ID cannot be blank"));
    }
    let Some(mut c) = find_block(&b.store(), &id) else {
        return Err(bad("Content Block ID is invalid for this workspace"));
    };
    if let Some(name) = text(&o, "name", "Content Block name")?
        && name != c.name
    {
        if c.state == "active" {
            return Err(bad(
                "Content Block name cannot be updated for active Content Blocks",
            ));
        }
        check_name(&b.store(), &name, Some(&id))?;
        c.name = name;
    }
    if let Some(s) = block_state(&o)? {
        if c.state == "active" && s == "draft" {
            return Err(bad(
                "Active Content Block can not be updated to Draft. Create a new Content Block.",
            ));
        }
        c.state = s;
    }
    if let Some(content) = text(&o, "content", "Content")? {
        check_content(&b, &content, &c.name)?;
        c.content = content;
    }
    if let Some(d) = text(&o, "description", "description")? {
        c.description = d;
    }
    if let Some(t) = tags(&o)? {
        c.tags = t;
    }
    c.last_edited = b.now();
    let mut store = b.store();
    if let Some(slot) = store
        .api
        .content_blocks
        .iter_mut()
        .find(|x| x.content_block_id == id)
    {
        *slot = c.clone();
    }
    block_reply(StatusCode::OK, &c)
}

fn find_block(store: &Store, id: &str) -> Option<ContentBlock> {
    store
        .api
        .content_blocks
        .iter()
        .find(|c| c.content_block_id == id)
        .cloned()
}

/// How many campaigns, Canvases, templates and blocks include block `name`.
fn inclusion_count(store: &Store, name: &str) -> usize {
    let tag = format!("content_blocks.${{{name}}}");
    let campaigns = store
        .campaigns
        .iter()
        .chain(&store.api.canvases)
        .filter(|c| {
            c.url.contains(&tag)
                || c.body.contains(&tag)
                || c.headers
                    .values()
                    .chain(c.pairs.values())
                    .any(|v| v.contains(&tag))
        })
        .count();
    let templates = store
        .api
        .email_templates
        .iter()
        .filter(|t| t.body.contains(&tag) || t.subject.contains(&tag))
        .count();
    let blocks = store
        .api
        .content_blocks
        .iter()
        .filter(|c| c.content.contains(&tag))
        .count();
    campaigns + templates + blocks
}

fn content_type(content: &str) -> &'static str {
    // Vendor quirk: how Braze decides html or text is UNKNOWN; markup means html.
    if content.contains('<') {
        "html"
    } else {
        "text"
    }
}

/// The list paging and time filters: `modified_after`, `modified_before`
/// (ISO-8601), `limit` (default 100, at most 1000), `offset`.
pub(super) struct Window {
    after: Option<OffsetDateTime>,
    before: Option<OffsetDateTime>,
    pub(super) limit: usize,
    pub(super) offset: usize,
}

pub(super) fn window(q: &HashMap<String, String>, noun: &str) -> Result<Window, BrazeError> {
    let time = |k: &str, msg: &str| {
        q.get(k)
            .map(|v| super::wire::parse_time(v).ok_or_else(|| bad(msg)))
            .transpose()
    };
    let limit = match q.get("limit") {
        None => 100,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| bad(&format!("{noun} number limit exceeds maximum of 1000")))?,
    };
    let offset = match q.get("offset") {
        None => 0,
        Some(v) => v.parse().map_err(|_| bad("Offset is invalid"))?,
    };
    Ok(Window {
        after: time("modified_after", "Modified after time is invalid")?,
        before: time("modified_before", "Modified before time is invalid")?,
        limit,
        offset,
    })
}

impl Window {
    pub(super) fn keeps(&self, t: OffsetDateTime) -> bool {
        self.after.is_none_or(|a| t >= a) && self.before.is_none_or(|b| t <= b)
    }
}

/// `GET /content_blocks/list`: `{"count", "content_blocks"}` (\[DOC\]).
pub async fn block_list(State(b): B, Query(q): Q) -> Reply {
    let w = window(&q, "Content Block")?;
    let store = b.store();
    let items: Vec<Value> = store
        .api
        .content_blocks
        .iter()
        .filter(|c| w.keeps(c.last_edited))
        .skip(w.offset)
        .take(w.limit)
        .map(|c| {
            json!({"content_block_id": c.content_block_id, "name": c.name,
                   "content_type": content_type(&c.content), "liquid_tag": liquid_tag(&c.name),
                   "inclusion_count": inclusion_count(&store, &c.name),
                   "created_at": stamp(c.created_at), "last_edited": stamp(c.last_edited), "tags": c.tags})
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"count": items.len(), "content_blocks": items, "message": "success"}),
    ))
}

/// `GET /content_blocks/info?content_block_id=`.
pub async fn block_info(State(b): B, Query(q): Q) -> Reply {
    let id = q.get("content_block_id").cloned().unwrap_or_default();
    if id.is_empty() {
        return Err(bad("Content Block ID cannot be blank"));
    }
    let store = b.store();
    let Some(c) = find_block(&store, &id) else {
        return Err(bad("Content Block ID is invalid for this workspace"));
    };
    let mut out = json!({"content_block_id": c.content_block_id, "name": c.name, "content": c.content,
        "description": c.description, "content_type": content_type(&c.content), "tags": c.tags,
        "created_at": stamp(c.created_at), "last_edited": stamp(c.last_edited),
        "inclusion_count": inclusion_count(&store, &c.name), "message": "success"});
    if q.get("include_inclusion_data").is_some_and(|v| v == "true") {
        out["inclusion_data"] = json!([]);
    }
    Ok(json_response(StatusCode::OK, &out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(name: &str, content: &str) -> ContentBlock {
        ContentBlock {
            content_block_id: name.to_owned(),
            name: name.to_owned(),
            description: String::new(),
            content: content.to_owned(),
            state: "active".to_owned(),
            tags: Vec::new(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            last_edited: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn blocks_expand_within_blocks_and_never_past_the_cap() {
        let blocks = [block("a", "A{{content_blocks.${b}}}"), block("b", "B")];
        assert_eq!(expand("x {{content_blocks.${a}}} y", &blocks), "x AB y");
        let mut draft = block("c", "C");
        draft.state = "draft".to_owned();
        assert_eq!(
            expand("{{content_blocks.${c}}}", &[draft]),
            "{{content_blocks.${c}}}"
        );
        let many = "{{content_blocks.${big}}}".repeat(2000);
        let bomb = [block("big", &many), block("top", &many)];
        let out = expand("{{content_blocks.${top}}}", &bomb);
        assert!(out.len() <= MAX_EXPANDED, "{}", out.len());
    }
}
