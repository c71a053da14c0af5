//! Every real appspec in the shared corpus gets the verdict its SOURCES.md row names: accept,
//! accept with the named warning, or reject with a message naming the cause.
//!
//! The corpus is not part of the repository: it lives beside the checkout
//! (`../shared/corpus/appspec`) or wherever `LIFTOFF_APPSPEC_CORPUS` names. Where it is missing
//! (a user's plain clone) each test says so on one line and checks nothing more; the project's
//! own fixtures (`fixtures.rs`) cover every parser behaviour without it. With
//! `LIFTOFF_REQUIRE_APPSPEC_CORPUS=1` (set by `.ci/run`) a missing corpus fails instead.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use liftoff_bundle::{AppSpec, AppSpecOs, LifecycleEvent};

const BESIDE_THE_CHECKOUT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/appspec"
);

/// The corpus directory, or `None` (with one visible line saying the test was skipped) when there
/// is none and none is required.
fn corpus_dir(test: &str) -> Option<PathBuf> {
    let named = std::env::var_os("LIFTOFF_APPSPEC_CORPUS").map(PathBuf::from);
    let dir = named
        .clone()
        .unwrap_or_else(|| PathBuf::from(BESIDE_THE_CHECKOUT));
    if dir.is_dir() {
        return Some(dir);
    }
    let required = std::env::var("LIFTOFF_REQUIRE_APPSPEC_CORPUS").is_ok_and(|v| v == "1");
    assert!(
        !required && named.is_none(),
        "the appspec corpus is missing: expected it at {} (LIFTOFF_APPSPEC_CORPUS, or the \
         shared/ directory beside the checkout)",
        dir.display()
    );
    // Written past the test harness's capture, so the skip shows in every run's output.
    let _ = writeln!(
        std::io::stderr(),
        "corpus::{test}: skipped, no real-world appspec corpus at {} (set LIFTOFF_APPSPEC_CORPUS \
         to run it; the fixtures test covers the parser without it)",
        dir.display()
    );
    None
}

/// What this crate must say about one corpus file, on top of the SOURCES.md verdict.
enum Expect {
    /// Parses; the warnings, joined, contain each fragment (no fragments: no warnings at all).
    Accept(&'static [&'static str]),
    /// Refused with this code; the message contains each fragment.
    Reject(&'static str, &'static [&'static str]),
}

fn expectations() -> BTreeMap<&'static str, Expect> {
    use Expect::*;
    BTreeMap::from([
        ("01", Accept(&[])),
        ("02", Accept(&[])),
        ("03", Accept(&[])),
        // Not in SOURCES.md: both entries have the quirk of 05 (a file-like destination, so
        // version.txt lands at /tmp/v1x1-version.txt/version.txt); we report it here too.
        ("04", Accept(&["destination looks like a file path"])),
        (
            "05",
            Accept(&["files[].mode", "destination looks like a file path"]),
        ),
        ("06", Accept(&[])),
        ("07", Accept(&[])),
        ("08", Accept(&[])),
        ("09", Accept(&[])),
        ("10", Accept(&[])),
        (
            "11",
            Accept(&["files[].overwrite", "**/*.py", "can never match"]),
        ),
        // SOURCES.md notes the install-time failure; we warn about it at parse time.
        ("12", Accept(&["specified more than once"])),
        ("13", Accept(&[])),
        ("14", Accept(&[])),
        ("15", Accept(&["runas is ignored on windows"])),
        ("16", Accept(&[])),
        (
            "17",
            Reject(
                "APPSPEC_INVALID",
                &["unknown lifecycle event", "CustomEvent", "line 14"],
            ),
        ),
        (
            "18",
            Accept(&[
                "null hook means no scripts",
                "hooks.ApplicationStop",
                "hooks.ValidateService",
            ]),
        ),
        (
            "19",
            Reject(
                "APPSPEC_INVALID",
                &["YAML syntax error", "alias", "line 40"],
            ),
        ),
        (
            "20",
            Reject(
                "APPSPEC_INVALID",
                &[
                    "unknown lifecycle events",
                    "Before Install",
                    "After Install",
                    "line 11",
                ],
            ),
        ),
        (
            "21",
            Reject(
                "APPSPEC_INVALID",
                &["permissions[0].acls", "list of ACE strings"],
            ),
        ),
        (
            "22",
            Reject(
                "APPSPEC_UNSUPPORTED",
                &["ECS appspec", "Resources", "TargetService"],
            ),
        ),
        (
            "23",
            Reject("APPSPEC_UNSUPPORTED", &["mixes EC2", "ECS", "Resources"]),
        ),
        (
            "24",
            Reject(
                "APPSPEC_UNSUPPORTED",
                &["Lambda appspec", "AWS::Lambda::Function"],
            ),
        ),
        (
            "25",
            Reject("APPSPEC_INVALID", &["YAML syntax error", "line 3"]),
        ),
    ])
}

