//! One fuzz case: a payload as the vendor sends it, and in hostile mode one
//! mutation a parser must survive. Rendering turns a case into the exact body bytes
//! and says how the request is to be signed; it is pure, so shrinking replays it.

use proptest::prelude::*;
use serde_json::{Map, Value};

use super::payload::Scheme;

/// What a hostile case does to the payload or its request.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    /// A member's value replaced by one of another JSON type.
    WrongType {
        /// Which member (among all object members, depth first).
        at: Pick,
        /// Candidates for the new value; the first whose type differs is used.
        with: Value,
    },
    /// A member removed.
    MissingField {
        /// Which member.
        at: Pick,
    },
    /// A member written twice, the second time with another value.
    DuplicateKey {
        /// Which member.
        at: Pick,
        /// The second value.
        with: Value,
    },
    /// A member's value wrapped in `depth` nested arrays.
    DeepNesting {
        /// Which member.
        at: Pick,
        /// How many arrays.
        depth: usize,
    },
    /// Bytes that are not UTF-8 inside a string value.
    InvalidUtf8 {
        /// Which string.
        at: Pick,
        /// Which invalid sequence.
        bytes: InvalidBytes,
    },
    /// The body cut short.
    Truncated {
        /// Where to cut.
        at: Pick,
    },
    /// A signature that does not verify.
    BadSignature,
    /// Signed correctly, but at a time this many seconds ago.
    StaleTimestamp {
        /// Age of the signature timestamp.
        age_secs: u64,
    },
}

/// Which of several places a mutation hits: a fraction of the way through them,
/// so it stays meaningful as shrinking removes places, and shrinks to the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pick(pub u32);

impl Pick {
    /// The place among `len` (0 when there are none).
    pub fn index(self, len: usize) -> usize {
        ((u64::from(self.0) * len as u64) >> 32) as usize
    }
}

fn pick() -> impl Strategy<Value = Pick> {
    any::<u32>().prop_map(Pick)
}

/// Byte sequences no UTF-8 decoder accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidBytes {
    /// `FF`: never valid.
    Ff,
    /// `C3`: a lead byte without its continuation.
    Lone,
    /// `ED A0 80`: an encoded UTF-16 surrogate.
    Surrogate,
    /// `C0 AF`: an overlong encoding of `/`.
    Overlong,
}

impl InvalidBytes {
    fn bytes(self) -> &'static [u8] {
        match self {
            Self::Ff => b"\xff",
            Self::Lone => b"\xc3",
            Self::Surrogate => b"\xed\xa0\x80",
            Self::Overlong => b"\xc0\xaf",
        }
    }
}

/// A generated case.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The payload as the vendor sends it.
    pub payload: Value,
    /// What hostile mode does to it (`None` in valid mode).
    pub mutation: Option<Mutation>,
}

/// How the request of a case is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signing {
    /// As the vendor signs, now.
    Valid,
    /// With the signature spoiled.
    Bad,
    /// Correctly, this many seconds ago.
    Stale(u64),
}

/// A case made concrete: the exact body, how to sign it, and what was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The body bytes.
    pub body: Vec<u8>,
    /// How to sign them.
    pub signing: Signing,
    /// What the mutation did, e.g. `wrong type at /data/message/app_id`; empty in
    /// valid mode.
    pub mutation: String,
    /// True when no receiver may accept the request: its signature is bad or stale,
    /// or its body is cut short.
    pub must_reject: bool,
}

/// Valid mode: the vendor's payloads as they are.
pub fn valid(payloads: BoxedStrategy<Value>) -> BoxedStrategy<Case> {
    payloads
        .prop_map(|payload| Case {
            payload,
            mutation: None,
        })
        .boxed()
}

/// Hostile mode: nine payloads in ten with one mutation, the rest as the vendor
/// sends them. Shrinking tries dropping the mutation first, so a receiver that fails
/// on the plain payload too is reported with the plain payload, not with a mutation
/// that has nothing to do with it. Signature mutations are offered only when
/// `scheme` signs (and stale timestamps only when it signs a timestamp).
pub fn hostile(payloads: BoxedStrategy<Value>, scheme: &Scheme) -> BoxedStrategy<Case> {
    (payloads, prop::option::weighted(0.9, mutation(scheme)))
        .prop_map(|(payload, mutation)| Case { payload, mutation })
        .boxed()
}

