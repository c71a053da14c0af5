//! Scale-in: a host leaving the fleet runs its application's ApplicationStop hooks (when its
//! agent is reachable), then is deregistered; the answer to the autoscaler is recorded. The
//! request rides on the agent's next heartbeat answer and is handed over once; an agent that
//! does not answer in time (or is lost) is deregistered without it.

use liftoff_kit::auth::Caller;
use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_kit::{AnyConnection, ApiError, outbox};
use liftoff_types::autoscaling::{LifecycleActionStatus, LifecycleResult};
use liftoff_types::events::EventType;
use liftoff_types::names::validate_text;
use liftoff_types::registry::{
    HostCommand, HostCommandKind, HostCommandResult, HostCommandStatus, HostState,
};
use uuid::Uuid;

use super::actions::complete_action;
use crate::State;
use crate::store::commands::{self, HostCommandRow};
use crate::store::hosts::{self, HostRow};

/// The one command kind a heartbeat answer delivers (the heartbeat checks for it).
pub(crate) const STOP: HostCommandKind = HostCommandKind::ApplicationStop;
const MAX_TAIL: usize = 64 * 1024;

/// A host is reachable when it is not `Lost` and heartbeated within the grace.
fn reachable(row: &HostRow, grace: chrono::Duration, at: chrono::NaiveDateTime) -> bool {
    row.state != HostState::Lost
        && row.state != HostState::Deregistered
        && row.last_heartbeat_at.is_some_and(|t| at - t <= grace)
}

/// Deregisters a host now: its credential is queued for revocation (in the outbox, for
/// deployment-api) in the same transaction (see [`super::revocations`]). False if it already
/// was.
pub fn deregister_now(
    c: &mut AnyConnection,
    row: &HostRow,
    actor: Option<&str>,
    reason: &str,
) -> Result<bool, ApiError> {
    if !hosts::deregister(c, &row.id, reason, now())? {
        return Ok(false);
    }
    super::revocations::queue(c, row, reason)?;
    let mut ev = outbox::event(crate::NAME, EventType::HostDeregistered);
    ev.team = Some(row.team.clone());
    ev.actor = actor.map(str::to_string);
    ev.host_id = Some(uuid(&row.id)?);
    ev.data =
        serde_json::json!({"from": row.state, "to": HostState::Deregistered, "reason": reason});
    outbox::enqueue(c, &ev)?;
    super::membership::push(c, &row.id)?;
    Ok(true)
}

/// Starts the scale-in of `row` for lifecycle action `action_id`: asks a reachable agent to
/// stop the application, or deregisters at once. True when the agent was asked.
pub fn begin(
    c: &mut AnyConnection,
    row: &HostRow,
    action_id: &str,
    grace: chrono::Duration,
) -> Result<bool, ApiError> {
    let at = now();
    if !reachable(row, grace, at) {
        let why = format!(
            "scale-in: the agent is unreachable ({}); ApplicationStop not run",
            row.state.as_str()
        );
        deregister_now(c, row, None, &why)?;
        complete_action(
            c,
            action_id,
            LifecycleActionStatus::Completed,
            LifecycleResult::Continue,
            &why,
        )?;
        return Ok(false);
    }
    if commands::open_for(c, &row.id)?
        .iter()
        .any(|cmd| cmd.kind == STOP)
    {
        return Ok(true);
    }
    let id = Uuid::now_v7();
    commands::insert(
        c,
        &HostCommandRow {
            id: id.to_string(),
            host_id: row.id.clone(),
            kind: STOP,
            action_id: Some(action_id.to_string()),
            status: HostCommandStatus::Pending,
            message: None,
            output_tail: None,
            created_at: at,
            delivered_at: None,
            completed_at: None,
        },
    )?;
    let mut ev = outbox::event(crate::NAME, EventType::HostScaleInStarted);
    ev.team = Some(row.team.clone());
    ev.host_id = Some(uuid(&row.id)?);
    ev.data = serde_json::json!({"command_id": id, "command": STOP.as_str(), "lifecycle_action_id": action_id});
    outbox::enqueue(c, &ev)?;
    Ok(true)
}

