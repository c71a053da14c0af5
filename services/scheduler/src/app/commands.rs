//! The agents' command channel: acknowledge, report events, complete (the long poll is `poll`).
//! Commands are delivered at least once; the (command, event) and command-status fencing make
//! every report idempotent, and a finished command is never run again.

use std::collections::HashMap;

use actix_web::web;
use liftoff_kit::db::uuid;
use liftoff_kit::outbox::{self, Destination};
use liftoff_kit::{AnyConnection, ApiError};
use liftoff_types::events::EventType;
use liftoff_types::history::HistoryEvent;
use liftoff_types::names::validate_text;
use liftoff_types::scheduler::*;
use uuid::Uuid;

use super::failure_reason;
use crate::State;
use crate::store::commands::{self, CommandRow, EventRow};
use crate::store::{db_now, revisions, rollouts, targets};

/// Largest output tail stored per event.
pub const MAX_TAIL_BYTES: usize = 64 * 1024;

const KNOWN_EVENTS: &[&str] = &[
    "ApplicationStop",
    "DownloadBundle",
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "ApplicationStart",
    "ValidateService",
    "BeforeBlockTraffic",
    "BlockTraffic",
    "AfterBlockTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
];

/// How long a host may upload a command's hook logs: longer than any command runs (seven
/// events of at most an hour each) plus the agent's retries.
const LOG_GRANT_TTL_HOURS: i64 = 24;

/// The stored command, with the grant that lets `host` (and only it) upload its hook logs.
pub(super) fn with_log_grant(
    state: &State,
    host: Uuid,
    payload: &str,
) -> Result<AgentCommand, ApiError> {
    let mut cmd: AgentCommand = serde_json::from_str(payload)?;
    cmd.log_grant = Some(state.authority.grant(
        LOG_GRANT_PURPOSE,
        &log_grant_subject(host, cmd.command_id),
        chrono::Duration::hours(LOG_GRANT_TTL_HOURS),
    )?);
    Ok(cmd)
}

/// Loads a command for `host`; another host's command is refused with 403.
fn owned(c: &mut AnyConnection, host: Uuid, command: Uuid) -> Result<CommandRow, ApiError> {
    owned_row(commands::get(c, &command.to_string())?, host, command)
}

/// The command `command` as read (`None`: not found, 404), if it is `host`'s (else 403).
fn owned_row(row: Option<CommandRow>, host: Uuid, command: Uuid) -> Result<CommandRow, ApiError> {
    let row = row.ok_or_else(|| ApiError::not_found(format!("command {command} not found")))?;
    if row.host_id != host.to_string() {
        return Err(ApiError::forbidden("this command belongs to another host"));
    }
    Ok(row)
}

fn host_event(
    c: &mut AnyConnection,
    meta: &super::Meta,
    row: &CommandRow,
    event_type: EventType,
) -> Result<liftoff_types::history::HistoryEvent, ApiError> {
    let m = meta.get(c, &row.deployment_id)?;
    let mut ev = outbox::event(crate::NAME, event_type);
    ev.team = Some(m.team.clone());
    ev.application = Some(m.application.clone());
    ev.deployment_group = Some(m.deployment_group.clone());
    ev.deployment_id = Some(uuid(&row.deployment_id)?);
    ev.revision_id = Some(uuid(&m.revision_id)?);
    ev.host_id = Some(uuid(&row.host_id)?);
    Ok(ev)
}