fn other_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::from(0)),
        Just(Value::from("")),
        Just(Value::Bool(true)),
        Just(Value::Null),
        Just(Value::Array(Vec::new())),
        Just(Value::Object(Map::new())),
        any::<i64>().prop_map(Value::from),
        Just(Value::from(1e300)),
        Just(Value::from(u64::MAX)),
    ]
}

/// The mutations a parser must survive.
pub fn mutation(scheme: &Scheme) -> BoxedStrategy<Mutation> {
    let invalid = prop_oneof![
        Just(InvalidBytes::Ff),
        Just(InvalidBytes::Lone),
        Just(InvalidBytes::Surrogate),
        Just(InvalidBytes::Overlong),
    ];
    let mut options: Vec<BoxedStrategy<Mutation>> = vec![
        (pick(), other_value())
            .prop_map(|(at, with)| Mutation::WrongType { at, with })
            .boxed(),
        pick().prop_map(|at| Mutation::MissingField { at }).boxed(),
        (pick(), other_value())
            .prop_map(|(at, with)| Mutation::DuplicateKey { at, with })
            .boxed(),
        (pick(), 64usize..100_000)
            .prop_map(|(at, depth)| Mutation::DeepNesting { at, depth })
            .boxed(),
        (pick(), invalid)
            .prop_map(|(at, bytes)| Mutation::InvalidUtf8 { at, bytes })
            .boxed(),
        pick().prop_map(|at| Mutation::Truncated { at }).boxed(),
    ];
    if scheme.signature_header.is_some() {
        options.push(Just(Mutation::BadSignature).boxed());
    }
    if scheme.timestamped {
        // Older than the five minutes receivers commonly allow, up to a month.
        options.push(
            (301u64..2_592_000)
                .prop_map(|age_secs| Mutation::StaleTimestamp { age_secs })
                .boxed(),
        );
    }
    proptest::strategy::Union::new(options).boxed()
}

impl Case {
    /// The exact body and signing of this case.
    pub fn render(&self) -> Rendered {
        let Some(m) = &self.mutation else {
            return Rendered {
                body: to_bytes(&self.payload),
                signing: Signing::Valid,
                mutation: String::new(),
                must_reject: false,
            };
        };
        let (body, what, signing) = apply(m, self.payload.clone());
        Rendered {
            body,
            signing,
            mutation: what,
            must_reject: matches!(
                m,
                Mutation::BadSignature
                    | Mutation::StaleTimestamp { .. }
                    | Mutation::Truncated { .. }
            ),
        }
    }
}

/// `m` applied to `payload`: the body, what was done, and how to sign it.
fn apply(m: &Mutation, mut payload: Value) -> (Vec<u8>, String, Signing) {
    let members = members(&payload);
    let pick = |at: &Pick| -> Option<&Vec<Step>> {
        (!members.is_empty()).then(|| &members[at.index(members.len())])
    };
    let (body, what) = match m {
        Mutation::WrongType { at, with } => wrong_type(&mut payload, pick(at), with),
        Mutation::MissingField { at } => missing_field(&mut payload, pick(at)),
        Mutation::DuplicateKey { at, with } => duplicate_key(&mut payload, pick(at), with),
        Mutation::DeepNesting { at, depth } => deep_nesting(&mut payload, pick(at), *depth),
        Mutation::InvalidUtf8 { at, bytes } => invalid_utf8(&mut payload, *at, *bytes),
        Mutation::Truncated { at } => truncated(&payload, *at),
        Mutation::BadSignature => {
            return (to_bytes(&payload), "bad signature".to_owned(), Signing::Bad);
        }
        Mutation::StaleTimestamp { age_secs } => {
            return (
                to_bytes(&payload),
                format!("signed {age_secs} s ago"),
                Signing::Stale(*age_secs),
            );
        }
    };
    (body, what, Signing::Valid)
}

/// The member at `path` (the whole payload when none) given a value of another type.
fn wrong_type(payload: &mut Value, path: Option<&Vec<Step>>, with: &Value) -> (Vec<u8>, String) {
    let path = path.cloned().unwrap_or_default();
    let slot = slot(payload, &path);
    let new = differing(slot, with);
    let what = format!("wrong type at {}: {}", pointer(&path), short(&new));
    *slot = new;
    (to_bytes(payload), what)
}

/// The member at `path` removed (a `null` body when there are no members).
fn missing_field(payload: &mut Value, path: Option<&Vec<Step>>) -> (Vec<u8>, String) {
    match path {
        Some(path) => {
            remove(payload, path);
            let what = format!("missing {}", pointer(path));
            (to_bytes(payload), what)
        }
        None => (b"null".to_vec(), "missing body (null)".to_owned()),
    }
}

