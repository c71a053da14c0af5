//! The console's controls (approve, retry, roll back, exclude, stop, promote) acting on
//! real deployments.

use super::*;

/// Every control the deployment and application pages offer, pressed in the browser against
/// real agents: approve after a canary, retry failed hosts, rollback, exclude a pending host,
/// stop, and promote to the next stage. Each asks for confirmation and its effect is read
/// back through the API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_controls_act_on_real_deployments() {
    let Some((chromium, chromedriver)) = browser_tools("console_controls_act_on_real_deployments")
    else {
        return;
    };
    let p = TestPlatform::start().await.expect("platform");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("console-{}", p.backend()));
    let mut agents = Vec::new();
    // Three hosts: excluding one of a deployment's pending hosts must leave a fleet that can
    // still keep its minimum of one healthy host.
    for (i, zone) in ["zone-a", "zone-b", "zone-a"].iter().enumerate() {
        let token = p.enrollment_token().await.expect("enrollment token");
        agents.push(agent(&p, &token, &format!("ctl-{i}"), zone));
    }
    wait_enrolled(&p, WEB, 3, WAIT).await;
    let api = p.api();
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    // Stages staging → prod: web is staging; edge (no hosts yet) is prod.
    create_app_and_group(&p, "shop", "edge", ("role", "edge"), "AllAtOnce")
        .await
        .unwrap();
    let http = |method: reqwest::Method, path: &str, body: Value| {
        let rb = p
            .http()
            .request(method, format!("{}{path}", p.url))
            .bearer_auth(&p.admin_token)
            .json(&body);
        async move {
            let res = rb.send().await.unwrap();
            let status = res.status();
            let body = res.text().await.unwrap();
            assert!(status.is_success(), "{status}: {body}");
        }
    };
    http(
        reqwest::Method::PATCH,
        "/v1/applications/shop",
        json!({"stages": ["staging", "prod"]}),
    )
    .await;
    for (group, stage) in [("web", "staging"), ("edge", "prod")] {
        http(
            reqwest::Method::PATCH,
            &format!("/v1/applications/shop/deployment-groups/{group}"),
            json!({"stage": stage}),
        )
        .await;
    }
    for (name, min, canary) in [("canary", 1, Some(1)), ("one", 1, None), ("zero", 0, None)] {
        api.create_config(&CreateDeploymentConfig {
            name: name.into(),
            minimum_healthy: MinimumHealthy::HostCount(min),
            zone_mode: None,
            zone_bake_secs: None,
            canary_batch_size: canary,
            health_analysis: None,
        })
        .await
        .unwrap();
    }
    let deploy = |rev: &Revision, config: Option<&str>| {
        let req = CreateDeployment {
            file_exists_behavior: None,
            application: "shop".into(),
            deployment_group: "web".into(),
            revision: rev.revision_id.to_string(),
            config: config.map(str::to_string),
            description: None,
        };
        let api = api.clone();
        async move { api.create_deployment(&req, None).await.unwrap() }
    };
    let browser = Browser::start(&chromium, &chromedriver, shots).await;
    browser.goto(&format!("{}/", p.url)).await;
    browser.sign_in(&p.url, &p.admin_token).await;
    browser.wait_text("h1", "Deployments").await;
    let open = |id: Uuid| {
        let url = format!("{}/#/deployments/{id}", p.url);
        let b = &browser;
        async move { b.goto(&url).await }
    };

    // Approve: the canary host is done, the rest waits for a person.
    let v1 = push_bundle(&p, "shop", &TestBundle::new("v1"))
        .await
        .unwrap();
    let d1 = deploy(&v1, Some("canary")).await;
    open(d1.deployment_id).await;
    browser.wait_text("#status", "AwaitingApproval").await;
    browser.screenshot("control-approve").await;
    browser.confirm_click("[data-control=approve]").await;
    browser.wait_text("#status", "Succeeded").await;
    let got = api.get_deployment(d1.deployment_id).await.unwrap();
    assert_eq!(got.overview.succeeded, 3, "{got:#?}");

    // Retry failed, on a running deployment: the first host to run the hook fails, the others
    // wait for a gate; the retried host then waits too, and all succeed.
    let gate = p.dir.path().join("ctl-gate");
    let first = p.dir.path().join("ctl-first");
    let wait_gate = format!("while [ ! -e '{}' ]; do sleep 0.2; done", gate.display());
    let v2 = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v2").hook(TestHook::new(
            "BeforeInstall",
            &format!(
                "if mkdir '{}' 2>/dev/null; then echo first >&2; exit 3; fi\n{wait_gate}",
                first.display()
            ),
        )),
    )
    .await
    .unwrap();
    let d2 = deploy(&v2, Some("zero")).await;
    open(d2.deployment_id).await;
    liftoff_testkit::wait_for("one host failed, two waiting", WAIT, || {
        let api = api.clone();
        async move {
            let d = api.get_deployment(d2.deployment_id).await.ok()?;
            (d.overview.failed == 1 && d.overview.in_progress == 2).then_some(())
        }
    })
    .await;
    browser.wait_text("#status", "InProgress").await;
    browser.confirm_click("[data-control=retry-failed]").await;
    liftoff_testkit::wait_for("the failed host's second attempt", WAIT, || {
        let api = api.clone();
        async move {
            let d = api.get_deployment(d2.deployment_id).await.ok()?;
            (d.overview.failed == 0 && d.hosts.iter().any(|h| h.attempt == 2)).then_some(())
        }
    })
    .await;
    std::fs::write(&gate, b"go").unwrap();
    browser.wait_text("#status", "Succeeded").await;
    let got = api.get_deployment(d2.deployment_id).await.unwrap();
    assert_eq!(got.overview.succeeded, 3, "{got:#?}");

    // Rollback of a failed deployment: a new deployment of the last good revision (v2), and
    // the page follows it. A finished deployment offers no retry.
    let bad = push_bundle(
        &p,
        "shop",
        &TestBundle::new("bad").hook(TestHook::new("AfterInstall", "exit 3")),
    )
    .await
    .unwrap();
    let failed = deploy(&bad, None).await;
    assert_eq!(
        wait_deployment(&p, failed.deployment_id, WAIT).await.status,
        DeploymentStatus::Failed
    );
    open(failed.deployment_id).await;
    browser.wait_text("#status", "Failed").await;
    browser
        .wait_text("[data-control=rollback]", "Rollback")
        .await;
    assert_eq!(
        browser
            .script(
                "return document.querySelectorAll('[data-control=retry-failed]').length;",
                json!([])
            )
            .await,
        json!(0),
        "a finished deployment offered a retry the scheduler refuses"
    );
    browser.confirm_click("[data-control=rollback]").await;
    liftoff_testkit::wait_for("the page to show the rollback", WAIT, || {
        let b = &browser;
        async move {
            let hash = b.script("return location.hash;", json!([])).await;
            let hash = hash.as_str()?.strip_prefix("#/deployments/")?.to_string();
            (hash != failed.deployment_id.to_string()).then_some(())
        }
    })
    .await;
    browser.wait_text("#status", "Succeeded").await;
    let hash = browser.script("return location.hash;", json!([])).await;
    let rollback: Uuid = hash.as_str().unwrap()["#/deployments/".len()..]
        .parse()
        .unwrap();
    let r = api.get_deployment(rollback).await.unwrap();
    assert_eq!(r.reason, DeploymentReason::Rollback, "{r:#?}");
    assert_eq!(r.rollback_of, Some(failed.deployment_id));
    assert_eq!(r.revision_id, v2.revision_id);

    // Exclude a pending host, then stop: two hosts at a time (one of three stays healthy),
    // held by a gate.
    let gate = p.dir.path().join("ctl-gate-2");
    let v3 = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v3").hook(TestHook::new(
            "BeforeInstall",
            &format!("while [ ! -e '{}' ]; do sleep 0.2; done", gate.display()),
        )),
    )
    .await
    .unwrap();
    let d3 = deploy(&v3, Some("one")).await;
    open(d3.deployment_id).await;
    browser.wait_text("#status", "InProgress").await;
    liftoff_testkit::wait_for("two hosts started, one pending", WAIT, || {
        let api = api.clone();
        async move {
            let d = api.get_deployment(d3.deployment_id).await.ok()?;
            (d.overview.in_progress == 2 && d.overview.pending == 1).then_some(())
        }
    })
    .await;
    browser.click("[data-zone=zone-a]").await;
    browser.click("[data-zone=zone-b]").await;
    browser.click("[data-state=pending]").await;
    browser.wait_text("#host-detail", "Host").await;
    browser.confirm_click("[data-control=exclude-host]").await;
    liftoff_testkit::wait_for("the pending host skipped", WAIT, || {
        let api = api.clone();
        async move {
            let d = api.get_deployment(d3.deployment_id).await.ok()?;
            (d.overview.skipped == 1).then_some(())
        }
    })
    .await;
    browser.wait_text("#status", "InProgress").await;
    browser.wait_text(".controls", "Stop").await;
    browser.confirm_click("[data-control=stop]").await;
    std::fs::write(&gate, b"go").unwrap();
    browser.wait_text("#status", "Stopped").await;
    browser.screenshot("control-stopped").await;
    let got = api.get_deployment(d3.deployment_id).await.unwrap();
    assert_eq!(got.status, DeploymentStatus::Stopped, "{got:#?}");
    assert_eq!(got.overview.skipped, 1, "{got:#?}");

    // Promote: what last succeeded in staging (the rollback's v2) goes to every prod group.
    browser
        .goto(&format!("{}/#/applications/shop", p.url))
        .await;
    browser.wait_text("main", "Promote to prod").await;
    browser
        .confirm_click("[data-control=promote-to-prod]")
        .await;
    browser.wait_text("h1", "Deployments").await;
    let promoted = api
        .list_deployments(Some("shop"), Some("edge"), None, None, None)
        .await
        .unwrap()
        .deployments;
    assert_eq!(promoted.len(), 1, "{promoted:#?}");
    assert_eq!(promoted[0].reason, DeploymentReason::Promotion);
    assert_eq!(promoted[0].revision_id, v2.revision_id);

    browser.stop().await;
    for a in agents {
        a.stop().await;
    }
    p.stop().await;
}
