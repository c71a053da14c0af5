//! The project's own appspec fixtures (`fixtures/appspec/`): one file per quirk that real
//! CodeDeploy appspecs have, written for this repository so that a plain clone tests every
//! parser behaviour (CRLF line endings, backslash Windows paths, leading-slash locations,
//! YAML 1.1 octal modes, null hooks, template comments, zero or deep indentation, traffic hooks,
//! overlapping permissions, non-EC2 appspecs, malformed YAML). Each file gets its verdict here;
//! the real-world corpus beside the checkout (`corpus.rs`) is an extra check on top.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use liftoff_bundle::{AppSpec, AppSpecOs, FileExistsBehavior, LifecycleEvent};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/appspec");

enum Expect {
    /// Parses; the warnings, joined, contain each fragment (no fragments: no warnings at all).
    Accept(&'static [&'static str]),
    /// Refused with this code; the message contains each fragment.
    Reject(&'static str, &'static [&'static str]),
}

fn verdicts() -> BTreeMap<&'static str, Expect> {
    use Expect::*;
    BTreeMap::from([
        ("linux-two-scripts-one-hook.yml", Accept(&[])),
        ("permissions-recursive-777.yml", Accept(&[])),
        ("document-start-marker.yml", Accept(&[])),
        (
            "zero-indented-sequences.yml",
            Accept(&[
                "destination looks like a file path",
                "/tmp/ledger-version.txt/version.txt",
            ]),
        ),
        (
            "files-entry-mode.yml",
            Accept(&["files[0].mode", "destination looks like a file path"]),
        ),
        ("comments-in-lists.yml", Accept(&[])),
        ("many-scripts-one-event.yml", Accept(&[])),
        ("file-exists-behavior-no-final-newline.yml", Accept(&[])),
        ("leading-slash-locations.yml", Accept(&[])),
        ("deep-indentation.yml", Accept(&[])),
        (
            "traffic-hooks-out-of-order.yml",
            Accept(&[
                "files[0].overwrite",
                "files[1].overwrite",
                "`**/*.py` can never match",
            ]),
        ),
        (
            "overlapping-permissions.yml",
            Accept(&[
                "permissions[0] and permissions[2]",
                "specified more than once",
            ]),
        ),
        ("windows-crlf-backslash.yml", Accept(&[])),
        ("windows-whole-bundle.yml", Accept(&[])),
        (
            "windows-runas.yml",
            Accept(&["runas is ignored on windows", "5 scripts"]),
        ),
        ("windows-template-comments.yml", Accept(&[])),
        (
            "null-hooks.yml",
            Accept(&[
                "line 8: hooks.ApplicationStop: null hook means no scripts",
                "line 16: hooks.ValidateService: null hook means no scripts",
            ]),
        ),
        ("yaml11-octal-modes.yml", Accept(&[])),
        (
            "custom-event.yml",
            Reject(
                "APPSPEC_INVALID",
                &["unknown lifecycle event `MyCustomStep`", "line 8"],
            ),
        ),
        (
            "hook-names-with-spaces.yml",
            Reject(
                "APPSPEC_INVALID",
                &["`Before Install` (line 7)", "`After Install` (line 11)"],
            ),
        ),
        (
            "unquoted-glob-alias.yml",
            Reject(
                "APPSPEC_INVALID",
                &["YAML syntax error", "alias", "line 8", "pattern: \"*.sh\""],
            ),
        ),
        (
            "acls-as-mapping.yml",
            Reject(
                "APPSPEC_INVALID",
                &[
                    "permissions[0].acls",
                    "list of ACE strings",
                    "use mode to set the base acl entry",
                ],
            ),
        ),
        (
            "ecs-service.yml",
            Reject(
                "APPSPEC_UNSUPPORTED",
                &["ECS appspec", "Resources", "TargetService"],
            ),
        ),
        (
            "ec2-ecs-hybrid.yml",
            Reject("APPSPEC_UNSUPPORTED", &["mixes EC2", "ECS", "line 6"]),
        ),
        (
            "lambda-crlf.yml",
            Reject(
                "APPSPEC_UNSUPPORTED",
                &["Lambda appspec", "AWS::Lambda::Function"],
            ),
        ),
        (
            "not-yaml-multibyte-comment.yml",
            Reject("APPSPEC_INVALID", &["YAML syntax error", "line 2"]),
        ),
    ])
}

