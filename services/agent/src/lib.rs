//! The host agent: enrolls once, heartbeats, long-polls the scheduler, and runs each command's
//! lifecycle (download, verify, unpack, hooks) reporting every event. Small, crash-safe, and
//! compatible with CodeDeploy's appspec. `--simulate N` runs N virtual hosts through the same
//! code, for tests and benchmarks of large fleets.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use liftoff_client::{Client, ClientError, RegistryClient, SchedulerClient};
use liftoff_types::registry::{EnrollRequest, Heartbeat};
use tokio::sync::watch;

pub mod cli;
mod commands;
pub mod executor;
pub mod hook;
pub mod local;
pub mod metrics;
pub mod pace;
pub mod releases;
pub mod scale_in;
pub mod simulate;
pub mod state;

use state::{Identity, StateDir};

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
    /// The agent's own state lives under `<root>/var/lib/liftoff-agent` (`/` on a real host).
    pub root: PathBuf,
    /// appspec `files` destinations are mapped under this directory (`/` on a real host).
    pub install_root: PathBuf,
    pub hostname: String,
    /// Longest long-poll.
    pub poll_wait: Duration,
    /// Largest bundle the agent downloads.
    pub max_bundle_bytes: u64,
    /// Most bytes a bundle may unpack to.
    pub max_unpacked_bytes: u64,
    /// Release directories kept (older ones are pruned; never a group's last success).
    pub keep_releases: usize,
    /// After SIGTERM, how long the hook in progress may still run before it is terminated.
    pub stop_grace: Duration,
    /// Go on with the deployment when the previous revision's ApplicationStop fails.
    pub ignore_application_stop_failures: bool,
    /// The most the scripts of one lifecycle event may take together (CodeDeploy: 3600 s).
    pub max_event_time: Duration,
    /// The user hooks without `runas` run as (default: the agent's own user, as CodeDeploy).
    pub hook_user: Option<String>,
    /// Refuse any hook that would run as root.
    pub no_root_hooks: bool,
    /// Refuse `permissions` that make setuid/setgid or root-owned files.
    pub no_root_files: bool,
    /// Where Install may write (`--install-allow`); empty: the default of [`Self::install_policy`].
    pub install_allow: Vec<PathBuf>,
    /// How long reports, completions and downloads are retried before the step fails.
    pub report_budget: Duration,
    /// How long a hook runs before the agent tells the server it started
    /// (`--event-report-delay-ms`). An event that ends sooner is reported once, with the next
    /// report: most hooks take milliseconds, and each report is a request and a write.
    pub event_report_delay: Duration,
    /// The address the enrollment request leaves from (default: the system's choice). Set by
    /// `--simulate-source-address` so that each virtual host enrolls from an address of its
    /// own, as each host of a real fleet does (the registry limits enrollments per address).
    pub enroll_source_address: Option<std::net::IpAddr>,
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
            install_root: PathBuf::from("/"),
            hostname: local_hostname(),
            poll_wait: Duration::from_secs(20),
            max_bundle_bytes: 2 * 1024 * 1024 * 1024,
            max_unpacked_bytes: liftoff_bundle::UnpackLimits::default().max_total_bytes,
            keep_releases: 5,
            stop_grace: Duration::from_secs(60),
            ignore_application_stop_failures: false,
            max_event_time: Duration::from_secs(liftoff_bundle::appspec::EVENT_TIMEOUT_CAP_SECS),
            hook_user: None,
            no_root_hooks: false,
            no_root_files: false,
            install_allow: Vec::new(),
            report_budget: Duration::from_secs(300),
            event_report_delay: DEFAULT_EVENT_REPORT_DELAY,
            enroll_source_address: None,
        }
    }
}

