//! What deployment-api hands the scheduler for a deployment (`PUT /v1/rollouts/{id}`): the
//! rollout's spec, read from the deployment's row, its group, revision and bundle, with the
//! facts the scheduler judges during the rollout (health analysis, gates) as they are now.

use liftoff_kit::db::uuid;
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::deployments::{BundleRef, DeploymentReason};
use liftoff_types::scheduler::{CreateRollout, RolloutGates};

use super::intake::RolloutOptions;
use crate::store::deployments::DeploymentRow;
use crate::store::{bundles, groups, revisions, scale_out};

/// The spec of `row`'s rollout.
pub fn of(c: &mut AnyConnection, row: &DeploymentRow) -> Result<CreateRollout, ApiError> {
    let group = groups::by_id(c, &row.group_id)?;
    let revision = revisions::get(c, &row.application_id, &row.revision_id)?
        .ok_or_else(|| ApiError::internal("deployment without revision"))?;
    let bundle = bundles::get(c, &revision.sha256)?
        .ok_or_else(|| ApiError::internal("revision without bundle"))?;
    let options = RolloutOptions::from_row(row)?;
    let hosts = scale_out::target_host(c, &row.id)?
        .map(|h| uuid(&h).map(|h| vec![h]))
        .transpose()?;
    Ok(CreateRollout {
        team: row.team.clone(),
        application: row.application.clone(),
        deployment_group: row.deployment_group.clone(),
        deployment_group_id: uuid(&group.id)?,
        revision_id: uuid(&row.revision_id)?,
        bundle: BundleRef {
            sha256: bundle.sha256.clone(),
            size_bytes: bundle.size_bytes,
            format: bundle.format.clone(),
            download_path: format!(
                "/v1/applications/{}/revisions/{}/bundle",
                row.application, row.revision_id
            ),
        },
        selector: serde_json::from_str(&group.selector)?,
        minimum_healthy: serde_json::from_str(&row.minimum_healthy)?,
        created_by: row.created_by.clone(),
        zone_mode: options.zone_mode,
        zone_bake_secs: options.zone_bake_secs,
        canary: options.canary,
        rollback_of: row.rollback_of.as_deref().map(uuid).transpose()?,
        hosts,
        file_exists_behavior: options.file_exists_behavior,
        // As the group says when the deployment starts (also for rollbacks and
        // scale-out installs, which start here too).
        traffic_hooks: group.traffic_hooks,
        health_analysis: analysis_for(c, row, &group)?,
        gates: gates_for(c, row)?,
    })
}

/// The health analysis of a deployment that runs one: the group's own, else its
/// configuration's (a custom one; it cannot be deleted while the deployment is unfinished).
/// None for a rollback (the fleet must get back to the good revision while the query still
/// breaches) nor a scale-out install (a few new hosts, no batches to judge).
fn analysis_for(
    c: &mut AnyConnection,
    row: &DeploymentRow,
    group: &crate::store::groups::GroupRow,
) -> Result<Option<liftoff_types::analysis::HealthAnalysis>, ApiError> {
    let reason = DeploymentReason::parse(&row.reason).unwrap_or(DeploymentReason::User);
    if matches!(
        reason,
        DeploymentReason::Rollback | DeploymentReason::ScaleOut
    ) {
        return Ok(None);
    }
    let stored = match &group.health_analysis {
        Some(own) => Some(own.clone()),
        None if super::configs::builtin(&row.deployment_config).is_some() => None,
        None => crate::store::configs::by_name(c, &row.team, &row.deployment_config)?
            .and_then(|config| config.health_analysis),
    };
    Ok(stored.as_deref().map(serde_json::from_str).transpose()?)
}

/// The gates the scheduler judges between batches, for a deployment a person or a promotion
/// asked for (rollbacks and scale-out installs restore what runs; they are not gated): the
/// group's windows in force now, and the freezes the deployment was let through despite.
fn gates_for(c: &mut AnyConnection, row: &DeploymentRow) -> Result<Option<RolloutGates>, ApiError> {
    let reason = DeploymentReason::parse(&row.reason).unwrap_or(DeploymentReason::User);
    if !matches!(reason, DeploymentReason::User | DeploymentReason::Promotion) {
        return Ok(None);
    }
    Ok(Some(RolloutGates {
        windows: super::windows::effective_specs(c, &row.group_id, &row.application_id)?,
        overridden_freezes: super::freezes::overridden_by(
            c,
            &row.team,
            &row.application,
            row.created_at,
        )?,
    }))
}
