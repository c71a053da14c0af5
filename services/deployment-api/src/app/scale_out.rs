//! Scale-out installs: a host entered deployment groups (it enrolled with matching tags, or its
//! tags changed). For each group it entered, the host either gets a single-host `scale_out`
//! deployment of the group's last successful revision, or, when a deployment is running in the
//! group, takes part in that one. Asked by the host registry; the same key answers the same.

use std::collections::BTreeMap;

use liftoff_kit::db::{now, uuid};
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::deployments::{DeploymentReason, DeploymentStatus, MinimumHealthy};
use liftoff_types::events::EventType;
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

/// What the host needs; creates and hands off the `scale_out` deployments.
pub async fn plan(
    state: &State,
    actor: String,
    req: ScaleOutRequest,
) -> Result<ScaleOutPlan, ApiError> {
    validate(&req)?;
    let (plan, created) = state
        .db
        .write(move |c| {
            let mut installs = Vec::new();
            let mut created = Vec::new();
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
                    if let Some((install, row)) = install_for(c, &req, &actor, &app, &group)? {
                        installs.push(install);
                        created.extend(row);
                    }
                }
            }
            Ok((ScaleOutPlan { installs }, created))
        })
        .await?;
    for row in created {
        if let Err(e) = super::deployments::hand_off(state, &row).await {
            // Written already: the tick retries the hand-off.
            tracing::warn!(deployment_id = %row.id, error = %e, "scale-out hand-off deferred");
        }
    }
    Ok(plan)
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
    // starts); other hosts' scale-out installs do not count.
    let running = deployments::active_in_group(c, &group.id)?
        .into_iter()
        .find(|d| {
            d.reason != DeploymentReason::ScaleOut.as_str()
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
        // Handed off within the registry's request (and its trace); a hand-off retried by the
        // tick starts a trace of its own.
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
