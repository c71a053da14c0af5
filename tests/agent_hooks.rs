//! Hooks end to end, with real agents and real scripts: timeouts, missing and non-executable
//! scripts, the event cap, `runas` and the root-hook policy, ignoring ApplicationStop failures,
//! the install root, and release pruning.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use liftoff_testkit::agent::{
    TestBundle, TestHook, create_app_and_group, deploy, push_bundle, wait_enrolled,
};
use liftoff_testkit::{AgentOptions, AgentProcess, TestPlatform};
use liftoff_types::deployments::{Deployment, DeploymentStatus};
use liftoff_types::scheduler::{EventStatus, HostTargetStatus, LifecycleEventRecord, RolloutHost};
use uuid::Uuid;

#[path = "agent_hooks/security.rs"]
mod security;

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const WEB: (&str, &str) = ("role", "web");
const WAIT: Duration = Duration::from_secs(90);

async fn agent(p: &TestPlatform, name: &str, extra: &[&str]) -> AgentProcess {
    let token = p.enrollment_token().await.expect("enrollment token");
    let mut opts =
        AgentOptions::new(&p.url, &token, "zone-a", &p.dir.path().join(name)).tag("role", "web");
    opts.poll_wait_secs = 1;
    for a in extra {
        opts = opts.arg(*a);
    }
    AgentProcess::start(Path::new(BIN), &opts).expect("spawn agent")
}

fn event<'a>(h: &'a RolloutHost, name: &str) -> &'a LifecycleEventRecord {
    h.events
        .iter()
        .find(|e| e.event == name)
        .unwrap_or_else(|| panic!("{name} was not reported: {h:#?}"))
}

fn only_host(d: &Deployment) -> &RolloutHost {
    assert_eq!(d.hosts.len(), 1, "{d:#?}");
    &d.hosts[0]
}

