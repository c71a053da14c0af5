//! `liftoff local`: a bundle's lifecycle on this machine with the agent's code, no control
//! plane. Bundles are made the way users make them (`zip -r` of a folder, a folder with a
//! script lacking `#!` and its exec bit); every appspec fixture (and the real-world corpus
//! beside the checkout, when it is there) runs with stub scripts, or is refused with the
//! parser's own message.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use liftoff_bundle::{AppSpec, AppSpecOs};
use serde_json::Value;

/// Runs `liftoff --json …` with `--work-dir` in a temporary directory removed afterwards.
fn liftoff(args: &[&str]) -> (i32, Value, String) {
    let work = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_liftoff"))
        .arg("--json")
        .args(args)
        .arg("--work-dir")
        .arg(work.path().join("work"))
        .output()
        .expect("run liftoff");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(path: &Path, text: &str, mode: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn event<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == name)
        .unwrap_or_else(|| panic!("no {name} in {report}"))
}

/// A web app as a folder: files, a hook that checks its environment, a script without `#!`
/// nor exec bit, and a ValidateService that fails (exit 3, output on stdout and stderr).
fn web_app(dir: &Path, validate_exit: i32) {
    write(
        &dir.join("appspec.yml"),
        "version: 0.0\nos: linux\nfiles:\n  - source: web\n    destination: /opt/web\nhooks:\n  BeforeInstall:\n    - location: scripts/before.sh\n  ApplicationStart:\n    - location: scripts/start\n  ValidateService:\n    - location: scripts/validate.sh\n      timeout: 30\n",
        0o644,
    );
    write(&dir.join("web/index.html"), "hello\n", 0o644);
    write(
        &dir.join("scripts/before.sh"),
        "#!/bin/sh\necho \"before $LIFECYCLE_EVENT $APPLICATION_NAME $DEPLOYMENT_GROUP_NAME\"\n",
        0o755,
    );
    write(
        &dir.join("scripts/start"),
        "test -f \"$LIFTOFF_INSTALL_ROOT/opt/web/index.html\" && echo started from sh\n",
        0o644,
    );
    write(
        &dir.join("scripts/validate.sh"),
        &format!(
            "#!/bin/sh\necho validating\necho 'health check refused' >&2\nexit {validate_exit}\n"
        ),
        0o755,
    );
}

#[test]
fn a_zipped_folder_runs_every_event_and_a_failing_hook_fails_the_run_with_its_output() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    web_app(&app, 3);
    // `zip -r app.zip app/`: every entry under one top folder, as users make them.
    let zipped = Command::new("zip")
        .current_dir(tmp.path())
        .args(["-qr", "app.zip", "app"])
        .status()
        .expect("zip");
    assert!(zipped.success());
    let root = tmp.path().join("root");
    let (code, report, stderr) = liftoff(&[
        "local",
        tmp.path().join("app.zip").to_str().unwrap(),
        "--install-root",
        root.to_str().unwrap(),
        "--application",
        "shop",
    ]);
    assert_eq!(code, 1, "{report} {stderr}");
    assert_eq!(report["status"], "Failed");
    assert_eq!(event(&report, "ApplicationStop")["status"], "Skipped");
    assert_eq!(event(&report, "DownloadBundle")["status"], "Succeeded");
    let before = event(&report, "BeforeInstall");
    assert_eq!(before["status"], "Succeeded");
    assert!(
        before["output"]
            .as_str()
            .unwrap()
            .contains("before BeforeInstall shop local")
    );
    assert_eq!(event(&report, "Install")["status"], "Succeeded");
    assert_eq!(
        std::fs::read_to_string(root.join("opt/web/index.html")).unwrap(),
        "hello\n"
    );
    let start = event(&report, "ApplicationStart");
    assert_eq!(start["status"], "Succeeded", "{start}");
    assert!(
        start["output"]
            .as_str()
            .unwrap()
            .contains("started from sh")
    );
    let validate = event(&report, "ValidateService");
    assert_eq!(validate["status"], "Failed");
    assert_eq!(validate["exit_code"], 3);
    assert_eq!(validate["error_code"], "SCRIPT_FAILED");
    let output = validate["output"].as_str().unwrap();
    assert!(output.contains("validating") && output.contains("health check refused"));
    // The script without an exec bit is reported, as at push.
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("scripts/start"), "{warnings}");

    // The human form shows the failing event's exit and output too.
    let human = Command::new(env!("CARGO_BIN_EXE_liftoff"))
        .args(["local", app.to_str().unwrap(), "--install-root"])
        .arg(tmp.path().join("root2"))
        .arg("--work-dir")
        .arg(tmp.path().join("work2"))
        .output()
        .unwrap();
    assert_eq!(human.status.code(), Some(1));
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("ValidateService") && text.contains("exit 3"),
        "{text}"
    );
    assert!(text.contains("| health check refused"), "{text}");
}

