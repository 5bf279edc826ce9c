//! Braze's state: user profiles (attributes, events, purchases), webhook campaigns
//! and the record of campaign sends. Plain data, no I/O.
//!
//! `/users/track` rules (REFERENCE 2.3): objects are applied attributes first, then
//! events, then purchases; events and purchases create the user they name; attributes
//! create it unless `_update_existing_only` says otherwise.

use serde::Serialize;
use serde_json::{Map, Number, Value};
use time::OffsetDateTime;

use super::state::ApiState;
use super::webhook::Campaign;
use super::wire::{
    AttributesInput, CustomOp, EventInput, Identifier, Invalid, MinorError, PurchaseInput,
    TrackRequest, UserAlias,
};
use crate::clock::iso_millis;
use crate::ids::IdGen;

/// A tracked custom event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Event name.
    pub name: String,
    /// When it happened.
    #[serde(serialize_with = "millis")]
    pub time: OffsetDateTime,
    /// `app_id`, when given.
    pub app_id: Option<String>,
    /// Event properties.
    pub properties: Map<String, Value>,
}

/// A tracked purchase.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Purchase {
    /// The product.
    pub product_id: String,
    /// ISO-4217 code.
    pub currency: String,
    /// Unit price.
    pub price: f64,
    /// How many.
    pub quantity: u32,
    /// When it happened.
    #[serde(serialize_with = "millis")]
    pub time: OffsetDateTime,
    /// `app_id`, when given.
    pub app_id: Option<String>,
    /// Purchase properties.
    pub properties: Map<String, Value>,
}

/// One user profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Braze's own id (24 hex digits, as in Braze's export samples).
    pub braze_id: String,
    /// The integrator's id; `None` for alias-, email- or phone-only users.
    pub external_id: Option<String>,
    /// Aliases.
    pub user_aliases: Vec<UserAlias>,
    /// When the profile was created.
    #[serde(serialize_with = "millis")]
    pub created_at: OffsetDateTime,
    /// When `/users/track` last changed it.
    #[serde(serialize_with = "millis")]
    pub updated_at: OffsetDateTime,
    /// Braze's random bucket number (0 to 9999).
    pub random_bucket: u32,
    /// Standard attributes (`first_name`, `email`, `dob`, ...).
    pub attributes: Map<String, Value>,
    /// Custom attributes.
    pub custom_attributes: Map<String, Value>,
    /// Custom events, in the order tracked.
    pub events: Vec<Event>,
    /// Purchases, in the order tracked.
    pub purchases: Vec<Purchase>,
}

fn millis<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&iso_millis(*t))
}

impl Profile {
    /// A standard attribute as text.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(Value::as_str)
    }
}

/// How one campaign send went (or is going).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SendRecord {
    /// The delivery id (groups the attempts in the journal).
    pub delivery: String,
    /// The campaign's id.
    pub campaign_id: String,
    /// The rendered URL.
    pub url: String,
    /// `in_progress`, `delivered` or `failed`.
    pub status: &'static str,
    /// Each attempt so far: `{attempt, status}` or `{attempt, error}`.
    pub attempts: Vec<Value>,
}

/// What `/users/track` did with a request.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TrackOutcome {
    /// `(array, processed objects)` for each array present in the request.
    pub processed: Vec<(&'static str, usize)>,
    /// Minor errors, per object.
    pub errors: Vec<MinorError>,
}

/// Everything fake Braze holds.
#[derive(Debug, Clone)]
pub struct Store {
    ids: IdGen,
    /// Profiles in creation order.
    pub profiles: Vec<Profile>,
    /// Webhook campaigns: the configured ones, then those created through the
    /// control API.
    pub campaigns: Vec<Campaign>,
    /// Campaign sends, oldest first.
    pub sends: Vec<SendRecord>,
    /// What the REST API beyond `/users/track` keeps.
    pub api: ApiState,
}

impl Store {
    /// The seeded state: no profiles, the configured campaigns (each without an id
    /// gets one from the seed).
    pub fn seeded(seed: u64, campaigns: &[Campaign]) -> Self {
        let mut store = Self {
            ids: IdGen::new(seed ^ 0xB4A2_E000_0000_0000),
            profiles: Vec::new(),
            campaigns: Vec::new(),
            sends: Vec::new(),
            api: ApiState::default(),
        };
        for c in campaigns {
            store.add_campaign(c.clone());
        }
        store
    }

    /// `n` hex digits from the seeded generator.
    pub fn hex_id(&mut self, n: usize) -> String {
        self.ids.hex(n)
    }

