//! Rollout progress as the scheduler reports it. The scheduler owns a rollout's progress and
//! per-host state and pushes every change through its outbox (`rollout.progress` events);
//! here they become the copy that reads answer from, and the deployment's status and outcome
//! (with what follows from it: the group's last good revision, an automatic rollback).
//!
//! The scheduler numbers a rollout's reports under its lock. A report's summary is taken only
//! if its number is above the last one applied, and each host it carries only if the number is
//! above that host's own last one, all in one transaction that queues on the deployment's
//! row: a repeated report (redelivery, or a retry while the first delivery was still being
//! applied) changes nothing, and reports that arrive out of order merge into the newest state.
//! The copy is stored first, then the outcome recorded (fenced on the status, once only), so
//! a reader never sees an outcome beside older hosts; a repeat records the outcome again, so a
//! crash or an error in between is mended when the report comes back.
//!
//! The safety net for reports that never come (a deployment older than the push, or an
//! outbox lost with its database) is [`reconcile`]: minutes apart, one summary read per
//! running deployment.

use std::time::{Duration, Instant};

use liftoff_kit::ApiError;
use liftoff_kit::db::{now, uuid};
use liftoff_types::deployments::DeploymentStatus;
use liftoff_types::events::EventType;
use liftoff_types::history::{EventBatch, HistoryEvent, IngestResult};
use liftoff_types::scheduler::{Rollout, RolloutDetail, RolloutHost, RolloutProgress};

use super::deployments::record_outcome;
use crate::State;
use crate::store::deployments::{self, DeploymentRow};
use crate::store::progress::{self, Applied};

/// How often running deployments are compared with the scheduler when no report says
/// otherwise (`LIFTOFF_DEPLOYMENT_RECONCILE_SECS`).
pub const RECONCILE_EVERY: Duration = Duration::from_secs(300);

/// Applies a batch of reports; answers how many changed something and how many were repeats.
pub async fn record(state: &State, batch: EventBatch) -> Result<IngestResult, ApiError> {
    let mut result = IngestResult {
        accepted: 0,
        duplicates: 0,
    };
    for ev in batch.events {
        if !ev.is(EventType::RolloutProgress) {
            return Err(ApiError::invalid_field(format!(
                "event_type: {:?} is not a rollout progress report",
                ev.event_type
            )));
        }
        if apply(state, ev).await? {
            result.accepted += 1;
        } else {
            result.duplicates += 1;
        }
    }
    Ok(result)
}

