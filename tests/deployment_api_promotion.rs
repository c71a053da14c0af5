//! Stages end to end with real agents: a dev host, a staging host and a production host;
//! a revision deployed to dev is promoted to staging, then to prod; promotion refuses what
//! it must, and a failure in one stage stops the revision there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use liftoff_client::DeploymentQuery;
use liftoff_testkit::{AgentProcess, TestPlatform, wait_for, write_bundle};
use liftoff_types::deployments::*;
use serde_json::Value;

#[path = "deployment_api_promotion/approvals.rs"]
mod approvals;

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const STAGES: [&str; 3] = ["dev", "staging", "prod"];

async fn liftoff(p: &TestPlatform, args: &[&str]) -> (i32, Value) {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .arg("--json")
        .env("LIFTOFF_URL", &p.url)
        .env("LIFTOFF_TOKEN", &p.admin_token)
        .env("LIFTOFF_DATA_DIR", p.dir.path().join("cli-data"))
        .output()
        .await
        .expect("run liftoff");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "`liftoff {}` printed no single JSON document ({e}):\n{stdout}\nstderr:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), json)
}

async fn start_agents(p: &TestPlatform) -> Vec<AgentProcess> {
    let token = p.enrollment_token().await.expect("token");
    let mut agents = Vec::new();
    for (i, stage) in STAGES.iter().enumerate() {
        agents.push(
            AgentProcess::spawn(
                Path::new(BIN),
                &p.url,
                &token,
                if i % 2 == 0 { "zone-a" } else { "zone-b" },
                &[("role", "web"), ("stage", stage)],
                &p.dir.path().join(format!("host-{stage}")),
            )
            .expect("agent"),
        );
    }
    let reg = p.registry();
    wait_for(
        "the three agents to enroll",
        Duration::from_secs(60),
        || {
            let reg = reg.clone();
            async move {
                let n = reg
                    .list_hosts(&[("role".into(), "web".into())], None)
                    .await
                    .ok()?
                    .hosts
                    .len();
                (n == 3).then_some(())
            }
        },
    )
    .await;
    agents
}

async fn push(p: &TestPlatform, version: &str, scripts: &[(&str, &str)]) -> Revision {
    let dir = p.dir.path().join(format!("bundle-{version}"));
    write_bundle(&dir, version, scripts).expect("bundle");
    let out = p.dir.path().join(format!("{version}.tar.gz"));
    liftoff_testkit::pack(&dir, &out).expect("pack");
    p.api()
        .push_revision("shop", &out, Some(version), None, None)
        .await
        .expect("push")
}

