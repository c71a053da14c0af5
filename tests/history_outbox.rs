//! Outbox delivery that loses nothing: each service runs as its own process (`liftoff serve`)
//! behind a routing proxy, real agents deploy through it, and the history process is killed
//! (SIGKILL) mid-deployment and started again later. Every event arrives once, each source's
//! in order, and every hook log the agents could not upload meanwhile arrives too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod history_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use history_support::*;
use liftoff_client::{
    Client, DeploymentApiClient, EventQuery, HistoryClient, Page, RegistryClient,
};
use liftoff_kit::auth::{Role, TokenKind};
use liftoff_testkit::{AgentProcess, wait_for, write_bundle};
use liftoff_types::deployments::*;
use liftoff_types::history::RecordedEvent;
use tokio::process::Child;
use uuid::Uuid;

const SERVICES: [&str; 4] = ["deployment-api", "scheduler", "host-registry", "history"];

struct Cluster {
    dir: PathBuf,
    urls: BTreeMap<&'static str, String>,
    db: BTreeMap<&'static str, String>,
    secret: PathBuf,
    /// Settings every service process starts with.
    env: Vec<(&'static str, &'static str)>,
}

impl Cluster {
    /// A token signed with the cluster's secret (valid for an hour).
    fn mint(&self, kind: TokenKind, team: Option<&str>, role: Option<Role>) -> String {
        liftoff_testkit::mint_with_secret(&self.secret, kind, "tester", team, role)
    }

