//! Rollout lifecycle: accept the hand-off, plan targets, advance the window, finish, stop.
//! Every step writes its state in one transaction before anything acts on it, so a scheduler
//! killed at any instant resumes from the database alone.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::scheduler::*;
use uuid::Uuid;

use super::plan::{self, Counts, HostTarget, Outcome, Step};
use crate::State;
use crate::store::commands::{self, CommandRow};
use crate::store::rollouts::{self, RolloutRow, TargetRow};

fn spec_of(row: &RolloutRow) -> Result<CreateRollout, ApiError> {
    Ok(serde_json::from_str(&row.spec)?)
}

fn event_for(
    row: &RolloutRow,
    event_type: &str,
) -> Result<liftoff_types::history::HistoryEvent, ApiError> {
    let mut ev = outbox::event(crate::NAME, event_type);
    ev.team = Some(row.team.clone());
    ev.application = Some(row.application.clone());
    ev.deployment_group = Some(row.deployment_group.clone());
    ev.deployment_id = Some(uuid(&row.deployment_id)?);
    ev.revision_id = Some(uuid(&row.revision_id)?);
    Ok(ev)
}

/// Accepts a rollout. Idempotent: the same spec again returns the existing rollout; another
/// spec for the same deployment is a 409.
pub async fn create(state: &State, id: Uuid, spec: CreateRollout) -> Result<Rollout, ApiError> {
    let text = serde_json::to_string(&spec)?;
    state
        .db
        .write(move |c| {
            if let Some(existing) = rollouts::get(c, id)? {
                if spec_of(&existing)? != spec {
                    return Err(ApiError::conflict(
                        "rollout_exists",
                        format!("rollout {id} exists with a different specification"),
                    ));
                }
                return Ok(());
            }
            let at = now();
            rollouts::insert(
                c,
                &RolloutRow {
                    deployment_id: id.to_string(),
                    team: spec.team.clone(),
                    application: spec.application.clone(),
                    deployment_group: spec.deployment_group.clone(),
                    deployment_group_id: spec.deployment_group_id.to_string(),
                    revision_id: spec.revision_id.to_string(),
                    spec: text,
                    status: RolloutStatus::Pending.as_str().into(),
                    error_code: None,
                    error_message: None,
                    created_at: at,
                    started_at: None,
                    completed_at: None,
                    updated_at: at,
                },
            )
        })
        .await?;
    advance(state, id).await?;
    view(state, id, None).await
}

/// The rollout with every host and event; `team` scopes it for team callers.
pub async fn view(state: &State, id: Uuid, team: Option<String>) -> Result<Rollout, ApiError> {
    state
        .db
        .run(move |c| {
            let row = rollouts::get(c, id)?
                .filter(|r| team.as_ref().is_none_or(|t| *t == r.team))
                .ok_or_else(|| ApiError::not_found(format!("rollout {id} not found")))?;
            let targets = rollouts::targets(c, &row.deployment_id)?;
            let command_ids: Vec<String> = targets
                .iter()
                .filter_map(|t| t.command_id.clone())
                .collect();
            let mut events: HashMap<String, Vec<LifecycleEventRecord>> = HashMap::new();
            for e in commands::events_of(c, &command_ids)? {
                events
                    .entry(e.command_id.clone())
                    .or_default()
                    .push(LifecycleEventRecord {
                        event: e.event,
                        status: EventStatus::parse(&e.status).unwrap_or(EventStatus::Failed),
                        exit_code: e.exit_code,
                        error_code: e.error_code,
                        message: e.message,
                        started_at: to_utc(e.started_at),
                        ended_at: e.ended_at.map(to_utc),
                        output_tail: e.output_tail,
                        output_truncated: e.output_truncated,
                    });
            }
            let mut overview = HostOverview::default();
            let mut hosts = Vec::with_capacity(targets.len());
            for t in targets {
                let status = HostTargetStatus::parse(&t.status).ok_or_else(|| {
                    ApiError::internal(format!("unknown target status {}", t.status))
                })?;
                match status {
                    HostTargetStatus::Pending => overview.pending += 1,
                    HostTargetStatus::Dispatched | HostTargetStatus::InProgress => {
                        overview.in_progress += 1
                    }
                    HostTargetStatus::Succeeded => overview.succeeded += 1,
                    HostTargetStatus::Failed => overview.failed += 1,
                    HostTargetStatus::Skipped => overview.skipped += 1,
                }
                hosts.push(RolloutHost {
                    host_id: uuid(&t.host_id)?,
                    zone: t.zone,
                    status,
                    attempt: t.attempt,
                    command_id: t.command_id.as_deref().map(uuid).transpose()?,
                    error_code: t.error_code,
                    message: t.message,
                    started_at: t.started_at.map(to_utc),
                    completed_at: t.completed_at.map(to_utc),
                    events: t
                        .command_id
                        .as_ref()
                        .and_then(|cid| events.remove(cid))
                        .unwrap_or_default(),
                });
            }
            Ok(Rollout {
                deployment_id: id,
                application: row.application,
                deployment_group: row.deployment_group,
                revision_id: uuid(&row.revision_id)?,
                status: RolloutStatus::parse(&row.status).ok_or_else(|| {
                    ApiError::internal(format!("unknown rollout status {}", row.status))
                })?,
                error_code: row.error_code,
                error_message: row.error_message,
                created_at: to_utc(row.created_at),
                started_at: row.started_at.map(to_utc),
                completed_at: row.completed_at.map(to_utc),
                overview,
                hosts,
            })
        })
        .await
}

