//! deployment-api: applications, revisions, deployment groups, configurations, deployments.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ErrorDetail;
use crate::scheduler::{HostOverview, RolloutHost};

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApplication {
    /// `[a-z0-9][a-z0-9-]{0,62}`, unique within the team.
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Application {
    pub name: String,
    pub description: Option<String>,
    pub team: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Stages in promotion order, when the application declares them.
    #[serde(default)]
    pub stages: Vec<String>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// What deleting an application removed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicationDeleted {
    pub name: String,
    pub revisions: u64,
    pub deployment_groups: u64,
    pub deployments: u64,
    /// Bundles no other application used, whose bytes were freed.
    pub bundles_freed: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApplicationList {
    pub applications: Vec<Application>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A bundle stored content-addressed by its SHA-256, as the agent must fetch it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BundleRef {
    /// Lowercase hex SHA-256 of the archive bytes.
    pub sha256: String,
    pub size_bytes: i64,
    /// `tar.gz`, `tar` or `zip`.
    pub format: String,
    /// Path (relative to the control-plane URL) the agent downloads the bundle from.
    pub download_path: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Revision {
    pub revision_id: Uuid,
    pub application: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub format: String,
    pub version_label: Option<String>,
    pub description: Option<String>,
    /// Lifecycle events the appspec has scripts for, in lifecycle order.
    pub hook_events: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// False when the same bytes had been pushed before (same revision returned).
    pub created: bool,
    /// Where the bundle was fetched from, for revisions registered by URL (scheme, host and
    /// path; the query, which often carries a signature, is not kept).
    #[serde(default)]
    pub source_url: Option<String>,
    /// When a deployment of this revision first started (any group, any outcome).
    #[serde(default)]
    pub first_deployed_at: Option<DateTime<Utc>>,
    /// When a deployment of this revision last started.
    #[serde(default)]
    pub last_deployed_at: Option<DateTime<Utc>>,
    /// What the appspec check found that CodeDeploy tolerates and a team should fix (unknown
    /// keys, patterns that can never match, overlapping permissions, quirks of YAML ...), in the
    /// answer to a push; empty when reading revisions later.
    #[serde(default)]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RevisionList {
    pub revisions: Vec<Revision>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// What happens when a deployment is asked for while one runs in the group.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum ConcurrencyPolicy {
    /// Answer 409 `deployment_in_progress`.
    #[default]
    Reject,
    /// Accept it as `Queued`; it starts when the running one ends.
    Queue,
}

impl ConcurrencyPolicy {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Reject => "reject",
            Self::Queue => "queue",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reject" => Some(Self::Reject),
            "queue" => Some(Self::Queue),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDeploymentGroup {
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    pub name: String,
    /// Tag selector: a host is in the group when, for every key, its tag has one of the values.
    pub selector: BTreeMap<String, Vec<String>>,
    /// Deployment configuration name; defaults to `AllAtOnce`.
    #[serde(default)]
    #[schema(pattern = "^([a-z0-9][a-z0-9-]{0,62}|AllAtOnce|HalfAtATime|OneAtATime)$")]
    pub deployment_config: Option<String>,
    #[serde(default)]
    pub auto_rollback: Option<bool>,
    #[serde(default)]
    pub concurrency_policy: Option<ConcurrencyPolicy>,
    #[serde(default)]
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    pub stage: Option<String>,
    /// Traffic to the group's hosts is managed by the bundle's hooks: `BeforeBlockTraffic` and
    /// `AfterBlockTraffic` run before `ApplicationStop`, `BeforeAllowTraffic` and
    /// `AfterAllowTraffic` after `ValidateService` (CodeDeploy's in-place order). Default false:
    /// those hooks are skipped.
    #[serde(default)]
    pub traffic_hooks: Option<bool>,
    /// A Prometheus query evaluated during each deployment and for a bake time after each
    /// batch; a breach stops the deployment (and rolls it back with `auto_rollback`).
    #[serde(default)]
    pub health_analysis: Option<crate::analysis::HealthAnalysis>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeploymentGroup {
    pub name: String,
    pub application: String,
    pub selector: BTreeMap<String, Vec<String>>,
    pub deployment_config: String,
    pub auto_rollback: bool,
    pub concurrency_policy: ConcurrencyPolicy,
    pub stage: Option<String>,
    /// The revision new hosts get: the last one that succeeded in this group.
    pub last_successful_revision_id: Option<Uuid>,
    pub last_successful_deployment_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// The bundle's traffic hooks run, in CodeDeploy's in-place order.
    #[serde(default)]
    pub traffic_hooks: bool,
    /// The health analysis each deployment runs (absent: none).
    #[serde(default)]
    pub health_analysis: Option<crate::analysis::HealthAnalysis>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeploymentGroupList {
    pub deployment_groups: Vec<DeploymentGroup>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// Minimum healthy hosts, CodeDeploy's way.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(tag = "type", content = "value", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MinimumHealthy {
    /// At least this many hosts stay healthy.
    HostCount(u32),
    /// At least this percent of the fleet (rounded up to whole hosts) stays healthy.
    FleetPercent(u32),
    /// All hosts but one stay healthy: one host at a time (`OneAtATime`).
    AllButOne,
}

impl MinimumHealthy {
    /// The minimum number of healthy hosts for a fleet of `fleet` hosts.
    pub fn hosts(&self, fleet: u64) -> u64 {
        match *self {
            Self::HostCount(n) => u64::from(n),
            Self::FleetPercent(p) => (fleet * u64::from(p)).div_ceil(100),
            Self::AllButOne => fleet.saturating_sub(1),
        }
    }
}

/// How a rollout moves through the zones of a fleet.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Default, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneMode {
    /// Every batch takes its share of every zone at once (the default).
    #[default]
    Striped,
    /// One zone after another, with an optional bake time between zones.
    ZoneAtATime,
}

impl ZoneMode {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Striped => "striped",
            Self::ZoneAtATime => "zone-at-a-time",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "striped" => Some(Self::Striped),
            "zone-at-a-time" => Some(Self::ZoneAtATime),
            _ => None,
        }
    }
}

/// The size of a canary batch: the first hosts, which must succeed and be approved before
/// the rest of the fleet is touched.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Hash)]
#[serde(tag = "type", content = "value", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CanaryBatch {
    HostCount(u32),
    /// Percent of the fleet, rounded up to whole hosts.
    FleetPercent(u32),
}

impl CanaryBatch {
    /// Hosts in the canary batch of a fleet of `fleet` hosts (at least one, at most all).
    pub fn hosts(&self, fleet: u64) -> u64 {
        let n = match *self {
            Self::HostCount(n) => u64::from(n),
            Self::FleetPercent(p) => (fleet * u64::from(p)).div_ceil(100),
        };
        n.clamp(1, fleet.max(1))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct DeploymentConfig {
    pub name: String,
    pub minimum_healthy: MinimumHealthy,
    pub builtin: bool,
    /// How batches are spread over zones.
    #[serde(default)]
    pub zone_mode: ZoneMode,
    /// With `zone-at-a-time`: seconds to wait after one zone finishes before the next starts.
    #[serde(default)]
    pub zone_bake_secs: u32,
    /// Hosts in a first canary batch, when the configuration has one; the deployment waits
    /// in `AwaitingApproval` after it until `approve`.
    #[serde(default)]
    pub canary_batch_size: Option<u32>,
    /// The health analysis each deployment with this configuration runs, unless its group
    /// has one of its own (absent: none).
    #[serde(default)]
    pub health_analysis: Option<crate::analysis::HealthAnalysis>,
}

/// A custom deployment configuration of the caller's team.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDeploymentConfig {
    /// `[a-z0-9][a-z0-9-]{0,62}`, unique within the team (built-in names cannot be taken).
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    pub name: String,
    /// `HOST_COUNT` (0 or more hosts) or `FLEET_PERCENT` (0 to 99).
    pub minimum_healthy: MinimumHealthy,
    #[serde(default)]
    pub zone_mode: Option<ZoneMode>,
    /// Only with `zone-at-a-time`: seconds between one zone finishing and the next starting
    /// (at most 86400).
    #[serde(default)]
    pub zone_bake_secs: Option<u32>,
    /// Hosts in a first canary batch (1 or more).
    #[serde(default)]
    pub canary_batch_size: Option<u32>,
    /// A health analysis for every deployment with this configuration whose group has none
    /// of its own; checked as a group's (bounds, and the Prometheus URL under the outgoing-URL
    /// rules).
    #[serde(default)]
    pub health_analysis: Option<crate::analysis::HealthAnalysis>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeploymentConfigList {
    pub deployment_configs: Vec<DeploymentConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDeployment {
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    pub application: String,
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{0,62}$")]
    pub deployment_group: String,
    /// Revision id (UUID) as returned by a revision push.
    #[schema(format = Uuid)]
    pub revision: String,
    /// Deployment configuration for this deployment (default: the group's).
    #[serde(default)]
    #[schema(pattern = "^([a-z0-9][a-z0-9-]{0,62}|AllAtOnce|HalfAtATime|OneAtATime)$")]
    pub config: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// What Install does with a file already at a destination that the previous deployment did
    /// not install, overriding the appspec's `file_exists_behavior` (CodeDeploy's
    /// `create-deployment --file-exists-behavior`): `DISALLOW`, `OVERWRITE` or `RETAIN`.
    /// Absent: the appspec's, else `DISALLOW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^(DISALLOW|OVERWRITE|RETAIN)$")]
    pub file_exists_behavior: Option<String>,
}

/// A deployment's `file_exists_behavior`, overriding the appspec's (CodeDeploy's names).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FileExistsBehavior {
    /// Fail the deployment.
    Disallow,
    /// Replace the file with the bundle's.
    Overwrite,
    /// Keep the file on the host; the bundle's copy is not installed.
    Retain,
}

impl FileExistsBehavior {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Disallow => "DISALLOW",
            Self::Overwrite => "OVERWRITE",
            Self::Retain => "RETAIN",
        }
    }
    /// Exactly as CodeDeploy spells them (capitals).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "DISALLOW" => Self::Disallow,
            "OVERWRITE" => Self::Overwrite,
            "RETAIN" => Self::Retain,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "diesel", derive(diesel::AsExpression, diesel::FromSqlRow))]
#[cfg_attr(feature = "diesel", diesel(sql_type = diesel::sql_types::Text))]
pub enum DeploymentStatus {
    Created,
    Queued,
    InProgress,
    /// Held by an operator (`pause`); `resume` continues it.
    Paused,
    /// The canary batch finished; `approve` rolls out to the rest.
    AwaitingApproval,
    Succeeded,
    Failed,
    Stopped,
}

impl DeploymentStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Created => "Created",
            Self::Queued => "Queued",
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
            "Created" => Self::Created,
            "Queued" => Self::Queued,
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

/// Why a deployment exists.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeploymentReason {
    User,
    Rollback,
    ScaleOut,
    Promotion,
}

impl DeploymentReason {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Rollback => "rollback",
            Self::ScaleOut => "scale_out",
            Self::Promotion => "promotion",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "user" => Self::User,
            "rollback" => Self::Rollback,
            "scale_out" => Self::ScaleOut,
            "promotion" => Self::Promotion,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Deployment {
    pub deployment_id: Uuid,
    pub application: String,
    pub deployment_group: String,
    pub revision_id: Uuid,
    pub deployment_config: String,
    pub status: DeploymentStatus,
    pub reason: DeploymentReason,
    pub rollback_of: Option<Uuid>,
    pub description: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Why it failed or stopped.
    pub error: Option<ErrorDetail>,
    pub overview: HostOverview,
    /// With `zone-at-a-time`: the zone being updated.
    #[serde(default)]
    pub current_zone: Option<String>,
    /// With `zone-at-a-time` and a bake time: the next zone starts after this.
    #[serde(default)]
    pub bake_until: Option<DateTime<Utc>>,
    /// The deployment's own `file_exists_behavior`, overriding the appspec's (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_exists_behavior: Option<FileExistsBehavior>,
    /// Why a deployment waits. `Queued`: beyond the group's queue, `outside_window` (it starts
    /// by itself when one of the group's deployment windows opens). `InProgress`: it starts no
    /// new host (those running finish) while its group's window is closed (`outside_window`)
    /// or a freeze is in force (`frozen`), and resumes by itself when the gate opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<String>,
    /// Hosts counted by zone and state, zones by name (empty in lists): what a large fleet's
    /// grid draws, without every host.
    #[serde(default)]
    pub zones: Vec<ZoneOverview>,
    /// The health analysis, when the deployment runs one: its state and latest measurements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<crate::analysis::AnalysisStatus>,
    /// Per-host, per-event detail (empty in lists, and in a stream asked for `hosts=false`).
    pub hosts: Vec<RolloutHost>,
}

/// One zone's hosts of a deployment, counted by state.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ZoneOverview {
    pub zone: String,
    pub hosts: HostOverview,
}

impl ZoneOverview {
    /// The hosts counted by zone and state, zones by name.
    pub fn of(hosts: &[RolloutHost]) -> Vec<Self> {
        let mut zones: std::collections::BTreeMap<&str, HostOverview> = Default::default();
        for h in hosts {
            zones.entry(h.zone.as_str()).or_default().count(h.status);
        }
        zones
            .into_iter()
            .map(|(zone, hosts)| Self {
                zone: zone.to_string(),
                hosts,
            })
            .collect()
    }
}

/// A page of one deployment's hosts (`GET /v1/deployments/{id}/hosts`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeploymentHostList {
    pub hosts: Vec<RolloutHost>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// Which failed hosts to retry (default: all of them).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RetryFailedHosts {
    #[serde(default)]
    pub hosts: Vec<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DeploymentList {
    pub deployments: Vec<Deployment>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Absent: leave as is; `null`: clear; a value: set.
fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Changes to an application; absent fields stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateApplication {
    /// A new description, or `null` to clear it.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// The application's stages in promotion order, e.g. `["dev", "staging", "prod"]`.
    /// Every group's stage must be one of them; `[]` removes the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<Vec<String>>,
}

/// Changes to a deployment group; absent fields stay as they are. Running deployments keep
/// what they started with; the next one uses the new settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDeploymentGroup {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_config: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_rollback: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency_policy: Option<ConcurrencyPolicy>,
    /// A stage name, or `null` to take the group out of the stages.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub stage: Option<Option<String>>,
    /// Whether the bundle's traffic hooks run (see `CreateDeploymentGroup`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_hooks: Option<bool>,
    /// A health analysis, or `null` to remove it.
    #[serde(
        default,
        deserialize_with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<crate::analysis::HealthAnalysis>)]
    pub health_analysis: Option<Option<crate::analysis::HealthAnalysis>>,
}

/// A revision registered by URL: the server fetches the bundle (HTTP or HTTPS only, never
/// from loopback, link-local, private or metadata addresses unless an operator allows them)
/// and checks it exactly like an upload.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRevisionUrl {
    pub url: String,
    /// Lowercase hex SHA-256 the fetched bytes must have.
    pub sha256: String,
    #[serde(default)]
    pub version_label: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

pub use crate::gates::*;
pub use crate::promotions::*;
