//! Fake Braze: the REST API (`/users/track` and `/users/export/ids` in [`api`]; the
//! other user endpoints in [`users`], sends in [`messaging`] and [`schedules`],
//! exports in [`exports`]), and webhook campaigns (REFERENCE section 2).
//!
//! Requests pass, outermost first: the harness's record layer, then `gate` (the
//! endpoint's rate-limit window, the REST API key and its permission, the
//! `X-RateLimit-*` headers on every reply), then the routes in [`api`]. Profiles and
//! campaigns live in [`store`], free of I/O; campaigns render and retry as
//! [`webhook`] describes, and are sent from the control API (`/braze/...`).

pub mod abort;
pub mod account;
pub mod api;
pub mod catalogs;
pub mod content;
pub mod control;
pub mod delivery;
pub mod email;
pub mod endpoints;
pub mod error;
pub mod export_ids;
pub mod exports;
pub mod fuzz;
pub mod limits;
pub mod messaging;
pub mod preference_centers;
pub mod recorded;
pub mod records;
pub mod schedules;
pub mod series;
pub mod settings;
pub mod state;
pub mod store;
pub mod subscriptions;
pub mod templates;
pub mod transactional;
pub mod triggers;
pub mod users;
pub mod webhook;
pub mod wire;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use self::account::Braze;
use self::error::BrazeError;
use self::limits::{Endpoint, Limiters};
pub use self::settings::{
    ApiKey, BrazeSettings, Budget, DEFAULT_PERMISSIONS, Messages, RateLimitSettings,
    WebhookSettings,
};
use crate::fake::{Credential, Registration, Rejection, Vendor, VendorCtx};
use crate::settings::ConfigError;

/// How the harness builds fake Braze.
pub const REGISTRATION: Registration = Registration {
    name: "braze",
    default_port: 4712,
    settings: crate::settings::SettingsSpec::of::<BrazeSettings>("Fake Braze."),
    build,
    fuzz: fuzz::PAYLOADS,
    control_paths: Some(include_str!("control.openapi.json")),
    actions: &[crate::fake::Action {
        name: "campaign",
        summary: "send a webhook campaign to one user and wait for the delivery: `campaign` (id or name), `external_id` (or `braze_id`, `user_alias`, `email`, or an inline `user`), optional `trigger_properties`, `event_properties`, `wait` (default true)",
    }],
};

fn build(ctx: &VendorCtx) -> Result<Arc<dyn Vendor>, ConfigError> {
    let campaigns = &ctx.config.vendor::<BrazeSettings>().campaigns;
    let canvases = &ctx.config.vendor::<BrazeSettings>().canvases;
    let problems: Vec<String> =
        campaigns
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.problems(&format!("vendors.braze.campaigns[{i}]"), &ctx.templates))
            .chain(canvases.iter().enumerate().flat_map(|(i, c)| {
                c.problems(&format!("vendors.braze.canvases[{i}]"), &ctx.templates)
            }))
            .collect();
    if !problems.is_empty() {
        return Err(ConfigError::Invalid(problems));
    }
    Ok(Arc::new(Braze::new(ctx.clone())))
}

