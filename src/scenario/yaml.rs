//! YAML to a tree that remembers where every node and key came from, so that
//! validation can point at the line and column of each problem.
//!
//! Scalars are resolved with the YAML 1.2 core schema (`null`, `true`, `42`, `1.5`;
//! quoted scalars are always strings), which is what JSON Schema validation and the
//! conversion to `serde_json::Value` need.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::{Event, Marker, Parser, ScalarStyle, Span};

use super::diag::{Diagnostic, Pos};

/// A YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What it holds.
    pub kind: Kind,
    /// Where it starts; `len` spans a scalar's text.
    pub pos: Pos,
}

/// A node's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `null`, `~` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer or a float.
    Number(Number),
    /// Any other scalar.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with string keys, in source order.
    Map(Vec<(Key, Node)>),
}

/// A mapping key and its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    /// The key text.
    pub name: String,
    /// Where it is.
    pub pos: Pos,
}

impl Node {
    /// The value under `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Self> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key `key` itself (for pointing at it), if this mapping has it.
    pub fn key(&self, key: &str) -> Option<&Key> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(k, _)| k),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A short description of the node's type for messages: `a string "abc"`.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Null => "null".to_owned(),
            Kind::Bool(b) => format!("the boolean `{b}`"),
            Kind::Number(n) => format!("the number `{n}`"),
            Kind::Str(s) => {
                let short: String = s.chars().take(40).collect();
                let more = if short.len() < s.len() { "…" } else { "" };
                format!("the string \"{short}{more}\"")
            }
            Kind::Seq(_) => "a list".to_owned(),
            Kind::Map(_) => "a mapping".to_owned(),
        }
    }

    /// The node as JSON.
    pub fn to_json(&self) -> Value {
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Bool(b) => Value::Bool(*b),
            Kind::Number(n) => Value::Number(n.clone()),
            Kind::Str(s) => Value::String(s.clone()),
            Kind::Seq(items) => Value::Array(items.iter().map(Self::to_json).collect()),
            Kind::Map(entries) => {
                let mut m = Map::new();
                for (k, v) in entries {
                    m.insert(k.name.clone(), v.to_json());
                }
                Value::Object(m)
            }
        }
    }

    /// Every string scalar in this subtree, with its position.
    pub fn strings(&self) -> Vec<(&str, Pos)> {
        let mut out = Vec::new();
        self.collect_strings(&mut out);
        out
    }

    fn collect_strings<'a>(&'a self, out: &mut Vec<(&'a str, Pos)>) {
        match &self.kind {
            Kind::Str(s) => out.push((s, self.pos)),
            Kind::Seq(items) => items.iter().for_each(|n| n.collect_strings(out)),
            Kind::Map(entries) => entries.iter().for_each(|(_, n)| n.collect_strings(out)),
            _ => {}
        }
    }
}

fn pos(m: &Marker, len: usize) -> Pos {
    Pos {
        line: m.line(),
        col: m.col() + 1,
        len: len.max(1),
    }
}

fn span_len(span: &Span) -> usize {
    if span.start.line() == span.end.line() {
        span.end.col().saturating_sub(span.start.col())
    } else {
        1
    }
}

/// Parses one YAML document. An empty document is `Null`. A syntax error stops the
/// parse (the parser cannot go on) and is the `Err`; problems the tree survives
/// (duplicate keys, a second document) come back beside it, so they are reported
/// together with the schema's.
pub fn parse(text: &str) -> Result<(Node, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut builder = Builder::default();
    for event in Parser::new_from_str(text) {
        match event {
            Ok((event, span)) => {
                if builder.event(event, span) {
                    break;
                }
            }
            Err(e) => {
                let m = e.marker();
                return Err(vec![
                    Diagnostic::new(pos(m, 1), format!("YAML syntax error: {}", e.info()))
                        .hint("check the indentation here, and brackets or quotes left open above"),
                ]);
            }
        }
    }
    let root = builder.root.unwrap_or(Node {
        kind: Kind::Null,
        pos: Pos {
            line: 1,
            col: 1,
            len: 1,
        },
    });
    Ok((root, builder.problems))
}

