//! JUnit XML reports, in the shape CI systems (GitHub, GitLab, Jenkins) read.
//!
//! One `<testsuites>` with the totals, one `<testsuite name="fakedesk">`, and one
//! `<testcase>` per scenario: `classname` is the scenario file's path without its
//! extension and with `/` replaced by `.`, `name` the scenario's name, `file` the file,
//! `time` seconds with three decimals. A failed scenario carries `<failure>`, one that
//! could not run `<error>`, each with the first line of the message as `message` and
//! the whole message as text. `<system-out>` holds the step log (`✓`, `✗` or `-`, the
//! step's index, label and milliseconds, a failure's message indented below it) and
//! then, if there is any, the system under test's output.
//!
//! Text is escaped for XML 1.0, and characters XML 1.0 cannot carry at all (control
//! characters other than tab, newline and carriage return, U+FFFE, U+FFFF) are
//! dropped, so the SUT's raw output cannot make the report unreadable; terminal
//! escape sequences (colours) are dropped whole.

use std::fmt::Write as _;
use std::path::{Component, Path};
use std::time::Duration;

use crate::scenario::report::{Outcome, ScenarioReport, StepStatus};

/// The JUnit XML document for a run's `reports`; `total` is the run's wall-clock time.
pub fn render(reports: &[ScenarioReport], total: Duration) -> String {
    let tests = reports.len();
    let failures = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Failed(_)))
        .count();
    let errors = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Error(_)))
        .count();
    let time = seconds(total);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"fakedesk\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time}\">"
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"fakedesk\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{time}\">"
    );
    for r in reports {
        testcase(&mut out, r);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn testcase(out: &mut String, r: &ScenarioReport) {
    let _ = writeln!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"{}\">",
        attr(&classname(&r.file)),
        attr(&r.name),
        attr(&file_name(&r.file)),
        seconds(r.duration),
    );
    let problem = match &r.outcome {
        Outcome::Passed => None,
        Outcome::Failed(message) => Some(("failure", message)),
        Outcome::Error(message) => Some(("error", message)),
    };
    if let Some((element, message)) = problem {
        let first_line = message.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let _ = writeln!(
            out,
            "      <{element} message=\"{}\">{}</{element}>",
            attr(first_line.trim()),
            text(message),
        );
    }
    let log = system_out(r);
    if !log.is_empty() {
        let _ = writeln!(out, "      <system-out>{}</system-out>", text(&log));
    }
    out.push_str("    </testcase>\n");
}

/// The step log, then the SUT's output.
fn system_out(r: &ScenarioReport) -> String {
    let mut log = String::new();
    for step in &r.steps {
        let mark = match step.status {
            StepStatus::Passed => '✓',
            StepStatus::Failed(_) => '✗',
            StepStatus::Skipped => '-',
        };
        let _ = writeln!(
            log,
            "{mark} {}. {} ({} ms)",
            step.index,
            step.label,
            step.duration.as_millis()
        );
        if let StepStatus::Failed(message) = &step.status {
            for line in message.lines() {
                let _ = writeln!(log, "    {line}");
            }
        }
    }
    if !r.sut_output.is_empty() {
        if !log.is_empty() {
            log.push('\n');
        }
        log.push_str("--- system under test output ---\n");
        log.push_str(&r.sut_output);
        if !r.sut_output.ends_with('\n') {
            log.push('\n');
        }
    }
    log
}

