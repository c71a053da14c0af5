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
    /// Deploy a revision to a group.
    Deploy(DeployArgs),
    /// A deployment's status, per host and event.
    Status { id: uuid::Uuid },
    /// Stop a deployment.
    Stop { id: uuid::Uuid },
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
