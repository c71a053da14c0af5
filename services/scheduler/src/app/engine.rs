//! The engine: one decision at a time, inside the rollout's lock. Whoever changes a rollout
//! (an agent's completion, an operator, the background tick) calls `step` in the same
//! transaction, so the next hosts start as soon as a slot frees up, and a crash between any
//! two statements leaves nothing half done.

use chrono::{DateTime, NaiveDateTime, Utc};
use liftoff_kit::db::{to_utc, uuid};
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::deployments::ZoneMode;
use liftoff_types::events::EventType;
use liftoff_types::scheduler::*;
use uuid::Uuid;

use super::plan::{self, Candidate, Decision, Outcome, Phase, Snapshot};
use crate::store::commands::{self, CommandRow};
use crate::store::db_now;
use crate::store::rollouts::{self, RolloutRow};
use crate::store::targets::{self, Change, TargetRow};

pub fn spec_of(row: &RolloutRow) -> Result<CreateRollout, ApiError> {
    Ok(serde_json::from_str(&row.spec)?)
}

/// A history event about `row`.
pub fn event_for(
    row: &RolloutRow,
    event_type: EventType,
) -> Result<liftoff_types::history::HistoryEvent, ApiError> {
    let mut ev = outbox::event(crate::NAME, event_type);
    ev.team = Some(row.team.clone());
    ev.application = Some(row.application.clone());
    ev.deployment_group = Some(row.deployment_group.clone());
    ev.deployment_id = Some(uuid(&row.deployment_id)?);
    ev.revision_id = Some(uuid(&row.revision_id)?);
    Ok(ev)
}

/// Hosts whose long polls should wake: a command waits for them.
pub type Woken = Vec<String>;

/// One decision for rollout `id`, and the report of what changed to deployment-api; the
/// caller holds its lock. `gate_now` is the time its gates are judged at (the service's clock:
/// see `gates`). Returns the hosts it dispatched to.
pub fn step(c: &mut AnyConnection, id: Uuid, gate_now: DateTime<Utc>) -> Result<Woken, ApiError> {
    let woken = decide(c, id, gate_now)?;
    super::progress::report(c, id)?;
    Ok(woken)
}

fn decide(c: &mut AnyConnection, id: Uuid, gate_now: DateTime<Utc>) -> Result<Woken, ApiError> {
    let Some(row) = rollouts::get(c, id)? else {
        return Ok(Vec::new());
    };
    let phase = match row.status {
        RolloutStatus::InProgress => Phase::Running,
        RolloutStatus::Paused | RolloutStatus::AwaitingApproval => Phase::Held,
        RolloutStatus::Pending
        | RolloutStatus::Succeeded
        | RolloutStatus::Failed
        | RolloutStatus::Stopped => return Ok(Vec::new()),
    };
    let spec = spec_of(&row)?;
    let zones = targets::zones(c, &row.deployment_id)?;
    let canary = if row.canary_hosts > 0 && row.approved_at.is_none() {
        let (pending, in_flight) = targets::canary_counts(c, &row.deployment_id, row.canary_hosts)?;
        Some(plan::Canary { pending, in_flight })
    } else {
        None
    };
    let first_pending_zone = if spec.zone_mode == ZoneMode::ZoneAtATime {
        targets::first_pending_zone(c, &row.deployment_id)?
    } else {
        None
    };
    let now = db_now(c)?;
    let snapshot = Snapshot {
        phase,
        minimum_healthy: spec.minimum_healthy,
        mode: spec.zone_mode,
        zones,
        canary,
        first_pending_zone,
        current_zone: row.current_zone.clone(),
        bake_secs: spec.zone_bake_secs,
        gate_until: row.gate_until,
        now,
        analysis_bake_secs: spec.health_analysis.as_ref().map(|a| a.bake_secs),
    };
    match plan::decide(&snapshot) {
        Decision::Wait => Ok(Vec::new()),
        Decision::StartBake(until) => {
            rollouts::start_bake(c, &row.deployment_id, until)?;
            let kind = match spec.health_analysis {
                Some(_) => EventType::DeploymentAnalysisBaking,
                None => EventType::DeploymentZoneBaking,
            };
            let mut ev = event_for(&row, kind)?;
            ev.data = serde_json::json!({"zone": row.current_zone, "until": to_utc(until)});
            outbox::enqueue(c, &ev)?;
            Ok(Vec::new())
        }
        Decision::AwaitApproval => {
            if rollouts::set_status(
                c,
                &row.deployment_id,
                RolloutStatus::InProgress,
                RolloutStatus::AwaitingApproval,
                None,
                now,
            )? {
                let mut ev = event_for(&row, EventType::DeploymentAwaitingApproval)?;
                ev.data = serde_json::json!({"canary_hosts": row.canary_hosts});
                outbox::enqueue(c, &ev)?;
            }
            Ok(Vec::new())
        }
        Decision::Finish(outcome) => {
            let mut counts = plan::Counts::default();
            for z in snapshot.zones.values() {
                counts.add(z);
            }
            finish(c, &row, &outcome, counts, now)?;
            Ok(Vec::new())
        }
        Decision::Dispatch {
            rooms,
            total,
            canary_only,
            enter_zone,
        } => {
            // Between batches: a closed window or a freeze starts no new host.
            if !super::gates::admit(c, &row, &spec, gate_now)? {
                return Ok(Vec::new());
            }
            if spec.health_analysis.is_some() && row.gate_until.is_some() {
                // The batch's bake is over: the next batch starts, and its own bake later.
                rollouts::end_bake(c, &row.deployment_id)?;
            }
            if let Some(zone) = &enter_zone {
                rollouts::enter_zone(c, &row.deployment_id, zone)?;
                let mut ev = event_for(&row, EventType::DeploymentZoneStarted)?;
                ev.data = serde_json::json!({"zone": zone});
                outbox::enqueue(c, &ev)?;
            }
            let max_position = canary_only.then_some(row.canary_hosts);
            let mut candidates = Vec::new();
            for (zone, room) in &rooms {
                for t in
                    targets::next_pending(c, &row.deployment_id, zone, *room as i64, max_position)?
                {
                    candidates.push(Candidate {
                        zone: zone.clone(),
                        position: t.position,
                        item: t,
                    });
                }
            }
            let picked = plan::pick(candidates, &rooms, total);
            dispatch(c, &row, &spec, &picked, now)
        }
    }
}

