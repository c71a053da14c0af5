//! Operator controls: stop, pause, resume, approve the canary, retry failed hosts, exclude a
//! host. Each is one transaction under the rollout's lock, recorded in history with who asked.

use chrono::{DateTime, Utc};
use liftoff_kit::db::uuid;
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::events::EventType;
use liftoff_types::scheduler::*;
use uuid::Uuid;

use super::engine::{self, Woken, event_for};
use super::plan;
use super::rollouts::view;
use crate::State;
use crate::store::rollouts::{self, RolloutRow};
use crate::store::targets::{self, Change};
use crate::store::{commands, db_now};

fn locked(c: &mut AnyConnection, id: Uuid) -> Result<RolloutRow, ApiError> {
    rollouts::lock(c, id)?;
    rollouts::get(c, id)?.ok_or_else(|| ApiError::not_found(format!("rollout {id} not found")))
}

fn finished(row: &RolloutRow) -> ApiError {
    ApiError::conflict(
        "deployment_finished",
        format!(
            "deployment {} already {}",
            row.deployment_id,
            row.status.as_str()
        ),
    )
}

fn record(
    c: &mut AnyConnection,
    row: &RolloutRow,
    event_type: EventType,
    actor: &Option<String>,
    data: serde_json::Value,
) -> Result<(), ApiError> {
    let mut ev = event_for(row, event_type)?;
    ev.actor = actor.clone();
    ev.data = data;
    outbox::enqueue(c, &ev)
}

/// Runs `f` under the rollout's lock, wakes the hosts it dispatched to, answers the rollout.
async fn act<F>(state: &State, id: Uuid, f: F) -> Result<Rollout, ApiError>
where
    F: FnOnce(&mut AnyConnection, RolloutRow, DateTime<Utc>) -> Result<Woken, ApiError>
        + Send
        + 'static,
{
    let gate_now = state.config.clock.now();
    let woken = state
        .db
        .write(move |c| {
            let row = locked(c, id)?;
            let woken = f(c, row, gate_now)?;
            // `stop` ends without a step: report here, for every control alike.
            super::progress::report(c, id)?;
            Ok(woken)
        })
        .await?;
    state.mailbox.wake(&woken);
    view(state, id, None, RolloutDetail::Hosts).await
}

/// Stops a rollout: nothing new starts, commands not yet picked up are cancelled, hosts
/// already running finish and are recorded. Stopping a finished rollout changes nothing.
pub async fn stop(state: &State, id: Uuid, action: RolloutAction) -> Result<Rollout, ApiError> {
    act(state, id, move |c, row, _| {
        if row.status.is_terminal() {
            return Ok(Vec::new());
        }
        let at = db_now(c)?;
        rollouts::set_status(
            c,
            &row.deployment_id,
            row.status,
            RolloutStatus::Stopped,
            Some(("STOPPED", "stopped by request")),
            at,
        )?;
        for cmd in commands::dispatched_of_rollout(c, &row.deployment_id)? {
            if commands::transition(
                c,
                &cmd.id,
                &[CommandStatus::Dispatched],
                CommandStatus::Cancelled,
                Some(("STOPPED", "deployment stopped")),
                at,
            )? {
                targets::transition(
                    c,
                    &row.deployment_id,
                    &cmd.host_id,
                    &[HostTargetStatus::Dispatched],
                    HostTargetStatus::Skipped,
                    Change {
                        error: Some(("stopped", "deployment stopped before the host started")),
                        at: Some(at),
                        ..Change::default()
                    },
                )?;
            }
        }
        targets::skip_pending(c, &row.deployment_id, at)?;
        record(
            c,
            &row,
            EventType::DeploymentStopped,
            &action.actor,
            serde_json::Value::Null,
        )?;
        Ok(Vec::new())
    })
    .await
}

/// Holds a running rollout: nothing new starts and it does not conclude; hosts already
/// running finish. Pausing a paused rollout changes nothing.
pub async fn pause(state: &State, id: Uuid, action: RolloutAction) -> Result<Rollout, ApiError> {
    act(state, id, move |c, row, _| {
        match row.status {
            RolloutStatus::Paused => return Ok(Vec::new()),
            RolloutStatus::InProgress => {}
            RolloutStatus::Pending => return Err(ApiError::conflict("not_started", "the rollout is being planned; try again in a moment")),
            RolloutStatus::AwaitingApproval => return Err(ApiError::conflict("awaiting_approval", "the rollout already waits for approval after its canary batch; approve or stop it")),
            RolloutStatus::Succeeded | RolloutStatus::Failed | RolloutStatus::Stopped => return Err(finished(&row)),
        }
        let at = db_now(c)?;
        rollouts::set_status(c, &row.deployment_id, RolloutStatus::InProgress, RolloutStatus::Paused, None, at)?;
        record(c, &row, EventType::DeploymentPaused, &action.actor, serde_json::Value::Null)?;
        Ok(Vec::new())
    })
    .await
}