async fn wait_done(p: &TestPlatform, id: uuid::Uuid) -> Deployment {
    let api = p.api();
    wait_for("the deployment to finish", Duration::from_secs(120), || {
        let api = api.clone();
        async move {
            api.get_deployment(id)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await
}

fn installed(agent: &AgentProcess) -> String {
    std::fs::read_to_string(agent.root.join("opt/app/VERSION"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revision_is_promoted_from_dev_to_staging_to_prod() {
    let p = TestPlatform::start().await.expect("platform");
    let agents = start_agents(&p).await;
    let api = p.api();
    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: None,
    })
    .await
    .unwrap();
    api.update_application(
        "shop",
        &UpdateApplication {
            stages: Some(STAGES.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for stage in STAGES {
        // The CLI's `group create ... --stage S`.
        let (code, g) = liftoff(
            &p,
            &[
                "group",
                "create",
                "--app",
                "shop",
                stage,
                "--selector",
                &format!("stage={stage}"),
                "--stage",
                stage,
            ],
        )
        .await;
        assert_eq!(code, 0, "{g}");
        assert_eq!(g["stage"], stage);
    }
    // Stage scripts fail in staging for v2 only, so a bad revision stops there.
    let v1 = push(
        &p,
        "v1",
        &[("ValidateService", "echo ok in $DEPLOYMENT_GROUP_NAME")],
    )
    .await;
    let v2 = push(
        &p,
        "v2",
        &[(
            "ValidateService",
            "test \"$DEPLOYMENT_GROUP_NAME\" != staging",
        )],
    )
    .await;

    // Nothing has succeeded anywhere yet.
    let promote = |from: &str, to: &str| Promote {
        from: from.into(),
        to: to.into(),
        config: None,
        description: None,
    };
    let err = api
        .promote("shop", &promote("dev", "staging"), None)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    assert!(err.to_string().contains("no_successful_revision"), "{err}");

    let d = api
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: "shop".into(),
                deployment_group: "dev".into(),
                revision: v1.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .unwrap();
    let d = wait_done(&p, d.deployment_id).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    assert_eq!(installed(&agents[0]), "v1");

    // The order is dev → staging → prod: no skipping, no going back, no strangers.
    for (from, to, status, code) in [
        ("dev", "prod", 422, "promotion_out_of_order"),
        ("staging", "dev", 422, "promotion_out_of_order"),
        ("dev", "qa", 422, "unknown_stage"),
        ("staging", "prod", 409, "no_successful_revision"),
    ] {
        let err = api
            .promote("shop", &promote(from, to), None)
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status), "{from} → {to}: {err}");
        assert!(err.to_string().contains(code), "{from} → {to}: {err}");
    }

    // dev → staging through the API, with a key: a retry starts nothing new.
    let pr = api
        .promote("shop", &promote("dev", "staging"), Some("promo-1"))
        .await
        .unwrap()
        .into_promotion()
        .unwrap();
    assert_eq!(pr.revision_id, v1.revision_id);
    assert_eq!(pr.source_deployment_id, d.deployment_id);
    assert_eq!(pr.deployments.len(), 1);
    let staged = &pr.deployments[0];
    assert_eq!(
        (staged.deployment_group.as_str(), staged.reason),
        ("staging", DeploymentReason::Promotion)
    );
    assert_eq!(staged.created_by, "admin");
    let replay = api
        .promote("shop", &promote("dev", "staging"), Some("promo-1"))
        .await
        .unwrap()
        .into_promotion()
        .unwrap();
    assert_eq!(replay.deployments[0].deployment_id, staged.deployment_id);
    let staged = wait_done(&p, staged.deployment_id).await;
    assert_eq!(staged.status, DeploymentStatus::Succeeded, "{staged:#?}");
    assert_eq!(installed(&agents[1]), "v1");

    // staging → prod from the command line, waiting: exit 0 on success.
    let (code, out) = liftoff(
        &p,
        &[
            "promote", "--app", "shop", "--from", "staging", "--to", "prod", "--wait",
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["revision_id"], v1.revision_id.to_string());
    assert_eq!(out["deployments"][0]["status"], "Succeeded", "{out}");
    assert_eq!(out["deployments"][0]["reason"], "promotion");
    assert_eq!(installed(&agents[2]), "v1");

    // v2 passes dev, fails in staging: promote --wait exits non-zero, and prod keeps v1.
    let d2 = api
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: "shop".into(),
                deployment_group: "dev".into(),
                revision: v2.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        wait_done(&p, d2.deployment_id).await.status,
        DeploymentStatus::Succeeded
    );
    let (code, out) = liftoff(
        &p,
        &[
            "promote", "--app", "shop", "--from", "dev", "--to", "staging", "--wait",
        ],
    )
    .await;
    assert_ne!(code, 0, "a failed promotion exits non-zero: {out}");
    assert_eq!(out["deployments"][0]["status"], "Failed", "{out}");
    assert_eq!(out["revision_id"], v2.revision_id.to_string());
    // What last succeeded in staging is still v1, so that is what prod would get.
    let pr = api
        .promote("shop", &promote("staging", "prod"), None)
        .await
        .unwrap()
        .into_promotion()
        .unwrap();
    assert_eq!(pr.revision_id, v1.revision_id);
    assert_eq!(
        wait_done(&p, pr.deployments[0].deployment_id).await.status,
        DeploymentStatus::Succeeded
    );
    assert_eq!(installed(&agents[2]), "v1");
    assert_eq!(installed(&agents[0]), "v2");

    // The stages view, and the deployments promotion made.
    let stages = api.list_stages("shop").await.unwrap().stages;
    let view: BTreeMap<_, _> = stages
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                (s.deployment_groups.clone(), s.last_successful_revision_id),
            )
        })
        .collect();
    assert_eq!(
        stages.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        STAGES
    );
    assert_eq!(view["dev"], (vec!["dev".to_string()], Some(v2.revision_id)));
    assert_eq!(
        view["staging"],
        (vec!["staging".to_string()], Some(v1.revision_id))
    );
    assert_eq!(
        view["prod"],
        (vec!["prod".to_string()], Some(v1.revision_id))
    );
    let promoted = api
        .query_deployments(&DeploymentQuery {
            reason: Some("promotion".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(promoted.deployments.len(), 4);
    assert!(promoted.deployments.iter().all(|d| {
        d.description
            .as_deref()
            .is_some_and(|t| t.starts_with("promoted from stage"))
    }));
    for a in agents {
        a.stop().await;
    }
    p.stop().await;
}
