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

/// Applications, revisions and groups page by key: `limit` rows, then `next_cursor` until the
/// last page; the client's "every page" lists (the CLI's) see them all; a bad `limit` or
/// `cursor` is a 400 that names the field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_revisions_and_groups_page_by_cursor() {
    let p = TestPlatform::start().await.expect("platform");
    app_group(&p, None, None).await;
    let api = p.api();
    for name in ["alpha", "beta", "gamma", "delta"] {
        api.create_application(&CreateApplication {
            name: name.into(),
            description: None,
        })
        .await
        .unwrap();
        api.create_group(
            "shop",
            &CreateDeploymentGroup {
                traffic_hooks: None,
                health_analysis: None,
                name: format!("g-{name}"),
                selector: sel(&[("role", &[name])]),
                deployment_config: None,
                auto_rollback: None,
                concurrency_policy: None,
                stage: None,
            },
        )
        .await
        .unwrap();
    }
    let mut pushed = Vec::new();
    for v in ["v1", "v2", "v3"] {
        pushed.push(push(&p, v).await.revision_id);
    }
    pushed.reverse(); // newest first

    // Walks every page of `path` two rows at a time; returns the keys in order.
    async fn walk(p: &TestPlatform, path: &str, items: &str, key: &str) -> (Vec<String>, usize) {
        let (mut keys, mut pages, mut cursor) = (Vec::new(), 0, None::<String>);
        loop {
            let q = match &cursor {
                Some(c) => format!("{path}?limit=2&cursor={c}"),
                None => format!("{path}?limit=2"),
            };
            let (s, b) = send(p, Method::GET, &q, None).await;
            assert_eq!(s, StatusCode::OK, "{q}: {b}");
            let rows = b[items].as_array().unwrap();
            assert!(rows.len() <= 2, "{b}");
            keys.extend(rows.iter().map(|r| r[key].as_str().unwrap().to_string()));
            pages += 1;
            match b["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return (keys, pages),
            }
        }
    }
    let (apps, pages) = walk(&p, "/v1/applications", "applications", "name").await;
    assert_eq!(apps, ["alpha", "beta", "delta", "gamma", "shop"]);
    assert_eq!(pages, 3);
    let (groups, pages) = walk(
        &p,
        "/v1/applications/shop/deployment-groups",
        "deployment_groups",
        "name",
    )
    .await;
    assert_eq!(groups, ["g-alpha", "g-beta", "g-delta", "g-gamma", "web"]);
    assert_eq!(pages, 3);
    let (revs, pages) = walk(
        &p,
        "/v1/applications/shop/revisions",
        "revisions",
        "revision_id",
    )
    .await;
    let want: Vec<String> = pushed.iter().map(|r| r.to_string()).collect();
    assert_eq!(revs, want);
    assert_eq!(pages, 2);

    // A full page that is the last one says so: no cursor to an empty page.
    let (s, b) = send(
        &p,
        Method::GET,
        "/v1/applications/shop/revisions?limit=3",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["next_cursor"], Value::Null, "{b}");
    // The default page holds everything here.
    assert_eq!(api.list_applications().await.unwrap().applications.len(), 5);
    assert_eq!(
        api.list_groups("shop")
            .await
            .unwrap()
            .deployment_groups
            .len(),
        5
    );
    assert_eq!(api.list_revisions("shop").await.unwrap().revisions.len(), 3);
    // The client's page call and its all-pages call agree.
    let page = api.list_applications_page(Some(1), None).await.unwrap();
    assert_eq!(page.applications.len(), 1);
    assert_eq!(page.next_cursor.as_deref(), Some("alpha"));

    for path in [
        "/v1/applications?limit=0",
        "/v1/applications?limit=201",
        "/v1/applications?limit=many",
        "/v1/applications?cursor=",
        "/v1/applications?page=2",
        "/v1/applications/shop/deployment-groups?limit=-1",
        "/v1/applications/shop/revisions?cursor=not-a-revision",
    ] {
        let (s, b) = send(&p, Method::GET, path, None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {b}");
        assert!(
            ["invalid_field", "invalid_query"].contains(&code(&b)),
            "{path}: {b}"
        );
    }
}
