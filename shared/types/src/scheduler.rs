//! scheduler: rollouts (the per-host plan and its progress) and the agents' command channel.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::deployments::{BundleRef, CanaryBatch, FileExistsBehavior, MinimumHealthy, ZoneMode};

/// The hand-off from deployment-api: roll this revision out to the group's hosts.
/// `PUT /v1/rollouts/{deployment_id}` is idempotent: the same body again changes nothing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct CreateRollout {
    pub team: String,
    pub application: String,
    pub deployment_group: String,
    pub deployment_group_id: Uuid,
    pub revision_id: Uuid,
    pub bundle: BundleRef,
    pub selector: BTreeMap<String, Vec<String>>,
    pub minimum_healthy: MinimumHealthy,
    pub created_by: String,
    /// Exactly these hosts instead of the ones `selector` selects (a scale-out install).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<Uuid>>,
    /// `striped` (default): every batch takes its share of every zone; `zone-at-a-time`.
    #[serde(default)]
    pub zone_mode: ZoneMode,
    /// With `zone-at-a-time`: seconds to wait after a zone finishes before the next starts.
    #[serde(default)]
    pub zone_bake_secs: u32,
    /// A first batch that must be approved before the rest of the fleet is touched.
    #[serde(default)]
    pub canary: Option<CanaryBatch>,
    /// The deployment this one rolls back: its failed hosts go first.
    #[serde(default)]
    pub rollback_of: Option<Uuid>,
    /// The deployment's `file_exists_behavior`, overriding the appspec's; passed to every host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_exists_behavior: Option<FileExistsBehavior>,
    /// The group's traffic is managed by the bundle's traffic hooks: every host runs them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub traffic_hooks: bool,
    /// The group's health analysis, evaluated by the scheduler during the rollout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_analysis: Option<crate::analysis::HealthAnalysis>,
    /// The gates the scheduler judges between batches (absent: none, as for rollbacks and
    /// scale-out installs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gates: Option<RolloutGates>,
}

/// The gates of a running rollout: no new host starts outside the group's deployment windows
/// or while a freeze of its team or application is in force. The windows are copied at
/// hand-off; later edits, and every freeze, are pushed to the scheduler by deployment-api
/// (`POST /v1/gate-changes`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct RolloutGates {
    /// The group's effective windows at hand-off (`DAYS HH:MM-HH:MM ZONE`; empty: any time).
    #[serde(default)]
    pub windows: Vec<String>,
    /// Freezes an admin overrode to create the deployment: they do not pause it.
    #[serde(default)]
    pub overridden_freezes: Vec<Uuid>,
}

/// Why a running rollout starts no new host: outside its group's deployment windows.
pub const WAITING_OUTSIDE_WINDOW: &str = "outside_window";
/// Why a running rollout starts no new host: a freeze is in force.
pub const WAITING_FROZEN: &str = "frozen";

/// Freezes a running deployment goes on despite (an admin's override after hand-off).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct FreezesOverridden {
    pub deployment_id: Uuid,
    pub freeze_ids: Vec<Uuid>,
}

/// A freeze as deployment-api has it, after a change (created, lifted).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct FreezeState {
    pub freeze_id: Uuid,
    pub team: String,
    /// Absent: every application of the team.
    #[serde(default)]
    pub application: Option<String>,
    pub until: DateTime<Utc>,
    #[serde(default)]
    pub lifted_at: Option<DateTime<Utc>>,
}

/// A group's effective deployment windows after a change of its own or of its application's.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct GroupWindows {
    pub deployment_group_id: Uuid,
    /// Empty: no windows, deployments start at any time.
    pub windows: Vec<String>,
}

