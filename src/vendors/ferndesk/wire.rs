//! The custom support endpoint's document (REFERENCE 7.1) and the `startDate`
//! filter the fake endpoint applies.

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// The guide's example document, served when no other is configured.
pub const GUIDE_EXAMPLE: &str =
    include_str!("../../../fixtures/vendors/ferndesk/guide_example.json");

/// Parses `startDate` (`YYYY-MM-DD`).
pub fn parse_start_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]")).ok()
}

/// The document with only the conversations whose `lastMessageAt` is on or after
/// `start` (midnight UTC). A conversation whose `lastMessageAt` is missing or not a
/// timestamp is kept, so a broken document stays broken. Anything that is not a
/// `{"conversations": [...]}` object is served as it is.
pub fn since(doc: &Value, start: Option<Date>) -> Value {
    let Some(start) = start else {
        return doc.clone();
    };
    let mut out = doc.clone();
    if let Some(list) = out.get_mut("conversations").and_then(Value::as_array_mut) {
        let from = start.midnight().assume_utc();
        list.retain(|c| {
            c.get("lastMessageAt")
                .and_then(Value::as_str)
                .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                .is_none_or(|t| t >= from)
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn start_date_keeps_conversations_active_since_that_day() {
        let doc = json!({"conversations": [
            {"id": "a", "lastMessageAt": "2024-12-31T23:59:59Z"},
            {"id": "b", "lastMessageAt": "2025-01-01T00:00:00Z"},
            {"id": "c", "lastMessageAt": "yesterday"}
        ]});
        let day = parse_start_date("2025-01-01");
        let kept = since(&doc, day);
        let ids: Vec<&str> = kept["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["b", "c"]);
        assert_eq!(since(&doc, None), doc);
        assert!(parse_start_date("2025-13-01").is_none());
        assert!(serde_json::from_str::<Value>(GUIDE_EXAMPLE).is_ok());
    }
}

/// `url` with its `startDate` query parameter set to `day` (replacing any).
pub fn with_start_date(url: &str, day: Date) -> String {
    let (base, fragment) = url
        .split_once('#')
        .map_or((url, None), |(b, f)| (b, Some(f)));
    let (path, query) = base.split_once('?').map_or((base, ""), |(p, q)| (p, q));
    let mut pairs: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && kv.split('=').next() != Some("startDate"))
        .collect();
    let param = format!("startDate={day}");
    pairs.push(&param);
    let mut out = format!("{path}?{}", pairs.join("&"));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// The `startDate` a URL carries, if any (`Err` with the text when it is not a date).
pub fn start_date_of(url: &str) -> Result<Option<Date>, String> {
    let query = url
        .split('#')
        .next()
        .unwrap_or_default()
        .split_once('?')
        .map_or("", |(_, q)| q);
    match form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "startDate") {
        None => Ok(None),
        Some((_, v)) => parse_start_date(&v).map(Some).ok_or_else(|| v.into_owned()),
    }
}

#[cfg(test)]
mod url_tests {
    use super::*;

    #[test]
    fn start_date_is_set_in_the_query_and_read_back() {
        let day = parse_start_date("2025-01-01").unwrap();
        assert_eq!(
            with_start_date("https://c.com/s.json?startDate=2024-01-01&x=1", day),
            "https://c.com/s.json?x=1&startDate=2025-01-01"
        );
        assert_eq!(
            with_start_date("http://h/s", day),
            "http://h/s?startDate=2025-01-01"
        );
        assert_eq!(
            start_date_of("http://h/s?startDate=2025-01-01"),
            Ok(Some(day))
        );
        assert_eq!(start_date_of("http://h/s"), Ok(None));
        assert!(start_date_of("http://h/s?startDate=soon").is_err());
    }
}
