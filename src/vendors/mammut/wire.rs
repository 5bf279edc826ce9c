//! Mammut's JSON shapes (REFERENCE 4.2 and 4.4): the `TaskResult` of graph writes
//! and the `{"count", "data", "status"}` of graph reads. Property names are
//! kebab-case; ids are int64 vertex ids.

use serde_json::{Value, json};

/// The properties the Freshchat channel reads from a machine user.
pub const FRESHCHAT_FIELDS: &[&str] = &[
    "freshchat-actor-id",
    "freshchat-access-token",
    "freshchat-app-id",
];

/// The Freshchat site ids a bot recognises (multichannel; not a documented
/// property name: Mammut documents no field for them, and accepts any other).
pub const SITE_IDS_FIELD: &str = "freshchat-site-ids";

/// The optional group for Issues; the update example's query calls it `group-name`.
pub const GROUP_FIELD: &str = "freshchat-group-name";

/// A `TaskResult` naming the user vertex a write created or changed.
pub fn task_result(user_id: u64) -> Value {
    json!({
        "status": "Success",
        "taskResult": [{
            "affectedElementId": user_id,
            "affectedElementName": "user",
            "affectedElementType": "Vertex",
            "taskIdList": [],
        }],
    })
}

/// A query-string value as the update example writes it (`freshchat-actor-id="value"`):
/// one pair of surrounding double quotes is dropped.
pub fn unquote(v: &str) -> &str {
    v.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_task_result_element_is_the_user_vertex() {
        let r = task_result(4136);
        assert_eq!(r["taskResult"][0]["affectedElementId"], 4136);
        assert_eq!(r["taskResult"][0]["affectedElementType"], "Vertex");
    }

    #[test]
    fn quoted_query_values_lose_their_quotes() {
        assert_eq!(unquote("\"abc\""), "abc");
        assert_eq!(unquote("abc"), "abc");
        assert_eq!(unquote("\""), "\"");
    }
}
