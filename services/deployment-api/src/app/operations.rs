//! What operators do to a deployment once it exists: stop, roll back, and the rollout
//! engine's controls (pause, resume, approve the canary, retry failed hosts, exclude a host),
//! passed on to the scheduler.

use liftoff_client::ClientError;
use liftoff_kit::db::{now, uuid};
use liftoff_kit::{ApiError, outbox};
use liftoff_types::deployments::*;
use liftoff_types::events::EventType;
use liftoff_types::scheduler::{HostOverview, RolloutAction};
use uuid::Uuid;

use super::deployments::{try_hand_off, view, view_after};
use super::rollbacks::new_rollback;
use crate::State;
use crate::store::deployments::{self, DeploymentRow};

async fn owned(state: &State, team: &str, id: Uuid) -> Result<DeploymentRow, ApiError> {
    let team = team.to_string();
    state
        .db
        .run(move |c| deployments::get(c, &id.to_string()))
        .await?
        .filter(|r| r.team == team)
        .ok_or_else(|| ApiError::not_found(format!("deployment {id} not found")))
}

/// Stops a deployment. Stopping a finished one answers its final state.
pub async fn stop(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
) -> Result<Deployment, ApiError> {
    let row = owned(state, &team, id).await?;
    let action = RolloutAction {
        actor: Some(actor.clone()),
        hosts: Vec::new(),
    };
    match row.status {
        DeploymentStatus::Created | DeploymentStatus::Queued => {
            // Not running yet, but a hand-off may have reached the scheduler: stop it there too.
            match state.peers.scheduler().control(id, "stop", &action).await {
                // It had: the rollout's answer is the outcome, as for a running one.
                Ok(rollout) => return stopped_rollout(state, &row, team, rollout).await,
                Err(ClientError::Api { status: 404, .. }) => {}
                Err(e) => return Err(ApiError::from_peer("scheduler", e)),
            }
            let (rid, from) = (row.id.clone(), row.status);
            let (app, group, rev) = (
                row.application.clone(),
                row.deployment_group.clone(),
                uuid(&row.revision_id)?,
            );
            let ev_team = team.clone();
            let finished = state
                .db
                .write(move |c| {
                    let finished = deployments::finish(
                        c,
                        &rid,
                        from,
                        DeploymentStatus::Stopped,
                        Some(("STOPPED", "stopped by request")),
                        &serde_json::to_string(&HostOverview::default())?,
                        now(),
                    )?;
                    if finished {
                        let mut ev = outbox::event(crate::NAME, EventType::DeploymentStopped);
                        ev.team = Some(ev_team);
                        ev.actor = Some(actor.clone());
                        ev.deployment_id = Some(id);
                        (ev.application, ev.deployment_group, ev.revision_id) =
                            (Some(app), Some(group), Some(rev));
                        outbox::enqueue(c, &ev)?;
                    }
                    Ok(finished)
                })
                .await?;
            if !finished {
                // The hand-off got through after the scheduler's 404 and started the rollout:
                // stop that.
                let row = owned(state, &team, id).await?;
                if is_running(row.status) {
                    return stop_running(state, &row, team, &action).await;
                }
            }
        }
        s if is_running(s) => return stop_running(state, &row, team, &action).await,
        _ => {}
    }
    view(state, row.team.clone(), id).await
}

fn is_running(status: DeploymentStatus) -> bool {
    matches!(
        status,
        DeploymentStatus::InProgress
            | DeploymentStatus::Paused
            | DeploymentStatus::AwaitingApproval
    )
}

/// Stops the scheduler's rollout of a running deployment and records its answer.
async fn stop_running(
    state: &State,
    row: &DeploymentRow,
    team: String,
    action: &RolloutAction,
) -> Result<Deployment, ApiError> {
    let id = uuid(&row.id)?;
    let rollout = state
        .peers
        .scheduler()
        .control(id, "stop", action)
        .await
        .map_err(|e| ApiError::from_peer("scheduler", e))?;
    stopped_rollout(state, row, team, rollout).await
}

/// Records the scheduler's answer to a stop (the rollout as it stands now) and answers with it.
async fn stopped_rollout(
    state: &State,
    row: &DeploymentRow,
    team: String,
    rollout: liftoff_types::scheduler::Rollout,
) -> Result<Deployment, ApiError> {
    let id = uuid(&row.id)?;
    super::progress::record_answer(state, row, &rollout).await?;
    view_after(state, team, id, rollout).await
}

/// Rolls a deployment back: a new deployment of the group's last good revision before it,
/// failed hosts first. A deployment still running is stopped first.
pub async fn rollback(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
) -> Result<Deployment, ApiError> {
    let row = owned(state, &team, id).await?;
    let row = if !row.status.is_terminal() {
        stop(state, team.clone(), actor.clone(), id).await?;
        owned(state, &team, id).await?
    } else {
        row
    };
    let of = row.clone();
    let created = state
        .db
        .write(move |c| {
            // One rollback per deployment: asking again answers the same one.
            if let Some(existing) = deployments::rollback_of(c, &of.id)? {
                return Ok(existing);
            }
            new_rollback(c, &of, "rollback", &actor)?.ok_or_else(|| {
                ApiError::conflict(
                    "no_previous_revision",
                    format!(
                        "group {:?} has no successful deployment of another revision before {}",
                        of.deployment_group, of.id
                    ),
                )
            })
        })
        .await?;
    let created = try_hand_off(state, created).await;
    view(state, team, uuid(&created.id)?).await
}

/// An operator control passed on to the scheduler: `pause`, `resume`, `approve`,
/// `retry-failed-hosts`, or excluding `host`.
pub async fn control(
    state: &State,
    team: String,
    actor: String,
    id: Uuid,
    action: &str,
    hosts: Vec<Uuid>,
    exclude: Option<Uuid>,
) -> Result<Deployment, ApiError> {
    let row = owned(state, &team, id).await?;
    match row.status {
        DeploymentStatus::InProgress
        | DeploymentStatus::Paused
        | DeploymentStatus::AwaitingApproval => {}
        DeploymentStatus::Created | DeploymentStatus::Queued => {
            return Err(ApiError::conflict(
                "not_started",
                format!(
                    "deployment {id} has not started yet ({})",
                    row.status.as_str()
                ),
            ));
        }
        s
        @ (DeploymentStatus::Succeeded | DeploymentStatus::Failed | DeploymentStatus::Stopped) => {
            return Err(ApiError::conflict(
                "deployment_finished",
                format!("deployment {id} already {}", s.as_str()),
            ));
        }
    }
    let body = RolloutAction {
        actor: Some(actor),
        hosts,
    };
    let scheduler = state.peers.scheduler();
    let rollout = match exclude {
        Some(host) => scheduler.exclude_host(id, host, &body).await,
        None => scheduler.control(id, action, &body).await,
    }
    .map_err(|e| ApiError::from_peer("scheduler", e))?;
    // The scheduler's answer is the rollout after the action: its status is recorded now, as
    // the report it is as new as; the copy of its hosts follows in that progress report.
    super::progress::record_answer(state, &row, &rollout).await?;
    view_after(state, team, id, rollout).await
}
