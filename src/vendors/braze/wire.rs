//! Braze's JSON (REFERENCE 2.3): the objects `/users/track` accepts.
//!
//! Bodies are read from `serde_json::Value` by hand, so each problem is reported the
//! way Braze reports it: a fatal 400 for the request as a whole, or a minor error
//! `{type, input_array, index}` for one object while the others are still processed.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Date, OffsetDateTime};

use super::error::BrazeError;

/// The minor error of an object without a usable identifier (\[3P\] Go client fixture).
pub const IDENTIFIER_REQUIRED: &str = "'external_id' or 'braze_id' or 'user_alias' is required";
// Vendor quirk: every other minor-error text below is UNVERIFIED; only the shape
// `{type, input_array, index}` and the text above come from real traffic.
/// More than one of external_id, braze_id, user_alias in one object.
pub const ONE_IDENTIFIER: &str =
    "only one of 'external_id', 'braze_id' or 'user_alias' may be given";
/// A `user_alias` without its two strings.
pub const ALIAS_SHAPE: &str = "'user_alias' must have string 'alias_name' and 'alias_label'";
/// An array item that is not an object.
pub const NOT_AN_OBJECT: &str = "must be an object";

/// Attributes Braze knows by name; any other key of an attributes object is custom
/// (REFERENCE 2.3, user_attributes_object).
pub const STANDARD_ATTRIBUTES: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "phone",
    "country",
    "language",
    "home_city",
    "dob",
    "gender",
    "time_zone",
    "email_subscribe",
    "push_subscribe",
    "subscription_groups",
];

/// Keys of an attributes object that say who, not what.
const IDENTIFIER_KEYS: &[&str] = &[
    "external_id",
    "braze_id",
    "user_alias",
    "_update_existing_only",
];

/// A user alias: a name unique within its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserAlias {
    /// The alias itself.
    pub alias_name: String,
    /// The namespace of the alias.
    pub alias_label: String,
}

/// Who an object is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// `external_id`: the integrator's own user id.
    ExternalId(String),
    /// `user_alias`.
    Alias(UserAlias),
    /// `braze_id`: Braze's own id.
    BrazeId(String),
    /// `email`, when no primary identifier is given.
    Email(String),
    /// `phone`, when neither a primary identifier nor an email is given.
    Phone(String),
}

/// Why one object of a `/users/track` array is skipped: the text of its minor
/// error's `type`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl From<&str> for Invalid {
    fn from(text: &str) -> Self {
        Self(text.to_owned())
    }
}

/// A per-object problem, reported in the 201's `errors` while the other objects are
/// processed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MinorError {
    /// What is wrong.
    #[serde(rename = "type")]
    pub kind: String,
    /// `attributes`, `events` or `purchases`.
    pub input_array: &'static str,
    /// The object's index in its array.
    pub index: usize,
}

/// What an attributes object does to one custom attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomOp {
    /// Sets the value (scalars, arrays, nested objects).
    Set(Value),
    /// `null`: removes the attribute.
    Unset,
    /// `{"inc": n}`: adds `n` (a missing attribute counts as 0).
    Inc(Number),
    /// `{"add": [...]}` and/or `{"remove": [...]}` on an array.
    Array {
        /// Appended, in order.
        add: Vec<Value>,
        /// Every equal element removed.
        remove: Vec<Value>,
    },
}

/// One object of `attributes`.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributesInput {
    /// Who.
    pub who: Identifier,
    /// `_update_existing_only`, when given.
    pub update_existing_only: Option<bool>,
    /// Standard attributes, in the order given (`null` removes).
    pub standard: Vec<(String, Value)>,
    /// Custom attributes, in the order given.
    pub custom: Vec<(String, CustomOp)>,
}

