//! Telling deployment-api how a rollout progresses. The scheduler owns a rollout's progress
//! and its per-host state; deployment-api keeps a copy so that it answers reads (and learns
//! outcomes) without asking. Every transaction that changes a rollout ends with [`report`]:
//! if the summary differs from the last one reported, or hosts changed since, one
//! `rollout.progress` event (the summary and only the changed hosts) goes into the outbox for
//! deployment-api, in that same transaction. So a crash loses no change, a step that changed
//! nothing reports nothing, and a report's size follows what changed, not the fleet.
//! Reports of a rollout are numbered under its lock; the outbox delivers them in order with
//! retries, and deployment-api applies one only if its number is above the last it applied,
//! so a redelivered (or late) report changes nothing.

use liftoff_kit::outbox::{self, Destination};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::scheduler::{ProgressHost, ROLLOUT_PROGRESS, RolloutProgress};
use uuid::Uuid;

use super::engine::event_for;
use super::rollouts::{host_views, summary_of};
use crate::store::{rollouts, targets};

/// Queues a progress report of rollout `id` if anything changed since the last; the caller
/// holds the rollout's lock.
pub fn report(c: &mut AnyConnection, id: Uuid) -> Result<(), ApiError> {
    let Some(row) = rollouts::get(c, id)? else {
        return Ok(());
    };
    let summary = summary_of(c, &row)?;
    let said = serde_json::to_string(&summary)?;
    let last = rollouts::reported(c, &row.deployment_id)?;
    // The report of the outcome carries every host, once: the final copy is whole even if
    // a change slipped past a delta.
    let concluded = summary.status.is_terminal()
        && !last
            .as_deref()
            .and_then(|l| serde_json::from_str::<liftoff_types::scheduler::Rollout>(l).ok())
            .is_some_and(|l| l.status.is_terminal());
    let changed = if concluded {
        targets::all(c, &row.deployment_id)?
    } else {
        targets::unreported(c, &row.deployment_id)?
    };
    if changed.is_empty() && last.as_deref() == Some(&said) {
        return Ok(());
    }
    let ids: Vec<String> = changed.iter().map(|t| t.host_id.clone()).collect();
    let positions: Vec<i32> = changed.iter().map(|t| t.position).collect();
    let hosts = host_views(c, changed, true)?
        .into_iter()
        .zip(positions)
        .map(|(host, position)| ProgressHost { position, host })
        .collect();
    let seq = rollouts::set_reported(c, &row.deployment_id, &said)?;
    let mut ev = event_for(&row, ROLLOUT_PROGRESS)?;
    ev.data = serde_json::to_value(RolloutProgress {
        seq,
        summary,
        hosts,
    })?;
    outbox::enqueue_to(c, Destination::DeploymentApi, &ev)?;
    targets::mark_reported(c, &row.deployment_id, &ids)
}