impl AgentConfig {
    /// What the Install step may do on this host. Without `--install-allow`, files go anywhere
    /// under the install root, except on a `--no-root-hooks` host, where only
    /// `<install-root>/opt` and `<install-root>/srv` are open: a host that forbids root hooks
    /// must not let Install write `/etc/cron.d` as root either.
    pub fn install_policy(&self) -> liftoff_bundle::InstallPolicy {
        let allow = if !self.install_allow.is_empty() {
            self.install_allow.clone()
        } else if self.no_root_hooks {
            vec![self.install_root.join("opt"), self.install_root.join("srv")]
        } else {
            vec![self.install_root.clone()]
        };
        liftoff_bundle::InstallPolicy {
            no_root_files: self.no_root_files || self.no_root_hooks,
            allow,
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

/// Longest wait between two tries of a call to the control plane: once it is back, every
/// agent is back within this (a couple of seconds), however long it was away.
/// See [`AgentConfig::event_report_delay`].
pub const DEFAULT_EVENT_REPORT_DELAY: Duration = Duration::from_secs(1);

pub const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Exponential backoff (250 ms doubling) with jitter (half to all of it), capped at
/// [`MAX_BACKOFF`].
pub fn backoff(attempt: u32) -> Duration {
    let cap = MAX_BACKOFF.as_millis() as u64;
    let base_ms = 250u64.saturating_mul(1u64 << attempt.min(8)).min(cap);
    within_last(Duration::from_millis(base_ms), 2)
}

/// A random point of the last `1/part` of `d`: never later than `d`, so a fleet spreads out
/// instead of acting in step.
fn within_last(d: Duration, part: u64) -> Duration {
    let ms = d.as_millis() as u64;
    Duration::from_millis(rand::random_range(ms - ms / part..=ms))
}

/// The wait before the next heartbeat: a random point of the last tenth of `interval`, never
/// later than it, so the registry's grace holds as before. Exact intervals keep a fleet's
/// heartbeats in step after anything that bunched them (enrolling together, a control-plane
/// pause answered all at once): a wave of the whole fleet every interval instead of an even
/// stream. (The scheduler spreads long polls the same way.)
pub fn heartbeat_jitter(interval: Duration) -> Duration {
    within_last(interval, 10)
}

/// Whether a failed call may be sent again: transport errors, 5xx, 429, and 408 (the server
/// gave up waiting for the request, so it did not act on it). Every agent call is idempotent.
pub fn worth_retrying(e: &ClientError) -> bool {
    e.is_retryable() || e.status() == Some(408)
}

/// Retries `f` on [`worth_retrying`] errors for up to `budget`.
pub async fn retrying<T, F, Fut>(what: &str, budget: Duration, f: F) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    match retrying_unless(what, budget, None, f).await? {
        Some(t) => Ok(t),
        None => unreachable!("only a stop signal gives up, and there is none"),
    }
}

/// [`retrying`], given up (`None`) when `stop` turns true before an attempt or while waiting
/// for the next one. An attempt under way always runs to its end and its answer is returned:
/// the server may have acted on it already.
pub async fn retrying_unless<T, F, Fut>(
    what: &str,
    budget: Duration,
    stop: Option<&watch::Receiver<bool>>,
    mut f: F,
) -> Result<Option<T>, ClientError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let deadline = tokio::time::Instant::now() + budget;
    let mut attempt = 0;
    let mut stop = stop.cloned();
    loop {
        if stop.as_ref().is_some_and(|s| *s.borrow()) {
            return Ok(None);
        }
        match f().await {
            Err(e) if worth_retrying(&e) && tokio::time::Instant::now() < deadline => {
                tracing::debug!(what, error = %e, attempt, "retrying");
                let pause = tokio::time::sleep(backoff(attempt));
                match stop.as_mut() {
                    Some(s) => tokio::select! {
                        _ = pause => {}
                        Ok(_) = s.wait_for(|v| *v) => return Ok(None),
                    },
                    None => pause.await,
                }
                attempt += 1;
            }
            other => return other.map(Some),
        }
    }
}

/// The HTTP clients of one agent process. Every call has a timeout (the long poll its own,
/// a little longer than the wait it asks for), and TCP keepalive notices dead peers, so a
/// half-open connection never hangs the agent. Virtual hosts of `--simulate` share these
/// connection pools, each with its own credential.
#[derive(Clone, Debug)]
pub struct Transport {
    registry: Client,
    scheduler: Client,
    bundles: Client,
    history: Client,
}

impl Transport {
    pub fn new(config: &AgentConfig) -> Result<Self, ClientError> {
        let at = |url: &Option<String>, request: Duration| {
            Client::with_timeouts(
                url.as_deref().unwrap_or(&config.server),
                None,
                Duration::from_secs(5),
                request,
            )
        };
        Ok(Self {
            registry: at(&None, Duration::from_secs(30))?,
            scheduler: at(&config.scheduler_url, Duration::from_secs(30))?,
            // Large bundles take a while; a stalled download still ends.
            bundles: at(&config.deployment_api_url, Duration::from_secs(900))?,
            // Hook logs (at most 1 MiB each), uploaded in the background.
            history: at(&None, Duration::from_secs(60))?,
        })
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
    /// Authenticated client of history (hook log uploads), one connection pool for all.
    pub(crate) history: liftoff_client::HistoryClient,
    /// Poked when a heartbeat succeeds after failing: the control plane is back, so a poll
    /// waiting out its backoff goes at once.
    reconnected: tokio::sync::Notify,
    /// When to heartbeat: not while the polls count as heartbeats.
    pace: pace::Pace,
}

impl Agent {
    /// Loads the saved identity or enrolls with the enrollment token; `None` when `stop` turned
    /// true while enrolling, between attempts (retrying for up to two minutes while the
    /// registry cannot be reached): nothing is in progress then, and the agent exits at once.
    /// An attempt under way is never given up: the registry may have enrolled the host (and
    /// spent a use of the token), so its identity is saved first, and the next start runs as
    /// that host instead of enrolling again with a token that may be used up.
    pub async fn start(
        config: AgentConfig,
        transport: &Transport,
        stop: &watch::Receiver<bool>,
    ) -> anyhow::Result<Option<Self>> {
        let state = StateDir::new(&config.root);
        state.ensure()?;
        ensure_install_root(&config.install_root)?;
        let identity = match state.identity()? {
            Some(id) => id,
            None => {
                let token = config.enroll_token.clone().ok_or_else(|| {
                    anyhow::anyhow!("not enrolled yet and no enrollment token given (--enroll-token-file, LIFTOFF_ENROLL_TOKEN)")
                })?;
                let anon = match config.enroll_source_address {
                    Some(local) => RegistryClient::new(Client::bound_to(
                        &config.server,
                        local,
                        Duration::from_secs(5),
                        Duration::from_secs(30),
                    )?),
                    None => RegistryClient::new(transport.registry.with_token(None)),
                };
                let req = EnrollRequest {
                    enrollment_token: token,
                    hostname: config.hostname.clone(),
                    zone: config.zone.clone(),
                    tags: config.tags.clone(),
                    agent_version: Some(VERSION.into()),
                };
                let enrolled =
                    retrying_unless("enroll", Duration::from_secs(120), Some(stop), || {
                        anon.enroll(&req)
                    })
                    .await?;
                let Some(res) = enrolled else {
                    tracing::info!("stopped before the agent had enrolled");
                    return Ok(None);
                };
                let id = Identity {
                    host_id: res.host_id,
                    credential: res.credential,
                    server: config.server.clone(),
                    heartbeat_interval_secs: res.heartbeat_interval_secs,
                };
                let saved = id.clone();
                state.write(move |s| s.save_identity(&saved)).await?;
                tracing::info!(host_id = %id.host_id, "enrolled");
                id
            }
        };
        let token = Some(identity.credential.clone());
        Ok(Some(Self {
            scheduler: SchedulerClient::new(transport.scheduler.with_token(token.clone())),
            registry: RegistryClient::new(transport.registry.with_token(token.clone())),
            bundles: transport.bundles.with_token(token.clone()),
            history: liftoff_client::HistoryClient::new(transport.history.with_token(token)),
            reconnected: tokio::sync::Notify::new(),
            pace: pace::Pace::new(identity.heartbeat_interval_secs),
            config,
            state,
            identity,
        }))
    }

