//! Conditions of views and automations, checked against a ticket as the API shows
//! it: pure, shared by the view routes and the hourly automation runs.

use serde_json::Value;

const STATUS_ORDER: &[&str] = &["new", "open", "pending", "hold", "solved", "closed"];
const PRIORITY_ORDER: &[&str] = &["low", "normal", "high", "urgent"];

/// Whether a view or automation condition holds for a ticket (as the API shows it).
pub fn holds(cond: &Value, t: &Value) -> bool {
    let field = cond["field"].as_str().unwrap_or_default();
    let op = cond["operator"].as_str().unwrap_or("is");
    let want = match &cond["value"] {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let key = match field {
        "type" => "type",
        "current_tags" => "tags",
        f => f,
    };
    let got = &t[key];
    if key == "tags" {
        let tags: Vec<&str> = got
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let any = want.split_whitespace().any(|w| tags.contains(&w));
        return if op == "not_includes" { !any } else { any };
    }
    let got = match got {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let rank = |order: &[&str], v: &str| order.iter().position(|x| *x == v);
    let order = if key == "status" {
        STATUS_ORDER
    } else {
        PRIORITY_ORDER
    };
    match op {
        "is" => got.eq_ignore_ascii_case(&want),
        "is_not" => !got.eq_ignore_ascii_case(&want),
        "less_than" => rank(order, &got)
            .zip(rank(order, &want))
            .is_some_and(|(g, w)| g < w),
        "greater_than" => rank(order, &got)
            .zip(rank(order, &want))
            .is_some_and(|(g, w)| g > w),
        _ => true,
    }
}
