//! The operator's commands on a deployment (rollback, pause, resume, approve, retry,
//! exclude) and deployment configurations.

use std::process::ExitCode;

use liftoff_client::DeploymentApiClient;
use liftoff_types::deployments::*;

use crate::cli::{Command, ConfigCmd, Global};
use crate::client::{print, status_line};

pub async fn run(
    g: &Global,
    api: &DeploymentApiClient,
    command: Command,
) -> anyhow::Result<ExitCode> {
    let api = api.clone();
    match command {
        Command::Rollback { id, wait } => {
            let d = api.rollback_deployment(id).await?;
            if !wait {
                print(g, &d, |d| {
                    format!(
                        "rolling back {id}: deployment {} of revision {} ({})",
                        d.deployment_id,
                        d.revision_id,
                        d.status.as_str()
                    )
                })?;
                return Ok(ExitCode::SUCCESS);
            }
            let fin = crate::progress::watch(&api, d.deployment_id, !g.json).await?;
            print(g, &fin, crate::progress::describe)?;
            return Ok(if fin.status == DeploymentStatus::Succeeded {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        Command::Pause { id } => {
            print(g, &api.control_deployment(id, "pause").await?, status_line)?;
        }
        Command::Resume { id } => {
            print(g, &api.control_deployment(id, "resume").await?, status_line)?;
        }
        Command::Approve { id } => {
            print(
                g,
                &api.control_deployment(id, "approve").await?,
                status_line,
            )?;
        }
        Command::Retry { id, hosts } => {
            print(g, &api.retry_failed_hosts(id, &hosts).await?, status_line)?;
        }
        Command::Exclude { id, host } => {
            print(g, &api.exclude_host(id, host).await?, status_line)?;
        }
        Command::Config(ConfigCmd::Create {
            name,
            minimum_healthy,
            zone_mode,
            bake_secs,
            canary,
        }) => {
            let share = |s: &str| crate::cli::parse_share(s).map_err(anyhow::Error::msg);
            let (pct, n) = share(&minimum_healthy)?;
            let req = CreateDeploymentConfig {
                name,
                minimum_healthy: if pct {
                    MinimumHealthy::FleetPercent(n)
                } else {
                    MinimumHealthy::HostCount(n)
                },
                zone_mode: zone_mode
                    .map(|z| {
                        ZoneMode::parse(&z).ok_or_else(|| {
                            anyhow::anyhow!("--zone-mode: striped or zone-at-a-time, not {z:?}")
                        })
                    })
                    .transpose()?,
                zone_bake_secs: bake_secs,
                canary: canary
                    .map(|c| {
                        share(&c).map(|(pct, n)| {
                            if pct {
                                CanaryBatch::FleetPercent(n)
                            } else {
                                CanaryBatch::HostCount(n)
                            }
                        })
                    })
                    .transpose()?,
            };
            let c = api.create_config(&req).await?;
            print(g, &c, |c| {
                format!("created deployment configuration {}", c.name)
            })?;
        }
        Command::Config(ConfigCmd::List) => {
            let l = api.list_configs().await?;
            print(g, &l, |l| {
                l.deployment_configs
                    .iter()
                    .map(|c| {
                        format!(
                            "{:20} {:?} {}{}",
                            c.name,
                            c.minimum_healthy,
                            c.zone_mode.as_str(),
                            c.canary
                                .map(|k| format!(" canary {k:?}"))
                                .unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
        }
        _ => anyhow::bail!("not an operator command"),
    }
    Ok(ExitCode::SUCCESS)
}
