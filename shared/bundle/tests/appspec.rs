//! AppSpec parsing rules beyond the corpus: every refusal names its field or line.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use liftoff_bundle::{AppSpec, AppSpecError, FileExistsBehavior, LifecycleEvent};

const HEAD: &str = "version: 0.0\nos: linux\n";

fn parse(body: &str) -> Result<AppSpec, AppSpecError> {
    AppSpec::parse(&format!("{HEAD}{body}"))
}

#[track_caller]
fn refused(body: &str, code: &str, fragments: &[&str]) -> AppSpecError {
    let err = parse(body).expect_err("expected a refusal");
    assert_eq!(err.code, code, "{}", err.message);
    for f in fragments {
        assert!(err.message.contains(f), "`{f}` not in: {}", err.message);
    }
    err
}

fn hook(event: &str, fields: &str) -> String {
    format!("hooks:\n  {event}:\n    - location: s.sh\n{fields}")
}

#[test]
fn timeouts_default_to_3600_and_are_validated() {
    let spec = parse(&hook("BeforeInstall", "")).unwrap();
    assert_eq!(
        spec.hooks_for(LifecycleEvent::BeforeInstall)[0].timeout_secs,
        3600
    );
    for bad in ["0", "-5", "1.5", "3601", "abc"] {
        refused(
            &hook("BeforeInstall", &format!("      timeout: {bad}\n")),
            "APPSPEC_INVALID",
            &["hooks.BeforeInstall[0].timeout"],
        );
    }
    let quoted = parse(&hook("BeforeInstall", "      timeout: \"30\"\n")).unwrap();
    assert_eq!(
        quoted.hooks_for(LifecycleEvent::BeforeInstall)[0].timeout_secs,
        30
    );
    assert!(quoted.warnings[0].contains("quoted"));
}

#[test]
fn the_timeouts_of_one_event_sum_to_at_most_3600() {
    let body = "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 1800\n    - location: b.sh\n      timeout: 1801\n";
    refused(
        body,
        "APPSPEC_INVALID",
        &["hooks.AfterInstall", "3601", "3600"],
    );
    let body = "hooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 1800\n    - location: b.sh\n      timeout: 1800\n  ValidateService:\n    - location: c.sh\n      timeout: 3600\n";
    assert!(parse(body).is_ok());
}

#[test]
fn hook_locations_stay_inside_the_bundle() {
    let spec = parse("hooks:\n  ApplicationStart:\n    - location: \\scripts\\start.sh\n").unwrap();
    assert_eq!(
        spec.hooks_for(LifecycleEvent::ApplicationStart)[0].location,
        "scripts/start.sh"
    );
    refused(
        "hooks:\n  ApplicationStart:\n    - location: ../../bin/sh\n",
        "APPSPEC_INVALID",
        &["hooks.ApplicationStart[0].location", "outside the bundle"],
    );
    refused(
        "hooks:\n  ApplicationStart:\n    - location: /\n",
        "APPSPEC_INVALID",
        &["bundle root"],
    );
    refused(
        "hooks:\n  ApplicationStart:\n    - timeout: 5\n",
        "APPSPEC_INVALID",
        &["hooks.ApplicationStart[0].location: missing"],
    );
    refused(
        "hooks:\n  ApplicationStart:\n    - start.sh\n",
        "APPSPEC_INVALID",
        &["hooks.ApplicationStart[0]", "mapping"],
    );
    refused(
        "hooks:\n  ApplicationStart:\n    location: start.sh\n",
        "APPSPEC_INVALID",
        &["hooks.ApplicationStart", "list"],
    );
}

