//! `liftoff deployments`: list deployments with filters, newest first.

use chrono::{DateTime, Utc};
use clap::Args;
use liftoff_client::{DeploymentApiClient, DeploymentQuery};

use crate::cli::{Global, parse_duration};
use crate::client::print;

#[derive(Debug, Args)]
pub struct DeploymentsArgs {
    #[arg(long)]
    pub app: Option<String>,
    #[arg(long)]
    pub group: Option<String>,
    /// Created, Queued, InProgress, Succeeded, Failed or Stopped.
    #[arg(long)]
    pub status: Option<String>,
    /// user, rollback, scale_out or promotion.
    #[arg(long)]
    pub reason: Option<String>,
    /// Created at or after: an RFC 3339 time, or an age like 2h or 7d.
    #[arg(long, value_parser = parse_time)]
    pub since: Option<DateTime<Utc>>,
    /// Created before: an RFC 3339 time, or an age like 30m.
    #[arg(long, value_parser = parse_time)]
    pub until: Option<DateTime<Utc>>,
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// `next_cursor` of the previous page.
    #[arg(long)]
    pub cursor: Option<String>,
}

/// An RFC 3339 time, or an age (`90s`, `15m`, `12h`, `30d`) before now.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let age = parse_duration(s)
        .map_err(|_| format!("{s:?} is neither an RFC 3339 time nor an age like 2h"))?;
    let age = chrono::Duration::from_std(age).map_err(|e| e.to_string())?;
    Ok(Utc::now() - age)
}

pub async fn run(
    g: &Global,
    api: &DeploymentApiClient,
    args: DeploymentsArgs,
) -> anyhow::Result<()> {
    let l = api
        .query_deployments(&DeploymentQuery {
            application: args.app,
            deployment_group: args.group,
            status: args.status,
            reason: args.reason,
            created_after: args.since,
            created_before: args.until,
            limit: Some(args.limit),
            cursor: args.cursor,
        })
        .await?;
    print(g, &l, |l| {
        let mut lines: Vec<String> = l
            .deployments
            .iter()
            .map(|d| {
                format!(
                    "{}  {:10}  {}/{}  {:9}  by {}  {}",
                    d.deployment_id,
                    d.status.as_str(),
                    d.application,
                    d.deployment_group,
                    d.reason.as_str(),
                    d.created_by,
                    d.created_at
                )
            })
            .collect();
        if let Some(c) = &l.next_cursor {
            lines.push(format!("more: --cursor {c}"));
        }
        lines.join("\n")
    })
}