/// The member at `path` written a second time with `with`.
fn duplicate_key(payload: &mut Value, path: Option<&Vec<Step>>, with: &Value) -> (Vec<u8>, String) {
    let Some(path) = path else {
        return (br#"{"a":1,"a":2}"#.to_vec(), "duplicate key /a".to_owned());
    };
    let key = match path.last() {
        Some(Step::Key(k)) => k.clone(),
        _ => String::new(),
    };
    let marker = marker(payload, "dup");
    if let Some(Value::Object(parent)) = parent_mut(payload, path) {
        parent.insert(marker.clone(), with.clone());
    }
    let text = String::from_utf8(to_bytes(payload)).unwrap_or_default();
    let key_json = serde_json::to_string(&key).unwrap_or_default();
    let body = text
        .replacen(&format!("\"{marker}\""), &key_json, 1)
        .into_bytes();
    let what = format!("duplicate key {} (again as {})", pointer(path), short(with));
    (body, what)
}

/// The member at `path` wrapped in `depth` nested arrays.
fn deep_nesting(payload: &mut Value, path: Option<&Vec<Step>>, depth: usize) -> (Vec<u8>, String) {
    let path = path.cloned().unwrap_or_default();
    let marker = marker(payload, "deep");
    let slot = slot(payload, &path);
    let inner = to_bytes(slot);
    *slot = Value::from(marker.clone());
    let text = String::from_utf8(to_bytes(payload)).unwrap_or_default();
    let nested = format!(
        "{}{}{}",
        "[".repeat(depth),
        String::from_utf8(inner).unwrap_or_default(),
        "]".repeat(depth)
    );
    let body = text
        .replacen(&format!("\"{marker}\""), &nested, 1)
        .into_bytes();
    let what = format!("{} wrapped in {depth} nested arrays", pointer(&path));
    (body, what)
}

/// `bytes` spliced into the middle of the string picked by `at`.
fn invalid_utf8(payload: &mut Value, at: Pick, bytes: InvalidBytes) -> (Vec<u8>, String) {
    let strings = strings(payload);
    let marker = marker(payload, "utf8");
    let path = if strings.is_empty() {
        Vec::new()
    } else {
        strings[at.index(strings.len())].clone()
    };
    let slot = slot(payload, &path);
    let old = slot.as_str().unwrap_or_default().to_owned();
    let cut = old
        .char_indices()
        .nth(old.chars().count() / 2)
        .map_or(old.len(), |(i, _)| i);
    *slot = Value::from(format!("{}{marker}{}", &old[..cut], &old[cut..]));
    let body = splice(&to_bytes(payload), marker.as_bytes(), bytes.bytes());
    let what = format!(
        "invalid UTF-8 ({}) in the string at {}",
        hex(bytes.bytes()),
        pointer(&path)
    );
    (body, what)
}

/// The body cut where `at` says.
fn truncated(payload: &Value, at: Pick) -> (Vec<u8>, String) {
    let full = to_bytes(payload);
    let keep = at.index(full.len().max(1));
    let what = format!("body cut to {keep} of {} bytes", full.len());
    (full[..keep].to_vec(), what)
}

fn to_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// One step of a path into a JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Item(usize),
}

/// Every object member's path, depth first, in document order.
fn members(v: &Value) -> Vec<Vec<Step>> {
    let mut out = Vec::new();
    let mut stack = vec![(v, Vec::new())];
    while let Some((v, path)) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, child) in m.iter().rev() {
                    let mut p = path.clone();
                    p.push(Step::Key(k.clone()));
                    stack.push((child, p));
                }
                if !path.is_empty() && matches!(path.last(), Some(Step::Key(_))) {
                    out.push(path);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    let mut p = path.clone();
                    p.push(Step::Item(i));
                    stack.push((child, p));
                }
                if matches!(path.last(), Some(Step::Key(_))) {
                    out.push(path);
                }
            }
            _ => {
                if matches!(path.last(), Some(Step::Key(_))) {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    out
}

impl PartialOrd for Step {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Step {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (Self::Key(a), Self::Key(b)) => a.cmp(b),
            (Self::Item(a), Self::Item(b)) => a.cmp(b),
            (Self::Key(_), Self::Item(_)) => std::cmp::Ordering::Less,
            (Self::Item(_), Self::Key(_)) => std::cmp::Ordering::Greater,
        }
    }
}

