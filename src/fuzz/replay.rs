//! A fuzz failure written as a scenario: one `deliver` step that sends exactly the
//! shrunk request again (re-signed when it runs, so a timestamp check still
//! passes) and expects the reply the fuzz run expected. It fails while the bug is
//! there and passes once it is fixed: a regression test.

use std::fmt::Write as _;

use base64::Engine as _;

use super::case::Signing;
use super::run::{Attempt, Mode};

/// What the scenario needs besides the attempt.
#[derive(Debug, Clone)]
pub struct ReplayInfo<'a> {
    /// The payload kind.
    pub target: &'a str,
    /// Valid or hostile.
    pub mode: Mode,
    /// The run's seed.
    pub seed: u64,
    /// The reply expectation, as written on the command line.
    pub expect: &'a str,
    /// Why the minimal case failed.
    pub why: &'a str,
    /// The secret given on the command line, if any.
    pub secret: Option<&'a str>,
    /// The secret came from `FAKEDESK_FUZZ_SECRET`: the scenario refers to that
    /// variable instead of holding the value.
    pub secret_from_env: bool,
    /// The private key file given on the command line, if any.
    pub private_key: Option<&'a str>,
    /// Headers given on the command line, as written.
    pub headers: &'a [(String, String)],
    /// The per-request timeout in milliseconds.
    pub timeout_ms: u128,
}

/// The scenario's YAML text.
pub fn scenario(info: &ReplayInfo<'_>, minimal: &Attempt) -> String {
    let mut y = String::new();
    header(&mut y, info, minimal);
    y.push_str("steps:\n");
    let _ = writeln!(y, "  - deliver: {}", info.target);
    let _ = writeln!(y, "    to: {}", quote(&escape_refs(&minimal.request.url)));
    body(&mut y, &minimal.rendered.body);
    match minimal.rendered.signing {
        Signing::Valid => {}
        Signing::Bad => y.push_str("    signature: bad\n"),
        Signing::Stale(age) => {
            let _ = writeln!(y, "    signed_ago: {age}s");
        }
    }
    keys_and_headers(&mut y, info);
    let _ = writeln!(y, "    reply: {}", quote(info.expect));
    let _ = writeln!(y, "    timeout: {}ms", info.timeout_ms);
    y
}

/// The comments saying where the scenario comes from, and its name.
fn header(y: &mut String, info: &ReplayInfo<'_>, minimal: &Attempt) {
    let _ = writeln!(
        y,
        "# Written by `fakedesk fuzz {} --mode {} --seed {}`: the smallest payload found",
        info.target,
        info.mode.as_str(),
        info.seed
    );
    let _ = writeln!(y, "# for which the receiver {}.", info.why);
    if !minimal.rendered.mutation.is_empty() {
        let _ = writeln!(y, "# Mutation: {}.", minimal.rendered.mutation);
    }
    let _ = writeln!(
        y,
        "# `fakedesk run` on this file fails while the bug is there and passes once it is fixed."
    );
    let _ = writeln!(
        y,
        "name: {}",
        quote(&format!("fuzz {} seed {}", info.target, info.seed))
    );
}

/// The body as text, or in base64 when it is not UTF-8.
fn body(y: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let _ = writeln!(y, "    body: {}", quote(&escape_refs(text)));
        }
        Err(_) => {
            let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
            let _ = writeln!(
                y,
                "    # The body is not UTF-8 (that is the point), so it is given in base64."
            );
            let _ = writeln!(y, "    body_base64: {}", quote(&b64));
        }
    }
}

/// The secret, private key and extra headers given on the command line.
fn keys_and_headers(y: &mut String, info: &ReplayInfo<'_>) {
    if info.secret_from_env {
        y.push_str("    secret: \"${env.FAKEDESK_FUZZ_SECRET}\"\n");
    } else if let Some(s) = info.secret {
        let _ = writeln!(y, "    secret: {}", quote(&escape_refs(s)));
    }
    if let Some(k) = info.private_key {
        let _ = writeln!(y, "    private_key: {}", quote(&escape_refs(k)));
    }
    if !info.headers.is_empty() {
        y.push_str("    headers:\n");
        for (k, v) in info.headers {
            let _ = writeln!(y, "      {}: {}", quote(k), quote(&escape_refs(v)));
        }
    }
}

/// `${` is interpolation in scenarios; `$${` is a literal `${`.
fn escape_refs(s: &str) -> String {
    s.replace("${", "$${")
}

