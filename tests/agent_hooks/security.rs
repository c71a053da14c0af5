//! What a bundle's hooks must not reach: root-owned setuid files and cron entries on a host that
//! forbids root hooks, and the agent's enrollment token.

use super::*;

/// The attack on a host that forbids root hooks: the Install step runs as root, so a bundle
/// asks it to make the root shell (a setuid copy of sh a `nobody` hook then runs with `-p`) or
/// to drop a cron file. Both are refused before anything is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_root_hooks_host_lets_no_bundle_make_a_setuid_shell_or_a_cron_file() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: the Install step must run as root for this attack");
        return;
    }
    let p = TestPlatform::start().await.expect("platform");
    std::fs::set_permissions(p.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let a = agent(&p, "host-0", &["--no-root-hooks"]).await;
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let root = a.install_root.clone();

    let sh = std::fs::read("/bin/sh").unwrap();
    let escalate =
        b"#!/bin/sh\n\"$LIFTOFF_INSTALL_ROOT/opt/tools/sh\" -p -c 'echo euid=$(id -u)'\n";
    let rev = push_dir(
        &p,
        "shop",
        "setuid-shell",
        "version: 0.0\nos: linux\nfiles:\n  - source: tools\n    destination: /opt/tools\npermissions:\n  - object: /opt/tools/sh\n    mode: 4755\nhooks:\n  AfterInstall:\n    - location: scripts/escalate.sh\n      runas: nobody\n",
        &[
            ("tools/sh", sh, 0o755),
            ("scripts/escalate.sh", escalate.to_vec(), 0o755),
        ],
    )
    .await;
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Failed, "{d:#?}");
    let install = event(only_host(&d), "Install");
    assert_eq!(
        install.error_code.as_deref(),
        Some("PERMISSION_FORBIDDEN"),
        "{install:?}"
    );
    assert!(
        !root.join("opt/tools/sh").exists(),
        "refused before the shell was copied"
    );

    let rev = push_dir(
        &p,
        "shop",
        "cron-file",
        "version: 0.0\nos: linux\nfiles:\n  - source: cron\n    destination: /etc/cron.d\n",
        &[(
            "cron/liftoff-job",
            b"* * * * * root /bin/sh -c 'id > /tmp/owned'\n".to_vec(),
            0o644,
        )],
    )
    .await;
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Failed, "{d:#?}");
    let install = event(only_host(&d), "Install");
    assert_eq!(
        install.error_code.as_deref(),
        Some("INSTALL_DESTINATION_FORBIDDEN"),
        "{install:?}"
    );
    assert!(
        install
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("--install-allow"),
        "{install:?}"
    );
    assert!(!root.join("etc").exists(), "nothing was written");
    a.stop().await;
    p.stop().await;
}

/// The attack on the enrollment token: a hook running as `nobody` reads the agent's command
/// line, where the README used to put the token, and enrolls a rogue host with it. The agent
/// moves a `--enroll-token` out of its arguments at start, `--enroll-token-file` never puts it
/// there, and `liftoff enroll-token create` makes single-use tokens, so a leaked one is spent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_finds_no_enrollment_token_in_the_agents_arguments_and_a_used_token_enrolls_nothing()
{
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: the hook must run as another user than the agent");
        return;
    }
    let p = TestPlatform::start().await.expect("platform");
    std::fs::set_permissions(p.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let create_token = || {
        let out = std::process::Command::new(BIN)
            .args(["enroll-token", "create", "--json"])
            .env("LIFTOFF_URL", &p.url)
            .env("LIFTOFF_TOKEN", &p.admin_token)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["uses_left"], 1, "single use unless asked: {v}");
        v["token"].as_str().unwrap().to_string()
    };
    // As the README used to show it: on the command line.
    let flag_token = create_token();
    let mut opts = AgentOptions::new(&p.url, "", "zone-a", &p.dir.path().join("by-flag"))
        .tag("role", "web")
        .arg("--enroll-token")
        .arg(flag_token.clone());
    opts.poll_wait_secs = 1;
    let by_flag = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    // As the README shows it now: from a file only root reads.
    let file_token = create_token();
    let file = p.dir.path().join("enroll.token");
    std::fs::write(&file, format!("{file_token}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut opts = AgentOptions::new(&p.url, "", "zone-a", &p.dir.path().join("by-file"))
        .tag("role", "web")
        .arg("--enroll-token-file")
        .arg(file.display().to_string());
    opts.poll_wait_secs = 1;
    let by_file = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    wait_enrolled(&p, WEB, 2, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();

    // The hook's parent is the agent.
    let snoop = "echo \"cmdline: $(tr '\\0' ' ' < /proc/$PPID/cmdline)\"\n\
                 if cat /proc/$PPID/environ > /dev/null 2>&1; then echo environ-readable; else echo environ-unreadable; fi";
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("snoop").hook(TestHook::new("BeforeInstall", snoop).runas("nobody")),
    )
    .await
    .unwrap();
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    assert_eq!(d.hosts.len(), 2);
    for h in &d.hosts {
        let out = &event(h, "BeforeInstall").output_tail;
        assert!(out.contains("cmdline: ") && out.contains("agent"), "{out}");
        assert!(
            !out.contains(&flag_token) && !out.contains(&file_token),
            "a nobody hook read the enrollment token: {out}"
        );
        assert!(out.contains("environ-unreadable"), "{out}");
    }

    // Each token is spent: a rogue host enrolling with either is refused.
    for token in [&flag_token, &file_token] {
        let err = liftoff_client::RegistryClient::new(p.client_with(None))
            .enroll(&liftoff_types::registry::EnrollRequest {
                enrollment_token: token.clone(),
                hostname: "rogue".into(),
                zone: "zone-a".into(),
                tags: Default::default(),
                agent_version: None,
            })
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(401), "{err}");
    }
    by_flag.stop().await;
    by_file.stop().await;
    p.stop().await;
}