/// `NN` → the `expected` column of SOURCES.md.
fn sources_verdicts(dir: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(dir.join("SOURCES.md")).expect("SOURCES.md is readable");
    text.lines()
        .filter(|l| l.starts_with("| ") && l.as_bytes().get(2).is_some_and(u8::is_ascii_digit))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            (cells[0].to_string(), cells[cells.len() - 1].to_string())
        })
        .collect()
}

/// Backticked fragments of a verdict clause, without surrounding quotes.
fn backticked(clause: &str) -> Vec<String> {
    clause
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|t| t.trim_matches('"').to_string())
        .collect()
}

fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_file_gets_its_verdict() {
    let Some(dir) = corpus_dir("every_corpus_file_gets_its_verdict") else {
        return;
    };
    let files = corpus_files(&dir);
    let verdicts = sources_verdicts(&dir);
    let expectations = expectations();
    assert_eq!(files.len(), 25, "the corpus should hold 25 appspecs");
    assert_eq!(verdicts.len(), 25, "SOURCES.md should have 25 rows");

    let mut failures = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let nn = &name[..2];
        let verdict = verdicts
            .get(nn)
            .unwrap_or_else(|| panic!("{name} has no SOURCES.md row"));
        let expect = expectations
            .get(nn)
            .unwrap_or_else(|| panic!("{name} has no expectation here"));
        let text = String::from_utf8(std::fs::read(path).unwrap()).unwrap();
        let result = AppSpec::parse(&text);
        let mut fail = |why: String| failures.push(format!("{name}: {why}"));

        match (expect, &result) {
            (Expect::Reject(code, fragments), Err(err)) => {
                if !verdict.starts_with("reject") {
                    fail(format!(
                        "SOURCES.md says `{verdict}` but we expect a rejection"
                    ));
                }
                if err.code != *code {
                    fail(format!(
                        "code {} instead of {code}: {}",
                        err.code, err.message
                    ));
                }
                let clause = verdict.split_once(':').map(|(_, c)| c).unwrap_or_default();
                let wanted = backticked(clause)
                    .into_iter()
                    .chain(fragments.iter().map(|f| f.to_string()));
                for fragment in wanted {
                    if !err.message.contains(&fragment) {
                        fail(format!(
                            "message does not mention `{fragment}`: {}",
                            err.message
                        ));
                    }
                }
            }
            (Expect::Accept(fragments), Ok(spec)) => {
                if !verdict.starts_with("accept") {
                    fail(format!("SOURCES.md says `{verdict}` but we accept it"));
                }
                let warnings = spec.warnings.join("\n");
                let warn_clause = verdict.split_once("warn:").map(|(_, c)| c);
                if warn_clause.is_some() && spec.warnings.is_empty() {
                    fail("SOURCES.md names a warning but there is none".to_string());
                }
                let wanted = backticked(warn_clause.unwrap_or_default())
                    .into_iter()
                    .chain(fragments.iter().map(|f| f.to_string()));
                for fragment in wanted {
                    if !warnings.contains(&fragment) {
                        fail(format!(
                            "no warning mentions `{fragment}`; warnings: {warnings:?}"
                        ));
                    }
                }
                if fragments.is_empty() && warn_clause.is_none() && !spec.warnings.is_empty() {
                    fail(format!("unexpected warnings: {warnings:?}"));
                }
            }
            (Expect::Reject(..), Ok(spec)) => {
                fail(format!("accepted, expected a rejection: {spec:?}"))
            }
            (Expect::Accept(_), Err(err)) => fail(format!("rejected: {err}")),
        }
    }
    assert!(
        failures.is_empty(),
        "corpus verdicts differ:\n{}",
        failures.join("\n")
    );
}

