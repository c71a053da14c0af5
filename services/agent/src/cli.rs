//! The agent's command line, shared by `liftoff agent` and the slim `liftoff-agent` binary.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use tokio::sync::watch;

use crate::AgentConfig;
use crate::simulate::Fleet;

#[derive(Debug, Args)]
pub struct AgentArgs {
    #[arg(long, env = "LIFTOFF_URL")]
    pub server: String,
    /// The scheduler's URL, when services run apart without a routing proxy (default: --server).
    #[arg(long)]
    pub scheduler_url: Option<String>,
    /// deployment-api's URL for bundle downloads, when services run apart (default: --server).
    #[arg(long)]
    pub deployment_api_url: Option<String>,
    /// Needed the first time only; the host credential is kept under --root.
    #[arg(long, env = "LIFTOFF_ENROLL_TOKEN", hide_env_values = true)]
    pub enroll_token: Option<String>,
    /// The host's zone. With --simulate it may be repeated: virtual hosts take the zones in turn.
    #[arg(long = "zone", required = true)]
    pub zones: Vec<String>,
    /// Host tags, `key=value` (repeatable).
    #[arg(long = "tag", value_parser = liftoff_types::names::parse_tag_pair)]
    pub tags: Vec<(String, String)>,
    /// The agent keeps its state under <root>/var/lib/liftoff-agent (`/` on a real host).
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    /// appspec `files` destinations are installed under this directory (default `/`; with
    /// --simulate, --root). Hooks find it in $LIFTOFF_INSTALL_ROOT.
    #[arg(long)]
    pub install_root: Option<PathBuf>,
    #[arg(long)]
    pub hostname: Option<String>,
    /// Run N virtual hosts in this process (state under <root>/sim-<i>, files under
    /// <install-root>/sim-<i>).
    #[arg(long)]
    pub simulate: Option<usize>,
    /// Longest long-poll in seconds.
    #[arg(long, default_value_t = 20)]
    pub poll_wait: u64,
    /// Release directories to keep; older ones are pruned, never a group's last success.
    #[arg(long, default_value_t = 5)]
    pub keep_releases: usize,
    /// After SIGTERM, seconds the hook in progress may still run before it is terminated; the
    /// agent then reports and exits.
    #[arg(long, default_value_t = 60)]
    pub stop_grace: u64,
    /// Go on with a deployment when the previous revision's ApplicationStop hook fails.
    #[arg(long)]
    pub ignore_application_stop_failures: bool,
    /// Most seconds the scripts of one lifecycle event may take together.
    #[arg(long, default_value_t = 3600)]
    pub max_event_secs: u64,
    /// Most bytes a bundle may unpack to.
    #[arg(long, default_value_t = 2 << 30)]
    pub max_unpacked_bytes: u64,
    /// The user hooks without `runas` run as (default: the agent's own user, as CodeDeploy).
    #[arg(long)]
    pub hook_user: Option<String>,
    /// Refuse any hook that would run as root (RUNAS_INVALID before anything runs).
    #[arg(long)]
    pub no_root_hooks: bool,
    /// Serve the agent's own Prometheus metrics on this address (e.g. 127.0.0.1:9720; off by
    /// default): commands, hook durations, bundle bytes downloaded, journal recoveries.
    #[arg(long, env = "LIFTOFF_AGENT_METRICS_LISTEN")]
    pub metrics_listen: Option<std::net::SocketAddr>,
}

impl AgentArgs {
    /// The agent's configuration, and the simulated fleet if `--simulate` asks for one.
    pub fn config(self) -> anyhow::Result<(AgentConfig, Option<Fleet>)> {
        anyhow::ensure!(
            self.simulate.is_some() || self.zones.len() == 1,
            "--zone: one zone per host (several only with --simulate)"
        );
        let zone = self.zones.first().cloned().unwrap_or_default();
        let mut config = AgentConfig::new(&self.server, &zone, self.root.clone());
        config.install_root = match (&self.install_root, self.simulate) {
            (Some(dir), _) => dir.clone(),
            (None, Some(_)) => self.root.clone(),
            (None, None) => "/".into(),
        };
        config.enroll_token = self.enroll_token;
        config.scheduler_url = self.scheduler_url;
        config.deployment_api_url = self.deployment_api_url;
        config.tags = self.tags.into_iter().collect();
        if let Some(h) = self.hostname {
            config.hostname = h;
        }
        config.poll_wait = Duration::from_secs(self.poll_wait.clamp(1, 30));
        config.keep_releases = self.keep_releases;
        config.stop_grace = Duration::from_secs(self.stop_grace);
        config.ignore_application_stop_failures = self.ignore_application_stop_failures;
        config.max_event_time = Duration::from_secs(self.max_event_secs.max(1));
        config.max_unpacked_bytes = self.max_unpacked_bytes;
        config.hook_user = self.hook_user;
        config.no_root_hooks = self.no_root_hooks;
        let fleet = self.simulate.map(|hosts| Fleet {
            hosts,
            zones: self.zones,
        });
        Ok((config, fleet))
    }
}

/// Runs the agent until `shutdown` resolves (SIGTERM, Ctrl-C): then the event in progress
/// finishes within the stop grace period, is reported, and this returns.
pub async fn run(
    args: AgentArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    if let Some(addr) = args.metrics_listen {
        crate::metrics::serve(addr)?;
    }
    let (config, fleet) = args.config()?;
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("stopping: the event in progress finishes first, then it is reported");
        let _ = tx.send(true);
        // Keep the sender: dropping it would read as "nobody can ask to stop any more".
        std::future::pending::<()>().await;
    });
    crate::run(config, fleet, rx).await
}
