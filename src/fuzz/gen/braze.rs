//! braze payloads (placeholder: being written).

use proptest::prelude::*;
use serde_json::{Value, json};

/// Placeholder.
pub fn campaign() -> BoxedStrategy<Value> {
    Just(json!({})).boxed()
}
