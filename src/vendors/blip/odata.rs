//! The OData-like `$filter` of Blip's lists (REFERENCE extensions 2.10, 5.1):
//! `eq`, `ne`, `gt`, `ge`, `lt`, `le`, `and`, `or`, `not`, parentheses,
//! `startswith(f,'x')`, `substringof('x',f)`, `contains(f,'x')`, quoted
//! strings, `datetimeoffset'...'`, numbers and booleans. Field names in any
//! case; dotted names reach into objects (`extras.plan`). Pure.

use std::cmp::Ordering;

use serde_json::{Map, Value};

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// Both hold.
    And(Box<Self>, Box<Self>),
    /// Either holds.
    Or(Box<Self>, Box<Self>),
    /// It does not hold.
    Not(Box<Self>),
    /// `field op value`.
    Compare(String, Op, String),
    /// `startswith`, `substringof`/`contains`: `(field, text, starts_only)`.
    Text(String, String, bool),
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Open,
    Close,
    Comma,
}

fn tokens(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '(' | ')' | ',' => {
                chars.next();
                out.push(match c {
                    '(' => Tok::Open,
                    ')' => Tok::Close,
                    _ => Tok::Comma,
                });
            }
            '\'' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next()? {
                        '\'' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            text.push('\'');
                        }
                        '\'' => break,
                        ch => text.push(ch),
                    }
                }
                // `datetimeoffset'...'`: the prefix only says what the string is.
                if matches!(out.last(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("datetimeoffset") || w.eq_ignore_ascii_case("datetime"))
                {
                    out.pop();
                }
                out.push(Tok::Str(text));
            }
            _ => {
                let mut w = String::new();
                while let Some(&ch) = chars.peek() {
                    if ch.is_whitespace() || "(),'".contains(ch) {
                        break;
                    }
                    w.push(ch);
                    chars.next();
                }
                out.push(Tok::Word(w));
            }
        }
    }
    Some(out)
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.at), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }
    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }
    fn expect(&mut self, t: &Tok) -> Option<()> {
        (self.next()? == *t).then_some(())
    }
    fn or(&mut self) -> Option<Filter> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.at += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Some(left)
    }
    fn and(&mut self) -> Option<Filter> {
        let mut left = self.factor()?;
        while self.peek_word("and") {
            self.at += 1;
            left = Filter::And(Box::new(left), Box::new(self.factor()?));
        }
        Some(left)
    }
    fn value(&mut self) -> Option<String> {
        match self.next()? {
            Tok::Str(s) | Tok::Word(s) => Some(s),
            _ => None,
        }
    }
    fn factor(&mut self) -> Option<Filter> {
        if self.peek_word("not") {
            self.at += 1;
            return Some(Filter::Not(Box::new(self.factor()?)));
        }
        match self.next()? {
            Tok::Open => {
                let f = self.or()?;
                self.expect(&Tok::Close)?;
                Some(f)
            }
            Tok::Word(w) if self.toks.get(self.at) == Some(&Tok::Open) => self.function(&w),
            Tok::Word(field) => {
                let op = match self.value()?.to_ascii_lowercase().as_str() {
                    "eq" => Op::Eq,
                    "ne" => Op::Ne,
                    "gt" => Op::Gt,
                    "ge" => Op::Ge,
                    "lt" => Op::Lt,
                    "le" => Op::Le,
                    _ => return None,
                };
                Some(Filter::Compare(field.to_lowercase(), op, self.value()?))
            }
            _ => None,
        }
    }
    fn function(&mut self, name: &str) -> Option<Filter> {
        self.expect(&Tok::Open)?;
        let a = self.value()?;
        self.expect(&Tok::Comma)?;
        let b = self.value()?;
        self.expect(&Tok::Close)?;
        match name.to_ascii_lowercase().as_str() {
            "startswith" => Some(Filter::Text(a.to_lowercase(), b, true)),
            "contains" => Some(Filter::Text(a.to_lowercase(), b, false)),
            "substringof" => Some(Filter::Text(b.to_lowercase(), a, false)),
            _ => None,
        }
    }
}

/// Parses a filter; `None` when it is not one.
pub fn parse(s: &str) -> Option<Filter> {
    let mut p = Parser {
        toks: tokens(s)?,
        at: 0,
    };
    let f = p.or()?;
    (p.at == p.toks.len()).then_some(f)
}

/// The text of `field` (lower case, dotted) in `o`; empty when absent.
fn field(o: &Map<String, Value>, name: &str) -> String {
    let mut cur: Option<&Value> = None;
    let mut obj = Some(o);
    for part in name.split('.') {
        cur = obj.and_then(|m| {
            m.iter()
                .find(|(k, _)| k.to_lowercase() == part)
                .map(|(_, v)| v)
        });
        obj = cur.and_then(Value::as_object);
    }
    match cur {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

fn compare(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

/// Whether `o` passes the filter.
pub fn keeps(f: &Filter, o: &Map<String, Value>) -> bool {
    match f {
        Filter::And(a, b) => keeps(a, o) && keeps(b, o),
        Filter::Or(a, b) => keeps(a, o) || keeps(b, o),
        Filter::Not(a) => !keeps(a, o),
        Filter::Text(k, text, starts) => {
            let v = field(o, k).to_lowercase();
            let t = text.to_lowercase();
            if *starts {
                v.starts_with(&t)
            } else {
                v.contains(&t)
            }
        }
        Filter::Compare(k, op, value) => {
            let ord = compare(&field(o, k), value);
            match op {
                Op::Eq => ord == Ordering::Equal,
                Op::Ne => ord != Ordering::Equal,
                Op::Gt => ord == Ordering::Greater,
                Op::Ge => ord != Ordering::Less,
                Op::Lt => ord == Ordering::Less,
                Op::Le => ord != Ordering::Greater,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_sdks_ticket_filters_select_what_they_say() {
        // [SDK] blip-sdk-csharp HelpDeskExtension.
        let f = parse("customerIdentity eq 'a@wa.gw.msging.net' and (status eq 'Open' or status eq 'Waiting' or status eq 'Assigned')").unwrap();
        let t = |s: &str| obj(json!({"CustomerIdentity": "a@wa.gw.msging.net", "status": s}));
        assert!(keeps(&f, &t("Waiting")));
        assert!(!keeps(&f, &t("ClosedClient")));
        let seq = parse("sequentialId ge 10").unwrap();
        assert!(keeps(&seq, &obj(json!({"sequentialId": 12}))));
        assert!(!keeps(&seq, &obj(json!({"sequentialId": 9}))));
    }

    #[test]
    fn the_contacts_doc_filters_parse_and_bad_ones_do_not() {
        // [DOC] contacts.md filter forms.
        let c = obj(
            json!({"name": "John Doe", "lastMessageDate": "2021-09-02T10:00:00.000Z", "extras": {"plan": "Gold"}}),
        );
        for f in [
            "startswith(name,'John')",
            "name eq 'John Doe'",
            "substringof('Doe',name)",
            "lastmessagedate ge datetimeoffset'2021-09-01T13:38:00.000Z'",
            "extras.plan eq 'gold'",
        ] {
            assert!(keeps(&parse(f).unwrap(), &c), "{f}");
        }
        for bad in [
            "name gt",
            "(name eq 'x'",
            "name like 'x'",
            "startswith(name)",
            "'x'",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
