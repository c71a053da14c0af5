//! Watching a deployment costs the scheduler nothing: the scheduler pushes a rollout's
//! progress and outcome to deployment-api, which answers `GET /v1/deployments/{id}` and
//! `liftoff deploy --wait` from its own copy. A 20-host rollout (one simulated fleet) is
//! watched by `deploy --wait` and by 1, then 5, pollers of `GET /v1/deployments/{id}` every
//! 100 ms; the scheduler's request counts (`liftoff_http_requests_total{route}` in
//! `/metrics`) are the same for both, and hold no read of a rollout at all, while
//! deployment-api's tick runs every 200 ms throughout. And with the services run apart, a
//! deployment-api killed mid-rollout learns the outcome, host by host, when it is back.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/cli.rs"]
mod cli_support;
mod split_support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use liftoff_testkit::agent::{
    TestBundle, TestHook, create_app_and_group, push_bundle, wait_enrolled,
};
use liftoff_testkit::{AgentOptions, AgentProcess, TestPlatform};
use liftoff_types::scheduler::HostTargetStatus;

use cli_support::{BIN, Cli};

const HOSTS: usize = 20;

/// The scheduler's requests by (method, route) for routes under `/v1/rollouts`.
async fn scheduler_requests(p: &TestPlatform) -> BTreeMap<(String, String), f64> {
    let text = reqwest::get(format!("{}/metrics", p.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        let Some(labels) = line.strip_prefix("liftoff_http_requests_total{") else {
            continue;
        };
        let label = |k: &str| {
            labels
                .split(&format!("{k}=\""))
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_default()
                .to_string()
        };
        let route = label("route");
        if !route.starts_with("/v1/rollouts") {
            continue;
        }
        let n: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        *counts.entry((label("method"), route)).or_default() += n;
    }
    counts
}

fn delta(
    before: &BTreeMap<(String, String), f64>,
    after: &BTreeMap<(String, String), f64>,
) -> BTreeMap<(String, String), f64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0.0)))
        .filter(|(_, v)| *v > 0.0)
        .collect()
}

