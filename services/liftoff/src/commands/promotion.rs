//! `liftoff promotion list|show|approve|reject` and `liftoff promotion require|release`:
//! promotions into a stage that requires approval wait as requests until someone other than
//! the requester approves them (two-person rule).

use clap::Subcommand;
use liftoff_client::DeploymentApiClient;
use liftoff_types::deployments::{PromotionRequest, StageApproval};
use uuid::Uuid;

use crate::cli::Global;
use crate::client::print;

#[derive(Debug, Subcommand)]
pub enum PromotionCmd {
    /// Make every promotion into STAGE wait for a second person's approval (admin).
    Require {
        #[arg(long)]
        app: String,
        #[arg(long)]
        stage: String,
        /// How long a request may wait for its approval (1m to 30d; e.g. 4h).
        #[arg(long, default_value = "24h", value_parser = crate::cli::parse_duration)]
        expires_after: std::time::Duration,
    },
    /// Promotions into STAGE start at once again (admin).
    Release {
        #[arg(long)]
        app: String,
        #[arg(long)]
        stage: String,
    },
    /// The application's promotion requests, newest first.
    List {
        #[arg(long)]
        app: String,
        /// pending, approved, rejected or expired.
        #[arg(long)]
        status: Option<String>,
    },
    /// One request.
    Show { id: Uuid },
    /// Approve a request and start its deployments (not its requester).
    Approve { id: Uuid },
    /// Reject (or, as its requester, withdraw) a request.
    Reject {
        id: Uuid,
        #[arg(long)]
        reason: String,
    },
}

fn describe(r: &PromotionRequest) -> String {
    let mut out = format!(
        "{}  {}  {} → {}  revision {}  {}  requested by {}",
        r.request_id,
        r.application,
        r.from,
        r.to,
        r.revision_id,
        r.status.as_str(),
        r.requested_by
    );
    if let Some(by) = &r.decided_by {
        out.push_str(&format!(", decided by {by}"));
    }
    if let Some(why) = &r.reason {
        out.push_str(&format!(" ({why})"));
    }
    for d in &r.deployment_ids {
        out.push_str(&format!("\n  deployment {d}"));
    }
    out
}

pub async fn run(g: &Global, api: &DeploymentApiClient, cmd: PromotionCmd) -> anyhow::Result<()> {
    match cmd {
        PromotionCmd::Require {
            app,
            stage,
            expires_after,
        } => {
            let secs = u32::try_from(expires_after.as_secs()).unwrap_or(u32::MAX);
            let a = api
                .set_stage_approval(
                    &app,
                    &stage,
                    &StageApproval {
                        expires_after_secs: secs,
                    },
                )
                .await?;
            print(g, &a, |a| {
                format!(
                    "promotions into {stage} now wait for approval (requests expire after {} s)",
                    a.expires_after_secs
                )
            })
        }
        PromotionCmd::Release { app, stage } => {
            api.clear_stage_approval(&app, &stage).await?;
            print(
                g,
                &serde_json::json!({"stage": stage, "approval": null}),
                |_| format!("promotions into {stage} start at once"),
            )
        }
        PromotionCmd::List { app, status } => {
            let mut all = api
                .list_promotion_requests(&app, status.as_deref(), Some(200), None)
                .await?;
            while let Some(c) = all.next_cursor.take() {
                let mut next = api
                    .list_promotion_requests(&app, status.as_deref(), Some(200), Some(&c))
                    .await?;
                all.requests.append(&mut next.requests);
                all.next_cursor = next.next_cursor;
            }
            print(g, &all, |l| {
                l.requests
                    .iter()
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        PromotionCmd::Show { id } => {
            let r = api.get_promotion_request(id).await?;
            print(g, &r, describe)
        }
        PromotionCmd::Approve { id } => {
            let r = api.approve_promotion_request(id).await?;
            print(g, &r, |r| format!("approved: {}", describe(r)))
        }
        PromotionCmd::Reject { id, reason } => {
            let r = api.reject_promotion_request(id, &reason).await?;
            print(g, &r, |r| format!("rejected: {}", describe(r)))
        }
    }
}