/// The agent claims a command before running it. `proceed` is false once it has finished or
/// been cancelled; re-acknowledging a running command (a retried request) says proceed again.
pub async fn ack(state: &State, host: Uuid, command: Uuid) -> Result<AckResponse, ApiError> {
    let meta = state.meta.clone();
    state
        .db
        .write(move |c| {
            let row = owned(c, host, command)?;
            match row.status {
                CommandStatus::Dispatched => {
                    let at = db_now(c)?;
                    // Fenced: a stop or a timeout that cancelled it first wins.
                    if !commands::transition(
                        c,
                        &row.id,
                        &[CommandStatus::Dispatched],
                        CommandStatus::InProgress,
                        None,
                        at,
                    )? {
                        let row = owned(c, host, command)?;
                        let status = row.status;
                        return Ok(AckResponse {
                            proceed: status == CommandStatus::InProgress,
                            status,
                        });
                    }
                    targets::transition(
                        c,
                        &row.deployment_id,
                        &row.host_id,
                        &[HostTargetStatus::Dispatched],
                        HostTargetStatus::InProgress,
                        targets::Change {
                            at: Some(at),
                            ..Default::default()
                        },
                    )?;
                    let mut ev = host_event(c, &meta, &row, EventType::HostDeploymentStarted)?;
                    ev.data = serde_json::json!({"command_id": row.id, "attempt": row.attempt});
                    outbox::enqueue(c, &ev)?;
                    let waited = (at - row.created_at).num_milliseconds().max(0) as f64 / 1000.0;
                    metrics::histogram!("liftoff_dispatch_latency_seconds").record(waited);
                    Ok(AckResponse {
                        proceed: true,
                        status: CommandStatus::InProgress,
                    })
                }
                CommandStatus::InProgress => Ok(AckResponse {
                    proceed: true,
                    status: CommandStatus::InProgress,
                }),
                done => Ok(AckResponse {
                    proceed: false,
                    status: done,
                }),
            }
        })
        .await
}