enum Open {
    Seq(Node),
    Map(Node, Option<Key>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<(Open, usize)>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    problems: Vec<Diagnostic>,
    documents: usize,
}

impl Builder {
    /// Handles one event; true when the first document is complete.
    fn event(&mut self, event: Event<'_>, span: Span) -> bool {
        match event {
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    self.problems.push(
                        Diagnostic::new(
                            pos(&span.start, 3),
                            "a scenario file holds one YAML document",
                        )
                        .hint("put each scenario in its own file"),
                    );
                    return true;
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let kind = scalar_kind(text, style, tag.as_deref());
                let node = Node {
                    kind,
                    pos: pos(&span.start, span_len(&span)),
                };
                self.push(node, anchor);
            }
            Event::SequenceStart(_, anchor, _) => {
                let node = Node {
                    kind: Kind::Seq(Vec::new()),
                    pos: pos(&span.start, 1),
                };
                self.stack.push((Open::Seq(node), anchor));
            }
            Event::MappingStart(_, anchor, _) => {
                let node = Node {
                    kind: Kind::Map(Vec::new()),
                    pos: pos(&span.start, 1),
                };
                self.stack.push((Open::Map(node, None), anchor));
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((open, anchor)) = self.stack.pop() {
                    let node = match open {
                        Open::Seq(n) | Open::Map(n, _) => n,
                    };
                    self.push(node, anchor);
                }
            }
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().unwrap_or(Node {
                    kind: Kind::Null,
                    pos: pos(&span.start, 1),
                });
                self.push(node, 0);
            }
            _ => {}
        }
        false
    }

    fn push(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some((Open::Seq(seq), _)) => {
                if let Kind::Seq(items) = &mut seq.kind {
                    items.push(node);
                }
            }
            Some((Open::Map(map, pending), _)) => match pending.take() {
                None => {
                    let name = match node.kind {
                        Kind::Str(s) => s,
                        Kind::Null => "null".to_owned(),
                        Kind::Bool(b) => b.to_string(),
                        Kind::Number(n) => n.to_string(),
                        Kind::Seq(_) | Kind::Map(_) => {
                            self.problems.push(
                                Diagnostic::new(node.pos, "a mapping key must be a plain word")
                                    .hint("keys are names such as `path` or `status`"),
                            );
                            "?".to_owned()
                        }
                    };
                    *pending = Some(Key {
                        name,
                        pos: node.pos,
                    });
                }
                Some(key) => {
                    if let Kind::Map(entries) = &mut map.kind {
                        if let Some((first, _)) = entries.iter().find(|(k, _)| k.name == key.name) {
                            self.problems.push(
                                Diagnostic::new(key.pos, format!("duplicate key `{}`", key.name))
                                    .hint(format!(
                                        "it is already set on line {}; keep one of them",
                                        first.pos.line
                                    )),
                            );
                        }
                        entries.push((key, node));
                    }
                }
            },
        }
    }
}

/// The YAML 1.2 core schema for plain scalars.
fn resolve_plain(text: &str) -> Kind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "true" | "True" | "TRUE" => return Kind::Bool(true),
        "false" | "False" | "FALSE" => return Kind::Bool(false),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = text.parse::<i64>() {
            return Kind::Number(i.into());
        }
        if let Ok(u) = text.parse::<u64>() {
            return Kind::Number(u.into());
        }
    }
    let looks_float = digits.bytes().any(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if looks_float
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = Number::from_f64(f)
    {
        return Kind::Number(n);
    }
    Kind::Str(text.to_owned())
}

/// A scalar's value: plain scalars are resolved (numbers, booleans, null) unless
/// tagged `!!str`; quoted and block scalars are strings.
fn scalar_kind(
    text: std::borrow::Cow<'_, str>,
    style: ScalarStyle,
    tag: Option<&serde_saphyr::granit_parser::Tag>,
) -> Kind {
    let is_str_tag = tag.is_some_and(|t| t.is_yaml_core_schema_tag("str"));
    if style == ScalarStyle::Plain && !is_str_tag {
        resolve_plain(&text)
    } else {
        Kind::Str(text.into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_follow_the_core_schema_and_quotes_make_strings() {
        let (n, _) =
            parse("a: 1\nb: '1'\nc: true\nd: ~\ne: 1.5\nf: hello\ng: 12345678901234\n").unwrap();
        let v = n.to_json();
        assert_eq!(
            v,
            serde_json::json!({"a": 1, "b": "1", "c": true, "d": null, "e": 1.5, "f": "hello", "g": 12345678901234_u64})
        );
    }

    #[test]
    fn positions_point_at_keys_and_values() {
        let (n, _) = parse("steps:\n  - call: acme\n    path: /x\n").unwrap();
        let Kind::Seq(steps) = &n.get("steps").unwrap().kind else {
            panic!()
        };
        let key = steps[0].key("path").unwrap();
        assert_eq!((key.pos.line, key.pos.col, key.pos.len), (3, 5, 4));
        let value = steps[0].get("call").unwrap();
        assert_eq!((value.pos.line, value.pos.col, value.pos.len), (2, 11, 4));
    }

    #[test]
    fn duplicate_keys_and_syntax_errors_are_located() {
        let (_, errs) = parse("a: 1\nb: 2\na: 3\n").unwrap();
        assert_eq!(errs[0].pos.line, 3);
        assert!(errs[0].message.contains("duplicate key `a`"));
        let errs = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(errs[0].message.starts_with("YAML syntax error"), "{errs:?}");
    }

    #[test]
    fn anchors_and_aliases_copy_the_node() {
        let (n, _) = parse("a: &x {k: 1}\nb: *x\n").unwrap();
        assert_eq!(
            n.to_json(),
            serde_json::json!({"a": {"k": 1}, "b": {"k": 1}})
        );
    }
}
