//! How clients sign in (REFERENCE 1.2): the credentials an `Authorization` header
//! carries, and the header values of the seeded users' credentials.

use axum::http::HeaderValue;
use base64::Engine as _;

use super::ZendeskSettings;
use super::store::Store;
use crate::fake::Credential as Exported;

/// The ways a client can sign in (REFERENCE 1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `Basic base64("{email}/token:{token}")`.
    ApiToken {
        /// Login email.
        email: String,
        /// API token.
        token: String,
    },
    /// `Basic base64("{email}:{password}")`.
    Password {
        /// Login email.
        email: String,
        /// Password.
        password: String,
    },
    /// `Bearer {oauth_access_token}`.
    Bearer(String),
}

impl Credential {
    /// Reads an `Authorization` header value.
    pub fn parse(header: &str) -> Option<Self> {
        let (scheme, rest) = header.trim().split_once(' ')?;
        if scheme.eq_ignore_ascii_case("bearer") {
            return Some(Self::Bearer(rest.trim().to_owned()));
        }
        if !scheme.eq_ignore_ascii_case("basic") {
            return None;
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let pair = String::from_utf8(decoded).ok()?;
        let (user, secret) = pair.split_once(':')?;
        Some(match user.strip_suffix("/token") {
            Some(email) => Self::ApiToken {
                email: email.to_owned(),
                token: secret.to_owned(),
            },
            None => Self::Password {
                email: user.to_owned(),
                password: secret.to_owned(),
            },
        })
    }
}

pub(super) fn known_authorizations(
    settings: &ZendeskSettings,
    store: &Store,
) -> Vec<(HeaderValue, u64)> {
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    let mut out = Vec::new();
    for u in &settings.users {
        let Some(id) = store
            .users
            .values()
            .find(|x| x.email.as_deref() == Some(u.email.as_str()))
            .map(|x| x.id)
        else {
            continue;
        };
        let forms = [
            u.token
                .as_ref()
                .map(|t| format!("Basic {}", b64(format!("{}/token:{t}", u.email)))),
            u.password
                .as_ref()
                .map(|p| format!("Basic {}", b64(format!("{}:{p}", u.email)))),
            u.oauth_token.as_ref().map(|t| format!("Bearer {t}")),
        ];
        out.extend(
            forms
                .into_iter()
                .flatten()
                .filter_map(|f| HeaderValue::from_str(&f).ok())
                .map(|v| (v, id)),
        );
    }
    out
}

/// The first seeded user's credentials, for the env file and `serve`'s table.
pub fn exported(settings: &ZendeskSettings) -> Vec<Exported> {
    let Some(u) = settings.users.first() else {
        return Vec::new();
    };
    let mut out = vec![Exported {
        key: "EMAIL",
        value: u.email.clone(),
    }];
    let optional = [
        ("TOKEN", &u.token),
        ("PASSWORD", &u.password),
        ("OAUTH_TOKEN", &u.oauth_token),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            out.push(Exported {
                key,
                value: v.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_token_example() {
        // REFERENCE 1.2: jdoe@example.com/token:6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv
        let header = "Basic amRvZUBleGFtcGxlLmNvbS90b2tlbjo2d2lJQldiR2tCTW8xbVJETXVWd2t3MUVQc05rZVVqOTVQSXoyYWt2";
        assert_eq!(
            Credential::parse(header),
            Some(Credential::ApiToken {
                email: "jdoe@example.com".to_owned(),
                token: "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv".to_owned()
            })
        );
    }

    #[test]
    fn parses_password_and_bearer_and_refuses_other_schemes() {
        let basic = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("a@b.c:pw:with:colons")
        );
        assert_eq!(
            Credential::parse(&basic),
            Some(Credential::Password {
                email: "a@b.c".to_owned(),
                password: "pw:with:colons".to_owned()
            })
        );
        assert_eq!(
            Credential::parse("Bearer abc"),
            Some(Credential::Bearer("abc".to_owned()))
        );
        assert_eq!(Credential::parse("Digest abc"), None);
        assert_eq!(Credential::parse("Basic !!!"), None);
        assert_eq!(Credential::parse(""), None);
    }
}
