//! The agent's crash safety with real processes: `kill -9` mid-hook then restart, SIGTERM during
//! a deployment, and commands delivered more than once (or whose answers are lost).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use liftoff_testkit::agent::{
    TestBundle, TestHook, create_app_and_group, deploy, push_bundle, start_deployment,
    wait_deployment, wait_enrolled,
};
use liftoff_testkit::proxy::FaultProxy;
use liftoff_testkit::{AgentOptions, AgentProcess, TestPlatform, wait_for};
use liftoff_types::deployments::DeploymentStatus;
use liftoff_types::scheduler::{EventStatus, HostTargetStatus, RolloutHost};

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const WEB: (&str, &str) = ("role", "web");

async fn one_agent(p: &TestPlatform, extra: &[&str]) -> (AgentOptions, AgentProcess) {
    let token = p.enrollment_token().await.expect("enrollment token");
    let mut opts = AgentOptions::new(&p.url, &token, "zone-a", &p.dir.path().join("host-0"))
        .tag("role", "web");
    opts.poll_wait_secs = 1;
    for a in extra {
        opts = opts.arg(*a);
    }
    let agent = AgentProcess::start(Path::new(BIN), &opts).expect("spawn agent");
    wait_enrolled(p, WEB, 1, Duration::from_secs(60)).await;
    create_app_and_group(p, "shop", "web", WEB, "AllAtOnce")
        .await
        .expect("app and group");
    (opts, agent)
}

/// The agent exits with status 0 within `within` (`when`: in what situation), or the test fails
/// with its log.
async fn exits_cleanly(agent: &mut AgentProcess, within: Duration, when: &str) {
    let code = agent.wait_exit(within).await;
    assert_eq!(
        code,
        Some(Some(0)),
        "the agent exits cleanly {when}:\n{}",
        agent.log_text()
    );
}

fn event<'a>(
    h: &'a RolloutHost,
    name: &str,
) -> Option<&'a liftoff_types::scheduler::LifecycleEventRecord> {
    h.events.iter().find(|e| e.event == name)
}

fn is_running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().to_string())
        })
        .is_some_and(|rest| !rest.starts_with('Z') && !rest.starts_with('X'))
}

