//! Rollbacks as deployments: the deployment of a group's last good revision before a given
//! one, linked to it and recorded in its history. Both the operator's `rollback` (in
//! `operations`) and the automatic one on failure (in `deployments`, when an outcome is
//! recorded) create them here, in the caller's transaction.

use liftoff_kit::db::uuid;
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::deployments::DeploymentReason;
use liftoff_types::events::EventType;

use super::intake::{NewDeployment, RolloutOptions, insert_deployment};
use crate::store::deployments::{self, DeploymentRow};
use crate::store::{applications, groups};

/// The rollback of `failed`, if its group rolls back automatically and has a good revision to
/// go back to. Called in the transaction that records the failure.
pub fn auto_rollback(
    c: &mut AnyConnection,
    failed: &DeploymentRow,
) -> Result<Option<DeploymentRow>, ApiError> {
    if failed.reason == DeploymentReason::Rollback.as_str() {
        // A failed rollback does not roll back again.
        return Ok(None);
    }
    let group = groups::by_id(c, &failed.group_id)?;
    if !group.auto_rollback {
        return Ok(None);
    }
    new_rollback(c, failed, "automatic rollback on failure", "liftoff")
}

/// A new deployment of the group's last good revision before `of`, linked to it.
pub(crate) fn new_rollback(
    c: &mut AnyConnection,
    of: &DeploymentRow,
    why: &str,
    actor: &str,
) -> Result<Option<DeploymentRow>, ApiError> {
    let Some(good) = deployments::last_good_before(c, &of.group_id, &of.id, &of.revision_id)?
    else {
        return Ok(None);
    };
    let group = groups::by_id(c, &of.group_id)?;
    let app = applications::by_id(c, &of.application_id)?;
    // The same configuration, without a canary: the revision is known good, and the fleet
    // should be healthy again as fast as possible.
    let mut options =
        serde_json::from_str::<RolloutOptions>(of.rollout_options.as_deref().unwrap_or("{}"))?;
    options.canary = None;
    let row = insert_deployment(
        c,
        &group,
        &app,
        NewDeployment {
            team: of.team.clone(),
            actor: actor.to_string(),
            revision_id: uuid(&good.revision_id)?,
            config_name: of.deployment_config.clone(),
            minimum_healthy: of.minimum_healthy.clone(),
            options,
            reason: DeploymentReason::Rollback,
            rollback_of: Some(of.id.clone()),
            description: Some(format!("{why} of {}", of.id)),
            idempotency_key: None,
            request_hash: None,
            // A rollback repairs `of`: it continues that deployment's trace, so on-call sees
            // the failure and its repair together.
            traceparent: of.traceparent.clone(),
            waiting_for: None,
        },
        true,
    )?;
    // The history of the deployment rolled back says so, and by which deployment.
    let mut ev = outbox::event(crate::NAME, EventType::DeploymentRolledBack);
    ev.team = Some(of.team.clone());
    ev.actor = Some(actor.to_string());
    ev.deployment_id = Some(uuid(&of.id)?);
    (ev.application, ev.deployment_group, ev.revision_id) = (
        Some(of.application.clone()),
        Some(of.deployment_group.clone()),
        Some(uuid(&of.revision_id)?),
    );
    ev.data = serde_json::json!({
        "rollback_deployment_id": row.id,
        "to_revision_id": good.revision_id,
        "automatic": actor == "liftoff",
        "reason": why,
    });
    outbox::enqueue(c, &ev)?;
    Ok(Some(row))
}
