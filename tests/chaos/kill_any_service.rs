//! The services run apart (each `liftoff serve` with its own database, agents behind one routing
//! proxy), and each of them in turn is SIGKILLed and started again at points of two rollouts.
//! Every fact converges to one value in every service that holds it, nothing is lost, and
//! nothing is applied twice:
//! - a deployment's status and host counts: deployment-api's copy equals the scheduler's;
//! - which revision each host runs: host-registry's inventory equals history's projection;
//! - every hook ran once per host per deployment, and history holds each conclusion once.

use std::collections::BTreeMap;

use super::*;
use crate::split_support;
use liftoff_client::{EventQuery, HistoryClient, SchedulerClient};
use liftoff_types::scheduler::RolloutHost;
use uuid::Uuid;

/// Which service is killed, and how long after the previous step (seconds). Fixed, so a failure
/// can be replayed; every service is killed at least twice across the two rollouts.
const KILLS: [(&str, f64); 8] = [
    ("scheduler", 0.6),
    ("deployment-api", 0.9),
    ("history", 0.4),
    ("host-registry", 0.7),
    ("scheduler", 1.1),
    ("host-registry", 0.5),
    ("deployment-api", 0.3),
    ("history", 0.8),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_any_one_service_mid_rollout_converges_every_copy_and_applies_nothing_twice() {
    let mut c = split_support::Cluster::start().await;
    let api = c.api();
    let token = c.shop_web().await;
    let service = c.mint(TokenKind::Service, None, None);
    let scheduler = SchedulerClient::new(Client::new(&c.urls["scheduler"], Some(service)).unwrap());
    let history =
        HistoryClient::new(Client::new(&c.urls["history"], Some(c.admin.clone())).unwrap());
    let fleet = Sim::spawn(
        &c.proxy.url,
        &[],
        &token,
        "zone-a",
        &[("role", "web")],
        &c.dir.path().join("fleet"),
        "k",
        4,
    );
    let hosts = wait_hosts(&c.registry(), "role", "web", 4).await.len();
    // Two recorded hooks per host; the second one long enough for kills to land mid-rollout.
    let start = format!("{RECORD}\nsleep 3");
    let hooks = [
        ("BeforeInstall", RECORD),
        ("ApplicationStart", start.as_str()),
    ];
    let v1 = push(&api, c.dir.path(), "shop", "v1", &hooks).await;
    let v2 = push(&api, c.dir.path(), "shop", "v2", &hooks).await;

    let mut kills = KILLS.iter();
    let mut mid_rollout = 0;
    let mut deployments = Vec::new();
    for rev in [&v1, &v2] {
        let id = deploy(&api, "shop", rev).await.deployment_id;
        deployments.push((id, rev.revision_id));
        // Four kills per rollout, each service once; a kill after the rollout ended still
        // tests that the copies converge.
        for (svc, gap) in kills.by_ref().take(4) {
            tokio::time::sleep(Duration::from_secs_f64(*gap)).await;
            let svc = split_support::SERVICES
                .iter()
                .find(|s| *s == svc)
                .expect("a known service");
            let running = api
                .get_deployment(id)
                .await
                .is_ok_and(|d| !d.status.is_terminal());
            mid_rollout += usize::from(running);
            c.restart(svc).await;
        }
        let d = wait_for("the deployment to finish", Duration::from_secs(180), || {
            let api = api.clone();
            async move {
                api.get_deployment(id)
                    .await
                    .ok()
                    .filter(|d| d.status.is_terminal())
            }
        })
        .await;
        assert_eq!(
            d.status,
            DeploymentStatus::Succeeded,
            "{d:#?}\n{}\n{}",
            fleet.log(),
            c.logs()
        );
    }

    // The first kill of each rollout comes 0.6 s into a 3 s hook.
    assert!(mid_rollout >= 2, "{mid_rollout} kills landed mid-rollout");

    // deployment-api's copy equals the scheduler's, hosts included.
    for (id, _) in &deployments {
        let (id, api, scheduler) = (*id, api.clone(), scheduler.clone());
        wait_for(
            "deployment-api and the scheduler to agree",
            Duration::from_secs(60),
            || {
                let (api, scheduler) = (api.clone(), scheduler.clone());
                async move {
                    let d = api.get_deployment(id).await.ok()?;
                    let r = scheduler.get_rollout(id).await.ok()?;
                    let hosts = |h: &[RolloutHost]| {
                        h.iter()
                            .map(|h| (h.host_id, h.status))
                            .collect::<BTreeMap<_, _>>()
                    };
                    (d.status.as_str() == r.status.as_str()
                        && d.overview == r.overview
                        && hosts(&d.hosts) == hosts(&r.hosts))
                    .then_some(())
                }
            },
        )
        .await;
    }

    // Every host runs v2, by host-registry's inventory and by history's projection.
    let reg = c.registry();
    let (_, last) = deployments[1];
    wait_for(
        "host-registry and history to agree that every host runs v2",
        Duration::from_secs(60),
        || {
            let (reg, history) = (reg.clone(), history.clone());
            async move {
                let inventory: BTreeMap<Uuid, Uuid> = reg
                    .list_hosts(&[], None)
                    .await
                    .ok()?
                    .hosts
                    .iter()
                    .filter_map(|h| {
                        let now = h.revisions.iter().find(|r| r.application == "shop")?;
                        Some((h.host_id, now.revision_id))
                    })
                    .collect();
                let projection: BTreeMap<Uuid, Uuid> = history
                    .host_revisions(Some("shop"), None)
                    .await
                    .ok()?
                    .hosts
                    .iter()
                    .map(|h| (h.host_id, h.revision_id))
                    .collect();
                (inventory.len() == 4
                    && inventory == projection
                    && inventory.values().all(|r| *r == last))
                .then_some(())
            }
        },
    )
    .await;

    // Nothing ran twice: each hook once per host per deployment.
    for i in 0..fleet.n {
        for (id, _) in &deployments {
            let lines = runs(&fleet.root_of(i), *id);
            assert_eq!(
                lines,
                vec![
                    format!("{id} BeforeInstall"),
                    format!("{id} ApplicationStart")
                ],
                "{} ran: {lines:?}",
                fleet.host_name(i)
            );
        }
    }
    // Nothing recorded twice or lost: each conclusion once in history, for every host.
    for (id, _) in &deployments {
        let (id, history) = (*id, history.clone());
        let counts = wait_for(
            "history to hold every conclusion",
            Duration::from_secs(60),
            || {
                let history = history.clone();
                async move {
                    let page = history
                        .events(&EventQuery {
                            deployment_id: Some(id),
                            limit: Some(1000),
                            ..Default::default()
                        })
                        .await
                        .ok()?;
                    let mut counts: BTreeMap<(String, Option<Uuid>), usize> = BTreeMap::new();
                    for e in &page.events {
                        let t = e.event.event_type.as_str();
                        if t == "deployment.succeeded" || t == "host.deployment_succeeded" {
                            *counts.entry((t.to_string(), e.event.host_id)).or_default() += 1;
                        }
                    }
                    (counts.len() == 1 + hosts).then_some(counts)
                }
            },
        )
        .await;
        assert!(
            counts.values().all(|n| *n == 1),
            "conclusions recorded more than once: {counts:#?}"
        );
    }
    println!(
        "CHAOS kill any service ({}): {} SIGKILLs of single services (each twice; {mid_rollout} mid-rollout) over two rollouts of 4 hosts; copies converged, 0 hooks run twice, 0 conclusions lost or doubled",
        if liftoff_testkit::postgres_url().is_some() {
            "postgres"
        } else {
            "sqlite"
        },
        KILLS.len(),
    );
    drop(fleet);
    c.stop().await;
}
