//! `liftoff_hosts_by_group` through the real `/metrics`: each deployment group's hosts by
//! state, counted by the scheduler from its pushed copies of the hosts (host-registry) and of
//! the groups' selectors (deployment-api). A new group is counted, a changed selector recounts,
//! a host in two groups counts in both, a deleted application's groups drop to 0, and groups
//! created before the selector push are pushed once after the upgrade. Real agents, on SQLite
//! and (with `LIFTOFF_TEST_DATABASE_URL`) PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use liftoff_platform::ServiceSettings;
use liftoff_testkit::agent::{create_app_and_group, wait_enrolled};
use liftoff_testkit::{AgentOptions, AgentProcess, TestPlatform};
use liftoff_types::deployments::UpdateDeploymentGroup;

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const WAIT: Duration = Duration::from_secs(60);

/// The value of `liftoff_hosts_by_group` for `group` of `app` in `state`, from `/metrics`.
async fn by_group(p: &TestPlatform, app: &str, group: &str, state: &str) -> Option<f64> {
    let text = reqwest::get(format!("{}/metrics", p.url))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let want = [
        format!("application=\"{app}\""),
        format!("deployment_group=\"{group}\""),
        format!("state=\"{state}\""),
    ];
    text.lines()
        .filter(|l| l.starts_with("liftoff_hosts_by_group{"))
        .find(|l| want.iter().all(|w| l.contains(w.as_str())))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
}

async fn wait_count(p: &TestPlatform, app: &str, group: &str, state: &str, n: f64) {
    let until = std::time::Instant::now() + WAIT;
    while by_group(p, app, group, state).await != Some(n) {
        if std::time::Instant::now() > until {
            let text = reqwest::get(format!("{}/metrics", p.url))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let series: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with("liftoff_hosts"))
                .collect();
            panic!(
                "{app}/{group} never counted {n} {state} host(s) in {WAIT:?}; /metrics has:\n{}",
                series.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Heartbeats every second, a host Lost after 3 s without one.
fn settings() -> ServiceSettings {
    let mut s = ServiceSettings::default();
    s.registry.heartbeat_interval = Duration::from_secs(1);
    s.registry.heartbeat_grace = Duration::from_secs(3);
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_group_counts_the_hosts_its_selector_picks_by_state_through_changes_and_upgrades() {
    let mut p = TestPlatform::start_with(settings())
        .await
        .expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let mut agents = Vec::new();
    let mut options = Vec::new();
    for (name, zone, role) in [
        ("web-1", "zone-a", "web"),
        ("web-2", "zone-b", "web"),
        ("api-1", "zone-a", "api"),
    ] {
        let mut opts =
            AgentOptions::new(&p.url, &token, zone, &p.dir.path().join(name)).tag("role", role);
        opts.poll_wait_secs = 1;
        agents.push(AgentProcess::start(Path::new(BIN), &opts).unwrap());
        options.push(opts);
    }
    wait_enrolled(&p, ("role", "web"), 2, WAIT).await;
    wait_enrolled(&p, ("role", "api"), 1, WAIT).await;

    create_app_and_group(&p, "shop", "web", ("role", "web"), "AllAtOnce")
        .await
        .unwrap();
    create_app_and_group(&p, "shop", "api", ("role", "api"), "AllAtOnce")
        .await
        .unwrap();
    wait_count(&p, "shop", "web", "InService", 2.0).await;
    wait_count(&p, "shop", "api", "InService", 1.0).await;
    // Every live state has a series, 0 when no host is in it.
    assert_eq!(by_group(&p, "shop", "web", "Lost").await, Some(0.0));
    assert_eq!(by_group(&p, "shop", "web", "Pending").await, Some(0.0));

    // A wider selector: the api host is in both groups now, and counts in both.
    p.api()
        .update_group(
            "shop",
            "web",
            &UpdateDeploymentGroup {
                selector: Some(BTreeMap::from([(
                    "role".to_string(),
                    vec!["web".to_string(), "api".to_string()],
                )])),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    wait_count(&p, "shop", "web", "InService", 3.0).await;
    assert_eq!(by_group(&p, "shop", "api", "InService").await, Some(1.0));

    // A host that stops heartbeating is Lost in every group that selects it.
    agents[2].kill9().await;
    wait_count(&p, "shop", "api", "Lost", 1.0).await;
    wait_count(&p, "shop", "web", "Lost", 1.0).await;
    assert_eq!(by_group(&p, "shop", "web", "InService").await, Some(2.0));

    // As an older version left things: groups never pushed, the scheduler without them. The
    // restart pushes each once. (The control plane restarts inside this test process, whose
    // metrics outlive it: the api host comes back meanwhile, so only counts made after the
    // restart match.)
    assert_eq!(
        p.exec_sql(
            "deployment-api",
            "UPDATE deployment_groups SET pushed_at = NULL"
        ),
        2
    );
    p.exec_sql("scheduler", "DELETE FROM known_groups");
    p.restart(settings()).await.unwrap();
    agents[2] = AgentProcess::start(Path::new(BIN), &options[2]).unwrap();
    wait_count(&p, "shop", "web", "InService", 3.0).await;
    wait_count(&p, "shop", "api", "InService", 1.0).await;
    assert_eq!(by_group(&p, "shop", "api", "Lost").await, Some(0.0));
    assert_eq!(
        p.exec_sql("scheduler", "UPDATE known_groups SET name = name"),
        2,
        "the scheduler holds both groups again"
    );
    assert_eq!(
        p.exec_sql(
            "deployment-api",
            "UPDATE deployment_groups SET name = name WHERE pushed_at IS NULL"
        ),
        0,
        "every group is marked pushed"
    );

    // A deleted application's groups leave the copy, and their series drop to 0.
    p.api().delete_application("shop").await.unwrap();
    wait_count(&p, "shop", "web", "InService", 0.0).await;
    wait_count(&p, "shop", "api", "InService", 0.0).await;
    assert_eq!(
        p.exec_sql("scheduler", "UPDATE known_groups SET name = name"),
        0
    );

    for mut a in agents {
        a.kill9().await;
    }
    p.stop().await;
}
