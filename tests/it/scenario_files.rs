//! Scenario files: diagnostics of broken files, the shipped JSON Schema, and that
//! interpolation and matching never panic.

use std::path::{Path, PathBuf};

use fakedesk::scenario::interp::Scope;
use fakedesk::scenario::load::{self, LoadError};
use fakedesk::scenario::matching::partial;
use proptest::prelude::*;
use serde_json::{Value, json};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The diagnostics of one broken fixture, with the path as a user would type it.
fn diagnostics(name: &str) -> String {
    let full = repo(&format!("fixtures/scenarios/broken/{name}"));
    let text = std::fs::read_to_string(&full).unwrap();
    match load::parse(
        Path::new(&format!("fixtures/scenarios/broken/{name}")),
        &text,
    ) {
        Err(LoadError::Invalid(d)) => d.to_string(),
        Err(e) => panic!("{name}: expected diagnostics, got {e}"),
        Ok(_) => panic!("{name}: a broken scenario loaded"),
    }
}

#[test]
fn misspelled_keys_suggest_the_right_key() {
    insta::assert_snapshot!(diagnostics("misspelled-keys.yaml"));
}

#[test]
fn wrong_types_say_what_was_expected() {
    insta::assert_snapshot!(diagnostics("wrong-types.yaml"));
}

#[test]
fn unknown_vendors_steps_and_actions_are_named() {
    insta::assert_snapshot!(diagnostics("unknown-vendors-and-steps.yaml"));
}

#[test]
fn references_to_undefined_names_are_found_before_running() {
    insta::assert_snapshot!(diagnostics("bad-references.yaml"));
}

#[test]
fn yaml_syntax_errors_point_at_the_place() {
    insta::assert_snapshot!(diagnostics("yaml-syntax.yaml"));
}

#[test]
fn duplicate_keys_and_sut_problems_are_reported_together() {
    insta::assert_snapshot!(diagnostics("duplicates-and-sut.yaml"));
}

#[test]
fn every_broken_fixture_has_a_test() {
    let mut names: Vec<String> = std::fs::read_dir(repo("fixtures/scenarios/broken"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "bad-references.yaml",
            "duplicates-and-sut.yaml",
            "misspelled-keys.yaml",
            "unknown-vendors-and-steps.yaml",
            "wrong-types.yaml",
            "yaml-syntax.yaml"
        ]
    );
}

#[test]
fn every_shipped_scenario_loads() {
    let files = fakedesk::scenario::collect(&[repo("scenarios")]).unwrap();
    assert!(files.len() >= 3, "{files:?}");
    for f in files {
        if let Err(e) = load::load(&f) {
            panic!("{}:\n{e}", f.display());
        }
    }
}

/// The schema file the shipped scenarios point editors at is what `fakedesk schema`
/// prints; regenerate it with `cargo run -- schema > scenario.schema.json`.
#[test]
fn the_committed_schema_is_current() {
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("scenario.schema.json")).unwrap())
            .unwrap();
    assert_eq!(
        committed,
        fakedesk::scenario::model::schema(),
        "scenario.schema.json is stale: run `cargo run -- schema > scenario.schema.json`"
    );
}

/// The JSON Schema accepts the shipped scenarios and rejects a broken one, checked
/// with the schema's own keywords by the same validator editors' servers use.
#[test]
fn the_schema_accepts_good_scenarios_and_rejects_typos() {
    let schema = fakedesk::scenario::model::schema();
    let good = fakedesk::scenario::yaml::parse(
        &std::fs::read_to_string(repo("scenarios/braze-zendesk-flow.yaml")).unwrap(),
    )
    .unwrap()
    .0;
    assert!(fakedesk::scenario::validate::validate(&good, &schema).is_empty());
    let bad = fakedesk::scenario::yaml::parse("steps:\n  - call: zendesk\n    pth: /x\n")
        .unwrap()
        .0;
    assert!(!fakedesk::scenario::validate::validate(&bad, &schema).is_empty());
    // Required and forbidden keys are really in the schema an editor reads.
    let call = &schema["$defs"]["CallStep"];
    assert_eq!(call["additionalProperties"], json!(false));
    assert!(
        call["required"]
            .as_array()
            .unwrap()
            .contains(&json!("call"))
    );
}

/// JSON whose strings and keys are full of `${`, `}`, dots and `:-`.
fn arb_json() -> impl Strategy<Value = Value> {
    crate::common::json_with(
        prop_oneof![".{0,12}", "[a-z$\\{\\}.:\\-0-9]{0,16}"],
        "[a-z$\\{\\}.]{0,6}",
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn interpolation_never_panics(text in ".{0,40}", value in arb_json()) {
        let mut scope = Scope::new();
        scope.set("t", value.clone());
        let _ = scope.string(&text);
        let _ = scope.value(&value);
        scope.keep_unknown = true;
        let _ = scope.value(&json!({ "k": text }));
    }

    #[test]
    fn matching_never_panics_and_a_value_matches_itself(pattern in arb_json(), actual in arb_json()) {
        let _ = partial("", &pattern, Some(&actual));
        let _ = partial("", &pattern, None);
        // Floats that do not survive a round trip aside, everything matches itself.
        prop_assert!(partial("", &actual, Some(&actual)).is_empty(), "{actual}");
    }

    #[test]
    fn loading_arbitrary_text_never_panics(text in "(.|\n){0,200}") {
        let _ = load::parse(Path::new("p.yaml"), &text);
    }
}
