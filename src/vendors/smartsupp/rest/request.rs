//! What every handler of the public REST API shares: the reply type, reading a
//! JSON body, and the time in milliseconds.

use axum::response::Response;
use serde_json::{Map, Value};

use super::super::account::Smartsupp;
use super::super::error::SmartsuppError;

/// What the REST handlers answer.
pub type Reply = Result<Response, SmartsuppError>;

/// A JSON object body; an empty body is an empty object.
pub fn object(body: &[u8]) -> Result<Map<String, Value>, SmartsuppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(SmartsuppError::Validation(
            "body".to_owned(),
            "should be object".to_owned(),
        )),
        Err(e) => Err(SmartsuppError::BadRequest(format!(
            "Request body is not valid JSON: {e}"
        ))),
    }
}

/// An optional string property: absent, null or a string.
pub fn opt_str(body: &Map<String, Value>, key: &str) -> Result<Option<String>, SmartsuppError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(SmartsuppError::Invalid(format!(
            "Property {key} must be a string"
        ))),
    }
}

/// The current time in epoch milliseconds.
pub fn now_ms(s: &Smartsupp) -> i64 {
    i64::try_from(s.now().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}
