//! Text for failure messages: replies and state shown the way a reader compares them
//! with the step.

use serde_json::{Map, Value};

use crate::matching::{Mismatch, partial};

/// Why a vendor's state does not match an `assert` pattern.
pub fn explain_assert(vendor: &str, pattern: &Value, state: &Value, m: &[Mismatch]) -> String {
    let mut out = format!("{vendor}'s state does not match:\n");
    for x in m {
        out.push_str(&format!("  {x}\n"));
    }
    out.push_str("the state, where the pattern looks (closest items, named keys):\n");
    out.push_str(&indent(&pretty(&project(pattern, state)), 2));
    out
}

/// The parts of `actual` that `pattern` names: for objects their keys, for lists the
/// closest item to each pattern item. What a reader compares with the pattern.
pub fn project(pattern: &Value, actual: &Value) -> Value {
    match (pattern, actual) {
        (Value::Object(p), Value::Object(a)) => Value::Object(
            p.iter()
                .map(|(k, pv)| {
                    let v = a.get(k).map_or(Value::Null, |av| project(pv, av));
                    (k.clone(), v)
                })
                .collect(),
        ),
        (Value::Array(p), Value::Array(a)) if !a.is_empty() => Value::Array(
            p.iter()
                .filter_map(|pv| {
                    a.iter()
                        .min_by_key(|av| partial("", pv, Some(av)).len())
                        .map(|av| project(pv, av))
                })
                .collect(),
        ),
        _ => actual.clone(),
    }
}

/// Response headers as a JSON object; repeated names are joined with `, `.
pub fn header_map<'a>(h: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Value {
    let mut m = Map::new();
    for (k, v) in h {
        let v = String::from_utf8_lossy(v).into_owned();
        match m.get_mut(k) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(&v);
            }
            _ => {
                m.insert(k.to_owned(), Value::String(v));
            }
        }
    }
    Value::Object(m)
}

/// A body as JSON when it is JSON, else as text; an empty body is `null`.
pub fn body_value(bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

/// Pretty JSON, cut after 60 lines.
pub fn pretty(v: &Value) -> String {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= 60 {
        return text;
    }
    format!(
        "{}\n… ({} more lines)",
        lines[..60].join("\n"),
        lines.len() - 60
    )
}

/// Every line of `text` indented by `n` spaces.
pub fn indent(text: &str, n: usize) -> String {
    let pad = " ".repeat(n);
    text.lines()
        .map(|l| format!("{pad}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn projection_keeps_named_keys_and_the_closest_list_item() {
        let pattern = json!({"items": [{"status": "open"}]});
        let state =
            json!({"other": 1, "items": [{"status": "new", "id": 1}, {"status": "open", "id": 2}]});
        assert_eq!(
            project(&pattern, &state),
            json!({"items": [{"status": "open"}]})
        );
    }

    #[test]
    fn bodies_are_json_text_or_null_and_long_text_is_cut() {
        assert_eq!(body_value(b""), Value::Null);
        assert_eq!(body_value(b"{\"a\":1}"), json!({"a": 1}));
        assert_eq!(body_value(b"plain"), json!("plain"));
        let long = Value::Array((0..100).map(Value::from).collect());
        assert!(pretty(&long).ends_with("… (42 more lines)"));
        assert_eq!(indent("a\nb", 2), "  a\n  b");
    }

    #[test]
    fn repeated_headers_are_joined() {
        let h = header_map([("a", &b"1"[..]), ("a", &b"2"[..]), ("b", &b"x"[..])]);
        assert_eq!(h, json!({"a": "1, 2", "b": "x"}));
    }
}
