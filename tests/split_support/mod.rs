//! The four services as separate processes (`liftoff serve`), each with its own database and
//! its own copy of the revocations, behind a routing proxy that gives agents one URL; any of
//! them can be killed and started again.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use liftoff_client::{Client, DeploymentApiClient, RegistryClient};
use liftoff_kit::auth::{Role, TokenKind};
use liftoff_testkit::{AgentProcess, PgDatabase, wait_for};
use tokio::process::Child;

#[path = "../history_support/proxy.rs"]
pub mod proxy;

pub const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
pub const SERVICES: [&str; 4] = ["deployment-api", "scheduler", "host-registry", "history"];

pub struct Cluster {
    pub dir: tempfile::TempDir,
    pub urls: BTreeMap<&'static str, String>,
    db: BTreeMap<&'static str, String>,
    secret: PathBuf,
    children: BTreeMap<&'static str, Child>,
    /// One URL for agents and clients, routed by path to the services.
    pub proxy: proxy::Proxy,
    pub admin: String,
    /// With [`Cluster::start_with_scheduler_faults`]: what deployment-api's calls to the
    /// scheduler go through.
    pub scheduler_faults: Option<liftoff_testkit::proxy::FaultProxy>,
    _pg: Option<PgDatabase>,
}

impl Cluster {
    /// Starts all four, waits until each is ready, and puts the proxy in front.
    pub async fn start() -> Self {
        Self::start_opts(false).await
    }

    /// [`Cluster::start`], with deployment-api calling the scheduler through a fault proxy
    /// (`scheduler_faults`), to hold or lose its calls.
    pub async fn start_with_scheduler_faults() -> Self {
        Self::start_opts(true).await
    }

