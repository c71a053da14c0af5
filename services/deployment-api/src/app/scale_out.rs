//! Scale-out installs: a host entered deployment groups (it enrolled with matching tags, or its
//! tags changed). For each group it entered, the host either gets a single-host `scale_out`
//! deployment of the group's last successful revision, or, when a deployment is running in the
//! group, takes part in that one. Asked by the host registry through its outbox, answered
//! through this service's; the same key answers the same.

use std::collections::BTreeMap;

use liftoff_kit::db::{now, uuid};
use liftoff_kit::outbox::Destination;
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::deployments::{DeploymentReason, DeploymentStatus, MinimumHealthy};
use liftoff_types::events::EventType;
use liftoff_types::history::{EventBatch, IngestResult};
use liftoff_types::names::{selector_matches, validate_name, validate_tag};
use liftoff_types::registry::InstallMode;
use liftoff_types::scale_out::{ScaleOutInstall, ScaleOutPlan, ScaleOutRequest};
use uuid::Uuid;

use crate::State;
use crate::store::applications::AppRow;
use crate::store::deployments::{self, DeploymentRow};
use crate::store::groups::GroupRow;
use crate::store::scale_out::{self, ScaleOutRow};
use crate::store::{applications, groups};

/// A scale-out install is one host that is out of service anyway: nothing to keep healthy.
const SCALE_OUT_CONFIG: &str = "AllAtOnce";

fn validate(req: &ScaleOutRequest) -> Result<(), ApiError> {
    validate_name("team", &req.team).map_err(ApiError::invalid_field)?;
    if req.key.is_empty() || req.key.len() > 128 || !req.key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid_field(
            "key: 1 to 128 printable ASCII characters",
        ));
    }
    for tags in std::iter::once(&req.tags).chain(req.previous_tags.as_ref()) {
        for (k, v) in tags {
            validate_tag("tags", k, v).map_err(ApiError::invalid_field)?;
        }
    }
    Ok(())
}

/// Applies a batch of `scale_out.requested` events from host-registry's outbox, in order: for
/// each, the host's installs are created and the plan queued back to the registry in one
/// transaction, then the new deployments are handed off. A redelivered request answers the
/// same installs (by its key); the registry applies a plan once, at the request's epoch.
pub async fn receive(
    state: &State,
    actor: String,
    batch: EventBatch,
) -> Result<IngestResult, ApiError> {
    let mut requests = Vec::with_capacity(batch.events.len());
    for ev in batch.events {
        if !ev.is(EventType::ScaleOutRequested) {
            return Err(ApiError::invalid_field(format!(
                "event_type: {:?} is not a scale-out request",
                ev.event_type
            )));
        }
        let req: ScaleOutRequest = serde_json::from_value(ev.data)
            .map_err(|e| ApiError::invalid_field(format!("data: not a scale-out request: {e}")))?;
        requests.push(req);
    }
    let accepted = requests.len() as u64;
    for req in requests {
        let created = state
            .db
            .write({
                let actor = actor.clone();
                move |c| plan(c, &actor, &req)
            })
            .await?;
        for row in created {
            if let Err(e) = super::deployments::hand_off(state, &row).await {
                // Written already: the tick retries the hand-off.
                tracing::warn!(deployment_id = %row.id, error = %e, "scale-out hand-off deferred");
            }
        }
    }
    Ok(IngestResult {
        accepted,
        duplicates: 0,
    })
}

/// What the host needs: creates the `scale_out` deployments and queues the plan to the
/// registry; returns the deployments to hand off. A request that is not valid is answered
/// with a refusal (the host fails with its reason), never left to block the registry's queue.
fn plan(
    c: &mut AnyConnection,
    actor: &str,
    req: &ScaleOutRequest,
) -> Result<Vec<DeploymentRow>, ApiError> {
    let mut plan = ScaleOutPlan {
        host_id: req.host_id,
        key: req.key.clone(),
        installs: Vec::new(),
        refused: None,
    };
    let mut created = Vec::new();
    match validate(req) {
        Err(e) => {
            tracing::error!(host_id = %req.host_id, error = %e.message, "scale-out request refused");
            plan.refused = Some(format!("scale-out request refused: {}", e.message));
        }
        Ok(()) => {
            for app in applications::all(c, &req.team)? {
                for group in groups::all(c, &app.id)? {
                    let selector: BTreeMap<String, Vec<String>> =
                        serde_json::from_str(&group.selector)?;
                    let entered = selector_matches(&selector, &req.tags)
                        && !req
                            .previous_tags
                            .as_ref()
                            .is_some_and(|prev| selector_matches(&selector, prev));
                    if !entered {
                        continue;
                    }
                    if let Some((install, row)) = install_for(c, req, actor, &app, &group)? {
                        plan.installs.push(install);
                        created.extend(row);
                    }
                }
            }
        }
    }
    let mut ev = outbox::event(crate::NAME, EventType::ScaleOutPlanned);
    ev.team = Some(req.team.clone());
    ev.host_id = Some(req.host_id);
    ev.data = serde_json::to_value(&plan)?;
    outbox::enqueue_to(c, Destination::HostRegistry, &ev)?;
    Ok(created)
}