/// The commands to hand an agent with its heartbeat answer; each is handed over once.
pub fn deliver(
    c: &mut AnyConnection,
    host_id: &str,
    at: chrono::NaiveDateTime,
) -> Result<Vec<HostCommand>, ApiError> {
    let mut out = Vec::new();
    for cmd in commands::open_for(c, host_id)? {
        if cmd.status != HostCommandStatus::Pending || cmd.kind != STOP {
            continue;
        }
        commands::mark_delivered(c, &cmd.id, at)?;
        out.push(HostCommand {
            command_id: uuid(&cmd.id)?,
            kind: cmd.kind,
            issued_at: to_utc(cmd.created_at),
        });
    }
    Ok(out)
}

/// The agent's answer: records it, deregisters the host, answers the autoscaler (CONTINUE
/// when the application stopped cleanly, ABANDON when a hook failed). A repeated answer
/// changes nothing.
pub async fn command_result(
    state: &State,
    caller: &Caller,
    host: Uuid,
    command: Uuid,
    req: HostCommandResult,
) -> Result<(), ApiError> {
    caller.host(host)?;
    if let Some(m) = &req.message {
        validate_text("message", m, 4096).map_err(ApiError::invalid_field)?;
    }
    if req.output_tail.len() > MAX_TAIL + 1024 {
        return Err(ApiError::too_large(format!(
            "output_tail: at most {MAX_TAIL} bytes"
        )));
    }
    let jti = caller.claims.jti.clone();
    state
        .db
        .write(move |c| {
            let row = hosts::get(c, &host.to_string())?
                .ok_or_else(|| ApiError::unauthorized("unknown host"))?;
            if row.credential_id != jti {
                return Err(ApiError::unauthorized("host credential revoked"));
            }
            let cmd = commands::get(c, &command.to_string())?
                .ok_or_else(|| ApiError::not_found(format!("command {command} not found")))?;
            if cmd.host_id != row.id {
                return Err(ApiError::forbidden("this command belongs to another host"));
            }
            let status = if req.succeeded {
                HostCommandStatus::Succeeded
            } else {
                HostCommandStatus::Failed
            };
            let message = req.message.clone().unwrap_or_default();
            if !commands::complete(
                c,
                &cmd.id,
                status,
                Some(&message),
                Some(&req.output_tail),
                now(),
            )? {
                return Ok(());
            }
            let why = if req.succeeded {
                "scale-in: ApplicationStop succeeded".to_string()
            } else {
                format!("scale-in: ApplicationStop failed: {message}")
            };
            deregister_now(c, &row, None, &why)?;
            if let Some(action) = &cmd.action_id {
                let result = if req.succeeded {
                    LifecycleResult::Continue
                } else {
                    LifecycleResult::Abandon
                };
                complete_action(c, action, LifecycleActionStatus::Completed, result, &why)?;
            }
            Ok(())
        })
        .await?;
    super::revocations::after_deregistration(state).await;
    Ok(())
}

/// Background work: scale-ins whose agent is lost or did not answer in time go ahead without
/// ApplicationStop.
pub async fn tick(state: &State) -> Result<(), ApiError> {
    let timeout = chrono::Duration::from_std(state.config.autoscaling.stop_timeout)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    state
        .db
        .write(move |c| {
            let at = now();
            for cmd in commands::all_open(c)? {
                let host = hosts::get(c, &cmd.host_id)?;
                let why = match &host {
                    None => "scale-in: the host no longer exists".to_string(),
                    Some(h) if h.state == HostState::Deregistered => {
                        "scale-in: the host was deregistered meanwhile".to_string()
                    }
                    Some(h) if h.state == HostState::Lost => {
                        "scale-in: the agent was lost before it answered; ApplicationStop not confirmed".to_string()
                    }
                    Some(_) if at - cmd.created_at > timeout => format!(
                        "scale-in: the agent did not answer ApplicationStop within {} s",
                        timeout.num_seconds()
                    ),
                    Some(_) => continue,
                };
                if !commands::complete(c, &cmd.id, HostCommandStatus::Abandoned, Some(&why), None, at)? {
                    continue;
                }
                if let Some(h) = &host {
                    deregister_now(c, h, None, &why)?;
                }
                if let Some(action) = &cmd.action_id {
                    complete_action(c, action, LifecycleActionStatus::Completed, LifecycleResult::Continue, &why)?;
                }
            }
            Ok(())
        })
        .await
}
