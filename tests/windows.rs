//! Deployment windows through the real CLI, HTTP API and an agent running real hooks, with the
//! gate's clock set by the test: inside a window a deployment starts; outside, with `wait`, it
//! is accepted `Queued` (`waiting_for: outside_window`), survives a restart of the control
//! plane, and starts exactly once when the clock enters the window; with `refuse` it is refused
//! (409 `outside_window`, non-zero exit) and nothing is created; bad specs change nothing;
//! every decision is in the audit log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use liftoff_client::AuditQuery;
use liftoff_deployment_api::app::clock::Clock;
use liftoff_kit::Role;
use liftoff_platform::ServiceSettings;
use liftoff_testkit::agent::{TestBundle, create_app_and_group, push_bundle, wait_enrolled};
use liftoff_testkit::{AgentOptions, AgentProcess, TestPlatform, wait_for};
use liftoff_types::deployments::DeploymentStatus;
use serde_json::Value;
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const WEB: (&str, &str) = ("role", "web");
const WAIT: Duration = Duration::from_secs(90);
const BERLIN_WORKDAYS: &str = "Mon-Thu 09:00-16:00 Europe/Berlin";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// One clock for both services that judge windows: deployment-api before a deployment starts,
/// the scheduler between its batches.
fn settings(clock: &Clock) -> ServiceSettings {
    let mut s = ServiceSettings::default();
    s.deployment_api.clock = clock.clone();
    s.scheduler.clock = clock.clone();
    s
}

/// `liftoff <args> --json` against the platform with `token`: (exit code, the JSON document).
async fn cli(p: &TestPlatform, token: &str, args: &[&str]) -> (i32, Value) {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .arg("--json")
        .env("LIFTOFF_URL", &p.url)
        .env("LIFTOFF_TOKEN", token)
        .output()
        .await
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "liftoff {args:?}: not JSON: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap_or(-1), doc)
}

async fn deploy(p: &TestPlatform, token: &str, revision: &str) -> (i32, Value) {
    let args = [
        "deploy",
        "--app",
        "shop",
        "--group",
        "web",
        "--revision",
        revision,
    ];
    cli(p, token, &args).await
}

async fn set_windows(p: &TestPlatform, outside: &str) -> (i32, Value) {
    let args = [
        "window",
        "set",
        "--app",
        "shop",
        "web",
        "--window",
        BERLIN_WORKDAYS,
        "--window",
        "Fri 09:00-12:00 Europe/Berlin",
        "--outside-window",
        outside,
    ];
    cli(p, &p.admin_token.clone(), &args).await
}