fn validate_report(r: &EventReport) -> Result<(), ApiError> {
    if !KNOWN_EVENTS.contains(&r.event.as_str()) {
        return Err(ApiError::invalid_field(format!(
            "event: unknown lifecycle event {:?}",
            r.event
        )));
    }
    if r.output_tail.len() > MAX_TAIL_BYTES + 1024 {
        return Err(ApiError::too_large(format!(
            "output_tail: at most {MAX_TAIL_BYTES} bytes"
        )));
    }
    if let Some(m) = &r.message {
        validate_text("message", m, 4096).map_err(ApiError::invalid_field)?;
    }
    if let Some(code) = &r.error_code
        && (code.len() > 64
            || !code
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
    {
        return Err(ApiError::invalid_field(
            "error_code: UPPER_SNAKE_CASE, at most 64 characters",
        ));
    }
    if r.ended_at.is_some_and(|e| e < r.started_at) {
        return Err(ApiError::invalid_field("ended_at: before started_at"));
    }
    Ok(())
}

/// Records the start or end of one lifecycle event. Reporting the same thing twice is harmless.
pub async fn report_event(
    state: &State,
    host: Uuid,
    command: Uuid,
    report: EventReport,
) -> Result<CommandState, ApiError> {
    report_events(state, host, command, vec![report]).await
}

/// Applies reports of one command in order, in one transaction: all of them or none.
pub async fn report_events(
    state: &State,
    host: Uuid,
    command: Uuid,
    reports: Vec<EventReport>,
) -> Result<CommandState, ApiError> {
    if reports.is_empty() || reports.len() > MAX_EVENT_BATCH {
        return Err(ApiError::invalid_field(format!(
            "reports: 1 to {MAX_EVENT_BATCH} reports"
        )));
    }
    for (i, r) in reports.iter().enumerate() {
        validate_report(r).map_err(|mut e| {
            if reports.len() > 1 {
                e.message = format!("reports[{i}]: {}", e.message);
            }
            e
        })?;
    }
    let meta = state.meta.clone();
    let (state_now, applied) = state
        .db
        .write(move |c| {
            let row = owned(c, host, command)?;
            let status = row.status;
            if status == CommandStatus::Dispatched {
                return Err(ApiError::conflict(
                    "not_acknowledged",
                    "acknowledge the command before reporting events",
                ));
            }
            if status.is_terminal() {
                // A failure reported after the command was concluded without the agent (its
                // host was declared lost, or ran out of time), e.g. `FAILED_AFTER_RESTART` from
                // a restarted agent: accepted, since it changes nothing but an event still open.
                // Anything else stops the agent (409): the command is over.
                if !reports.iter().all(|r| r.status == EventStatus::Failed) {
                    return Err(ApiError::conflict(
                        "command_finished",
                        format!("command is already {}", status.as_str()),
                    ));
                }
                let mut history = Vec::new();
                let applied = apply_reports(c, &meta, &row, &reports, true, &mut history)?;
                outbox::enqueue_all_to(c, Destination::History, &history)?;
                return Ok((
                    CommandState {
                        command_id: command,
                        status,
                    },
                    applied,
                ));
            }
            let mut history = Vec::new();
            let applied = apply_reports(c, &meta, &row, &reports, false, &mut history)?;
            outbox::enqueue_all_to(c, Destination::History, &history)?;
            if !applied.is_empty() {
                // The next report of the rollout's progress carries this host's events.
                targets::mark_unreported(c, &row.deployment_id, &row.host_id)?;
            }
            Ok((
                CommandState {
                    command_id: command,
                    status,
                },
                applied,
            ))
        })
        .await?;
    for report in &applied {
        record_event_metrics(report);
    }
    Ok(state_now)
}

/// `liftoff_lifecycle_event_duration_seconds{event, status}` for every concluded event, and
/// `liftoff_lifecycle_event_failures_total{event, error_code}` for the failed ones. Counted
/// once: only reports that changed the record get here.
fn record_event_metrics(report: &EventReport) {
    let Some(ended) = report.ended_at else {
        return;
    };
    if report.status == EventStatus::InProgress {
        return;
    }
    let secs = (ended - report.started_at).num_milliseconds().max(0) as f64 / 1000.0;
    metrics::histogram!("liftoff_lifecycle_event_duration_seconds", "event" => report.event.clone(), "status" => report.status.as_str())
        .record(secs);
    if matches!(report.status, EventStatus::Failed | EventStatus::TimedOut) {
        let code = report
            .error_code
            .clone()
            .unwrap_or_else(|| "UNKNOWN".to_string());
        metrics::counter!("liftoff_lifecycle_event_failures_total", "event" => report.event.clone(), "error_code" => code)
            .increment(1);
    }
}

/// Records event reports of a command in order, and queues in `history` the history event
/// each owes (the caller enqueues them, so a transaction writes all of its events at once).
/// A retried final report changes nothing; with `only_open`, only reports of an event still
/// `InProgress` are applied. Returns the reports that changed something. One read for the
/// command's events and one multi-row insert for the new ones, whatever the number of reports.
fn apply_reports(
    c: &mut AnyConnection,
    meta: &super::Meta,
    row: &CommandRow,
    reports: &[EventReport],
    only_open: bool,
    history: &mut Vec<HistoryEvent>,
) -> Result<Vec<EventReport>, ApiError> {
    let mut known: HashMap<String, EventStatus> =
        commands::event_statuses(c, &row.id)?.into_iter().collect();
    // New events, written together at the end; a later report of one replaces its row.
    let mut new_rows: Vec<EventRow> = Vec::new();
    let mut applied = Vec::new();
    for report in reports {
        let was = known.get(&report.event).copied();
        if was.is_some_and(|s| s != EventStatus::InProgress)
            || (only_open && was != Some(EventStatus::InProgress))
        {
            // A retried final report: keep the first.
            continue;
        }
        let tail = truncate_tail(&report.output_tail);
        let event_row = EventRow {
            command_id: row.id.clone(),
            event: report.event.clone(),
            status: report.status,
            exit_code: report.exit_code,
            error_code: report.error_code.clone(),
            message: report.message.clone(),
            started_at: report.started_at.naive_utc(),
            ended_at: report.ended_at.map(|t| t.naive_utc()),
            output_tail: tail.clone(),
            output_truncated: report.output_truncated || tail.len() < report.output_tail.len(),
        };
        if let Some(pending) = new_rows.iter_mut().find(|r| r.event == report.event) {
            *pending = event_row;
        } else if was.is_some() {
            commands::upsert_event(c, &event_row, true)?;
        } else {
            new_rows.push(event_row);
        }
        known.insert(report.event.clone(), report.status);
        let event_type = if report.status == EventStatus::InProgress {
            EventType::HostEventStarted
        } else {
            EventType::HostEventFinished
        };
        let mut ev = host_event(c, meta, row, event_type)?;
        ev.data = serde_json::json!({
            "command_id": row.id, "attempt": row.attempt, "event": report.event,
            "status": report.status, "exit_code": report.exit_code, "error_code": report.error_code,
            "message": report.message, "started_at": report.started_at, "ended_at": report.ended_at,
            "duration_ms": report.ended_at.map(|e| (e - report.started_at).num_milliseconds()),
            "output_tail": if report.status == EventStatus::InProgress { None } else { Some(tail) },
            "output_truncated": report.output_truncated,
        });
        history.push(ev);
        applied.push(report.clone());
    }
    commands::insert_events(c, &new_rows)?;
    Ok(applied)
}

fn truncate_tail(s: &str) -> String {
    if s.len() <= MAX_TAIL_BYTES {
        return s.to_string();
    }
    let mut start = s.len() - MAX_TAIL_BYTES;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    s[start..].to_string()
}

/// The agent's final word on a command. The same completion again answers the same; a
/// different one after the fact is a 409 and changes nothing. Applied with the other
/// completions of its rollout that arrive meanwhile, in one transaction (see `completions`).
pub async fn complete(
    state: &web::Data<State>,
    host: Uuid,
    command: Uuid,
    req: CompleteCommand,
) -> Result<CommandState, ApiError> {
    if !matches!(req.status, CommandStatus::Succeeded | CommandStatus::Failed) {
        return Err(ApiError::invalid_field(
            "status: must be Succeeded or Failed",
        ));
    }
    if let Some(m) = &req.message {
        validate_text("message", m, 4096).map_err(ApiError::invalid_field)?;
    }
    if req.reports.len() > MAX_EVENT_BATCH {
        return Err(ApiError::invalid_field(format!(
            "reports: at most {MAX_EVENT_BATCH} reports"
        )));
    }
    for (i, r) in req.reports.iter().enumerate() {
        validate_report(r).map_err(|mut e| {
            e.message = format!("reports[{i}]: {}", e.message);
            e
        })?;
    }
    // Which rollout it belongs to (that never changes), outside any lock.
    let row = state.db.run(move |c| owned(c, host, command)).await?;
    let deployment = uuid(&row.deployment_id)?;
    let status = req.status;
    let applied = if row.status.is_terminal() {
        // A retried completion needs no lock: a finished command stays finished.
        finished(row.status, status)?;
        Vec::new()
    } else {
        super::completions::submit(state, deployment, host, command, req).await?
    };
    for report in &applied {
        record_event_metrics(report);
    }
    Ok(CommandState {
        command_id: command,
        status,
    })
}

/// A completion of a command already `was`: the same answer again for the same outcome, a 409
/// for another.
fn finished(was: CommandStatus, now: CommandStatus) -> Result<(), ApiError> {
    if was == now {
        Ok(())
    } else {
        Err(ApiError::conflict(
            "command_finished",
            format!("command is already {}", was.as_str()),
        ))
    }
}

/// Applies completions of rollout `deployment`'s commands, in order, under its lock, then
/// runs one engine step for all of them (the freed slots go to the next hosts in the same
/// transaction). Each gets its own outcome: the reports it applied, or why it was refused
/// (refusals write nothing). A database error is returned for all, and the caller rolls back.
pub fn apply_completions(
    c: &mut AnyConnection,
    meta: &super::Meta,
    deployment: Uuid,
    items: &[(Uuid, Uuid, CompleteCommand)],
    gate_now: chrono::DateTime<chrono::Utc>,
) -> Result<(super::engine::Woken, Vec<super::completions::Applied>), ApiError> {
    // The rollout's lock first (every writer takes it first), then look again.
    rollouts::lock(c, deployment)?;
    let rollout = rollouts::get(c, deployment)?
        .ok_or_else(|| ApiError::internal("command without rollout"))?;
    let at = db_now(c)?;
    let mut outcomes = Vec::with_capacity(items.len());
    let mut changed = false;
    // Every history event of the batch, in the order they happened, written at once.
    let mut history = Vec::new();
    for (host, command, req) in items {
        // A database error fails the batch (`?`); a refusal is this completion's alone.
        let row =
            owned_row(commands::get(c, &command.to_string())?, *host, *command).and_then(|row| {
                if row.deployment_id == rollout.deployment_id {
                    Ok(row)
                } else {
                    Err(ApiError::internal("command of another rollout"))
                }
            });
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                outcomes.push(Err(e));
                continue;
            }
        };
        if row.status.is_terminal() {
            // A retried completion: its reports were applied with it the first time.
            outcomes.push(finished(row.status, req.status).map(|()| Vec::new()));
            continue;
        }
        if row.status == CommandStatus::Dispatched {
            outcomes.push(Err(ApiError::conflict(
                "not_acknowledged",
                "acknowledge the command before completing it",
            )));
            continue;
        }
        changed = true;
        outcomes.push(Ok(apply_completion(
            c,
            meta,
            &rollout,
            &row,
            req,
            at,
            &mut history,
        )?));
    }
    outbox::enqueue_all_to(c, Destination::History, &history)?;
    let woken = if changed {
        super::engine::step(c, deployment, gate_now)?
    } else {
        Vec::new()
    };
    Ok((woken, outcomes))
}

