//! zendesk payloads (placeholder: being written).

use proptest::prelude::*;
use serde_json::{Value, json};

/// Placeholder.
pub fn webhook() -> BoxedStrategy<Value> {
    Just(json!({})).boxed()
}

/// Placeholder.
pub fn event() -> BoxedStrategy<Value> {
    Just(json!({})).boxed()
}
