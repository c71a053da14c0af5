//! `liftoff up` killed and restarted at random points of rollouts: nothing lost, nothing run
//! twice.

use super::*;

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
    let pg = liftoff_testkit::pg_database().await;
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