impl AttributesInput {
    /// Whether a missing user may be created: `_update_existing_only` as given,
    /// else true only for alias-keyed objects (\[DOC\]); false for the other
    /// identifiers \[UNVERIFIED\].
    pub fn may_create(&self) -> bool {
        !self
            .update_existing_only
            .unwrap_or(matches!(self.who, Identifier::Alias(_)))
    }
}

/// One object of `events`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventInput {
    /// Who.
    pub who: Identifier,
    /// The event name.
    pub name: String,
    /// When it happened.
    pub time: OffsetDateTime,
    /// `app_id`, when given.
    pub app_id: Option<String>,
    /// `properties` (empty when not given).
    pub properties: Map<String, Value>,
}

/// One object of `purchases`.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseInput {
    /// Who.
    pub who: Identifier,
    /// The product.
    pub product_id: String,
    /// ISO-4217 alphabetic code, upper case.
    pub currency: String,
    /// Unit price.
    pub price: f64,
    /// 1 to 100, default 1.
    pub quantity: u32,
    /// When it happened.
    pub time: OffsetDateTime,
    /// `app_id`, when given.
    pub app_id: Option<String>,
    /// `properties` (empty when not given).
    pub properties: Map<String, Value>,
}

/// Each array of a `/users/track` body: `None` when absent, else each object parsed
/// or its minor error text.
#[derive(Debug, Default)]
pub struct TrackRequest {
    /// `attributes`.
    pub attributes: Option<Vec<Result<AttributesInput, Invalid>>>,
    /// `events`.
    pub events: Option<Vec<Result<EventInput, Invalid>>>,
    /// `purchases`.
    pub purchases: Option<Vec<Result<PurchaseInput, Invalid>>>,
}

/// Reads a `/users/track` body. Fatal problems (an array that is not an array, more
/// than `max` objects in one) fail the whole request; the rest are per object.
pub fn parse_track(body: &Map<String, Value>, max: usize) -> Result<TrackRequest, BrazeError> {
    let arrays = ["attributes", "events", "purchases"].map(|k| (k, body.get(k)));
    let mut too_long = Vec::new();
    for (name, v) in arrays {
        match v {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) if items.len() > max => too_long.push(format!(
                "'{name}' has {} objects; at most {max} are allowed per request",
                items.len()
            )),
            Some(Value::Array(_)) => {}
            // Vendor quirk: UNVERIFIED text for a non-array.
            Some(_) => {
                return Err(BrazeError::BadRequest(format!("'{name}' must be an array")));
            }
        }
    }
    if !too_long.is_empty() {
        return Err(BrazeError::MaxInputLength(too_long));
    }
    let each = |key: &str| body.get(key).and_then(Value::as_array);
    Ok(TrackRequest {
        attributes: each("attributes").map(|a| a.iter().map(attributes).collect()),
        events: each("events").map(|a| a.iter().map(event).collect()),
        purchases: each("purchases").map(|a| a.iter().map(purchase).collect()),
    })
}

fn object(v: &Value) -> Result<&Map<String, Value>, Invalid> {
    v.as_object().ok_or_else(|| Invalid::from(NOT_AN_OBJECT))
}

pub(super) fn present<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    o.get(key).filter(|v| !v.is_null())
}

pub(super) fn string_field(o: &Map<String, Value>, key: &str) -> Result<Option<String>, Invalid> {
    match present(o, key) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(_) => Err(Invalid(format!("'{key}' must be a non-empty string"))),
    }
}

