//! Handlers of fake Mammut: the graph user endpoints (path forms exactly as the
//! Freshchat guide shows them, colons included), and the Freshchat channel, where
//! the bot reads webhooks and answers through the Freshchat API.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::routing::post;
use bytes::Bytes;
use serde_json::{Value, json};

use super::account::Mammut;
use super::error::{ChannelError, MammutError, Reply, ok};
use super::store::{Decision, FreshchatLink, Received, Thought};
use crate::clock::iso_seconds;
use crate::outbound::{NoRetry, Outcome, Outgoing};
use crate::vendors::freshchat::for_mammut::{self as freshchat, PUBLIC_KEY_PEER};

type M = State<Arc<Mammut>>;

/// Every route: the Freshchat channel (and the guide's `/channels/sms/`), and the
/// graph paths, parsed by hand because their segments hold colons.
pub fn routes() -> Router<Arc<Mammut>> {
    Router::new()
        .route("/channels/freshchat/", post(channel))
        .route("/channels/freshchat", post(channel))
        .route("/channels/sms/", post(channel))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(super::graph_api::graph)
}

async fn method_not_allowed() -> axum::response::Response {
    crate::fake::unmatched(MammutError::MethodNotAllowed)
}

// ---- the Freshchat channel ---------------------------------------------------------

/// One call to the Freshchat API as the bot, journaled as Mammut's outbound
/// traffic; the JSON answer, or why there is none.
async fn call_freshchat(
    m: &Mammut,
    link: &FreshchatLink,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, ChannelError> {
    let base = link
        .api_url
        .clone()
        .or_else(|| m.settings().freshchat_api_url.clone())
        .or_else(|| m.ctx().peers.url("freshchat").map(|u| format!("{u}/v2")))
        .ok_or(ChannelError::NoApiUrl)?;
    let mut headers = HeaderMap::new();
    let auth = HeaderValue::from_str(&format!("Bearer {}", link.access_token))
        .map_err(|_| ChannelError::BadToken)?;
    headers.insert(header::AUTHORIZATION, auth);
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    let bytes = match body {
        Some(b) => {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Bytes::from(b.to_string())
        }
        None => Bytes::new(),
    };
    let req = Outgoing {
        method,
        url: format!("{}{path}", base.trim_end_matches('/')),
        headers,
        body: bytes,
    };
    let delivery = m
        .ctx()
        .sender
        .deliver("mammut", path, Duration::from_secs(10), &NoRetry, |_| {
            req.clone()
        })
        .await;
    match delivery.attempts.last() {
        Some(Outcome::Answered(a)) if (200..300).contains(&a.status) => {
            Ok(serde_json::from_slice(&a.body).unwrap_or(Value::Null))
        }
        Some(Outcome::Answered(a)) => Err(ChannelError::Status(a.status)),
        Some(Outcome::TimedOut) => Err(ChannelError::TimedOut),
        Some(Outcome::Failed(why)) => Err(ChannelError::Failed(why.clone())),
        None => Err(ChannelError::NoAttempt),
    }
}

fn verify(m: &Mammut, headers: &HeaderMap, body: &[u8]) -> Result<(), MammutError> {
    if !m.settings().verify_signatures {
        return Ok(());
    }
    let pem = m
        .settings()
        .freshchat_public_key_pem
        .clone()
        .or_else(|| m.ctx().peers.published(PUBLIC_KEY_PEER))
        // Not published yet: fake Freshchat is still generating its key.
        .unwrap_or_else(|| freshchat::SigningKey::shared().public_pem());
    let Some(sig) = headers
        .get(freshchat::SIGNATURE)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(MammutError::BadSignature(
            "missing X-Freshchat-Signature".to_owned(),
        ));
    };
    if freshchat::verify(&pem, body, sig) {
        Ok(())
    } else {
        Err(MammutError::BadSignature(
            "X-Freshchat-Signature does not verify with the Freshchat public key".to_owned(),
        ))
    }
}