fn host_id(a: &AgentProcess) -> Uuid {
    let text = std::fs::read_to_string(a.state_dir().join("identity.json")).expect("identity");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["host_id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeouts_missing_and_non_executable_scripts_and_the_event_cap() {
    let p = TestPlatform::start().await.expect("platform");
    let a = agent(&p, "host-0", &["--max-event-secs", "3"]).await;
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let root = a.install_root.clone();

    // A script that overruns its own timeout: its process group is terminated.
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("slow").hook(
            TestHook::new(
                "BeforeInstall",
                "echo waiting\nsleep 30 &\necho $! > \"$LIFTOFF_INSTALL_ROOT/child.pid\"\nwait",
            )
            .timeout(1),
        ),
    )
    .await
    .unwrap();
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    let h = only_host(&d);
    assert_eq!(h.status, HostTargetStatus::Failed);
    assert_eq!(h.error_code.as_deref(), Some("timed-out"), "{h:#?}");
    let before = event(h, "BeforeInstall");
    assert_eq!(before.status, EventStatus::TimedOut);
    assert_eq!(before.error_code.as_deref(), Some("SCRIPT_TIMED_OUT"));
    assert!(before.output_tail.contains("waiting"), "{before:?}");
    let child: i32 = std::fs::read_to_string(root.join("child.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
    assert!(
        stat.is_empty()
            || stat
                .rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z')),
        "the hook's background child survived the timeout: {stat}"
    );

    // A script the appspec names but the bundle lacks: refused before any hook runs.
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("missing")
            .hook(TestHook::new(
                "BeforeInstall",
                "touch \"$LIFTOFF_INSTALL_ROOT/ran\"",
            ))
            .hook(TestHook::new("AfterInstall", "true").missing()),
    )
    .await
    .unwrap();
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    let h = only_host(&d);
    assert_eq!(h.error_code.as_deref(), Some("script-missing"), "{h:#?}");
    let download = event(h, "DownloadBundle");
    assert_eq!(download.status, EventStatus::Failed);
    assert_eq!(download.error_code.as_deref(), Some("SCRIPT_MISSING"));
    assert!(
        download
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("AfterInstall"),
        "{download:?}"
    );
    assert!(!root.join("ran").exists(), "no hook ran");

    // A script without its executable bit (a zip made on Windows, a tool that drops modes):
    // like CodeDeploy's agent, made executable with a warning, and run.
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("noexec").hook(
            TestHook::new(
                "BeforeInstall",
                "touch \"$LIFTOFF_INSTALL_ROOT/noexec-ran\"",
            )
            .mode(0o644),
        ),
    )
    .await
    .unwrap();
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    let h = only_host(&d);
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{h:#?}");
    assert!(root.join("noexec-ran").exists(), "the script ran");
    let download = event(h, "DownloadBundle");
    assert!(
        download
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("has no executable bit"),
        "the warning is in the DownloadBundle event: {download:?}"
    );
    assert!(
        event(h, "BeforeInstall")
            .output_tail
            .contains("made it executable"),
        "the hook's own output says so: {:?}",
        event(h, "BeforeInstall")
    );

    // Two scripts each well within their own timeout, together over the event cap (3 s).
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("capped")
            .hook(TestHook::new("BeforeInstall", "sleep 2\necho first done"))
            .hook(TestHook::new(
                "BeforeInstall",
                "echo second started\nsleep 20",
            )),
    )
    .await
    .unwrap();
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    let before = event(only_host(&d), "BeforeInstall").clone();
    assert_eq!(before.status, EventStatus::TimedOut, "{before:?}");
    assert!(
        before.output_tail.contains("first done") && before.output_tail.contains("second started")
    );
    assert!(
        before
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("3 s cap"),
        "{before:?}"
    );
    let took = before.ended_at.unwrap() - before.started_at;
    assert!(
        took.num_milliseconds() < 8000,
        "the event ran {took} despite the 3 s cap"
    );
    a.stop().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runas_switches_user_and_the_host_can_forbid_root_hooks() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: switching users needs an agent running as root");
        return;
    }
    let p = TestPlatform::start().await.expect("platform");
    // The hook user must be able to reach the unpacked bundle.
    std::fs::set_permissions(p.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let a = agent(&p, "host-0", &["--no-root-hooks"]).await;
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let root = a.install_root.clone();

    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("as-root").hook(TestHook::new(
            "BeforeInstall",
            "touch \"$LIFTOFF_INSTALL_ROOT/ran\"",
        )),
    )
    .await
    .unwrap();
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    let h = only_host(&d);
    assert_eq!(h.error_code.as_deref(), Some("runas-invalid"), "{h:#?}");
    let download = event(h, "DownloadBundle");
    assert_eq!(download.error_code.as_deref(), Some("RUNAS_INVALID"));
    assert!(
        download
            .message
            .as_deref()
            .unwrap_or_default()
            .contains("root"),
        "{download:?}"
    );
    assert!(!root.join("ran").exists(), "refused before anything ran");

    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("as-nobody").hook(
            TestHook::new(
                "BeforeInstall",
                "echo \"user=$(id -un) uid=$(id -u) home=$HOME\"",
            )
            .runas("nobody"),
        ),
    )
    .await
    .unwrap();
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    let out = &event(only_host(&d), "BeforeInstall").output_tail;
    assert!(out.contains("user=nobody uid=65534"), "{out}");

    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("unknown-user")
            .hook(TestHook::new("BeforeInstall", "true").runas("no-such-user-here")),
    )
    .await
    .unwrap();
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    let download = event(only_host(&d), "DownloadBundle");
    assert_eq!(
        download.error_code.as_deref(),
        Some("RUNAS_INVALID"),
        "{download:?}"
    );
    a.stop().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_application_stop_fails_the_host_unless_it_ignores_such_failures() {
    let p = TestPlatform::start().await.expect("platform");
    let tolerant = agent(&p, "tolerant", &["--ignore-application-stop-failures"]).await;
    let strict = agent(&p, "strict", &[]).await;
    wait_enrolled(&p, WEB, 2, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let broken_stop = |v: &str| {
        TestBundle::new(v)
            .hook(TestHook::new("ApplicationStop", "echo cannot stop\nexit 7"))
            .hook(TestHook::new("ValidateService", "echo ok"))
    };
    let v1 = push_bundle(&p, "shop", &broken_stop("v1")).await.unwrap();
    let d1 = deploy(&p, "shop", "web", &v1, WAIT).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded, "{d1:#?}");

    // v2: ApplicationStop runs v1's broken script on both hosts.
    let v2 = push_bundle(&p, "shop", &broken_stop("v2")).await.unwrap();
    let d2 = deploy(&p, "shop", "web", &v2, WAIT).await;
    let on = |a: &AgentProcess| {
        d2.hosts
            .iter()
            .find(|h| h.host_id == host_id(a))
            .unwrap()
            .clone()
    };
    let t = on(&tolerant);
    assert_eq!(t.status, HostTargetStatus::Succeeded, "{t:#?}");
    let stop = event(&t, "ApplicationStop");
    assert_eq!(stop.status, EventStatus::Failed);
    assert_eq!(stop.exit_code, Some(7));
    assert!(
        stop.message
            .as_deref()
            .unwrap_or_default()
            .contains("ignored"),
        "{stop:?}"
    );
    assert_eq!(event(&t, "ValidateService").status, EventStatus::Succeeded);
    let s = on(&strict);
    assert_eq!(s.status, HostTargetStatus::Failed, "{s:#?}");
    assert_eq!(s.error_code.as_deref(), Some("script-failed"));
    assert_eq!(event(&s, "ApplicationStop").exit_code, Some(7));
    assert!(
        s.events.iter().all(|e| e.event != "DownloadBundle"),
        "{s:#?}"
    );
    tolerant.stop().await;
    strict.stop().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_root_is_apart_from_state_and_pruning_keeps_every_groups_last_success() {
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let state_root = p.dir.path().join("state");
    let install_root = p.dir.path().join("fs");
    let mut opts = AgentOptions::new(&p.url, &token, "zone-a", &state_root)
        .tag("role", "web")
        .arg("--keep-releases")
        .arg("1");
    opts.install_root = install_root.clone();
    opts.poll_wait_secs = 1;
    let a = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    create_app_and_group(&p, "blog", "blog-web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let releases = || -> BTreeSet<Uuid> {
        std::fs::read_dir(a.state_dir().join("deployments"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_str().unwrap().parse().unwrap())
            .collect()
    };
    let record = "echo \"$LIFTOFF_INSTALL_ROOT\" > \"$LIFTOFF_INSTALL_ROOT/seen-root\"";
    let shop = |v: &str| TestBundle::new(v).hook(TestHook::new("AfterInstall", record));

    let s1 = deploy(
        &p,
        "shop",
        "web",
        &push_bundle(&p, "shop", &shop("v1")).await.unwrap(),
        WAIT,
    )
    .await;
    assert_eq!(s1.status, DeploymentStatus::Succeeded, "{s1:#?}");
    assert_eq!(
        std::fs::read_to_string(install_root.join("opt/app/VERSION")).unwrap(),
        "v1\n"
    );
    assert_eq!(
        std::fs::read_to_string(install_root.join("seen-root"))
            .unwrap()
            .trim(),
        install_root.display().to_string()
    );
    assert!(
        !state_root.join("opt").exists(),
        "nothing is installed under the state root"
    );
    assert!(
        !install_root.join("var/lib/liftoff-agent").exists(),
        "no state under the install root"
    );

    let blog = TestBundle::new("b1").destination("/opt/blog");
    let b1 = deploy(
        &p,
        "blog",
        "blog-web",
        &push_bundle(&p, "blog", &blog).await.unwrap(),
        WAIT,
    )
    .await;
    assert_eq!(b1.status, DeploymentStatus::Succeeded, "{b1:#?}");

    let s2 = deploy(
        &p,
        "shop",
        "web",
        &push_bundle(&p, "shop", &shop("v2")).await.unwrap(),
        WAIT,
    )
    .await;
    assert_eq!(s2.status, DeploymentStatus::Succeeded, "{s2:#?}");
    // Keep 1: shop v2 (newest); blog's b1 is old but still that group's last success.
    assert_eq!(
        releases(),
        BTreeSet::from([b1.deployment_id, s2.deployment_id])
    );

    let bad = shop("v3").hook(TestHook::new("ApplicationStart", "exit 1"));
    let s3 = deploy(
        &p,
        "shop",
        "web",
        &push_bundle(&p, "shop", &bad).await.unwrap(),
        WAIT,
    )
    .await;
    assert_eq!(s3.status, DeploymentStatus::Failed, "{s3:#?}");
    // shop v2 stays too: after the failure it is still shop's last success.
    assert_eq!(
        releases(),
        BTreeSet::from([b1.deployment_id, s2.deployment_id, s3.deployment_id])
    );
    assert_eq!(
        std::fs::read_to_string(install_root.join("opt/blog/VERSION")).unwrap(),
        "b1\n"
    );
    a.stop().await;
    p.stop().await;
}

/// A bundle directory with `appspec` and `files` (relative path, bytes, mode), packed and pushed.
async fn push_dir(
    p: &TestPlatform,
    app: &str,
    name: &str,
    appspec: &str,
    files: &[(&str, Vec<u8>, u32)],
) -> liftoff_types::deployments::Revision {
    let dir = p.dir.path().join("bundles").join(name);
    for (rel, bytes, mode) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(*mode)).unwrap();
    }
    std::fs::write(dir.join("appspec.yml"), appspec).unwrap();
    let archive = p.dir.path().join("bundles").join(format!("{name}.tar.gz"));
    liftoff_testkit::pack(&dir, &archive).unwrap();
    p.api()
        .push_revision(app, &archive, Some(name), None, None)
        .await
        .unwrap()
}

