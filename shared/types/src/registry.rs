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
    /// Lifetime in seconds (default 1 h, at most 365 days).
    #[serde(default)]
    pub ttl_secs: Option<u64>,
    /// How many hosts may enroll with it (absent: unlimited; `liftoff enroll-token create`
    /// asks for 1 unless told `--uses unlimited`).
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
    /// Hosts enrolled with it so far.
    #[serde(default)]
    pub uses: i64,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub created_by: Option<String>,
    /// Set once revoked: no host enrolls with it any more (enrolled hosts keep their identity).
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EnrollmentTokenList {
    pub enrollment_tokens: Vec<EnrollmentToken>,
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
    /// The longest long poll that still counts as this host's heartbeat: a host whose polls
    /// the scheduler passes on to the registry (the poll answer's `Liftoff-Heard` header) is
    /// heard within the grace when it polls at least this often, and need not heartbeat
    /// meanwhile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_wait_secs: Option<u64>,
    /// Work the registry asks of the agent (scale-in: stop the application).
    #[serde(default)]
    pub commands: Vec<HostCommand>,
}

/// What the registry asks an agent to do, delivered with heartbeat answers.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum HostCommandKind {
    /// Run the ApplicationStop hooks of every revision installed on the host (scale-in).
    ApplicationStop,
}

impl HostCommandKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::ApplicationStop => "ApplicationStop",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ApplicationStop" => Some(Self::ApplicationStop),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct HostCommand {
    pub command_id: Uuid,
    pub kind: HostCommandKind,
    pub issued_at: DateTime<Utc>,
}

/// The agent's answer to a [`HostCommand`].
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostCommandResult {
    /// True when every hook ran and exited 0 (or there was nothing to stop).
    pub succeeded: bool,
    #[serde(default)]
    pub message: Option<String>,
    /// The tail of the hooks' output (at most 64 KiB).
    #[serde(default)]
    pub output_tail: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum HostState {
    Pending,
    Installing,
    InService,
    Failed,
    Lost,
    Deregistered,
}

impl HostState {
    /// The states of an enrolled host (all but `Deregistered`), in the order the fleet gauges
    /// list them.
    pub const LIVE: [HostState; 5] = [
        HostState::Pending,
        HostState::Installing,
        HostState::InService,
        HostState::Failed,
        HostState::Lost,
    ];

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
    /// `InService` means ready for traffic; `Pending` and `Installing` are held out of service.
    pub state: HostState,
    pub agent_version: Option<String>,
    pub last_heartbeat_at: Option<DateTime<Utc>>,
    pub enrolled_at: DateTime<Utc>,
    /// Why the host is in its state (e.g. the install failure), when there is more to say.
    #[serde(default)]
    pub state_reason: Option<String>,
    /// When the state last changed.
    #[serde(default)]
    pub state_changed_at: Option<DateTime<Utc>>,
    /// The scale-out installs of the host's latest group-membership change.
    #[serde(default)]
    pub installs: Vec<HostInstall>,
    /// The current revision of each application on this host, by application name: the one
    /// the last deployment that succeeded on the host installed (ordinary, rollback, promotion
    /// or scale-out). A deployment that failed on the host leaves the entry as it was.
    #[serde(default)]
    pub revisions: Vec<HostRevision>,
}

/// The revision a host runs for one application.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct HostRevision {
    pub application: String,
    pub revision_id: Uuid,
    /// The deployment that installed it, and the group it deployed.
    pub deployment_id: Uuid,
    pub deployment_group: String,
    /// When that deployment finished successfully on this host.
    pub installed_at: DateTime<Utc>,
}

/// The scheduler's word that a deployment succeeded on a host (service credential). The
/// registry keeps, per host and application, the report with the latest `succeeded_at`, so
/// reports delivered twice or out of order change nothing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HostRevisionReport {
    pub host_id: Uuid,
    pub team: String,
    pub application: String,
    pub deployment_group: String,
    pub deployment_group_id: Uuid,
    pub deployment_id: Uuid,
    pub revision_id: Uuid,
    pub succeeded_at: DateTime<Utc>,
}

/// `POST /v1/hosts/revisions`: a batch of reports, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostRevisionReports {
    pub reports: Vec<HostRevisionReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct HostRevisionsRecorded {
    /// Reports that changed a host's current revision.
    pub applied: usize,
    /// Reports older than what the host has (or repeated), or for a host this registry does
    /// not hold for that team.
    pub ignored: usize,
}

/// A host declared lost (it missed its heartbeat grace), or back from lost.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct HostLiveness {
    pub lost: bool,
}

/// What decides whether a deployment group selects a host, and where it goes in the plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct HostMembership {
    pub zone: String,
    pub tags: BTreeMap<String, String>,
    pub state: HostState,
}

/// The scheduler's word that a host's part of a deployment ended (`host_id` and
/// `host_status` set), or that a rollout ended (`rollout_status` set, no host), so the
/// registry settles a scale-out install without asking. Written in the transaction of the
/// change; the registry applies each `event_id` once, and keeps an outcome that arrives before
/// the install it concludes until that install is recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct InstallOutcome {
    pub event_id: Uuid,
    pub team: String,
    pub deployment_id: Uuid,
    /// The host whose part ended; absent when the rollout ended.
    #[serde(default)]
    pub host_id: Option<Uuid>,
    /// The host's final status in the rollout: `Succeeded`, `Failed` or `Skipped`.
    #[serde(default)]
    pub host_status: Option<crate::scheduler::HostTargetStatus>,
    /// The rollout's final status: `Succeeded`, `Failed` or `Stopped`.
    #[serde(default)]
    pub rollout_status: Option<crate::scheduler::RolloutStatus>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

