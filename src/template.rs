//! Liquid templates, in the two dialects the vendors use.
//!
//! - Zendesk renders webhook bodies from trigger actions with Liquid and its ticket
//!   placeholders (`{{ticket.id}}`, `{{ticket.requester.email}}`).
//! - Braze renders webhook campaigns with Liquid plus its own attribute syntax
//!   (`{{${first_name}}}`, `{{custom_attribute.${plan}}}`) and extra filters
//!   (`base64_encode`, `url_param_escape`, `hmac_sha256_base64`, ...).
//!
//! One parser serves both: Braze's `${name}` is rewritten to a plain variable name
//! before parsing, and the extra filters are harmless in Zendesk templates.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use liquid_core::parser::{FilterArguments, FilterParametersReflection, ParameterReflection};
use liquid_core::{
    Display_filter, Expression, Filter, FilterParameters, FilterReflection, ParseFilter,
    Result as LiquidResult, Runtime, Value, ValueView,
};
use sha2::Digest;

/// Why a template could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The template is not valid Liquid.
    #[error("template does not parse: {0}")]
    Parse(String),
    /// Rendering failed (an unknown filter argument, a bad value).
    #[error("template does not render: {0}")]
    Render(String),
}

/// Which vendor's Liquid a template is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Plain Liquid with Zendesk's placeholders.
    Zendesk,
    /// Braze Liquid: `${name}` attribute references.
    Braze,
}

/// A parser with the filters both vendors document, built once and shared.
pub struct Templates {
    parser: liquid::Parser,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Templates")
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    /// Liquid's standard library plus the vendors' filters.
    pub fn new() -> Self {
        let parser = liquid::ParserBuilder::with_stdlib()
            .filter(Base64Encode)
            .filter(UrlParamEscape)
            .filter(UrlEscape)
            .filter(JsonEscape)
            .filter(Md5)
            .filter(Sha1)
            .filter(Sha2)
            .filter(HMAC_FILTERS[0])
            .filter(HMAC_FILTERS[1])
            .filter(HMAC_FILTERS[2])
            .filter(HMAC_FILTERS[3])
            .build()
            .expect("the built-in filters are valid");
        Self { parser }
    }

    /// Renders `source` against `globals` (a JSON object; other values render as if
    /// no variable were set).
    pub fn render(
        &self,
        dialect: Dialect,
        source: &str,
        globals: &serde_json::Value,
    ) -> Result<String, TemplateError> {
        let source = match dialect {
            Dialect::Zendesk => source.to_owned(),
            Dialect::Braze => braze_to_liquid(source),
        };
        let template = self
            .parser
            .parse(&source)
            .map_err(|e| TemplateError::Parse(e.to_string()))?;
        // Vendor quirk: Zendesk and Braze render an unknown placeholder as empty text,
        // where liquid-rust fails; so every path the template names is made to exist.
        let mut globals = globals.clone();
        fill_missing(&mut globals, &source);
        let globals = match liquid::model::to_value(&globals) {
            Ok(Value::Object(o)) => o,
            _ => liquid::Object::new(),
        };
        template
            .render(&globals)
            .map_err(|e| TemplateError::Render(e.to_string()))
    }
}

/// `{{${first_name}}}` → `{{first_name}}`; `custom_attribute.${plan}` →
/// `custom_attribute.plan`. Text outside `${...}` is kept byte for byte.
pub fn braze_to_liquid(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) if is_attribute_name(&after[..end]) => {
                out.push_str(&rest[..start]);
                out.push_str(after[..end].trim());
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str(&rest[..start + 2]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Sets every dotted variable path found inside `{{ }}` and `{% %}` of `source` to
/// null where `globals` lacks it (never replacing a value that exists).
fn fill_missing(globals: &mut serde_json::Value, source: &str) {
    if !globals.is_object() {
        *globals = serde_json::Value::Object(serde_json::Map::new());
    }
    let mut rest = source;
    while let Some(open) = rest.find(['{']) {
        let after = &rest[open + 1..];
        let close = match after.chars().next() {
            Some('{') => "}}",
            Some('%') => "%}",
            _ => {
                rest = after;
                continue;
            }
        };
        let Some(end) = after.find(close) else { break };
        for path in variable_paths(&after[1..end]) {
            insert_null_path(globals, &path);
        }
        rest = &after[end..];
    }
}

/// Identifier paths (`ticket.requester.email`) outside quoted strings.
fn variable_paths(markup: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in markup.chars().chain(std::iter::once(' ')) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c.is_alphanumeric() || c == '_' || c == '.' || c == '-' => current.push(c),
            None => {
                let starts_like_name = current
                    .chars()
                    .next()
                    .is_some_and(|f| f.is_alphabetic() || f == '_');
                if starts_like_name {
                    paths.push(
                        current
                            .split('.')
                            .filter(|p| !p.is_empty())
                            .map(str::to_owned)
                            .collect(),
                    );
                }
                current.clear();
            }
        }
    }
    paths
}

