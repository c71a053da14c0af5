//! A fleet of 200 virtual hosts (`liftoff agent --simulate 200`, one process) enrolls across
//! three zones and takes a deployment, each host through the same agent code as a real one:
//! its own identity, state, install root, long poll and hooks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use liftoff_testkit::agent::{
    TestBundle, TestHook, create_app_and_group, push_bundle, start_deployment, wait_enrolled,
};
use liftoff_testkit::{AgentOptions, AgentProcess, TestPlatform};
use liftoff_types::deployments::DeploymentStatus;
use liftoff_types::scheduler::HostTargetStatus;

const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
const HOSTS: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_fleet_of_200_hosts_takes_a_deployment() {
    let p = TestPlatform::start().await.expect("platform");
    let token = p.enrollment_token().await.unwrap();
    let root = p.dir.path().join("fleet");
    let mut opts = AgentOptions::new(&p.url, &token, "zone-a", &root)
        .tag("role", "web")
        .arg("--simulate")
        .arg(HOSTS.to_string());
    opts.zones = vec!["zone-a".into(), "zone-b".into(), "zone-c".into()];
    let fleet = AgentProcess::start(Path::new(BIN), &opts).unwrap();

    let t0 = Instant::now();
    let hosts = wait_enrolled(&p, ("role", "web"), HOSTS, Duration::from_secs(180)).await;
    let enrolled = t0.elapsed();
    let mut per_zone: BTreeMap<&str, usize> = BTreeMap::new();
    for h in &hosts {
        *per_zone.entry(h.zone.as_str()).or_default() += 1;
    }
    assert_eq!(
        per_zone,
        BTreeMap::from([("zone-a", 67), ("zone-b", 67), ("zone-c", 66)])
    );
    let names: BTreeSet<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names.len(), HOSTS, "every virtual host has its own name");

    create_app_and_group(&p, "shop", "web", ("role", "web"), "AllAtOnce")
        .await
        .unwrap();
    let rev = push_bundle(
        &p,
        "shop",
        &TestBundle::new("v1").hook(TestHook::new(
            "ValidateService",
            "test \"$(cat \"$LIFTOFF_INSTALL_ROOT/opt/app/VERSION\")\" = v1",
        )),
    )
    .await
    .unwrap();
    let t1 = Instant::now();
    let d = start_deployment(&p, "shop", "web", &rev).await.unwrap();
    let api = p.api();
    let d = loop {
        let now = api.get_deployment(d.deployment_id).await.unwrap();
        if now.status.is_terminal() {
            break now;
        }
        if t1.elapsed() > Duration::from_secs(300) {
            let log = fleet.log_text();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            panic!(
                "not finished after 300 s: {:?}\nfleet log (last lines first):\n{}",
                now.overview,
                tail.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let deployed = t1.elapsed();
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{:#?}", d.error);
    assert_eq!(d.overview.succeeded, HOSTS as u64);
    let ids: BTreeSet<_> = d.hosts.iter().map(|h| h.host_id).collect();
    assert_eq!(ids.len(), HOSTS);
    let behind: Vec<_> = d
        .hosts
        .iter()
        .filter(|h| h.status != HostTargetStatus::Succeeded)
        .map(|h| (h.host_id, h.status, h.events.len()))
        .collect();
    assert!(
        behind.is_empty(),
        "{} of {HOSTS} hosts are not Succeeded in the deployment's copy: {behind:?}",
        behind.len()
    );
    for i in 0..HOSTS {
        let v = std::fs::read_to_string(root.join(format!("sim-{i}/opt/app/VERSION")))
            .unwrap_or_else(|e| panic!("virtual host {i} installed nothing: {e}"));
        assert_eq!(v, "v1\n");
        assert!(
            root.join(format!("sim-{i}/var/lib/liftoff-agent/identity.json"))
                .exists()
        );
    }
    eprintln!(
        "{HOSTS} virtual hosts ({}): enrolled in {enrolled:?}, deployed all at once in {deployed:?}",
        p.backend()
    );
    fleet.stop().await;
    p.stop().await;
}
