//! Checks a YAML tree against the scenario JSON Schema, collecting every problem with
//! its position and a hint. The schema is the one `fakedesk schema` prints, so what
//! an editor flags and what `fakedesk run` reports agree.
//!
//! It understands the subset of JSON Schema that schemars generates from the scenario
//! types: `$ref`/`$defs`, `type`, `properties`, `required`, `additionalProperties`,
//! `items`, `enum`, `const`, `anyOf`/`oneOf`, `minimum`/`maximum`, and the
//! `duration` format.

use serde_json::Value;

use super::diag::{Diagnostic, Pos, did_you_mean, one_of};
use super::model::Dur;
use super::yaml::{Key, Kind, Node};

/// Validates `node` against `root` (a schema with `$defs`), returning every problem.
pub fn validate(node: &Node, root: &Value) -> Vec<Diagnostic> {
    let mut v = Validator {
        root,
        out: Vec::new(),
    };
    v.check(node, root, "the scenario");
    v.out
}

struct Validator<'a> {
    root: &'a Value,
    out: Vec<Diagnostic>,
}

/// `CallStep` → `call step`.
fn words(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn type_name(t: &str) -> &str {
    match t {
        "object" => "a mapping",
        "array" => "a list",
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "true or false",
        "null" => "null",
        other => other,
    }
}

fn has_type(node: &Node, t: &str) -> bool {
    match (&node.kind, t) {
        (Kind::Map(_), "object")
        | (Kind::Seq(_), "array")
        | (Kind::Str(_), "string")
        | (Kind::Bool(_), "boolean")
        | (Kind::Null, "null")
        | (Kind::Number(_), "number") => true,
        (Kind::Number(n), "integer") => n.is_i64() || n.is_u64(),
        _ => false,
    }
}

impl<'a> Validator<'a> {
    fn resolve(&self, schema: &'a Value) -> (&'a Value, Option<String>) {
        let mut schema = schema;
        let mut name = None;
        for _ in 0..16 {
            let Some(r) = schema.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let def = r.rsplit('/').next().unwrap_or(r);
            name = Some(words(def));
            match self.root.pointer(r.trim_start_matches('#')) {
                Some(s) => schema = s,
                None => break,
            }
        }
        (schema, name)
    }

    fn problem(&mut self, pos: Pos, message: String, hint: Option<String>) {
        let mut d = Diagnostic::new(pos, message);
        d.hint = hint;
        self.out.push(d);
    }

    fn check(&mut self, node: &Node, schema: &'a Value, what: &str) {
        let (schema, name) = self.resolve(schema);
        let what = name.as_deref().unwrap_or(what);
        if schema == &Value::Bool(true) || schema.as_object().is_some_and(|o| o.is_empty()) {
            return;
        }
        if let Some(branches) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array)
        {
            self.branches(node, branches, what);
            return;
        }
        if self.wrong_type(node, schema, what) {
            return;
        }
        self.value_rules(node, schema, what);
        match &node.kind {
            Kind::Map(entries) => self.object(node, entries, schema, what),
            Kind::Seq(items) => {
                if let Some(item_schema) = schema.get("items") {
                    let item_what = format!("an item of {what}");
                    for item in items {
                        self.check(item, item_schema, &item_what);
                    }
                }
            }
            _ => {}
        }
    }

    /// Reports a node whose type the schema does not allow; true when it did.
    fn wrong_type(&mut self, node: &Node, schema: &'a Value, what: &str) -> bool {
        if let Some(types) = schema.get("type") {
            let types: Vec<&str> = match types {
                Value::String(t) => vec![t.as_str()],
                Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !types.is_empty() && !types.iter().any(|t| has_type(node, t)) {
                let expected: Vec<&str> = types
                    .iter()
                    .filter(|t| **t != "null" || types.len() == 1)
                    .map(|t| type_name(t))
                    .collect();
                let hint = match (&node.kind, types.as_slice()) {
                    (Kind::Str(s), ["integer" | "number", ..])
                        if s.trim().parse::<f64>().is_ok() =>
                    {
                        Some("write the number without quotes".to_owned())
                    }
                    (Kind::Number(_) | Kind::Bool(_), ["string", ..]) => {
                        Some("put it in quotes to make it a string".to_owned())
                    }
                    (Kind::Str(s), ["array", ..]) => Some(format!("write a list: [{s}]")),
                    _ => None,
                };
                self.problem(
                    node.pos,
                    format!(
                        "wrong type for {what}: expected {}, found {}",
                        expected.join(" or "),
                        node.describe()
                    ),
                    hint,
                );
                return true;
            }
        }
        false
    }

    /// Enums, constants, durations and number ranges.
    fn value_rules(&mut self, node: &Node, schema: &'a Value, what: &str) {
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
            self.enumeration(node, allowed, what);
        }
        if let Some(c) = schema.get("const") {
            self.enumeration(node, std::slice::from_ref(c), what);
        }
        if schema.get("format").and_then(Value::as_str) == Some("duration")
            && let Kind::Str(s) = &node.kind
            && Dur::parse(s).is_none()
        {
            self.problem(
                node.pos,
                format!("`{s}` is not a duration"),
                Some("write e.g. 500ms, 5s, 1.5s or 2m".to_owned()),
            );
        }
        if let Kind::Number(n) = &node.kind {
            let v = n.as_f64().unwrap_or(0.0);
            let min = schema.get("minimum").and_then(Value::as_f64);
            let max = schema.get("maximum").and_then(Value::as_f64);
            if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) {
                let range = match (min, max) {
                    (Some(a), Some(b)) => format!("between {a} and {b}"),
                    (Some(a), None) => format!("at least {a}"),
                    (None, Some(b)) => format!("at most {b}"),
                    (None, None) => String::new(),
                };
                self.problem(node.pos, format!("{what} must be {range}, found {n}"), None);
            }
        }
    }

    fn enumeration(&mut self, node: &Node, allowed: &[Value], what: &str) {
        let value = node.to_json();
        if allowed.contains(&value) {
            return;
        }
        let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
        let found = match &value {
            Value::String(s) => format!("`{s}`"),
            other => other.to_string(),
        };
        let hint = value
            .as_str()
            .and_then(|s| did_you_mean(s, names.iter().copied()))
            .map_or_else(
                || format!("expected {}", one_of(&names)),
                |m| format!("did you mean `{m}`?"),
            );
        self.problem(node.pos, format!("unknown {what} {found}"), Some(hint));
    }

    fn object(&mut self, node: &Node, entries: &[(Key, Node)], schema: &'a Value, what: &str) {
        let props = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        for (key, value) in entries {
            if let Some(s) = props.and_then(|p| p.get(&key.name)) {
                self.check(value, s, &format!("`{}`", key.name));
                continue;
            }
            match additional {
                Some(Value::Bool(false)) => {
                    let known: Vec<&str> = props
                        .map(|p| p.keys().map(String::as_str).collect())
                        .unwrap_or_default();
                    let hint = did_you_mean(&key.name, known.iter().copied()).map_or_else(
                        || format!("known keys here: {}", one_of(&known)),
                        |m| format!("did you mean `{m}`?"),
                    );
                    self.problem(
                        key.pos,
                        format!("unknown key `{}` in {what}", key.name),
                        Some(hint),
                    );
                }
                Some(s @ Value::Object(_)) => self.check(value, s, &format!("`{}`", key.name)),
                _ => {}
            }
        }
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for r in required.iter().filter_map(Value::as_str) {
                if !entries.iter().any(|(k, _)| k.name == r) {
                    let hint = entries
                        .iter()
                        .find(|(k, _)| did_you_mean(&k.name, [r]).is_some())
                        .map(|(k, _)| format!("`{}` looks like a misspelling of `{r}`", k.name));
                    self.problem(node.pos, format!("{what} is missing the key `{r}`"), hint);
                }
            }
        }
    }

    /// `anyOf`/`oneOf`. Null branches accept null. Among object branches, the one whose
    /// own required key is present is chosen (that is how a step's kind is told);
    /// otherwise the first branch that fits, or the problems of the closest one.
    fn branches(&mut self, node: &Node, branches: &'a [Value], what: &str) {
        let live: Vec<&'a Value> = branches
            .iter()
            .filter(|b| {
                let (s, _) = self.resolve(b);
                s.get("type").and_then(Value::as_str) != Some("null")
            })
            .collect();
        if matches!(node.kind, Kind::Null) && live.len() < branches.len() {
            return;
        }
        if let [only] = live.as_slice() {
            self.check(node, only, what);
            return;
        }
        if let Some(constants) = self.constants(&live) {
            self.enumeration(node, &constants, what);
            return;
        }
        if let Kind::Map(entries) = &node.kind
            && self.by_kind(node, entries, &live, what)
        {
            return;
        }
        self.closest(node, &live, what);
    }

    /// A union of constants (a unit enum with documented variants) is an enum.
    fn constants(&self, live: &[&'a Value]) -> Option<Vec<Value>> {
        live.iter()
            .map(|b| {
                let (s, _) = self.resolve(b);
                s.get("const").cloned().or_else(|| {
                    s.get("enum")
                        .and_then(Value::as_array)
                        .filter(|e| e.len() == 1)
                        .map(|e| e[0].clone())
                })
            })
            .collect()
    }

    /// Object branches told apart by their first required key (`call`, `send`,
    /// ...): checks the one whose key is present. False when the branches have no
    /// such distinct keys.
    fn by_kind(
        &mut self,
        node: &Node,
        entries: &[(Key, Node)],
        live: &[&'a Value],
        what: &str,
    ) -> bool {
        let kinds: Vec<Option<&str>> = live
            .iter()
            .map(|b| {
                let (s, _) = self.resolve(b);
                s.get("required")
                    .and_then(Value::as_array)
                    .and_then(|r| r.first())
                    .and_then(Value::as_str)
            })
            .collect();
        let distinct = kinds.iter().all(Option::is_some)
            && (0..kinds.len()).all(|i| !kinds[..i].contains(&kinds[i]));
        if !distinct {
            return false;
        }
        let kinds: Vec<&str> = kinds.into_iter().flatten().collect();
        let present: Vec<(usize, &str)> = kinds
            .iter()
            .enumerate()
            .filter(|(_, k)| entries.iter().any(|(key, _)| key.name == **k))
            .map(|(i, k)| (i, *k))
            .collect();
        match present.as_slice() {
            [(i, _)] => self.check(node, live[*i], what),
            [(_, a), (_, b), ..] => {
                let pos = node.key(b).map_or(node.pos, |k| k.pos);
                self.problem(
                    pos,
                    format!("{what} has both `{a}` and `{b}`"),
                    Some("give each its own list item".to_owned()),
                );
            }
            [] => self.no_kind(node, entries, &kinds, what),
        }
        true
    }

    /// An object with none of the branches' kind keys: a likely typo, or the list.
    fn no_kind(&mut self, node: &Node, entries: &[(Key, Node)], kinds: &[&str], what: &str) {
        let typo = entries
            .iter()
            .find_map(|(k, _)| did_you_mean(&k.name, kinds.iter().copied()).map(|m| (k, m)));
        match typo {
            Some((k, m)) => self.problem(
                k.pos,
                format!("unknown {what} `{}`", k.name),
                Some(format!("did you mean `{m}`?")),
            ),
            None => {
                let found: Vec<&str> = entries.iter().map(|(k, _)| k.name.as_str()).collect();
                self.problem(
                    node.pos,
                    format!("{what} needs one of the keys {}", one_of(kinds)),
                    Some(format!("found {}", one_of(&found))),
                );
            }
        }
    }

    /// No kind key decides: the first branch that fits, or the problems of the
    /// closest one.
    fn closest(&mut self, node: &Node, live: &[&'a Value], what: &str) {
        let mut best: Option<Vec<Diagnostic>> = None;
        let mut expected = Vec::new();
        for b in live {
            let mut sub = Validator {
                root: self.root,
                out: Vec::new(),
            };
            sub.check(node, b, what);
            if sub.out.is_empty() {
                return;
            }
            expected.push(self.expectation(b));
            if best.as_ref().is_none_or(|x| sub.out.len() < x.len()) {
                best = Some(sub.out);
            }
        }
        if !matches!(node.kind, Kind::Map(_) | Kind::Seq(_)) && expected.iter().all(Option::is_some)
        {
            let expected: Vec<String> = expected.into_iter().flatten().collect();
            self.problem(
                node.pos,
                format!(
                    "wrong value for {what}: expected {}, found {}",
                    expected.join(" or "),
                    node.describe()
                ),
                None,
            );
            return;
        }
        self.out.extend(best.unwrap_or_default());
    }

    /// What a schema accepts, in words, for scalar unions: `an integer`, `` `auto` ``.
    fn expectation(&self, schema: &'a Value) -> Option<String> {
        let (s, _) = self.resolve(schema);
        if let Some(branches) = s
            .get("anyOf")
            .or_else(|| s.get("oneOf"))
            .and_then(Value::as_array)
        {
            let words: Option<Vec<String>> = branches.iter().map(|b| self.expectation(b)).collect();
            return words.map(|w| w.join(" or "));
        }
        if let Some(c) = s.get("const") {
            return Some(
                c.as_str()
                    .map_or_else(|| c.to_string(), |t| format!("`{t}`")),
            );
        }
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            let names: Vec<&str> = e.iter().filter_map(Value::as_str).collect();
            return Some(one_of(&names));
        }
        let t = s.get("type")?.as_str()?;
        let mut words = type_name(t).to_owned();
        if let (Some(min), Some(max)) = (
            s.get("minimum").and_then(Value::as_f64),
            s.get("maximum").and_then(Value::as_f64),
        ) {
            words.push_str(&format!(" from {min} to {max}"));
        }
        Some(words)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{model, yaml};
    use super::*;

    /// A registered vendor, and one of the registered actions: the names the
    /// schema accepts come from the registry.
    fn vendor() -> String {
        crate::vendors::names()[0].to_owned()
    }

    fn action() -> String {
        crate::vendors::action_names()[0].clone()
    }

    fn problems(text: &str) -> Vec<Diagnostic> {
        validate(&yaml::parse(text).unwrap().0, &model::schema())
    }

    #[test]
    fn a_good_scenario_has_no_problems() {
        let (v, action) = (vendor(), action());
        let p = problems(&format!(
            "name: x\nsteps:\n  - call: {v}\n    method: POST\n    path: /items\n    body: {{item: {{subject: Hi}}}}\n    status: 201\n    as: t\n  - wait: 100ms\n  - expect: {v}\n    direction: outbound\n    within: 2s\n  - assert: {v}\n    match: {{items: [{{status: new}}]}}\n  - send: {action}\n    with: {{campaign: c}}\nsnapshot: traffic\n",
        ));
        assert!(p.is_empty(), "{p:#?}");
    }

    #[test]
    fn every_problem_is_found_with_a_hint() {
        let (v, action) = (vendor(), action());
        // One letter short: a typo close enough for a hint.
        let (v_typo, action_typo) = (&v[..v.len() - 1], &action[..action.len() - 1]);
        let p = problems(&format!(
            "nme: x\nsteps:\n  - cal: {v}\n    path: /x\n  - call: {v_typo}\n    path: /x\n    stauts: 201\n  - wait: soon\n  - expect: {v}\n    count: two\n  - send: {action_typo}\nsnapshot: trafic\n",
        ));
        let text: Vec<String> = p
            .iter()
            .map(|d| {
                format!(
                    "{}:{} {} | {}",
                    d.pos.line,
                    d.pos.col,
                    d.message,
                    d.hint.clone().unwrap_or_default()
                )
            })
            .collect();
        let vendor_line = format!("5:11 unknown vendor `{v_typo}` | did you mean `{v}`?");
        let action_line =
            format!("11:11 unknown action `{action_typo}` | did you mean `{action}`?");
        let expect: [&str; 8] = [
            "1:1 unknown key `nme` in the scenario | did you mean `name`?",
            "3:5 unknown step `cal` | did you mean `call`?",
            &vendor_line,
            "7:5 unknown key `stauts` in call step | did you mean `status`?",
            "8:11 `soon` is not a duration | write e.g. 500ms, 5s, 1.5s or 2m",
            "10:12 wrong type for `count`: expected an integer, found the string \"two\" | ",
            &action_line,
            "12:11 unknown snapshot kind `trafic` | did you mean `traffic`?",
        ];
        for e in expect {
            assert!(
                text.iter().any(|t| t == e),
                "missing {e:?} in\n{}",
                text.join("\n")
            );
        }
        assert_eq!(text.len(), expect.len(), "{}", text.join("\n"));
    }
}