    /// A UUID-shaped id (Braze's campaign `api_id`s are UUIDs).
    pub fn uuid(&mut self) -> String {
        let h = self.ids.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        )
    }

    /// Adds a campaign, giving it an id if it has none; returns its index.
    pub fn add_campaign(&mut self, mut c: Campaign) -> usize {
        if c.id.is_empty() {
            c.id = self.uuid();
        }
        self.campaigns.push(c);
        self.campaigns.len() - 1
    }

    /// The campaign with id `id`.
    pub fn campaign(&self, id: &str) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| c.id == id)
    }

    /// The index of the profile `who` names. An email or phone shared by several
    /// profiles names the most recently updated one.
    pub fn find(&self, who: &Identifier) -> Option<usize> {
        let by = |pred: &dyn Fn(&Profile) -> bool| {
            self.profiles
                .iter()
                .enumerate()
                .filter(|(_, p)| pred(p))
                .max_by_key(|(_, p)| p.updated_at)
                .map(|(i, _)| i)
        };
        match who {
            Identifier::ExternalId(id) => {
                let renamed = self.api.deprecated_ids.get(id);
                by(&|p| p.external_id.as_deref() == Some(id) || renamed == Some(&p.braze_id))
            }
            Identifier::BrazeId(id) => by(&|p| &p.braze_id == id),
            Identifier::Alias(a) => by(&|p| p.user_aliases.contains(a)),
            Identifier::Email(e) => by(&|p| {
                p.attribute("email")
                    .is_some_and(|x| x.eq_ignore_ascii_case(e))
            }),
            Identifier::Phone(n) => by(&|p| p.attribute("phone") == Some(n.as_str())),
        }
    }

    /// The profile `who` names, created when missing and `create` allows. A braze_id
    /// never creates: Braze assigns those.
    pub fn find_or_create(
        &mut self,
        who: &Identifier,
        create: bool,
        now: OffsetDateTime,
    ) -> Option<usize> {
        if let Some(i) = self.find(who) {
            return Some(i);
        }
        if !create || matches!(who, Identifier::BrazeId(_)) {
            return None;
        }
        let mut p = Profile {
            braze_id: self.ids.hex(24),
            external_id: None,
            user_aliases: Vec::new(),
            created_at: now,
            updated_at: now,
            random_bucket: u32::try_from(self.ids.range(0, 10_000)).unwrap_or(0),
            attributes: Map::new(),
            custom_attributes: Map::new(),
            events: Vec::new(),
            purchases: Vec::new(),
        };
        match who {
            Identifier::ExternalId(id) => p.external_id = Some(id.clone()),
            Identifier::Alias(a) => p.user_aliases.push(a.clone()),
            Identifier::Email(e) => {
                p.attributes
                    .insert("email".to_owned(), Value::String(e.clone()));
            }
            Identifier::Phone(n) => {
                p.attributes
                    .insert("phone".to_owned(), Value::String(n.clone()));
            }
            Identifier::BrazeId(_) => {}
        }
        self.profiles.push(p);
        Some(self.profiles.len() - 1)
    }

    /// Applies a `/users/track` request: attributes, then events, then purchases.
    /// Every valid object counts as processed (Braze counts what it queues), even one
    /// that ends up changing nothing (an unknown braze_id, `_update_existing_only`).
    pub fn track(&mut self, req: TrackRequest, now: OffsetDateTime) -> TrackOutcome {
        let mut out = TrackOutcome::default();
        if let Some(items) = req.attributes {
            let n = self.each(items, "attributes", &mut out.errors, |s, a| {
                if let Some(i) = s.find_or_create(&a.who, a.may_create(), now) {
                    apply_attributes(&mut s.profiles[i], &a, now);
                }
            });
            out.processed.push(("attributes", n));
        }
        if let Some(items) = req.events {
            let n = self.each(items, "events", &mut out.errors, |s, e: EventInput| {
                if let Some(i) = s.find_or_create(&e.who, true, now) {
                    let p = &mut s.profiles[i];
                    p.events.push(Event {
                        name: e.name,
                        time: e.time,
                        app_id: e.app_id,
                        properties: e.properties,
                    });
                    p.updated_at = now;
                }
            });
            out.processed.push(("events", n));
        }
        if let Some(items) = req.purchases {
            let n = self.each(
                items,
                "purchases",
                &mut out.errors,
                |s, b: PurchaseInput| {
                    if let Some(i) = s.find_or_create(&b.who, true, now) {
                        let p = &mut s.profiles[i];
                        p.purchases.push(Purchase {
                            product_id: b.product_id,
                            currency: b.currency,
                            price: b.price,
                            quantity: b.quantity,
                            time: b.time,
                            app_id: b.app_id,
                            properties: b.properties,
                        });
                        p.updated_at = now;
                    }
                },
            );
            out.processed.push(("purchases", n));
        }
        out
    }

    /// Runs `apply` on each valid item and records a minor error for each other one;
    /// returns how many were processed.
    fn each<T>(
        &mut self,
        items: Vec<Result<T, Invalid>>,
        input_array: &'static str,
        errors: &mut Vec<MinorError>,
        mut apply: impl FnMut(&mut Self, T),
    ) -> usize {
        let mut processed = 0;
        for (index, item) in items.into_iter().enumerate() {
            match item {
                Ok(v) => {
                    apply(self, v);
                    processed += 1;
                }
                Err(Invalid(kind)) => errors.push(MinorError {
                    kind,
                    input_array,
                    index,
                }),
            }
        }
        processed
    }
}

