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
use liftoff_testkit::proxy::FaultProxy;
use liftoff_types::deployments::*;
use liftoff_types::registry::HostState;
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

/// Every host's state and last heartbeat, by id.
async fn standing(p: &TestPlatform) -> Vec<(HostState, chrono::DateTime<chrono::Utc>)> {
    p.registry()
        .list_hosts(&[("role".into(), "web".into())], None)
        .await
        .unwrap()
        .hosts
        .into_iter()
        .map(|h| (h.state, h.last_heartbeat_at.expect("heard once")))
        .collect()
}

/// Watches the hosts for `span`: none is ever `Lost`, and each was heard within the grace.
async fn never_lost(p: &TestPlatform, span: Duration, grace: Duration) {
    let end = Instant::now() + span;
    while Instant::now() < end {
        for (state, last) in standing(p).await {
            assert_eq!(state, HostState::InService);
            let silent = (chrono::Utc::now() - last).to_std().unwrap_or_default();
            assert!(silent <= grace, "silent for {silent:?}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// A long poll is a heartbeat: an idle agent whose polls the scheduler passes on to the
/// registry sends no heartbeats and stays in service, its last heartbeat moving on. Cut off
/// from the scheduler alone (its polls held unanswered), it heartbeats itself in time and is
/// never `Lost`; when its polls flow again it stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_count_as_heartbeats_and_an_agent_cut_off_from_the_scheduler_heartbeats_itself() {
    let grace = Duration::from_secs(10);
    let mut settings = ServiceSettings::default();
    settings.registry.heartbeat_interval = Duration::from_secs(2);
    settings.registry.heartbeat_grace = grace;
    let p = TestPlatform::start_with(settings).await.unwrap();
    let proxy = FaultProxy::start(&p.url).unwrap();
    let token = p.enrollment_token().await.unwrap();
    let sim = Sim::spawn(
        &proxy.url,
        &[],
        &token,
        "zone-a",
        &[("role", "web")],
        &p.dir.path().join("a"),
        "a",
        2,
    );
    wait_hosts(&p.registry(), "role", "web", 2).await;
    let beats = || proxy.faults.count("POST /v1/hosts/*/heartbeat");
    let polls = || proxy.faults.count("GET /v1/agents/*/commands");
    // Settled: each host heartbeats at start, and until its first poll (of the 5 s it asked
    // before the registry's answer said 2 s) comes back passed on.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let (b0, p0) = (beats(), polls());
    never_lost(&p, 2 * grace, grace).await;
    assert_eq!(
        beats(),
        b0,
        "heartbeats while the polls counted:\n{}",
        sim.log()
    );
    // Polls of at most 10 s - 5 s each: four or more per host.
    assert!(polls() - p0 >= 2 * 3, "{} polls", polls() - p0);

    // Cut off from the scheduler: the polls hang.
    proxy.faults.hold(Some("/commands"));
    let b1 = beats();
    never_lost(&p, 2 * grace, grace).await;
    assert!(
        beats() >= b1 + 2 * 3,
        "{} heartbeats while the polls hung",
        beats() - b1
    );

    // The scheduler reachable again: the polls count again and the heartbeats stop.
    proxy.faults.hold(None);
    tokio::time::sleep(Duration::from_secs(6)).await;
    let b2 = beats();
    never_lost(&p, grace, grace).await;
    assert_eq!(beats(), b2, "heartbeats once the polls counted again");
    assert!(sim.log().contains("agent running"));
    proxy.stop().await;
    p.stop().await;
}

/// The feed of polls heard is the scheduler's (service credential) and is checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_of_polls_heard_takes_only_a_service_and_a_sound_feed() {
    let p = TestPlatform::start().await.unwrap();
    let (service, _) = p
        .authority
        .mint(
            liftoff_kit::TokenKind::Service,
            "scheduler",
            None,
            None,
            false,
            chrono::Duration::minutes(5),
        )
        .unwrap();
    let post = |token: String, body: serde_json::Value| {
        let http = p.http();
        let url = format!("{}/v1/hosts/heard", p.url);
        async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let host = |i: u128| serde_json::json!({"host_id": uuid::Uuid::from_u128(i), "age_ms": 5});
    let user = p.team_token("shop", liftoff_kit::Role::Admin);
    let (status, body) = post(user, serde_json::json!({"replica": "r", "hosts": []})).await;
    assert_eq!(status, 401, "{body}");
    let (status, body) = post(
        service.clone(),
        serde_json::json!({"replica": "", "hosts": []}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let many: Vec<_> = (0..2_001).map(host).collect();
    let (status, body) = post(
        service.clone(),
        serde_json::json!({"replica": "r", "hosts": many}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("at most 2000"), "{body}");
    let (status, body) = post(
        service.clone(),
        serde_json::json!({"replica": "r", "hosts": [{"host_id": "x"}]}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // Hosts it does not know change nothing; the answer carries the cadence.
    let (status, body) = post(
        service,
        serde_json::json!({"replica": "r", "hosts": [host(7)]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let answer: liftoff_types::registry::HeardFeedResponse = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (answer.heartbeat_interval_secs, answer.poll_wait_secs),
        (5, 15)
    );
    assert!(answer.heartbeat_now.is_empty());
    p.stop().await;
}
