//! `liftoff app create|list|get|update|delete`.

use clap::Subcommand;
use liftoff_client::DeploymentApiClient;
use liftoff_types::deployments::{Application, CreateApplication, UpdateApplication};

use crate::cli::Global;
use crate::client::print;

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
    /// Change the description or the stage order.
    Update {
        name: String,
        #[arg(long, conflicts_with = "clear_description")]
        description: Option<String>,
        #[arg(long)]
        clear_description: bool,
        /// Stages in promotion order, e.g. `dev,staging,prod`.
        #[arg(long, value_delimiter = ',', conflicts_with = "no_stages")]
        stages: Option<Vec<String>>,
        /// Remove the stage order.
        #[arg(long)]
        no_stages: bool,
    },
    /// Delete the application, its groups, revisions and finished deployments (history keeps
    /// their record). Refused while a deployment of it runs.
    Delete {
        name: String,
        /// Confirm: deleting cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

fn describe(a: &Application) -> String {
    let mut out = format!(
        "{} (team {}, created {} by {})",
        a.name, a.team, a.created_at, a.created_by
    );
    if let Some(d) = &a.description {
        out.push_str(&format!("\n  {d}"));
    }
    if !a.stages.is_empty() {
        out.push_str(&format!("\n  stages: {}", a.stages.join(" → ")));
    }
    out
}

pub async fn run(g: &Global, api: &DeploymentApiClient, cmd: AppCmd) -> anyhow::Result<()> {
    match cmd {
        AppCmd::Create { name, description } => {
            let a = api
                .create_application(&CreateApplication { name, description })
                .await?;
            print(g, &a, |a| format!("created application {}", a.name))
        }
        AppCmd::List => {
            let l = api.list_applications().await?;
            print(g, &l, |l| {
                l.applications
                    .iter()
                    .map(|a| a.name.clone())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        AppCmd::Get { name } => {
            let a = api.get_application(&name).await?;
            print(g, &a, describe)
        }
        AppCmd::Update {
            name,
            description,
            clear_description,
            stages,
            no_stages,
        } => {
            let req = UpdateApplication {
                description: if clear_description {
                    Some(None)
                } else {
                    description.map(Some)
                },
                stages: if no_stages { Some(Vec::new()) } else { stages },
            };
            if req.description.is_none() && req.stages.is_none() {
                anyhow::bail!(
                    "nothing to change: pass --description, --clear-description, --stages or --no-stages"
                );
            }
            let a = api.update_application(&name, &req).await?;
            print(g, &a, describe)
        }
        AppCmd::Delete { name, yes } => {
            if !yes {
                anyhow::bail!(
                    "deleting application {name} removes its groups, revisions and deployment records; pass --yes to confirm"
                );
            }
            let d = api.delete_application(&name).await?;
            print(g, &d, |d| {
                format!(
                    "deleted application {} ({} revisions, {} groups, {} deployments; {} bundles freed)",
                    d.name, d.revisions, d.deployment_groups, d.deployments, d.bundles_freed
                )
            })
        }
    }
}