/// Writes one command per host and marks the targets dispatched, in one transaction.
fn dispatch(
    c: &mut AnyConnection,
    row: &RolloutRow,
    spec: &CreateRollout,
    picked: &[TargetRow],
    at: NaiveDateTime,
) -> Result<Woken, ApiError> {
    let deployment_id = uuid(&row.deployment_id)?;
    let mut rows = Vec::with_capacity(picked.len());
    for t in picked {
        let command_id = Uuid::now_v7();
        let traceparent = dispatch_trace(row, t, command_id);
        let cmd = AgentCommand {
            command_id,
            kind: AgentCommandKind::Deploy,
            deployment_id,
            application: row.application.clone(),
            deployment_group: row.deployment_group.clone(),
            deployment_group_id: spec.deployment_group_id,
            revision_id: spec.revision_id,
            attempt: t.attempt,
            bundle: spec.bundle.clone(),
            issued_at: to_utc(at),
            // Added when the host polls, so the stored command holds no signed token.
            log_grant: None,
            file_exists_behavior: spec.file_exists_behavior,
            traffic_hooks: spec.traffic_hooks,
            traceparent,
        };
        rows.push(CommandRow {
            id: command_id.to_string(),
            deployment_id: row.deployment_id.clone(),
            host_id: t.host_id.clone(),
            attempt: t.attempt,
            payload: serde_json::to_string(&cmd)?,
            status: CommandStatus::Dispatched,
            created_at: at,
            acked_at: None,
            completed_at: None,
            error_code: None,
            message: None,
        });
    }
    // The unique (deployment, host, attempt) index refuses a second dispatch outright.
    commands::insert(c, &rows)?;
    let mut woken = Vec::with_capacity(rows.len());
    for cmd in &rows {
        let moved = targets::transition(
            c,
            &row.deployment_id,
            &cmd.host_id,
            &[HostTargetStatus::Pending],
            HostTargetStatus::Dispatched,
            Change {
                command_id: Some(&cmd.id),
                at: Some(at),
                ..Change::default()
            },
        )?;
        liftoff_kit::db::one_row(usize::from(moved), "rollout target")?;
        woken.push(cmd.host_id.clone());
    }
    metrics::counter!("liftoff_commands_dispatched_total").increment(woken.len() as u64);
    Ok(woken)
}

