//! Braze webhook campaigns: what Braze SENDS (REFERENCE 2.4).
//!
//! A campaign names a URL, a method, headers and a body, each a Braze Liquid
//! template rendered against one user's profile. Braze does not sign webhooks:
//! receivers authenticate through the author's headers (`Authorization: Basic
//! {{ '...' | base64_encode }}`). Deliveries retry on 408, 429, 5xx, timeouts and
//! connection errors with exponential backoff, at most 5 times.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::WebhookSettings;
use super::abort;
use crate::outbound::{Outcome, Outgoing, RetryPolicy};
use crate::template::{Dialect, TemplateError, Templates};

/// The HTTP methods a webhook campaign may use (\[DOC\] creating_a_webhook.md).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum WebhookMethod {
    /// The default.
    #[default]
    Post,
    /// GET.
    Get,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl WebhookMethod {
    /// The HTTP method.
    pub fn method(self) -> Method {
        match self {
            Self::Post => Method::POST,
            Self::Get => Method::GET,
            Self::Put => Method::PUT,
            Self::Patch => Method::PATCH,
            Self::Delete => Method::DELETE,
        }
    }
}

/// How the campaign's body is written (\[DOC\] creating_a_webhook.md).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RequestFormat {
    /// "Raw text": `body` is one template, sent as rendered.
    #[default]
    RawText,
    /// "JSON key-value pairs": `pairs` is a flat object whose values are templates;
    /// Braze sends it as a JSON object of strings.
    JsonKeyValuePairs,
}

/// A webhook campaign (or Canvas webhook step), as configured or created through
/// the control API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// The campaign's `api_id`; one is generated from the seed when empty.
    #[serde(default)]
    pub id: String,
    /// The campaign's name (`{{campaign.${name}}}`).
    pub name: String,
    /// The webhook URL; Liquid allowed.
    pub url: String,
    /// `POST` (default), `GET`, `PUT`, `PATCH` or `DELETE`.
    #[serde(default)]
    pub method: WebhookMethod,
    /// Request headers; values are Liquid.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `raw_text` (default) or `json_key_value_pairs`.
    #[serde(default)]
    pub request_format: RequestFormat,
    /// The body template, for `raw_text`.
    #[serde(default)]
    pub body: String,
    /// The key-value pairs, for `json_key_value_pairs`; values are Liquid.
    #[serde(default)]
    pub pairs: BTreeMap<String, String>,
}

/// Which part of a campaign failed to render, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}: {message}")]
pub struct RenderError {
    /// `url`, `headers.<name>`, `body` or `pairs.<key>`.
    pub part: String,
    /// The Liquid (or HTTP) problem.
    pub message: String,
}

/// A campaign rendered for one user: what every attempt of the delivery sends.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The request.
    pub request: Outgoing,
}

impl Campaign {
    /// Problems that make the campaign unusable, each naming `at` (its config path).
    pub fn problems(&self, at: &str, templates: &Templates) -> Vec<String> {
        let mut out = Vec::new();
        if self.name.trim().is_empty() {
            out.push(format!("{at}.name: a campaign needs a name"));
        }
        if self.url.trim().is_empty() {
            out.push(format!("{at}.url: a campaign needs a URL"));
        }
        match self.request_format {
            RequestFormat::RawText if !self.pairs.is_empty() => out.push(format!(
                "{at}.pairs: only used with request_format json_key_value_pairs; put a raw_text body in `body`"
            )),
            RequestFormat::JsonKeyValuePairs if !self.body.is_empty() => out.push(format!(
                "{at}.body: request_format json_key_value_pairs takes `pairs`, not `body`"
            )),
            _ => {}
        }
        for name in self.headers.keys() {
            if HeaderName::try_from(name.as_str()).is_err() {
                out.push(format!("{at}.headers: `{name}` is not a valid header name"));
            }
        }
        // A template that does not parse fails for every user: say so up front.
        // (Render errors depend on the user's data: they are reported at send.)
        for (part, source) in self.templates() {
            if let Err(e @ TemplateError::Parse(_)) =
                templates.render(Dialect::Braze, &abort::rewrite(source), &json!({}))
            {
                out.push(format!("{at}.{part}: {e}"));
            }
        }
        out
    }

