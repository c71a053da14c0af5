//! Approving a promotion request starts its deployments, one per group of the target stage,
//! after the approval is committed. deployment-api SIGKILLed in between, with the services run
//! apart, loses none and doubles none: killed before any deployment was created, its next
//! start creates them all; killed after creating them but before recording them on the
//! request, it finds them again by their derived keys. Either way each group gets exactly one
//! deployment, the request lists them, and they run.
//!
//! The kill lands inside the window because the test holds a PostgreSQL table lock that the
//! approval waits on (seen in `pg_locks`). SQLite has one writer, so a held lock would stop the
//! approval's own decision too: the test needs `LIFTOFF_TEST_DATABASE_URL`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "rollout_common/mod.rs"]
mod common;
#[path = "split_support/mod.rs"]
mod split_support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc;
use std::time::Duration;

use common::{Sim, push, wait_done};
use liftoff_client::{Client, DeploymentApiClient};
use liftoff_kit::Role;
use liftoff_testkit::wait_for;
use liftoff_types::deployments::*;
use liftoff_types::promotions::{Promote, PromoteOutcome, PromotionRequest, StageApproval};
use split_support::Cluster;
use uuid::Uuid;

const WEB: (&str, &str) = ("role", "web");
const TARGETS: [&str; 2] = ["staging-a", "staging-b"];

/// A table lock held by the test in its own transaction until dropped.
struct Held {
    release: Option<mpsc::Sender<()>>,
    done: Option<std::thread::JoinHandle<()>>,
}

impl Held {
    fn lock(url: &str, table: &str) -> Self {
        let (url, table) = (url.to_string(), table.to_string());
        let (release, wait) = mpsc::channel::<()>();
        let (locked, is_locked) = mpsc::channel::<()>();
        let done = std::thread::spawn(move || {
            use diesel::{Connection, RunQueryDsl};
            let mut c = diesel::PgConnection::establish(&url).unwrap();
            diesel::sql_query("BEGIN").execute(&mut c).unwrap();
            diesel::sql_query(format!("LOCK TABLE {table} IN SHARE MODE"))
                .execute(&mut c)
                .unwrap();
            locked.send(()).unwrap();
            let _ = wait.recv();
            diesel::sql_query("COMMIT").execute(&mut c).unwrap();
        });
        is_locked.recv().unwrap();
        Self {
            release: Some(release),
            done: Some(done),
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        drop(self.release.take());
        if let Some(d) = self.done.take() {
            let _ = d.join();
        }
    }
}

/// Whether some session waits for a lock on `table`.
fn waited_on(url: &str, table: &str) -> bool {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Waiting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut c = diesel::PgConnection::establish(url).unwrap();
    let w: Waiting = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND relation = '{table}'::regclass"
    ))
    .get_result(&mut c)
    .unwrap();
    w.n > 0
}

async fn wait_waited_on(c: &Cluster, url: &str, table: &str) {
    let (url, table) = (url.to_string(), table.to_string());
    wait_for(
        &format!("the approval to wait on {table}"),
        Duration::from_secs(30),
        || {
            let (url, table) = (url.clone(), table.clone());
            async move {
                tokio::task::spawn_blocking(move || waited_on(&url, &table).then_some(()))
                    .await
                    .unwrap()
            }
        },
    )
    .await;
    let _ = c;
}

/// The deployments of the target stage's groups, by id.
async fn staged(api: &DeploymentApiClient) -> Vec<Deployment> {
    let mut all = Vec::new();
    for g in TARGETS {
        all.extend(
            api.list_deployments(Some("shop"), Some(g), None, None, None)
                .await
                .unwrap()
                .deployments,
        );
    }
    all
}

/// Waits until the request lists its deployments (the restarted deployment-api's tick starts
/// an approved request that has none after a grace of seconds).
async fn wait_recorded(c: &Cluster, id: Uuid) -> PromotionRequest {
    let api = c.api();
    wait_for(
        "the approved request's deployments to be recorded",
        Duration::from_secs(90),
        || {
            let api = api.clone();
            async move {
                let r = api.get_promotion_request(id).await.ok()?;
                (r.deployment_ids.len() == TARGETS.len()).then_some(r)
            }
        },
    )
    .await
}

async fn promote(as_alice: &DeploymentApiClient, key: &str) -> PromotionRequest {
    let req = Promote {
        from: "dev".into(),
        to: "staging".into(),
        config: None,
        description: None,
    };
    match as_alice.promote("shop", &req, Some(key)).await.unwrap() {
        PromoteOutcome::AwaitingApproval(r) => *r,
        other => panic!("staging requires approval: {other:?}"),
    }
}