async fn audit(p: &TestPlatform, action: &str, deployment: Option<Uuid>) -> Vec<Value> {
    p.history()
        .audit(&AuditQuery {
            action: Some(action.into()),
            deployment_id: deployment,
            oldest_first: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .entries
        .into_iter()
        .map(|e| serde_json::to_value(e).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_a_window_a_deployment_waits_survives_a_restart_and_starts_once_when_it_opens() {
    let clock = Clock::default();
    // Friday 2026-12-04 14:00 in Berlin (13:00Z): after Friday's window closed at 12:00.
    clock.set(Some(at("2026-12-04T13:00:00Z")));
    let mut p = TestPlatform::start_with(settings(&clock))
        .await
        .expect("platform");
    let deployer = p.team_token("default", Role::Deployer);
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let rev = push_bundle(&p, "shop", &TestBundle::new("v1"))
        .await
        .unwrap();
    let token = p.enrollment_token().await.unwrap();
    let mut opts = AgentOptions::new(&p.url, &token, "zone-a", &p.dir.path().join("host-0"))
        .tag("role", "web");
    opts.poll_wait_secs = 1;
    let agent = AgentProcess::start(std::path::Path::new(BIN), &opts).expect("agent");
    wait_enrolled(&p, WEB, 1, WAIT).await;

    let (code, w) = set_windows(&p, "wait").await;
    assert_eq!(code, 0, "{w}");
    assert_eq!(w["open_now"], false, "{w}");
    // The next window: Monday 09:00 Berlin = 08:00Z.
    assert_eq!(w["next_open"], "2026-12-07T08:00:00Z", "{w}");

    let (code, d) = deploy(&p, &deployer, &rev.revision_id.to_string()).await;
    assert_eq!(code, 0, "{d}");
    let id: Uuid = d["deployment_id"].as_str().unwrap().parse().unwrap();
    let queued = p.api().get_deployment(id).await.unwrap();
    assert_eq!(queued.status, DeploymentStatus::Queued, "{queued:?}");
    assert_eq!(queued.waiting_for.as_deref(), Some("outside_window"));

    // Ticks come and go (200 ms apart); it keeps waiting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let still = p.api().get_deployment(id).await.unwrap();
    assert_eq!(still.status, DeploymentStatus::Queued, "{still:?}");

    // The control plane dies and comes back: the waiting deployment is still there, waiting.
    p.restart(settings(&clock)).await.expect("restart");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = p.api().get_deployment(id).await.unwrap();
    assert_eq!(after.status, DeploymentStatus::Queued, "{after:?}");
    assert_eq!(after.waiting_for.as_deref(), Some("outside_window"));

    // Monday 09:30 Berlin: the window opens and the tick starts it, on the real agent.
    clock.set(Some(at("2026-12-07T08:30:00Z")));
    let done = wait_for("the waiting deployment to finish", WAIT, || {
        let api = p.api();
        async move {
            api.get_deployment(id)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await;
    assert_eq!(done.status, DeploymentStatus::Succeeded, "{done:?}");
    assert_eq!(done.waiting_for, None);

    // Exactly once: one start in history; the block and the opening in the audit log.
    let started = wait_for("the deployment's history to be complete", WAIT, || {
        let history = p.history();
        async move {
            let q = liftoff_client::EventQuery {
                deployment_id: Some(id),
                event_type: Some("deployment.*".into()),
                limit: Some(500),
                ..Default::default()
            };
            let events = history.events(&q).await.ok()?.events;
            let types: Vec<String> = events
                .into_iter()
                .map(|e| {
                    serde_json::to_value(e).unwrap()["event_type"]
                        .as_str()
                        .unwrap_or("")
                        .to_string()
                })
                .collect();
            types
                .iter()
                .any(|t| t == "deployment.succeeded")
                .then_some(types)
        }
    })
    .await;
    let starts = started
        .iter()
        .filter(|t| *t == "deployment.started")
        .count();
    assert_eq!(starts, 1, "{started:?}");
    let blocked = audit(&p, "gate.blocked", Some(id)).await;
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    assert_eq!(
        blocked[0]["data"]["reason"], "outside_window",
        "{blocked:?}"
    );
    assert_eq!(blocked[0]["data"]["outcome"], "waiting", "{blocked:?}");
    let opened = wait_for("gate.opened in the audit log", WAIT, || {
        let p = &p;
        async move {
            let o = audit(p, "gate.opened", Some(id)).await;
            (!o.is_empty()).then_some(o)
        }
    })
    .await;
    assert_eq!(opened.len(), 1, "{opened:?}");
    assert_eq!(opened[0]["data"]["reason"], "outside_window", "{opened:?}");
    agent.stop().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_a_window_a_deployment_starts_and_outside_refuse_answers_409() {
    let clock = Clock::default();
    // Thursday 2026-12-03 10:00 Berlin (09:00Z): inside.
    clock.set(Some(at("2026-12-03T09:00:00Z")));
    let p = TestPlatform::start_with(settings(&clock))
        .await
        .expect("platform");
    let deployer = p.team_token("default", Role::Deployer);
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let rev = push_bundle(&p, "shop", &TestBundle::new("v1"))
        .await
        .unwrap();
    let rev = rev.revision_id.to_string();
    let (code, w) = set_windows(&p, "refuse").await;
    assert_eq!(code, 0, "{w}");
    assert_eq!(w["open_now"], true, "{w}");

    let (code, d) = deploy(&p, &deployer, &rev).await;
    assert_eq!(code, 0, "{d}");
    let first: Uuid = d["deployment_id"].as_str().unwrap().parse().unwrap();
    let started = p.api().get_deployment(first).await.unwrap();
    assert_ne!(
        started.status,
        DeploymentStatus::Queued,
        "inside a window it starts: {started:?}"
    );
    assert_eq!(started.waiting_for, None);
    wait_for("the first deployment to end", WAIT, || {
        let api = p.api();
        async move {
            api.get_deployment(first)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await;

    // Thursday 17:00 Berlin: outside, and the group refuses.
    clock.set(Some(at("2026-12-03T16:00:00Z")));
    let before = p
        .api()
        .list_deployments(Some("shop"), None, None, Some(200), None)
        .await
        .unwrap();
    let (code, refused) = deploy(&p, &deployer, &rev).await;
    assert_ne!(code, 0, "deployed outside the window: {refused}");
    assert_eq!(refused["error"]["code"], "outside_window", "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains(BERLIN_WORKDAYS), "{message}");
    assert!(
        message.contains("2026-12-04T08:00:00Z"),
        "names the next opening: {message}"
    );
    let after = p
        .api()
        .list_deployments(Some("shop"), None, None, Some(200), None)
        .await
        .unwrap();
    assert_eq!(
        before.deployments.len(),
        after.deployments.len(),
        "a refused deployment was created"
    );
    let blocked = wait_for("the refusal in the audit log", WAIT, || {
        let p = &p;
        async move {
            let b = audit(p, "gate.blocked", None).await;
            (!b.is_empty()).then_some(b)
        }
    })
    .await;
    assert_eq!(blocked.len(), 1, "{blocked:?}");
    assert_eq!(blocked[0]["data"]["gate"], "window", "{blocked:?}");
    assert_eq!(
        blocked[0]["data"]["reason"], "outside_window",
        "{blocked:?}"
    );
    assert_eq!(blocked[0]["data"]["outcome"], "refused", "{blocked:?}");
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_window_specs_are_refused_with_400_and_change_nothing() {
    let p = TestPlatform::start().await.expect("platform");
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let (code, set) = set_windows(&p, "wait").await;
    assert_eq!(code, 0, "{set}");
    let admin = p.admin_token.clone();
    for (spec, says) in [
        ("Mon-Xyz 09:00-16:00 UTC", "not a day"),
        ("Mon 09:00-25:00 UTC", "not a time"),
        ("Mon 16:00-09:00 UTC", "end after it starts"),
        ("Mon 09:00-16:00 Mars/Olympus", "IANA"),
    ] {
        let args = [
            "window",
            "set",
            "--app",
            "shop",
            "web",
            "--window",
            BERLIN_WORKDAYS,
            "--window",
            spec,
        ];
        let (code, refused) = cli(&p, &admin, &args).await;
        assert_ne!(code, 0, "{spec} accepted: {refused}");
        assert_eq!(
            refused["error"]["code"], "invalid_field",
            "{spec}: {refused}"
        );
        assert!(
            refused["error"]["message"].as_str().unwrap().contains(says),
            "{spec}: {refused}"
        );
    }
    // Over HTTP: 400, and an unknown policy too.
    let url = format!(
        "{}/v1/applications/shop/deployment-groups/web/windows",
        p.url
    );
    for body in [
        serde_json::json!({"windows": ["Mon 09:00-16:00 Nowhere/City"]}),
        serde_json::json!({"windows": ["Mon 09:00-16:00 UTC"], "outside_window": "sometimes"}),
    ] {
        let res = p
            .http()
            .put(&url)
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{body}");
    }
    let (_, shown) = cli(&p, &admin, &["window", "show", "--app", "shop", "web"]).await;
    assert_eq!(
        shown["windows"], set["windows"],
        "a refused change changed something"
    );
    assert_eq!(shown["outside_window"], "wait", "{shown}");
    // A deployer may not change windows.
    let deployer = p.team_token("default", Role::Deployer);
    let (code, refused) = cli(&p, &deployer, &["window", "clear", "--app", "shop", "web"]).await;
    assert_ne!(code, 0);
    assert_eq!(refused["error"]["code"], "forbidden", "{refused}");
    p.stop().await;
}

/// An application's windows gate every group without windows of its own; a group's own win;
/// clearing the group's brings the application's back; bad specs are refused at the
/// application too and change nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applications_windows_gate_its_groups_without_their_own() {
    let clock = Clock::default();
    // Thursday 2026-12-03 17:00 Berlin (16:00Z): outside Mon-Thu 09:00-16:00.
    clock.set(Some(at("2026-12-03T16:00:00Z")));
    let p = TestPlatform::start_with(settings(&clock))
        .await
        .expect("platform");
    let admin = p.admin_token.clone();
    let deployer = p.team_token("default", Role::Deployer);
    create_app_and_group(&p, "shop", "web", WEB, "AllAtOnce")
        .await
        .unwrap();
    let rev = push_bundle(&p, "shop", &TestBundle::new("v1"))
        .await
        .unwrap()
        .revision_id
        .to_string();

    // Bad input changes nothing.
    let (code, bad) = cli(
        &p,
        &admin,
        &[
            "window",
            "set",
            "--app",
            "shop",
            "--window",
            "Someday 09:00-16:00 Mars/Olympus",
        ],
    )
    .await;
    assert_ne!(code, 0, "{bad}");
    let (_, shown) = cli(&p, &admin, &["window", "show", "--app", "shop"]).await;
    assert_eq!(shown["source"], "none", "{shown}");
    let (code, denied) = cli(
        &p,
        &deployer,
        &[
            "window",
            "set",
            "--app",
            "shop",
            "--window",
            BERLIN_WORKDAYS,
        ],
    )
    .await;
    assert_ne!(
        code, 0,
        "a deployer set the application's windows: {denied}"
    );

    // The application's windows, refusing outside them.
    let (code, w) = cli(
        &p,
        &admin,
        &[
            "window",
            "set",
            "--app",
            "shop",
            "--window",
            BERLIN_WORKDAYS,
            "--outside-window",
            "refuse",
        ],
    )
    .await;
    assert_eq!(code, 0, "{w}");
    assert_eq!(
        (
            w["deployment_group"].as_str(),
            w["source"].as_str(),
            w["open_now"].as_bool()
        ),
        (Some("*"), Some("application"), Some(false)),
        "{w}"
    );
    let (_, g) = cli(&p, &admin, &["window", "show", "--app", "shop", "web"]).await;
    assert_eq!(g["source"], "application", "{g}");
    assert_eq!(g["windows"][0], BERLIN_WORKDAYS, "{g}");
    let (code, refused) = deploy(&p, &deployer, &rev).await;
    assert_ne!(code, 0, "{refused}");
    assert_eq!(refused["error"]["code"], "outside_window", "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("application's windows"),
        "{refused}"
    );

    // The group's own windows (open on Thursday evenings) win over the application's.
    let (code, own) = cli(
        &p,
        &admin,
        &[
            "window",
            "set",
            "--app",
            "shop",
            "web",
            "--window",
            "Thu 16:00-20:00 Europe/Berlin",
        ],
    )
    .await;
    assert_eq!(code, 0, "{own}");
    assert_eq!(own["source"], "group", "{own}");
    let (code, d) = deploy(&p, &deployer, &rev).await;
    assert_eq!(code, 0, "inside the group's own window: {d}");
    let id: Uuid = d["deployment_id"].as_str().unwrap().parse().unwrap();
    wait_for("the deployment to end", WAIT, || {
        let api = p.api();
        async move {
            api.get_deployment(id)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await;

    // Cleared, the group follows the application's again.
    let (code, cleared) = cli(&p, &admin, &["window", "clear", "--app", "shop", "web"]).await;
    assert_eq!(code, 0, "{cleared}");
    assert_eq!(cleared["source"], "application", "{cleared}");
    let (code, refused) = deploy(&p, &deployer, &rev).await;
    assert_ne!(code, 0, "{refused}");
    assert_eq!(refused["error"]["code"], "outside_window", "{refused}");
    // And with none anywhere, deployments start at any time.
    let (code, none) = cli(&p, &admin, &["window", "clear", "--app", "shop"]).await;
    assert_eq!(code, 0, "{none}");
    assert_eq!(none["source"], "none", "{none}");
    let (code, d) = deploy(&p, &deployer, &rev).await;
    assert_eq!(code, 0, "{d}");
    let changed = wait_for("the change in the audit log", WAIT, || {
        let p = &p;
        async move {
            let b = audit(p, "application.windows_changed", None).await;
            (b.len() == 2).then_some(b)
        }
    })
    .await;
    assert_eq!(changed[0]["actor"], "admin", "{changed:?}");
    p.stop().await;
}
