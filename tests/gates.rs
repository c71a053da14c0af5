//! The gates between batches, through the real CLI, HTTP API and agents running real hooks: a
//! freeze created while a rollout runs, or a deployment window that closes (by the clock, or
//! by an edit), lets the hosts already running finish and starts no new one; the deployment
//! says why it waits (`waiting_for`), history records the pause and the resumption
//! (`gate.blocked`, `gate.opened`), and it resumes by itself when the gate opens (a window
//! opens, a freeze is lifted, or an admin lets the deployment go on despite it). With the
//! services run apart, a scheduler SIGKILLed while a freeze holds a rollout keeps holding it
//! when it comes back, and a freeze lifted while it was down resumes the rollout once it is.
//! A group that refuses deployments outside its windows only pauses one already running.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "rollout_common/mod.rs"]
mod common;
#[path = "split_support/mod.rs"]
mod split_support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::{RECORD, Sim, cli, push, runs, wait_done, wait_until};
use liftoff_client::{DeploymentApiClient, EventQuery, HistoryClient};
use liftoff_kit::Role;
use liftoff_kit::clock::Clock;
use liftoff_platform::ServiceSettings;
use liftoff_testkit::TestPlatform;
use liftoff_testkit::agent::create_app_and_group;
use liftoff_types::deployments::*;
use serde_json::Value;
use uuid::Uuid;

const WEB: (&str, &str) = ("role", "web");
/// Each host's ApplicationStart takes this long: time for a gate to change mid-batch.
const HOOK: &str = "sleep 3";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn hooks() -> Vec<(&'static str, &'static str)> {
    vec![("BeforeInstall", RECORD), ("ApplicationStart", HOOK)]
}

async fn create(api: &DeploymentApiClient, group: &str, rev: &Revision) -> Uuid {
    api.create_deployment(
        &CreateDeployment {
            file_exists_behavior: None,
            application: "shop".into(),
            deployment_group: group.into(),
            revision: rev.revision_id.to_string(),
            config: None,
            description: None,
        },
        None,
    )
    .await
    .expect("create deployment")
    .deployment_id
}

/// Waits until `done` hosts succeeded, none runs, and the deployment waits for `reason`.
async fn wait_paused(api: &DeploymentApiClient, id: Uuid, done: u64, reason: &str) -> Deployment {
    wait_until(
        api,
        id,
        &format!("the rollout to pause ({reason}) after {done} host(s)"),
        60,
        |d| {
            d.overview.succeeded == done
                && d.overview.in_progress == 0
                && d.waiting_for.as_deref() == Some(reason)
        },
    )
    .await
}

