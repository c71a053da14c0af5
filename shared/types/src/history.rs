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

/// Which revision of an application a host runs, and since when.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
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
}