/// Checks `r`'s deployments: one per target group, each a promotion, and each runs to success.
async fn check_started_once(c: &Cluster, r: &PromotionRequest, before: &BTreeSet<Uuid>) {
    let api = c.api();
    let now: Vec<Deployment> = staged(&api).await;
    let new: Vec<&Deployment> = now
        .iter()
        .filter(|d| !before.contains(&d.deployment_id))
        .collect();
    let ids: BTreeSet<Uuid> = new.iter().map(|d| d.deployment_id).collect();
    let listed: BTreeSet<Uuid> = r.deployment_ids.iter().copied().collect();
    assert_eq!(
        ids, listed,
        "the request lists exactly the deployments it started: {new:#?}"
    );
    let groups: BTreeSet<&str> = new.iter().map(|d| d.deployment_group.as_str()).collect();
    assert_eq!(
        groups,
        TARGETS.into_iter().collect(),
        "one per group: {new:#?}"
    );
    for d in &new {
        assert_eq!(d.reason, DeploymentReason::Promotion, "{d:#?}");
        let done = wait_done(&api, d.deployment_id, 90).await;
        assert_eq!(
            done.status,
            DeploymentStatus::Succeeded,
            "{done:#?}\n{}",
            c.logs()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployment_api_killed_between_an_approval_and_its_deployments_starts_each_once() {
    if liftoff_testkit::postgres_url().is_none() {
        eprintln!(
            "skipped: the kill window is held open by a PostgreSQL lock (set LIFTOFF_TEST_DATABASE_URL)"
        );
        return;
    }
    let mut c = Cluster::start().await;
    let url = c.database_url().unwrap();
    let api = c.api();
    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: None,
    })
    .await
    .unwrap();
    api.update_application(
        "shop",
        &UpdateApplication {
            stages: Some(vec!["dev".into(), "staging".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // Each group has a host of its own (a host runs one application's files once).
    for (name, stage) in [
        ("dev", "dev"),
        (TARGETS[0], "staging"),
        (TARGETS[1], "staging"),
    ] {
        api.create_group(
            "shop",
            &CreateDeploymentGroup {
                traffic_hooks: None,
                name: name.into(),
                selector: BTreeMap::from([("group".to_string(), vec![name.to_string()])]),
                deployment_config: Some("AllAtOnce".into()),
                auto_rollback: None,
                concurrency_policy: None,
                stage: Some(stage.into()),
                health_analysis: None,
            },
        )
        .await
        .unwrap();
    }
    let token = c
        .registry()
        .create_enrollment_token(&Default::default())
        .await
        .unwrap()
        .token
        .unwrap();
    let fleet: Vec<Sim> = ["dev", TARGETS[0], TARGETS[1]]
        .into_iter()
        .map(|g| {
            Sim::spawn(
                &c.proxy.url,
                &[],
                &token,
                "zone-a",
                &[WEB, ("group", g)],
                &c.dir.path().join(g),
                g,
                1,
            )
        })
        .collect();
    common::wait_hosts(&c.registry(), WEB.0, WEB.1, 3).await;
    let rev = push(
        &api,
        c.dir.path(),
        "shop",
        "v1",
        &[("BeforeInstall", "true")],
    )
    .await;
    let dev = api
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: "shop".into(),
                deployment_group: "dev".into(),
                revision: rev.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        wait_done(&api, dev.deployment_id, 90).await.status,
        DeploymentStatus::Succeeded
    );
    api.set_stage_approval(
        "shop",
        "staging",
        &StageApproval {
            expires_after_secs: 3600,
        },
    )
    .await
    .unwrap();
    let as_person = |name: &str, role: Role| {
        DeploymentApiClient::new(Client::new(&c.proxy.url, Some(c.person(name, role))).unwrap())
    };
    let (alice, bob) = (
        as_person("alice", Role::Deployer),
        as_person("bob", Role::Deployer),
    );

    // Killed after the approval committed, before any deployment was created.
    let r1 = promote(&alice, "first").await;
    let held = Held::lock(&url, "deployment_api.deployments");
    let approving = {
        let (bob, id) = (bob.clone(), r1.request_id);
        tokio::spawn(async move { bob.approve_promotion_request(id).await })
    };
    wait_waited_on(&c, &url, "deployment_api.deployments").await;
    c.kill("deployment-api").await;
    drop(held);
    assert!(approving.await.unwrap().is_err(), "the approving call died");
    c.restart("deployment-api").await;
    let r1 = wait_recorded(&c, r1.request_id).await;
    assert_eq!(r1.decided_by.as_deref(), Some("bob"));
    check_started_once(&c, &r1, &BTreeSet::new()).await;

    // Killed after creating the deployments, before recording them on the request.
    let before: BTreeSet<Uuid> = staged(&api).await.iter().map(|d| d.deployment_id).collect();
    let r2 = promote(&alice, "second").await;
    let deployments = Held::lock(&url, "deployment_api.deployments");
    let approving = {
        let (bob, id) = (bob.clone(), r2.request_id);
        tokio::spawn(async move { bob.approve_promotion_request(id).await })
    };
    wait_waited_on(&c, &url, "deployment_api.deployments").await;
    // The decision is committed (the approval waits on creating deployments now): hold the
    // requests too, then let the deployments be created.
    let requests = Held::lock(&url, "deployment_api.promotion_requests");
    drop(deployments);
    wait_waited_on(&c, &url, "deployment_api.promotion_requests").await;
    let created = staged(&api).await.len() - before.len();
    c.kill("deployment-api").await;
    drop(requests);
    assert!(approving.await.unwrap().is_err(), "the approving call died");
    c.restart("deployment-api").await;
    let r2 = wait_recorded(&c, r2.request_id).await;
    check_started_once(&c, &r2, &before).await;
    assert_eq!(
        created,
        TARGETS.len(),
        "both deployments existed before the kill, so the restart found them again"
    );

    drop(fleet);
    c.stop().await;
}