impl Vendor for Braze {
    fn name(&self) -> &'static str {
        REGISTRATION.name
    }

    fn router(self: Arc<Self>) -> Router {
        api::routes()
            .with_state(self.clone())
            .layer(axum::middleware::from_fn_with_state(self, gate))
    }

    fn state(&self) -> Value {
        let store = self.store();
        json!({
            "users": store.profiles,
            "campaigns": store.campaigns,
            "sends": store.sends,
            "canvases": store.api.canvases,
            "dispatches": store.api.dispatches,
            "deprecated_external_ids": store.api.deprecated_ids,
            "send_ids": store.api.send_ids,
            "schedules": store.api.schedules,
            "subscription_groups": store.api.groups,
            "subscriptions": store.api.subscriptions,
            "email_addresses": store.api.addresses.values().collect::<Vec<_>>(),
            "content_blocks": store.api.content_blocks,
            "email_templates": store.api.email_templates,
            "transactional_campaigns": store.api.transactional,
        })
    }

    fn reset(&self) {
        *self.store() = account::seeded(&self.ctx);
        *self.limiters.lock().unwrap_or_else(|p| p.into_inner()) =
            Limiters::new(&self.settings.rate_limit);
    }

    fn error_reply(&self, status: axum::http::StatusCode) -> Response {
        error::for_status(status, &self.settings.messages.rate_limited)
    }

    fn reject(&self, rejection: Rejection) -> Response {
        match rejection {
            Rejection::TimedOut => {
                return crate::fake::request_timeout(
                    BrazeError::BadSyntax(crate::fake::TIMED_OUT.to_owned()).into_response(),
                );
            }
            Rejection::BodyTooLarge(limit) => BrazeError::PayloadTooLarge(limit),
            Rejection::BodyUnreadable => {
                BrazeError::BadSyntax("Unable to read request body".to_owned())
            }
        }
        .into_response()
    }

    fn implemented(&self) -> Vec<(String, String)> {
        // `/users/track`, `/users/export/ids`, then the endpoint table.
        [("POST", "/users/track"), ("POST", "/users/export/ids")]
            .into_iter()
            .chain(endpoints::ROUTES.iter().map(|r| (r.method, r.path)))
            .map(|(m, p)| (m.to_owned(), p.to_owned()))
            .collect()
    }

    fn credentials(&self) -> Vec<Credential> {
        self.settings
            .api_keys
            .first()
            .map(|k| Credential {
                key: "API_KEY",
                value: k.key.clone(),
            })
            .into_iter()
            .collect()
    }

    fn control(self: Arc<Self>) -> Option<Router> {
        Some(control::control_routes().with_state(self))
    }

    fn seeded_authorization(&self) -> Option<String> {
        let key = self.settings.api_keys.first()?;
        Some(format!("Bearer {}", key.key))
    }
}

/// The REST API key of a request: `Authorization: Bearer KEY` (\[DOC\]); else the
/// deprecated `api_key` query parameter or body field Braze still accepts (\[DOC\]
/// May 2020 release notes). The body is read once and put back.
async fn api_key(req: Request) -> (Option<String>, Request) {
    if let Some(h) = req.headers().get(header::AUTHORIZATION) {
        let text = String::from_utf8_lossy(h.as_bytes()).trim().to_owned();
        let key = match text.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim().to_owned(),
            _ => text,
        };
        return (Some(key), req);
    }
    let from_query = form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "api_key")
        .map(|(_, v)| v.into_owned());
    if from_query.is_some() {
        return (from_query, req);
    }
    let (parts, body) = req.into_parts();
    // The record layer has already buffered the body, so this only collects it.
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let from_body = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("api_key")?.as_str().map(str::to_owned));
    (from_body, Request::from_parts(parts, Body::from(bytes)))
}

