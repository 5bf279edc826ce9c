//! Braze webhook campaigns (REFERENCE 2.4): a campaign's body rendered by the
//! fake's own Braze Liquid for a generated user profile and triggering event.
//!
//! The bodies are those of a realistic campaign: REFERENCE 2.4's raw-text example,
//! the integration guide's Zendesk ticket, or "JSON key-value pairs". Raw-text
//! bodies pass profile text through `json_escape` so that any name or attribute
//! still makes a JSON document.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

use crate::payload::r#gen::{custom_fields, email, name, one_of, optional, text, uuid};
use crate::payload::{Scheme, Target};
use crate::template::Templates;
use crate::vendors::braze::webhook::{self, Campaign, Recipient, RequestFormat, WebhookMethod};

static TEMPLATES: LazyLock<Templates> = LazyLock::new(Templates::new);

/// REFERENCE 2.4's example raw body, its profile values escaped for JSON.
pub const REFERENCE_BODY: &str = r#"{"user_id":"{{${user_id} | json_escape}}","email":"{{${email_address} | json_escape}}","first_name":"{{${first_name} | default: 'there' | json_escape}}","event":"{{event_properties.${name} | json_escape}}","sig":"{{ 'payload' | hmac_sha256_base64: 'secret' }}"}"#;

/// The integration guide's Braze → Zendesk ticket body, its choices made and its
/// profile values escaped for JSON.
pub const GUIDE_TICKET_BODY: &str = r#"{% assign ticket_type = 'question' %}
{% assign ticket_subject = 'Unhappy with the app' %}
{% capture ticket_body %}{{${first_name} | default: 'A user'}} answered "{{event_properties.${answer}}}" to "Do you like our app?"{% endcapture %}
{% assign ticket_status = 'new' %}
{
"ticket": {
"requester": { "name": "{{${first_name} | json_escape}} {{${last_name} | json_escape}}", "email": "{{${email_address} | json_escape}}", "phone": "{{${phone_number} | json_escape}}"},
"type": "{{ ticket_type }}",
"subject": "{{ticket_subject}}",
"comment": { "body": "{{ticket_body | json_escape}}" },
"priority": "urgent",
"status": "{{ ticket_status }}"
}
}"#;

/// "JSON key-value pairs": Braze builds the JSON object itself, so values need no
/// escaping.
pub const PAIRS: &[(&str, &str)] = &[
    ("external_id", "{{${user_id}}}"),
    ("email", "{{${email_address}}}"),
    ("first_name", "{{${first_name} | default: 'there'}}"),
    ("plan", "{{custom_attribute.${plan}}}"),
    ("event", "{{event_properties.${name}}}"),
    ("campaign", "{{campaign.${name}}}"),
    ("dispatch_id", "{{campaign.${dispatch_id}}}"),
];

/// The three campaign bodies, in shrinking order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// [`REFERENCE_BODY`].
    Reference,
    /// [`GUIDE_TICKET_BODY`].
    GuideTicket,
    /// [`PAIRS`].
    Pairs,
}

/// A user profile as a campaign sees it: external id, Braze id, standard attributes
/// (each possibly unset) and custom attributes.
pub fn recipient() -> BoxedStrategy<Recipient> {
    let standard = (
        optional(prop_oneof![name(), text()]),
        optional(prop_oneof![name(), text()]),
        optional(email()),
        optional("\\+[1-9][0-9]{7,14}"),
        optional("[A-Z]{2}"),
        optional(one_of(&["en", "es", "pt-BR", "fr", "ar", "zh-CN"])),
        optional(one_of(&["M", "F", "O", "N", "P"])),
        optional(
            (1920u32..2020, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        ),
        optional(text()),
    );
    (
        optional(prop_oneof![uuid(), text()]),
        optional("[0-9a-f]{24}"),
        standard,
        optional(one_of(&["free", "pro", "enterprise"])),
        custom_fields(),
    )
        .prop_map(|(external_id, braze_id, standard, plan, mut custom)| {
            let (first, last, email, phone, country, language, gender, dob, city) = standard;
            let attributes = [
                ("first_name", first),
                ("last_name", last),
                ("email", email),
                ("phone", phone),
                ("country", country),
                ("language", language),
                ("gender", gender),
                ("dob", dob),
                ("home_city", city),
            ]
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), Value::String(v?))))
            .collect();
            custom.remove("plan");
            if let Some(plan) = plan {
                custom.insert("plan".to_owned(), Value::String(plan));
            }
            Recipient {
                external_id,
                braze_id,
                attributes,
                custom_attributes: custom,
            }
        })
        .boxed()
}

