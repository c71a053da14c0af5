//! Deployments: accept the intent, hand it to the scheduler, record the outcome.
//! The row is written before the hand-off; a hand-off that fails is retried by the tick, and
//! the scheduler's `PUT` is idempotent, so nothing is lost or started twice.

use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::{ApiError, outbox};
use liftoff_types::ErrorDetail;
use liftoff_types::deployments::*;
use liftoff_types::names::{validate_name, validate_text};
use liftoff_types::scheduler::{CreateRollout, HostOverview, Rollout};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::State;
use crate::store::deployments::{self, DeploymentRow, ListFilter};
use crate::store::{applications, bundles, groups, revisions, scale_out};

pub const DEFAULT_PAGE: i64 = 50;
pub const MAX_PAGE: i64 = 200;

fn to_deployment(row: &DeploymentRow, rollout: Option<&Rollout>) -> Result<Deployment, ApiError> {
    let overview = match (rollout, &row.overview) {
        (Some(r), _) => r.overview,
        (None, Some(stored)) => serde_json::from_str(stored)?,
        (None, None) => HostOverview::default(),
    };
    Ok(Deployment {
        deployment_id: uuid(&row.id)?,
        application: row.application.clone(),
        deployment_group: row.deployment_group.clone(),
        revision_id: uuid(&row.revision_id)?,
        deployment_config: row.deployment_config.clone(),
        status: DeploymentStatus::parse(&row.status).ok_or_else(|| {
            ApiError::internal(format!("unknown deployment status {}", row.status))
        })?,
        reason: DeploymentReason::parse(&row.reason).unwrap_or(DeploymentReason::User),
        rollback_of: row.rollback_of.as_deref().map(uuid).transpose()?,
        description: row.description.clone(),
        created_by: row.created_by.clone(),
        created_at: to_utc(row.created_at),
        started_at: row.started_at.map(to_utc),
        completed_at: row.completed_at.map(to_utc),
        error: row.error_code.as_ref().map(|code| ErrorDetail {
            code: code.clone(),
            message: row.error_message.clone().unwrap_or_default(),
        }),
        overview,
        hosts: rollout.map(|r| r.hosts.clone()).unwrap_or_default(),
    })
}

fn request_hash(req: &CreateDeployment) -> Result<String, ApiError> {
    Ok(hex::encode(Sha256::digest(serde_json::to_vec(req)?)))
}

/// Accepts a deployment. With an idempotency key, the same request again answers the same
/// deployment; the same key with another body is refused (422).
pub async fn create(
    state: &State,
    team: String,
    actor: String,
    req: CreateDeployment,
    idempotency_key: Option<String>,
) -> Result<(Deployment, bool), ApiError> {
    create_with_reason(
        state,
        team,
        actor,
        req,
        idempotency_key,
        DeploymentReason::User,
    )
    .await
}

