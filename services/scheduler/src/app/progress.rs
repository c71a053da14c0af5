//! Telling deployment-api how a rollout progresses. The scheduler owns a rollout's progress
//! and its per-host state; deployment-api keeps a copy so that it answers reads (and learns
//! outcomes) without asking. Every transaction that changes a rollout ends with [`report`]:
//! if the summary differs from the last one reported, or hosts changed since, one
//! `rollout.progress` event (the summary and only the changed hosts) goes into the outbox for
//! deployment-api, in that same transaction. So a crash loses no change, a step that changed
//! nothing reports nothing, and a report's size follows what changed, not the fleet.
//! Reports of a rollout are numbered under its lock; the outbox delivers them in order with
//! retries, and deployment-api takes the summary only from a report numbered above the last it
//! applied, and a host only from a report numbered above that host's last: a redelivered or
//! late report changes nothing, and no change needs repeating in a later report.
//! The same transaction tells host-registry how hosts' parts and the rollout ended
//! (`inventory::record_outcomes`).

use liftoff_kit::outbox::{self, Destination};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::events::EventType;
use liftoff_types::scheduler::{ProgressHost, Rollout, RolloutProgress};
use uuid::Uuid;

use super::engine::event_for;
use super::rollouts::{host_views, summary_of};
use crate::store::{rollouts, targets};

/// Most bytes of hosts one report carries: a step that changed many hosts (an all-at-once
/// dispatch, a large fleet's conclusion) sends several reports of bounded size, so none is
/// ever too large to deliver.
const REPORT_HOST_BYTES: usize = 1024 * 1024;

/// Queues a progress report of rollout `id` if anything changed since the last; the caller
/// holds the rollout's lock. A report carries the hosts that changed since the last one; when
/// they are many, they go in several reports, and only the last one carries the new summary
/// (the others repeat the summary reported before), so deployment-api never shows an outcome
/// beside hosts it has not heard of yet.
pub fn report(c: &mut AnyConnection, id: Uuid) -> Result<(), ApiError> {
    let Some(row) = rollouts::get(c, id)? else {
        return Ok(());
    };
    let mut summary = summary_of(c, &row)?;
    // A report is numbered by its own `seq`; the summary's number of the last one is no news.
    summary.report_seq = None;
    let said = serde_json::to_string(&summary)?;
    let last = rollouts::reported(c, &row.deployment_id)?;
    let changed = targets::unreported(c, &row.deployment_id)?;
    if changed.is_empty() && last.as_deref() == Some(&said) {
        return Ok(());
    }
    let was_terminal = last
        .as_deref()
        .and_then(|l| serde_json::from_str::<Rollout>(l).ok())
        .is_some_and(|b| b.status.is_terminal());
    let ended = (summary.status.is_terminal() && !was_terminal).then_some(summary.status);
    super::inventory::record_outcomes(c, &row, &changed, ended)?;
    let ids: Vec<String> = changed.iter().map(|t| t.host_id.clone()).collect();
    let positions: Vec<i32> = changed.iter().map(|t| t.position).collect();
    let hosts: Vec<ProgressHost> = host_views(c, changed, true)?
        .into_iter()
        .zip(positions)
        .map(|(host, position)| ProgressHost { position, host })
        .collect();
    let chunks = by_size(hosts, REPORT_HOST_BYTES)?;
    let before = last
        .as_deref()
        .and_then(|l| serde_json::from_str::<Rollout>(l).ok());
    let n = chunks.len();
    for (i, hosts) in chunks.into_iter().enumerate() {
        let summary = match &before {
            Some(b) if i + 1 < n => b.clone(),
            _ => summary.clone(),
        };
        let seq = rollouts::set_reported(c, &row.deployment_id, &said)?;
        let mut ev = event_for(&row, EventType::RolloutProgress)?;
        ev.data = serde_json::to_value(RolloutProgress {
            seq,
            summary,
            hosts,
        })?;
        outbox::enqueue_to(c, Destination::DeploymentApi, &ev)?;
    }
    targets::mark_reported(c, &row.deployment_id, &ids)
}

/// Splits `hosts` into runs of at most `max_bytes` of JSON each (a larger host goes alone);
/// always at least one run, possibly empty (a report of the summary alone).
fn by_size(hosts: Vec<ProgressHost>, max_bytes: usize) -> Result<Vec<Vec<ProgressHost>>, ApiError> {
    let mut runs = vec![Vec::new()];
    let mut size = 0;
    for h in hosts {
        let len = serde_json::to_vec(&h)?.len();
        if size + len > max_bytes && runs.last().is_some_and(|r| !r.is_empty()) {
            runs.push(Vec::new());
            size = 0;
        }
        size += len;
        if let Some(run) = runs.last_mut() {
            run.push(h);
        }
    }
    Ok(runs)
}
