//! The scheduler under faults, as real processes (`liftoff serve`): killed with SIGKILL
//! mid-rollout and restarted, it carries the rollout to the end with no hook run twice and
//! no host skipped; two replicas on one PostgreSQL database, one of them frozen past its
//! lease, never dispatch a command twice; a lease holder frozen mid-tick and resumed after the
//! other replica took over is fenced (its writes carry the old epoch and are refused).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "rollout_common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use common::*;
use liftoff_client::{Client, DeploymentApiClient, RegistryClient};
use liftoff_kit::auth::{Role, TokenKind};
use liftoff_testkit::{PgDatabase, wait_for};
use liftoff_types::deployments::*;
use nix::sys::signal::Signal;
use tokio::process::Child;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The four services as separate processes (two schedulers when `replicas` is 2).
struct Cluster {
    dir: tempfile::TempDir,
    pg: Option<PgDatabase>,
    urls: BTreeMap<String, String>,
    children: BTreeMap<String, Child>,
    admin: String,
}

impl Cluster {
    async fn start(replicas: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pg = liftoff_testkit::pg_database().await;
        let mut names = vec![
            "deployment-api".to_string(),
            "host-registry".into(),
            "history".into(),
        ];
        for i in 0..replicas {
            names.push(format!("scheduler-{i}"));
        }
        let urls: BTreeMap<String, String> = names
            .iter()
            .map(|n| (n.clone(), format!("http://127.0.0.1:{}", free_port())))
            .collect();
        let mut c = Self {
            dir,
            pg,
            urls,
            children: BTreeMap::new(),
            admin: String::new(),
        };
        for n in names {
            c.spawn(&n);
        }
        for n in c.urls.clone().keys() {
            c.wait_ready(n).await;
        }
        c.admin = liftoff_testkit::mint_with_secret(
            &c.dir.path().join("jwt.secret"),
            TokenKind::Team,
            "tester",
            Some("default"),
            Some(Role::Admin),
        );
        c
    }

    fn db_url(&self, service: &str) -> String {
        match &self.pg {
            Some(pg) => pg.url.clone(),
            None => format!(
                "sqlite://{}",
                self.dir.path().join(format!("{service}.db")).display()
            ),
        }
    }

