//! Scale-out installs are settled by what the scheduler pushes (`install.outcome` through its
//! outbox), never by host-registry asking for the rollout: hosts reach `InService` or `Failed`
//! while the scheduler answers no `GET /v1/rollouts/...`; an outcome delivered twice is applied
//! once; a malformed one is refused and changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "registry_common/mod.rs"]
mod common;

use std::time::Duration;

use common::*;
use liftoff_client::{ClientError, EventQuery, RegistryClient};
use liftoff_kit::auth::TokenKind;
use liftoff_testkit::{TestPlatform, wait_for};
use liftoff_types::deployments::DeploymentStatus;
use liftoff_types::registry::{HostState, InstallOutcome, InstallOutcomes, InstallStatus};
use liftoff_types::scheduler::{HostTargetStatus, RolloutStatus};
use uuid::Uuid;

/// How many `method` requests the platform answered on routes under `/v1/rollouts`
/// (`liftoff_http_requests_total`, labelled by route pattern).
async fn rollout_requests(p: &TestPlatform, method: &str) -> f64 {
    let text = reqwest::get(format!("{}/metrics", p.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("liftoff_http_requests_total{"))
        .filter(|l| {
            l.contains("route=\"/v1/rollouts") && l.contains(&format!("method=\"{method}\""))
        })
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

/// A BeforeInstall that fails while `$LIFTOFF_ROOT/broken` exists and waits while
/// `$LIFTOFF_ROOT/hold` exists.
fn scripts() -> Vec<(&'static str, String)> {
    let mut s = recording("v1");
    s.push((
        "BeforeInstall",
        "while [ -e \"$LIFTOFF_ROOT/hold\" ]; do sleep 0.1; done; \
         test ! -e \"$LIFTOFF_ROOT/broken\" || { echo disk is broken >&2; exit 3; }"
            .into(),
    ));
    s
}

fn service_client(p: &TestPlatform) -> RegistryClient {
    let (service, _) = p
        .authority
        .mint(
            TokenKind::Service,
            "scheduler",
            None,
            None,
            false,
            chrono::Duration::hours(1),
        )
        .unwrap();
    RegistryClient::new(p.client_with(Some(service)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_out_installs_are_settled_by_pushed_outcomes_without_reading_rollouts() {
    let p = start(fast_settings()).await;
    setup_app(&p).await;
    let t = token(&p).await;
    let (a, _) = agent(&p, &t, "a", &[("role", "web")]).await;
    let v1 = push(&p, "v1", &scripts()).await;
    let d1 = wait_deployment(&p, deploy(&p, &v1).await.deployment_id).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded, "{d1:#?}");

    let reads_before = rollout_requests(&p, "GET").await;
    let puts_before = rollout_requests(&p, "PUT").await;
    // A host that installs fine goes into service...
    let (b, b_id) = agent(&p, &t, "b", &[("role", "web")]).await;
    let ok = wait_state(&p, b_id, HostState::InService).await;
    assert_eq!(ok.installs[0].status, InstallStatus::Succeeded, "{ok:#?}");
    // ...and one whose install fails is failed, with the hook's error.
    let root = root_of(&p, "c");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("broken"), "").unwrap();
    let (c, c_id) = spawn_at(&p, &t, "c", &[("role", "web")], &root).await;
    let failed = wait_state(&p, c_id, HostState::Failed).await;
    assert_eq!(
        failed.installs[0].status,
        InstallStatus::Failed,
        "{failed:#?}"
    );
    let reason = failed.state_reason.clone().unwrap_or_default();
    assert!(reason.contains("script-failed"), "{reason}");
    // Heartbeats and ticks went by meanwhile (1 s interval): none of them read a rollout.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        rollout_requests(&p, "GET").await - reads_before,
        0.0,
        "host-registry read rollouts from the scheduler to judge installs"
    );
    // The counter is the right one: the two installs were handed to the scheduler.
    assert!(
        rollout_requests(&p, "PUT").await - puts_before >= 2.0,
        "no scale-out hand-off counted under /v1/rollouts"
    );
    for x in [a, b, c] {
        x.stop().await;
    }
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_install_outcome_delivered_twice_is_applied_once() {
    let p = start(fast_settings()).await;
    setup_app(&p).await;
    let t = token(&p).await;
    let (a, _) = agent(&p, &t, "a", &[("role", "web")]).await;
    let v1 = push(&p, "v1", &scripts()).await;
    let d1 = wait_deployment(&p, deploy(&p, &v1).await.deployment_id).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded, "{d1:#?}");

    // b's install waits in its BeforeInstall, so only our outcome can settle it.
    let root = root_of(&p, "b");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("hold"), "").unwrap();
    let (b, b_id) = spawn_at(&p, &t, "b", &[("role", "web")], &root).await;
    let installing = wait_state(&p, b_id, HostState::Installing).await;
    let deployment = installing.installs[0].deployment_id;

    let svc = service_client(&p);
    let outcome = InstallOutcome {
        event_id: Uuid::now_v7(),
        team: "default".into(),
        deployment_id: deployment,
        host_id: Some(b_id),
        host_status: Some(HostTargetStatus::Failed),
        rollout_status: None,
        error_code: Some("pushed-failure".into()),
        message: Some("told by the test".into()),
        occurred_at: chrono::Utc::now(),
    };

    // Malformed (a host's and a rollout's status at once): refused, nothing changes.
    let bad = InstallOutcome {
        event_id: Uuid::now_v7(),
        rollout_status: Some(RolloutStatus::Failed),
        ..outcome.clone()
    };
    let err = svc
        .record_install_outcomes(&InstallOutcomes {
            outcomes: vec![bad],
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Api { status: 400, .. }),
        "{err:?}"
    );
    let host = p.registry().get_host(b_id).await.unwrap();
    assert_eq!(host.state, HostState::Installing, "{host:#?}");

    let first = svc
        .record_install_outcomes(&InstallOutcomes {
            outcomes: vec![outcome.clone()],
        })
        .await
        .unwrap();
    assert_eq!((first.accepted, first.ignored), (1, 0));
    let failed = wait_state(&p, b_id, HostState::Failed).await;
    let reason = failed.state_reason.clone().unwrap_or_default();
    assert!(reason.contains("pushed-failure"), "{reason}");

    // The same event again (a relay retry, a second replica): nothing changes.
    let again = svc
        .record_install_outcomes(&InstallOutcomes {
            outcomes: vec![outcome.clone()],
        })
        .await
        .unwrap();
    assert_eq!((again.accepted, again.ignored), (0, 1));

    // History saw b fail once.
    let hist = p.history();
    let to_failed = wait_for("history of b failing", Duration::from_secs(30), || {
        let hist = hist.clone();
        async move {
            let page = hist
                .events(&EventQuery {
                    host_id: Some(b_id),
                    event_type: Some("host.state_changed".into()),
                    limit: Some(100),
                    ..Default::default()
                })
                .await
                .ok()?;
            let n = page
                .events
                .iter()
                .filter(|e| e.event.data.get("to").and_then(|v| v.as_str()) == Some("Failed"))
                .count();
            (n > 0).then_some(n)
        }
    })
    .await;
    assert_eq!(to_failed, 1, "b went to Failed more than once");
    std::fs::remove_file(root.join("hold")).unwrap();
    a.stop().await;
    b.stop().await;
    p.stop().await;
}
