//! Traffic snapshots: a scenario's journal, redacted, compared with a `.snap` file.
//!
//! A scenario that says `snapshot: traffic` gets its traffic rendered by [`traffic`]
//! and compared by [`check`] with the `.snap` file beside the scenario file
//! (`scenarios/ticket-lifecycle.yaml` → `scenarios/ticket-lifecycle.snap`).
//!
//! # Redaction
//!
//! Values that change from run to run, or that must not be written to a file, are
//! replaced by numbered placeholders. One [`Redactor`] serves one scenario: the same
//! original value always gets the same placeholder, so a ticket id that comes back in
//! a later path stays visibly the same (`[id:1]` in the body, `/tickets/[id:1].json`
//! later). Placeholders are numbered per kind in reading order. Their syntax,
//! `[kind:N]`, reads well and does not occur in real payloads; a value that already
//! is a placeholder is left alone, so redacting redacted text changes nothing.
//!
//! - **ids** → `[id:N]`: values (strings or numbers, also inside arrays) of JSON keys
//!   named `id`, `ids`, or ending in `_id`, `_ids`, `Id`, `Ids` (and headers ending in
//!   `-id`, such as `x-acme-webhook-id`, but not fakedesk's `x-request-id` counter);
//!   integers, and runs of digits inside strings, of 10 or more digits anywhere; UUIDs
//!   and ULIDs (26 Crockford base32 characters) anywhere inside strings; an outbound
//!   call's `delivery`. An id learnt
//!   from a key is also replaced where it is a whole path segment (or the stem of one,
//!   as in `1.json`, or one item of a comma-separated list), a query value, or in URLs
//!   and header values such as `location`, also when the path comes before the body
//!   that names the id (the whole traffic is read once before it is rendered). Small
//!   integers elsewhere (counts, statuses, `seq`) are not ids.
//! - **times** → `[time:N]`: ISO-8601 timestamps anywhere inside strings
//!   (`2026-11-23T10:00:00Z`, with fractions, with offsets, and the
//!   `2026-11-23 10:00:00 +0000` form), HTTP dates (`date` header), and numbers or
//!   numeric strings of 9 or more digits (epoch seconds or milliseconds) under keys
//!   that name times: `time`, `timestamp`, `date`, `datetime`, `created`, `updated`,
//!   `deleted`, `modified`, `expires`, `expiry`, `reset`, and keys ending in `_at`,
//!   `_time`, `_timestamp`, `_date`, `_reset`, `At`, `Time`, `Timestamp`, `Date`. A
//!   header so named (`x-acme-webhook-signature-timestamp`, an
//!   `x-ratelimit-reset` epoch second, a `ratelimit-reset` in seconds to go)
//!   becomes `[time:N]` whatever its value. Date-only values are kept.
//! - **signatures** → `[signature:N]`: values of headers (and JSON keys) whose name
//!   contains `signature` or `hmac`.
//! - **tokens and secrets** → `[token:N]`: `authorization` and `proxy-authorization`
//!   header values keep their scheme (`Basic [token:1]`, `Bearer [token:2]`,
//!   `Key [token:3]`); values of keys, headers and query parameters named `token`,
//!   `secret`, `password`, `key`, `api_key`, `apikey`, or ending in `_token`,
//!   `_secret`, `_password`, `_key`, `Token`, `Secret`, `Password`, `Key` (so
//!   `signing_secret`, `access_token`, `x-api-key`).
//! - **URLs**: each fake's base URL, and its bare `host:port`, becomes `${label}`
//!   (`${fakedesk.acme.url}`) with the labels given to [`Redactor::new`]; any other
//!   `127.0.0.1:<port>`, `localhost:<port>`, `0.0.0.0:<port>` or `[::1]:<port>` keeps
//!   its host and gets `[port:N]`.
//! - **Dropped**: an entry's `started_at` and `duration_us`, and the headers
//!   `content-length`, `user-agent`, `connection`, `accept-encoding`, `x-runtime`
//!   (a vendor's processing time) and `date` (the wall clock of whichever server
//!   answered, so two replies may straddle a second): they vary from run to run and
//!   tell a reviewer nothing. The fakes' own times come from the scenario's clock,
//!   which only moves between steps, so they are stable.
//!
//! Key rules win over the scanning of text, and among key rules ids come first, then
//! times, signatures and tokens (`token_id` is an id, `token_expires_at` a time).
//! Object keys themselves are never changed. Binary bodies are kept as the journal
//! shows them (`{"base64": ...}`), without redaction.
//!
//! # Format
//!
//! One block per exchange, in journal order, separated by a blank line: a heading
//! line, then the exchange as pretty-printed JSON.
//!
//! ```text
//! === 1 acme inbound: GET /api/v2/tickets/[id:1].json -> 200
//! {
//!   "seq": 1,
//!   "vendor": "acme",
//!   "direction": "inbound",
//!   "method": "GET",
//!   "path": "/api/v2/tickets/[id:1].json",
//!   "request": {
//!     "headers": {
//!       "authorization": "Basic [token:1]",
//!       "host": "${fakedesk.acme.url}"
//!     }
//!   },
//!   "response": {
//!     "status": 200,
//!     "headers": {
//!       "content-type": "application/json; charset=utf-8"
//!     },
//!     "body": {
//!       "ticket": {
//!         "created_at": "[time:1]",
//!         "id": "[id:1]",
//!         "url": "${fakedesk.acme.url}/api/v2/tickets/[id:1].json"
//!       }
//!     }
//!   }
//! }
//! ```
//!
//! JSON rather than YAML because bodies are JSON: a reviewer sees them in the notation
//! the vendor sends, every value's type is unambiguous (`"1"` versus `1`), and
//! `serde_json` prints it deterministically with no quoting rules of our own to get
//! wrong. The exchange's own fields come in a fixed order (`seq`, `vendor`,
//! `direction`, `method`, `path`, `query`, then for outbound calls `url`, `attempt`,
//! `delivery`, then `request`, `response` with its `status` first, and `error`);
//! headers and every map inside a body are sorted by key. Empty bodies are left out;
//! a body that is not JSON is a string. The heading line summarises the block so the
//! file can be skimmed, and names the exchange in a mismatch diff's hunk headers.
//!
//! # Files
//!
//! `.snap` files use insta's format, so `cargo insta review` (or `cargo insta
//! accept`) finds the pending `.snap.new` files [`check`] writes, shows their diff,
//! and on accepting rewrites them onto the `.snap`. The file is a YAML header between
//! `---` lines (`source:` the scenario file, `expression: traffic`), then the
//! contents. Comparison ignores the header and trailing whitespace, as insta's does.
//! `cargo insta` walks its workspace root (a Cargo workspace, or the directory given
//! with `--workspace-root`), skipping what `.gitignore` ignores.

mod classify;
mod file;
mod redact;

use std::sync::Arc;

pub use self::file::{Checked, check, pending_path};
pub use self::redact::Redactor;
use crate::journal::Entry;

/// The redacted, deterministic text of a scenario's traffic: one block per exchange
/// (see the module documentation). Empty when there was no traffic.
pub fn traffic(entries: &[Arc<Entry>], redactor: &mut Redactor) -> String {
    // Learn every id first, so a path that names an id before any body does is
    // redacted all the same.
    for e in entries {
        redactor.learn_entry(e);
    }
    let mut out = String::new();
    for e in entries {
        let (heading, view) = redactor.entry(e);
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&heading);
        out.push('\n');
        // Serializing plain maps, strings and numbers cannot fail.
        out.push_str(&serde_json::to_string_pretty(&view).unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;
