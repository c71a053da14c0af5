//! Retention: events, closed spans, hook logs and old group deployments older than the
//! retention period are removed in bounded batches, except what a pin keeps. A host's current
//! revision (its open span) is never removed, and neither is the deployment that answers "what
//! was this group's target" for any time inside the retention period.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use liftoff_kit::ApiError;
use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_types::deployments::DeploymentStatus;
use liftoff_types::events::EventType;
use liftoff_types::history::{CreatePin, Pin, PinList, RetentionReport};
use liftoff_types::names::validate_text;
use uuid::Uuid;

use crate::State;
use crate::store::deployments::GroupDeploymentRow;
use crate::store::pins::{self, PinRow};

/// Events deleted per transaction, so a large backlog never holds a long lock.
const BATCH: i64 = 5000;

/// Removes everything older than `cutoff` that no pin keeps.
pub async fn purge(state: &State, cutoff: NaiveDateTime) -> Result<RetentionReport, ApiError> {
    let mut report = RetentionReport::default();
    loop {
        let n = state
            .db
            .write(move |c| {
                let seqs = pins::expired_events(c, cutoff, BATCH)?;
                pins::delete_events(c, &seqs)
            })
            .await?;
        report.events += n;
        if n < BATCH as u64 {
            break;
        }
    }
    let (spans, logs) = state
        .db
        .write(move |c| {
            let spans = pins::delete_expired_spans(c, cutoff)?;
            let logs = pins::delete_expired_logs(c, cutoff)?;
            pins::delete_expired_commands(c, cutoff)?;
            Ok((spans, logs))
        })
        .await?;
    report.spans = spans;
    report.hook_logs = logs;
    // Finished webhook deliveries (and their attempts) age out with the log they report.
    state
        .db
        .write(move |c| crate::store::webhooks::purge_finished(c, cutoff))
        .await?;
    report.group_deployments = state
        .db
        .write(move |c| {
            let old = pins::old_group_deployments(c, cutoff)?;
            let doomed = superseded(&old, cutoff);
            pins::delete_group_deployments(c, &doomed)
        })
        .await?;
    metrics::counter!("liftoff_history_retention_deleted_total", "what" => "events")
        .increment(report.events);
    metrics::counter!("liftoff_history_retention_deleted_total", "what" => "spans")
        .increment(report.spans);
    metrics::counter!("liftoff_history_retention_deleted_total", "what" => "hook_logs")
        .increment(report.hook_logs);
    Ok(report)
}

/// Of a group's deployments that started before `cutoff`, those no question about a time after
/// `cutoff` can need: all but the latest started one, and, of the successful ones finished by
/// `cutoff`, all but the latest finished one. Deployments still running or finished after
/// `cutoff` are kept.
fn superseded(old: &[GroupDeploymentRow], cutoff: NaiveDateTime) -> Vec<String> {
    type Key = (Option<String>, Option<String>, Option<String>);
    let mut groups: BTreeMap<Key, Vec<&GroupDeploymentRow>> = BTreeMap::new();
    for r in old {
        groups
            .entry((
                r.team.clone(),
                r.application.clone(),
                r.deployment_group.clone(),
            ))
            .or_default()
            .push(r);
    }
    let mut doomed = Vec::new();
    for rows in groups.values() {
        let latest_started = rows
            .iter()
            .filter(|r| r.started_at.is_some())
            .max_by_key(|r| (r.started_at, r.deployment_id.clone()))
            .map(|r| r.deployment_id.clone());
        let latest_success = rows
            .iter()
            .filter(|r| {
                r.status == DeploymentStatus::Succeeded && r.ended_at.is_some_and(|e| e < cutoff)
            })
            .max_by_key(|r| (r.ended_at, r.deployment_id.clone()))
            .map(|r| r.deployment_id.clone());
        for r in rows {
            let finished_before = r.ended_at.is_some_and(|e| e < cutoff);
            let never_started_and_old = r.started_at.is_none() && r.ended_at.is_none();
            let keep = Some(&r.deployment_id) == latest_started.as_ref()
                || Some(&r.deployment_id) == latest_success.as_ref()
                || !(finished_before || never_started_and_old);
            if !keep {
                doomed.push(r.deployment_id.clone());
            }
        }
    }
    doomed
}

