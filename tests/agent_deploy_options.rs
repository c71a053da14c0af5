//! Deployment and group options that reach the agent, end to end on a real agent: a
//! deployment's `file_exists_behavior` (CodeDeploy's `create-deployment
//! --file-exists-behavior`) overrides the appspec's, set from the CLI and shown in the
//! deployment's view, and a bad value is refused with 400 and creates nothing; a group's
//! `traffic_hooks` makes the agent run the four traffic hooks in CodeDeploy's in-place order,
//! and a push of such hooks warns while no group would run them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/cli.rs"]
mod cli_support;

use std::path::Path;
use std::time::Duration;

use cli_support::Cli;
use liftoff_testkit::agent::{
    TestBundle, TestHook, create_app_and_group, deploy, push_bundle, wait_deployment, wait_enrolled,
};
use liftoff_testkit::{AgentOptions, AgentProcess, TestPlatform};
use liftoff_types::deployments::{DeploymentStatus, FileExistsBehavior};

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const WEB: (&str, &str) = ("role", "web");
const WAIT: Duration = Duration::from_secs(90);

fn options(p: &TestPlatform, token: &str) -> AgentOptions {
    let mut o =
        AgentOptions::new(&p.url, token, "zone-a", &p.dir.path().join("host-0")).tag("role", "web");
    o.poll_wait_secs = 1;
    o
}

