//! The operator's commands on a deployment (rollback, pause, resume, approve, retry,
//! exclude) and deployment configurations.

use std::process::ExitCode;

use liftoff_client::DeploymentApiClient;
use liftoff_types::deployments::*;

use crate::cli::{Command, Global};
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
        _ => anyhow::bail!("not an operator command"),
    }
    Ok(ExitCode::SUCCESS)
}
