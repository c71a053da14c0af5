//! Applications and deployment groups through HTTP: update, delete (refused while a
//! deployment runs, then everything goes but history's record), validation, team isolation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use std::time::Duration;

use fixtures::*;
use liftoff_client::EventQuery;
use liftoff_kit::auth::Role;
use liftoff_testkit::{TestPlatform, wait_for};
use liftoff_types::deployments::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_are_updated_and_deleted_only_when_idle() {
    let p = TestPlatform::start().await.expect("platform");
    app_group(&p, None, Some("qa")).await;
    let (s, a) = send(
        &p,
        Method::PATCH,
        "/v1/applications/shop",
        Some(json!({"description": "second"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["description"], "second");
    let (s, a) = send(
        &p,
        Method::PATCH,
        "/v1/applications/shop",
        Some(json!({"description": null})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["description"], Value::Null);
    for (body, status, want) in [
        (
            json!({"stages": ["dev", "dev"]}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"stages": ["Dev"]}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"description": "bad\u{202e}text"}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"team": "other"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        // The group `web` is in stage qa: an order without qa would orphan it.
        (
            json!({"stages": ["dev", "prod"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_stage",
        ),
    ] {
        let (s, b) = send(
            &p,
            Method::PATCH,
            "/v1/applications/shop",
            Some(body.clone()),
        )
        .await;
        assert_eq!((s, code(&b)), (status, want), "{body}: {b}");
    }
    let (s, a) = send(
        &p,
        Method::PATCH,
        "/v1/applications/shop",
        Some(json!({"stages": ["qa", "prod"]})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["stages"], json!(["qa", "prod"]));
    assert_eq!(
        a["description"],
        Value::Null,
        "absent fields stay as they are"
    );

    // Another team sees nothing; a viewer may not change anything.
    let other = p.team_token("other", Role::Admin);
    let viewer = p.team_token("default", Role::Viewer);
    for m in [Method::PATCH, Method::DELETE] {
        let (s, _) = send_as(
            &p,
            &other,
            m.clone(),
            "/v1/applications/shop",
            Some(json!({})),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} by another team");
        let (s, _) = send_as(
            &p,
            &viewer,
            m.clone(),
            "/v1/applications/shop",
            Some(json!({})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{m} by a viewer");
    }

    // Not while a deployment runs.
    silent_host(&p).await;
    let rev = push(&p, "v1").await;
    let api = p.api();
    let d = deploy(&api, &rev, None).await;
    let (s, b) = send(&p, Method::DELETE, "/v1/applications/shop", None).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::CONFLICT, "deployments_active"),
        "{b}"
    );
    api.get_application("shop").await.expect("still there");
    api.stop_deployment(d.deployment_id).await.expect("stop");

    let deleted = api.delete_application("shop").await.expect("delete");
    assert_eq!(
        (
            deleted.revisions,
            deleted.deployment_groups,
            deleted.deployments,
            deleted.bundles_freed
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        api.get_application("shop").await.unwrap_err().status(),
        Some(404)
    );
    assert_eq!(
        api.list_revisions("shop").await.unwrap_err().status(),
        Some(404)
    );
    assert_eq!(
        api.get_deployment(d.deployment_id)
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
    assert_eq!(
        api.delete_application("shop").await.unwrap_err().status(),
        Some(404)
    );
    // History keeps the record.
    let history = p.history();
    wait_for(
        "history to record the deletion",
        Duration::from_secs(30),
        || {
            let history = history.clone();
            async move {
                let page = history
                    .events(&EventQuery {
                        application: Some("shop".into()),
                        event_type: Some("application.deleted".into()),
                        ..Default::default()
                    })
                    .await
                    .ok()?;
                page.events.first().map(|e| e.event.data.clone())
            }
        },
    )
    .await;
    // The name is free again, and starts empty.
    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: None,
    })
    .await
    .expect("recreate");
    assert!(
        api.list_groups("shop")
            .await
            .unwrap()
            .deployment_groups
            .is_empty()
    );
    assert!(
        api.list_revisions("shop")
            .await
            .unwrap()
            .revisions
            .is_empty()
    );
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_are_updated_and_validated() {
    let p = TestPlatform::start().await.expect("platform");
    app_group(&p, Some("HalfAtATime"), None).await;
    let path = "/v1/applications/shop/deployment-groups/web";
    let (s, g) = send(
        &p,
        Method::PATCH,
        path,
        Some(json!({
            "selector": {"role": ["web", "api"], "env": ["prod"]},
            "deployment_config": "OneAtATime",
            "auto_rollback": true,
            "concurrency_policy": "queue",
            "stage": "staging"
        })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{g}");
    let got = p.api().get_group("shop", "web").await.unwrap();
    assert_eq!(
        got.selector,
        sel(&[("env", &["prod"]), ("role", &["web", "api"])])
    );
    assert_eq!(got.deployment_config, "OneAtATime");
    assert!(got.auto_rollback);
    assert_eq!(got.concurrency_policy, ConcurrencyPolicy::Queue);
    assert_eq!(got.stage.as_deref(), Some("staging"));
    // Null takes the group out of the stages; everything else stays.
    let (s, g) = send(&p, Method::PATCH, path, Some(json!({"stage": null}))).await;
    assert_eq!(s, StatusCode::OK, "{g}");
    let got = p.api().get_group("shop", "web").await.unwrap();
    assert_eq!(got.stage, None);
    assert_eq!(got.deployment_config, "OneAtATime");
    assert!(got.auto_rollback);
    for (body, status, want) in [
        (
            json!({"deployment_config": "nope"}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"selector": {}}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"selector": {"role": []}}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"stage": "Bad Stage"}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"concurrency_policy": "sometimes"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({"name": "renamed"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
    ] {
        let (s, b) = send(&p, Method::PATCH, path, Some(body.clone())).await;
        assert_eq!((s, code(&b)), (status, want), "{body}: {b}");
    }
    // With a declared order, a stage must be one of it, on update and on create.
    p.api()
        .update_application(
            "shop",
            &UpdateApplication {
                stages: Some(vec!["dev".into(), "prod".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (s, b) = send(&p, Method::PATCH, path, Some(json!({"stage": "staging"}))).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_stage"),
        "{b}"
    );
    let (s, b) = send(
        &p,
        Method::POST,
        "/v1/applications/shop/deployment-groups",
        Some(json!({"name": "api", "selector": {"role": ["api"]}, "stage": "qa"})),
    )
    .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_stage"),
        "{b}"
    );
    let (s, b) = send(&p, Method::PATCH, path, Some(json!({"stage": "prod"}))).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    // Unknown group, another team, a deployer (groups are an admin's).
    let (s, _) = send(
        &p,
        Method::PATCH,
        "/v1/applications/shop/deployment-groups/nope",
        Some(json!({})),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let other = p.team_token("other", Role::Admin);
    let (s, _) = send_as(&p, &other, Method::PATCH, path, Some(json!({}))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let deployer = p.team_token("default", Role::Deployer);
    let (s, _) = send_as(&p, &deployer, Method::PATCH, path, Some(json!({}))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // A running deployment keeps the configuration it started with.
    p.api()
        .update_group(
            "shop",
            "web",
            &UpdateDeploymentGroup {
                traffic_hooks: None,
                selector: Some(sel(&[("role", &["web"])])),
                concurrency_policy: Some(ConcurrencyPolicy::Reject),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    silent_host(&p).await;
    let rev = push(&p, "v1").await;
    let d = deploy(&p.api(), &rev, None).await;
    assert_eq!(d.deployment_config, "OneAtATime");
    p.api()
        .update_group(
            "shop",
            "web",
            &UpdateDeploymentGroup {
                traffic_hooks: None,
                deployment_config: Some("AllAtOnce".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let still = p.api().get_deployment(d.deployment_id).await.unwrap();
    assert_eq!(still.deployment_config, "OneAtATime");
    p.api().stop_deployment(d.deployment_id).await.unwrap();
    p.stop().await;
}