/// For `secs`, the deployment keeps waiting: no host starts, none is left running.
async fn holds(api: &DeploymentApiClient, id: Uuid, done: u64, reason: &str, secs: u64) {
    let until = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < until {
        let d = api.get_deployment(id).await.unwrap();
        assert_eq!(
            (d.status, d.overview.succeeded, d.overview.in_progress),
            (DeploymentStatus::InProgress, done, 0),
            "a host started while the gate was closed: {d:#?}"
        );
        assert_eq!(d.waiting_for.as_deref(), Some(reason), "{d:#?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The deployment's `gate.*` events in history, oldest first, once `n` are there.
async fn gate_events(history: &HistoryClient, id: Uuid, n: usize) -> Vec<Value> {
    liftoff_testkit::wait_for(
        &format!("{n} gate events in history"),
        Duration::from_secs(30),
        || {
            let history = history.clone();
            async move {
                let q = EventQuery {
                    deployment_id: Some(id),
                    event_type: Some("gate.*".into()),
                    limit: Some(100),
                    ..Default::default()
                };
                let events: Vec<Value> = history
                    .events(&q)
                    .await
                    .ok()?
                    .events
                    .into_iter()
                    .map(|e| serde_json::to_value(e).unwrap())
                    .collect();
                (events.len() >= n).then_some(events)
            }
        },
    )
    .await
}

/// The (type, reason, outcome) of gate events.
fn said(events: &[Value]) -> Vec<(String, String, String)> {
    events
        .iter()
        .map(|e| {
            let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (
                s(&e["event_type"]),
                s(&e["data"]["reason"]),
                s(&e["data"]["outcome"]),
            )
        })
        .collect()
}

fn pair(reason: &str) -> Vec<(String, String, String)> {
    vec![
        ("gate.blocked".into(), reason.into(), "paused".into()),
        ("gate.opened".into(), reason.into(), "resumed".into()),
    ]
}

/// Hosts of `fleet` that ran `id`'s BeforeInstall, each exactly once.
fn ran(fleet: &Sim, id: Uuid) -> usize {
    (0..fleet.n)
        .filter(|i| {
            let lines = runs(&fleet.root_of(*i), id);
            assert!(
                lines.len() <= 1,
                "{} ran twice: {lines:?}",
                fleet.host_name(*i)
            );
            !lines.is_empty()
        })
        .count()
}

async fn platform(clock: &Clock) -> TestPlatform {
    let mut s = ServiceSettings::default();
    s.deployment_api.clock = clock.clone();
    s.scheduler.clock = clock.clone();
    TestPlatform::start_with(s).await.expect("platform")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freeze_created_mid_rollout_pauses_it_before_the_next_host_and_a_lift_or_an_override_resumes_it()
 {
    let p = platform(&Clock::default()).await;
    let api = p.api();
    let deployer = p.team_token("default", Role::Deployer);
    create_app_and_group(&p, "shop", "web", WEB, "OneAtATime")
        .await
        .unwrap();
    let token = p.enrollment_token().await.unwrap();
    let root = p.dir.path().join("fleet");
    let fleet = Sim::spawn(&p.url, &[], &token, "zone-a", &[WEB], &root, "f", 3);
    common::wait_hosts(&p.registry(), "role", "web", 3).await;
    let rev = push(&api, p.dir.path(), "shop", "v1", &hooks()).await;
    let freeze = |args: &'static [&'static str]| {
        let (url, deployer) = (p.url.clone(), deployer.clone());
        async move {
            let mut all = vec!["freeze", "create", "--until", "1h"];
            all.extend_from_slice(args);
            let (ok, f) = cli(&url, &deployer, &all).await;
            assert!(ok, "{f}");
            f["id"].as_str().unwrap().to_string()
        }
    };

    let id = create(&api, "web", &rev).await;
    wait_until(&api, id, "the first host to start", 60, |d| {
        d.overview.in_progress == 1
    })
    .await;
    let first = freeze(&["--app", "shop", "--reason", "INC-7"]).await;
    // The host already running finishes; the next one does not start while the freeze holds.
    wait_paused(&api, id, 1, "frozen").await;
    holds(&api, id, 1, "frozen", 3).await;
    assert_eq!(ran(&fleet, id), 1);

    let (ok, lifted) = cli(&p.url, &p.admin_token, &["freeze", "lift", &first]).await;
    assert!(ok, "{lifted}");
    wait_until(&api, id, "the second host to start", 60, |d| {
        d.overview.succeeded + d.overview.in_progress == 2
    })
    .await;

    // A team-wide freeze pauses it again; only an admin lets it go on despite the freeze.
    let second = freeze(&["--reason", "year-end"]).await;
    wait_paused(&api, id, 2, "frozen").await;
    let args = [
        "freeze",
        "override",
        &id.to_string(),
        "--reason",
        "finish INC-7's fix",
    ];
    let (ok, refused) = cli(&p.url, &deployer, &args).await;
    assert!(!ok, "a deployer overrode a freeze: {refused}");
    assert_eq!(refused["error"]["code"], "forbidden", "{refused}");
    holds(&api, id, 2, "frozen", 1).await;
    let (ok, overridden) = cli(&p.url, &p.admin_token, &args).await;
    assert!(ok, "{overridden}");

    let done = wait_done(&api, id, 60).await;
    assert_eq!(done.status, DeploymentStatus::Succeeded, "{done:#?}");
    assert_eq!(done.waiting_for, None);
    assert_eq!(ran(&fleet, id), 3);

    let events = gate_events(&p.history(), id, 4).await;
    let mut twice = pair("frozen");
    twice.extend(pair("frozen"));
    assert_eq!(said(&events), twice, "{events:#?}");
    assert_eq!(events[0]["data"]["gate"], "freeze", "{events:#?}");
    assert_eq!(
        events[0]["data"]["freeze_id"],
        first.as_str(),
        "{events:#?}"
    );
    assert_eq!(
        events[2]["data"]["freeze_id"],
        second.as_str(),
        "{events:#?}"
    );
    assert_eq!(events[0]["source"], "scheduler", "{events:#?}");
    let audit = p
        .history()
        .audit(&liftoff_client::AuditQuery {
            action: Some("freeze.overridden".into()),
            deployment_id: Some(id),
            ..Default::default()
        })
        .await
        .unwrap();
    let o = serde_json::to_value(&audit.entries).unwrap();
    assert_eq!(audit.entries.len(), 1, "{o}");
    assert_eq!(o[0]["data"]["reason"], "finish INC-7's fix", "{o}");
    assert_eq!(o[0]["data"]["freeze_id"], second.as_str(), "{o}");
    drop(fleet);
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_that_closes_mid_rollout_pauses_it_and_reopening_or_an_edit_resumes_it() {
    let clock = Clock::default();
    // Thursday 2026-12-03 15:50 in Berlin (14:50Z): inside Mon-Thu 09:00-16:00.
    clock.set(Some(at("2026-12-03T14:50:00Z")));
    let p = platform(&clock).await;
    let api = p.api();
    create_app_and_group(&p, "shop", "web", WEB, "OneAtATime")
        .await
        .unwrap();
    let set = |windows: &'static [&'static str]| {
        let (url, admin) = (p.url.clone(), p.admin_token.clone());
        async move {
            let mut args = vec!["window", "set", "--app", "shop", "web"];
            for w in windows {
                args.extend(["--window", w]);
            }
            // `refuse` turns new deployments away outside the windows; one running only pauses.
            args.extend(["--outside-window", "refuse"]);
            let (ok, w) = cli(&url, &admin, &args).await;
            assert!(ok, "{w}");
            w
        }
    };
    set(&["Mon-Thu 09:00-16:00 Europe/Berlin"]).await;
    let token = p.enrollment_token().await.unwrap();
    let root = p.dir.path().join("fleet");
    let fleet = Sim::spawn(&p.url, &[], &token, "zone-a", &[WEB], &root, "w", 3);
    common::wait_hosts(&p.registry(), "role", "web", 3).await;
    let rev = push(&api, p.dir.path(), "shop", "v1", &hooks()).await;

    let id = create(&api, "web", &rev).await;
    wait_until(&api, id, "the first host to start", 60, |d| {
        d.overview.in_progress == 1
    })
    .await;
    // 16:05 in Berlin: the window closes while the first host runs.
    clock.set(Some(at("2026-12-03T15:05:00Z")));
    wait_paused(&api, id, 1, "outside_window").await;
    holds(&api, id, 1, "outside_window", 3).await;
    assert_eq!(ran(&fleet, id), 1);

    // Monday 09:30 in Berlin: the window opens; the scheduler's own tick resumes it.
    clock.set(Some(at("2026-12-07T08:30:00Z")));
    wait_until(&api, id, "the second host to start", 60, |d| {
        d.overview.succeeded + d.overview.in_progress == 2
    })
    .await;
    // An edit after hand-off is pushed: Saturdays only, closed on this Monday.
    set(&["Sat 09:00-10:00 UTC"]).await;
    wait_paused(&api, id, 2, "outside_window").await;
    holds(&api, id, 2, "outside_window", 2).await;
    set(&["daily 00:00-24:00 UTC"]).await;

    let done = wait_done(&api, id, 60).await;
    assert_eq!(done.status, DeploymentStatus::Succeeded, "{done:#?}");
    assert_eq!(done.waiting_for, None);
    assert_eq!(ran(&fleet, id), 3);
    let events = gate_events(&p.history(), id, 4).await;
    let mut both = pair("outside_window");
    both.extend(pair("outside_window"));
    assert_eq!(said(&events), both, "{events:#?}");
    assert_eq!(events[0]["data"]["gate"], "window", "{events:#?}");
    assert_eq!(
        events[0]["data"]["next_open"], "2026-12-07T08:00:00Z",
        "{events:#?}"
    );
    drop(fleet);
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduler_killed_while_a_freeze_holds_a_rollout_keeps_it_held_and_resumes_on_the_lift() {
    let mut c = split_support::Cluster::start().await;
    let api = c.api();
    let token = c.shop_web().await;
    api.create_group(
        "shop",
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: "serial".into(),
            selector: BTreeMap::from([("role".to_string(), vec!["web".to_string()])]),
            deployment_config: Some("OneAtATime".into()),
            auto_rollback: None,
            concurrency_policy: None,
            stage: None,
            health_analysis: None,
        },
    )
    .await
    .unwrap();
    let root = c.dir.path().join("fleet");
    let fleet = Sim::spawn(&c.proxy.url, &[], &token, "zone-a", &[WEB], &root, "k", 2);
    common::wait_hosts(&c.registry(), "role", "web", 2).await;
    let rev = push(&api, c.dir.path(), "shop", "v1", &hooks()).await;

    let id = create(&api, "serial", &rev).await;
    wait_until(&api, id, "the first host to start", 60, |d| {
        d.overview.in_progress == 1
    })
    .await;
    let (ok, freeze) = cli(
        &c.proxy.url,
        &c.admin,
        &["freeze", "create", "--reason", "team-wide", "--until", "1h"],
    )
    .await;
    assert!(ok, "{freeze}");
    wait_paused(&api, id, 1, "frozen").await;

    // Killed and back: the freeze it was told of is in its own database; still held.
    c.kill("scheduler").await;
    c.restart("scheduler").await;
    holds(&api, id, 1, "frozen", 3).await;

    // Lifted while the scheduler is down: deployment-api's outbox delivers it on its return.
    c.kill("scheduler").await;
    let (ok, lifted) = cli(
        &c.proxy.url,
        &c.admin,
        &["freeze", "lift", freeze["id"].as_str().unwrap()],
    )
    .await;
    assert!(ok, "{lifted}");
    tokio::time::sleep(Duration::from_secs(1)).await;
    c.restart("scheduler").await;

    let done = wait_done(&api, id, 90).await;
    assert_eq!(
        done.status,
        DeploymentStatus::Succeeded,
        "{done:#?}\n{}",
        c.logs()
    );
    assert_eq!(done.waiting_for, None);
    assert_eq!(ran(&fleet, id), 2, "every host ran once");
    let history = HistoryClient::new(
        liftoff_client::Client::new(&c.proxy.url, Some(c.admin.clone())).unwrap(),
    );
    let events = gate_events(&history, id, 2).await;
    assert_eq!(said(&events), pair("frozen"), "{events:#?}");
    drop(fleet);
    c.stop().await;
}
