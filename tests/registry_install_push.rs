//! Scale-out installs are settled by what the scheduler pushes (`install.outcome` through its
//! outbox), never by host-registry asking for the rollout: hosts reach `InService` or `Failed`
//! while the scheduler answers no `GET /v1/rollouts/...`; an outcome delivered twice is applied
//! once; a malformed one is refused and changes nothing. They are asked for and planned through
//! the outboxes too (`scale_out.requested`, `scale_out.planned`): a host enrolled while
//! deployment-api is down is installed when it is back (services running apart); a plan for an
//! older evaluation, or of the wrong type, changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "registry_common/mod.rs"]
mod common;
mod split_support;

use std::time::Duration;

use common::*;
use liftoff_client::{ClientError, EventQuery, RegistryClient};
use liftoff_kit::auth::TokenKind;
use liftoff_testkit::{TestPlatform, wait_for};
use liftoff_types::deployments::{CreateDeployment, DeploymentStatus};
use liftoff_types::events::EventType;
use liftoff_types::history::EventBatch;
use liftoff_types::registry::{HostState, InstallOutcome, InstallOutcomes, InstallStatus};
use liftoff_types::scale_out::ScaleOutPlan;
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

    // deployment-api's plans are fenced like the outcomes: a batch of another event type is
    // refused; a plan (even a refusal) for a host already past `Pending`, with nothing waiting
    // for a new plan, changes nothing.
    let planned = |plan: ScaleOutPlan| {
        let mut ev = liftoff_kit::outbox::event("deployment-api", EventType::ScaleOutPlanned);
        ev.host_id = Some(b_id);
        ev.data = serde_json::to_value(plan).unwrap();
        ev
    };
    let refusal = ScaleOutPlan {
        host_id: b_id,
        key: format!("{b_id}:0"),
        installs: Vec::new(),
        refused: Some("told by the test".into()),
    };
    let mut wrong = planned(refusal.clone());
    wrong.event_type = EventType::InstallOutcome.as_str().into();
    let err = svc
        .record_scale_out_plans(&EventBatch {
            events: vec![wrong],
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::Api { status: 400, .. }),
        "{err:?}"
    );
    let stale = ScaleOutPlan {
        key: format!("{b_id}:7"),
        ..refusal.clone()
    };
    let res = svc
        .record_scale_out_plans(&EventBatch {
            events: vec![planned(refusal), planned(stale)],
        })
        .await
        .unwrap();
    assert_eq!((res.accepted, res.duplicates), (0, 2));
    let host = p.registry().get_host(b_id).await.unwrap();
    assert_eq!(host.state, HostState::Installing, "{host:#?}");
    assert_eq!(host.installs.len(), 1, "{host:#?}");

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

/// `liftoff_http_requests_total` of `svc` on routes whose pattern is `route`.
async fn route_requests(c: &split_support::Cluster, svc: &str, route: &str) -> f64 {
    let text = reqwest::get(format!("{}/metrics", c.urls[svc]))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("liftoff_http_requests_total{"))
        .filter(|l| l.contains(&format!("route=\"{route}\"")))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

/// The host named `name` (its agent's `name` tag), once enrolled.
async fn host_named(reg: &RegistryClient, name: &str) -> liftoff_types::registry::Host {
    let selector = [("name".to_string(), name.to_string())];
    wait_for(
        &format!("{name} to enroll"),
        Duration::from_secs(60),
        || {
            let (reg, selector) = (reg.clone(), selector.clone());
            async move {
                reg.list_hosts(&selector, None)
                    .await
                    .ok()?
                    .hosts
                    .into_iter()
                    .next()
            }
        },
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_enrolled_while_deployment_api_is_down_is_installed_when_it_is_back() {
    let mut c = split_support::Cluster::start().await;
    let api = c.api();
    let reg = c.registry();
    let t = c.shop_web().await;
    let a = c.agent(&t, "a", &[("role", "web")]);
    let host_a = host_named(&reg, "a").await;
    let bundle = c.dir.path().join("bundle");
    liftoff_testkit::write_bundle(&bundle, "v1", &[("BeforeInstall", "true")]).unwrap();
    let archive = c.dir.path().join("v1.tar.gz");
    liftoff_testkit::pack(&bundle, &archive).unwrap();
    let v1 = api
        .push_revision("shop", &archive, None, None, None)
        .await
        .unwrap();
    // The group's first deployment waits for a to be in service (it enrolled with no revision
    // to install), then makes v1 the group's revision.
    wait_for("a in service", Duration::from_secs(60), || {
        let reg = reg.clone();
        async move {
            let h = reg.get_host(host_a.host_id).await.ok()?;
            (h.state == HostState::InService).then_some(())
        }
    })
    .await;
    let d = api
        .create_deployment(
            &CreateDeployment {
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
    let done = wait_for("v1 on the group", Duration::from_secs(60), || {
        let api = api.clone();
        let id = d.deployment_id;
        async move {
            api.get_deployment(id)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await;
    assert_eq!(
        done.status,
        DeploymentStatus::Succeeded,
        "{done:#?}\n{}",
        c.logs()
    );

    // deployment-api is down: b enrolls, and waits Pending with its request queued.
    c.kill("deployment-api").await;
    let b = c.agent(&t, "b", &[("role", "web")]);
    let host_b = host_named(&reg, "b").await;
    wait_for(
        "b's request queued for deployment-api",
        Duration::from_secs(20),
        || {
            let c = &c;
            async move {
                (c.metric("host-registry", BACKLOG_TO_DEPLOYMENT_API).await >= 1.0).then_some(())
            }
        },
    )
    .await;
    let waiting = reg.get_host(host_b.host_id).await.unwrap();
    assert_eq!(waiting.state, HostState::Pending, "{waiting:#?}");

    // Back: the queued request is planned, v1 installed on b, and b goes into service.
    c.restart("deployment-api").await;
    let settled = wait_for("b in service", Duration::from_secs(90), || {
        let reg = reg.clone();
        async move {
            let h = reg.get_host(host_b.host_id).await.ok()?;
            (h.state == HostState::InService).then_some(h)
        }
    })
    .await;
    assert_eq!(settled.installs.len(), 1, "{settled:#?}\n{}", c.logs());
    assert_eq!(settled.installs[0].status, InstallStatus::Succeeded);
    assert_eq!(settled.installs[0].revision_id, v1.revision_id);
    assert_eq!(
        std::fs::read_to_string(c.root_of("b").join("opt/app/VERSION")).unwrap(),
        "v1\n"
    );
    // Through the outboxes both ways: deployment-api took the request on its outbox route,
    // host-registry the plan on its own; the direct route is gone.
    assert!(route_requests(&c, "deployment-api", "/v1/scale-out-requests").await >= 1.0);
    assert!(route_requests(&c, "host-registry", "/v1/hosts/scale-out-plans").await >= 1.0);
    let gone = reqwest::Client::new()
        .post(format!(
            "{}/v1/scale-out-installs",
            c.urls["deployment-api"]
        ))
        .bearer_auth(&c.admin)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    a.stop().await;
    b.stop().await;
    c.stop().await;
}

/// host-registry's outbox backlog towards deployment-api.
const BACKLOG_TO_DEPLOYMENT_API: &str =
    "liftoff_outbox_backlog{service=\"host-registry\",destination=\"deployment-api\"}";
