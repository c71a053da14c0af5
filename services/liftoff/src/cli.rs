//! The command line: what users type.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "liftoff",
    version,
    about = "Roll a revision across a fleet, safely and fast."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Control-plane URL for client commands.
    #[arg(
        long,
        global = true,
        env = "LIFTOFF_URL",
        default_value = "http://127.0.0.1:7700"
    )]
    pub server: String,
    /// Bearer token (default: LIFTOFF_TOKEN, else <data-dir>/admin.token).
    #[arg(long, global = true, env = "LIFTOFF_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Where `up` keeps its data and where client commands find admin.token.
    #[arg(
        long,
        global = true,
        env = "LIFTOFF_DATA_DIR",
        default_value = ".liftoff"
    )]
    pub data_dir: PathBuf,
    /// Print one machine-readable JSON document on stdout.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run all four services in one process on an embedded SQLite database (or PostgreSQL).
    Up {
        #[arg(long, default_value = "127.0.0.1:7700")]
        listen: SocketAddr,
        #[arg(long, env = "LIFTOFF_DATABASE_URL")]
        database_url: Option<String>,
    },
    /// Run one service alone.
    Serve(ServeArgs),
    /// Run the host agent.
    Agent(AgentArgs),
    /// Start the control plane and local agents, then roll out a sample app v1 then v2.
    Demo {
        #[arg(long, default_value_t = 6)]
        hosts: usize,
        #[arg(long, default_value_t = 3)]
        zones: usize,
        /// Exit 0 once v2 succeeded, with a summary.
        #[arg(long)]
        exit: bool,
        #[arg(long, default_value = "127.0.0.1:7700")]
        listen: SocketAddr,
    },
    /// Write (or check) the OpenAPI documents generated from the code.
    Openapi {
        #[arg(long, default_value = "openapi")]
        out: PathBuf,
        /// Exit 1 if the files differ from what the code generates.
        #[arg(long)]
        check: bool,
    },
    /// Applications.
    #[command(subcommand)]
    App(AppCmd),
    /// Revisions (bundles).
    #[command(subcommand)]
    Revision(RevisionCmd),
    /// Deployment groups.
    #[command(subcommand)]
    Group(GroupCmd),
    /// Deploy a revision to a group.
    Deploy(DeployArgs),
    /// A deployment's status, per host and event.
    Status { id: uuid::Uuid },
    /// Stop a deployment: nothing new starts; hosts already running finish.
    Stop { id: uuid::Uuid },
    /// Roll a deployment back: a new deployment of the group's last good revision before it,
    /// the hosts that failed first (a running deployment is stopped first).
    Rollback {
        id: uuid::Uuid,
        /// Follow the rollback and exit 0 only if it succeeded.
        #[arg(long)]
        wait: bool,
    },
    /// Hold a running deployment: nothing new starts and it does not conclude.
    Pause { id: uuid::Uuid },
    /// Resume a paused deployment.
    Resume { id: uuid::Uuid },
    /// Approve the rest of the fleet after the canary batch.
    Approve { id: uuid::Uuid },
    /// Retry a running deployment's failed hosts (all, or those given with --host).
    Retry {
        id: uuid::Uuid,
        #[arg(long = "host")]
        hosts: Vec<uuid::Uuid>,
    },
    /// Take a host out of a running deployment.
    Exclude {
        id: uuid::Uuid,
        #[arg(long)]
        host: uuid::Uuid,
    },
    /// Deployment configurations.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Benchmarks (not tests): measure the control plane against local work.
    #[command(subcommand)]
    Bench(BenchCmd),
    /// List deployments, newest first.
    Deployments {
        #[arg(long)]
        app: Option<String>,
        #[arg(long)]
        group: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// The fleet's hosts.
    Hosts {
        /// Only hosts a deployment group selects (with --app).
        #[arg(long)]
        group: Option<String>,
        #[arg(long)]
        app: Option<String>,
        #[arg(long)]
        zone: Option<String>,
    },
    /// Enrollment tokens for agents.
    #[command(subcommand, name = "enroll-token")]
    EnrollToken(EnrollTokenCmd),
    /// Questions asked of history.
    #[command(subcommand)]
    History(HistoryCmd),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// deployment-api, scheduler, host-registry or history.
    pub service: String,
    #[arg(long)]
    pub listen: SocketAddr,
    #[arg(long, env = "LIFTOFF_DATABASE_URL")]
    pub database_url: String,
    /// File holding the shared token-signing secret (created if missing).
    #[arg(long, env = "LIFTOFF_SECRET_FILE")]
    pub secret_file: PathBuf,
    #[arg(long, env = "LIFTOFF_DEPLOYMENT_API_URL")]
    pub deployment_api_url: Option<String>,
    #[arg(long, env = "LIFTOFF_SCHEDULER_URL")]
    pub scheduler_url: Option<String>,
    #[arg(long, env = "LIFTOFF_REGISTRY_URL")]
    pub registry_url: Option<String>,
    #[arg(long, env = "LIFTOFF_HISTORY_URL")]
    pub history_url: Option<String>,
}

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
    #[arg(long)]
    pub zone: String,
    /// Host tags, `key=value` (repeatable).
    #[arg(long = "tag", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,
    /// Everything the agent writes goes under this root (`/` on a real host).
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    #[arg(long)]
    pub hostname: Option<String>,
    /// Run N virtual hosts in this process (roots under --root/sim-N).
    #[arg(long)]
    pub simulate: Option<usize>,
    /// Longest long-poll in seconds.
    #[arg(long, default_value_t = 20)]
    pub poll_wait: u64,
}

