//! What fake Freshchat offers fake Mammut, whose Freshchat channel takes the
//! account's webhooks and calls its API: where the account's public key is
//! published, how a webhook's signature is checked, and the text of a message.
//! Mammut reaches Freshchat through this module only.

pub use super::webhook::{SIGNATURE, SigningKey, verify};
pub use super::wire::text_of;

/// Where fake Freshchat publishes its public key for the other fakes.
pub const PUBLIC_KEY_PEER: &str = "freshchat.public_key_pem";
