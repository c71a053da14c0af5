//! The command line: what users type.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use crate::commands::app::AppCmd;
pub use crate::commands::config::ConfigCmd;
pub use crate::commands::deployments::DeploymentsArgs;
pub use crate::commands::group::GroupCmd;
pub use crate::commands::promote::PromoteArgs;
pub use crate::commands::revision::RevisionCmd;

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
        #[command(flatten)]
        options: ServerOptions,
        #[command(flatten)]
        auth: crate::access::AuthArgs,
    },
    /// Run one service alone.
    Serve(ServeArgs),
    /// Run the host agent.
    Agent(liftoff_agent::cli::AgentArgs),
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
    /// Deployment configurations.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Deploy to stage --to the revision that last succeeded in stage --from.
    Promote(PromoteArgs),
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
    /// Run a bundle's whole lifecycle on this machine, with the agent's code and no control
    /// plane (like codedeploy-local): exit 0 only when every event succeeded.
    Local(crate::commands::local::LocalArgs),
    /// Benchmarks (not tests): measure the control plane against local work.
    #[command(subcommand)]
    Bench(BenchCmd),
    /// List deployments, newest first.
    Deployments(DeploymentsArgs),
    /// The fleet's hosts.
    Hosts {
        /// Only hosts a deployment group selects (--app narrows it when names repeat).
        #[arg(long)]
        group: Option<String>,
        #[arg(long)]
        app: Option<String>,
        #[arg(long)]
        zone: Option<String>,
        /// Pending, Installing, InService, Failed or Lost.
        #[arg(long)]
        state: Option<String>,
        /// Only hosts with this tag, `key=value` (repeatable).
        #[arg(long = "tag", value_parser = parse_tag)]
        tags: Vec<(String, String)>,
    },
    /// One host: show it, change its tags, reinstall it, deregister it.
    #[command(subcommand)]
    Host(HostCmd),
    /// Enrollment tokens for agents.
    #[command(subcommand, name = "enroll-token")]
    EnrollToken(EnrollTokenCmd),
    /// Questions asked of history.
    #[command(subcommand)]
    History(HistoryCmd),
    /// Who (token subject and team) did what, when, to which object.
    Audit(AuditArgs),
    /// Promotions that wait for a second person's approval (two-person rule).
    #[command(subcommand)]
    Promotion(crate::commands::promotion::PromotionCmd),
    /// Deployment freezes: deployments refused (error `frozen`) until a time.
    #[command(subcommand)]
    Freeze(crate::commands::freeze::FreezeCmd),
    /// Deployment windows of a group: when its deployments may start (error `outside_window`).
    #[command(subcommand)]
    Window(crate::commands::window::WindowCmd),
    /// Webhooks: signed CloudEvents to a team's URLs on the events it subscribes to.
    #[command(subcommand)]
    Webhook(crate::commands::webhook::WebhookCmd),
    /// Team tokens: mint, revoke, list.
    #[command(subcommand)]
    Token(crate::access::TokenCmd),
    /// Teams (platform admins).
    #[command(subcommand)]
    Team(crate::access::TeamCmd),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// deployment-api, scheduler, host-registry or history.
    pub service: String,
    #[arg(long)]
    pub listen: SocketAddr,
    #[arg(long, env = "LIFTOFF_DATABASE_URL")]
    pub database_url: String,
    /// File holding the shared token-signing secret (created if missing); not needed with
    /// --keyset.
    #[arg(long, env = "LIFTOFF_SECRET_FILE", required_unless_present = "keyset")]
    pub secret_file: Option<PathBuf>,
    #[command(flatten)]
    pub auth: crate::access::AuthArgs,
    #[arg(long, env = "LIFTOFF_DEPLOYMENT_API_URL")]
    pub deployment_api_url: Option<String>,
    #[arg(long, env = "LIFTOFF_SCHEDULER_URL")]
    pub scheduler_url: Option<String>,
    #[arg(long, env = "LIFTOFF_REGISTRY_URL")]
    pub registry_url: Option<String>,
    #[arg(long, env = "LIFTOFF_HISTORY_URL")]
    pub history_url: Option<String>,
    #[command(flatten)]
    pub options: ServerOptions,
}