fn corpus_spec(dir: &Path, prefix: &str) -> AppSpec {
    let path = corpus_files(dir)
        .into_iter()
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap();
    AppSpec::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn leading_slash_locations_are_bundle_relative() {
    let Some(dir) = corpus_dir("leading_slash_locations_are_bundle_relative") else {
        return;
    };
    let corpus_spec = |prefix: &str| corpus_spec(&dir, prefix);
    let spec = corpus_spec("09");
    let before = spec.hooks_for(LifecycleEvent::BeforeInstall);
    assert_eq!(before[0].location, ".codedeploy/before_install.sh");
    assert_eq!(
        spec.hooks_for(LifecycleEvent::AfterInstall)[0].location,
        ".codedeploy/before_install.sh"
    );
    assert_eq!(spec.files[0].source, "", "`source: /` is the whole bundle");
    assert!(spec.files[0].source_is_bundle_root());
}

#[test]
fn windows_appspecs_parse_but_cannot_run_on_linux() {
    let Some(dir) = corpus_dir("windows_appspecs_parse_but_cannot_run_on_linux") else {
        return;
    };
    let corpus_spec = |prefix: &str| corpus_spec(&dir, prefix);
    for prefix in ["13", "14", "15", "16"] {
        let spec = corpus_spec(prefix);
        assert_eq!(spec.os, AppSpecOs::Windows);
        let err = spec.check_runnable_on(AppSpecOs::Linux).unwrap_err();
        assert_eq!(err.code, "APPSPEC_OS_UNSUPPORTED");
    }
    let spec = corpus_spec("13");
    assert_eq!(spec.files[0].source, "index.html");
    assert_eq!(spec.files[0].destination, "C:\\inetpub\\wwwroot");
    assert_eq!(
        spec.hooks_for(LifecycleEvent::BeforeInstall)[0].location,
        "before-install.bat"
    );
    assert_eq!(
        spec.hooks_for(LifecycleEvent::BeforeInstall)[0].timeout_secs,
        900
    );
    assert_eq!(
        corpus_spec("14").hooks_for(LifecycleEvent::AfterInstall)[0].location,
        "deploy/AfterInstall.ps1"
    );
}

#[test]
fn modes_keep_their_octal_reading() {
    let Some(dir) = corpus_dir("modes_keep_their_octal_reading") else {
        return;
    };
    let corpus_spec = |prefix: &str| corpus_spec(&dir, prefix);
    let spec = corpus_spec("02");
    let mode = spec.permissions[0].mode.as_ref().unwrap();
    assert_eq!((mode.text.as_str(), mode.bits), ("777", 0o777));
    let spec = corpus_spec("06");
    assert_eq!(spec.permissions[1].mode.as_ref().unwrap().bits, 0o644);
}

#[test]
fn defaults_and_event_sums_follow_the_agent() {
    let Some(dir) = corpus_dir("defaults_and_event_sums_follow_the_agent") else {
        return;
    };
    let corpus_spec = |prefix: &str| corpus_spec(&dir, prefix);
    let spec = corpus_spec("08");
    let before = spec.hooks_for(LifecycleEvent::BeforeInstall);
    assert_eq!(before.len(), 3);
    assert!(
        before
            .iter()
            .all(|s| s.timeout_secs == 3600 && s.runas.is_none())
    );
    assert_eq!(
        spec.file_exists_behavior,
        Some(liftoff_bundle::FileExistsBehavior::Overwrite)
    );
    let spec = corpus_spec("07");
    let total: u64 = spec
        .hooks_for(LifecycleEvent::AfterInstall)
        .iter()
        .map(|s| s.timeout_secs)
        .sum();
    assert_eq!(total, 2800);
    let spec = corpus_spec("11");
    assert_eq!(spec.hooks_for(LifecycleEvent::BeforeAllowTraffic).len(), 1);
    assert_eq!(spec.hooks.len(), 8);
}