async fn read_when_present(path: &Path) -> String {
    wait_for(
        &format!("{} to be written", path.display()),
        Duration::from_secs(60),
        || async move {
            std::fs::read_to_string(path)
                .ok()
                .filter(|s| s.ends_with('\n'))
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_hook_reports_failed_after_restart_at_once_and_never_reruns() {
    let p = TestPlatform::start().await.expect("platform");
    let (opts, mut agent) = one_agent(&p, &[]).await;
    let root = agent.install_root.clone();
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new(
            "BeforeInstall",
            "echo $$ > \"$LIFTOFF_INSTALL_ROOT/hook.pid\"\necho run >> \"$LIFTOFF_INSTALL_ROOT/runs.log\"\nsleep 300",
        )),
    )
    .await
    .expect("push");
    let d = start_deployment(&p, "shop", "web", &rev)
        .await
        .expect("deploy");
    let hook_pid: i32 = read_when_present(&root.join("hook.pid"))
        .await
        .trim()
        .parse()
        .unwrap();

    agent.kill9().await;
    assert!(
        is_running(hook_pid),
        "the hook outlives the killed agent (it has its own process group)"
    );
    let restarted = Instant::now();
    let agent = AgentProcess::start(Path::new(BIN), &opts).expect("restart agent");

    let d = wait_deployment(&p, d.deployment_id, Duration::from_secs(60)).await;
    let took = restarted.elapsed();
    assert_eq!(d.status, DeploymentStatus::Failed, "{d:#?}");
    // "At once": well before any server-side timeout (the command timeout is hours).
    assert!(
        took < Duration::from_secs(30),
        "the failure took {took:?} after the restart"
    );
    let h = &d.hosts[0];
    assert_eq!(h.status, HostTargetStatus::Failed);
    assert_eq!(
        h.error_code.as_deref(),
        Some("failed-after-restart"),
        "{h:#?}"
    );
    assert_eq!(h.attempt, 1);
    let before = event(h, "BeforeInstall").expect("BeforeInstall reported");
    assert_eq!(before.status, EventStatus::Failed);
    assert_eq!(before.error_code.as_deref(), Some("FAILED_AFTER_RESTART"));
    let msg = before.message.clone().unwrap_or_default();
    assert!(
        msg.contains("not run again") && msg.contains("stopped"),
        "{msg}"
    );
    assert!(
        event(h, "Install").is_none(),
        "nothing after the interrupted event ran"
    );

    // The orphaned hook was stopped, and it never ran a second time.
    wait_for(
        "the orphaned hook to be stopped",
        Duration::from_secs(15),
        || async move { (!is_running(hook_pid)).then_some(()) },
    )
    .await;
    let runs = std::fs::read_to_string(root.join("runs.log")).unwrap();
    assert_eq!(runs.lines().count(), 1, "the hook ran again: {runs:?}");
    let log = agent.log_text();
    assert_eq!(log.matches("running command").count(), 1, "{log}");
    assert!(!agent.state_dir().join("journal.json").exists());

    // The restarted agent is healthy: the next deployment goes through.
    let v2 = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v2").hook(TestHook::new("ValidateService", "echo ok")),
    )
    .await
    .expect("push v2");
    let d2 = deploy(&p, "shop", "web", &v2, Duration::from_secs(60)).await;
    assert_eq!(d2.status, DeploymentStatus::Succeeded, "{d2:#?}");
    assert_eq!(
        std::fs::read_to_string(root.join("runs.log"))
            .unwrap()
            .lines()
            .count(),
        1
    );
    agent.stop().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_running_hook_reports_and_exits() {
    let p = TestPlatform::start().await.expect("platform");
    let (opts, mut agent) = one_agent(&p, &["--stop-grace", "30"]).await;
    let root = agent.install_root.clone();
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1")
            .hook(TestHook::new(
                "BeforeInstall",
                "echo started > \"$LIFTOFF_INSTALL_ROOT/before.started\"\nsleep 2\necho finished > \"$LIFTOFF_INSTALL_ROOT/before.finished\"\necho before done",
            ))
            .hook(TestHook::new("AfterInstall", "echo ran >> \"$LIFTOFF_INSTALL_ROOT/after.log\"")),
    )
    .await
    .expect("push");
    let d = start_deployment(&p, "shop", "web", &rev)
        .await
        .expect("deploy");
    read_when_present(&root.join("before.started")).await;

    agent.sigterm();
    exits_cleanly(&mut agent, Duration::from_secs(30), "after SIGTERM").await;
    assert!(
        root.join("before.finished").exists(),
        "the running hook was allowed to finish"
    );
    assert!(
        !root.join("after.log").exists(),
        "no later hook starts after SIGTERM"
    );

    // Reported before exiting: the deployment is over without waiting for any timeout.
    let d = wait_deployment(&p, d.deployment_id, Duration::from_secs(10)).await;
    assert_eq!(d.status, DeploymentStatus::Failed, "{d:#?}");
    let h = &d.hosts[0];
    assert_eq!(h.error_code.as_deref(), Some("agent-stopped"), "{h:#?}");
    let before = event(h, "BeforeInstall").expect("BeforeInstall reported");
    assert_eq!(before.status, EventStatus::Succeeded);
    assert!(before.output_tail.contains("before done"), "{before:?}");
    assert!(
        event(h, "Install").is_none() && event(h, "AfterInstall").is_none(),
        "{h:#?}"
    );
    assert!(
        !agent.state_dir().join("journal.json").exists(),
        "the journal was cleared"
    );

    // A restart has nothing to recover.
    let agent = AgentProcess::start(Path::new(BIN), &opts).expect("restart");
    let a = &agent;
    wait_for(
        "the restarted agent to run",
        Duration::from_secs(30),
        || async move { (a.log_text().matches("agent running").count() == 2).then_some(()) },
    )
    .await;
    assert!(
        !agent
            .log_text()
            .contains("agent restarted during a command")
    );
    agent.stop().await;
    p.stop().await;
}