/// A deployment group's host selector as deployment-api has it after a change (created,
/// updated), or its removal (its application deleted): the scheduler counts each group's hosts
/// by state from it (`liftoff_hosts_by_group`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct GroupSelector {
    pub deployment_group_id: Uuid,
    pub team: String,
    pub application: String,
    pub deployment_group: String,
    /// Tag key to the values any of which matches; absent: the group was removed.
    #[serde(default)]
    pub selector: Option<std::collections::BTreeMap<String, Vec<String>>>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum RolloutStatus {
    Pending,
    InProgress,
    /// Held by an operator: nothing new starts and nothing concludes until resumed.
    Paused,
    /// The canary batch finished: waiting for an operator to approve the rest.
    AwaitingApproval,
    Succeeded,
    Failed,
    Stopped,
}

impl RolloutStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::InProgress => "InProgress",
            Self::Paused => "Paused",
            Self::AwaitingApproval => "AwaitingApproval",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Stopped => "Stopped",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Pending" => Self::Pending,
            "InProgress" => Self::InProgress,
            "Paused" => Self::Paused,
            "AwaitingApproval" => Self::AwaitingApproval,
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            "Stopped" => Self::Stopped,
            _ => return None,
        })
    }
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Stopped)
    }
}

/// A host's place in a rollout.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum HostTargetStatus {
    /// Not started yet.
    Pending,
    /// A command waits for the agent to pick it up.
    Dispatched,
    /// The agent acknowledged and runs the lifecycle events.
    InProgress,
    Succeeded,
    Failed,
    /// Not part of the rollout (any more): it ended before the host started, an operator
    /// excluded it (`error_code` `excluded`), or it left the group (`left-group`).
    Skipped,
}

impl HostTargetStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Dispatched => "Dispatched",
            Self::InProgress => "InProgress",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Skipped => "Skipped",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Pending" => Self::Pending,
            "Dispatched" => Self::Dispatched,
            "InProgress" => Self::InProgress,
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            "Skipped" => Self::Skipped,
            _ => return None,
        })
    }
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Skipped)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Default)]
pub struct HostOverview {
    pub pending: u64,
    pub in_progress: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub skipped: u64,
}

impl HostOverview {
    /// Counts one more host in `status`.
    pub fn count(&mut self, status: HostTargetStatus) {
        match status {
            HostTargetStatus::Pending => self.pending += 1,
            HostTargetStatus::Dispatched | HostTargetStatus::InProgress => self.in_progress += 1,
            HostTargetStatus::Succeeded => self.succeeded += 1,
            HostTargetStatus::Failed => self.failed += 1,
            HostTargetStatus::Skipped => self.skipped += 1,
        }
    }
}

/// The state of one lifecycle event on one host.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum EventStatus {
    InProgress,
    Succeeded,
    Failed,
    TimedOut,
    Skipped,
}

impl EventStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::InProgress => "InProgress",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::TimedOut => "TimedOut",
            Self::Skipped => "Skipped",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "InProgress" => Self::InProgress,
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            "TimedOut" => Self::TimedOut,
            "Skipped" => Self::Skipped,
            _ => return None,
        })
    }
}

/// What an agent reports after (or when starting) one lifecycle event.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EventReport {
    /// CodeDeploy lifecycle event name, e.g. `BeforeInstall`.
    pub event: String,
    pub status: EventStatus,
    #[serde(default)]
    pub exit_code: Option<i32>,
    /// Stable error code, e.g. `SCRIPT_FAILED`, `SCRIPT_TIMED_OUT`, `BUNDLE_DIGEST_MISMATCH`.
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    pub started_at: DateTime<Utc>,
    #[serde(default)]
    pub ended_at: Option<DateTime<Utc>>,
    /// The tail of the hook's combined output (at most 64 KiB).
    #[serde(default)]
    pub output_tail: String,
    #[serde(default)]
    pub output_truncated: bool,
}

/// Several event reports of one command, applied in order in one transaction, as if sent
/// one after another: an agent sends the end of one event with the start of the next.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EventReportBatch {
    /// 1 to [`MAX_EVENT_BATCH`] reports.
    pub reports: Vec<EventReport>,
}