/// Operator settings of the control plane.
#[derive(Debug, Args, Clone, Default)]
pub struct ServerOptions {
    /// Address blocks outgoing URLs (revision URLs and webhooks) may reach despite the SSRF
    /// rules (loopback, private, link-local ...), e.g. an internal artifact store's
    /// 10.20.0.0/16 (comma-separated or repeated). `--bundle-url-allow` (and
    /// `LIFTOFF_BUNDLE_URL_ALLOW`) is the older name.
    #[arg(
        long = "url-allow",
        visible_alias = "bundle-url-allow",
        env = "LIFTOFF_URL_ALLOW",
        value_delimiter = ','
    )]
    pub url_allow: Vec<liftoff_kit::egress::Cidr>,
    /// How long history keeps events and hook logs (e.g. 90d); pinned revisions forever.
    #[arg(long, env = "LIFTOFF_HISTORY_RETENTION", value_parser = parse_duration)]
    pub history_retention: Option<std::time::Duration>,
    /// The wait before a failed webhook delivery's first retry (default 5s); it doubles, with
    /// jitter, up to an hour.
    #[arg(long, env = "LIFTOFF_WEBHOOK_RETRY_BASE", value_parser = parse_duration)]
    pub webhook_retry_base: Option<std::time::Duration>,
    /// How long a webhook delivery is retried before it is dead-lettered (default 1d).
    #[arg(long, env = "LIFTOFF_WEBHOOK_MAX_AGE", value_parser = parse_duration)]
    pub webhook_max_age: Option<std::time::Duration>,
}

impl ServerOptions {
    /// The allow-list: the flag or `LIFTOFF_URL_ALLOW`, else the older `LIFTOFF_BUNDLE_URL_ALLOW`.
    fn url_allow(&self) -> Vec<liftoff_kit::egress::Cidr> {
        if !self.url_allow.is_empty() {
            return self.url_allow.clone();
        }
        let Ok(old) = std::env::var("LIFTOFF_BUNDLE_URL_ALLOW") else {
            return Vec::new();
        };
        old.split(',')
            .filter(|s| !s.trim().is_empty())
            .filter_map(|s| match s.parse() {
                Ok(c) => Some(c),
                Err(e) => {
                    // Left out, so nothing more is allowed than the operator meant.
                    eprintln!("warning: LIFTOFF_BUNDLE_URL_ALLOW: {e}; entry ignored");
                    None
                }
            })
            .collect()
    }