/// The properties of the event that triggered the campaign: perhaps a `name` and
/// an `answer`, and any others.
pub fn event_properties() -> BoxedStrategy<Map<String, Value>> {
    (
        optional(text()),
        optional(prop_oneof![one_of(&["No", "Not really", "Yes"]), text()]),
        custom_fields(),
    )
        .prop_map(|(name, answer, mut props)| {
            props.remove("name");
            props.remove("answer");
            if let Some(n) = name {
                props.insert("name".to_owned(), Value::String(n));
            }
            if let Some(a) = answer {
                props.insert("answer".to_owned(), Value::String(a));
            }
            props
        })
        .boxed()
}

/// The campaign with `body`.
pub fn campaign_with(body: Body, id: String, name: String) -> Campaign {
    let (request_format, raw, pairs) = match body {
        Body::Reference => (RequestFormat::RawText, REFERENCE_BODY, BTreeMap::new()),
        Body::GuideTicket => (RequestFormat::RawText, GUIDE_TICKET_BODY, BTreeMap::new()),
        Body::Pairs => (
            RequestFormat::JsonKeyValuePairs,
            "",
            PAIRS
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ),
    };
    Campaign {
        id,
        name,
        url: "https://example.com/hook?uid={{${user_id} | url_param_escape}}".to_owned(),
        method: WebhookMethod::Post,
        headers: BTreeMap::from([("Content-Type".to_owned(), "application/json".to_owned())]),
        request_format,
        body: raw.to_owned(),
        pairs,
    }
}

/// The body the fake Braze sends for `campaign`, `to` and the event's properties,
/// parsed; a body that is not JSON (or a campaign that does not render) comes back
/// as a string.
pub fn render(
    campaign: &Campaign,
    to: &Recipient,
    dispatch_id: &str,
    event_properties: &Map<String, Value>,
) -> Value {
    let globals = webhook::globals(
        to,
        campaign,
        dispatch_id,
        Value::Object(event_properties.clone()),
        json!({}),
    );
    match campaign.render(&TEMPLATES, &globals, "Braze Sender 5a3e1b2c9d") {
        Ok(r) => serde_json::from_slice(&r.request.body).unwrap_or_else(|_| {
            Value::String(String::from_utf8_lossy(&r.request.body).into_owned())
        }),
        Err(e) => Value::String(e.to_string()),
    }
}

/// A webhook campaign's body as Braze renders it for one user.
pub fn campaign() -> BoxedStrategy<Value> {
    (
        select(&[Body::Reference, Body::GuideTicket, Body::Pairs][..]),
        recipient(),
        event_properties(),
        uuid(),
        name(),
        "[0-9a-f]{24}",
    )
        .prop_map(|(body, to, props, id, name, dispatch)| {
            render(&campaign_with(body, id, name), &to, &dispatch, &props)
        })
        .boxed()
}