/// An agent that cannot reach the registry retries its enrollment for two minutes; asked to
/// stop meanwhile, it has nothing in progress and exits at once (`systemctl stop` would
/// otherwise wait out its retries, and a bench's simulated fleet outlived the bench).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_still_enrolling_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens here.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = format!("http://127.0.0.1:{port}");
    let mut agents = Vec::new();
    for (name, extra) in [("one", None), ("fleet", Some("3"))] {
        let mut opts = AgentOptions::new(
            &server,
            "lft_enroll_unreachable",
            "zone-a",
            &dir.path().join(name),
        );
        if let Some(n) = extra {
            opts = opts.arg("--simulate").arg(n);
        }
        agents.push(AgentProcess::start(Path::new(BIN), &opts).expect("spawn agent"));
    }
    // Both are retrying by now (the first attempt fails at once: connection refused).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for agent in &mut agents {
        assert!(
            agent.wait_exit(Duration::from_millis(1)).await.is_none(),
            "still enrolling before SIGTERM:\n{}",
            agent.log_text()
        );
        agent.sigterm();
    }
    for agent in &mut agents {
        exits_cleanly(
            agent,
            Duration::from_secs(20),
            "still enrolling, on SIGTERM",
        )
        .await;
    }
}

/// SIGTERM after the registry enrolled the host (and spent the token's one use) but before its
/// answer reached the agent: the agent waits for the answer and saves its identity before it
/// exits, so started again it runs as that host. (Given up there, the host stayed registered
/// without an agent, and the restarted agent could not enroll: seen in CI as a host declared
/// lost after a control-plane restart.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_while_the_enrollment_answer_is_on_its_way_keeps_the_identity() {
    let p = TestPlatform::start().await.expect("platform");
    let proxy = FaultProxy::start(&p.url).expect("proxy");
    let faults = proxy.faults.clone();
    faults.hold_answers(Some("POST /v1/hosts/enroll"));
    let token = p
        .registry()
        .create_enrollment_token(&liftoff_types::registry::CreateEnrollmentToken {
            uses: Some(1),
            ..Default::default()
        })
        .await
        .expect("token")
        .token
        .expect("token text");
    let mut opts = AgentOptions::new(&proxy.url, &token, "zone-a", &p.dir.path().join("host-0"))
        .tag("role", "web");
    opts.poll_wait_secs = 1;
    let mut agent = AgentProcess::start(Path::new(BIN), &opts).expect("spawn agent");
    // The registry has enrolled the host; the answer waits in the proxy.
    let hosts = wait_enrolled(&p, WEB, 1, Duration::from_secs(60)).await;
    wait_for(
        "the enrollment answer held",
        Duration::from_secs(30),
        || {
            let held = faults.held.load(Ordering::SeqCst);
            async move { (held == 1).then_some(()) }
        },
    )
    .await;
    agent.sigterm();
    tokio::time::sleep(Duration::from_millis(500)).await;
    faults.hold_answers(None);
    exits_cleanly(
        &mut agent,
        Duration::from_secs(20),
        "once the answer is saved",
    )
    .await;
    let host = hosts[0].host_id;
    let again = AgentProcess::start(Path::new(BIN), &opts).expect("spawn agent");
    wait_for(
        "the agent running as the host it enrolled",
        Duration::from_secs(30),
        || {
            let log = again.log_text();
            async move {
                log.lines()
                    .any(|l| l.contains("agent running") && l.contains(&host.to_string()))
                    .then_some(())
            }
        },
    )
    .await;
    let listed = wait_enrolled(&p, WEB, 1, Duration::from_secs(5)).await;
    assert_eq!(listed.len(), 1, "no second host: {listed:#?}");
    again.stop().await;
    proxy.stop().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_terminates_a_hook_that_overruns_the_grace_period() {
    let p = TestPlatform::start().await.expect("platform");
    let (_, mut agent) = one_agent(&p, &["--stop-grace", "1"]).await;
    let root = agent.install_root.clone();
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new(
            "BeforeInstall",
            "echo $$ > \"$LIFTOFF_INSTALL_ROOT/hook.pid\"\nsleep 300",
        )),
    )
    .await
    .expect("push");
    let d = start_deployment(&p, "shop", "web", &rev)
        .await
        .expect("deploy");
    let pid: i32 = read_when_present(&root.join("hook.pid"))
        .await
        .trim()
        .parse()
        .unwrap();
    let sent = Instant::now();
    agent.sigterm();
    exits_cleanly(&mut agent, Duration::from_secs(30), "after SIGTERM").await;
    assert!(
        sent.elapsed() < Duration::from_secs(20),
        "{:?}",
        sent.elapsed()
    );
    assert!(!is_running(pid), "the overrunning hook was terminated");
    let d = wait_deployment(&p, d.deployment_id, Duration::from_secs(10)).await;
    let before = event(&d.hosts[0], "BeforeInstall").expect("reported");
    assert_eq!(before.status, EventStatus::Failed);
    assert_eq!(
        before.error_code.as_deref(),
        Some("AGENT_STOPPED"),
        "{before:?}"
    );
    assert_eq!(d.hosts[0].error_code.as_deref(), Some("agent-stopped"));
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_deliveries_and_lost_answers_never_run_a_command_twice() {
    let p = TestPlatform::start().await.expect("platform");
    let proxy = FaultProxy::start(&p.url).expect("proxy");
    let faults = proxy.faults.clone();
    faults.duplicate_commands.store(true, Ordering::SeqCst);
    // The server acts on these, but the agent never hears the answer and asks again.
    faults.lose_answers("/ack", 1);
    faults.lose_answers("/complete", 1);
    let (opts, agent) = one_agent(&p, &["--scheduler-url", &proxy.url]).await;
    let root = agent.install_root.clone();
    let record = "echo \"$LIFECYCLE_EVENT\" >> \"$LIFTOFF_INSTALL_ROOT/runs.log\"";
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1")
            .hook(TestHook::new("BeforeInstall", record))
            .hook(TestHook::new("AfterInstall", record))
            .hook(TestHook::new("ApplicationStart", record))
            .hook(TestHook::new("ValidateService", record)),
    )
    .await
    .expect("push");
    let d = deploy(&p, "shop", "web", &rev, Duration::from_secs(60)).await;
    assert_eq!(
        d.status,
        DeploymentStatus::Succeeded,
        "{d:#?}\n{}",
        agent.log_text()
    );
    assert_eq!(d.hosts[0].attempt, 1);

    // Later polls replay the finished command; the agent skips it from its ledger.
    let polls = faults.count("GET /v1/agents/*/commands");
    let f = &faults;
    wait_for(
        "two more polls with replays",
        Duration::from_secs(30),
        || async move { (f.count("GET /v1/agents/*/commands") >= polls + 2).then_some(()) },
    )
    .await;
    let runs = std::fs::read_to_string(root.join("runs.log")).unwrap();
    assert_eq!(
        runs.lines().collect::<Vec<_>>(),
        [
            "BeforeInstall",
            "AfterInstall",
            "ApplicationStart",
            "ValidateService"
        ],
        "every hook ran exactly once"
    );
    assert!(
        agent.log_text().contains("duplicate delivery"),
        "{}",
        agent.log_text()
    );
    // One lost ack answer means one retry; the duplicates never reached the server.
    assert_eq!(faults.count("POST /v1/agents/*/commands/*/ack"), 2);
    assert_eq!(faults.count("POST /v1/agents/*/commands/*/complete"), 2);

    // Without its ledger (a wiped state file), the server's answer to the acknowledgement still
    // stops the replayed command.
    agent.stop().await;
    std::fs::remove_file(opts.root.join("var/lib/liftoff-agent/finished.json")).unwrap();
    let agent = AgentProcess::start(Path::new(BIN), &opts).expect("restart");
    let a = &agent;
    wait_for(
        "the replay to be acknowledged and skipped",
        Duration::from_secs(30),
        || async move {
            a.log_text()
                .contains("command already finished or cancelled; skipping")
                .then_some(())
        },
    )
    .await;
    assert_eq!(faults.count("POST /v1/agents/*/commands/*/ack"), 3);
    assert_eq!(
        std::fs::read_to_string(root.join("runs.log")).unwrap(),
        runs
    );
    agent.stop().await;
    proxy.stop().await;
    p.stop().await;
}