/// Resumes a paused rollout where it was.
pub async fn resume(state: &State, id: Uuid, action: RolloutAction) -> Result<Rollout, ApiError> {
    act(state, id, move |c, row, gate_now| {
        match row.status {
            RolloutStatus::InProgress | RolloutStatus::Pending => return Ok(Vec::new()),
            RolloutStatus::Paused => {}
            RolloutStatus::AwaitingApproval => {
                return Err(ApiError::conflict(
                    "awaiting_approval",
                    "the rollout waits for approval after its canary batch; approve it instead",
                ));
            }
            RolloutStatus::Succeeded | RolloutStatus::Failed | RolloutStatus::Stopped => {
                return Err(finished(&row));
            }
        }
        let at = db_now(c)?;
        // A rollout paused while its canary waited resumes waiting, not dispatching.
        let canary_done = row.canary_hosts > 0 && row.approved_at.is_none() && {
            let (pending, in_flight) =
                targets::canary_counts(c, &row.deployment_id, row.canary_hosts)?;
            pending == 0 && in_flight == 0
        };
        let to = if canary_done {
            RolloutStatus::AwaitingApproval
        } else {
            RolloutStatus::InProgress
        };
        rollouts::set_status(c, &row.deployment_id, RolloutStatus::Paused, to, None, at)?;
        record(
            c,
            &row,
            EventType::DeploymentResumed,
            &action.actor,
            serde_json::Value::Null,
        )?;
        engine::step(c, uuid(&row.deployment_id)?, gate_now)
    })
    .await
}

/// Approves the rest of the fleet after the canary batch.
pub async fn approve(state: &State, id: Uuid, action: RolloutAction) -> Result<Rollout, ApiError> {
    act(state, id, move |c, row, gate_now| {
        match row.status {
            RolloutStatus::AwaitingApproval => {}
            RolloutStatus::InProgress | RolloutStatus::Paused if row.approved_at.is_some() => return Ok(Vec::new()),
            s if s.is_terminal() => return Err(finished(&row)),
            _ => return Err(ApiError::conflict("not_awaiting_approval", "the rollout is not waiting for approval (no canary batch, or it has not finished yet)")),
        }
        let at = db_now(c)?;
        rollouts::approve(c, &row.deployment_id, at)?;
        record(c, &row, EventType::DeploymentApproved, &action.actor, serde_json::json!({"canary_hosts": row.canary_hosts}))?;
        engine::step(c, uuid(&row.deployment_id)?, gate_now)
    })
    .await
}

/// Gives failed hosts (all of them, or those listed) another attempt, first in line.
pub async fn retry_failed(
    state: &State,
    id: Uuid,
    action: RolloutAction,
) -> Result<Rollout, ApiError> {
    act(state, id, move |c, row, gate_now| {
        match row.status {
            RolloutStatus::InProgress | RolloutStatus::Paused | RolloutStatus::AwaitingApproval => {
            }
            RolloutStatus::Pending => {
                return Err(ApiError::conflict(
                    "not_started",
                    "the rollout is being planned; try again in a moment",
                ));
            }
            RolloutStatus::Succeeded | RolloutStatus::Failed | RolloutStatus::Stopped => {
                return Err(ApiError::conflict(
                    "deployment_finished",
                    format!(
                        "deployment {} already {}: start a new deployment (or a rollback) instead",
                        row.deployment_id,
                        row.status.as_str()
                    ),
                ));
            }
        }
        let failed = targets::with_status(c, &row.deployment_id, &[HostTargetStatus::Failed])?;
        let wanted: Vec<String> = if action.hosts.is_empty() {
            failed.iter().map(|t| t.host_id.clone()).collect()
        } else {
            let mut out = Vec::new();
            for h in &action.hosts {
                let h = h.to_string();
                if !failed.iter().any(|t| t.host_id == h) {
                    return Err(match targets::get(c, &row.deployment_id, &h)? {
                        Some(t) => ApiError::conflict(
                            "host_not_failed",
                            format!("host {h} is {}, not Failed", t.status.as_str()),
                        ),
                        None => {
                            ApiError::not_found(format!("host {h} is not part of this deployment"))
                        }
                    });
                }
                out.push(h);
            }
            out
        };
        let at = db_now(c)?;
        for h in &wanted {
            targets::transition(
                c,
                &row.deployment_id,
                h,
                &[HostTargetStatus::Failed],
                HostTargetStatus::Pending,
                Change {
                    at: Some(at),
                    next_attempt: true,
                    ..Change::default()
                },
            )?;
        }
        record(
            c,
            &row,
            EventType::DeploymentHostsRetried,
            &action.actor,
            serde_json::json!({"hosts": wanted}),
        )?;
        engine::step(c, uuid(&row.deployment_id)?, gate_now)
    })
    .await
}