    async fn start_opts(scheduler_faults: bool) -> Self {
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
                let url = match &pg {
                    Some(pg) => pg.url.clone(),
                    None => format!("sqlite://{}", dir.path().join(format!("{s}.db")).display()),
                };
                (*s, url)
            })
            .collect();
        let secret = dir.path().join("jwt.secret");
        let proxy = proxy::start(
            &[
                ("/v1/events", &urls["history"]),
                ("/v1/audit", &urls["history"]),
                ("/v1/history/", &urls["history"]),
                ("/v1/agents/", &urls["scheduler"]),
                ("/v1/rollouts", &urls["scheduler"]),
                ("/v1/hosts", &urls["host-registry"]),
                ("/v1/enrollment-tokens", &urls["host-registry"]),
                ("/v1/autoscaling", &urls["host-registry"]),
            ],
            &urls["deployment-api"],
        );
        let scheduler_faults = scheduler_faults
            .then(|| liftoff_testkit::proxy::FaultProxy::start(&urls["scheduler"]).unwrap());
        let mut c = Self {
            dir,
            urls,
            db,
            secret,
            children: BTreeMap::new(),
            proxy,
            admin: String::new(),
            scheduler_faults,
            _pg: pg,
        };
        // The first one creates the shared secret; the others read it.
        c.children.insert("history", c.spawn("history"));
        let secret = c.secret.clone();
        wait_for("the shared secret", Duration::from_secs(60), || {
            let secret = secret.clone();
            async move { secret.exists().then_some(()) }
        })
        .await;
        for svc in ["deployment-api", "scheduler", "host-registry"] {
            c.children.insert(svc, c.spawn(svc));
        }
        for svc in SERVICES {
            c.ready(svc).await;
        }
        c.admin = c.mint(TokenKind::Team, Some("default"), Some(Role::Admin));
        c
    }

    fn spawn(&self, svc: &str) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(format!("{svc}.log")))
            .unwrap();
        tokio::process::Command::new(BIN)
            .args(["serve", svc, "--listen"])
            .arg(self.urls[svc].trim_start_matches("http://"))
            .args(["--database-url", &self.db[svc]])
            .arg("--secret-file")
            .arg(&self.secret)
            .args(["--deployment-api-url", &self.urls["deployment-api"]])
            .args(["--scheduler-url", &self.scheduler_url_for(svc)])
            .args(["--registry-url", &self.urls["host-registry"]])
            .args(["--history-url", &self.urls["history"]])
            .env("RUST_LOG", "info")
            .env("LIFTOFF_HEARTBEAT_INTERVAL_SECS", "1")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    }

    /// The scheduler's URL as `svc` is told it: deployment-api's goes through the fault proxy
    /// when there is one.
    fn scheduler_url_for(&self, svc: &str) -> String {
        match &self.scheduler_faults {
            Some(p) if svc == "deployment-api" => p.url.clone(),
            _ => self.urls["scheduler"].clone(),
        }
    }

    pub async fn ready(&self, svc: &str) {
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

    /// SIGKILL, then reap.
    pub async fn kill(&mut self, svc: &'static str) {
        if let Some(mut child) = self.children.remove(svc) {
            child.kill().await.unwrap();
            let _ = child.wait().await;
        }
    }

    /// Starts `svc` again on its address and database; waits until it is ready.
    pub async fn restart(&mut self, svc: &'static str) {
        self.kill(svc).await;
        self.children.insert(svc, self.spawn(svc));
        self.ready(svc).await;
    }

    pub fn mint(&self, kind: TokenKind, team: Option<&str>, role: Option<Role>) -> String {
        liftoff_testkit::mint_with_secret(&self.secret, kind, "tester", team, role)
    }

    /// A team token of the default team for the person `subject`.
    pub fn person(&self, subject: &str, role: Role) -> String {
        liftoff_testkit::mint_with_secret(
            &self.secret,
            TokenKind::Team,
            subject,
            Some("default"),
            Some(role),
        )
    }

    /// The PostgreSQL database the services share (one schema each), if on PostgreSQL.
    pub fn database_url(&self) -> Option<String> {
        self._pg.as_ref().map(|p| p.url.clone())
    }

    /// Clients through the proxy, as the admin.
    pub fn api(&self) -> DeploymentApiClient {
        DeploymentApiClient::new(Client::new(&self.proxy.url, Some(self.admin.clone())).unwrap())
    }

    /// Application `shop` with group `web` (hosts tagged `role=web`, all at once), and an
    /// enrollment token for its hosts.
    pub async fn shop_web(&self) -> String {
        let api = self.api();
        api.create_application(&liftoff_types::deployments::CreateApplication {
            name: "shop".into(),
            description: None,
        })
        .await
        .unwrap();
        api.create_group(
            "shop",
            &liftoff_types::deployments::CreateDeploymentGroup {
                traffic_hooks: None,
                name: "web".into(),
                selector: BTreeMap::from([("role".to_string(), vec!["web".to_string()])]),
                deployment_config: Some("AllAtOnce".into()),
                auto_rollback: None,
                concurrency_policy: None,
                stage: None,
                health_analysis: None,
            },
        )
        .await
        .unwrap();
        self.registry()
            .create_enrollment_token(&Default::default())
            .await
            .unwrap()
            .token
            .unwrap()
    }

    pub fn registry(&self) -> RegistryClient {
        RegistryClient::new(Client::new(&self.proxy.url, Some(self.admin.clone())).unwrap())
    }

    /// A gauge or counter of a service's `/metrics` (0 when absent).
    pub async fn metric(&self, svc: &str, name: &str) -> f64 {
        let Ok(res) = reqwest::get(format!("{}/metrics", self.urls[svc])).await else {
            return 0.0;
        };
        let text = res.text().await.unwrap_or_default();
        text.lines()
            .filter(|l| l.starts_with(name) && !l.starts_with('#'))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    /// A real agent (through the proxy) rooted under the cluster's dir.
    pub fn agent(&self, token: &str, name: &str, tags: &[(&str, &str)]) -> AgentProcess {
        let mut all = vec![("name", name)];
        all.extend_from_slice(tags);
        AgentProcess::spawn(
            Path::new(BIN),
            &self.proxy.url,
            token,
            "zone-a",
            &all,
            &self.root_of(name),
        )
        .unwrap()
    }

    pub fn root_of(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The last lines of every service's log, for failure messages.
    pub fn logs(&self) -> String {
        SERVICES
            .iter()
            .map(|s| {
                let text = std::fs::read_to_string(self.dir.path().join(format!("{s}.log")))
                    .unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(30).collect();
                format!(
                    "--- {s}\n{}\n",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                )
            })
            .collect()
    }

    pub async fn stop(mut self) {
        for svc in SERVICES {
            self.kill(svc).await;
        }
        self.proxy.stop().await;
        if let Some(p) = self.scheduler_faults.take() {
            p.stop().await;
        }
    }
}