/// [`create`], recording why the deployment exists (a user, a promotion, ...).
pub async fn create_with_reason(
    state: &State,
    team: String,
    actor: String,
    req: CreateDeployment,
    idempotency_key: Option<String>,
    reason: DeploymentReason,
) -> Result<(Deployment, bool), ApiError> {
    validate_name("application", &req.application).map_err(ApiError::invalid_field)?;
    validate_name("deployment_group", &req.deployment_group).map_err(ApiError::invalid_field)?;
    let revision_id = Uuid::parse_str(&req.revision).map_err(|_| {
        ApiError::invalid_field(format!("revision: {:?} is not a revision id", req.revision))
    })?;
    if let Some(d) = &req.description {
        validate_text("description", d, 4096).map_err(ApiError::invalid_field)?;
    }
    if let Some(k) = &idempotency_key
        && (k.is_empty() || k.len() > 255 || !k.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(ApiError::bad_request(
            "invalid_header",
            "Idempotency-Key: 1 to 255 printable ASCII characters",
        ));
    }
    let hash = request_hash(&req)?;
    let (row, created) = state
        .db
        .write(move |c| {
            if let Some(key) = &idempotency_key
                && let Some(existing) = deployments::by_idempotency_key(c, &team, key)?
            {
                if existing.request_hash.as_deref() != Some(hash.as_str()) {
                    return Err(ApiError::unprocessable(
                        "idempotency_key_reused",
                        "this Idempotency-Key was used with a different request",
                    ));
                }
                super::idempotency::refuse_in_flight(c, &existing)?;
                return Ok((existing, false));
            }
            let app = applications::require(c, &team, &req.application)?;
            let group = groups::by_name(c, &app.id, &req.deployment_group)?
                .ok_or_else(|| ApiError::not_found(format!("deployment group {:?} not found", req.deployment_group)))?;
            revisions::get(c, &app.id, &revision_id.to_string())?
                .ok_or_else(|| ApiError::not_found(format!("revision {revision_id} not found")))?;
            let config = super::configs::resolve(c, &team, req.config.as_deref().unwrap_or(&group.deployment_config))?;
            let active = deployments::active_in_group(c, &group.id)?;
            let status = if active.is_empty() {
                DeploymentStatus::Created
            } else if group.concurrency_policy == ConcurrencyPolicy::Queue.as_str() {
                DeploymentStatus::Queued
            } else {
                return Err(ApiError::conflict(
                    "deployment_in_progress",
                    format!("deployment {} is still running in group {:?}", active[0].id, group.name),
                ));
            };
            let at = now();
            let row = DeploymentRow {
                id: Uuid::now_v7().to_string(),
                team: team.clone(),
                application_id: app.id.clone(),
                application: app.name.clone(),
                group_id: group.id.clone(),
                deployment_group: group.name.clone(),
                revision_id: revision_id.to_string(),
                deployment_config: config.name.clone(),
                minimum_healthy: serde_json::to_string(&config.minimum_healthy)?,
                status: status.as_str().into(),
                reason: reason.as_str().into(),
                rollback_of: None,
                description: req.description.clone(),
                overview: None,
                error_code: None,
                error_message: None,
                idempotency_key: idempotency_key.clone(),
                request_hash: Some(hash.clone()),
                created_by: actor.clone(),
                created_at: at,
                started_at: None,
                completed_at: None,
                updated_at: at,
            };
            deployments::insert(c, &row).map_err(|e| super::idempotency::on_insert_error(e, idempotency_key.is_some()))?;
            super::idempotency::record_options(c, &row.id, &config, idempotency_key.is_some())?;
            let mut ev = outbox::event(crate::NAME, "deployment.created");
            ev.team = Some(team.clone());
            ev.actor = Some(actor.clone());
            ev.application = Some(row.application.clone());
            ev.deployment_group = Some(row.deployment_group.clone());
            ev.deployment_id = Some(uuid(&row.id)?);
            ev.revision_id = Some(revision_id);
            ev.data = serde_json::json!({"deployment_config": row.deployment_config, "reason": row.reason, "status": row.status, "description": row.description, "rollback_of": row.rollback_of});
            outbox::enqueue(c, &ev)?;
            Ok((row, true))
        })
        .await?;
    let row = if created && row.status == DeploymentStatus::Created.as_str() {
        match hand_off(state, &row).await {
            Ok(r) => r,
            Err(e) => {
                // Written already: the tick retries the hand-off.
                tracing::warn!(deployment_id = %row.id, error = %e, "hand-off to scheduler deferred");
                row
            }
        }
    } else {
        row
    };
    if created && row.idempotency_key.is_some() {
        super::idempotency::release(state, &row.id).await;
    }
    Ok((to_deployment(&row, None)?, created))
}