fn apply_attributes(p: &mut Profile, a: &AttributesInput, now: OffsetDateTime) {
    for (key, value) in &a.standard {
        if value.is_null() {
            p.attributes.remove(key);
        } else {
            p.attributes.insert(key.clone(), value.clone());
        }
    }
    for (key, op) in &a.custom {
        let current = p.custom_attributes.get(key);
        let next = match op {
            CustomOp::Unset => None,
            CustomOp::Set(v) => Some(v.clone()),
            CustomOp::Inc(n) => Some(Value::Number(increment(
                current.and_then(Value::as_number),
                n,
            ))),
            CustomOp::Array { add, remove } => {
                let mut list = current
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                list.extend(add.iter().cloned());
                list.retain(|v| !remove.contains(v));
                Some(Value::Array(list))
            }
        };
        match next {
            Some(v) => {
                p.custom_attributes.insert(key.clone(), v);
            }
            None => {
                p.custom_attributes.remove(key);
            }
        }
    }
    p.updated_at = now;
}

/// `current + by`, in integers when both are integers.
fn increment(current: Option<&Number>, by: &Number) -> Number {
    let Some(current) = current else {
        return by.clone();
    };
    if let (Some(a), Some(b)) = (current.as_i64(), by.as_i64())
        && let Some(sum) = a.checked_add(b)
    {
        return sum.into();
    }
    let sum = current.as_f64().unwrap_or_default() + by.as_f64().unwrap_or_default();
    Number::from_f64(sum).unwrap_or_else(|| by.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::braze::wire::parse_track;
    use serde_json::json;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2024-02-08 17:44:38 UTC);

    fn track(store: &mut Store, body: Value) -> TrackOutcome {
        let req = parse_track(body.as_object().unwrap(), 75).unwrap();
        store.track(req, NOW)
    }

    #[test]
    fn modifiers_increment_add_and_remove() {
        let mut s = Store::seeded(0, &[]);
        track(
            &mut s,
            json!({"attributes": [{"external_id": "u", "visits": 1, "tags": ["a", "b"], "score": 1.5}]}),
        );
        track(
            &mut s,
            json!({"attributes": [{"external_id": "u", "visits": {"inc": 2}, "tags": {"add": ["c"], "remove": ["a"]}, "score": {"inc": 1}, "fresh": {"inc": 4}}]}),
        );
        let p = &s.profiles[0];
        assert_eq!(p.custom_attributes["visits"], json!(3));
        assert_eq!(p.custom_attributes["tags"], json!(["b", "c"]));
        assert_eq!(p.custom_attributes["score"], json!(2.5));
        assert_eq!(p.custom_attributes["fresh"], json!(4));
        track(
            &mut s,
            json!({"attributes": [{"external_id": "u", "visits": null, "first_name": "Ana"}]}),
        );
        assert!(!s.profiles[0].custom_attributes.contains_key("visits"));
        assert_eq!(s.profiles[0].attribute("first_name"), Some("Ana"));
    }

    #[test]
    fn update_existing_only_defaults_to_true_for_aliases_and_false_otherwise() {
        let mut s = Store::seeded(0, &[]);
        let out = track(
            &mut s,
            json!({"attributes": [
                {"user_alias": {"alias_name": "d", "alias_label": "l"}, "x": 1},
                {"external_id": "u", "_update_existing_only": true, "x": 1},
                {"braze_id": "nope", "x": 1},
                {"external_id": "v", "x": 1},
                {"user_alias": {"alias_name": "e", "alias_label": "l"}, "_update_existing_only": false, "x": 1}
            ]}),
        );
        assert_eq!(out.processed, [("attributes", 5)]);
        let ids: Vec<(Option<&str>, usize)> = s
            .profiles
            .iter()
            .map(|p| (p.external_id.as_deref(), p.user_aliases.len()))
            .collect();
        assert_eq!(ids, [(Some("v"), 0), (None, 1)]);
    }

    #[test]
    fn events_by_email_land_on_the_profile_with_that_email_and_create_otherwise() {
        let mut s = Store::seeded(0, &[]);
        let out = track(
            &mut s,
            json!({
                "attributes": [{"external_id": "u", "email": "A@b.c"}],
                "events": [
                    {"email": "a@b.c", "name": "e1", "time": "2024-01-01T00:00:00Z"},
                    {"email": "new@b.c", "name": "e2", "time": "2024-01-01T00:00:00Z"},
                    {"name": "e3", "time": "2024-01-01T00:00:00Z"}
                ]
            }),
        );
        assert_eq!(out.processed, [("attributes", 1), ("events", 2)]);
        assert_eq!(out.errors.len(), 1);
        assert_eq!(out.errors[0].index, 2);
        assert_eq!(s.profiles[0].events[0].name, "e1");
        assert_eq!(s.profiles[1].attribute("email"), Some("new@b.c"));
        assert_eq!(s.profiles[1].external_id, None);
    }

    #[test]
    fn the_same_seed_gives_the_same_ids() {
        let ids = || {
            let mut s = Store::seeded(7, &[]);
            track(&mut s, json!({"attributes": [{"external_id": "u"}]}));
            (s.profiles[0].braze_id.clone(), s.uuid())
        };
        assert_eq!(ids(), ids());
        assert_eq!(ids().0.len(), 24);
    }
}