/// The identifier of an object: exactly one of external_id, user_alias, braze_id;
/// without any, `email`, then `phone` (email wins over phone).
pub fn identifier(o: &Map<String, Value>) -> Result<Identifier, Invalid> {
    let mut primary = Vec::new();
    if let Some(id) = string_field(o, "external_id")? {
        primary.push(Identifier::ExternalId(id));
    }
    if let Some(alias) = present(o, "user_alias") {
        let alias = serde_json::from_value::<UserAlias>(alias.clone())
            .ok()
            .filter(|a| !a.alias_name.is_empty() && !a.alias_label.is_empty())
            .ok_or_else(|| Invalid::from(ALIAS_SHAPE))?;
        primary.push(Identifier::Alias(alias));
    }
    if let Some(id) = string_field(o, "braze_id")? {
        primary.push(Identifier::BrazeId(id));
    }
    if primary.len() > 1 {
        return Err(Invalid::from(ONE_IDENTIFIER));
    }
    if let Some(p) = primary.pop() {
        return Ok(p);
    }
    if let Some(email) = string_field(o, "email")? {
        return Ok(Identifier::Email(email));
    }
    if let Some(phone) = string_field(o, "phone")? {
        return Ok(Identifier::Phone(phone));
    }
    Err(Invalid::from(IDENTIFIER_REQUIRED))
}

fn attributes(v: &Value) -> Result<AttributesInput, Invalid> {
    let o = object(v)?;
    let who = identifier(o)?;
    let update_existing_only = match present(o, "_update_existing_only") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(Invalid::from("'_update_existing_only' must be a boolean")),
    };
    let mut standard = Vec::new();
    let mut custom = Vec::new();
    for (key, value) in o {
        if IDENTIFIER_KEYS.contains(&key.as_str()) {
            continue;
        }
        if STANDARD_ATTRIBUTES.contains(&key.as_str()) {
            standard.push((key.clone(), standard_value(key, value)?));
        } else {
            if key.starts_with('$') {
                return Err(Invalid(format!(
                    "custom attribute '{key}' must not start with '$'"
                )));
            }
            custom.push((key.clone(), custom_op(value)));
        }
    }
    Ok(AttributesInput {
        who,
        update_existing_only,
        standard,
        custom,
    })
}

/// Checks a standard attribute's value; `null` is always allowed (it unsets).
// Vendor quirk: the accepted values are [DOC]; that a bad value is a minor error
// for the whole object (rather than a silently dropped field) is UNVERIFIED.
fn standard_value(key: &str, value: &Value) -> Result<Value, Invalid> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let text = value.as_str();
    let bad = |what: &str| Err(Invalid(format!("'{key}' must be {what}")));
    match key {
        "gender" => match text.map(str::to_ascii_uppercase).as_deref() {
            Some(g @ ("M" | "F" | "O" | "N" | "P")) => Ok(Value::String(g.to_owned())),
            _ => bad("one of M, F, O, N, P or null"),
        },
        "dob" => match text {
            Some(d) if parse_date(d).is_some() => Ok(value.clone()),
            _ => bad("a date as YYYY-MM-DD"),
        },
        "email_subscribe" | "push_subscribe" => match text {
            Some("opted_in" | "subscribed" | "unsubscribed") => Ok(value.clone()),
            _ => bad("one of opted_in, subscribed, unsubscribed"),
        },
        "subscription_groups" => match value {
            Value::Array(_) => Ok(value.clone()),
            _ => bad("an array"),
        },
        _ => match text {
            Some(_) => Ok(value.clone()),
            None => bad("a string"),
        },
    }
}

