//! `liftoff config create|list|get|delete`: deployment configurations.

use clap::{ArgGroup, Subcommand, ValueEnum};
use liftoff_client::DeploymentApiClient;
use liftoff_types::deployments::{
    CreateDeploymentConfig, DeploymentConfig, MinimumHealthy, ZoneMode,
};

use super::group::HealthArgs;
use crate::cli::Global;
use crate::client::print;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ZoneModeArg {
    /// Every batch takes an equal share of every zone.
    Striped,
    /// One zone after another.
    ZoneAtATime,
}

impl From<ZoneModeArg> for ZoneMode {
    fn from(z: ZoneModeArg) -> Self {
        match z {
            ZoneModeArg::Striped => Self::Striped,
            ZoneModeArg::ZoneAtATime => Self::ZoneAtATime,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// A custom configuration: the minimum of healthy hosts as a count or a percent.
    #[command(group(ArgGroup::new("minimum").required(true).args(["min_healthy_hosts", "min_healthy_percent"])))]
    Create {
        name: String,
        /// At least this many hosts stay healthy (HOST_COUNT).
        #[arg(long)]
        min_healthy_hosts: Option<u32>,
        /// At least this percent of the fleet stays healthy (FLEET_PERCENT, 0 to 99).
        #[arg(long)]
        min_healthy_percent: Option<u32>,
        #[arg(long, value_enum)]
        zone_mode: Option<ZoneModeArg>,
        /// With zone-at-a-time: seconds to wait after one zone finishes before the next.
        #[arg(long)]
        zone_bake_secs: Option<u32>,
        /// Hosts in a first canary batch; the deployment waits for `liftoff approve` after it.
        #[arg(long)]
        canary: Option<u32>,
        /// Used by deployments whose group has no analysis of its own.
        #[command(flatten)]
        health: HealthArgs,
    },
    /// The built-ins and the team's own.
    List,
    Get {
        name: String,
    },
    /// Delete a custom configuration no group or running deployment uses.
    Delete {
        name: String,
    },
}

fn minimum_text(m: &MinimumHealthy) -> String {
    match m {
        MinimumHealthy::HostCount(n) => format!("at least {n} hosts healthy"),
        MinimumHealthy::FleetPercent(p) => format!("at least {p}% of the fleet healthy"),
        MinimumHealthy::AllButOne => "all hosts but one healthy".to_string(),
    }
}

fn describe(c: &DeploymentConfig) -> String {
    format!(
        "{:20}  {:34}  {:15}  {}{}{}",
        c.name,
        minimum_text(&c.minimum_healthy),
        match c.zone_bake_secs {
            0 => c.zone_mode.as_str().to_string(),
            b => format!("{} (bake {b}s)", c.zone_mode.as_str()),
        },
        c.canary_batch_size
            .map(|n| format!("canary {n}"))
            .unwrap_or_else(|| "no canary".into()),
        c.health_analysis
            .as_ref()
            .map(|a| format!("  analysis: {}", a.query))
            .unwrap_or_default(),
        if c.builtin { "  (built-in)" } else { "" }
    )
}

pub async fn run(g: &Global, api: &DeploymentApiClient, cmd: ConfigCmd) -> anyhow::Result<()> {
    match cmd {
        ConfigCmd::Create {
            name,
            min_healthy_hosts,
            min_healthy_percent,
            zone_mode,
            zone_bake_secs,
            canary,
            health,
        } => {
            let minimum_healthy = match (min_healthy_hosts, min_healthy_percent) {
                (Some(n), None) => MinimumHealthy::HostCount(n),
                (None, Some(p)) => MinimumHealthy::FleetPercent(p),
                _ => anyhow::bail!("pass one of --min-healthy-hosts or --min-healthy-percent"),
            };
            let c = api
                .create_config(&CreateDeploymentConfig {
                    name,
                    minimum_healthy,
                    zone_mode: zone_mode.map(Into::into),
                    zone_bake_secs,
                    canary_batch_size: canary,
                    health_analysis: health.over(None)?,
                })
                .await?;
            print(g, &c, |c| format!("created {}", describe(c)))
        }
        ConfigCmd::List => {
            let l = api.list_configs().await?;
            print(g, &l, |l| {
                l.deployment_configs
                    .iter()
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        ConfigCmd::Get { name } => {
            let c = api.get_config(&name).await?;
            print(g, &c, describe)
        }
        ConfigCmd::Delete { name } => {
            api.delete_config(&name).await?;
            print(g, &serde_json::json!({"deleted": name}), |_| {
                format!("deleted deployment configuration {name}")
            })
        }
    }
}