/// Gives a `Created` deployment to the scheduler and marks it `InProgress`.
pub(crate) async fn hand_off(
    state: &State,
    row: &DeploymentRow,
) -> Result<DeploymentRow, ApiError> {
    let id = row.id.clone();
    let spec = {
        let row = row.clone();
        state
            .db
            .run(move |c| {
                let group = groups::by_id(c, &row.group_id)?;
                let revision = revisions::get(c, &row.application_id, &row.revision_id)?
                    .ok_or_else(|| ApiError::internal("deployment without revision"))?;
                let bundle = bundles::get(c, &revision.sha256)?
                    .ok_or_else(|| ApiError::internal("revision without bundle"))?;
                let (zone_mode, canary_batch_size) = deployments::rollout_options(c, &row.id)?;
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
                    zone_mode: zone_mode
                        .as_deref()
                        .and_then(ZoneMode::parse)
                        .unwrap_or_default(),
                    canary_batch_size: canary_batch_size.map(|n| n.max(0) as u32),
                    hosts,
                })
            })
            .await?
    };
    let deployment_id = uuid(&id)?;
    state
        .peers
        .scheduler()
        .put_rollout(deployment_id, &spec)
        .await
        .map_err(|e| ApiError::from_peer("scheduler", e))?;
    state
        .db
        .write(move |c| {
            deployments::transition(c, &id, "Created", "InProgress", now())?;
            deployments::get(c, &id)?.ok_or_else(|| ApiError::not_found("deployment"))
        })
        .await
}

/// Records a finished rollout as the deployment's outcome.
async fn record_outcome(
    state: &State,
    row: &DeploymentRow,
    rollout: &Rollout,
) -> Result<DeploymentRow, ApiError> {
    let status = match rollout.status {
        liftoff_types::scheduler::RolloutStatus::Succeeded => DeploymentStatus::Succeeded,
        liftoff_types::scheduler::RolloutStatus::Failed => DeploymentStatus::Failed,
        liftoff_types::scheduler::RolloutStatus::Stopped => DeploymentStatus::Stopped,
        _ => return Ok(row.clone()),
    };
    let overview = serde_json::to_string(&rollout.overview)?;
    let error = rollout
        .error_code
        .clone()
        .map(|c| (c, rollout.error_message.clone().unwrap_or_default()));
    let completed = rollout
        .completed_at
        .map(|t| t.naive_utc())
        .unwrap_or_else(now);
    let row = row.clone();
    state
        .db
        .write(move |c| {
            let finished = deployments::finish(
                c,
                &row.id,
                &row.status,
                status.as_str(),
                error.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
                &overview,
                completed,
            )?;
            if finished && status == DeploymentStatus::Succeeded {
                groups::record_success(c, &row.group_id, &row.revision_id, &row.id, now())?;
            }
            deployments::get(c, &row.id)?.ok_or_else(|| ApiError::not_found("deployment"))
        })
        .await
}

/// Brings one deployment forward: hand off, start from the queue, or record the outcome.
/// Returns the row and, when the scheduler answered, the live rollout.
async fn sync(
    state: &State,
    row: DeploymentRow,
) -> Result<(DeploymentRow, Option<Rollout>), ApiError> {
    match row.status.as_str() {
        "Created" => Ok((hand_off(state, &row).await?, None)),
        "Queued" => {
            let (group_id, id) = (row.group_id.clone(), row.id.clone());
            let promoted = state
                .db
                .write(move |c| {
                    let active = deployments::active_in_group(c, &group_id)?;
                    let blocked = active.iter().any(|d| d.status != "Queued");
                    let first_queued = active
                        .iter()
                        .find(|d| d.status == "Queued")
                        .map(|d| d.id.clone());
                    if !blocked && first_queued.as_deref() == Some(id.as_str()) {
                        deployments::transition(c, &id, "Queued", "Created", now())?;
                        return deployments::get(c, &id);
                    }
                    Ok(None)
                })
                .await?;
            match promoted {
                Some(r) => Ok((hand_off(state, &r).await?, None)),
                None => Ok((row, None)),
            }
        }
        "InProgress" => {
            let rollout = state
                .peers
                .scheduler()
                .get_rollout(uuid(&row.id)?)
                .await
                .map_err(|e| ApiError::from_peer("scheduler", e))?;
            let row = record_outcome(state, &row, &rollout).await?;
            Ok((row, Some(rollout)))
        }
        _ => Ok((row, None)),
    }
}

