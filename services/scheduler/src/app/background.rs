//! Background work, in idempotent ticks that any number of replicas may run at once. Each
//! replica claims rollouts with a lease (expiry judged by the database clock, a new owner
//! bumps the epoch) and does their upkeep: commands no agent picked up (`never-started`),
//! commands that ran too long (`timed-out`), hosts the registry declared lost (`agent-lost`),
//! hosts that joined or left the group, bake gates, and concluding. Every such write runs
//! under the rollout's lock after checking the lease is still ours, so a replica that stalled
//! past its lease (and lost it) changes nothing.

use std::collections::HashSet;
use std::time::Instant;

use liftoff_kit::ApiError;
use liftoff_kit::db::uuid;
use liftoff_types::scheduler::{CommandStatus, RolloutStatus};
use uuid::Uuid;

use super::engine;
use super::rollouts::refresh_members;
use crate::State;
use crate::store::rollouts::{self, Lease};
use crate::store::{commands, db_now};

/// Most rollouts one replica keeps leased at once.
const MAX_LEASES: i64 = 256;

pub async fn tick(state: &State) -> Result<(), ApiError> {
    let ttl = chrono::Duration::from_std(state.config.lease_ttl)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let owner = state.replica.clone();
    let leases = state
        .db
        .write(move |c| rollouts::claim(c, &owner, ttl, MAX_LEASES))
        .await?;
    if leases.is_empty() {
        return Ok(());
    }
    let lost: Option<HashSet<String>> = super::members::lost_hosts(state)
        .await
        .map(|l| l.into_iter().collect());
    for lease in leases {
        let id = uuid(&lease.deployment_id)?;
        // Members first, so the upkeep's step sees hosts that joined (a net: the registry's
        // push applies them as it arrives); the upkeep's writes are fenced on the lease.
        if due_for_refresh(state, &lease.deployment_id)
            && let Err(e) = refresh_members(state, id).await
        {
            tracing::debug!(deployment_id = %id, error = %e, "membership refresh deferred");
        }
        if let Err(e) = upkeep(state, &lease, lost.as_ref()).await {
            tracing::warn!(deployment_id = %id, error = %e, "rollout upkeep failed");
        }
        if let Err(e) = super::analysis::measure_if_due(state, &lease).await {
            tracing::warn!(deployment_id = %id, error = %e, "health analysis failed to measure");
        }
    }
    Ok(())
}

fn due_for_refresh(state: &State, id: &str) -> bool {
    let Ok(mut last) = state.refreshed.lock() else {
        return false;
    };
    let now = Instant::now();
    match last.get(id) {
        Some(t) if now.duration_since(*t) < state.config.membership_refresh => false,
        _ => {
            if last.len() > 4096 {
                last.clear();
            }
            last.insert(id.to_string(), now);
            true
        }
    }
}

/// One rollout's upkeep, fenced on our lease.
async fn upkeep(
    state: &State,
    lease: &Lease,
    lost: Option<&HashSet<String>>,
) -> Result<(), ApiError> {
    let id = uuid(&lease.deployment_id)?;
    let pending = state
        .db
        .run(move |c| Ok(rollouts::get(c, id)?.is_some_and(|r| r.status == RolloutStatus::Pending)))
        .await?;
    if pending {
        // Still to be planned: a hand-off whose first advance failed (the registry was down).
        return super::rollouts::advance(state, id).await;
    }
    let ack = chrono::Duration::from_std(state.config.ack_timeout)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let run = chrono::Duration::from_std(state.config.command_timeout)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let ack_secs = state.config.ack_timeout.as_secs();
    let lost: Vec<String> = lost
        .map(|l| l.iter().cloned().collect())
        .unwrap_or_default();
    let (owner, lease) = (state.replica.clone(), lease.clone());
    let gate_now = state.config.clock.now();
    let woken = state
        .db
        .write(move |c| {
            rollouts::lock(c, id)?;
            if !rollouts::holds(c, &owner, &lease)? {
                tracing::info!(deployment_id = %id, epoch = lease.epoch, "lease lost to another replica; stepping down");
                return Ok(Vec::new());
            }
            let Some(row) = rollouts::get(c, id)? else {
                return Ok(Vec::new());
            };
            let now = db_now(c)?;
            for cmd in commands::in_flight_on(c, &row.deployment_id, &lost)? {
                engine::fail_command(c, &row, &cmd, "agent-lost", "the host stopped heartbeating while its command was waiting or running", now)?;
            }
            for cmd in commands::stale_of(c, &row.deployment_id, CommandStatus::Dispatched, now - ack)? {
                engine::fail_command(c, &row, &cmd, "never-started", &format!("no agent picked the command up within {ack_secs} s"), now)?;
            }
            for cmd in commands::stale_of(c, &row.deployment_id, CommandStatus::InProgress, now - run)? {
                engine::fail_command(c, &row, &cmd, "timed-out", "the host did not finish within the command timeout", now)?;
            }
            engine::step(c, id, gate_now)
        })
        .await?;
    state.mailbox.wake(&woken);
    Ok(())
}

/// The replica's identity in leases: unique per process.
pub fn replica_id() -> String {
    format!("{}-{}", std::process::id(), Uuid::new_v4().simple())
}