fn fixture_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(DIR)
        .unwrap_or_else(|e| panic!("the fixtures at {DIR} are part of the repository: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

fn fixture(name: &str) -> AppSpec {
    let text = std::fs::read_to_string(Path::new(DIR).join(name)).unwrap();
    AppSpec::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_fixture_gets_its_verdict() {
    let verdicts = verdicts();
    let files = fixture_files();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    let listed: Vec<&str> = verdicts.keys().copied().collect();
    let mut sorted_names: Vec<&str> = names.iter().map(String::as_str).collect();
    sorted_names.sort_unstable();
    assert_eq!(
        sorted_names, listed,
        "every fixture file has a verdict here, and only those"
    );

    let mut failures = Vec::new();
    for (path, name) in files.iter().zip(&names) {
        let text = String::from_utf8(std::fs::read(path).unwrap()).unwrap();
        let mut fail = |why: String| failures.push(format!("{name}: {why}"));
        match (&verdicts[name.as_str()], AppSpec::parse(&text)) {
            (Expect::Accept(fragments), Ok(spec)) => {
                let warnings = spec.warnings.join("\n");
                if fragments.is_empty() && !spec.warnings.is_empty() {
                    fail(format!("unexpected warnings: {warnings:?}"));
                }
                for f in *fragments {
                    if !warnings.contains(f) {
                        fail(format!("no warning mentions `{f}`; warnings: {warnings:?}"));
                    }
                }
            }
            (Expect::Reject(code, fragments), Err(err)) => {
                if err.code != *code {
                    fail(format!(
                        "code {} instead of {code}: {}",
                        err.code, err.message
                    ));
                }
                for f in *fragments {
                    if !err.message.contains(f) {
                        fail(format!("message does not mention `{f}`: {}", err.message));
                    }
                }
            }
            (Expect::Accept(_), Err(err)) => fail(format!("rejected: {err}")),
            (Expect::Reject(..), Ok(spec)) => fail(format!("accepted: {spec:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "fixture verdicts differ:\n{}",
        failures.join("\n")
    );
}

#[test]
fn line_endings_and_final_newlines_are_kept_as_written() {
    // The fixtures must reach the parser byte for byte (see .gitattributes).
    let raw = |name: &str| std::fs::read(Path::new(DIR).join(name)).unwrap();
    for crlf in ["windows-crlf-backslash.yml", "lambda-crlf.yml"] {
        let bytes = raw(crlf);
        assert!(
            bytes.windows(2).any(|w| w == b"\r\n"),
            "{crlf} lost its CRLF line endings"
        );
    }
    for name in [
        "file-exists-behavior-no-final-newline.yml",
        "leading-slash-locations.yml",
        "lambda-crlf.yml",
    ] {
        assert_ne!(
            raw(name).last(),
            Some(&b'\n'),
            "{name} gained a final newline"
        );
    }
    assert!(
        String::from_utf8(raw("windows-template-comments.yml"))
            .unwrap()
            .lines()
            .any(|l| l.ends_with("   ")),
        "trailing white space in the template comments is part of the fixture"
    );
}

#[test]
fn crlf_windows_appspec_keeps_backslash_paths_and_cannot_run_on_linux() {
    let spec = fixture("windows-crlf-backslash.yml");
    assert_eq!(spec.os, AppSpecOs::Windows);
    assert_eq!(
        spec.files[0].source, "default.htm",
        "a backslash-rooted source is bundle-relative"
    );
    assert_eq!(spec.files[0].destination, "C:\\inetpub\\wwwroot");
    let before = spec.hooks_for(LifecycleEvent::BeforeInstall);
    assert_eq!(before[0].location, "setup-iis.bat");
    assert_eq!(before[0].timeout_secs, 900);
    for name in [
        "windows-crlf-backslash.yml",
        "windows-whole-bundle.yml",
        "windows-runas.yml",
        "windows-template-comments.yml",
    ] {
        let err = fixture(name)
            .check_runnable_on(AppSpecOs::Linux)
            .unwrap_err();
        assert_eq!(err.code, "APPSPEC_OS_UNSUPPORTED", "{name}");
    }
    let spec = fixture("windows-whole-bundle.yml");
    assert!(
        spec.files[0].source_is_bundle_root(),
        "`source: \\` is the whole bundle"
    );
    assert_eq!(
        spec.hooks_for(LifecycleEvent::AfterInstall)[0].location,
        "tools/Start-Billing.ps1"
    );
    let spec = fixture("windows-template-comments.yml");
    assert_eq!(spec.hooks_for(LifecycleEvent::BeforeInstall).len(), 2);
    assert!(
        spec.hooks_for(LifecycleEvent::ApplicationStop).is_empty(),
        "commented-out hooks are not hooks"
    );
    assert!(spec.hooks_for(LifecycleEvent::ValidateService).is_empty());
}

#[test]
fn leading_slash_locations_and_sources_are_bundle_relative() {
    let spec = fixture("leading-slash-locations.yml");
    for event in [LifecycleEvent::BeforeInstall, LifecycleEvent::AfterInstall] {
        assert_eq!(
            spec.hooks_for(event)[0].location,
            ".deploy/prepare.sh",
            "{event:?}"
        );
    }
    assert_eq!(spec.files[0].source, "", "`source: /` is the whole bundle");
    assert!(spec.files[0].source_is_bundle_root());
    assert_eq!(
        fixture("linux-two-scripts-one-hook.yml").files[0].source,
        "site/index.html"
    );
}

#[test]
fn modes_are_read_as_octal_text_whatever_yaml_version_wrote_them() {
    let spec = fixture("yaml11-octal-modes.yml");
    let modes: Vec<(String, u32)> = spec
        .permissions
        .iter()
        .map(|p| p.mode.as_ref().map(|m| (m.text.clone(), m.bits)).unwrap())
        .collect();
    assert_eq!(
        modes,
        [("0644".to_string(), 0o644), ("0755".to_string(), 0o755)]
    );
    let spec = fixture("permissions-recursive-777.yml");
    assert_eq!(spec.permissions[0].mode.as_ref().unwrap().bits, 0o777);
    assert_eq!(spec.permissions[0].pattern, "**");
    let spec = fixture("comments-in-lists.yml");
    assert_eq!(spec.permissions[1].mode.as_ref().unwrap().bits, 0o640);
    assert_eq!(spec.permissions[2].mode.as_ref().unwrap().bits, 0o644);
}

#[test]
fn comments_and_indentation_do_not_change_what_is_read() {
    let spec = fixture("comments-in-lists.yml");
    assert_eq!(
        spec.files.len(),
        4,
        "a commented-out list item is not an item"
    );
    assert_eq!(
        spec.files[0].source, "public",
        "a trailing slash is dropped"
    );
    let spec = fixture("permissions-recursive-777.yml");
    assert!(
        spec.hooks_for(LifecycleEvent::BeforeInstall).is_empty(),
        "commented-out hook"
    );
    assert_eq!(
        spec.hooks_for(LifecycleEvent::ValidateService)[0].timeout_secs,
        1200
    );
    assert_eq!(
        spec.hooks_for(LifecycleEvent::ApplicationStop)[0]
            .runas
            .as_deref(),
        Some("router")
    );
    let spec = fixture("document-start-marker.yml");
    assert_eq!((spec.files.len(), spec.hooks.len()), (4, 5));
    let spec = fixture("deep-indentation.yml");
    assert_eq!(spec.hooks.len(), 5);
    assert_eq!(
        spec.hooks_for(LifecycleEvent::ValidateService)[0].location,
        "ci/validate"
    );
    let spec = fixture("zero-indented-sequences.yml");
    assert_eq!(spec.files.len(), 2);
    assert_eq!(
        spec.hooks_for(LifecycleEvent::AfterInstall)[0].timeout_secs,
        30
    );
    let spec = fixture("files-entry-mode.yml");
    assert_eq!(
        spec.hooks_for(LifecycleEvent::ApplicationStart)[0]
            .runas
            .as_deref(),
        Some("relay")
    );
}

#[test]
fn null_hooks_run_nothing_and_the_others_still_run() {
    let spec = fixture("null-hooks.yml");
    assert!(spec.hooks_for(LifecycleEvent::ApplicationStop).is_empty());
    assert!(spec.hooks_for(LifecycleEvent::ValidateService).is_empty());
    assert_eq!(spec.hooks_for(LifecycleEvent::BeforeInstall).len(), 2);
}

#[test]
fn defaults_timeouts_and_file_exists_behavior_follow_the_agent() {
    let spec = fixture("file-exists-behavior-no-final-newline.yml");
    assert_eq!(
        spec.file_exists_behavior,
        Some(FileExistsBehavior::Overwrite)
    );
    let before = spec.hooks_for(LifecycleEvent::BeforeInstall);
    assert_eq!(before.len(), 3);
    assert!(
        before
            .iter()
            .all(|s| s.timeout_secs == 3600 && s.runas.is_none())
    );
    assert_eq!(
        spec.hooks_for(LifecycleEvent::ApplicationStart).len(),
        1,
        "the commented-out item"
    );
    let spec = fixture("many-scripts-one-event.yml");
    let total: u64 = spec
        .hooks_for(LifecycleEvent::AfterInstall)
        .iter()
        .map(|s| s.timeout_secs)
        .sum();
    assert_eq!(total, 2800);
    assert_eq!(spec.hooks_for(LifecycleEvent::ApplicationStart).len(), 3);
    let spec = fixture("traffic-hooks-out-of-order.yml");
    assert_eq!(spec.hooks.len(), 8);
    assert_eq!(
        spec.hooks_for(LifecycleEvent::BeforeBlockTraffic)[0].location,
        "bin/drain.sh"
    );
    assert_eq!(spec.hooks_for(LifecycleEvent::AfterAllowTraffic).len(), 1);
}
