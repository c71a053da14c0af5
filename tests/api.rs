//! The HTTP contract: bad input gets a JSON error with the design's status and changes
//! nothing; operational endpoints answer; credentials are checked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

use liftoff_kit::auth::Role;
use liftoff_testkit::TestPlatform;
use liftoff_types::deployments::*;
use liftoff_types::registry::EnrollRequest;
use reqwest::StatusCode;
use serde_json::Value;

#[path = "split_support/mod.rs"]
mod split_support;

async fn error_of(res: reqwest::Response) -> (StatusCode, String, Value) {
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no JSON error body: {body}"))
        .to_string();
    (status, code, body)
}

async fn app_with_group(p: &TestPlatform) {
    let api = p.api();
    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: None,
    })
    .await
    .expect("app");
    api.create_group(
        "shop",
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: "web".into(),
            selector: BTreeMap::from([("role".to_string(), vec!["web".to_string()])]),
            deployment_config: None,
            auto_rollback: None,
            concurrency_policy: None,
            stage: None,
            health_analysis: None,
        },
    )
    .await
    .expect("group");
}

async fn push_bytes(p: &TestPlatform, bytes: Vec<u8>, query: &str) -> reqwest::Response {
    p.http()
        .post(format!("{}/v1/applications/shop/revisions{query}", p.url))
        .bearer_auth(&p.admin_token)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .expect("send")
}