fn custom_op(value: &Value) -> CustomOp {
    let Value::Object(o) = value else {
        return if value.is_null() {
            CustomOp::Unset
        } else {
            CustomOp::Set(value.clone())
        };
    };
    if o.len() == 1
        && let Some(Value::Number(n)) = o.get("inc")
    {
        return CustomOp::Inc(n.clone());
    }
    let is_array_op = !o.is_empty()
        && o.iter()
            .all(|(k, v)| (k == "add" || k == "remove") && v.is_array());
    if is_array_op {
        let list = |k: &str| {
            o.get(k)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        return CustomOp::Array {
            add: list("add"),
            remove: list("remove"),
        };
    }
    // Anything else is a nested custom attribute, stored as given ([DOC] max 50 KB).
    CustomOp::Set(value.clone())
}

fn time_field(o: &Map<String, Value>) -> Result<OffsetDateTime, Invalid> {
    match present(o, "time") {
        None => Err(Invalid::from("'time' is required")),
        Some(Value::String(s)) => {
            parse_time(s).ok_or_else(|| Invalid(format!("'time' is not an ISO-8601 time: {s}")))
        }
        Some(_) => Err(Invalid::from("'time' must be an ISO-8601 string")),
    }
}

fn properties(o: &Map<String, Value>) -> Result<Map<String, Value>, Invalid> {
    match present(o, "properties") {
        None => Ok(Map::new()),
        Some(Value::Object(p)) => {
            if let Some(k) = p.keys().find(|k| k.starts_with('$') || k.len() > 255) {
                return Err(Invalid(format!(
                    "property key '{k}' must not start with '$' or exceed 255 characters"
                )));
            }
            Ok(p.clone())
        }
        Some(_) => Err(Invalid::from("'properties' must be an object")),
    }
}

fn event(v: &Value) -> Result<EventInput, Invalid> {
    let o = object(v)?;
    let who = identifier(o)?;
    let name = string_field(o, "name")?.ok_or_else(|| Invalid::from("'name' is required"))?;
    Ok(EventInput {
        who,
        name,
        time: time_field(o)?,
        app_id: string_field(o, "app_id")?,
        properties: properties(o)?,
    })
}

fn purchase(v: &Value) -> Result<PurchaseInput, Invalid> {
    let o = object(v)?;
    let who = identifier(o)?;
    let product_id =
        string_field(o, "product_id")?.ok_or_else(|| Invalid::from("'product_id' is required"))?;
    let currency = match present(o, "currency").and_then(Value::as_str) {
        Some(c) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) => {
            c.to_ascii_uppercase()
        }
        Some(_) => {
            return Err(Invalid::from(
                "'currency' must be an ISO-4217 alphabetic code",
            ));
        }
        None => return Err(Invalid::from("'currency' is required")),
    };
    let price = match present(o, "price") {
        Some(Value::Number(n)) => n.as_f64().unwrap_or_default(),
        Some(_) => return Err(Invalid::from("'price' must be a number")),
        None => return Err(Invalid::from("'price' is required")),
    };
    let quantity = match present(o, "quantity") {
        None => 1,
        Some(q) => match q.as_u64() {
            Some(n @ 1..=100) => u32::try_from(n).unwrap_or(1),
            _ => return Err(Invalid::from("'quantity' must be an integer from 1 to 100")),
        },
    };
    Ok(PurchaseInput {
        who,
        product_id,
        currency,
        price,
        quantity,
        time: time_field(o)?,
        app_id: string_field(o, "app_id")?,
        properties: properties(o)?,
    })
}

/// Parses the times Braze accepts: ISO-8601 (`2022-12-06T19:20:45+01:00`,
/// `2017-05-12T18:47:12Z`) and the legacy `yyyy-MM-dd'T'HH:mm:ss:SSSZ`
/// (`2013-07-16T19:20:30:450+0100`).
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Iso8601::DEFAULT) {
        return Some(t);
    }
    // Legacy: a colon before the milliseconds and a `+hhmm` (or `Z`) zone.
    let (head, rest) = (s.get(..19)?, s.get(19..)?);
    let millis = rest.strip_prefix(':')?.get(..3)?;
    let zone = &rest[4..];
    let zone = match zone {
        "Z" => "Z".to_owned(),
        z if z.len() == 5 && z.is_ascii() => format!("{}:{}", &z[..3], &z[3..]),
        _ => return None,
    };
    OffsetDateTime::parse(&format!("{head}.{millis}{zone}"), &Rfc3339).ok()
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// Most ids (or objects) per request (\[DOC\]).
pub const MAX_IDS: usize = 50;
/// The 400 for more than [`MAX_IDS`] (\[DOC\] errors.md; which text goes with
/// which endpoint is UNVERIFIED).
pub const TOO_MANY_IDS: &str =
    "The max number of external_ids and aliases per request was exceeded";