/// `scenarios/globex/flow.yaml` → `scenarios.globex.flow`.
fn classname(file: &Path) -> String {
    let stem = file.with_extension("");
    stem.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_owned()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => None,
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The file as CI shows it: `/` separators whatever the platform.
fn file_name(file: &Path) -> String {
    file.to_string_lossy().replace('\\', "/")
}

fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// Whether XML 1.0 can carry `c` at all.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escaped for an attribute value in double quotes; line breaks and tabs as character
/// references so attribute normalization keeps them.
fn attr(s: &str) -> String {
    escape(s, true)
}

/// Escaped for element content.
fn text(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // A terminal escape sequence (colours in the SUT's output): ESC cannot be
            // written in XML 1.0, and its parameters alone would be noise.
            '\u{1b}' if chars.peek() == Some(&'[') => {
                chars.next();
                for p in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&p) {
                        break;
                    }
                }
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A bare carriage return would be read back as a line feed.
            '\r' => out.push_str("&#13;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\'' if in_attribute => out.push_str("&apos;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use quick_xml::Reader;
    use quick_xml::XmlVersion;
    use quick_xml::events::{BytesStart, Event};

    use super::*;
    use crate::scenario::report::StepReport;

    /// An element as a CI system's parser would see it.
    #[derive(Debug, Default)]
    struct Node {
        name: String,
        attrs: BTreeMap<String, String>,
        text: String,
        children: Vec<Self>,
    }

    impl Node {
        fn all(&self, name: &str) -> Vec<&Self> {
            self.children.iter().filter(|c| c.name == name).collect()
        }

        fn one(&self, name: &str) -> &Self {
            let found = self.all(name);
            assert_eq!(found.len(), 1, "one <{name}> in <{}>", self.name);
            found[0]
        }
    }

    fn element(e: &BytesStart<'_>) -> Node {
        let attrs = e
            .attributes()
            .map(|a| {
                let a = a.expect("well-formed attribute");
                (
                    a.key.as_ref().to_owned(),
                    a.normalized_value(XmlVersion::Explicit1_0)
                        .expect("valid attribute value")
                        .into_owned(),
                )
            })
            .collect();
        Node {
            name: e.name().as_ref().to_owned(),
            attrs,
            ..Node::default()
        }
    }

    /// Parses `xml`, panicking unless it is well-formed.
    fn parse(xml: &str) -> Node {
        let mut reader = Reader::from_str(xml);
        let mut stack = vec![Node::default()];
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Decl(_) => {}
                Event::Start(e) => stack.push(element(&e)),
                Event::Empty(e) => stack.last_mut().unwrap().children.push(element(&e)),
                Event::End(_) => {
                    let done = stack.pop().unwrap();
                    stack.last_mut().expect("balanced tags").children.push(done);
                }
                Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let c = if r.is_char_ref() {
                        r.resolve_char_ref().unwrap().expect("a character")
                    } else {
                        match &*r.xml10_content() {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => panic!("undefined entity &{other};"),
                        }
                    };
                    stack.last_mut().unwrap().text.push(c);
                }
                Event::Eof => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(stack.len(), 1, "every element closed");
        stack.pop().unwrap()
    }

    fn step(index: usize, label: &str, status: StepStatus, ms: u64) -> StepReport {
        StepReport {
            index,
            label: label.to_owned(),
            status,
            duration: Duration::from_millis(ms),
        }
    }

    const NAME: &str = "Ticket <lifecycle> & \"quotes\" 'apostrophes' 🎫\u{0}";
    const STEP_FAILURE: &str =
        "expected status 201, got 422\nbody: {\"error\": \"<RecordInvalid>\"}\u{0}";
    const FAILURE: &str = "step 2: expected status 201 & got <422>\nsecond line\twith a tab";
    const ERROR: &str = "could not start the SUT: `./app` not found\u{1b}[0m";

    fn reports() -> Vec<ScenarioReport> {
        vec![
            ScenarioReport {
                file: PathBuf::from("scenarios/ticket-lifecycle.yaml"),
                name: NAME.to_owned(),
                steps: vec![
                    step(
                        1,
                        "call acme POST /api/v2/tickets.json → 201",
                        StepStatus::Passed,
                        12,
                    ),
                    step(2, "expect webhook", StepStatus::Passed, 3),
                ],
                outcome: Outcome::Passed,
                duration: Duration::from_micros(120_400),
                sut_output: String::new(),
            },
            ScenarioReport {
                file: PathBuf::from("scenarios/globex/flow.yml"),
                name: "Globex flow".to_owned(),
                steps: vec![
                    step(1, "call globex POST /users/track", StepStatus::Passed, 5),
                    step(
                        2,
                        "call acme POST /api/v2/tickets.json",
                        StepStatus::Failed(STEP_FAILURE.to_owned()),
                        7,
                    ),
                    step(3, "assert state", StepStatus::Skipped, 0),
                ],
                outcome: Outcome::Failed(FAILURE.to_owned()),
                duration: Duration::from_millis(2_345),
                sut_output: "listening on 127.0.0.1:8088\r\n\u{1b}[32mok\u{1b}[0m <done>"
                    .to_owned(),
            },
            ScenarioReport {
                file: PathBuf::from("./scenarios/sut.yaml"),
                name: "SUT".to_owned(),
                steps: Vec::new(),
                outcome: Outcome::Error(ERROR.to_owned()),
                duration: Duration::ZERO,
                sut_output: String::new(),
            },
        ]
    }

    #[test]
    fn a_passed_a_failed_and_an_errored_scenario() {
        let xml = render(&reports(), Duration::from_millis(3_001));
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        assert!(xml.chars().all(allowed), "only characters XML 1.0 allows");
        let doc = parse(&xml);

        let suites = doc.one("testsuites");
        for (k, v) in [
            ("tests", "3"),
            ("failures", "1"),
            ("errors", "1"),
            ("time", "3.001"),
        ] {
            assert_eq!(suites.attrs[k], v, "testsuites {k}");
        }
        let suite = suites.one("testsuite");
        assert_eq!(suite.attrs["name"], "fakedesk");
        assert_eq!(suite.attrs["tests"], "3");
        assert_eq!(suite.attrs["failures"], "1");
        assert_eq!(suite.attrs["errors"], "1");
        let cases = suite.all("testcase");
        assert_eq!(cases.len(), 3);

        let passed = cases[0];
        assert_eq!(
            passed.attrs["name"], "Ticket <lifecycle> & \"quotes\" 'apostrophes' 🎫",
            "escaped, the NUL dropped"
        );
        assert_eq!(passed.attrs["classname"], "scenarios.ticket-lifecycle");
        assert_eq!(passed.attrs["file"], "scenarios/ticket-lifecycle.yaml");
        assert_eq!(passed.attrs["time"], "0.120");
        assert!(passed.all("failure").is_empty() && passed.all("error").is_empty());
        assert_eq!(
            passed.one("system-out").text,
            "✓ 1. call acme POST /api/v2/tickets.json → 201 (12 ms)\n✓ 2. expect webhook (3 ms)\n"
        );

        let failed = cases[1];
        assert_eq!(failed.attrs["classname"], "scenarios.globex.flow");
        assert_eq!(failed.attrs["time"], "2.345");
        let failure = failed.one("failure");
        assert_eq!(
            failure.attrs["message"],
            "step 2: expected status 201 & got <422>"
        );
        assert_eq!(failure.text, FAILURE);
        assert!(failed.all("error").is_empty());
        assert_eq!(
            failed.one("system-out").text,
            "✓ 1. call globex POST /users/track (5 ms)\n\
             ✗ 2. call acme POST /api/v2/tickets.json (7 ms)\n\
             \x20   expected status 201, got 422\n\
             \x20   body: {\"error\": \"<RecordInvalid>\"}\n\
             - 3. assert state (0 ms)\n\
             \n\
             --- system under test output ---\n\
             listening on 127.0.0.1:8088\r\nok <done>\n"
        );

        let errored = cases[2];
        assert_eq!(errored.attrs["classname"], "scenarios.sut");
        assert_eq!(errored.attrs["file"], "./scenarios/sut.yaml");
        assert_eq!(errored.attrs["time"], "0.000");
        let error = errored.one("error");
        assert_eq!(
            error.attrs["message"],
            "could not start the SUT: `./app` not found"
        );
        assert_eq!(error.text, "could not start the SUT: `./app` not found");
        assert!(errored.all("failure").is_empty());
        assert!(errored.all("system-out").is_empty(), "no steps, no output");
    }

    #[test]
    fn attributes_keep_line_breaks_and_tabs() {
        let mut r = reports().remove(1);
        r.outcome = Outcome::Failed("\n  first\tline\r\nsecond".to_owned());
        r.name = "multi\nline\tname\r".to_owned();
        let doc = parse(&render(&[r], Duration::ZERO));
        let case = doc.one("testsuites").one("testsuite").one("testcase");
        assert_eq!(case.attrs["name"], "multi\nline\tname\r");
        let failure = case.one("failure");
        assert_eq!(failure.attrs["message"], "first\tline");
        assert_eq!(failure.text, "\n  first\tline\r\nsecond");
    }

    #[test]
    fn no_scenarios_is_still_a_report() {
        let doc = parse(&render(&[], Duration::from_millis(5)));
        let suites = doc.one("testsuites");
        assert_eq!(suites.attrs["tests"], "0");
        assert_eq!(suites.attrs["time"], "0.005");
        assert!(suites.one("testsuite").all("testcase").is_empty());
    }
}
