//! Running a hook: its environment, working directory and outcome, and the ways it fails to start.

use super::*;
use std::os::unix::fs::PermissionsExt;

#[tokio::test]
async fn succeeds_with_invocation_env_and_bundle_cwd() {
    let bundle = Bundle::new();
    std::fs::write(bundle.path("hook.log"), "earlier hook\n").unwrap();
    let script = bundle.script(
        "after_install.sh",
        "#!/bin/sh\necho \"event=$LIFECYCLE_EVENT id=$DEPLOYMENT_ID\"\necho \"cwd=$(pwd -P)\"\necho warning >&2\n",
    );

    let outcome = run_hook(&bundle.invocation(script)).await;

    assert_eq!(outcome.status, HookStatus::Succeeded, "{outcome:?}");
    assert_eq!(outcome.exit_code, Some(0));
    assert_eq!(outcome.error_code, None);
    assert_eq!(outcome.message, None);
    let cwd = bundle.dir.path().canonicalize().unwrap();
    assert!(
        outcome
            .output_tail
            .contains("event=AfterInstall id=d-TEST123\n"),
        "{outcome:?}"
    );
    assert!(
        outcome
            .output_tail
            .contains(&format!("cwd={}\n", cwd.display())),
        "{outcome:?}"
    );
    assert!(outcome.output_tail.contains("warning\n"), "{outcome:?}");
    assert!(!outcome.output_truncated);
    assert_eq!(outcome.output_bytes, outcome.output_tail.len() as u64);
    assert!(outcome.ended_at >= outcome.started_at);
    let log = bundle.log();
    assert!(
        log.starts_with("earlier hook\n"),
        "the log must be appended to: {log:?}"
    );
    assert_eq!(
        log.len() as u64,
        "earlier hook\n".len() as u64 + outcome.output_bytes
    );
}

#[tokio::test]
async fn environment_is_clean() {
    let bundle = Bundle::new();
    let script = bundle.script("env.sh", "#!/bin/sh\nexec /usr/bin/env\n");

    let outcome = run_hook(&bundle.invocation(script)).await;

    assert_eq!(outcome.status, HookStatus::Succeeded, "{outcome:?}");
    let seen: Vec<(&str, &str)> = outcome
        .output_tail
        .lines()
        .filter_map(|line| line.split_once('='))
        .collect();
    let value = |name: &str| seen.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    assert_eq!(value("PATH"), Some(DEFAULT_PATH));
    assert_eq!(value("LANG"), Some("C.UTF-8"));
    assert_eq!(value("LIFECYCLE_EVENT"), Some("AfterInstall"));
    let me = User::from_uid(geteuid()).unwrap().unwrap();
    assert_eq!(value("USER"), Some(me.name.as_str()));
    assert_eq!(value("LOGNAME"), Some(me.name.as_str()));
    assert_eq!(value("HOME"), me.dir.to_str());
    // The shell itself may add PWD, SHLVL and `_`; nothing may come from the agent's environment.
    let allowed = [
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LIFECYCLE_EVENT",
        "DEPLOYMENT_ID",
        "PWD",
        "SHLVL",
        "_",
        "OLDPWD",
    ];
    for (name, _) in &seen {
        assert!(
            allowed.contains(name),
            "unexpected variable {name} leaked into the hook"
        );
    }
    let leaked: Vec<String> = std::env::vars()
        .map(|(name, _)| name)
        .filter(|name| name.starts_with("CARGO"))
        .collect();
    for name in leaked {
        assert!(
            value(&name).is_none(),
            "{name} of the agent leaked into the hook"
        );
    }
}

#[tokio::test]
async fn invocation_env_overrides_default_path() {
    let bundle = Bundle::new();
    let script = bundle.script("path.sh", "#!/bin/sh\necho \"PATH=$PATH\"\n");
    let mut inv = bundle.invocation(script);
    inv.env
        .push(("PATH".to_owned(), "/opt/app/bin:/usr/bin:/bin".to_owned()));

    let outcome = run_hook(&inv).await;

    assert_eq!(
        outcome.output_tail, "PATH=/opt/app/bin:/usr/bin:/bin\n",
        "{outcome:?}"
    );
}