/// Moves a rollout forward: plan it if new, then start as many hosts as the window allows,
/// or finish it. Safe to call any number of times, from any replica.
pub async fn advance(state: &State, id: Uuid) -> Result<(), ApiError> {
    let Some(row) = state.db.run(move |c| rollouts::get(c, id)).await? else {
        return Err(ApiError::not_found(format!("rollout {id} not found")));
    };
    if row.status == RolloutStatus::Pending.as_str() {
        plan_targets(state, &row).await?;
    }
    let dispatched = state
        .db
        .write(move |c| {
            rollouts::lock(c, id)?;
            step(c, id)
        })
        .await?;
    if dispatched > 0 {
        state.dispatched.notify_waiters();
        metrics::counter!("liftoff_commands_dispatched_total").increment(dispatched as u64);
    }
    Ok(())
}

/// Asks the registry which hosts the group selects, then records them in rollout order.
async fn plan_targets(state: &State, row: &RolloutRow) -> Result<(), ApiError> {
    let spec = spec_of(row)?;
    let selector: Vec<(String, String)> = spec
        .selector
        .iter()
        .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone())))
        .collect();
    let registry = state.peers.registry();
    let hosts = match &spec.hosts {
        // An explicit host list (a scale-out install) targets exactly those hosts.
        Some(ids) => registry.list_hosts_by_id(ids, Some(&spec.team)).await,
        None => registry.list_hosts(&selector, Some(&spec.team)).await,
    }
    .map_err(|e| ApiError::from_peer("host-registry", e))?
    .hosts;
    // Lost and deregistered hosts are not targets: they cannot take part.
    let targets: Vec<HostTarget> = hosts
        .into_iter()
        .filter(|h| {
            !matches!(
                h.state,
                liftoff_types::registry::HostState::Lost
                    | liftoff_types::registry::HostState::Deregistered
            )
        })
        .map(|h| HostTarget {
            host_id: h.host_id,
            zone: h.zone,
        })
        .collect();
    let ordered = plan::interleave_zones(targets);
    let id = uuid(&row.deployment_id)?;
    let row = row.clone();
    state
        .db
        .write(move |c| {
            rollouts::lock(c, id)?;
            let at = now();
            // Fenced on Pending: a concurrent planner that got here first wins.
            if !rollouts::mark_started(c, &row.deployment_id, at)? {
                return Ok(());
            }
            let rows: Vec<TargetRow> = ordered
                .iter()
                .enumerate()
                .map(|(i, t)| TargetRow {
                    deployment_id: row.deployment_id.clone(),
                    host_id: t.host_id.to_string(),
                    zone: t.zone.clone(),
                    position: i as i32,
                    status: HostTargetStatus::Pending.as_str().into(),
                    attempt: 1,
                    command_id: None,
                    error_code: None,
                    message: None,
                    started_at: None,
                    completed_at: None,
                })
                .collect();
            rollouts::insert_targets(c, &rows)?;
            let mut ev = event_for(&row, "deployment.started")?;
            ev.data = serde_json::json!({"hosts": rows.len(), "zones": ordered.iter().map(|t| t.zone.clone()).collect::<std::collections::BTreeSet<_>>()});
            outbox::enqueue(c, &ev)
        })
        .await
}