/// Every string value's path, depth first.
fn strings(v: &Value) -> Vec<Vec<Step>> {
    let mut out = Vec::new();
    let mut stack = vec![(v, Vec::new())];
    while let Some((v, path)) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    let mut p = path.clone();
                    p.push(Step::Key(k.clone()));
                    stack.push((child, p));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let mut p = path.clone();
                    p.push(Step::Item(i));
                    stack.push((child, p));
                }
            }
            Value::String(_) => out.push(path),
            _ => {}
        }
    }
    out.sort();
    out
}

fn slot<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    let mut cur = v;
    for step in path {
        let next = match (step, cur) {
            (Step::Key(k), Value::Object(m)) => m.get_mut(k),
            (Step::Item(i), Value::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            // Paths come from the same value, so this is not reached.
            None => unreachable!("a path taken from the value itself"),
        }
    }
    cur
}

fn parent_mut<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let (_, parent) = path.split_last()?;
    Some(slot(v, parent))
}

fn remove(v: &mut Value, path: &[Step]) {
    if let (Some(Step::Key(k)), Some(Value::Object(m))) = (path.last(), parent_mut(v, path)) {
        m.remove(k);
    }
}

/// A string that occurs nowhere in the serialised payload, to splice at.
fn marker(v: &Value, tag: &str) -> String {
    let text = v.to_string();
    let mut n = 0u32;
    loop {
        let m = format!("fakedesk-{tag}-{n}");
        if !text.contains(&m) {
            return m;
        }
        n += 1;
    }
}

fn splice(body: &[u8], marker: &[u8], with: &[u8]) -> Vec<u8> {
    match body.windows(marker.len()).position(|w| w == marker) {
        Some(i) => [&body[..i], with, &body[i + marker.len()..]].concat(),
        None => body.to_vec(),
    }
}

fn differing(old: &Value, with: &Value) -> Value {
    let kind = |v: &Value| std::mem::discriminant(v);
    if kind(old) != kind(with) {
        return with.clone();
    }
    match old {
        Value::String(_) => Value::from(0),
        _ => Value::from(""),
    }
}

