//! host-registry's autoscaling intake: lifecycle-hook events and the answers recorded for them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The answer an autoscaler gets for a lifecycle action (EC2 Auto Scaling's names).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LifecycleResult {
    Continue,
    Abandon,
}

impl LifecycleResult {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Continue => "CONTINUE",
            Self::Abandon => "ABANDON",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "CONTINUE" => Some(Self::Continue),
            "ABANDON" => Some(Self::Abandon),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ScaleDirection {
    /// An instance is launching (EC2_INSTANCE_LAUNCHING).
    ScaleOut,
    /// An instance is terminating (EC2_INSTANCE_TERMINATING).
    ScaleIn,
}

impl ScaleDirection {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::ScaleOut => "scale_out",
            Self::ScaleIn => "scale_in",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "scale_out" => Some(Self::ScaleOut),
            "scale_in" => Some(Self::ScaleIn),
            _ => None,
        }
    }
}

/// The generic event shape (EventBridge "EC2 Instance-launch/terminate Lifecycle Action"
/// events are accepted as they are, too).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoscalingEvent {
    /// Unique per event; a second delivery of the same id changes nothing.
    pub id: String,
    #[serde(rename = "type")]
    pub direction: ScaleDirection,
    /// The instance; a host carries it in its `instance-id` tag.
    pub instance_id: String,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub lifecycle_hook_name: Option<String>,
    #[serde(default)]
    pub lifecycle_action_token: Option<String>,
    /// How long the autoscaler waits for the answer (default 3600 s, as EC2 Auto Scaling).
    #[serde(default)]
    pub heartbeat_timeout_secs: Option<u64>,
    /// The answer when it times out (default ABANDON, as EC2 Auto Scaling).
    #[serde(default)]
    pub default_result: Option<LifecycleResult>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum LifecycleActionStatus {
    /// Scale-out: waiting for the host to be installed. Scale-in: waiting for ApplicationStop.
    InProgress,
    /// Answered: see `result`.
    Completed,
    /// Nobody answered within the heartbeat timeout: `result` is the default.
    TimedOut,
}

impl LifecycleActionStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::InProgress => "InProgress",
            Self::Completed => "Completed",
            Self::TimedOut => "TimedOut",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "InProgress" => Self::InProgress,
            "Completed" => Self::Completed,
            "TimedOut" => Self::TimedOut,
            _ => return None,
        })
    }
}

/// A lifecycle action and the answer recorded for it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LifecycleAction {
    pub action_id: Uuid,
    pub event_id: String,
    pub direction: ScaleDirection,
    pub instance_id: String,
    pub group: Option<String>,
    pub lifecycle_hook_name: Option<String>,
    pub lifecycle_action_token: Option<String>,
    /// The host the instance enrolled as, once known.
    pub host_id: Option<Uuid>,
    pub status: LifecycleActionStatus,
    pub result: Option<LifecycleResult>,
    pub default_result: LifecycleResult,
    pub message: Option<String>,
    pub deadline: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LifecycleActionList {
    pub lifecycle_actions: Vec<LifecycleAction>,
}

/// The answer to an accepted event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AutoscalingEventAccepted {
    pub event_id: String,
    /// True when this event id was seen before: nothing was done again.
    pub duplicate: bool,
    pub action: LifecycleAction,
}
