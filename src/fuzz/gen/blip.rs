//! blip payloads (placeholder: being written).

use proptest::prelude::*;
use serde_json::{Value, json};

/// Placeholder.
pub fn ticket() -> BoxedStrategy<Value> {
    Just(json!({})).boxed()
}

/// Placeholder.
pub fn message() -> BoxedStrategy<Value> {
    Just(json!({})).boxed()
}