    pub fn settings(&self) -> liftoff_platform::ServiceSettings {
        let mut s = liftoff_platform::ServiceSettings::default();
        let allow = self.url_allow();
        s.deployment_api.bundle_fetch.allow = allow.clone();
        s.history.webhooks.allow = allow.clone();
        s.scheduler.analysis_allow = allow;
        if let Some(r) = self.history_retention {
            s.history.retention = r;
        }
        if let Some(b) = self.webhook_retry_base {
            s.history.webhooks.retry_base = b;
        }
        if let Some(m) = self.webhook_max_age {
            s.history.webhooks.max_age = m;
        }
        s
    }
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
    /// What Install does with a file already on the host that the previous deployment did not
    /// install, overriding the appspec's `file_exists_behavior` (`disallow`, `overwrite`,
    /// `retain`; any case).
    #[arg(long, value_name = "disallow|overwrite|retain")]
    pub file_exists_behavior: Option<String>,
    /// Show progress and exit 0 only if the deployment succeeded.
    #[arg(long)]
    pub wait: bool,
    /// Retrying with the same key never starts a second deployment. With a key, the request
    /// is sent again (for up to 2 minutes) while the server answers `idempotency_key_in_use`
    /// (after its `Retry-After`), 5xx, or cannot be reached.
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Deploy despite a freeze (admin): the written reason, recorded in the audit log.
    #[arg(long, value_name = "REASON")]
    pub override_freeze: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum BenchCmd {
    /// One deployment across a simulated fleet (real agent code and hooks) against the floor:
    /// the same per-host work run locally in the same waves.
    Rollout(BenchRolloutArgs),
    /// Many small deployments at once: G applications with a group of H simulated hosts each,
    /// one deployment after another per group, watched by polling.
    Throughput(BenchThroughputArgs),
    /// What an idle fleet costs the control plane: enrollment time, CPU and memory while N
    /// simulated hosts only heartbeat and long-poll, and a user's API latency meanwhile.
    Fleet(BenchFleetArgs),
}

#[derive(Debug, Args, Clone)]
pub struct BenchThroughputArgs {
    /// Applications, each with its own deployment group and agent process.
    #[arg(long, default_value_t = 20)]
    pub apps: usize,
    /// Simulated hosts in each application's group.
    #[arg(long, default_value_t = 5)]
    pub hosts_per_app: usize,
    /// How long the groups keep deploying (deployments under way then finish).
    #[arg(long, default_value_t = 30)]
    pub seconds: u64,
    /// Time the hooks of one host take, in milliseconds (spread over four hooks).
    #[arg(long, default_value_t = 100)]
    pub hook_ms: u64,
    /// How often each deployment's watcher reads `GET /v1/deployments/{id}`.
    #[arg(long, default_value_t = 50)]
    pub poll_ms: u64,
    /// Teams owning the applications (round robin); default: one team per application.
    #[arg(long)]
    pub teams: Option<usize>,
    /// A PostgreSQL server (the bench makes a database of its own there and drops it after;
    /// the role needs CREATEDB), or a sqlite:// file; default: SQLite in a temp dir.
    #[arg(long)]
    pub database_url: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct BenchFleetArgs {
    #[arg(long, default_value_t = 1000)]
    pub hosts: usize,
    /// Simulated hosts per agent process (a large fleet runs in several).
    #[arg(long, default_value_t = 2500)]
    pub hosts_per_agent: usize,
    /// Seconds the enrolled fleet settles before the measurement.
    #[arg(long, default_value_t = 10)]
    pub settle_secs: u64,
    /// Seconds measured.
    #[arg(long, default_value_t = 30)]
    pub measure_secs: u64,
    /// A PostgreSQL server (the bench makes a database of its own there and drops it after;
    /// the role needs CREATEDB), or a sqlite:// file; default: SQLite in a temp dir.
    #[arg(long)]
    pub database_url: Option<String>,
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
    /// A PostgreSQL server (the bench makes a database of its own there and drops it after;
    /// the role needs CREATEDB), or a sqlite:// file; default: SQLite in a temp dir.
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

/// `--uses N|unlimited` of `liftoff enroll-token create`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uses {
    Count(u32),
    Unlimited,
}

impl Uses {
    /// The API's `uses` (absent means unlimited).
    pub fn limit(self) -> Option<u32> {
        match self {
            Uses::Count(n) => Some(n),
            Uses::Unlimited => None,
        }
    }
}

fn parse_uses(s: &str) -> Result<Uses, String> {
    if s == "unlimited" {
        return Ok(Uses::Unlimited);
    }
    match s.parse::<u32>() {
        Ok(n) if n > 0 => Ok(Uses::Count(n)),
        _ => Err(format!("{s:?}: a count of at least 1, or `unlimited`")),
    }
}

#[derive(Debug, Subcommand)]
pub enum EnrollTokenCmd {
    Create {
        /// Tags every host enrolling with it gets (repeatable).
        #[arg(long = "tag", value_parser = parse_tag)]
        tags: Vec<(String, String)>,
        /// Lifetime, e.g. 30m, 7d (default 1h).
        #[arg(long, value_parser = parse_duration)]
        ttl: Option<std::time::Duration>,
        /// How many hosts may enroll with it: a count, or `unlimited` (default 1: one token per
        /// host, so a token that leaks after use enrolls nothing).
        #[arg(long, default_value = "1", value_parser = parse_uses)]
        uses: Uses,
        #[arg(long)]
        description: Option<String>,
    },
    /// The team's tokens (never their secrets).
    List,
    /// No host enrolls with it any more; enrolled hosts keep their credentials.
    Revoke { id: uuid::Uuid },
}

#[derive(Debug, Subcommand)]
pub enum HostCmd {
    /// A host with its state, why, and its latest installs.
    Show { id: uuid::Uuid },
    /// Sets tags (`key=value`, repeatable) and removes others (`--remove key`); groups the
    /// host enters get their revision installed before it is back in service.
    Tag {
        id: uuid::Uuid,
        #[arg(value_parser = parse_tag)]
        set: Vec<(String, String)>,
        #[arg(long = "remove")]
        remove: Vec<String>,
    },
    /// Installs the host's groups' revisions again (after a failed install).
    Reinstall { id: uuid::Uuid },
    /// Removes the host from the fleet; its credential stops working at once.
    Deregister { id: uuid::Uuid },
    /// Autoscaling lifecycle actions and the answers recorded for them.
    LifecycleActions,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCmd {
    /// Which hosts run which revision now, and since when.
    Hosts {
        #[arg(long)]
        app: Option<String>,
        /// Only hosts running this revision.
        #[arg(long)]
        revision: Option<uuid::Uuid>,
        /// Only this host.
        #[arg(long)]
        host: Option<uuid::Uuid>,
        /// At most this many entries (default: all).
        #[arg(long)]
        limit: Option<u32>,
        #[arg(long)]
        cursor: Option<String>,
    },
    /// What revision each host of a group ran at a time, and the group's target revision then.
    Group {
        #[arg(long)]
        app: String,
        /// The deployment group.
        group: String,
        /// RFC 3339, e.g. 2026-11-19T14:00:00Z.
        #[arg(long, value_parser = crate::history_cmd::parse_time)]
        at: chrono::DateTime<chrono::Utc>,
        /// At most this many hosts (default: all).
        #[arg(long)]
        limit: Option<u32>,
        #[arg(long)]
        cursor: Option<String>,
    },
    /// A deployment's timeline, with the full hook output of each host and event.
    Deployment {
        id: uuid::Uuid,
        /// Only this host.
        #[arg(long)]
        host: Option<uuid::Uuid>,
        /// Only this lifecycle event's output, e.g. AfterInstall.
        #[arg(long)]
        event: Option<String>,
    },
    /// A host's timeline (deployments, events, state changes), newest first.
    Host {
        id: uuid::Uuid,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Continue after a previous page (its next_cursor).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Keep a revision's record forever (past retention).
    Pin {
        revision: uuid::Uuid,
        #[arg(long)]
        note: Option<String>,
    },
    /// Let a pinned revision's record age out again.
    Unpin { revision: uuid::Uuid },
    /// The team's pinned revisions.
    Pins,
}

/// `liftoff audit`: who did what, when, to which object (newest first).
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Token subject.
    #[arg(long)]
    pub actor: Option<String>,
    /// Event type, or a prefix ending in * (deployment.*).
    #[arg(long)]
    pub action: Option<String>,
    #[arg(long)]
    pub app: Option<String>,
    #[arg(long)]
    pub group: Option<String>,
    #[arg(long)]
    pub deployment: Option<uuid::Uuid>,
    #[arg(long)]
    pub revision: Option<uuid::Uuid>,
    #[arg(long)]
    pub host: Option<uuid::Uuid>,
    /// RFC 3339: at or after.
    #[arg(long, value_parser = crate::history_cmd::parse_time)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// RFC 3339: before.
    #[arg(long, value_parser = crate::history_cmd::parse_time)]
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    #[arg(long)]
    pub oldest_first: bool,
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// Continue after a previous page (its next_cursor).
    #[arg(long)]
    pub cursor: Option<String>,
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
        "ms" => return Ok(std::time::Duration::from_millis(n)),
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