/// The trace context a host's command carries: a `rollout.dispatch` span, child of the span
/// that created the rollout (kept in its row, so a dispatch made by a later request or tick
/// joins the same trace), with the deployment, host and zone as attributes. Without a stored
/// context (traces not exported) nothing is created and the command carries none.
fn dispatch_trace(row: &RolloutRow, t: &TargetRow, command_id: Uuid) -> Option<String> {
    let parent = row.traceparent.as_deref()?;
    let span = tracing::info_span!(
        "rollout.dispatch",
        deployment_id = %row.deployment_id,
        host_id = %t.host_id,
        zone = %t.zone,
        command_id = %command_id,
        attempt = t.attempt,
    );
    liftoff_client::trace::continue_from(&span, Some(parent));
    liftoff_client::trace::for_child_process(&span, Some(parent))
}

fn finish(
    c: &mut AnyConnection,
    row: &RolloutRow,
    outcome: &Outcome,
    counts: plan::Counts,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let (status, error, event_type) = match outcome {
        Outcome::Succeeded => (
            RolloutStatus::Succeeded,
            None,
            EventType::DeploymentSucceeded,
        ),
        Outcome::Failed { code, message } => (
            RolloutStatus::Failed,
            Some((*code, message.as_str())),
            EventType::DeploymentFailed,
        ),
    };
    if !rollouts::set_status(c, &row.deployment_id, row.status, status, error, at)? {
        return Ok(());
    }
    let skipped = targets::skip_pending(c, &row.deployment_id, at)?;
    let mut ev = event_for(row, event_type)?;
    ev.data = serde_json::json!({
        "hosts": counts.fleet() + counts.skipped, "succeeded": counts.succeeded, "failed": counts.failed,
        "skipped": counts.skipped + skipped as u64,
        "error_code": error.map(|e| e.0), "error_message": error.map(|e| e.1),
    });
    outbox::enqueue(c, &ev)?;
    metrics::counter!("liftoff_rollouts_finished_total", "status" => status.as_str()).increment(1);
    Ok(())
}

/// Fails a host's command for `reason` (`never-started`, `timed-out`, `agent-lost`) and its
/// target with it. Fenced on the command's status: a completion that got there first wins.
pub fn fail_command(
    c: &mut AnyConnection,
    row: &RolloutRow,
    cmd: &CommandRow,
    reason: &str,
    message: &str,
    at: NaiveDateTime,
) -> Result<bool, ApiError> {
    let (from, to) = if cmd.status == CommandStatus::Dispatched {
        (CommandStatus::Dispatched, CommandStatus::Cancelled)
    } else {
        (CommandStatus::InProgress, CommandStatus::Failed)
    };
    if !commands::transition(c, &cmd.id, &[from], to, Some((reason, message)), at)? {
        return Ok(false);
    }
    conclude_events(c, row, cmd, reason, message, at)?;
    let moved = targets::transition(
        c,
        &cmd.deployment_id,
        &cmd.host_id,
        &[HostTargetStatus::Dispatched, HostTargetStatus::InProgress],
        HostTargetStatus::Failed,
        Change {
            error: Some((reason, message)),
            at: Some(at),
            ..Change::default()
        },
    )?;
    if moved {
        let mut ev = event_for(row, EventType::HostDeploymentFailed)?;
        ev.host_id = Some(uuid(&cmd.host_id)?);
        ev.data = serde_json::json!({"command_id": cmd.id, "reason": reason, "message": message, "attempt": cmd.attempt});
        outbox::enqueue(c, &ev)?;
    }
    Ok(moved)
}

/// Ends the events a failed command left running (`Failed`, with the command's reason as an
/// error code: `AGENT_LOST`, `TIMED_OUT`), in status and in history, so a concluded host has
/// no event in progress.
fn conclude_events(
    c: &mut AnyConnection,
    row: &RolloutRow,
    cmd: &CommandRow,
    reason: &str,
    message: &str,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let code = reason.to_ascii_uppercase().replace('-', "_");
    for e in commands::conclude_running_events(c, &cmd.id, (&code, message), at)? {
        let mut ev = event_for(row, EventType::HostEventFinished)?;
        ev.host_id = Some(uuid(&cmd.host_id)?);
        let (started, ended) = (to_utc(e.started_at), e.ended_at.map(to_utc));
        ev.data = serde_json::json!({
            "command_id": cmd.id, "attempt": cmd.attempt, "event": e.event,
            "status": EventStatus::Failed, "exit_code": null, "error_code": code,
            "message": message, "started_at": started, "ended_at": ended,
            "duration_ms": ended.map(|x| (x - started).num_milliseconds()),
            "output_tail": e.output_tail, "output_truncated": e.output_truncated,
        });
        outbox::enqueue(c, &ev)?;
    }
    Ok(())
}
