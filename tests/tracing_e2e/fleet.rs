//! The steps both tests take: `liftoff up` and agents exporting to the collector, an
//! application whose AfterInstall hook writes `$TRACEPARENT` to a file, a deployment.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use liftoff_client::{Client, DeploymentApiClient, RegistryClient};
use liftoff_testkit::agent::{TestBundle, TestHook};
use liftoff_testkit::{AgentOptions, AgentProcess, wait_for};
use liftoff_types::deployments::{
    CreateApplication, CreateDeployment, CreateDeploymentGroup, Deployment,
};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::collector::{Collector, ReceivedSpan};

pub const BIN: &str = env!("CARGO_BIN_EXE_liftoff");
pub const WAIT: Duration = Duration::from_secs(120);

/// Spans leave every process within 200 ms instead of the batch exporter's 5 s default.
pub const OTEL_ENV: [(&str, &str); 1] = [("OTEL_BSP_SCHEDULE_DELAY", "200")];

/// A running `liftoff up` exporting to the collector, with clients of it.
pub struct Up {
    pub child: tokio::process::Child,
    pub url: String,
    pub api: DeploymentApiClient,
    pub registry: RegistryClient,
}

impl Up {
    /// Starts `liftoff up` on `listen` with its data in `dir` (and `database_url`).
    pub async fn start(
        collector: &Collector,
        dir: &Path,
        listen: &str,
        database_url: Option<&str>,
    ) -> Self {
        let mut cmd = tokio::process::Command::new(BIN);
        cmd.args(["up", "--listen", listen, "--json"])
            .arg("--data-dir")
            .arg(dir)
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.url)
            .env("RUST_LOG", "info")
            .envs(OTEL_ENV)
            .stdout(Stdio::piped())
            .stderr(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(dir.with_extension("log"))
                    .unwrap(),
            )
            .kill_on_drop(true);
        if let Some(url) = database_url {
            cmd.args(["--database-url", url]);
        }
        let mut child = cmd.spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        let info: serde_json::Value = serde_json::from_str(&first).unwrap();
        let url = info["url"].as_str().unwrap().to_string();
        let token = std::fs::read_to_string(info["admin_token_path"].as_str().unwrap()).unwrap();
        let client = Client::new(&url, Some(token.trim().to_string())).unwrap();
        Self {
            child,
            url,
            api: DeploymentApiClient::new(client.clone()),
            registry: RegistryClient::new(client),
        }
    }

    /// SIGTERM, and a clean exit (which flushes its spans).
    pub async fn stop(mut self) {
        sigterm(self.child.id());
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .unwrap()
            .unwrap();
        assert!(status.success(), "liftoff up exits cleanly: {status}");
    }

    pub async fn enrollment_token(&self, uses: u32) -> String {
        self.registry
            .create_enrollment_token(&liftoff_types::registry::CreateEnrollmentToken {
                uses: Some(uses),
                ..Default::default()
            })
            .await
            .unwrap()
            .token
            .unwrap()
    }

    pub async fn wait_enrolled(&self, n: usize) {
        let selector = [("role".to_string(), "web".to_string())];
        wait_for(&format!("{n} hosts to enroll"), WAIT, || {
            let (registry, selector) = (self.registry.clone(), selector.clone());
            async move {
                let found = registry.list_hosts(&selector, None).await.ok()?.hosts.len();
                (found >= n).then_some(())
            }
        })
        .await;
    }

    /// Application `shop`, group `web` (hosts tagged role=web, all at once), and a revision
    /// whose AfterInstall hook writes its TRACEPARENT to `$LIFTOFF_INSTALL_ROOT/traceparent`.
    pub async fn shop_revision(&self, dir: &Path) -> uuid::Uuid {
        self.api
            .create_application(&CreateApplication {
                name: "shop".into(),
                description: None,
            })
            .await
            .unwrap();
        self.api
            .create_group(
                "shop",
                &CreateDeploymentGroup {
                    traffic_hooks: None,
                    name: "web".into(),
                    selector: [("role".to_string(), vec!["web".to_string()])].into(),
                    deployment_config: Some("AllAtOnce".into()),
                    auto_rollback: None,
                    concurrency_policy: None,
                    stage: None,
                    health_analysis: None,
                },
            )
            .await
            .unwrap();
        let bundle = TestBundle::new("v1").hook(TestHook::new(
            "AfterInstall",
            "printf '%s' \"$TRACEPARENT\" > \"$LIFTOFF_INSTALL_ROOT/traceparent\"",
        ));
        let bundle_dir = dir.join("bundle");
        bundle.write(&bundle_dir).unwrap();
        let archive = dir.join("bundle.tar.gz");
        liftoff_testkit::pack(&bundle_dir, &archive).unwrap();
        self.api
            .push_revision("shop", &archive, Some("v1"), None, None)
            .await
            .unwrap()
            .revision_id
    }

    pub async fn deploy(&self, revision: uuid::Uuid) -> uuid::Uuid {
        self.api
            .create_deployment(
                &CreateDeployment {
                    file_exists_behavior: None,
                    application: "shop".into(),
                    deployment_group: "web".into(),
                    revision: revision.to_string(),
                    config: None,
                    description: None,
                },
                None,
            )
            .await
            .unwrap()
            .deployment_id
    }

    pub async fn wait_done(&self, id: uuid::Uuid) -> Deployment {
        wait_for("the deployment to finish", WAIT, || {
            let api = self.api.clone();
            async move {
                api.get_deployment(id)
                    .await
                    .ok()
                    .filter(|d| d.status.is_terminal())
            }
        })
        .await
    }
}