/// A deployment of the caller's team, with its live per-host detail.
pub async fn view(state: &State, team: String, id: Uuid) -> Result<Deployment, ApiError> {
    let row = state
        .db
        .run(move |c| deployments::get(c, &id.to_string()))
        .await?
        .filter(|r| r.team == team)
        .ok_or_else(|| ApiError::not_found(format!("deployment {id} not found")))?;
    let (row, rollout) = match sync(state, row.clone()).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(deployment_id = %id, error = %e, "could not refresh deployment from scheduler");
            (row, None)
        }
    };
    let rollout = match (rollout, row.status.as_str()) {
        (Some(r), _) => Some(r),
        (None, "Succeeded" | "Failed" | "Stopped") if row.started_at.is_some() => {
            state.peers.scheduler().get_rollout(id).await.ok()
        }
        _ => None,
    };
    to_deployment(&row, rollout.as_ref())
}

pub async fn list(
    state: &State,
    mut filter: ListFilter,
    cursor: Option<String>,
) -> Result<DeploymentList, ApiError> {
    if filter.limit <= 0 || filter.limit > MAX_PAGE {
        return Err(ApiError::invalid_field(format!(
            "limit: must be 1 to {MAX_PAGE}"
        )));
    }
    if let Some(c) = cursor {
        let id = Uuid::parse_str(&c)
            .map_err(|_| ApiError::invalid_field("cursor: not a cursor from this API"))?;
        filter.before_id = Some(id.to_string());
    }
    let limit = filter.limit;
    filter.limit += 1;
    let mut rows = state.db.run(move |c| deployments::list(c, &filter)).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| r.id.clone())
    } else {
        None
    };
    let deployments = rows
        .iter()
        .map(|r| to_deployment(r, None))
        .collect::<Result<_, _>>()?;
    Ok(DeploymentList {
        deployments,
        next_cursor,
    })
}

/// Stops a deployment. Stopping a finished one answers its final state.
pub async fn stop(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
) -> Result<Deployment, ApiError> {
    let row = state
        .db
        .run(move |c| deployments::get(c, &id.to_string()))
        .await?
        .filter(|r| r.team == team)
        .ok_or_else(|| ApiError::not_found(format!("deployment {id} not found")))?;
    match row.status.as_str() {
        "Created" | "Queued" => {
            // Not running yet, but a hand-off may have reached the scheduler: stop it there too.
            match state.peers.scheduler().stop_rollout(id).await {
                Ok(_) | Err(liftoff_client::ClientError::Api { status: 404, .. }) => {}
                Err(e) => return Err(ApiError::from_peer("scheduler", e)),
            }
            let (rid, from) = (row.id.clone(), row.status.clone());
            let (app, group, rev) = (
                row.application.clone(),
                row.deployment_group.clone(),
                uuid(&row.revision_id)?,
            );
            state
                .db
                .write(move |c| {
                    if deployments::finish(
                        c,
                        &rid,
                        &from,
                        "Stopped",
                        Some(("STOPPED", "stopped by request")),
                        &serde_json::to_string(&HostOverview::default())?,
                        now(),
                    )? {
                        let mut ev = outbox::event(crate::NAME, "deployment.stopped");
                        ev.team = Some(team.clone());
                        ev.actor = Some(actor.clone());
                        ev.deployment_id = Some(id);
                        (ev.application, ev.deployment_group, ev.revision_id) =
                            (Some(app), Some(group), Some(rev));
                        outbox::enqueue(c, &ev)?;
                    }
                    Ok(())
                })
                .await?;
        }
        "InProgress" => {
            let rollout = state
                .peers
                .scheduler()
                .stop_rollout(id)
                .await
                .map_err(|e| ApiError::from_peer("scheduler", e))?;
            record_outcome(state, &row, &rollout).await?;
        }
        _ => {}
    }
    view(state, row.team.clone(), id).await
}

/// Background work: hand off, promote queued, record outcomes.
pub async fn tick(state: &State) -> Result<(), ApiError> {
    let rows = state.db.run(deployments::active).await?;
    for row in rows {
        let id = row.id.clone();
        if let Err(e) = sync(state, row).await {
            tracing::debug!(deployment_id = %id, error = %e, "deployment sync deferred");
        }
    }
    Ok(())
}