/// The install one group needs, and the deployment row when a new one was created.
fn install_for(
    c: &mut AnyConnection,
    req: &ScaleOutRequest,
    actor: &str,
    app: &AppRow,
    group: &GroupRow,
) -> Result<Option<(ScaleOutInstall, Option<DeploymentRow>)>, ApiError> {
    let host = req.host_id.to_string();
    let answer = |mode, d: &DeploymentRow| -> Result<ScaleOutInstall, ApiError> {
        Ok(ScaleOutInstall {
            application: d.application.clone(),
            deployment_group: d.deployment_group.clone(),
            deployment_group_id: uuid(&group.id)?,
            mode,
            deployment_id: uuid(&d.id)?,
            revision_id: uuid(&d.revision_id)?,
        })
    };
    if let Some(done) = scale_out::find(c, &host, &group.id, &req.key)? {
        let d = deployments::get(c, &done.deployment_id)?
            .ok_or_else(|| ApiError::internal("scale-out install without deployment"))?;
        return Ok(Some((answer(InstallMode::Install, &d)?, None)));
    }
    // A deployment running in the group takes the host in (a queued one will select it when it
    // starts); other hosts' scale-out installs do not count, nor one the host joined that
    // ended without it (the scheduler told the registry before this copy heard).
    let running = deployments::active_in_group(c, &group.id)?
        .into_iter()
        .find(|d| {
            d.reason != DeploymentReason::ScaleOut.as_str()
                && !req.ended.iter().any(|e| e.to_string() == d.id)
                && matches!(
                    d.status,
                    DeploymentStatus::Created
                        | DeploymentStatus::InProgress
                        | DeploymentStatus::Paused
                        | DeploymentStatus::AwaitingApproval
                )
        });
    if let Some(d) = running {
        return Ok(Some((answer(InstallMode::Join, &d)?, None)));
    }
    let Some(revision_id) = group.last_successful_revision_id.clone() else {
        return Ok(None);
    };
    // The new host installs the revision as the deployment that made it the group's did.
    let file_exists_behavior = match &group.last_successful_deployment_id {
        Some(id) => match deployments::get(c, id)? {
            Some(d) => super::intake::RolloutOptions::from_row(&d)?.file_exists_behavior,
            None => None,
        },
        None => None,
    };
    let rollout_options = file_exists_behavior
        .map(|b| {
            serde_json::to_string(&super::intake::RolloutOptions {
                file_exists_behavior: Some(b),
                ..Default::default()
            })
        })
        .transpose()?;
    let at = now();
    let row = DeploymentRow {
        id: Uuid::now_v7().to_string(),
        team: req.team.clone(),
        application_id: app.id.clone(),
        application: app.name.clone(),
        group_id: group.id.clone(),
        deployment_group: group.name.clone(),
        revision_id,
        deployment_config: SCALE_OUT_CONFIG.into(),
        minimum_healthy: serde_json::to_string(&MinimumHealthy::HostCount(0))?,
        status: DeploymentStatus::Created,
        reason: DeploymentReason::ScaleOut.as_str().into(),
        rollback_of: None,
        description: Some(format!("scale-out install on host {}", req.host_id)),
        overview: None,
        error_code: None,
        error_message: None,
        idempotency_key: None,
        request_hash: None,
        created_by: actor.to_string(),
        created_at: at,
        started_at: None,
        completed_at: None,
        updated_at: at,
        rollout_options,
        // Handed off within the delivery of the registry's request (and its trace); a hand-off
        // retried by the tick starts a trace of its own.
        traceparent: None,
        waiting_for: None,
    };
    deployments::insert(c, &row)?;
    scale_out::insert(
        c,
        &ScaleOutRow {
            deployment_id: row.id.clone(),
            team: req.team.clone(),
            group_id: group.id.clone(),
            host_id: host.clone(),
            request_key: req.key.clone(),
            created_at: at,
        },
    )?;
    let mut ev = outbox::event(crate::NAME, EventType::DeploymentCreated);
    ev.team = Some(req.team.clone());
    ev.actor = Some(actor.to_string());
    ev.application = Some(row.application.clone());
    ev.deployment_group = Some(row.deployment_group.clone());
    ev.deployment_id = Some(uuid(&row.id)?);
    ev.revision_id = Some(uuid(&row.revision_id)?);
    ev.host_id = Some(req.host_id);
    ev.data = serde_json::json!({"deployment_config": row.deployment_config, "reason": row.reason, "status": row.status, "description": row.description, "hosts": [req.host_id]});
    outbox::enqueue(c, &ev)?;
    Ok(Some((answer(InstallMode::Install, &row)?, Some(row))))
}