/// Writes one completion of a running command: its reports, the command's and the target's
/// end, the host's revision and inventory, and the history event. Returns the reports that
/// were new.
fn apply_completion(
    c: &mut AnyConnection,
    meta: &super::Meta,
    rollout: &crate::store::rollouts::RolloutRow,
    row: &CommandRow,
    req: &CompleteCommand,
    at: chrono::NaiveDateTime,
    history: &mut Vec<HistoryEvent>,
) -> Result<Vec<EventReport>, ApiError> {
    let applied = apply_reports(c, meta, row, &req.reports, false, history)?;
    if !applied.is_empty() {
        targets::mark_unreported(c, &row.deployment_id, &row.host_id)?;
    }
    let reason =
        (req.status == CommandStatus::Failed).then(|| failure_reason(req.error_code.as_deref()));
    let message = req.message.clone().unwrap_or_default();
    let error = reason.as_deref().map(|r| (r, message.as_str()));
    commands::transition(
        c,
        &row.id,
        &[CommandStatus::InProgress],
        req.status,
        error,
        at,
    )?;
    let target_status = if req.status == CommandStatus::Succeeded {
        HostTargetStatus::Succeeded
    } else {
        HostTargetStatus::Failed
    };
    let moved = targets::transition(
        c,
        &row.deployment_id,
        &row.host_id,
        &[HostTargetStatus::InProgress, HostTargetStatus::Dispatched],
        target_status,
        targets::Change {
            error,
            at: Some(at),
            ..Default::default()
        },
    )?;
    if moved {
        if req.status == CommandStatus::Succeeded {
            revisions::record(
                c,
                &rollout.team,
                &rollout.application,
                &row.host_id,
                &rollout.revision_id,
                &rollout.deployment_id,
                at,
            )?;
            super::inventory::record_success(c, row, rollout, at)?;
        }
        let event_type = if req.status == CommandStatus::Succeeded {
            EventType::HostDeploymentSucceeded
        } else {
            EventType::HostDeploymentFailed
        };
        let mut ev = super::engine::event_for(rollout, event_type)?;
        ev.host_id = Some(uuid(&row.host_id)?);
        ev.data = serde_json::json!({"command_id": row.id, "attempt": row.attempt, "reason": reason, "error_code": req.error_code, "message": req.message});
        history.push(ev);
    }
    Ok(applied)
}
