//! A stage that requires approval: promotions into it are requests a second person approves
//! (the two-person rule).

use super::*;

/// A token of the default team for a named person.
fn person(p: &TestPlatform, name: &str, role: liftoff_kit::auth::Role) -> String {
    p.authority
        .mint(
            liftoff_kit::auth::TokenKind::Team,
            name,
            Some("default"),
            Some(role),
            false,
            chrono::Duration::hours(1),
        )
        .unwrap()
        .0
}

/// `liftoff <args> --json` as the holder of `token`.
async fn liftoff_as(p: &TestPlatform, token: &str, args: &[&str]) -> (i32, Value) {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .arg("--json")
        .env("LIFTOFF_URL", &p.url)
        .env("LIFTOFF_TOKEN", token)
        .env("LIFTOFF_DATA_DIR", p.dir.path().join("cli-data"))
        .output()
        .await
        .expect("run liftoff");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(
        |_| serde_json::json!({"stdout": stdout, "stderr": String::from_utf8_lossy(&out.stderr)}),
    );
    (out.status.code().unwrap_or(-1), json)
}

/// Staging requires approval: a promotion into it is a request that its requester cannot
/// approve, that a second deployer approves (starting the deployment, with real agents), that
/// can be rejected with a reason, and that expires (the gates' clock moved past it). Every
/// decision is in the audit log with its actor.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stage_that_requires_approval_takes_promotions_a_second_person_approves() {
    use liftoff_kit::auth::Role;
    let clock = liftoff_deployment_api::app::clock::Clock::default();
    let mut settings = liftoff_platform::ServiceSettings::default();
    settings.deployment_api.clock = clock.clone();
    let p = TestPlatform::start_with(settings).await.expect("platform");
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
        api.create_group(
            "shop",
            &CreateDeploymentGroup {
                traffic_hooks: None,
                health_analysis: None,
                name: stage.into(),
                selector: BTreeMap::from([("stage".to_string(), vec![stage.to_string()])]),
                deployment_config: None,
                auto_rollback: None,
                concurrency_policy: None,
                stage: Some(stage.into()),
            },
        )
        .await
        .unwrap();
    }
    let v1 = push(&p, "v1", &[("ValidateService", "echo ok")]).await;
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
    assert_eq!(
        wait_done(&p, d.deployment_id).await.status,
        DeploymentStatus::Succeeded
    );

    let admin = p.admin_token.clone();
    let alice = person(&p, "alice", Role::Deployer);
    let bob = person(&p, "bob", Role::Deployer);
    let viewer = person(&p, "vera", Role::Viewer);

    // The rule, set by an admin through the CLI; bad input changes nothing.
    for (token, args, want) in [
        (&admin, vec!["--expires-after", "10s"], 1),
        (&admin, vec!["--stage", "qa"], 1),
        (&alice, vec![], 1),
    ] {
        let mut a = vec!["promotion", "require", "--app", "shop"];
        if !args.contains(&"--stage") {
            a.extend(["--stage", "staging"]);
        }
        a.extend(args.iter().copied());
        let (code, out) = liftoff_as(&p, token, &a).await;
        assert_eq!(code, want, "{a:?}: {out}");
    }
    let stages = api.list_stages("shop").await.unwrap().stages;
    assert!(stages.iter().all(|s| s.approval.is_none()), "{stages:#?}");
    let (code, out) = liftoff_as(
        &p,
        &admin,
        &[
            "promotion",
            "require",
            "--app",
            "shop",
            "--stage",
            "staging",
            "--expires-after",
            "1h",
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["expires_after_secs"], 3600, "{out}");
    let stages = api.list_stages("shop").await.unwrap().stages;
    let staging = stages.iter().find(|s| s.name == "staging").unwrap();
    assert_eq!(
        staging.approval,
        Some(StageApproval {
            expires_after_secs: 3600
        })
    );

    // Alice promotes: a request, no deployment; the same key answers the same request.
    let as_alice = liftoff_client::DeploymentApiClient::new(p.client_with(Some(alice.clone())));
    let promote = Promote {
        from: "dev".into(),
        to: "staging".into(),
        config: None,
        description: None,
    };
    let PromoteOutcome::AwaitingApproval(r) = as_alice
        .promote("shop", &promote, Some("alice-1"))
        .await
        .unwrap()
    else {
        panic!("a promotion into staging should wait for approval");
    };
    assert_eq!(r.status, PromotionRequestStatus::Pending);
    assert_eq!(
        (r.requested_by.as_str(), r.revision_id),
        ("alice", v1.revision_id)
    );
    let PromoteOutcome::AwaitingApproval(again) = as_alice
        .promote("shop", &promote, Some("alice-1"))
        .await
        .unwrap()
    else {
        panic!("the same key should answer the same request");
    };
    assert_eq!(again.request_id, r.request_id);
    let staged = api
        .list_deployments(Some("shop"), Some("staging"), None, None, None)
        .await
        .unwrap();
    assert!(staged.deployments.is_empty(), "{staged:#?}");
    // Another team's request does not exist.
    api.create_team(&liftoff_types::tokens::CreateTeam {
        name: "other".into(),
        description: None,
    })
    .await
    .unwrap();
    let stranger = liftoff_client::DeploymentApiClient::new(
        p.client_with(Some(p.team_token("other", Role::Admin))),
    );
    assert_eq!(
        stranger
            .get_promotion_request(r.request_id)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    assert_eq!(
        stranger
            .approve_promotion_request(r.request_id)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    assert_eq!(
        stranger
            .reject_promotion_request(r.request_id, "no")
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );

    // Not by its requester, not by a viewer.
    let id = r.request_id.to_string();
    let (code, out) = liftoff_as(&p, &alice, &["promotion", "approve", &id]).await;
    assert_ne!(code, 0, "{out}");
    let err = as_alice
        .approve_promotion_request(r.request_id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403), "{err}");
    assert!(err.to_string().contains("two_person_rule"), "{err}");
    let as_viewer = liftoff_client::DeploymentApiClient::new(p.client_with(Some(viewer)));
    assert_eq!(
        as_viewer
            .approve_promotion_request(r.request_id)
            .await
            .unwrap_err()
            .status(),
        Some(403)
    );

    // Bob approves through the CLI: the staging deployment starts and v1 reaches staging.
    let (code, out) = liftoff_as(&p, &bob, &["promotion", "approve", &id]).await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["status"], "approved", "{out}");
    assert_eq!(out["decided_by"], "bob", "{out}");
    let ids = out["deployment_ids"].as_array().unwrap();
    assert_eq!(ids.len(), 1, "{out}");
    let staged_id: uuid::Uuid = ids[0].as_str().unwrap().parse().unwrap();
    let staged = wait_done(&p, staged_id).await;
    assert_eq!(staged.status, DeploymentStatus::Succeeded, "{staged:#?}");
    assert_eq!(staged.reason, DeploymentReason::Promotion);
    assert_eq!(staged.created_by, "alice");
    assert_eq!(installed(&agents[1]), "v1");
    // Decided once: a third person cannot approve it again.
    let err = api
        .approve_promotion_request(r.request_id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    assert!(err.to_string().contains("already_decided"), "{err}");

    // Rejected, with a reason (an empty one is refused).
    let PromoteOutcome::AwaitingApproval(r2) =
        as_alice.promote("shop", &promote, None).await.unwrap()
    else {
        panic!("a promotion into staging should wait for approval");
    };
    let as_bob = liftoff_client::DeploymentApiClient::new(p.client_with(Some(bob.clone())));
    assert_eq!(
        as_bob
            .reject_promotion_request(r2.request_id, " ")
            .await
            .unwrap_err()
            .status(),
        Some(400)
    );
    let rejected = as_bob
        .reject_promotion_request(r2.request_id, "not before the sale")
        .await
        .unwrap();
    assert_eq!(rejected.status, PromotionRequestStatus::Rejected);
    assert_eq!(rejected.reason.as_deref(), Some("not before the sale"));
    assert_eq!(
        as_bob
            .approve_promotion_request(r2.request_id)
            .await
            .unwrap_err()
            .status(),
        Some(409)
    );

    // Expired: nobody approved within the hour.
    let PromoteOutcome::AwaitingApproval(r3) =
        as_alice.promote("shop", &promote, None).await.unwrap()
    else {
        panic!("a promotion into staging should wait for approval");
    };
    clock.set(Some(chrono::Utc::now() + chrono::Duration::hours(2)));
    let err = as_bob
        .approve_promotion_request(r3.request_id)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409), "{err}");
    assert!(err.to_string().contains("approval_expired"), "{err}");
    clock.set(None);
    let expired = api.get_promotion_request(r3.request_id).await.unwrap();
    assert_eq!(expired.status, PromotionRequestStatus::Expired);
    let (code, out) = liftoff_as(
        &p,
        &admin,
        &["promotion", "list", "--app", "shop", "--status", "approved"],
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["requests"].as_array().unwrap().len(), 1, "{out}");
    let all = api
        .list_promotion_requests("shop", None, Some(2), None)
        .await
        .unwrap();
    assert_eq!(all.requests.len(), 2);
    assert!(all.next_cursor.is_some());

    // Every decision is in the audit log, with who made it.
    let history = p.history();
    let want = [
        ("promotion.requested", "alice"),
        ("promotion.approved", "bob"),
        ("promotion.rejected", "bob"),
        ("promotion.expired", "liftoff"),
        ("application.stage_approval_required", "admin"),
    ];
    wait_for(
        "the decisions in the audit log",
        Duration::from_secs(30),
        || {
            let history = history.clone();
            async move {
                let page = history
                    .audit(&liftoff_client::AuditQuery {
                        limit: Some(200),
                        ..Default::default()
                    })
                    .await
                    .ok()?;
                want.iter()
                    .all(|(action, actor)| {
                        page.entries
                            .iter()
                            .any(|e| e.action == *action && e.actor == *actor)
                    })
                    .then_some(())
            }
        },
    )
    .await;

    // Released: promotions start at once again.
    let (code, out) = liftoff_as(
        &p,
        &admin,
        &[
            "promotion",
            "release",
            "--app",
            "shop",
            "--stage",
            "staging",
        ],
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(matches!(
        as_alice.promote("shop", &promote, None).await.unwrap(),
        PromoteOutcome::Promoted(_)
    ));
    for a in agents {
        a.stop().await;
    }
    p.stop().await;
}
