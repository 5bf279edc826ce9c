//! OAuth access tokens the API issued: which user a `Bearer` token signs in as.

use super::Store;

/// The table of issued OAuth tokens (kept with the declared resources' records).
pub const OAUTH_TOKENS: &str = "oauth_tokens";

impl Store {
    /// The user an issued, unrevoked OAuth access token belongs to.
    pub fn oauth_token_user(&self, token: &str) -> Option<u64> {
        self.records
            .all(OAUTH_TOKENS)
            .find(|t| t["full_token"].as_str() == Some(token))
            .and_then(|t| t["user_id"].as_u64())
            .filter(|u| self.users.get(u).is_some_and(|u| u.active))
    }
}
