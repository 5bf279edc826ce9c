//! smartsupp payloads (placeholder: being written).

use proptest::prelude::*;
use serde_json::{Value, json};

/// Placeholder.
pub fn hook() -> BoxedStrategy<Value> {
    Just(json!({})).boxed()
}

/// Placeholder.
pub fn webhook() -> BoxedStrategy<Value> {
    Just(json!({})).boxed()
}