/// A YAML double-quoted scalar holding exactly `s`: escapes for the quote, the
/// backslash and every character YAML does not allow as is.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ' '..='~' => out.push(c),
            // YAML's printable set (1.2, c-printable) minus line breaks and the BOM.
            '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..
                if c != '\u{feff}' && c != '\u{2028}' && c != '\u{2029}' =>
            {
                out.push(c)
            }
            c if (c as u32) <= 0xffff => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(serde::Deserialize)]
    struct One {
        s: String,
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the text, the YAML reader gives back exactly it.
        #[test]
        fn quoted_text_reads_back_exactly(s in any::<String>()) {
            let yaml = format!("s: {}\n", quote(&s));
            let back: One = serde_saphyr::from_str(&yaml).map_err(|e| TestCaseError::fail(format!("{e}: {yaml}")))?;
            prop_assert_eq!(back.s, s);
        }
    }

    #[test]
    fn awkward_characters_read_back() {
        for s in [
            "\u{0}\u{7f}\u{85}\u{9f}\u{feff}\u{2028}\u{2029}\u{1F600}",
            "# not a comment: {\"a\": [1]} & *anchor !tag",
            "   leading and trailing   ",
            "",
        ] {
            let yaml = format!("s: {}\n", quote(s));
            let back: One = serde_saphyr::from_str(&yaml).unwrap();
            assert_eq!(back.s, s);
        }
    }

    fn attempt(body: &[u8], signing: Signing) -> Attempt {
        Attempt {
            case: crate::fuzz::case::Case {
                payload: serde_json::Value::Null,
                mutation: None,
            },
            rendered: crate::fuzz::case::Rendered {
                body: body.to_vec(),
                signing,
                mutation: "something".to_owned(),
                must_reject: true,
            },
            signed_at: time::OffsetDateTime::UNIX_EPOCH,
            request: crate::outbound::Outgoing {
                method: axum::http::Method::POST,
                url: "http://127.0.0.1:9/hook?a=${x}".to_owned(),
                headers: Default::default(),
                body: bytes::Bytes::copy_from_slice(body),
            },
            outcome: crate::outbound::Outcome::TimedOut,
        }
    }

    /// The first registered payload.
    fn payload() -> &'static str {
        crate::fuzz::target::TARGETS.iter().next().unwrap().name
    }

    fn info(secret_from_env: bool) -> ReplayInfo<'static> {
        ReplayInfo {
            target: payload(),
            mode: Mode::Hostile,
            seed: 9,
            expect: "4xx",
            why: "answered 200 (expected 4xx)",
            secret: Some("s${e}cret"),
            secret_from_env,
            private_key: None,
            headers: &[],
            timeout_ms: 250,
        }
    }

    fn deliver_step(yaml: &str) -> crate::scenario::model::DeliverStep {
        let loaded = crate::scenario::load::parse(std::path::Path::new("replay.yaml"), yaml)
            .unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        match &loaded.scenario.steps[..] {
            [crate::scenario::model::Step::Deliver(d)] => d.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_scenario_loads_and_holds_the_exact_request() {
        let body = b"{\"a\":\"\xff ${not a ref}\"}";
        let d = deliver_step(&scenario(&info(false), &attempt(body, Signing::Stale(900))));
        assert_eq!(d.deliver.0, payload());
        // Not UTF-8: base64, byte for byte.
        assert_eq!(d.body, None);
        let b64 = d.body_base64.unwrap();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
            body
        );
        assert_eq!(d.signed_ago.map(|a| a.0.as_secs()), Some(900));
        assert_eq!(d.signature, None);
        // `${` in the URL and the secret is escaped, so interpolation gives them back.
        assert_eq!(d.to, "http://127.0.0.1:9/hook?a=$${x}");
        assert_eq!(d.secret.as_deref(), Some("s$${e}cret"));
        assert_eq!(d.reply.as_deref(), Some("4xx"));
        assert_eq!(d.timeout.map(|t| t.0.as_millis()), Some(250));
    }

    #[test]
    fn a_text_body_is_kept_as_text_and_a_bad_signature_is_named() {
        let body = "{\"say\":\"héllo ${x}\"}";
        let d = deliver_step(&scenario(
            &info(true),
            &attempt(body.as_bytes(), Signing::Bad),
        ));
        assert_eq!(d.body.as_deref(), Some("{\"say\":\"héllo $${x}\"}"));
        assert_eq!(
            d.signature,
            Some(crate::scenario::model::SignatureKind::Bad)
        );
        // A secret from the environment is referred to, not written down.
        assert_eq!(d.secret.as_deref(), Some("${env.FAKEDESK_FUZZ_SECRET}"));
    }

    #[test]
    fn references_are_escaped() {
        assert_eq!(escape_refs("a ${b} $${c}"), "a $${b} $$${c}");
        let pieces = crate::scenario::interp::pieces("a $${b} $$${c}").unwrap();
        assert_eq!(
            pieces,
            vec![crate::scenario::interp::Piece::Text("a ${b} $${c}".into())]
        );
    }
}