/// Takes a host out of the rollout (and out of its availability arithmetic): a pending or
/// failed host is skipped, a command not yet picked up is cancelled; a running host is refused.
pub async fn exclude(
    state: &State,
    id: Uuid,
    host: Uuid,
    action: RolloutAction,
) -> Result<Rollout, ApiError> {
    act(state, id, move |c, row, gate_now| {
        if !matches!(
            row.status,
            RolloutStatus::InProgress | RolloutStatus::Paused | RolloutStatus::AwaitingApproval
        ) {
            return Err(finished(&row));
        }
        let h = host.to_string();
        let t = targets::get(c, &row.deployment_id, &h)?
            .ok_or_else(|| ApiError::not_found(format!("host {host} is not part of this deployment")))?;
        let at = db_now(c)?;
        let excluded = Change {
            error: Some(("excluded", "excluded by an operator")),
            at: Some(at),
            ..Change::default()
        };
        match t.status {
            HostTargetStatus::Skipped => return Ok(Vec::new()),
            HostTargetStatus::Pending | HostTargetStatus::Failed => {
                let from = [HostTargetStatus::Pending, HostTargetStatus::Failed];
                targets::transition(c, &row.deployment_id, &h, &from, HostTargetStatus::Skipped, excluded)?;
            }
            HostTargetStatus::Dispatched => {
                let cancelled = match &t.command_id {
                    Some(cid) => commands::transition(c, cid, &[CommandStatus::Dispatched], CommandStatus::Cancelled, Some(("excluded", "excluded by an operator")), at)?,
                    None => false,
                };
                if !cancelled {
                    return Err(ApiError::conflict("host_running", "the host has just started its command; wait for it to finish"));
                }
                targets::transition(c, &row.deployment_id, &h, &[HostTargetStatus::Dispatched], HostTargetStatus::Skipped, excluded)?;
            }
            HostTargetStatus::InProgress => return Err(ApiError::conflict("host_running", "the host is running its command; wait for it to finish, or stop the deployment")),
            HostTargetStatus::Succeeded => return Err(ApiError::conflict("host_finished", format!("host {host} already {}", t.status.as_str()))),
        }
        refuse_if_unreachable(c, &row, host)?;
        record(c, &row, EventType::DeploymentHostExcluded, &action.actor, serde_json::json!({"host_id": host, "was": t.status}))?;
        engine::step(c, uuid(&row.deployment_id)?, gate_now)
    })
    .await
}

/// An exclusion that would leave the rollout unable to go on at all (no host left, or too few
/// for its minimum of healthy hosts to let any go offline) is refused (409 `too_few_hosts`),
/// instead of failing the whole deployment; the caller's transaction is rolled back, so
/// nothing changes.
fn refuse_if_unreachable(
    c: &mut AnyConnection,
    row: &RolloutRow,
    host: Uuid,
) -> Result<(), ApiError> {
    let spec = engine::spec_of(row)?;
    let mut counts = plan::Counts::default();
    for z in targets::zones(c, &row.deployment_id)?.values() {
        counts.add(z);
    }
    let minimum = spec.minimum_healthy.hosts(counts.fleet());
    match plan::next_step(counts, minimum) {
        plan::Step::Finish(plan::Outcome::Failed { code, message })
            if code == "HEALTH_CONSTRAINTS_INVALID" || code == "NO_INSTANCES" =>
        {
            Err(ApiError::conflict(
                "too_few_hosts",
                format!(
                    "excluding host {host} would end the deployment: {message}; stop it instead"
                ),
            ))
        }
        _ => Ok(()),
    }
}