    /// Every template of the campaign with the name of its part.
    fn templates(&self) -> Vec<(String, &str)> {
        let mut all = vec![("url".to_owned(), self.url.as_str())];
        all.extend(
            self.headers
                .iter()
                .map(|(k, v)| (format!("headers.{k}"), v.as_str())),
        );
        match self.request_format {
            RequestFormat::RawText => all.push(("body".to_owned(), self.body.as_str())),
            RequestFormat::JsonKeyValuePairs => all.extend(
                self.pairs
                    .iter()
                    .map(|(k, v)| (format!("pairs.{k}"), v.as_str())),
            ),
        }
        all
    }

    /// Renders URL, headers and body against `globals`. Braze adds its
    /// `User-Agent` unless the author set one, and a JSON content type to
    /// key-value-pair bodies unless the author set one.
    pub fn render(
        &self,
        templates: &Templates,
        globals: &Value,
        user_agent: &str,
    ) -> Result<Rendered, RenderError> {
        let render = |part: &str, source: &str| {
            templates
                .render(Dialect::Braze, source, globals)
                .map_err(|e| RenderError {
                    part: part.to_owned(),
                    message: e.to_string(),
                })
        };
        let url = render("url", &self.url)?.trim().to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(RenderError {
                part: "url".to_owned(),
                message: format!("`{url}` is not an http(s) URL"),
            });
        }
        // Vendor quirk: Braze only calls ports 80 and 443; the fake calls any port,
        // since receivers under test listen on ephemeral ones.
        let mut headers = self.render_headers(&render, user_agent)?;
        let body = match self.request_format {
            RequestFormat::RawText => render("body", &self.body)?,
            RequestFormat::JsonKeyValuePairs => {
                let mut object = Map::new();
                for (key, source) in &self.pairs {
                    object.insert(
                        key.clone(),
                        Value::String(render(&format!("pairs.{key}"), source)?),
                    );
                }
                // Vendor quirk: the JSON content type Braze sends with key-value
                // pairs is UNVERIFIED.
                if !headers.contains_key(header::CONTENT_TYPE) {
                    headers.insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    );
                }
                Value::Object(object).to_string()
            }
        };
        Ok(Rendered {
            request: Outgoing {
                method: self.method.method(),
                url,
                headers,
                body: Bytes::from(body),
            },
        })
    }

    /// The campaign's headers rendered, and `User-Agent` unless one is set.
    fn render_headers(
        &self,
        render: &dyn Fn(&str, &str) -> Result<String, RenderError>,
        user_agent: &str,
    ) -> Result<HeaderMap, RenderError> {
        let mut headers = HeaderMap::new();
        for (name, source) in &self.headers {
            let part = format!("headers.{name}");
            let value = render(&part, source)?;
            let bad = |message: String| RenderError {
                part: part.clone(),
                message,
            };
            let name = HeaderName::try_from(name.as_str())
                .map_err(|e| bad(format!("invalid header name: {e}")))?;
            let value = HeaderValue::from_str(value.trim())
                .map_err(|_| bad(format!("`{value}` is not a valid header value")))?;
            headers.append(name, value);
        }
        // Vendor quirk: `User-Agent: Braze Sender <hash>` is documented for
        // Connected Content; for webhooks it is UNVERIFIED.
        if !user_agent.is_empty()
            && !headers.contains_key(header::USER_AGENT)
            && let Ok(v) = HeaderValue::from_str(user_agent)
        {
            headers.insert(header::USER_AGENT, v);
        }
        Ok(headers)
    }

    /// Whether any template of the campaign aborts for these globals, and why.
    pub fn aborts(&self, templates: &Templates, globals: &Value) -> Option<String> {
        let parts = std::iter::once(&self.url)
            .chain(self.headers.values())
            .chain(std::iter::once(&self.body))
            .chain(self.pairs.values());
        for source in parts.filter(|s| s.contains("abort_message")) {
            if let Ok(abort::Rendering::Aborted(reason)) = abort::render(templates, source, globals)
            {
                return Some(reason);
            }
        }
        None
    }

    /// The campaign with its templates no longer holding `{% abort_message %}` (so
    /// a send renders cleanly once [`Campaign::aborts`] said it does not abort).
    pub fn without_abort_tag(&self) -> Self {
        let strip = |s: &String| {
            if s.contains("abort_message") {
                abort::strip(s)
            } else {
                s.clone()
            }
        };
        let mut c = self.clone();
        c.url = strip(&c.url);
        c.body = strip(&c.body);
        for v in c.headers.values_mut().chain(c.pairs.values_mut()) {
            *v = strip(v);
        }
        c
    }
}