/// `POST /v1/hosts/install-outcomes`: a batch of outcomes, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallOutcomes {
    pub outcomes: Vec<InstallOutcome>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct InstallOutcomesRecorded {
    /// Outcomes seen for the first time: applied to the installs they conclude, or kept until
    /// those installs are recorded.
    pub accepted: usize,
    /// Outcomes already received (the same `event_id`), or about a host this registry does
    /// not hold for that team or has no install waiting on: nothing changed.
    pub ignored: usize,
}

/// How a host that entered a deployment group gets the group's revision.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
#[serde(rename_all = "snake_case")]
pub enum InstallMode {
    /// A single-host `scale_out` deployment of the group's last successful revision.
    Install,
    /// A deployment was running in the group: the host takes part in it.
    Join,
}

impl InstallMode {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Install => "install",
            Self::Join => "join",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "install" => Self::Install,
            "join" => Self::Join,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum InstallStatus {
    InProgress,
    Succeeded,
    Failed,
}

impl InstallStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::InProgress => "InProgress",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "InProgress" => Self::InProgress,
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// Where host-registry's command for an agent is (`host_commands.status`; scale-in's
/// ApplicationStop): waiting for the host's next heartbeat answer, handed over with it, then
/// answered by the agent or abandoned by the registry.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum HostCommandStatus {
    /// Not handed to the agent yet.
    Pending,
    /// Handed over with a heartbeat answer; no answer yet.
    Delivered,
    Succeeded,
    Failed,
    /// The agent was lost or did not answer in time; the registry went ahead without it.
    Abandoned,
}

impl HostCommandStatus {
    /// Not answered yet.
    pub const OPEN: [Self; 2] = [Self::Pending, Self::Delivered];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Delivered => "Delivered",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Abandoned => "Abandoned",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Pending" => Self::Pending,
            "Delivered" => Self::Delivered,
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            "Abandoned" => Self::Abandoned,
            _ => return None,
        })
    }
}

/// How a host's part of a rollout, or a rollout, ended, as host-registry keeps an
/// [`InstallOutcome`] (`install_outcomes.status`): the host's final
/// [`crate::scheduler::HostTargetStatus`] or the rollout's final
/// [`crate::scheduler::RolloutStatus`], by the same names.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum OutcomeStatus {
    Succeeded,
    Failed,
    /// A host's only: it was not part of the rollout (any more).
    Skipped,
    /// A rollout's only: an operator stopped it.
    Stopped,
}

impl OutcomeStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Skipped => "Skipped",
            Self::Stopped => "Stopped",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            "Skipped" => Self::Skipped,
            "Stopped" => Self::Stopped,
            _ => return None,
        })
    }
    /// A host's final status; `None` while it is not final.
    pub fn of_host(s: crate::scheduler::HostTargetStatus) -> Option<Self> {
        use crate::scheduler::HostTargetStatus as H;
        match s {
            H::Succeeded => Some(Self::Succeeded),
            H::Failed => Some(Self::Failed),
            H::Skipped => Some(Self::Skipped),
            H::Pending | H::Dispatched | H::InProgress => None,
        }
    }
    /// A rollout's final status; `None` while it is not final.
    pub fn of_rollout(s: crate::scheduler::RolloutStatus) -> Option<Self> {
        use crate::scheduler::RolloutStatus as R;
        match s {
            R::Succeeded => Some(Self::Succeeded),
            R::Failed => Some(Self::Failed),
            R::Stopped => Some(Self::Stopped),
            R::Pending | R::InProgress | R::Paused | R::AwaitingApproval => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HostInstall {
    pub application: String,
    pub deployment_group: String,
    pub deployment_id: Uuid,
    pub revision_id: Uuid,
    pub mode: InstallMode,
    pub status: InstallStatus,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `PATCH /v1/hosts/{id}`: operator-editable fields.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateHost {
    /// The host's complete new tag set. Groups the host enters get their revision installed.
    #[serde(default)]
    pub tags: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HostList {
    pub hosts: Vec<Host>,
    /// With a `limit` and more hosts after this page: pass as `cursor` for the next one.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// The hosts whose long polls a scheduler replica received since its last feed (service
/// credential): each counts as a heartbeat of its host, heard `age_ms` before the feed arrived.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct HeardFeed {
    /// The sending replica: the registry notices when a replica's feed stops.
    pub replica: String,
    /// At most [`HeardFeed::MAX_HOSTS`].
    #[serde(default)]
    pub hosts: Vec<HeardHost>,
}

impl HeardFeed {
    pub const MAX_HOSTS: usize = 2_000;
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeardHost {
    pub host_id: Uuid,
    /// How long before sending the feed the host's poll arrived.
    pub age_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
pub struct HeardFeedResponse {
    /// The interval the registry gives agents now.
    pub heartbeat_interval_secs: u64,
    /// The longest long poll that counts as a heartbeat (see `HeartbeatResponse`); 0 when
    /// polls do not count (a grace too short).
    pub poll_wait_secs: u64,
    /// Hosts the registry has something for (a scale-in request): they should heartbeat now.
    #[serde(default)]
    pub heartbeat_now: Vec<Uuid>,
}