    fn spawn(&self, svc: &str) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{svc}.log")))
            .unwrap();
        tokio::process::Command::new(BIN)
            .args(["serve", svc, "--listen"])
            .arg(self.urls[svc].trim_start_matches("http://"))
            .args(["--database-url", &self.db[svc]])
            .arg("--secret-file")
            .arg(&self.secret)
            .args(["--deployment-api-url", &self.urls["deployment-api"]])
            .args(["--scheduler-url", &self.urls["scheduler"]])
            .args(["--registry-url", &self.urls["host-registry"]])
            .args(["--history-url", &self.urls["history"]])
            .env("RUST_LOG", "info")
            .envs(self.env.iter().copied())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    }

    async fn ready(&self, svc: &str) {
        let url = format!("{}/readyz", self.urls[svc]);
        let http = reqwest::Client::new();
        wait_for(
            &format!("{svc} to be ready"),
            Duration::from_secs(60),
            || {
                let (http, url) = (http.clone(), url.clone());
                async move {
                    let r = http.get(&url).send().await.ok()?;
                    r.status().is_success().then_some(())
                }
            },
        )
        .await;
    }

    /// A gauge or counter of a service's `/metrics` (0 when absent).
    async fn metric(&self, svc: &str, name: &str) -> f64 {
        let Ok(res) = reqwest::get(format!("{}/metrics", self.urls[svc])).await else {
            return 0.0;
        };
        let text = res.text().await.unwrap_or_default();
        text.lines()
            .filter(|l| l.starts_with(name) && !l.starts_with('#'))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    fn logs(&self) -> String {
        SERVICES
            .iter()
            .map(|s| {
                let text =
                    std::fs::read_to_string(self.dir.join(format!("{s}.log"))).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(40).collect();
                format!(
                    "--- {s}\n{}\n",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_killed_mid_deployment_loses_nothing_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pg = liftoff_testkit::pg_database().await;
    let urls: BTreeMap<&'static str, String> = SERVICES
        .iter()
        .map(|s| {
            (
                *s,
                format!("http://127.0.0.1:{}", liftoff_testkit::free_port()),
            )
        })
        .collect();
    let db = SERVICES
        .iter()
        .map(|s| {
            (
                *s,
                match &pg {
                    Some(pg) => pg.url.clone(),
                    None => format!("sqlite://{}", dir.path().join(format!("{s}.db")).display()),
                },
            )
        })
        .collect();
    let cluster = Cluster {
        dir: dir.path().to_path_buf(),
        urls,
        db,
        secret: dir.path().join("jwt.secret"),
        env: Vec::new(),
    };
    let mut children: BTreeMap<&str, Child> = BTreeMap::new();
    // The first one creates the shared secret; the others read it.
    children.insert("history", cluster.spawn("history"));
    // Only the secret is awaited: a service running apart is ready once it has read
    // deployment-api's revocation feed, and deployment-api starts next.
    let secret = cluster.secret.clone();
    wait_for("the shared secret", Duration::from_secs(60), || {
        let secret = secret.clone();
        async move { secret.exists().then_some(()) }
    })
    .await;
    for svc in ["deployment-api", "scheduler", "host-registry"] {
        children.insert(svc, cluster.spawn(svc));
    }
    for svc in SERVICES {
        cluster.ready(svc).await;
    }
    let proxy = proxy::start(
        &[
            ("/v1/events", &cluster.urls["history"]),
            ("/v1/audit", &cluster.urls["history"]),
            ("/v1/history/", &cluster.urls["history"]),
            ("/v1/agents/", &cluster.urls["scheduler"]),
            ("/v1/rollouts", &cluster.urls["scheduler"]),
            ("/v1/hosts", &cluster.urls["host-registry"]),
            ("/v1/enrollment-tokens", &cluster.urls["host-registry"]),
        ],
        &cluster.urls["deployment-api"],
    );
    let admin = cluster.mint(TokenKind::Team, Some("default"), Some(Role::Admin));
    let service = cluster.mint(TokenKind::Service, None, None);
    let api = DeploymentApiClient::new(Client::new(&proxy.url, Some(admin.clone())).unwrap());
    let registry = RegistryClient::new(Client::new(&proxy.url, Some(admin.clone())).unwrap());
    let history = HistoryClient::new(Client::new(&cluster.urls["history"], Some(service)).unwrap());

    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: None,
    })
    .await
    .unwrap();
    api.create_group(
        "shop",
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: "web".into(),
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
    let token = registry
        .create_enrollment_token(&Default::default())
        .await
        .unwrap()
        .token
        .unwrap();
    let mut agents = Vec::new();
    for (i, zone) in ["zone-a", "zone-b"].iter().enumerate() {
        let root = dir.path().join(format!("host-{i}"));
        agents.push(
            AgentProcess::spawn(
                Path::new(BIN),
                &proxy.url,
                &token,
                zone,
                &[("role", "web")],
                &root,
            )
            .unwrap(),
        );
    }
    wait_for("agents to enroll", Duration::from_secs(60), || {
        let registry = registry.clone();
        async move {
            let l = registry.list_hosts(&[], None).await.ok()?;
            (l.hosts.len() == 2).then_some(())
        }
    })
    .await;
    let bundle = dir.path().join("bundle");
    write_bundle(
        &bundle,
        "v1",
        &[
            ("BeforeInstall", "sleep 1; echo before $LIFTOFF_HOST_ID"),
            ("AfterInstall", "sleep 1; echo after $LIFTOFF_HOST_ID"),
            ("ApplicationStart", "sleep 1; echo started $LIFTOFF_HOST_ID"),
            ("ValidateService", "echo validated $LIFTOFF_HOST_ID"),
        ],
    )
    .unwrap();
    let archive = dir.path().join("v1.tar.gz");
    liftoff_testkit::pack(&bundle, &archive).unwrap();
    let rev = DeploymentApiClient::new(
        Client::new(&cluster.urls["deployment-api"], Some(admin.clone())).unwrap(),
    )
    .push_revision("shop", &archive, None, None, None)
    .await
    .unwrap();
    let d = api
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: "shop".into(),
                deployment_group: "web".into(),
                revision: rev.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .unwrap();
    let dep = d.deployment_id;

    // History is up for the start, then killed while the first host runs its hooks.
    wait_for(
        "history to see a host start",
        Duration::from_secs(60),
        || {
            let history = history.clone();
            async move {
                let p = history
                    .events(&EventQuery {
                        deployment_id: Some(dep),
                        event_type: Some("host.deployment_started".into()),
                        ..Default::default()
                    })
                    .await
                    .ok()?;
                (!p.events.is_empty()).then_some(())
            }
        },
    )
    .await;
    let mut h = children.remove("history").unwrap();
    h.kill().await.unwrap();
    let _ = h.wait().await;
    let killed_at = tokio::time::Instant::now();

    // The deployment carries on without it, and the events wait in the outboxes.
    let done = wait_for("the deployment to finish", Duration::from_secs(120), || {
        let api = api.clone();
        async move {
            api.get_deployment(dep)
                .await
                .ok()
                .filter(|d| d.status.is_terminal())
        }
    })
    .await;
    assert_eq!(
        done.status,
        DeploymentStatus::Succeeded,
        "{done:#?}\n{}",
        cluster.logs()
    );
    let backlog = cluster.metric("scheduler", "liftoff_outbox_backlog").await;
    assert!(
        backlog > 0.0,
        "scheduler's outbox should hold events while history is down"
    );
    // Down for a while longer: the relays back off instead of hammering.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let failures = cluster
        .metric("scheduler", "liftoff_outbox_delivery_failures_total")
        .await;
    let down = killed_at.elapsed().as_secs_f64();
    assert!(failures >= 1.0, "the relay tried while history was down");
    eprintln!(
        "history down {down:.1}s: scheduler relay failed {failures} times, backlog {backlog}"
    );

    children.insert("history", cluster.spawn("history"));
    // Only the secret is awaited: a service running apart is ready once it has read
    // deployment-api's revocation feed, and deployment-api starts next.
    let secret = cluster.secret.clone();
    wait_for("the shared secret", Duration::from_secs(60), || {
        let secret = secret.clone();
        async move { secret.exists().then_some(()) }
    })
    .await;
    wait_for("the outboxes to drain", Duration::from_secs(90), || {
        let (history, cluster) = (history.clone(), &cluster);
        async move {
            for svc in ["deployment-api", "scheduler", "host-registry"] {
                if cluster.metric(svc, "liftoff_outbox_backlog").await > 0.0 {
                    return None;
                }
            }
            let p = history
                .events(&EventQuery {
                    deployment_id: Some(dep),
                    event_type: Some("deployment.succeeded".into()),
                    ..Default::default()
                })
                .await
                .ok()?;
            (!p.events.is_empty()).then_some(())
        }
    })
    .await;

    // Nothing lost: every host × lifecycle event the scheduler recorded is in history once.
    let mut events: Vec<RecordedEvent> = Vec::new();
    let mut cursor = None;
    loop {
        let page = history
            .events(&EventQuery {
                deployment_id: Some(dep),
                limit: Some(50),
                cursor,
                ..Default::default()
            })
            .await
            .unwrap();
        events.extend(page.events);
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let mut count: BTreeMap<(Option<Uuid>, String, String), usize> = BTreeMap::new();
    for e in &events {
        let lifecycle = e
            .event
            .data
            .get("event")
            .and_then(|v| v.as_str())
            .unwrap_or("");
        *count
            .entry((
                e.event.host_id,
                e.event.event_type.clone(),
                lifecycle.to_string(),
            ))
            .or_default() += 1;
    }
    assert!(count.values().all(|n| *n == 1), "duplicates: {count:#?}");
    for t in [
        "deployment.created",
        "deployment.started",
        "deployment.succeeded",
    ] {
        assert_eq!(
            count.get(&(None, t.to_string(), String::new())),
            Some(&1),
            "{t}: {count:#?}"
        );
    }
    let final_view = api.get_deployment(dep).await.unwrap();
    assert_eq!(final_view.hosts.len(), 2);
    for host in &final_view.hosts {
        let h = Some(host.host_id);
        for t in ["host.deployment_started", "host.deployment_succeeded"] {
            assert_eq!(
                count.get(&(h, t.to_string(), String::new())),
                Some(&1),
                "{t}"
            );
        }
        for ev in &host.events {
            assert_eq!(
                count.get(&(h, "host.event_finished".to_string(), ev.event.clone())),
                Some(&1),
                "{} of {}",
                ev.event,
                host.host_id
            );
        }
        // Each source's events arrive in the order they happened.
        let mine: Vec<_> = events
            .iter()
            .filter(|e| e.event.host_id == h && e.event.source == "scheduler")
            .collect();
        assert!(
            mine.windows(2)
                .all(|w| w[0].seq < w[1].seq && w[0].event.occurred_at <= w[1].event.occurred_at),
            "host {} events out of order",
            host.host_id
        );
    }
    let by_seq: Vec<_> = events.iter().map(|e| e.seq).collect();
    assert!(by_seq.windows(2).all(|w| w[0] < w[1]));
    let ids: BTreeSet<_> = events.iter().map(|e| e.event.event_id).collect();
    assert_eq!(ids.len(), events.len());

    // History knows where v1 runs, and the hook logs the agents retried arrive as well.
    let running = history
        .revision_hosts(rev.revision_id, Some("shop"), &Page::default())
        .await
        .unwrap();
    assert_eq!(running.hosts.len(), 2);
    wait_for(
        "every hook log to be uploaded",
        Duration::from_secs(90),
        || {
            let history = history.clone();
            async move {
                let l = history
                    .deployment_logs(dep, None, None, &Page::default())
                    .await
                    .ok()?;
                (l.logs.len() == 8).then_some(l)
            }
        },
    )
    .await;
    let logs = history
        .deployment_logs(dep, None, None, &Page::default())
        .await
        .unwrap();
    for l in &logs.logs {
        assert!(l.output.contains(&l.host_id.to_string()), "{l:?}");
        assert!(!l.truncated);
    }
    let per_host: BTreeSet<_> = logs
        .logs
        .iter()
        .map(|l| (l.host_id, l.event.clone()))
        .collect();
    assert_eq!(per_host.len(), 8);

    for a in agents {
        a.stop().await;
    }
    proxy.stop().await;
    for (_, mut c) in children {
        let _ = c.kill().await;
    }
}

/// History hung (it accepts connections and never answers, for the peers' 60 s request
/// timeout) holds up only what goes to history: host-registry's liveness sweep still declares
/// a silent host `Lost` within its grace. The registry's tick used to wait for the relay run
/// delivering to history, and every step after it, the sweep among them, waited with it (on
/// PostgreSQL, a run streaming 10,000 enrolling hosts' events held the tick 167 s).
/// deployment-api, the scheduler and host-registry as processes, with history's address
/// accepting connections and never answering (for the peers' 60 s request timeout).
async fn with_a_hung_history(
    dir: &Path,
    pg: &Option<liftoff_testkit::PgDatabase>,
) -> (Cluster, tokio::task::JoinHandle<()>, Vec<Child>) {
    let hung = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hung_url = format!("http://{}", hung.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((conn, _)) = hung.accept().await {
            open.push(conn);
        }
    });
    let mut urls: BTreeMap<&'static str, String> = BTreeMap::new();
    let mut db = BTreeMap::new();
    for s in ["deployment-api", "scheduler", "host-registry"] {
        urls.insert(
            s,
            format!("http://127.0.0.1:{}", liftoff_testkit::free_port()),
        );
        db.insert(
            s,
            match pg {
                Some(pg) => pg.url.clone(),
                None => format!("sqlite://{}", dir.join(format!("{s}.db")).display()),
            },
        );
    }
    urls.insert("history", hung_url);
    let cluster = Cluster {
        dir: dir.to_path_buf(),
        urls,
        db,
        secret: dir.join("jwt.secret"),
        env: vec![
            ("LIFTOFF_HEARTBEAT_INTERVAL_SECS", "1"),
            ("LIFTOFF_HEARTBEAT_GRACE_SECS", "3"),
        ],
    };
    let mut children = Vec::new();
    for svc in ["deployment-api", "scheduler", "host-registry"] {
        children.push(cluster.spawn(svc));
    }
    for svc in ["deployment-api", "scheduler", "host-registry"] {
        cluster.ready(svc).await;
    }
    (cluster, held, children)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_history_does_not_hold_up_the_registry_liveness_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let pg = liftoff_testkit::pg_database().await;
    let (cluster, held, children) = with_a_hung_history(dir.path(), &pg).await;
    let admin = cluster.mint(TokenKind::Team, Some("default"), Some(Role::Admin));
    let url = &cluster.urls["host-registry"];
    let registry = RegistryClient::new(Client::new(url, Some(admin)).unwrap());
    let token = registry
        .create_enrollment_token(&Default::default())
        .await
        .unwrap()
        .token
        .unwrap();
    // Its enrollment queues events for history: the relay's run delivering them hangs.
    let host = RegistryClient::new(Client::new(url, None).unwrap())
        .enroll(&liftoff_types::registry::EnrollRequest {
            enrollment_token: token,
            hostname: "silent".into(),
            zone: "zone-a".into(),
            tags: Default::default(),
            agent_version: None,
        })
        .await
        .unwrap()
        .host_id;
    // Never heard after its enrollment: Lost after 3 s, found by a sweep within about a
    // second of that; a sweep waiting for the hung delivery would come after a minute.
    wait_for(
        "the silent host to be Lost while history hangs",
        Duration::from_secs(20),
        || {
            let registry = registry.clone();
            async move {
                let h = registry.get_host(host).await.ok()?;
                (h.state == liftoff_types::registry::HostState::Lost).then_some(())
            }
        },
    )
    .await;
    // All the while, what it queued for history waited: the delivery was hung.
    let backlog = "liftoff_outbox_backlog{service=\"host-registry\",destination=\"history\"}";
    assert!(cluster.metric("host-registry", backlog).await > 0.0);
    // And each of the registry's tick steps is timed: the sweep ran, the relay step returned.
    for step in ["liveness", "outbox_relay"] {
        let count = format!(
            "liftoff_tick_step_duration_seconds_count{{service=\"host-registry\",step=\"{step}\"}}"
        );
        assert!(
            cluster.metric("host-registry", &count).await > 0.0,
            "{step}"
        );
    }
    held.abort();
    for mut c in children {
        let _ = c.kill().await;
    }
}

/// History hung holds up only what goes to history: the scheduler's rollout progress still
/// reaches deployment-api at once, so a deployment's end is seen there. (The relay delivered
/// its destinations one after another, history first, so the progress waited for the hung
/// request to time out.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_history_does_not_hold_up_a_deployments_progress() {
    let dir = tempfile::tempdir().unwrap();
    let pg = liftoff_testkit::pg_database().await;
    let (cluster, held, children) = with_a_hung_history(dir.path(), &pg).await;
    let admin = cluster.mint(TokenKind::Team, Some("default"), Some(Role::Admin));
    let api = DeploymentApiClient::new(
        Client::new(&cluster.urls["deployment-api"], Some(admin)).unwrap(),
    );
    api.create_application(&CreateApplication {
        name: "shop".into(),
        description: None,
    })
    .await
    .unwrap();
    // A group that selects no host: its rollout ends at its first step (NO_INSTANCES).
    api.create_group(
        "shop",
        &CreateDeploymentGroup {
            traffic_hooks: None,
            name: "nobody".into(),
            selector: BTreeMap::from([("role".to_string(), vec!["none".to_string()])]),
            deployment_config: None,
            auto_rollback: None,
            concurrency_policy: None,
            stage: None,
            health_analysis: None,
        },
    )
    .await
    .unwrap();
    let bundle = dir.path().join("bundle");
    write_bundle(&bundle, "v1", &[("ValidateService", "true")]).unwrap();
    let archive = dir.path().join("v1.tar.gz");
    liftoff_testkit::pack(&bundle, &archive).unwrap();
    let rev = api
        .push_revision("shop", &archive, None, None, None)
        .await
        .unwrap();
    let d = api
        .create_deployment(
            &CreateDeployment {
                file_exists_behavior: None,
                application: "shop".into(),
                deployment_group: "nobody".into(),
                revision: rev.revision_id.to_string(),
                config: None,
                description: None,
            },
            None,
        )
        .await
        .unwrap();
    // Well within the 60 s a hung delivery to history takes to time out.
    let ended = wait_for(
        "the deployment's end to reach deployment-api while history hangs",
        Duration::from_secs(20),
        || {
            let api = api.clone();
            async move {
                let now = api.get_deployment(d.deployment_id).await.ok()?;
                now.status.is_terminal().then_some(now)
            }
        },
    )
    .await;
    assert_eq!(ended.status, DeploymentStatus::Failed, "{ended:?}");
    assert_eq!(
        ended.error.map(|e| e.code).as_deref(),
        Some("NO_INSTANCES"),
        "{}",
        cluster.logs()
    );
    // All the while, what the scheduler queued for history waited.
    let backlog = "liftoff_outbox_backlog{service=\"scheduler\",destination=\"history\"}";
    wait_for(
        "the scheduler's backlog for history to be published",
        Duration::from_secs(10),
        || {
            let cluster = &cluster;
            async move { (cluster.metric("scheduler", backlog).await > 0.0).then_some(()) }
        },
    )
    .await;
    held.abort();
    for mut c in children {
        let _ = c.kill().await;
    }
}
