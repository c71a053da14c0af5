//! The control plane under its own faults, as an operator meets them: it restarts (down longer
//! than the heartbeat grace) while hosts run hooks, an acknowledgement's answer is lost while
//! the scheduler stays unreachable, the process answering a keyed create dies, the database
//! goes away, the disk fills. Each test says what must hold (no host failed for the control
//! plane's downtime, nothing stranded, nothing run twice, 503/507 with a stable code) and
//! prints the recovery figures reported in docs/benchmarks.md (`CHAOS` lines).
//!
//! The full disk is simulated with SQLite's `PRAGMA max_page_count` on every connection of one
//! service (the real `SQLITE_FULL` error, without root or a tmpfs mount); the database outage
//! with a TCP gate between the services and PostgreSQL (the shared server is never stopped).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "rollout_common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use liftoff_client::{Client, DeploymentApiClient};
use liftoff_kit::Authority;
use liftoff_kit::auth::{Role, TokenKind};
use liftoff_platform::{ServiceSettings, UpConfig};
use liftoff_testkit::proxy::FaultProxy;
use liftoff_testkit::{PgDatabase, TestPlatform, wait_for};
use liftoff_types::deployments::*;
use liftoff_types::scheduler::{EventStatus, HostTargetStatus};
use nix::sys::signal::Signal;

/// Settings with a short heartbeat grace (3 s, heartbeats every second), as TestPlatform
/// completes them, so a restarted control plane gets the same.
fn short_grace(dir: &std::path::Path) -> ServiceSettings {
    grace_of(dir, 1, 3)
}

/// Heartbeats every `interval` s, lost after `grace` s. Outage tests use heartbeats that are
/// not much more frequent than the grace (as in production: 5 s and 20 s), so the first sweep
/// after the control plane's return comes before every host could have been heard again: only
/// the registry knowing it was deaf keeps them from being declared lost.
fn grace_of(dir: &std::path::Path, interval: u64, grace: u64) -> ServiceSettings {
    let mut s = ServiceSettings::default();
    s.registry.heartbeat_interval = Duration::from_secs(interval);
    s.registry.heartbeat_grace = Duration::from_secs(grace);
    // A restarted scheduler takes its rollouts back at once (the lease of the process that
    // died ends soon), so it would act on hosts declared lost right after the restart.
    s.scheduler.lease_ttl = Duration::from_secs(2);
    s.tick_interval = Some(Duration::from_millis(200));
    s.workers = Some(2);
    let lots = liftoff_kit::admission::Budget::new(10_000.0, 100_000.0);
    s.auth.rate_limits = Some(liftoff_kit::admission::RateLimits {
        team: lots,
        host: lots,
        anonymous: lots,
        ..Default::default()
    });
    s.deployment_api.spool_dir = dir.to_path_buf();
    s
}

/// Stops `liftoff up` of `p`, keeps it down for `down`, and starts it again on the same port
/// and database. Returns when it serves again.
async fn restart(p: &mut TestPlatform, settings: &ServiceSettings, down: Duration) -> Instant {
    p.running.take().unwrap().stop().await;
    tokio::time::sleep(down).await;
    let running = liftoff_platform::up(UpConfig {
        listen: p.addr,
        data_dir: p.data_dir(),
        database_url: p.database_url.clone(),
        settings: settings.clone(),
    })
    .await
    .unwrap();
    p.running = Some(running);
    Instant::now()
}