    pub fn host_id(&self) -> uuid::Uuid {
        self.identity.host_id
    }

    pub(crate) fn scheduler(&self) -> &SchedulerClient {
        &self.scheduler
    }

    /// Heartbeats until `stop` turns true, except while the polls count as heartbeats (see
    /// [`pace`]); runs what the registry asks in its answers (scale-in) alongside, so
    /// heartbeats go on meanwhile.
    async fn heartbeat_loop(&self, mut stop: watch::Receiver<bool>) {
        let mut asked: Asked<'_> = None;
        let mut failures = 0u32;
        loop {
            let vouched = self.pace.vouched_until(std::time::Instant::now());
            if failures == 0
                && !self.pace.take_forced()
                && let Some(until) = vouched
            {
                // The polls count: nothing to send until they stop vouching.
                tokio::select! {
                    _ = tokio::time::sleep_until(until.into()) => {}
                    _ = self.pace.woken() => {}
                    _ = finished(&mut asked) => asked = None,
                    _ = stop.wait_for(|s| *s) => return,
                }
                continue;
            }
            // Whatever asked for this heartbeat gets it.
            let forced = self.pace.take_forced();
            tracing::debug!(forced, failures, "heartbeat");
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
                    self.pace
                        .set(Some(r.heartbeat_interval_secs), r.poll_wait_secs);
                    if failures > 0 {
                        tracing::info!(failures, "heartbeat answered again");
                        failures = 0;
                        self.reconnected.notify_one();
                    }
                    if asked.is_none()
                        && let Some(cmd) = r.commands.into_iter().next()
                    {
                        asked = Some(Box::pin(scale_in::run(self, cmd)));
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "heartbeat failed");
                    failures = failures.saturating_add(1);
                }
            }
            // After a failure, try again soon (bounded backoff), not a whole interval later.
            let interval = self.pace.interval();
            let next = if failures > 0 {
                backoff(failures - 1).min(interval)
            } else {
                heartbeat_jitter(interval)
            };
            let due = tokio::time::Instant::now() + next;
            loop {
                let mut done = false;
                tokio::select! {
                    _ = tokio::time::sleep_until(due) => break,
                    _ = finished(&mut asked) => done = true,
                    _ = self.pace.woken() => {
                        // Asked for a heartbeat now, or the polls count again.
                        let at = std::time::Instant::now();
                        if self.pace.forced() || self.pace.vouched_until(at).is_some() {
                            break;
                        }
                    }
                    _ = stop.wait_for(|s| *s) => return,
                }
                if done {
                    asked = None;
                }
            }
        }
    }

