//! The web console in a real browser: headless Chromium driven through chromedriver (the W3C
//! WebDriver protocol, spoken with reqwest), against a real platform and real agents.
//!
//! Without `chromium` and `chromedriver` the test says it was skipped and passes, unless
//! `LIFTOFF_REQUIRE_BROWSER=1` (set by `scripts/test`, which installs them): then it fails.
//! Screenshots of each page go to `<target>/tmp/console-<backend>/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;

use browser::{Browser, find};

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use liftoff_kit::auth::{Role, TokenKind};
use liftoff_testkit::agent::{
    TestBundle, TestHook, create_app_and_group, push_bundle, start_deployment, wait_deployment,
    wait_enrolled,
};
use liftoff_testkit::{AgentOptions, AgentProcess, TestPlatform};
use liftoff_types::deployments::{
    CreateDeployment, CreateDeploymentConfig, DeploymentReason, DeploymentStatus, MinimumHealthy,
    Revision,
};
use liftoff_types::tokens::CreateTeam;
use serde_json::{Value, json};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const WEB: (&str, &str) = ("role", "web");
const WAIT: Duration = Duration::from_secs(60);

fn agent(p: &TestPlatform, token: &str, name: &str, zone: &str) -> AgentProcess {
    let mut opts =
        AgentOptions::new(&p.url, token, zone, &p.dir.path().join(name)).tag(WEB.0, WEB.1);
    opts.poll_wait_secs = 1;
    AgentProcess::start(Path::new(BIN), &opts).expect("spawn agent")
}

