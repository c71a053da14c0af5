//! Hosts that fail without a hook failing: an agent lost mid-hook (no heartbeat within the
//! registry's grace) is failed fast as `agent-lost`, the registry telling the scheduler (no
//! asking on a timer); a command no agent picks up fails as `never-started`. The reasons stay
//! distinct.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "rollout_common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::*;
use liftoff_platform::ServiceSettings;
use liftoff_testkit::TestPlatform;
use liftoff_types::deployments::*;
use liftoff_types::scheduler::HostTargetStatus;
use nix::sys::signal::Signal;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_lost_mid_hook_fails_its_host_as_agent_lost() {
    let mut settings = ServiceSettings::default();
    settings.registry.heartbeat_interval = Duration::from_secs(1);
    settings.registry.heartbeat_grace = Duration::from_secs(3);
    let p = TestPlatform::start_with(settings).await.unwrap();
    let api = p.api();
    let token = p.enrollment_token().await.unwrap();
    let mut sim = Sim::spawn(
        &p.url,
        &[],
        &token,
        "zone-a",
        &[("role", "web")],
        &p.dir.path().join("a"),
        "a",
        2,
    );
    wait_hosts(&p.registry(), "role", "web", 2).await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", &format!("{RECORD}\nsleep 20"))],
    )
    .await;
    let d = deploy(&api, "shop", &v1).await;
    wait_until(
        &api,
        d.deployment_id,
        "both hosts to run their hook",
        30,
        |d| {
            d.hosts
                .iter()
                .all(|h| h.events.iter().any(|e| e.event == "ApplicationStart"))
        },
    )
    .await;
    sim.child.start_kill().unwrap();
    let killed = Instant::now();
    let d = wait_done(&api, d.deployment_id, 60).await;
    assert_eq!(d.status, DeploymentStatus::Failed, "{d:#?}");
    for h in &d.hosts {
        assert_eq!(
            (h.status, h.error_code.as_deref()),
            (HostTargetStatus::Failed, Some("agent-lost")),
            "{h:#?}"
        );
    }
    // The registry told the scheduler (its outbox, `POST /v1/host-changes`); the scheduler's
    // copy of lost hosts was seeded before the agent died, so without the push the hosts
    // would have waited out the command timeout instead.
    let metrics = reqwest::get(format!("{}/metrics", p.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let pushed: f64 = metrics
        .lines()
        .filter(|l| {
            l.starts_with("liftoff_http_requests_total{")
                && l.contains("route=\"/v1/host-changes\"")
                && l.contains("status=\"200\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum();
    assert!(
        pushed >= 1.0,
        "no host liveness push reached the scheduler:\n{metrics}"
    );
    // Seconds, not the command timeout: the grace (3 s) plus a tick or two.
    assert!(
        killed.elapsed() < Duration::from_secs(30),
        "took {:?}",
        killed.elapsed()
    );
    let _ = sim.child.wait().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_no_agent_picks_up_fails_as_never_started() {
    let mut settings = ServiceSettings::default();
    settings.scheduler.ack_timeout = Duration::from_secs(2);
    let p = TestPlatform::start_with(settings).await.unwrap();
    let api = p.api();
    let token = p.enrollment_token().await.unwrap();
    let sim = Sim::spawn(
        &p.url,
        &[],
        &token,
        "zone-a",
        &[("role", "web")],
        &p.dir.path().join("a"),
        "a",
        1,
    );
    wait_hosts(&p.registry(), "role", "web", 1).await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", RECORD)],
    )
    .await;
    // The agent is alive for the registry (its grace is 20 s) but takes nothing.
    sim.signal(Signal::SIGSTOP);
    let d = deploy(&api, "shop", &v1).await;
    let d = wait_done(&api, d.deployment_id, 60).await;
    sim.signal(Signal::SIGCONT);
    assert_eq!(d.status, DeploymentStatus::Failed, "{d:#?}");
    assert_eq!(
        d.hosts[0].error_code.as_deref(),
        Some("never-started"),
        "{d:#?}"
    );
    // When it wakes up, the cancelled command is not run.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(runs(&sim.root_of(0), d.deployment_id).is_empty());
    p.stop().await;
}
