//! host-registry: hosts, enrollment, heartbeats.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CreateEnrollmentToken {
    /// Tags every host enrolling with this token gets (merged under the host's own).
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// Lifetime in seconds (default 24 h, at most 365 days).
    #[serde(default)]
    pub ttl_secs: Option<u64>,
    /// How many hosts may enroll with it (default unlimited).
    #[serde(default)]
    pub uses: Option<u32>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EnrollmentToken {
    pub token_id: Uuid,
    /// The secret; shown once, at creation.
    pub token: Option<String>,
    pub team: String,
    pub tags: BTreeMap<String, String>,
    pub expires_at: DateTime<Utc>,
    pub uses_left: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    pub enrollment_token: String,
    pub hostname: String,
    pub zone: String,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub agent_version: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EnrollResponse {
    pub host_id: Uuid,
    /// The host's own credential (a bearer token for the agent API only).
    pub credential: String,
    pub heartbeat_interval_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    #[serde(default)]
    pub agent_version: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HeartbeatResponse {
    pub state: HostState,
    pub heartbeat_interval_secs: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Hash)]
pub enum HostState {
    Pending,
    Installing,
    InService,
    Failed,
    Lost,
    Deregistered,
}

impl HostState {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Installing => "Installing",
            Self::InService => "InService",
            Self::Failed => "Failed",
            Self::Lost => "Lost",
            Self::Deregistered => "Deregistered",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Pending" => Self::Pending,
            "Installing" => Self::Installing,
            "InService" => Self::InService,
            "Failed" => Self::Failed,
            "Lost" => Self::Lost,
            "Deregistered" => Self::Deregistered,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Host {
    pub host_id: Uuid,
    pub name: String,
    pub team: String,
    pub zone: String,
    pub tags: BTreeMap<String, String>,
    pub state: HostState,
    pub agent_version: Option<String>,
    pub last_heartbeat_at: Option<DateTime<Utc>>,
    pub enrolled_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HostList {
    pub hosts: Vec<Host>,
}