fn counts(targets: &[TargetRow]) -> Counts {
    let mut c = Counts {
        total: targets.len() as u64,
        ..Counts::default()
    };
    for t in targets {
        match t.status.as_str() {
            "Pending" => c.pending += 1,
            "Dispatched" | "InProgress" => c.in_flight += 1,
            "Succeeded" => c.succeeded += 1,
            "Failed" => c.failed += 1,
            _ => c.skipped += 1,
        }
    }
    c
}

/// One decision inside the rollout's lock. Returns how many hosts it dispatched.
fn step(c: &mut AnyConnection, id: Uuid) -> Result<usize, ApiError> {
    let Some(row) = rollouts::get(c, id)? else {
        return Ok(0);
    };
    if row.status != RolloutStatus::InProgress.as_str() {
        return Ok(0);
    }
    let spec = spec_of(&row)?;
    let targets = rollouts::targets(c, &row.deployment_id)?;
    let counts = counts(&targets);
    let minimum = spec.minimum_healthy.hosts(counts.total);
    match plan::next_step(counts, minimum) {
        Step::Wait => Ok(0),
        Step::Dispatch(n) => {
            let at = now();
            let mut sent = 0;
            for t in targets
                .iter()
                .filter(|t| t.status == "Pending")
                .take(n as usize)
            {
                dispatch(c, &row, &spec, t, at)?;
                sent += 1;
            }
            Ok(sent)
        }
        Step::Finish(outcome) => {
            finish(c, &row, &outcome, counts)?;
            Ok(0)
        }
    }
}

fn dispatch(
    c: &mut AnyConnection,
    row: &RolloutRow,
    spec: &CreateRollout,
    t: &TargetRow,
    at: NaiveDateTime,
) -> Result<(), ApiError> {
    let command_id = Uuid::now_v7();
    let cmd = AgentCommand {
        command_id,
        kind: "Deploy".into(),
        deployment_id: uuid(&row.deployment_id)?,
        application: row.application.clone(),
        deployment_group: row.deployment_group.clone(),
        deployment_group_id: spec.deployment_group_id,
        revision_id: spec.revision_id,
        attempt: t.attempt,
        bundle: spec.bundle.clone(),
        issued_at: to_utc(at),
    };
    // The unique (deployment, host, attempt) index refuses a second dispatch outright.
    commands::insert(
        c,
        &CommandRow {
            id: command_id.to_string(),
            deployment_id: row.deployment_id.clone(),
            host_id: t.host_id.clone(),
            attempt: t.attempt,
            payload: serde_json::to_string(&cmd)?,
            status: CommandStatus::Dispatched.as_str().into(),
            created_at: at,
            acked_at: None,
            completed_at: None,
            error_code: None,
            message: None,
        },
    )?;
    let moved = rollouts::update_target(
        c,
        &row.deployment_id,
        &t.host_id,
        &["Pending"],
        "Dispatched",
        Some(&command_id.to_string()),
        None,
        at,
    )?;
    liftoff_kit::db::one_row(usize::from(moved), "rollout target")
}

fn finish(
    c: &mut AnyConnection,
    row: &RolloutRow,
    outcome: &Outcome,
    counts: Counts,
) -> Result<(), ApiError> {
    let at = now();
    let (status, error, event_type) = match outcome {
        Outcome::Succeeded => (RolloutStatus::Succeeded, None, "deployment.succeeded"),
        Outcome::Failed { code, message } => (
            RolloutStatus::Failed,
            Some((*code, message.as_str())),
            "deployment.failed",
        ),
    };
    if !rollouts::set_status(
        c,
        &row.deployment_id,
        "InProgress",
        status.as_str(),
        error,
        at,
    )? {
        return Ok(());
    }
    let skipped = rollouts::skip_pending(c, &row.deployment_id, at)?;
    let mut ev = event_for(row, event_type)?;
    ev.data = serde_json::json!({
        "hosts": counts.total, "succeeded": counts.succeeded, "failed": counts.failed,
        "skipped": counts.skipped + skipped as u64,
        "error_code": error.map(|e| e.0), "error_message": error.map(|e| e.1),
    });
    outbox::enqueue(c, &ev)?;
    metrics::counter!("liftoff_rollouts_finished_total", "status" => status.as_str()).increment(1);
    Ok(())
}

