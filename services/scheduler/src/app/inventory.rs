//! Telling host-registry what each host runs. host-registry's database is the authority for
//! the inventory; the scheduler is where a host's deployment is known to have succeeded. So
//! the success is written to `inventory_outbox` in the transaction that records it, and a
//! relay delivers it (oldest first, deleted only once acknowledged, with backoff while the
//! registry is unreachable). The registry keeps the latest success per host and application,
//! so a report delivered twice, or by two replicas at once, changes nothing.

use chrono::NaiveDateTime;
use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::registry::{HostRevisionReport, HostRevisionReports};

use crate::State;
use crate::store::commands::CommandRow;
use crate::store::inventory::{self, NewSuccess, SuccessRow};
use crate::store::rollouts::RolloutRow;

/// Most reports per delivery (a few hundred bytes each: well under the JSON body cap).
const BATCH: i64 = 200;
/// Most deliveries per relay run.
const MAX_BATCHES_PER_RUN: usize = 20;

/// Queues the news that `command`'s deployment succeeded on its host; call in the transaction
/// that records the success.
pub fn record_success(
    c: &mut AnyConnection,
    command: &CommandRow,
    rollout: &RolloutRow,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    inventory::insert(
        c,
        &NewSuccess {
            host_id: command.host_id.clone(),
            team: rollout.team.clone(),
            application: rollout.application.clone(),
            deployment_group: rollout.deployment_group.clone(),
            deployment_group_id: rollout.deployment_group_id.clone(),
            deployment_id: rollout.deployment_id.clone(),
            revision_id: rollout.revision_id.clone(),
            succeeded_at: at,
            created_at: now(),
        },
    )
}

fn report(row: &SuccessRow) -> Result<HostRevisionReport, ApiError> {
    Ok(HostRevisionReport {
        host_id: uuid(&row.host_id)?,
        team: row.team.clone(),
        application: row.application.clone(),
        deployment_group: row.deployment_group.clone(),
        deployment_group_id: uuid(&row.deployment_group_id)?,
        deployment_id: uuid(&row.deployment_id)?,
        revision_id: uuid(&row.revision_id)?,
        succeeded_at: to_utc(row.succeeded_at),
    })
}

/// Delivers one batch; returns how many went (0: nothing waits).
async fn deliver_batch(state: &State) -> Result<usize, ApiError> {
    let rows = state.db.run(|c| inventory::oldest(c, BATCH)).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let reports = rows.iter().map(report).collect::<Result<Vec<_>, _>>()?;
    match state
        .peers
        .registry()
        .report_revisions(&HostRevisionReports { reports })
        .await
    {
        Ok(_) => {
            let n = ids.len();
            state.db.run(move |c| inventory::delete(c, &ids)).await?;
            metrics::counter!("liftoff_inventory_reports_delivered_total").increment(n as u64);
            Ok(n)
        }
        Err(e) => {
            let msg = e.to_string();
            state
                .db
                .run(move |c| inventory::failed(c, &ids, &msg))
                .await?;
            if !e.is_retryable() {
                tracing::error!(error = %e, "host-registry refused inventory reports; they stay queued and are retried with backoff");
            }
            Err(ApiError::from_peer("host-registry", e))
        }
    }
}

/// One relay run: delivers waiting reports oldest first, unless a recent failure says to
/// wait (the same backoff as the history outbox). Returns how many went.
pub async fn relay(state: &State) -> Result<usize, ApiError> {
    if !state.inventory_relay.due() {
        return Ok(0);
    }
    let mut res = Ok(0);
    for _ in 0..MAX_BATCHES_PER_RUN {
        match deliver_batch(state).await {
            Ok(0) => break,
            Ok(n) => {
                state.inventory_relay.record(true);
                res = res.map(|d| d + n);
            }
            Err(e) => {
                state.inventory_relay.record(false);
                res = Err(e);
                break;
            }
        }
    }
    if let Ok(n) = state.db.run(inventory::backlog).await {
        metrics::gauge!("liftoff_inventory_backlog").set(n as f64);
    }
    res
}
