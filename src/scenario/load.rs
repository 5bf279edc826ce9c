//! Reading a scenario file: YAML with positions, the schema check, then the checks
//! the schema cannot express (what `${...}` may refer to at each step, vendor
//! settings), every problem reported at once.

use std::path::{Path, PathBuf};

use super::diag::{Diagnostic, Diagnostics, Pos, did_you_mean};
use super::interp::{InterpError, Piece, Scope, pieces, root_name};
use super::model::{self, Scenario};
use super::validate::validate;
use super::yaml::{self, Kind, Node};
use crate::config::{FileConfig, Overrides, RunConfig};
use crate::vendors;

/// A scenario ready to run.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file it came from.
    pub path: PathBuf,
    /// Its name: `name:` or the file stem.
    pub name: String,
    /// The parsed scenario.
    pub scenario: Scenario,
    /// The `vendors:` section as written: it is interpolated (fake URLs, `sut`, `env`)
    /// once the listeners are bound, then read as [`Scenario::vendors`] is.
    pub vendors: serde_json::Value,
}

/// Why a scenario file cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file has problems, each with its place.
    #[error("{0}")]
    Invalid(Box<Diagnostics>),
}

/// Reads and checks one scenario file.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(path, &text)
}

/// Checks scenario text; `path` names it in diagnostics and gives the default name.
pub fn parse(path: &Path, text: &str) -> Result<Loaded, LoadError> {
    let invalid = |items| LoadError::Invalid(Box::new(Diagnostics::new(path, text, items)));
    let (node, mut problems) = yaml::parse(text).map_err(invalid)?;
    problems.extend(validate(&node, &model::schema()));
    problems.extend(references(&node));
    if let Some(ready) = node.get("sut").and_then(|s| s.get("ready"))
        && matches!(ready.kind, Kind::Map(_))
        && ready.get("http").is_some() == ready.get("tcp").is_some()
    {
        let at = node
            .get("sut")
            .and_then(|s| s.key("ready"))
            .map_or(node.pos, |k| k.pos);
        problems.push(
            Diagnostic::new(at, "`ready` needs exactly one of `http` and `tcp`")
                .hint("e.g. `ready: {http: \"${sut.url}/health\"}`"),
        );
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let scenario: Scenario = serde_json::from_value(node.to_json()).map_err(|e| {
        invalid(vec![Diagnostic::new(
            Pos {
                line: 1,
                col: 1,
                len: 1,
            },
            format!("cannot read the scenario: {e}"),
        )])
    })?;
    let mut problems = Vec::new();
    if let Err(e) = check_vendor_settings(node.get("vendors")) {
        let at = node.key("vendors").map_or(node.pos, |k| k.pos);
        problems.push(Diagnostic::new(at, format!("vendor settings: {e}")));
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let name = scenario.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    Ok(Loaded {
        path: path.to_owned(),
        name,
        scenario,
        vendors: node
            .get("vendors")
            .map_or(serde_json::Value::Null, Node::to_json),
    })
}

/// Builds the vendors from their settings as a run would, with stand-in URLs for the
/// fakes and the SUT (the real ones exist only once the run binds them).
fn check_vendor_settings(vendors: Option<&Node>) -> Result<(), SettingsProblem> {
    let Some(vendors) = vendors else {
        return Ok(());
    };
    let stand_in = serde_json::json!({"url": "http://127.0.0.1:1", "port": 1});
    let mut scope = Scope::new();
    scope.keep_unknown = true;
    scope.set("sut", stand_in.clone());
    scope.set(
        "fakedesk",
        serde_json::Value::Object(
            vendors::names()
                .into_iter()
                .chain(["control"])
                .map(|n| (n.to_owned(), stand_in.clone()))
                .collect(),
        ),
    );
    let value = scope.value(&vendors.to_json())?;
    let vendors = serde_json::from_value(value)?;
    let file = FileConfig {
        vendors,
        ..FileConfig::default()
    };
    RunConfig::build(file, &Overrides::default())?;
    Ok(())
}

/// Why a scenario's `vendors:` section cannot configure the fakes.
#[derive(Debug, thiserror::Error)]
enum SettingsProblem {
    #[error(transparent)]
    Interp(#[from] InterpError),
    #[error(transparent)]
    Shape(#[from] serde_json::Error),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

/// Checks every `${...}`: it must be closed, and name something defined by then:
/// `fakedesk`, `env`, `sut` (with a SUT), or a capture (`as:`) of an earlier step.
fn references(root: &Node) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut defined: Vec<String> = vec!["fakedesk".into(), "env".into()];
    if root.get("sut").is_some() {
        defined.push("sut".into());
    }
    if let Some(sut) = root.get("sut") {
        check_strings(sut, &defined, "the SUT", &mut out, false);
    }
    if let Some(vendors) = root.get("vendors") {
        // Other names are the vendors' own template variables (`${first_name}`).
        check_strings(vendors, &defined, "the vendor settings", &mut out, true);
    }
    let Some(Kind::Seq(steps)) = root.get("steps").map(|s| &s.kind) else {
        return out;
    };
    for (i, step) in steps.iter().enumerate() {
        check_strings(step, &defined, &format!("step {}", i + 1), &mut out, false);
        if let Some(name) = step.get("as").and_then(Node::as_str) {
            defined.push(name.to_owned());
        }
    }
    out
}

fn check_strings(
    node: &Node,
    defined: &[String],
    at: &str,
    out: &mut Vec<Diagnostic>,
    keep_unknown: bool,
) {
    let vendor_names = vendors::names();
    for (s, pos) in node.strings() {
        let ps = match pieces(s) {
            Ok(ps) => ps,
            Err(e) => {
                out.push(
                    Diagnostic::new(pos, e.to_string())
                        .hint("close it with `}`, or write `$${` for a literal `${`"),
                );
                continue;
            }
        };
        for p in ps {
            let Piece::Expr(expr, _) = p else { continue };
            if expr.contains(":-") {
                continue;
            }
            let root = root_name(expr);
            if !defined.iter().any(|d| d == root) {
                if keep_unknown {
                    continue;
                }
                let hint = did_you_mean(root, defined.iter().map(String::as_str)).map_or_else(
                    || {
                        format!(
                            "defined here: {}; a step's `as:` defines a name for the steps after it",
                            defined.join(", ")
                        )
                    },
                    |m| format!("did you mean `{m}`?"),
                );
                out.push(
                    Diagnostic::new(
                        pos,
                        format!(
                            "`${{{expr}}}` in {at} refers to `{root}`, which is not defined there"
                        ),
                    )
                    .hint(hint),
                );
                continue;
            }
            if root == "fakedesk" {
                out.extend(unknown_fake(expr, pos, &vendor_names));
            }
        }
    }
}

/// `${fakedesk.<name>...}` naming neither a registered vendor nor `control`.
fn unknown_fake(expr: &str, pos: Pos, vendor_names: &[&str]) -> Option<Diagnostic> {
    let vendor = expr.split('.').nth(1).unwrap_or_default();
    if vendor == "control" || vendor_names.contains(&vendor) {
        return None;
    }
    let hint = did_you_mean(vendor, vendor_names.iter().copied().chain(["control"])).map_or_else(
        || format!("known: {}, control", vendor_names.join(", ")),
        |m| format!("did you mean `{m}`?"),
    );
    Some(Diagnostic::new(pos, format!("`${{{expr}}}`: unknown vendor `{vendor}`")).hint(hint))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        match parse(Path::new("t.yaml"), text) {
            Ok(_) => Vec::new(),
            Err(LoadError::Invalid(d)) => d
                .items
                .iter()
                .map(|d| format!("{}:{} {}", d.pos.line, d.pos.col, d.message))
                .collect(),
            Err(e) => vec![e.to_string()],
        }
    }

    #[test]
    fn captures_are_defined_only_after_their_step() {
        let v = crate::vendors::names()[0];
        let p = problems(&format!(
            "steps:\n  - call: {v}\n    path: /items/${{t.body.id}}\n  - call: {v}\n    path: /x\n    as: t\n  - call: {v}\n    path: /items/${{t.body.id}}\n",
        ));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("3:11 `${t.body.id}` in step 1 refers to `t`"),
            "{p:?}"
        );
    }

    #[test]
    fn fake_urls_name_real_vendors() {
        let p = problems("steps:\n  - wait: 1ms\n    name: \"${fakedesk.zendsk.url}\"\n");
        assert_eq!(
            p,
            ["3:11 `${fakedesk.zendsk.url}`: unknown vendor `zendsk`"]
        );
    }

    #[test]
    fn ready_needs_one_probe_and_the_name_defaults_to_the_file_stem() {
        let p = problems("sut:\n  command: x\n  ready: {timeout: 1s}\nsteps: []\n");
        assert_eq!(p, ["3:3 `ready` needs exactly one of `http` and `tcp`"]);
        let ok = parse(Path::new("dir/my-flow.yaml"), "steps: []\n").unwrap();
        assert_eq!(ok.name, "my-flow");
    }
}
