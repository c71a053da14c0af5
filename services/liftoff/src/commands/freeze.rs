//! `liftoff freeze create|list|lift|override`: times when deployments are refused (error
//! `frozen`) and running ones pause between batches, unless an admin deploys with
//! `--override-freeze REASON` or lets a running one go on (`freeze override`).

use clap::Subcommand;
use liftoff_client::DeploymentApiClient;
use liftoff_types::deployments::{CreateFreeze, Freeze, FreezeOverride};
use uuid::Uuid;

use crate::cli::Global;
use crate::client::print;

#[derive(Debug, Subcommand)]
pub enum FreezeCmd {
    /// Freeze the team's deployments (or one application's) until a time.
    Create {
        /// Only this application; default: every deployment of the team.
        #[arg(long)]
        app: Option<String>,
        /// Why; shown to whoever is refused.
        #[arg(long)]
        reason: String,
        /// When it ends: an RFC 3339 time (2026-12-24T18:00:00Z) or a duration from now (2h, 3d).
        #[arg(long, value_parser = parse_until)]
        until: chrono::DateTime<chrono::Utc>,
    },
    /// The freezes in force now.
    List,
    /// End a freeze now (admin).
    Lift { id: Uuid },
    /// Let a running deployment go on despite the freezes in force now (admin).
    Override {
        /// The deployment a freeze paused.
        deployment: Uuid,
        /// Why; recorded in the audit log.
        #[arg(long)]
        reason: String,
    },
}

/// An RFC 3339 time, or a duration (`2h`, `30m`, `3d`) from now.
fn parse_until(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    let d = crate::cli::parse_duration(s)
        .map_err(|_| format!("{s:?} is neither an RFC 3339 time nor a duration like 2h or 3d"))?;
    let d = chrono::Duration::from_std(d).map_err(|e| e.to_string())?;
    Ok(chrono::Utc::now() + d)
}

fn describe(f: &Freeze) -> String {
    format!(
        "{}  {}  until {}  {}  (by {})",
        f.id,
        f.application.as_deref().unwrap_or("every application"),
        f.until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        f.reason,
        f.created_by
    )
}

pub async fn run(g: &Global, api: &DeploymentApiClient, cmd: FreezeCmd) -> anyhow::Result<()> {
    match cmd {
        FreezeCmd::Create { app, reason, until } => {
            let f = api
                .create_freeze(&CreateFreeze {
                    application: app,
                    reason,
                    until,
                })
                .await?;
            print(g, &f, |f| format!("frozen: {}", describe(f)))
        }
        FreezeCmd::List => {
            let l = api.freezes().await?;
            print(g, &l, |l| {
                l.freezes
                    .iter()
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        FreezeCmd::Lift { id } => {
            let f = api.lift_freeze(id).await?;
            print(g, &f, |f| format!("lifted: {}", describe(f)))
        }
        FreezeCmd::Override { deployment, reason } => {
            let d = api
                .override_freeze(deployment, &FreezeOverride { reason })
                .await?;
            print(g, &d, |d| {
                format!("{} goes on despite the freezes in force", d.deployment_id)
            })
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn until_takes_a_time_or_a_duration_from_now() {
        let t = parse_until("2026-12-24T18:00:00+01:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-12-24T17:00:00+00:00");
        let in_2h = parse_until("2h").unwrap() - chrono::Utc::now();
        assert!((7190..=7200).contains(&in_2h.num_seconds()), "{in_2h}");
        assert!(parse_until("next friday").is_err());
    }
}