    /// Starts (or restarts) one service process on its port.
    fn spawn(&mut self, name: &str) {
        let service = if name.starts_with("scheduler") {
            "scheduler"
        } else {
            name
        };
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(format!("{name}.log")))
            .unwrap();
        let child = tokio::process::Command::new(BIN)
            .args([
                "serve",
                service,
                "--listen",
                self.urls[name].trim_start_matches("http://"),
            ])
            .args(["--database-url", &self.db_url(service)])
            .arg("--secret-file")
            .arg(self.dir.path().join("jwt.secret"))
            .args([
                "--deployment-api-url",
                &self.urls["deployment-api"],
                "--scheduler-url",
                &self.urls["scheduler-0"],
            ])
            .args([
                "--registry-url",
                &self.urls["host-registry"],
                "--history-url",
                &self.urls["history"],
            ])
            .env("LIFTOFF_SCHEDULER_LEASE_TTL_SECS", "3")
            // No slow re-check to fall back on: a host's poll must hear of a command another
            // replica dispatched through the mailbox's watcher, even after its quiet look.
            .env("LIFTOFF_SCHEDULER_POLL_RECHECK_SECS", "600")
            .env("RUST_LOG", "info")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        self.children.insert(name.to_string(), child);
    }

    async fn wait_ready(&self, name: &str) {
        let url = format!("{}/readyz", self.urls[name]);
        wait_for(
            &format!("{name} to be ready"),
            Duration::from_secs(60),
            || {
                let url = url.clone();
                async move {
                    reqwest::get(&url)
                        .await
                        .ok()
                        .filter(|r| r.status().is_success())
                        .map(|_| ())
                }
            },
        )
        .await;
    }

    fn api(&self) -> DeploymentApiClient {
        DeploymentApiClient::new(
            Client::new(&self.urls["deployment-api"], Some(self.admin.clone())).unwrap(),
        )
    }

    fn registry(&self) -> RegistryClient {
        RegistryClient::new(
            Client::new(&self.urls["host-registry"], Some(self.admin.clone())).unwrap(),
        )
    }

    async fn fleet(&self, scheduler: &str, zone: &str, tag: &str, name: &str, n: usize) -> Sim {
        let token = self
            .registry()
            .create_enrollment_token(&Default::default())
            .await
            .unwrap()
            .token
            .unwrap();
        Sim::spawn(
            &self.urls["host-registry"],
            &[
                "--scheduler-url",
                &self.urls[scheduler],
                "--deployment-api-url",
                &self.urls["deployment-api"],
            ],
            &token,
            zone,
            &[("role", tag)],
            &self.dir.path().join(name),
            name,
            n,
        )
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.log"))).unwrap_or_default()
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Every simulated host ran each hook of `deployment` exactly once.
fn assert_ran_once(sims: &[&Sim], deployment: uuid::Uuid, hooks: usize) {
    for sim in sims {
        for i in 0..sim.n {
            let lines = runs(&sim.root_of(i), deployment);
            assert_eq!(
                lines.len(),
                hooks,
                "host {} ran {deployment}: {lines:?}",
                sim.host_name(i)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduler_killed_mid_rollout_resumes_it_with_no_hook_run_twice() {
    let mut c = Cluster::start(1).await;
    let api = c.api();
    let a = c.fleet("scheduler-0", "zone-a", "web", "a", 3).await;
    let b = c.fleet("scheduler-0", "zone-b", "web", "b", 3).await;
    wait_hosts(&c.registry(), "role", "web", 6).await;
    api.create_config(&CreateDeploymentConfig {
        name: "two-at-a-time".into(),
        minimum_healthy: MinimumHealthy::HostCount(4),
        zone_mode: None,
        zone_bake_secs: None,
        canary_batch_size: None,
        health_analysis: None,
    })
    .await
    .unwrap();
    setup(
        &api,
        "shop",
        ("role", "web"),
        "two-at-a-time",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let hooks = [
        ("BeforeInstall", RECORD),
        ("ApplicationStart", &format!("{RECORD}\nsleep 0.7") as &str),
    ];
    let v1 = push(&api, c.path(), "shop", "v1", &hooks).await;
    let d = deploy(&api, "shop", &v1).await;
    let id = d.deployment_id;
    wait_until(&api, id, "two hosts to finish", 60, |d| {
        d.overview.succeeded >= 2
    })
    .await;
    c.children
        .get_mut("scheduler-0")
        .unwrap()
        .start_kill()
        .unwrap();
    let _ = c.children.get_mut("scheduler-0").unwrap().wait().await;
    // Down for a moment: agents' reports and polls fail and are retried.
    tokio::time::sleep(Duration::from_secs(1)).await;
    c.spawn("scheduler-0");
    c.wait_ready("scheduler-0").await;
    let d = wait_done(&api, id, 120).await;
    assert_eq!(
        d.status,
        DeploymentStatus::Succeeded,
        "{d:#?}\n{}",
        c.log("scheduler-0")
    );
    assert_eq!(d.overview.succeeded, 6);
    assert_ran_once(&[&a, &b], id, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_scheduler_replicas_never_dispatch_a_command_twice() {
    if liftoff_testkit::postgres_url().is_none() {
        eprintln!(
            "skipped: several scheduler replicas need PostgreSQL (set LIFTOFF_TEST_DATABASE_URL)"
        );
        return;
    }
    let c = Cluster::start(2).await;
    let api = c.api();
    // Half the fleet talks to one replica, half to the other; deployment-api to the first.
    let a = c.fleet("scheduler-0", "zone-a", "web", "a", 4).await;
    let b = c.fleet("scheduler-1", "zone-b", "web", "b", 4).await;
    wait_hosts(&c.registry(), "role", "web", 8).await;
    let apps = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];
    let hooks = [("ApplicationStart", &format!("{RECORD}\nsleep 0.2") as &str)];
    let mut deployments = Vec::new();
    for app in apps {
        setup(
            &api,
            app,
            ("role", "web"),
            "HalfAtATime",
            false,
            ConcurrencyPolicy::Reject,
        )
        .await;
        let rev = push(&api, c.path(), app, "v1", &hooks).await;
        deployments.push(deploy(&api, app, &rev).await.deployment_id);
    }
    // Freeze the second replica past its lease while the deployments run, then let it go:
    // its stale claims must not write.
    let pid = nix::unistd::Pid::from_raw(c.children["scheduler-1"].id().unwrap() as i32);
    nix::sys::signal::kill(pid, Signal::SIGSTOP).unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    nix::sys::signal::kill(pid, Signal::SIGCONT).unwrap();
    for id in &deployments {
        let d = wait_done(&api, *id, 180).await;
        assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
        assert_eq!(d.overview.succeeded, 8);
        assert_ran_once(&[&a, &b], *id, 1);
        for h in &d.hosts {
            assert_eq!(h.attempt, 1, "one attempt per host: {h:#?}");
        }
    }
}

/// The lease on a rollout: (owner, epoch). The owner is `<pid>-<uuid>` of the replica process.
fn lease_of(pg: &PgDatabase, deployment: uuid::Uuid) -> (Option<String>, i64) {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Lease {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        lease_owner: Option<String>,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        lease_epoch: i64,
    }
    let mut c = diesel::PgConnection::establish(&pg.url).unwrap();
    let l: Lease = diesel::sql_query(format!(
        "SELECT lease_owner, lease_epoch FROM scheduler.rollouts WHERE deployment_id = '{deployment}'"
    ))
    .get_result(&mut c)
    .unwrap();
    (l.lease_owner, l.lease_epoch)
}

/// Whether the scheduler process `pid` waits for a lock on its copy of the fleet in the read a
/// tick makes right after claiming its leases (which hosts are lost), outside any transaction.
/// Only that read: the same table is read by id inside transactions that hold a rollout's row
/// (an agent's report, a rollout's step), and a replica frozen there keeps the row locked, so
/// the other replica's claim (which skips locked rows) could never take the lease over. Only
/// that process: the other replica reads the table too while serving its agents.
fn tick_waiting_on_known_hosts(pg: &PgDatabase, pid: u32) -> bool {
    count(
        pg,
        &format!(
            "SELECT count(*) AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE NOT l.granted AND l.relation = 'scheduler.known_hosts'::regclass \
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND a.application_name = 'liftoff scheduler {pid}' AND a.backend_xid IS NULL \
         AND a.query LIKE 'SELECT \"known_hosts\".\"host_id\" FROM \"known_hosts\" WHERE%' \
         AND a.query LIKE '%\"known_hosts\".\"state\" = $1%'",
        ),
    ) > 0
}

/// How many of the scheduler process `pid`'s connections are busy (in a statement or a
/// transaction) with anything but the post-claim read [`tick_waiting_on_known_hosts`] waits for.
fn holder_busy_elsewhere(pg: &PgDatabase, pid: u32) -> i64 {
    count(
        pg,
        &format!(
            "SELECT count(*) AS n FROM pg_stat_activity \
         WHERE datname = current_database() AND application_name = 'liftoff scheduler {pid}' \
         AND state <> 'idle' AND NOT (wait_event_type = 'Lock' \
         AND query LIKE '%\"known_hosts\".\"state\" = $1%')",
        ),
    )
}

/// The `n` a `SELECT count(*) AS n …` on the cluster's database answers.
fn count(pg: &PgDatabase, sql: &str) -> i64 {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut c = diesel::PgConnection::establish(&pg.url).unwrap();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut c)
        .unwrap()
        .n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_holder_frozen_mid_tick_and_resumed_after_a_takeover_is_fenced() {
    if liftoff_testkit::postgres_url().is_none() {
        eprintln!(
            "skipped: several scheduler replicas need PostgreSQL (set LIFTOFF_TEST_DATABASE_URL)"
        );
        return;
    }
    let c = Cluster::start(2).await;
    let api = c.api();
    let a = c.fleet("scheduler-1", "zone-a", "web", "a", 2).await;
    let b = c.fleet("scheduler-0", "zone-b", "web", "b", 2).await;
    wait_hosts(&c.registry(), "role", "web", 4).await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "OneAtATime",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    // Hooks long enough that the rollout is still running when the holder is frozen (after
    // the first host) and when the other replica takes it over (a 3 s lease later).
    let hooks = [("ApplicationStart", &format!("{RECORD}\nsleep 4") as &str)];
    let v1 = push(&api, c.path(), "shop", "v1", &hooks).await;
    let id = deploy(&api, "shop", &v1).await.deployment_id;
    wait_until(&api, id, "the first host to finish", 60, |d| {
        d.overview.succeeded >= 1
    })
    .await;
    let pg = c.pg.as_ref().unwrap();
    let (owner, epoch) = lease_of(pg, id);
    let owner = owner.expect("a replica holds the rollout");
    let pid_of = |name: &str| c.children[name].id().unwrap();
    let (holder, other) = if owner.starts_with(&format!("{}-", pid_of("scheduler-0"))) {
        ("scheduler-0", "scheduler-1")
    } else {
        ("scheduler-1", "scheduler-0")
    };
    // Hold the holder inside its next tick: a tick that claimed leases first reads which hosts
    // are lost from its copy of the fleet, so with that table locked the holder waits there,
    // after its claim and before the upkeep's fenced writes. The other replica claims nothing
    // while the lease is valid, so it never reaches that read. Freeze the holder there, then
    // let the table go.
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let mut lock = diesel::PgConnection::establish(&pg.url).unwrap();
    lock.batch_execute("BEGIN; LOCK TABLE scheduler.known_hosts IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let pid = nix::unistd::Pid::from_raw(pid_of(holder) as i32);
    let started = std::time::Instant::now();
    loop {
        wait_for(
            "the holder to be inside a tick",
            Duration::from_secs(30),
            || {
                let waiting = tick_waiting_on_known_hosts(pg, pid_of(holder));
                async move { waiting.then_some(()) }
            },
        )
        .await;
        nix::sys::signal::kill(pid, Signal::SIGSTOP).unwrap();
        // Another of the holder's threads may have been inside a transaction (holding the
        // rollout's row) when it stopped: then let it go on and try again.
        if holder_busy_elsewhere(pg, pid_of(holder)) == 0 {
            break;
        }
        nix::sys::signal::kill(pid, Signal::SIGCONT).unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the holder never stopped outside a transaction"
        );
    }
    lock.batch_execute("COMMIT").unwrap();
    let other_pid = format!("{}-", pid_of(other));
    wait_for(
        "the other replica to take the lease over",
        Duration::from_secs(30),
        || {
            let (owner, e) = lease_of(pg, id);
            let taken = owner.is_some_and(|o| o.starts_with(&other_pid)) && e > epoch;
            async move { taken.then_some(()) }
        },
    )
    .await;
    nix::sys::signal::kill(pid, Signal::SIGCONT).unwrap();
    wait_for(
        "the resumed replica to be fenced off",
        Duration::from_secs(30),
        || {
            let log = c.log(holder);
            async move {
                log.contains("lease lost to another replica; stepping down")
                    .then_some(())
            }
        },
    )
    .await;
    let d = wait_done(&api, id, 120).await;
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    assert_ran_once(&[&a, &b], id, 1);
    for h in &d.hosts {
        assert_eq!(h.attempt, 1, "one attempt per host: {h:#?}");
    }
}