/// Stops a rollout: nothing new starts, commands not yet picked up are cancelled, hosts
/// already running finish and are recorded. Stopping a finished rollout changes nothing.
pub async fn stop(state: &State, id: Uuid, actor: Option<String>) -> Result<Rollout, ApiError> {
    state
        .db
        .write(move |c| {
            rollouts::lock(c, id)?;
            let row = rollouts::get(c, id)?
                .ok_or_else(|| ApiError::not_found(format!("rollout {id} not found")))?;
            if RolloutStatus::parse(&row.status).is_some_and(|s| s.is_terminal()) {
                return Ok(());
            }
            let at = now();
            rollouts::set_status(
                c,
                &row.deployment_id,
                &row.status,
                "Stopped",
                Some(("STOPPED", "stopped by request")),
                at,
            )?;
            for cmd in commands::dispatched_of_rollout(c, &row.deployment_id)? {
                commands::transition(
                    c,
                    &cmd.id,
                    &["Dispatched"],
                    "Cancelled",
                    Some(("STOPPED", "deployment stopped")),
                    at,
                )?;
                rollouts::update_target(
                    c,
                    &row.deployment_id,
                    &cmd.host_id,
                    &["Dispatched"],
                    "Skipped",
                    None,
                    Some(("stopped", "deployment stopped before the host started")),
                    at,
                )?;
            }
            rollouts::skip_pending(c, &row.deployment_id, at)?;
            let mut ev = event_for(&row, "deployment.stopped")?;
            ev.actor = actor;
            outbox::enqueue(c, &ev)
        })
        .await?;
    view(state, id, None).await
}

/// Fails a host whose command timed out, then lets its rollout move on.
fn fail_stale(
    c: &mut AnyConnection,
    cmd: &CommandRow,
    reason: &str,
    message: &str,
) -> Result<(), ApiError> {
    let at = now();
    let (from, to) = if cmd.status == "Dispatched" {
        ("Dispatched", "Cancelled")
    } else {
        ("InProgress", "Failed")
    };
    if !commands::transition(c, &cmd.id, &[from], to, Some((reason, message)), at)? {
        return Ok(());
    }
    if rollouts::update_target(
        c,
        &cmd.deployment_id,
        &cmd.host_id,
        &["Dispatched", "InProgress"],
        "Failed",
        None,
        Some((reason, message)),
        at,
    )? && let Some(row) = rollouts::get(c, uuid(&cmd.deployment_id)?)?
    {
        let mut ev = event_for(&row, "host.deployment_failed")?;
        ev.host_id = Some(uuid(&cmd.host_id)?);
        ev.data = serde_json::json!({"reason": reason, "message": message, "attempt": cmd.attempt});
        outbox::enqueue(c, &ev)?;
    }
    Ok(())
}

/// Background work: time out stale commands, then advance every active rollout.
pub async fn tick(state: &State) -> Result<(), ApiError> {
    let ack = chrono::Duration::from_std(state.config.ack_timeout)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let run = chrono::Duration::from_std(state.config.command_timeout)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let ack_secs = state.config.ack_timeout.as_secs();
    state
        .db
        .write(move |c| {
            let at = now();
            for cmd in commands::stale(c, "Dispatched", at - ack)? {
                fail_stale(
                    c,
                    &cmd,
                    "never-started",
                    &format!("no agent picked the command up within {ack_secs} s"),
                )?;
            }
            for cmd in commands::stale(c, "InProgress", at - run)? {
                fail_stale(
                    c,
                    &cmd,
                    "timed-out",
                    "the host did not finish within the command timeout",
                )?;
            }
            Ok(())
        })
        .await?;
    let ids = state.db.run(rollouts::active_ids).await?;
    for id in ids {
        let id = uuid(&id)?;
        if let Err(e) = advance(state, id).await {
            tracing::warn!(deployment_id = %id, error = %e, "could not advance rollout");
        }
    }
    Ok(())
}