    /// Polls and runs commands until `stop` turns true; the command in progress is wound down
    /// first (see [`executor`]).
    async fn command_loop(&self, stop: watch::Receiver<bool>) -> anyhow::Result<()> {
        let mut failures = 0u32;
        let mut duplicates = 0u32;
        let mut stopped = stop.clone();
        loop {
            if *stop.borrow() {
                return Ok(());
            }
            self.flush_completions().await?;
            let sent = std::time::Instant::now();
            let wait = self.pace.poll_wait(self.config.poll_wait);
            let polled = tokio::select! {
                r = self.scheduler.poll_commands_heard(self.host_id(), wait, |heard| {
                    self.pace.arrived(sent, heard)
                }) => r,
                _ = stopped.wait_for(|s| *s) => return Ok(()),
            };
            match polled {
                Ok(batch) => {
                    failures = 0;
                    self.pace
                        .set(batch.heartbeat_interval_secs, batch.poll_wait_secs);
                    self.pace.answered(batch.heard);
                    if batch.heartbeat_now {
                        self.pace.call();
                    }
                    let offered = !batch.commands.is_empty();
                    let mut new = false;
                    if offered {
                        self.pace.busy();
                    }
                    for cmd in batch.commands {
                        if *stop.borrow() {
                            break;
                        }
                        new |= self.handle(cmd, stop.clone()).await?;
                        self.flush_completions().await?;
                    }
                    if offered && !new {
                        // Only commands this host finished, offered again until their
                        // completion arrives: do not spin on them.
                        duplicates = duplicates.saturating_add(1);
                        tokio::select! {
                            _ = tokio::time::sleep(backoff(duplicates)) => {}
                            _ = stopped.wait_for(|s| *s) => return Ok(()),
                        }
                    } else {
                        duplicates = 0;
                    }
                }
                Err(ClientError::Api { status: 401, body }) => {
                    anyhow::bail!(
                        "the control plane refused this host's credential: {}",
                        body.error.message
                    )
                }
                Err(e) => {
                    self.pace.poll_failed();
                    let wait = backoff(failures);
                    failures = failures.saturating_add(1);
                    tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "poll failed");
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = self.reconnected.notified() => {}
                        _ = stopped.wait_for(|s| *s) => return Ok(()),
                    }
                }
            }
        }
    }

    /// Runs until `stop` turns true (SIGTERM: the command in progress is wound down first and
    /// reported).
    pub async fn run(&self, stop: watch::Receiver<bool>) -> anyhow::Result<()> {
        tracing::info!(host_id = %self.host_id(), zone = %self.config.zone, "agent running");
        self.recover().await?;
        // Heartbeats go on while a command winds down after SIGTERM, so the host is not taken
        // for lost during the grace period; they stop when the command loop does.
        let (done_tx, done_rx) = watch::channel(false);
        let hb = self.heartbeat_loop(done_rx);
        let cmds = async {
            let res = self.command_loop(stop).await;
            let _ = done_tx.send(true);
            res
        };
        let (_, res) = tokio::join!(hb, cmds);
        res
    }
}