/// Applies one report; false when it was a repeat, older than the last, or of no deployment
/// of ours.
async fn apply(state: &State, ev: HistoryEvent) -> Result<bool, ApiError> {
    let id = ev
        .deployment_id
        .ok_or_else(|| ApiError::invalid_field("deployment_id: a progress report names one"))?
        .to_string();
    let report: RolloutProgress = serde_json::from_value(ev.data).map_err(|e| {
        ApiError::invalid_field(format!("data: not a rollout progress report: {e}"))
    })?;
    let seq = report.seq;
    let row = {
        let id = id.clone();
        state.db.run(move |c| deployments::get(c, &id)).await?
    };
    let Some(row) = row else {
        return Ok(false);
    };
    if row.status == DeploymentStatus::Queued {
        // Not handed off: no report can be about it yet; nothing to apply.
        return Ok(false);
    }
    // The copy first, then the outcome: a reader never sees an outcome beside older hosts.
    let hosts = report
        .hosts
        .iter()
        .map(|h| {
            Ok((
                h.host.host_id.to_string(),
                h.position,
                serde_json::to_string(&h.host)?,
            ))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(take(state, row, seq, &report.summary, hosts).await? == Applied::Fresh)
}

/// The scheduler's direct answer about a rollout (to an operator's control, or to the
/// reconciliation's read), taken as the report it says it is as new as: the summary if no newer
/// report was applied, and then the reports older than it that are still on their way change
/// nothing (a report sent before a pause must not undo the pause the answer already shows).
pub async fn record_answer(
    state: &State,
    row: &DeploymentRow,
    rollout: &Rollout,
) -> Result<(), ApiError> {
    let Some(seq) = rollout.report_seq else {
        // A scheduler that does not number its answers: its word, as it stands.
        record_outcome(state, row, rollout).await?;
        return Ok(());
    };
    let mut summary = rollout.clone();
    summary.hosts.clear();
    take(state, row.clone(), seq, &summary, Vec::new()).await?;
    Ok(())
}

/// Stores report `seq` (its summary and hosts) in the copy, then records the outcome from the
/// summary the copy holds for that number. A repeat records it again, so an
/// outcome that a crash or an error kept from being recorded the first time is recorded when
/// the report comes back (recording is fenced, so never twice).
async fn take(
    state: &State,
    row: DeploymentRow,
    seq: i64,
    summary: &Rollout,
    hosts: Vec<(String, i32, String)>,
) -> Result<Applied, ApiError> {
    let summary_json = serde_json::to_string(summary)?;
    let (applied, stored) = {
        let id = row.id.clone();
        state
            .db
            .write(move |c| {
                let applied = progress::apply(c, &id, seq, &summary_json, &hosts)?;
                // On a repeat the copy keeps the summary it had for this number (a control's
                // answer may be newer than the report it names); otherwise it is this one.
                let stored = match applied {
                    Applied::Repeat => progress::summary(c, &id)?.0,
                    Applied::Fresh | Applied::Stale => None,
                };
                Ok((applied, stored))
            })
            .await?
    };
    if applied == Applied::Stale {
        // A newer report was applied first; its own application records the outcome.
        return Ok(applied);
    }
    let row = started(state, row).await?;
    let latest = stored
        .map(|s| serde_json::from_str::<Rollout>(&s))
        .transpose()?;
    record_outcome(state, &row, latest.as_ref().unwrap_or(summary)).await?;
    state.changes.send_modify(|n| *n = n.wrapping_add(1));
    Ok(applied)
}

/// A `Created` deployment the scheduler reports on was handed off (its answer was lost, or
/// the report outran it): it is `InProgress`, started now.
async fn started(state: &State, row: DeploymentRow) -> Result<DeploymentRow, ApiError> {
    if row.status != DeploymentStatus::Created {
        return Ok(row);
    }
    state
        .db
        .write(move |c| {
            deployments::transition(
                c,
                &row.id,
                DeploymentStatus::Created,
                DeploymentStatus::InProgress,
                now(),
            )?;
            deployments::get(c, &row.id)?.ok_or_else(|| ApiError::not_found("deployment"))
        })
        .await
}

/// The rollout's summary as last reported (if a report arrived), and every host's state as
/// last known (reported, or planned at the hand-off).
pub async fn reported(
    state: &State,
    id: &str,
) -> Result<(Option<Rollout>, Vec<RolloutHost>), ApiError> {
    let id = id.to_string();
    state
        .db
        .run(move |c| {
            let summary = progress::summary(c, &id)?
                .0
                .map(|s| serde_json::from_str(&s))
                .transpose()?;
            let hosts = progress::hosts(c, &id)?
                .iter()
                .map(|h| serde_json::from_str(h))
                .collect::<Result<_, _>>()?;
            Ok((summary, hosts))
        })
        .await
}

/// When the last sweep ran, so the tick runs one only every `every`.
#[derive(Debug, Default)]
pub struct Sweep(std::sync::Mutex<Option<Instant>>);

impl Sweep {
    fn due(&self, every: Duration) -> bool {
        let Ok(mut last) = self.0.lock() else {
            return false;
        };
        match *last {
            Some(t) if t.elapsed() < every => false,
            _ => {
                *last = Some(Instant::now());
                true
            }
        }
    }
}

/// The safety net: every `reconcile_every`, each running deployment's outcome is read from
/// the scheduler once (the summary, no hosts) and recorded. Not on every tick: reports are
/// how deployment-api learns; this only catches the ones that never came.
pub async fn reconcile(state: &State) -> Result<usize, ApiError> {
    if !state.sweep.due(state.config.reconcile_every) {
        return Ok(0);
    }
    let rows = state.db.run(deployments::active).await?;
    let mut n = 0;
    for row in rows {
        if !matches!(
            row.status,
            DeploymentStatus::InProgress
                | DeploymentStatus::Paused
                | DeploymentStatus::AwaitingApproval
        ) {
            continue;
        }
        let rollout = state
            .peers
            .scheduler()
            .get_rollout_detail(uuid(&row.id)?, RolloutDetail::Summary)
            .await
            .map_err(|e| ApiError::from_peer("scheduler", e))?;
        record_answer(state, &row, &rollout).await?;
        n += 1;
    }
    Ok(n)
}
