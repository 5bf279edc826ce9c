//! Generators of what the vendors really send, as proptest strategies.
//!
//! Every strategy here stays inside what the vendor can send: optional fields are
//! sometimes absent, fields the vendor sends as `null` are sometimes `null`, strings
//! range from empty to very long and through all of Unicode, arrays may be empty,
//! numbers reach the vendor's largest, and every enum value appears. They shrink
//! towards the smallest such payload: optional fields gone, strings empty, arrays
//! empty, the first enum value.
//!
//! The building blocks below are shared by the vendors' generators, which live in
//! the vendor folders (each vendor's `fuzz` module).

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::macros::format_description;

/// Text as people type it: short ASCII first (where shrinking ends, at `""`), then
/// any Unicode (emoji, right-to-left scripts, combining marks, control characters),
/// then characters JSON must escape, then very long strings.
pub fn text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-zA-Z0-9 ]{0,16}",
        3 => any::<String>(),
        1 => "[\"\\\\/\n\t\r\u{0}\u{1f}<>&'{}]{1,8}",
        1 => prop::collection::vec(select(vec!["é", "😀", "مرحبا", "ß", "\u{200d}", "\u{301}", "漢字", "a"]), 0..32).prop_map(|v| v.concat()),
        1 => (1_000usize..20_000).prop_map(|n| "x".repeat(n)),
        1 => (200usize..2_000).prop_map(|n| "😀é".repeat(n)),
    ]
    .boxed()
}

/// A non-empty single-line name or title.
pub fn name() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[A-Z][a-z]{0,11}",
        2 => "[\\p{L}][\\p{L}\\p{M} '-]{0,30}",
        1 => (300usize..3_000).prop_map(|n| "N".repeat(n)),
    ]
    .boxed()
}

/// An e-mail address, sometimes with Unicode or a plus tag.
pub fn email() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-z]{1,10}@example\\.com",
        1 => "[a-z]{1,8}\\+[a-z0-9]{1,8}@[a-z]{1,8}\\.(io|co\\.uk|com\\.br)",
        1 => "[\\p{L}]{1,8}@bücher\\.example",
    ]
    .boxed()
}

/// A random (version 4) UUID in its lowercase hyphenated form. It comes from 32
/// random bits spread over the 122 a UUID has, so shrinking reaches the all-zero one
/// in a few dozen steps (each a request to the receiver when fuzzing live).
pub fn uuid() -> BoxedStrategy<String> {
    any::<u32>()
        .prop_map(|seed| {
            let n = if seed == 0 {
                0
            } else {
                let hi = splitmix(u64::from(seed));
                let lo = splitmix(hi);
                (u128::from(hi) << 64) | u128::from(lo)
            };
            let n = (n & !(0xf000 << 64) | (0x4000 << 64)) & !(0xc000 << 48) | (0x8000 << 48);
            let h = format!("{n:032x}");
            format!(
                "{}-{}-{}-{}-{}",
                &h[0..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..32]
            )
        })
        .boxed()
}

/// SplitMix64: spreads a small seed over 64 bits.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A moment between 2015 and 2035, as Unix seconds.
pub fn unix_seconds() -> BoxedStrategy<i64> {
    (1_420_070_400i64..2_051_222_400).boxed()
}

/// `YYYY-MM-DDTHH:MM:SSZ`, seconds precision.
pub fn iso_seconds() -> BoxedStrategy<String> {
    unix_seconds()
        .prop_map(|s| {
            let t = OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            t.format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .unwrap_or_default()
        })
        .boxed()
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, milliseconds precision.
pub fn iso_millis() -> BoxedStrategy<String> {
    (unix_seconds(), 0u32..1000)
        .prop_map(|(s, ms)| {
            let t = OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH);
            let base = t
                .format(format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second]"
                ))
                .unwrap_or_default();
            format!("{base}.{ms:03}Z")
        })
        .boxed()
}

/// A large numeric id: 1 up to 14 digits, the largest such vendors hand out.
pub fn big_id() -> BoxedStrategy<u64> {
    prop_oneof![
        1u64..1_000,
        10_000_000_000u64..100_000_000_000_000,
        Just(99_999_999_999_999u64),
    ]
    .boxed()
}

/// `None` or a value (shrinks to `None`: the field absent).
pub fn optional<T: std::fmt::Debug + Clone + 'static>(
    s: impl Strategy<Value = T> + 'static,
) -> BoxedStrategy<Option<T>> {
    prop::option::of(s).boxed()
}

/// `null` or a value (shrinks to `null`).
pub fn nullable(s: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Value> {
    prop_oneof![1 => Just(Value::Null), 3 => s].boxed()
}

/// One of the given values (shrinks to the first).
pub fn one_of(values: &'static [&'static str]) -> BoxedStrategy<String> {
    select(values).prop_map(str::to_owned).boxed()
}

/// An object from `(key, value)` pairs, leaving out the absent ones, in the order
/// given.
pub fn object(fields: Vec<(&str, Option<Value>)>) -> Value {
    let mut m = Map::new();
    for (k, v) in fields {
        if let Some(v) = v {
            m.insert(k.to_owned(), v);
        }
    }
    Value::Object(m)
}

/// A few free-form custom fields as integrators define them: string, number,
/// boolean and `null` values, and nested objects (shrinks to none).
pub fn custom_fields() -> BoxedStrategy<Map<String, Value>> {
    let leaf = prop_oneof![
        text().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
    ];
    let value = leaf.prop_recursive(3, 12, 4, |inner| {
        prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
    });
    prop::collection::btree_map("[a-z][a-z_]{0,15}", value, 0..4)
        .prop_map(|m| m.into_iter().collect())
        .boxed()
}

/// What shrinking reaches for a property that always fails: the payload a fuzz
/// failure that does not depend on the payload at all shrinks to.
#[cfg(test)]
pub(crate) fn minimal<T: std::fmt::Debug + Clone>(s: &impl Strategy<Value = T>) -> T {
    use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
    let mut runner = TestRunner::new(Config {
        cases: 1,
        max_shrink_iters: 1_000_000,
        failure_persistence: None,
        ..Config::default()
    });
    match runner.run(s, |_| Err(TestCaseError::fail("always"))) {
        Err(TestError::Fail(_, v)) => v,
        other => panic!("the property always fails: {other:?}"),
    }
}

/// An object's keys, sorted (none for anything else).
#[cfg(test)]
pub(crate) fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    k.sort_unstable();
    k
}