/// What the registry asked of the agent in a heartbeat answer (scale-in), running alongside.
type Asked<'a> = Option<std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>>;

/// Resolves when the work `asked` ends; never, when there is none.
async fn finished(asked: &mut Asked<'_>) {
    match asked.as_mut() {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}

/// Creates the install root (and its missing parents, mode 0755) if it does not exist, so
/// the first Install does not fail on it; an error names the real path.
pub fn ensure_install_root(dir: &std::path::Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(dir)
        .map_err(|e| anyhow::anyhow!("--install-root {}: cannot create it: {e}", dir.display()))?;
    tracing::info!(install_root = %dir.display(), "created the install root");
    Ok(())
}

/// Runs one agent, or `simulate` virtual hosts (see [`simulate`]).
pub async fn run(
    mut config: AgentConfig,
    simulate: Option<simulate::Fleet>,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    // Everything under the root is joined into absolute paths (hooks are exec'd by path).
    config.root = std::path::absolute(&config.root)?;
    config.install_root = std::path::absolute(&config.install_root)?;
    hook::cgroup::announce();
    let transport = Transport::new(&config)?;
    match simulate {
        None => match Agent::start(config, &transport, &stop).await? {
            Some(agent) => agent.run(stop).await,
            None => Ok(()),
        },
        Some(fleet) => simulate::run(config, fleet, &transport, stop).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asked to stop during an attempt, the attempt's answer is kept (the server may have acted
    /// on it); asked to stop while waiting for the next attempt, it gives up at once.
    #[tokio::test]
    async fn a_stop_gives_up_between_attempts_never_during_one() {
        let (tx, rx) = watch::channel(false);
        let got = retrying_unless("t", Duration::from_secs(120), Some(&rx), || {
            let _ = tx.send(true);
            async { Ok::<_, ClientError>(7) }
        })
        .await;
        assert_eq!(got.unwrap(), Some(7), "the answer of an attempt under way");
        assert_eq!(
            retrying_unless("t", Duration::from_secs(120), Some(&rx), || async {
                Ok::<_, ClientError>(7)
            })
            .await
            .unwrap(),
            None,
            "stopped before an attempt: none is made"
        );

        let (tx, rx) = watch::channel(false);
        let mut attempts = 0;
        let stopper = async {
            tokio::time::sleep(Duration::from_millis(600)).await;
            let _ = tx.send(true);
        };
        let retried = retrying_unless("t", Duration::from_secs(120), Some(&rx), || {
            attempts += 1;
            async { Err::<u32, _>(ClientError::Transport("refused".into())) }
        });
        let (got, ()) = tokio::join!(retried, stopper);
        assert_eq!(got.unwrap(), None);
        assert!(attempts >= 2, "it retried before the stop: {attempts}");
    }

    #[test]
    fn heartbeats_are_spread_over_the_last_tenth_of_the_interval_never_later() {
        let interval = Duration::from_secs(5);
        let waits: Vec<Duration> = (0..2000).map(|_| heartbeat_jitter(interval)).collect();
        assert!(
            waits
                .iter()
                .all(|w| *w >= Duration::from_millis(4500) && *w <= interval)
        );
        assert!(waits.iter().any(|w| *w < Duration::from_millis(4600)));
        assert!(waits.iter().any(|w| *w > Duration::from_millis(4900)));
        assert_eq!(heartbeat_jitter(Duration::ZERO), Duration::ZERO);
    }
}