/// No event of any host is still in progress.
fn all_events_concluded(d: &Deployment) -> bool {
    d.hosts
        .iter()
        .all(|h| h.events.iter().all(|e| e.status != EventStatus::InProgress))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_control_plane_down_longer_than_the_grace_fails_no_host() {
    let dir = tempfile::tempdir().unwrap();
    let settings = grace_of(dir.path(), 3, 5);
    let mut p = TestPlatform::start_with(settings.clone()).await.unwrap();
    let api = p.api();
    let token = p.enrollment_token().await.unwrap();
    let sim = Sim::spawn(
        &p.url,
        &[],
        &token,
        "zone-a",
        &[("role", "web")],
        &p.dir.path().join("a"),
        "a",
        4,
    );
    wait_hosts(&p.registry(), "role", "web", 4).await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", &format!("{RECORD}\nsleep 16"))],
    )
    .await;
    let d = deploy(&api, "shop", &v1).await;
    wait_until(
        &api,
        d.deployment_id,
        "every host to run its hook",
        60,
        |d| {
            d.hosts
                .iter()
                .all(|h| h.events.iter().any(|e| e.event == "ApplicationStart"))
        },
    )
    .await;
    // Down for more than two graces while every host is mid-hook; the hosts are back two
    // seconds after the control plane (their agents frozen meanwhile, their hooks running on):
    // the first sweep after the restart comes before any of them could be heard.
    sim.signal(Signal::SIGSTOP);
    let back = restart(&mut p, &settings, Duration::from_secs(12)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    sim.signal(Signal::SIGCONT);
    let reg = p.registry();
    let heard_in = wait_for(
        "every host to heartbeat again",
        Duration::from_secs(30),
        || {
            let reg = reg.clone();
            async move {
                let hosts = reg.list_hosts(&[], None).await.ok()?.hosts;
                let since = chrono::Utc::now() - chrono::Duration::from_std(back.elapsed()).ok()?;
                hosts
                    .iter()
                    .all(|h| h.last_heartbeat_at.is_some_and(|t| t >= since))
                    .then(|| back.elapsed())
            }
        },
    )
    .await;
    let fin = wait_done(&api, d.deployment_id, 90).await;
    assert_eq!(fin.status, DeploymentStatus::Succeeded, "{fin:#?}");
    assert!(all_events_concluded(&fin), "{fin:#?}");
    for i in 0..4 {
        assert_eq!(
            runs(&sim.root_of(i), d.deployment_id).len(),
            1,
            "host {i} ran its hook once"
        );
    }
    // Idle agents (in poll backoff) after a second outage: how soon a new deployment starts.
    let v2 = push(
        &api,
        p.dir.path(),
        "shop",
        "v2",
        &[("ApplicationStart", RECORD)],
    )
    .await;
    let back = restart(&mut p, &settings, Duration::from_secs(8)).await;
    let api = p.api();
    let d2 = deploy(&api, "shop", &v2).await;
    let fin2 = wait_done(&api, d2.deployment_id, 60).await;
    assert_eq!(fin2.status, DeploymentStatus::Succeeded, "{fin2:#?}");
    let ack = fin2
        .hosts
        .iter()
        .filter_map(|h| Some((h.started_at? - h.dispatched_at?).num_milliseconds()))
        .max()
        .unwrap();
    println!(
        "CHAOS restart: every agent heartbeating {:.1} s after the restart (agents held 2 s); \
         dispatch-to-ack after a restart {:.1} s (slowest of 4 hosts); deployment done {:.1} s after the restart",
        heard_in.as_secs_f64(),
        ack as f64 / 1000.0,
        back.elapsed().as_secs_f64()
    );
    assert!(ack < 5_000, "dispatch-to-ack after a restart took {ack} ms");
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_acknowledgement_answer_strands_no_host() {
    let p = TestPlatform::start().await.unwrap();
    let api = p.api();
    let token = p.enrollment_token().await.unwrap();
    let proxy = FaultProxy::start(&p.url).unwrap();
    let sim = Sim::spawn(
        &p.url,
        &["--scheduler-url", &proxy.url],
        &token,
        "zone-a",
        &[("role", "web")],
        &p.dir.path().join("a"),
        "a",
        1,
    );
    wait_hosts(&p.registry(), "role", "web", 1).await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", RECORD)],
    )
    .await;
    // Every answer to an acknowledgement is lost (the requests arrive): the acknowledgement
    // commits, the agent never hears so, past its 60 s retry budget.
    proxy.faults.lose_answers("/ack", 1_000_000);
    let d = deploy(&api, "shop", &v1).await;
    wait_until(
        &api,
        d.deployment_id,
        "the host to be acknowledged",
        30,
        |d| d.hosts[0].status == HostTargetStatus::InProgress,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(65)).await;
    assert!(runs(&sim.root_of(0), d.deployment_id).is_empty());
    proxy.faults.lose_answers.lock().unwrap().clear();
    let healed = Instant::now();
    let fin = wait_done(&api, d.deployment_id, 60).await;
    assert_eq!(
        fin.status,
        DeploymentStatus::Succeeded,
        "{fin:#?}\n{}",
        sim.log()
    );
    assert_eq!(runs(&sim.root_of(0), d.deployment_id).len(), 1);
    println!(
        "CHAOS lost ack answer: host finished {:.1} s after the scheduler answered again",
        healed.elapsed().as_secs_f64()
    );
    proxy.stop().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_declared_lost_has_every_event_concluded_and_its_restart_report_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let p = TestPlatform::start_with(short_grace(dir.path()))
        .await
        .unwrap();
    let api = p.api();
    let token = p.enrollment_token().await.unwrap();
    let root = p.dir.path().join("a");
    let spawn = || {
        Sim::spawn(
            &p.url,
            &[],
            &token,
            "zone-a",
            &[("role", "web")],
            &root,
            "a",
            1,
        )
    };
    let mut sim = spawn();
    wait_hosts(&p.registry(), "role", "web", 1).await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", &format!("{RECORD}\nsleep 30"))],
    )
    .await;
    let d = deploy(&api, "shop", &v1).await;
    wait_until(&api, d.deployment_id, "the hook to run", 30, |d| {
        d.hosts[0]
            .events
            .iter()
            .any(|e| e.event == "ApplicationStart")
    })
    .await;
    sim.child.start_kill().unwrap();
    let _ = sim.child.wait().await;
    let fin = wait_done(&api, d.deployment_id, 60).await;
    assert_eq!(fin.hosts[0].error_code.as_deref(), Some("agent-lost"));
    let start = fin.hosts[0]
        .events
        .iter()
        .find(|e| e.event == "ApplicationStart")
        .unwrap();
    assert_eq!(
        (start.status, start.error_code.as_deref()),
        (EventStatus::Failed, Some("AGENT_LOST")),
        "{fin:#?}"
    );
    assert!(all_events_concluded(&fin), "{fin:#?}");
    // History has the event concluded too.
    let history = p.history();
    wait_for(
        "history to hold the concluded event",
        Duration::from_secs(30),
        || {
            let history = history.clone();
            async move {
                let page = history
                    .events(&liftoff_client::EventQuery {
                        deployment_id: Some(d.deployment_id),
                        event_type: Some("host.event_finished".into()),
                        limit: Some(100),
                        ..Default::default()
                    })
                    .await
                    .ok()?;
                page.events
                    .iter()
                    .any(|e| {
                        e.event.data["event"] == "ApplicationStart"
                            && e.event.data["error_code"] == "AGENT_LOST"
                    })
                    .then_some(())
            }
        },
    )
    .await;
    // The agent comes back: its FAILED_AFTER_RESTART report is taken, not refused.
    let sim = spawn();
    wait_for(
        "the restarted agent to report the interrupted event",
        Duration::from_secs(30),
        || {
            let log = sim.log();
            async move {
                log.contains("agent restarted during a command")
                    .then_some(())
            }
        },
    )
    .await;
    // Its report and completion go at once (a refusal is not retried): give them a moment.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let log = sim.log();
    assert!(
        !log.contains("could not report the interrupted event"),
        "{log}"
    );
    let after = api.get_deployment(d.deployment_id).await.unwrap();
    assert!(all_events_concluded(&after), "{after:#?}");
    assert_eq!(runs(&root.join("sim-0"), d.deployment_id).len(), 1);
    p.stop().await;
}

