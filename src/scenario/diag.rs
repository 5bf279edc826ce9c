//! Diagnostics for scenario files: where (file, line, column), what, the offending
//! snippet, and a hint. Every problem of a file is collected and shown at once.

use std::fmt;

pub use crate::matching::names::{did_you_mean, one_of};
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_column_snippet_and_hint() {
        let d = Diagnostics::new(
            Path::new("s.yaml"),
            "steps:\n  - cal: acme\n",
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
            text.contains("2 |   - cal: acme\n  |     ^^^\n  = hint: did you mean `call`?"),
            "{text}"
        );
        assert!(text.ends_with("1 problem in s.yaml"), "{text}");
    }
}