/// Most reports in one [`EventReportBatch`] (or a [`CompleteCommand`]): a command has at most
/// 11 lifecycle events, so a whole command's reports fit in one.
pub const MAX_EVENT_BATCH: usize = 16;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct LifecycleEventRecord {
    pub event: String,
    pub status: EventStatus,
    pub exit_code: Option<i32>,
    pub error_code: Option<String>,
    pub message: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub output_tail: String,
    pub output_truncated: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RolloutHost {
    pub host_id: Uuid,
    pub zone: String,
    pub status: HostTargetStatus,
    pub attempt: i32,
    pub command_id: Option<Uuid>,
    /// When the current attempt's command was ready for the agent.
    #[serde(default)]
    pub dispatched_at: Option<DateTime<Utc>>,
    /// `script-failed`, `timed-out`, `agent-lost`, `never-started`, or an agent error code.
    pub error_code: Option<String>,
    pub message: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub events: Vec<LifecycleEventRecord>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Rollout {
    pub deployment_id: Uuid,
    pub application: String,
    pub deployment_group: String,
    pub revision_id: Uuid,
    pub status: RolloutStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub overview: HostOverview,
    #[serde(default)]
    pub zone_mode: ZoneMode,
    /// Hosts in the canary batch (0: none).
    #[serde(default)]
    pub canary_hosts: u64,
    /// When an operator approved the rest of the fleet after the canary batch.
    #[serde(default)]
    pub approved_at: Option<DateTime<Utc>>,
    /// With `zone-at-a-time`: the zone being updated.
    #[serde(default)]
    pub current_zone: Option<String>,
    /// With `zone-at-a-time` and a bake time: the next zone starts after this.
    #[serde(default)]
    pub bake_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub rollback_of: Option<Uuid>,
    /// The health analysis, when the rollout runs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<crate::analysis::AnalysisStatus>,
    /// Why a running rollout starts no new host now (hosts already running finish):
    /// `outside_window` or `frozen`. It resumes by itself when the gate opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<String>,
    /// The number of the rollout's last progress report when this answer was made (read
    /// before the rest of it, so the answer is at least that new): a copy that took this answer
    /// as that report ignores the older reports still on their way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_seq: Option<i64>,
    /// Per host, in rollout order (empty when only the summary was asked for).
    pub hosts: Vec<RolloutHost>,
}

/// The `data` of a [`EventType::RolloutProgress`](crate::events::EventType::RolloutProgress) event: the rollout's summary as of the change (its
/// `hosts` empty) and the hosts that changed since the previous report, with their place in
/// rollout order. A receiver applies a report only if its `seq` is above the last one it
/// applied, so repeats and late arrivals change nothing.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RolloutProgress {
    /// The report's number among the rollout's reports (1, 2, ...).
    pub seq: i64,
    pub summary: Rollout,
    #[serde(default)]
    pub hosts: Vec<ProgressHost>,
}

/// A host of a [`RolloutProgress`] report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProgressHost {
    /// Its place in rollout order.
    pub position: i32,
    pub host: RolloutHost,
}

/// How much of a rollout to return.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum RolloutDetail {
    /// Status and counts only.
    Summary,
    /// Every host, without its lifecycle events.
    Hosts,
    /// Every host with every lifecycle event and its output tail.
    #[default]
    Full,
}

/// An operator's action on a running rollout (service credential; `actor` is who asked).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RolloutAction {
    #[serde(default)]
    pub actor: Option<String>,
    /// `retry-failed`: only these failed hosts (default: every failed host).
    #[serde(default)]
    pub hosts: Vec<Uuid>,
}

/// What kind of work an [`AgentCommand`] is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub enum AgentCommandKind {
    /// Run the in-place lifecycle for the command's `revision_id`.
    Deploy,
    /// Never sent: what an agent reads for a kind newer than itself, which it then fails
    /// with `COMMAND_UNSUPPORTED` instead of refusing the whole poll answer.
    #[serde(other)]
    Unsupported,
}

