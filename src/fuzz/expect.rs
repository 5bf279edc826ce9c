//! What a receiver's reply must be: `2xx`, `4xx`, `not 5xx`, `200`, `not 500`, or
//! several of those joined with `or` (`2xx or 4xx`). A reply must also come within
//! the timeout; a timeout or a failed connection never satisfies it.

use std::fmt;
use std::str::FromStr;

/// One accepted status or class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    Class { class: u16, negated: bool },
    Status { status: u16, negated: bool },
}

impl Term {
    fn holds(self, status: u16) -> bool {
        match self {
            Self::Class { class, negated } => (status / 100 == class) != negated,
            Self::Status { status: s, negated } => (status == s) != negated,
        }
    }
}

/// The property a reply's status must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    terms: Vec<Term>,
    text: String,
}

impl Expect {
    /// Any 2xx: what the vendors count as delivered.
    pub fn success() -> Self {
        "2xx".parse().expect("2xx parses")
    }

    /// Any 4xx: what a receiver should answer a payload it cannot accept.
    pub fn rejection() -> Self {
        "4xx".parse().expect("4xx parses")
    }

    /// Anything but a 5xx: a receiver survived what it was sent.
    pub fn survival() -> Self {
        "not 5xx".parse().expect("not 5xx parses")
    }

    /// True when `status` satisfies the expectation.
    pub fn holds(&self, status: u16) -> bool {
        self.terms.iter().any(|t| t.holds(status))
    }
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Text that is not a reply expectation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a reply expectation; write e.g. `2xx`, `4xx`, `not 5xx`, `200` or `2xx or 409`"
)]
pub struct BadExpectation(String);

impl FromStr for Expect {
    type Err = BadExpectation;

    fn from_str(s: &str) -> Result<Self, BadExpectation> {
        let mut terms = Vec::new();
        for part in s.split(" or ") {
            let part = part.trim();
            let (negated, rest) = match part.strip_prefix("not ") {
                Some(r) => (true, r.trim()),
                None => (false, part),
            };
            let lower = rest.to_ascii_lowercase();
            let term = if let Some(d) = lower.strip_suffix("xx") {
                match d.parse::<u16>() {
                    Ok(class @ 1..=5) if d.len() == 1 => Term::Class { class, negated },
                    _ => return Err(bad(s)),
                }
            } else {
                match lower.parse::<u16>() {
                    Ok(status @ 100..=599) => Term::Status { status, negated },
                    _ => return Err(bad(s)),
                }
            };
            terms.push(term);
        }
        Ok(Self {
            terms,
            text: s.trim().to_owned(),
        })
    }
}

fn bad(s: &str) -> BadExpectation {
    BadExpectation(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(s: &str) -> Expect {
        s.parse().unwrap()
    }

    #[test]
    fn classes_statuses_negations_and_alternatives() {
        assert!(e("2xx").holds(204) && !e("2xx").holds(301));
        assert!(e("4xx").holds(400) && e("4xx").holds(499) && !e("4xx").holds(500));
        assert!(e("not 5xx").holds(200) && e("not 5xx").holds(422) && !e("not 5xx").holds(503));
        assert!(e("200").holds(200) && !e("200").holds(201));
        assert!(e("not 500").holds(502) && !e("not 500").holds(500));
        assert!(
            e("2xx or 409").holds(409) && e("2xx or 409").holds(202) && !e("2xx or 409").holds(400)
        );
        assert!(e("4XX").holds(404));
    }

    #[test]
    fn nonsense_is_refused_with_examples() {
        for s in ["", "6xx", "xx", "20x", "not", "99", "600", "2xx and 4xx"] {
            let err = s.parse::<Expect>().unwrap_err().to_string();
            assert!(err.contains("not 5xx"), "{s}: {err}");
        }
    }
}