/// `liftoff deploy ... --file-exists-behavior <b>`; the deployment it started, finished.
async fn deploy_from_cli(
    p: &TestPlatform,
    revision: uuid::Uuid,
    behavior: &str,
) -> liftoff_types::deployments::Deployment {
    let cli = Cli { p };
    let d = cli
        .ok(&[
            "deploy",
            "--app",
            "shop",
            "--group",
            "web",
            "--revision",
            &revision.to_string(),
            "--file-exists-behavior",
            behavior,
        ])
        .await;
    let id: uuid::Uuid = d["deployment_id"].as_str().unwrap().parse().unwrap();
    wait_deployment(p, id, WAIT).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployments_file_exists_behavior_overrides_the_appspecs_on_the_host() {
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let a = AgentProcess::start(Path::new(BIN), &options(&p, &token)).unwrap();
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    // A file the host has that no deployment installed (baked into the image, say).
    let version = a.install_root.join("opt/app/VERSION");
    std::fs::create_dir_all(version.parent().unwrap()).unwrap();
    std::fs::write(&version, "the host's own\n").unwrap();
    // The appspec names no file_exists_behavior: DISALLOW, unless the deployment says otherwise.
    let v1 = push_bundle(&p, "shop", &TestBundle::new("v1"))
        .await
        .unwrap();

    let d = deploy(&p, "shop", "web", &v1, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Failed, "{d:#?}");
    assert_eq!(d.file_exists_behavior, None);
    assert_eq!(
        std::fs::read_to_string(&version).unwrap(),
        "the host's own\n"
    );

    // Bad values: 400 naming the allowed ones, and no deployment.
    let before = p
        .api()
        .list_deployments(Some("shop"), None, None, None, None)
        .await
        .unwrap()
        .deployments
        .len();
    let cli = Cli { p: &p };
    let err = cli
        .fails(
            &[
                "deploy",
                "--app",
                "shop",
                "--group",
                "web",
                "--revision",
                &v1.revision_id.to_string(),
                "--file-exists-behavior",
                "sideways",
            ],
            "invalid_field",
        )
        .await;
    let message = err["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("file_exists_behavior") && message.contains("DISALLOW, OVERWRITE, RETAIN"),
        "{err}"
    );
    let res = reqwest::Client::new()
        .post(format!("{}/v1/deployments", p.url))
        .bearer_auth(&p.admin_token)
        .json(&serde_json::json!({
            "application": "shop", "deployment_group": "web",
            "revision": v1.revision_id.to_string(), "file_exists_behavior": "overwrite",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::BAD_REQUEST);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_field", "{body}");
    let after = p
        .api()
        .list_deployments(Some("shop"), None, None, None, None)
        .await
        .unwrap()
        .deployments
        .len();
    assert_eq!(before, after, "a refused deployment was created");

    // RETAIN: the deployment succeeds and the host keeps its file.
    let d = deploy_from_cli(&p, v1.revision_id, "retain").await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    assert_eq!(d.file_exists_behavior, Some(FileExistsBehavior::Retain));
    assert_eq!(
        std::fs::read_to_string(&version).unwrap(),
        "the host's own\n"
    );

    // OVERWRITE: the bundle's copy replaces it.
    let v2 = push_bundle(&p, "shop", &TestBundle::new("v2"))
        .await
        .unwrap();
    let d = deploy_from_cli(&p, v2.revision_id, "OVERWRITE").await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    assert_eq!(d.file_exists_behavior, Some(FileExistsBehavior::Overwrite));
    assert_eq!(std::fs::read_to_string(&version).unwrap(), "v2\n");

    a.stop().await;
    p.stop().await;
}

/// Every event a bundle can hook, each appending "<event> <version>" to `log`.
fn every_hook(version: &str, log: &Path) -> TestBundle {
    let mut b = TestBundle::new(version);
    for event in [
        "BeforeBlockTraffic",
        "AfterBlockTraffic",
        "ApplicationStop",
        "BeforeInstall",
        "AfterInstall",
        "ApplicationStart",
        "ValidateService",
        "BeforeAllowTraffic",
        "AfterAllowTraffic",
    ] {
        b = b.hook(TestHook::new(
            event,
            &format!("echo \"{event} {version}\" >> '{}'", log.display()),
        ));
    }
    b
}

fn take_lines(log: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    std::fs::remove_file(log).ok();
    text.lines().map(str::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_hooks_run_in_codedeploys_order_only_in_a_group_that_says_so() {
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let a = AgentProcess::start(Path::new(BIN), &options(&p, &token)).unwrap();
    wait_enrolled(&p, WEB, 1, WAIT).await;
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let cli = Cli { p: &p };
    let log = p.dir.path().join("order.log");

    // No group manages traffic with hooks: the push says the traffic hooks will not run, and
    // they do not.
    let v1 = push_bundle(&p, "shop", &every_hook("v1", &log))
        .await
        .unwrap();
    assert!(
        v1.warnings.iter().any(|w| w.contains("BeforeBlockTraffic")
            && w.contains("AfterAllowTraffic")
            && w.contains("traffic_hooks")),
        "{:?}",
        v1.warnings
    );
    let d = deploy(&p, "shop", "web", &v1, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    assert_eq!(
        take_lines(&log),
        [
            "BeforeInstall v1",
            "AfterInstall v1",
            "ApplicationStart v1",
            "ValidateService v1"
        ]
    );
    assert!(
        !d.hosts[0]
            .events
            .iter()
            .any(|e| e.event.contains("Traffic")),
        "{:#?}",
        d.hosts[0]
    );

    // From the CLI: a new group with the setting, and the existing one switched on.
    let g = cli
        .ok(&[
            "group",
            "create",
            "--app",
            "shop",
            "canary",
            "--selector",
            "role=canary",
            "--traffic-hooks",
        ])
        .await;
    assert_eq!(g["traffic_hooks"], true, "{g}");
    let g = cli
        .ok(&["group", "update", "--app", "shop", "web", "--traffic-hooks"])
        .await;
    assert_eq!(g["traffic_hooks"], true, "{g}");
    assert_eq!(
        cli.ok(&["group", "get", "--app", "shop", "web"]).await["traffic_hooks"],
        true
    );

    // Now they run: blocking with the running revision's scripts before ApplicationStop,
    // allowing with the new one's after ValidateService; no warning at push.
    let v2 = push_bundle(&p, "shop", &every_hook("v2", &log))
        .await
        .unwrap();
    assert!(
        !v2.warnings.iter().any(|w| w.contains("traffic_hooks")),
        "{:?}",
        v2.warnings
    );
    let d = deploy(&p, "shop", "web", &v2, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    assert_eq!(
        take_lines(&log),
        [
            "BeforeBlockTraffic v1",
            "AfterBlockTraffic v1",
            "ApplicationStop v1",
            "BeforeInstall v2",
            "AfterInstall v2",
            "ApplicationStart v2",
            "ValidateService v2",
            "BeforeAllowTraffic v2",
            "AfterAllowTraffic v2",
        ]
    );
    for event in [
        "BeforeBlockTraffic",
        "AfterBlockTraffic",
        "BeforeAllowTraffic",
        "AfterAllowTraffic",
    ] {
        let e = d.hosts[0]
            .events
            .iter()
            .find(|e| e.event == event)
            .unwrap_or_else(|| panic!("{event} not reported: {:#?}", d.hosts[0]));
        assert_eq!(
            e.status,
            liftoff_types::scheduler::EventStatus::Succeeded,
            "{e:?}"
        );
    }

    // Switched off again: skipped as before.
    let g = cli
        .ok(&[
            "group",
            "update",
            "--app",
            "shop",
            "web",
            "--traffic-hooks",
            "false",
        ])
        .await;
    assert_eq!(g["traffic_hooks"], false, "{g}");
    let v3 = push_bundle(&p, "shop", &every_hook("v3", &log))
        .await
        .unwrap();
    let d = deploy(&p, "shop", "web", &v3, WAIT).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    assert_eq!(
        take_lines(&log),
        [
            "ApplicationStop v2",
            "BeforeInstall v3",
            "AfterInstall v3",
            "ApplicationStart v3",
            "ValidateService v3"
        ]
    );

    a.stop().await;
    p.stop().await;
}
