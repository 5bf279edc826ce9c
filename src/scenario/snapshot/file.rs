//! The `.snap` files: insta's format, the comparison, and the diff shown on a
//! mismatch.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The result of [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The snapshot exists and matches.
    Matched,
    /// The snapshot was created or updated (with `update`).
    Written,
    /// There was no snapshot; the content is pending review at `pending`.
    New {
        /// The `.snap.new` file written.
        pending: PathBuf,
    },
    /// The snapshot differs; the content is pending review at `pending`.
    Mismatch {
        /// Unified line diff, old (`-`) to new (`+`), without colours.
        diff: String,
        /// The `.snap.new` file written.
        pending: PathBuf,
    },
}

/// The pending file insta's tools look for: `snap` + `.new`.
pub fn pending_path(snap: &Path) -> PathBuf {
    let mut s: OsString = snap.as_os_str().to_owned();
    s.push(".new");
    PathBuf::from(s)
}

/// Compares `content` with the snapshot at `snap`; on a difference writes `snap` +
/// `.new` (insta's pending file) unless `update`, in which case it writes the `.snap`
/// itself. A stale `.snap.new` is removed when the content matches (or is written).
/// `source` is the scenario file name as shown in the header.
pub fn check(snap: &Path, source: &str, content: &str, update: bool) -> io::Result<Checked> {
    let pending = pending_path(snap);
    let old = match fs::read(snap) {
        Ok(bytes) => Some(contents_of(&String::from_utf8_lossy(&bytes))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    let new = normalize(content);
    if old.as_deref() == Some(new.as_str()) {
        remove_if_present(&pending)?;
        return Ok(Checked::Matched);
    }
    let file = render_file(source, &new);
    if update {
        write(snap, &file)?;
        remove_if_present(&pending)?;
        return Ok(Checked::Written);
    }
    write(&pending, &file)?;
    Ok(match old {
        None => Checked::New { pending },
        Some(old) => Checked::Mismatch {
            diff: unified_diff(&old, &new),
            pending,
        },
    })
}

pub(super) fn write(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    fs::write(path, text)
}

pub(super) fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Line endings made `\n`, trailing whitespace of the whole text dropped (as insta).
pub(super) fn normalize(text: &str) -> String {
    text.lines()
        .collect::<Vec<_>>()
        .join("\n")
        .trim_end()
        .to_owned()
}

/// A snapshot file's contents without its header, read as insta reads it: a YAML
/// header between `---` lines, or (legacy) header lines up to the first blank line.
pub(super) fn contents_of(file: &str) -> String {
    let mut lines = file.lines();
    match lines.next() {
        Some(first) if first.trim_end() == "---" => {
            for line in lines.by_ref() {
                if line.trim_end() == "---" {
                    break;
                }
            }
        }
        Some(_) => {
            for line in lines.by_ref() {
                if line.trim_end().is_empty() {
                    break;
                }
            }
        }
        None => {}
    }
    normalize(&lines.collect::<Vec<_>>().join("\n"))
}

/// The file insta would write for a text snapshot with this metadata.
pub(super) fn render_file(source: &str, contents: &str) -> String {
    format!(
        "---\nsource: {}\nexpression: traffic\n---\n{contents}\n",
        yaml_scalar(source)
    )
}

/// A YAML scalar, quoted when insta's emitter would quote it.
pub(super) fn yaml_scalar(s: &str) -> String {
    const WORDS: &[&str] = &[
        "yes", "Yes", "YES", "no", "No", "NO", "True", "TRUE", "true", "False", "FALSE", "false",
        "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~",
    ];
    let needs_quotes = s.is_empty()
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with(['&', '*', '?', '|', '-', '<', '>', '=', '!', '%', '@', '.'])
        || s.contains(|c: char| {
            matches!(
                c,
                ':' | '{' | '}' | '[' | ']' | ',' | '#' | '`' | '"' | '\'' | '\\'
            ) || c.is_control()
        })
        || WORDS.contains(&s)
        || s.starts_with("0x")
        || s.parse::<i64>().is_ok()
        || s.parse::<f64>().is_ok();
    if needs_quotes {
        // JSON strings are YAML double-quoted scalars.
        serde_json::to_string(s).unwrap_or_default()
    } else {
        s.to_owned()
    }
}

/// A unified diff of two normalized texts, with 3 lines of context and hunk headers
/// naming the nearest heading line above (as `git diff` names the function).
pub(super) fn unified_diff(old: &str, new: &str) -> String {
    let old_text = format!("{old}\n");
    let new_text = format!("{new}\n");
    let diff = similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .timeout(Duration::from_secs(2))
        .diff_lines(&old_text, &new_text);
    let old_lines: Vec<&str> = old.lines().collect();
    let mut out = String::new();
    for group in diff.grouped_ops(3) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        out.push_str(&format!(
            "@@ -{} +{} @@",
            hunk_range(&old_range),
            hunk_range(&new_range)
        ));
        if let Some(heading) = heading_at(&old_lines, old_range.start) {
            out.push(' ');
            out.push_str(heading);
        }
        out.push('\n');
        for op in &group {
            for change in diff.iter_changes(op) {
                out.push(match change.tag() {
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                    similar::ChangeTag::Equal => ' ',
                });
                out.push_str(change.value().trim_end_matches('\n'));
                out.push('\n');
            }
        }
    }
    out
}

pub(super) fn hunk_range(r: &std::ops::Range<usize>) -> String {
    match r.len() {
        0 => format!("{},0", r.start),
        1 => format!("{}", r.start + 1),
        n => format!("{},{n}", r.start + 1),
    }
}

/// The nearest line at or above `index` that starts a block: not blank, not indented,
/// not a brace.
pub(super) fn heading_at<'a>(lines: &[&'a str], index: usize) -> Option<&'a str> {
    let end = (index + 1).min(lines.len());
    lines[..end]
        .iter()
        .rev()
        .find(|l| !l.is_empty() && !l.starts_with([' ', '\t', '{', '}']))
        .copied()
}