/// Deploys `version` with `deploy --wait` while `watchers` poll the deployment every 100 ms;
/// returns the scheduler's requests during it and how many reads the watchers made.
async fn watched_rollout(
    p: &TestPlatform,
    version: &str,
    watchers: usize,
) -> (BTreeMap<(String, String), f64>, usize) {
    let rev = push_bundle(
        p,
        "shop",
        &TestBundle::new(version).hook(TestHook::new("ValidateService", "sleep 0.2")),
    )
    .await
    .unwrap();
    let before = scheduler_requests(p).await;
    let cli = Cli { p };
    let rev_id = rev.revision_id.to_string();
    let done = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let poller = |n: usize| {
        let (api, done, reads) = (p.api(), done.clone(), reads.clone());
        async move {
            // The pollers find the deployment `deploy --wait` started, then read it.
            let mut id = None;
            while !done.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(100 + n as u64)).await;
                let Some(d) = id else {
                    id = api
                        .list_deployments(Some("shop"), Some("web"), None, None, None)
                        .await
                        .unwrap()
                        .deployments
                        .into_iter()
                        .find(|d| d.revision_id == rev.revision_id)
                        .map(|d| d.deployment_id);
                    continue;
                };
                api.get_deployment(d).await.unwrap();
                reads.fetch_add(1, Ordering::SeqCst);
            }
        }
    };
    let wait = async {
        let out = cli
            .ok(&[
                "deploy",
                "--app",
                "shop",
                "--group",
                "web",
                "--revision",
                &rev_id,
                "--wait",
            ])
            .await;
        done.store(true, Ordering::SeqCst);
        out
    };
    let (out, _) = tokio::join!(
        wait,
        futures_util::future::join_all((0..watchers).map(poller))
    );
    assert_eq!(out["status"], "Succeeded", "{out}");
    let hosts = out["hosts"].as_array().expect("hosts");
    assert_eq!(
        hosts.len(),
        HOSTS,
        "every host, from the pushed progress: {out}"
    );
    assert!(
        hosts.iter().all(|h| h["status"] == "Succeeded"),
        "every host succeeded: {out}"
    );
    let after = scheduler_requests(p).await;
    (delta(&before, &after), reads.load(Ordering::SeqCst))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watching_a_rollout_costs_the_scheduler_nothing_however_many_watch() {
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let root = p.dir.path().join("fleet");
    let opts = AgentOptions::new(&p.url, &token, "zone-a", &root)
        .tag("role", "web")
        .arg("--simulate")
        .arg(HOSTS.to_string());
    let _fleet = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    wait_enrolled(&p, ("role", "web"), HOSTS, Duration::from_secs(120)).await;
    create_app_and_group(&p, "shop", "web", ("role", "web"), "HalfAtATime")
        .await
        .unwrap();

    let (one, one_reads) = watched_rollout(&p, "v1", 1).await;
    let (five, five_reads) = watched_rollout(&p, "v2", 5).await;
    eprintln!(
        "backend {}: scheduler requests with 1 watcher ({one_reads} reads): {one:?}; with 5 ({five_reads} reads): {five:?}",
        p.backend()
    );
    assert!(
        one_reads > 0 && five_reads > 0,
        "the watchers read the deployment ({one_reads}, {five_reads})"
    );
    // Only the hand-off reaches the scheduler's rollout routes: no read of a rollout, by a
    // watcher or by deployment-api's tick.
    let hand_off = BTreeMap::from([(("PUT".to_string(), "/v1/rollouts/{id}".to_string()), 1.0)]);
    assert_eq!(
        one, hand_off,
        "scheduler requests during a rollout with 1 watcher"
    );
    assert_eq!(
        five, hand_off,
        "scheduler requests during a rollout with 5 watchers"
    );
    // The copy holds every host's lifecycle events too, as the scheduler recorded them.
    let list = p
        .api()
        .list_deployments(Some("shop"), Some("web"), None, None, None)
        .await
        .unwrap();
    assert_eq!(list.deployments.len(), 2);
    for d in list.deployments {
        let d = p.api().get_deployment(d.deployment_id).await.unwrap();
        assert!(
            d.hosts
                .iter()
                .all(|h| h.status == HostTargetStatus::Succeeded
                    && h.events.iter().any(|e| e.event == "ValidateService")),
            "hosts with their events: {:#?}",
            d.hosts
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_api_down_mid_rollout_converges_to_the_schedulers_outcome_when_back() {
    let mut c = split_support::Cluster::start().await;
    let api = c.api();
    let token = c.shop_web().await;
    let a = c.agent(&token, "a", &[("role", "web")]);
    // The hook waits for the test, so deployment-api can be killed while it runs.
    let bundle = c.dir.path().join("bundle");
    liftoff_testkit::write_bundle(
        &bundle,
        "v1",
        &[(
            "ApplicationStart",
            "while [ ! -e \"$LIFTOFF_ROOT/go\" ]; do sleep 0.1; done",
        )],
    )
    .unwrap();
    let archive = c.dir.path().join("v1.tar.gz");
    liftoff_testkit::pack(&bundle, &archive).unwrap();
    liftoff_testkit::wait_for("the agent to enroll", Duration::from_secs(60), || {
        let reg = c.registry();
        async move {
            reg.list_hosts(&[], None)
                .await
                .ok()?
                .hosts
                .first()
                .map(|_| ())
        }
    })
    .await;
    let v1 = api
        .push_revision("shop", &archive, None, None, None)
        .await
        .unwrap();
    let d = api
        .create_deployment(
            &liftoff_types::deployments::CreateDeployment {
                file_exists_behavior: None,
                application: "shop".into(),
                deployment_group: "web".into(),
                revision: v1.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .unwrap();
    let dep = d.deployment_id;
    liftoff_testkit::wait_for("the host to run its hooks", Duration::from_secs(60), || {
        let api = api.clone();
        async move {
            let d = api.get_deployment(dep).await.ok()?;
            d.hosts
                .iter()
                .any(|h| h.status == HostTargetStatus::InProgress)
                .then_some(())
        }
    })
    .await;

    c.kill("deployment-api").await;
    std::fs::write(c.root_of("a").join("go"), "").unwrap();
    let scheduler = liftoff_client::SchedulerClient::new(
        liftoff_client::Client::new(
            &c.urls["scheduler"],
            Some(c.mint(liftoff_kit::auth::TokenKind::Service, None, None)),
        )
        .unwrap(),
    );
    let rollout =
        liftoff_testkit::wait_for("the rollout to finish", Duration::from_secs(120), || {
            let scheduler = scheduler.clone();
            async move {
                scheduler
                    .get_rollout(dep)
                    .await
                    .ok()
                    .filter(|r| r.status.is_terminal())
            }
        })
        .await;

    c.restart("deployment-api").await;
    // The host's final state comes only in the scheduler's reports (the reconciliation sweep
    // reads the summary alone): it is the outbox that caught deployment-api up.
    let done = liftoff_testkit::wait_for(
        "deployment-api to catch up",
        Duration::from_secs(30),
        || {
            let api = api.clone();
            async move {
                api.get_deployment(dep).await.ok().filter(|d| {
                    d.status.is_terminal()
                        && d.hosts
                            .iter()
                            .all(|h| h.status == HostTargetStatus::Succeeded)
                })
            }
        },
    )
    .await;
    assert_eq!(
        done.status.as_str(),
        rollout.status.as_str(),
        "deployment-api and the scheduler agree\n{}",
        c.logs()
    );
    assert_eq!(done.overview, rollout.overview);
    assert!(
        done.hosts[0]
            .events
            .iter()
            .any(|e| e.event == "ApplicationStart" && e.ended_at.is_some()),
        "{:#?}",
        done.hosts
    );
    a.stop().await;
    c.stop().await;
}
