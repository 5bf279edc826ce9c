//! Zendesk's search query language, the common subset (pure, no I/O):
//!
//! - bare words (`printer fire`: every word must match) and `"quoted phrases"`;
//! - `key:value`, `key<value`, `key>value`, `key<=value`, `key>=value`, values quoted
//!   or not (`organization:"Acme Inc"`);
//! - `-` before any term negates it (`-tags:spam`);
//! - `order_by:<field>` and `sort:asc|desc` inside the query;
//! - dates as `2024-01-31`, `2024-01-31T10:00:00Z`, or relative (`4hours`, `2days`,
//!   units minutes, hours, days, weeks, months, years).

use time::{Date, Duration, OffsetDateTime, Time};

/// A comparison after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    /// `:`
    Eq,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

/// One term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermKind {
    /// A bare word, lower-cased; a trailing `*` is a prefix wildcard.
    Word(String),
    /// A quoted phrase, lower-cased.
    Phrase(String),
    /// `key<op>value`; the key is lower-cased, the value kept as written.
    Field {
        /// The property, e.g. `status`.
        key: String,
        /// The comparison.
        cmp: Cmp,
        /// The value (without its quotes).
        value: String,
    },
}

/// A term, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Written with a leading `-`.
    pub negated: bool,
    /// What it says.
    pub kind: TermKind,
}

/// A parsed query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// The terms, all of which must hold.
    pub terms: Vec<Term>,
    /// `order_by:` given in the query.
    pub order_by: Option<String>,
    /// `sort:` given in the query (`asc` or `desc`).
    pub sort: Option<String>,
}

