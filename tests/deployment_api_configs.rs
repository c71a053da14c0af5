//! Custom deployment configurations (validated, carried to the scheduler, deletable only
//! when unused) and the deployment list (who and why, time range, reason, cursor), with
//! revisions' first and last deployment times.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/fixtures.rs"]
mod fixtures;

use diesel::QueryableByName;
use fixtures::*;
use liftoff_client::{DeploymentApiClient, DeploymentQuery};
use liftoff_kit::auth::Role;
use liftoff_testkit::TestPlatform;
use liftoff_types::deployments::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(QueryableByName)]
struct SpecRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    spec: String,
}

/// The rollout specification the scheduler stored for a deployment.
async fn scheduler_spec(p: &TestPlatform, id: uuid::Uuid) -> Value {
    let running = p.running.as_ref().expect("running");
    let scheduler = running
        .services
        .iter()
        .find(|s| s.name() == "scheduler")
        .expect("scheduler");
    let rows: Vec<SpecRow> = scheduler
        .db()
        .run(move |c| {
            use diesel::RunQueryDsl;
            Ok(diesel::sql_query(format!(
                "SELECT spec FROM rollouts WHERE deployment_id = '{id}'"
            ))
            .load(c)?)
        })
        .await
        .expect("query");
    serde_json::from_str(&rows.first().expect("a rollout").spec).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_configurations_are_validated_carried_to_the_scheduler_and_deleted_when_unused() {
    let p = TestPlatform::start().await.expect("platform");
    let create = |body: Value| send(&p, Method::POST, "/v1/deployment-configs", Some(body));
    let (s, c) = create(json!({
        "name": "half-zoned",
        "minimum_healthy": {"type": "FLEET_PERCENT", "value": 50},
        "zone_mode": "zone-at-a-time",
        "canary_batch_size": 2
    }))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["builtin"], false);
    let (s, c) =
        create(json!({"name": "two-up", "minimum_healthy": {"type": "HOST_COUNT", "value": 2}}))
            .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["zone_mode"], "striped");
    assert_eq!(c["canary_batch_size"], Value::Null);
    for (body, status, want) in [
        (
            json!({"name": "full", "minimum_healthy": {"type": "FLEET_PERCENT", "value": 100}}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"name": "abo", "minimum_healthy": {"type": "ALL_BUT_ONE"}}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"name": "huge", "minimum_healthy": {"type": "HOST_COUNT", "value": 2_000_000}}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"name": "c0", "minimum_healthy": {"type": "HOST_COUNT", "value": 1}, "canary_batch_size": 0}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"name": "Bad Name", "minimum_healthy": {"type": "HOST_COUNT", "value": 1}}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"name": "neg", "minimum_healthy": {"type": "HOST_COUNT", "value": -1}}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({"name": "kind", "minimum_healthy": {"type": "NOPE", "value": 1}}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({"name": "zm", "minimum_healthy": {"type": "HOST_COUNT", "value": 1}, "zone_mode": "diagonal"}),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            json!({"name": "half-zoned", "minimum_healthy": {"type": "HOST_COUNT", "value": 1}}),
            StatusCode::CONFLICT,
            "already_exists",
        ),
    ] {
        let (s, b) = create(body.clone()).await;
        assert_eq!((s, code(&b)), (status, want), "{body}: {b}");
    }
    let api = p.api();
    let names: Vec<_> = api
        .list_configs()
        .await
        .unwrap()
        .deployment_configs
        .into_iter()
        .map(|c| (c.name, c.builtin))
        .collect();
    assert_eq!(
        names,
        [
            ("AllAtOnce".to_string(), true),
            ("HalfAtATime".to_string(), true),
            ("OneAtATime".to_string(), true),
            ("half-zoned".to_string(), false),
            ("two-up".to_string(), false),
        ]
    );
    let half = api.get_config("half-zoned").await.unwrap();
    assert_eq!(half.minimum_healthy, MinimumHealthy::FleetPercent(50));
    assert_eq!(
        (half.zone_mode, half.canary_batch_size),
        (ZoneMode::ZoneAtATime, Some(2))
    );
    assert_eq!(
        api.get_config("CodeDeployDefault.OneAtATime")
            .await
            .unwrap()
            .name,
        "OneAtATime"
    );
    // Another team has its own configurations, and a viewer makes none.
    let other = DeploymentApiClient::new(p.client_with(Some(p.team_token("other", Role::Admin))));
    assert_eq!(
        other.get_config("half-zoned").await.unwrap_err().status(),
        Some(404)
    );
    assert_eq!(
        other.list_configs().await.unwrap().deployment_configs.len(),
        3
    );
    let viewer = p.team_token("default", Role::Viewer);
    let (s, _) = send_as(
        &p,
        &viewer,
        Method::POST,
        "/v1/deployment-configs",
        Some(json!({"name": "v", "minimum_healthy": {"type": "HOST_COUNT", "value": 1}})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // In use by a group: not deletable. Built-ins never are.
    app_group(&p, Some("half-zoned"), None).await;
    let (s, b) = send(
        &p,
        Method::DELETE,
        "/v1/deployment-configs/half-zoned",
        None,
    )
    .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::CONFLICT, "config_in_use"),
        "{b}"
    );
    assert!(
        b["error"]["message"].as_str().unwrap().contains("shop/web"),
        "{b}"
    );
    let (s, b) = send(&p, Method::DELETE, "/v1/deployment-configs/AllAtOnce", None).await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::UNPROCESSABLE_ENTITY, "builtin_config"),
        "{b}"
    );
    let (s, _) = send(&p, Method::DELETE, "/v1/deployment-configs/missing", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A deployment with it carries the zone mode and canary batch to the scheduler. Two
    // hosts, so half of them may be offline at once.
    silent_host_named(&p, "silent-1").await;
    silent_host_named(&p, "silent-2").await;
    let rev = push(&p, "v1").await;
    let d = deploy(&api, &rev, None).await;
    assert_eq!(d.deployment_config, "half-zoned");
    let spec = scheduler_spec(&p, d.deployment_id).await;
    assert_eq!(spec["zone_mode"], "zone-at-a-time", "{spec}");
    assert_eq!(
        spec["canary"],
        json!({"type": "HOST_COUNT", "value": 2}),
        "{spec}"
    );
    assert_eq!(
        spec["minimum_healthy"],
        json!({"type": "FLEET_PERCENT", "value": 50})
    );

    // The group moves on, but an unfinished deployment still uses it.
    api.update_group(
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
    let (s, b) = send(
        &p,
        Method::DELETE,
        "/v1/deployment-configs/half-zoned",
        None,
    )
    .await;
    assert_eq!(
        (s, code(&b)),
        (StatusCode::CONFLICT, "config_in_use"),
        "{b}"
    );
    api.stop_deployment(d.deployment_id).await.unwrap();
    let (s, b) = send(
        &p,
        Method::DELETE,
        "/v1/deployment-configs/half-zoned",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{b}");
    assert_eq!(
        api.get_config("half-zoned").await.unwrap_err().status(),
        Some(404)
    );
    // A deployment may name a configuration of its own; a striped one is carried as such
    // (two healthy hosts of two leaves none to update: the scheduler fails it at once).
    let d2 = deploy(&api, &rev, Some("two-up")).await;
    assert_eq!(d2.deployment_config, "two-up");
    let spec = scheduler_spec(&p, d2.deployment_id).await;
    assert_eq!(spec["zone_mode"], "striped", "{spec}");
    assert!(spec.get("canary").is_none_or(Value::is_null), "{spec}");
    api.stop_deployment(d2.deployment_id).await.unwrap();
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_record_who_and_why_and_list_by_time_reason_and_page() {
    let p = TestPlatform::start().await.expect("platform");
    app_group(&p, None, None).await;
    silent_host(&p).await;
    let rev = push(&p, "v1").await;
    let unused = push(&p, "v2").await;
    let admin = p.api();
    let deployer =
        DeploymentApiClient::new(p.client_with(Some(p.team_token("default", Role::Deployer))));
    let d1 = deploy(&admin, &rev, None).await;
    admin.stop_deployment(d1.deployment_id).await.unwrap();
    let d2 = deploy(&deployer, &rev, None).await;
    deployer.stop_deployment(d2.deployment_id).await.unwrap();
    assert_eq!(
        (d1.created_by.as_str(), d1.reason),
        ("admin", DeploymentReason::User)
    );
    assert_eq!(
        (d2.created_by.as_str(), d2.reason),
        ("tester", DeploymentReason::User)
    );

    let ids = |l: DeploymentList| {
        l.deployments
            .into_iter()
            .map(|d| d.deployment_id)
            .collect::<Vec<_>>()
    };
    let q = |f: fn(&mut DeploymentQuery)| {
        let mut q = DeploymentQuery::default();
        f(&mut q);
        q
    };
    assert_eq!(
        ids(admin.query_deployments(&q(|_| {})).await.unwrap()),
        [d2.deployment_id, d1.deployment_id]
    );
    let mut after = DeploymentQuery {
        created_after: Some(d2.created_at),
        ..Default::default()
    };
    assert_eq!(
        ids(admin.query_deployments(&after).await.unwrap()),
        [d2.deployment_id]
    );
    after.created_after = None;
    after.created_before = Some(d2.created_at);
    assert_eq!(
        ids(admin.query_deployments(&after).await.unwrap()),
        [d1.deployment_id]
    );
    after.created_after = Some(d1.created_at - chrono::Duration::hours(1));
    after.created_before = Some(d1.created_at - chrono::Duration::minutes(1));
    assert!(ids(admin.query_deployments(&after).await.unwrap()).is_empty());
    assert_eq!(
        ids(admin
            .query_deployments(&q(|q| q.reason = Some("user".into())))
            .await
            .unwrap())
        .len(),
        2
    );
    assert!(
        ids(admin
            .query_deployments(&q(|q| q.reason = Some("promotion".into())))
            .await
            .unwrap())
        .is_empty()
    );
    let page = admin
        .query_deployments(&q(|q| q.limit = Some(1)))
        .await
        .unwrap();
    assert_eq!(ids(page.clone()), [d2.deployment_id]);
    let cursor = page.next_cursor.expect("a next page");
    let page2 = admin
        .query_deployments(&DeploymentQuery {
            limit: Some(1),
            cursor: Some(cursor),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page2.next_cursor, None);
    assert_eq!(ids(page2), [d1.deployment_id]);
    for bad in [
        "created_after=yesterday",
        "reason=bogus",
        "limit=0",
        "limit=201",
        "cursor=nope",
    ] {
        let (s, b) = send(&p, Method::GET, &format!("/v1/deployments?{bad}"), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {b}");
    }

    // Revisions tell when they were first and last deployed.
    let revs = admin.list_revisions("shop").await.unwrap().revisions;
    let deployed = revs
        .iter()
        .find(|r| r.revision_id == rev.revision_id)
        .unwrap();
    let d1 = admin.get_deployment(d1.deployment_id).await.unwrap();
    let d2 = admin.get_deployment(d2.deployment_id).await.unwrap();
    assert_eq!(deployed.first_deployed_at, d1.started_at);
    assert_eq!(deployed.last_deployed_at, d2.started_at);
    assert_eq!(deployed.version_label.as_deref(), Some("v1"));
    assert_eq!(deployed.description.as_deref(), Some("a revision"));
    let never = revs
        .iter()
        .find(|r| r.revision_id == unused.revision_id)
        .unwrap();
    assert_eq!(
        (never.first_deployed_at, never.last_deployed_at),
        (None, None)
    );
    let one = admin.get_revision("shop", rev.revision_id).await.unwrap();
    assert_eq!(one.last_deployed_at, d2.started_at);
    p.stop().await;
}
