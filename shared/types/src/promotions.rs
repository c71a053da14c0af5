//! Promotions that wait for approval: a stage's two-person rule and the requests it makes
//! (re-exported from [`crate::deployments`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::deployments::Deployment;

/// A stage's two-person rule: a promotion into it is a request until someone other than the
/// requester (deployer or admin) approves it, within `expires_after_secs`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StageApproval {
    /// How long a request may wait for its approval (60 s to 30 days).
    #[schema(minimum = 60, maximum = 2592000)]
    pub expires_after_secs: u32,
}

/// Where a promotion request stands.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PromotionRequestStatus {
    /// Waiting for a second person.
    Pending,
    /// Approved: its deployments started.
    Approved,
    Rejected,
    /// Nobody approved it in time.
    Expired,
}

impl PromotionRequestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Expired => "expired",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "expired" => Self::Expired,
            _ => return None,
        })
    }
}

/// A promotion into a stage that requires approval: the revision to promote is fixed when it
/// is requested; approving starts one deployment per group of `to`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PromotionRequest {
    pub request_id: Uuid,
    pub application: String,
    pub from: String,
    pub to: String,
    pub revision_id: Uuid,
    pub source_deployment_id: Uuid,
    pub config: Option<String>,
    pub description: Option<String>,
    pub status: PromotionRequestStatus,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The rejection's reason.
    pub reason: Option<String>,
    /// The deployments the approval started.
    pub deployment_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PromotionRequestList {
    pub requests: Vec<PromotionRequest>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// Why a promotion request is rejected.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectPromotion {
    pub reason: String,
}

/// What `POST /v1/applications/{app}/promote` answered: the deployments it started (201), or,
/// into a stage that requires approval, the request waiting for one (202).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PromoteOutcome {
    AwaitingApproval(Box<PromotionRequest>),
    Promoted(Box<Promotion>),
}

impl PromoteOutcome {
    /// The promotion, when it started at once.
    pub fn into_promotion(self) -> Option<Promotion> {
        match self {
            Self::Promoted(p) => Some(*p),
            Self::AwaitingApproval(_) => None,
        }
    }
}

/// An application's stage: its groups and the revision that last succeeded there.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Stage {
    pub name: String,
    pub deployment_groups: Vec<String>,
    pub last_successful_revision_id: Option<Uuid>,
    pub last_successful_deployment_id: Option<Uuid>,
    pub last_succeeded_at: Option<DateTime<Utc>>,
    /// A promotion into this stage waits for a second person's approval (absent: it starts
    /// at once).
    #[serde(default)]
    pub approval: Option<StageApproval>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StageList {
    /// In the application's declared order; undeclared stages follow by name.
    pub stages: Vec<Stage>,
}

/// Deploy to stage `to` the revision that last succeeded in stage `from`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Promote {
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    pub from: String,
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    pub to: String,
    /// Deployment configuration (default: each target group's).
    #[serde(default)]
    #[schema(pattern = "^([a-z0-9][a-z0-9-]{0,62}|AllAtOnce|HalfAtATime|OneAtATime)$")]
    pub config: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Promotion {
    pub application: String,
    pub from: String,
    pub to: String,
    pub revision_id: Uuid,
    /// The deployment in `from` that made the revision the stage's last success.
    pub source_deployment_id: Uuid,
    /// One deployment per group of stage `to`, each with reason `promotion`.
    pub deployments: Vec<Deployment>,
}
