//! A keyed create whose answering process dies: the key answers its deployment within seconds.

use super::*;

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
    let pg = liftoff_testkit::pg_database().await;
    // The scheduler behind a proxy that holds every hand-off: the create never answers.
    let nowhere = format!("http://127.0.0.1:{}", liftoff_testkit::free_port());
    let proxy = FaultProxy::start(&nowhere).unwrap();
    proxy.faults.hold(Some("/v1/rollouts"));
    let url = format!("http://127.0.0.1:{}", liftoff_testkit::free_port());
    let admin = liftoff_testkit::mint_with_secret(
        &dir.path().join("jwt.secret"),
        TokenKind::Team,
        "tester",
        Some("default"),
        Some(Role::Admin),
    );
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
