//! End to end: the real control plane, real agent processes, real hook scripts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use liftoff_testkit::{AgentProcess, TestPlatform, wait_for, write_bundle};
use liftoff_types::deployments::*;
use liftoff_types::scheduler::{EventStatus, HostTargetStatus};

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");

async fn start_agents(p: &TestPlatform, zones: &[&str]) -> Vec<AgentProcess> {
    let token = p.enrollment_token().await.expect("enrollment token");
    let mut agents = Vec::new();
    for (i, zone) in zones.iter().enumerate() {
        let root = p.dir.path().join(format!("host-{i}"));
        agents.push(
            AgentProcess::spawn(
                Path::new(BIN),
                &p.url,
                &token,
                zone,
                &[("role", "web")],
                &root,
            )
            .expect("spawn agent"),
        );
    }
    let want = zones.len();
    let reg = p.registry();
    wait_for("agents to enroll", Duration::from_secs(60), || {
        let reg = reg.clone();
        async move {
            let hosts = reg
                .list_hosts(&[("role".into(), "web".into())], None)
                .await
                .ok()?
                .hosts;
            (hosts.len() >= want).then_some(())
        }
    })
    .await;
    agents
}

async fn setup_app(p: &TestPlatform, config: &str) {
    let api = p.api();
    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: None,
    })
    .await
    .expect("create app");
    api.create_group(
        "shop",
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: "web".into(),
            selector: BTreeMap::from([("role".to_string(), vec!["web".to_string()])]),
            deployment_config: Some(config.into()),
            auto_rollback: None,
            concurrency_policy: None,
            stage: None,
            health_analysis: None,
        },
    )
    .await
    .expect("create group");
}

async fn push(p: &TestPlatform, name: &str, scripts: &[(&str, &str)]) -> Revision {
    let dir = p.dir.path().join(format!("bundle-{name}"));
    write_bundle(&dir, name, scripts).expect("write bundle");
    let archive = p.dir.path().join(format!("{name}.tar.gz"));
    liftoff_testkit::pack(&dir, &archive).expect("pack");
    p.api()
        .push_revision("shop", &archive, Some(name), None, None)
        .await
        .expect("push revision")
}