fn insert_null_path(globals: &mut serde_json::Value, path: &[String]) {
    let mut node = globals;
    for (i, key) in path.iter().enumerate() {
        let Some(map) = node.as_object_mut() else {
            return;
        };
        let last = i + 1 == path.len();
        let entry = map.entry(key.clone()).or_insert_with(|| {
            if last {
                serde_json::Value::Null
            } else {
                serde_json::Value::Object(serde_json::Map::new())
            }
        });
        if entry.is_null() && !last {
            *entry = serde_json::Value::Object(serde_json::Map::new());
        }
        node = entry;
    }
}

fn is_attribute_name(s: &str) -> bool {
    let s = s.trim();
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

fn scalar(s: String) -> LiquidResult<Value> {
    Ok(Value::scalar(s))
}

fn hmac_bytes<M: Mac + KeyInit>(key: &str, msg: &str) -> Vec<u8> {
    let mut mac =
        <M as KeyInit>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(msg.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Characters `url_param_escape` leaves alone (RFC 3986 unreserved).
fn percent_encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

macro_rules! unary_filter {
    ($public:ident, $inner:ident, $name:literal, $doc:literal, |$s:ident| $body:expr) => {
        #[derive(Clone, ParseFilter, FilterReflection)]
        #[filter(name = $name, description = $doc, parsed($inner))]
        struct $public;

        #[derive(Debug, Default, Display_filter)]
        #[name = $name]
        struct $inner;

        impl Filter for $inner {
            fn evaluate(
                &self,
                input: &dyn ValueView,
                _runtime: &dyn Runtime,
            ) -> LiquidResult<Value> {
                let $s = input.to_kstr().into_string();
                scalar($body)
            }
        }
    };
}

unary_filter!(
    Base64Encode,
    Base64EncodeFilter,
    "base64_encode",
    "Base64 of the text.",
    |s| STANDARD.encode(s)
);
unary_filter!(
    UrlParamEscape,
    UrlParamEscapeFilter,
    "url_param_escape",
    "Percent-encodes for a query parameter.",
    |s| percent_encode(&s, b"-_.~")
);
unary_filter!(
    UrlEscape,
    UrlEscapeFilter,
    "url_escape",
    "Percent-encodes, keeping URL punctuation.",
    |s| percent_encode(&s, b"-_.~:/?#[]@!$&'()*+,;=")
);
unary_filter!(
    JsonEscape,
    JsonEscapeFilter,
    "json_escape",
    "Escapes text for a JSON string.",
    |s| {
        let quoted = serde_json::Value::String(s).to_string();
        quoted[1..quoted.len() - 1].to_owned()
    }
);
unary_filter!(Md5, Md5Filter, "md5", "Hex MD5 of the text.", |s| hex(
    &md5::Md5::digest(s.as_bytes())
));
unary_filter!(Sha1, Sha1Filter, "sha1", "Hex SHA-1 of the text.", |s| hex(
    &sha1::Sha1::digest(s.as_bytes())
));
unary_filter!(Sha2, Sha2Filter, "sha2", "Hex SHA-256 of the text.", |s| {
    hex(&sha2::Sha256::digest(s.as_bytes()))
});

#[derive(Debug, FilterParameters)]
struct KeyArgs {
    #[parameter(description = "The secret key.", arg_type = "str")]
    key: Expression,
}

/// The four HMAC filters Braze documents: one parser, told which digest and encoding.
#[derive(Debug, Clone, Copy)]
struct HmacFilterParser {
    name: &'static str,
    sha256: bool,
    base64: bool,
}

const HMAC_FILTERS: [HmacFilterParser; 4] = [
    HmacFilterParser {
        name: "hmac_sha1_hex",
        sha256: false,
        base64: false,
    },
    HmacFilterParser {
        name: "hmac_sha1_base64",
        sha256: false,
        base64: true,
    },
    HmacFilterParser {
        name: "hmac_sha256_hex",
        sha256: true,
        base64: false,
    },
    HmacFilterParser {
        name: "hmac_sha256_base64",
        sha256: true,
        base64: true,
    },
];

impl FilterReflection for HmacFilterParser {
    fn name(&self) -> &str {
        self.name
    }
    fn description(&self) -> &str {
        "HMAC of the text with the given key."
    }
    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        <KeyArgs as FilterParametersReflection>::positional_parameters()
    }
    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        <KeyArgs as FilterParametersReflection>::keyword_parameters()
    }
}

impl ParseFilter for HmacFilterParser {
    fn parse(&self, arguments: FilterArguments<'_>) -> LiquidResult<Box<dyn Filter>> {
        let args = KeyArgs::from_args(arguments)?;
        Ok(Box::new(HmacFilter {
            parser: *self,
            args,
        }))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

#[derive(Debug)]
struct HmacFilter {
    parser: HmacFilterParser,
    args: KeyArgs,
}

impl std::fmt::Display for HmacFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.parser.name, self.args)
    }
}