#[test]
fn agent_run_and_unknown_events_are_refused() {
    refused(
        &hook("Install", ""),
        "APPSPEC_INVALID",
        &["hooks.Install", "run by the agent", "line 4"],
    );
    refused(
        &hook("DownloadBundle", ""),
        "APPSPEC_INVALID",
        &["DownloadBundle"],
    );
    refused(
        &hook("BeforeELBRemove", ""),
        "APPSPEC_INVALID",
        &["unknown lifecycle event `BeforeELBRemove` (line 4)"],
    );
    let spec = parse(&hook("AfterBlockTraffic", "")).unwrap();
    assert!(LifecycleEvent::AfterBlockTraffic.is_traffic_event());
    assert_eq!(spec.hooks_for(LifecycleEvent::AfterBlockTraffic).len(), 1);
}

#[test]
fn runas_cannot_smuggle_shell_syntax() {
    refused(
        &hook("BeforeInstall", "      runas: \"root; rm -rf /\"\n"),
        "APPSPEC_INVALID",
        &["hooks.BeforeInstall[0].runas"],
    );
    let spec = parse(&hook("BeforeInstall", "      runas: ec2-user\n")).unwrap();
    assert_eq!(
        spec.hooks_for(LifecycleEvent::BeforeInstall)[0]
            .runas
            .as_deref(),
        Some("ec2-user")
    );
}

#[test]
fn modes_are_octal_text() {
    let mode = |m: &str| {
        parse(&format!("permissions:\n  - object: /opt\n    mode: {m}\n"))
            .map(|s| s.permissions[0].mode.clone().unwrap())
    };
    assert_eq!(mode("755").unwrap().bits, 0o755);
    assert_eq!(
        mode("0755").unwrap().bits,
        0o755,
        "YAML 1.2 keeps 0755 as text"
    );
    assert_eq!(mode("\"0644\"").unwrap().text, "0644");
    assert_eq!(mode("44").unwrap().bits, 0o44);
    for bad in ["0o755", "8", "12345", "rwx", "[7]"] {
        let err = mode(bad).unwrap_err();
        assert!(
            err.message.contains("permissions[0].mode"),
            "{bad}: {}",
            err.message
        );
    }
    let spec = parse("permissions:\n  - object: /opt\n    mode: 4755\n").unwrap();
    assert!(spec.warnings[0].contains("setuid"));
}

#[test]
fn permissions_are_validated_like_the_agent() {
    let spec = parse("permissions:\n  - object: /opt/app/\n    acls:\n      - u:alice:rw-\n      - d:g:ops:r-x\n      - m::rx\n    context:\n      name: system_u\n      type: httpd_sys_content_t\n      range: s0-s1:c0.c10,c12\n").unwrap();
    let p = &spec.permissions[0];
    assert_eq!(p.object, "/opt/app");
    assert_eq!(p.pattern, "**");
    assert_eq!(p.acls.len(), 3);
    assert_eq!(
        p.context.as_ref().unwrap().context_type,
        "httpd_sys_content_t"
    );
    assert!(p.selects("/opt/app/x/y") && !p.selects("/opt/app") && !p.selects("/opt/application"));

    refused(
        "permissions:\n  - pattern: \"**\"\n",
        "APPSPEC_INVALID",
        &["permissions[0].object: missing"],
    );
    refused(
        "permissions:\n  - object: opt\n",
        "APPSPEC_INVALID",
        &["absolute"],
    );
    refused(
        "permissions:\n  - object: /opt\n    type: [socket]\n",
        "APPSPEC_INVALID",
        &["permissions[0].type"],
    );
    refused(
        "permissions:\n  - object: /opt\n    acls: [\"user::rwx\"]\n",
        "APPSPEC_INVALID",
        &["permissions[0].acls", "use mode"],
    );
    refused(
        "permissions:\n  - object: /opt\n    acls: [\"u:bob:rwz\"]\n",
        "APPSPEC_INVALID",
        &["invalid character"],
    );
    refused(
        "permissions:\n  - object: /opt\n    context:\n      name: u\n",
        "APPSPEC_INVALID",
        &["permissions[0].context.type"],
    );
    refused(
        "permissions:\n  - object: /opt\n    context:\n      type: t\n      range: s1-s0\n",
        "APPSPEC_INVALID",
        &["range"],
    );
    refused(
        "permissions:\n  - object: /opt\n    owner: \"a b\"\n",
        "APPSPEC_INVALID",
        &["permissions[0].owner"],
    );
    let spec = parse("permissions:\n  - object: /opt\n    type: file\n    except: x.sh\n").unwrap();
    assert_eq!(spec.warnings.len(), 2, "{:?}", spec.warnings);
    let err =
        AppSpec::parse("version: 0.0\nos: windows\npermissions:\n  - object: C:\\x\n").unwrap_err();
    assert!(err.message.contains("only for linux"));
}