#[test]
fn previous_runs_its_application_stop_first_and_events_pick_what_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = (tmp.path().join("v1"), tmp.path().join("v2"));
    web_app(&new, 0);
    write(
        &old.join("appspec.yml"),
        "version: 0.0\nos: linux\nhooks:\n  ApplicationStop:\n    - location: stop.sh\n",
        0o644,
    );
    write(
        &old.join("stop.sh"),
        "#!/bin/sh\necho stopped v1 > \"$LIFTOFF_INSTALL_ROOT/stopped\"\necho stopping v1\n",
        0o755,
    );
    let root = tmp.path().join("root");
    let (code, report, stderr) = liftoff(&[
        "local",
        new.to_str().unwrap(),
        "--previous",
        old.to_str().unwrap(),
        "--install-root",
        root.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{report} {stderr}");
    assert_eq!(report["status"], "Succeeded");
    let stop = event(&report, "ApplicationStop");
    assert_eq!(stop["status"], "Succeeded");
    assert!(stop["output"].as_str().unwrap().contains("stopping v1"));
    assert_eq!(
        std::fs::read_to_string(root.join("stopped")).unwrap(),
        "stopped v1\n"
    );
    assert_eq!(event(&report, "ValidateService")["status"], "Succeeded");

    // Only the events asked for run; the bundle is always unpacked and checked.
    let root2 = tmp.path().join("root2");
    let (code, report, _) = liftoff(&[
        "local",
        new.to_str().unwrap(),
        "--events",
        "BeforeInstall,AfterInstall",
        "--install-root",
        root2.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(event(&report, "DownloadBundle")["status"], "Succeeded");
    assert_eq!(event(&report, "BeforeInstall")["status"], "Succeeded");
    for skipped in ["Install", "ApplicationStart", "ValidateService"] {
        assert_eq!(event(&report, skipped)["status"], "Skipped", "{skipped}");
    }
    assert!(!root2.join("opt/web/index.html").exists());
}

#[test]
fn bad_arguments_and_broken_bundles_exit_non_zero_and_say_why() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, stderr) = liftoff(&["local", "/nonexistent/bundle"]);
    assert_eq!(code, 1);
    let _ = stderr;
    let app = tmp.path().join("app");
    web_app(&app, 0);
    let out = Command::new(env!("CARGO_BIN_EXE_liftoff"))
        .args(["local", app.to_str().unwrap(), "--events", "Deploy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a lifecycle event"));
    // A hook whose script is missing from the bundle: refused before any hook runs.
    std::fs::remove_file(app.join("scripts/before.sh")).unwrap();
    let (code, report, _) = liftoff(&["local", app.to_str().unwrap()]);
    assert_eq!(code, 1);
    let download = event(&report, "DownloadBundle");
    assert_eq!(download["status"], "Failed");
    assert!(
        download["message"]
            .as_str()
            .unwrap()
            .contains("scripts/before.sh"),
        "{download}"
    );
    assert!(
        report["events"].as_array().unwrap().len() == 2,
        "nothing ran after: {report}"
    );
}

/// Builds a bundle for an appspec: a stub script at every hook location and something at
/// every `files` source.
fn stub_bundle(dir: &Path, appspec: &Path, spec: Option<&AppSpec>) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(appspec, dir.join("appspec.yml")).unwrap();
    let Some(spec) = spec else { return };
    for scripts in spec.hooks.values() {
        for s in scripts {
            write(
                &dir.join(&s.location),
                "#!/bin/sh\necho \"stub $LIFECYCLE_EVENT\"\n",
                0o755,
            );
        }
    }
    for f in &spec.files {
        if f.source_is_bundle_root() || f.source.contains('*') || dir.join(&f.source).exists() {
            continue;
        }
        if Path::new(&f.source).extension().is_some() {
            write(&dir.join(&f.source), "stub\n", 0o644);
        } else {
            write(&dir.join(&f.source).join("stub.txt"), "stub\n", 0o644);
        }
    }
}

fn owner_missing(spec: &AppSpec) -> bool {
    spec.permissions.iter().any(|p| {
        p.owner
            .as_deref()
            .is_some_and(|u| nix::unistd::User::from_name(u).ok().flatten().is_none())
            || p.group
                .as_deref()
                .is_some_and(|g| nix::unistd::Group::from_name(g).ok().flatten().is_none())
    })
}

fn runas_missing(spec: &AppSpec) -> bool {
    spec.hooks.values().flatten().any(|s| {
        s.runas
            .as_deref()
            .is_some_and(|u| nix::unistd::User::from_name(u).ok().flatten().is_none())
    })
}