#[tokio::test]
async fn nonzero_exit_keeps_code_and_tail() {
    let bundle = Bundle::new();
    let script = bundle.script(
        "validate.sh",
        "#!/bin/sh\necho 'checking health'\necho 'health check failed' >&2\nexit 3\n",
    );

    let outcome = run_hook(&bundle.invocation(script)).await;

    assert_eq!(outcome.status, HookStatus::Failed);
    assert_eq!(outcome.exit_code, Some(3));
    assert_eq!(outcome.signal, None);
    assert_eq!(outcome.error_code, Some(error_code::SCRIPT_FAILED));
    assert_eq!(
        outcome.message.as_deref(),
        Some("script exited with code 3")
    );
    assert!(
        outcome.output_tail.contains("checking health\n"),
        "{outcome:?}"
    );
    assert!(
        outcome.output_tail.contains("health check failed\n"),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn script_killed_by_a_signal_fails_without_exit_code() {
    let bundle = Bundle::new();
    let script = bundle.script("suicide.sh", "#!/bin/sh\nkill -KILL $$\n");

    let outcome = run_hook(&bundle.invocation(script)).await;

    assert_eq!(outcome.status, HookStatus::Failed);
    assert_eq!(outcome.exit_code, None);
    assert_eq!(outcome.signal, Some(Signal::SIGKILL as i32));
    assert_eq!(outcome.error_code, Some(error_code::SCRIPT_FAILED));
    assert!(
        outcome
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("SIGKILL"),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn missing_script_is_refused() {
    let bundle = Bundle::new();
    for script in [bundle.path("absent.sh"), bundle.dir.path().to_path_buf()] {
        let outcome = run_hook(&bundle.invocation(script.clone())).await;
        assert_eq!(outcome.status, HookStatus::Failed);
        assert_eq!(
            outcome.error_code,
            Some(error_code::SCRIPT_MISSING),
            "{script:?}: {outcome:?}"
        );
        assert!(outcome.message.is_some());
    }
    let relative = run_hook(&bundle.invocation(PathBuf::from("scripts/start.sh"))).await;
    assert_eq!(relative.error_code, Some(error_code::SCRIPT_MISSING));
}

#[tokio::test]
async fn scripts_without_exec_bit_or_shebang_run_as_codedeploy_runs_them() {
    let bundle = Bundle::new();
    let no_bit = bundle.file("no_bit.sh", "#!/bin/sh\ntouch ran-no-bit\n", 0o644);
    let no_shebang = bundle.script("no_shebang.sh", "touch ran-no-shebang\n");
    let both = bundle.file("both.sh", "touch ran-both\n", 0o600);
    for (script, warnings) in [
        (no_bit, &["made it executable"][..]),
        (no_shebang, &["no #! line; running it with /bin/sh"][..]),
        (
            both,
            &["made it executable", "no #! line; running it with /bin/sh"][..],
        ),
    ] {
        let outcome = run_hook(&bundle.invocation(script.clone())).await;
        assert_eq!(
            outcome.status,
            HookStatus::Succeeded,
            "{script:?}: {outcome:?}"
        );
        for w in warnings {
            assert!(outcome.output_tail.contains(w), "{script:?}: {outcome:?}");
        }
        let mode = std::fs::metadata(&script).unwrap().permissions().mode();
        assert_ne!(mode & 0o111, 0, "{script:?} is executable now");
    }
    for ran in ["ran-no-bit", "ran-no-shebang", "ran-both"] {
        assert!(bundle.path(ran).exists(), "{ran}");
    }
}

#[tokio::test]
async fn missing_interpreter_fails_to_start() {
    let bundle = Bundle::new();
    let script = bundle.script("py.sh", "#!/nonexistent/python9\nprint('hi')\n");

    let outcome = run_hook(&bundle.invocation(script)).await;

    assert_eq!(
        outcome.error_code,
        Some(error_code::SCRIPT_START_FAILED),
        "{outcome:?}"
    );
    assert!(
        outcome
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("/nonexistent/python9")
    );
}

#[tokio::test]
async fn invalid_env_name_fails_to_start() {
    let bundle = Bundle::new();
    let script = bundle.script("ok.sh", "#!/bin/sh\ntouch ran\n");
    let mut inv = bundle.invocation(script);
    inv.env.push(("BAD=NAME".to_owned(), "x".to_owned()));

    let outcome = run_hook(&inv).await;

    assert_eq!(
        outcome.error_code,
        Some(error_code::SCRIPT_START_FAILED),
        "{outcome:?}"
    );
    assert!(!bundle.path("ran").exists());
}
