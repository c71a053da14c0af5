//! Each deployment-api resource through HTTP: applications (update, delete), deployment
//! groups (update), custom deployment configurations, the deployment list's filters, and
//! revisions' first and last deployment times.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use diesel::QueryableByName;
use liftoff_client::{DeploymentApiClient, DeploymentQuery, EventQuery};
use liftoff_kit::auth::Role;
use liftoff_testkit::{TestPlatform, wait_for};
use liftoff_types::deployments::*;
use liftoff_types::registry::EnrollRequest;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

fn sel(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(k, vs)| (k.to_string(), vs.iter().map(|v| v.to_string()).collect()))
        .collect()
}

async fn app_group(p: &TestPlatform, config: Option<&str>, stage: Option<&str>) {
    let api = p.api();
    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: Some("the shop".into()),
    })
    .await
    .expect("app");
    api.create_group(
        "shop",
        &CreateDeploymentGroup {
            name: "web".into(),
            selector: sel(&[("role", &["web"])]),
            deployment_config: config.map(str::to_string),
            auto_rollback: None,
            concurrency_policy: None,
            stage: stage.map(str::to_string),
        },
    )
    .await
    .expect("group");
}

async fn push(p: &TestPlatform, version: &str) -> Revision {
    let dir = p.dir.path().join(format!("bundle-{version}"));
    liftoff_testkit::write_bundle(&dir, version, &[("BeforeInstall", "true")]).expect("bundle");
    let out = p.dir.path().join(format!("{version}.tar.gz"));
    liftoff_testkit::pack(&dir, &out).expect("pack");
    p.api()
        .push_revision("shop", &out, Some(version), Some("a revision"), None)
        .await
        .expect("push")
}

/// A host in the group that never polls: its deployments stay in progress until stopped.
async fn silent_host(p: &TestPlatform) {
    silent_host_named(p, "silent").await
}

async fn silent_host_named(p: &TestPlatform, name: &str) {
    let token = p.enrollment_token().await.expect("token");
    p.registry()
        .enroll(&EnrollRequest {
            enrollment_token: token,
            hostname: name.into(),
            zone: "zone-a".into(),
            tags: BTreeMap::from([("role".to_string(), "web".to_string())]),
            agent_version: None,
        })
        .await
        .expect("enroll");
}

async fn deploy(api: &DeploymentApiClient, rev: &Revision, config: Option<&str>) -> Deployment {
    api.create_deployment(
        &CreateDeployment {
            application: "shop".into(),
            deployment_group: "web".into(),
            revision: rev.revision_id.to_string(),
            config: config.map(str::to_string),
            description: None,
        },
        None,
    )
    .await
    .expect("deploy")
}

async fn send(
    p: &TestPlatform,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    send_as(p, &p.admin_token, method, path, body).await
}

async fn send_as(
    p: &TestPlatform,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut rb = p
        .http()
        .request(method, format!("{}{path}", p.url))
        .bearer_auth(token);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let res = rb.send().await.expect("send");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}

use reqwest::Method;

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
    assert_eq!(spec["canary_batch_size"], 2, "{spec}");
    assert_eq!(
        spec["minimum_healthy"],
        json!({"type": "FLEET_PERCENT", "value": 50})
    );

    // The group moves on, but an unfinished deployment still uses it.
    api.update_group(
        "shop",
        "web",
        &UpdateDeploymentGroup {
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
    assert!(
        spec.get("canary_batch_size").is_none_or(Value::is_null),
        "{spec}"
    );
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
