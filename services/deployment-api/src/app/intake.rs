//! Writing a new deployment: a user's, a rollback, or an automatic rollback. One place decides
//! whether it starts, queues, or is refused, as the group's policy says.

use liftoff_kit::db::{now, uuid};
use liftoff_kit::{ApiError, outbox};
use liftoff_types::deployments::*;
use liftoff_types::events::EventType;
use uuid::Uuid;

use crate::store::deployments::{self, DeploymentRow};
use crate::store::{applications, groups};

/// How a deployment rolls out beyond its minimum healthy hosts, snapshotted at creation.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct RolloutOptions {
    #[serde(default)]
    pub zone_mode: ZoneMode,
    #[serde(default)]
    pub zone_bake_secs: u32,
    #[serde(default)]
    pub canary: Option<CanaryBatch>,
    /// The deployment's `file_exists_behavior`, overriding the appspec's on every host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_exists_behavior: Option<FileExistsBehavior>,
}

impl RolloutOptions {
    pub fn of(config: &DeploymentConfig) -> Self {
        Self {
            zone_mode: config.zone_mode,
            zone_bake_secs: config.zone_bake_secs,
            canary: config.canary_batch_size.map(CanaryBatch::HostCount),
            file_exists_behavior: None,
        }
    }
    pub fn from_row(row: &DeploymentRow) -> Result<Self, ApiError> {
        Ok(match &row.rollout_options {
            Some(t) => serde_json::from_str(t)?,
            None => Self::default(),
        })
    }
}

/// What a new deployment is, beyond the group it goes to.
pub struct NewDeployment {
    pub team: String,
    pub actor: String,
    pub revision_id: Uuid,
    pub config_name: String,
    pub minimum_healthy: String,
    pub options: RolloutOptions,
    pub reason: DeploymentReason,
    pub rollback_of: Option<String>,
    pub description: Option<String>,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    /// The W3C trace context its hand-off continues (see `liftoff_client::trace`).
    pub traceparent: Option<String>,
    /// Set when a gate holds it `Queued` (`outside_window`).
    pub waiting_for: Option<String>,
}

/// Writes a deployment (and its history event) in the caller's transaction: `Created` when
/// the group is free, else `Queued` or refused (409) as the group's policy says.
/// `jump_queue`: a rollback goes before deployments queued behind the one it rolls back.
pub fn insert_deployment(
    c: &mut liftoff_kit::AnyConnection,
    group: &groups::GroupRow,
    app: &applications::AppRow,
    new: NewDeployment,
    jump_queue: bool,
) -> Result<DeploymentRow, ApiError> {
    let active = deployments::active_in_group(c, &group.id)?;
    let running = active.iter().find(|d| d.status != DeploymentStatus::Queued);
    let status = match running {
        _ if new.waiting_for.is_some() => DeploymentStatus::Queued,
        None if jump_queue || active.is_empty() => DeploymentStatus::Created,
        _ if group.concurrency_policy == ConcurrencyPolicy::Queue.as_str() => {
            DeploymentStatus::Queued
        }
        _ => {
            let busy = running
                .or(active.first())
                .map(|d| d.id.clone())
                .unwrap_or_default();
            return Err(ApiError::conflict(
                "deployment_in_progress",
                format!(
                    "deployment {busy} is still running in group {:?}",
                    group.name
                ),
            ));
        }
    };
    let at = now();
    let row = DeploymentRow {
        id: Uuid::now_v7().to_string(),
        team: new.team.clone(),
        application_id: app.id.clone(),
        application: app.name.clone(),
        group_id: group.id.clone(),
        deployment_group: group.name.clone(),
        revision_id: new.revision_id.to_string(),
        deployment_config: new.config_name,
        minimum_healthy: new.minimum_healthy,
        status,
        reason: new.reason.as_str().into(),
        rollback_of: new.rollback_of,
        description: new.description,
        overview: None,
        error_code: None,
        error_message: None,
        idempotency_key: new.idempotency_key,
        request_hash: new.request_hash,
        created_by: new.actor.clone(),
        created_at: at,
        started_at: None,
        completed_at: None,
        updated_at: at,
        rollout_options: Some(serde_json::to_string(&new.options)?),
        traceparent: new.traceparent,
        waiting_for: new.waiting_for,
    };
    deployments::insert(c, &row)?;
    let mut ev = outbox::event(crate::NAME, EventType::DeploymentCreated);
    ev.team = Some(new.team);
    ev.actor = Some(new.actor);
    ev.application = Some(row.application.clone());
    ev.deployment_group = Some(row.deployment_group.clone());
    ev.deployment_id = Some(uuid(&row.id)?);
    ev.revision_id = Some(new.revision_id);
    ev.data = serde_json::json!({"deployment_config": row.deployment_config, "reason": row.reason, "status": row.status, "description": row.description, "rollback_of": row.rollback_of, "waiting_for": row.waiting_for});
    outbox::enqueue(c, &ev)?;
    Ok(row)
}
