//! history: the append-only event log and the questions asked of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One thing that happened, as a service's outbox delivers it. `event_id` makes delivery idempotent.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HistoryEvent {
    pub event_id: Uuid,
    /// The service that recorded it: `deployment-api`, `scheduler`, `host-registry`.
    pub source: String,
    /// Dotted type, e.g. `deployment.created`, `host.event_finished`, `host.deployment_succeeded`.
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    #[serde(default)]
    pub team: Option<String>,
    /// Token subject that caused it, if a person or pipeline did.
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub application: Option<String>,
    #[serde(default)]
    pub deployment_group: Option<String>,
    #[serde(default)]
    pub deployment_id: Option<Uuid>,
    #[serde(default)]
    pub host_id: Option<Uuid>,
    #[serde(default)]
    pub revision_id: Option<Uuid>,
    /// Event-specific detail.
    #[serde(default)]
    pub data: serde_json::Value,
}

impl HistoryEvent {
    /// Its type, if this version knows it (a log written by a newer one may hold others).
    pub fn kind(&self) -> Option<crate::events::EventType> {
        crate::events::EventType::parse(&self.event_type)
    }

    /// Whether it is of type `t`.
    pub fn is(&self, t: crate::events::EventType) -> bool {
        self.kind() == Some(t)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    pub events: Vec<HistoryEvent>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IngestResult {
    pub accepted: u64,
    pub duplicates: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecordedEvent {
    /// Position in the log; stable ordering key.
    pub seq: i64,
    pub recorded_at: DateTime<Utc>,
    #[serde(flatten)]
    pub event: HistoryEvent,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EventPage {
    pub events: Vec<RecordedEvent>,
    pub next_cursor: Option<String>,
}

/// Which revision of an application a host runs, and since when. (Named apart from the
/// registry's `HostRevision`, which says what installed it: one client namespace holds both.)
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[schema(as = HostRunningRevision)]
pub struct HostRevision {
    pub host_id: Uuid,
    pub application: String,
    pub deployment_group: Option<String>,
    pub revision_id: Uuid,
    pub deployment_id: Uuid,
    pub since: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HostRevisionList {
    pub hosts: Vec<HostRevision>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// What one host ran at a point in time, and over which span.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct HostRevisionAt {
    pub host_id: Uuid,
    pub revision_id: Uuid,
    /// The deployment that installed it.
    pub deployment_id: Uuid,
    /// When the host started running it.
    pub since: DateTime<Utc>,
    /// When it stopped (another revision, or the host left); absent if it still runs it.
    pub until: Option<DateTime<Utc>>,
}

/// One deployment of a group, as history knows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct GroupDeploymentAt {
    pub deployment_id: Uuid,
    pub revision_id: Uuid,
    pub started_at: DateTime<Utc>,
    /// Its status at the time asked about: `InProgress`, `Succeeded`, `Failed` or `Stopped`.
    pub status: String,
}

/// A deployment group at time `at`: each host's revision, and the group's target.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct GroupAtTime {
    pub application: String,
    pub deployment_group: String,
    pub at: DateTime<Utc>,
    /// The revision of the group's latest deployment started at or before `at`.
    pub target_revision_id: Option<Uuid>,
    pub target_deployment: Option<GroupDeploymentAt>,
    /// The revision of the group's latest deployment that had succeeded by `at`.
    pub last_successful_revision_id: Option<Uuid>,
    /// Hosts whose revision of the application at `at` came from a deployment of this group.
    pub hosts: Vec<HostRevisionAt>,
    pub next_cursor: Option<String>,
}

/// Who did what, when, to which object.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AuditEntry {
    /// Position in the event log; stable ordering key.
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    /// Token subject.
    pub actor: String,
    pub team: Option<String>,
    /// The event type, e.g. `deployment.created`.
    pub action: String,
    /// `application`, `deployment_group`, `revision`, `deployment`, `host`, `enrollment_token`, ...
    pub object_type: String,
    /// The object's id or name (`application/group` for a group).
    pub object_id: Option<String>,
    pub application: Option<String>,
    pub deployment_group: Option<String>,
    pub deployment_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    pub revision_id: Option<Uuid>,
    /// The service that recorded it.
    pub source: String,
    pub data: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// Largest hook log kept per command × lifecycle event. An agent with more output sends the
/// first quarter and the last three quarters of this (the end is where failures show) with
/// `truncated` set.
pub const HOOK_LOG_CAP_BYTES: usize = 1024 * 1024;

/// An agent's upload of the whole output of one lifecycle event of one command.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HookLogUpload {
    pub deployment_id: Uuid,
    pub revision_id: Uuid,
    /// The output (lossy UTF-8), at most `HOOK_LOG_CAP_BYTES`.
    pub output: String,
    /// True if `output` is not the whole output.
    #[serde(default)]
    pub truncated: bool,
    /// Size of the whole output on the host, in bytes.
    pub original_bytes: u64,
    /// The command's `log_grant`, as the scheduler handed it to this host: without it the
    /// upload is refused (403), so no other host can take the command's log slots.
    #[serde(default)]
    pub upload_grant: Option<String>,
}

/// Most logs in one [`HookLogBatch`] (a command has at most 13 lifecycle events).
pub const HOOK_LOG_BATCH_MAX: usize = 16;

/// An agent's upload of the outputs of several lifecycle events of one command, stored in
/// one transaction: the outputs together at most `HOOK_LOG_CAP_BYTES` (larger ones go alone).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HookLogBatch {
    pub deployment_id: Uuid,
    pub revision_id: Uuid,
    /// As in [`HookLogUpload`].
    #[serde(default)]
    pub upload_grant: Option<String>,
    /// 1 to `HOOK_LOG_BATCH_MAX` logs, each event at most once.
    pub logs: Vec<HookLogEntry>,
}

/// One lifecycle event's output in a [`HookLogBatch`].
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HookLogEntry {
    /// Lifecycle event, e.g. `AfterInstall`.
    pub event: String,
    pub output: String,
    #[serde(default)]
    pub truncated: bool,
    pub original_bytes: u64,
}

/// The stored output of one lifecycle event of one command on one host.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct HookLog {
    pub deployment_id: Uuid,
    pub host_id: Uuid,
    pub command_id: Uuid,
    pub event: String,
    pub revision_id: Uuid,
    pub output: String,
    /// Bytes of `output`.
    pub bytes: u64,
    /// Bytes the hook wrote in all.
    pub original_bytes: u64,
    pub truncated: bool,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HookLogPage {
    pub logs: Vec<HookLog>,
    pub next_cursor: Option<String>,
}

/// Keeps a revision's record (its events, spans and logs) past the retention period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Pin {
    pub revision_id: Uuid,
    pub note: Option<String>,
    pub pinned_by: String,
    pub pinned_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePin {
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PinList {
    pub pins: Vec<Pin>,
}

/// What one retention pass removed.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct RetentionReport {
    pub events: u64,
    pub spans: u64,
    pub hook_logs: u64,
    pub group_deployments: u64,
}
