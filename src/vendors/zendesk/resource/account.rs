//! Account settings (`GET`/`PUT /api/v2/account/settings`, exports-search-orgs
//! reference section 3) and the records every account starts with: its default
//! brand and ticket form, the system ticket fields, the standard custom roles, and
//! whatever the config seeds.

use crate::vendors::zendesk::accounts::Account;

use axum::routing::get;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::engine::{self, AuditEntry, Who};
use super::routes::{Peer, Reply, Routes, Z, ok, root, who};
use super::spec::{Record, Spec, deep_merge, ts};
use super::{catalog, fields};
use crate::vendors::zendesk::ZendeskSettings;
use crate::vendors::zendesk::error::{ZendeskError, ZendeskJson};
use crate::vendors::zendesk::extract::Caller;
use crate::vendors::zendesk::store::Store;
use crate::vendors::zendesk::wire::Role;

/// The account-settings routes.
pub fn routes(r: Routes) -> Routes {
    r.add(
        "/api/v2/account/settings",
        &["GET", "PUT"],
        get(show).put(update),
    )
}

async fn show(Account(z): Account) -> Reply {
    let store = z.store_read();
    Ok(ok(&json!({"settings": store.records.account_settings})))
}

async fn update(
    Account(z): Z,
    caller: Caller,
    peer: Peer,
    ZendeskJson(body): ZendeskJson,
) -> Reply {
    let input = root(&body, "settings")?;
    let Value::Object(changes) = input else {
        return Err(ZendeskError::BadRequest(
            "settings must be a JSON object".to_owned(),
        ));
    };
    let now = z.now();
    let mut store = z.store();
    if !matches!(store.user(caller.0)?.role, Role::Admin) {
        // DOC: updating account settings is for admins.
        return Err(ZendeskError::Forbidden);
    }
    deep_merge(&mut store.records.account_settings, changes);
    let entry = AuditEntry {
        action: "update",
        source_type: "account_setting",
        source_id: store.account_id(),
        source_label: changes.keys().cloned().collect::<Vec<_>>().join(", "),
        change: "Updated account settings".to_owned(),
    };
    engine::record_audit_log(&mut store, &who(caller, peer), entry, now);
    Ok(ok(&json!({"settings": store.records.account_settings})))
}

/// The settings of a new account: the groups and keys of Zendesk's published
/// example, with values a Professional account has (UNVERIFIED beyond the DOC keys).
fn default_settings(settings: &ZendeskSettings) -> Value {
    json!({
        "active_features": {
            "agent_forwarding": false, "allow_ccs": true, "allow_email_template_customization": true,
            "automatic_answers": false, "bcc_archiving": false, "benchmark_opt_out": false,
            "business_hours": true, "chat": false, "chat_about_my_ticket": false,
            "csat_reason_code": false, "custom_dkim_domain": true, "customer_context_as_default": false,
            "customer_satisfaction": true, "dynamic_contents": true, "explore": true,
            "explore_on_support_ent_plan": false, "explore_on_support_pro_plan": true,
            "facebook": false, "facebook_login": false, "fallback_composer": false,
            "forum_analytics": true, "good_data_and_explore": false, "google_login": false,
            "is_abusive": false, "light_agents": false, "markdown": true, "on_hold_status": true,
            "organization_access_enabled": true, "rich_content_in_emails": true, "sandbox": false,
            "satisfaction_prediction": false, "suspended_ticket_notification": false,
            "ticket_forms": true, "ticket_tagging": true, "topic_suggestion": false,
            "twitter": false, "twitter_login": false, "user_org_fields": true,
            "user_tagging": true, "voice": false
        },
        "agents": {"agent_home": false, "agent_workspace": true, "aw_self_serve_migration_enabled": false, "focus_mode": false, "idle_timeout_enabled": false, "unified_agent_statuses": false},
        "api": {"accepted_api_agreement": true, "api_password_access": "true", "api_token_access": "true"},
        "apps": {"create_private": true, "create_public": false, "use": true},
        "billing": {"backend": "zuora"},
        "branding": {"favicon_url": null, "header_color": "78A300", "header_logo_url": null, "page_background_color": "333333", "tab_background_color": "7FA239", "text_color": "FFFFFF"},
        "brands": {"default_brand_id": settings.brand_id, "require_brand_on_new_tickets": false},
        "chat": {"available": false, "enabled": false, "integrated": true, "maximum_request_count": 1, "welcome_message": "Hi there. How can I help today?"},
        "groups": {"check_group_name_uniqueness": true},
        "limits": {"attachment_size": 52_428_800},
        "localization": {"locale_ids": [1]},
        "metrics": {"account_size": "100-399"},
        "routing": {"autorouting_tag": "", "enabled": false, "max_email_capacity": 0, "max_messaging_capacity": 0},
        "rule": {"macro_most_used": true, "macro_order": "alphabetical", "skill_based_filtered_views": [], "using_skill_based_routing": false},
        "statistics": {"forum": true, "rule_usage": true, "search": true},
        "ticket_form": {"ticket_forms_instructions": "Please choose your issue below", "raw_ticket_forms_instructions": "Please choose your issue below"},
        "tickets": {
            "agent_collision": true, "agent_ticket_deletion": true, "allow_group_reset": true,
            "assign_default_organization": true, "assign_tickets_upon_solve": settings.auto_assign_on_solve,
            "collaboration": true, "comments_public_by_default": true, "email_attachments": false,
            "emoji_autocompletion": true, "follower_and_email_cc_collaborations": true,
            "has_color_text": true, "is_first_comment_private_enabled": true,
            "light_agent_email_ccs_allowed": false, "list_empty_views": true,
            "list_newest_comments_first": true, "markdown_ticket_comments": false,
            "maximum_personal_views_to_list": 8, "private_attachments": false,
            "rich_text_comments": true, "status_hold": true, "tagging": true,
            "using_skill_based_routing": false, "default_solved_ticket_reassignment_strategy": "none"
        },
        "twitter": {"shorten_url": "optional"},
        "user": {"agent_created_welcome_emails": true, "end_user_phone_number_validation": false, "have_gravatars_enabled": true, "language_selection": true, "multiple_organizations": false, "tagging": true, "time_zone_selection": true},
        "voice": {"agent_confirmation_when_forwarding": true, "agent_wrap_up_after_calls": true, "enabled": false}
    })
}

