//! The whole hook output of each host × lifecycle event, uploaded by the agent at the end of
//! the event (capped; the agent says when it cut). A log is trusted only for the host its
//! command ran on: every upload carries the grant the scheduler signed for that host and
//! command when it handed the command over, so no other host can take a command's log slots,
//! even before history has heard of the command; a log whose command history has not yet heard
//! of is kept but shown only once the scheduler's events confirm it.

use liftoff_kit::ApiError;
use liftoff_kit::db::{now, to_utc, uuid};
use liftoff_types::history::{
    HOOK_LOG_BATCH_MAX, HOOK_LOG_CAP_BYTES, HookLog, HookLogBatch, HookLogEntry, HookLogPage,
    HookLogUpload,
};
use uuid::Uuid;

use crate::State;
use crate::store::deployments;
use crate::store::logs::{self, HookLogRow, LogFilter, NewHookLog};

fn valid_event(event: &str) -> bool {
    !event.is_empty() && event.len() <= 64 && event.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Stores the output of `event` of `command`, sent by the agent of `host` (of `team`).
pub async fn upload(
    state: &State,
    team: String,
    host: Uuid,
    command: Uuid,
    event: String,
    body: HookLogUpload,
) -> Result<(), ApiError> {
    let batch = HookLogBatch {
        deployment_id: body.deployment_id,
        revision_id: body.revision_id,
        upload_grant: body.upload_grant,
        logs: vec![HookLogEntry {
            event,
            output: body.output,
            truncated: body.truncated,
            original_bytes: body.original_bytes,
        }],
    };
    upload_batch(state, team, host, command, batch).await
}

/// Stores the outputs of several events of `command` at once, in one transaction: all or
/// none. The agent sends the logs of events that ended close together this way (one request
/// and one write instead of one per event).
pub async fn upload_batch(
    state: &State,
    team: String,
    host: Uuid,
    command: Uuid,
    body: HookLogBatch,
) -> Result<(), ApiError> {
    if body.logs.is_empty() || body.logs.len() > HOOK_LOG_BATCH_MAX {
        return Err(ApiError::invalid_field(format!(
            "logs: 1 to {HOOK_LOG_BATCH_MAX} lifecycle events"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for log in &body.logs {
        if !valid_event(&log.event) {
            return Err(ApiError::invalid_field(
                "event: a lifecycle event name, letters and digits only",
            ));
        }
        if !seen.insert(log.event.as_str()) {
            return Err(ApiError::invalid_field(format!(
                "logs: {} appears twice",
                log.event
            )));
        }
        if log.output.len() > HOOK_LOG_CAP_BYTES {
            return Err(ApiError::too_large(format!(
                "output: at most {HOOK_LOG_CAP_BYTES} bytes; send the head and tail with truncated=true"
            )));
        }
    }
    if body.logs.len() > 1
        && body.logs.iter().map(|l| l.output.len()).sum::<usize>() > HOOK_LOG_CAP_BYTES
    {
        return Err(ApiError::too_large(format!(
            "logs: at most {HOOK_LOG_CAP_BYTES} bytes of output together; send larger ones alone"
        )));
    }
    let grant = body.upload_grant.as_deref().ok_or_else(|| {
        ApiError::forbidden(
            "upload_grant: missing; only the host the scheduler gave the command to may upload its logs",
        )
    })?;
    state.authority.check_grant(
        grant,
        liftoff_types::scheduler::LOG_GRANT_PURPOSE,
        &liftoff_types::scheduler::log_grant_subject(host, command),
    )?;
    let uploaded_at = now();
    let mut rows = Vec::with_capacity(body.logs.len());
    for log in body.logs {
        // PostgreSQL text cannot hold NUL.
        let output = if log.output.contains('\0') {
            log.output.replace('\0', "\u{fffd}")
        } else {
            log.output
        };
        let bytes = output.len() as i64;
        let original = i64::try_from(log.original_bytes)
            .map_err(|_| ApiError::invalid_field("original_bytes: too large"))?
            .max(bytes);
        rows.push(NewHookLog {
            command_id: command.to_string(),
            event: log.event,
            team: team.clone(),
            deployment_id: body.deployment_id.to_string(),
            host_id: host.to_string(),
            revision_id: body.revision_id.to_string(),
            output,
            bytes,
            original_bytes: original,
            truncated: log.truncated || original > bytes,
            uploaded_at,
        });
    }
    let count = rows.len() as u64;
    let (command_id, host_id, team, deployment_id) = (
        command.to_string(),
        host.to_string(),
        team,
        body.deployment_id.to_string(),
    );
    state
        .db
        .write(move |c| {
            if let Some(cmd) = deployments::command(c, &command_id)? {
                if cmd.host_id != host_id || cmd.team.as_deref() != Some(team.as_str()) {
                    return Err(ApiError::forbidden("this command belongs to another host"));
                }
                if cmd.deployment_id != deployment_id {
                    return Err(ApiError::invalid_field(
                        "deployment_id: not the deployment of this command",
                    ));
                }
            }
            for row in &rows {
                if let Some(existing) = logs::get(c, &row.command_id, &row.event)?
                    && existing.host_id != row.host_id
                {
                    return Err(ApiError::forbidden("this command belongs to another host"));
                }
                logs::put(c, row)?;
            }
            Ok(())
        })
        .await?;
    metrics::counter!("liftoff_history_hook_logs_total").increment(count);
    Ok(())
}

fn to_log(r: HookLogRow) -> Result<HookLog, ApiError> {
    Ok(HookLog {
        deployment_id: uuid(&r.deployment_id)?,
        host_id: uuid(&r.host_id)?,
        command_id: uuid(&r.command_id)?,
        event: r.event,
        revision_id: uuid(&r.revision_id)?,
        output: r.output,
        bytes: r.bytes.max(0) as u64,
        original_bytes: r.original_bytes.max(0) as u64,
        truncated: r.truncated,
        uploaded_at: to_utc(r.uploaded_at),
    })
}

/// A page of a deployment's hook logs, in upload order. Another team's deployment is a 404.
pub async fn list(state: &State, filter: LogFilter) -> Result<HookLogPage, ApiError> {
    let limit = filter.limit;
    let (visible, rows, commands) = state
        .db
        .run(move |c| {
            let visible =
                deployments::deployment_visible(c, filter.team.as_deref(), &filter.deployment_id)?;
            if !visible {
                return Ok((false, vec![], vec![]));
            }
            let mut f = filter.clone();
            f.limit += 1;
            let rows = logs::list(c, &f)?;
            let ids: Vec<String> = rows.iter().map(|r| r.command_id.clone()).collect();
            let commands = deployments::commands(c, &ids)?;
            Ok((true, rows, commands))
        })
        .await?;
    if !visible {
        return Err(ApiError::not_found("deployment not found in history"));
    }
    let mut rows = rows;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = if more {
        rows.last().map(|r| r.id.to_string())
    } else {
        None
    };
    let confirmed = |r: &HookLogRow| {
        commands.iter().any(|c| {
            c.command_id == r.command_id
                && c.host_id == r.host_id
                && c.deployment_id == r.deployment_id
        })
    };
    let logs = rows
        .into_iter()
        .filter(confirmed)
        .map(to_log)
        .collect::<Result<_, _>>()?;
    Ok(HookLogPage { logs, next_cursor })
}