/// `POST /channels/freshchat/`: a Freshchat webhook. The bot verifies it, finds
/// the bot of the message's account, applies [`super::store::decide`], and acts
/// before answering 200, so the whole exchange is nested in the delivery.
async fn channel(State(m): M, headers: HeaderMap, body: Bytes) -> Reply {
    verify(&m, &headers, &body)?;
    let payload: Value = serde_json::from_slice(&body)
        .map_err(|e| MammutError::BadRequest(format!("the body is not valid JSON: {e}")))?;
    let action = payload
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let message = payload.pointer("/data/message");
    let field = |k: &str| {
        message
            .and_then(|msg| msg.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let conversation_id = field("conversation_id");
    let record_at = |outcome: String, site: Option<String>| {
        m.store().received.push(Received {
            action: action.clone(),
            conversation_id: conversation_id.clone(),
            site,
            outcome,
        });
    };
    let record = |outcome: String| record_at(outcome, None);
    let (Some(app_id), Some(cid)) = (field("app_id"), conversation_id.clone()) else {
        record(ignored(&store_decide(&m, &payload, None)));
        return ok(&json!({"status": "Success"}));
    };
    let bot = m.store().bot_for(&app_id);
    let Some((bot_id, link)) = bot else {
        record("ignored: no bot serves this Freshchat APP ID".to_owned());
        return ok(&json!({"status": "Success"}));
    };
    let decision = store_decide(&m, &payload, link.site_ids.as_deref());
    let site = match &decision {
        Decision::Answer { site, .. } | Decision::Learn { site, .. } => site.clone(),
        Decision::Ignore(_) => None,
    };
    let user_id = field("user_id");
    let outcome = match decision {
        Decision::Ignore(why) => format!("ignored: {why}"),
        Decision::Answer { answer, .. } => {
            match post_text(&m, &link, &cid, user_id.as_deref(), &answer).await {
                Ok(()) => "answered".to_owned(),
                Err(e) => format!("answer failed: {e}"),
            }
        }
        Decision::Learn { site: at, text } => {
            learn(&m, bot_id, &link, &cid, user_id.as_deref(), at, text).await
        }
    };
    record_at(outcome, site);
    ok(&json!({"status": "Success"}))
}

/// The bot's decision; a bot told its site ids recognises only those sites.
fn store_decide(m: &Mammut, payload: &Value, told: Option<&[String]>) -> Decision {
    let s = m.settings();
    let sites: Vec<_> = s
        .sites
        .iter()
        .filter(|site| {
            site.site_id
                .as_ref()
                .is_none_or(|id| told.is_none_or(|t| t.contains(id)))
        })
        .cloned()
        .collect();
    // What supervisors taught by resolving issues comes after the configured
    // knowledge.
    let knowledge: Vec<_> = s
        .knowledge
        .iter()
        .cloned()
        .chain(m.store().learned.iter().cloned())
        .collect();
    super::store::decide(payload, &sites, &knowledge)
}

fn ignored(d: &Decision) -> String {
    match d {
        Decision::Ignore(why) => format!("ignored: {why}"),
        _ => "ignored: no conversation".to_owned(),
    }
}

async fn post_text(
    m: &Mammut,
    link: &FreshchatLink,
    cid: &str,
    user_id: Option<&str>,
    text: &str,
) -> Result<(), ChannelError> {
    let mut body = json!({
        "message_parts": [{"text": {"content": text}}],
        "message_type": "normal",
        "actor_type": "agent",
        "actor_id": link.actor_id,
    });
    if let Some(u) = user_id {
        body["user_id"] = json!(u);
    }
    call_freshchat(
        m,
        link,
        Method::POST,
        &format!("/conversations/{cid}/messages"),
        Some(body),
    )
    .await
    .map(drop)
}

/// A Thought Offer To Be Learned: recorded; the fallback answer posted; and the
/// conversation assigned to the bot's group, looked up by name.
async fn learn(
    m: &Mammut,
    bot_id: u64,
    link: &FreshchatLink,
    cid: &str,
    user_id: Option<&str>,
    site: Option<String>,
    text: String,
) -> String {
    let mut outcome = "learning".to_owned();
    let fallback = m.settings().fallback_answer.clone();
    if !fallback.is_empty()
        && let Err(e) = post_text(m, link, cid, user_id, &fallback).await
    {
        outcome = format!("learning; fallback answer failed: {e}");
    }
    let mut group_id = None;
    if let Some(name) = &link.group_name {
        match assign_group(m, link, cid, name).await {
            Ok(g) => group_id = Some(g),
            Err(e) => outcome = format!("learning; group assignment failed: {e}"),
        }
    }
    let now = iso_seconds(m.ctx().clock.now()).replace('Z', "+00:00");
    let mut store = m.store();
    let id = store.next_id();
    store.thoughts.push(Thought {
        id,
        thought_type: "thought-offer-to-be-learned",
        bot_id,
        conversation_id: cid.to_owned(),
        text,
        site,
        assigned_group_id: group_id,
        creation_date: now,
        issue_state: "open".to_owned(),
        resolution_text: None,
        resolved_by: None,
    });
    outcome
}

async fn assign_group(
    m: &Mammut,
    link: &FreshchatLink,
    cid: &str,
    name: &str,
) -> Result<String, ChannelError> {
    let groups = call_freshchat(m, link, Method::GET, "/groups?items_per_page=100", None).await?;
    let id = groups
        .get("groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|g| {
            g.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .and_then(|g| g.get("id").and_then(Value::as_str))
        .ok_or_else(|| ChannelError::NoGroup(name.to_owned()))?
        .to_owned();
    call_freshchat(
        m,
        link,
        Method::PUT,
        &format!("/conversations/{cid}"),
        Some(json!({"assigned_group_id": id})),
    )
    .await?;
    Ok(id)
}
