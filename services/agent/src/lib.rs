//! The host agent: enrolls once, heartbeats, long-polls the scheduler, and runs each command's
//! lifecycle (download, verify, unpack, hooks) reporting every event. Small, crash-safe, and
//! compatible with CodeDeploy's appspec. `--simulate N` runs N virtual hosts through the same
//! code, for tests and benchmarks of large fleets.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use liftoff_client::{Client, ClientError, RegistryClient, SchedulerClient};
use liftoff_types::registry::{EnrollRequest, Heartbeat};
use liftoff_types::scheduler::{
    AgentCommand, CommandStatus, CompleteCommand, EventReport, EventStatus,
};
use tokio::sync::watch;

pub mod executor;
pub mod hook;
pub mod scale_in;
pub mod state;

use state::{Identity, Journal, StateDir};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// The control plane (host-registry, and everything else unless overridden below).
    pub server: String,
    /// Where the scheduler answers, when services run apart without a routing proxy.
    pub scheduler_url: Option<String>,
    /// Where deployment-api serves bundles, when services run apart.
    pub deployment_api_url: Option<String>,
    pub enroll_token: Option<String>,
    pub zone: String,
    pub tags: BTreeMap<String, String>,
    /// Everything the agent writes lives under this root (`/` on a real host).
    pub root: PathBuf,
    pub hostname: String,
    /// Longest long-poll (seconds).
    pub poll_wait: Duration,
    /// Largest bundle the agent downloads.
    pub max_bundle_bytes: u64,
    /// Deployment directories kept per host (older ones are pruned).
    pub keep_deployments: usize,
}

impl AgentConfig {
    pub fn new(server: &str, zone: &str, root: PathBuf) -> Self {
        Self {
            server: server.trim_end_matches('/').to_string(),
            scheduler_url: None,
            deployment_api_url: None,
            enroll_token: None,
            zone: zone.to_string(),
            tags: BTreeMap::new(),
            root,
            hostname: local_hostname(),
            poll_wait: Duration::from_secs(20),
            max_bundle_bytes: 2 * 1024 * 1024 * 1024,
            keep_deployments: 5,
        }
    }
}

pub fn local_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

/// Exponential backoff with full jitter, capped.
pub fn backoff(attempt: u32) -> Duration {
    let base_ms = 250u64.saturating_mul(1u64 << attempt.min(8)).min(30_000);
    Duration::from_millis(rand::random_range(base_ms / 2..=base_ms))
}