#[derive(Debug, Subcommand)]
pub enum AppCmd {
    Create {
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
    List,
    Get {
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RevisionCmd {
    /// Push a directory holding appspec.yml, or a .tar.gz/.tar/.zip bundle.
    Push {
        #[arg(long)]
        app: String,
        path: PathBuf,
        #[arg(long)]
        version_label: Option<String>,
        #[arg(long)]
        description: Option<String>,
    },
    List {
        #[arg(long)]
        app: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum GroupCmd {
    Create {
        #[arg(long)]
        app: String,
        name: String,
        /// `key=value` (repeatable; the same key twice means either value).
        #[arg(long = "selector", value_parser = parse_tag, required = true)]
        selector: Vec<(String, String)>,
        #[arg(long)]
        config: Option<String>,
        #[arg(long)]
        auto_rollback: bool,
        #[arg(long)]
        stage: Option<String>,
        /// Queue deployments while one runs (default: refuse them).
        #[arg(long)]
        queue: bool,
    },
    List {
        #[arg(long)]
        app: String,
    },
    Get {
        #[arg(long)]
        app: String,
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    #[arg(long)]
    pub app: String,
    #[arg(long)]
    pub group: String,
    #[arg(long)]
    pub revision: String,
    #[arg(long)]
    pub config: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// Show progress and exit 0 only if the deployment succeeded.
    #[arg(long)]
    pub wait: bool,
    /// Retrying with the same key never starts a second deployment.
    #[arg(long)]
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Create a configuration: minimum healthy hosts, zone mode, canary batch.
    Create {
        name: String,
        /// `N` hosts or `P%` of the fleet that stay healthy.
        #[arg(long)]
        minimum_healthy: String,
        /// `striped` (default) or `zone-at-a-time`.
        #[arg(long)]
        zone_mode: Option<String>,
        /// With zone-at-a-time: seconds between zones.
        #[arg(long)]
        bake_secs: Option<u32>,
        /// `N` hosts or `P%` of the fleet in a first batch that waits for `approve`.
        #[arg(long)]
        canary: Option<String>,
    },
    List,
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// One deployment across a simulated fleet (real agent code and hooks) against the floor:
    /// the same per-host work run locally in the same waves.
    Rollout(BenchRolloutArgs),
}

#[derive(Debug, Args, Clone)]
pub struct BenchRolloutArgs {
    #[arg(long, default_value_t = 100)]
    pub hosts: usize,
    #[arg(long, default_value_t = 3)]
    pub zones: usize,
    /// Hosts in progress at once: `P%` of the fleet or a count.
    #[arg(long, default_value = "10%")]
    pub window: String,
    /// Time the hooks of one host take, in milliseconds (spread over four hooks).
    #[arg(long, default_value_t = 100)]
    pub hook_ms: u64,
    /// PostgreSQL (or sqlite://) for the control plane; default: SQLite in a temp dir.
    #[arg(long)]
    pub database_url: Option<String>,
}

/// `N` (a count) or `P%` (a percent).
pub fn parse_share(s: &str) -> Result<(bool, u32), String> {
    let (num, percent) = match s.strip_suffix('%') {
        Some(n) => (n, true),
        None => (s, false),
    };
    let n: u32 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: expected a count like 5 or a percent like 10%"))?;
    if percent && n > 100 {
        return Err(format!("{s:?}: a percent is at most 100"));
    }
    Ok((percent, n))
}

#[derive(Debug, Subcommand)]
pub enum EnrollTokenCmd {
    Create {
        /// Tags every host enrolling with it gets (repeatable).
        #[arg(long = "tag", value_parser = parse_tag)]
        tags: Vec<(String, String)>,
        /// Lifetime, e.g. 1h, 7d (default 24h).
        #[arg(long, value_parser = parse_duration)]
        ttl: Option<std::time::Duration>,
        /// How many hosts may use it.
        #[arg(long)]
        uses: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
pub enum HistoryCmd {
    /// Which hosts run which revision now.
    Hosts {
        #[arg(long)]
        app: Option<String>,
        #[arg(long)]
        revision: Option<uuid::Uuid>,
    },
    /// A deployment's events.
    Deployment { id: uuid::Uuid },
    /// A host's events, newest first.
    Host { id: uuid::Uuid },
}

pub fn parse_tag(s: &str) -> Result<(String, String), String> {
    liftoff_types::names::parse_tag_pair(s)
}

/// `90s`, `15m`, `12h`, `30d`, or plain seconds.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 30s, 15m, 12h or 30d"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("{s:?} is not a duration like 30s, 15m, 12h or 30d")),
    };
    Ok(std::time::Duration::from_secs(secs))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("30d").unwrap().as_secs(), 30 * 86400);
        assert_eq!(parse_duration("90").unwrap().as_secs(), 90);
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