impl Query {
    /// The `type:` values the query asks for (not negated).
    pub fn types(&self) -> Vec<&str> {
        self.terms
            .iter()
            .filter_map(|t| match &t.kind {
                TermKind::Field {
                    key,
                    cmp: Cmp::Eq,
                    value,
                } if key == "type" && !t.negated => Some(value.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// Parses a query. Never fails: unbalanced quotes run to the end of the text.
pub fn parse(text: &str) -> Query {
    let mut q = Query::default();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let negated = chars[i] == '-' && chars.get(i + 1).is_some_and(|c| !c.is_whitespace());
        if negated {
            i += 1;
        }
        let (kind, next) = term(&chars, i);
        i = next;
        let Some(kind) = kind else { continue };
        match &kind {
            TermKind::Field { key, value, .. } if key == "order_by" => {
                q.order_by = Some(value.to_lowercase());
            }
            TermKind::Field { key, value, .. } if key == "sort" => {
                q.sort = Some(value.to_lowercase());
            }
            _ => q.terms.push(Term { negated, kind }),
        }
    }
    q
}

/// Reads `"phrase"` or `until the next space or quote` from `at`.
fn chunk(chars: &[char], at: usize) -> (String, usize, bool) {
    if chars.get(at) == Some(&'"') {
        let end = chars[at + 1..]
            .iter()
            .position(|c| *c == '"')
            .map_or(chars.len(), |p| at + 1 + p);
        let s: String = chars[at + 1..end].iter().collect();
        return (s, (end + 1).min(chars.len()), true);
    }
    let end = chars[at..]
        .iter()
        .position(|c| c.is_whitespace())
        .map_or(chars.len(), |p| at + p);
    (chars[at..end].iter().collect(), end, false)
}

fn term(chars: &[char], at: usize) -> (Option<TermKind>, usize) {
    if chars[at] == '"' {
        let (s, next, _) = chunk(chars, at);
        let s = s.trim().to_lowercase();
        return ((!s.is_empty()).then_some(TermKind::Phrase(s)), next);
    }
    // A key runs up to an operator; an operator before any key is part of a word.
    let key_end = chars[at..]
        .iter()
        .position(|c| c.is_whitespace() || matches!(c, ':' | '<' | '>' | '"'))
        .map_or(chars.len(), |p| at + p);
    let op = chars.get(key_end).copied();
    if key_end == at || !matches!(op, Some(':' | '<' | '>')) {
        let (s, next, _) = chunk(chars, at);
        return (Some(TermKind::Word(s.to_lowercase())), next);
    }
    let key: String = chars[at..key_end].iter().collect::<String>().to_lowercase();
    let mut v = key_end + 1;
    let cmp = match (op, chars.get(v)) {
        (Some('<'), Some('=')) => {
            v += 1;
            Cmp::Le
        }
        (Some('>'), Some('=')) => {
            v += 1;
            Cmp::Ge
        }
        (Some('<'), _) => Cmp::Lt,
        (Some('>'), _) => Cmp::Gt,
        _ => Cmp::Eq,
    };
    if v >= chars.len() || chars[v].is_whitespace() {
        return (Some(TermKind::Word(key)), v);
    }
    let (value, next, _) = chunk(chars, v);
    (Some(TermKind::Field { key, cmp, value }), next)
}

/// An instant or a whole day, as a date value names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// A calendar day (UTC), from its first instant.
    Day(OffsetDateTime),
    /// An exact instant (a timestamp, or now minus a relative duration).
    At(OffsetDateTime),
}

/// Reads a date value relative to `now`.
pub fn parse_when(value: &str, now: OffsetDateTime) -> Option<When> {
    let v = value.trim();
    if let Ok(t) = OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339) {
        return Some(When::At(t));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    if let Ok(d) = Date::parse(v, &format) {
        return Some(When::Day(d.with_time(Time::MIDNIGHT).assume_utc()));
    }
    let digits = v.chars().take_while(char::is_ascii_digit).count();
    let n: i64 = v[..digits].parse().ok()?;
    let unit = match v[digits..].trim().trim_end_matches('s') {
        "minute" | "min" => Duration::minutes(1),
        "hour" | "h" => Duration::hours(1),
        "day" | "d" => Duration::days(1),
        "week" | "w" => Duration::weeks(1),
        "month" => Duration::days(30),
        "year" | "y" => Duration::days(365),
        _ => return None,
    };
    now.checked_sub(unit.checked_mul(i32::try_from(n).ok()?)?)
        .map(When::At)
}

/// Whether `t` satisfies `cmp` against `when`: a day compares as the whole day
/// (`created>2024-01-31` is from February 1st on).
pub fn compare_time(t: OffsetDateTime, cmp: Cmp, when: When) -> bool {
    match when {
        When::At(x) => match cmp {
            Cmp::Eq | Cmp::Gt => t > x,
            Cmp::Ge => t >= x,
            Cmp::Lt => t < x,
            Cmp::Le => t <= x,
        },
        When::Day(start) => {
            let end = start.checked_add(Duration::days(1)).unwrap_or(start);
            match cmp {
                Cmp::Eq => t >= start && t < end,
                Cmp::Gt => t >= end,
                Cmp::Ge => t >= start,
                Cmp::Lt => t < start,
                Cmp::Le => t < end,
            }
        }
    }
}

/// Whether `rank` satisfies `cmp` against `wanted` (status and priority order).
pub fn compare_rank(rank: usize, cmp: Cmp, wanted: usize) -> bool {
    match cmp {
        Cmp::Eq => rank == wanted,
        Cmp::Lt => rank < wanted,
        Cmp::Gt => rank > wanted,
        Cmp::Le => rank <= wanted,
        Cmp::Ge => rank >= wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn field(key: &str, cmp: Cmp, value: &str) -> TermKind {
        TermKind::Field {
            key: key.to_owned(),
            cmp,
            value: value.to_owned(),
        }
    }

    #[test]
    fn parses_the_documented_examples() {
        // DOC search reference: `type:ticket status:open`, `tags:vip`, `-tags:spam`,
        // `status<solved`, `organization:"Acme"`, `"exact phrase"`.
        let q = parse(
            r#"type:ticket status<solved -tags:spam organization:"Acme Inc" "printer fire" Smoke*"#,
        );
        let kinds: Vec<_> = q
            .terms
            .iter()
            .map(|t| (t.negated, t.kind.clone()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (false, field("type", Cmp::Eq, "ticket")),
                (false, field("status", Cmp::Lt, "solved")),
                (true, field("tags", Cmp::Eq, "spam")),
                (false, field("organization", Cmp::Eq, "Acme Inc")),
                (false, TermKind::Phrase("printer fire".to_owned())),
                (false, TermKind::Word("smoke*".to_owned())),
            ]
        );
        assert_eq!(q.types(), vec!["ticket"]);
    }

    #[test]
    fn reads_two_character_operators_timestamps_and_sorting() {
        let q = parse("created>=2024-01-01T10:00:00Z priority<=high order_by:created sort:asc");
        assert_eq!(
            q.terms[0].kind,
            field("created", Cmp::Ge, "2024-01-01T10:00:00Z")
        );
        assert_eq!(q.terms[1].kind, field("priority", Cmp::Le, "high"));
        assert_eq!(q.order_by.as_deref(), Some("created"));
        assert_eq!(q.sort.as_deref(), Some("asc"));
        assert_eq!(q.terms.len(), 2);
    }

    #[test]
    fn odd_input_never_fails() {
        for text in [
            "",
            "   ",
            "-",
            "\"unclosed",
            "status:",
            ":x",
            "a:\"b",
            "-\"x y\"",
            ">5",
        ] {
            let _ = parse(text);
        }
        assert_eq!(
            parse("status:").terms[0].kind,
            TermKind::Word("status".to_owned())
        );
        assert_eq!(parse(":x").terms[0].kind, TermKind::Word(":x".to_owned()));
        assert!(parse("-\"x y\"").terms[0].negated);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        #[test]
        fn any_text_parses_and_any_value_reads_as_a_date_or_not(text in "[-a-z0-9:<>=\" *.é]{0,40}") {
            let now = datetime!(2024-02-08 17:44:38 UTC);
            for t in parse(&text).terms {
                if let TermKind::Field { value, .. } = t.kind
                    && let Some(w) = parse_when(&value, now)
                {
                    let _ = compare_time(now, Cmp::Eq, w);
                }
            }
        }
    }

    #[test]
    fn dates_absolute_whole_days_and_relative() {
        let now = datetime!(2024-02-08 17:44:38 UTC);
        let day = parse_when("2024-01-31", now).unwrap();
        assert!(compare_time(datetime!(2024-01-31 23:00 UTC), Cmp::Eq, day));
        assert!(!compare_time(datetime!(2024-01-31 23:00 UTC), Cmp::Gt, day));
        assert!(compare_time(datetime!(2024-02-01 00:00 UTC), Cmp::Gt, day));
        assert!(compare_time(datetime!(2024-01-30 23:59 UTC), Cmp::Lt, day));
        let four_hours = parse_when("4hours", now).unwrap();
        assert_eq!(four_hours, When::At(datetime!(2024-02-08 13:44:38 UTC)));
        assert!(compare_time(now, Cmp::Gt, four_hours));
        assert_eq!(
            parse_when("2days", now),
            Some(When::At(now - Duration::days(2)))
        );
        assert_eq!(
            parse_when("1minute", now),
            Some(When::At(now - Duration::minutes(1)))
        );
        assert_eq!(parse_when("soon", now), None);
        assert_eq!(parse_when("99999999999days", now), None);
        assert_eq!(parse_when("2000000years", now), None);
        let last = parse_when("9999-12-31", now).unwrap();
        assert!(!compare_time(now, Cmp::Gt, last));
    }
}