#[test]
fn files_are_normalized_and_validated() {
    let spec =
        parse("files:\n  - source: ./app/\n    destination: /var/www/../www/html/\n").unwrap();
    assert_eq!(spec.files[0].source, "app");
    assert_eq!(spec.files[0].destination, "/var/www/html");
    refused(
        "files:\n  - source: ../secrets\n    destination: /x\n",
        "APPSPEC_INVALID",
        &["files[0].source"],
    );
    refused(
        "files:\n  - source: a\n    destination: relative/dir\n",
        "APPSPEC_INVALID",
        &["files[0].destination", "absolute"],
    );
    refused(
        "files:\n  - source: a\n",
        "APPSPEC_INVALID",
        &["files[0].destination: missing"],
    );
    refused(
        "files:\n  source: a\n",
        "APPSPEC_INVALID",
        &["files: must be a list", "line 3"],
    );
}

#[test]
fn top_level_shape_is_checked() {
    for (text, fragment) in [
        ("", "empty"),
        ("- a\n- b\n", "line 1"),
        ("os: linux\n", "version: missing"),
        ("version: 1.0\nos: linux\n", "line 1: version"),
        ("version: 0.0\n", "os: missing"),
        ("version: 0.0\nos: Linux\n", "line 2: os"),
        (
            "version: 0.0\nos: linux\nos: windows\n",
            "YAML syntax error",
        ),
        ("version: 0.0\nos: linux\nfiles: [\n", "line 4"),
        (
            "version: 0.0\nos: linux\nfile_exists_behavior: MERGE\n",
            "file_exists_behavior",
        ),
    ] {
        let err = AppSpec::parse(text).expect_err(text);
        assert_eq!(err.code, "APPSPEC_INVALID");
        assert!(err.message.contains(fragment), "{text:?}: {}", err.message);
        assert!(err.to_string().starts_with("APPSPEC_INVALID: "));
    }
}

#[test]
fn quirks_are_accepted_with_warnings() {
    let spec = AppSpec::parse("\u{feff}version: 0.0\nos: linux\nfile_exists_behavior: overwrite\nextra: 1\nhooks:\nfiles:\n  - source: a\n    destination: /srv/${APP}\n").unwrap();
    assert_eq!(
        spec.file_exists_behavior,
        Some(FileExistsBehavior::Overwrite)
    );
    let all = spec.warnings.join("\n");
    for fragment in [
        "capitals",
        "line 4: unknown top-level key `extra`",
        "hooks: empty section",
        "placeholder",
    ] {
        assert!(all.contains(fragment), "`{fragment}` not in {all}");
    }
    let spec = AppSpec::parse("version: \"0.0\"\nos: linux\n").unwrap();
    assert_eq!(spec.version, "0.0");
    assert_eq!(spec.warnings.len(), 1);
}

#[test]
fn ecs_and_lambda_shapes_are_unsupported() {
    let err = AppSpec::parse("version: 0.0\nHooks:\n  - BeforeInstall: fn\n").unwrap_err();
    assert_eq!(err.code, "APPSPEC_UNSUPPORTED");
    assert!(err.message.contains("Hooks"));
    let err =
        AppSpec::parse("AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n").unwrap_err();
    assert_eq!(err.code, "APPSPEC_UNSUPPORTED");
    assert!(err.message.contains("CloudFormation"));
}