/// Who a campaign is sent to: the fields the Liquid globals come from.
#[derive(Debug, Clone, Default)]
pub struct Recipient {
    /// `external_id` (`${user_id}`).
    pub external_id: Option<String>,
    /// `braze_id` (`${braze_id}`).
    pub braze_id: Option<String>,
    /// Standard attributes.
    pub attributes: Map<String, Value>,
    /// Custom attributes (`custom_attribute.${name}`).
    pub custom_attributes: Map<String, Value>,
}

/// What a campaign is rendered against (\[DOC\] Braze personalization tags):
/// `${user_id}`, `${braze_id}`, `${first_name}`, `${last_name}`, `${email_address}`,
/// `${phone_number}`, `${country}`, `${language}`, `${gender}`, `${date_of_birth}`,
/// `${city}`, `${time_zone}`, `custom_attribute.${...}`, `event_properties.${...}`,
/// `api_trigger_properties.${...}` and `campaign.${name}` / `${api_id}` /
/// `${dispatch_id}`. Tags of an unset attribute render empty.
pub fn globals(
    to: &Recipient,
    campaign: &Campaign,
    dispatch_id: &str,
    event_properties: Value,
    trigger_properties: Value,
) -> Value {
    let attr = |k: &str| to.attributes.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "user_id": to.external_id,
        "braze_id": to.braze_id,
        "first_name": attr("first_name"),
        "last_name": attr("last_name"),
        "email_address": attr("email"),
        "phone_number": attr("phone"),
        "country": attr("country"),
        "language": attr("language"),
        "gender": attr("gender"),
        "date_of_birth": attr("dob"),
        "city": attr("home_city"),
        "time_zone": attr("time_zone"),
        "custom_attribute": to.custom_attributes,
        "event_properties": event_properties,
        "api_trigger_properties": trigger_properties,
        "campaign": {"name": campaign.name, "api_id": campaign.id, "dispatch_id": dispatch_id},
    })
}

/// Adds the top-level keys of `extra` to `globals` (Canvas `context`, ...).
pub fn merge_globals(globals: &mut Value, extra: &Value) {
    if let (Some(g), Some(e)) = (globals.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            g.insert(k.clone(), v.clone());
        }
    }
}

/// Braze's retry rules (\[DOC\] REFERENCE 2.4): retry on 408, 429, 5xx, timeouts and
/// connection errors, at most `max_retries` times, waiting `base`, then `base ×
/// factor`, ...; never on 2xx, 3xx or other 4xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrazeRetry {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first wait.
    pub base: Duration,
    /// How much each wait grows.
    pub factor: u32,
}

impl BrazeRetry {
    /// The policy the settings describe.
    pub fn from_settings(s: &WebhookSettings) -> Self {
        Self {
            max_retries: s.max_retries,
            base: Duration::from_millis(s.retry_base_delay_ms),
            factor: s.retry_factor,
        }
    }

    /// Whether Braze tries again after `outcome`.
    pub fn retryable(outcome: &Outcome) -> bool {
        match outcome {
            Outcome::Answered(a) => a.status == 408 || a.status == 429 || a.status >= 500,
            Outcome::TimedOut | Outcome::Failed(_) => true,
        }
    }
}