async fn deploy_and_wait(p: &TestPlatform, rev: &Revision) -> Deployment {
    let api = p.api();
    let d = api
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: "shop".into(),
                deployment_group: "web".into(),
                revision: rev.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .expect("create deployment");
    wait_for("the deployment to finish", Duration::from_secs(120), || {
        let api = api.clone();
        async move {
            api.get_deployment(d.deployment_id)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await
}

/// Every hook records its environment, so the test can check what scripts see.
const RECORD: &str = "echo \"$LIFECYCLE_EVENT $DEPLOYMENT_ID $APPLICATION_NAME $DEPLOYMENT_GROUP_NAME\" >> \"$LIFTOFF_ROOT/hooks.log\"";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolls_v1_then_v2_across_zones_with_real_agents() {
    let p = TestPlatform::start().await.expect("platform");
    let agents = start_agents(&p, &["zone-a", "zone-b", "zone-a", "zone-b"]).await;
    setup_app(&p, "HalfAtATime").await;
    let scripts = |v: &'static str| -> Vec<(&'static str, String)> {
        vec![
            (
                "ApplicationStop",
                format!("{RECORD}\necho stop-{v} >> \"$LIFTOFF_ROOT/stops.log\""),
            ),
            ("BeforeInstall", RECORD.to_string()),
            (
                "AfterInstall",
                format!("{RECORD}\ntest \"$(cat \"$LIFTOFF_ROOT/opt/app/VERSION\")\" = {v}"),
            ),
            ("ApplicationStart", RECORD.to_string()),
            ("ValidateService", format!("{RECORD}\necho validated {v}")),
        ]
    };
    let s1 = scripts("v1");
    let v1 = push(
        &p,
        "v1",
        &s1.iter().map(|(e, b)| (*e, b.as_str())).collect::<Vec<_>>(),
    )
    .await;
    let s2 = scripts("v2");
    let v2 = push(
        &p,
        "v2",
        &s2.iter().map(|(e, b)| (*e, b.as_str())).collect::<Vec<_>>(),
    )
    .await;
    assert!(v1.created && v2.created);
    assert_eq!(
        v1.hook_events,
        [
            "ApplicationStop",
            "BeforeInstall",
            "AfterInstall",
            "ApplicationStart",
            "ValidateService"
        ]
    );

    let d1 = deploy_and_wait(&p, &v1).await;
    assert_eq!(d1.status, DeploymentStatus::Succeeded, "v1: {d1:#?}");
    assert_eq!(d1.overview.succeeded, 4);
    assert_eq!(d1.hosts.len(), 4);
    for h in &d1.hosts {
        assert_eq!(h.status, HostTargetStatus::Succeeded);
        let events: Vec<_> = h
            .events
            .iter()
            .map(|e| (e.event.as_str(), e.status))
            .collect();
        assert_eq!(
            events,
            [
                ("ApplicationStop", EventStatus::Skipped),
                ("DownloadBundle", EventStatus::Succeeded),
                ("BeforeInstall", EventStatus::Succeeded),
                ("Install", EventStatus::Succeeded),
                ("AfterInstall", EventStatus::Succeeded),
                ("ApplicationStart", EventStatus::Succeeded),
                ("ValidateService", EventStatus::Succeeded),
            ],
            "host {} events",
            h.host_id
        );
        let validate = h
            .events
            .iter()
            .find(|e| e.event == "ValidateService")
            .expect("ValidateService");
        assert!(
            validate.output_tail.contains("validated v1"),
            "output tail: {:?}",
            validate.output_tail
        );
    }
    // The group's zones alternate in the plan, so each half held one host of each zone.
    let zones: Vec<_> = d1.hosts.iter().map(|h| h.zone.as_str()).collect();
    assert_eq!(zones, ["zone-a", "zone-b", "zone-a", "zone-b"]);

    let d2 = deploy_and_wait(&p, &v2).await;
    assert_eq!(d2.status, DeploymentStatus::Succeeded, "v2: {d2:#?}");
    for a in &agents {
        // ApplicationStop ran from v1 (the last revision that succeeded on the host).
        let stops = std::fs::read_to_string(a.root.join("stops.log")).unwrap_or_default();
        assert_eq!(stops.trim(), "stop-v1", "agent log:\n{}", a.log_text());
        let installed =
            std::fs::read_to_string(a.root.join("opt/app/VERSION")).expect("installed file");
        assert_eq!(installed.trim(), "v2");
        let hooks = std::fs::read_to_string(a.root.join("hooks.log")).expect("hooks log");
        let first = hooks.lines().next().expect("a hook line");
        assert_eq!(
            first,
            format!("BeforeInstall {} shop web", d1.deployment_id)
        );
    }
    let group = p.api().get_group("shop", "web").await.expect("group");
    assert_eq!(group.last_successful_revision_id, Some(v2.revision_id));

    // History knows which revision each host runs, and when the deployment's events happened.
    let history = p.history();
    let v2id = v2.revision_id;
    let running = wait_for(
        "history to show every host on v2",
        Duration::from_secs(30),
        || {
            let history = history.clone();
            async move {
                let l = history
                    .host_revisions(Some("shop"), Some(v2id))
                    .await
                    .ok()?;
                (l.hosts.len() == 4).then_some(l)
            }
        },
    )
    .await;
    assert!(
        running
            .hosts
            .iter()
            .all(|h| h.deployment_id == d2.deployment_id)
    );
    // The deployment's own events come through the same outbox, possibly a relay later.
    let d2id = d2.deployment_id;
    let wanted = [
        "deployment.created",
        "deployment.started",
        "host.deployment_started",
        "host.event_finished",
        "host.deployment_succeeded",
        "deployment.succeeded",
    ];
    wait_for(
        "history to hold the deployment's events",
        Duration::from_secs(30),
        || {
            let history = history.clone();
            async move {
                let page = history
                    .events(&liftoff_client::EventQuery {
                        deployment_id: Some(d2id),
                        limit: Some(1000),
                        ..Default::default()
                    })
                    .await
                    .ok()?;
                let types: Vec<_> = page
                    .events
                    .iter()
                    .map(|e| e.event.event_type.clone())
                    .collect();
                wanted
                    .iter()
                    .all(|t| types.iter().any(|x| x == t))
                    .then_some(())
            }
        },
    )
    .await;
    for a in agents {
        a.stop().await;
    }
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_hook_fails_the_host_with_its_exit_code_and_output() {
    let p = TestPlatform::start().await.expect("platform");
    let agents = start_agents(&p, &["zone-a"]).await;
    setup_app(&p, "AllAtOnce").await;
    let rev = push(
        &p,
        "bad",
        &[
            ("BeforeInstall", "echo about to fail\necho boom >&2\nexit 3"),
            ("ApplicationStart", "echo never"),
        ],
    )
    .await;
    let d = deploy_and_wait(&p, &rev).await;
    assert_eq!(d.status, DeploymentStatus::Failed, "{d:#?}");
    let h = &d.hosts[0];
    assert_eq!(h.status, HostTargetStatus::Failed);
    assert_eq!(h.error_code.as_deref(), Some("script-failed"));
    let before = h
        .events
        .iter()
        .find(|e| e.event == "BeforeInstall")
        .expect("BeforeInstall reported");
    assert_eq!(before.status, EventStatus::Failed);
    assert_eq!(before.exit_code, Some(3));
    assert!(
        before.output_tail.contains("about to fail") && before.output_tail.contains("boom"),
        "{:?}",
        before.output_tail
    );
    assert!(
        h.events.iter().all(|e| e.event != "ApplicationStart"),
        "no event runs after a failure"
    );
    assert_eq!(
        d.error.as_ref().map(|e| e.code.as_str()),
        Some("HEALTH_CONSTRAINTS")
    );
    for a in agents {
        a.stop().await;
    }
    p.stop().await;
}