/// An agent (`bin`: `liftoff` or the slim `liftoff-agent`) tagged role=web in `zone`, state
/// and install root under `root`, exporting to the collector.
pub fn start_agent(
    bin: &Path,
    url: &str,
    enroll: &str,
    zone: &str,
    root: &Path,
    collector: &Collector,
) -> AgentProcess {
    let mut opts = AgentOptions::new(url, enroll, zone, root)
        .tag("role", "web")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector.url);
    for (k, v) in OTEL_ENV {
        opts = opts.env(k, v);
    }
    opts.poll_wait_secs = 1;
    AgentProcess::start(bin, &opts).unwrap()
}

/// SIGTERM, and an exit within 30 s (which flushes its spans).
pub async fn stop_agent(a: &mut AgentProcess) {
    a.sigterm();
    assert!(
        a.wait_exit(Duration::from_secs(30)).await.is_some(),
        "an agent did not stop on SIGTERM"
    );
}

pub fn sigterm(pid: Option<u32>) {
    if let Some(pid) = pid {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGTERM,
        );
    }
}

/// The server span of the `POST /v1/deployments` that created a deployment.
pub fn create_request(spans: &[ReceivedSpan]) -> &ReceivedSpan {
    spans
        .iter()
        .find(|s| {
            s.service == "liftoff"
                && s.attr("http.route") == Some("/v1/deployments")
                && s.attr("http.request.method").or(s.attr("http.method")) == Some("POST")
        })
        .unwrap_or_else(|| {
            let names: Vec<String> = spans
                .iter()
                .map(|s| format!("{} {:?}", s.name, s.attributes))
                .collect();
            panic!("no span of POST /v1/deployments:\n{}", names.join("\n"))
        })
}

/// The three parts after the version of a W3C traceparent: trace id, parent span id, flags.
pub fn traceparent_parts(tp: &str) -> (String, String, String) {
    let parts: Vec<&str> = tp.trim().split('-').collect();
    assert_eq!(parts.len(), 4, "W3C traceparent: {tp:?}");
    assert_eq!(parts[0], "00", "{tp}");
    (parts[1].into(), parts[2].into(), parts[3].into())
}
