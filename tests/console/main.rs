//! The web console in a real browser: headless Chromium driven through chromedriver (the W3C
//! WebDriver protocol, spoken with reqwest), against a real platform and real agents.
//!
//! Without `chromium` and `chromedriver` the test says it was skipped and passes, unless
//! `LIFTOFF_REQUIRE_BROWSER=1` (set by `scripts/test`, which installs them): then it fails.
//! Screenshots of each page go to `<target>/tmp/console-<backend>/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;
mod contract;
mod controls;
mod large_fleet;

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
