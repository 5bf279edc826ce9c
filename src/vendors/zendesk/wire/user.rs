//! The user object as Zendesk returns it (REFERENCE 1.5, users search).

use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use super::values::{ApiUrl, Role};

/// A user, with the fields of the captured user object (REFERENCE 1.5, users search).
#[derive(Debug, Clone, Serialize)]
#[allow(missing_docs)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub email: Option<String>,
    #[serde(serialize_with = "super::values::ts")]
    pub created_at: OffsetDateTime,
    #[serde(serialize_with = "super::values::ts")]
    pub updated_at: OffsetDateTime,
    pub time_zone: String,
    pub iana_time_zone: String,
    pub phone: Option<String>,
    pub shared_phone_number: Option<bool>,
    pub photo: Option<Value>,
    pub locale_id: u64,
    pub locale: String,
    pub organization_id: Option<u64>,
    pub role: Role,
    pub verified: bool,
    pub external_id: Option<String>,
    pub tags: Vec<String>,
    pub alias: Option<String>,
    pub active: bool,
    pub shared: bool,
    pub shared_agent: bool,
    #[serde(serialize_with = "super::values::opt_ts")]
    pub last_login_at: Option<OffsetDateTime>,
    pub two_factor_auth_enabled: Option<bool>,
    pub signature: Option<String>,
    pub details: Option<String>,
    pub notes: Option<String>,
    pub role_type: Option<u64>,
    pub custom_role_id: Option<u64>,
    pub moderator: bool,
    pub ticket_restriction: Option<String>,
    pub only_private_comments: bool,
    pub restricted_agent: bool,
    pub suspended: bool,
    pub chat_only: bool,
    pub default_group_id: Option<u64>,
    pub report_csv: bool,
    pub user_fields: serde_json::Map<String, Value>,
    #[serde(skip)]
    pub secrets: Secrets,
}

/// How a user may authenticate (never serialized).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    /// API token, for `email/token:TOKEN`.
    pub api_token: Option<String>,
    /// Password, for `email:password`.
    pub password: Option<String>,
    /// OAuth access token, for `Bearer`.
    pub oauth_token: Option<String>,
}

impl User {
    /// A new user with Zendesk's defaults for `role`.
    pub fn new(
        id: u64,
        name: String,
        email: Option<String>,
        role: Role,
        now: OffsetDateTime,
    ) -> Self {
        Self {
            id,
            name,
            email,
            created_at: now,
            updated_at: now,
            time_zone: "Etc/UTC".to_owned(),
            iana_time_zone: "Etc/UTC".to_owned(),
            phone: None,
            shared_phone_number: None,
            photo: None,
            locale_id: 1,
            locale: "en-US".to_owned(),
            organization_id: None,
            role,
            verified: false,
            external_id: None,
            tags: Vec::new(),
            alias: None,
            active: true,
            shared: false,
            shared_agent: false,
            last_login_at: None,
            two_factor_auth_enabled: None,
            signature: None,
            details: None,
            notes: None,
            role_type: None,
            custom_role_id: None,
            moderator: role.is_staff(),
            ticket_restriction: (!role.is_staff()).then(|| "requested".to_owned()),
            only_private_comments: false,
            restricted_agent: !matches!(role, Role::Admin),
            suspended: false,
            chat_only: false,
            default_group_id: None,
            report_csv: matches!(role, Role::Admin),
            user_fields: serde_json::Map::new(),
            secrets: Secrets::default(),
        }
    }
}

/// A user as the API returns it: the stored fields plus its `url`.
#[derive(Debug, Serialize)]
pub struct UserOut<'a> {
    url: ApiUrl<'a>,
    #[serde(flatten)]
    user: &'a User,
}

impl<'a> UserOut<'a> {
    /// The user with its absolute URL on `base`.
    pub fn new(base: &'a str, user: &'a User) -> Self {
        Self {
            url: ApiUrl {
                base,
                collection: "users",
                id: user.id,
            },
            user,
        }
    }
}