/// `liftoff serve deployment-api` whose scheduler hand-offs hang (a held proxy).
struct LoneApi {
    dir: tempfile::TempDir,
    url: String,
    child: tokio::process::Child,
    db: String,
    admin: String,
    proxy_url: String,
    _pg: Option<PgDatabase>,
}

impl LoneApi {
    fn spawn_process(
        dir: &std::path::Path,
        url: &str,
        db: &str,
        scheduler: &str,
    ) -> tokio::process::Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("deployment-api.log"))
            .unwrap();
        tokio::process::Command::new(BIN)
            .args([
                "serve",
                "deployment-api",
                "--listen",
                url.trim_start_matches("http://"),
            ])
            .args(["--database-url", db])
            .arg("--secret-file")
            .arg(dir.join("jwt.secret"))
            .args(["--scheduler-url", scheduler])
            .env("RUST_LOG", "info")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    }

    fn respawn(&mut self) {
        self.child = Self::spawn_process(self.dir.path(), &self.url, &self.db, &self.proxy_url);
    }

    async fn ready(&self) {
        let url = format!("{}/readyz", self.url);
        wait_for(
            "deployment-api to be ready",
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
        DeploymentApiClient::new(Client::new(&self.url, Some(self.admin.clone())).unwrap())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_held_by_a_crashed_request_answers_its_deployment_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let pg = match liftoff_testkit::postgres_url() {
        Some(server) => Some(
            tokio::task::spawn_blocking(move || PgDatabase::create(&server))
                .await
                .unwrap()
                .unwrap(),
        ),
        None => None,
    };
    // The scheduler behind a proxy that holds every hand-off: the create never answers.
    let nowhere = format!("http://127.0.0.1:{}", liftoff_testkit::free_port());
    let proxy = FaultProxy::start(&nowhere).unwrap();
    proxy.faults.hold(Some("/v1/rollouts"));
    let url = format!("http://127.0.0.1:{}", liftoff_testkit::free_port());
    let authority = Authority::load_or_create(&dir.path().join("jwt.secret")).unwrap();
    let admin = authority
        .mint(
            TokenKind::Team,
            "tester",
            Some("default"),
            Some(Role::Admin),
            false,
            chrono::Duration::hours(1),
        )
        .unwrap()
        .0;
    let db = match &pg {
        Some(pg) => pg.url.clone(),
        None => format!("sqlite://{}", dir.path().join("api.db").display()),
    };
    let child = LoneApi::spawn_process(dir.path(), &url, &db, &proxy.url);
    let mut lone = LoneApi {
        child,
        dir,
        url,
        db,
        admin,
        proxy_url: proxy.url.clone(),
        _pg: pg,
    };
    lone.ready().await;
    let api = lone.api();
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        lone.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", RECORD)],
    )
    .await;
    let req = CreateDeployment {
        file_exists_behavior: None,
        application: "shop".into(),
        deployment_group: "web".into(),
        revision: v1.revision_id.to_string(),
        config: None,
        description: None,
    };
    let first = {
        let (api, req) = (api.clone(), req.clone());
        tokio::spawn(async move { api.create_deployment(&req, Some("release-42")).await })
    };
    wait_for("the hand-off to hang", Duration::from_secs(30), || {
        let held = proxy.faults.held.load(Ordering::SeqCst);
        async move { (held > 0).then_some(()) }
    })
    .await;
    match api.create_deployment(&req, Some("release-42")).await {
        Err(liftoff_client::ClientError::Api { status: 409, body }) => {
            assert_eq!(body.error.code, "idempotency_key_in_use")
        }
        other => panic!("a replay while the first runs: {other:?}"),
    }
    // The process answering it dies.
    lone.child.start_kill().unwrap();
    let _ = lone.child.wait().await;
    let _ = first.await;
    proxy.faults.hold(None);
    lone.respawn();
    lone.ready().await;
    let crashed = Instant::now();
    let (ok, out) = cli(
        &lone.url,
        &lone.admin,
        &[
            "deploy",
            "--app",
            "shop",
            "--group",
            "web",
            "--revision",
            &v1.revision_id.to_string(),
            "--idempotency-key",
            "release-42",
        ],
    )
    .await;
    let took = crashed.elapsed();
    assert!(ok, "{out}");
    let list = api
        .list_deployments(Some("shop"), None, None, None, None)
        .await
        .unwrap();
    assert_eq!(list.deployments.len(), 1, "one deployment: {list:#?}");
    assert_eq!(
        out["deployment_id"].as_str().unwrap(),
        list.deployments[0].deployment_id.to_string()
    );
    println!(
        "CHAOS keyed create after a crash: `liftoff deploy --idempotency-key` answered the deployment {:.1} s after the restart",
        took.as_secs_f64()
    );
    assert!(took < Duration::from_secs(15), "took {took:?}");
    proxy.stop().await;
}