/// Chromium and chromedriver, or `None` after saying the test was skipped (a failure when
/// `LIFTOFF_REQUIRE_BROWSER=1`).
fn browser_tools(test: &str) -> Option<(PathBuf, PathBuf)> {
    let (Some(chromium), Some(chromedriver)) = (
        find("chromium").or_else(|| find("chromium-browser")),
        find("chromedriver"),
    ) else {
        assert!(
            std::env::var("LIFTOFF_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "LIFTOFF_REQUIRE_BROWSER=1 but chromium or chromedriver is not on PATH"
        );
        // Written past the test harness's capture, so the skip shows in every run's output.
        let _ = writeln!(
            std::io::stderr(),
            "console::{test}: skipped, chromium or chromedriver is not on PATH (scripts/test \
             installs them)"
        );
        return None;
    };
    Some((chromium, chromedriver))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_watches_and_steers_a_deployment_in_a_real_browser() {
    let Some((chromium, chromedriver)) =
        browser_tools("console_watches_and_steers_a_deployment_in_a_real_browser")
    else {
        return;
    };
    let p = TestPlatform::start().await.expect("platform");
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("console-{}", p.backend()));
    let mut agents = Vec::new();
    for (i, zone) in ["zone-a", "zone-b"].iter().enumerate() {
        let token = p.enrollment_token().await.expect("enrollment token");
        agents.push(agent(&p, &token, &format!("host-{i}"), zone));
    }
    wait_enrolled(&p, WEB, 2, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let browser = Browser::start(&chromium, &chromedriver, shots.clone()).await;

    // `GET /` is the console; without a token it asks for one.
    browser.goto(&format!("{}/", p.url)).await;
    browser.wait_text("h1", "Sign in").await;
    browser.screenshot("sign-in").await;
    // A wrong token is refused on the sign-in page.
    browser.type_into("#token", "not-a-token").await;
    browser.click("#signin").await;
    browser.wait_text("#signin-error", "refused").await;
    browser.sign_in(&p.url, &p.admin_token).await;
    browser.wait_text("h1", "Deployments").await;

    // A deployment whose hooks wait for a gate, so it can be paused and resumed while it runs.
    let gate = p.dir.path().join("gate");
    let v1 = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new(
            "BeforeInstall",
            &format!(
                "echo installing v1\nwhile [ ! -e '{}' ]; do sleep 0.2; done",
                gate.display()
            ),
        )),
    )
    .await
    .unwrap();
    let d1 = start_deployment(&p, "shop", "web", &v1).await.unwrap();
    browser
        .goto(&format!("{}/#/deployments/{}", p.url, d1.deployment_id))
        .await;
    browser.wait_text("#status", "InProgress").await;
    // Marks this page: a reload would lose it.
    browser
        .script("window.liftoffNoReload = true;", json!([]))
        .await;
    assert_eq!(browser.unlabelled_controls().await, json!([]));

    // With the keyboard alone: Tab to Pause, Enter, confirm.
    browser.tab_to("[data-control=pause]").await;
    browser.press("\u{E007}").await;
    browser.accept_confirmation().await;
    browser.wait_text("#status", "Paused").await;
    browser.screenshot("deployment-paused").await;
    browser.confirm_click("[data-control=resume]").await;
    browser.wait_text("#status", "InProgress").await;

    std::fs::write(&gate, b"go").unwrap();
    browser.wait_text("#status", "Succeeded").await;
    browser.click("[data-zone=zone-a]").await;
    browser.click("[data-zone=zone-b]").await;
    browser.wait_text("#grid", "✓").await;
    // Each opened zone's hosts are read after the click: both tiles appear.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let grid = browser.text("#grid").await.unwrap_or_default();
        if grid.matches("Succeeded").count() >= 3 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "both hosts should show Succeeded in the grid: {grid}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        browser
            .script("return window.liftoffNoReload === true;", json!([]))
            .await,
        json!(true),
        "the page reloaded instead of updating live"
    );
    let shot = browser.screenshot("deployment").await;
    println!("deployment page screenshot: {}", shot.display());

    // A failing hook: its output, from history, on the host's panel.
    let v2 = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v2").hook(TestHook::new(
            "AfterInstall",
            "echo the database is gone >&2\nexit 3",
        )),
    )
    .await
    .unwrap();
    let d2 = start_deployment(&p, "shop", "web", &v2).await.unwrap();
    let done = wait_deployment(&p, d2.deployment_id, WAIT).await;
    assert_eq!(done.status, DeploymentStatus::Failed, "{done:#?}");
    browser
        .goto(&format!("{}/#/deployments/{}", p.url, d2.deployment_id))
        .await;
    browser.wait_text("#status", "Failed").await;
    browser.click("[data-zone=zone-a]").await;
    browser.click("[data-state=failed]").await;
    browser
        .wait_text(
            "#host-detail .hook-output[data-event=AfterInstall]",
            "the database is gone",
        )
        .await;
    browser.wait_text("#host-detail", "Exit code").await;
    browser.screenshot("failed-host").await;

    // The other pages render for the admin.
    let host = done.hosts[0].host_id;
    for (page, title, shows) in [
        ("#/deployments".to_string(), "Deployments", "shop"),
        ("#/applications/shop".to_string(), "Application shop", "v2"),
        ("#/fleet?group=shop/web".to_string(), "Fleet", "zone-b"),
        (
            format!("#/history?host={host}"),
            "History",
            "host.deployment_failed",
        ),
        ("#/audit".to_string(), "Audit log", "deployment"),
    ] {
        browser.goto(&format!("{}/{page}", p.url)).await;
        browser.wait_text("h1", title).await;
        browser.wait_text("main", shows).await;
        assert_eq!(browser.unlabelled_controls().await, json!([]), "{page}");
        browser
            .screenshot(&title.to_lowercase().replace(' ', "-"))
            .await;
    }

    // A viewer sees the deployment and no control.
    let viewer = p.team_token("default", Role::Viewer);
    browser.click("#signout").await;
    browser.wait_text("h1", "Sign in").await;
    browser.sign_in(&p.url, &viewer).await;
    browser
        .goto(&format!("{}/#/deployments/{}", p.url, d2.deployment_id))
        .await;
    browser.wait_text("#status", "Failed").await;
    let controls = browser
        .script(
            "return document.querySelectorAll('[data-control]').length;",
            json!([]),
        )
        .await;
    assert_eq!(controls, json!(0), "a viewer was shown controls");
    browser.screenshot("deployment-viewer").await;

    // Another team's deployment does not exist.
    p.api()
        .create_team(&CreateTeam {
            name: "other".into(),
            description: None,
        })
        .await
        .unwrap();
    let other = p.team_token("other", Role::Admin);
    browser.click("#signout").await;
    browser.sign_in(&p.url, &other).await;
    browser
        .goto(&format!("{}/#/deployments/{}", p.url, d1.deployment_id))
        .await;
    browser.wait_text("#not-found", "Not found").await;
    browser.screenshot("not-found").await;

    // An expired token sends the person back to sign in, saying why.
    let (expired, _) = p
        .authority
        .mint(
            TokenKind::Team,
            "tester",
            Some("default"),
            Some(Role::Admin),
            false,
            chrono::Duration::minutes(-5),
        )
        .unwrap();
    browser
        .script(
            "sessionStorage.setItem('liftoff.token', arguments[0]); location.hash = '#/fleet';",
            json!([expired]),
        )
        .await;
    browser.wait_text("h1", "Sign in").await;
    browser.wait_text("#notice", "Sign in again").await;
    browser.screenshot("expired").await;

    browser.stop().await;
    for a in agents {
        a.stop().await;
    }
    p.stop().await;
}

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

