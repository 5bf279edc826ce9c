//! Snapshot files: the pending file, matching, `update`, and what insta reads and
//! writes of them.

use std::fs;
use std::path::PathBuf;

use super::super::file::*;
use super::super::traffic;
use super::{entry, redactor, ticket_create, webhook_delivery};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fakedesk-snapshot-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_goes_new_then_matched_then_mismatch_then_written() {
    let dir = temp_dir("cycle");
    let snap = dir.join("ticket-lifecycle.snap");
    let pending = dir.join("ticket-lifecycle.snap.new");
    let source = "scenarios/ticket-lifecycle.yaml";
    let v1 = "=== 1 a\n{\n  \"x\": 1\n}\n";

    // No snapshot: a pending file, nothing else.
    assert_eq!(
        check(&snap, source, v1, false).unwrap(),
        Checked::New {
            pending: pending.clone()
        }
    );
    assert!(!snap.exists());
    let written = fs::read_to_string(&pending).unwrap();
    assert_eq!(
        written,
        "---\nsource: scenarios/ticket-lifecycle.yaml\nexpression: traffic\n---\n=== 1 a\n{\n  \"x\": 1\n}\n"
    );

    // Accepting it as `cargo insta review` does: the pending file becomes the .snap.
    fs::rename(&pending, &snap).unwrap();
    assert_eq!(check(&snap, source, v1, false).unwrap(), Checked::Matched);

    // A change: a diff and a pending file.
    let v2 = "=== 1 a\n{\n  \"x\": 2\n}\n";
    let Checked::Mismatch { diff, pending: p } = check(&snap, source, v2, false).unwrap() else {
        panic!("expected a mismatch");
    };
    assert_eq!(p, pending);
    assert_eq!(
        diff,
        "@@ -1,4 +1,4 @@ === 1 a\n === 1 a\n {\n-  \"x\": 1\n+  \"x\": 2\n }\n"
    );
    assert!(pending.exists());

    // Back to the old content: matched, and the stale pending file is gone.
    assert_eq!(check(&snap, source, v1, false).unwrap(), Checked::Matched);
    assert!(!pending.exists());

    // update=true writes the .snap itself, and the result matches.
    check(&snap, source, v2, false).unwrap();
    assert_eq!(check(&snap, source, v2, true).unwrap(), Checked::Written);
    assert!(!pending.exists());
    assert_eq!(check(&snap, source, v2, false).unwrap(), Checked::Matched);
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn update_creates_a_missing_snapshot_that_round_trips() {
    let dir = temp_dir("update");
    let snap = dir.join("nested").join("x.snap");
    let content = traffic(
        &[entry(1, ticket_create()), entry(2, webhook_delivery())],
        &mut redactor(),
    );
    assert_eq!(
        check(&snap, "x: y.yaml", &content, true).unwrap(),
        Checked::Written
    );
    let file = fs::read_to_string(&snap).unwrap();
    assert!(file.starts_with("---\nsource: \"x: y.yaml\"\nexpression: traffic\n---\n=== 1 "));
    assert_eq!(
        check(&snap, "x: y.yaml", &content, false).unwrap(),
        Checked::Matched
    );
    // Trailing whitespace and CRLF line ends do not matter.
    let crlf = format!("{}\r\n\r\n", content.replace('\n', "\r\n"));
    assert_eq!(
        check(&snap, "other", &crlf, false).unwrap(),
        Checked::Matched
    );
    assert!(!pending_path(&snap).exists());
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn insta_reads_our_pending_files_and_accepting_them_round_trips() {
    let dir = temp_dir("insta");
    let snap = dir.join("flow.snap");
    let content = traffic(
        &[entry(1, ticket_create()), entry(2, webhook_delivery())],
        &mut redactor(),
    );
    let source = "scenarios/flow: two.yaml";
    let Checked::New { pending } = check(&snap, source, &content, false).unwrap() else {
        panic!("expected a new snapshot");
    };
    let new = insta::Snapshot::from_file(&pending).unwrap();
    assert_eq!(new.metadata().source(), Some(source));
    assert_eq!(new.metadata().expression(), Some("traffic"));
    assert_eq!(
        new.as_text().unwrap().to_string(),
        content.trim_end(),
        "insta sees the same contents"
    );
    // What `cargo insta accept` does: load the pending file, save it as the .snap,
    // remove the pending file.
    new.save(&snap).unwrap();
    fs::remove_file(&pending).unwrap();
    assert_eq!(
        fs::read_to_string(&snap).unwrap(),
        render_file(source, content.trim_end()),
        "insta writes the file byte for byte as we do"
    );
    assert_eq!(
        check(&snap, source, &content, false).unwrap(),
        Checked::Matched
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_header_is_ignored_as_insta_ignores_it() {
    assert_eq!(
        contents_of("---\nsource: a\nassertion_line: 3\nexpression: b\n---\nx\n  y  \n\n"),
        "x\n  y"
    );
    assert_eq!(contents_of("source: a\nexpression: b\n\nx\n"), "x");
    assert_eq!(contents_of(""), "");
}

#[test]
fn sources_are_quoted_when_yaml_needs_it() {
    assert_eq!(yaml_scalar("scenarios/a.yaml"), "scenarios/a.yaml");
    assert_eq!(yaml_scalar("a: b"), "\"a: b\"");
    assert_eq!(yaml_scalar("-x"), "\"-x\"");
    assert_eq!(yaml_scalar("12"), "\"12\"");
    assert_eq!(yaml_scalar("x\ny"), "\"x\\ny\"");
}
