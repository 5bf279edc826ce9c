//! Diagnostics for scenario files: where (file, line, column), what, the offending
//! snippet, and a hint. Every problem of a file is collected and shown at once.

use std::fmt;
use std::path::{Path, PathBuf};

/// A position in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// How many characters to underline (at least 1).
    pub len: usize,
}

/// One problem in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where it is.
    pub pos: Pos,
    /// What is wrong, in one line.
    pub message: String,
    /// What to do about it, if we can tell.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem at `pos`.
    pub fn new(pos: Pos, message: impl Into<String>) -> Self {
        Self {
            pos,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// Every problem of one file, with the text to quote from.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    /// The file, as the user named it.
    pub file: PathBuf,
    /// Its text.
    pub source: String,
    /// The problems, in source order.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Collects `items` for `file`, sorted by position.
    pub fn new(file: &Path, source: &str, mut items: Vec<Diagnostic>) -> Self {
        items.sort_by_key(|d| (d.pos.line, d.pos.col));
        items.dedup();
        Self {
            file: file.to_owned(),
            source: source.to_owned(),
            items,
        }
    }
}

impl fmt::Display for Diagnostics {
    /// Renders like a compiler:
    ///
    /// ```text
    /// error: unknown key `stauts` in a call step
    ///   --> scenarios/lifecycle.yaml:12:5
    ///    |
    /// 12 |     stauts: 201
    ///    |     ^^^^^^
    ///    = hint: did you mean `status`?
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<&str> = self.source.lines().collect();
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "error: {}", d.message)?;
            writeln!(
                f,
                "  --> {}:{}:{}",
                self.file.display(),
                d.pos.line,
                d.pos.col
            )?;
            if let Some(text) = d.pos.line.checked_sub(1).and_then(|l| lines.get(l)) {
                let number = d.pos.line.to_string();
                let pad = " ".repeat(number.len());
                writeln!(f, "{pad} |")?;
                writeln!(f, "{number} | {text}")?;
                let before: String = text
                    .chars()
                    .take(d.pos.col.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let available = text.chars().count().saturating_sub(d.pos.col - 1).max(1);
                let carets = "^".repeat(d.pos.len.clamp(1, available));
                writeln!(f, "{pad} | {before}{carets}")?;
                if let Some(h) = &d.hint {
                    writeln!(f, "{pad} = hint: {h}")?;
                }
            } else if let Some(h) = &d.hint {
                writeln!(f, "   = hint: {h}")?;
            }
        }
        let n = self.items.len();
        write!(
            f,
            "\n{n} problem{} in {}",
            if n == 1 { "" } else { "s" },
            self.file.display()
        )
    }
}

/// Edit distance between two short strings (keys, names), counting a swap of two
/// neighbouring characters as one edit (`nmae` is one edit from `name`).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(1) + usize::from(c.len() > 8))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `` `a`, `b` or `c` ``.
pub fn one_of(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_key_and_strangers_find_nothing() {
        let keys = ["status", "method", "path", "headers", "body"];
        assert_eq!(did_you_mean("stauts", keys), Some("status"));
        assert_eq!(did_you_mean("heders", keys), Some("headers"));
        assert_eq!(did_you_mean("Path", keys), Some("path"));
        assert_eq!(did_you_mean("zebra", keys), None);
        assert_eq!(did_you_mean("nmae", ["name", "seed"]), Some("name"));
        assert_eq!(
            did_you_mean("zendsk", ["zendesk", "braze"]),
            Some("zendesk")
        );
    }

    #[test]
    fn renders_file_line_column_snippet_and_hint() {
        let d = Diagnostics::new(
            Path::new("s.yaml"),
            "steps:\n  - cal: zendesk\n",
            vec![
                Diagnostic::new(
                    Pos {
                        line: 2,
                        col: 5,
                        len: 3,
                    },
                    "unknown step `cal`",
                )
                .hint("did you mean `call`?"),
            ],
        );
        let text = d.to_string();
        assert!(
            text.contains("error: unknown step `cal`\n  --> s.yaml:2:5\n"),
            "{text}"
        );
        assert!(
            text.contains("2 |   - cal: zendesk\n  |     ^^^\n  = hint: did you mean `call`?"),
            "{text}"
        );
        assert!(text.ends_with("1 problem in s.yaml"), "{text}");
    }
}