/// A string or number id (captured clients send numbers and Braze accepts them).
pub fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn primary_identifiers_win_and_email_beats_phone() {
        let id = |v: Value| identifier(&obj(v));
        assert_eq!(
            id(json!({"external_id": "u1", "email": "a@b.c"})),
            Ok(Identifier::ExternalId("u1".to_owned()))
        );
        assert_eq!(
            id(json!({"email": "a@b.c", "phone": "+1"})),
            Ok(Identifier::Email("a@b.c".to_owned()))
        );
        assert_eq!(
            id(json!({"phone": "+1"})),
            Ok(Identifier::Phone("+1".to_owned()))
        );
        assert_eq!(
            id(json!({"name": "x"})),
            Err(Invalid::from(IDENTIFIER_REQUIRED))
        );
        assert_eq!(
            id(json!({"external_id": "u1", "braze_id": "b"})),
            Err(Invalid::from(ONE_IDENTIFIER))
        );
        assert_eq!(
            id(json!({"user_alias": {"alias_name": "x"}})),
            Err(Invalid::from(ALIAS_SHAPE))
        );
    }

    #[test]
    fn modifiers_are_recognised_and_other_objects_are_nested_values() {
        assert_eq!(custom_op(&json!({"inc": 2})), CustomOp::Inc(2.into()));
        assert_eq!(
            custom_op(&json!({"add": ["a"], "remove": ["b"]})),
            CustomOp::Array {
                add: vec![json!("a")],
                remove: vec![json!("b")]
            }
        );
        assert_eq!(
            custom_op(&json!({"inc": 1, "x": 2})),
            CustomOp::Set(json!({"inc": 1, "x": 2}))
        );
        assert_eq!(custom_op(&Value::Null), CustomOp::Unset);
    }

    #[test]
    fn braze_time_formats_parse() {
        assert_eq!(
            parse_time("2022-12-06T19:20:45+01:00"),
            Some(datetime!(2022-12-06 18:20:45 UTC))
        );
        assert_eq!(
            parse_time("2017-05-12T18:47:12Z"),
            Some(datetime!(2017-05-12 18:47:12 UTC))
        );
        assert_eq!(
            parse_time("2013-07-16T19:20:30:450+0100"),
            Some(datetime!(2013-07-16 18:20:30.45 UTC))
        );
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("2013-07-16T19:20:30:4"), None);
        assert_eq!(parse_time("2013-07-16T19:20:30:450+0\u{e9}1"), None);
        assert_eq!(parse_time("2013-07-16T19:20:\u{e9}"), None);
    }

    #[test]
    fn too_many_objects_is_fatal_and_bad_objects_are_minor() {
        let many: Vec<Value> = (0..76)
            .map(|i| json!({"external_id": format!("u{i}"), "name": "e", "time": "2024-01-01T00:00:00Z"}))
            .collect();
        let err = parse_track(&obj(json!({"events": many})), 75).unwrap_err();
        assert!(matches!(err, BrazeError::MaxInputLength(_)), "{err:?}");
        let ok = parse_track(
            &obj(json!({"events": [{"external_id": "u"}, 3], "purchases": [{"external_id": "u", "product_id": "p", "currency": "usd", "price": 1, "time": "2024-01-01T00:00:00Z"}]})),
            75,
        )
        .unwrap();
        let events = ok.events.unwrap();
        assert_eq!(events[0], Err(Invalid::from("'name' is required")));
        assert_eq!(events[1], Err(Invalid::from(NOT_AN_OBJECT)));
        assert!(ok.attributes.is_none());
        let p = ok.purchases.unwrap().remove(0).unwrap();
        assert_eq!((p.currency.as_str(), p.quantity), ("USD", 1));
    }
}