/// Every appspec in `dir`: one that parses runs its whole lifecycle with stub scripts (or is
/// refused for what a Linux host cannot do: a Windows appspec, a run-as user it lacks); one
/// that does not parse fails at DownloadBundle with the parser's message.
fn each_appspec_in(dir: &Path) -> usize {
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    for file in &files {
        let name = file.file_stem().unwrap().to_string_lossy().into_owned();
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        let parsed = AppSpec::parse(&text);
        let bundle = tmp.path().join(&name);
        stub_bundle(&bundle, file, parsed.as_ref().ok());
        let root = tmp.path().join(format!("{name}-root"));
        let mut args = vec!["local", bundle.to_str().unwrap()];
        // Itself as the previous revision, so ApplicationStop runs too.
        let runnable = parsed
            .as_ref()
            .is_ok_and(|s| s.os == AppSpecOs::Linux && !runas_missing(s));
        if runnable {
            args.extend(["--previous", bundle.to_str().unwrap()]);
        }
        args.extend(["--install-root", root.to_str().unwrap()]);
        let (code, report, stderr) = liftoff(&args);
        let download = event(&report, "DownloadBundle");
        match &parsed {
            Err(e) => {
                assert_eq!(code, 1, "{name}: a refused appspec exits 1");
                let message = download["message"].as_str().unwrap_or_default();
                assert!(
                    message.contains(&e.message),
                    "{name}: the parser's message {:?} is not in {message:?}",
                    e.message
                );
            }
            Ok(spec) if spec.os == AppSpecOs::Windows => {
                assert_eq!(code, 1, "{name}");
                assert_eq!(download["error_code"], "APPSPEC_OS_UNSUPPORTED", "{name}");
            }
            Ok(spec) if runas_missing(spec) => {
                assert_eq!(code, 1, "{name}");
                assert_eq!(download["error_code"], "RUNAS_INVALID", "{name}");
            }
            Ok(spec) if owner_missing(spec) => {
                // Installed, then refused where it sets an owner this host lacks.
                assert_eq!(code, 1, "{name}");
                let install = event(&report, "Install");
                assert!(
                    matches!(
                        install["error_code"].as_str(),
                        Some("OWNER_UNKNOWN" | "GROUP_UNKNOWN")
                    ),
                    "{name}: {install}"
                );
            }
            Ok(spec) => {
                assert_eq!(code, 0, "{name}: {report} {stderr}");
                for event_name in spec.hooks.keys() {
                    // Traffic hooks run only where a group manages traffic (not in place).
                    if event_name.is_traffic_event() {
                        continue;
                    }
                    let e = event(&report, event_name.as_str());
                    assert_eq!(e["status"], "Succeeded", "{name}: {e}");
                    let want = format!("stub {}", event_name.as_str());
                    assert!(e["output"].as_str().unwrap().contains(&want), "{name}: {e}");
                }
            }
        }
    }
    files.len()
}

#[test]
fn every_appspec_fixture_runs_with_stub_scripts_or_is_refused_with_the_parsers_message() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/bundle/tests/fixtures/appspec");
    assert!(each_appspec_in(&dir) >= 20);
}

/// The real-world corpus beside the checkout (CI has it; a plain clone does not).
#[test]
fn every_appspec_of_the_real_world_corpus_runs_or_is_refused_when_it_is_there() {
    let dir = std::env::var_os("LIFTOFF_APPSPEC_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/appspec")
        });
    if !dir.is_dir() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: no appspec corpus at {} (set LIFTOFF_APPSPEC_CORPUS)",
            dir.display()
        );
        assert!(
            std::env::var_os("LIFTOFF_REQUIRE_APPSPEC_CORPUS").is_none(),
            "LIFTOFF_REQUIRE_APPSPEC_CORPUS is set and the corpus is missing"
        );
        return;
    }
    assert!(each_appspec_in(&dir) > 0);
}

#[test]
fn hooks_get_traceparent_continuing_the_callers_trace_or_one_of_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    write(
        &app.join("appspec.yml"),
        "version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: scripts/trace.sh\n",
        0o644,
    );
    write(
        &app.join("scripts/trace.sh"),
        "#!/bin/sh\necho \"traceparent=$TRACEPARENT\"\n",
        0o755,
    );
    let run = |inherited: Option<&str>| -> (Value, String) {
        let work = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_liftoff"));
        cmd.args(["--json", "local"])
            .arg(&app)
            .arg("--install-root")
            .arg(tmp.path().join("root"))
            .arg("--work-dir")
            .arg(work.path())
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("TRACEPARENT");
        if let Some(tp) = inherited {
            cmd.env("TRACEPARENT", tp);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let output = event(&report, "AfterInstall")["output"]
            .as_str()
            .unwrap()
            .to_string();
        let tp = output
            .lines()
            .find_map(|l| l.strip_prefix("traceparent="))
            .unwrap_or_else(|| panic!("no TRACEPARENT line: {output}"))
            .to_string();
        (report, tp)
    };

    // Under a caller's trace (a CI job's), the hook continues it.
    let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let (_, tp) = run(Some(caller));
    assert_eq!(tp, caller);

    // With no trace anywhere: W3C, the run's deployment id as the trace id, not sampled.
    let (report, tp) = run(None);
    let parts: Vec<&str> = tp.split('-').collect();
    let deployment = report["deployment_id"].as_str().unwrap().replace('-', "");
    assert_eq!(parts.len(), 4, "{tp}");
    assert_eq!(
        (parts[0], parts[1], parts[3]),
        ("00", deployment.as_str(), "00"),
        "{tp}"
    );
    assert!(
        parts[2].len() == 16 && parts[2].bytes().all(|b| b.is_ascii_hexdigit()),
        "{tp}"
    );
}