/// Retries `f` on transport errors, 5xx and 429 for up to `budget`.
pub async fn retrying<T, F, Fut>(what: &str, budget: Duration, mut f: F) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let deadline = tokio::time::Instant::now() + budget;
    let mut attempt = 0;
    loop {
        match f().await {
            Err(e) if e.is_retryable() && tokio::time::Instant::now() < deadline => {
                tracing::debug!(what, error = %e, attempt, "retrying");
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// One running agent (one host).
pub struct Agent {
    pub config: AgentConfig,
    pub state: StateDir,
    pub identity: Identity,
    scheduler: SchedulerClient,
    registry: RegistryClient,
    /// Authenticated client of deployment-api (bundle downloads).
    pub bundles: Client,
    /// Poked after a command completes, so the registry hears from the host at once.
    heartbeat_now: tokio::sync::Notify,
}

impl Agent {
    /// Loads the saved identity or enrolls with the enrollment token.
    pub async fn start(config: AgentConfig) -> anyhow::Result<Self> {
        let state = StateDir::new(&config.root);
        state.ensure()?;
        let identity = match state.identity()? {
            Some(id) => id,
            None => {
                let token = config.enroll_token.clone().ok_or_else(|| {
                    anyhow::anyhow!("not enrolled yet and no --enroll-token given")
                })?;
                let anon = RegistryClient::new(Client::new(&config.server, None)?);
                let req = EnrollRequest {
                    enrollment_token: token,
                    hostname: config.hostname.clone(),
                    zone: config.zone.clone(),
                    tags: config.tags.clone(),
                    agent_version: Some(VERSION.into()),
                };
                let res =
                    retrying("enroll", Duration::from_secs(120), || anon.enroll(&req)).await?;
                let id = Identity {
                    host_id: res.host_id,
                    credential: res.credential,
                    server: config.server.clone(),
                    heartbeat_interval_secs: res.heartbeat_interval_secs,
                };
                state.save_identity(&id)?;
                tracing::info!(host_id = %id.host_id, "enrolled");
                id
            }
        };
        let client = |url: &Option<String>| {
            Client::with_timeouts(
                url.as_deref().unwrap_or(&config.server),
                Some(identity.credential.clone()),
                Duration::from_secs(5),
                Duration::from_secs(60),
            )
        };
        Ok(Self {
            scheduler: SchedulerClient::new(client(&config.scheduler_url)?),
            registry: RegistryClient::new(client(&None)?),
            bundles: client(&config.deployment_api_url)?,
            heartbeat_now: tokio::sync::Notify::new(),
            config,
            state,
            identity,
        })
    }

    pub fn host_id(&self) -> uuid::Uuid {
        self.identity.host_id
    }

    /// After a crash mid-command: report the command failed instead of running it again.
    async fn recover(&self) -> anyhow::Result<()> {
        let Some(j) = self.state.journal()? else {
            return Ok(());
        };
        tracing::warn!(command_id = %j.command_id, event = ?j.event, "agent restarted during a command; reporting it failed");
        let now = chrono::Utc::now();
        if let Some(event) = &j.event {
            let report = EventReport {
                event: event.clone(),
                status: EventStatus::Failed,
                exit_code: None,
                error_code: Some("FAILED_AFTER_RESTART".into()),
                message: Some(
                    "the agent restarted while this event ran; it was not run again".into(),
                ),
                started_at: now,
                ended_at: Some(now),
                output_tail: String::new(),
                output_truncated: false,
            };
            let _ = retrying("report", Duration::from_secs(60), || {
                self.scheduler
                    .report_event(self.host_id(), j.command_id, &report)
            })
            .await;
        }
        let done = CompleteCommand {
            status: CommandStatus::Failed,
            error_code: Some("FAILED_AFTER_RESTART".into()),
            message: Some("the agent restarted during this command".into()),
        };
        match retrying("complete", Duration::from_secs(60), || {
            self.scheduler.complete(self.host_id(), j.command_id, &done)
        })
        .await
        {
            Ok(_)
            | Err(ClientError::Api {
                status: 409 | 404, ..
            }) => self.state.clear_journal()?,
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Heartbeats until `stop` turns true; runs what the registry asks in its answers
    /// (scale-in) alongside, so heartbeats go on meanwhile.
    async fn heartbeat_loop(&self, mut stop: watch::Receiver<bool>) {
        let mut interval = Duration::from_secs(self.identity.heartbeat_interval_secs.max(1));
        let mut asked: Option<
            std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>>,
        > = None;
        loop {
            match self
                .registry
                .heartbeat(
                    self.host_id(),
                    &Heartbeat {
                        agent_version: Some(VERSION.into()),
                    },
                )
                .await
            {
                Ok(r) => {
                    interval = Duration::from_secs(r.heartbeat_interval_secs.max(1));
                    if asked.is_none()
                        && let Some(cmd) = r.commands.into_iter().next()
                    {
                        asked = Some(Box::pin(scale_in::run(self, cmd)));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "heartbeat failed"),
            }
            let mut done = false;
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = self.heartbeat_now.notified() => {}
                _ = async {
                    match asked.as_mut() {
                        Some(f) => f.await,
                        None => std::future::pending().await,
                    }
                } => done = true,
                _ = stop.changed() => return,
            }
            if done {
                asked = None;
            }
        }
    }

    /// Polls and runs commands until `stop` turns true; a command in progress finishes first.
    async fn command_loop(&self, mut stop: watch::Receiver<bool>) -> anyhow::Result<()> {
        let mut failures = 0u32;
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            let polled = tokio::select! {
                r = self.scheduler.poll_commands(self.host_id(), self.config.poll_wait) => r,
                _ = stop.changed() => return Ok(()),
            };
            match polled {
                Ok(batch) => {
                    failures = 0;
                    for cmd in batch.commands {
                        self.handle(cmd).await?;
                    }
                }
                Err(ClientError::Api { status: 401, body }) => {
                    anyhow::bail!(
                        "the control plane refused this host's credential: {}",
                        body.error.message
                    )
                }
                Err(e) => {
                    let wait = backoff(failures);
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "poll failed");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stop.changed() => return Ok(()),
                    }
                }
            }
        }
    }

    /// Acknowledge, journal, run, complete, clear the journal.
    async fn handle(&self, cmd: AgentCommand) -> anyhow::Result<()> {
        let host = self.host_id();
        let ack = match retrying("ack", Duration::from_secs(60), || {
            self.scheduler.ack(host, cmd.command_id)
        })
        .await
        {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(command_id = %cmd.command_id, error = %e, "could not acknowledge; the server will offer it again");
                return Ok(());
            }
        };
        if !ack.proceed {
            tracing::info!(command_id = %cmd.command_id, status = ?ack.status, "command already finished or cancelled; skipping");
            return Ok(());
        }
        self.state.save_journal(&Journal {
            command_id: cmd.command_id,
            deployment_id: cmd.deployment_id,
            event: None,
        })?;
        let outcome = executor::run_deploy(self, &cmd).await;
        let done = match &outcome {
            Ok(()) => CompleteCommand {
                status: CommandStatus::Succeeded,
                error_code: None,
                message: None,
            },
            Err(f) => CompleteCommand {
                status: CommandStatus::Failed,
                error_code: Some(f.code.clone()),
                message: Some(f.message.clone()),
            },
        };
        match retrying("complete", Duration::from_secs(300), || {
            self.scheduler.complete(host, cmd.command_id, &done)
        })
        .await
        {
            Ok(_) | Err(ClientError::Api { status: 409, .. }) => {}
            Err(e) => {
                // Keep the journal: the restart path reports it.
                tracing::error!(command_id = %cmd.command_id, error = %e, "could not report completion");
                return Ok(());
            }
        }
        self.state.clear_journal()?;
        self.heartbeat_now.notify_one();
        Ok(())
    }

    pub(crate) fn scheduler(&self) -> &SchedulerClient {
        &self.scheduler
    }

    /// Runs until `stop` turns true (SIGTERM: the running command finishes first).
    pub async fn run(&self, stop: watch::Receiver<bool>) -> anyhow::Result<()> {
        self.recover().await?;
        let hb = self.heartbeat_loop(stop.clone());
        let cmds = self.command_loop(stop);
        let (_, res) = tokio::join!(hb, cmds);
        res
    }
}

/// Runs one agent, or `simulate` virtual hosts (each with its own root under `config.root`).
pub async fn run(
    mut config: AgentConfig,
    simulate: Option<usize>,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    // Everything under the root is joined into absolute paths (hooks are exec'd by path).
    config.root = std::path::absolute(&config.root)?;
    match simulate {
        None => Agent::start(config).await?.run(stop).await,
        Some(n) => {
            let mut tasks = Vec::new();
            for i in 0..n {
                let mut c = config.clone();
                c.root = config.root.join(format!("sim-{i}"));
                c.hostname = format!("{}-sim-{i}", config.hostname);
                let stop = stop.clone();
                tasks.push(tokio::spawn(async move {
                    Agent::start(c).await?.run(stop).await
                }));
            }
            for t in tasks {
                t.await??;
            }
            Ok(())
        }
    }
}