/// Seeds a new account's settings and records, then the config's records; returns
/// what could not be seeded, one sentence each.
pub fn seed(
    store: &mut Store,
    settings: &ZendeskSettings,
    now: OffsetDateTime,
    specs: &[&'static Spec],
) -> Vec<String> {
    let mut account = default_settings(settings);
    deep_merge(&mut account, &settings.account_settings);
    store.records.account_settings = account;
    let brand = json!({
        "id": settings.brand_id, "name": settings.subdomain, "brand_url": format!("https://{}.zendesk.com", settings.subdomain),
        "subdomain": settings.subdomain, "host_mapping": null, "has_help_center": true,
        "help_center_state": "enabled", "active": true, "default": true, "is_deleted": false,
        "logo": null, "ticket_form_ids": [settings.ticket_form_id], "signature_template": "{{agent.signature}}",
        "created_at": ts(now), "updated_at": ts(now),
    });
    put(store, "brands", settings.brand_id, brand);
    let field_ids = fields::seed_system_fields(store, now);
    let form = json!({
        "id": settings.ticket_form_id, "name": "Default Ticket Form", "raw_name": "Default Ticket Form",
        "display_name": "Default Ticket Form", "raw_display_name": "Default Ticket Form",
        "end_user_visible": true, "position": 1, "ticket_field_ids": field_ids, "active": true,
        "default": true, "in_all_brands": true, "restricted_brand_ids": [],
        "end_user_conditions": [], "agent_conditions": [], "created_at": ts(now), "updated_at": ts(now),
    });
    put(store, "ticket_forms", settings.ticket_form_id, form);
    catalog::seed_roles(store, now);
    super::statuses::seed(store, now);
    super::addresses::seed(store, now);
    super::help_center::seed(store, now);
    let configured = settings.seed_records.contains_key("satisfaction_reasons");
    super::lookups::seed_reasons(store, &seed_admin(store), configured, now);
    let problems = seed_records(store, settings, now, specs);
    // Last, so every record seeded before keeps the id it had before these.
    super::help_center::permissions::seed(store, &seed_admin(store), now);
    // The audit log records changes made through the API, not the account's seed.
    store.records.remove_where("audit_logs", |_| true);
    problems
}

fn put(store: &mut Store, plural: &'static str, id: u64, v: Value) {
    if let Value::Object(m) = v {
        store.records.put(plural, id, m);
    }
}

/// Who seeds the account: its first user, an admin.
fn seed_admin(store: &Store) -> Who {
    Who {
        user_id: store.users.keys().next().copied().unwrap_or_default(),
        ip_address: "127.0.0.1".to_owned(),
    }
}

/// Creates the config's `seed_records` through the engine, resource by resource
/// in declaration order.
fn seed_records(
    store: &mut Store,
    settings: &ZendeskSettings,
    now: OffsetDateTime,
    specs: &[&'static Spec],
) -> Vec<String> {
    let mut problems = Vec::new();
    let who = seed_admin(store);
    for name in settings.seed_records.keys() {
        if !specs.iter().any(|s| s.table == name && s.creatable()) {
            problems.push(format!(
                "vendors.zendesk.seed_records.{name}: not a resource that can be seeded"
            ));
        }
    }
    for spec in specs.iter().copied().filter(|s| s.creatable()) {
        let Some(items) = settings.seed_records.get(spec.table) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            if let Err(e) = engine::create(spec, store, &who, item, now) {
                problems.push(format!(
                    "vendors.zendesk.seed_records.{}[{i}]: {e}",
                    spec.table
                ));
            }
        }
    }
    problems
}

/// What in the config's seeds and settings would not seed, one sentence each.
pub fn seed_problems(settings: &ZendeskSettings, specs: &[&'static Spec]) -> Vec<String> {
    let now = OffsetDateTime::UNIX_EPOCH;
    let bare = ZendeskSettings {
        seed_records: Default::default(),
        ..settings.clone()
    };
    let mut store = Store::seeded(&bare, 0, now);
    seed_records(&mut store, settings, now, specs)
}

/// A record's field as a string (for labels).
pub fn text(rec: &Record, key: &str) -> String {
    rec.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