fn pointer(path: &[Step]) -> String {
    if path.is_empty() {
        return "the whole body".to_owned();
    }
    path.iter()
        .map(|s| match s {
            Step::Key(k) => format!("/{}", k.replace('~', "~0").replace('/', "~1")),
            Step::Item(i) => format!("/{i}"),
        })
        .collect()
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::TestRunner;
    use serde_json::json;

    /// Objects of strings, numbers, booleans, `null`s and nested objects.
    fn nested_objects() -> BoxedStrategy<Value> {
        crate::payload::r#gen::custom_fields()
            .prop_map(Value::Object)
            .boxed()
    }

    /// A scheme that signs with a timestamp, so every mutation is offered.
    fn timestamped_scheme() -> Scheme {
        Scheme {
            signature_header: Some("x-signature"),
            timestamped: true,
            ..Scheme::UNSIGNED
        }
    }

    /// The pick of place `n` among four.
    fn index(n: u32) -> Pick {
        Pick(n << 30)
    }

    fn case(m: Mutation) -> Rendered {
        Case {
            payload: json!({"a": "héllo", "b": {"c": 1, "d": [true]}}),
            mutation: Some(m),
        }
        .render()
    }

    #[test]
    fn members_are_every_object_member_in_document_order() {
        let v = json!({"a": "héllo", "b": {"c": 1, "d": [true]}});
        let got: Vec<String> = members(&v).iter().map(|p| pointer(p)).collect();
        assert_eq!(got, ["/a", "/b", "/b/c", "/b/d"]);
    }

    #[test]
    fn valid_cases_are_the_payload_serialised() {
        let r = Case {
            payload: json!({"x": [1, "é"]}),
            mutation: None,
        }
        .render();
        assert_eq!(r.body, "{\"x\":[1,\"é\"]}".as_bytes());
        assert_eq!(r.signing, Signing::Valid);
        assert!(r.mutation.is_empty());
    }

    #[test]
    fn wrong_type_changes_the_json_type_of_one_member() {
        let r = case(Mutation::WrongType {
            at: index(0),
            with: json!(""),
        });
        // The candidate had the member's own type (string), so a number is used.
        assert_eq!(r.body, br#"{"a":0,"b":{"c":1,"d":[true]}}"#.to_vec());
        assert_eq!(r.mutation, "wrong type at /a: 0");
    }

    #[test]
    fn missing_field_removes_one_member() {
        let r = case(Mutation::MissingField { at: index(2) });
        assert_eq!(r.body, r#"{"a":"héllo","b":{"d":[true]}}"#.as_bytes());
        assert_eq!(r.mutation, "missing /b/c");
    }

    #[test]
    fn duplicate_key_writes_the_member_twice() {
        let r = case(Mutation::DuplicateKey {
            at: index(2),
            with: json!("x"),
        });
        let text = String::from_utf8(r.body).unwrap();
        assert_eq!(text.matches("\"c\":").count(), 2, "{text}");
        assert!(
            text.contains("\"c\":1") && text.contains("\"c\":\"x\""),
            "{text}"
        );
        // serde_json keeps the last duplicate: the payload now reads differently.
        let parsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["b"]["c"], json!("x"));
    }

    #[test]
    fn deep_nesting_wraps_a_member_and_stays_balanced() {
        let r = case(Mutation::DeepNesting {
            at: index(0),
            depth: 200,
        });
        let text = String::from_utf8(r.body).unwrap();
        assert!(text.starts_with(&format!(
            "{{\"a\":{}\"héllo\"{}",
            "[".repeat(200),
            "]".repeat(200)
        )));
        // Too deep for serde_json's default limit of 128: a parser must refuse it.
        assert!(serde_json::from_str::<Value>(&text).is_err());
    }

    #[test]
    fn invalid_utf8_lands_inside_a_string() {
        let r = case(Mutation::InvalidUtf8 {
            at: index(0),
            bytes: InvalidBytes::Surrogate,
        });
        assert!(std::str::from_utf8(&r.body).is_err());
        let fixed = String::from_utf8_lossy(&r.body).into_owned();
        // Spliced in the middle of the string, which is otherwise intact.
        assert!(fixed.starts_with("{\"a\":\"hé\u{fffd}"), "{fixed}");
        assert!(fixed.contains("\u{fffd}llo\""), "{fixed}");
        assert!(r.mutation.contains("ED A0 80") && r.mutation.contains("/a"));
    }

    #[test]
    fn truncation_keeps_a_prefix() {
        let full = to_bytes(&json!({"a": "héllo", "b": {"c": 1, "d": [true]}}));
        let r = case(Mutation::Truncated { at: index(1) });
        assert!(r.body.len() < full.len());
        assert!(full.starts_with(&r.body));
    }

    #[test]
    fn signature_mutations_change_only_the_signing() {
        assert_eq!(case(Mutation::BadSignature).signing, Signing::Bad);
        assert_eq!(
            case(Mutation::StaleTimestamp { age_secs: 900 }).signing,
            Signing::Stale(900)
        );
    }

    #[test]
    fn signature_mutations_are_offered_only_where_the_vendor_signs() {
        let mut runner = TestRunner::deterministic();
        let mut seen = |scheme: &Scheme| {
            let s = mutation(scheme);
            (0..400)
                .map(|_| s.new_tree(&mut runner).unwrap().current())
                .fold((false, false), |(bad, stale), m| {
                    (
                        bad || m == Mutation::BadSignature,
                        stale || matches!(m, Mutation::StaleTimestamp { .. }),
                    )
                })
        };
        let signed = Scheme {
            signature_header: Some("x-signature"),
            ..Scheme::UNSIGNED
        };
        let timestamped = Scheme {
            timestamped: true,
            ..signed
        };
        assert_eq!(seen(&Scheme::UNSIGNED), (false, false));
        assert_eq!(seen(&signed), (true, false));
        assert_eq!(seen(&timestamped), (true, true));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the mutation, rendering never panics, every mutation but a
        /// signature one changes the bytes, and no mutation leaves them as they are.
        #[test]
        fn rendering_any_mutation_of_any_object_is_total(
            c in hostile(nested_objects(), &timestamped_scheme())
        ) {
            let r = c.render();
            let plain = to_bytes(&c.payload);
            match (&c.mutation, r.signing) {
                (None, _) => {
                    prop_assert_eq!(r.body, plain);
                    prop_assert!(r.mutation.is_empty());
                }
                (Some(_), Signing::Valid) => prop_assert_ne!(r.body, plain),
                (Some(_), _) => prop_assert_eq!(r.body, plain),
            }
            prop_assert_eq!(r.mutation.is_empty(), c.mutation.is_none());
        }
    }
}
