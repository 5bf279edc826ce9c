//! Braze Liquid's `{% abort_message %}` (REFERENCE braze-rest 9): when the tag runs,
//! the message is not sent to that user on any channel, and the abort is recorded
//! with `abort_type: liquid_abort_message` and its reason (default
//! `{% abort_message %} called`).
//!
//! The shared Liquid engine does not know the tag, so it is rewritten before
//! rendering into a marker the engine prints as text: only a tag on a branch that
//! runs leaves its marker in the output.

use serde_json::Value;

use crate::template::{Dialect, TemplateError, Templates};

const MARK: &str = "@@fakedesk-abort-message@@";

/// The reason logged when the tag gives none (\[DOC\]).
pub const DEFAULT_LOG: &str = "{% abort_message %} called";

/// `source` with every `{% abort_message %}`, `{% abort_message() %}` and
/// `{% abort_message('why') %}` replaced by its marker.
pub fn rewrite(source: &str) -> String {
    let mut out = String::new();
    let mut rest = source;
    while let Some(start) = rest.find("{%") {
        let Some(len) = rest[start..].find("%}") else {
            break;
        };
        let tag = &rest[start + 2..start + len];
        let inner = tag
            .trim()
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        out.push_str(&rest[..start]);
        if let Some(args) = inner.strip_prefix("abort_message") {
            let reason = args
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')')
                .trim()
                .trim_matches(|c| c == '\'' || c == '"');
            out.push_str(MARK);
            out.push_str(&reason.replace(['{', '}', '%'], ""));
            out.push_str(MARK);
        } else {
            out.push_str(&rest[start..start + len + 2]);
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// The abort's reason, when `rendered` ran the tag.
pub fn aborted(rendered: &str) -> Option<String> {
    let start = rendered.find(MARK)? + MARK.len();
    let reason = rendered[start..].split(MARK).next().unwrap_or_default();
    Some(if reason.is_empty() {
        DEFAULT_LOG.to_owned()
    } else {
        reason.to_owned()
    })
}

/// One template rendered with the tag understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rendering {
    /// The text; the tag did not run.
    Text(String),
    /// The tag ran, with this reason.
    Aborted(String),
}

/// Renders one template with the tag understood.
pub fn render(
    templates: &Templates,
    source: &str,
    globals: &Value,
) -> Result<Rendering, TemplateError> {
    let text = templates.render(Dialect::Braze, &rewrite(source), globals)?;
    Ok(match aborted(&text) {
        Some(reason) => Rendering::Aborted(reason),
        None => Rendering::Text(text),
    })
}

/// `source` with every `{% abort_message %}` taken out.
pub fn strip(source: &str) -> String {
    rewrite(source).replace(MARK, "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_tag_on_a_branch_that_runs_aborts() {
        let t = Templates::new();
        let src = "{% if ${first_name} == blank %}{% abort_message('no name') %}{% endif %}Hi {{${first_name}}}";
        assert_eq!(
            render(&t, src, &json!({"first_name": null})).unwrap(),
            Rendering::Aborted("no name".to_owned())
        );
        assert_eq!(
            render(&t, src, &json!({"first_name": "Ana"})).unwrap(),
            Rendering::Text("Hi Ana".to_owned())
        );
        assert_eq!(
            render(&t, "{% abort_message() %}", &json!({})).unwrap(),
            Rendering::Aborted(DEFAULT_LOG.to_owned())
        );
    }
}
