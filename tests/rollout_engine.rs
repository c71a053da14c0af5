//! The rollout engine end to end, with simulated fleets (the real agent code, real hooks):
//! the failure threshold, automatic rollback failed-first, pause/resume, retry and exclude,
//! queue vs reject, hosts joining mid-deployment, the canary gate and zone-at-a-time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "rollout_common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use liftoff_platform::ServiceSettings;
use liftoff_testkit::{TestPlatform, wait_for};
use liftoff_types::deployments::*;
use liftoff_types::scheduler::HostTargetStatus;

async fn fleet(p: &TestPlatform, zones: &[(&str, usize)], tag: &str) -> Vec<Sim> {
    let token = p.enrollment_token().await.unwrap();
    let mut sims = Vec::new();
    let mut total = 0;
    for (zone, n) in zones {
        let root = p.dir.path().join(format!("{tag}-{zone}"));
        sims.push(Sim::spawn(
            &p.url,
            &[],
            &token,
            zone,
            &[("role", tag)],
            &root,
            &format!("{tag}-{zone}"),
            *n,
        ));
        total += n;
    }
    wait_hosts(&p.registry(), "role", tag, total).await;
    sims
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn halts_at_the_threshold_then_rolls_back_failed_hosts_first() {
    let p = TestPlatform::start().await.unwrap();
    let api = p.api();
    let _sims = fleet(&p, &[("zone-a", 3), ("zone-b", 3)], "web").await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "HalfAtATime",
        true,
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
    let broken = format!("{RECORD}\nsleep 0.3\nexit 3");
    let v2 = push(
        &api,
        p.dir.path(),
        "shop",
        "v2",
        &[("ApplicationStart", &broken)],
    )
    .await;

    let d1 = deploy(&api, "shop", &v1).await;
    let d1 = wait_done(&api, d1.deployment_id, 90).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded, "{d1:#?}");

    let d2 = deploy(&api, "shop", &v2).await;
    let d2 = wait_done(&api, d2.deployment_id, 90).await;
    assert_eq!(d2.status, DeploymentStatus::Failed, "{d2:#?}");
    assert_eq!(d2.error.as_ref().unwrap().code, "HEALTH_CONSTRAINTS");
    // Half at a time on six: three may be offline; three failures halt it, the rest never start.
    assert_eq!((d2.overview.failed, d2.overview.skipped), (3, 3), "{d2:#?}");
    let failed: HashSet<_> = d2
        .hosts
        .iter()
        .filter(|h| h.status == HostTargetStatus::Failed)
        .map(|h| h.host_id)
        .collect();
    for h in d2
        .hosts
        .iter()
        .filter(|h| h.status == HostTargetStatus::Failed)
    {
        assert_eq!(h.error_code.as_deref(), Some("script-failed"), "{h:#?}");
    }

    // The group rolls back automatically: a new deployment of v1, linked, failed hosts first.
    let rb = wait_for("the automatic rollback", Duration::from_secs(30), || {
        let api = api.clone();
        async move {
            api.list_deployments(Some("shop"), None, None, Some(10), None)
                .await
                .ok()?
                .deployments
                .into_iter()
                .find(|d| d.reason == DeploymentReason::Rollback)
        }
    })
    .await;
    assert_eq!(rb.rollback_of, Some(d2.deployment_id));
    assert_eq!(rb.revision_id, v1.revision_id);
    let rb = wait_done(&api, rb.deployment_id, 90).await;
    assert_eq!(rb.status, DeploymentStatus::Succeeded, "{rb:#?}");
    assert_eq!(rb.overview.succeeded, 6);
    let first: HashSet<_> = rb.hosts[..3].iter().map(|h| h.host_id).collect();
    assert_eq!(
        first, failed,
        "the failed hosts come first in the rollback's order"
    );
    let last_failed = rb.hosts[..3]
        .iter()
        .map(|h| h.dispatched_at.unwrap())
        .max()
        .unwrap();
    let first_other = rb.hosts[3..]
        .iter()
        .map(|h| h.dispatched_at.unwrap())
        .min()
        .unwrap();
    assert!(
        last_failed <= first_other,
        "failed hosts were dispatched first: {rb:#?}"
    );
    // A manual rollback of the failed deployment (`liftoff rollback`) answers the same one.
    let (ok, again) = cli(
        &p.url,
        &p.admin_token,
        &["rollback", &d2.deployment_id.to_string()],
    )
    .await;
    assert!(ok, "{again}");
    assert_eq!(again["deployment_id"], rb.deployment_id.to_string());
    assert_eq!(again["reason"], "rollback");
    // A deployment whose group has nothing older to go back to cannot be rolled back.
    let (ok, err) = cli(
        &p.url,
        &p.admin_token,
        &["rollback", &d1.deployment_id.to_string()],
    )
    .await;
    assert!(!ok);
    assert_eq!(err["error"]["code"], "no_previous_revision");
    // History records that the failed deployment was rolled back, automatically, and by which.
    let hist = p.history();
    let rolled_back = wait_for(
        "deployment.rolled_back in history",
        Duration::from_secs(30),
        || {
            let hist = hist.clone();
            async move {
                hist.events(&liftoff_client::EventQuery {
                    deployment_id: Some(d2.deployment_id),
                    event_type: Some("deployment.rolled_back".into()),
                    ..Default::default()
                })
                .await
                .ok()
                .and_then(|page| page.events.into_iter().next())
            }
        },
    )
    .await;
    assert_eq!(
        rolled_back.event.data["rollback_deployment_id"],
        rb.deployment_id.to_string()
    );
    assert_eq!(rolled_back.event.data["automatic"], true);
    assert_eq!(
        rolled_back.event.data["to_revision_id"],
        d1.revision_id.to_string()
    );
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_holds_a_rollout_and_resume_continues_it_without_the_excluded_host() {
    let p = TestPlatform::start().await.unwrap();
    let api = p.api();
    let _sims = fleet(&p, &[("zone-a", 2), ("zone-b", 2)], "web").await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "OneAtATime",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let slow = format!("{RECORD}\nsleep 1");
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", &slow)],
    )
    .await;
    let d = deploy(&api, "shop", &v1).await;
    let id = d.deployment_id;
    wait_until(&api, id, "a host to start", 30, |d| {
        d.overview.in_progress == 1
    })
    .await;
    let (ok, paused) = cli(&p.url, &p.admin_token, &["pause", &id.to_string()]).await;
    assert!(ok, "{paused}");
    assert_eq!(paused["status"], "Paused");
    // Pausing twice changes nothing.
    assert_eq!(
        api.control_deployment(id, "pause").await.unwrap().status,
        DeploymentStatus::Paused
    );
    // The running host finishes; nothing new starts while paused.
    let d = wait_until(&api, id, "the running host to finish", 30, |d| {
        d.overview.in_progress == 0
    })
    .await;
    assert_eq!(d.overview.succeeded, 1);
    let until = tokio::time::Instant::now() + Duration::from_secs(2);
    while tokio::time::Instant::now() < until {
        let d = api.get_deployment(id).await.unwrap();
        assert_eq!(
            (d.status, d.overview.pending),
            (DeploymentStatus::Paused, 3),
            "{d:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let victim = d
        .hosts
        .iter()
        .find(|h| h.status == HostTargetStatus::Pending)
        .unwrap()
        .host_id;
    let d = api.exclude_host(id, victim).await.unwrap();
    let h = d.hosts.iter().find(|h| h.host_id == victim).unwrap();
    assert_eq!(
        (h.status, h.error_code.as_deref()),
        (HostTargetStatus::Skipped, Some("excluded"))
    );
    // Excluding a running or unknown host is refused.
    let err = api
        .exclude_host(id, uuid::Uuid::new_v4())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));

    let (ok, resumed) = cli(&p.url, &p.admin_token, &["resume", &id.to_string()]).await;
    assert!(ok, "{resumed}");
    assert_eq!(resumed["status"], "InProgress");
    let d = wait_done(&api, id, 60).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    assert_eq!((d.overview.succeeded, d.overview.skipped), (3, 1));
    // Controls on a finished deployment are refused.
    let err = api.control_deployment(id, "pause").await.unwrap_err();
    assert_eq!(err.status(), Some(409));
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_failed_hosts_gives_them_a_second_attempt() {
    let p = TestPlatform::start().await.unwrap();
    let api = p.api();
    let sims = fleet(&p, &[("zone-a", 3)], "web").await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let broken_root = sims[0].root_of(1);
    std::fs::write(broken_root.join("broken"), "").unwrap();
    // It fails before Install, so a second attempt does not find its own files in the way.
    let body = format!("{RECORD}\nsleep 1\ntest ! -f \"$LIFTOFF_ROOT/broken\"");
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("BeforeInstall", &body)],
    )
    .await;
    let d = deploy(&api, "shop", &v1).await;
    let id = d.deployment_id;
    // Hold it so it cannot conclude while the failure is fixed.
    api.control_deployment(id, "pause").await.unwrap();
    let d = wait_until(&api, id, "all hosts to finish", 30, |d| {
        d.overview.in_progress == 0
    })
    .await;
    assert_eq!(
        (d.status, d.overview.failed, d.overview.succeeded),
        (DeploymentStatus::Paused, 1, 2),
        "{d:#?}"
    );
    let failed = d
        .hosts
        .iter()
        .find(|h| h.status == HostTargetStatus::Failed)
        .unwrap()
        .clone();
    assert_eq!(failed.attempt, 1);
    std::fs::remove_file(broken_root.join("broken")).unwrap();
    let d = api.retry_failed_hosts(id, &[]).await.unwrap();
    let h = d
        .hosts
        .iter()
        .find(|h| h.host_id == failed.host_id)
        .unwrap();
    assert_eq!((h.status, h.attempt), (HostTargetStatus::Pending, 2));
    api.control_deployment(id, "resume").await.unwrap();
    let d = wait_done(&api, id, 60).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    let h = d
        .hosts
        .iter()
        .find(|h| h.host_id == failed.host_id)
        .unwrap();
    assert_eq!((h.status, h.attempt), (HostTargetStatus::Succeeded, 2));
    // Each attempt ran once: two runs on the retried host, one on the others.
    assert_eq!(runs(&broken_root, id).len(), 2);
    assert_eq!(runs(&sims[0].root_of(0), id).len(), 1);
    // Retrying a finished deployment is refused.
    assert_eq!(
        api.retry_failed_hosts(id, &[]).await.unwrap_err().status(),
        Some(409)
    );
    // A `null` body, which the schema allows, means "every failed host" like no body: the
    // refusal is the state's (409), not the body's (400).
    let res = reqwest::Client::new()
        .post(format!("{}/v1/deployments/{id}/retry-failed-hosts", p.url))
        .bearer_auth(&p.admin_token)
        .header("content-type", "application/json")
        .body("null")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 409, "{}", res.text().await.unwrap());
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_queues_or_rejects_a_second_deployment_as_its_policy_says() {
    let p = TestPlatform::start().await.unwrap();
    let api = p.api();
    // Two applications, each on its own hosts (both install to /opt/app).
    let _r = fleet(&p, &[("zone-a", 2)], "rej").await;
    let _q = fleet(&p, &[("zone-a", 2)], "que").await;
    setup(
        &api,
        "rejects",
        ("role", "rej"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    setup(
        &api,
        "queues",
        ("role", "que"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Queue,
    )
    .await;
    let slow = format!("{RECORD}\nsleep 1");
    let r = push(
        &api,
        p.dir.path(),
        "rejects",
        "v1",
        &[("ApplicationStart", &slow)],
    )
    .await;
    let q = push(
        &api,
        p.dir.path(),
        "queues",
        "v1",
        &[("ApplicationStart", &slow)],
    )
    .await;

    let r1 = deploy(&api, "rejects", &r).await;
    let err = api
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: "rejects".into(),
                deployment_group: "web".into(),
                revision: r.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .unwrap_err();
    match err {
        liftoff_client::ClientError::Api { status, body } => {
            assert_eq!(
                (status, body.error.code.as_str()),
                (409, "deployment_in_progress")
            );
        }
        e => panic!("{e}"),
    }
    let q1 = deploy(&api, "queues", &q).await;
    let q2 = deploy(&api, "queues", &q).await;
    assert_eq!(q2.status, DeploymentStatus::Queued);
    let q1 = wait_done(&api, q1.deployment_id, 60).await;
    let q2 = wait_done(&api, q2.deployment_id, 60).await;
    assert_eq!(
        (q1.status, q2.status),
        (DeploymentStatus::Succeeded, DeploymentStatus::Succeeded)
    );
    assert!(
        q2.started_at.unwrap() >= q1.completed_at.unwrap(),
        "the queued one started after the first ended"
    );
    assert_eq!(
        wait_done(&api, r1.deployment_id, 60).await.status,
        DeploymentStatus::Succeeded
    );
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hosts_that_join_or_leave_the_group_mid_deployment_are_added_or_skipped_as_the_registry_tells()
 {
    // Only the registry's push can bring the change in time: the upkeep's own look at the
    // copy (the net under a lost push) is an hour away.
    let mut settings = ServiceSettings::default();
    settings.scheduler.membership_refresh = Duration::from_secs(3600);
    let p = TestPlatform::start_with(settings).await.unwrap();
    let api = p.api();
    let _sims = fleet(&p, &[("zone-a", 2)], "web").await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "OneAtATime",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let slow = format!("{RECORD}\nsleep 1");
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", &slow)],
    )
    .await;
    let d = deploy(&api, "shop", &v1).await;
    let started = wait_until(&api, d.deployment_id, "the rollout to start", 30, |d| {
        d.overview.in_progress == 1
    })
    .await;
    // A pending host whose tags no longer match leaves the rollout.
    let leaving = started
        .hosts
        .iter()
        .find(|h| h.status == HostTargetStatus::Pending)
        .expect("a pending host")
        .host_id;
    p.registry()
        .update_host(
            leaving,
            &liftoff_types::registry::UpdateHost {
                tags: Some([("role".to_string(), "db".to_string())].into()),
            },
        )
        .await
        .unwrap();
    let token = p.enrollment_token().await.unwrap();
    let late = Sim::spawn(
        &p.url,
        &[],
        &token,
        "zone-b",
        &[("role", "web")],
        &p.dir.path().join("late"),
        "late",
        1,
    );
    let d = wait_until(&api, d.deployment_id, "the new host to join", 60, |d| {
        d.hosts.len() == 3
    })
    .await;
    assert!(d.hosts.iter().any(|h| h.zone == "zone-b"));
    let d = wait_done(&api, d.deployment_id, 60).await;
    assert_eq!(
        (d.status, d.overview.succeeded, d.overview.skipped),
        (DeploymentStatus::Succeeded, 2, 1),
        "{d:#?}"
    );
    let left = d.hosts.iter().find(|h| h.host_id == leaving).unwrap();
    assert_eq!(
        (left.status, left.error_code.as_deref()),
        (HostTargetStatus::Skipped, Some("left-group"))
    );
    assert_eq!(runs(&late.root_of(0), d.deployment_id).len(), 1);
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_waits_for_approval_then_zones_go_one_at_a_time_with_a_bake() {
    let p = TestPlatform::start().await.unwrap();
    let api = p.api();
    let _sims = fleet(&p, &[("zone-a", 2), ("zone-b", 2)], "web").await;
    api.create_config(&CreateDeploymentConfig {
        name: "careful".into(),
        minimum_healthy: MinimumHealthy::HostCount(0),
        zone_mode: Some(ZoneMode::ZoneAtATime),
        zone_bake_secs: Some(1),
        canary_batch_size: Some(1),
        health_analysis: None,
    })
    .await
    .unwrap();
    // Bad configurations are refused with the field named.
    let err = api
        .create_config(&CreateDeploymentConfig {
            name: "bad".into(),
            minimum_healthy: MinimumHealthy::HostCount(0),
            zone_mode: None,
            zone_bake_secs: Some(5),
            canary_batch_size: None,
            health_analysis: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    setup(
        &api,
        "shop",
        ("role", "web"),
        "careful",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let body = format!("{RECORD}\nsleep 0.3");
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", &body)],
    )
    .await;
    let d = deploy(&api, "shop", &v1).await;
    let id = d.deployment_id;
    let d = wait_until(&api, id, "the canary to finish", 30, |d| {
        d.status == DeploymentStatus::AwaitingApproval
    })
    .await;
    assert_eq!((d.overview.succeeded, d.overview.pending), (1, 3), "{d:#?}");
    // Resume is not approval.
    assert_eq!(
        api.control_deployment(id, "resume")
            .await
            .unwrap_err()
            .status(),
        Some(409)
    );
    api.control_deployment(id, "approve").await.unwrap();
    let d = wait_done(&api, id, 60).await;
    assert_eq!(
        (d.status, d.overview.succeeded),
        (DeploymentStatus::Succeeded, 4),
        "{d:#?}"
    );
    let zone_a_done = d
        .hosts
        .iter()
        .filter(|h| h.zone == "zone-a")
        .map(|h| h.completed_at.unwrap())
        .max()
        .unwrap();
    let zone_b_start = d
        .hosts
        .iter()
        .filter(|h| h.zone == "zone-b")
        .map(|h| h.dispatched_at.unwrap())
        .min()
        .unwrap();
    assert!(
        zone_b_start - zone_a_done >= chrono::Duration::milliseconds(950),
        "zone-b started {} ms after zone-a finished; the bake is 1 s",
        (zone_b_start - zone_a_done).num_milliseconds()
    );
    p.stop().await;
}

/// Excluding the last host a rollout has left would end it (no host to deploy to): refused
/// with 409 `too_few_hosts`, nothing changes, and the deployment goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excluding_the_last_host_left_is_refused_and_changes_nothing() {
    let p = TestPlatform::start().await.unwrap();
    let api = p.api();
    let sims = fleet(&p, &[("zone-a", 1)], "web").await;
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
    // The agent frozen: its command waits, dispatched and not yet picked up (excludable).
    sims[0].signal(nix::sys::signal::Signal::SIGSTOP);
    let d = deploy(&api, "shop", &v1).await;
    let id = d.deployment_id;
    let d = wait_until(&api, id, "the host's command to be dispatched", 30, |d| {
        d.hosts
            .iter()
            .any(|h| h.status == HostTargetStatus::Dispatched)
    })
    .await;
    let host = d.hosts[0].host_id;
    let err = api.exclude_host(id, host).await.unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    assert!(err.to_string().contains("too_few_hosts"), "{err}");
    let d = api.get_deployment(id).await.unwrap();
    assert_eq!(d.hosts[0].status, HostTargetStatus::Dispatched, "{d:#?}");
    sims[0].signal(nix::sys::signal::Signal::SIGCONT);
    let d = wait_done(&api, id, 60).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
}