/// The payloads `fakedesk fuzz` sends as Braze, which does not sign them
/// (REFERENCE 2.4).
pub const PAYLOADS: &[Target] = &[Target {
    name: "braze.campaign",
    summary: "a webhook campaign's body, rendered with Liquid for a user profile",
    generate: campaign,
    scheme: &Scheme::UNSIGNED,
    // The fake Braze's default (REFERENCE 2.4: `Braze Sender <hash>`).
    user_agent: Some("Braze Sender 5a3e1b2c9d"),
}];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::r#gen::keys;

    fn attr(to: &Recipient, k: &str) -> String {
        to.attributes
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    fn prop(props: &Map<String, Value>, k: &str) -> String {
        props
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    /// Liquid's `default` replaces nil and empty text.
    fn or_default(s: String, default: &str) -> String {
        if s.is_empty() { default.to_owned() } else { s }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn the_reference_body_carries_the_profile(to in recipient(), props in event_properties(), name in name()) {
            let v = render(&campaign_with(Body::Reference, "c".to_owned(), name), &to, "d", &props);
            prop_assert_eq!(keys(&v), ["email", "event", "first_name", "sig", "user_id"], "{}", v);
            prop_assert_eq!(&v["user_id"], &json!(to.external_id.clone().unwrap_or_default()));
            prop_assert_eq!(&v["email"], &json!(attr(&to, "email")));
            prop_assert_eq!(&v["first_name"], &json!(or_default(attr(&to, "first_name"), "there")));
            prop_assert_eq!(&v["event"], &json!(prop(&props, "name")));
            // base64 of an HMAC-SHA256: 32 bytes, 44 characters.
            let sig = v["sig"].as_str().unwrap_or_default();
            prop_assert!(sig.len() == 44 && sig.ends_with('='), "{}", sig);
        }

        #[test]
        fn the_guide_body_is_a_zendesk_ticket_for_the_profile(to in recipient(), props in event_properties()) {
            let v = render(&campaign_with(Body::GuideTicket, "c".to_owned(), "n".to_owned()), &to, "d", &props);
            prop_assert_eq!(keys(&v), ["ticket"], "{}", v);
            let t = &v["ticket"];
            prop_assert_eq!(keys(t), ["comment", "priority", "requester", "status", "subject", "type"]);
            let full_name = format!("{} {}", attr(&to, "first_name"), attr(&to, "last_name"));
            prop_assert_eq!(&t["requester"]["name"], &json!(full_name));
            prop_assert_eq!(&t["requester"]["email"], &json!(attr(&to, "email")));
            prop_assert_eq!(&t["requester"]["phone"], &json!(attr(&to, "phone")));
            let body = format!("{} answered \"{}\" to \"Do you like our app?\"", or_default(attr(&to, "first_name"), "A user"), prop(&props, "answer"));
            prop_assert_eq!(&t["comment"]["body"], &json!(body));
            // What Zendesk's Tickets API takes (REFERENCE 1.4).
            prop_assert!(["problem", "incident", "question", "task"].contains(&t["type"].as_str().unwrap_or_default()));
            prop_assert!(["urgent", "high", "normal", "low"].contains(&t["priority"].as_str().unwrap_or_default()));
            prop_assert_eq!(&t["status"], "new");
        }

        #[test]
        fn key_value_pairs_are_a_flat_object_of_strings(to in recipient(), props in event_properties(), name in name(), dispatch in "[0-9a-f]{24}") {
            let v = render(&campaign_with(Body::Pairs, "c".to_owned(), name.clone()), &to, &dispatch, &props);
            let mut expected: Vec<&str> = PAIRS.iter().map(|(k, _)| *k).collect();
            expected.sort_unstable();
            prop_assert_eq!(keys(&v), expected, "{}", v);
            prop_assert!(v.as_object().is_some_and(|o| o.values().all(Value::is_string)));
            prop_assert_eq!(&v["external_id"], &json!(to.external_id.clone().unwrap_or_default()));
            prop_assert_eq!(&v["email"], &json!(attr(&to, "email")));
            let plan = to.custom_attributes.get("plan").and_then(Value::as_str).unwrap_or_default();
            prop_assert_eq!(&v["plan"], &json!(plan));
            prop_assert_eq!(&v["event"], &json!(prop(&props, "name")));
            prop_assert_eq!(&v["campaign"], &json!(name));
            prop_assert_eq!(&v["dispatch_id"], &json!(dispatch));
        }

        #[test]
        fn every_campaign_body_is_a_json_object(v in campaign()) {
            prop_assert!(v.is_object(), "{}", v);
        }
    }

    #[test]
    fn campaigns_shrink_to_the_reference_body_of_an_empty_profile() {
        let v = crate::payload::r#gen::minimal(&campaign());
        assert_eq!(
            keys(&v),
            ["email", "event", "first_name", "sig", "user_id"],
            "{v}"
        );
        assert_eq!(v["user_id"], "", "{v}");
        assert_eq!(v["email"], "", "{v}");
        assert_eq!(v["first_name"], "there", "{v}");
        assert_eq!(v["event"], "", "{v}");
    }
}
