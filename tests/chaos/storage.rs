//! The database gone (503 within two seconds, then recovery), the disk full (507, not ready),
//! an install root missing on a host.

use super::*;

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