impl RetryPolicy for BrazeRetry {
    fn next_delay(&self, attempt: u32, outcome: &Outcome) -> Option<Duration> {
        if attempt > self.max_retries || !Self::retryable(outcome) {
            return None;
        }
        let growth = self.factor.saturating_pow(attempt.saturating_sub(1));
        Some(self.base.saturating_mul(growth))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbound::Answer;

    fn answer(status: u16) -> Outcome {
        Outcome::Answered(Answer {
            status,
            headers: HeaderMap::new(),
            body: Bytes::new(),
        })
    }

    fn campaign() -> Campaign {
        Campaign {
            id: "c1".to_owned(),
            name: "Welcome".to_owned(),
            url: "https://example.com/hook?uid={{${user_id}}}".to_owned(),
            method: WebhookMethod::Post,
            headers: BTreeMap::from([(
                "Authorization".to_owned(),
                "Bearer {{custom_attribute.${token}}}".to_owned(),
            )]),
            request_format: RequestFormat::JsonKeyValuePairs,
            body: String::new(),
            pairs: BTreeMap::from([
                (
                    "greeting".to_owned(),
                    "Hi {{${first_name} | default: 'there'}}".to_owned(),
                ),
                ("campaign".to_owned(), "{{campaign.${name}}}".to_owned()),
            ]),
        }
    }

    #[test]
    fn the_default_policy_retries_five_times_within_about_thirty_minutes() {
        let p = BrazeRetry {
            max_retries: 5,
            base: Duration::from_secs(60),
            factor: 2,
        };
        let waits: Vec<Duration> = (1..=6)
            .filter_map(|n| p.next_delay(n, &answer(503)))
            .collect();
        assert_eq!(waits.len(), 5);
        assert_eq!(waits.iter().sum::<Duration>(), Duration::from_secs(31 * 60));
        for status in [408, 429, 500, 503, 599] {
            assert!(p.next_delay(1, &answer(status)).is_some(), "{status}");
        }
        for status in [200, 204, 301, 302, 400, 401, 404, 422] {
            assert_eq!(p.next_delay(1, &answer(status)), None, "{status}");
        }
        assert!(p.next_delay(1, &Outcome::TimedOut).is_some());
        assert!(
            p.next_delay(1, &Outcome::Failed("refused".to_owned()))
                .is_some()
        );
    }

    #[test]
    fn key_value_pairs_render_to_a_flat_json_object_with_braze_headers() {
        let t = Templates::new();
        let c = campaign();
        let to = Recipient {
            external_id: Some("u1".to_owned()),
            custom_attributes: json!({"token": "s3cret"}).as_object().cloned().unwrap(),
            ..Recipient::default()
        };
        let g = globals(&to, &c, "d1", json!({}), json!({}));
        let r = c.render(&t, &g, "Braze Sender abc").unwrap().request;
        assert_eq!(r.url, "https://example.com/hook?uid=u1");
        assert_eq!(r.headers["authorization"], "Bearer s3cret");
        assert_eq!(r.headers["user-agent"], "Braze Sender abc");
        assert_eq!(r.headers["content-type"], "application/json");
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body, json!({"greeting": "Hi there", "campaign": "Welcome"}));
    }

    #[test]
    fn render_problems_name_the_part() {
        let t = Templates::new();
        let mut c = campaign();
        c.pairs
            .insert("bad".to_owned(), "{{ x | nosuchfilter }}".to_owned());
        let err = c.render(&t, &json!({}), "").unwrap_err();
        assert_eq!(err.part, "pairs.bad");
        c.url = "ftp://{{${user_id}}}".to_owned();
        assert_eq!(c.render(&t, &json!({}), "").unwrap_err().part, "url");
        assert!(
            c.problems("campaigns[0]", &t)
                .iter()
                .any(|p| p.contains("pairs.bad"))
        );
    }
}