/// A TCP gate: forwards to `upstream` while open; closing it drops every connection through
/// it and refuses new ones (the database is gone, as a client sees it).
struct TcpGate {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl TcpGate {
    async fn start(upstream: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<tokio::task::AbortHandle>>> = Arc::default();
        let (o, cs) = (open.clone(), conns.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    continue;
                };
                if !o.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let up = upstream.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(&up).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                cs.lock().unwrap().push(task.abort_handle());
            }
        });
        Self { addr, open, conns }
    }

    fn close(&self) {
        self.open.store(false, Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    fn reopen(&self) {
        self.open.store(true, Ordering::SeqCst);
    }
}

async fn timed_get(http: &reqwest::Client, url: &str, token: &str) -> (u16, String, Duration) {
    let t = Instant::now();
    let res = http
        .get(url)
        .bearer_auth(token)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.text().await.unwrap_or_default();
    (status, body, t.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_within_two_seconds_and_recovers() {
    let Some(server) = liftoff_testkit::postgres_url() else {
        eprintln!("skipped: a database outage needs PostgreSQL (set LIFTOFF_TEST_DATABASE_URL)");
        return;
    };
    let pg = tokio::task::spawn_blocking(move || PgDatabase::create(&server))
        .await
        .unwrap()
        .unwrap();
    // postgres://user@host:port/db → the same through the gate.
    let (head, rest) = pg.url.split_once('@').unwrap();
    let (hostport, tail) = rest.split_once('/').unwrap();
    let gate = TcpGate::start(hostport.to_string()).await;
    let dir = tempfile::tempdir().unwrap();
    let running = liftoff_platform::up(UpConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().join("data"),
        database_url: Some(format!("{head}@{}/{tail}", gate.addr)),
        settings: grace_of(dir.path(), 3, 5),
    })
    .await
    .unwrap();
    let token = std::fs::read_to_string(dir.path().join("data/admin.token"))
        .unwrap()
        .trim()
        .to_string();
    let http = reqwest::Client::new();
    let apps = format!("{}/v1/applications", running.url);
    let ready = format!("{}/readyz", running.url);
    assert_eq!(timed_get(&http, &ready, &token).await.0, 200);
    assert_eq!(timed_get(&http, &apps, &token).await.0, 200);
    // Hosts mid-hook while the database is away for more than twice the grace: the registry cannot
    // record their heartbeats, which is its deafness, not their silence.
    let api = DeploymentApiClient::new(Client::new(&running.url, Some(token.clone())).unwrap());
    let reg = liftoff_client::RegistryClient::new(
        Client::new(&running.url, Some(token.clone())).unwrap(),
    );
    let enroll = reg
        .create_enrollment_token(&Default::default())
        .await
        .unwrap()
        .token
        .unwrap();
    let sim = Sim::spawn(
        &running.url,
        &[],
        &enroll,
        "zone-a",
        &[("role", "web")],
        &dir.path().join("a"),
        "a",
        2,
    );
    wait_hosts(&reg, "role", "web", 2).await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", &format!("{RECORD}\nsleep 16"))],
    )
    .await;
    let d = deploy(&api, "shop", &v1).await;
    wait_until(
        &api,
        d.deployment_id,
        "both hosts to run their hook",
        60,
        |d| {
            d.hosts
                .iter()
                .all(|h| h.events.iter().any(|e| e.event == "ApplicationStart"))
        },
    )
    .await;
    gate.close();
    let closed = Instant::now();
    let mut worst = Duration::ZERO;
    for url in [&apps, &ready, &apps, &ready] {
        let (status, body, took) = timed_get(&http, url, &token).await;
        assert_eq!(status, 503, "{url}: {body}");
        assert!(body.contains("\"unavailable\""), "{body}");
        assert!(
            took < Duration::from_secs(2),
            "{url} answered 503 after {took:?}"
        );
        worst = worst.max(took);
    }
    tokio::time::sleep(Duration::from_secs(12).saturating_sub(closed.elapsed())).await;
    gate.reopen();
    let healed = Instant::now();
    wait_for(
        "readiness after the database returns",
        Duration::from_secs(30),
        || {
            let (http, ready, token) = (http.clone(), ready.clone(), token.clone());
            async move { (timed_get(&http, &ready, &token).await.0 == 200).then_some(()) }
        },
    )
    .await;
    let recovered = healed.elapsed();
    let fin = wait_done(&api, d.deployment_id, 60).await;
    assert_eq!(fin.status, DeploymentStatus::Succeeded, "{fin:#?}");
    for i in 0..2 {
        assert_eq!(runs(&sim.root_of(i), d.deployment_id).len(), 1);
    }
    api.create_application(&CreateApplication {
        name: "after".into(),
        description: None,
    })
    .await
    .unwrap();
    println!(
        "CHAOS database outage: 503 within {:.2} s (slowest of 4), ready again {:.1} s after the database returned",
        worst.as_secs_f64(),
        recovered.as_secs_f64()
    );
    running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_answers_507_and_readyz_is_not_ready_until_space_returns() {
    if liftoff_testkit::postgres_url().is_some() {
        eprintln!("skipped: the full disk is simulated on SQLite (max_page_count)");
        return;
    }
    let p = TestPlatform::start().await.unwrap();
    let db = p
        .running
        .as_ref()
        .unwrap()
        .services
        .iter()
        .find(|s| s.name() == "deployment-api")
        .unwrap()
        .db()
        .clone();
    let pages = db.sqlite_page_count().await.unwrap();
    db.limit_sqlite_pages(Some(pages));
    let http = reqwest::Client::new();
    let mut refused = None;
    for i in 0..500 {
        let res = http
            .post(format!("{}/v1/applications", p.url))
            .bearer_auth(&p.admin_token)
            .json(&serde_json::json!({"name": format!("app-{i}"), "description": "x".repeat(4000)}))
            .send()
            .await
            .unwrap();
        if res.status().as_u16() != 201 {
            let retry = res.headers().get("retry-after").cloned();
            refused = Some((res.status().as_u16(), retry, res.text().await.unwrap()));
            break;
        }
    }
    let (status, retry, body) = refused.expect("writes kept succeeding on a full disk");
    assert_eq!(status, 507, "{body}");
    assert!(body.contains("\"storage_full\""), "{body}");
    assert!(retry.is_some(), "507 carries Retry-After");
    let ready = format!("{}/readyz", p.url);
    let (status, body, _) = timed_get(&http, &ready, &p.admin_token).await;
    assert_eq!(
        (status, body.contains("storage_full")),
        (503, true),
        "{body}"
    );
    // Space returns.
    db.limit_sqlite_pages(None);
    let freed = Instant::now();
    wait_for(
        "readiness after space returns",
        Duration::from_secs(10),
        || {
            let (http, ready, token) = (http.clone(), ready.clone(), p.admin_token.clone());
            async move { (timed_get(&http, &ready, &token).await.0 == 200).then_some(()) }
        },
    )
    .await;
    p.api()
        .create_application(&CreateApplication {
            name: "after".into(),
            description: None,
        })
        .await
        .unwrap();
    println!(
        "CHAOS full disk: 507 storage_full, /readyz 503; ready {:.2} s after space returned",
        freed.elapsed().as_secs_f64()
    );
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_creates_a_missing_install_root() {
    let p = TestPlatform::start().await.unwrap();
    let api = p.api();
    let token = p.enrollment_token().await.unwrap();
    let root = p.dir.path().join("agent");
    let install = p.dir.path().join("missing/install/root");
    std::fs::create_dir_all(&root).unwrap();
    let log = std::fs::File::create(p.dir.path().join("agent.log")).unwrap();
    let mut child = tokio::process::Command::new(BIN)
        .args(["agent", "--server", &p.url, "--enroll-token", &token])
        .args(["--zone", "zone-a", "--tag", "role=web", "--poll-wait", "5"])
        .arg("--root")
        .arg(&root)
        .arg("--install-root")
        .arg(&install)
        .env("RUST_LOG", "info")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    wait_hosts(&p.registry(), "role", "web", 1).await;
    let mode = std::fs::metadata(&install).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o755);
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", "true")],
    )
    .await;
    let d = deploy(&api, "shop", &v1).await;
    let fin = wait_done(&api, d.deployment_id, 60).await;
    assert_eq!(fin.status, DeploymentStatus::Succeeded, "{fin:#?}");
    assert_eq!(
        std::fs::read_to_string(install.join("opt/shop/VERSION")).unwrap(),
        "v1\n"
    );
    let _ = child.kill().await;
    p.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_reconnect_within_seconds_of_the_control_plane_returning() {
    // Agents whose polls failed for 20 s (backoff grown) poll again within a couple of
    // seconds of the control plane's return: a deployment made right then starts at once.
    let dir = tempfile::tempdir().unwrap();
    let settings = short_grace(dir.path());
    let mut p = TestPlatform::start_with(settings.clone()).await.unwrap();
    let token = p.enrollment_token().await.unwrap();
    let sim = Sim::spawn(
        &p.url,
        &[],
        &token,
        "zone-a",
        &[("role", "web")],
        &p.dir.path().join("a"),
        "a",
        3,
    );
    wait_hosts(&p.registry(), "role", "web", 3).await;
    let api = p.api();
    setup(
        &api,
        "shop",
        ("role", "web"),
        "AllAtOnce",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let v1 = push(
        &api,
        p.dir.path(),
        "shop",
        "v1",
        &[("ApplicationStart", RECORD)],
    )
    .await;
    let back = restart(&mut p, &settings, Duration::from_secs(20)).await;
    let api = p.api();
    let d = deploy(&api, "shop", &v1).await;
    let fin = wait_done(&api, d.deployment_id, 60).await;
    assert_eq!(fin.status, DeploymentStatus::Succeeded, "{fin:#?}");
    let took = back.elapsed();
    println!(
        "CHAOS reconnect after a 20 s outage: a deployment of 3 hosts made at the restart done {:.1} s after it",
        took.as_secs_f64()
    );
    assert!(
        took < Duration::from_secs(8),
        "took {took:?}\n{}",
        sim.log()
    );
    sim.signal(Signal::SIGTERM);
    p.stop().await;
}

/// `liftoff up` as its own process, killed and restarted at will on one port and database.
struct UpProcess {
    dir: tempfile::TempDir,
    url: String,
    db: Option<String>,
    child: Option<tokio::process::Child>,
}

impl UpProcess {
    async fn start(db: Option<String>) -> Self {
        let mut up = Self {
            dir: tempfile::tempdir().unwrap(),
            url: format!("http://127.0.0.1:{}", liftoff_testkit::free_port()),
            db,
            child: None,
        };
        up.spawn().await;
        up
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("up.log"))
            .unwrap();
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(["up", "--listen", self.url.trim_start_matches("http://")])
            .arg("--data-dir")
            .arg(self.dir.path().join("data"));
        if let Some(db) = &self.db {
            cmd.args(["--database-url", db]);
        }
        self.child = Some(
            cmd.env("RUST_LOG", "info")
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .kill_on_drop(true)
                .spawn()
                .unwrap(),
        );
        let url = format!("{}/readyz", self.url);
        wait_for("liftoff up to be ready", Duration::from_secs(60), || {
            let url = url.clone();
            async move {
                reqwest::get(&url)
                    .await
                    .ok()
                    .filter(|r| r.status().is_success())
                    .map(|_| ())
            }
        })
        .await;
    }

    async fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.start_kill().unwrap();
            let _ = c.wait().await;
        }
    }

    fn admin(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("data/admin.token"))
            .unwrap()
            .trim()
            .to_string()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_storm_of_the_control_plane_loses_nothing_and_runs_nothing_twice() {
    let pg = match liftoff_testkit::postgres_url() {
        Some(server) => Some(
            tokio::task::spawn_blocking(move || PgDatabase::create(&server))
                .await
                .unwrap()
                .unwrap(),
        ),
        None => None,
    };
    let mut up = UpProcess::start(pg.as_ref().map(|p| p.url.clone())).await;
    let client = Client::new(&up.url, Some(up.admin())).unwrap();
    let api = DeploymentApiClient::new(client.clone());
    let reg = liftoff_client::RegistryClient::new(client);
    let token = reg
        .create_enrollment_token(&Default::default())
        .await
        .unwrap()
        .token
        .unwrap();
    let a = Sim::spawn(
        &up.url,
        &[],
        &token,
        "zone-a",
        &[("role", "web")],
        &up.dir.path().join("a"),
        "a",
        3,
    );
    let b = Sim::spawn(
        &up.url,
        &[],
        &token,
        "zone-b",
        &[("role", "web")],
        &up.dir.path().join("b"),
        "b",
        3,
    );
    wait_hosts(&reg, "role", "web", 6).await;
    setup(
        &api,
        "shop",
        ("role", "web"),
        "OneAtATime",
        false,
        ConcurrencyPolicy::Reject,
    )
    .await;
    let hooks = [
        ("BeforeInstall", RECORD),
        ("ApplicationStart", &format!("{RECORD}\nsleep 2") as &str),
    ];
    let v1 = push(&api, up.dir.path(), "shop", "v1", &hooks).await;
    let started = Instant::now();
    let id = deploy(&api, "shop", &v1).await.deployment_id;
    // A fixed schedule of SIGKILLs (seconds between them), so a failure can be replayed.
    let schedule = [0.8, 1.3, 0.5, 1.7, 0.9, 1.1, 0.6, 1.4];
    let mut kills = 0;
    for gap in schedule {
        tokio::time::sleep(Duration::from_secs_f64(gap)).await;
        if api
            .get_deployment(id)
            .await
            .is_ok_and(|d| d.status.is_terminal())
        {
            break;
        }
        up.kill9().await;
        kills += 1;
        up.spawn().await;
    }
    let d = wait_done(&api, id, 180).await;
    let took = started.elapsed();
    assert_eq!(d.status, DeploymentStatus::Succeeded, "{d:#?}");
    assert_eq!(d.overview.succeeded, 6);
    assert!(all_events_concluded(&d), "{d:#?}");
    for sim in [&a, &b] {
        for i in 0..sim.n {
            let lines = runs(&sim.root_of(i), id);
            assert_eq!(lines.len(), 2, "{} ran: {lines:?}", sim.host_name(i));
        }
    }
    wait_for(
        "every host on v1 in the inventory",
        Duration::from_secs(30),
        || {
            let reg = reg.clone();
            async move {
                let hosts = reg.list_hosts(&[], None).await.ok()?.hosts;
                hosts
                    .iter()
                    .all(|h| h.revisions.iter().any(|r| r.revision_id == v1.revision_id))
                    .then_some(())
            }
        },
    )
    .await;
    println!(
        "CHAOS kill storm ({}): {kills} SIGKILLs of liftoff up during a rollout of 6 hosts; done in {:.1} s, 0 hooks run twice, 0 lost",
        if pg.is_some() { "postgres" } else { "sqlite" },
        took.as_secs_f64()
    );
    up.kill9().await;
}