/// Runs retention if its interval has passed since the last run on this replica.
pub async fn maybe_run(state: &State) {
    let due = {
        let Ok(mut last) = state.last_retention.lock() else {
            return;
        };
        let due = last.is_none_or(|t| t.elapsed() >= state.config.retention_interval);
        if due {
            *last = Some(std::time::Instant::now());
        }
        due
    };
    if !due {
        return;
    }
    let Ok(period) = chrono::Duration::from_std(state.config.retention) else {
        return;
    };
    let cutoff = now() - period;
    match purge(state, cutoff).await {
        Ok(r) if r != RetentionReport::default() => {
            tracing::info!(events = r.events, spans = r.spans, hook_logs = r.hook_logs, group_deployments = r.group_deployments, cutoff = %to_utc(cutoff), "retention removed old history");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "retention pass failed"),
    }
}

fn to_pin(r: PinRow) -> Result<Pin, ApiError> {
    Ok(Pin {
        revision_id: uuid(&r.revision_id)?,
        note: r.note,
        pinned_by: r.pinned_by,
        pinned_at: to_utc(r.pinned_at),
    })
}

/// Pins a revision of `team` (idempotent: pinning again answers the existing pin).
pub async fn pin(
    state: &State,
    team: String,
    actor: String,
    revision: Uuid,
    req: CreatePin,
) -> Result<(Pin, bool), ApiError> {
    if let Some(n) = &req.note {
        validate_text("note", n, 1024).map_err(ApiError::invalid_field)?;
    }
    let rev = revision.to_string();
    let (row, created) = state
        .db
        .write(move |c| {
            if let Some(existing) = pins::get(c, &team, &rev)? {
                return Ok((existing, false));
            }
            if !pins::revision_known(c, &team, &rev)? {
                return Err(ApiError::not_found(format!(
                    "revision {rev} not found in history"
                )));
            }
            let row = PinRow {
                team,
                revision_id: rev,
                note: req.note,
                pinned_by: actor,
                pinned_at: now(),
            };
            pins::insert(c, &row)?;
            audit(c, EventType::RevisionPinned, &row, revision)?;
            Ok((row, true))
        })
        .await?;
    Ok((to_pin(row)?, created))
}

/// Removes a pin; the revision's record then ages out like any other.
pub async fn unpin(
    state: &State,
    team: String,
    actor: String,
    revision: Uuid,
) -> Result<Pin, ApiError> {
    let rev = revision.to_string();
    let row = state
        .db
        .write(move |c| {
            let row = pins::get(c, &team, &rev)?
                .ok_or_else(|| ApiError::not_found(format!("revision {rev} is not pinned")))?;
            pins::delete(c, &team, &rev)?;
            let mut by = row.clone();
            by.pinned_by = actor;
            audit(c, EventType::RevisionUnpinned, &by, revision)?;
            Ok(row)
        })
        .await?;
    to_pin(row)
}

/// Pins are changes people make: they go into the log (and so the audit) like any other.
fn audit(
    c: &mut liftoff_kit::AnyConnection,
    event_type: EventType,
    row: &PinRow,
    revision: Uuid,
) -> Result<(), ApiError> {
    let mut ev = liftoff_kit::outbox::event(crate::NAME, event_type);
    ev.team = Some(row.team.clone());
    ev.actor = Some(row.pinned_by.clone());
    ev.revision_id = Some(revision);
    ev.data = serde_json::json!({"note": row.note});
    crate::app::ingest::append_own(c, &ev)
}

pub async fn list_pins(state: &State, team: Option<String>) -> Result<PinList, ApiError> {
    let rows = state
        .db
        .run(move |c| pins::list(c, team.as_deref()))
        .await?;
    Ok(PinList {
        pins: rows.into_iter().map(to_pin).collect::<Result<_, _>>()?,
    })
}