impl Filter for HmacFilter {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> LiquidResult<Value> {
        let args = self.args.evaluate(runtime)?;
        let (key, msg) = (args.key.as_str(), input.to_kstr());
        let bytes = if self.parser.sha256 {
            hmac_bytes::<Hmac<sha2::Sha256>>(key, msg.as_str())
        } else {
            hmac_bytes::<Hmac<sha1::Sha1>>(key, msg.as_str())
        };
        scalar(if self.parser.base64 {
            STANDARD.encode(bytes)
        } else {
            hex(&bytes)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn braze_attribute_syntax_becomes_plain_liquid() {
        assert_eq!(braze_to_liquid("{{${first_name}}}"), "{{first_name}}");
        assert_eq!(
            braze_to_liquid("{{custom_attribute.${plan}}}"),
            "{{custom_attribute.plan}}"
        );
        assert_eq!(
            braze_to_liquid("cost: ${ 5 } and ${} and $x"),
            "cost: 5 and ${} and $x"
        );
        assert_eq!(
            braze_to_liquid("{\"a\": \"${not closed\"}"),
            "{\"a\": \"${not closed\"}"
        );
    }

    #[test]
    fn renders_zendesk_placeholders() {
        let t = Templates::new();
        let out = t
            .render(
                Dialect::Zendesk,
                r#"{"ticket_id":"{{ticket.id}}","status":"{{ticket.status}}"}"#,
                &json!({"ticket": {"id": 7, "status": "solved"}}),
            )
            .unwrap();
        assert_eq!(out, r#"{"ticket_id":"7","status":"solved"}"#);
    }

    #[test]
    fn braze_filters_match_independent_computations() {
        let t = Templates::new();
        let r = |src: &str| t.render(Dialect::Braze, src, &json!({})).unwrap();
        // base64("user@example.com/token:abc"), computed with coreutils base64.
        assert_eq!(
            r("{{ 'user@example.com/token:abc' | base64_encode }}"),
            "dXNlckBleGFtcGxlLmNvbS90b2tlbjphYmM="
        );
        assert_eq!(
            r("{{ 'a b&c=d/é' | url_param_escape }}"),
            "a%20b%26c%3Dd%2F%C3%A9"
        );
        assert_eq!(r("{{ 'say \"hi\"\n' | json_escape }}"), "say \\\"hi\\\"\\n");
        // RFC 2104 / RFC 4231 style check values (openssl dgst).
        assert_eq!(r("{{ 'abc' | md5 }}"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            r("{{ 'abc' | sha1 }}"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            r("{{ 'abc' | sha2 }}"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            r("{{ 'The quick brown fox jumps over the lazy dog' | hmac_sha256_hex: 'key' }}"),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
        assert_eq!(
            r("{{ 'The quick brown fox jumps over the lazy dog' | hmac_sha1_hex: 'key' }}"),
            "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9"
        );
        assert_eq!(r("{{ missing | default: 'there' }}"), "there");
    }

    #[test]
    fn unknown_placeholders_render_empty_as_the_vendors_do() {
        let t = Templates::new();
        let out = t
            .render(Dialect::Zendesk, "[{{ticket.nope}}][{{ticket.requester.name}}][{{nothing.at.all}}]{% if ticket.x %}x{% endif %}", &json!({"ticket": {"id": 1}}))
            .unwrap();
        assert_eq!(out, "[][][]");
        let braze = t
            .render(
                Dialect::Braze,
                "Hi {{${first_name} | default: 'there'}}, {{custom_attribute.${plan}}}.",
                &json!({}),
            )
            .unwrap();
        assert_eq!(braze, "Hi there, .");
    }

    #[test]
    fn bad_templates_are_errors_not_panics() {
        let t = Templates::new();
        assert!(matches!(
            t.render(Dialect::Zendesk, "{% if %}", &json!({})),
            Err(TemplateError::Parse(_))
        ));
        assert!(
            t.render(Dialect::Braze, "{{ x | nosuchfilter }}", &json!({}))
                .is_err()
        );
    }

    #[test]
    fn assign_and_capture_win_over_prefilled_globals() {
        let t = Templates::new();
        let out = t
            .render(
                Dialect::Braze,
                "{% assign x = 'a' %}{% capture y %}b{% endcapture %}{{x}}{{y}}",
                &json!({}),
            )
            .unwrap();
        assert_eq!(out, "ab");
    }
}
