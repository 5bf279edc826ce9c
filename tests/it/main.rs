//! fakedesk's integration tests, compiled into one binary (one link on CI).
//!
//! Where new tests go:
//! - `zendesk_tickets`: ticket endpoints and the status lifecycle, through the router.
//! - `zendesk_users`: user endpoints.
//! - `zendesk_errors`: authentication, error envelopes, bad input, rate limits.
//! - `zendesk_snapshots`: insta snapshots of representative Zendesk responses.
//! - `zendesk_events`: event-subscription webhooks (`zen:event-type:*`).
//! - `zendesk_help_center`: Help Center and Community resources, the article export
//!   and article search.
//! - `zendesk_exports`: incremental exports and the change log behind them.
//! - `zendesk_requests`: the Requests API and end users' 403 on agent endpoints.
//! - `zendesk_search`: search, search count and search export.
//! - `zendesk_breadth_props`: property test: exports, search and state agree.
//! - `zendesk_ticket_limits`: `?async=true` ticket creation and the per-ticket update limit.
//! - `zendesk_webhooks`: the Webhooks and Triggers APIs and signed deliveries.
//! - `zendesk_hooks`: webhook invocations and attempts, the circuit breaker, hourly
//!   automations and the exports' clock-bound rules, on a manual clock.
//! - `zendesk_accounts`: accounts by subdomain, `/state` and `/reset` per subdomain.
//! - `tls`: `serve --tls`, https receivers with private CAs (`--ca-cert`),
//!   `check-endpoint` and `fuzz` over https, TLS failures in plain words.
//! - `proxy`: `serve --proxy-port`: the vendors' hostnames, and the 502 for others.
//! - `zendesk_resources`: the declared resources (organizations, groups, fields,
//!   rules, ratings, metrics, audits, uploads), side-loads and counts.
//! - `zendesk_resource_props`: random writes keep both paginations and the state in
//!   agreement.
//! - `zendesk_typed_lists`: tickets' and users' lists, sorts, filters, side-loads,
//!   `show_many` and counts through the resource engine.
//! - `zendesk_content`: support addresses, dynamic content, view counts in bulk and
//!   macro categories.
//! - `zendesk_statuses`: custom ticket statuses and tickets' `custom_status_id`.
//! - `zendesk_suspended`: suspended tickets, listed, recovered and deleted.
//! - `zendesk_custom_objects`: custom objects, their fields and records.
//! - `zendesk_custom_object_props`: property test: random record writes, and the
//!   walk, count and external-id filter agree with a model.
//! - `zendesk_oauth`: OAuth clients, tokens and the token endpoint.
//! - `zendesk_side_conversations`: side conversations and their events.
//! - `zendesk_ticket_ops`: merging, redacting, spam, imports, problems, related
//!   counts, and organizations' search and create-or-update.
//! - `zendesk_ticket_lists`: deleted tickets, the users a ticket names, a problem's
//!   incidents, and tags on users and organizations.
//! - `coverage`: unmatched calls, their journal flag and `GET /coverage`; what the
//!   journal keeps of an answer (a HEAD answer's length, no framing length).
//! - `braze`: Braze's REST API and webhook campaigns.
//! - `braze_catalogs`: Braze catalogs and their items.
//! - `braze_api`: Braze's user, send and export endpoints beyond `/users/track`.
//! - `smartsupp`: Smartsupp's POST hook, its generator and the signed webhooks.
//! - `smartsupp_rest`: Smartsupp's public REST API v2 and its consistency with the hook and webhooks.
//! - `ferndesk`: the endpoint check, `check-endpoint`, the `ferndesk.pull` action and
//!   the fake custom support endpoint.
//! - `blip`: Take Blip over real sockets: the custom attendance channel, the guide's envelopes, errors.
//! - `blip_breadth_props`: random sequences of Take Blip's extension commands keep its invariants.
//! - `blip_desk`: Take Blip's Desk beyond tickets: attendants, teams, rules, queues, replies, monitoring and reports.
//! - `blip_extensions`: Take Blip's contacts, threads, event tracking, bucket, resources, scheduler, inboxes and limits.
//! - `blip_properties`: generators of valid Blip envelopes and property tests with them.
//! - `freshchat`: Freshchat's API and signed webhooks, and fake Mammut (graph API, bot).
//! - `freshchat_breadth`: Freshchat's agents, uploads, CSAT, account, extracts,
//!   metrics, outbound WhatsApp, user deletion, rate limits, sites, the legacy
//!   payload, and Mammut's multichannel bot.
//! - `freshchat_breadth_props`: random Freshchat API call sequences keep references
//!   whole and lists in agreement with the state.
//! - `freshchat_props`: generated Freshchat webhook payloads (signed, round-trip) and
//!   no 5xx from the Freshchat and Mammut routers.
//! - `fuzz`: `fakedesk fuzz` against live receivers (the example with planted bugs),
//!   its replay scenarios, and the signing of every fuzzed payload.
//! - `flows`: flows that cross vendors (Braze campaign → Zendesk → trigger → Braze).
//! - `properties`: property tests (no 5xx, no panic on arbitrary input).
//! - `control`: the control API and the journal, over real sockets.
//! - `control_expect`: `POST /expect`, the scenario matcher over the control API.
//! - `reliability`: read timeouts, shutdown deadline, control API guard, journal bounds.
//! - `faults`: fault rules as real clients see them, vendor-shaped forced statuses.
//! - `chaos_clock`: delivery chaos on each vendor's deliveries, and the clock's rules.
//! - `inspector`: the live journal stream, `tail`, HAR export, the signature check and
//!   the OpenAPI document against the routes served.
//! - `serve`: the `fakedesk serve` binary end to end.
//! - `scenario_files`: scenario diagnostics (broken fixtures), the JSON Schema, and
//!   property tests of interpolation and matching.
//! - `scenario_runs`: scenarios run end to end, `fakedesk run`, the shipped examples.
//! - `scenario_sut`: the system-under-test process lifecycle.
//!
//! Shared setup lives in `common`.

mod blip;
mod blip_breadth_props;
mod blip_desk;
mod blip_extensions;
mod blip_properties;
mod braze;
mod braze_api;
mod braze_catalogs;
mod braze_lists;
mod chaos_clock;
mod common;
mod control;
mod control_expect;
mod coverage;
mod faults;
mod ferndesk;
mod flows;
mod freshchat;
mod freshchat_breadth;
mod freshchat_breadth_props;
mod freshchat_props;
mod fuzz;
mod inspector;
mod properties;
mod proxy;
mod reliability;
mod scenario_files;
mod scenario_runs;
mod scenario_sut;
mod serve;
mod smartsupp;
mod smartsupp_rest;
mod tls;
mod zendesk_accounts;
mod zendesk_breadth_props;
mod zendesk_content;
mod zendesk_custom_object_props;
mod zendesk_custom_objects;
mod zendesk_errors;
mod zendesk_events;
mod zendesk_exports;
mod zendesk_help_center;
mod zendesk_hooks;
mod zendesk_lookups;
mod zendesk_oauth;
mod zendesk_requests;
mod zendesk_resource_props;
mod zendesk_resources;
mod zendesk_search;
mod zendesk_side_conversations;
mod zendesk_snapshots;
mod zendesk_statuses;
mod zendesk_suspended;
mod zendesk_ticket_limits;
mod zendesk_ticket_lists;
mod zendesk_ticket_ops;
mod zendesk_tickets;
mod zendesk_typed_lists;
mod zendesk_users;
mod zendesk_webhooks;