/// A hook that starts a process in a new session (`setsid`) and then overruns its timeout:
/// the process is outside the hook's process group, but inside its cgroup, and dies with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_also_kills_what_the_hook_started_in_a_new_session() {
    let p = TestPlatform::start().await.expect("platform");
    let a = agent(&p, "host-0", &[]).await;
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("escape").hook(
            TestHook::new(
                "BeforeInstall",
                "setsid sleep 300 &\necho $! > \"$LIFTOFF_INSTALL_ROOT/escaped.pid\"\nsleep 30",
            )
            .timeout(1),
        ),
    )
    .await
    .unwrap();
    let d = deploy(&p, "shop", "web", &rev, WAIT).await;
    assert_eq!(
        event(only_host(&d), "BeforeInstall").status,
        EventStatus::TimedOut,
        "{d:#?}"
    );
    let pid: i32 = std::fs::read_to_string(a.install_root.join("escaped.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let running = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| s.rsplit_once(')').map(|(_, r)| r.trim_start().to_string()))
            .is_some_and(|r| !r.starts_with('Z') && !r.starts_with('X'))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while running() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if running() {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
        panic!(
            "the setsid child {pid} survived the hook's timeout; agent log:\n{}",
            a.log_text()
        );
    }
    assert!(
        a.log_text().contains("hooks run in their own cgroup"),
        "{}",
        a.log_text()
    );
    a.stop().await;
    p.stop().await;
}

/// Events that end within the report delay (most hooks take milliseconds) reach the server
/// with the next report (or with the completion) and their logs in one upload, instead of a
/// request each; a hook that runs longer is announced while it runs, carrying the reports
/// before it. The record is the same. (How many requests that saves is measured by
/// `liftoff bench throughput`, `requests_per_deployment`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_events_are_reported_together_and_a_long_hook_is_announced_while_it_runs() {
    let p = TestPlatform::start().await.expect("platform");
    // A delay that a quick hook stays well under even on a loaded machine.
    let _a = agent(&p, "host-0", &["--event-report-delay-ms", "3000"]).await;
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1")
            .hook(TestHook::new("BeforeInstall", "echo before"))
            .hook(TestHook::new("AfterInstall", "echo after"))
            .hook(TestHook::new("ApplicationStart", "echo starting\nsleep 8"))
            .hook(TestHook::new("ValidateService", "echo valid")),
    )
    .await
    .unwrap();
    let d = liftoff_testkit::agent::start_deployment(&p, "shop", "web", &rev)
        .await
        .unwrap();
    // ApplicationStart is seen running, with the quick events before it already reported.
    let running = liftoff_testkit::wait_for("ApplicationStart to be announced", WAIT, || {
        let api = p.api();
        async move {
            let d = api.get_deployment(d.deployment_id).await.ok()?;
            let h = d.hosts.first()?.clone();
            h.events
                .iter()
                .any(|e| e.event == "ApplicationStart" && e.status == EventStatus::InProgress)
                .then_some(h)
        }
    })
    .await;
    for name in ["DownloadBundle", "BeforeInstall", "Install", "AfterInstall"] {
        assert_eq!(
            event(&running, name).status,
            EventStatus::Succeeded,
            "{running:#?}"
        );
    }
    let d = liftoff_testkit::agent::wait_deployment(&p, d.deployment_id, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    let h = only_host(&d);
    assert_eq!(event(h, "ValidateService").status, EventStatus::Succeeded);
    assert!(
        event(h, "ApplicationStart")
            .output_tail
            .contains("starting")
    );

    // The uploads go in the background: wait for all four logs.
    let logs = liftoff_testkit::wait_for("the four hook logs", WAIT, || {
        let history = p.history();
        async move {
            let stored = history
                .deployment_logs(
                    d.deployment_id,
                    None,
                    None,
                    &liftoff_client::Page::default(),
                )
                .await
                .ok()?;
            (stored.logs.len() >= 4).then_some(stored.logs)
        }
    })
    .await;
    let mut events: Vec<_> = logs.iter().map(|l| l.event.as_str()).collect();
    events.sort();
    assert_eq!(
        events,
        [
            "AfterInstall",
            "ApplicationStart",
            "BeforeInstall",
            "ValidateService"
        ]
    );
    // Judged from the record (the test binary's other tests share the process's metrics): a
    // hook's start reaches the server (and history, as `host.event_started`) only if the hook
    // still ran after the delay: ApplicationStart, and on a machine loaded enough to stretch a
    // quick hook past it, that one too (judged by the durations recorded, with a margin either
    // way).
    let hooks = [
        "BeforeInstall",
        "AfterInstall",
        "ApplicationStart",
        "ValidateService",
    ];
    let longer_than = |secs: f64| {
        hooks
            .iter()
            .filter(|name| {
                let e = event(h, name);
                e.ended_at.is_some_and(|end| {
                    (end - e.started_at).num_milliseconds() as f64 / 1000.0 >= secs
                })
            })
            .count()
    };
    let history = p.history();
    let query = |event_type: &str| liftoff_client::EventQuery {
        deployment_id: Some(d.deployment_id),
        event_type: Some(event_type.into()),
        ..Default::default()
    };
    liftoff_testkit::wait_for("history to have the host's success", WAIT, || {
        let (history, q) = (history.clone(), query("host.deployment_succeeded"));
        async move { (!history.events(&q).await.ok()?.events.is_empty()).then_some(()) }
    })
    .await;
    let started: Vec<String> = history
        .events(&query("host.event_started"))
        .await
        .unwrap()
        .events
        .iter()
        .filter_map(|e| e.event.data["event"].as_str().map(str::to_string))
        .collect();
    assert!(
        started.contains(&"ApplicationStart".to_string())
            && (longer_than(3.5)..=longer_than(2.5)).contains(&started.len()),
        "announced: {started:?}; {h:#?}"
    );
    // The logs went in one upload per report that had some to carry, plus one at the end (an
    // upload's logs share its time), not one per event.
    let uploads: std::collections::BTreeSet<_> = logs.iter().map(|l| l.uploaded_at).collect();
    assert!(
        (1..=started.len() + 1).contains(&uploads.len()),
        "{} uploads for {} announcements: {logs:#?}",
        uploads.len(),
        started.len()
    );
    p.stop().await;
}
