//! `liftoff promote --app A --from S --to T [--wait]`: deploy to stage T what last succeeded
//! in stage S. With --wait, the exit code is like `deploy --wait`: 0 only if every target
//! deployment succeeded.

use std::process::ExitCode;

use clap::Args;
use liftoff_client::DeploymentApiClient;
use liftoff_types::deployments::{DeploymentStatus, Promote, PromoteOutcome, Promotion};

use crate::cli::Global;
use crate::client::print;

#[derive(Debug, Args)]
pub struct PromoteArgs {
    #[arg(long)]
    pub app: String,
    /// The stage whose last successful revision is promoted.
    #[arg(long)]
    pub from: String,
    /// The stage it is deployed to (every group in it).
    #[arg(long)]
    pub to: String,
    /// Deployment configuration (default: each target group's).
    #[arg(long)]
    pub config: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// Show progress and exit 0 only if every deployment succeeded.
    #[arg(long)]
    pub wait: bool,
    /// Retrying with the same key never starts a second deployment.
    #[arg(long)]
    pub idempotency_key: Option<String>,
}

fn describe(p: &Promotion) -> String {
    let mut out = format!(
        "promoted revision {} of {} from {} to {} (source deployment {})",
        p.revision_id, p.application, p.from, p.to, p.source_deployment_id
    );
    for d in &p.deployments {
        out.push_str(&format!(
            "\n  {}  {:10}  {}",
            d.deployment_id,
            d.status.as_str(),
            d.deployment_group
        ));
    }
    out
}

pub async fn run(
    g: &Global,
    api: &DeploymentApiClient,
    args: PromoteArgs,
) -> anyhow::Result<ExitCode> {
    let outcome = api
        .promote(
            &args.app,
            &Promote {
                from: args.from,
                to: args.to,
                config: args.config,
                description: args.description,
            },
            args.idempotency_key.as_deref(),
        )
        .await?;
    let mut p = match outcome {
        PromoteOutcome::Promoted(p) => *p,
        PromoteOutcome::AwaitingApproval(r) => {
            // Nothing to wait for yet: the request waits for a second person.
            print(g, &*r, |r| {
                format!(
                    "stage {} requires approval: promotion request {} of revision {} waits until {} \
                     for someone other than {} to run `liftoff promotion approve {}`",
                    r.to, r.request_id, r.revision_id, r.expires_at, r.requested_by, r.request_id
                )
            })?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    if !args.wait {
        print(g, &p, describe)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut finished = Vec::new();
    for d in &p.deployments {
        finished.push(crate::progress::watch(api, d.deployment_id, !g.json).await?);
    }
    p.deployments = finished;
    print(g, &p, |p| {
        p.deployments
            .iter()
            .map(crate::progress::describe)
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    Ok(
        if p.deployments
            .iter()
            .all(|d| d.status == DeploymentStatus::Succeeded)
        {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        },
    )
}