/// The console's files and the endpoints it needs, without a browser: `GET /` is the page,
/// nothing in it names another origin, it is not in the OpenAPI document; `whoami` tells the
/// role; the stream is team-scoped like `GET /v1/deployments/{id}` and ends once the
/// deployment is terminal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_is_served_at_the_root_and_its_stream_is_scoped_and_ends() {
    let p = TestPlatform::start().await.expect("platform");
    let http = p.http();
    for (path, kind) in [
        ("/", "text/html"),
        ("/console/console.js", "text/javascript"),
        ("/console/console.css", "text/css"),
    ] {
        let res = http
            .get(format!("{}{path}", p.url))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let ct = res.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with(kind), "{path}: {ct}");
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        let body = res.text().await.unwrap();
        assert!(
            !body.contains("://"),
            "{path} names another origin: every asset is served from here"
        );
    }
    let doc: Value = http
        .get(format!("{}/openapi.json", p.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.contains_key("/v1/deployments/{id}/stream"));
    assert!(paths.contains_key("/v1/whoami"));
    assert!(
        !paths.keys().any(|k| k == "/" || k.starts_with("/console")),
        "console files are not API"
    );

    let viewer = p.team_token("default", Role::Viewer);
    let me: Value = http
        .get(format!("{}/v1/whoami", p.url))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "viewer", "{me}");
    assert_eq!(me["team"], "default", "{me}");

    let token = p.enrollment_token().await.expect("enrollment token");
    let a = agent(&p, &token, "host-0", "zone-a");
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let v1 = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new("BeforeInstall", "sleep 1")),
    )
    .await
    .unwrap();
    let d = start_deployment(&p, "shop", "web", &v1).await.unwrap();
    let stream = |token: String, id: uuid::Uuid| {
        http.get(format!("{}/v1/deployments/{id}/stream", p.url))
            .bearer_auth(token)
            .send()
    };
    p.api()
        .create_team(&CreateTeam {
            name: "other".into(),
            description: None,
        })
        .await
        .unwrap();
    let other = stream(p.team_token("other", Role::Admin), d.deployment_id)
        .await
        .unwrap();
    assert_eq!(
        other.status(),
        404,
        "another team's deployment does not exist"
    );
    let none = stream(viewer.clone(), uuid::Uuid::new_v4()).await.unwrap();
    assert_eq!(none.status(), 404);
    let anonymous = http
        .get(format!(
            "{}/v1/deployments/{}/stream",
            p.url, d.deployment_id
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // Each connection ends by itself (terminal, or the bound); reconnect until terminal.
    let mut statuses = Vec::new();
    let end = tokio::time::Instant::now() + WAIT;
    while !statuses
        .last()
        .is_some_and(|s: &String| DeploymentStatus::parse(s).is_some_and(|s| s.is_terminal()))
    {
        assert!(
            tokio::time::Instant::now() < end,
            "the stream never showed a terminal status: {statuses:?}"
        );
        let res = stream(viewer.clone(), d.deployment_id).await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        let body = tokio::time::timeout(WAIT, res.text())
            .await
            .expect("the stream ends on its own")
            .unwrap();
        for block in body.split("\n\n") {
            if !block.contains("event: deployment") {
                continue;
            }
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .expect("an event has data");
            let v: Value = serde_json::from_str(data).unwrap();
            assert_eq!(v["deployment_id"], d.deployment_id.to_string());
            statuses.push(v["status"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(
        statuses.last().map(String::as_str),
        Some("Succeeded"),
        "{statuses:?}"
    );
    // Only changes are sent: never the same deployment twice in a row (statuses may repeat
    // while hosts progress, but not every 500 ms).
    assert!(statuses.len() < 40, "sent without a change: {statuses:?}");
    // Without events: every host's state, none of its lifecycle events.
    let res = http
        .get(format!(
            "{}/v1/deployments/{}/stream?events=false",
            p.url, d.deployment_id
        ))
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    let data = body
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .expect("one event");
    let v: Value = serde_json::from_str(data).unwrap();
    assert_eq!(v["hosts"][0]["status"], "Succeeded", "{v}");
    assert_eq!(v["hosts"][0]["events"], json!([]), "{v}");
    // The typed client (`deploy --wait` follows with it): a finished deployment is sent once,
    // then the stream ends.
    let mut got = Vec::new();
    p.api()
        .follow_deployment(d.deployment_id, |d| got.push(d.status))
        .await
        .expect("follow a finished deployment");
    assert_eq!(got, vec![DeploymentStatus::Succeeded]);
    a.stop().await;
    p.stop().await;
}

/// One call the console's script makes: method, path with `{}` for each interpolated
/// segment, and the query parameter names it sends.
#[derive(Debug)]
struct ConsoleCall {
    method: String,
    path: String,
    query: Vec<String>,
}

/// Every `/v1/...` call in the console's script, read from its source: template literals and
/// string literals that start with `/v1/`, the method from a `method: "..."` right after, the
/// query names from `query({ ... })` (spreads skipped) or a literal `?name=`. A `${path}`
/// segment is each action the script passes to `act("...")`.
fn console_calls(js: &str) -> Vec<ConsoleCall> {
    let actions: Vec<String> = js
        .match_indices("act(\"")
        .map(|(i, m)| {
            let rest = &js[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    let mut out = Vec::new();
    for quote in ['`', '"'] {
        let start = format!("{quote}/v1/");
        for (i, _) in js.match_indices(&start) {
            let body_start = i + 1;
            // The literal ends at the matching quote, skipping `${...}` (which may hold quotes).
            let (mut depth, mut end) = (0usize, body_start);
            let bytes = js.as_bytes();
            while end < bytes.len() {
                let c = bytes[end] as char;
                if quote == '`' && c == '$' && bytes.get(end + 1) == Some(&b'{') {
                    depth += 1;
                    end += 2;
                    continue;
                }
                if depth > 0 && c == '{' {
                    depth += 1;
                } else if depth > 0 && c == '}' {
                    depth -= 1;
                } else if depth == 0 && c == quote {
                    break;
                }
                end += 1;
            }
            let lit = &js[body_start..end];
            let after = &js[end..(end + 80).min(js.len())];
            let method = after
                .split_once("method: \"")
                .filter(|(before, _)| !before.contains(')'))
                .map(|(_, m)| m[..m.find('"').unwrap()].to_string())
                .unwrap_or_else(|| "GET".to_string());
            // The path ends where `${query(` or `?` begins.
            let (path_part, query_part) = match (lit.find("${query("), lit.find('?')) {
                (Some(q), _) => (&lit[..q], &lit[q..]),
                (None, Some(q)) => (&lit[..q], &lit[q..]),
                (None, None) => (lit, ""),
            };
            let mut query = Vec::new();
            if let Some(inner) = query_part.strip_prefix("${query({") {
                let inner = &inner[..inner.rfind("})").unwrap()];
                let mut depth = 0i32;
                let mut item = String::new();
                for c in inner.chars().chain([',']) {
                    match c {
                        '(' | '{' | '[' => depth += 1,
                        ')' | '}' | ']' => depth -= 1,
                        ',' if depth == 0 => {
                            let name = item.trim().split(':').next().unwrap().trim().to_string();
                            if !name.is_empty() && !name.starts_with("...") {
                                query.push(name);
                            }
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    item.push(c);
                }
            } else if let Some(q) = query_part.strip_prefix('?') {
                query.extend(
                    q.split('&')
                        .map(|kv| kv.split('=').next().unwrap().to_string()),
                );
            }
            // Each `${...}` segment is a parameter.
            let mut path = String::new();
            let mut rest = path_part;
            while let Some(s) = rest.find("${") {
                path.push_str(&rest[..s]);
                path.push_str("{}");
                let close = rest[s..].find('}').unwrap();
                // `encodeURIComponent(x)` holds no `}`; nested braces do not occur in paths.
                rest = &rest[s + close + 1..];
            }
            path.push_str(rest);
            if path.ends_with("/{}") && lit.contains("${path}") {
                for a in &actions {
                    out.push(ConsoleCall {
                        method: method.clone(),
                        path: format!("{}/{a}", &path[..path.len() - 3]),
                        query: query.clone(),
                    });
                }
            } else {
                out.push(ConsoleCall {
                    method,
                    path,
                    query,
                });
            }
        }
    }
    out
}

/// The console calls only what the OpenAPI documents promise: every path, method and query
/// parameter its script sends is in `liftoff up`'s document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_of_the_console_is_in_the_openapi_document() {
    let p = TestPlatform::start().await.expect("platform");
    let http = p.http();
    let js = http
        .get(format!("{}/console/console.js", p.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc: Value = http
        .get(format!("{}/openapi.json", p.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let calls = console_calls(&js);
    assert!(
        calls.len() >= 20,
        "the script's calls were not found: {calls:#?}"
    );
    // The reader finds what is there: a control's action, a paged list's cursor, a literal
    // query, and the stream.
    let has = |method: &str, path: &str, q: &str| {
        calls.iter().any(|c| {
            c.method == method && c.path == path && (q.is_empty() || c.query.iter().any(|x| x == q))
        })
    };
    assert!(
        has("POST", "/v1/deployments/{}/retry-failed-hosts", ""),
        "{calls:#?}"
    );
    assert!(has("POST", "/v1/deployments/{}/pause", ""), "{calls:#?}");
    assert!(has("GET", "/v1/hosts", "cursor"), "{calls:#?}");
    assert!(
        has("GET", "/v1/applications/{}/revisions", "limit"),
        "{calls:#?}"
    );
    assert!(
        has("GET", "/v1/deployments/{}/stream", "events"),
        "{calls:#?}"
    );
    assert!(has("GET", "/v1/whoami", ""), "{calls:#?}");
    let paths = doc["paths"].as_object().unwrap();
    let matches = |template: &str, path: &str| {
        let (t, p): (Vec<_>, Vec<_>) = (template.split('/').collect(), path.split('/').collect());
        t.len() == p.len()
            && t.iter().zip(&p).all(|(t, p)| {
                if *p == "{}" {
                    t.starts_with('{')
                } else {
                    t == p
                }
            })
    };
    let mut missing = Vec::new();
    for call in &calls {
        let Some((_, item)) = paths.iter().find(|(t, _)| matches(t, &call.path)) else {
            missing.push(format!("{} {}: no such path", call.method, call.path));
            continue;
        };
        let Some(op) = item.get(call.method.to_lowercase()) else {
            missing.push(format!("{} {}: no such method", call.method, call.path));
            continue;
        };
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        for q in &call.query {
            if !params.contains(&q.as_str()) {
                missing.push(format!(
                    "{} {}: no query parameter {q}",
                    call.method, call.path
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the console calls what the API does not document:\n{}",
        missing.join("\n")
    );
    p.stop().await;
}

/// What the live page of a large fleet reads: the deployment's counts by zone and state
/// (`zones`, in `GET /v1/deployments/{id}` and in a stream without hosts), and one zone's hosts
/// a page at a time from `GET /v1/deployments/{id}/hosts`, with bad input refused and another
/// team's deployment not there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_fleet_is_watched_by_zone_counts_and_read_a_page_of_hosts_at_a_time() {
    const FLEET: usize = 60;
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let mut opts = AgentOptions::new(&p.url, &token, "zone-a", &p.dir.path().join("fleet"))
        .tag(WEB.0, WEB.1)
        .arg("--simulate")
        .arg(FLEET.to_string());
    opts.zones = vec!["zone-a".into(), "zone-b".into(), "zone-c".into()];
    let fleet = AgentProcess::start(Path::new(BIN), &opts).unwrap();
    wait_enrolled(&p, WEB, FLEET, Duration::from_secs(120)).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let v1 = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new("AfterInstall", "echo done")),
    )
    .await
    .unwrap();
    let d = start_deployment(&p, "shop", "web", &v1).await.unwrap();
    let done = wait_deployment(&p, d.deployment_id, Duration::from_secs(180)).await;
    assert_eq!(
        done.status,
        DeploymentStatus::Succeeded,
        "{:#?}",
        done.error
    );
    let id = d.deployment_id;

    // Counts by zone, zones by name.
    let zones: Vec<(String, u64)> = done
        .zones
        .iter()
        .map(|z| (z.zone.clone(), z.hosts.succeeded))
        .collect();
    assert_eq!(
        zones,
        [
            ("zone-a".into(), 20),
            ("zone-b".into(), 20),
            ("zone-c".into(), 20)
        ]
    );

    // One zone, seven hosts at a time, by host id, each with its lifecycle events.
    let api = p.api();
    let (mut seen, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let mut q = vec![("zone", "zone-b"), ("limit", "7")];
        if let Some(c) = &cursor {
            q.push(("cursor", c));
        }
        let page = api.list_deployment_hosts(id, &q).await.unwrap();
        assert!(page.hosts.len() <= 7);
        assert!(
            page.hosts
                .iter()
                .all(|h| h.zone == "zone-b" && !h.events.is_empty())
        );
        seen.extend(page.hosts.iter().map(|h| h.host_id));
        pages += 1;
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "in host id order, each once");
    assert_eq!(seen.len(), 20);
    // By state, and one host.
    let failed = api
        .list_deployment_hosts(id, &[("status", "Failed")])
        .await
        .unwrap();
    assert!(failed.hosts.is_empty());
    let one = seen[3].to_string();
    let only = api
        .list_deployment_hosts(id, &[("host_id", &one)])
        .await
        .unwrap();
    assert_eq!(only.hosts.len(), 1);
    assert_eq!(only.hosts[0].host_id, seen[3]);
    let all = api.list_deployment_hosts(id, &[]).await.unwrap();
    assert_eq!((all.hosts.len(), all.next_cursor), (FLEET, None));

    // Bad input is a 400 naming the parameter; another team's deployment is not there.
    let unknown_host = Uuid::now_v7().to_string();
    for q in [
        vec![("limit", "0")],
        vec![("limit", "1001")],
        vec![("cursor", "nope")],
        vec![("cursor", unknown_host.as_str())],
        vec![("status", "Sleeping")],
        vec![("page", "2")],
    ] {
        let err = api.list_deployment_hosts(id, &q).await.unwrap_err();
        assert_eq!(err.status(), Some(400), "{q:?}: {err}");
    }
    p.api()
        .create_team(&CreateTeam {
            name: "other".into(),
            description: None,
        })
        .await
        .unwrap();
    let other = p.team_token("other", Role::Admin);
    let res = p
        .http()
        .get(format!("{}/v1/deployments/{id}/hosts", p.url))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);

    // The stream without hosts: the counts, and a size that does not grow with the fleet.
    let read_stream = |q: &'static str| {
        let rb = p
            .http()
            .get(format!("{}/v1/deployments/{id}/stream{q}", p.url))
            .bearer_auth(&p.admin_token);
        async move {
            let text = rb.send().await.unwrap().text().await.unwrap();
            let data = text
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap()
                .to_string();
            (data.len(), serde_json::from_str::<Value>(&data).unwrap())
        }
    };
    let (small, light) = read_stream("?events=false&hosts=false").await;
    let (big, _) = read_stream("?events=false").await;
    println!("stream event for {FLEET} hosts: {small} bytes without hosts, {big} with them");
    assert_eq!(light["hosts"], json!([]), "{light}");
    assert_eq!(light["zones"].as_array().unwrap().len(), 3, "{light}");
    assert!(
        small * 10 < big,
        "a stream without hosts ({small} bytes) should be far smaller than with them ({big})"
    );
    fleet.stop().await;
    p.stop().await;
}