/// Everything every request goes through before its route: the scheduled sends
/// that have come due go out first, then the endpoint's
/// rate-limit window (429 before anything else), the REST API key (401) and its
/// permission (403), and the `X-RateLimit-*` headers on every reply (\[DOC\]).
async fn gate(State(b): State<Arc<Braze>>, req: Request, next: Next) -> Response {
    schedules::run_due(&b);
    let endpoint = Endpoint::of_call(req.method().as_str(), req.uri().path());
    let now = b.now();
    let decision = b.hit(endpoint, now);
    let mut res = if decision.is_some_and(|d| !d.allowed) {
        BrazeError::RateLimited(b.settings.messages.rate_limited.clone()).into_response()
    } else {
        let (key, req) = api_key(req).await;
        match b.authorize(key.as_deref(), endpoint) {
            Ok(()) => next.run(req).await,
            Err(e) => e.into_response(),
        }
    };
    if endpoint.unlimited() {
        // Transactional sends bypass rate limiting and carry no X-RateLimit-* ([DOC]).
        return res;
    }
    let budget = endpoint.budget(&b.settings.rate_limit);
    let (limit, remaining, reset_in) = match decision {
        Some(d) => (d.limit, d.remaining, i64::from(d.reset_secs)),
        None => {
            let w = i64::from(budget.window_secs.max(1));
            let t = now.unix_timestamp();
            (
                budget.requests,
                budget.requests,
                (t.div_euclid(w) + 1) * w - t,
            )
        }
    };
    // Vendor quirk: X-RateLimit-Reset is the UTC epoch second of the window's end,
    // not a count of seconds (REFERENCE 2.3). No Retry-After: UNKNOWN whether Braze
    // sends one.
    let headers: [(&str, String); 3] = [
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        (
            "x-ratelimit-reset",
            (now.unix_timestamp() + reset_in).to_string(),
        ),
    ];
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            res.headers_mut().insert(HeaderName::from_static(name), v);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{FileConfig, Overrides, RunConfig, parse};
    use std::path::Path;

    #[test]
    fn default_settings_have_no_problems_and_bad_ones_are_named() {
        assert!(BrazeSettings::default().problems().is_empty());
        let mut s = BrazeSettings::default();
        s.api_keys.push(s.api_keys[0].clone());
        s.rate_limit.users_track.requests = 0;
        let problems = s.problems();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].contains("api_keys[1].key"));
        assert!(problems[1].contains("rate_limit.users_track"));
    }

    #[test]
    fn braze_listens_on_4712_by_default_and_reads_its_config_section() {
        let c = RunConfig::build(FileConfig::default(), &Overrides::default()).unwrap();
        assert_eq!(c.ports["braze"], 4712);
        let file = parse(
            Path::new("c.yaml"),
            "vendors:\n  braze:\n    port: 5712\n    api_keys:\n      - key: k1\n        permissions: [users.track]\n    webhooks:\n      retry_base_delay_ms: 5\n    campaigns:\n      - name: Hook\n        url: http://127.0.0.1:1/x\n",
        )
        .unwrap();
        let c = RunConfig::build(file, &Overrides::default()).unwrap();
        assert_eq!(c.ports["braze"], 5712);
        assert_eq!(
            c.vendor::<BrazeSettings>().api_keys[0].permissions,
            ["users.track"]
        );
        assert_eq!(c.vendor::<BrazeSettings>().webhooks.retry_base_delay_ms, 5);
        assert_eq!(c.vendor::<BrazeSettings>().webhooks.max_retries, 5);
        assert_eq!(
            c.vendor::<BrazeSettings>().campaigns[0].method,
            webhook::WebhookMethod::Post
        );
    }

    #[test]
    fn transactional_campaigns_and_subscription_groups_come_from_the_config() {
        let file = parse(
            Path::new("c.yaml"),
            "vendors:\n  braze:\n    subscription_groups:\n      - { id: g1, name: News }\n    transactional:\n      postback_url: null\n      initial_status: queued\n      campaigns:\n        - { id: receipt, name: Receipt, subject: \"Order {{event_properties.${order}}}\", body: Hi, from: \"Shop <s@example.com>\", state: active }\n",
        )
        .unwrap();
        let c = RunConfig::build(file, &Overrides::default()).unwrap();
        let s = c.vendor::<BrazeSettings>();
        assert_eq!(s.subscription_groups[0].channel, "email");
        assert_eq!(s.transactional.campaigns[0].id, "receipt");
        assert_eq!(BrazeSettings::default().subscription_groups.len(), 2);
    }

    #[test]
    fn endpoints_need_their_permission() {
        assert_eq!(
            Endpoint::of("/users/track").permission(),
            Some("users.track")
        );
        assert_eq!(
            Endpoint::of("/users/export/ids").permission(),
            Some("users.export.ids")
        );
        assert_eq!(
            Endpoint::of("/users/track/sync").permission(),
            Some("users.track.sync")
        );
        assert_eq!(Endpoint::of("/users/nothing"), Endpoint::Other);
    }
}