/// What a host is told to do.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct AgentCommand {
    pub command_id: Uuid,
    pub kind: AgentCommandKind,
    pub deployment_id: Uuid,
    pub application: String,
    pub deployment_group: String,
    pub deployment_group_id: Uuid,
    pub revision_id: Uuid,
    /// Attempt number of this host in this deployment; (deployment, host, attempt) is unique.
    pub attempt: i32,
    pub bundle: BundleRef,
    pub issued_at: DateTime<Utc>,
    /// Lets this host upload the command's hook logs to history (signed by the scheduler when
    /// it hands the command over; history accepts logs only with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_grant: Option<String>,
    /// The deployment's `file_exists_behavior`: Install uses it instead of the appspec's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_exists_behavior: Option<FileExistsBehavior>,
    /// The group's traffic is managed by the bundle's traffic hooks: every host runs them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub traffic_hooks: bool,
    /// The W3C trace context of the scheduler's dispatch of this command
    /// (`00-<trace id>-<span id>-<flags>`), when the control plane exports traces: the agent's
    /// spans join the deployment's trace under it, and hooks get it as `TRACEPARENT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

/// What a hook-log upload grant names: one host, one command.
pub fn log_grant_subject(host: Uuid, command: Uuid) -> String {
    format!("{host}/{command}")
}

/// The purpose of hook-log upload grants.
pub const LOG_GRANT_PURPOSE: &str = "hook-log";

/// The header of a long poll's answer, sent before its body, that says whether the scheduler
/// passes the poll on to the registry as the host's heartbeat (`true` or `false`).
pub const HEARD_HEADER: &str = "Liftoff-Heard";

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommandBatch {
    pub commands: Vec<AgentCommand>,
    /// The scheduler's feed to the registry still worked when the poll was answered (the
    /// `Liftoff-Heard` header, sent when the poll arrived, said whether it counts as the
    /// host's heartbeat). While polls count, and come at least every `poll_wait_secs`, the
    /// agent need not heartbeat.
    #[serde(default)]
    pub heard: bool,
    /// The registry's heartbeat interval, as it last told the scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heartbeat_interval_secs: Option<u64>,
    /// The longest poll that counts as a heartbeat, as the registry last told the scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_wait_secs: Option<u64>,
    /// The registry has something for this host (a scale-in request): heartbeat now.
    #[serde(default)]
    pub heartbeat_now: bool,
}

impl CommandBatch {
    pub fn of(commands: Vec<AgentCommand>) -> Self {
        Self {
            commands,
            heard: false,
            heartbeat_interval_secs: None,
            poll_wait_secs: None,
            heartbeat_now: false,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum CommandStatus {
    Dispatched,
    InProgress,
    Succeeded,
    Failed,
    Cancelled,
}

impl CommandStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Dispatched => "Dispatched",
            Self::InProgress => "InProgress",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "Dispatched" => Self::Dispatched,
            "InProgress" => Self::InProgress,
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            "Cancelled" => Self::Cancelled,
            _ => return None,
        })
    }
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Cancelled)
    }
}

/// The answer to an acknowledgement: run it only when `proceed` is true.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AckResponse {
    pub proceed: bool,
    pub status: CommandStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteCommand {
    /// `Succeeded` or `Failed`.
    pub status: CommandStatus,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// Reports of events not sent yet (at most [`MAX_EVENT_BATCH`]), applied in order before
    /// the completion and in its transaction: an agent whose hooks were quick reports a whole
    /// command in this one call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<EventReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CommandState {
    pub command_id: Uuid,
    pub status: CommandStatus,
}

#[cfg(test)]
mod tests {
    use super::AgentCommandKind;

    #[test]
    fn a_command_kind_newer_than_the_agent_reads_as_unsupported_not_as_an_error() {
        let deploy: AgentCommandKind = serde_json::from_str("\"Deploy\"").unwrap();
        assert_eq!(deploy, AgentCommandKind::Deploy);
        assert_eq!(serde_json::to_string(&deploy).unwrap(), "\"Deploy\"");
        let newer: AgentCommandKind = serde_json::from_str("\"Reboot\"").unwrap();
        assert_eq!(newer, AgentCommandKind::Unsupported);
    }
}