fn bundle_bytes(p: &TestPlatform, with_appspec: bool) -> Vec<u8> {
    let dir = p.dir.path().join(format!("b-{with_appspec}"));
    liftoff_testkit::write_bundle(&dir, "v1", &[("BeforeInstall", "true")]).expect("bundle");
    if !with_appspec {
        std::fs::remove_file(dir.join("appspec.yml")).expect("rm appspec");
    }
    let out = p.dir.path().join(format!("b-{with_appspec}.tar.gz"));
    liftoff_testkit::pack(&dir, &out).expect("pack");
    std::fs::read(out).expect("read")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operational_endpoints_answer() {
    let p = TestPlatform::start().await.expect("platform");
    let http = p.http();
    for path in ["/healthz", "/readyz"] {
        let res = http
            .get(format!("{}{path}", p.url))
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    // Make one counted request, then read the metrics.
    http.get(format!("{}/v1/applications", p.url))
        .bearer_auth(&p.admin_token)
        .send()
        .await
        .expect("send");
    let metrics = http
        .get(format!("{}/metrics", p.url))
        .send()
        .await
        .expect("send")
        .text()
        .await
        .expect("text");
    assert!(metrics.contains("liftoff_http_requests_total"), "{metrics}");
    for svc in ["deployment-api", "scheduler", "host-registry", "history"] {
        let doc: Value = http
            .get(format!("{}/openapi/{svc}.json", p.url))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        assert!(
            doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
            "{svc}"
        );
        assert!(
            doc["paths"].as_object().is_some_and(|m| !m.is_empty()),
            "{svc}"
        );
    }
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_json_errors_and_change_nothing() {
    let p = TestPlatform::start().await.expect("platform");
    let http = p.http();
    let post = |body: &'static str, ct: &'static str| {
        http.post(format!("{}/v1/applications", p.url))
            .bearer_auth(&p.admin_token)
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let (s, code, _) = error_of(post("{\"name\": ", "application/json").await.expect("send")).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_json")
    );
    let (s, code, _) = error_of(
        post("{\"name\": \"a\", \"team\": \"other\"}", "application/json")
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request"),
        "a team in the body is an unknown field, never honoured"
    );
    let (s, code, _) = error_of(post("{\"name\": \"a\"}", "text/plain").await.expect("send")).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let (s, code, body) = error_of(
        post("{\"name\": \"Bad Name\"}", "application/json")
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_field")
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("name"))
    );
    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let res = http
        .post(format!("{}/v1/applications", p.url))
        .bearer_auth(&p.admin_token)
        .header("content-type", "application/json")
        .body(nested)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let big = format!("{{\"name\": \"{}\"}}", "a".repeat(1024 * 1024));
    let res = http
        .post(format!("{}/v1/applications", p.url))
        .bearer_auth(&p.admin_token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        p.api()
            .list_applications()
            .await
            .expect("list")
            .applications
            .is_empty(),
        "nothing was created"
    );

    let (s, code, _) = error_of(
        http.get(format!("{}/v1/nope", p.url))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!((s, code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let (s, code, _) = error_of(
        http.get(format!("{}/v1/deployments/not-a-uuid", p.url))
            .bearer_auth(&p.admin_token)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_path")
    );
    let (s, code, _) = error_of(
        http.get(format!("{}/v1/deployments/{}", p.url, uuid::Uuid::new_v4()))
            .bearer_auth(&p.admin_token)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!((s, code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bundles_are_refused_and_nothing_is_stored() {
    let p = TestPlatform::start().await.expect("platform");
    app_with_group(&p).await;
    let (s, code, _) = error_of(push_bytes(&p, bundle_bytes(&p, false), "").await).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "appspec_missing")
    );
    let (s, code, _) =
        error_of(push_bytes(&p, b"definitely not an archive".to_vec(), "").await).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "bundle_format_unknown")
    );
    let good = bundle_bytes(&p, true);
    let wrong = "0".repeat(64);
    let (s, code, _) =
        error_of(push_bytes(&p, good.clone(), &format!("?sha256={wrong}")).await).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "digest_mismatch")
    );
    let mut truncated = good.clone();
    truncated.truncate(good.len() / 2);
    let (s, _, _) = error_of(push_bytes(&p, truncated, "").await).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        p.api()
            .list_revisions("shop")
            .await
            .expect("list")
            .revisions
            .is_empty(),
        "no revision was created"
    );

    // The same bytes twice are one revision.
    let first = push_bytes(&p, good.clone(), "").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Revision = first.json().await.expect("json");
    let again = push_bytes(&p, good, "").await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Revision = again.json().await.expect("json");
    assert_eq!(first.revision_id, again.revision_id);
    assert!(!again.created);
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_of_unknown_things_are_404_and_concurrent_ones_409() {
    let p = TestPlatform::start().await.expect("platform");
    app_with_group(&p).await;
    let rev: Revision = push_bytes(&p, bundle_bytes(&p, true), "")
        .await
        .json()
        .await
        .expect("json");
    let api = p.api();
    let create = |app: &str, group: &str, revision: String| CreateDeployment {
        file_exists_behavior: None,
        application: app.into(),
        deployment_group: group.into(),
        revision,
        config: None,
        description: None,
    };
    for (req, want) in [
        (create("nope", "web", rev.revision_id.to_string()), 404),
        (create("shop", "nope", rev.revision_id.to_string()), 404),
        (create("shop", "web", uuid::Uuid::new_v4().to_string()), 404),
        (create("shop", "web", "v1".into()), 400),
    ] {
        let err = api
            .create_deployment(&req, None)
            .await
            .expect_err("must be refused");
        assert_eq!(err.status(), Some(want), "{req:?}: {err}");
    }
    assert!(
        api.list_deployments(None, None, None, None, None)
            .await
            .expect("list")
            .deployments
            .is_empty()
    );

    // A host that enrolled but never polls keeps the deployment running.
    let token = p.enrollment_token().await.expect("token");
    let mut tags = BTreeMap::new();
    tags.insert("role".to_string(), "web".to_string());
    p.registry()
        .enroll(&EnrollRequest {
            enrollment_token: token,
            hostname: "silent".into(),
            zone: "zone-a".into(),
            tags,
            agent_version: None,
        })
        .await
        .expect("enroll");
    let d = api
        .create_deployment(
            &create("shop", "web", rev.revision_id.to_string()),
            Some("key-1"),
        )
        .await
        .expect("deploy");
    let replay = api
        .create_deployment(
            &create("shop", "web", rev.revision_id.to_string()),
            Some("key-1"),
        )
        .await
        .expect("replay");
    assert_eq!(
        replay.deployment_id, d.deployment_id,
        "same key and body: same deployment"
    );
    let mut other = create("shop", "web", rev.revision_id.to_string());
    other.description = Some("different".into());
    assert_eq!(
        api.create_deployment(&other, Some("key-1"))
            .await
            .expect_err("reused key")
            .status(),
        Some(422)
    );
    let err = api
        .create_deployment(&create("shop", "web", rev.revision_id.to_string()), None)
        .await
        .expect_err("in progress");
    assert_eq!(err.status(), Some(409));
    assert!(err.to_string().contains("deployment_in_progress"), "{err}");
    let stopped = api.stop_deployment(d.deployment_id).await.expect("stop");
    assert_eq!(stopped.status, DeploymentStatus::Stopped);
    assert_eq!(
        api.stop_deployment(d.deployment_id)
            .await
            .expect("stop again")
            .status,
        DeploymentStatus::Stopped
    );
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_checked_and_teams_are_isolated() {
    let p = TestPlatform::start().await.expect("platform");
    app_with_group(&p).await;
    let http = p.http();
    let res = http
        .get(format!("{}/v1/applications", p.url))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers().get("www-authenticate").map(|v| v.as_bytes()),
        Some(&b"Bearer"[..])
    );
    for bad in ["garbage", "a.b.c", "Bearer"] {
        let res = http
            .get(format!("{}/v1/applications", p.url))
            .bearer_auth(bad)
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{bad}");
    }
    // Another team sees nothing of this one's: 404, as if it did not exist.
    let other = liftoff_client::DeploymentApiClient::new(
        p.client_with(Some(p.team_token("other", Role::Admin))),
    );
    assert_eq!(
        other
            .get_application("shop")
            .await
            .expect_err("hidden")
            .status(),
        Some(404)
    );
    assert!(
        other
            .list_applications()
            .await
            .expect("list")
            .applications
            .is_empty()
    );
    // A viewer may read but not deploy.
    let viewer = liftoff_client::DeploymentApiClient::new(
        p.client_with(Some(p.team_token("default", Role::Viewer))),
    );
    viewer.get_application("shop").await.expect("viewer reads");
    let err = viewer
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: "shop".into(),
                deployment_group: "web".into(),
                revision: uuid::Uuid::new_v4().to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .expect_err("viewer cannot deploy");
    assert_eq!(err.status(), Some(403));
    // A host credential is not a team token, and a team token is not a host credential.
    let token = p.enrollment_token().await.expect("token");
    let enrolled = p
        .registry()
        .enroll(&EnrollRequest {
            enrollment_token: token,
            hostname: "h1".into(),
            zone: "zone-a".into(),
            tags: BTreeMap::new(),
            agent_version: None,
        })
        .await
        .expect("enroll");
    let res = http
        .get(format!("{}/v1/applications", p.url))
        .bearer_auth(&enrolled.credential)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = http
        .get(format!(
            "{}/v1/agents/{}/commands?wait_secs=0",
            p.url, enrolled.host_id
        ))
        .bearer_auth(&p.admin_token)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = http
        .get(format!(
            "{}/v1/agents/{}/commands?wait_secs=0",
            p.url,
            uuid::Uuid::new_v4()
        ))
        .bearer_auth(&enrolled.credential)
        .send()
        .await
        .expect("send");
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a host may poll only for itself"
    );
    let res = http
        .get(format!(
            "{}/v1/agents/{}/commands?wait_secs=0",
            p.url, enrolled.host_id
        ))
        .bearer_auth(&enrolled.credential)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::OK);
    p.stop().await;
}

/// A database fault answers 500 with a generic message and a correlation id, never the
/// driver's text, the SQL, or a file path; the cause is in the log under that id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_error_answers_500_without_internal_text() {
    let p = TestPlatform::start().await.expect("platform");
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/v1/applications", p.url))
        .bearer_auth(&p.admin_token)
        .json(&serde_json::json!({"name": "shop"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::CREATED);
    // Break deployment-api's database under it: its applications table disappears.
    let running = p.running.as_ref().expect("running");
    let service = running
        .services
        .iter()
        .find(|s| s.name() == "deployment-api")
        .expect("deployment-api");
    service
        .db()
        .run(|c| {
            use diesel::RunQueryDsl;
            diesel::sql_query("ALTER TABLE applications RENAME TO applications_gone").execute(c)?;
            Ok(())
        })
        .await
        .expect("rename");
    let res = http
        .get(format!("{}/v1/applications", p.url))
        .bearer_auth(&p.admin_token)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = res
        .headers()
        .get("x-correlation-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .expect("a correlation id header");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "internal", "{body}");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(
        message.contains(&id),
        "the message names the correlation id: {body}"
    );
    let text = body.to_string().to_lowercase();
    let data_dir = p.data_dir().to_string_lossy().to_lowercase();
    for internal in [
        "database",
        "sql",
        "select",
        "applications",
        "no such table",
        "does not exist",
        "diesel",
        "postgres",
        &data_dir,
    ] {
        assert!(
            !text.contains(internal),
            "{internal:?} in the 500 body: {body}"
        );
    }
}

/// A deployment stopped while its hand-off to the scheduler is on its way (the stop finds no
/// rollout there yet, so it stops the deployment alone) does not run when the hand-off lands:
/// the hand-off sees the deployment stopped and stops the rollout it just created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_stopped_before_its_hand_off_lands_does_not_run() {
    let c = split_support::Cluster::start_with_scheduler_faults().await;
    let token = c.shop_web().await;
    c.registry()
        .enroll(&EnrollRequest {
            enrollment_token: token,
            hostname: "silent".into(),
            zone: "zone-a".into(),
            tags: BTreeMap::from([("role".to_string(), "web".to_string())]),
            agent_version: None,
        })
        .await
        .expect("enroll");
    let bundle = c.dir.path().join("bundle");
    liftoff_testkit::write_bundle(&bundle, "v1", &[("BeforeInstall", "true")]).unwrap();
    let archive = c.dir.path().join("v1.tar.gz");
    liftoff_testkit::pack(&bundle, &archive).unwrap();
    let api = c.api();
    let rev = api
        .push_revision("shop", &archive, Some("v1"), None, None)
        .await
        .expect("push");

    // The hand-off's call to the scheduler is held on its way.
    let faults = c
        .scheduler_faults
        .as_ref()
        .expect("fault proxy")
        .faults
        .clone();
    faults.hold(Some("PUT /v1/rollouts/"));
    let creating = {
        let api = c.api();
        let revision = rev.revision_id.to_string();
        tokio::spawn(async move {
            api.create_deployment(
                &CreateDeployment {
                    file_exists_behavior: None,
                    application: "shop".into(),
                    deployment_group: "web".into(),
                    revision,
                    config: None,
                    description: None,
                },
                None,
            )
            .await
        })
    };
    liftoff_testkit::wait_for("the hand-off to be held", Duration::from_secs(30), || {
        let faults = faults.clone();
        async move { (faults.held.load(std::sync::atomic::Ordering::SeqCst) > 0).then_some(()) }
    })
    .await;
    let listed = api
        .list_deployments(Some("shop"), Some("web"), None, None, None)
        .await
        .expect("list");
    assert_eq!(listed.deployments.len(), 1, "{listed:?}");
    let id = listed.deployments[0].deployment_id;
    assert_eq!(listed.deployments[0].status, DeploymentStatus::Created);
    let stopped = api.stop_deployment(id).await.expect("stop");
    assert_eq!(stopped.status, DeploymentStatus::Stopped);

    // The hand-off lands now: the scheduler creates the rollout, and must end up stopping it.
    faults.hold(None);
    let _ = creating.await.expect("create task");
    let scheduler = liftoff_client::SchedulerClient::new(
        liftoff_client::Client::new(&c.urls["scheduler"], Some(c.admin.clone())).unwrap(),
    );
    liftoff_testkit::wait_for(
        "the rollout the late hand-off created to be stopped",
        Duration::from_secs(30),
        || {
            let scheduler = scheduler.clone();
            async move {
                let r = scheduler.get_rollout(id).await.ok()?;
                (r.status == liftoff_types::scheduler::RolloutStatus::Stopped).then_some(())
            }
        },
    )
    .await;
    assert_eq!(
        api.get_deployment(id).await.expect("get").status,
        DeploymentStatus::Stopped
    );
    c.stop().await;
}
